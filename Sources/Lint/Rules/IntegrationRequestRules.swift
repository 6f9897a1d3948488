import Foundation
import Yams

/// A Lambda integration (AWS or AWS_PROXY, a `:lambda:path/` URI) whose `httpMethod` is not POST. Lambda's Invoke
/// API is a POST: API Gateway answers every request with `500 {"message": "Internal server error"}` (even with an
/// INTEGRATION_FAILURE gateway response, whose default is 504).
struct LambdaIntegrationMethodNotPost: LintRule {
    let id = "lambda-integration-method-not-post"
    let severity = LintSeverity.error
    let summary = "a Lambda integration whose httpMethod is not POST: every request gets 500"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI && ($0.type == "aws" || $0.type == "aws_proxy") }.compactMap { operation in
            guard (operation.integration["uri"].map(DefinitionWalk.text) ?? "").contains(":lambda:path/"),
                  let node = operation.integration["httpMethod"], let method = node.scalar?.string, method.uppercased() != "POST" else { return nil }
            return finding(document, at: node,
                "the Lambda integration of \(operation.place) uses httpMethod \(method), but Lambda is invoked with POST: every request gets 500 Internal server error",
                fix: "set the integration's httpMethod to POST (the client's method is separate)")
        }
    }
}

/// `passthroughBehavior: never` without a request template for what clients send. A request whose Content-Type has
/// no template gets `415 Unsupported Media Type`; with no templates at all that is every request, and without an
/// `application/json` template every request that sends no Content-Type (API Gateway takes it as application/json).
struct PassthroughNeverRejectsRequests: LintRule {
    let id = "passthrough-never-rejects-requests"
    let severity = LintSeverity.warning
    let summary = "passthroughBehavior never without a request template for every request (none at all: error) or for application/json: those requests get 415"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI && !$0.isProxy }.compactMap { operation in
            guard let node = operation.integration["passthroughBehavior"], node.scalar?.string.lowercased() == "never" else { return nil }
            let contentTypes: [String]
            if case .mapping(let map)? = operation.integration["requestTemplates"] {
                contentTypes = map.keys.compactMap { $0.scalar?.string.lowercased() }
            } else {
                contentTypes = []
            }
            if contentTypes.isEmpty {
                return finding(document, at: node,
                    "\(operation.place) has passthroughBehavior never and no request template, so every request gets 415 Unsupported Media Type",
                    fix: "add a request template (application/json), or use when_no_match", severity: .error)
            }
            guard !contentTypes.contains("application/json") else { return nil }
            return finding(document, at: node,
                "\(operation.place) has passthroughBehavior never and no application/json template: a request without Content-Type (read as application/json) gets 415 Unsupported Media Type",
                fix: "add an application/json request template, or use when_no_match")
        }
    }
}

/// Request validation: `required` parameters or a required body on a method no request validator checks (API
/// Gateway enforces nothing without one), and a validator name the definition does not define.
struct RequiredParameterNotValidated: LintRule {
    let id = "required-parameter-not-validated"
    let severity = LintSeverity.warning
    let summary = "required parameters on a REST method without a request validator: API Gateway does not enforce them"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.endpoints(document).filter { !$0.isHTTPAPI && $0.integration != nil }.compactMap { endpoint in
            let validator = endpoint.operation["x-amazon-apigateway-request-validator"]?.scalar?.string
                ?? endpoint.definition["x-amazon-apigateway-request-validator"]?.scalar?.string
            let checksParameters = validator.map { RequestValidators.validatesParameters($0, in: endpoint.definition) } ?? false
            guard !checksParameters else { return nil }
            let required: [(String, Node)] = endpoint.parameters.compactMap { item, parameter in
                guard let location = parameter["in"]?.scalar?.string, location == "query" || location == "header",
                      parameter["required"]?.bool == true, let name = parameter["name"]?.scalar?.string else { return nil }
                return ("\(name) (\(location))", item)
            }
            guard let first = required.first else { return nil }
            return finding(document, at: first.1,
                "\(endpoint.place) marks \(required.map(\.0).joined(separator: ", ")) required, but \(validator.map { "its request validator '\($0)' does not validate parameters" } ?? "no request validator is attached"), so API Gateway passes requests without \(required.count == 1 ? "it" : "them") on instead of answering 400",
                fix: "attach a validator with validateRequestParameters: true (x-amazon-apigateway-request-validator), or drop required if the backend handles it")
        }
    }
}

/// A request validator name (`x-amazon-apigateway-request-validator`, on an operation or at the top) that
/// `x-amazon-apigateway-request-validators` does not define: the import fails.
struct UnknownRequestValidator: LintRule {
    let id = "unknown-request-validator"
    let severity = LintSeverity.error
    let summary = "x-amazon-apigateway-request-validator names a validator x-amazon-apigateway-request-validators does not define"

    func check(_ document: LintDocument) -> [LintFinding] {
        var findings: [LintFinding] = []
        var definitions: [(Node, String)] = []
        switch document.kind {
        case .openAPI: definitions = [(document.root, "")]
        case .template: definitions = DefinitionWalk.templateDefinitions(document).map { ($0.body, " of \($0.logicalID)") }
        }
        for (definition, suffix) in definitions {
            if let node = definition["x-amazon-apigateway-request-validator"], let name = node.scalar?.string,
               !RequestValidators.defines(name, in: definition) {
                findings.append(unknown(document, node, name, "the API's default" + suffix, definition))
            }
        }
        for endpoint in DefinitionWalk.endpoints(document) where !endpoint.isHTTPAPI {
            if let node = endpoint.operation["x-amazon-apigateway-request-validator"], let name = node.scalar?.string,
               !RequestValidators.defines(name, in: endpoint.definition) {
                findings.append(unknown(document, node, name, endpoint.place, endpoint.definition))
            }
        }
        return findings
    }

    func unknown(_ document: LintDocument, _ node: Node, _ name: String, _ place: String, _ definition: Node) -> LintFinding {
        let known = RequestValidators.names(in: definition)
        return finding(document, at: node,
            "request validator '\(name)' of \(place) is not defined under x-amazon-apigateway-request-validators; API Gateway's import fails",
            fix: known.isEmpty ? "define it under x-amazon-apigateway-request-validators" : "use one of \(known.joined(separator: ", ")), or define '\(name)'")
    }
}

/// The `x-amazon-apigateway-request-validators` of a definition.
enum RequestValidators {
    static func names(in definition: Node) -> [String] {
        guard case .mapping(let map)? = definition["x-amazon-apigateway-request-validators"] else { return [] }
        return map.keys.compactMap { $0.scalar?.string }
    }

    static func defines(_ name: String, in definition: Node) -> Bool { names(in: definition).contains(name) }

    /// Does the named validator check parameters? Unknown names count as yes (`unknown-request-validator` reports them).
    static func validatesParameters(_ name: String, in definition: Node) -> Bool {
        guard let validator = definition["x-amazon-apigateway-request-validators"]?[name] else { return true }
        return validator["validateRequestParameters"]?.bool ?? false
    }
}

/// An integration response `responseParameters` target `method.response.header.X` that the method response for its
/// status does not declare: API Gateway refuses the mapping ("Invalid mapping expression parameter specified").
struct UndeclaredMethodResponseHeader: LintRule {
    let id = "undeclared-method-response-header"
    let severity = LintSeverity.error
    let summary = "an integration response maps a method.response.header the method response does not declare; API Gateway rejects it"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI && !$0.isProxy }.flatMap { operation -> [LintFinding] in
            guard case .mapping(let responses)? = operation.integration["responses"] else { return [] }
            return responses.values.flatMap { response -> [LintFinding] in
                guard let status = response["statusCode"]?.scalar?.string,
                      case .mapping(let declaredResponses)? = operation.operation["responses"],
                      let methodResponse = declaredResponses.first(where: { $0.key.scalar?.string == status })?.value,
                      case .mapping(let map)? = response["responseParameters"] else { return [] }
                var declared: Set<String> = []
                if case .mapping(let headers)? = methodResponse["headers"] {
                    declared = Set(headers.keys.compactMap { $0.scalar?.string.lowercased() })
                }
                return map.keys.compactMap { key -> LintFinding? in
                    guard let target = key.scalar?.string, target.lowercased().hasPrefix("method.response.header.") else { return nil }
                    let header = String(target.dropFirst("method.response.header.".count))
                    guard !declared.contains(header.lowercased()) else { return nil }
                    return finding(document, at: key,
                        "the integration response for \(status) of \(operation.place) maps \(target), but method response \(status) declares no header \(header); API Gateway rejects the mapping (Invalid mapping expression parameter specified)",
                        fix: "declare \(header) under the \(status) response's headers")
                }
            }
        }
    }
}
