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
    public func finding(_ document: LintDocument, at node: Node?, _ message: String, fix: String) -> LintFinding {
        LintFinding(ruleID: id, severity: severity, file: document.file, line: node?.mark?.line, column: node?.mark?.column,
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
    ]

    public static func rule(id: String) -> (any LintRule)? { rules.first { $0.id == id } }
}

/// Walks the integrations of a document: each OpenAPI operation's `x-amazon-apigateway-integration`, also inside a
/// template's inline `DefinitionBody`/`Body`, and CloudFormation `AWS::ApiGateway::Method` integrations.
enum DefinitionWalk {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method"]

    /// An OpenAPI operation with its integration: `place` is `GET /path` (`... of LogicalId` inside a template).
    struct Operation {
        var place: String
        var operation: Node
        var integration: Node

        /// The integration's `type`, lowercased (`aws`, `aws_proxy`, `http`, `http_proxy`, `mock`).
        var type: String { integration["type"]?.scalar?.string.lowercased() ?? "" }
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
    }

    /// Every operation of an OpenAPI document or of a template's inline definitions that has an integration.
    static func operations(_ document: LintDocument) -> [Operation] {
        switch document.kind {
        case .openAPI:
            return openAPIOperations(document.root, suffix: "")
        case .template:
            return templateDefinitions(document.root).flatMap { openAPIOperations($0.1, suffix: " of \($0.0)") }
        }
    }

    static func openAPIOperations(_ root: Node, suffix: String) -> [Operation] {
        guard let paths = root["paths"], case .mapping(let pathMap) = paths else { return [] }
        var result: [Operation] = []
        for (pathKey, pathItem) in pathMap {
            guard let path = pathKey.scalar?.string, case .mapping(let operations) = pathItem else { continue }
            for (methodKey, operation) in operations {
                guard let method = methodKey.scalar?.string, methods.contains(method.lowercased()),
                      let integration = operation["x-amazon-apigateway-integration"] else { continue }
                let verb = method.lowercased() == "x-amazon-apigateway-any-method" ? "ANY" : method.uppercased()
                result.append(Operation(place: "\(verb) \(path)" + suffix, operation: operation, integration: integration))
            }
        }
        return result
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

    /// Inline OpenAPI bodies of a template's APIs, by logical id.
    static func templateDefinitions(_ root: Node) -> [(String, Node)] {
        guard let resources = root["Resources"], case .mapping(let map) = resources else { return [] }
        var result: [(String, Node)] = []
        for (idNode, resource) in map {
            guard let id = idNode.scalar?.string, let properties = resource["Properties"] else { continue }
            for key in ["DefinitionBody", "Body"] {
                if let body = properties[key], body["paths"] != nil { result.append((id, body)) }
            }
        }
        return result
    }

    /// `AWS::ApiGateway::Method` resources: `(logical id, Integration node)`.
    static func templateMethodIntegrations(_ root: Node) -> [(String, Node)] {
        guard let resources = root["Resources"], case .mapping(let map) = resources else { return [] }
        var result: [(String, Node)] = []
        for (idNode, resource) in map {
            guard let id = idNode.scalar?.string, resource["Type"]?.scalar?.string == "AWS::ApiGateway::Method",
                  let integration = resource["Properties"]?["Integration"] else { continue }
            result.append((id, integration))
        }
        return result
    }
}
