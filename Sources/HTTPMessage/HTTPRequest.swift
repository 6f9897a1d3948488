/// One HTTP request as the caller wants it on the wire: method, URL and headers are sent
/// exactly as given (the URL is not re-encoded; the caller builds the query string).
public struct HTTPRequest: Sendable, Hashable {
    /// The request method, sent verbatim (`GET`, `HEAD`, `POST`, `PATCH`, custom tokens...).
    public var method: String
    /// An absolute `http://` or `https://` URL, sent as given.
    public var url: String
    /// The caller's header fields, in order, duplicates kept. A field with an empty value is sent
    /// as `Name:` with nothing after the colon. Setting `Host`, `Accept`, `Content-Type`,
    /// `Content-Length` or `User-Agent` replaces the value libcurl would send itself.
    public var headers: HTTPHeaders
    /// Body bytes, sent exactly (with a `Content-Length`). `nil` sends no body. An empty body on
    /// `GET`, `HEAD`, `DELETE`, `OPTIONS` or `TRACE` is treated like `nil`; on any other method it
    /// is sent as `Content-Length: 0`. A `POST` without a body also sends `Content-Length: 0`.
    public var body: [UInt8]?
    /// Limit for the whole transfer (connect, send, wait, receive). `nil` means no limit.
    public var timeout: Duration?
    /// Limit for establishing the connection (DNS, TCP, TLS). `nil` uses libcurl's default (300 s).
    public var connectTimeout: Duration?
    /// Follows `Location` redirects (at most 30) when true; the response is then the final hop's.
    public var followRedirects: Bool

    public init(
        method: String = "GET",
        url: String,
        headers: HTTPHeaders = [:],
        body: [UInt8]? = nil,
        timeout: Duration? = nil,
        connectTimeout: Duration? = nil,
        followRedirects: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.followRedirects = followRedirects
    }
}
