import OrderedCollections

extension JSONValue {
    /// The JSON type name: "object", "array", "string", "number", "boolean" or "null".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The member named `key`; nil unless this is an object with that key.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The element at `index` (0-based); nil unless this is an array and the index is in range.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The text of a `.string`.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of an `.int`, or of a `.double` that is integral and fits `Int64`.
    public var intValue: Int64? {
        switch self {
        case .int(let number): return number
        case .double(let number): return Int64(exactly: number)
        default: return nil
        }
    }

    /// The value of a number (`.int` or `.double`) as a `Double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    /// The value of a `.bool`.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The elements of an `.array`.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members of an `.object`, in document order.
    public var objectValue: OrderedDictionary<String, JSONValue>? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// True for `.int` and `.double`.
    public var isNumber: Bool {
        switch self {
        case .int, .double: return true
        default: return false
        }
    }

    /// True for `.array` and `.object`.
    var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }

    /// JSON equality as a user means it: numbers compare numerically (`1 == 1.0`), object key
    /// order is ignored, array order matters, strings compare by Unicode scalars.
    public func semanticallyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double):
            return JSONValue.compareNumbers(self, other) == 0
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for index in a.indices where !a[index].semanticallyEquals(b[index]) { return false }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.semanticallyEquals(otherValue) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Whether this (actual) value contains `subset` (an expected pattern).
    ///
    /// Objects: every key of `subset` is present here and its value recursively contains the
    /// expected one (extra keys are allowed). Arrays: same length, element-wise containment.
    /// Scalars: `semanticallyEquals`.
    public func contains(subset: JSONValue) -> Bool {
        switch (self, subset) {
        case (.object(let actual), .object(let expected)):
            for (key, expectedValue) in expected {
                guard let actualValue = actual[key], actualValue.contains(subset: expectedValue) else { return false }
            }
            return true
        case (.array(let actual), .array(let expected)):
            guard actual.count == expected.count else { return false }
            for index in actual.indices where !actual[index].contains(subset: expected[index]) { return false }
            return true
        default:
            return semanticallyEquals(subset)
        }
    }

    /// Compares two numbers exactly (no rounding of large `Int64`s through `Double`).
    /// Returns -1, 0 or 1; nil if either value is not a number or is NaN.
    static func compareNumbers(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.double(let a), .double(let b)):
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)):
            return compare(int: a, double: b)
        case (.double(let a), .int(let b)):
            return compare(int: b, double: a).map { -$0 }
        default:
            return nil
        }
    }

    private static func compare(int: Int64, double: Double) -> Int? {
        if double.isNaN { return nil }
        // 2^63 is exactly representable; every Int64 is below it and at or above -2^63.
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let truncated = Int64(double.rounded(.towardZero))
        if int != truncated { return int < truncated ? -1 : 1 }
        let fraction = double - double.rounded(.towardZero)
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }
}
