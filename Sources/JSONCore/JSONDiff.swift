/// One place where an actual JSON value departs from the expected one.
public struct JSONDifference: Sendable, Hashable, CustomStringConvertible {
    /// What kind of departure, with the values involved.
    public enum Kind: Sendable, Hashable {
        /// Same type, different value (numbers compare numerically).
        case valueMismatch(expected: JSONValue, actual: JSONValue)
        /// An expected object key is absent.
        case missing(expected: JSONValue)
        /// An object key that was not expected (only reported when not comparing as a subset).
        case unexpected(actual: JSONValue)
        /// Different JSON types (e.g. number vs string).
        case typeMismatch(expected: JSONValue, actual: JSONValue)
        /// Arrays of different lengths; common elements are compared as well.
        case lengthMismatch(expected: Int, actual: Int)
    }

    /// Where, as a JSONPath: `$`, `$.items[1].id`, `$['a key']`.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// A one-line explanation, e.g. `$.items[1]: expected 2, got 3`.
    public var description: String {
        switch kind {
        case .valueMismatch(let expected, let actual):
            return "\(path): expected \(Self.render(expected)), got \(Self.render(actual))"
        case .missing(let expected):
            return "\(path): missing, expected \(Self.render(expected))"
        case .unexpected(let actual):
            return "\(path): unexpected key with value \(Self.render(actual))"
        case .typeMismatch(let expected, let actual):
            return "\(path): expected \(expected.typeName) \(Self.render(expected)), got \(actual.typeName) \(Self.render(actual))"
        case .lengthMismatch(let expected, let actual):
            return "\(path): expected \(expected) element\(expected == 1 ? "" : "s"), got \(actual)"
        }
    }

    /// Compact JSON, cut to a readable length.
    static func render(_ value: JSONValue) -> String {
        let text = value.serialized()
        let limit = 120
        guard text.unicodeScalars.count > limit else { return text }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.unicodeScalars.prefix(limit))
        return String(view) + "…"
    }
}

/// Structural comparison of two JSON values.
public enum JSONDiff {
    /// The differences between `expected` and `actual`, in document order, at most `limit`.
    ///
    /// With `subset: true`, keys present only in `actual` are not differences (the same rule as
    /// `JSONValue.contains(subset:)`). Arrays are compared element by element; a length
    /// difference is reported on the array and the common prefix is still compared.
    /// An empty result means the values are semantically equal (or `actual` contains the subset).
    public static func differences(
        expected: JSONValue, actual: JSONValue, subset: Bool = false, limit: Int = 50
    ) -> [JSONDifference] {
        var collector = Collector(subset: subset, limit: max(limit, 0))
        collector.compare(expected, actual, path: "$")
        return collector.differences
    }

    private struct Collector {
        let subset: Bool
        let limit: Int
        var differences: [JSONDifference] = []

        var isFull: Bool { differences.count >= limit }

        mutating func add(_ path: String, _ kind: JSONDifference.Kind) {
            if !isFull { differences.append(JSONDifference(path: path, kind: kind)) }
        }

        mutating func compare(_ expected: JSONValue, _ actual: JSONValue, path: String) {
            guard !isFull else { return }
            switch (expected, actual) {
            case (.object(let expectedMembers), .object(let actualMembers)):
                for (key, expectedValue) in expectedMembers {
                    guard !isFull else { return }
                    let childPath = JSONDiff.path(path, key: key)
                    if let actualValue = actualMembers[key] {
                        compare(expectedValue, actualValue, path: childPath)
                    } else {
                        add(childPath, .missing(expected: expectedValue))
                    }
                }
                if !subset {
                    for (key, actualValue) in actualMembers where expectedMembers[key] == nil {
                        add(JSONDiff.path(path, key: key), .unexpected(actual: actualValue))
                    }
                }
            case (.array(let expectedElements), .array(let actualElements)):
                if expectedElements.count != actualElements.count {
                    add(path, .lengthMismatch(expected: expectedElements.count, actual: actualElements.count))
                }
                for index in 0..<min(expectedElements.count, actualElements.count) {
                    guard !isFull else { return }
                    compare(expectedElements[index], actualElements[index], path: "\(path)[\(index)]")
                }
            default:
                if expected.typeName != actual.typeName {
                    add(path, .typeMismatch(expected: expected, actual: actual))
                } else if !expected.semanticallyEquals(actual) {
                    add(path, .valueMismatch(expected: expected, actual: actual))
                }
            }
        }
    }

    /// `$.key` for identifier-like keys, `$['key']` otherwise (quotes and backslashes escaped).
    static func path(_ parent: String, key: String) -> String {
        var isIdentifier = !key.isEmpty
        for (offset, scalar) in key.unicodeScalars.enumerated() {
            let isLetter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == "$"
            let isDigit = ("0"..."9").contains(scalar)
            if !(isLetter || (isDigit && offset > 0) || (scalar == "-" && offset > 0)) {
                isIdentifier = false
                break
            }
        }
        if isIdentifier { return "\(parent).\(key)" }
        var escaped = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "'": escaped += "\\'"
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\(parent)['\(escaped)']"
    }
}
