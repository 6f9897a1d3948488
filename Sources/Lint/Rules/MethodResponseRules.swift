import Foundation
import Yams

/// What the templates of an integration set `$context.responseOverride.status` to.
enum ResponseOverride {
    /// `(status, template node)` of each literal `#set($context.responseOverride.status = 404)`; `dynamic` when one
    /// sets it from an expression (`= $code`), which makes the produced statuses unknowable.
    static func statuses(_ operation: DefinitionWalk.Operation) -> (literal: [(status: String, node: Node)], dynamic: Bool) {
        var literal: [(String, Node)] = []
        var dynamic = false
        for template in operation.templates {
            let text = template.text
            let range = NSRange(text.startIndex..<text.endIndex, in: text)
            for match in assignment.matches(in: text, range: range) {
                guard let valueRange = Range(match.range(at: 1), in: text) else { continue }
                let value = text[valueRange].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                if value.count == 3, value.allSatisfy(\.isNumber) { literal.append((value, template.node)) } else { dynamic = true }
            }
        }
        return (literal, dynamic)
    }

    /// `$context.responseOverride.status = VALUE` (also `${context...}` and `$context["responseOverride"]...` is rare
    /// enough to leave to the dynamic case: it never matches, so nothing is claimed about it).
    static let assignment = try! NSRegularExpression(
        pattern: #"\$\{?context\.responseOverride\.status\}?\s*=\s*("[^"]*"|'[^']*'|[^)\s]+)"#)
}

/// A declared method response that nothing selects: no integration response maps to its status and no template
/// overrides to it. Gateway responses (a validator's 400, an authorizer's 401/403) do not use method responses, so
/// the declaration only documents a status the integration never produces.
struct MethodResponseNeverProduced: LintRule {
    let id = "method-response-never-produced"
    let severity = LintSeverity.note
    let summary = "a declared method response status that no integration response maps to and no template overrides to"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isProxy && !$0.isHTTPAPI && !$0.responses.isEmpty }.flatMap { operation -> [LintFinding] in
            guard case .mapping(let declared)? = operation.operation["responses"] else { return [] }
            let overrides = ResponseOverride.statuses(operation)
            guard !overrides.dynamic else { return [] }
            let produced = Set(operation.responses.compactMap(\.status) + overrides.literal.map(\.status))
            return declared.keys.compactMap { key -> LintFinding? in
                guard let status = key.scalar?.string, status.count == 3, status.allSatisfy(\.isNumber), !produced.contains(status) else { return nil }
                return finding(document, at: key,
                    "method response \(status) of \(operation.place) is declared, but no integration response maps to \(status) and no template overrides the status to it, so the integration never produces it (gateway responses such as a validator's 400 do not use method responses)",
                    fix: "map an integration response to \(status) (a selection pattern), or remove the method response")
            }
        }
    }
}

/// `#set($context.responseOverride.status = N)` to a status the method declares no response for. API Gateway
/// returns N anyway (an override needs no method response), but the definition does not document it: clients
/// generated from it, `matchesDefinition` and coverage do not know the status, and no method-response headers apply.
struct ResponseOverrideUndeclaredStatus: LintRule {
    let id = "response-override-undeclared-status"
    let severity = LintSeverity.note
    let summary = "a template overrides the status to one the method declares no method response for (returned, but undocumented)"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isProxy && !$0.isHTTPAPI }.flatMap { operation -> [LintFinding] in
            let declared = operation.declaredStatuses
            var seen: Set<String> = []
            return ResponseOverride.statuses(operation).literal.compactMap { override -> LintFinding? in
                guard !declared.contains(override.status), seen.insert(override.status).inserted else { return nil }
                return finding(document, at: override.node,
                    "a template of \(operation.place) sets $context.responseOverride.status to \(override.status), which the method declares no response for; API Gateway returns \(override.status) anyway, but the definition does not document it",
                    fix: "add \"\(override.status)\" under the method's responses")
            }
        }
    }
}
