import HTTPMessage

/// An HTTP API's CORS configuration (`x-amazon-apigateway-cors` in the OpenAPI export; `CorsConfiguration` of
/// `AWS::ApiGatewayV2::Api`). With it, API Gateway answers preflight requests itself and puts its own CORS headers on
/// every other response, ignoring the ones the integration returns (Developer Guide, "Configuring CORS for an HTTP
/// API"; the rules and their sources are in docs/emulator.md, "HTTP API CORS").
public struct HTTPAPICors: Sendable, Hashable {
    /// What API Gateway accepts in `allowMethods`: an HTTP method or `*` (compared upper-cased). Both the
    /// `x-amazon-apigateway-cors` reader and a template's `CorsConfiguration` check against it.
    public static let allowedMethods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"]
    /// The `maxAge` values API Gateway accepts, in seconds (-1 disables caching of the preflight).
    public static let maxAgeRange = -1...86_400

    /// `https://app.example.com`, `*` (any origin), or a scheme wildcard `https://*` / `http://*`.
    public var allowOrigins: [String]
    /// Methods as written (`GET`, `*`), sent on preflight answers.
    public var allowMethods: [String]
    /// Header names as written (`authorization`, `*`), sent on preflight answers.
    public var allowHeaders: [String]
    /// Header names the browser may read, sent on answers to actual (non-preflight) requests.
    public var exposeHeaders: [String]
    /// Seconds a browser may cache the preflight answer; nil leaves `Access-Control-Max-Age` out.
    public var maxAge: Int?
    /// Sends `Access-Control-Allow-Credentials: true`. API Gateway refuses it together with the `*` origin.
    public var allowCredentials: Bool

    public init(allowOrigins: [String] = [], allowMethods: [String] = [], allowHeaders: [String] = [],
                exposeHeaders: [String] = [], maxAge: Int? = nil, allowCredentials: Bool = false) {
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
        self.allowCredentials = allowCredentials
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or nil when the origin is not allowed
    /// (then the response carries no CORS headers at all). `*` answers `*`; an exact or scheme-wildcard match
    /// answers the request's origin. Origins compare case-insensitively (scheme and host are case-insensitive).
    public func allowedOriginValue(for origin: String) -> String? {
        let requested = origin.lowercased()
        var echoes = false
        for allowed in allowOrigins {
            let pattern = allowed.lowercased()
            if pattern == "*" { return "*" }
            if pattern == requested { echoes = true; continue }
            if pattern.hasSuffix("://*"), requested.hasPrefix(String(pattern.dropLast())), requested.count > pattern.count - 1 {
                echoes = true
            }
        }
        return echoes ? origin : nil
    }

    /// True for names API Gateway manages when CORS is configured (`Access-Control-*`): the integration's are dropped.
    static func isCORSHeader(_ name: String) -> Bool {
        name.lowercased().hasPrefix("access-control-")
    }

    /// A CORS preflight: `OPTIONS` with both `Origin` and `Access-Control-Request-Method` (API Gateway needs both).
    static func isPreflight(_ request: GatewayRequest) -> Bool {
        request.method.uppercased() == "OPTIONS" && request.headers["origin"] != nil
            && request.headers["access-control-request-method"] != nil
    }

    /// The headers of API Gateway's own preflight answer (204, no body): the origin, credentials, methods, headers
    /// and max age; none when the origin is not allowed.
    func preflightHeaders(origin: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        guard let allowOrigin = allowedOriginValue(for: origin) else { return headers }
        headers.add(name: "access-control-allow-origin", value: allowOrigin)
        if allowCredentials { headers.add(name: "access-control-allow-credentials", value: "true") }
        if !allowMethods.isEmpty { headers.add(name: "access-control-allow-methods", value: allowMethods.joined(separator: ",")) }
        if !allowHeaders.isEmpty { headers.add(name: "access-control-allow-headers", value: allowHeaders.joined(separator: ",")) }
        if let maxAge { headers.add(name: "access-control-max-age", value: String(maxAge)) }
        return headers
    }

    /// Replaces the integration's CORS headers with the configured ones for an actual request from `origin`
    /// (nil: the request had no `Origin`; then only the integration's CORS headers are removed). The configured
    /// headers go before `apigw-requestid`, which stays last.
    func decorate(_ headers: HTTPHeaders, origin: String?) -> HTTPHeaders {
        var kept = headers.filter { !Self.isCORSHeader($0.name) }
        guard let origin, let allowOrigin = allowedOriginValue(for: origin) else { return HTTPHeaders(kept) }
        var added = [HTTPHeaderField(name: "access-control-allow-origin", value: allowOrigin)]
        if allowCredentials { added.append(HTTPHeaderField(name: "access-control-allow-credentials", value: "true")) }
        if !exposeHeaders.isEmpty {
            added.append(HTTPHeaderField(name: "access-control-expose-headers", value: exposeHeaders.joined(separator: ",")))
        }
        let position = kept.firstIndex { $0.name.lowercased() == "apigw-requestid" } ?? kept.endIndex
        kept.insert(contentsOf: added, at: position)
        return HTTPHeaders(kept)
    }
}

/// A SAM / CloudFormation `CorsConfiguration` property to apply over the CORS configuration of the API's body
/// (`x-amazon-apigateway-cors`). A nil field keeps the body's value: SAM's `AWS::Serverless::HttpApi` merges the two
/// with the property taking precedence; `AWS::ApiGatewayV2::Api` sets every field (the property replaces the body's).
public struct HTTPAPICorsOverride: Sendable, Hashable {
    public var allowOrigins: [String]?
    public var allowMethods: [String]?
    public var allowHeaders: [String]?
    public var exposeHeaders: [String]?
    /// `.some(nil)`: leave `Access-Control-Max-Age` out.
    public var maxAge: Int??
    public var allowCredentials: Bool?

    public init(allowOrigins: [String]? = nil, allowMethods: [String]? = nil, allowHeaders: [String]? = nil,
                exposeHeaders: [String]? = nil, maxAge: Int?? = nil, allowCredentials: Bool? = nil) {
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
        self.allowCredentials = allowCredentials
    }

    /// Every field set from `cors` (absent fields empty): the whole-replacement form.
    public static func replacing(with cors: HTTPAPICors) -> HTTPAPICorsOverride {
        HTTPAPICorsOverride(allowOrigins: cors.allowOrigins, allowMethods: cors.allowMethods, allowHeaders: cors.allowHeaders,
                            exposeHeaders: cors.exposeHeaders, maxAge: .some(cors.maxAge), allowCredentials: cors.allowCredentials)
    }

    /// The configuration served: `base` (the body's, or none) with this override's fields taking precedence.
    public func applied(to base: HTTPAPICors?) -> HTTPAPICors {
        var cors = base ?? HTTPAPICors()
        if let allowOrigins { cors.allowOrigins = allowOrigins }
        if let allowMethods { cors.allowMethods = allowMethods }
        if let allowHeaders { cors.allowHeaders = allowHeaders }
        if let exposeHeaders { cors.exposeHeaders = exposeHeaders }
        if let maxAge { cors.maxAge = maxAge }
        if let allowCredentials { cors.allowCredentials = allowCredentials }
        return cors
    }
}
