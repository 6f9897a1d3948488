/// A deterministic text of a model value (dictionaries and sets sorted), to compare two loaded definitions.
public enum ModelText {
    /// The model's text, without the fields named in `labels` (at any depth).
    public static func of(_ value: Any, ignoring labels: Set<String>) -> String {
        var lines: [String] = []
        write(value, label: "root", depth: 0, ignoring: labels, into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func write(_ value: Any, label: String, depth: Int, ignoring labels: Set<String>, into lines: inout [String]) {
        let mirror = Mirror(reflecting: value)
        let indent = String(repeating: "  ", count: depth)
        switch mirror.displayStyle {
        case .dictionary?, .set?:
            let children = mirror.children.map { child -> String in
                var nested: [String] = []
                write(child.value, label: "-", depth: depth + 1, ignoring: labels, into: &nested)
                return nested.joined(separator: "\n")
            }.sorted()
            lines.append("\(indent)\(label): \(mirror.displayStyle == .set ? "set" : "dictionary") (\(children.count))")
            lines += children
        case .struct?, .class?, .enum?, .tuple?, .collection?, .optional?:
            if mirror.children.isEmpty {
                lines.append("\(indent)\(label) = \(value)")
                return
            }
            lines.append("\(indent)\(label): \(mirror.subjectType)")
            for child in mirror.children where !labels.contains(child.label ?? "") {
                write(child.value, label: child.label ?? "-", depth: depth + 1, ignoring: labels, into: &lines)
            }
        default:
            lines.append("\(indent)\(label) = \(value)")
        }
    }
}
