/// How `JSONValue.serialized(_:)` lays out its output.
public enum JSONStyle: Sendable, Hashable {
    /// No whitespace at all: `{"a":1,"b":[1,2]}`, like `JSON.stringify(value)`.
    case compact
    /// Two-space indentation and `"key": value`, like `JSON.stringify(value, null, 2)`; for diffs and reports.
    case pretty
}

extension JSONValue {
    /// The JSON text of this value.
    ///
    /// Strings are escaped like `JSON.stringify`: `\"` `\\` `\n` `\r` `\t` `\b` `\f`, other control
    /// characters as `\u00xx` (lowercase hex); `/` and non-ASCII characters are kept as they are.
    /// Integers print without a fraction. Doubles print in their shortest round-trip form using
    /// JavaScript's layout rules, except that integral doubles keep a `.0` (`1.0`, `-0.0`,
    /// `100000000000000000000.0`); magnitudes from 1e21 up or below 1e-6 use exponent form
    /// (`1e+21`, `1.5e-7`). NaN and infinities, which parsing never produces, print as `null`.
    public func serialized(_ style: JSONStyle = .compact) -> String {
        var writer = JSONWriter(pretty: style == .pretty)
        writer.write(self, indent: 0)
        return writer.output.makeString()
    }
}

struct JSONWriter: ~Copyable {
    let pretty: Bool
    var output = ByteSink(capacity: 256)

    init(pretty: Bool) {
        self.pretty = pretty
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number):
            writeInteger(number)
        case .double(let number):
            output.append(contentsOf: JSONNumberFormatter.format(number).utf8)
        case .string(let text):
            writeString(text)
        case .array(let elements):
            if elements.isEmpty {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { newline(indent: indent + 1) }
                write(element, indent: indent + 1)
            }
            if pretty { newline(indent: indent) }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                if pretty { newline(indent: indent + 1) }
                writeString(key)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                write(member, indent: indent + 1)
            }
            if pretty { newline(indent: indent) }
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func newline(indent: Int) {
        output.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * 2) { output.append(UInt8(ascii: " ")) }
    }

    private mutating func writeInteger(_ number: Int64) {
        if number >= 0 && number < 10 {
            output.append(UInt8(ascii: "0") + UInt8(number))
            return
        }
        if number < 0 { output.append(UInt8(ascii: "-")) }
        // Digits of the magnitude, least significant first (UInt64 holds |Int64.min|).
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                output.append(buffer[index])
            }
        }
    }

    mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ writeEscaped($0) }) == nil {
            var copy = text
            copy.withUTF8 { writeEscaped($0) }
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscaped(_ buffer: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<buffer.count {
            let byte = buffer[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            runStart = index + 1
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            default:
                output.append(contentsOf: "u00".utf8)
                output.append(Self.hexDigits[Int(byte >> 4)])
                output.append(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<buffer.count]))
    }
}

/// A growable byte buffer for serialisation: plain memory copies instead of generic
/// `Array.append(contentsOf:)`, which dominates the cost of writing many short pieces.
struct ByteSink: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    private mutating func reserve(_ additional: Int) {
        guard count + additional > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + additional { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { reserve(1) }
        base[count] = byte
        count += 1
    }

    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(contentsOf text: String.UTF8View) {
        if text.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            for byte in text { append(byte) }
        }
    }

    /// The bytes written so far, as a String (they are always valid UTF-8).
    func makeString() -> String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }
}

/// Formats doubles as JSON numbers (see `JSONValue.serialized(_:)`).
enum JSONNumberFormatter {
    static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == 0 { return number.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is the shortest round-trip representation; take its digits and
        // decimal exponent, then lay them out the way ECMAScript's Number::toString does.
        let description = number.description
        // Without an exponent, Swift's form is already the JavaScript layout plus ".0" for
        // integral values (Swift uses plain notation for magnitudes in [1e-4, 2^53)).
        if !description.utf8.contains(UInt8(ascii: "e")) { return description }
        return formatWithExponent(number, description: number.magnitude.description)
    }

    private static func formatWithExponent(_ number: Double, description: String) -> String {
        var digits: [UInt8] = []
        var pointPosition: Int?
        var exponent = 0
        var utf8 = Array(description.utf8)
        if let e = utf8.firstIndex(of: UInt8(ascii: "e")) {
            exponent = Int(String(decoding: utf8[(e + 1)...], as: UTF8.self)) ?? 0
            utf8 = Array(utf8[..<e])
        }
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else {
                digits.append(byte)
            }
        }
        // Value = 0.d1d2...dk × 10^n
        var n = (pointPosition ?? digits.count) + exponent
        while let first = digits.first, first == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeFirst()
            n -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeLast()
        }
        let k = digits.count
        var result: [UInt8] = number.sign == .minus ? [UInt8(ascii: "-")] : []
        if k <= n && n <= 21 {
            result += digits
            result += Array(repeating: UInt8(ascii: "0"), count: n - k)
            result += Array(".0".utf8)
        } else if 0 < n && n <= 21 {
            result += digits[..<n]
            result.append(UInt8(ascii: "."))
            result += digits[n...]
        } else if -6 < n && n <= 0 {
            result += Array("0.".utf8)
            result += Array(repeating: UInt8(ascii: "0"), count: -n)
            result += digits
        } else {
            let e = n - 1
            result.append(digits[0])
            if k > 1 {
                result.append(UInt8(ascii: "."))
                result += digits[1...]
            }
            result += Array((e < 0 ? "e-" : "e+").utf8)
            result += Array(String(abs(e)).utf8)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
