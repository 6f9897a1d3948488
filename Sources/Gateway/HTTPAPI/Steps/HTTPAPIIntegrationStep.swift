import Foundation
import HTTPMessage

/// HTTP API step "integration": makes the call through the shared callers (`LambdaInvoker`,
/// `HTTPIntegrationCaller`, `ServiceIntegrationCaller`). A failed call is 500 `{"message":"Internal Server Error"}`,
/// one that does not answer in time 503 `{"message":"Service Unavailable"}`.
struct HTTPAPIIntegrationStep: PipelineStep {
    var name: StepName { .integration }

    func run(_ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) async throws(GatewayError) {
        let integration = try exchange.integration()
        guard let call = exchange.integrationCall else { throw GatewayError.internalError("no integration request") }
        switch call {
        case let .lambda(name, qualifier, event):
            exchange.output = try await gateway.invokeLambda(name, qualifier: qualifier, event: event, integration: integration)
        case let .http(upstream):
            exchange.output = try await gateway.callHTTP(upstream, integration: integration)
        case let .service(request):
            exchange.output = try await gateway.callService(request, timeoutMilliseconds: integration.timeoutMilliseconds)
        }
    }
}

extension HTTPAPIGateway {
    static func integrationFailure(_ detail: String) -> GatewayError {
        .httpAPI(.integrationFailure, 500, "Internal Server Error", detail: detail)
    }

    static func integrationTimeout(_ detail: String) -> GatewayError {
        .httpAPI(.integrationTimeout, 503, "Service Unavailable", detail: detail)
    }

    /// An `integrationSubtype` integration: the service's status, Content-Type and body are the integration's answer.
    func callService(_ request: ServiceRequest, timeoutMilliseconds: Int) async throws(GatewayError) -> GatewayResponse {
        switch await ServiceIntegrationCaller(backends: backends).send(request) {
        case let .success(answer):
            var headers = HTTPHeaders()
            if let type = answer.headers["Content-Type"] { headers.add(name: "Content-Type", value: type) }
            return GatewayResponse(status: answer.status, headers: headers, body: answer.body)
        case .failure(.timedOut):
            throw Self.integrationTimeout("the \(request.service) service did not answer within \(timeoutMilliseconds) ms")
        case let .failure(.noBackend(message)), let .failure(.unreachable(message)), let .failure(.invokeFailed(message)),
             let .failure(.invalidURL(message)):
            throw Self.integrationFailure(message)
        }
    }

    /// Invokes the function and reads its answer as the payload format says.
    func invokeLambda(_ name: String, qualifier: String?, event: [UInt8], integration: HTTPAPIIntegration) async throws(GatewayError) -> GatewayResponse {
        let result = await LambdaInvoker(backends: backends).invoke(functionName: name, qualifier: qualifier, payload: event,
                                                                    timeoutMilliseconds: integration.timeoutMilliseconds)
        switch result {
        case .failure(.noBackend):
            throw Self.integrationFailure("no Lambda backend is registered for function '\(name)'")
        case .failure(.timedOut):
            throw Self.integrationTimeout("function '\(name)' did not answer within \(integration.timeoutMilliseconds) ms")
        case let .success(.functionError(payload)):
            throw Self.integrationFailure("function '\(name)' failed: \(String(decoding: payload.prefix(500), as: UTF8.self))")
        case let .failure(.invokeFailed(message)), let .failure(.unreachable(message)), let .failure(.invalidURL(message)):
            throw Self.integrationFailure("invoking '\(name)' failed: \(message)")
        case let .success(.output(payload)):
            let interpreted = integration.payloadFormat == .v2 ? HTTPAPILambdaOutput.v2(payload) : HTTPAPILambdaOutput.v1(payload)
            switch interpreted {
            case let .success(output): return output
            case let .failure(problem):
                throw Self.integrationFailure("malformed Lambda output (payload \(integration.payloadFormat.rawValue)): \(problem.message)")
            }
        }
    }

    /// Headers HTTP proxy integrations do not return to the client (recomputed or hop-by-hop).
    static let droppedUpstreamHeaders: Set<String> = ["connection", "keep-alive", "transfer-encoding", "content-length", "date", "apigw-requestid"]

    /// Sends the request to the HTTP backend registered for the URL's host.
    func callHTTP(_ upstream: UpstreamRequest, integration: HTTPAPIIntegration) async throws(GatewayError) -> GatewayResponse {
        let url = upstream.url
        switch await HTTPIntegrationCaller(backends: backends, rules: .httpAPI).send(upstream) {
        case .failure(.invalidURL), .failure(.noBackend):
            throw Self.integrationFailure("no HTTP backend is registered for the host of '\(url)'")
        case .failure(.timedOut):
            throw Self.integrationTimeout("\(url) did not answer within \(integration.timeoutMilliseconds) ms")
        case let .failure(.unreachable(message)), let .failure(.invokeFailed(message)):
            throw Self.integrationFailure("\(url) is unreachable: \(message)")
        case let .success(response):
            var passed = HTTPHeaders()
            for field in response.headers where !Self.droppedUpstreamHeaders.contains(field.name.lowercased()) {
                passed.add(name: field.name, value: field.value)
            }
            return GatewayResponse(status: response.status, headers: passed, body: response.body)
        }
    }
}
