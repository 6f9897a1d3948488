import Foundation

/// An integration response's selection pattern, compiled once. API Gateway uses Java's
/// `Pattern.matches`: the WHOLE value must match, and `.` does not match a line break.
public struct SelectionPattern: Sendable {
    public let source: String
    private let expression: NSRegularExpression

    /// Compiles `pattern`; throws the regex engine's complaint when it is not a valid expression.
    public init(_ pattern: String) throws {
        source = pattern
        expression = try NSRegularExpression(pattern: "\\A(?:" + pattern + ")\\z", options: [])
    }

    /// True when the pattern matches the whole `value`.
    public func matches(_ value: String) -> Bool {
        let range = NSRange(value.startIndex..<value.endIndex, in: value)
        return expression.firstMatch(in: value, options: [], range: range) != nil
    }
}
