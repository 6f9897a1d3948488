import OrderedCollections

/// A syntax error in a JSON document, with the position where parsing stopped.
///
/// `offset` is the 0-based UTF-8 byte offset; `line` and `column` are 1-based, and the
/// column counts Unicode scalars (not bytes) from the start of the line.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, e.g. "expected ',' or '}' after object member".
    public var message: String
    /// 0-based byte offset into the UTF-8 input.
    public var offset: Int
    /// 1-based line number.
    public var line: Int
    /// 1-based column (in Unicode scalars).
    public var column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// "line 1, column 9: expected ',' or '}' after object member"
    public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts.
    public static let maximumNestingDepth = 512

    /// Parses a JSON document (RFC 8259, strict). Whitespace around the value is allowed.
    ///
    /// Integers that do not fit `Int64` become `.double`; duplicate object keys keep the
    /// last value at the first key's position; lone surrogate escapes become U+FFFD.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer -> Result<JSONValue, JSONParseError> in
            var parser = JSONByteParser(buffer)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses a JSON document from UTF-8 bytes. Invalid UTF-8 is an error.
    public static func parse(bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONByteParser(buffer)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        if let result {
            return try result.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue in
            var parser = JSONByteParser(buffer)
            return try parser.parseDocument()
        }
    }
}

/// An iterative (non-recursive) parser over a UTF-8 byte buffer: nesting depth costs heap,
/// never stack, so hostile input cannot overflow the stack.
struct JSONByteParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Reused scratch buffer for strings containing escapes.
    private var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Characters

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let comma = UInt8(ascii: ",")
    private static let colon = UInt8(ascii: ":")
    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "[")
    private static let closeBracket = UInt8(ascii: "]")
    private static let minus = UInt8(ascii: "-")
    private static let plus = UInt8(ascii: "+")
    private static let zero = UInt8(ascii: "0")
    private static let nine = UInt8(ascii: "9")
    private static let dot = UInt8(ascii: ".")

    // MARK: Errors

    private func error(_ message: String, at offset: Int) -> JSONParseError {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte == UInt8(ascii: "\r") {
                // A CR LF pair counts as one line break.
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                    if index >= end { break }
                }
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return JSONParseError(message: message, offset: offset, line: line, column: column)
    }

    private func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x20 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        if byte < 0x20 { return "control character U+\(byte < 0x10 ? "000" : "00")\(hex)" }
        return "byte 0x\(hex)"
    }

    /// "unescaped control character U+000A in string (write it as \n)"
    private func controlCharacterError() -> JSONParseError {
        let byte = bytes[position]
        let escape: String
        switch byte {
        case 0x0A: escape = "\\n"
        case 0x0D: escape = "\\r"
        case 0x09: escape = "\\t"
        case 0x08: escape = "\\b"
        case 0x0C: escape = "\\f"
        default: escape = "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
        }
        return error("unescaped \(describeByte(at: position)) in string (write it as \(escape))", at: position)
    }

    private func unexpected(_ expectation: String) -> JSONParseError {
        if position >= bytes.count {
            return error("unexpected end of input, \(expectation)", at: position)
        }
        return error("\(expectation), found \(describeByte(at: position))", at: position)
    }

    // MARK: Driver

    @inline(__always)
    private mutating func skipWhitespace() {
        var cursor = position
        let end = bytes.count
        while cursor < end {
            let byte = bytes[cursor]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { break }
            cursor += 1
        }
        position = cursor
    }

    /// An open array or object: where its elements (and keys) start in the shared stacks.
    private struct OpenContainer {
        var isObject: Bool
        var valuesStart: Int
        var keysStart: Int
    }

    /// Parses the whole input as one JSON value.
    ///
    /// Elements of open containers accumulate on one shared value stack (and keys on a shared
    /// key stack); a container is built with its exact size when it closes, so there is no
    /// per-container growth and no copy-on-write.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        var open: [OpenContainer] = []
        var values = MoveStack<JSONValue>(capacity: 64)
        var keys = MoveStack<String>(capacity: 32)

        var value: JSONValue
        parseValue: while true {
            skipWhitespace()
            guard position < bytes.count else {
                throw open.isEmpty
                    ? error("unexpected end of input, expected a JSON value", at: position)
                    : error("unexpected end of input, expected a value", at: position)
            }
            let byte = bytes[position]
            switch byte {
            case Self.openBrace:
                guard open.count < JSONValue.maximumNestingDepth else {
                    throw error("nesting deeper than \(JSONValue.maximumNestingDepth) levels", at: position)
                }
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == Self.closeBrace {
                    position += 1
                    value = .object([:])
                } else {
                    let key = try parseObjectKey(first: true)
                    open.append(OpenContainer(isObject: true, valuesStart: values.count, keysStart: keys.count))
                    keys.push(key)
                    continue parseValue
                }
            case Self.openBracket:
                guard open.count < JSONValue.maximumNestingDepth else {
                    throw error("nesting deeper than \(JSONValue.maximumNestingDepth) levels", at: position)
                }
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == Self.closeBracket {
                    position += 1
                    value = .array([])
                } else {
                    open.append(OpenContainer(isObject: false, valuesStart: values.count, keysStart: keys.count))
                    continue parseValue
                }
            case Self.quote:
                value = .string(try parseString())
            case Self.minus, Self.zero...Self.nine:
                value = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                if let last = open.last, !last.isObject, byte == Self.closeBracket {
                    throw error("trailing comma before ']'", at: position)
                }
                throw unexpected("expected a JSON value")
            }

            // Attach the finished value to its container; close containers that end here.
            while let container = open.last {
                values.push(value)
                skipWhitespace()
                if container.isObject {
                    guard position < bytes.count else {
                        throw unexpected("expected ',' or '}' after object member")
                    }
                    if bytes[position] == Self.comma {
                        position += 1
                        skipWhitespace()
                        keys.push(try parseObjectKey(first: false))
                        continue parseValue
                    }
                    guard bytes[position] == Self.closeBrace else {
                        throw unexpected("expected ',' or '}' after object member")
                    }
                    position += 1
                    open.removeLast()
                    let memberKeys = keys.popArray(from: container.keysStart)
                    let memberValues = values.popArray(from: container.valuesStart)
                    value = .object(Self.makeObject(keys: memberKeys, values: memberValues))
                } else {
                    guard position < bytes.count else {
                        throw unexpected("expected ',' or ']' after array element")
                    }
                    if bytes[position] == Self.comma {
                        position += 1
                        continue parseValue
                    }
                    guard bytes[position] == Self.closeBracket else {
                        throw unexpected("expected ',' or ']' after array element")
                    }
                    position += 1
                    open.removeLast()
                    value = .array(values.popArray(from: container.valuesStart))
                }
            }
            break parseValue
        }
        skipWhitespace()
        guard position == bytes.count else {
            throw error("unexpected \(describeByte(at: position)) after the JSON value", at: position)
        }
        return value
    }

    /// Builds an object; with duplicate keys the last value wins, at the first key's position.
    private static func makeObject(keys: [String], values: [JSONValue]) -> OrderedDictionary<String, JSONValue> {
        var unique = true
        if keys.count <= 16 {
            outer: for index in keys.indices.dropFirst() {
                for earlier in 0..<index where keys[earlier] == keys[index] {
                    unique = false
                    break outer
                }
            }
        } else {
            unique = Set(keys).count == keys.count
        }
        if unique {
            return OrderedDictionary(uncheckedUniqueKeys: keys, values: values)
        }
        var members = OrderedDictionary<String, JSONValue>(minimumCapacity: keys.count)
        for (key, value) in zip(keys, values) {
            members[key] = value
        }
        return members
    }

    /// Parses `"key" :` (whitespace already skipped before the key).
    private mutating func parseObjectKey(first: Bool) throws(JSONParseError) -> String {
        guard position < bytes.count, bytes[position] == Self.quote else {
            if !first, position < bytes.count, bytes[position] == Self.closeBrace {
                throw error("trailing comma before '}'", at: position)
            }
            throw unexpected(first ? "expected a string key or '}'" : "expected a string key")
        }
        let key = try parseString()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == Self.colon else {
            throw unexpected("expected ':' after object key")
        }
        position += 1
        return key
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        let pointer = literal.utf8Start
        var index = 0
        while index < count {
            guard position < bytes.count, bytes[position] == pointer[index] else {
                throw error("invalid literal, expected '\(literal)'", at: start)
            }
            position += 1
            index += 1
        }
    }

    // MARK: Numbers

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    private func isDigit(at index: Int) -> Bool {
        index < bytes.count && bytes[index] &- Self.zero < 10
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var negative = false
        if bytes[position] == Self.minus {
            negative = true
            position += 1
        }
        guard isDigit(at: position) else {
            throw error("expected a digit after '-'", at: position)
        }
        // All significant digits, as long as they fit (for the exact double fast path).
        var mantissa: UInt64 = 0
        var mantissaExact = true
        @inline(__always) func accumulate(_ byte: UInt8) {
            let (times10, o1) = mantissa.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(UInt64(byte &- Self.zero))
            if o1 || o2 { mantissaExact = false } else { mantissa = next }
        }
        if bytes[position] == Self.zero {
            position += 1
            if isDigit(at: position) {
                throw error("leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while isDigit(at: position) {
                if mantissaExact { accumulate(bytes[position]) }
                position += 1
            }
        }
        var isInteger = true
        var fractionDigits = 0
        if position < bytes.count, bytes[position] == Self.dot {
            isInteger = false
            position += 1
            guard isDigit(at: position) else {
                throw error("expected a digit after the decimal point", at: position)
            }
            while isDigit(at: position) {
                if mantissaExact {
                    accumulate(bytes[position])
                    fractionDigits += 1
                }
                position += 1
            }
        }
        var exponent = 0
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            var exponentNegative = false
            if position < bytes.count, bytes[position] == Self.plus || bytes[position] == Self.minus {
                exponentNegative = bytes[position] == Self.minus
                position += 1
            }
            guard isDigit(at: position) else {
                throw error("expected a digit in the exponent", at: position)
            }
            while isDigit(at: position) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] &- Self.zero) }
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if isInteger && mantissaExact {
            if negative, mantissa <= UInt64(Int64.max) + 1 {
                return .int(mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa))
            }
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
        }
        // Exact fast path (Clinger): the digits and the power of ten are both exactly
        // representable, so one multiplication or division rounds correctly.
        let decimalExponent = exponent - fractionDigits
        if mantissaExact, mantissa <= 1 << 53, abs(decimalExponent) <= 22 {
            var double = Double(mantissa)
            if decimalExponent >= 0 {
                double *= Self.exactPowersOfTen[decimalExponent]
            } else {
                double /= Self.exactPowersOfTen[-decimalExponent]
            }
            return .double(negative ? -double : double)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw error("number \(text) is out of range for a double", at: start)
        }
        return .double(double)
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        let openQuote = position
        position += 1
        let start = position
        // Fast path: no escapes. Plain ASCII runs are scanned with locals only.
        while position < bytes.count {
            var cursor = position
            let end = bytes.count
            while cursor < end {
                let byte = bytes[cursor]
                if byte == Self.quote || byte == Self.backslash || byte < 0x20 || byte >= 0x80 { break }
                cursor += 1
            }
            position = cursor
            guard position < end else { break }
            let byte = bytes[position]
            if byte == Self.quote {
                let content = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return String(decoding: content, as: UTF8.self)
            }
            if byte == Self.backslash { break }
            if byte < 0x20 {
                throw controlCharacterError()
            }
            if byte >= 0x80 {
                try validateUTF8Sequence()
            } else {
                position += 1
            }
        }
        guard position < bytes.count else {
            throw error("unterminated string", at: openQuote)
        }
        // Slow path: copy into the scratch buffer, decoding escapes.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            if byte == Self.quote {
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == Self.backslash {
                try parseEscape()
            } else if byte < 0x20 {
                throw controlCharacterError()
            } else if byte >= 0x80 {
                let sequenceStart = position
                try validateUTF8Sequence()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[sequenceStart..<position]))
            } else {
                scratch.append(byte)
                position += 1
            }
        }
        throw error("unterminated string", at: openQuote)
    }

    /// Checks one multi-byte UTF-8 sequence at `position` and moves past it.
    private mutating func validateUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07)
        default: throw error("invalid UTF-8 byte 0x\(String(lead, radix: 16, uppercase: true))", at: position)
        }
        guard position + length <= bytes.count else {
            throw error("truncated UTF-8 sequence", at: position)
        }
        for index in 1..<length {
            let continuation = bytes[position + index]
            guard continuation & 0xC0 == 0x80 else {
                throw error("invalid UTF-8 sequence", at: position)
            }
            scalar = scalar << 6 | UInt32(continuation & 0x3F)
        }
        // Reject overlong forms, surrogates and values above U+10FFFF.
        let valid: Bool
        switch length {
        case 3: valid = scalar >= 0x800 && !(0xD800...0xDFFF).contains(scalar)
        case 4: valid = scalar >= 0x10000 && scalar <= 0x10FFFF
        default: valid = true
        }
        guard valid else { throw error("invalid UTF-8 sequence", at: position) }
        position += length
    }

    private mutating func parseEscape() throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw error("unterminated string", at: escapeStart) }
        let byte = bytes[position]
        position += 1
        switch byte {
        case Self.quote: scratch.append(Self.quote)
        case Self.backslash: scratch.append(Self.backslash)
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: escapeStart)
            var scalarValue: UInt32
            if (0xD800...0xDBFF).contains(unit) {
                // High surrogate: combine with a following \uDC00-\uDFFF escape if present.
                if position + 6 <= bytes.count, bytes[position] == Self.backslash, bytes[position + 1] == UInt8(ascii: "u") {
                    let savedPosition = position
                    position += 2
                    let low = try parseHex4(escapeStart: savedPosition)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        position = savedPosition
                        scalarValue = 0xFFFD
                    }
                } else {
                    scalarValue = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalarValue = 0xFFFD
            } else {
                scalarValue = UInt32(unit)
            }
            appendScalar(Unicode.Scalar(scalarValue) ?? "\u{FFFD}")
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))' in string", at: escapeStart)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else {
            throw error("incomplete \\u escape, expected 4 hex digits", at: escapeStart)
        }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case Self.zero...Self.nine: digit = byte - Self.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape, expected 4 hex digits", at: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private mutating func appendScalar(_ scalar: Unicode.Scalar) {
        UTF8.encode(scalar) { scratch.append($0) }
    }
}

/// A stack that hands its top elements over as an array by moving them (no retain/release
/// traffic, no copy-on-write), used for the elements of containers that are still open.
struct MoveStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    mutating func push(_ element: consuming Element) {
        if count == capacity {
            let newCapacity = capacity * 2
            let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
            newBase.moveInitialize(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Removes the elements from `start` to the top and returns them in order.
    mutating func popArray(from start: Int) -> [Element] {
        // reserveCapacity + append specialise fully (the unsafe-uninitialised initialiser goes
        // through a generic runtime path that looks up type metadata on every call).
        var result: [Element] = []
        result.reserveCapacity(count - start)
        for index in start..<count {
            result.append((base + index).move())
        }
        count = start
        return result
    }
}

