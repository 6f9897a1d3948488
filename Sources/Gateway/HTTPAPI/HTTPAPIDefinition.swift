import JSONCore
import SourceDiagnostics

/// An HTTP API (API Gateway v2) loaded from its OpenAPI 3.0 export, compiled for serving.
public struct HTTPAPIDefinition: Sendable {
    /// `info.title`.
    public var title: String
    /// The file the definition was read from (as shown in diagnostics).
    public var file: String
    /// A stable 10-character id derived from the title, used as `requestContext.apiId`.
    public var apiID: String
    /// Every route except `$default`, in document order.
    public var routes: [HTTPAPIRoute]
    /// The `$default` route (`/$default` + `x-amazon-apigateway-any-method` + `isDefaultRoute: true`), if any.
    public var defaultRoute: HTTPAPIRoute?
    /// Lambda authorizers by security scheme name.
    public var authorizers: [String: LambdaAuthorizer] = [:]
    /// JWT authorizers by security scheme name.
    public var jwtAuthorizers: [String: JWTAuthorizer] = [:]
    /// `components.schemas` by name (response models of the published contract; an HTTP API has no models of its own).
    public var models: [String: JSONValue] = [:]
    /// `x-amazon-apigateway-cors`: nil when the API has no CORS configuration.
    public var cors: HTTPAPICors?
    /// Warnings found while loading (errors make loading fail instead).
    public var diagnostics: [Diagnostic]

    public init(title: String, file: String, apiID: String, routes: [HTTPAPIRoute], defaultRoute: HTTPAPIRoute?,
                cors: HTTPAPICors? = nil, diagnostics: [Diagnostic] = []) {
        self.title = title
        self.file = file
        self.apiID = apiID
        self.routes = routes
        self.defaultRoute = defaultRoute
        self.cors = cors
        self.diagnostics = diagnostics
    }

    /// Lambda function names the integrations invoke (names containing stage variables are left out).
    public var referencedFunctions: Set<String> {
        var names = Set(authorizers.values.map(\.functionName).filter { !$0.contains("${") })
        for route in allRoutes {
            if case let .lambda(reference)? = route.integration?.target, !reference.name.contains("${") {
                names.insert(reference.name)
            }
        }
        return names
    }

    /// Hosts (`host` or `host:port`, lower-cased) the HTTP proxy integrations call; hosts built from
    /// stage variables are left out.
    public var referencedHosts: Set<String> {
        var hosts: Set<String> = []
        for route in allRoutes {
            if case let .http(url)? = route.integration?.target, let host = httpHostKey(of: url, rules: .httpAPI), !host.contains("${") {
                hosts.insert(host)
            }
        }
        return hosts
    }

    /// Routes including `$default`.
    public var allRoutes: [HTTPAPIRoute] { routes + (defaultRoute.map { [$0] } ?? []) }
}

/// One route: `GET /items/{id}`, `ANY /{proxy+}` or `$default`.
public struct HTTPAPIRoute: Sendable {
    /// One segment of a route path.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        /// `{name}`: exactly one path segment.
        case parameter(String)
        /// `{name+}`: one or more trailing segments.
        case greedy(String)
    }

    /// `GET /items/{id}`, `ANY /{proxy+}`, or `$default`.
    public var routeKey: String
    /// Upper-case method, or nil for `ANY` (and for `$default`).
    public var method: String?
    /// The route path as written (`/items/{id}`); `$default` for the default route.
    public var path: String
    public var segments: [Segment]
    /// nil when the route has no integration attached (API Gateway answers 404 Not Found).
    public var integration: HTTPAPIIntegration?
    /// `AWS_IAM` when the route's `security` names a SigV4 scheme (see HTTPAPIIAMAuthorization.swift).
    public var authorizationType: AuthorizationType
    /// The Lambda authorizer (security scheme name) of a `CUSTOM` route, or the JWT authorizer of a `JWT` route.
    public var authorizerName: String?
    /// `authorizationScopes` of a `JWT` route: the token must hold at least one of them (none: any token).
    public var authorizationScopes: [String] = []

    public init(routeKey: String, method: String?, path: String, segments: [Segment], integration: HTTPAPIIntegration?,
                authorizationType: AuthorizationType = .none, authorizerName: String? = nil) {
        self.authorizerName = authorizerName
        self.routeKey = routeKey
        self.method = method
        self.path = path
        self.segments = segments
        self.integration = integration
        self.authorizationType = authorizationType
    }

    public var isDefault: Bool { routeKey == "$default" }

    /// The operation's OpenAPI `responses` (`default` included), in document order: not used by API Gateway, but the
    /// contract the definition publishes, checked by `matchesDefinition`.
    public var declaredResponses: [MethodResponse] = []
}

/// Where an integration sends the request.
public enum HTTPAPIIntegrationTarget: Sendable, Hashable {
    /// `aws_proxy` to a Lambda function (name and qualifier may contain `${stageVariables.x}`).
    case lambda(HTTPAPILambdaFunction)
    /// `http_proxy` to a URL (may contain `{param}`, `{proxy}` and `${stageVariables.x}`).
    case http(String)
    /// An AWS service integration (`integrationSubtype: SQS-SendMessage`, ...), served by the `services:` backends.
    case service(HTTPAPIServiceCall)
    /// A feature the emulator does not implement (AppConfig subtypes, VPC links): answered with 500.
    case unsupported(String)
}

/// An `integrationSubtype` integration: the subtype and its `requestParameters` (`QueueUrl`, `MessageBody`, ...),
/// each a mapping value (`$request.body.message`, static text).
public struct HTTPAPIServiceCall: Sendable, Hashable {
    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: HTTPAPIMappingValue
    }

    public var subtype: String
    public var parameters: [Parameter]

    /// The subtypes the emulator serves (the Developer Guide's "Integration subtype reference" without AppConfig).
    public static let servedSubtypes: Set<String> = [
        "SQS-SendMessage", "SQS-ReceiveMessage", "SQS-DeleteMessage", "SQS-PurgeQueue", "EventBridge-PutEvents",
        "Kinesis-PutRecord", "StepFunctions-StartExecution", "StepFunctions-StartSyncExecution", "StepFunctions-StopExecution",
    ]
}

public struct HTTPAPILambdaFunction: Sendable, Hashable {
    public var name: String
    public var qualifier: String?

    public init(name: String, qualifier: String? = nil) {
        self.name = name
        self.qualifier = qualifier
    }
}

/// `x-amazon-apigateway-integration` of an HTTP API route.
public struct HTTPAPIIntegration: Sendable {
    public var target: HTTPAPIIntegrationTarget
    /// Payload format for Lambda (HTTP proxy integrations are always 1.0 and do not use it).
    public var payloadFormat: HTTPAPIPayloadFormat
    /// For `http_proxy`: the method used upstream; nil or `ANY` means the client's method.
    public var httpMethod: String?
    /// 50...30000 ms; default 30000.
    public var timeoutMilliseconds: Int
    /// Applied in document order before the integration is called.
    public var requestParameters: [HTTPAPIParameterMapping]
    /// Keyed by the integration's status code; each list applied in document order.
    public var responseParameters: [Int: [HTTPAPIParameterMapping]]

    public init(target: HTTPAPIIntegrationTarget, payloadFormat: HTTPAPIPayloadFormat, httpMethod: String? = nil,
                timeoutMilliseconds: Int = 30_000, requestParameters: [HTTPAPIParameterMapping] = [],
                responseParameters: [Int: [HTTPAPIParameterMapping]] = [:]) {
        self.target = target
        self.payloadFormat = payloadFormat
        self.httpMethod = httpMethod
        self.timeoutMilliseconds = timeoutMilliseconds
        self.requestParameters = requestParameters
        self.responseParameters = responseParameters
    }

    /// The payload format version of a Lambda integration (`1.0`, `2.0`); nil for HTTP proxy integrations.
    public var payloadFormatVersion: String? {
        if case .lambda = target { return payloadFormat.rawValue }
        return nil
    }

    /// `AWS_PROXY` or `HTTP_PROXY`, for logs.
    public var typeName: String {
        switch target {
        case .lambda, .service: return "AWS_PROXY"
        case .http: return "HTTP_PROXY"
        case .unsupported: return "UNSUPPORTED"
        }
    }
}

/// One parameter mapping entry: `overwrite:header.x: $context.requestId`.
public struct HTTPAPIParameterMapping: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case append, overwrite, remove
    }

    public enum Target: Sendable, Hashable {
        /// Header name as written (matched case-insensitively).
        case header(String)
        case queryString(String)
        /// `overwrite:path` (request only).
        case path
        /// `overwrite:statuscode` (response only).
        case statusCode
    }

    public var action: Action
    public var target: Target
    public var value: HTTPAPIMappingValue

    public init(action: Action, target: Target, value: HTTPAPIMappingValue) {
        self.action = action
        self.target = target
        self.value = value
    }
}

/// A mapping value: static text with variable references (`$context.requestId`, `${request.header.x}`).
public struct HTTPAPIMappingValue: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case variable(HTTPAPIMappingVariable)
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    public static func literal(_ text: String) -> HTTPAPIMappingValue { HTTPAPIMappingValue(parts: [.literal(text)]) }

    /// The value when it is static text only.
    public var staticText: String? {
        var text = ""
        for part in parts {
            guard case let .literal(literal) = part else { return nil }
            text += literal
        }
        return text
    }
}

/// The data a mapping value can refer to.
public enum HTTPAPIMappingVariable: Sendable, Hashable {
    case requestHeader(String)
    case requestQueryString(String)
    /// `$request.path.name`: a path parameter.
    case requestPathParameter(String)
    /// `$request.path`: the whole request path.
    case requestPath
    /// `$request.body.x` (JSONPath `$.x`).
    case requestBody(JSONPath)
    case responseHeader(String)
    /// `$response.body.x` (JSONPath `$.x`).
    case responseBody(JSONPath)
    /// `$context.name`.
    case context(String)
    /// `$stageVariables.name`.
    case stageVariable(String)
}
