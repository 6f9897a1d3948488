import Foundation
import Gateway
import HTTPMessage
import JSONCore

/// One rule of a scripted HTTP upstream: request conditions and the response to give.
public struct HTTPRule: Sendable {
    /// Accepted methods (upper-case); empty accepts any.
    public var methods: [String]
    /// A test on the raw request path (not percent-decoded).
    public var path: ValueTest?
    /// Tests on query parameters (form-decoded), by name; repeated names offer every value.
    public var query: [(name: String, test: ValueTest)]
    /// Tests on request headers, by case-insensitive name.
    public var headers: [(name: String, test: ValueTest)]
    public var response: UpstreamResponse
    public var sleep: Duration?
    /// Where the rule was written (`file:line:col`), for logs.
    public var location: String

    public init(methods: [String] = [], path: ValueTest? = nil, query: [(name: String, test: ValueTest)] = [],
                headers: [(name: String, test: ValueTest)] = [], response: UpstreamResponse, sleep: Duration? = nil, location: String = "") {
        self.methods = methods
        self.path = path
        self.query = query
        self.headers = headers
        self.response = response
        self.sleep = sleep
        self.location = location
    }

    func matches(method: String, path requestPath: String, query requestQuery: [(String, String)], headers requestHeaders: HTTPHeaders) -> Bool {
        if !methods.isEmpty, !methods.contains(method.uppercased()) { return false }
        if let path, !path.accepts([.string(requestPath)]) { return false }
        for (name, test) in query {
            let values = requestQuery.filter { $0.0 == name }.map { JSONValue.string($0.1) }
            if !test.accepts(values) { return false }
        }
        for (name, test) in headers {
            if !test.accepts(requestHeaders.values(for: name).map(JSONValue.string)) { return false }
        }
        return true
    }
}

/// An HTTP upstream whose answers are a list of rules; the first matching rule answers. No rule matching
/// answers `500` with a `text/plain` explanation (so the case fails visibly, not silently).
///
/// Each answer carries what a real HTTP/1.1 server sends on the wire besides the rule's headers, so the gateway
/// sees what it sees from a deployed backend (an HTTP_PROXY integration returns them as `x-amzn-Remapped-*`):
/// `Content-Length` (not for 1xx, 204 and 304, nor when the rule sets `Content-Length` or `Transfer-Encoding`)
/// and `Date` (RFC 9110 §6.6.1), unless the rule sets them.
public struct ScriptedHTTPUpstream: HTTPBackend {
    public var host: String
    public var rules: [HTTPRule]

    public init(host: String, rules: [HTTPRule]) {
        self.host = host
        self.rules = rules
    }

    public func send(_ request: UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError> {
        let (path, rawQuery) = URLParts.pathAndQuery(of: request.url)
        let query = URLParts.formDecodedPairs(rawQuery)
        guard let rule = rules.first(where: { $0.matches(method: request.method, path: path, query: query, headers: request.headers) }) else {
            let message = "gatecheck: no scripted rule of upstream '\(host)' matched \(request.method) \(path)\(rawQuery.isEmpty ? "" : "?" + rawQuery)\n"
            return .success(UpstreamResponse(status: 500, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(message.utf8)))
        }
        if let sleep = rule.sleep {
            do {
                try await Task.sleep(for: sleep)
            } catch {
                return .failure(.timedOut)
            }
        }
        return .success(Self.onTheWire(rule.response, date: Date()))
    }

    /// `response` with the `Content-Length` and `Date` a real HTTP/1.1 server adds (see the type's documentation).
    static func onTheWire(_ response: UpstreamResponse, date: Date) -> UpstreamResponse {
        var answered = response
        let bodiless = (100..<200).contains(response.status) || response.status == 204 || response.status == 304
        if !bodiless, !response.headers.contains("Content-Length"), !response.headers.contains("Transfer-Encoding") {
            answered.headers.add(name: "Content-Length", value: String(response.body.count))
        }
        if !response.headers.contains("Date") { answered.headers.add(name: "Date", value: GatewayIdentifiers.httpDate(date)) }
        return answered
    }
}

enum URLParts {
    /// The raw path (`/` when empty) and raw query of an absolute URL (`http://host:port/path?query#fragment`).
    static func pathAndQuery(of url: String) -> (path: String, query: String) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        guard let slashOrQuery = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return ("/", "") }
        rest = rest[slashOrQuery...]
        if let question = rest.firstIndex(of: "?") {
            let path = String(rest[..<question])
            return (path.isEmpty ? "/" : path, String(rest[rest.index(after: question)...]))
        }
        return (String(rest), "")
    }

    /// The `scheme://authority` part of an absolute URL.
    static func origin(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let afterScheme = url[scheme.upperBound...]
        if let end = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            return String(url[..<end])
        }
        return url
    }

    /// `a=1&b=x+y&a=2` -> `[(a, 1), (b, "x y"), (a, 2)]`, form-decoded.
    static func formDecodedPairs(_ query: String) -> [(String, String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) -> String in
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}
