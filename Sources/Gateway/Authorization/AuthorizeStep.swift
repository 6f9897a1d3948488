import Foundation
import JSONCore

/// The pipeline step "authorize", shared by REST APIs and HTTP APIs: runs a method's or route's authorizer and
/// says what API Gateway would do with the request. Each gateway then maps the outcome to its own answers
/// (REST gateway responses UNAUTHORIZED / ACCESS_DENIED / AUTHORIZER_CONFIGURATION_ERROR / AUTHORIZER_FAILURE;
/// HTTP API's fixed 401 / 403 / 500 bodies). Lambda authorizers are implemented; Cognito user pool and JWT
/// authorizers are meant to be further cases of `authorize` returning the same outcomes.
struct AuthorizeStep: Sendable {
    /// A caller that passed: what templates see as `$context.authorizer.*` and events as `requestContext.authorizer`.
    struct Grant: Sendable {
        var principalID: String?
        var context: [(String, JSONValue)]
        var usageIdentifierKey: String?
        /// Milliseconds the authorizer took (0 for a cached answer), by the gateway's clock.
        var latencyMilliseconds: Int
        var cached: Bool
    }

    enum Outcome: Sendable {
        case allowed(Grant)
        /// 401: identity missing or not matching the validation expression, or the function raised `Unauthorized`.
        case unauthorized(detail: String)
        /// 403: the policy denies explicitly, covers nothing for this ARN, or a simple response said no.
        /// The grant still carries the principal and context (gateway responses can show them).
        case denied(explicit: Bool, grant: Grant, detail: String)
        /// 500 AUTHORIZER_CONFIGURATION_ERROR: the function failed otherwise, its answer is malformed, it cannot be invoked.
        case configurationError(detail: String)
        /// 500 AUTHORIZER_FAILURE: the function did not answer in time.
        case failure(detail: String)
    }

    let backends: BackendRegistry
    let cache: AuthorizerCache
    let clock: GatewayClock
    /// How long the gateway waits for an authorizer function.
    var timeoutMilliseconds = 29_000

    /// Authorizes one request.
    /// - Parameters:
    ///   - identity: the value of each of `authorizer.identitySources`, in order (nil when the request lacks it).
    ///   - resourceARN: the method ARN (REST) or route ARN (HTTP API) a policy is evaluated against.
    ///   - restContext: REST rules for `context` values (strings, numbers, booleans only).
    ///   - event: the function's event, built only when the function is actually called.
    func authorize(_ authorizer: LambdaAuthorizer, identity: [String?], resourceARN: String, restContext: Bool,
                   event: () -> JSONValue) async -> Outcome {
        var values: [String] = []
        for (source, value) in zip(authorizer.identitySources, identity) {
            guard let value, !value.isEmpty else {
                return .unauthorized(detail: "authorizer '\(authorizer.name)': the identity source (\(source)) is missing or empty; the function was not called")
            }
            values.append(value)
        }
        if authorizer.kind == .token, let expression = authorizer.validationExpression, let token = values.first, !expression.matches(token) {
            return .unauthorized(detail: "authorizer '\(authorizer.name)': the token does not match identityValidationExpression '\(expression.source)'; the function was not called")
        }
        let caching = authorizer.resultTTLSeconds > 0 && !authorizer.identitySources.isEmpty
        let key = AuthorizerCache.key(authorizer: authorizer.name, identity: values)
        let started = clock.now()
        var output: AuthorizerOutput
        var cached = false
        if caching, let hit = cache.lookup(key, now: started) {
            output = hit
            cached = true
        } else {
            let payload = Array(event().serialized(.compact).utf8)
            let result = await LambdaInvoker(backends: backends).invoke(functionName: authorizer.function.name, qualifier: authorizer.function.qualifier,
                                                                        payload: payload, timeoutMilliseconds: timeoutMilliseconds)
            switch result {
            case .failure(.timedOut):
                return .failure(detail: "authorizer '\(authorizer.name)': function '\(authorizer.function.name)' did not answer within \(timeoutMilliseconds) ms")
            case let .failure(.noBackend(message)), let .failure(.invokeFailed(message)), let .failure(.unreachable(message)),
                 let .failure(.invalidURL(message)):
                return .configurationError(detail: "authorizer '\(authorizer.name)': \(message)")
            case let .success(.functionError(payload)):
                var message = String(decoding: payload, as: UTF8.self)
                if case let .object(object)? = try? JSONValue.parse(bytes: payload), case let .string(text)? = object["errorMessage"] {
                    message = text
                }
                if message == "Unauthorized" {
                    return .unauthorized(detail: "authorizer '\(authorizer.name)': the function raised Unauthorized")
                }
                return .configurationError(detail: "authorizer '\(authorizer.name)': the function failed: \(message)")
            case let .success(.output(payload)):
                do {
                    output = try AuthorizerOutput.parse(payload, format: authorizer.responseFormat, restContext: restContext)
                } catch {
                    return .configurationError(detail: "authorizer '\(authorizer.name)': malformed answer: \(error.reason)")
                }
            }
            if caching { cache.store(output, under: key, now: started, ttlSeconds: authorizer.resultTTLSeconds) }
        }
        let latency = cached ? 0 : max(0, Int(clock.now().timeIntervalSince(started) * 1000))
        let grant = Grant(principalID: output.principalID, context: output.context, usageIdentifierKey: output.usageIdentifierKey,
                          latencyMilliseconds: latency, cached: cached)
        let origin = cached ? "cached answer" : "answer"
        switch output.decision {
        case let .simple(isAuthorized):
            return isAuthorized ? .allowed(grant)
                : .denied(explicit: false, grant: grant, detail: "authorizer '\(authorizer.name)': the \(origin) says isAuthorized false")
        case let .policy(policy):
            switch policy.evaluate(resourceARN) {
            case .allow: return .allowed(grant)
            case .explicitDeny:
                return .denied(explicit: true, grant: grant, detail: "authorizer '\(authorizer.name)': the \(origin)'s policy explicitly denies \(resourceARN)")
            case .implicitDeny:
                return .denied(explicit: false, grant: grant, detail: "authorizer '\(authorizer.name)': no statement of the \(origin)'s policy allows \(resourceARN)")
            }
        }
    }
}
