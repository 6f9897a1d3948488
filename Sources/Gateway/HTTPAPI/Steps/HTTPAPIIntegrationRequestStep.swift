import Foundation
import HTTPMessage
import JSONCore

/// What the integration request step prepared for the integration step.
enum HTTPAPIIntegrationCall: Sendable {
    /// `AWS_PROXY` to Lambda: the function (stage variables substituted) and the payload 1.0 / 2.0 event.
    case lambda(name: String, qualifier: String?, event: [UInt8])
    /// `HTTP_PROXY`.
    case http(UpstreamRequest)
    /// An `integrationSubtype` service integration.
    case service(ServiceRequest)
}

/// HTTP API step "integration request": applies the integration's `requestParameters` (header, query string and
/// path mappings) and builds the call: the Lambda event, the upstream request, or the service request.
struct HTTPAPIIntegrationRequestStep: PipelineStep {
    var name: StepName { .integrationRequest }

    func run(_ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) throws(GatewayError) {
        let integration = try exchange.integration()
        guard let route = exchange.match?.route, let original = exchange.original, let context = exchange.context else {
            throw GatewayError.internalError("integration request before route")
        }
        let evaluator = HTTPAPIMappingEvaluator(request: original, context: context, stageVariables: gateway.stageVariables)
        let (view, pathOverride) = evaluator.applyRequestMappings(integration.requestParameters, to: original)
        exchange.evaluator = evaluator
        exchange.mapped = view
        switch integration.target {
        case let .lambda(function):
            exchange.integrationCall = try gateway.lambdaCall(function, integration: integration, view: view, context: context)
        case let .http(urlTemplate):
            exchange.integrationCall = .http(gateway.upstreamRequest(urlTemplate, integration: integration, route: route, view: view,
                                                                     innerPath: pathOverride ?? exchange.innerPath, pathOverridden: pathOverride != nil))
        case let .service(call):
            let parameters = call.parameters.map { ($0.name, evaluator.evaluate($0.value)) }
            guard let request = ServiceIntegrationCaller.subtypeRequest(call.subtype, parameters: parameters,
                                                                        timeoutMilliseconds: integration.timeoutMilliseconds) else {
                throw .httpAPI(.integrationFailure, 500, "Internal Server Error", detail: "integrationSubtype \(call.subtype) is not served by the emulator")
            }
            exchange.integrationCall = .service(request)
        case let .unsupported(feature):
            throw .httpAPI(.integrationFailure, 500, "Internal Server Error", detail: Unsupported.requestDetail(feature))
        }
    }
}

extension HTTPAPIGateway {
    /// The function to invoke and its event (payload format 1.0 or 2.0).
    func lambdaCall(_ function: HTTPAPILambdaFunction, integration: HTTPAPIIntegration, view: HTTPAPIRequestView,
                    context: HTTPAPIRequestContext) throws(GatewayError) -> HTTPAPIIntegrationCall {
        let name = substituteStageVariables(in: function.name, stageVariables)
        let qualifier = function.qualifier.map { substituteStageVariables(in: $0, stageVariables) }.flatMap { $0.isEmpty ? nil : $0 }
        guard !name.isEmpty else {
            throw .httpAPI(.integrationFailure, 500, "Internal Server Error", detail: "no Lambda backend is registered for function '\(name)'")
        }
        let event = integration.payloadFormat == .v2
            ? HTTPAPIEvent.v2(view, context: context, stageVariables: stageVariables)
            : HTTPAPIEvent.v1(view, context: context, stageVariables: stageVariables)
        return .lambda(name: name, qualifier: qualifier, event: Array(event.serialized(.compact).utf8))
    }

    /// The `HTTP_PROXY` request: the URL with stage variables and path parameters substituted (for `$default` and
    /// `overwrite:path`, the request path on the integration's origin), the client's query, headers without `host`.
    func upstreamRequest(_ urlTemplate: String, integration: HTTPAPIIntegration, route: HTTPAPIRoute, view: HTTPAPIRequestView,
                         innerPath: String, pathOverridden: Bool) -> UpstreamRequest {
        var url = substituteStageVariables(in: urlTemplate, stageVariables)
        for (name, value) in view.pathParameters {
            url = url.replacingOccurrences(of: "{\(name)}", with: value)
        }
        if pathOverridden || route.isDefault {
            // `$default` and `overwrite:path` send the request path to the integration's origin.
            if let origin = Self.origin(of: url) { url = origin + (pathOverridden ? innerPath : Self.pathPart(of: url).dropTrailingSlash + innerPath) }
        }
        if !view.rawQueryString.isEmpty { url += (url.contains("?") ? "&" : "?") + view.rawQueryString }
        var headers = view.headers
        headers.remove(name: "host")
        let method = integration.httpMethod.flatMap { $0 == "ANY" ? nil : $0 } ?? view.method
        return UpstreamRequest(method: method, url: url, headers: headers, body: view.body, timeoutMilliseconds: integration.timeoutMilliseconds)
    }
}
