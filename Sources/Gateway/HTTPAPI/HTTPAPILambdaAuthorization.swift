import Foundation
import HTTPMessage
import JSONCore
import Yams

extension HTTPAPIGateway {
    /// Error bodies of Lambda-authorized routes.
    enum AuthorizerErrorBody {
        static let unauthorized = #"{"message":"Unauthorized"}"#
        static let forbidden = #"{"message":"Forbidden"}"#
    }

    /// What the "authorize" step decided for an HTTP API route.
    enum LambdaAuthorization {
        /// The route needs no Lambda authorizer, or it allowed the request: `$context.authorizer` values (nil when none).
        case proceed(AuthorizeStep.Grant?)
        case reject(status: Int, body: String, detail: String)
    }

    /// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}` of a request (the path inside the stage).
    func routeARN(method: String, innerPath: String) -> String {
        let path = innerPath.hasPrefix("/") ? String(innerPath.dropFirst()) : innerPath
        return "arn:aws:execute-api:\(EmulatorEnvironment.region):\(EmulatorEnvironment.accountID):\(api.apiID)/\(stage)/\(method.uppercased())/\(path)"
    }

    /// Runs the route's Lambda authorizer. Missing identity or `Unauthorized` -> 401 `{"message":"Unauthorized"}`;
    /// a denial -> 403 `{"message":"Forbidden"}`; a failing, slow or malformed authorizer -> 500 Internal Server Error.
    func authorizeLambda(_ route: HTTPAPIRoute, view: HTTPAPIRequestView, context: HTTPAPIRequestContext, innerPath: String) async -> LambdaAuthorization {
        guard route.authorizationType == .custom, let name = route.authorizerName, var authorizer = api.authorizers[name] else { return .proceed(nil) }
        authorizer.function.name = substituteStageVariables(in: authorizer.function.name, stageVariables)
        let identity = authorizer.identitySources.map { identityValue($0, view: view, context: context) }
        let arn = routeARN(method: view.method, innerPath: innerPath)
        let step = AuthorizeStep(backends: backends, cache: authorizerCache, clock: clock)
        let outcome = await step.authorize(authorizer, identity: identity, resourceARN: arn, restContext: false) {
            authorizerEvent(authorizer, view: view, context: context, arn: arn, identity: identity.map { $0 ?? "" })
        }
        switch outcome {
        case let .allowed(grant): return .proceed(grant)
        case let .unauthorized(detail): return .reject(status: 401, body: AuthorizerErrorBody.unauthorized, detail: detail)
        case let .denied(_, _, detail): return .reject(status: 403, body: AuthorizerErrorBody.forbidden, detail: detail)
        case let .configurationError(detail), let .failure(detail):
            return .reject(status: 500, body: ErrorBody.internalServerError, detail: detail)
        }
    }

    private func identityValue(_ source: IdentitySource, view: HTTPAPIRequestView, context: HTTPAPIRequestContext) -> String? {
        switch source {
        case let .header(name):
            let values = view.headers.values(for: name)
            return values.isEmpty ? nil : values.joined(separator: ",")
        case let .queryString(name):
            let values = view.queryPairs.filter { $0.name == name }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ",")
        case let .stageVariable(name): return stageVariables[name]
        case let .context(name):
            let value = HTTPAPIMappingEvaluator(request: view, context: context, stageVariables: stageVariables).evaluate(
                HTTPAPIMappingValue(parts: [.variable(.context(name))]))
            return value.isEmpty ? nil : value
        }
    }

    /// The authorizer's event: payload 2.0 (`identitySource` a list, `routeArn`) or 1.0 (the REST REQUEST shape
    /// with `methodArn`, `identitySource` and `authorizationToken` the comma-joined values). No body.
    private func authorizerEvent(_ authorizer: LambdaAuthorizer, view: HTTPAPIRequestView, context: HTTPAPIRequestContext,
                                 arn: String, identity: [String]) -> JSONValue {
        var pairs: [(String, JSONValue)]
        let request: JSONValue
        if authorizer.payloadFormatVersion == "1.0" {
            let joined = identity.joined(separator: ",")
            pairs = [("version", .string("1.0")), ("type", .string("REQUEST")), ("methodArn", .string(arn)),
                     ("identitySource", .string(joined)), ("authorizationToken", .string(joined))]
            request = HTTPAPIEvent.v1(view, context: context, stageVariables: stageVariables)
        } else {
            pairs = [("version", .string("2.0")), ("type", .string("REQUEST")), ("routeArn", .string(arn)),
                     ("identitySource", .array(identity.map(JSONValue.string)))]
            request = HTTPAPIEvent.v2(view, context: context, stageVariables: stageVariables)
        }
        if case let .object(fields) = request {
            for (key, value) in fields where !["version", "body", "isBase64Encoded"].contains(key) { pairs.append((key, value)) }
        }
        return HTTPAPIEvent.object(pairs)
    }
}

extension HTTPAPIRequestContext {
    /// `$context.authorizer.*` after a Lambda authorizer allowed the request: the context values, `principalId`
    /// (IAM policy answers) and `integrationLatency`.
    mutating func record(_ grant: AuthorizeStep.Grant) {
        var pairs = grant.context
        if let principal = grant.principalID { pairs.append(("principalId", .string(principal))) }
        pairs.append(("integrationLatency", .int(Int64(grant.latencyMilliseconds))))
        authorizerContext = pairs
        authorizerLambdaContext = grant.context
    }
}
