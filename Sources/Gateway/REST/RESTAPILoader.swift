import Foundation
import JSONCore
import SourceDiagnostics
import Yams

/// Loads a REST API from an OpenAPI 3.0 or Swagger 2.0 document (YAML or JSON) with API Gateway's
/// `x-amazon-apigateway-*` extensions, as `aws apigateway get-export --export-type oas30|swagger --parameters
/// extensions=integrations` writes it (Swagger 2.0 is read through `Swagger2Importer`).
/// Everything API Gateway would refuse on import is an error diagnostic with its file:line:column; features the
/// emulator does not support yet are warnings on `RESTAPIDefinition.diagnostics`.
public enum RESTAPILoader {
    /// Reads and compiles the API definition at `path`; `displayName` is the file name used in diagnostics;
    /// `parameters` resolve CloudFormation references (`IntrinsicResolver`).
    public static func load(path: String, displayName: String? = nil, parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> RESTAPIDefinition {
        try DefinitionDocument.loadFile(path: path, displayName: displayName) { (text, file) throws(DiagnosticsError) in try load(text: text, file: file, parameters: parameters) }
    }

    /// Compiles an API definition given as text; `file` is the name used in diagnostics.
    public static func load(text: String, file: String, parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> RESTAPIDefinition {
        try DefinitionDocument.compile(text: text, file: file, emptyMessage: "empty document: expected an OpenAPI 3.0 or Swagger 2.0 definition",
                                       parameters: parameters, importer: RESTDocumentImporter()) { tree, reader in
            var builder = Builder(reader: reader, sourceLines: text.split(separator: "\n", omittingEmptySubsequences: false))
            return builder.build(tree)
        }
    }

    /// Compiles an already resolved node tree (OpenAPI 3 or Swagger 2.0 shaped) whose positions point into `sourceText`
    /// (the template it was read from); `file` is the name used in diagnostics.
    static func load(tree: Node, file: String, sourceText: String) throws(DiagnosticsError) -> RESTAPIDefinition {
        try DefinitionDocument.compile(tree: tree, file: file, importer: RESTDocumentImporter()) { tree, reader in
            var builder = Builder(reader: reader, sourceLines: sourceText.split(separator: "\n", omittingEmptySubsequences: false))
            return builder.build(tree)
        }
    }
}

private let httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
private let unsupportedTopLevelExtensions: [String: String] = [
    "x-amazon-apigateway-policy": "resource policies (x-amazon-apigateway-policy); the policy is not enforced",
    "x-amazon-apigateway-minimum-compression-size": "response compression (x-amazon-apigateway-minimum-compression-size); responses are not compressed",
    "x-amazon-apigateway-endpoint-configuration": "endpoint configuration (x-amazon-apigateway-endpoint-configuration); ignored",
    "x-amazon-apigateway-documentation": "documentation parts (x-amazon-apigateway-documentation); ignored",
    "x-amazon-apigateway-tag-value": "",
    "x-amazon-apigateway-cors": "CORS configuration (x-amazon-apigateway-cors) is an HTTP API feature; ignored for a REST API",
]
private let integrationKeys = ["type", "uri", "httpMethod", "requestTemplates", "requestParameters", "passthroughBehavior",
                               "responses", "timeoutInMillis", "contentHandling", "cacheKeyParameters", "cacheNamespace",
                               "credentials", "connectionType", "connectionId", "tlsConfig", "integrationSubtype",
                               "payloadFormatVersion"]
private let integrationResponseKeys = ["statusCode", "responseParameters", "responseTemplates", "contentHandling"]
private let gatewayResponseKeys = ["statusCode", "responseParameters", "responseTemplates"]

private struct Builder {
    let reader: YAMLReader
    /// The document's lines, to turn a position inside a template into a position in the file.
    let sourceLines: [Substring]
    var resources: [RESTResource] = []
    /// `x-amazon-apigateway-request-validators`: name -> (validate body, validate parameters).
    var validators: [String: (body: Bool, parameters: Bool)] = [:]
    /// The API-wide `x-amazon-apigateway-request-validator`.
    var defaultValidator: String?
    var models: [String: JSONValue] = [:]
    /// Security schemes that mean `AWS_IAM` (`x-amazon-apigateway-authtype: awsSigv4`).
    var iamSchemes: Set<String> = []
    /// Lambda authorizers by scheme name; API key schemes; schemes read but not emulated (Cognito).
    var authorizers: [String: LambdaAuthorizer] = [:]
    /// Cognito user pool authorizers by scheme name.
    var cognitoAuthorizers: [String: JWTAuthorizer] = [:]
    var apiKeySchemes: Set<String> = []
    var notEmulatedSchemes: Set<String> = []
    var apiKeySource = APIKeySource.header

    func error(_ message: String, at node: Node?) { reader.error(message, at: node) }
    func warning(_ message: String, at node: Node?) { reader.warning(message, at: node) }

    mutating func build(_ root: Node) -> RESTAPIDefinition? {
        guard let top = reader.mapping(root, "the OpenAPI document") else { return nil }
        if let version = top["openapi"] {
            if let text = reader.string(version, "openapi"), !text.hasPrefix("3.0") {
                error("unsupported OpenAPI version '\(text)': expected 3.0.x (the format of 'aws apigateway get-export --export-type oas30')", at: version)
            }
        } else {
            error("missing required key 'openapi' (OpenAPI 3.0) or 'swagger' (Swagger 2.0) in the API definition", at: root)
        }
        var title = "api"
        if let info = top["info"].flatMap({ reader.mapping($0, "info") }), let titleNode = info["title"],
           let text = reader.string(titleNode, "info.title") {
            title = text
        }
        var binaryMediaTypes: [String] = []
        if let node = top["x-amazon-apigateway-binary-media-types"] {
            binaryMediaTypes = reader.stringList(node, "x-amazon-apigateway-binary-media-types") ?? []
        }
        readValidators(top)
        for entry in top.entries where entry.key.hasPrefix("x-amazon-apigateway-") {
            switch entry.key {
            case "x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-gateway-responses",
                 "x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validator": continue
            case "x-amazon-apigateway-api-key-source":
                if let text = reader.string(entry.value, entry.key) {
                    if let source = APIKeySource(rawValue: text.uppercased()) { apiKeySource = source } else {
                        error("invalid x-amazon-apigateway-api-key-source '\(text)': expected HEADER or AUTHORIZER", at: entry.value)
                    }
                }
            case "x-amazon-apigateway-importexport-version":
                warning("x-amazon-apigateway-importexport-version marks an HTTP API (v2) export, but this document is being read as a REST API", at: entry.keyNode)
            default:
                if let note = unsupportedTopLevelExtensions[entry.key] {
                    if !note.isEmpty { reader.unsupported(note, at: entry.keyNode) }
                } else {
                    reader.unsupported("unknown extension '\(entry.key)' is ignored", at: entry.keyNode)
                }
            }
        }
        if let components = top["components"].flatMap({ reader.mapping($0, "components") }),
           let schemas = components["schemas"].flatMap({ reader.mapping($0, "components.schemas") }) {
            for entry in schemas.entries {
                if let schema = reader.json(entry.value, "components.schemas.\(entry.key)") { models[entry.key] = schema }
            }
        }
        // Every REST API has the `Empty` and `Error` models without declaring them.
        for (name, text) in JSONReferences.builtInModels where models[name] == nil {
            if let schema = try? JSONValue.parse(text) { models[name] = schema }
        }
        if let components = top["components"].flatMap({ reader.mapping($0, "components") }),
           let schemes = components["securitySchemes"].flatMap({ reader.mapping($0, "components.securitySchemes") }) {
            for scheme in schemes.entries { readSecurityScheme(scheme) }
        }
        var exportedStageName: String?
        if case let .sequence(servers)? = top["servers"], let first = servers.first, case .mapping = first,
           let server = reader.mapping(first, "servers[0]"), case .mapping? = server["variables"],
           let variables = reader.mapping(server["variables"]!, "servers[0].variables"), case .mapping? = variables["basePath"],
           let basePath = reader.mapping(variables["basePath"]!, "servers[0].variables.basePath"),
           let value = basePath["default"]?.scalar?.string {
            let name = value.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if !name.isEmpty, !name.contains("/") { exportedStageName = name }
        }
        let apiID = GatewayIdentifiers.stableID(title, length: 10, rules: .restAPI)
        if let paths = top["paths"] {
            if let mapping = reader.mapping(paths, "paths") {
                for entry in mapping.entries { readPath(entry, apiID: apiID) }
            }
        } else {
            error("missing required key 'paths' in the OpenAPI document", at: root)
        }
        var gatewayResponses: [GatewayResponseType: GatewayResponseCustomization] = [:]
        if let node = top["x-amazon-apigateway-gateway-responses"], let mapping = reader.mapping(node, "x-amazon-apigateway-gateway-responses") {
            for entry in mapping.entries {
                guard let type = GatewayResponseType(rawValue: entry.key) else {
                    var message = "unknown gateway response type '\(entry.key)'"
                    if let hint = closestMatch(to: entry.key, among: GatewayResponseType.allCases.map(\.rawValue)) { message += " (did you mean '\(hint)'?)" }
                    error(message, at: entry.keyNode)
                    continue
                }
                if let custom = readGatewayResponse(entry.value, type: type) { gatewayResponses[type] = custom }
            }
        }
        var router = RESTRouter()
        for resource in resources { router.insert(resource) }
        var definition = RESTAPIDefinition(title: title, file: reader.file, apiID: apiID, resources: resources,
                                           gatewayResponses: gatewayResponses, binaryMediaTypes: binaryMediaTypes,
                                           exportedStageName: exportedStageName, models: models, authorizers: authorizers,
                                           apiKeySource: apiKeySource, diagnostics: [], router: router)
        definition.cognitoAuthorizers = cognitoAuthorizers
        return definition
    }

    // MARK: security schemes

    /// One entry of `components.securitySchemes`: SigV4, a Lambda authorizer, an API key, or not emulated.
    mutating func readSecurityScheme(_ scheme: YAMLMapping.Entry) {
        let read = SecurityScheme.read(name: scheme.key, node: scheme.value, keyNode: scheme.keyNode, flavour: .rest, reader: reader) { node in
            readURI(node, "authorizer '\(scheme.key)'")
        }
        switch read {
        case .sigV4?: iamSchemes.insert(scheme.key)
        case let .lambda(authorizer)?: authorizers[scheme.key] = authorizer
        case .apiKey?: apiKeySchemes.insert(scheme.key)
        case .notEmulated?: notEmulatedSchemes.insert(scheme.key)
        case let .jwt(authorizer)?: cognitoAuthorizers[scheme.key] = authorizer
        case .invalid?, nil: break
        }
    }

    // MARK: request validators

    mutating func readValidators(_ top: YAMLMapping) {
        if let node = top["x-amazon-apigateway-request-validators"],
           let mapping = reader.mapping(node, "x-amazon-apigateway-request-validators") {
            for entry in mapping.entries {
                let context = "x-amazon-apigateway-request-validators.\(entry.key)"
                guard let settings = reader.mapping(entry.value, context) else { continue }
                reader.checkKeys(settings, allowed: ["validateRequestBody", "validateRequestParameters"], context)
                let body = settings["validateRequestBody"].flatMap { reader.bool($0, "\(context).validateRequestBody") } ?? false
                let parameters = settings["validateRequestParameters"].flatMap { reader.bool($0, "\(context).validateRequestParameters") } ?? false
                validators[entry.key] = (body, parameters)
            }
        }
        if let node = top["x-amazon-apigateway-request-validator"], let name = reader.string(node, "x-amazon-apigateway-request-validator") {
            if validators[name] == nil {
                error("unknown request validator '\(name)': x-amazon-apigateway-request-validators declares \(validators.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))", at: node)
            } else {
                defaultValidator = name
            }
        }
    }

    /// The validation of a method: its validator (own or default) and its required parameters and body models.
    func readValidation(_ operation: YAMLMapping, pathParameters: [Node], context: String) -> RequestValidation? {
        var name = defaultValidator
        if let node = operation["x-amazon-apigateway-request-validator"], let own = reader.string(node, "x-amazon-apigateway-request-validator") {
            guard validators[own] != nil else {
                error("unknown request validator '\(own)' on \(context): x-amazon-apigateway-request-validators declares \(validators.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))", at: node)
                return nil
            }
            name = own
        }
        guard let name, let validator = validators[name] else { return nil }
        // Operation parameters override path-level ones with the same name and location.
        var declared: [(RequestValidation.Location, String, Bool)] = []
        var operationParameters: [Node] = []
        if let node = operation["parameters"], let list = reader.sequence(node, "\(context) parameters") { operationParameters = list }
        for node in pathParameters + operationParameters {
            guard case .mapping = node, let parameter = reader.mapping(node, "\(context) parameter"),
                  let name = parameter["name"]?.scalar?.string, let location = parameter["in"]?.scalar?.string,
                  let kind = RequestValidation.Location(rawValue: location == "query" ? "querystring" : location) else { continue }
            let required = parameter["required"]?.bool ?? false
            declared.removeAll { $0.0 == kind && $0.1.lowercased() == name.lowercased() }
            declared.append((kind, name, required))
        }
        var bodySchemas: [(String, JSONValue)] = []
        if let node = operation["requestBody"], case .mapping = node, let body = reader.mapping(node, "\(context) requestBody"),
           let contentNode = body["content"], let content = reader.mapping(contentNode, "\(context) requestBody.content") {
            for entry in content.entries {
                guard case .mapping = entry.value, let media = reader.mapping(entry.value, "\(context) requestBody.content.\(entry.key)"),
                      let schemaNode = media["schema"], let schema = reader.json(schemaNode, "schema") else { continue }
                bodySchemas.append((entry.key.lowercased(), schema))
            }
        }
        return RequestValidation(validatorName: name, validatesParameters: validator.parameters, validatesBody: validator.body,
                                 requiredParameters: declared.filter(\.2).map { ($0.0, $0.1) }, bodySchemas: bodySchemas)
    }

    // MARK: paths

    mutating func readPath(_ entry: YAMLMapping.Entry, apiID: String) {
        let path = entry.key
        guard validatePath(path, at: entry.keyNode) else { return }
        guard let item = reader.mapping(entry.value, "paths.\(path)") else { return }
        let resourceID = GatewayIdentifiers.stableID(path, length: 6, rules: .restAPI)
        var pathParameters: [Node] = []
        if let node = item["parameters"], let list = reader.sequence(node, "paths.\(path).parameters") { pathParameters = list }
        var methods: [RESTMethod] = []
        for operation in item.entries {
            let key = operation.key
            let verb: String
            if httpMethods.contains(key) {
                verb = key.uppercased()
            } else if key == "x-amazon-apigateway-any-method" {
                verb = "ANY"
            } else if ["parameters", "summary", "description", "servers"].contains(key) || key.hasPrefix("x-") && !key.hasPrefix("x-amazon-apigateway-") {
                continue
            } else {
                var message = "unknown key '\(key)' in paths.\(path)"
                if let hint = closestMatch(to: key, among: httpMethods + ["x-amazon-apigateway-any-method", "parameters"]) { message += " (did you mean '\(hint)'?)" }
                error(message, at: operation.keyNode)
                continue
            }
            if let method = readMethod(operation.value, keyNode: operation.keyNode, verb: verb, path: path, resourceID: resourceID,
                                       pathParameters: pathParameters) {
                methods.append(method)
            }
        }
        resources.append(RESTResource(path: path, resourceID: resourceID, methods: methods))
    }

    func validatePath(_ path: String, at node: Node) -> Bool {
        guard path.hasPrefix("/") else {
            error("resource path '\(path)' must start with '/'", at: node)
            return false
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if path == "/" { return true }
        for (index, segment) in segments.enumerated() {
            if segment.isEmpty {
                error("resource path '\(path)' has an empty segment", at: node)
                return false
            }
            if segment.contains("{") || segment.contains("}") {
                guard segment.hasPrefix("{"), segment.hasSuffix("}"), segment.count > 2 else {
                    error("resource path '\(path)': a path parameter must be a whole segment like '{id}', found '\(segment)'", at: node)
                    return false
                }
                let name = segment.dropFirst().dropLast()
                if name.hasSuffix("+"), index != segments.count - 1 {
                    error("resource path '\(path)': the greedy parameter '\(segment)' must be the last segment", at: node)
                    return false
                }
                if name.dropLast(name.hasSuffix("+") ? 1 : 0).isEmpty || name.contains("{") {
                    error("resource path '\(path)': invalid path parameter '\(segment)'", at: node)
                    return false
                }
            }
        }
        return true
    }

    func readMethod(_ node: Node, keyNode: Node, verb: String, path: String, resourceID: String, pathParameters: [Node]) -> RESTMethod? {
        let context = "\(verb) \(path)"
        guard let operation = reader.mapping(node, context) else { return nil }
        for entry in operation.entries where entry.key.hasPrefix("x-amazon-apigateway-") && entry.key != "x-amazon-apigateway-integration" {
            switch entry.key {
            case "x-amazon-apigateway-request-validator":
                continue
            case "x-amazon-apigateway-auth":
                reader.unsupported("authorization (x-amazon-apigateway-auth) on \(context); served without authorization", at: entry.keyNode)
            case "x-amazon-apigateway-api-key-required":
                reader.unsupported("API keys (x-amazon-apigateway-api-key-required) on \(context); keys are not checked", at: entry.keyNode)
            default:
                reader.unsupported("unknown extension '\(entry.key)' on \(context) is ignored", at: entry.keyNode)
            }
        }
        var authorizationType = AuthorizationType.none
        var authorizerName: String?
        var apiKeyRequired = false
        var authorizationScopes: [String] = []
        if let security = operation["security"] {
            let schemes = IAMSecurityDefinition.schemeNames(in: security)
            if schemes.contains(where: iamSchemes.contains) { authorizationType = .awsIAM }
            if let name = schemes.first(where: { authorizers[$0] != nil }) {
                if authorizationType == .awsIAM {
                    error("\(context) names both AWS_IAM and the authorizer '\(name)': a method has one authorization type", at: operation.keyNode("security"))
                }
                authorizationType = .custom
                authorizerName = name
            }
            if let name = schemes.first(where: { cognitoAuthorizers[$0] != nil }) {
                if authorizationType != .none {
                    error("\(context) names more than one authorization (Cognito authorizer '\(name)' and another): a method has one authorization type", at: operation.keyNode("security"))
                }
                authorizationType = .cognitoUserPools
                authorizerName = name
                authorizationScopes = securityScopes(security, scheme: name)
            }
            apiKeyRequired = schemes.contains(where: apiKeySchemes.contains)
            let notEmulated = schemes.filter(notEmulatedSchemes.contains)
            if !notEmulated.isEmpty {
                reader.unsupported("Cognito user pool authorizer \(notEmulated.map { "'\($0)'" }.joined(separator: ", ")) on \(context)",
                                   consequence: "served without authorization", at: operation.keyNode("security"))
            }
            let unknown = schemes.filter { !iamSchemes.contains($0) && authorizers[$0] == nil && !apiKeySchemes.contains($0) && !notEmulatedSchemes.contains($0) && cognitoAuthorizers[$0] == nil }
            if !unknown.isEmpty {
                reader.unsupported("security requirements \(unknown.map { "'\($0)'" }.joined(separator: ", ")) on \(context) (no such emulated security scheme); served without them", at: operation.keyNode("security"))
            }
        }
        // Method responses.
        var methodResponses: [String: MethodResponse] = [:]
        if let responses = operation["responses"], let mapping = reader.mapping(responses, "\(context) responses") {
            for entry in mapping.entries {
                guard entry.key.count == 3, let code = Int(entry.key), (100...599).contains(code) else {
                    if entry.key != "default" {
                        error("method response status '\(entry.key)' of \(context) is not an HTTP status code (100-599)", at: entry.keyNode)
                    }
                    continue
                }
                var headers: [String] = []
                var bodySchemas: [(contentType: String, schema: JSONValue)] = []
                if case .mapping = entry.value, let response = reader.mapping(entry.value, "\(context) responses.\(entry.key)") {
                    if let headerNode = response["headers"], let headerMap = reader.mapping(headerNode, "\(context) responses.\(entry.key).headers") {
                        headers = headerMap.keys
                    }
                    // The response models (`content.<media type>.schema`), for responses checked against the definition.
                    if let contentNode = response["content"], case .mapping = contentNode,
                       let content = reader.mapping(contentNode, "\(context) responses.\(entry.key).content") {
                        for media in content.entries {
                            guard case .mapping = media.value, let fields = reader.mapping(media.value, "\(context) responses.\(entry.key).content.\(media.key)"),
                                  let schemaNode = fields["schema"], let schema = reader.json(schemaNode, "schema") else { continue }
                            bodySchemas.append((media.key.lowercased(), schema))
                        }
                    }
                }
                methodResponses[entry.key] = MethodResponse(statusCode: entry.key, headers: headers, bodySchemas: bodySchemas)
            }
        }
        guard let integrationNode = operation["x-amazon-apigateway-integration"] else {
            error("\(context) has no x-amazon-apigateway-integration: API Gateway refuses a method without an integration", at: keyNode)
            return nil
        }
        let validation = readValidation(operation, pathParameters: pathParameters, context: context)
        guard let integration = readIntegration(integrationNode, context: context, path: path, methodResponses: methodResponses) else { return nil }
        var method = RESTMethod(httpMethod: verb, resourcePath: path, resourceID: resourceID, integration: integration, validation: validation,
                                methodResponses: methodResponses, authorizationType: authorizationType, authorizerName: authorizerName,
                                apiKeyRequired: apiKeyRequired)
        method.authorizationScopes = authorizationScopes
        return method
    }

    // MARK: integration

    func readIntegration(_ node: Node, context: String, path: String, methodResponses: [String: MethodResponse]) -> Integration? {
        let where_ = "x-amazon-apigateway-integration of \(context)"
        guard let mapping = reader.mapping(node, where_) else { return nil }
        reader.checkKeys(mapping, allowed: integrationKeys, where_)
        guard let typeNode = reader.require(mapping, "type", where_), let typeText = reader.string(typeNode, "type") else { return nil }
        guard let kind = Integration.Kind(rawValue: typeText.uppercased()) else {
            var message = "unknown integration type '\(typeText)' in \(where_): expected one of aws, aws_proxy, http, http_proxy, mock"
            if let hint = closestMatch(to: typeText, among: Integration.Kind.allCases.map { $0.rawValue.lowercased() }) { message += " (did you mean '\(hint)'?)" }
            error(message, at: typeNode)
            return nil
        }
        var ok = true
        var httpMethod: String?
        if let node = mapping["httpMethod"], let text = reader.string(node, "httpMethod") { httpMethod = text.uppercased() }
        var target: Integration.Target?
        if kind != .mock {
            if let uriNode = reader.require(mapping, "uri", where_), let uri = readURI(uriNode, where_) {
                switch kind {
                case .aws, .awsProxy:
                    if uri.contains(":lambda:path/") {
                        if LambdaFunctionReference.parse(invocationURI: uri) == nil, !uri.contains("${stageVariables.") {
                            error("integration uri '\(uri)' of \(context) is not a Lambda invocation ARN: expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations", at: uriNode)
                            ok = false
                        }
                        target = .lambda(uri)
                    } else if kind == .aws, AWSServiceIntegration(uri: uri) != nil {
                        // Served by the `services:` backend of the uri's service (ServiceIntegrationCaller).
                        target = .awsService(uri)
                    } else {
                        error("integration uri '\(uri)' of \(context) is not a Lambda invocation ARN: expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations", at: uriNode)
                        ok = false
                    }
                case .http, .httpProxy:
                    if httpHostKey(of: uri.replacingOccurrences(of: "${stageVariables.", with: "x").replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""), rules: .restAPI) == nil {
                        error("integration uri '\(uri)' of \(context) is not an absolute http(s) URL", at: uriNode)
                        ok = false
                    }
                    target = .http(uri)
                case .mock: break
                }
            } else {
                ok = false
            }
            if httpMethod == nil {
                error("missing required key 'httpMethod' in \(where_)", at: node)
                ok = false
            }
        }
        if let connection = mapping["connectionType"], connection.scalar?.string == "VPC_LINK" {
            reader.unsupported("VPC link integrations (connectionType VPC_LINK) on \(context); the uri is called directly", at: connection)
        }
        if let version = mapping["payloadFormatVersion"] {
            warning("payloadFormatVersion is an HTTP API (v2) setting and is ignored by a REST API integration; load this document as an HTTP API if that is what it describes", at: version)
        }
        let contentHandling = readContentHandling(mapping, where_)
        if contentHandling == .some(nil) { ok = false }
        var passthrough = Integration.PassthroughBehavior.whenNoMatch
        if let node = mapping["passthroughBehavior"], let text = reader.string(node, "passthroughBehavior") {
            if let value = Integration.PassthroughBehavior(rawValue: text.uppercased()) {
                passthrough = value
            } else {
                error("invalid passthroughBehavior '\(text)' in \(where_): expected WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER", at: node)
                ok = false
            }
        }
        var timeout = 29_000
        if let node = mapping["timeoutInMillis"], let value = reader.int(node, "timeoutInMillis") {
            if (50...29_000).contains(value) { timeout = value } else {
                error("timeoutInMillis \(value) in \(where_) is outside API Gateway's range 50-29000", at: node)
                ok = false
            }
        }
        var requestTemplates: [(String, GatewayTemplate)] = []
        if let node = mapping["requestTemplates"] {
            requestTemplates = readTemplates(node, context: "\(context) request template")
        }
        var requestParameters: [(String, String)] = []
        if let node = mapping["requestParameters"], let params = reader.mapping(node, "requestParameters") {
            for entry in params.entries {
                guard let source = reader.string(entry.value, "requestParameters.\(entry.key)") else { continue }
                guard entry.key.hasPrefix("integration.request.header.") || entry.key.hasPrefix("integration.request.querystring.")
                        || entry.key.hasPrefix("integration.request.path.") || entry.key.hasPrefix("integration.request.multivaluequerystring.") else {
                    error("invalid request parameter target '\(entry.key)' in \(where_): expected integration.request.header|querystring|path.NAME", at: entry.keyNode)
                    ok = false
                    continue
                }
                if !isValidRequestSource(source) {
                    error("invalid mapping expression '\(source)' for '\(entry.key)' in \(where_): expected method.request.header|querystring|path.NAME, 'static', context.X or stageVariables.X", at: entry.value)
                    ok = false
                    continue
                }
                requestParameters.append((entry.key, source))
            }
        }
        var read: [(IntegrationResponse, Node)] = []
        if let node = mapping["responses"], let map = reader.mapping(node, "responses") {
            for entry in map.entries {
                if let response = readIntegrationResponse(entry, context: context, methodResponses: methodResponses) {
                    read.append((response, entry.keyNode))
                } else {
                    ok = false
                }
            }
        }
        let (responses, dropped) = IntegrationResponseImport.keepingLastPerStatus(read)
        for entry in dropped {
            warning(IntegrationResponseImport.warning(dropped: entry.dropped, survivor: entry.survivor, context: context), at: entry.node)
        }
        guard ok else { return nil }
        var integration = Integration(kind: kind, target: target, httpMethod: httpMethod, requestTemplates: requestTemplates,
                                      requestParameters: requestParameters, passthroughBehavior: passthrough,
                                      contentHandling: contentHandling ?? nil, responses: responses, timeoutMilliseconds: timeout)
        if case let .lambda(uri)? = target, !uri.contains("${stageVariables.") {
            integration.invokedFunction = LambdaFunctionReference.parse(invocationURI: uri)
        }
        return integration
    }

    /// `contentHandling`: nil when absent, `.some(nil)` (error reported) when invalid.
    func readContentHandling(_ mapping: YAMLMapping, _ context: String) -> Integration.ContentHandling?? {
        guard let node = mapping["contentHandling"] else { return nil }
        guard let text = reader.string(node, "contentHandling") else { return .some(nil) }
        guard let value = Integration.ContentHandling(rawValue: text.uppercased()) else {
            error("invalid contentHandling '\(text)' in \(context): expected CONVERT_TO_TEXT or CONVERT_TO_BINARY", at: node)
            return .some(nil)
        }
        return .some(value)
    }

    func isValidRequestSource(_ source: String) -> Bool {
        if source.count >= 2, source.hasPrefix("'"), source.hasSuffix("'") { return true }
        for prefix in ["method.request.header.", "method.request.querystring.", "method.request.multivaluequerystring.",
                       "method.request.multivalueheader.", "method.request.path.", "context.", "stageVariables."] where source.hasPrefix(prefix) && source.count > prefix.count {
            return true
        }
        return source == "method.request.body" || source.hasPrefix("method.request.body.")
    }

    /// An integration uri (CloudFormation intrinsics were resolved by `IntrinsicResolver` before the loader reads the tree).
    func readURI(_ node: Node, _ context: String) -> String? { reader.string(node, "\(context).uri") }

    func readTemplates(_ node: Node, context: String) -> [(String, GatewayTemplate)] {
        guard let mapping = reader.mapping(node, context) else { return [] }
        var templates: [(String, GatewayTemplate)] = []
        for entry in mapping.entries {
            guard let source = reader.string(entry.value, "\(context) \(entry.key)") else { continue }
            let name = "\(context) \(entry.key)"
            do {
                templates.append((entry.key.lowercased(), try GatewayTemplate(source: source, name: name)))
            } catch {
                let (line, column) = filePosition(ofTemplateLine: error.line, column: error.column, in: entry.value)
                reader.sink.report(.error, "malformed mapping template (\(name)): line \(error.line), column \(error.column) of the template: \(error.message)",
                                   line: line, column: column)
            }
        }
        return templates
    }

    /// Where a position inside a template is in the file: exact for literal block scalars (`|`) and for the first
    /// line of single-line scalars; otherwise the template's own position.
    func filePosition(ofTemplateLine line: Int, column: Int, in node: Node) -> (Int?, Int?) {
        guard case let .scalar(scalar) = node, let mark = scalar.mark else { return (node.mark?.line, node.mark?.column) }
        switch scalar.style {
        case .literal:
            // Content starts on the line after the `|` indicator, indented like its first non-blank line.
            let contentLines = sourceLines.dropFirst(mark.line)
            guard let first = contentLines.first(where: { !$0.allSatisfy(\.isWhitespace) }) else { return (mark.line, mark.column) }
            let indent = first.prefix { $0 == " " }.count
            return (mark.line + line, indent + column)
        case .plain, .singleQuoted, .doubleQuoted:
            guard line == 1, !scalar.string.contains("\n") else { return (mark.line, mark.column) }
            return (mark.line, mark.column + (scalar.style == .plain ? 0 : 1) + column - 1)
        default:
            return (mark.line, mark.column)
        }
    }

    func readIntegrationResponse(_ entry: YAMLMapping.Entry, context: String, methodResponses: [String: MethodResponse]) -> IntegrationResponse? {
        let where_ = "integration response '\(entry.key)' of \(context)"
        guard let mapping = reader.mapping(entry.value, where_) else { return nil }
        reader.checkKeys(mapping, allowed: integrationResponseKeys, where_)
        var pattern: SelectionPattern?
        if entry.key != "default" {
            do {
                pattern = try SelectionPattern(entry.key)
            } catch {
                reader.error("invalid selection pattern '\(entry.key)' in \(context): not a valid regular expression", at: entry.keyNode)
                return nil
            }
        }
        guard let statusNode = reader.require(mapping, "statusCode", where_), let status = reader.string(statusNode, "statusCode") else { return nil }
        guard status.count == 3, let code = Int(status), (100...599).contains(code) else {
            error("statusCode '\(status)' in \(where_) is not an HTTP status code (100-599)", at: statusNode)
            return nil
        }
        var ok = true
        var parameters: [(String, String)] = []
        if let node = mapping["responseParameters"], let params = reader.mapping(node, "responseParameters") {
            for param in params.entries {
                guard let source = reader.string(param.value, "responseParameters.\(param.key)") else { ok = false; continue }
                let prefix = "method.response.header."
                guard param.key.hasPrefix(prefix), param.key.count > prefix.count else {
                    error("invalid response parameter target '\(param.key)' in \(where_): expected method.response.header.NAME", at: param.keyNode)
                    ok = false
                    continue
                }
                let header = String(param.key.dropFirst(prefix.count))
                if !(methodResponses[status]?.declares(header: header) ?? false) {
                    error("invalid mapping expression parameter: '\(param.key)' in \(where_) maps to header '\(header)', which the method response \(status) does not declare (add it under responses.'\(status)'.headers)", at: param.keyNode)
                    ok = false
                    continue
                }
                if !isValidResponseSource(source) {
                    error("invalid mapping expression '\(source)' for '\(param.key)' in \(where_): expected 'static', integration.response.header.NAME, integration.response.body[.path], context.X or stageVariables.X", at: param.value)
                    ok = false
                    continue
                }
                parameters.append((param.key, source))
            }
        }
        var templates: [(String, GatewayTemplate)] = []
        if let node = mapping["responseTemplates"] {
            let before = reader.sink.diagnostics.count
            templates = readTemplates(node, context: "\(context) response \(entry.key)")
            if reader.sink.diagnostics[before...].contains(where: { $0.severity == .error }) { ok = false }
        }
        let contentHandling = readContentHandling(mapping, where_)
        if contentHandling == .some(nil) { ok = false }
        guard ok else { return nil }
        return IntegrationResponse(selectionPattern: entry.key, pattern: pattern, statusCode: status,
                                   responseParameters: parameters, responseTemplates: templates, contentHandling: contentHandling ?? nil)
    }

    func isValidResponseSource(_ source: String) -> Bool {
        if source.count >= 2, source.hasPrefix("'"), source.hasSuffix("'") { return true }
        if source == "integration.response.body" { return true }
        for prefix in ["integration.response.header.", "integration.response.multivalueheader.", "integration.response.body.",
                       "context.", "stageVariables."] where source.hasPrefix(prefix) && source.count > prefix.count {
            if prefix == "integration.response.body." { return (try? JSONPath("$." + source.dropFirst(prefix.count))) != nil }
            return true
        }
        return false
    }

    func readGatewayResponse(_ node: Node, type: GatewayResponseType) -> GatewayResponseCustomization? {
        let where_ = "gateway response \(type.rawValue)"
        guard let mapping = reader.mapping(node, where_) else { return nil }
        reader.checkKeys(mapping, allowed: gatewayResponseKeys, where_)
        var status: Int?
        if let statusNode = mapping["statusCode"] {
            guard let value = reader.int(statusNode, "\(where_).statusCode") else { return nil }
            guard (100...599).contains(value) else {
                error("statusCode \(value) in \(where_) is not an HTTP status code (100-599)", at: statusNode)
                return nil
            }
            status = value
        }
        var parameters: [(String, String)] = []
        if let paramsNode = mapping["responseParameters"], let params = reader.mapping(paramsNode, "\(where_).responseParameters") {
            for param in params.entries {
                guard let source = reader.string(param.value, "\(where_).responseParameters.\(param.key)") else { continue }
                let prefix = "gatewayresponse.header."
                guard param.key.hasPrefix(prefix), param.key.count > prefix.count else {
                    error("invalid gateway response parameter '\(param.key)' in \(where_): expected gatewayresponse.header.NAME", at: param.keyNode)
                    continue
                }
                let valid = (source.count >= 2 && source.hasPrefix("'") && source.hasSuffix("'"))
                    || ["method.request.header.", "method.request.querystring.", "method.request.path.", "method.request.multivalueheader.",
                        "method.request.multivaluequerystring.", "context.", "stageVariables."].contains { source.hasPrefix($0) && source.count > $0.count }
                guard valid else {
                    error("invalid mapping expression '\(source)' for '\(param.key)' in \(where_): expected 'static', method.request.header|querystring|path.NAME, context.X or stageVariables.X", at: param.value)
                    continue
                }
                parameters.append((param.key, source))
            }
        }
        var templates: [(String, GatewayTemplate)] = []
        if let templatesNode = mapping["responseTemplates"] {
            templates = readTemplates(templatesNode, context: where_)
        }
        return GatewayResponseCustomization(statusCode: status, responseParameters: parameters, responseTemplates: templates)
    }
}
