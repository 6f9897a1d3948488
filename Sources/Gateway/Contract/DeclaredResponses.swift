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

    /// The method response declared for `status`, if any.
    public func response(for status: Int) -> MethodResponse? {
        responses.first { $0.statusCode == String(status) }
    }
}

extension APIDefinition {
    /// The declared responses of the method a request reaches by the gateway's own routing (`method` and `path` as
    /// sent, the path relative to the stage), or nil when no method matches. REST APIs only: an HTTP API has no
    /// method responses (nil, see `declaresMethodResponses`).
    public func declaredResponses(method: String, path: String) -> DeclaredResponses? {
        guard case let .rest(definition) = self, let match = restMatch(definition, method: method, path: path) else { return nil }
        return DeclaredResponses(methodKey: "\(match.httpMethod) \(match.resourcePath)",
                                 responses: match.methodResponses.values.sorted { $0.statusCode < $1.statusCode },
                                 models: definition.models)
    }

    /// Whether the kind of API has method responses to check a response against (REST: yes; HTTP API: no).
    public var declaresMethodResponses: Bool { kind == .rest }

    func restMatch(_ definition: RESTAPIDefinition, method: String, path: String) -> RESTMethod? {
        var resourcePath = path.isEmpty ? "/" : path
        while resourcePath.hasPrefix("//") { resourcePath.removeFirst() }
        let segments = resourcePath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return definition.router.match(verb: method.uppercased(), segments: segments, greedyValue: { index in
            segments.dropFirst(index).joined(separator: "/")
        })?.method
    }
}
