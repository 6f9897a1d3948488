import Gateway
import Foundation
import Yams

/// A selection pattern that is not a valid regular expression. API Gateway compiles patterns as Java regexes when
/// the integration response is put, so the import fails; gatecheck checks with the same engine the emulator uses
/// (ICU, whose syntax is Java's for everything selection patterns use).
struct InvalidSelectionPattern: LintRule {
    let id = "selection-pattern-invalid-regex"
    let severity = LintSeverity.error
    let summary = "a selection pattern that is not a valid (Java) regular expression; API Gateway refuses it"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isProxy }.flatMap { operation in
            operation.responses.compactMap { response -> LintFinding? in
                guard response.pattern != "default" else { return nil }
                guard (try? SelectionPattern(response.pattern)) == nil else { return nil }
                return finding(document, at: response.node,
                        "selection pattern '\(response.pattern)' of \(operation.place) is not a valid regular expression; API Gateway rejects the integration response",
                        fix: "escape the regex metacharacters meant literally (\\( \\[ \\{ \\. \\*), or close the open group or class")
            }
        }
    }
}

/// A pattern of an HTTP, AWS-service or MOCK integration that no HTTP status code matches. For those integrations the
/// selection value is the integration's status code as text (`404`), so a pattern such as `.*Not Found.*` is never
/// selected. (Lambda non-proxy patterns match the `errorMessage` instead; they are not checked here.)
struct SelectionPatternMatchesNoStatus: LintRule {
    let id = "selection-pattern-matches-no-status"
    let severity = LintSeverity.warning
    let summary = "a selection pattern of an HTTP, AWS-service or MOCK integration that no status code 100-599 matches"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isProxy && !$0.isLambdaNonProxy && !$0.isHTTPAPI }.flatMap { operation in
            operation.responses.compactMap { response -> LintFinding? in
                guard response.pattern != "default", !response.pattern.isEmpty,
                      let compiled = try? SelectionPattern(response.pattern),
                      !(100...599).contains(where: { compiled.matches(String($0)) }) else { return nil }
                return finding(document, at: response.node,
                    "selection pattern '\(response.pattern)' of \(operation.place) matches no HTTP status code, but a \(operation.type.uppercased()) integration's selection value is the status code (e.g. '404'), so this response is never selected",
                    fix: "match the status code instead, e.g. '404' or '4\\d{2}'")
            }
        }
    }
}

/// A non-proxy integration without a default response (selection pattern `default`, or empty). A selection value
/// that no pattern matches gets `500 Internal server error` (API_CONFIGURATION_ERROR, "No match for output mapping
/// and no default output mapping configured"); for a Lambda, whose successful invocations have the empty selection
/// value, that is every success unless a pattern matches the empty string.
struct NoDefaultIntegrationResponse: LintRule {
    let id = "integration-response-no-default"
    let severity = LintSeverity.warning
    let summary = "a non-proxy integration without a default integration response: unmatched outcomes (for a Lambda: every success) get 500"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isProxy && !$0.isHTTPAPI }.compactMap { operation in
            let responses = operation.responses
            guard !responses.contains(where: { $0.pattern == "default" || $0.pattern.isEmpty }) else { return nil }
            let at = responses.first?.node ?? operation.integration["type"] ?? operation.integration
            if responses.isEmpty {
                return finding(document, at: at,
                    "\(operation.place) has a non-proxy \(operation.type.uppercased()) integration without any integration response, so every request gets 500 Internal server error",
                    fix: "add a 'default' integration response (and its method response)", severity: .error)
            }
            if operation.isLambdaNonProxy {
                guard !responses.contains(where: { SelectionPatternText.matchesEmpty($0.pattern) }) else { return nil }
                return finding(document, at: at,
                    "\(operation.place) has no default integration response, and a successful Lambda invocation's selection value is empty, which none of its patterns matches: every success gets 500 Internal server error",
                    fix: "add a 'default' integration response for the successful result", severity: .error)
            }
            return finding(document, at: at,
                "\(operation.place) has no default integration response: a status code none of its patterns matches gets 500 Internal server error instead of the backend's answer",
                fix: "add a 'default' integration response")
        }
    }
}
