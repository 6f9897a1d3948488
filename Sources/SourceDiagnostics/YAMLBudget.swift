import Yams

/// Refuses YAML documents that expand to an absurd number of nodes, as an "alias bomb" does
/// (`b: &b [*a, *a, ...]` nine levels deep is 9^9 nodes from a 600-byte file). Yams resolves aliases
/// to shared nodes, so parsing is cheap, but any walk over the document would take forever. `YAMLSource.parse`
/// applies it to every document, so suites, API definitions and backends files are all guarded.
public enum YAMLBudget {
    /// More nodes than any suite, API definition or backends file has.
    public static let maxNodes = 200_000

    /// A diagnostic pointing at the top-level key whose value blows the budget, or nil when the document fits.
    public static func check(_ root: Node, file: String, maxNodes: Int = maxNodes) -> Diagnostic? {
        var remaining = maxNodes
        if case let .mapping(mapping) = root {
            for (key, value) in mapping {
                guard count(value, remaining: &remaining) else {
                    return diagnostic(file: file, at: key, name: key.scalar?.string, maxNodes: maxNodes)
                }
            }
            return nil
        }
        return count(root, remaining: &remaining) ? nil : diagnostic(file: file, at: root, name: nil, maxNodes: maxNodes)
    }

    static func diagnostic(file: String, at node: Node, name: String?, maxNodes: Int) -> Diagnostic {
        let what = name.map { "'\($0)'" } ?? "the document"
        return Diagnostic(file: file, line: node.mark?.line, column: node.mark?.column,
                          message: "\(what) expands to more than \(maxNodes) YAML nodes (aliases such as *name repeat content); write the content out or make it smaller")
    }

    /// Counts nodes until the budget runs out; false when it did.
    static func count(_ node: Node, remaining: inout Int) -> Bool {
        remaining -= 1
        if remaining < 0 { return false }
        switch node {
        case .scalar, .alias:
            return true
        case let .sequence(items):
            for item in items where !count(item, remaining: &remaining) { return false }
            return true
        case let .mapping(mapping):
            for (key, value) in mapping {
                guard count(key, remaining: &remaining), count(value, remaining: &remaining) else { return false }
            }
            return true
        }
    }
}
