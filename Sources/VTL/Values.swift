import JSONCore
import OrderedCollections

/// A Java-like mutable map (`java.util.LinkedHashMap`): insertion-ordered, shared by reference.
/// Lives only inside one render call, so it is deliberately not `Sendable`.
final class MapObject {
    var entries: OrderedDictionary<String, Value>
    /// Header maps look keys up case-insensitively when the exact key is absent.
    var caseInsensitiveKeys = false
    /// Set on `$context.responseOverride` / `requestOverride` maps: API Gateway allows each override once.
    var overrideName: String?
    /// Keys guarded by `overrideName` (nil: every key).
    var overrideKeys: Set<String>?
    var overrideWritten: Set<String> = []

    init(_ entries: OrderedDictionary<String, Value> = [:]) {
        self.entries = entries
    }

    func value(forKey key: String) -> Value? {
        if let value = entries[key] { return value }
        if caseInsensitiveKeys {
            let lowered = key.lowercased()
            for (candidate, value) in entries where candidate.lowercased() == lowered { return value }
        }
        return nil
    }

    /// The key actually stored for `key` (the existing spelling for case-insensitive maps).
    func storedKey(for key: String) -> String {
        if entries[key] != nil || !caseInsensitiveKeys { return key }
        let lowered = key.lowercased()
        return entries.keys.first { $0.lowercased() == lowered } ?? key
    }
}

/// A Java-like mutable list. `jsonStyle` lists come from JSON (`$input.path`, `$util.parseJson`)
/// and render as compact JSON like json-smart's `JSONArray`; template lists render like `ArrayList`.
final class ListObject {
    var items: [Value]
    let jsonStyle: Bool

    init(_ items: [Value], jsonStyle: Bool) {
        self.items = items
        self.jsonStyle = jsonStyle
    }
}

/// `$foreach` inside a loop body.
final class ForeachScope {
    var index = 0
    var hasNext = false
    let parent: ForeachScope?

    init(parent: ForeachScope?) {
        self.parent = parent
    }
}

/// A runtime value: what a Velocity context holds.
enum Value {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list(ListObject)
    case map(MapObject)
    /// A `Map.Entry` from `entrySet()`.
    indirect case entry(String, Value)
    /// `$input` of a mapping template.
    case input
    /// `$util` of a mapping template.
    case util
    case foreachScope(ForeachScope)

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Java-ish type name for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "Boolean"
        case .int: return "Integer"
        case .double: return "Double"
        case .string: return "String"
        case .list: return "List"
        case .map: return "Map"
        case .entry: return "Map.Entry"
        case .input: return "$input"
        case .util: return "$util"
        case .foreachScope: return "$foreach"
        }
    }

    /// Converts JSON to native values: objects become maps, arrays JSON-style lists.
    init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let items): self = .list(ListObject(items.map(Value.init(json:)), jsonStyle: true))
        case .object(let members):
            // mapValues keeps the key storage and hash table: no rehashing.
            self = .map(MapObject(members.mapValues(Value.init(json:))))
        }
    }
}

/// Java's `Double.toString`: plain notation for 1e-3 <= |d| < 1e7 (always with a fraction digit),
/// otherwise `d.dddE±n`; shortest round-trip digits.
func javaDoubleString(_ number: Double) -> String {
    if number.isNaN { return "NaN" }
    if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
    if number == 0 { return number.sign == .minus ? "-0.0" : "0.0" }
    let (digits, exponent) = shortestDigits(number.magnitude)
    // value = 0.d1d2...dk × 10^exponent
    var result = number.sign == .minus ? "-" : ""
    let magnitude = number.magnitude
    let count = digits.count
    if magnitude >= 1e-3 && magnitude < 1e7 {
        if exponent <= 0 {
            result += "0." + String(repeating: "0", count: -exponent) + digits
        } else if count <= exponent {
            result += digits + String(repeating: "0", count: exponent - count) + ".0"
        } else {
            let split = digits.index(digits.startIndex, offsetBy: exponent)
            result += digits[..<split] + "." + digits[split...]
        }
    } else {
        let first = digits.prefix(1)
        let rest = digits.dropFirst()
        result += first + "." + (rest.isEmpty ? "0" : rest) + "E" + String(exponent - 1)
    }
    return result
}

/// The shortest round-trip decimal digits of a positive finite double, and the exponent `n`
/// such that the value is `0.digits × 10^n`.
private func shortestDigits(_ magnitude: Double) -> (String, Int) {
    var text = magnitude.description
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...]) ?? 0
        text = String(text[..<e])
    }
    var digits = ""
    var pointPosition: Int?
    for character in text {
        if character == "." {
            pointPosition = digits.count
        } else {
            digits.append(character)
        }
    }
    var n = (pointPosition ?? digits.count) + exponent
    while digits.count > 1, digits.first == "0" {
        digits.removeFirst()
        n -= 1
    }
    while digits.count > 1, digits.last == "0" {
        digits.removeLast()
    }
    return (digits, n)
}
