import JSONCore
import OrderedCollections
import Testing
@testable import VTL

/// A JSON value written with Swift literals (tests only; JSONCore's type has no literal conformances).
struct V: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    let json: JSONValue

    init(_ json: JSONValue) { self.json = json }
    init(stringLiteral value: String) { json = .string(value) }
    init(integerLiteral value: Int64) { json = .int(value) }
    init(floatLiteral value: Double) { json = .double(value) }
    init(booleanLiteral value: Bool) { json = .bool(value) }
    init(arrayLiteral elements: V...) { json = .array(elements.map(\.json)) }
    init(dictionaryLiteral elements: (String, V)...) {
        var members = OrderedDictionary<String, JSONValue>()
        for (key, value) in elements { members[key] = value.json }
        json = .object(members)
    }
}

/// Renders `source` with plain variables.
func render(_ source: String, _ variables: [String: V] = [:]) throws -> String {
    try VTLTemplate(source: source, name: "test").render(variables: variables.mapValues(\.json))
}

/// Renders `source` as a mapping template.
func renderMapping(_ source: String, _ input: TemplateInput = TemplateInput()) throws -> TemplateOutput {
    try MappingTemplate(source: source, name: "test-template").render(input)
}

/// Renders `source` as a mapping template over a JSON body.
func renderMapping(_ source: String, body: String) throws -> String {
    try renderMapping(source, TemplateInput(body: Array(body.utf8))).text
}

/// The syntax error `source` produces, if any.
func syntaxError(_ source: String) -> VTLSyntaxError? {
    do {
        _ = try VTLTemplate(source: source)
        return nil
    } catch {
        return error
    }
}

/// The runtime error rendering `source` produces, if any.
func runtimeError(_ source: String, _ input: TemplateInput = TemplateInput()) throws -> VTLRuntimeError? {
    let template = try MappingTemplate(source: source, name: "test-template")
    do {
        _ = try template.render(input)
        return nil
    } catch {
        return error
    }
}

extension JSONValue {
    /// `self[key]` for nested objects, e.g. `context.at("responseOverride", "status")`.
    func at(_ keys: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys {
            guard case .object(let members)? = current else { return nil }
            current = members[key]
        }
        return current
    }
}
