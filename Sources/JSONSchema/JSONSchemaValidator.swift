import Foundation
import JSONCore
import OrderedCollections

/// One place where an instance breaks its schema: the JSON pointer of the instance (`/items/0/id`, `/` for the
/// whole document) and the reason, worded like API Gateway's request-validation messages.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON pointer of the offending value within the instance; `/` is the whole document.
    public var pointer: String
    public var message: String

    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { message }
}

/// A JSON Schema draft 4 validator, the dialect API Gateway models are written in.
///
/// Keywords: `type` (one name or a list; `integer` accepts `1.0`), `enum`, `allOf`, `anyOf`, `oneOf`, `not`,
/// `required`, `properties`, `patternProperties`, `additionalProperties`, `minProperties`, `maxProperties`,
/// `dependencies` (property and schema dependencies), `items` (one schema or a tuple), `additionalItems`, `minItems`,
/// `maxItems`, `uniqueItems`, `minLength`, `maxLength` (counted in code points), `pattern` (searched, not anchored),
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (draft 4 booleans), `multipleOf`, and `$ref`.
///
/// `$ref` resolves, in order: a JSON pointer into the schema being validated (`#`, `#/definitions/Item`,
/// `#/properties/a`), then a named model: the last path segment of `#/components/schemas/X`, `#/definitions/X` or
/// an API Gateway model URL (`https://apigateway.amazonaws.com/restapis/{id}/models/X`) looked up in `models`. A
/// model reached by name becomes the root for its own `#/...` pointers. Sibling keywords of `$ref` are ignored, as
/// draft 4 says. `format` is not checked (API Gateway does not check it either); unknown keywords are ignored.
public struct JSONSchemaValidator: Sendable {
    /// Named models (`components.schemas`, or a REST API's models), for `$ref` by name.
    public let models: [String: JSONValue]
    /// How deep schemas may nest (through `$ref` included) before validation stops with a violation: a guard against
    /// a self-referencing schema.
    public var maximumDepth = 64

    public init(models: [String: JSONValue] = [:]) {
        self.models = models
    }

    /// The first violation found, or nil when `instance` is valid against `schema`.
    public func firstViolation(of schema: JSONValue, by instance: JSONValue) -> SchemaViolation? {
        var collector = Collector(limit: 1)
        check(schema, root: schema, instance, pointer: "", depth: 0, into: &collector)
        return collector.found.first
    }

    /// Every violation (at most `limit`), in document order of the instance; empty when `instance` is valid.
    public func violations(of schema: JSONValue, by instance: JSONValue, limit: Int = 20) -> [SchemaViolation] {
        var collector = Collector(limit: max(1, limit))
        check(schema, root: schema, instance, pointer: "", depth: 0, into: &collector)
        return collector.found
    }

    /// Whether `instance` is valid against `schema`.
    public func isValid(_ instance: JSONValue, against schema: JSONValue) -> Bool {
        firstViolation(of: schema, by: instance) == nil
    }

    /// Why a `$ref` does not resolve, or nil when it does (for load-time checks of a definition).
    public func unresolvableReference(_ reference: String, in root: JSONValue) -> String? {
        resolve(reference, root: root) == nil ? "unresolvable $ref '\(reference)'" : nil
    }

    // MARK: - Validation

    private struct Collector {
        let limit: Int
        var found: [SchemaViolation] = []
        var isFull: Bool { found.count >= limit }
        mutating func add(_ pointer: String, _ message: String) {
            if !isFull { found.append(SchemaViolation(pointer: pointer.isEmpty ? "/" : pointer, message: message)) }
        }
    }

    private func valid(_ schema: JSONValue, root: JSONValue, _ instance: JSONValue, pointer: String, depth: Int) -> Bool {
        var collector = Collector(limit: 1)
        check(schema, root: root, instance, pointer: pointer, depth: depth, into: &collector)
        return collector.found.isEmpty
    }

    private func check(_ schema: JSONValue, root: JSONValue, _ instance: JSONValue, pointer: String, depth: Int, into out: inout Collector) {
        let here = pointer.isEmpty ? "/" : pointer
        guard depth < maximumDepth else { return out.add(pointer, "schema nesting too deep at \(here)") }
        guard case let .object(keywords) = schema, !out.isFull else { return }
        if case let .string(reference)? = keywords["$ref"] {
            guard let (target, targetRoot) = resolve(reference, root: root) else {
                return out.add(pointer, "unresolvable $ref '\(reference)'")
            }
            return check(target, root: targetRoot, instance, pointer: pointer, depth: depth + 1, into: &out)
        }
        if let type = keywords["type"] {
            let allowed: [String]
            switch type {
            case let .string(name): allowed = [name]
            case let .array(names): allowed = names.compactMap { if case let .string(name) = $0 { return name } else { return nil } }
            default: allowed = []
            }
            if !allowed.isEmpty, !allowed.contains(where: { Self.has(type: $0, instance) }) {
                out.add(pointer, "instance type (\(Self.typeName(instance))) at \(here) does not match any allowed primitive type (allowed: \(Self.list(allowed)))")
                return
            }
        }
        if case let .array(options)? = keywords["enum"], !options.contains(where: { Self.equal($0, instance) }) {
            out.add(pointer, "instance value (\(Self.shortText(instance))) at \(here) not found in enum (possible values: \(Self.list(options.map(Self.shortText))))")
        }
        if case let .array(schemas)? = keywords["allOf"] {
            for subschema in schemas { check(subschema, root: root, instance, pointer: pointer, depth: depth + 1, into: &out) }
        }
        if case let .array(schemas)? = keywords["anyOf"],
           !schemas.contains(where: { valid($0, root: root, instance, pointer: pointer, depth: depth + 1) }) {
            out.add(pointer, "instance at \(here) failed to match any schema of anyOf")
        }
        if case let .array(schemas)? = keywords["oneOf"] {
            let matching = schemas.filter { valid($0, root: root, instance, pointer: pointer, depth: depth + 1) }.count
            if matching != 1 { out.add(pointer, "instance at \(here) matched \(matching) schemas of oneOf, expected exactly one") }
        }
        if let negated = keywords["not"], valid(negated, root: root, instance, pointer: pointer, depth: depth + 1) {
            out.add(pointer, "instance at \(here) matched a schema it must not match (not)")
        }
        switch instance {
        case let .object(object):
            checkObject(object, keywords, root: root, pointer: pointer, depth: depth, into: &out)
        case let .array(items):
            checkArray(items, keywords, root: root, pointer: pointer, depth: depth, into: &out)
        case let .string(text):
            let length = text.unicodeScalars.count
            if let minimum = Self.integer(keywords["minLength"]), length < minimum {
                out.add(pointer, "string at \(here) is too short (length: \(length), required minimum: \(minimum))")
            }
            if let maximum = Self.integer(keywords["maxLength"]), length > maximum {
                out.add(pointer, "string at \(here) is too long (length: \(length), maximum allowed: \(maximum))")
            }
            if case let .string(pattern)? = keywords["pattern"] {
                if let expression = Self.regex(pattern) {
                    if !Self.search(expression, text) { out.add(pointer, "string at \(here) does not match the pattern \(pattern)") }
                } else {
                    out.add(pointer, "the schema's pattern \(pattern) at \(here) is not a valid regular expression")
                }
            }
        case .int, .double:
            guard let number = Self.number(instance) else { break }
            if let minimum = Self.number(keywords["minimum"]) {
                let exclusive = keywords["exclusiveMinimum"] == .bool(true)
                if exclusive ? number <= minimum : number < minimum {
                    out.add(pointer, "numeric instance at \(here) is lower than the required minimum (minimum: \(Self.shortText(keywords["minimum"]!)), found: \(Self.shortText(instance)))")
                }
            }
            if let maximum = Self.number(keywords["maximum"]) {
                let exclusive = keywords["exclusiveMaximum"] == .bool(true)
                if exclusive ? number >= maximum : number > maximum {
                    out.add(pointer, "numeric instance at \(here) is greater than the required maximum (maximum: \(Self.shortText(keywords["maximum"]!)), found: \(Self.shortText(instance)))")
                }
            }
            if let divisor = Self.number(keywords["multipleOf"]), divisor > 0, !Self.isMultiple(number, of: divisor, instance) {
                out.add(pointer, "numeric instance at \(here) is not a multiple of \(Self.shortText(keywords["multipleOf"]!))")
            }
        default:
            break
        }
    }

    private func checkObject(_ object: OrderedDictionary<String, JSONValue>, _ keywords: OrderedDictionary<String, JSONValue>,
                             root: JSONValue, pointer: String, depth: Int, into out: inout Collector) {
        let here = pointer.isEmpty ? "/" : pointer
        if case let .array(required)? = keywords["required"] {
            let missing = required.compactMap { if case let .string(name) = $0, object[name] == nil { return name } else { return nil } }
            if !missing.isEmpty { out.add(pointer, "object at \(here) has missing required properties (\(Self.list(missing)))") }
        }
        if let minimum = Self.integer(keywords["minProperties"]), object.count < minimum {
            out.add(pointer, "object at \(here) has too few properties (found \(object.count), required minimum: \(minimum))")
        }
        if let maximum = Self.integer(keywords["maxProperties"]), object.count > maximum {
            out.add(pointer, "object at \(here) has too many properties (found \(object.count), maximum allowed: \(maximum))")
        }
        if case let .object(dependencies)? = keywords["dependencies"] {
            for (name, dependency) in dependencies where object[name] != nil {
                switch dependency {
                case let .array(names):
                    let missing = names.compactMap { if case let .string(other) = $0, object[other] == nil { return other } else { return nil } }
                    if !missing.isEmpty {
                        out.add(pointer, "property \"\(name)\" of object at \(here) requires the properties \(Self.list(missing)), which are missing")
                    }
                case .object:
                    check(dependency, root: root, .object(object), pointer: pointer, depth: depth + 1, into: &out)
                default:
                    break
                }
            }
        }
        var properties: OrderedDictionary<String, JSONValue> = [:]
        if case let .object(declared)? = keywords["properties"] { properties = declared }
        var patterns: [(NSRegularExpression, JSONValue)] = []
        if case let .object(declared)? = keywords["patternProperties"] {
            for (pattern, subschema) in declared {
                if let expression = Self.regex(pattern) { patterns.append((expression, subschema)) }
            }
        }
        for (name, member) in object {
            let memberPointer = pointer + "/" + Self.escape(name)
            var covered = false
            if let subschema = properties[name] {
                covered = true
                check(subschema, root: root, member, pointer: memberPointer, depth: depth + 1, into: &out)
            }
            for (expression, subschema) in patterns where Self.search(expression, name) {
                covered = true
                check(subschema, root: root, member, pointer: memberPointer, depth: depth + 1, into: &out)
            }
            if !covered, let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    out.add(pointer, "object at \(here) has a property that is not allowed: \"\(name)\"")
                } else {
                    check(additional, root: root, member, pointer: memberPointer, depth: depth + 1, into: &out)
                }
            }
        }
    }

    private func checkArray(_ items: [JSONValue], _ keywords: OrderedDictionary<String, JSONValue>,
                            root: JSONValue, pointer: String, depth: Int, into out: inout Collector) {
        let here = pointer.isEmpty ? "/" : pointer
        if let minimum = Self.integer(keywords["minItems"]), items.count < minimum {
            out.add(pointer, "array at \(here) is too short (\(items.count) items, required minimum: \(minimum))")
        }
        if let maximum = Self.integer(keywords["maxItems"]), items.count > maximum {
            out.add(pointer, "array at \(here) is too long (\(items.count) items, maximum allowed: \(maximum))")
        }
        if keywords["uniqueItems"] == .bool(true) {
            for (index, item) in items.enumerated() where items[..<index].contains(where: { Self.equal($0, item) }) {
                out.add(pointer, "array at \(here) must not contain duplicate elements (item \(index) repeats an earlier one)")
                break
            }
        }
        switch keywords["items"] {
        case let .object(itemSchema)?:
            for (index, item) in items.enumerated() {
                check(.object(itemSchema), root: root, item, pointer: "\(pointer)/\(index)", depth: depth + 1, into: &out)
            }
        case let .array(tuple)?:
            for (index, item) in items.enumerated() {
                if index < tuple.count {
                    check(tuple[index], root: root, item, pointer: "\(pointer)/\(index)", depth: depth + 1, into: &out)
                } else if let additional = keywords["additionalItems"] {
                    if additional == .bool(false) {
                        out.add(pointer, "array at \(here) has too many items (\(items.count), the tuple allows \(tuple.count))")
                        break
                    }
                    check(additional, root: root, item, pointer: "\(pointer)/\(index)", depth: depth + 1, into: &out)
                }
            }
        default:
            break
        }
    }

    // MARK: - References

    /// The schema a `$ref` names and the root its own `#/...` pointers resolve against.
    private func resolve(_ reference: String, root: JSONValue) -> (JSONValue, JSONValue)? {
        if reference == "#" { return (root, root) }
        if reference.hasPrefix("#/"), let found = Self.pointee(String(reference.dropFirst(2)), in: root) { return (found, root) }
        guard reference.contains("/"), let last = reference.split(separator: "/").last.map(String.init) else {
            if let model = models[reference] { return (model, model) }
            return nil
        }
        let name = last.removingPercentEncoding ?? last
        guard let model = models[name] else { return nil }
        return (model, model)
    }

    /// The value at a JSON pointer (without the leading `#/`), `~0`/`~1` and percent-escapes undone.
    private static func pointee(_ pointer: String, in root: JSONValue) -> JSONValue? {
        var current = root
        for rawToken in pointer.split(separator: "/", omittingEmptySubsequences: false) {
            let token = (String(rawToken).removingPercentEncoding ?? String(rawToken))
                .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case let .object(object):
                guard let next = object[token] else { return nil }
                current = next
            case let .array(items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    // MARK: - Helpers

    private static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    private static func regex(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: pattern)
    }

    private static func search(_ expression: NSRegularExpression, _ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
    }

    /// Whether `value` has the draft 4 primitive type `type` (`integer` includes `1.0`; `number` includes integers).
    public static func has(type: String, _ value: JSONValue) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case let ("integer", .double(number)): return number == number.rounded() && number.isFinite
        case ("any", _): return true
        default: return false
        }
    }

    /// The draft 4 primitive type name of a value.
    public static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case let .double(number): return number == number.rounded() && number.isFinite ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case let .int(number)?: return Double(number)
        case let .double(number)?: return number
        default: return nil
        }
    }

    private static func integer(_ value: JSONValue?) -> Int? {
        switch value {
        case let .int(number)?: return Int(exactly: number)
        case let .double(number)?: return Int(exactly: number)
        default: return nil
        }
    }

    private static func isMultiple(_ number: Double, of divisor: Double, _ instance: JSONValue) -> Bool {
        if case let .int(whole) = instance, let step = Int64(exactly: divisor), step != 0 { return whole % step == 0 }
        let quotient = number / divisor
        guard quotient.isFinite else { return false }
        return abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient))
    }

    /// JSON equality where `1` equals `1.0`, objects compared without regard to key order.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default:
            if let x = number(a), let y = number(b) { return x == y }
            return a == b
        }
    }

    private static func list(_ names: [String]) -> String {
        "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    private static func shortText(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}
