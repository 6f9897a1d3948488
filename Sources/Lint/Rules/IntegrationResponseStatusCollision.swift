import Yams

/// Two integration responses of one method mapped to the same status code. API Gateway identifies an
/// integration response by its status code, so only one of them exists after import (the later one: each put
/// replaces the response for that status); the other pattern silently never applies.
struct IntegrationResponseStatusCollision: LintRule {
    let id = "integration-response-status-collision"
    let severity = LintSeverity.error
    let summary = "two integration responses of one method map to the same status code; API Gateway keeps only the later one"

    func check(_ document: LintDocument) -> [LintFinding] {
        // Template APIs in resource form (`AWS::ApiGateway::Method` `IntegrationResponses`) arrive here as OpenAPI
        // operations, built by the emulator's CloudFormation reader.
        var findings: [LintFinding] = []
        for operation in DefinitionWalk.operations(document) {
            let place = operation.place
            let entries: [Entry] = operation.responses.compactMap { response in
                response.status.map { (response.pattern, response.node, $0) }
            }
            for (entry, later) in Self.collisions(entries) {
                findings.append(finding(document, at: entry.node,
                    "integration response '\(entry.pattern)' of \(place) maps to status \(entry.status), as '\(later.pattern)' does; API Gateway keeps one integration response per status code, so '\(entry.pattern)' is dropped on import",
                    fix: "give '\(entry.pattern)' or '\(later.pattern)' its own status code (and method response), or remove one of them"))
            }
        }
        return findings
    }

    typealias Entry = (pattern: String, node: Node, status: String)

    /// Each entry that a later entry for the same status replaces on import, with the one that survives (the last).
    static func collisions(_ entries: [Entry]) -> [(entry: Entry, later: Entry)] {
        entries.enumerated().compactMap { index, entry in
            entries[(index + 1)...].last { $0.status == entry.status }.map { (entry, $0) }
        }
    }
}
