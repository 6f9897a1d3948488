import JSONCore
import SourceDiagnostics
import Yams

/// What an OpenAPI document describes, as far as its API Gateway extensions tell.
public enum HTTPAPIDocumentKind: Sendable, Hashable {
    /// `x-amazon-apigateway-importexport-version`, or an integration with `payloadFormatVersion`.
    case httpAPI
    /// REST-only features: integration types `aws`/`http`/`mock`, `requestTemplates`, `responses`,
    /// `passthroughBehavior`, `contentHandling`, gateway responses, request validators, binary media types, API key source.
    case restAPI
    /// Nothing decisive (for example only `aws_proxy` integrations without `payloadFormatVersion`),
    /// or signals of both kinds: the suite must say which it is.
    case undetermined
}

/// Reads the OpenAPI 3.0 export of an HTTP API (`aws apigatewayv2 export-api --specification OAS30
/// --include-extensions`) into an `HTTPAPIDefinition`. Every problem is a diagnostic with file:line:column;
/// what API Gateway would refuse on import is an error, what the emulator does not implement is a warning.
public enum HTTPAPILoader {
    /// Loads a definition file. Warnings are returned on `HTTPAPIDefinition.diagnostics`.
    /// `parameters` resolve CloudFormation references (`IntrinsicResolver`).
    public static func load(path: String, displayName: String? = nil, parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> HTTPAPIDefinition {
        try DefinitionDocument.loadFile(path: path, displayName: displayName) { (text, file) throws(DiagnosticsError) in try load(text: text, file: file, parameters: parameters) }
    }

    /// Loads a definition from text; `file` is the name used in diagnostics.
    public static func load(text: String, file: String, parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> HTTPAPIDefinition {
        try DefinitionDocument.compile(text: text, file: file, emptyMessage: "empty document: expected an OpenAPI 3.0 definition of an HTTP API",
                                       parameters: parameters) { tree, reader in
            var builder = HTTPAPIDefinitionBuilder(reader: reader)
            return builder.build(root: tree)
        }
    }

    /// Compiles an already resolved OpenAPI 3 node tree (a template's `Body`, or one built from resources).
    static func load(tree: Node, file: String) throws(DiagnosticsError) -> HTTPAPIDefinition {
        try DefinitionDocument.compile(tree: tree, file: file) { tree, reader in
            var builder = HTTPAPIDefinitionBuilder(reader: reader)
            return builder.build(root: tree)
        }
    }

    /// True when the document is an HTTP API: it has `x-amazon-apigateway-importexport-version` (only HTTP API
    /// exports carry it) or any `x-amazon-apigateway-integration` with `payloadFormatVersion` (a v2-only key).
    public static func looksLikeHTTPAPI(_ document: Node) -> Bool {
        HTTPAPIDocumentScan(document).hasHTTPAPISignal
    }

    /// `looksLikeHTTPAPI` for YAML/JSON text; false when the text does not parse.
    public static func looksLikeHTTPAPI(text: String) -> Bool {
        guard case let .success(node?) = YAMLSource.parse(text, file: "") else { return false }
        return looksLikeHTTPAPI(node)
    }

    /// Classifies a document as HTTP API, REST API, or undetermined (see `HTTPAPIDocumentKind`): the kind with
    /// more distinct signals (`HTTPAPIDocumentScan`) wins; a tie, or no signal at all, is undetermined. A Swagger
    /// 2.0 document is always a REST API (HTTP APIs import only OpenAPI 3).
    public static func detectKind(_ document: Node) -> HTTPAPIDocumentKind {
        HTTPAPIDocumentScan(document).kind
    }

    /// `detectKind` for YAML/JSON text; undetermined when the text does not parse.
    public static func detectKind(text: String) -> HTTPAPIDocumentKind {
        guard case let .success(node?) = YAMLSource.parse(text, file: "") else { return .undetermined }
        return detectKind(node)
    }

    /// `detectKind` for a file; undetermined when it cannot be read or parsed (loading it reports why).
    public static func detectKind(path: String) -> HTTPAPIDocumentKind {
        guard case let .success(text) = YAMLSource.readText(path: path) else { return .undetermined }
        return detectKind(text: text)
    }

    /// Header names HTTP APIs refuse to map (DG http-api-parameter-mapping, rule book §13).
    public static func isReservedHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        for prefix in ["access-control-", "apigw-", "x-amz-", "x-amzn-"] where lowered.hasPrefix(prefix) { return true }
        return reservedHeaders.contains(lowered)
    }

    static let reservedHeaders: Set<String> = [
        "authorization", "connection", "content-encoding", "content-length", "content-location", "forwarded",
        "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
        "transfer-encoding", "upgrade", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via",
    ]
}

/// Looks for the keys that tell HTTP APIs from REST APIs (issue 17 item 3). HTTP API signals:
/// `x-amazon-apigateway-importexport-version`, `x-amazon-apigateway-cors`, `components.x-amazon-apigateway-integrations`,
/// `payloadFormatVersion` (in a path's or a shared integration), `integrationSubtype`, the `/$default` path.
/// REST API signals: `swagger`, `x-amazon-apigateway-request-validators`, `x-amazon-apigateway-gateway-responses`,
/// `x-amazon-apigateway-binary-media-types`, `x-amazon-apigateway-api-key-source`, and in integrations non-proxy
/// `responses`, `requestTemplates`, `passthroughBehavior`, `contentHandling` and the types `aws` (without
/// `integrationSubtype`), `http` and `mock`. Each signal is counted once, at its first position.
public struct HTTPAPIDocumentScan: Sendable {
    /// A signal: its name as shown in messages (`x-amazon-apigateway-cors`, `requestTemplates`, ...) and where it was first found.
    public struct Signal: Sendable, Hashable {
        public var name: String
        public var line: Int?
        public var column: Int?
    }

    public private(set) var httpSignals: [Signal] = []
    public private(set) var restSignals: [Signal] = []
    /// `swagger:` at the top: only REST APIs import Swagger 2.0.
    public private(set) var isSwagger = false

    var hasImportExportVersion: Bool { httpSignals.contains { $0.name == "x-amazon-apigateway-importexport-version" } }
    var hasPayloadFormatVersion: Bool { httpSignals.contains { $0.name == "payloadFormatVersion" } }
    var hasHTTPAPISignal: Bool { hasImportExportVersion || hasPayloadFormatVersion }

    /// The kind the signals point to: the majority of distinct signals; undetermined on a tie or none.
    public var kind: HTTPAPIDocumentKind {
        if isSwagger { return .restAPI }
        if httpSignals.count > restSignals.count { return .httpAPI }
        if restSignals.count > httpSignals.count { return .restAPI }
        return .undetermined
    }

    /// True when both kinds have signals (the document is read by majority, with a warning).
    public var isConflicting: Bool { !httpSignals.isEmpty && !restSignals.isEmpty }

    static let httpTopLevelKeys: Set<String> = ["x-amazon-apigateway-importexport-version", "x-amazon-apigateway-cors"]
    static let restTopLevelKeys: Set<String> = [
        "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-request-validators",
        "x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-api-key-source", "swagger",
    ]
    static let restIntegrationKeys: Set<String> = ["requestTemplates", "responses", "passthroughBehavior", "contentHandling"]

    public init(_ document: Node) {
        guard case let .mapping(root) = document else { return }
        for (key, value) in root {
            guard let name = key.string else { continue }
            if name == "swagger" { isSwagger = true }
            if Self.httpTopLevelKeys.contains(name) { add(http: name, at: key) }
            if Self.restTopLevelKeys.contains(name) { add(rest: name, at: key) }
            if name == "paths", case let .mapping(paths) = value {
                for (path, item) in paths {
                    if path.string == "/$default" || path.string == "$default" { add(http: "the $default path", at: path) }
                    guard case let .mapping(operations) = item else { continue }
                    for (_, operation) in operations {
                        guard case let .mapping(fields) = operation else { continue }
                        for (fieldKey, field) in fields where fieldKey.string == "x-amazon-apigateway-integration" {
                            inspect(integration: field)
                        }
                    }
                }
            }
            if name == "components", case let .mapping(components) = value {
                for (componentKey, component) in components where componentKey.string == "x-amazon-apigateway-integrations" {
                    add(http: "components.x-amazon-apigateway-integrations", at: componentKey)
                    guard case let .mapping(integrations) = component else { continue }
                    for (_, integration) in integrations { inspect(integration: integration) }
                }
            }
        }
    }

    private mutating func add(http name: String, at node: Node) {
        if !httpSignals.contains(where: { $0.name == name }) { httpSignals.append(Signal(name: name, line: node.mark?.line, column: node.mark?.column)) }
    }

    private mutating func add(rest name: String, at node: Node) {
        if !restSignals.contains(where: { $0.name == name }) { restSignals.append(Signal(name: name, line: node.mark?.line, column: node.mark?.column)) }
    }

    private mutating func inspect(integration: Node) {
        guard case let .mapping(fields) = integration else { return }
        let hasSubtype = fields.contains { $0.key.string == "integrationSubtype" }
        for (key, value) in fields {
            guard let name = key.string else { continue }
            if name == "payloadFormatVersion" || name == "integrationSubtype" { add(http: name, at: key) }
            if Self.restIntegrationKeys.contains(name) { add(rest: name, at: key) }
            if name == "type", let type = value.string?.lowercased(), ["aws", "http", "mock"].contains(type), !(type == "aws" && hasSubtype) {
                add(rest: "integration type '\(type)'", at: value)
            }
        }
    }
}

/// Builds the definition from the YAML tree, reporting to the reader's sink.
struct HTTPAPIDefinitionBuilder {
    let reader: YAMLReader
    private var componentIntegrations: [String: Node] = [:]
    /// `components.schemas`, for the response models of `matchesDefinition`.
    private var models: [String: JSONValue] = [:]
    /// Normalised route key -> (route key as written, node) for conflict detection.
    private var seenRoutes: [String: (String, Node)] = [:]
    /// Security schemes that mean `AWS_IAM` (`x-amazon-apigateway-authtype: awsSigv4`).
    var iamSchemes: Set<String> = []
    /// Lambda authorizers by scheme name, and schemes read but not emulated (JWT).
    var authorizers: [String: LambdaAuthorizer] = [:]
    var notEmulatedSchemes: Set<String> = []
    /// JWT authorizers by scheme name (see Authorization/JWTAuthorizer.swift).
    var jwtAuthorizers: [String: JWTAuthorizer] = [:]

    init(reader: YAMLReader) { self.reader = reader }

    static let operationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"]
    static let pathItemKeys = ["summary", "description", "servers", "parameters", "$ref"] + operationMethods
    static let operationKeys = [
        "operationId", "summary", "description", "tags", "parameters", "requestBody", "responses", "security",
        "deprecated", "servers", "callbacks", "externalDocs", "x-amazon-apigateway-integration", "isDefaultRoute",
    ]
    static let topLevelKeys = ["openapi", "info", "servers", "paths", "components", "tags", "security", "externalDocs",
                               "x-amazon-apigateway-importexport-version", "x-amazon-apigateway-cors"]
    static let integrationKeys = [
        "type", "payloadFormatVersion", "uri", "httpMethod", "connectionType", "connectionId", "timeoutInMillis",
        "requestParameters", "responseParameters", "credentials", "integrationSubtype", "tlsConfig", "description",
    ]
    static let restOnlyIntegrationKeys: [String: String] = [
        "requestTemplates": "HTTP APIs have no mapping templates; use requestParameters",
        "responses": "HTTP APIs have no integration responses; use responseParameters keyed by status code",
        "passthroughBehavior": "HTTP APIs always pass the request through",
        "contentHandling": "HTTP APIs have no content handling setting",
        "cacheKeyParameters": "HTTP APIs have no caching",
        "cacheNamespace": "HTTP APIs have no caching",
    ]
    /// Context variables the emulator can render in mapping values.
    static let contextVariables: Set<String> = [
        "accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod", "identity.sourceIp",
        "identity.userAgent", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "routeKey", "stage",
        "integrationStatus",
    ]

    mutating func build(root: Node) -> HTTPAPIDefinition? {
        guard let mapping = reader.mapping(root, "document") else { return nil }
        if mapping["swagger"] != nil && mapping["openapi"] == nil {
            reader.error("this is an OpenAPI 2.0 (Swagger) document; HTTP APIs are exported as OpenAPI 3.0 "
                         + "('openapi: 3.0.1') and API Gateway's HTTP API import takes only OpenAPI 3.0. Is it a REST API definition? "
                         + "(REST APIs import Swagger 2.0: say `apiType: rest` or --api-type rest)", at: mapping.keyNode("swagger"))
            return nil
        }
        if let version = mapping["openapi"] {
            if let text = reader.string(version, "openapi"), !text.hasPrefix("3.") {
                reader.error("unsupported OpenAPI version '\(text)': expected 3.0.x", at: version)
            }
        } else {
            reader.error("missing required key 'openapi' in document (expected 'openapi: 3.0.1')", at: root)
        }
        for entry in mapping.entries where !Self.topLevelKeys.contains(entry.key) {
            reportUnknownExtensionOrKey(entry, allowed: Self.topLevelKeys, context: "the document")
        }
        if let version = mapping["x-amazon-apigateway-importexport-version"],
           let text = reader.string(version, "x-amazon-apigateway-importexport-version"), text != "1.0" {
            reader.error("unsupported x-amazon-apigateway-importexport-version '\(text)': API Gateway knows only '1.0'", at: version)
        }
        if let security = mapping["security"], case let .sequence(items) = security, !items.isEmpty {
            reader.unsupported("authorizers (top-level 'security'); requests are not authorized", at: security)
        }

        var title = "HTTP API"
        if let infoNode = reader.require(mapping, "info", "the document"), let info = reader.mapping(infoNode, "info") {
            if let titleNode = reader.require(info, "title", "info"), let text = reader.string(titleNode, "info.title") {
                title = text
            }
        }
        if let componentsNode = mapping["components"] { readComponents(componentsNode) }
        let cors = mapping["x-amazon-apigateway-cors"].flatMap { readCors($0) }

        var routes: [HTTPAPIRoute] = []
        var defaultRoute: HTTPAPIRoute?
        if let pathsNode = reader.require(mapping, "paths", "the document"), let paths = reader.mapping(pathsNode, "paths") {
            for entry in paths.entries {
                // `/$default` as API Gateway exports it; `$default` as SAM templates and hand-written definitions have it.
                if entry.key == "/$default" || entry.key == "$default" {
                    defaultRoute = readDefaultRoute(entry)
                } else {
                    routes += readPath(entry)
                }
            }
        }
        var definition = HTTPAPIDefinition(title: title, file: reader.file, apiID: GatewayIdentifiers.stableID(title, length: 10, rules: .httpAPI),
                                           routes: routes, defaultRoute: defaultRoute, cors: cors)
        definition.authorizers = authorizers
        definition.jwtAuthorizers = jwtAuthorizers
        definition.models = models
        return definition
    }

    /// A YAML node as JSON without diagnostics (nil for an alias or a non-string key): for parts API Gateway ignores.
    static func lenientJSON(_ node: Node) -> JSONValue? {
        switch node {
        case let .scalar(scalar):
            return YAMLReader.jsonScalar(node, scalar)
        case let .sequence(sequence):
            var items: [JSONValue] = []
            for item in sequence { guard let value = lenientJSON(item) else { return nil }; items.append(value) }
            return .array(items)
        case let .mapping(mapping):
            var members: [(String, JSONValue)] = []
            for (key, value) in mapping {
                guard let name = key.string, let converted = lenientJSON(value), !members.contains(where: { $0.0 == name }) else { return nil }
                members.append((name, converted))
            }
            return .object(.init(uniqueKeysWithValues: members))
        case .alias:
            return nil
        }
    }

    /// The operation's OpenAPI `responses` (status or `default`, declared headers, `content.<type>.schema`): API Gateway
    /// ignores them for an HTTP API, but they are the contract the definition publishes (`matchesDefinition`).
    /// Read leniently: what is not a mapping is left out, without a diagnostic.
    private func declaredResponses(of operationNode: Node) -> [MethodResponse] {
        guard case let .mapping(operation) = operationNode, let responsesNode = operation["responses"], case let .mapping(responses) = responsesNode else { return [] }
        var declared: [MethodResponse] = []
        for (key, value) in responses {
            guard let status = key.string, status == "default" || (status.count == 3 && Int(status) != nil) else { continue }
            var headers: [String] = []
            var bodySchemas: [(contentType: String, schema: JSONValue)] = []
            if case let .mapping(response) = value {
                if case let .mapping(headerMap)? = response["headers"] { headers = headerMap.keys.compactMap(\.string) }
                if case let .mapping(content)? = response["content"] {
                    for (mediaKey, media) in content {
                        guard let mediaType = mediaKey.string, case let .mapping(fields) = media, let schemaNode = fields["schema"],
                              let schema = Self.lenientJSON(schemaNode) else { continue }
                        bodySchemas.append((mediaType.lowercased(), schema))
                    }
                }
            }
            declared.append(MethodResponse(statusCode: status, headers: headers, bodySchemas: bodySchemas))
        }
        return declared
    }

    static let corsKeys = ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"]

    /// `x-amazon-apigateway-cors`, with the checks API Gateway makes when the API is imported: known keys, lists of
    /// strings, methods that exist, `maxAge` in -1...86400, and no `allowCredentials: true` with the `*` origin
    /// (API Gateway: "allow-credentials is not supported if 'allow-origin' is *").
    private func readCors(_ node: Node) -> HTTPAPICors? {
        guard let fields = reader.mapping(node, "x-amazon-apigateway-cors") else { return nil }
        var ok = reader.checkKeys(fields, allowed: Self.corsKeys, "x-amazon-apigateway-cors")
        func list(_ key: String) -> [String] {
            guard let value = fields[key] else { return [] }
            guard let items = reader.stringList(value, "x-amazon-apigateway-cors.\(key)") else { ok = false; return [] }
            return items
        }
        var cors = HTTPAPICors(allowOrigins: list("allowOrigins"), allowMethods: list("allowMethods"),
                               allowHeaders: list("allowHeaders"), exposeHeaders: list("exposeHeaders"))
        if let methodsNode = fields["allowMethods"] {
            for method in cors.allowMethods where !HTTPAPICors.allowedMethods.contains(method.uppercased()) {
                reader.error("allowMethods entry '\(method)' is not an HTTP method or '*'", at: methodsNode)
                ok = false
            }
        }
        if let maxAgeNode = fields["maxAge"] {
            if let value = reader.int(maxAgeNode, "x-amazon-apigateway-cors.maxAge") {
                if HTTPAPICors.maxAgeRange.contains(value) { cors.maxAge = value } else {
                    reader.error("maxAge must be between -1 and 86400 seconds, found \(value)", at: maxAgeNode)
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let credentialsNode = fields["allowCredentials"] {
            if let value = reader.bool(credentialsNode, "x-amazon-apigateway-cors.allowCredentials") {
                cors.allowCredentials = value
                if value && cors.allowOrigins.contains("*") {
                    reader.error("allowCredentials: true is not supported with allowOrigins '*' (API Gateway refuses the import: "
                                 + "\"allow-credentials is not supported if 'allow-origin' is *\"); list the origins instead", at: credentialsNode)
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if cors.allowOrigins.isEmpty {
            reader.warning("x-amazon-apigateway-cors has no allowOrigins: no request gets CORS headers", at: fields.node)
        }
        return ok ? cors : nil
    }

    private func reportUnknownExtensionOrKey(_ entry: YAMLMapping.Entry, allowed: [String], context: String) {
        if entry.key.hasPrefix("x-amazon-apigateway-") {
            reader.unsupported(entry.key, at: entry.keyNode)
        } else if entry.key.hasPrefix("x-") {
            return
        } else {
            var message = "unknown key '\(entry.key)' in \(context)"
            if let hint = closestMatch(to: entry.key, among: allowed) { message += " (did you mean '\(hint)'?)" }
            reader.error(message, at: entry.keyNode)
        }
    }

    private mutating func readComponents(_ node: Node) {
        guard let components = reader.mapping(node, "components") else { return }
        if case let .mapping(schemas)? = components["schemas"] {
            for (key, schema) in schemas { if let name = key.string, let value = Self.lenientJSON(schema) { models[name] = value } }
        }
        if let schemesNode = components["securitySchemes"], case let .mapping(schemes) = schemesNode {
            for (key, scheme) in schemes {
                guard let name = key.string else { continue }
                let read = SecurityScheme.read(name: name, node: scheme, keyNode: key, flavour: .httpAPI, reader: reader) { node in
                    readURI(node)
                }
                switch read {
                case .sigV4?: iamSchemes.insert(name)
                case let .lambda(authorizer)?: authorizers[name] = authorizer
                case .notEmulated?: notEmulatedSchemes.insert(name)
                case let .jwt(authorizer)?: jwtAuthorizers[name] = authorizer
                case .apiKey?, .invalid?, nil: break
                }
            }
        }
        if let integrationsNode = components["x-amazon-apigateway-integrations"],
           let integrations = reader.mapping(integrationsNode, "components.x-amazon-apigateway-integrations") {
            for entry in integrations.entries { componentIntegrations[entry.key] = entry.value }
        }
    }

    private mutating func readDefaultRoute(_ entry: YAMLMapping.Entry) -> HTTPAPIRoute? {
        guard let item = reader.mapping(entry.value, "paths./$default") else { return nil }
        var route: HTTPAPIRoute?
        for field in item.entries {
            if field.key == "x-amazon-apigateway-any-method" {
                let integration = readOperation(field.value, routeKey: "$default", isDefaultPath: true)
                let (type, authorizer) = routeAuthorization(of: field.value)
                route = HTTPAPIRoute(routeKey: "$default", method: nil, path: "$default", segments: [], integration: integration ?? nil,
                                     authorizationType: type, authorizerName: authorizer)
                route?.authorizationScopes = type == .jwt ? routeScopes(of: field.value, authorizer: authorizer) : []
                route?.declaredResponses = declaredResponses(of: field.value)
            } else if Self.operationMethods.contains(field.key) {
                reader.error("the $default route is exported as 'x-amazon-apigateway-any-method' under '/$default'; "
                             + "'\(field.key)' is not allowed there", at: field.keyNode)
            } else if !["summary", "description", "servers", "parameters"].contains(field.key) {
                reportUnknownExtensionOrKey(field, allowed: Self.pathItemKeys, context: "paths./$default")
            }
        }
        if route == nil {
            reader.error("'/$default' has no 'x-amazon-apigateway-any-method': the $default route matches every method", at: entry.keyNode)
        }
        return route
    }

    private mutating func readPath(_ entry: YAMLMapping.Entry) -> [HTTPAPIRoute] {
        guard let segments = parsePath(entry.key, at: entry.keyNode) else { return [] }
        guard let item = reader.mapping(entry.value, "paths.\(entry.key)") else { return [] }
        var routes: [HTTPAPIRoute] = []
        for field in item.entries {
            if Self.operationMethods.contains(field.key) {
                let method = field.key == "x-amazon-apigateway-any-method" ? nil : field.key.uppercased()
                let routeKey = "\(method ?? "ANY") \(entry.key)"
                let normalized = "\(method ?? "ANY") " + segments.map { segment -> String in
                    switch segment {
                    case let .literal(text): return text
                    case .parameter: return "{}"
                    case .greedy: return "{+}"
                    }
                }.joined(separator: "/")
                if let (existing, node) = seenRoutes[normalized] {
                    let line = node.mark.map { " (line \($0.line))" } ?? ""
                    reader.error("route '\(routeKey)' conflicts with '\(existing)'\(line): the paths differ only in variable names", at: field.keyNode)
                    continue
                }
                seenRoutes[normalized] = (routeKey, field.keyNode)
                guard let integration = readOperation(field.value, routeKey: routeKey, isDefaultPath: false) else { continue }
                let (type, authorizer) = routeAuthorization(of: field.value)
                var route = HTTPAPIRoute(routeKey: routeKey, method: method, path: entry.key, segments: segments, integration: integration,
                                         authorizationType: type, authorizerName: authorizer)
                if type == .jwt { route.authorizationScopes = routeScopes(of: field.value, authorizer: authorizer) }
                route.declaredResponses = declaredResponses(of: field.value)
                routes.append(route)
            } else if field.key == "trace" {
                reader.error("HTTP API routes support GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS and ANY, not TRACE", at: field.keyNode)
            } else if field.key == "$ref" {
                reader.error("'$ref' path items are not supported: write the operations inline", at: field.keyNode)
            } else if !["summary", "description", "servers", "parameters"].contains(field.key) {
                reportUnknownExtensionOrKey(field, allowed: Self.pathItemKeys, context: "paths.\(entry.key)")
            }
        }
        return routes
    }

    /// Splits a route path into segments, reporting malformed paths.
    func parsePath(_ path: String, at node: Node) -> [HTTPAPIRoute.Segment]? {
        guard path.hasPrefix("/") else {
            reader.error("route path '\(path)' must start with '/'", at: node)
            return nil
        }
        if path == "/" { return [] }
        if path.hasSuffix("/") {
            reader.error("route path '\(path)' must not end with '/'", at: node)
            return nil
        }
        let pieces = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var segments: [HTTPAPIRoute.Segment] = []
        var names: Set<String> = []
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty {
                reader.error("route path '\(path)' has an empty segment ('//')", at: node)
                return nil
            }
            let opens = piece.filter { $0 == "{" }.count, closes = piece.filter { $0 == "}" }.count
            if opens == 0 && closes == 0 {
                segments.append(.literal(String(piece)))
                continue
            }
            guard opens == 1, closes == 1, piece.hasPrefix("{"), piece.hasSuffix("}") else {
                reader.error("route path '\(path)': a path variable must be a whole segment like '{id}', found '\(piece)'", at: node)
                return nil
            }
            var name = String(piece.dropFirst().dropLast())
            let greedy = name.hasSuffix("+")
            if greedy { name.removeLast() }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                reader.error("route path '\(path)': invalid path variable name '\(name)'", at: node)
                return nil
            }
            if greedy && index != pieces.count - 1 {
                reader.error("route path '\(path)': the greedy variable '{\(name)+}' must be the last segment", at: node)
                return nil
            }
            guard names.insert(name).inserted else {
                reader.error("route path '\(path)': path variable '\(name)' appears twice", at: node)
                return nil
            }
            segments.append(greedy ? .greedy(name) : .parameter(name))
        }
        return segments
    }

    /// Reads an operation; returns `.some(nil)` for a route without integration, nil when the route is invalid.
    private mutating func readOperation(_ node: Node, routeKey: String, isDefaultPath: Bool) -> HTTPAPIIntegration?? {
        guard let operation = reader.mapping(node, routeKey) else { return nil }
        for entry in operation.entries where !Self.operationKeys.contains(entry.key) {
            reportUnknownExtensionOrKey(entry, allowed: Self.operationKeys, context: "route '\(routeKey)'")
        }
        if let flag = operation["isDefaultRoute"], !isDefaultPath {
            reader.error("'isDefaultRoute' belongs to the '/$default' path only", at: operation.keyNode("isDefaultRoute") ?? flag)
        }
        if let security = operation["security"],
           IAMSecurityDefinition.schemeNames(in: security).contains(where: { !iamSchemes.contains($0) && authorizers[$0] == nil && jwtAuthorizers[$0] == nil }) {
            reader.unsupported("authorizers on route '\(routeKey)'; requests are not authorized", at: security)
        }
        guard let integrationNode = operation["x-amazon-apigateway-integration"] else {
            reader.warning("route '\(routeKey)' has no x-amazon-apigateway-integration: like API Gateway, the emulator answers 404 Not Found", at: node)
            return .some(nil)
        }
        guard let integration = readIntegration(integrationNode, routeKey: routeKey) else { return nil }
        return .some(integration)
    }

    private func readIntegration(_ node: Node, routeKey: String) -> HTTPAPIIntegration? {
        var node = node
        let context = "x-amazon-apigateway-integration of '\(routeKey)'"
        guard var fields = reader.mapping(node, context) else { return nil }
        if let refNode = fields["$ref"] {
            guard let ref = reader.string(refNode, "$ref") else { return nil }
            let prefix = "#/components/x-amazon-apigateway-integrations/"
            guard ref.hasPrefix(prefix), let target = componentIntegrations[String(ref.dropFirst(prefix.count))] else {
                reader.error("'$ref: \(ref)' does not name an entry of components.x-amazon-apigateway-integrations", at: refNode)
                return nil
            }
            node = target
            guard let resolved = reader.mapping(target, context) else { return nil }
            fields = resolved
        }
        var ok = true
        for entry in fields.entries where !Self.integrationKeys.contains(entry.key) {
            if let why = Self.restOnlyIntegrationKeys[entry.key] {
                // API Gateway's HTTP API import (failOnWarnings=false) drops these with a warning.
                reader.warning("'\(entry.key)' is a REST API integration key, ignored by an HTTP API as API Gateway's import ignores it: \(why)", at: entry.keyNode)
            } else {
                ok = false
                var message = "unknown key '\(entry.key)' in \(context)"
                if let hint = closestMatch(to: entry.key, among: Self.integrationKeys) { message += " (did you mean '\(hint)'?)" }
                reader.error(message, at: entry.keyNode)
            }
        }

        guard let typeNode = reader.require(fields, "type", context), let rawType = reader.string(typeNode, "type") else { return nil }
        let type = rawType.lowercased()
        // AWS service integrations (`integrationSubtype: SQS-SendMessage`, ...): no uri, requestParameters keyed by
        // the action's parameters (`QueueUrl`, `Detail`); loaded with a warning, answered with 500.
        if type == "aws_proxy" || type == "aws", let subtypeNode = fields["integrationSubtype"], let subtype = reader.string(subtypeNode, "integrationSubtype") {
            if HTTPAPIServiceCall.servedSubtypes.contains(subtype) {
                var parameters: [HTTPAPIServiceCall.Parameter] = []
                if let requestNode = fields["requestParameters"], let mapping = reader.mapping(requestNode, "requestParameters") {
                    for entry in mapping.entries {
                        guard let text = reader.string(entry.value, "requestParameters.\(entry.key)"),
                              let value = parseValue(text, isResponse: false, at: entry.value) else { continue }
                        parameters.append(HTTPAPIServiceCall.Parameter(name: entry.key, value: value))
                    }
                }
                var timeout = 30_000
                if let timeoutNode = fields["timeoutInMillis"], let value = reader.int(timeoutNode, "timeoutInMillis"), (50...30_000).contains(value) {
                    timeout = value
                }
                return HTTPAPIIntegration(target: .service(HTTPAPIServiceCall(subtype: subtype, parameters: parameters)), payloadFormat: .v1,
                                          timeoutMilliseconds: timeout)
            }
            let service = AWSServiceIntegration(subtype: subtype)
            let feature = "AWS service integration to \(service.service) (\(service.operation), integrationSubtype \(subtype)) on '\(routeKey)'"
            reader.unsupported(feature, consequence: "the route loads and requests to it answer 500 Internal Server Error", at: subtypeNode)
            return HTTPAPIIntegration(target: .unsupported(feature), payloadFormat: .v1)
        }
        let isLambda: Bool
        switch type {
        case "aws_proxy": isLambda = true
        case "http_proxy": isLambda = false
        case "aws", "http", "mock":
            reader.error("integration type '\(rawType)' is not available in HTTP APIs (it is a REST API type); use aws_proxy or http_proxy", at: typeNode)
            return nil
        default:
            reader.error("unknown integration type '\(rawType)': HTTP APIs accept aws_proxy and http_proxy", at: typeNode)
            return nil
        }

        var payloadFormat = HTTPAPIPayloadFormat.v1
        if let versionNode = fields["payloadFormatVersion"] {
            if let text = reader.string(versionNode, "payloadFormatVersion") {
                if let format = HTTPAPIPayloadFormat(rawValue: text) {
                    payloadFormat = format
                    if !isLambda && format != .v1 {
                        reader.error("payloadFormatVersion '\(text)' is not valid for http_proxy integrations: they support only '1.0'", at: versionNode)
                        ok = false
                    }
                } else {
                    reader.error("payloadFormatVersion must be \"1.0\" or \"2.0\", found '\(text)'", at: versionNode)
                    ok = false
                }
            } else {
                ok = false
            }
        } else if isLambda {
            reader.error("missing required key 'payloadFormatVersion' in \(context): Lambda integrations of HTTP APIs "
                         + "need \"1.0\" or \"2.0\"", at: fields.node)
            ok = false
        }

        var target: HTTPAPIIntegrationTarget?
        var vpcLink = false
        if let connectionNode = fields["connectionType"], let connection = reader.string(connectionNode, "connectionType") {
            switch connection.uppercased() {
            case "INTERNET": break
            case "VPC_LINK":
                vpcLink = true
                reader.unsupported("VPC link integrations ('\(routeKey)'); the emulator answers 500", at: connectionNode)
            default:
                reader.error("connectionType must be INTERNET or VPC_LINK, found '\(connection)'", at: connectionNode)
                ok = false
            }
        }
        if let uriNode = reader.require(fields, "uri", context), let uri = readURI(uriNode) {
            if isLambda {
                if let reference = LambdaFunctionReference.parse(functionOrInvocationARN: uri) {
                    target = .lambda(HTTPAPILambdaFunction(name: reference.name, qualifier: reference.qualifier))
                } else {
                    reader.error("uri '\(uri)' is not a Lambda function ARN (arn:aws:lambda:{region}:{account}:function:{name}) "
                                 + "or invocation ARN (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations)", at: uriNode)
                    ok = false
                }
            } else if vpcLink {
                target = .unsupported("VPC link integration")
            } else if httpHostKey(of: uri, rules: .httpAPI) != nil {
                target = .http(uri)
            } else {
                reader.error("uri '\(uri)' of an http_proxy integration must be an absolute http:// or https:// URL", at: uriNode)
                ok = false
            }
        } else {
            ok = false
        }

        var httpMethod: String?
        if let methodNode = fields["httpMethod"], let method = reader.string(methodNode, "httpMethod") {
            let upper = method.uppercased()
            let known = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]
            if !known.contains(upper) {
                reader.error("httpMethod '\(method)' is not an HTTP method (\(known.joined(separator: ", ")))", at: methodNode)
                ok = false
            } else if isLambda && upper != "POST" {
                reader.warning("Lambda is always invoked with POST; httpMethod '\(method)' is ignored", at: methodNode)
            } else if !isLambda {
                httpMethod = upper
            }
        }

        var timeout = 30_000
        if let timeoutNode = fields["timeoutInMillis"] {
            if let value = reader.int(timeoutNode, "timeoutInMillis") {
                if (50...30_000).contains(value) {
                    timeout = value
                } else {
                    reader.error("timeoutInMillis must be between 50 and 30000 for HTTP APIs, found \(value)", at: timeoutNode)
                    ok = false
                }
            } else {
                ok = false
            }
        }

        var requestParameters: [HTTPAPIParameterMapping] = []
        if let requestNode = fields["requestParameters"], let mapping = reader.mapping(requestNode, "requestParameters") {
            for entry in mapping.entries {
                if let parsed = readMapping(entry, isResponse: false) { requestParameters.append(parsed) } else { ok = false }
            }
        }
        var responseParameters: [Int: [HTTPAPIParameterMapping]] = [:]
        if let responseNode = fields["responseParameters"], let byStatus = reader.mapping(responseNode, "responseParameters") {
            for statusEntry in byStatus.entries {
                guard let status = Int(statusEntry.key), (100...599).contains(status) else {
                    reader.error("responseParameters are keyed by the integration's status code (100-599), found '\(statusEntry.key)'", at: statusEntry.keyNode)
                    ok = false
                    continue
                }
                guard let mapping = reader.mapping(statusEntry.value, "responseParameters.\(statusEntry.key)") else { ok = false; continue }
                var list: [HTTPAPIParameterMapping] = []
                for entry in mapping.entries {
                    if let parsed = readMapping(entry, isResponse: true) { list.append(parsed) } else { ok = false }
                }
                responseParameters[status] = list
            }
        }
        guard ok, let target else { return nil }
        return HTTPAPIIntegration(target: target, payloadFormat: payloadFormat, httpMethod: httpMethod,
                                  timeoutMilliseconds: timeout, requestParameters: requestParameters,
                                  responseParameters: responseParameters)
    }

    /// A uri (CloudFormation intrinsics were resolved by `IntrinsicResolver` before the loader reads the tree).
    private func readURI(_ node: Node) -> String? { reader.string(node, "uri") }

    /// Parses `action:target` -> value; nil after reporting a problem.
    private func readMapping(_ entry: YAMLMapping.Entry, isResponse: Bool) -> HTTPAPIParameterMapping? {
        let where_ = isResponse ? "responseParameters" : "requestParameters"
        guard let colon = entry.key.firstIndex(of: ":") else {
            reader.error("parameter mapping key '\(entry.key)' must look like 'overwrite:header.name' (action:target)", at: entry.keyNode)
            return nil
        }
        let actionText = entry.key[..<colon].lowercased()
        let targetText = String(entry.key[entry.key.index(after: colon)...])
        guard let action = HTTPAPIParameterMapping.Action(rawValue: actionText) else {
            var message = "unknown mapping action '\(entry.key[..<colon])' in '\(entry.key)': use append, overwrite or remove"
            if let hint = closestMatch(to: actionText, among: ["append", "overwrite", "remove"]) { message += " (did you mean '\(hint)'?)" }
            reader.error(message, at: entry.keyNode)
            return nil
        }
        let lowerTarget = targetText.lowercased()
        let target: HTTPAPIParameterMapping.Target
        if lowerTarget.hasPrefix("header.") {
            let name = String(targetText.dropFirst("header.".count))
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                reader.error("invalid header name '\(name)' in '\(entry.key)'", at: entry.keyNode)
                return nil
            }
            if HTTPAPILoader.isReservedHeader(name) {
                reader.error("header '\(name)' is reserved: HTTP APIs do not allow mapping it (reserved: access-control-*, apigw-*, "
                             + "Authorization, Connection, Content-Encoding, Content-Length, Content-Location, Forwarded, Keep-Alive, "
                             + "Origin, Proxy-Authenticate, Proxy-Authorization, TE, Trailers, Transfer-Encoding, Upgrade, x-amz-*, "
                             + "x-amzn-*, X-Forwarded-For/Host/Proto, Via)", at: entry.keyNode)
                return nil
            }
            target = .header(name)
        } else if lowerTarget.hasPrefix("querystring.") {
            let name = String(targetText.dropFirst("querystring.".count))
            guard !name.isEmpty else {
                reader.error("missing query string parameter name in '\(entry.key)'", at: entry.keyNode)
                return nil
            }
            guard !isResponse else {
                reader.error("'\(entry.key)': query strings can only be mapped in requestParameters", at: entry.keyNode)
                return nil
            }
            target = .queryString(name)
        } else if lowerTarget == "path" {
            guard !isResponse else {
                reader.error("'\(entry.key)': the path can only be mapped in requestParameters", at: entry.keyNode)
                return nil
            }
            guard action == .overwrite else {
                reader.error("'\(entry.key)': the path can only be overwritten ('overwrite:path')", at: entry.keyNode)
                return nil
            }
            target = .path
        } else if lowerTarget == "statuscode" {
            guard isResponse else {
                reader.error("'\(entry.key)': the status code can only be mapped in responseParameters", at: entry.keyNode)
                return nil
            }
            guard action == .overwrite else {
                reader.error("'\(entry.key)': the status code can only be overwritten ('overwrite:statuscode')", at: entry.keyNode)
                return nil
            }
            target = .statusCode
        } else {
            let allowed = isResponse ? "header.<name> or statuscode" : "header.<name>, querystring.<name> or path"
            reader.error("unknown mapping target '\(targetText)' in \(where_): use \(allowed)", at: entry.keyNode)
            return nil
        }
        guard let text = reader.string(entry.value, "\(where_).\(entry.key)") else { return nil }
        guard let value = parseValue(text, isResponse: isResponse, at: entry.value) else { return nil }
        if target == .statusCode, let literal = value.staticText {
            guard let code = Int(literal), (100...599).contains(code) else {
                reader.error("overwrite:statuscode needs a status code between 100 and 599, found '\(literal)'", at: entry.value)
                return nil
            }
        }
        return HTTPAPIParameterMapping(action: action, target: target, value: value)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Parses a mapping value: static text with `$root.x` or `${root.x}` references.
    func parseValue(_ text: String, isResponse: Bool, at node: Node) -> HTTPAPIMappingValue? {
        var parts: [HTTPAPIMappingValue.Part] = []
        var literal = ""
        var index = text.startIndex
        let roots = ["request.", "response.", "context.", "stageVariables."]
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$" else {
                literal.append(character)
                index = next
                continue
            }
            var expression: String
            if next < text.endIndex, text[next] == "{" {
                guard let close = text[next...].firstIndex(of: "}") else {
                    reader.error("mapping value '\(text)' has an unclosed '${'", at: node)
                    return nil
                }
                expression = String(text[text.index(after: next)..<close])
                index = text.index(after: close)
            } else {
                let rest = text[next...]
                guard roots.contains(where: { rest.hasPrefix($0) }) else {
                    literal.append(character)
                    index = next
                    continue
                }
                var end = next
                var bracketDepth = 0
                while end < text.endIndex {
                    let c = text[end]
                    if c == "[" { bracketDepth += 1 }
                    if c == "]" { bracketDepth -= 1 }
                    let allowed = c.isLetter || c.isNumber || c == "." || c == "_" || c == "-" || c == "[" || c == "]" || c == "*"
                        || (bracketDepth > 0 && c != "]")
                    if !allowed { break }
                    end = text.index(after: end)
                }
                expression = String(text[next..<end])
                index = end
            }
            guard let variable = parseVariable(expression, isResponse: isResponse, at: node) else { return nil }
            if !literal.isEmpty {
                parts.append(.literal(literal))
                literal = ""
            }
            parts.append(.variable(variable))
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return HTTPAPIMappingValue(parts: parts)
    }

    private func parseVariable(_ expression: String, isResponse: Bool, at node: Node) -> HTTPAPIMappingVariable? {
        func name(after prefix: String) -> String? {
            guard expression.hasPrefix(prefix) else { return nil }
            let rest = String(expression.dropFirst(prefix.count))
            return rest.isEmpty ? nil : rest
        }
        func bodyPath(_ rest: String) -> JSONPath? {
            let expressionText = rest.isEmpty || rest.hasPrefix("[") ? "$" + rest : "$." + rest
            do {
                return try JSONPath(expressionText)
            } catch {
                reader.error("invalid JSONPath in '$\(expression)': \(error)", at: node)
                return nil
            }
        }
        if expression.hasPrefix("request.") {
            guard !isResponse else {
                reader.error("'$\(expression)' is not available in responseParameters (use $response.header.x, "
                             + "$response.body.x, $context.x, $stageVariables.x or a static value)", at: node)
                return nil
            }
            if let header = name(after: "request.header.") { return .requestHeader(header) }
            if let query = name(after: "request.querystring.") { return .requestQueryString(query) }
            if let parameter = name(after: "request.path.") { return .requestPathParameter(parameter) }
            if expression == "request.path" { return .requestPath }
            if expression == "request.body" { return bodyPath("").map { .requestBody($0) } }
            if let rest = name(after: "request.body.") { return bodyPath(rest).map { .requestBody($0) } }
            reader.error("unknown request variable '$\(expression)': use $request.header.x, $request.querystring.x, "
                         + "$request.path.x, $request.path or $request.body.x", at: node)
            return nil
        }
        if expression.hasPrefix("response.") {
            guard isResponse else {
                reader.error("'$\(expression)' is not available in requestParameters: the response does not exist yet", at: node)
                return nil
            }
            if let header = name(after: "response.header.") { return .responseHeader(header) }
            if expression == "response.body" { return bodyPath("").map { .responseBody($0) } }
            if let rest = name(after: "response.body.") { return bodyPath(rest).map { .responseBody($0) } }
            reader.error("unknown response variable '$\(expression)': use $response.header.x or $response.body.x", at: node)
            return nil
        }
        if let variable = name(after: "context.") {
            // `$context.authorizer.x` of a Lambda authorizer and `$context.authorizer.claims.x` of a JWT one render.
            let lambdaAuthorizerVariable = variable.hasPrefix("authorizer.")
            if !Self.contextVariables.contains(variable), !lambdaAuthorizerVariable {
                reader.unsupported("context variable '$context.\(variable)'", consequence: "it renders empty", at: node)
            }
            return .context(variable)
        }
        if let variable = name(after: "stageVariables.") { return .stageVariable(variable) }
        reader.error("unknown variable '$\(expression)' in mapping value: use $request.*, $response.*, $context.* or $stageVariables.*", at: node)
        return nil
    }
}
