import Foundation
import Gateway
import SourceDiagnostics
import Yams

/// A parsed definition file handed to every rule.
/// Not Sendable: Yams nodes are not; a document lives within one lint call.
public struct LintDocument {
    public enum Kind: String, Sendable {
        /// OpenAPI 3 or Swagger 2.0 with x-amazon-apigateway-* extensions.
        case openAPI
        /// A CloudFormation / SAM template.
        case template
    }

    public var file: String
    public var kind: Kind
    public var root: Node
    /// What the scripted Lambda functions of the suite that led here answer, by function name (empty when the
    /// file was linted on its own).
    public var scriptedLambdas: [String: [ScriptedLambdaAnswer]] = [:]
    /// A template's `AWS::ApiGateway::RestApi` and `AWS::ApiGatewayV2::Api` APIs as the emulator's CloudFormation
    /// reader builds them (inline `Body` or `Resource`/`Method`/`Route` resources, as OpenAPI trees); nil when the
    /// template has none or the reader refused it (`stackProblem`).
    public var stackAPIs: [(logicalID: String, body: Node, isHTTPAPI: Bool)]?
    /// Why the CloudFormation reader could not read the template (its first error).
    public var stackProblem: Diagnostic?
}

/// One scripted answer (`returns:`/`returnsRaw:`) of a Lambda function in a suite's backends, and where it is.
public struct ScriptedLambdaAnswer: Sendable, Hashable {
    public enum Shape: String, Sendable, Hashable {
        /// A JSON string, number, boolean, array or null: not the `{statusCode, ...}` object.
        case bareValue
        /// A JSON object without `statusCode`.
        case objectWithoutStatusCode
        /// A JSON object with `statusCode`.
        case proxyResponse
    }

    public var shape: Shape
    public var file: String
    public var line: Int?

    public var location: String { line.map { "\(file):\($0)" } ?? file }
}

/// A static check of an API definition. Rules are stateless values registered in ``LintRegistry``.
public protocol LintRule: Sendable {
    /// Stable id, kebab-case; what findings carry and what `x-gatecheck-lint: { disable: [...] }` names.
    var id: String { get }
    var severity: LintSeverity { get }
    /// One line: what the rule checks.
    var summary: String { get }
    func check(_ document: LintDocument) -> [LintFinding]
}

extension LintRule {
    /// A finding of this rule at `node`.
    public func finding(_ document: LintDocument, at node: Node?, _ message: String, fix: String,
                        severity: LintSeverity? = nil) -> LintFinding {
        LintFinding(ruleID: id, severity: severity ?? self.severity, file: document.file, line: node?.mark?.line, column: node?.mark?.column,
                    message: message, fix: fix)
    }
}

/// Every rule gatecheck knows, in the order findings are reported.
public enum LintRegistry {
    public static let rules: [any LintRule] = [
        IntegrationResponseStatusCollision(),
        IntegrationResponseWithoutMethodResponse(),
        ProxyIntegrationResponsesIgnored(),
        SelectionPatternCapturesSuccess(),
        LiteralLambdaSelectionPattern(),
        InvalidSelectionPattern(),
        SelectionPatternMatchesNoStatus(),
        NoDefaultIntegrationResponse(),
        MethodResponseNeverProduced(),
        ResponseOverrideUndeclaredStatus(),
        UndeclaredMethodRequestParameter(),
        UndeclaredTemplateParameter(),
        ReservedIntegrationRequestHeader(),
        RemappedMethodResponseHeader(),
        HTTPAPIReservedHeaderMapping(),
        MissingIntegration(),
        GreedyPathVariableNotLast(),
        PathParameterNameClash(),
        GreedyResourceServesMissingMethod(),
        PayloadV1ReplyWithoutStatusCode(),
        LambdaIntegrationMethodNotPost(),
        PassthroughNeverRejectsRequests(),
        RequiredParameterNotValidated(),
        UnknownRequestValidator(),
        UndeclaredMethodResponseHeader(),
        TemplateNotRead(),
    ]

    public static func rule(id: String) -> (any LintRule)? { rules.first { $0.id == id } }
}

/// Walks the integrations of a document: each OpenAPI operation's `x-amazon-apigateway-integration`, also inside a
/// template's inline `DefinitionBody`/`Body`, and CloudFormation `AWS::ApiGateway::Method` integrations.
enum DefinitionWalk {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method"]

    /// An OpenAPI operation, with its integration when it has one: `place` is `GET /path` (`... of LogicalId`
    /// inside a template).
    struct Endpoint {
        var place: String
        /// The path as written (`/items/{id}`) and the verb (`GET`, `ANY`).
        var path: String
        var verb: String
        /// The method key (`get:`), where a finding about the whole operation points.
        var methodKey: Node
        var operation: Node
        var pathItem: Node
        var integration: Node?
        /// The document is (or the template resource is) an HTTP API rather than a REST API.
        var isHTTPAPI: Bool
        /// The OpenAPI document the operation is in (where `$ref`s resolve).
        var definition: Node

        /// The request parameters the method declares (the operation's and its path item's `parameters`, `$ref`s
        /// to `#/components/parameters/...` or `#/parameters/...` resolved), plus the path template's `{names}`:
        /// `(in, name)` with `in` one of `path`, `query`, `header`, `cookie`, `body`, `formData`.
        var declaredParameters: [(location: String, name: String)] {
            parameters.compactMap { entry in
                guard let location = entry.parameter["in"]?.scalar?.string, let name = entry.parameter["name"]?.scalar?.string else { return nil }
                return (location, name)
            } + DefinitionWalk.pathParameterNames(path).map { ("path", $0.name) }
        }

        /// The path item's, then the operation's `parameters` entries: each as written (`item`, where findings
        /// point) and with a local `$ref` resolved (`parameter`).
        var parameters: [(item: Node, parameter: Node)] {
            var result: [(Node, Node)] = []
            for list in [pathItem["parameters"], operation["parameters"]] {
                guard case .sequence(let items)? = list else { continue }
                for item in items {
                    result.append((item, item["$ref"]?.scalar.flatMap { DefinitionWalk.resolve($0.string, in: definition) } ?? item))
                }
            }
            return result
        }
    }

    /// `{name}` and `{name+}` segments of a path, in order.
    static func pathParameterNames(_ path: String) -> [(name: String, greedy: Bool, segment: Int)] {
        path.split(separator: "/", omittingEmptySubsequences: true).enumerated().compactMap { index, segment in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
            var name = String(segment.dropFirst().dropLast())
            let greedy = name.hasSuffix("+")
            if greedy { name.removeLast() }
            return (name, greedy, index)
        }
    }

    /// A local JSON pointer (`#/components/parameters/Id`) inside `root`.
    static func resolve(_ reference: String, in root: Node) -> Node? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Node? = root
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = node?[key]
        }
        return node
    }

    /// An OpenAPI operation with its integration: `place` is `GET /path` (`... of LogicalId` inside a template).
    struct Operation {
        var endpoint: Endpoint
        var integration: Node

        var place: String { endpoint.place }
        var operation: Node { endpoint.operation }
        var isHTTPAPI: Bool { endpoint.isHTTPAPI }

        /// The integration's `type`, lowercased (`aws`, `aws_proxy`, `http`, `http_proxy`, `mock`).
        var type: String { integration["type"]?.scalar?.string.lowercased() ?? "" }
        var isProxy: Bool { type.hasSuffix("_proxy") }
        /// A Lambda non-proxy integration (type `aws`, a `:lambda:path/` invocation URI): patterns match `errorMessage`.
        var isLambdaNonProxy: Bool {
            type == "aws" && (integration["uri"].map(DefinitionWalk.text) ?? "").contains(":lambda:path/")
        }
        /// `(selection pattern, key node, status)` of each integration response, in document order.
        var responses: [(pattern: String, node: Node, status: String?)] {
            guard let responses = integration["responses"], case .mapping(let map) = responses else { return [] }
            return map.compactMap { key, value in
                key.scalar.map { ($0.string, key, value["statusCode"]?.scalar?.string) }
            }
        }
        /// The status codes the method declares a response for (`responses:` keys).
        var declaredStatuses: Set<String> {
            guard case .mapping(let declared)? = operation["responses"] else { return [] }
            return Set(declared.keys.compactMap { $0.scalar?.string })
        }
        /// Every mapping template of the integration: request templates, then each integration response's.
        var templates: [(contentType: String, node: Node, text: String)] {
            var result: [(String, Node, String)] = []
            func collect(_ templates: Node?) {
                guard case .mapping(let map)? = templates else { return }
                for (key, value) in map { if let text = value.scalar?.string { result.append((key.scalar?.string ?? "", value, text)) } }
            }
            collect(integration["requestTemplates"])
            if case .mapping(let map)? = integration["responses"] {
                for (_, response) in map { collect(response["responseTemplates"]) }
            }
            return result
        }
    }

    /// Every operation of an OpenAPI document or of a template's inline definitions, with or without an integration.
    static func endpoints(_ document: LintDocument) -> [Endpoint] {
        switch document.kind {
        case .openAPI:
            return openAPIEndpoints(document.root, suffix: "", isHTTPAPI: HTTPAPIDocumentScan(document.root).kind == .httpAPI)
        case .template:
            return templateDefinitions(document).flatMap { openAPIEndpoints($0.body, suffix: " of \($0.logicalID)", isHTTPAPI: $0.isHTTPAPI) }
        }
    }

    /// Every operation of an OpenAPI document or of a template's inline definitions that has an integration.
    static func operations(_ document: LintDocument) -> [Operation] {
        endpoints(document).compactMap { endpoint in endpoint.integration.map { Operation(endpoint: endpoint, integration: $0) } }
    }

    static func openAPIEndpoints(_ root: Node, suffix: String, isHTTPAPI: Bool) -> [Endpoint] {
        guard let paths = root["paths"], case .mapping(let pathMap) = paths else { return [] }
        var result: [Endpoint] = []
        for (pathKey, pathItem) in pathMap {
            guard let path = pathKey.scalar?.string, case .mapping(let operations) = pathItem else { continue }
            for (methodKey, operation) in operations {
                guard let method = methodKey.scalar?.string, methods.contains(method.lowercased()) else { continue }
                let verb = method.lowercased() == "x-amazon-apigateway-any-method" ? "ANY" : method.uppercased()
                result.append(Endpoint(place: "\(verb) \(path)" + suffix, path: path, verb: verb, methodKey: methodKey,
                                       operation: operation, pathItem: pathItem,
                                       integration: operation["x-amazon-apigateway-integration"], isHTTPAPI: isHTTPAPI,
                                       definition: root))
            }
        }
        return result
    }

    /// The paths of an OpenAPI document or of each inline template definition, grouped per API: `(suffix, isHTTPAPI, [(path, key node)])`.
    static func pathGroups(_ document: LintDocument) -> [(suffix: String, isHTTPAPI: Bool, paths: [(path: String, node: Node)])] {
        func paths(_ root: Node) -> [(String, Node)] {
            guard case .mapping(let map)? = root["paths"] else { return [] }
            return map.compactMap { key, _ in key.scalar.map { ($0.string, key) } }
        }
        switch document.kind {
        case .openAPI:
            return [("", HTTPAPIDocumentScan(document.root).kind == .httpAPI, paths(document.root))]
        case .template:
            return templateDefinitions(document).map { (" of \($0.logicalID)", $0.isHTTPAPI, paths($0.body)) }
        }
    }

    /// A scalar's text, or the joined scalars of an `Fn::Sub`/`!Sub` or `Fn::Join` value (enough to read an ARN's shape).
    static func text(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .mapping(let map): return map.map { text($0.value) }.joined(separator: " ")
        case .sequence(let items): return items.map(text).joined(separator: " ")
        case .alias: return ""
        }
    }

    /// A template's APIs as OpenAPI trees, by logical id: SAM's `AWS::Serverless::Api`/`HttpApi` inline
    /// `DefinitionBody`, and the RestApi/ApiGatewayV2 APIs as the CloudFormation reader builds them (``LintDocument/stackAPIs``;
    /// their raw inline `Body` when the reader refused the template).
    static func templateDefinitions(_ document: LintDocument) -> [(logicalID: String, body: Node, isHTTPAPI: Bool)] {
        guard let resources = document.root["Resources"], case .mapping(let map) = resources else { return [] }
        var result: [(String, Node, Bool)] = []
        for (idNode, resource) in map {
            guard let id = idNode.scalar?.string, let properties = resource["Properties"] else { continue }
            let type = resource["Type"]?.scalar?.string ?? ""
            let isSAM = type.hasPrefix("AWS::Serverless::")
            guard isSAM || document.stackAPIs == nil else { continue }
            let isHTTPAPI = type == "AWS::Serverless::HttpApi" || type == "AWS::ApiGatewayV2::Api"
            for key in ["DefinitionBody", "Body"] {
                if let body = properties[key], body["paths"] != nil { result.append((id, body, isHTTPAPI)) }
            }
        }
        return result + (document.stackAPIs ?? [])
    }

    /// The stack APIs of a template, read by the emulator's CloudFormation reader when it has RestApi or
    /// ApiGatewayV2 resources: `(apis, nil)`, `(nil, the reader's first error)`, or `(nil, nil)` when there are none.
    static func stackAPIs(_ root: Node, text: String, file: String) -> ([(logicalID: String, body: Node, isHTTPAPI: Bool)]?, Diagnostic?) {
        guard case .mapping(let resources)? = root["Resources"],
              resources.values.contains(where: { ["AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"].contains($0["Type"]?.scalar?.string ?? "") })
        else { return (nil, nil) }
        do {
            let stack = try CloudFormationStack.load(text: text, file: file, directory: URL(fileURLWithPath: file).deletingLastPathComponent().path)
            return (stack.apis.compactMap { api in
                guard api.kind != .websocket, let tree = api.openAPITree else { return nil }
                return (api.logicalID, tree, api.kind == .http)
            }, nil)
        } catch {
            return (nil, error.diagnostics.first { $0.severity == .error } ?? error.diagnostics.first)
        }
    }
}
