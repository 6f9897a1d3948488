import Synchronization

/// An invalid JSONPath expression, with the offset (in Unicode scalars, 0-based) where it went wrong.
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, e.g. "unexpected end of expression".
    public var message: String
    /// The whole expression as written.
    public var expression: String
    /// 0-based offset of the problem in `expression`, counted in Unicode scalars.
    public var offset: Int

    public init(message: String, expression: String, offset: Int) {
        self.message = message
        self.expression = expression
        self.offset = offset
    }

    /// "invalid JSONPath '$.a[': unexpected end of expression at offset 4"
    public var description: String { "invalid JSONPath '\(expression)': \(message) at offset \(offset)" }
}

/// A compiled JSONPath expression in the Jayway dialect API Gateway uses.
///
/// Supported: `$`, `.key`, `['key']` / `["key"]`, `[n]` and `[-n]`, `[*]`, `.*`, `..key`, `..*`,
/// `..[n]`, unions (`[0,2]`, `['a','b']`), slices `[start:end:step]`, and filters `[?(...)]` with
/// `@`/`$` paths, existence tests, `== != < <= > >=`, `=~ /regex/i`, `&&`, `||`, `!` and parentheses.
///
/// Compile once with `init`, then call `select(in:)` as often as needed; selection never throws.
/// Semantics worth knowing:
/// - A name selector on a non-object, or an index on a non-array, selects nothing.
/// - A filter on an array tests each element; a filter directly on an object tests the object
///   itself (as Jayway does); after `..`, a filter tests every descendant of the node once, in
///   document order. Other selectors after `..` apply to the node and then to each descendant.
/// - In filters, a definite path yields its value (or nothing when missing), an indefinite path
///   yields the array of its matches. `==` with a missing value is false, `!=` true; ordering
///   comparisons need two numbers or two strings. `=~` must match the whole string (as Java's
///   `Matcher.matches`); the only flag is `i`.
/// - Whitespace is allowed inside brackets and filters. Nesting of parentheses, `!` and filters
///   is limited to 64 levels.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public private(set) var expression: String
    /// True when the path can select at most one value: no wildcard, recursive descent,
    /// filter, slice or union.
    public let isDefinite: Bool
    let segments: [JSONPathSegment]

    /// Compiles `expression`; it must start with `$`.
    public init(_ expression: String) throws(JSONPathError) {
        var parser = JSONPathParser(expression)
        self.segments = try parser.parseRootPath()
        self.expression = expression
        self.isDefinite = JSONPathSegment.isDefinite(segments)
    }

    public var description: String { expression }

    public static func == (lhs: JSONPath, rhs: JSONPath) -> Bool { lhs.expression == rhs.expression }
    public func hash(into hasher: inout Hasher) { hasher.combine(expression) }

    /// Every value the path selects, in document order (union members in the order written).
    public func select(in root: JSONValue) -> [JSONValue] {
        if isDefinite {
            return JSONPathEvaluator.definite(segments, from: root).map { [$0] } ?? []
        }
        return JSONPathEvaluator.select(segments, from: root, root: root)
    }

    /// The first value the path selects, if any.
    public func first(in root: JSONValue) -> JSONValue? {
        if isDefinite {
            return JSONPathEvaluator.definite(segments, from: root)
        }
        return JSONPathEvaluator.select(segments, from: root, root: root).first
    }
}

// MARK: - Compiled form

enum JSONPathSegment: Sendable {
    /// `.name`, `[...]`: selectors applied to the node itself.
    case child([JSONPathSelector])
    /// `..name`, `..[...]`: selectors applied to the node and all its descendants.
    case descendant([JSONPathSelector])

    static func isDefinite(_ segments: [JSONPathSegment]) -> Bool {
        segments.allSatisfy { segment in
            guard case .child(let selectors) = segment, selectors.count == 1 else { return false }
            switch selectors[0] {
            case .name, .index: return true
            default: return false
            }
        }
    }
}

enum JSONPathSelector: Sendable {
    case name(String)
    case wildcard
    case index(Int)
    case slice(start: Int?, end: Int?, step: Int?)
    case filter(JSONPathFilter)
}

indirect enum JSONPathFilter: Sendable {
    case or(JSONPathFilter, JSONPathFilter)
    case and(JSONPathFilter, JSONPathFilter)
    case not(JSONPathFilter)
    case exists(JSONPathOperand)
    case compare(JSONPathOperand, JSONPathComparison, JSONPathOperand)
    case matches(JSONPathOperand, JSONPathRegex)
}

enum JSONPathOperand: Sendable {
    case literal(JSONValue)
    /// `@...` relative to the filtered node; `definite` tells how to turn matches into a value.
    case relative([JSONPathSegment], definite: Bool)
    /// `$...` from the document root.
    case absolute([JSONPathSegment], definite: Bool)
}

enum JSONPathComparison: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// A compiled `/pattern/flags` regular expression.
///
/// `Regex` is not `Sendable`, so the compiled regex lives behind a `Mutex`; matching holds the
/// lock briefly. Regex filters are rare enough that the serialisation does not matter.
final class JSONPathRegex: Sendable {
    let pattern: String
    private let regex: Mutex<Regex<AnyRegexOutput>>

    init?(pattern: String, caseInsensitive: Bool) {
        guard let compiled = try? Regex(pattern) else { return nil }
        self.pattern = pattern
        self.regex = Mutex(caseInsensitive ? compiled.ignoresCase() : compiled)
    }

    func matches(_ text: String) -> Bool {
        regex.withLock { regex in (try? regex.wholeMatch(in: text)) != nil }
    }
}

// MARK: - Evaluation

enum JSONPathEvaluator {
    /// Fast path for definite paths: no intermediate arrays.
    static func definite(_ segments: [JSONPathSegment], from start: JSONValue) -> JSONValue? {
        var current = start
        for segment in segments {
            guard case .child(let selectors) = segment else { return nil }
            switch selectors[0] {
            case .name(let name):
                guard case .object(let members) = current, let next = members[name] else { return nil }
                current = next
            case .index(let index):
                guard case .array(let elements) = current else { return nil }
                let resolved = index < 0 ? elements.count + index : index
                guard elements.indices.contains(resolved) else { return nil }
                current = elements[resolved]
            default:
                return nil
            }
        }
        return current
    }

    static func select(_ segments: [JSONPathSegment], from start: JSONValue, root: JSONValue) -> [JSONValue] {
        var current = [start]
        for segment in segments {
            var next: [JSONValue] = []
            switch segment {
            case .child(let selectors):
                for node in current {
                    for selector in selectors {
                        apply(selector, to: node, root: root, into: &next)
                    }
                }
            case .descendant(let selectors):
                for node in current {
                    if selectors.count == 1, case .filter(let filter) = selectors[0] {
                        // Every proper descendant is tested once, in document order.
                        collectDescendants(of: node, matching: filter, root: root, into: &next)
                    } else {
                        applyToDescendants(selectors, of: node, root: root, into: &next)
                    }
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }

    /// Applies `selectors` to `node` and to every value nested in it, in document order.
    private static func applyToDescendants(
        _ selectors: [JSONPathSelector], of node: JSONValue, root: JSONValue, into output: inout [JSONValue]
    ) {
        for selector in selectors {
            apply(selector, to: node, root: root, into: &output)
        }
        switch node {
        case .array(let elements):
            for element in elements where element.isContainer {
                applyToDescendants(selectors, of: element, root: root, into: &output)
            }
        case .object(let members):
            for value in members.values where value.isContainer {
                applyToDescendants(selectors, of: value, root: root, into: &output)
            }
        default:
            break
        }
    }

    /// Appends every value nested in `node` (not `node` itself) that passes `filter`, in document order.
    private static func collectDescendants(
        of node: JSONValue, matching filter: JSONPathFilter, root: JSONValue, into output: inout [JSONValue]
    ) {
        switch node {
        case .array(let elements):
            for element in elements {
                if test(filter, current: element, root: root) { output.append(element) }
                collectDescendants(of: element, matching: filter, root: root, into: &output)
            }
        case .object(let members):
            for value in members.values {
                if test(filter, current: value, root: root) { output.append(value) }
                collectDescendants(of: value, matching: filter, root: root, into: &output)
            }
        default:
            break
        }
    }

    private static func apply(
        _ selector: JSONPathSelector, to node: JSONValue, root: JSONValue, into output: inout [JSONValue]
    ) {
        switch selector {
        case .name(let name):
            if case .object(let members) = node, let value = members[name] { output.append(value) }
        case .wildcard:
            switch node {
            case .array(let elements): output.append(contentsOf: elements)
            case .object(let members): output.append(contentsOf: members.values)
            default: break
            }
        case .index(let index):
            guard case .array(let elements) = node else { return }
            let resolved = index < 0 ? elements.count + index : index
            if elements.indices.contains(resolved) { output.append(elements[resolved]) }
        case .slice(let start, let end, let step):
            guard case .array(let elements) = node else { return }
            for index in sliceIndices(count: elements.count, start: start, end: end, step: step) {
                output.append(elements[index])
            }
        case .filter(let filter):
            switch node {
            case .array(let elements):
                for element in elements where test(filter, current: element, root: root) { output.append(element) }
            case .object:
                if test(filter, current: node, root: root) { output.append(node) }
            default:
                break
            }
        }
    }

    /// Python / RFC 9535 slice semantics.
    static func sliceIndices(count: Int, start: Int?, end: Int?, step: Int?) -> [Int] {
        let step = step ?? 1
        guard step != 0, count > 0 else { return [] }
        func normalize(_ index: Int) -> Int { index >= 0 ? index : count + index }
        var result: [Int] = []
        if step > 0 {
            let lower = min(max(normalize(start ?? 0), 0), count)
            let upper = min(max(normalize(end ?? count), 0), count)
            var index = lower
            while index < upper {
                result.append(index)
                index += step
            }
        } else {
            let upper = min(max(normalize(start ?? count - 1), -1), count - 1)
            let lower = end.map { min(max(normalize($0), -1), count - 1) } ?? -1
            var index = upper
            while lower < index {
                result.append(index)
                index += step
            }
        }
        return result
    }

    static func test(_ filter: JSONPathFilter, current: JSONValue, root: JSONValue) -> Bool {
        switch filter {
        case .or(let lhs, let rhs):
            return test(lhs, current: current, root: root) || test(rhs, current: current, root: root)
        case .and(let lhs, let rhs):
            return test(lhs, current: current, root: root) && test(rhs, current: current, root: root)
        case .not(let inner):
            return !test(inner, current: current, root: root)
        case .exists(let operand):
            switch operand {
            case .literal(let value): return value != .bool(false) && value != .null
            case .relative(let segments, _): return !select(segments, from: current, root: root).isEmpty
            case .absolute(let segments, _): return !select(segments, from: root, root: root).isEmpty
            }
        case .compare(let lhs, let comparison, let rhs):
            return compare(evaluate(lhs, current: current, root: root), comparison, evaluate(rhs, current: current, root: root))
        case .matches(let operand, let regex):
            guard case .string(let text)? = evaluate(operand, current: current, root: root) else { return false }
            return regex.matches(text)
        }
    }

    private static func evaluate(_ operand: JSONPathOperand, current: JSONValue, root: JSONValue) -> JSONValue? {
        switch operand {
        case .literal(let value):
            return value
        case .relative(let segments, let definite):
            if definite { return self.definite(segments, from: current) }
            return .array(select(segments, from: current, root: root))
        case .absolute(let segments, let definite):
            if definite { return self.definite(segments, from: root) }
            return .array(select(segments, from: root, root: root))
        }
    }

    private static func compare(_ lhs: JSONValue?, _ comparison: JSONPathComparison, _ rhs: JSONValue?) -> Bool {
        switch comparison {
        case .equal: return equal(lhs, rhs)
        case .notEqual: return !equal(lhs, rhs)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let lhs, let rhs else { return false }
            let order: Int?
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)):
                order = a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
                    ? -1 : (a.unicodeScalars.elementsEqual(b.unicodeScalars) ? 0 : 1)
            default:
                order = JSONValue.compareNumbers(lhs, rhs)
            }
            guard let order else { return false }
            switch comparison {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    private static func equal(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case (let a?, let b?): return a.semanticallyEquals(b)
        default: return false
        }
    }
}

// MARK: - Parsing

struct JSONPathParser {
    private let expression: String
    private let scalars: [Unicode.Scalar]
    private var position = 0
    /// Current nesting of filters, parentheses and `!`; bounded so that recursion stays shallow.
    private var nesting = 0
    private static let maximumNesting = 64

    init(_ expression: String) {
        self.expression = expression
        self.scalars = Array(expression.unicodeScalars)
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONPathError {
        JSONPathError(message: message, expression: expression, offset: offset ?? position)
    }

    /// The scalars in `range` as a String, encoded to UTF-8 in one buffer (appending scalars to a
    /// `String.UnicodeScalarView` one by one dominated the compile time of short paths).
    private func text(_ range: Range<Int>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        for scalar in scalars[range] {
            if scalar.isASCII {
                bytes.append(UInt8(truncatingIfNeeded: scalar.value))
            } else if let encoded = UTF8.encode(scalar) {
                bytes.append(contentsOf: encoded)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private var atEnd: Bool { position >= scalars.count }
    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }
    private func peek(_ ahead: Int) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    private func unexpected(_ expectation: String? = nil) -> JSONPathError {
        guard let scalar = current else { return error("unexpected end of expression") }
        let found = "unexpected character '\(Character(scalar))'"
        return error(expectation.map { "\(found), expected \($0)" } ?? found)
    }

    private mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            position += 1
        }
    }

    mutating func parseRootPath() throws(JSONPathError) -> [JSONPathSegment] {
        skipWhitespace()
        guard current == "$" else {
            if atEnd { throw error("empty expression, a JSONPath starts with '$'") }
            throw error("a JSONPath must start with '$'")
        }
        position += 1
        let segments = try parseSegments()
        skipWhitespace()
        guard atEnd else { throw unexpected() }
        return segments
    }

    /// Parses `.name`, `..name`, `[...]` segments until something else comes.
    private mutating func parseSegments() throws(JSONPathError) -> [JSONPathSegment] {
        var segments: [JSONPathSegment] = []
        while let scalar = current {
            if scalar == "." {
                if peek(1) == "." {
                    position += 2
                    if current == "[" {
                        segments.append(.descendant(try parseBracket()))
                    } else {
                        segments.append(.descendant([try parseDotSelector(after: "..")]))
                    }
                } else {
                    position += 1
                    segments.append(.child([try parseDotSelector(after: ".")]))
                }
            } else if scalar == "[" {
                segments.append(.child(try parseBracket()))
            } else {
                break
            }
        }
        return segments
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case ".", "[", "]", "(", ")", " ", "\t", "\n", "\r", "<", ">", "=", "!", "&", "|", ",", "'", "\"", "?", "@", "*", "/":
            return false
        default:
            return true
        }
    }

    private mutating func parseDotSelector(after prefix: String) throws(JSONPathError) -> JSONPathSelector {
        guard let scalar = current else {
            throw error("unexpected end of expression, expected a name or '*' after '\(prefix)'")
        }
        if scalar == "*" {
            position += 1
            return .wildcard
        }
        let start = position
        while let scalar = current, Self.isNameScalar(scalar) { position += 1 }
        guard position > start else { throw unexpected("a name or '*' after '\(prefix)'") }
        return .name(text(start..<position))
    }

    /// Parses `[ ... ]` starting at '['.
    private mutating func parseBracket() throws(JSONPathError) -> [JSONPathSelector] {
        position += 1
        skipWhitespace()
        if current == "?" {
            try enterNesting()
            defer { nesting -= 1 }
            position += 1
            skipWhitespace()
            let filter = try parseOr()
            skipWhitespace()
            guard current == "]" else { throw unexpected("']' after the filter") }
            position += 1
            return [.filter(filter)]
        }
        var selectors: [JSONPathSelector] = []
        while true {
            skipWhitespace()
            guard let scalar = current else { throw error("unexpected end of expression") }
            switch scalar {
            case "*":
                position += 1
                selectors.append(.wildcard)
            case "'", "\"":
                selectors.append(.name(try parseQuotedString()))
            case "-", "0"..."9", ":":
                selectors.append(try parseIndexOrSlice())
            case "]" where selectors.isEmpty:
                throw error("empty brackets, expected a name, index, slice, '*' or filter")
            default:
                throw unexpected("a name, index, slice, '*' or filter in brackets")
            }
            skipWhitespace()
            guard let next = current else { throw error("unexpected end of expression") }
            if next == "]" {
                position += 1
                return selectors
            }
            guard next == "," else { throw unexpected("',' or ']'") }
            position += 1
        }
    }

    private mutating func parseInteger() throws(JSONPathError) -> Int? {
        let start = position
        if current == "-" { position += 1 }
        let digitsStart = position
        while let scalar = current, ("0"..."9").contains(scalar) { position += 1 }
        if position == digitsStart {
            if position > start { throw unexpected("a digit after '-'") }
            return nil
        }
        guard let value = Int(text(start..<position)) else { throw error("integer out of range", at: start) }
        return value
    }

    private mutating func parseIndexOrSlice() throws(JSONPathError) -> JSONPathSelector {
        let first = try parseInteger()
        skipWhitespace()
        guard current == ":" else {
            guard let first else { throw unexpected("an index") }
            return .index(first)
        }
        position += 1
        skipWhitespace()
        let end = try parseInteger()
        skipWhitespace()
        var step: Int?
        if current == ":" {
            position += 1
            skipWhitespace()
            step = try parseInteger()
        }
        return .slice(start: first, end: end, step: step)
    }

    /// Parses a single- or double-quoted string with JSON-style escapes (and `\'`).
    private mutating func parseQuotedString() throws(JSONPathError) -> String {
        let quote = scalars[position]
        let start = position
        position += 1
        var text = String.UnicodeScalarView()
        while let scalar = current {
            position += 1
            if scalar == quote { return String(text) }
            guard scalar == "\\" else {
                text.append(scalar)
                continue
            }
            guard let escaped = current else { break }
            position += 1
            switch escaped {
            case "'", "\"", "\\", "/": text.append(escaped)
            case "n": text.append("\n")
            case "r": text.append("\r")
            case "t": text.append("\t")
            case "b": text.append("\u{08}")
            case "f": text.append("\u{0C}")
            case "u":
                guard position + 4 <= scalars.count else { throw error("incomplete \\u escape", at: position - 2) }
                var hex = String.UnicodeScalarView()
                hex.append(contentsOf: scalars[position..<position + 4])
                guard let value = UInt32(String(hex), radix: 16) else { throw error("invalid \\u escape", at: position - 2) }
                position += 4
                text.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default:
                throw error("invalid escape '\\\(Character(escaped))' in string", at: position - 2)
            }
        }
        throw error("unterminated string", at: start)
    }

    // MARK: Filters

    private mutating func parseOr() throws(JSONPathError) -> JSONPathFilter {
        var result = try parseAnd()
        while true {
            skipWhitespace()
            guard current == "|", peek(1) == "|" else { return result }
            position += 2
            result = .or(result, try parseAnd())
        }
    }

    private mutating func parseAnd() throws(JSONPathError) -> JSONPathFilter {
        var result = try parseUnary()
        while true {
            skipWhitespace()
            guard current == "&", peek(1) == "&" else { return result }
            position += 2
            result = .and(result, try parseUnary())
        }
    }

    private mutating func enterNesting() throws(JSONPathError) {
        guard nesting < Self.maximumNesting else {
            throw error("expression nested more than \(Self.maximumNesting) levels deep")
        }
        nesting += 1
    }

    private mutating func parseUnary() throws(JSONPathError) -> JSONPathFilter {
        skipWhitespace()
        try enterNesting()
        defer { nesting -= 1 }
        if current == "!", peek(1) != "=" {
            position += 1
            return .not(try parseUnary())
        }
        if current == "(" {
            position += 1
            let inner = try parseOr()
            skipWhitespace()
            guard current == ")" else { throw unexpected("')'") }
            position += 1
            return inner
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(JSONPathError) -> JSONPathFilter {
        let operandStart = position
        let lhs = try parseOperand()
        skipWhitespace()
        if current == "=", peek(1) == "~" {
            position += 2
            skipWhitespace()
            return .matches(lhs, try parseRegex())
        }
        guard let comparison = parseComparisonOperator() else {
            if case .literal = lhs {
                throw error("expected a comparison after a literal", at: operandStart)
            }
            return .exists(lhs)
        }
        skipWhitespace()
        let rhs = try parseOperand()
        return .compare(lhs, comparison, rhs)
    }

    private mutating func parseComparisonOperator() -> JSONPathComparison? {
        guard let scalar = current else { return nil }
        let twoCharacter = peek(1) == "="
        switch scalar {
        case "=" where twoCharacter: position += 2; return .equal
        case "!" where twoCharacter: position += 2; return .notEqual
        case "<": position += twoCharacter ? 2 : 1; return twoCharacter ? .lessOrEqual : .less
        case ">": position += twoCharacter ? 2 : 1; return twoCharacter ? .greaterOrEqual : .greater
        default: return nil
        }
    }

    private mutating func parseOperand() throws(JSONPathError) -> JSONPathOperand {
        skipWhitespace()
        guard let scalar = current else { throw error("unexpected end of expression, expected a value in the filter") }
        switch scalar {
        case "@":
            position += 1
            let segments = try parseSegments()
            return .relative(segments, definite: JSONPathSegment.isDefinite(segments))
        case "$":
            position += 1
            let segments = try parseSegments()
            return .absolute(segments, definite: JSONPathSegment.isDefinite(segments))
        case "'", "\"":
            return .literal(.string(try parseQuotedString()))
        case "-", "0"..."9":
            return .literal(try parseNumberLiteral())
        default:
            for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)]
            where matchesWord(word) {
                position += word.unicodeScalars.count
                return .literal(value)
            }
            throw unexpected("'@', '$', a string, a number, true, false or null")
        }
    }

    private func matchesWord(_ word: String) -> Bool {
        var index = position
        for scalar in word.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { return false }
            index += 1
        }
        if index < scalars.count, Self.isNameScalar(scalars[index]) { return false }
        return true
    }

    private mutating func parseNumberLiteral() throws(JSONPathError) -> JSONValue {
        let start = position
        while let scalar = current,
              ("0"..."9").contains(scalar) || scalar == "-" || scalar == "+" || scalar == "." || scalar == "e" || scalar == "E" {
            position += 1
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<position])
        guard let value = try? JSONValue.parse(String(text)), value.isNumber else {
            throw error("invalid number '\(String(text))'", at: start)
        }
        return value
    }

    private mutating func parseRegex() throws(JSONPathError) -> JSONPathRegex {
        guard current == "/" else { throw unexpected("a regular expression like /pattern/ or /pattern/i") }
        let start = position
        position += 1
        var pattern = String.UnicodeScalarView()
        var closed = false
        while let scalar = current {
            position += 1
            if scalar == "\\", let next = current {
                if next != "/" { pattern.append(scalar) }
                pattern.append(next)
                position += 1
            } else if scalar == "/" {
                closed = true
                break
            } else {
                pattern.append(scalar)
            }
        }
        guard closed else { throw error("unterminated regular expression", at: start) }
        var caseInsensitive = false
        while let flag = current, Self.isNameScalar(flag) {
            guard flag == "i" else { throw error("unsupported regular expression flag '\(Character(flag))'") }
            caseInsensitive = true
            position += 1
        }
        guard let regex = JSONPathRegex(pattern: String(pattern), caseInsensitive: caseInsensitive) else {
            throw error("invalid regular expression '\(String(pattern))'", at: start)
        }
        return regex
    }
}
