import Foundation
import JSONCore
import Yams

/// Reads YAML input files into Yams nodes, turning every problem into a positioned diagnostic.
public enum YAMLSource {
    /// Files larger than this are refused before parsing (a suite or API definition is never this big).
    public static let defaultMaxBytes = 16 * 1024 * 1024

    /// Reads a file as UTF-8 text; missing files, directories, binary garbage and oversize files are diagnostics.
    public static func readText(path: String, displayName: String? = nil, maxBytes: Int = defaultMaxBytes) -> Result<String, Diagnostic> {
        let name = displayName ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(Diagnostic(file: name, message: "no such file"))
        }
        if isDirectory.boolValue { return .failure(Diagnostic(file: name, message: "is a directory, expected a file")) }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > maxBytes {
            return .failure(Diagnostic(file: name, message: "file is \(size.intValue) bytes, more than the \(maxBytes)-byte limit for an input file"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(Diagnostic(file: name, message: "cannot be read (permission denied?)"))
        }
        return decode([UInt8](data), file: name)
    }

    /// The text of a file's bytes: UTF-8 (a UTF-8 byte-order mark is dropped), or UTF-16 with a byte-order mark
    /// (as Windows editors save "Unicode" text). A byte that is not UTF-8 is a diagnostic at its line and column;
    /// NUL bytes without a UTF-16 byte-order mark mean a binary file (or UTF-16 without a mark, which is named).
    public static func decode(_ bytes: [UInt8], file: String) -> Result<String, Diagnostic> {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let littleEndian = bytes[0] == 0xFF
            guard bytes.count % 2 == 0 else {
                return .failure(Diagnostic(file: file, message: "is not valid UTF-16 text (an odd number of bytes after the byte-order mark); save it as UTF-8"))
            }
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2 - 1)
            var index = 2
            while index + 1 < bytes.count {
                let (low, high) = littleEndian ? (bytes[index], bytes[index + 1]) : (bytes[index + 1], bytes[index])
                units.append(UInt16(high) << 8 | UInt16(low))
                index += 2
            }
            var text = ""
            var iterator = units.makeIterator()
            var decoder = UTF16()
            decoding: while true {
                switch decoder.decode(&iterator) {
                case let .scalarValue(scalar): text.unicodeScalars.append(scalar)
                case .emptyInput: break decoding
                case .error:
                    return .failure(Diagnostic(file: file, message: "is not valid UTF-16 text (an unpaired surrogate); save it as UTF-8"))
                }
            }
            if text.unicodeScalars.contains("\u{0}") {
                return .failure(Diagnostic(file: file, message: "contains NUL characters: this is a binary file, not YAML"))
            }
            return .success(text)
        }
        if bytes.contains(0) {
            // ASCII text saved as UTF-16 without a byte-order mark has a NUL next to every character.
            let pairs = min(bytes.count, 64) / 2
            let evenNULs = (0..<pairs).filter { bytes[2 * $0] == 0 }.count
            let oddNULs = (0..<pairs).filter { bytes[2 * $0 + 1] == 0 }.count
            if pairs >= 2, (evenNULs == 0 && oddNULs == pairs) || (oddNULs == 0 && evenNULs == pairs) {
                return .failure(Diagnostic(file: file, message: "looks like UTF-16 text without a byte-order mark, which is not supported: save it as UTF-8"))
            }
            return .failure(Diagnostic(file: file, message: "contains NUL bytes: this is a binary file, not YAML"))
        }
        var content = bytes[...]
        if content.starts(with: [0xEF, 0xBB, 0xBF]) { content = content.dropFirst(3) }
        if let text = String(validating: content, as: UTF8.self) { return .success(text) }
        let offset = firstInvalidUTF8Byte(in: bytes)
        let (line, column) = position(ofByte: offset, in: bytes)
        let byte = String(bytes[offset], radix: 16, uppercase: true)
        return .failure(Diagnostic(file: file, line: line, column: column,
                                   message: "is not valid UTF-8 text: byte 0x\(byte.count == 1 ? "0" + byte : byte) is not UTF-8 (a Latin-1 or Windows-1252 file?); save the file as UTF-8"))
    }

    /// The offset of the first byte that does not start (or continue) a valid UTF-8 sequence.
    static func firstInvalidUTF8Byte(in bytes: [UInt8]) -> Int {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0
            guard length > 0, index + length <= bytes.count,
                  String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil else { return index }
            index += length
        }
        return bytes.count - 1
    }

    /// The 1-based line and column (in Unicode scalars, as libyaml counts them) of a byte offset.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        let before = bytes[..<offset]
        let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        // Continuation bytes (10xxxxxx) do not start a scalar.
        let column = bytes[lineStart..<offset].filter { $0 & 0xC0 != 0x80 }.count + 1
        return (line, column)
    }

    /// Parses one YAML document. An empty document yields nil; one that expands past `YAMLBudget.maxNodes`
    /// (an alias bomb) is a diagnostic, so no loader ever walks it.
    public static func parse(_ text: String, file: String) -> Result<Node?, Diagnostic> {
        do {
            guard let node = try Yams.compose(yaml: text, YAMLTags.parseResolver) else { return .success(nil) }
            if let tooBig = YAMLBudget.check(node, file: file) { return .failure(tooBig) }
            return .success(YAMLTags.rearm(node))
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, file: file, text: text))
        } catch {
            return .failure(Diagnostic(file: file, message: "invalid YAML: \(error)"))
        }
    }

    /// Lines `line - 1` through `line` (1-based) of a text: where libyaml reports an indentation problem.
    static func lines(of text: String, around line: Int) -> [Substring] {
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        let lower = max(0, line - 2), upper = min(all.count, max(0, line))
        guard lower < upper else { return [] }
        return Array(all[lower..<upper])
    }

    static func isInvisibleIndent(_ scalar: Unicode.Scalar) -> Bool { YAMLReader.isInvisible(scalar) }

    static func diagnostic(for error: YamlError, file: String, text: String = "") -> Diagnostic {
        func make(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> Diagnostic {
            var message = "invalid YAML: \(problem)"
            if let context { message += " \(context.text)" }
            if problem.contains("cannot start any token") || problem.contains("tab") {
                message += " (YAML does not allow tabs for indentation; use spaces)"
            } else if let line = lines(of: text, around: mark.line).first(where: { $0.unicodeScalars.prefix(while: { $0 == " " || isInvisibleIndent($0) }).contains(where: isInvisibleIndent) }),
                      let scalar = line.unicodeScalars.first(where: isInvisibleIndent) {
                message += " (a line here is indented with \(YAMLReader.codePoint(scalar))\(scalar.properties.name.map { " " + $0 } ?? ""); YAML indentation must be ordinary spaces)"
            }
            return Diagnostic(file: file, line: mark.line, column: mark.column, message: message)
        }
        switch error {
        case let .scanner(context, problem, mark, _): return make(problem, context, mark)
        case let .parser(context, problem, mark, _): return make(problem, context, mark)
        case let .composer(context, problem, mark, _): return make(problem, context, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams marks the first occurrence; its default description would embed the whole document.
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(file: file, line: context.mark.line, column: context.mark.column,
                              message: "duplicate key \(keys) in a mapping (first written here; a key may appear only once)")
        case let .reader(problem, offset, _, _):
            return Diagnostic(file: file, message: "invalid YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            return Diagnostic(file: file, message: "invalid YAML: \(error)")
        }
    }
}

/// A mapping node with its keys as strings, in document order.
public struct YAMLMapping {
    public struct Entry {
        public var key: String
        public var keyNode: Node
        public var value: Node
    }

    public let node: Node
    public let entries: [Entry]

    public subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }
    public func contains(_ key: String) -> Bool { entries.contains { $0.key == key } }
    public func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }
    public var keys: [String] { entries.map(\.key) }
}

/// Typed, position-aware accessors that report wrong types and unknown keys to a sink.
/// Every accessor takes a human `context` (e.g. "expect" or "cases[2].request") used in messages.
public struct YAMLReader {
    public let sink: DiagnosticSink

    public init(sink: DiagnosticSink) { self.sink = sink }

    public var file: String { sink.file }

    public func error(_ message: String, at node: Node?) {
        sink.report(.error, message, line: node?.mark?.line, column: node?.mark?.column)
    }

    public func warning(_ message: String, at node: Node?) {
        sink.report(.warning, message, line: node?.mark?.line, column: node?.mark?.column)
    }

    /// The node as a mapping; reports "expected a mapping" otherwise.
    public func mapping(_ node: Node, _ context: String) -> YAMLMapping? {
        guard case let .mapping(mapping) = node else {
            error("expected a mapping for '\(context)', found \(Self.kind(of: node))", at: node)
            return nil
        }
        var entries: [YAMLMapping.Entry] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error("keys in '\(context)' must be strings, found \(Self.kind(of: keyNode))", at: keyNode)
                continue
            }
            if !seen.insert(key).inserted {
                error("duplicate key '\(key)' in \(context)", at: keyNode)
                continue
            }
            entries.append(.init(key: key, keyNode: keyNode, value: value))
        }
        return YAMLMapping(node: node, entries: entries)
    }

    /// Reports each key that is not in `allowed`, with a "did you mean" hint.
    @discardableResult
    public func checkKeys(_ mapping: YAMLMapping, allowed: [String], _ context: String) -> Bool {
        var ok = true
        for entry in mapping.entries where !allowed.contains(entry.key) {
            ok = false
            var message = "unknown key '\(Self.visible(entry.key))' in \(context)"
            let invisible = entry.key.unicodeScalars.filter(Self.isInvisible)
            let stripped = String(String.UnicodeScalarView(entry.key.unicodeScalars.filter { !Self.isInvisible($0) }))
            if let first = invisible.first {
                let name = first.properties.name.map { " \($0)" } ?? ""
                message += " (it contains \(Self.codePoint(first))\(name), which YAML does not take for indentation or spacing; use ordinary spaces"
                message += allowed.contains(stripped) ? " and it is '\(stripped)')" : ")"
            } else if let hint = closestMatch(to: entry.key, among: allowed) {
                message += " (did you mean '\(hint)'?)"
            }
            error(message, at: entry.keyNode)
        }
        return ok
    }

    /// Whitespace and format characters that look like a space or nothing at all (U+00A0 NO-BREAK SPACE,
    /// U+200B ZERO WIDTH SPACE, U+FEFF...), which editors and web pages slip into YAML.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        guard !scalar.isASCII else { return false }
        return scalar.properties.isWhitespace || scalar.properties.generalCategory == .format
            || scalar.properties.generalCategory == .control
    }

    /// `U+00A0`.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Text with each invisible character shown as `<U+00A0>`, so a message never shows it as a plain space.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isInvisible) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) { result += "<\(codePoint(scalar))>" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }

    /// Reports a missing required key at the mapping's position.
    public func require(_ mapping: YAMLMapping, _ key: String, _ context: String) -> Node? {
        if let node = mapping[key] { return node }
        error("missing required key '\(key)' in \(context)", at: mapping.node)
        return nil
    }

    public func sequence(_ node: Node, _ context: String) -> [Node]? {
        guard case let .sequence(sequence) = node else {
            error("expected a list for '\(context)', found \(Self.kind(of: node))", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// A scalar as text (numbers and booleans are accepted and given as written).
    public func string(_ node: Node, _ context: String) -> String? {
        guard case let .scalar(scalar) = node else {
            error("expected a string for '\(context)', found \(Self.kind(of: node))", at: node)
            return nil
        }
        return scalar.string
    }

    public func int(_ node: Node, _ context: String) -> Int? {
        if case let .scalar(scalar) = node, let value = Int(scalar.string.trimmingCharacters(in: .whitespaces)) { return value }
        error("expected an integer for '\(context)', found \(Self.describe(node))", at: node)
        return nil
    }

    public func double(_ node: Node, _ context: String) -> Double? {
        if case let .scalar(scalar) = node, let value = Double(scalar.string.trimmingCharacters(in: .whitespaces)) { return value }
        error("expected a number for '\(context)', found \(Self.describe(node))", at: node)
        return nil
    }

    public func bool(_ node: Node, _ context: String) -> Bool? {
        if case .scalar = node, let value = node.bool { return value }
        error("expected true or false for '\(context)', found \(Self.describe(node))", at: node)
        return nil
    }

    /// A scalar or a list of scalars, as a list (for `tags: smoke` and `tags: [a, b]` alike).
    public func stringList(_ node: Node, _ context: String) -> [String]? {
        if case .scalar = node { return string(node, context).map { [$0] } }
        guard let items = sequence(node, context) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if let value = string(item, "\(context)[\(index)]") { result.append(value) }
        }
        return result
    }

    /// A mapping of scalar values, in order; a value that is a list yields one pair per element
    /// (so `query: { id: [1, 2] }` means `id=1&id=2`).
    public func stringPairs(_ node: Node, _ context: String) -> [(String, String, Node)]? {
        guard let mapping = mapping(node, context) else { return nil }
        var result: [(String, String, Node)] = []
        for entry in mapping.entries {
            if case let .sequence(items) = entry.value {
                for item in items {
                    if let value = string(item, "\(context).\(entry.key)") { result.append((entry.key, value, item)) }
                }
            } else if let value = string(entry.value, "\(context).\(entry.key)") {
                result.append((entry.key, value, entry.value))
            }
        }
        return result
    }

    /// Converts a YAML subtree to JSON. Plain scalars are typed (null, booleans, integers, decimals);
    /// quoted scalars are always strings.
    public func json(_ node: Node, _ context: String) -> JSONValue? {
        switch node {
        case let .scalar(scalar):
            return Self.jsonScalar(node, scalar)
        case let .sequence(sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                guard let value = json(item, "\(context)[\(index)]") else { return nil }
                items.append(value)
            }
            return .array(items)
        case .mapping:
            guard let mapping = mapping(node, context) else { return nil }
            var object: [(String, JSONValue)] = []
            for entry in mapping.entries {
                guard let value = json(entry.value, "\(context).\(entry.key)") else { return nil }
                object.append((entry.key, value))
            }
            return .object(.init(uniqueKeysWithValues: object))
        case .alias:
            error("YAML aliases are not supported in '\(context)'", at: node)
            return nil
        }
    }

    /// A scalar as JSON: a quoted scalar is a string; a plain one is typed (null, boolean, integer, decimal, else string).
    public static func jsonScalar(_ node: Node, _ scalar: Node.Scalar) -> JSONValue {
        if scalar.style != .plain { return .string(scalar.string) }
        if node.null != nil { return .null }
        if let bool = node.bool { return .bool(bool) }
        if let int = Int64(scalar.string) { return .int(int) }
        if node.float != nil, let double = Double(scalar.string) { return .double(double) }
        return .string(scalar.string)
    }

    public static func kind(of node: Node) -> String {
        switch node {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func describe(_ node: Node) -> String {
        if case let .scalar(scalar) = node { return "'\(scalar.string)'" }
        return kind(of: node)
    }
}
