import HTTPMessage

/// One Lambda invocation as API Gateway makes it (`Invoke` with RequestResponse).
public struct LambdaInvocation: Sendable {
    /// The function name from the integration URI (the name part of the ARN, stage variables substituted).
    public var functionName: String
    /// Alias or version from the ARN (`function:name:alias`), if any.
    public var qualifier: String?
    /// The event: the JSON text API Gateway sends (proxy event, or the templated body for non-proxy).
    public var payload: [UInt8]
    /// The Lambda request id (`context.aws_request_id`).
    public var requestID: String

    public init(functionName: String, qualifier: String? = nil, payload: [UInt8], requestID: String) {
        self.functionName = functionName
        self.qualifier = qualifier
        self.payload = payload
        self.requestID = requestID
    }
}

/// What Lambda's Invoke answered.
public enum LambdaResult: Sendable {
    /// The function returned: its output bytes, exactly as serialised (may be malformed JSON on purpose).
    case success(payload: [UInt8])
    /// The function failed (raised, crashed or timed out): Lambda's error payload,
    /// `{"errorMessage": ..., "errorType": ..., "stackTrace": [...]}` (X-Amz-Function-Error: Unhandled).
    case functionError(payload: [UInt8])
    /// Invoke itself was rejected (no such function, throttled, ...): API Gateway answers 500.
    case invokeFailed(message: String)
}

/// A Lambda function the emulator can invoke: scripted rules or a real handler process.
public protocol LambdaBackend: Sendable {
    func invoke(_ invocation: LambdaInvocation) async -> LambdaResult
}

/// A request from the gateway to an HTTP integration endpoint.
public struct UpstreamRequest: Sendable {
    public var method: String
    /// Absolute URL, stage variables and path parameters already substituted.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Integration timeout in milliseconds.
    public var timeoutMilliseconds: Int

    public init(method: String, url: String, headers: HTTPHeaders = [:], body: [UInt8] = [], timeoutMilliseconds: Int = 29_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// What an HTTP integration endpoint answered: status, headers and body, the same parts as the gateway's own
/// answer to the client, so it is the same type.
public typealias UpstreamResponse = GatewayResponse

public enum UpstreamError: Error, Sendable {
    /// The endpoint could not be reached (DNS, refused, TLS...): API Gateway answers 500 / INTEGRATION_FAILURE.
    case unreachable(String)
    /// No answer within the integration timeout: 504 INTEGRATION_TIMEOUT.
    case timedOut
}

/// An HTTP endpoint the emulator can call for HTTP / HTTP_PROXY integrations.
public protocol HTTPBackend: Sendable {
    func send(_ request: UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError>
}

/// Where the emulator sends integration calls: Lambda functions by name, HTTP endpoints by host, AWS services by name.
public struct BackendRegistry: Sendable {
    public var lambdas: [String: any LambdaBackend]
    /// Keyed by host (`host` or `host:port`, lower-cased) of the integration URI.
    public var httpHosts: [String: any HTTPBackend]
    /// What serves a host `httpHosts` does not list (the real host, for `http: { "*": direct }` and
    /// `gatecheck emulate`); nil: such a request fails (`noBackend`).
    public var otherHosts: (any HTTPBackend)?
    /// The JSON Web Key Sets JWT and Cognito authorizers verify tokens with (`jwtIssuers:`, the minting key).
    public var jwtTrust = JWTTrust()
    /// AWS service backends by service name (`sqs`, `dynamodb`, lower-cased), for `AWS` service integrations.
    public var services: [String: any ServiceBackend]

    public init(lambdas: [String: any LambdaBackend] = [:], httpHosts: [String: any HTTPBackend] = [:],
                otherHosts: (any HTTPBackend)? = nil, services: [String: any ServiceBackend] = [:]) {
        self.lambdas = lambdas
        self.httpHosts = httpHosts
        self.otherHosts = otherHosts
        self.services = services
    }

    public func service(named name: String) -> (any ServiceBackend)? { services[name.lowercased()] }

    public func lambda(named name: String) -> (any LambdaBackend)? { lambdas[name] }

    public func http(forHost host: String) -> (any HTTPBackend)? { httpHosts[host.lowercased()] ?? otherHosts }
}
