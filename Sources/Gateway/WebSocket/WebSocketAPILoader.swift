import Foundation
import SourceDiagnostics
import Yams

/// The WebSocket APIs of one CloudFormation/SAM template, with the warnings found reading it.
public struct WebSocketTemplate: Sendable, LoadedDefinition {
    public var apis: [WebSocketAPIDefinition]
    public var diagnostics: [Diagnostic]
}

/// Reads the `AWS::ApiGatewayV2::*` resources of a template that make up WebSocket APIs (`Api` with
/// `ProtocolType: WEBSOCKET`, `Route`, `Integration`, `RouteResponse`, `IntegrationResponse`, `Stage`,
/// `Authorizer`, `Deployment`). Intrinsics are resolved first by the one `IntrinsicResolver`; `Ref` of an
/// `ApiGatewayV2` resource is its id (the Api's `apiID`, the logical id for the others), as CloudFormation's `Ref`
/// returns the resource id. Every property the emulator does not act on is a warning with file, line and column.
public enum WebSocketAPILoader {
    /// Loads the WebSocket APIs of the template at `path`. Throws the diagnostics when the file cannot be read or
    /// holds errors; an HTTP/REST-only template gives an empty list.
    public static func load(templatePath path: String, displayName: String? = nil,
                            parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> WebSocketTemplate {
        try DefinitionDocument.loadFile(path: path, displayName: displayName) { (text, file) throws(DiagnosticsError) in
            try load(text: text, file: file, parameters: parameters)
        }
    }

    /// Loads the WebSocket APIs of a template's text (`file` names it in messages).
    public static func load(text: String, file: String, parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> WebSocketTemplate {
        let root = try DefinitionDocument.root(of: text, file: file, emptyMessage: "the template is empty")
        var withIDs = parameters
        for (logical, id) in resourceIDs(in: root) where withIDs.values[logical] == nil { withIDs.values[logical] = id }
        return try DefinitionDocument.compile(text: text, file: file, emptyMessage: "the template is empty", parameters: withIDs) { tree, reader in
            WebSocketTemplate(apis: read(template: tree, reader: reader), diagnostics: [])
        }
    }

    /// The id `Ref` gives each `AWS::ApiGatewayV2::*` resource of the (unresolved) template.
    static func resourceIDs(in root: Node) -> [(String, String)] {
        guard case let .mapping(top)? = root["Resources"] else { return [] }
        var ids: [(String, String)] = []
        for (key, value) in top {
            guard let logical = key.scalar?.string, let type = value["Type"]?.scalar?.string,
                  type.hasPrefix("AWS::ApiGatewayV2::") else { continue }
            ids.append((logical, type == "AWS::ApiGatewayV2::Api" ? apiID(forLogicalID: logical) : logical))
        }
        return ids
    }

    /// A stable, API-id-shaped id (10 lower-case letters and digits) for an Api's logical id.
    public static func apiID(forLogicalID logical: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in logical.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<10).map { index in alphabet[Int((hash >> UInt64(index * 6)) % 36)] })
    }

    // MARK: - Reading resources

    private struct Resource {
        var logicalID: String
        var node: Node
        var properties: YAMLMapping
    }

    /// Reads every WebSocket API of a template whose intrinsics are resolved. Usable by any reader of a template's
    /// node tree (the CloudFormation reader hands its `Resources` here).
    static func read(template root: Node, reader: YAMLReader) -> [WebSocketAPIDefinition] {
        guard let resourcesNode = root["Resources"], let resources = reader.mapping(resourcesNode, "Resources") else { return [] }
        var byType: [String: [Resource]] = [:]
        for entry in resources.entries {
            guard let fields = reader.mapping(entry.value, entry.key), let type = fields["Type"]?.scalar?.string,
                  type.hasPrefix("AWS::ApiGatewayV2::") else { continue }
            let propertiesNode = fields["Properties"] ?? Node.mapping(Node.Mapping([]))
            guard let properties = reader.mapping(propertiesNode, "\(entry.key).Properties") else { continue }
            byType[type, default: []].append(Resource(logicalID: entry.key, node: entry.value, properties: properties))
        }
        var apis: [WebSocketAPIDefinition] = []
        for api in byType["AWS::ApiGatewayV2::Api"] ?? [] {
            guard api.properties["ProtocolType"]?.scalar?.string == "WEBSOCKET" else { continue }
            apis.append(readAPI(api, byType: byType, reader: reader))
        }
        return apis
    }

    private static func belongs(_ resource: Resource, to apiID: String) -> Bool {
        resource.properties["ApiId"]?.scalar?.string == apiID
    }

    private static func warnUnread(_ resource: Resource, read: [String], ignored: [String] = [], reader: YAMLReader) {
        for entry in resource.properties.entries where !read.contains(entry.key) && !ignored.contains(entry.key) {
            reader.warning("\(resource.logicalID).\(entry.key) is not emulated (WebSocket APIs): the emulator ignores it", at: entry.keyNode)
        }
    }

    private static func readAPI(_ api: Resource, byType: [String: [Resource]], reader: YAMLReader) -> WebSocketAPIDefinition {
        let id = apiID(forLogicalID: api.logicalID)
        let properties = api.properties
        warnUnread(api, read: ["Name", "ProtocolType", "RouteSelectionExpression", "ApiKeySelectionExpression"],
                   ignored: ["Description", "Tags", "Version", "DisableSchemaValidation"], reader: reader)
        let name = properties["Name"].flatMap { reader.string($0, "\(api.logicalID).Name") } ?? api.logicalID
        var selection = "$request.body.action"
        if let node = reader.require(properties, "RouteSelectionExpression", "\(api.logicalID).Properties"),
           let text = reader.string(node, "RouteSelectionExpression") {
            selection = text
            if WebSocketSelection.bodyPath(of: text) == nil && !text.hasPrefix("$request.header.") {
                reader.warning("RouteSelectionExpression '\(text)' is not a $request.body.* expression: every message goes to $default", at: node)
            }
        }
        let apiKeySelection = properties["ApiKeySelectionExpression"].flatMap { reader.string($0, "ApiKeySelectionExpression") }

        var integrations: [String: WebSocketIntegration] = [:]
        let integrationResponses = (byType["AWS::ApiGatewayV2::IntegrationResponse"] ?? []).filter { belongs($0, to: id) }
        for resource in (byType["AWS::ApiGatewayV2::Integration"] ?? []) where belongs(resource, to: id) {
            if let integration = readIntegration(resource, responses: integrationResponses, reader: reader) {
                integrations[resource.logicalID] = integration
            }
        }
        var authorizers: [String: WebSocketAuthorizer] = [:]
        for resource in (byType["AWS::ApiGatewayV2::Authorizer"] ?? []) where belongs(resource, to: id) {
            if let authorizer = readAuthorizer(resource, reader: reader) { authorizers[resource.logicalID] = authorizer }
        }
        let routeResponses = (byType["AWS::ApiGatewayV2::RouteResponse"] ?? []).filter { belongs($0, to: id) }
        for response in routeResponses {
            warnUnread(response, read: ["ApiId", "RouteId", "RouteResponseKey"], ignored: ["ModelSelectionExpression", "ResponseModels"], reader: reader)
            if let key = response.properties["RouteResponseKey"]?.scalar?.string, key != "$default" {
                reader.warning("\(response.logicalID).RouteResponseKey '\(key)': WebSocket APIs only use $default route responses", at: response.properties.keyNode("RouteResponseKey"))
            }
        }
        var routes: [String: WebSocketRoute] = [:]
        for resource in (byType["AWS::ApiGatewayV2::Route"] ?? []) where belongs(resource, to: id) {
            guard let route = readRoute(resource, integrations: integrations, authorizers: authorizers,
                                        routeResponses: routeResponses, reader: reader) else { continue }
            if routes[route.key] != nil {
                reader.error("route key '\(route.key)' is declared twice", at: resource.node)
            }
            routes[route.key] = route
        }
        var stages: [WebSocketStage] = []
        for resource in (byType["AWS::ApiGatewayV2::Stage"] ?? []) where belongs(resource, to: id) {
            warnUnread(resource, read: ["ApiId", "StageName", "StageVariables"],
                       ignored: ["AutoDeploy", "DeploymentId", "Description", "Tags"], reader: reader)
            guard let nameNode = reader.require(resource.properties, "StageName", "\(resource.logicalID).Properties"),
                  let stageName = reader.string(nameNode, "StageName") else { continue }
            var variables: [String: String] = [:]
            if let node = resource.properties["StageVariables"], let pairs = reader.stringPairs(node, "StageVariables") {
                for (key, value, _) in pairs { variables[key] = value }
            }
            stages.append(WebSocketStage(name: stageName, variables: variables))
        }
        for resource in (byType["AWS::ApiGatewayV2::Deployment"] ?? []) where belongs(resource, to: id) {
            warnUnread(resource, read: ["ApiId", "StageName"], ignored: ["Description"], reader: reader)
            if let stageName = resource.properties["StageName"]?.scalar?.string, !stages.contains(where: { $0.name == stageName }) {
                stages.append(WebSocketStage(name: stageName))
            }
        }
        if stages.isEmpty {
            reader.warning("WebSocket API \(api.logicalID) has no AWS::ApiGatewayV2::Stage: the emulator serves it under the stage 'prod'", at: api.node)
            stages.append(WebSocketStage(name: "prod"))
        }
        return WebSocketAPIDefinition(logicalID: api.logicalID, name: name, apiID: id, routeSelectionExpression: selection,
                                      apiKeySelectionExpression: apiKeySelection, routes: routes, stages: stages, diagnostics: [])
    }

    private static func readRoute(_ resource: Resource, integrations: [String: WebSocketIntegration],
                                  authorizers: [String: WebSocketAuthorizer], routeResponses: [Resource],
                                  reader: YAMLReader) -> WebSocketRoute? {
        let properties = resource.properties
        warnUnread(resource, read: ["ApiId", "RouteKey", "Target", "AuthorizationType", "AuthorizerId",
                                    "RouteResponseSelectionExpression", "ApiKeyRequired"],
                   ignored: ["OperationName", "ModelSelectionExpression", "RequestModels"], reader: reader)
        guard let keyNode = reader.require(properties, "RouteKey", "\(resource.logicalID).Properties"),
              let key = reader.string(keyNode, "RouteKey") else { return nil }
        var integration: WebSocketIntegration?
        if let targetNode = properties["Target"], let target = reader.string(targetNode, "Target") {
            let integrationID = target.hasPrefix("integrations/") ? String(target.dropFirst("integrations/".count)) : target
            integration = integrations[integrationID]
            if integration == nil {
                reader.error("\(resource.logicalID).Target '\(target)' names no AWS::ApiGatewayV2::Integration of this API (write integrations/{IntegrationId})", at: targetNode)
            }
        } else {
            reader.warning("route '\(key)' has no Target: a message it selects gets an error frame", at: resource.node)
        }
        var authorizer: WebSocketAuthorizer?
        var requiresIAM = false
        switch properties["AuthorizationType"]?.scalar?.string ?? "NONE" {
        case "NONE": break
        case "AWS_IAM": requiresIAM = true
        case "CUSTOM":
            if let node = properties["AuthorizerId"], let id = reader.string(node, "AuthorizerId") {
                authorizer = authorizers[id]
                if authorizer == nil { reader.error("\(resource.logicalID).AuthorizerId '\(id)' names no REQUEST authorizer of this API", at: node) }
            } else {
                reader.error("\(resource.logicalID): AuthorizationType CUSTOM needs an AuthorizerId", at: resource.node)
            }
        case let other:
            reader.error("\(resource.logicalID).AuthorizationType '\(other)' is not one of NONE, AWS_IAM, CUSTOM", at: properties["AuthorizationType"])
        }
        if (authorizer != nil || requiresIAM) && key != "$connect" {
            reader.error("\(resource.logicalID): WebSocket APIs authorize on $connect only; AuthorizationType must be NONE for route '\(key)'", at: properties.keyNode("AuthorizationType"))
        }
        let apiKeyRequired = properties["ApiKeyRequired"].flatMap { reader.bool($0, "ApiKeyRequired") } ?? false
        let twoWay = routeResponses.contains { $0.properties["RouteId"]?.scalar?.string == resource.logicalID }
        return WebSocketRoute(key: key, integration: integration, isTwoWay: twoWay,
                              routeResponseSelectionExpression: properties["RouteResponseSelectionExpression"]?.scalar?.string,
                              authorizer: authorizer, requiresIAM: requiresIAM, apiKeyRequired: apiKeyRequired)
    }

    private static func templates(_ node: Node?, owner: String, reader: YAMLReader) -> [String: GatewayTemplate] {
        guard let node, let pairs = reader.stringPairs(node, "\(owner) templates") else { return [:] }
        var result: [String: GatewayTemplate] = [:]
        for (key, source, at) in pairs {
            do {
                result[key] = try GatewayTemplate(source: source, name: "\(owner) \(key)")
            } catch {
                reader.error("\(owner) template '\(key)', line \(error.line), column \(error.column): \(error.message)", at: at)
            }
        }
        return result
    }

    private static func readIntegration(_ resource: Resource, responses: [Resource], reader: YAMLReader) -> WebSocketIntegration? {
        let properties = resource.properties
        warnUnread(resource, read: ["ApiId", "IntegrationType", "IntegrationUri", "IntegrationMethod", "RequestTemplates",
                                    "TemplateSelectionExpression", "TimeoutInMillis"],
                   ignored: ["Description", "CredentialsArn", "PassthroughBehavior", "PayloadFormatVersion"], reader: reader)
        guard let typeNode = reader.require(properties, "IntegrationType", "\(resource.logicalID).Properties"),
              let type = reader.string(typeNode, "IntegrationType") else { return nil }
        let uri = properties["IntegrationUri"]?.scalar?.string
        func lambdaReference() -> LambdaFunctionReference? {
            guard let uri, let reference = LambdaFunctionReference.parse(functionOrInvocationARN: uri) else {
                reader.error("\(resource.logicalID).IntegrationUri must be a Lambda function ARN or invocation URI for \(type)", at: properties["IntegrationUri"] ?? resource.node)
                return nil
            }
            return reference
        }
        let kind: WebSocketIntegration.Kind
        switch type {
        case "AWS_PROXY":
            guard let reference = lambdaReference() else { return nil }
            kind = .lambdaProxy(reference)
        case "AWS":
            guard let reference = lambdaReference() else {
                return nil
            }
            kind = .lambda(reference)
        case "HTTP", "HTTP_PROXY":
            guard let uri else {
                reader.error("\(resource.logicalID).IntegrationUri is required for \(type)", at: resource.node)
                return nil
            }
            kind = .http(url: uri, method: properties["IntegrationMethod"]?.scalar?.string ?? "POST", proxy: type == "HTTP_PROXY")
        case "MOCK":
            kind = .mock
        default:
            reader.error("\(resource.logicalID).IntegrationType '\(type)' is not one of AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK", at: typeNode)
            return nil
        }
        var timeout = 29_000
        if let node = properties["TimeoutInMillis"], let value = reader.int(node, "TimeoutInMillis") {
            if (50...29_000).contains(value) { timeout = value } else {
                reader.error("\(resource.logicalID).TimeoutInMillis must be between 50 and 29000", at: node)
            }
        }
        var integrationResponses: [WebSocketIntegrationResponse] = []
        for response in responses where response.properties["IntegrationId"]?.scalar?.string == resource.logicalID {
            warnUnread(response, read: ["ApiId", "IntegrationId", "IntegrationResponseKey", "ResponseTemplates", "TemplateSelectionExpression"],
                       ignored: ["ContentHandlingStrategy", "ResponseParameters"], reader: reader)
            guard let keyNode = reader.require(response.properties, "IntegrationResponseKey", "\(response.logicalID).Properties"),
                  let key = reader.string(keyNode, "IntegrationResponseKey") else { continue }
            integrationResponses.append(WebSocketIntegrationResponse(
                key: key, templates: templates(response.properties["ResponseTemplates"], owner: response.logicalID, reader: reader),
                templateSelectionExpression: response.properties["TemplateSelectionExpression"]?.scalar?.string))
        }
        return WebSocketIntegration(id: resource.logicalID, kind: kind,
                                    requestTemplates: templates(properties["RequestTemplates"], owner: resource.logicalID, reader: reader),
                                    templateSelectionExpression: properties["TemplateSelectionExpression"]?.scalar?.string,
                                    responses: integrationResponses, timeoutMilliseconds: timeout)
    }

    private static func readAuthorizer(_ resource: Resource, reader: YAMLReader) -> WebSocketAuthorizer? {
        let properties = resource.properties
        warnUnread(resource, read: ["ApiId", "AuthorizerType", "AuthorizerUri", "IdentitySource", "Name"],
                   ignored: ["AuthorizerCredentialsArn"], reader: reader)
        guard properties["AuthorizerType"]?.scalar?.string == "REQUEST" else {
            reader.error("\(resource.logicalID).AuthorizerType must be REQUEST for a WebSocket API", at: properties["AuthorizerType"] ?? resource.node)
            return nil
        }
        guard let uriNode = reader.require(properties, "AuthorizerUri", "\(resource.logicalID).Properties"),
              let uri = reader.string(uriNode, "AuthorizerUri"),
              let function = LambdaFunctionReference.parse(functionOrInvocationARN: uri) else {
            reader.error("\(resource.logicalID).AuthorizerUri must be a Lambda invocation URI", at: properties["AuthorizerUri"] ?? resource.node)
            return nil
        }
        var sources: [IdentitySource] = []
        for item in properties["IdentitySource"].flatMap({ reader.stringList($0, "IdentitySource") }) ?? [] {
            // WebSocket APIs write `route.request.header.X` / `route.request.querystring.X`.
            let text = item.hasPrefix("route.request.") ? "method.request." + item.dropFirst("route.request.".count) : item
            if let source = IdentitySource.parseREST(text) { sources.append(source) } else {
                reader.error("\(resource.logicalID).IdentitySource '\(item)' is not route.request.header.X, route.request.querystring.X, stageVariables.X or context.X", at: properties["IdentitySource"])
            }
        }
        let name = properties["Name"]?.scalar?.string ?? resource.logicalID
        return WebSocketAuthorizer(authorizer: LambdaAuthorizer(name: name, kind: .request, function: function, identitySources: sources,
                                                                validationExpression: nil, resultTTLSeconds: 0, payloadFormatVersion: nil,
                                                                responseFormat: .iamPolicy))
    }
}
