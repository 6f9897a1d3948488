import SourceDiagnostics
import Yams

/// Reads one `AWS::ApiGatewayV2::Api`. `ProtocolType: HTTP`: its `Body` / `BodyS3Location`, quick create
/// (`Target` + `RouteKey`), or the resource form (`Route`, `Integration`, `Authorizer`), which becomes the OpenAPI 3
/// document `aws apigatewayv2 export-api --specification OAS30 --include-extensions` would write; its stages
/// (`AWS::ApiGatewayV2::Stage`) and `CorsConfiguration`. `ProtocolType: WEBSOCKET`: listed with its resources.
struct HTTPStackReader {
    let template: StackTemplate
    let api: TemplateResource

    private typealias T = TreeNodes

    static let apiProperties: Set<String> = ["Name", "ProtocolType", "Body", "BodyS3Location", "CorsConfiguration", "Target", "RouteKey",
                                             "CredentialsArn", "Version", "FailOnWarnings", "BasePath", "DisableSchemaValidation",
                                             "RouteSelectionExpression", "ApiKeySelectionExpression"]
    static let apiNotes = ["DisableExecuteApiEndpoint": "not emulated (the emulator always serves the API)", "IpAddressType": "not emulated"]

    /// The resource types that belong to a v2 API through `ApiId`.
    static let childTypes = ["AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer",
                             "AWS::ApiGatewayV2::RouteResponse", "AWS::ApiGatewayV2::IntegrationResponse", "AWS::ApiGatewayV2::Model",
                             "AWS::ApiGatewayV2::Deployment"]

    func read() -> StackAPI? {
        template.claim(api)
        template.warnUnread(api, read: Self.apiProperties, notes: Self.apiNotes)
        // With a Body, ProtocolType may be left out (the SAM transform leaves it out): the body is an HTTP API's.
        let hasBody = api["Body"] != nil || api["BodyS3Location"] != nil
        let protocolType = api["ProtocolType"].flatMap { template.string($0, api, "ProtocolType") }?.uppercased() ?? (hasBody ? "HTTP" : nil)
        let children = Self.childTypes.flatMap { template.children(of: api.logicalID, type: $0, through: "ApiId") }
        var stages = readStages()
        if protocolType == "WEBSOCKET" {
            // Its routes, integrations and stages are WebSocketAPILoader's to read (and warn about).
            return StackAPI(resource: api, file: template.file, kind: .websocket, form: .resources,
                            definition: .webSocket(text: template.text, file: template.file, parameters: template.options.parameters), stages: stages,
                            resourceIDs: children.map(\.logicalID) + stages.compactMap(\.logicalID))
        }
        if protocolType != "HTTP" {
            template.reader.error("\(api.logicalID) (AWS::ApiGatewayV2::Api): ProtocolType must be HTTP or WEBSOCKET (it may be left out only with a Body)",
                                  at: api["ProtocolType"] ?? api.keyNode)
            return nil
        }
        for name in ["FailOnWarnings", "BasePath", "DisableSchemaValidation"] {
            if let node = api.properties?.keyNode(name) { template.warning("property \(name) (import options) is not read; the emulator imports as API Gateway does by default", api, at: node) }
        }
        var cors: HTTPAPICorsOverride?
        if let node = api["CorsConfiguration"], let resolved = template.resolved(node) {
            switch CorsConfigurationProperty.read(resolved, resource: api.logicalID, type: api.type) {
            case let .success(override): cors = override
            case let .failure(problems): problems.list.forEach { template.reader.error($0.message, at: $0.node) }
            }
        }
        let ids = children.map(\.logicalID) + stages.compactMap(\.logicalID)
        if let (form, definition) = BodyForm(template: template, api: api).read() {
            if children.contains(where: { $0.type == "AWS::ApiGatewayV2::Route" }) {
                template.warning("has both Body and Route resources: the emulator serves the Body only", api, at: api.properties?.keyNode("Body"))
            }
            return StackAPI(resource: api, file: template.file, kind: .http, form: form, definition: withName(definition), stages: stages, cors: cors, resourceIDs: ids)
        }
        let isQuickCreate = api["Target"] != nil
        if isQuickCreate, stages.isEmpty { stages = [StackStage(logicalID: nil, name: "$default", variables: [:])] }
        let tree = RouteForm(template: template, api: api, resources: children).document()
        return StackAPI(resource: api, file: template.file, kind: .http, form: .resources, definition: withName(.tree(tree, file: template.file, text: template.text)),
                        stages: stages, cors: cors, resourceIDs: ids)
    }

    /// The body with the Api's `Name` as its title.
    private func withName(_ definition: StackAPI.Definition) -> StackAPI.Definition {
        guard case let .tree(body, file, text) = definition, case let .mapping(mapping) = body,
              let node = api["Name"], let name = template.resolved(node) else { return definition }
        var pairs = Array(mapping).map { ($0.key, $0.value) }
        let info = pairs.first { $0.0.string == "info" }?.1
        var infoPairs = (info?.mapping).map { Array($0).map { ($0.key, $0.value) } } ?? []
        infoPairs.removeAll { $0.0.string == "title" }
        infoPairs.append((T.scalar("title", at: node.mark), name))
        pairs.removeAll { $0.0.string == "info" }
        pairs.insert((T.scalar("info", at: node.mark), .mapping(.init(infoPairs, Tag(.map), .any, info?.mark ?? node.mark))), at: min(1, pairs.count))
        return .tree(.mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark)), file: file, text: text)
    }

    private func readStages() -> [StackStage] {
        template.stageResources(of: api.logicalID, type: "AWS::ApiGatewayV2::Stage", through: "ApiId", variablesKey: "StageVariables",
                                read: ["AutoDeploy", "DeploymentId"], notes: [
            "DefaultRouteSettings": "not emulated (no throttling or logging settings)", "RouteSettings": "not emulated (no throttling or logging settings)",
            "AccessLogSettings": "not emulated (no access logs)", "ClientCertificateId": "not emulated",
        ])
    }
}

/// The OpenAPI document of a resource-form (or quick-create) HTTP API.
private struct RouteForm {
    let template: StackTemplate
    let api: TemplateResource
    let resources: [TemplateResource]

    private typealias T = TreeNodes

    static let sigV4Scheme = "sigv4"

    func of(_ type: String) -> [TemplateResource] { resources.filter { $0.type == type } }

    func document() -> Node {
        let mark = api.keyNode.mark
        var routes: [(key: String, node: Node, mark: Mark?)] = []
        let authorizers = readAuthorizers()
        let integrations = Dictionary(of("AWS::ApiGatewayV2::Integration").map { ($0.logicalID, $0) }, uniquingKeysWith: { first, _ in first })
        var usesIAM = false
        if let target = api["Target"] {
            // Quick create: one route (RouteKey, `$default` unless given) to an AWS_PROXY integration of payload 2.0.
            let routeKey = api["RouteKey"].flatMap { template.string($0, api, "RouteKey") } ?? "$default"
            var integration: [(String, Node)] = [("type", T.scalar("aws_proxy", at: target.mark)), ("httpMethod", T.scalar("POST", at: target.mark))]
            if let uri = template.resolved(target) { integration.append(("uri", uri)) }
            integration.append(("payloadFormatVersion", T.scalar("2.0", at: target.mark)))
            if let node = api["CredentialsArn"], let value = template.resolved(node) { integration.append(("credentials", value)) }
            routes.append((routeKey, T.mapping([("x-amazon-apigateway-integration", T.mapping(integration, at: target.mark))], at: target.mark), target.mark))
        }
        for route in of("AWS::ApiGatewayV2::Route") {
            template.warnUnread(route, read: ["ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId", "AuthorizationScopes", "OperationName"])
            guard let keyNode = route["RouteKey"], let routeKey = template.string(keyNode, route, "RouteKey") else {
                template.reader.error("\(route.logicalID) (AWS::ApiGatewayV2::Route): RouteKey is required", at: route.keyNode)
                continue
            }
            var pairs: [(String, Node)] = []
            if let node = route["OperationName"], let value = template.resolved(node) { pairs.append(("operationId", value)) }
            let type = route["AuthorizationType"].flatMap { template.string($0, route, "AuthorizationType") }?.uppercased() ?? "NONE"
            switch type {
            case "NONE": break
            case "AWS_IAM":
                usesIAM = true
                pairs.append(("security", T.sequence([T.mapping([(Self.sigV4Scheme, T.sequence([], at: keyNode.mark))], at: keyNode.mark)], at: keyNode.mark)))
            case "JWT", "CUSTOM":
                guard let node = route["AuthorizerId"], let id = template.reference(node), let name = authorizers.names[id] else {
                    template.reader.error("\(route.logicalID) (AWS::ApiGatewayV2::Route): AuthorizationType \(type) needs an AuthorizerId naming an AWS::ApiGatewayV2::Authorizer of this API",
                                          at: route["AuthorizerId"] ?? route["AuthorizationType"])
                    continue
                }
                let scopes = route["AuthorizationScopes"].flatMap { template.resolved($0) } ?? T.sequence([], at: node.mark)
                pairs.append(("security", T.sequence([T.mapping([(name, scopes)], at: node.mark)], at: node.mark)))
            default:
                template.reader.error("\(route.logicalID) (AWS::ApiGatewayV2::Route): AuthorizationType '\(type)' must be NONE, AWS_IAM, JWT or CUSTOM", at: route["AuthorizationType"])
            }
            if let node = route["Target"], let target = template.reference(node) {
                let id = target.hasPrefix("integrations/") ? String(target.dropFirst("integrations/".count)) : target
                guard let integration = integrations[id] else {
                    template.reader.error("\(route.logicalID) (AWS::ApiGatewayV2::Route): Target '\(target)' must be integrations/ID of an AWS::ApiGatewayV2::Integration of this API", at: node)
                    continue
                }
                pairs.append(("x-amazon-apigateway-integration", self.integration(integration)))
            }
            routes.append((routeKey, T.mapping(pairs, at: route.keyNode.mark), route.keyNode.mark))
        }
        for integration in of("AWS::ApiGatewayV2::Integration") {
            template.warnUnread(integration, read: Set(Self.integrationKeys.map(\.0) + ["ApiId", "ResponseParameters"]))
        }
        var paths: [(String, [(String, Node)], Mark?)] = []
        for route in routes {
            let (path, verb, extra) = Self.openAPIPath(route.key, at: route.mark)
            let node = extra.isEmpty ? route.node : Self.adding(extra, to: route.node)
            if let index = paths.firstIndex(where: { $0.0 == path }) { paths[index].1.append((verb, node)) }
            else { paths.append((path, [(verb, node)], route.mark)) }
        }
        var pairs: [(String, Node)] = [("openapi", T.scalar("3.0.1", at: mark)),
                                       ("info", T.mapping([("title", T.scalar(api.logicalID, at: mark))], at: mark)),
                                       ("paths", T.mapping(paths.map { ($0.0, T.mapping($0.1, at: $0.2)) }, at: mark))]
        var schemes = authorizers.schemes
        if usesIAM {
            schemes.append((Self.sigV4Scheme, T.mapping([("type", T.scalar("apiKey", at: mark)), ("name", T.scalar("Authorization", at: mark)),
                                                         ("in", T.scalar("header", at: mark)), ("x-amazon-apigateway-authtype", T.scalar("awsSigv4", at: mark))], at: mark)))
        }
        if !schemes.isEmpty { pairs.append(("components", T.mapping([("securitySchemes", T.mapping(schemes, at: mark))], at: mark))) }
        pairs.append(("x-amazon-apigateway-importexport-version", T.scalar("1.0", at: mark)))
        return T.mapping(pairs, at: mark)
    }

    /// `GET /items` -> (`/items`, `get`); `ANY /x` -> `x-amazon-apigateway-any-method`; `$default` -> `/$default` with `isDefaultRoute`.
    static func openAPIPath(_ routeKey: String, at mark: Mark?) -> (String, String, [(String, Node)]) {
        if routeKey == "$default" { return ("/$default", "x-amazon-apigateway-any-method", [("isDefaultRoute", T.bool(true, at: mark))]) }
        let parts = routeKey.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return (routeKey, "x-amazon-apigateway-any-method", []) }
        let verb = parts[0].uppercased() == "ANY" ? "x-amazon-apigateway-any-method" : parts[0].lowercased()
        return (parts[1], verb, [])
    }

    static func adding(_ extra: [(String, Node)], to node: Node) -> Node {
        guard case let .mapping(mapping) = node else { return node }
        let pairs = Array(mapping).map { ($0.key, $0.value) } + extra.map { (T.scalar($0.0, at: mapping.mark), $0.1) }
        return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
    }

    static let integrationKeys = [("IntegrationType", "type"), ("IntegrationUri", "uri"), ("IntegrationMethod", "httpMethod"),
                                  ("PayloadFormatVersion", "payloadFormatVersion"), ("RequestParameters", "requestParameters"),
                                  ("TimeoutInMillis", "timeoutInMillis"), ("CredentialsArn", "credentials"), ("IntegrationSubtype", "integrationSubtype"),
                                  ("ConnectionType", "connectionType"), ("ConnectionId", "connectionId"), ("TlsConfig", "tlsConfig")]

    /// An `AWS::ApiGatewayV2::Integration` as `x-amazon-apigateway-integration`.
    private func integration(_ integration: TemplateResource) -> Node {
        let mark = integration.keyNode.mark
        var pairs: [(String, Node)] = []
        for (property, key) in Self.integrationKeys {
            guard let node = integration[property], let value = template.resolved(node) else { continue }
            if key == "type", let text = value.string { pairs.append((key, T.scalar(text.lowercased(), at: value.mark))) }
            else if key == "tlsConfig", case let .mapping(fields) = value {
                pairs.append((key, .mapping(.init(Array(fields).map { (T.scalar($0.key.string == "ServerNameToVerify" ? "serverNameToVerify" : ($0.key.string ?? ""), at: $0.key.mark), $0.value) },
                                                  Tag(.map), .any, value.mark))))
            } else { pairs.append((key, value)) }
        }
        if let node = integration["ResponseParameters"], let value = template.resolved(node) { pairs.append(("responseParameters", responseParameters(value, integration))) }
        if !pairs.contains(where: { $0.0 == "httpMethod" }), pairs.first(where: { $0.0 == "type" })?.1.string == "aws_proxy" {
            pairs.append(("httpMethod", T.scalar("POST", at: mark)))
        }
        return T.mapping(pairs, at: mark)
    }

    /// CloudFormation's `{status: {ResponseParameters: [{Destination, Source}]}}` (or the export's
    /// `{status: {destination: source}}`) as the export writes it.
    private func responseParameters(_ node: Node, _ integration: TemplateResource) -> Node {
        guard case let .mapping(statuses) = node else {
            template.reader.error("\(integration.logicalID) (AWS::ApiGatewayV2::Integration): ResponseParameters must be a mapping of status codes", at: node)
            return node
        }
        var result: [(String, Node)] = []
        for (status, value) in statuses {
            guard let code = status.string else { continue }
            if case let .sequence(items)? = value["ResponseParameters"] {
                var pairs: [(String, Node)] = []
                for item in items {
                    guard let destination = item["Destination"]?.string, let source = item["Source"] else {
                        template.reader.error("\(integration.logicalID) (AWS::ApiGatewayV2::Integration): each ResponseParameters entry needs Destination and Source", at: item)
                        continue
                    }
                    pairs.append((destination, source))
                }
                result.append((code, T.mapping(pairs, at: value.mark)))
            } else {
                result.append((code, value))
            }
        }
        return T.mapping(result, at: node.mark)
    }

    /// `AWS::ApiGatewayV2::Authorizer`s as security schemes; logical id -> scheme name.
    private func readAuthorizers() -> (schemes: [(String, Node)], names: [String: String]) {
        var schemes: [(String, Node)] = []
        var names: [String: String] = [:]
        for authorizer in of("AWS::ApiGatewayV2::Authorizer") {
            template.warnUnread(authorizer, read: ["ApiId", "Name", "AuthorizerType", "IdentitySource", "JwtConfiguration", "AuthorizerUri",
                                                   "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "AuthorizerResultTtlInSeconds",
                                                   "AuthorizerCredentialsArn"], notes: ["IdentityValidationExpression": "a WebSocket authorizer property; ignored"])
            let mark = authorizer.keyNode.mark
            let name = authorizer["Name"].flatMap { template.resolved($0)?.string } ?? authorizer.logicalID
            names[authorizer.logicalID] = name
            let type = authorizer["AuthorizerType"].flatMap { template.string($0, authorizer, "AuthorizerType") }?.lowercased() ?? "request"
            var fields: [(String, Node)] = [("type", T.scalar(type, at: authorizer["AuthorizerType"]?.mark ?? mark))]
            if let node = authorizer["IdentitySource"], let value = template.resolved(node) {
                let texts = value.sequence?.compactMap(\.string) ?? value.string.map { [$0] } ?? []
                fields.append(("identitySource", T.scalar(texts.joined(separator: ", "), at: node.mark)))
            }
            if let node = authorizer["JwtConfiguration"], let value = template.resolved(node), case let .mapping(config) = value {
                var jwt: [(String, Node)] = []
                for (key, item) in config {
                    switch key.string {
                    case "Issuer": jwt.append(("issuer", item))
                    case "Audience": jwt.append(("audience", item))
                    default: template.warning("property JwtConfiguration.\(key.string ?? "") is not read; ignored", authorizer, at: key)
                    }
                }
                fields.append(("jwtConfiguration", T.mapping(jwt, at: node.mark)))
            }
            for (property, key) in [("AuthorizerUri", "authorizerUri"), ("AuthorizerPayloadFormatVersion", "authorizerPayloadFormatVersion"),
                                    ("EnableSimpleResponses", "enableSimpleResponses"), ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
                                    ("AuthorizerCredentialsArn", "authorizerCredentials")] {
                if let node = authorizer[property], let value = template.resolved(node) { fields.append((key, value)) }
            }
            let schemeType: [(String, Node)] = type == "jwt"
                ? [("type", T.scalar("oauth2", at: mark))]
                : [("type", T.scalar("apiKey", at: mark)), ("name", T.scalar("Unused", at: mark)), ("in", T.scalar("header", at: mark))]
            schemes.append((name, T.mapping(schemeType + [("x-amazon-apigateway-authorizer", T.mapping(fields, at: mark))], at: mark)))
        }
        return (schemes, names)
    }
}
