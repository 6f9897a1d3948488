/// Settings shared by every request of one `CurlHTTPClient`.
public struct HTTPClientConfiguration: Sendable, Hashable {
    /// The HTTP protocol version the client offers.
    public enum HTTPVersion: Sendable, Hashable {
        /// HTTP/1.1 only: response header names keep the exact case the server sent.
        case http1_1
        /// HTTP/2 when the TLS server agrees through ALPN, HTTP/1.1 otherwise (and always for `http://`).
        /// HTTP/2 header names arrive lower-cased.
        case http2
    }

    /// Turns off TLS certificate and host name verification (`CURLOPT_SSL_VERIFYPEER`/`VERIFYHOST`).
    /// Verification is on by default.
    public var insecure: Bool
    /// Most connections open at once to one host (`CURLMOPT_MAX_HOST_CONNECTIONS`); 0 means no limit.
    /// Requests beyond the limit wait for a free connection (the wait counts against their timeout).
    public var maxConnectionsPerHost: Int
    /// Most connections open at once in total (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); 0 means no limit.
    public var maxTotalConnections: Int
    /// Host overrides in curl's `CURLOPT_RESOLVE` syntax, e.g. `"api.example.com:443:127.0.0.1"`.
    public var resolve: [String]
    /// A PEM file of CA certificates to trust instead of the system store (`CURLOPT_CAINFO`).
    public var caBundlePath: String?
    /// `User-Agent` sent when the request does not set one; nil sends none.
    public var userAgent: String?
    /// The protocol version offered; HTTP/1.1 by default so header casing is exact.
    public var httpVersion: HTTPVersion
    /// Most response body bytes kept per response (10 MiB by default); nil keeps everything. The bytes past the
    /// limit are still received (the transfer completes normally), counted and hashed with SHA-256, and the
    /// response says so in `HTTPResponse.bodyTruncation`.
    public var maxResponseBodyBytes: Int?

    /// The default `maxResponseBodyBytes`: 10 MiB, API Gateway's payload limit.
    public static let defaultMaxResponseBodyBytes = 10 * 1024 * 1024

    public init(
        insecure: Bool = false,
        maxConnectionsPerHost: Int = 32,
        maxTotalConnections: Int = 0,
        resolve: [String] = [],
        caBundlePath: String? = nil,
        userAgent: String? = nil,
        httpVersion: HTTPVersion = .http1_1,
        maxResponseBodyBytes: Int? = HTTPClientConfiguration.defaultMaxResponseBodyBytes
    ) {
        self.insecure = insecure
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxTotalConnections = maxTotalConnections
        self.resolve = resolve
        self.caBundlePath = caBundlePath
        self.userAgent = userAgent
        self.httpVersion = httpVersion
        self.maxResponseBodyBytes = maxResponseBodyBytes.map { max(0, $0) }
    }
}
