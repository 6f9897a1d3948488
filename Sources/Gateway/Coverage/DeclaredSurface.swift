/// What an API definition declares, as gateway coverage counts it: its methods (REST: method x resource; HTTP API:
/// routes), each method's integration responses and method-response statuses, and the gateway response types the
/// definition customises. Compared against the `GatewayExercise`s a run recorded.
public struct DeclaredSurface: Sendable, Hashable {
    /// The definition file, as the suite names it.
    public var file: String
    public var kind: APIDefinition.Kind
    /// In document order.
    public var methods: [DeclaredMethod]
    /// `x-amazon-apigateway-gateway-responses` types, sorted (REST APIs; HTTP APIs have none).
    public var customizedGatewayResponses: [String]

    public init(file: String, kind: APIDefinition.Kind, methods: [DeclaredMethod], customizedGatewayResponses: [String]) {
        self.file = file
        self.kind = kind
        self.methods = methods
        self.customizedGatewayResponses = customizedGatewayResponses
    }
}

/// One declared method (REST) or route (HTTP API).
public struct DeclaredMethod: Sendable, Hashable {
    /// `GET /items/{id}`, `ANY /{proxy+}`, or an HTTP API route key (`$default` included); the same text as
    /// `GatewayExercise.route`.
    public var key: String
    public var integrationType: String?
    /// HTTP API Lambda integrations: `1.0` or `2.0`.
    public var payloadFormatVersion: String?
    /// In selection order (REST: document order, keyed by status code as on import; HTTP API: the response
    /// mappings by integration status, ascending).
    public var integrationResponses: [DeclaredIntegrationResponse]
    /// Declared method-response statuses, ascending (REST APIs).
    public var methodResponseStatuses: [String]

    public init(key: String, integrationType: String?, payloadFormatVersion: String? = nil,
                integrationResponses: [DeclaredIntegrationResponse], methodResponseStatuses: [String]) {
        self.key = key
        self.integrationType = integrationType
        self.payloadFormatVersion = payloadFormatVersion
        self.integrationResponses = integrationResponses
        self.methodResponseStatuses = methodResponseStatuses
    }
}

/// An integration response: its selection pattern (`default`) and status, or an HTTP API response mapping
/// (`responseParameters.<status>`, status = the integration status it applies to).
public struct DeclaredIntegrationResponse: Sendable, Hashable {
    public var selectionPattern: String
    public var statusCode: String

    public init(selectionPattern: String, statusCode: String) {
        self.selectionPattern = selectionPattern
        self.statusCode = statusCode
    }
}

extension APIDefinition {
    /// What this definition declares (see `DeclaredSurface`).
    public var declaredSurface: DeclaredSurface {
        switch self {
        case let .rest(definition):
            let methods = definition.allMethods.map { method in
                DeclaredMethod(key: "\(method.httpMethod) \(method.resourcePath)", integrationType: method.integration.kind.rawValue,
                               integrationResponses: method.integration.responses.map {
                                   DeclaredIntegrationResponse(selectionPattern: $0.selectionPattern, statusCode: $0.statusCode)
                               },
                               methodResponseStatuses: method.methodResponses.keys.sorted())
            }
            return DeclaredSurface(file: definition.file, kind: .rest, methods: methods,
                                   customizedGatewayResponses: definition.gatewayResponses.keys.map(\.rawValue).sorted())
        case let .http(definition):
            let methods = definition.allRoutes.map { route in
                DeclaredMethod(key: route.routeKey, integrationType: route.integration?.typeName,
                               payloadFormatVersion: route.integration?.payloadFormatVersion,
                               integrationResponses: (route.integration?.responseParameters.keys.sorted() ?? []).map {
                                   DeclaredIntegrationResponse(selectionPattern: "responseParameters.\($0)", statusCode: String($0))
                               },
                               methodResponseStatuses: [])
            }
            return DeclaredSurface(file: definition.file, kind: .http, methods: methods, customizedGatewayResponses: [])
        }
    }

    /// The method or route a request would reach, by the gateway's own routing: `method` and `path` as sent, the path
    /// relative to the stage (REST: after `/{stage}`; HTTP API: inside the stage). Used where the inside of the
    /// gateway is not visible (a deployed stage) to attribute an observed status to a declared method.
    public func routeKey(method: String, path: String) -> String? {
        let verb = method.uppercased()
        switch self {
        case let .rest(definition):
            guard let match = restMatch(definition, method: verb, path: path) else { return nil }
            return "\(match.httpMethod) \(match.resourcePath)"
        case let .http(definition):
            return HTTPAPIRouter(routes: definition.routes, defaultRoute: definition.defaultRoute)
                .match(method: verb, path: path.isEmpty ? "/" : path)?.route.routeKey
        }
    }
}
