import Foundation
import SourceDiagnostics
import Yams

/// `parity-allow.yaml`: known differences between two targets that do not fail a parity run.
///
/// ```yaml
/// - suite: items
///   case: create an item
///   what: header:X-Powered-By     # status | header:<name> | body | jsonPath:<path>
///   why: the emulator does not add the CDN header
///   expires: 2026-12-31           # optional: after this day the difference fails again
/// ```
public struct ParityAllowlist: Sendable {
    public struct Entry: Sendable, Hashable {
        public var suite: String
        /// A case name, or `*` for every case of the suite.
        public var caseName: String
        /// `status`, `header:<name>` (any case), `body`, or `jsonPath:<path>` (the path or anything under it).
        public var what: String
        public var why: String
        /// The last day (UTC) the entry is honoured; nil: no expiry.
        public var expires: DateComponents?
        /// `file:line:col` of the entry, for messages.
        public var location: String
    }

    public static let defaultPath = "parity-allow.yaml"

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Reads and checks the file; errors carry `file:line:col`.
    public static func load(path: String) -> (ParityAllowlist?, [Diagnostic]) {
        let text: String
        switch YAMLSource.readText(path: path) {
        case let .success(read): text = read
        case let .failure(diagnostic): return (nil, [diagnostic])
        }
        return parse(text: text, file: path)
    }

    public static func parse(text: String, file: String) -> (ParityAllowlist?, [Diagnostic]) {
        let sink = DiagnosticSink(file: file)
        let reader = YAMLReader(sink: sink)
        let root: Node?
        switch YAMLSource.parse(text, file: file) {
        case let .success(node): root = node
        case let .failure(diagnostic): return (nil, [diagnostic])
        }
        var entries: [Entry] = []
        guard let root else { return (ParityAllowlist(), []) }
        var items: [Node] = []
        if case .mapping = root, let mapping = reader.mapping(root, "parity allowlist") {
            reader.checkKeys(mapping, allowed: ["allow"], "parity allowlist")
            if let node = reader.require(mapping, "allow", "parity allowlist"), let list = reader.sequence(node, "allow") { items = list }
        } else if let list = reader.sequence(root, "parity allowlist") {
            items = list
        }
        for (index, item) in items.enumerated() {
            let context = "allow[\(index)]"
            guard let mapping = reader.mapping(item, context) else { continue }
            reader.checkKeys(mapping, allowed: ["suite", "case", "what", "why", "expires"], "allowlist entry")
            let suite = reader.require(mapping, "suite", "allowlist entry").flatMap { reader.string($0, "\(context).suite") }
            let caseName = reader.require(mapping, "case", "allowlist entry").flatMap { reader.string($0, "\(context).case") }
            let why = reader.require(mapping, "why", "allowlist entry").flatMap { reader.string($0, "\(context).why") }
            var what: String?
            if let node = reader.require(mapping, "what", "allowlist entry"), let value = reader.string(node, "\(context).what") {
                if let problem = whatProblem(value) { reader.error(problem, at: node) } else { what = value }
            }
            if let why, why.trimmingCharacters(in: .whitespaces).isEmpty, let node = mapping["why"] {
                reader.error("'why' must say why the difference is accepted", at: node)
            }
            var expires: DateComponents?
            if let node = mapping["expires"], let value = reader.string(node, "\(context).expires") {
                expires = parseDay(value)
                if expires == nil { reader.error("invalid date '\(value)' for 'expires' (write YYYY-MM-DD, e.g. 2026-12-31)", at: node) }
            }
            if let suite, let caseName, let what, let why {
                let mark = item.mark
                entries.append(Entry(suite: suite, caseName: caseName, what: what, why: why, expires: expires,
                                     location: "\(file):\(mark?.line ?? 0):\(mark?.column ?? 0)"))
            }
        }
        if sink.hasErrors { return (nil, sink.diagnostics) }
        return (ParityAllowlist(entries: entries), sink.diagnostics)
    }

    static func whatProblem(_ value: String) -> String? {
        if value == "status" || value == "body" { return nil }
        if value.hasPrefix("header:") {
            return value.count > "header:".count ? nil : "'header:' needs a header name, e.g. header:X-Request-Id"
        }
        if value.hasPrefix("jsonPath:") {
            let path = String(value.dropFirst("jsonPath:".count))
            do throws(ParityPathError) { _ = try ParityPathPattern(path) } catch { return error.description }
            return nil
        }
        return "unknown 'what' '\(value)' (expected status, header:<name>, body or jsonPath:<path>)"
    }

    static func parseDay(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return components
    }

    /// The entry that covers `difference` in this case, if any.
    public func entry(suite: String, caseName: String, difference: ParityDifference) -> Entry? {
        entries.first { entry in
            guard entry.suite == suite, entry.caseName == caseName || entry.caseName == "*" else { return false }
            switch difference.kind {
            case .status: return entry.what == "status"
            case .body: return entry.what == "body"
            case let .header(name): return entry.what.lowercased() == "header:" + name.lowercased()
            case let .jsonPath(path):
                if entry.what == "body" { return true }
                guard entry.what.hasPrefix("jsonPath:"),
                      let pattern = try? ParityPathPattern(String(entry.what.dropFirst("jsonPath:".count))) else { return false }
                return pattern.covers(path)
            }
        }
    }
}

extension ParityAllowlist.Entry {
    /// True when `today` (UTC) is after the expiry day.
    public func isExpired(today: Date) -> Bool {
        guard let expires else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let now = calendar.dateComponents([.year, .month, .day], from: today)
        let a = (now.year ?? 0, now.month ?? 0, now.day ?? 0), b = (expires.year ?? 0, expires.month ?? 0, expires.day ?? 0)
        return a > b
    }

    var expiryText: String {
        guard let expires else { return "" }
        return String(format: "%04d-%02d-%02d", expires.year ?? 0, expires.month ?? 0, expires.day ?? 0)
    }
}
