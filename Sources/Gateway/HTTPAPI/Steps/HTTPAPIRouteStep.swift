import Foundation

/// HTTP API step "route": the stage prefix (none for `$default`), then the route (`HTTPAPIRouter`: most specific
/// path, then `ANY`, then `$default`); 404 `{"message":"Not Found"}` when nothing matches. Builds the request view
/// events and mappings read, and `$context`.
struct HTTPAPIRouteStep: PipelineStep {
    var name: StepName { .route }

    func run(_ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) throws(GatewayError) {
        let request = exchange.request
        guard let innerPath = gateway.stagePath(of: request.path) else {
            throw .httpAPI(.resourceNotFound, 404, "Not Found", detail: "path '\(request.path)' is outside stage '\(gateway.stage)'")
        }
        guard let match = gateway.router.match(method: request.method.uppercased(), path: innerPath) else {
            throw .httpAPI(.resourceNotFound, 404, "Not Found", detail: "no route matches \(request.method) \(innerPath)")
        }
        let route = match.route
        exchange.innerPath = innerPath
        exchange.match = match
        exchange.log.route = route.routeKey
        exchange.log.integrationType = route.integration?.typeName
        exchange.log.payloadFormatVersion = route.integration?.payloadFormatVersion
        exchange.original = HTTPAPIRequestView(request: request, pathParameters: match.pathParameters, traceID: exchange.clock.traceID)
        exchange.context = HTTPAPIRequestContext(requestID: exchange.requestID, apiID: gateway.api.apiID, stage: gateway.stage, route: route,
                                                 requestPath: innerPath, clock: exchange.clock, host: request.headers["host"],
                                                 userAgent: request.headers["user-agent"])
    }
}
