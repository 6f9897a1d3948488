import Foundation
import JSONCore

/// What a method's request validator checks (`x-amazon-apigateway-request-validators`), with the method's
/// required parameters and body models (rule book §3).
public struct RequestValidation: Sendable {
    public enum Location: String, Sendable {
        case header, path, querystring
    }

    public var validatorName: String
    public var validatesParameters: Bool
    public var validatesBody: Bool
    /// Required parameters in declaration order.
    public var requiredParameters: [(location: Location, name: String)]
    /// Body models (JSON Schema draft 4) by content type (lower-cased).
    public var bodySchemas: [(contentType: String, schema: JSONValue)]
}

/// A JSON Schema draft 4 validator for request models: `type`, `enum`, `properties`, `required`,
/// `additionalProperties`, `patternProperties`, `items`, `minItems`, `maxItems`, `uniqueItems`, `minLength`,
/// `maxLength`, `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`,
/// `minProperties`, `maxProperties`, `allOf`, `anyOf`, `oneOf`, `not`, and `$ref` to `#/components/schemas/X`,
/// `#/definitions/X` or API Gateway model URLs (`https://apigateway.amazonaws.com/restapis/{id}/models/X`).
/// `format` is not checked (API Gateway does not check it either).
struct RequestModelValidator {
    /// Named models (`components.schemas`).
    let models: [String: JSONValue]

    /// The first violation found, or nil when `value` is valid.
    func violation(of schema: JSONValue, by value: JSONValue, at path: String = "", depth: Int = 0) -> String? {
        guard depth < 64 else { return "schema nesting too deep at \(path.isEmpty ? "/" : path)" }
        guard case let .object(keywords) = schema else { return nil }
        let here = path.isEmpty ? "/" : path
        if case let .string(reference)? = keywords["$ref"] {
            guard let target = resolve(reference) else { return "unresolvable $ref '\(reference)'" }
            return violation(of: target, by: value, at: path, depth: depth + 1)
        }
        if let type = keywords["type"] {
            let allowed: [String]
            switch type {
            case let .string(name): allowed = [name]
            case let .array(names): allowed = names.compactMap { if case let .string(name) = $0 { return name } else { return nil } }
            default: allowed = []
            }
            if !allowed.isEmpty, !allowed.contains(where: { Self.has(type: $0, value) }) {
                return "instance type (\(Self.typeName(value))) at \(here) does not match any allowed primitive type (allowed: \(allowed))"
            }
        }
        if case let .array(options)? = keywords["enum"], !options.contains(where: { Self.equal($0, value) }) {
            return "instance value at \(here) not found in enum"
        }
        if case let .array(schemas)? = keywords["allOf"] {
            for subschema in schemas { if let problem = violation(of: subschema, by: value, at: path, depth: depth + 1) { return problem } }
        }
        if case let .array(schemas)? = keywords["anyOf"], !schemas.contains(where: { violation(of: $0, by: value, at: path, depth: depth + 1) == nil }) {
            return "instance at \(here) failed to match any schema of anyOf"
        }
        if case let .array(schemas)? = keywords["oneOf"] {
            let matching = schemas.filter { violation(of: $0, by: value, at: path, depth: depth + 1) == nil }.count
            if matching != 1 { return "instance at \(here) matched \(matching) schemas of oneOf, expected exactly one" }
        }
        if let negated = keywords["not"], violation(of: negated, by: value, at: path, depth: depth + 1) == nil {
            return "instance at \(here) matched a schema it must not match (not)"
        }
        switch value {
        case let .object(object):
            if case let .array(required)? = keywords["required"] {
                for case let .string(name) in required where object[name] == nil {
                    return "object at \(here) has missing required properties ([\"\(name)\"])"
                }
            }
            if let minimum = Self.integer(keywords["minProperties"]), object.count < minimum { return "object at \(here) has too few properties" }
            if let maximum = Self.integer(keywords["maxProperties"]), object.count > maximum { return "object at \(here) has too many properties" }
            var properties: [String: JSONValue] = [:]
            if case let .object(declared)? = keywords["properties"] { for (name, subschema) in declared { properties[name] = subschema } }
            var patterns: [(NSRegularExpression, JSONValue)] = []
            if case let .object(declared)? = keywords["patternProperties"] {
                for (pattern, subschema) in declared {
                    if let expression = try? NSRegularExpression(pattern: pattern) { patterns.append((expression, subschema)) }
                }
            }
            for (name, member) in object {
                var covered = false
                if let subschema = properties[name] {
                    covered = true
                    if let problem = violation(of: subschema, by: member, at: "\(path)/\(name)", depth: depth + 1) { return problem }
                }
                for (expression, subschema) in patterns where Self.search(expression, name) {
                    covered = true
                    if let problem = violation(of: subschema, by: member, at: "\(path)/\(name)", depth: depth + 1) { return problem }
                }
                if !covered, let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) { return "object at \(here) has a property that is not allowed: \"\(name)\"" }
                    if let problem = violation(of: additional, by: member, at: "\(path)/\(name)", depth: depth + 1) { return problem }
                }
            }
        case let .array(items):
            if let minimum = Self.integer(keywords["minItems"]), items.count < minimum { return "array at \(here) is too short" }
            if let maximum = Self.integer(keywords["maxItems"]), items.count > maximum { return "array at \(here) is too long" }
            if keywords["uniqueItems"] == .bool(true) {
                for (index, item) in items.enumerated() where items[..<index].contains(where: { Self.equal($0, item) }) {
                    return "array at \(here) must not contain duplicate elements"
                }
            }
            switch keywords["items"] {
            case let .object(itemSchema)?:
                for (index, item) in items.enumerated() {
                    if let problem = violation(of: .object(itemSchema), by: item, at: "\(path)/\(index)", depth: depth + 1) { return problem }
                }
            case let .array(tuple)?:
                for (index, item) in items.enumerated() {
                    if index < tuple.count {
                        if let problem = violation(of: tuple[index], by: item, at: "\(path)/\(index)", depth: depth + 1) { return problem }
                    } else if let additional = keywords["additionalItems"] {
                        if additional == .bool(false) { return "array at \(here) has too many items" }
                        if let problem = violation(of: additional, by: item, at: "\(path)/\(index)", depth: depth + 1) { return problem }
                    }
                }
            default: break
            }
        case let .string(text):
            let length = text.unicodeScalars.count
            if let minimum = Self.integer(keywords["minLength"]), length < minimum { return "string at \(here) is too short" }
            if let maximum = Self.integer(keywords["maxLength"]), length > maximum { return "string at \(here) is too long" }
            if case let .string(pattern)? = keywords["pattern"], let expression = try? NSRegularExpression(pattern: pattern),
               !Self.search(expression, text) {
                return "string at \(here) does not match the pattern \(pattern)"
            }
        case .int, .double:
            guard let number = Self.number(value) else { break }
            if let minimum = Self.number(keywords["minimum"]) {
                let exclusive = keywords["exclusiveMinimum"] == .bool(true)
                if exclusive ? number <= minimum : number < minimum { return "numeric instance at \(here) is lower than the required minimum" }
            }
            if let maximum = Self.number(keywords["maximum"]) {
                let exclusive = keywords["exclusiveMaximum"] == .bool(true)
                if exclusive ? number >= maximum : number > maximum { return "numeric instance at \(here) is greater than the required maximum" }
            }
            if let divisor = Self.number(keywords["multipleOf"]), divisor > 0 {
                let quotient = number / divisor
                if abs(quotient - quotient.rounded()) > 1e-9 { return "numeric instance at \(here) is not a multiple of \(divisor)" }
            }
        default: break
        }
        return nil
    }

    /// `#/components/schemas/X`, `#/definitions/X` or an API Gateway model URL: the last path component names the model.
    private func resolve(_ reference: String) -> JSONValue? {
        guard let name = reference.split(separator: "/").last.map(String.init), reference.contains("/") else { return nil }
        return models[name.removingPercentEncoding ?? name]
    }

    private static func search(_ expression: NSRegularExpression, _ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
    }

    static func has(type: String, _ value: JSONValue) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case let ("integer", .double(number)): return number == number.rounded() && number.isFinite
        default: return false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case let .int(number)?: return Double(number)
        case let .double(number)?: return number
        default: return nil
        }
    }

    static func integer(_ value: JSONValue?) -> Int? {
        switch value {
        case let .int(number)?: return Int(number)
        case let .double(number)?: return Int(exactly: number)
        default: return nil
        }
    }

    /// JSON equality where `1` equals `1.0`.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }
}
