import Foundation

/// HTTP API step "authorize": `AWS_IAM` signatures (HTTPAPIIAMAuthorization.swift), then, for a route that has an
/// integration (404 first when it has none, before any authorizer is called), its Lambda authorizer
/// (HTTPAPILambdaAuthorization.swift) or JWT authorizer (HTTPAPIJWTAuthorization.swift).
struct HTTPAPIAuthorizeStep: PipelineStep {
    var name: StepName { .authorize }

    func run(_ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) async throws(GatewayError) {
        guard let route = exchange.match?.route, let original = exchange.original, var context = exchange.context else {
            throw GatewayError.internalError("authorize before route")
        }
        if let (body, detail) = gateway.iamRejection(route, exchange.request, now: Date()) {
            var error = GatewayError.httpAPI(.accessDenied, 403, "Forbidden", detail: detail)
            error.bodyOverride = body
            throw error
        }
        guard route.integration != nil else {
            throw .httpAPI(.resourceNotFound, 404, "Not Found", detail: "route '\(route.routeKey)' has no integration")
        }
        switch await gateway.authorizeLambda(route, view: original, context: context, innerPath: exchange.innerPath) {
        case let .proceed(grant): if let grant { context.record(grant) }
        case let .reject(status, body, detail):
            var error = GatewayError.httpAPI(status == 500 ? .authorizerConfigurationError : status == 403 ? .accessDenied : .unauthorized,
                                             status, "", detail: detail)
            error.bodyOverride = body
            throw error
        }
        switch await gateway.authorizeJWT(route, view: original) {
        case let .proceed(grant): if let grant { context.record(grant) }
        case let .reject(status, body, challenge, detail):
            var error = GatewayError.httpAPI(status == 403 ? .accessDenied : .unauthorized, status, "", detail: detail,
                                             headers: [("www-authenticate", challenge)])
            error.bodyOverride = body
            throw error
        }
        exchange.context = context
    }
}
