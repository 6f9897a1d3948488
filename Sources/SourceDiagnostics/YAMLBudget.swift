import Yams

/// Refuses YAML documents whose aliases expand to an absurd number of nodes, as an "alias bomb" does
/// (`b: &b [*a, *a, ...]` nine levels deep is 9^9 nodes from a 600-byte file). Yams resolves aliases
/// to shared nodes, so parsing is cheap, but any walk over the document would take forever. `YAMLSource.parse`
/// applies it to every document, so suites, API definitions and backends files are all guarded.
///
/// Only expansion counts: a node reached again through an alias (recognised by its source position, which the
/// copy shares with the anchored original) uses the budget; content written out does not, however large (the
/// input file size limit bounds that).
public enum YAMLBudget {
    /// More nodes than aliases add to any real suite, API definition or backends file.
    public static let maxNodes = 200_000

    /// A diagnostic pointing at the top-level key whose value blows the budget, or nil when the document fits.
    public static func check(_ root: Node, file: String, maxNodes: Int = maxNodes) -> Diagnostic? {
        var walk = Walk(remaining: maxNodes)
        if case let .mapping(mapping) = root {
            for (key, value) in mapping {
                guard walk.count(value) else {
                    return diagnostic(file: file, at: key, name: key.scalar?.string, maxNodes: maxNodes)
                }
            }
            return nil
        }
        return walk.count(root) ? nil : diagnostic(file: file, at: root, name: nil, maxNodes: maxNodes)
    }

    static func diagnostic(file: String, at node: Node, name: String?, maxNodes: Int) -> Diagnostic {
        let what = name.map { "'\($0)'" } ?? "the document"
        return Diagnostic(file: file, line: node.mark?.line, column: node.mark?.column,
                          message: "\(what) expands to more than \(maxNodes) YAML nodes through aliases (each *name repeats the content its &name anchors); write the content out or repeat it less")
    }

    /// A walk over the expanded document that counts the nodes met again through an alias.
    struct Walk {
        /// The kind and source position of a node: unique among written nodes, shared by an alias's copies.
        struct Position: Hashable {
            var kind: UInt8
            var line: Int
            var column: Int
        }

        var remaining: Int
        var written = Set<Position>()

        /// Counts repeated nodes until the budget runs out; false when it did.
        mutating func count(_ node: Node) -> Bool {
            if let mark = node.mark {
                let kind: UInt8 = switch node { case .scalar: 0; case .sequence: 1; case .mapping: 2; case .alias: 3 }
                if !written.insert(Position(kind: kind, line: mark.line, column: mark.column)).inserted {
                    remaining -= 1
                    if remaining < 0 { return false }
                }
            } else {
                remaining -= 1
                if remaining < 0 { return false }
            }
            switch node {
            case .scalar, .alias:
                return true
            case let .sequence(items):
                for item in items where !count(item) { return false }
                return true
            case let .mapping(mapping):
                for (key, value) in mapping {
                    guard count(key), count(value) else { return false }
                }
                return true
            }
        }
    }
}
