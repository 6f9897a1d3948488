import JSONCore

/// What a definition declares one method answers: its method responses (status, headers, response models) and the
/// models a `$ref` may name. The contract a response is checked against (`matchesDefinition: true`).
public struct DeclaredResponses: Sendable {
    /// `GET /items/{id}` (REST), the same text as coverage's method keys.
    public var methodKey: String
    /// Declared method responses, by status ascending.
    public var responses: [MethodResponse]
    /// Named models (`components.schemas`, `Empty` and `Error` included), for `$ref`.
    public var models: [String: JSONValue]

    public init(methodKey: String, responses: [MethodResponse], models: [String: JSONValue]) {
        self.methodKey = methodKey
        self.responses = responses
        self.models = models
    }

    /// The method response declared for `status`, else a `default` response (OpenAPI; HTTP APIs), if any.
    public func response(for status: Int) -> MethodResponse? {
        responses.first { $0.statusCode == String(status) } ?? responses.first { $0.statusCode == "default" }
    }
}

extension APIDefinition {
    /// The declared responses of the method a request reaches by the gateway's own routing (`method` and `path` as
    /// sent, the path relative to the stage), or nil when no method matches. REST: the method responses. HTTP API
    /// (which has none): the route's OpenAPI `responses`, the contract the definition publishes (`default` included).
    public func declaredResponses(method: String, path: String) -> DeclaredResponses? {
        switch self {
        case let .rest(definition):
            guard let match = restMatch(definition, method: method, path: path) else { return nil }
            return DeclaredResponses(methodKey: "\(match.httpMethod) \(match.resourcePath)",
                                     responses: match.methodResponses.values.sorted { $0.statusCode < $1.statusCode },
                                     models: definition.models)
        case let .http(definition):
            guard let route = HTTPAPIRouter(routes: definition.routes, defaultRoute: definition.defaultRoute)
                .match(method: method.uppercased(), path: path.isEmpty ? "/" : path)?.route else { return nil }
            return DeclaredResponses(methodKey: route.routeKey, responses: route.declaredResponses, models: definition.models)
        }
    }

    func restMatch(_ definition: RESTAPIDefinition, method: String, path: String) -> RESTMethod? {
        var resourcePath = path.isEmpty ? "/" : path
        while resourcePath.hasPrefix("//") { resourcePath.removeFirst() }
        let segments = resourcePath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return definition.router.match(verb: method.uppercased(), segments: segments, greedyValue: { index in
            segments.dropFirst(index).joined(separator: "/")
        })?.method
    }
}
