import Foundation

/// How bad a finding is. Ordered: `note` < `warning` < `error` (what `--fail-on` compares).
public enum LintSeverity: String, Sendable, Hashable, Comparable, CaseIterable {
    case note, warning, error

    var rank: Int {
        switch self {
        case .note: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    public static func < (lhs: LintSeverity, rhs: LintSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// One problem a rule found in a definition: where, what, and the one-line fix.
public struct LintFinding: Sendable, Hashable, CustomStringConvertible {
    /// The rule's id, e.g. `integration-response-status-collision` (what `x-gatecheck-lint.disable` names).
    public var ruleID: String
    public var severity: LintSeverity
    public var file: String
    /// 1-based line and column of the node the finding is about.
    public var line: Int?
    public var column: Int?
    public var message: String
    /// One line saying how to fix it.
    public var fix: String

    public init(ruleID: String, severity: LintSeverity, file: String, line: Int?, column: Int?, message: String, fix: String) {
        self.ruleID = ruleID
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.fix = fix
    }

    public var location: String {
        switch (line, column) {
        case let (line?, column?): return "\(file):\(line):\(column)"
        case let (line?, nil): return "\(file):\(line)"
        default: return file
        }
    }

    /// Compiler style: `api.yaml:12:11: error: message [rule-id]` and the fix on the next line.
    public var description: String { "\(location): \(severity.rawValue): \(message) [\(ruleID)]\n  fix: \(fix)" }
}
