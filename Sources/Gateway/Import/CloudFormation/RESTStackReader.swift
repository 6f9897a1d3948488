import SourceDiagnostics
import Yams

/// Reads one `AWS::ApiGateway::RestApi`: its `Body` / `BodyS3Location`, or the resource form CDK emits
/// (`Resource` tree, `Method`s with `Integration`, `Authorizer`, `RequestValidator`, `Model`, `GatewayResponse`),
/// which becomes the OpenAPI 3 document `aws apigateway get-export --export-type oas30 --parameters
/// extensions=integrations` would write; and its stages (`Stage`, `Deployment.StageName`).
struct RESTStackReader {
    let template: StackTemplate
    let api: TemplateResource

    private typealias T = TreeNodes

    static let apiProperties: Set<String> = ["Name", "Body", "BodyS3Location", "BinaryMediaTypes", "ApiKeySourceType", "Policy",
                                             "EndpointConfiguration", "MinimumCompressionSize", "FailOnWarnings", "Parameters", "Mode"]
    static let apiNotes: [String: String] = [
        "CloneFrom": "not emulated (the cloned API is not in the template)",
        "DisableExecuteApiEndpoint": "not emulated (the emulator always serves the API)",
    ]

    func read() -> StackAPI? {
        template.claim(api)
        template.warnUnread(api, read: Self.apiProperties, notes: Self.apiNotes)
        for name in ["FailOnWarnings", "Parameters", "Mode"] {
            if let node = api.properties?.keyNode(name) { template.warning("property \(name) (import options) is not read; the emulator imports as API Gateway does by default", api, at: node) }
        }
        let stages = readStages()
        let ownResources = Self.childTypes.flatMap { template.children(of: api.logicalID, type: $0, through: "RestApiId") }
        if let (form, definition) = BodyForm(template: template, api: api).read() {
            if case let .tree(body, file, text) = definition {
                let merged = withAPIProperties(body)
                if ownResources.contains(where: { $0.type == "AWS::ApiGateway::Method" }) {
                    template.warning("has both Body and Method resources: the emulator serves the Body only", api, at: api.properties?.keyNode("Body"))
                }
                return StackAPI(resource: api, file: template.file, kind: .rest, form: form, definition: .tree(merged, file: file, text: text), stages: stages,
                                resourceIDs: ownResources.map(\.logicalID))
            }
            return StackAPI(resource: api, file: template.file, kind: .rest, form: form, definition: definition, stages: stages, resourceIDs: ownResources.map(\.logicalID))
        }
        let tree = ResourceForm(template: template, api: api, resources: ownResources).document()
        return StackAPI(resource: api, file: template.file, kind: .rest, form: .resources, definition: .tree(withAPIProperties(tree), file: template.file, text: template.text),
                        stages: stages, resourceIDs: ownResources.map(\.logicalID))
    }

    /// The resource types that belong to a REST API through `RestApiId`.
    static let childTypes = ["AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Authorizer",
                             "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model", "AWS::ApiGateway::GatewayResponse"]

    /// The document with the RestApi's own properties (`Name`, `BinaryMediaTypes`, `ApiKeySourceType`, `Policy`,
    /// `EndpointConfiguration`, `MinimumCompressionSize`) set over the body's extensions, as CloudFormation does.
    private func withAPIProperties(_ document: Node) -> Node {
        guard case let .mapping(mapping) = document else { return document }
        var pairs = Array(mapping).map { ($0.key, $0.value) }
        func set(_ key: String, _ value: Node, at mark: Mark?) {
            pairs.removeAll { $0.0.string == key }
            pairs.append((T.scalar(key, at: mark), value))
        }
        if let node = api["Name"], let name = template.resolved(node) {
            let info = pairs.first { $0.0.string == "info" }?.1
            var infoPairs = (info?.mapping).map { Array($0).map { ($0.key, $0.value) } } ?? []
            infoPairs.removeAll { $0.0.string == "title" }
            infoPairs.append((T.scalar("title", at: node.mark), name))
            set("info", .mapping(.init(infoPairs, Tag(.map), .any, info?.mark ?? node.mark)), at: node.mark)
        }
        let extensions = [("BinaryMediaTypes", "x-amazon-apigateway-binary-media-types"), ("ApiKeySourceType", "x-amazon-apigateway-api-key-source"),
                          ("Policy", "x-amazon-apigateway-policy"), ("EndpointConfiguration", "x-amazon-apigateway-endpoint-configuration"),
                          ("MinimumCompressionSize", "x-amazon-apigateway-minimum-compression-size")]
        for (property, key) in extensions {
            if let node = api[property], let value = template.resolved(node) { set(key, value, at: api.properties?.keyNode(property)?.mark) }
        }
        return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
    }

    // MARK: - Stages

    /// `AWS::ApiGateway::Stage` resources of the API and the stages `AWS::ApiGateway::Deployment.StageName` creates.
    private func readStages() -> [StackStage] {
        var stages: [StackStage] = []
        for deployment in template.children(of: api.logicalID, type: "AWS::ApiGateway::Deployment", through: "RestApiId") {
            template.warnUnread(deployment, read: ["RestApiId", "StageName", "StageDescription"],
                                notes: ["DeploymentCanarySettings": "not emulated (no canary)"])
            guard let nameNode = deployment["StageName"], let name = template.string(nameNode, deployment, "StageName") else { continue }
            var variables: [String: String] = [:]
            if let description = deployment["StageDescription"], let fields = template.resolved(description) {
                if let node = fields["Variables"] { variables = template.stringMap(node, deployment, "StageDescription.Variables") }
                for (key, _) in fields.mapping.map(Array.init) ?? [] where key.string != "Variables" && key.string != "Description" {
                    template.warning("property StageDescription.\(key.string ?? "") is not emulated; ignored", deployment, at: key)
                }
            }
            stages.append(StackStage(logicalID: nil, name: name, variables: variables))
        }
        let stageResources = template.stageResources(
            of: api.logicalID, type: "AWS::ApiGateway::Stage", through: "RestApiId", variablesKey: "Variables", read: ["DeploymentId"], notes: [
                "MethodSettings": "not emulated (no throttling, caching or logging settings)",
                "CacheClusterEnabled": "not emulated (no cache)", "CacheClusterSize": "not emulated (no cache)",
                "TracingEnabled": "not emulated (no X-Ray)", "AccessLogSetting": "not emulated (no access logs)",
                "CanarySetting": "not emulated (no canary)", "ClientCertificateId": "not emulated",
                "DocumentationVersion": "not emulated",
            ])
        for read in stageResources {
            // A Stage resource replaces the stage a Deployment's StageName made of the same name.
            stages.removeAll { $0.name == read.name }
            stages.append(read)
        }
        return stages
    }
}

/// The OpenAPI document of a resource-form REST API.
private struct ResourceForm {
    let template: StackTemplate
    let api: TemplateResource
    let resources: [TemplateResource]

    private typealias T = TreeNodes

    func of(_ type: String) -> [TemplateResource] { resources.filter { $0.type == type } }

    func document() -> Node {
        let mark = api.keyNode.mark
        let paths = readPaths()
        var pairs: [(String, Node)] = [("openapi", T.scalar("3.0.1", at: mark)),
                                       ("info", T.mapping([("title", T.scalar(api.logicalID, at: mark))], at: mark)),
                                       ("paths", T.mapping(paths, at: mark))]
        var components: [(String, Node)] = []
        let schemas = readModels()
        if !schemas.isEmpty { components.append(("schemas", T.mapping(schemas, at: mark))) }
        let schemes = readAuthorizers() + securitySchemesUsed()
        if !schemes.isEmpty { components.append(("securitySchemes", T.mapping(schemes, at: mark))) }
        if !components.isEmpty { pairs.append(("components", T.mapping(components, at: mark))) }
        let validators = readValidators()
        if !validators.isEmpty { pairs.append(("x-amazon-apigateway-request-validators", T.mapping(validators, at: mark))) }
        let responses = readGatewayResponses()
        if !responses.isEmpty { pairs.append(("x-amazon-apigateway-gateway-responses", T.mapping(responses, at: mark))) }
        return T.mapping(pairs, at: mark)
    }

    // MARK: Resource tree

    /// Each `AWS::ApiGateway::Resource`'s full path, from its `ParentId` chain up to the root.
    private func resourcePaths() -> [String: String] {
        let root = StackTemplate.rootMarker(api.logicalID)
        var parents: [String: (parent: String, part: String, resource: TemplateResource)] = [:]
        for resource in of("AWS::ApiGateway::Resource") {
            template.warnUnread(resource, read: ["RestApiId", "ParentId", "PathPart"])
            guard let parentNode = resource["ParentId"], let parent = template.reference(parentNode),
                  let partNode = resource["PathPart"], let part = template.string(partNode, resource, "PathPart") else {
                template.reader.error("\(resource.logicalID) (AWS::ApiGateway::Resource): ParentId and PathPart are required", at: resource.keyNode)
                continue
            }
            parents[resource.logicalID] = (parent, part, resource)
        }
        var paths: [String: String] = [root: "/"]
        func path(of id: String, visiting: Set<String>) -> String? {
            if let known = paths[id] { return known }
            guard let entry = parents[id] else { return nil }
            guard !visiting.contains(id) else {
                template.reader.error("\(id) (AWS::ApiGateway::Resource): its ParentId chain loops back to itself", at: entry.resource["ParentId"])
                return nil
            }
            guard let parentPath = path(of: entry.parent, visiting: visiting.union([id])) else {
                if parents[entry.parent] == nil {
                    template.reader.error("\(id) (AWS::ApiGateway::Resource): ParentId '\(entry.parent)' is neither Fn::GetAtt [\(api.logicalID), RootResourceId] "
                                          + "nor an AWS::ApiGateway::Resource of this API", at: entry.resource["ParentId"])
                }
                return nil
            }
            let full = (parentPath == "/" ? "" : parentPath) + "/" + entry.part
            paths[id] = full
            return full
        }
        for id in parents.keys.sorted() { _ = path(of: id, visiting: []) }
        return paths
    }

    private func readPaths() -> [(String, Node)] {
        let paths = resourcePaths()
        var operations: [(path: String, verb: String, node: Node, mark: Mark?)] = []
        for method in of("AWS::ApiGateway::Method") {
            guard let idNode = method["ResourceId"], let resourceID = template.reference(idNode) else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): ResourceId is required", at: method.keyNode)
                continue
            }
            guard let path = paths[resourceID] else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): ResourceId '\(resourceID)' is neither Fn::GetAtt [\(api.logicalID), RootResourceId] "
                                      + "nor an AWS::ApiGateway::Resource of this API", at: idNode)
                continue
            }
            guard let verbNode = method["HttpMethod"], let verb = template.string(verbNode, method, "HttpMethod") else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): HttpMethod is required", at: method.keyNode)
                continue
            }
            let key = verb.uppercased() == "ANY" ? "x-amazon-apigateway-any-method" : verb.lowercased()
            operations.append((path, key, MethodForm(template: template, method: method, authorizers: authorizerNames).operation(), method.keyNode.mark))
        }
        // Paths in the resource tree's order (parents first), as an export lists them.
        var ordered: [(String, Node)] = []
        var emitted: [String] = []
        for (path, _, _, _) in operations.sorted(by: { $0.path < $1.path }) where !emitted.contains(path) {
            emitted.append(path)
            let verbs = operations.filter { $0.path == path }
            ordered.append((path, T.mapping(verbs.map { ($0.verb, $0.node) }, at: verbs.first?.mark)))
        }
        return ordered
    }

    // MARK: Authorizers, models, validators, gateway responses

    /// Authorizer logical id -> scheme name (its `Name`).
    private var authorizerNames: [String: String] {
        var names: [String: String] = [:]
        for authorizer in of("AWS::ApiGateway::Authorizer") {
            names[authorizer.logicalID] = authorizer["Name"].flatMap { template.resolved($0)?.string } ?? authorizer.logicalID
        }
        return names
    }

    private func readAuthorizers() -> [(String, Node)] {
        var schemes: [(String, Node)] = []
        let keys = [("Type", "type"), ("AuthorizerUri", "authorizerUri"), ("AuthorizerCredentials", "authorizerCredentials"),
                    ("IdentitySource", "identitySource"), ("IdentityValidationExpression", "identityValidationExpression"),
                    ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"), ("ProviderARNs", "providerARNs")]
        for authorizer in of("AWS::ApiGateway::Authorizer") {
            template.warnUnread(authorizer, read: Set(keys.map(\.0) + ["RestApiId", "Name", "AuthType"]))
            let mark = authorizer.keyNode.mark
            var fields: [(String, Node)] = []
            var type = "token"
            for (property, key) in keys {
                guard let node = authorizer[property], var value = template.resolved(node) else { continue }
                if property == "Type", let text = value.string {
                    type = text.lowercased()
                    value = T.scalar(type, at: value.mark)
                }
                fields.append((key, value))
            }
            let name = authorizerNames[authorizer.logicalID] ?? authorizer.logicalID
            let header = fields.first { $0.0 == "identitySource" }?.1.string.flatMap { source -> String? in
                let prefix = "method.request.header."
                return source.hasPrefix(prefix) ? String(source.dropFirst(prefix.count)) : nil
            } ?? "Unused"
            let authType = authorizer["AuthType"].flatMap { template.resolved($0)?.string } ?? (type == "cognito_user_pools" ? "cognito_user_pools" : "custom")
            schemes.append((name, T.mapping([("type", T.scalar("apiKey", at: mark)), ("name", T.scalar(header, at: mark)), ("in", T.scalar("header", at: mark)),
                                             ("x-amazon-apigateway-authtype", T.scalar(authType, at: mark)),
                                             ("x-amazon-apigateway-authorizer", T.mapping(fields, at: mark))], at: mark)))
        }
        return schemes
    }

    /// `sigv4` and `api_key`, when a method uses AWS_IAM or requires an API key.
    private func securitySchemesUsed() -> [(String, Node)] {
        let methods = of("AWS::ApiGateway::Method")
        let mark = api.keyNode.mark
        var schemes: [(String, Node)] = []
        if methods.contains(where: { $0["AuthorizationType"].flatMap { template.resolved($0)?.string?.uppercased() } == "AWS_IAM" }) {
            schemes.append((MethodForm.sigV4Scheme, T.mapping([("type", T.scalar("apiKey", at: mark)), ("name", T.scalar("Authorization", at: mark)),
                                                               ("in", T.scalar("header", at: mark)),
                                                               ("x-amazon-apigateway-authtype", T.scalar("awsSigv4", at: mark))], at: mark)))
        }
        if methods.contains(where: { $0["ApiKeyRequired"].flatMap { template.resolved($0)?.string?.lowercased() } == "true" }) {
            schemes.append((MethodForm.apiKeyScheme, T.mapping([("type", T.scalar("apiKey", at: mark)), ("name", T.scalar("x-api-key", at: mark)),
                                                                ("in", T.scalar("header", at: mark))], at: mark)))
        }
        return schemes
    }

    private func readModels() -> [(String, Node)] {
        var schemas: [(String, Node)] = []
        for model in of("AWS::ApiGateway::Model") {
            template.warnUnread(model, read: ["RestApiId", "Name", "ContentType", "Schema"])
            let name = model["Name"].flatMap { template.string($0, model, "Name") } ?? model.logicalID
            guard let node = model["Schema"], var schema = template.resolved(node) else {
                template.warning("has no Schema; the model is empty", model, at: model.keyNode)
                continue
            }
            // A schema written as JSON text is parsed (CloudFormation takes an object or its JSON string).
            if let text = schema.scalar?.string {
                guard case let .success(parsed?) = YAMLSource.parse(text, file: template.file) else {
                    template.reader.error("\(model.logicalID) (AWS::ApiGateway::Model): Schema is not valid JSON", at: node)
                    continue
                }
                schema = parsed
            }
            schemas.append((name, schema))
        }
        return schemas
    }

    private func readValidators() -> [(String, Node)] {
        var validators: [(String, Node)] = []
        for validator in of("AWS::ApiGateway::RequestValidator") {
            template.warnUnread(validator, read: ["RestApiId", "Name", "ValidateRequestBody", "ValidateRequestParameters"])
            let mark = validator.keyNode.mark
            let name = validator["Name"].flatMap { template.string($0, validator, "Name") } ?? validator.logicalID
            let body = validator["ValidateRequestBody"].flatMap { template.bool($0, validator, "ValidateRequestBody") } ?? false
            let parameters = validator["ValidateRequestParameters"].flatMap { template.bool($0, validator, "ValidateRequestParameters") } ?? false
            validators.append((name, T.mapping([("validateRequestBody", T.bool(body, at: mark)), ("validateRequestParameters", T.bool(parameters, at: mark))], at: mark)))
        }
        return validators
    }

    private func readGatewayResponses() -> [(String, Node)] {
        var responses: [(String, Node)] = []
        for response in of("AWS::ApiGateway::GatewayResponse") {
            template.warnUnread(response, read: ["RestApiId", "ResponseType", "StatusCode", "ResponseParameters", "ResponseTemplates"])
            guard let typeNode = response["ResponseType"], let type = template.string(typeNode, response, "ResponseType") else {
                template.reader.error("\(response.logicalID) (AWS::ApiGateway::GatewayResponse): ResponseType is required", at: response.keyNode)
                continue
            }
            var fields: [(String, Node)] = []
            for (property, key) in [("StatusCode", "statusCode"), ("ResponseParameters", "responseParameters"), ("ResponseTemplates", "responseTemplates")] {
                if let node = response[property], let value = template.resolved(node) { fields.append((key, value)) }
            }
            responses.append((type, T.mapping(fields, at: response.keyNode.mark)))
        }
        return responses
    }
}

/// One `AWS::ApiGateway::Method` as an OpenAPI operation with `x-amazon-apigateway-integration`.
private struct MethodForm {
    let template: StackTemplate
    let method: TemplateResource
    /// Authorizer logical id -> scheme name.
    let authorizers: [String: String]

    static let sigV4Scheme = "sigv4"
    static let apiKeyScheme = "api_key"

    private typealias T = TreeNodes

    static let readProperties: Set<String> = ["RestApiId", "ResourceId", "HttpMethod", "Integration", "MethodResponses", "RequestParameters",
                                              "RequestValidatorId", "RequestModels", "AuthorizationType", "AuthorizerId", "AuthorizationScopes",
                                              "ApiKeyRequired", "OperationName"]

    func operation() -> Node {
        template.warnUnread(method, read: Self.readProperties)
        let mark = method.keyNode.mark
        var pairs: [(String, Node)] = []
        if let node = method["OperationName"], let value = template.resolved(node) { pairs.append(("operationId", value)) }
        pairs += parameters()
        if let body = requestBody() { pairs.append(("requestBody", body)) }
        pairs.append(("responses", T.mapping(methodResponses(), at: method["MethodResponses"]?.mark ?? mark)))
        if let security = security() { pairs.append(("security", security)) }
        if let node = method["RequestValidatorId"], let validator = template.reference(node) {
            let name = template.byID[validator].flatMap { $0["Name"] }.flatMap { template.resolved($0)?.string } ?? validator
            pairs.append(("x-amazon-apigateway-request-validator", T.scalar(name, at: node.mark)))
        }
        if let integration = integration() { pairs.append(("x-amazon-apigateway-integration", integration)) }
        return T.mapping(pairs, at: mark)
    }

    /// `RequestParameters` (`method.request.querystring.x: true`) as OpenAPI parameters.
    private func parameters() -> [(String, Node)] {
        guard let node = method["RequestParameters"], let resolved = template.resolved(node), case let .mapping(mapping) = resolved else { return [] }
        var items: [Node] = []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let parts = name.split(separator: ".", maxSplits: 3).map(String.init)
            guard parts.count == 4, parts[0] == "method", parts[1] == "request", ["path", "querystring", "header"].contains(parts[2]) else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): RequestParameters key '\(name)' must be method.request.path|querystring|header.NAME", at: key)
                continue
            }
            let required = value.string?.lowercased() == "true"
            let location = parts[2] == "querystring" ? "query" : parts[2]
            items.append(T.mapping([("name", T.scalar(parts[3], at: key.mark)), ("in", T.scalar(location, at: key.mark)),
                                    ("required", T.bool(required || location == "path", at: value.mark)),
                                    ("schema", T.mapping([("type", T.scalar("string", at: key.mark))], at: key.mark))], at: key.mark))
        }
        return items.isEmpty ? [] : [("parameters", T.sequence(items, at: node.mark))]
    }

    /// `RequestModels` (`content type: model name`) as a request body referring to `components.schemas`.
    private func requestBody() -> Node? {
        guard let node = method["RequestModels"], let resolved = template.resolved(node), case let .mapping(mapping) = resolved else { return nil }
        var content: [(String, Node)] = []
        for (key, value) in mapping {
            guard let type = key.string, let model = value.string else { continue }
            content.append((type, T.mapping([("schema", T.mapping([("$ref", T.scalar("#/components/schemas/\(model)", at: value.mark))], at: value.mark))], at: key.mark)))
        }
        return T.mapping([("content", T.mapping(content, at: node.mark))], at: node.mark)
    }

    private func methodResponses() -> [(String, Node)] {
        guard let node = method["MethodResponses"], let resolved = template.resolved(node) else { return [] }
        guard case let .sequence(items) = resolved else {
            template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): MethodResponses must be a list", at: node)
            return []
        }
        var responses: [(String, Node)] = []
        for item in items {
            guard let status = item["StatusCode"]?.string else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): each MethodResponses entry needs a StatusCode", at: item)
                continue
            }
            var fields: [(String, Node)] = [("description", T.scalar("\(status) response", at: item.mark))]
            if case let .mapping(parameters)? = item["ResponseParameters"] {
                var headers: [(String, Node)] = []
                for (key, _) in parameters {
                    guard let name = key.string, name.hasPrefix("method.response.header.") else { continue }
                    headers.append((String(name.dropFirst("method.response.header.".count)),
                                    T.mapping([("schema", T.mapping([("type", T.scalar("string", at: key.mark))], at: key.mark))], at: key.mark)))
                }
                if !headers.isEmpty { fields.append(("headers", T.mapping(headers, at: item.mark))) }
            }
            if case let .mapping(models)? = item["ResponseModels"] {
                var content: [(String, Node)] = []
                for (key, value) in models {
                    guard let type = key.string, let model = value.string else { continue }
                    content.append((type, T.mapping([("schema", T.mapping([("$ref", T.scalar("#/components/schemas/\(model)", at: value.mark))], at: value.mark))], at: key.mark)))
                }
                if !content.isEmpty { fields.append(("content", T.mapping(content, at: item.mark))) }
            }
            responses.append((status, T.mapping(fields, at: item.mark)))
        }
        return responses
    }

    /// `AuthorizationType` / `AuthorizerId` / `AuthorizationScopes` / `ApiKeyRequired` as one security requirement.
    private func security() -> Node? {
        let mark = method["AuthorizationType"]?.mark ?? method.keyNode.mark
        var requirement: [(String, Node)] = []
        let type = method["AuthorizationType"].flatMap { template.string($0, method, "AuthorizationType") }?.uppercased() ?? "NONE"
        switch type {
        case "NONE":
            break
        case "AWS_IAM":
            requirement.append((Self.sigV4Scheme, T.sequence([], at: mark)))
        case "CUSTOM", "COGNITO_USER_POOLS":
            guard let node = method["AuthorizerId"], let id = template.reference(node) else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): AuthorizationType \(type) needs an AuthorizerId", at: method["AuthorizationType"])
                return nil
            }
            guard let name = authorizers[id] else {
                template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): AuthorizerId '\(id)' is not an AWS::ApiGateway::Authorizer of this API", at: node)
                return nil
            }
            let scopes = method["AuthorizationScopes"].flatMap { template.resolved($0) } ?? T.sequence([], at: mark)
            requirement.append((name, scopes))
        default:
            template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): AuthorizationType '\(type)' must be NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS", at: method["AuthorizationType"])
        }
        if method["ApiKeyRequired"].flatMap({ template.bool($0, method, "ApiKeyRequired") }) == true {
            requirement.append((Self.apiKeyScheme, T.sequence([], at: mark)))
        }
        return requirement.isEmpty ? nil : T.sequence([T.mapping(requirement, at: mark)], at: mark)
    }

    static let integrationKeys = [("Type", "type"), ("Uri", "uri"), ("IntegrationHttpMethod", "httpMethod"), ("RequestTemplates", "requestTemplates"),
                                  ("RequestParameters", "requestParameters"), ("PassthroughBehavior", "passthroughBehavior"),
                                  ("ContentHandling", "contentHandling"), ("TimeoutInMillis", "timeoutInMillis"), ("Credentials", "credentials"),
                                  ("CacheKeyParameters", "cacheKeyParameters"), ("CacheNamespace", "cacheNamespace"),
                                  ("ConnectionType", "connectionType"), ("ConnectionId", "connectionId")]
    static let integrationResponseKeys = [("StatusCode", "statusCode"), ("ResponseTemplates", "responseTemplates"),
                                          ("ResponseParameters", "responseParameters"), ("ContentHandling", "contentHandling")]

    /// `Integration` as `x-amazon-apigateway-integration` (`type` and `passthroughBehavior` lowercased, as exports write them).
    private func integration() -> Node? {
        guard let node = method["Integration"] else { return nil }
        guard let resolved = template.resolved(node), case let .mapping(mapping) = resolved else {
            template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): Integration must be a mapping", at: node)
            return nil
        }
        var pairs: [(String, Node)] = []
        for (key, value) in mapping {
            guard let property = key.string else { continue }
            if let openAPI = Self.integrationKeys.first(where: { $0.0 == property })?.1 {
                if ["type", "passthroughBehavior"].contains(openAPI), let text = value.string {
                    pairs.append((openAPI, T.scalar(text.lowercased(), at: value.mark)))
                } else {
                    pairs.append((openAPI, value))
                }
            } else if property == "IntegrationResponses" {
                pairs.append(("responses", integrationResponses(value)))
            } else {
                template.warning("property Integration.\(property) is not read by the emulator; ignored", method, at: key)
            }
        }
        return T.mapping(pairs, at: node.mark)
    }

    private func integrationResponses(_ node: Node) -> Node {
        guard case let .sequence(items) = node else {
            template.reader.error("\(method.logicalID) (AWS::ApiGateway::Method): Integration.IntegrationResponses must be a list", at: node)
            return T.mapping([], at: node.mark)
        }
        var responses: [(String, Node)] = []
        for item in items {
            guard case let .mapping(fields) = item else { continue }
            var pattern = "default"
            var pairs: [(String, Node)] = []
            for (key, value) in fields {
                guard let property = key.string else { continue }
                if property == "SelectionPattern" {
                    if let text = value.string, !text.isEmpty { pattern = text }
                } else if let openAPI = Self.integrationResponseKeys.first(where: { $0.0 == property })?.1 {
                    pairs.append((openAPI, value))
                } else {
                    template.warning("property Integration.IntegrationResponses.\(property) is not read by the emulator; ignored", method, at: key)
                }
            }
            responses.append((pattern, T.mapping(pairs, at: item.mark)))
        }
        return T.mapping(responses, at: node.mark)
    }
}
