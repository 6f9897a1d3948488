import HTTPMessage

/// One request as the loopback server received it.
public struct RecordedRequest: Sendable, Hashable {
    /// The method token, e.g. `POST`.
    public var method: String
    /// The raw request-target, e.g. `/items?a=1&b=%20` (not decoded).
    public var target: String
    /// The protocol token of the request line, e.g. `HTTP/1.1`.
    public var httpVersion: String
    /// Header fields in the order received, case and duplicates kept (chunked trailers not included).
    public var headers: HTTPHeaders
    /// The body after removing any chunked transfer coding.
    public var body: [UInt8]
    /// Which accepted connection carried the request: 1 for the first connection, 2 for the second...
    public var connectionID: Int

    public init(method: String, target: String, httpVersion: String, headers: HTTPHeaders, body: [UInt8], connectionID: Int) {
        self.method = method
        self.target = target
        self.httpVersion = httpVersion
        self.headers = headers
        self.body = body
        self.connectionID = connectionID
    }

    /// The target up to `?`, e.g. `/items`.
    public var path: String {
        guard let question = target.firstIndex(of: "?") else { return target }
        return String(target[..<question])
    }

    /// The raw query after `?`, or nil when the target has none.
    public var query: String? {
        guard let question = target.firstIndex(of: "?") else { return nil }
        return String(target[target.index(after: question)...])
    }

    /// The body decoded as UTF-8 (invalid sequences repaired), for readable assertions.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
