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
    ]

    public static func rule(id: String) -> (any LintRule)? { rules.first { $0.id == id } }
}

/// Walks the integrations of a document: each OpenAPI operation's `x-amazon-apigateway-integration`, also inside a
/// template's inline `DefinitionBody`/`Body`, and CloudFormation `AWS::ApiGateway::Method` integrations.
enum DefinitionWalk {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method"]

    /// `(where, integration mapping node)` for every OpenAPI operation; `where` is `GET /path`.
    static func openAPIIntegrations(_ root: Node) -> [(String, Node)] {
        guard let paths = root["paths"], case .mapping(let pathMap) = paths else { return [] }
        var result: [(String, Node)] = []
        for (pathKey, pathItem) in pathMap {
            guard let path = pathKey.scalar?.string, case .mapping(let operations) = pathItem else { continue }
            for (methodKey, operation) in operations {
                guard let method = methodKey.scalar?.string, methods.contains(method.lowercased()),
                      let integration = operation["x-amazon-apigateway-integration"] else { continue }
                let verb = method.lowercased() == "x-amazon-apigateway-any-method" ? "ANY" : method.uppercased()
                result.append(("\(verb) \(path)", integration))
            }
        }
        return result
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
