import Foundation
import HTTPMessage
import JSONCore

/// REST API Lambda authorizers (TOKEN and REQUEST) and API keys with usage plans, as steps of the REST pipeline
/// after routing and IAM: authorize, then check the API key and meter it (throttle, quota), then stage and method
/// throttling. Sources of each rule are in docs/emulator.md ("Lambda authorizers", "API keys and usage plans").
extension RESTGateway {
    /// The 403 bodies of an authorizer's denial when ACCESS_DENIED is not customised (capital `M`, as AWS sends).
    static let explicitDenyMessage = "User is not authorized to access this resource with an explicit deny"
    static let implicitDenyMessage = "User is not authorized to access this resource"

    /// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}`: what an authorizer's policy is
    /// evaluated against (the request's path after the stage, without its leading slash).
    func methodARN(_ exchange: Exchange) -> String {
        var path = Substring(exchange.resourceRequestPath)
        if path.hasPrefix("/") { path = path.dropFirst() }
        return "arn:aws:execute-api:\(EmulatorEnvironment.region):\(Self.accountID):\(api.apiID)/\(stage.name)/\(exchange.request.method.uppercased())/\(path)"
    }

    /// Runs the method's Lambda authorizer ("authorize" step). On success `$context.authorizer` holds the context,
    /// `principalId` and `integrationLatency`; returns the `usageIdentifierKey` the function gave, if any.
    func authorizeLambda(_ exchange: inout Exchange) async throws(GatewayError) -> String? {
        guard let method = exchange.method, method.authorizationType == .custom, let name = method.authorizerName,
              var authorizer = api.authorizers[name] else { return nil }
        authorizer.function.name = substituteStageVariables(in: authorizer.function.name, exchange.stageVariables)
        let snapshot = exchange
        let identity = authorizer.identitySources.map { identityValue($0, snapshot) }
        let arn = methodARN(exchange)
        let step = AuthorizeStep(backends: backends, cache: authorizerCache, clock: clock)
        let outcome = await step.authorize(authorizer, identity: identity, resourceARN: arn, restContext: true) {
            authorizerEvent(authorizer, snapshot, methodARN: arn, token: identity.first ?? nil)
        }
        switch outcome {
        case let .allowed(grant):
            setAuthorizerContext(grant, &exchange)
            return grant.usageIdentifierKey
        case let .unauthorized(detail):
            throw GatewayError(.unauthorized, message: "Unauthorized", detail: detail)
        case let .denied(explicit, grant, detail):
            setAuthorizerContext(grant, &exchange)
            let message = explicit ? Self.explicitDenyMessage : Self.implicitDenyMessage
            var error = GatewayError(.accessDenied, message: message, detail: detail)
            error.bodyOverride = "{\"Message\":\(JSONValue.string(message).serialized(.compact))}"
            throw error
        case let .configurationError(detail):
            var error = GatewayError(.authorizerConfigurationError, status: 500, message: "", detail: detail,
                                     errorTypeOverride: "AuthorizerConfigurationException")
            error.messageIsNull = true
            throw error
        case let .failure(detail):
            var error = GatewayError(.authorizerFailure, status: 500, message: "", detail: detail,
                                     errorTypeOverride: "AuthorizerFailureException")
            error.messageIsNull = true
            throw error
        }
    }

    private func identityValue(_ source: IdentitySource, _ exchange: Exchange) -> String? {
        switch source {
        case let .header(name): return exchange.request.headers[name]
        case let .queryString(name): return exchange.queryParameters.last { $0.0 == name }?.1
        case let .stageVariable(name): return exchange.stageVariables[name]
        case let .context(path): return jsonLookup(path, in: exchange.context).map(headerText)
        }
    }

    /// The authorizer function's event: TOKEN `{type, authorizationToken, methodArn}`; REQUEST the proxy event's
    /// request fields (no body) after `type` and `methodArn`.
    private func authorizerEvent(_ authorizer: LambdaAuthorizer, _ exchange: Exchange, methodARN: String, token: String?) -> JSONValue {
        switch authorizer.kind {
        case .token:
            return jsonObject([("type", .string("TOKEN")), ("authorizationToken", .string(token ?? "")), ("methodArn", .string(methodARN))])
        case .request:
            var pairs: [(String, JSONValue)] = [("type", .string("REQUEST")), ("methodArn", .string(methodARN))]
            if case let .object(event) = RESTProxyEvent.make(exchange, api: api, context: exchange.context) {
                for (key, value) in event where key != "body" && key != "isBase64Encoded" { pairs.append((key, value)) }
            }
            return jsonObject(pairs)
        }
    }

    /// `$context.authorizer`: the context values (as strings, the way REST proxy events carry them), `principalId`,
    /// and `integrationLatency` in milliseconds.
    private func setAuthorizerContext(_ grant: AuthorizeStep.Grant, _ exchange: inout Exchange) {
        var pairs: [(String, JSONValue)] = grant.context.map { ($0.0, .string(headerText($0.1))) }
        if let principal = grant.principalID { pairs.append(("principalId", .string(principal))) }
        pairs.append(("integrationLatency", .int(Int64(grant.latencyMilliseconds))))
        exchange.context = jsonSetting(jsonObject(pairs), at: ["authorizer"], in: exchange.context)
    }

    // MARK: - API keys, usage plans, throttling

    /// API key check and metering for methods that require a key (key from `x-api-key`, or the authorizer's
    /// `usageIdentifierKey` when the API's key source is AUTHORIZER), then stage / method throttling for every method.
    /// Missing, unknown, disabled or plan-less key: INVALID_API_KEY 403 `{"message":"Forbidden"}`; usage plan or
    /// stage throttle: THROTTLED 429 `{"message":"Too Many Requests"}`; quota: QUOTA_EXCEEDED 429 `{"message":"Limit Exceeded"}`.
    func meterUsage(_ exchange: inout Exchange, authorizerKey: String?) throws(GatewayError) {
        guard let method = exchange.method else { return }
        let now = clock.now()
        if method.apiKeyRequired {
            let value = api.apiKeySource == .header ? exchange.request.headers["x-api-key"] : authorizerKey
            guard let value, !value.isEmpty else {
                throw GatewayError(.invalidAPIKey, message: "Forbidden",
                                   detail: api.apiKeySource == .header ? "the method requires an API key and the request has no x-api-key header"
                                       : "the method requires an API key and the authorizer returned no usageIdentifierKey")
            }
            guard let key = usagePlans.key(withValue: value) else {
                throw GatewayError(.invalidAPIKey, message: "Forbidden", detail: "the API key is not one the emulator knows (apiKeys:)")
            }
            guard key.enabled else { throw GatewayError(.invalidAPIKey, message: "Forbidden", detail: "the API key '\(key.name)' is disabled") }
            guard let plan = usagePlans.plan(forKey: key.name) else {
                throw GatewayError(.invalidAPIKey, message: "Forbidden", detail: "the API key '\(key.name)' is in no usage plan")
            }
            exchange.context = jsonSetting(.string(value), at: ["identity", "apiKey"], in: exchange.context)
            exchange.context = jsonSetting(.string(GatewayIdentifiers.stableID("apikey-" + key.name, length: 10, rules: .restAPI)),
                                           at: ["identity", "apiKeyId"], in: exchange.context)
            if let throttle = plan.throttle, !usageMeter.take("plan \(plan.name) key \(key.name)", throttle, now: now) {
                throw GatewayError(.throttled, message: "Too Many Requests", detail: "usage plan '\(plan.name)' throttles key '\(key.name)' (rate \(throttle.rateLimit)/s, burst \(throttle.burstLimit))")
            }
            if let quota = plan.quota, !usageMeter.count("plan \(plan.name) key \(key.name)", quota, now: now) {
                throw GatewayError(.quotaExceeded, message: "Limit Exceeded", detail: "key '\(key.name)' used up the \(quota.limit) requests per \(quota.period.rawValue) of usage plan '\(plan.name)'")
            }
        }
        let methodKey = "\(method.httpMethod) \(method.resourcePath)"
        if let throttle = usagePlans.methodThrottles[methodKey], !usageMeter.take("method \(methodKey)", throttle, now: now) {
            throw GatewayError(.throttled, message: "Too Many Requests", detail: "method throttling of \(methodKey) (rate \(throttle.rateLimit)/s, burst \(throttle.burstLimit))")
        }
        if let throttle = usagePlans.stageThrottle, !usageMeter.take("stage", throttle, now: now) {
            throw GatewayError(.throttled, message: "Too Many Requests", detail: "stage throttling (rate \(throttle.rateLimit)/s, burst \(throttle.burstLimit))")
        }
    }
}
