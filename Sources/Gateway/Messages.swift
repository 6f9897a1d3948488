import HTTPMessage

/// A request as the client sent it to the gateway, before any processing.
public struct GatewayRequest: Sendable {
    public var method: String
    /// The raw request-target from the request line: path plus `?query`, not percent-decoded.
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var sourceIP: String
    /// e.g. "HTTP/1.1"
    public var httpVersion: String
    /// Set when a custom domain's API mapping routed the request (`CustomDomainRouter`): the raw path the client
    /// sent, base path included (`/v1/items`), while `target` has been rewritten to the stage's own form
    /// (`/prod/items`). API Gateway shows this path in `$context.path`, the REST proxy event's `path` and the HTTP
    /// API event's `rawPath`.
    public var customDomainPath: String?

    public init(method: String, target: String, headers: HTTPHeaders = [:], body: [UInt8] = [],
                sourceIP: String = "127.0.0.1", httpVersion: String = "HTTP/1.1") {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.sourceIP = sourceIP
        self.httpVersion = httpVersion
    }

    /// The request-target as the client sent it (what SigV4 signed): `target`, or through a custom domain the
    /// client's path with the base path, and the query.
    public var clientTarget: String {
        guard let customDomainPath else { return target }
        return target.contains("?") ? customDomainPath + "?" + rawQuery : customDomainPath
    }

    /// The path part of the target (before `?`), raw.
    public var path: String {
        if let q = target.firstIndex(of: "?") { return String(target[..<q]) }
        return target
    }

    /// The raw query string (after `?`, without it), empty when absent.
    public var rawQuery: String {
        if let q = target.firstIndex(of: "?") { return String(target[target.index(after: q)...]) }
        return ""
    }
}

/// What the client receives: the one HTTP response type of `HTTPMessage`, the same the libcurl client returns and
/// the runner asserts on (status, header fields in order with duplicates, body bytes). The emulator leaves its
/// transfer-only fields (`timings`, `connectionReused`, `bodyTruncation`) at their defaults.
public typealias GatewayResponse = HTTPResponse
