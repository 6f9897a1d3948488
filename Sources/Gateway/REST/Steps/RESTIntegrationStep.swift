import Foundation
import HTTPMessage
import JSONCore

/// What the integration answered, for the integration response step.
enum RESTIntegrationAnswer: Sendable {
    case lambda(LambdaAnswer)
    /// An HTTP endpoint's or an AWS service's answer.
    case http(UpstreamResponse)
    case mock(status: Int)
}

/// REST step "integration": makes the call the integration request step prepared, through the shared callers
/// (`LambdaInvoker`, `HTTPIntegrationCaller`, `ServiceIntegrationCaller`), and maps their failures to gateway
/// errors (INTEGRATION_TIMEOUT, INTEGRATION_FAILURE, configuration errors).
struct RESTIntegrationStep: PipelineStep {
    var name: StepName { .integration }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) async throws(GatewayError) {
        guard let integration = exchange.method?.integration, let call = exchange.integrationCall else {
            throw GatewayError.internalError("no integration request")
        }
        switch call {
        case let .lambda(function, payload): exchange.integrationAnswer = .lambda(try await gateway.invokeLambda(function, integration, payload: payload))
        case let .http(upstream): exchange.integrationAnswer = .http(try await gateway.callHTTP(upstream, integration))
        case let .service(request): exchange.integrationAnswer = .http(try await gateway.callService(request, integration))
        case let .mock(status): exchange.integrationAnswer = .mock(status: status)
        }
    }
}

extension RESTGateway {
    func timeoutError(_ integration: Integration) -> GatewayError {
        GatewayError(.integrationTimeout, message: "Endpoint request timed out",
                     detail: "the integration did not answer within \(integration.timeoutMilliseconds) ms")
    }

    /// Invokes a Lambda function (through the shared `LambdaInvoker`).
    func invokeLambda(_ function: LambdaFunctionReference, _ integration: Integration, payload: [UInt8]) async throws(GatewayError) -> LambdaAnswer {
        let result = await LambdaInvoker(backends: backends).invoke(functionName: function.name, qualifier: function.qualifier, payload: payload,
                                                                    timeoutMilliseconds: integration.timeoutMilliseconds)
        switch result {
        case let .success(answer): return answer
        case .failure(.timedOut): throw timeoutError(integration)
        case let .failure(.noBackend(message)), let .failure(.invokeFailed(message)), let .failure(.unreachable(message)),
             let .failure(.invalidURL(message)):
            throw GatewayError.internalError("Lambda invoke failed: \(message)", type: .integrationFailure)
        }
    }

    /// Sends an upstream request to the HTTP backend registered for the URL's host (through `HTTPIntegrationCaller`).
    func callHTTP(_ upstream: UpstreamRequest, _ integration: Integration) async throws(GatewayError) -> UpstreamResponse {
        switch await HTTPIntegrationCaller(backends: backends, rules: .restAPI).send(upstream) {
        case let .success(response): return response
        case .failure(.timedOut): throw timeoutError(integration)
        case let .failure(.invalidURL(url)):
            throw GatewayError.internalError("Execution failed due to configuration error: invalid endpoint address '\(url)'")
        case let .failure(.noBackend(host)):
            throw GatewayError.internalError("Execution failed due to configuration error: no HTTP backend is registered for host '\(host)'", type: .integrationFailure)
        case let .failure(.unreachable(reason)), let .failure(.invokeFailed(reason)):
            throw GatewayError.internalError("Execution failed due to an integration error: \(reason)", type: .integrationFailure)
        }
    }

    /// Sends an AWS service request (through `ServiceIntegrationCaller`).
    func callService(_ request: ServiceRequest, _ integration: Integration) async throws(GatewayError) -> UpstreamResponse {
        switch await ServiceIntegrationCaller(backends: backends).send(request) {
        case let .success(response): return response
        case .failure(.timedOut): throw timeoutError(integration)
        case let .failure(.noBackend(message)):
            throw GatewayError.internalError("Execution failed due to configuration error: \(message)", type: .integrationFailure)
        case let .failure(.unreachable(reason)), let .failure(.invokeFailed(reason)), let .failure(.invalidURL(reason)):
            throw GatewayError.internalError("Execution failed due to an integration error: \(reason)", type: .integrationFailure)
        }
    }
}
