/// Cumulative times from the start of the transfer to the end of each phase, as libcurl
/// measures them (`CURLINFO_*_TIME_T`, microsecond resolution). A phase that did not happen
/// (e.g. TLS on plain HTTP, or connect on a reused connection) reports the time of the phase before it
/// or zero, as libcurl does.
public struct HTTPTimings: Sendable, Hashable {
    /// Name resolution finished (`CURLINFO_NAMELOOKUP_TIME_T`).
    public var nameLookup: Duration
    /// TCP connection established (`CURLINFO_CONNECT_TIME_T`).
    public var connect: Duration
    /// TLS handshake finished (`CURLINFO_APPCONNECT_TIME_T`); zero for plain HTTP.
    public var tlsHandshake: Duration
    /// About to send the request (`CURLINFO_PRETRANSFER_TIME_T`).
    public var preTransfer: Duration
    /// First response byte received (`CURLINFO_STARTTRANSFER_TIME_T`).
    public var startTransfer: Duration
    /// Whole transfer, including redirects (`CURLINFO_TOTAL_TIME_T`).
    public var total: Duration
    /// Time spent on redirect hops before the final one (`CURLINFO_REDIRECT_TIME_T`).
    public var redirect: Duration

    public init(
        nameLookup: Duration = .zero, connect: Duration = .zero, tlsHandshake: Duration = .zero,
        preTransfer: Duration = .zero, startTransfer: Duration = .zero, total: Duration = .zero,
        redirect: Duration = .zero
    ) {
        self.nameLookup = nameLookup
        self.connect = connect
        self.tlsHandshake = tlsHandshake
        self.preTransfer = preTransfer
        self.startTransfer = startTransfer
        self.total = total
        self.redirect = redirect
    }
}

/// What was not kept of a body longer than `HTTPClientConfiguration.maxResponseBodyBytes`.
public struct BodyTruncation: Sendable, Hashable {
    /// Body bytes received in all (kept and dropped).
    public var totalBytes: Int
    /// Bytes kept in `HTTPResponse.body` (the configured limit).
    public var keptBytes: Int
    /// Lower-case hex SHA-256 of the whole body as received, kept and dropped bytes together.
    public var sha256Hex: String

    public init(totalBytes: Int, keptBytes: Int, sha256Hex: String) {
        self.totalBytes = totalBytes
        self.keptBytes = keptBytes
        self.sha256Hex = sha256Hex
    }
}

/// The final response of a transfer, exactly as received: header fields in wire order with their
/// original case and duplicates, and the body bytes untouched (no decompression).
public struct HTTPResponse: Sendable, Hashable {
    /// The status code, e.g. 206.
    public var status: Int
    /// The protocol token of the status line, e.g. `HTTP/1.1` or `HTTP/2`.
    public var httpVersion: String
    /// The reason phrase of the status line, e.g. `Partial Content` (empty for HTTP/2 or when the server sent none).
    public var reasonPhrase: String
    /// The final response's header fields; `100 Continue` and redirect hops are not included, nor are trailers.
    public var headers: HTTPHeaders
    /// The body bytes as received (still compressed if the server sent `Content-Encoding`). Empty for `HEAD`.
    /// Only the first `maxResponseBodyBytes` when `bodyTruncation` is set.
    public var body: [UInt8]
    /// Set when the body was longer than the client's `maxResponseBodyBytes`: its full size and digest.
    public var bodyTruncation: BodyTruncation?
    /// Per-phase timings of the transfer.
    public var timings: HTTPTimings
    /// Whether the transfer reused a connection from the client's pool (`CURLINFO_NUM_CONNECTS == 0`),
    /// or nil when libcurl could not tell.
    public var connectionReused: Bool?
    /// Indexes into `headers.fields` of the header lines that were not valid UTF-8: their bytes were decoded as
    /// ISO-8859-1 (one scalar per byte, so a proxy can forward them unchanged); a report shows them as `\xFF`.
    public var nonUTF8HeaderFields: [Int] = []

    public init(
        status: Int, httpVersion: String = "HTTP/1.1", reasonPhrase: String = "", headers: HTTPHeaders = [:],
        body: [UInt8] = [], timings: HTTPTimings = HTTPTimings(), connectionReused: Bool? = nil,
        bodyTruncation: BodyTruncation? = nil
    ) {
        self.status = status
        self.httpVersion = httpVersion
        self.reasonPhrase = reasonPhrase
        self.headers = headers
        self.body = body
        self.timings = timings
        self.connectionReused = connectionReused
        self.bodyTruncation = bodyTruncation
    }

    /// Body bytes received in all, including any not kept.
    public var bodyByteCount: Int { bodyTruncation?.totalBytes ?? body.count }
}
