/// Why a shared integration call (`LambdaInvoker`, `HTTPIntegrationCaller`) produced no answer.
///
/// Both pipelines, and anything else that calls a backend (authorizers next), map these to their own error
/// responses: REST to a `GatewayError` (and so to gateway responses), HTTP APIs to their fixed error bodies.
public enum IntegrationCallFailure: Error, Sendable, Equatable {
    /// No backend is registered under the function name or host (the text says which).
    case noBackend(String)
    /// The integration URL has no `http(s)://host` the registry can be keyed by.
    case invalidURL(String)
    /// No answer within the integration timeout (or the backend reported its own timeout).
    case timedOut
    /// Lambda's Invoke API rejected the call (no such function, payload too large, ...): the message says why.
    case invokeFailed(String)
    /// The HTTP endpoint could not be reached (refused, DNS, TLS, ...).
    case unreachable(String)
}
