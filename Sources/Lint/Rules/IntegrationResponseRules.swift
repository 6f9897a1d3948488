import Gateway
import Foundation
import Yams

/// An integration response whose status has no method response: API Gateway accepts the definition, but every
/// request that selects it gets `500 {"message": "Internal server error"}` ("Output mapping refers to an invalid
/// method response").
struct IntegrationResponseWithoutMethodResponse: LintRule {
    let id = "integration-response-without-method-response"
    let severity = LintSeverity.error
    let summary = "an integration response maps to a status the method declares no method response for; the client gets 500"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).flatMap { operation -> [LintFinding] in
            guard !operation.type.hasSuffix("_proxy"), case .mapping(let declared)? = operation.operation["responses"] else { return [] }
            let statuses = Set(declared.keys.compactMap { $0.scalar?.string })
            return operation.responses.compactMap { response in
                guard let status = response.status, !statuses.contains(status) else { return nil }
                return finding(document, at: response.node,
                    "integration response '\(response.pattern)' of \(operation.place) maps to status \(status), which the method declares no response for; a request that selects it gets 500 Internal server error",
                    fix: "add \"\(status)\" under the method's responses, or map '\(response.pattern)' to a status it declares (\(statuses.sorted().joined(separator: ", ")))")
            }
        }
    }
}

/// Integration responses on a proxy integration: API Gateway passes the backend's answer through and never selects
/// an integration response, so their status codes, parameters and templates do nothing.
struct ProxyIntegrationResponsesIgnored: LintRule {
    let id = "proxy-integration-responses-ignored"
    let severity = LintSeverity.warning
    let summary = "integration responses on an AWS_PROXY or HTTP_PROXY integration are ignored by API Gateway"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).compactMap { operation in
            guard operation.type.hasSuffix("_proxy"), let first = operation.responses.first else { return nil }
            return finding(document, at: first.node,
                "\(operation.place) is an \(operation.type.uppercased()) integration: API Gateway passes the backend's response through and ignores its \(operation.responses.count) integration response\(operation.responses.count == 1 ? "" : "s")",
                fix: "remove the integration responses, or use a non-proxy integration (type \(operation.type == "aws_proxy" ? "aws" : "http")) if the status or body must be mapped")
        }
    }
}

/// A Lambda non-proxy selection pattern that matches the empty string: a successful invocation's selection value is
/// empty, so every success gets this response and the default one is never used.
struct SelectionPatternCapturesSuccess: LintRule {
    let id = "selection-pattern-captures-success"
    let severity = LintSeverity.warning
    let summary = "a Lambda error pattern that matches the empty string also captures every successful invocation"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter(\.isLambdaNonProxy).flatMap { operation in
            operation.responses.compactMap { response -> LintFinding? in
                guard response.pattern != "default", SelectionPatternText.matchesEmpty(response.pattern) else { return nil }
                let hasDefault = operation.responses.contains { $0.pattern == "default" }
                return finding(document, at: response.node,
                    "selection pattern '\(response.pattern)' of \(operation.place) matches the empty selection value of a successful Lambda invocation, so successes get status \(response.status ?? "?")\(hasDefault ? " and the default response is never used" : "")",
                    fix: "match only error messages, e.g. '.+' or '(\\n|.)+' for any error, or '.*Error.*'")
            }
        }
    }
}

/// A Lambda non-proxy selection pattern with no regex syntax at all (`400`): patterns match the WHOLE
/// `errorMessage`, so it matches only a message that is exactly that text.
struct LiteralLambdaSelectionPattern: LintRule {
    let id = "lambda-selection-pattern-literal"
    let severity = LintSeverity.warning
    let summary = "a Lambda error pattern without regex syntax only matches an errorMessage equal to it (whole-string match)"

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter(\.isLambdaNonProxy).flatMap { operation in
            operation.responses.compactMap { response -> LintFinding? in
                guard response.pattern != "default", !response.pattern.isEmpty, SelectionPatternText.isLiteral(response.pattern) else { return nil }
                return finding(document, at: response.node,
                    "selection pattern '\(response.pattern)' of \(operation.place) is matched against the whole errorMessage, so it only applies when the message is exactly '\(response.pattern)'",
                    fix: "write '.*\(NSRegularExpression.escapedPattern(for: response.pattern)).*' to match messages containing it")
            }
        }
    }
}

/// What the rules need to know of a selection pattern's text (Java regex, matched against the whole value).
enum SelectionPatternText {
    /// No regex metacharacter: the pattern is a plain string.
    static func isLiteral(_ pattern: String) -> Bool {
        !pattern.contains { "\\^$.|?*+()[]{}".contains($0) }
    }

    /// The pattern matches the empty string as a whole, by the gateway's own whole-value matching (one that does
    /// not compile is left to the loader's diagnostics).
    static func matchesEmpty(_ pattern: String) -> Bool {
        (try? SelectionPattern(pattern))?.matches("") ?? false
    }
}
