import Foundation
import Yams

/// A REST API operation without `x-amazon-apigateway-integration`. API Gateway's import reports "No integration
/// defined for method" and the API cannot be deployed; the embedded emulator cannot answer it either.
struct MissingIntegration: LintRule {
    let id = "missing-integration"
    let severity = LintSeverity.error
    let summary = "a REST API operation without x-amazon-apigateway-integration; API Gateway cannot deploy it (No integration defined for method)"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.endpoints(document).filter { $0.integration == nil && !$0.isHTTPAPI }.map { endpoint in
            finding(document, at: endpoint.methodKey,
                "\(endpoint.place) has no x-amazon-apigateway-integration: API Gateway's import reports 'No integration defined for method' and the stage cannot be deployed",
                fix: "add an x-amazon-apigateway-integration (type: mock with a default response, if it only documents the method)")
        }
    }
}

/// A greedy path variable (`{proxy+}`) that is not the last segment. API Gateway cannot create a child of a
/// resource with a greedy path variable, and HTTP API routes allow it only at the end.
struct GreedyPathVariableNotLast: LintRule {
    let id = "greedy-path-variable-not-last"
    let severity = LintSeverity.error
    let summary = "a greedy path variable ({proxy+}) followed by more path segments; API Gateway refuses the path"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.pathGroups(document).flatMap { group in
            group.paths.compactMap { path, node -> LintFinding? in
                let segments = path.split(separator: "/", omittingEmptySubsequences: true)
                guard let greedy = DefinitionWalk.pathParameterNames(path).first(where: \.greedy), greedy.segment < segments.count - 1 else { return nil }
                return finding(document, at: node,
                    "path \(path)\(group.suffix) continues after the greedy path variable {\(greedy.name)+}; API Gateway cannot create resources below a greedy one, so the import fails",
                    fix: "end the path at {\(greedy.name)+} (it already matches everything below), or make it a plain {\(greedy.name)}")
            }
        }
    }
}

/// Two paths with different variable segments at the same place (`/items/{id}` and `/items/{itemId}`, or `{id}`
/// beside `{proxy+}`), or one path naming a variable twice. A REST API resource can have only one variable child
/// ("A sibling ({id}) of this resource already has a variable path part -- only one is allowed"), and a method
/// cannot have two path parameters of one name.
struct PathParameterNameClash: LintRule {
    let id = "path-parameter-name-clash"
    let severity = LintSeverity.error
    let summary = "sibling paths with differently named variable segments ({id} vs {itemId}), or a path naming a variable twice; API Gateway refuses them"

    func check(_ document: LintDocument) -> [LintFinding] {
        var findings: [LintFinding] = []
        for group in DefinitionWalk.pathGroups(document) {
            // Within one path: the same name twice.
            for (path, node) in group.paths {
                var names: Set<String> = []
                for parameter in DefinitionWalk.pathParameterNames(path) where !names.insert(parameter.name).inserted {
                    findings.append(finding(document, at: node,
                        "path \(path)\(group.suffix) names the path parameter '\(parameter.name)' twice; a method has one value per parameter name",
                        fix: "rename one of them (e.g. {\(parameter.name)2})"))
                }
            }
            guard !group.isHTTPAPI else { continue }
            // Across paths: the first variable segment seen under each parent resource.
            var variableChild: [String: (segment: String, path: String)] = [:]
            var reported: Set<String> = []
            for (path, node) in group.paths {
                let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                for (index, segment) in segments.enumerated() where segment.hasPrefix("{") && segment.hasSuffix("}") {
                    let parent = "/" + segments[..<index].joined(separator: "/")
                    guard let first = variableChild[parent] else {
                        variableChild[parent] = (segment, path)
                        continue
                    }
                    guard first.segment != segment, reported.insert("\(parent) \(segment)").inserted else { continue }
                    findings.append(finding(document, at: node,
                        "path \(path)\(group.suffix) puts the variable \(segment) under \(parent), where \(first.path) already has \(first.segment); a REST API resource can have only one variable child, so the import fails",
                        fix: "use one name for the variable at this place in every path (\(first.segment))"))
                }
            }
        }
        return findings
    }
}

/// A REST resource whose missing verb a greedy path variable serves instead: `/items` defines GET only and
/// `/{proxy+}` defines ANY, so `DELETE /items` reaches the greedy resource's integration rather than getting
/// 403 Missing Authentication Token (literal resources win only for the verbs they define).
struct GreedyResourceServesMissingMethod: LintRule {
    let id = "greedy-resource-serves-missing-method"
    let severity = LintSeverity.note
    let summary = "a literal resource lacks a verb that a greedy resource above it ({proxy+}) defines, so that verb goes to the greedy resource"

    func check(_ document: LintDocument) -> [LintFinding] {
        let endpoints = DefinitionWalk.endpoints(document).filter { !$0.isHTTPAPI }
        var verbsByPath: [String: Set<String>] = [:]
        var keyByPath: [String: Node] = [:]
        for endpoint in endpoints {
            // `GET /items of Api` -> `/items of Api`: one entry per path of each API.
            let place = String(endpoint.place.dropFirst(endpoint.verb.count + 1))
            verbsByPath[place, default: []].insert(endpoint.verb)
            if keyByPath[place] == nil { keyByPath[place] = endpoint.methodKey }
        }
        var findings: [LintFinding] = []
        for (place, verbs) in verbsByPath.sorted(by: { $0.key < $1.key }) where !verbs.contains("ANY") {
            let path = DefinitionWalk.pathOf(place: place)
            let segments = path.split(separator: "/", omittingEmptySubsequences: true)
            guard !segments.contains(where: { $0.hasSuffix("+}") }) else { continue }
            // The nearest greedy resource whose parent is an ancestor of this path, in the same API (suffix).
            let greedy = verbsByPath.keys.filter { other in
                let otherPath = DefinitionWalk.pathOf(place: other)
                let otherSegments = otherPath.split(separator: "/", omittingEmptySubsequences: true)
                guard DefinitionWalk.suffixOf(place: other) == DefinitionWalk.suffixOf(place: place),
                      let last = otherSegments.last, last.hasPrefix("{"), last.hasSuffix("+}"),
                      otherSegments.count - 1 < segments.count else { return false }
                return zip(otherSegments.dropLast(), segments).allSatisfy { $0 == $1 }
            }.max { $0.count < $1.count }
            guard let greedy, let greedyVerbs = verbsByPath[greedy] else { continue }
            let served = greedyVerbs.contains("ANY")
                ? ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"].filter { !verbs.contains($0) }
                : greedyVerbs.subtracting(verbs).sorted()
            guard !served.isEmpty else { continue }
            findings.append(finding(document, at: keyByPath[place],
                "\(place) defines only \(verbs.sorted().joined(separator: ", ")); \(served.joined(separator: ", ")) \(path) go\(served.count == 1 ? "es" : "") to \(greedy)'s integration (\(greedyVerbs.sorted().joined(separator: ", "))), not to 403 Missing Authentication Token",
                fix: "define the verbs \(path) should answer (or an ANY method), if the greedy resource must not serve them"))
        }
        return findings
    }
}

extension DefinitionWalk {
    /// `/items of Api` -> `/items`.
    static func pathOf(place: String) -> String {
        place.range(of: " of ").map { String(place[..<$0.lowerBound]) } ?? place
    }

    /// `/items of Api` -> ` of Api`; `/items` -> ``.
    static func suffixOf(place: String) -> String {
        place.range(of: " of ").map { String(place[$0.lowerBound...]) } ?? ""
    }
}

/// A template with RestApi/ApiGatewayV2 APIs that the emulator's CloudFormation reader refused (an unresolvable
/// reference, a broken resource link): only its raw inline `Body`/`DefinitionBody` definitions were linted, not its
/// resource-form APIs. `gatecheck validate` / `emulate --template` show every diagnostic.
struct TemplateNotRead: LintRule {
    let id = "template-not-read"
    let severity = LintSeverity.note
    let summary = "a template the CloudFormation reader refused: its resource-form APIs were not linted"

    func check(_ document: LintDocument) -> [LintFinding] {
        guard let problem = document.stackProblem else { return [] }
        return [LintFinding(ruleID: id, severity: severity, file: document.file, line: problem.line, column: problem.column,
                            message: "the template's APIs could not be read as CloudFormation resources (\(problem.message)); only inline Body/DefinitionBody definitions were linted",
                            fix: "fix the template so that `gatecheck emulate --template` reads it (pass --parameter values it needs)")]
    }
}
