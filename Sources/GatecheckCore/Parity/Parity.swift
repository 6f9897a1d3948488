import Foundation
import HTTPMessage
import JSONCore

/// `parity:` in a suite: what else differs between two targets by design and is not compared.
public struct ParitySettings: Sendable {
    /// Header names (any case) never compared.
    public var ignoreHeaders: [String] = []
    /// JSON paths (names, indexes, `[*]`, `.*`, `..name`) whose values, and everything under them, are not compared.
    public var ignoreJSONPaths: [ParityPathPattern] = []
    /// Header names (any case) of the default ignore list (``ParityComparison/infrastructureHeaders``) that are
    /// compared after all (`--compare-header`).
    public var compareHeaders: [String] = []

    public init(ignoreHeaders: [String] = [], ignoreJSONPaths: [ParityPathPattern] = [], compareHeaders: [String] = []) {
        self.ignoreHeaders = ignoreHeaders
        self.ignoreJSONPaths = ignoreJSONPaths
        self.compareHeaders = compareHeaders
    }

    /// Why a header is not compared, or nil when it is.
    public func ignoreReason(forHeader name: String) -> HeaderIgnoreReason? {
        let lowered = name.lowercased()
        if ignoreHeaders.contains(where: { $0.lowercased() == lowered }) { return .ignored }
        if ParityComparison.isInfrastructureHeader(lowered), !compareHeaders.contains(where: { $0.lowercased() == lowered }) {
            return .infrastructure
        }
        return nil
    }
}

/// Why `--compare` (and snapshots) leave a header out.
public enum HeaderIgnoreReason: Sendable, Hashable {
    /// The default list: added by the serving infrastructure, different on every request or hop.
    case infrastructure
    /// The suite's `parity.ignoreHeaders` or `--compare-ignore-header`.
    case ignored
}

/// A JSONPath used to ignore parts of a body: `$.requestId`, `$.items[*].updatedAt`, `$..etag`, `$['a key']`.
/// Filters and slices are not supported (an ignored path names places, it does not test values).
public struct ParityPathPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Hashable {
        case name(String)
        case index(Int)
        /// `*` or `[*]`: any one key or index.
        case wildcard
        /// `..`: any number of levels (zero included).
        case descendants
    }

    public let expression: String
    let segments: [Segment]

    /// Parses the expression; the error text says what is not supported.
    public init(_ expression: String) throws(ParityPathError) {
        self.expression = expression
        guard let segments = Self.parse(expression, allowWildcards: true) else {
            throw ParityPathError(expression: expression)
        }
        self.segments = segments
    }

    public var description: String { expression }

    /// Whether a concrete path (as JSONDiff writes them: `$.items[1].id`) is this pattern or lies under it.
    public func covers(_ concretePath: String) -> Bool {
        guard let concrete = Self.parse(concretePath, allowWildcards: false) else { return false }
        return Self.matchesPrefix(segments[...], concrete[...])
    }

    static func matchesPrefix(_ pattern: ArraySlice<Segment>, _ path: ArraySlice<Segment>) -> Bool {
        guard let first = pattern.first else { return true }  // the pattern is used up: path is at or under it
        if first == .descendants {
            var rest = path
            while true {
                if matchesPrefix(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let head = path.first else { return false }
        switch (first, head) {
        case (.wildcard, _): break
        case let (.name(a), .name(b)) where a == b: break
        case let (.index(a), .index(b)) where a == b: break
        default: return false
        }
        return matchesPrefix(pattern.dropFirst(), path.dropFirst())
    }

    /// `$` followed by `.name`, `.*`, `..name`, `..*`, `[n]`, `[*]`, `['name']`, `["name"]`.
    static func parse(_ text: String, allowWildcards: Bool) -> [Segment]? {
        let characters = Array(text)
        guard characters.first == "$" else { return nil }
        var index = 1
        var segments: [Segment] = []
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "$" || c == "@" }
        while index < characters.count {
            let c = characters[index]
            if c == "." {
                index += 1
                if index < characters.count, characters[index] == "." {
                    guard allowWildcards else { return nil }
                    segments.append(.descendants)
                    index += 1
                    if index < characters.count, characters[index] == "[" { continue }
                }
                guard index < characters.count else { return nil }
                if characters[index] == "*" {
                    guard allowWildcards else { return nil }
                    segments.append(.wildcard)
                    index += 1
                    continue
                }
                var name = ""
                while index < characters.count, isNameCharacter(characters[index]) { name.append(characters[index]); index += 1 }
                guard !name.isEmpty else { return nil }
                segments.append(.name(name))
            } else if c == "[" {
                index += 1
                guard index < characters.count else { return nil }
                let opener = characters[index]
                if opener == "'" || opener == "\"" {
                    index += 1
                    var name = ""
                    while index < characters.count, characters[index] != opener {
                        if characters[index] == "\\", index + 1 < characters.count { index += 1 }
                        name.append(characters[index])
                        index += 1
                    }
                    guard index + 1 < characters.count, characters[index + 1] == "]" else { return nil }
                    index += 2
                    segments.append(.name(name))
                } else if opener == "*" {
                    guard allowWildcards, index + 1 < characters.count, characters[index + 1] == "]" else { return nil }
                    index += 2
                    segments.append(.wildcard)
                } else {
                    var digits = ""
                    while index < characters.count, characters[index].isNumber { digits.append(characters[index]); index += 1 }
                    guard let number = Int(digits), index < characters.count, characters[index] == "]" else { return nil }
                    index += 1
                    segments.append(.index(number))
                }
            } else {
                return nil
            }
        }
        if segments.last == .descendants { return nil }
        return segments
    }
}

public struct ParityPathError: Error, Sendable, CustomStringConvertible {
    public var expression: String
    public var description: String {
        "unsupported JSONPath '\(expression)' for ignoreJSONPaths (use $.name, $['name'], [0], [*], .* or ..name; filters and slices are not supported)"
    }
}

/// One place where the responses of two targets (or a response and its snapshot) differ.
public struct ParityDifference: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case status
        /// A header, by its name as first seen.
        case header(String)
        /// The body as a whole (not JSON on both sides).
        case body
        /// A JSON path where the two bodies differ.
        case jsonPath(String)
    }

    public var kind: Kind
    /// The first side's value, rendered; nil when absent.
    public var left: String?
    /// The second side's value, rendered; nil when absent.
    public var right: String?

    public init(kind: Kind, left: String?, right: String?) {
        self.kind = kind
        self.left = left
        self.right = right
    }

    /// What an allowlist entry names: `status`, `header:<name>`, `body` or `jsonPath:<path>`.
    public var what: String {
        switch kind {
        case .status: return "status"
        case let .header(name): return "header:\(name)"
        case .body: return "body"
        case let .jsonPath(path): return "jsonPath:\(path)"
        }
    }

    /// The label of the row in a side-by-side diff.
    var label: String {
        switch kind {
        case .status: return "status"
        case let .header(name): return "header \(name)"
        case .body: return "body"
        case let .jsonPath(path): return "body \(path)"
        }
    }
}

/// Compares two responses after removing what always differs between deployments.
public enum ParityComparison {
    /// The headers `--compare` ignores by default, lowercased: hop-by-hop headers (RFC 9110 §7.6.1), what every
    /// server or proxy on the way adds (`Date`, `Server`, `Via`, `Age`), request and trace ids (API Gateway's
    /// `x-amzn-RequestId`, `x-amz-apigw-id`, `Apigw-Requestid`, `X-Amzn-Trace-Id`), CloudFront's `X-Cache`, and the
    /// backend's date remapped by API Gateway. Names starting with ``infrastructureHeaderPrefixes`` count too.
    /// `Content-Length` is ignored separately, when the bodies differ only in JSON whitespace.
    public static let infrastructureHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
        "date", "server", "via", "age",
        "x-amzn-requestid", "x-amz-apigw-id", "apigw-requestid", "x-amzn-trace-id", "x-amz-request-id",
        "x-cache", "x-amzn-remapped-date",
    ]

    /// Prefixes of infrastructure headers: CloudFront's `X-Amz-Cf-Id`/`X-Amz-Cf-Pop`/..., LocalStack's `x-localstack*`.
    public static let infrastructureHeaderPrefixes = ["x-amz-cf-", "x-localstack"]

    /// Whether `name` (any case) is on the default ignore list.
    public static func isInfrastructureHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return infrastructureHeaders.contains(lowered) || infrastructureHeaderPrefixes.contains { lowered.hasPrefix($0) }
    }

    /// The headers compared: everything but the infrastructure (unless `compareHeaders` names it) and ignored ones.
    public static func comparedHeaders(_ headers: HTTPHeaders, settings: ParitySettings) -> HTTPHeaders {
        var result = HTTPHeaders()
        for field in headers where settings.ignoreReason(forHeader: field.name) == nil { result.add(name: field.name, value: field.value) }
        return result
    }

    /// The names (as first seen) of the headers that differ between the responses (in value, or present on one
    /// side only) and were left out of the comparison, by reason.
    public static func ignoredHeaderDifferences(left: HTTPHeaders, right: HTTPHeaders, settings: ParitySettings) -> [HeaderIgnoreReason: [String]] {
        var result: [HeaderIgnoreReason: [String]] = [:]
        var seen: Set<String> = []
        for field in Array(left) + Array(right) where seen.insert(field.name.lowercased()).inserted {
            guard let reason = settings.ignoreReason(forHeader: field.name),
                  left.values(for: field.name) != right.values(for: field.name) else { continue }
            result[reason, default: []].append(field.name)
        }
        return result
    }

    /// Every difference between `left` and `right`, in the order status, headers, body.
    public static func differences(left: HTTPResponse, right: HTTPResponse, settings: ParitySettings) -> [ParityDifference] {
        var result: [ParityDifference] = []
        if left.status != right.status {
            result.append(ParityDifference(kind: .status, left: "\(left.status)", right: "\(right.status)"))
        }
        let bodyDifferences = self.bodyDifferences(left.body, right.body, settings: settings)
        let leftJSON = try? JSONValue.parse(bytes: left.body)
        let rightJSON = try? JSONValue.parse(bytes: right.body)
        // Equal JSON documents may still be written with different whitespace: their lengths say nothing.
        let lengthIsNoise = bodyDifferences.isEmpty && leftJSON != nil && rightJSON != nil
        let extraIgnored: Set<String> = lengthIsNoise ? ["content-length"] : []
        result += headerDifferences(comparedHeaders(left.headers, settings: settings),
                                    comparedHeaders(right.headers, settings: settings), ignoring: extraIgnored)
        result += bodyDifferences
        return result
    }

    static func headerDifferences(_ left: HTTPHeaders, _ right: HTTPHeaders, ignoring: Set<String>) -> [ParityDifference] {
        var names: [String] = []
        var seen: Set<String> = []
        for field in Array(left) + Array(right) where !seen.contains(field.name.lowercased()) && !ignoring.contains(field.name.lowercased()) {
            seen.insert(field.name.lowercased())
            names.append(field.name)
        }
        var result: [ParityDifference] = []
        for name in names {
            let a = left.values(for: name), b = right.values(for: name)
            if a != b {
                result.append(ParityDifference(kind: .header(name), left: a.isEmpty ? nil : a.joined(separator: ", "),
                                               right: b.isEmpty ? nil : b.joined(separator: ", ")))
            }
        }
        return result
    }

    static func bodyDifferences(_ left: [UInt8], _ right: [UInt8], settings: ParitySettings) -> [ParityDifference] {
        if left == right { return [] }
        if !left.isEmpty, !right.isEmpty, let a = try? JSONValue.parse(bytes: left), let b = try? JSONValue.parse(bytes: right) {
            let found = JSONDiff.differences(expected: a, actual: b, limit: 200)
            return found.filter { difference in !settings.ignoreJSONPaths.contains { $0.covers(difference.path) } }
                .prefix(50).map { difference in
                    switch difference.kind {
                    case let .valueMismatch(expected, actual), let .typeMismatch(expected, actual):
                        return ParityDifference(kind: .jsonPath(difference.path), left: render(expected), right: render(actual))
                    case let .missing(expected):
                        return ParityDifference(kind: .jsonPath(difference.path), left: render(expected), right: nil)
                    case let .unexpected(actual):
                        return ParityDifference(kind: .jsonPath(difference.path), left: nil, right: render(actual))
                    case let .lengthMismatch(expected, actual):
                        return ParityDifference(kind: .jsonPath(difference.path), left: "\(expected) element\(expected == 1 ? "" : "s")",
                                                right: "\(actual) element\(actual == 1 ? "" : "s")")
                    }
                }
        }
        let (a, b) = excerpts(left, right)
        return [ParityDifference(kind: .body, left: a, right: b)]
    }

    /// Both bodies around their first differing byte: text when both are UTF-8, else base64; bounded.
    static func excerpts(_ left: [UInt8], _ right: [UInt8], context: Int = 40) -> (String, String) {
        var offset = 0
        while offset < left.count, offset < right.count, left[offset] == right[offset] { offset += 1 }
        func excerpt(_ bytes: [UInt8]) -> String {
            if bytes.isEmpty { return "(empty)" }
            let start = max(0, offset - context)
            let end = min(bytes.count, offset + context)
            let slice = Array(bytes[start..<end])
            let prefix = start > 0 ? "…" : "", suffix = end < bytes.count ? "…" : ""
            let size = "(\(bytes.count) bytes, first difference at byte \(offset)) "
            if let text = String(utf8Excerpt: slice) {
                return size + prefix + JSONValue.string(text).serialized() + suffix
            }
            return size + "base64:" + Data(slice).base64EncodedString() + (suffix.isEmpty ? "" : " …")
        }
        return (excerpt(left), excerpt(right))
    }

    static func render(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// A side-by-side table: one row per difference, `what | left | right`.
    public static func sideBySide(_ differences: [ParityDifference], leftTitle: String, rightTitle: String,
                                  notes: [ParityDifference: String] = [:]) -> [String] {
        let absent = "(absent)"
        let widthLimit = 60
        func cell(_ text: String?) -> String {
            let value = text ?? absent
            return value.count > 400 ? String(value.prefix(400)) + "…" : value
        }
        let labelWidth = min(40, max(4, differences.map(\.label.count).max() ?? 4))
        let leftWidth = min(widthLimit, max(leftTitle.count, differences.map { cell($0.left).count }.max() ?? 0))
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        var lines = [pad("", labelWidth) + "  " + pad(leftTitle, leftWidth) + " | " + rightTitle]
        for difference in differences {
            var line = pad(difference.label, labelWidth) + "  " + pad(cell(difference.left), leftWidth) + " | " + cell(difference.right)
            if let note = notes[difference] { line += "  (" + note + ")" }
            lines.append(line)
        }
        return lines
    }
}

extension String {
    /// The text of a cut out piece of a body: valid UTF-8 without NUL once the multi-byte characters split by the
    /// cut are dropped at both ends; nil for binary data.
    init?(utf8Excerpt bytes: [UInt8]) {
        guard !bytes.contains(0) else { return nil }
        // A cut may split a multi-byte character: trim incomplete sequences at both ends first.
        var slice = bytes[...]
        while let first = slice.first, first & 0xC0 == 0x80 { slice = slice.dropFirst() }
        let trimmed = Array(slice)
        for drop in 0...3 where drop <= trimmed.count {
            let candidate = Array(trimmed.dropLast(drop))
            if let text = String(validating: candidate, as: UTF8.self) {
                self = text
                return
            }
        }
        return nil
    }
}
