import HTTPMessage

/// One API mapping of a custom domain name: a base path (`v1`, `orders/v1/items`, or `(none)`, the empty one)
/// sending requests to one stage of one API (`AWS::ApiGateway::BasePathMapping`, `AWS::ApiGatewayV2::ApiMapping`).
public struct APIMappingKey: Sendable, Hashable, CustomStringConvertible {
    /// The base path's segments; empty for `(none)`.
    public let segments: [String]

    /// Why a base path is refused.
    public struct Problem: Error, Sendable, Equatable {
        public let message: String
    }

    /// Parses a base path as API Gateway's console and CLI take it: `v1`, `orders/v1` (multi-level), `(none)` or
    /// "" for the empty mapping. Surrounding slashes are dropped; an empty inner segment or a character API Gateway
    /// does not allow in a base path (letters, digits and `$-_.+!*'()`) is a problem.
    public static func parse(_ text: String) -> Result<APIMappingKey, Problem> {
        var trimmed = Substring(text)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty || trimmed == "(none)" { return .success(APIMappingKey(segments: [])) }
        let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.contains(where: \.isEmpty) {
            return .failure(Problem(message: "base path '\(text)' has an empty segment"))
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$-_.+!*'()")
        if let bad = trimmed.first(where: { $0 != "/" && !allowed.contains($0) }) {
            return .failure(Problem(message: "base path '\(text)' has '\(bad)': API Gateway allows letters, digits and $-_.+!*'() in a base path"))
        }
        return .success(APIMappingKey(segments: segments))
    }

    public init(segments: [String]) { self.segments = segments }

    /// `v1`, `orders/v1`, or `(none)`.
    public var description: String { segments.isEmpty ? "(none)" : segments.joined(separator: "/") }

    /// The URL path the mapping serves under: `/v1`, or "" for `(none)`.
    public var urlPath: String { segments.isEmpty ? "" : "/" + segments.joined(separator: "/") }
}

/// A custom domain name with its API mappings: picks the mapping whose base path is the longest match of the
/// request path's leading segments (Developer Guide, "Map API stages to a custom domain name for REST APIs" /
/// "... for HTTP APIs": only mapping paths count, not the APIs' routes; nothing matching goes to `(none)`), strips
/// the base path and hands the request to that stage's pipeline. A path no mapping takes gets API Gateway's
/// `403 {"message":"Forbidden"}`. The `Host` the client sent becomes `$context.domainName` in the pipelines.
public struct CustomDomainRouter: GatewayHandler {
    /// One mapped stage: its pipeline, and the path prefix that pipeline expects (`/prod` for a REST stage or an
    /// HTTP API's named stage, "" for an HTTP API's `$default`).
    public struct Mapping: Sendable {
        public let key: APIMappingKey
        public let handler: any GatewayHandler
        public let stagePrefix: String

        public init(key: APIMappingKey, handler: any GatewayHandler, stagePrefix: String) {
            self.key = key
            self.handler = handler
            self.stagePrefix = stagePrefix
        }
    }

    /// Longest base path first, so the first match is the one API Gateway picks.
    public let mappings: [Mapping]

    public init(mappings: [Mapping]) {
        self.mappings = mappings.sorted { $0.key.segments.count > $1.key.segments.count }
    }

    /// The mapping that takes `path` (raw, no query), and the path after its base path ("" when nothing follows).
    public func mapping(for path: String) -> (mapping: Mapping, rest: Substring)? {
        for mapping in mappings {
            var rest = Substring(path)
            var matched = true
            for segment in mapping.key.segments {
                while rest.hasPrefix("/") { rest = rest.dropFirst() }
                guard rest.hasPrefix(segment) else { matched = false; break }
                let after = rest.dropFirst(segment.count)
                guard after.isEmpty || after.hasPrefix("/") else { matched = false; break }
                rest = after
            }
            if matched { return (mapping, rest) }
        }
        return nil
    }

    public func handle(_ request: GatewayRequest) async -> GatewayOutcome {
        let path = request.path
        guard let (mapping, rest) = mapping(for: path) else {
            return GatewayOutcome(response: Self.forbidden(request),
                                  log: GatewayLogEntry(detail: "no API mapping of the custom domain takes the path '\(path)'"))
        }
        var routed = request
        let query = request.rawQuery
        routed.target = mapping.stagePrefix + (rest.isEmpty ? (mapping.stagePrefix.isEmpty ? "/" : "") : String(rest))
            + (request.target.contains("?") ? "?" + query : "")
        routed.customDomainPath = path.isEmpty ? "/" : path
        return await mapping.handler.handle(routed)
    }

    /// A request refused before routing is answered as the first (longest) mapping's API would answer it.
    public func rejection(_ reason: RequestRejection) -> GatewayResponse {
        guard let first = mappings.first else { return Self.forbidden(GatewayRequest(method: "GET", target: "/")) }
        return first.handler.rejection(reason)
    }

    /// API Gateway's answer for a custom-domain path that no API mapping takes: 403 `{"message":"Forbidden"}` with
    /// `x-amzn-ErrorType: ForbiddenException`, as for an execute-api path that names no stage.
    static func forbidden(_ request: GatewayRequest) -> GatewayResponse {
        let body = Array(#"{"message":"Forbidden"}"#.utf8)
        let closes = request.headers.values(for: "Connection").contains { $0.lowercased().contains("close") }
        return GatewayResponse(status: 403, headers: HTTPHeaders([
            ("Date", GatewayIdentifiers.httpDate()),
            ("Content-Type", "application/json"),
            ("Content-Length", String(body.count)),
            ("Connection", closes ? "close" : "keep-alive"),
            ("x-amzn-RequestId", GatewayIdentifiers.requestID()),
            ("x-amzn-ErrorType", "ForbiddenException"),
            ("x-amz-apigw-id", GatewayIdentifiers.extendedRequestID()),
        ]), body: body)
    }
}
