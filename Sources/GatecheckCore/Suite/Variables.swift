import Foundation
import JSONCore

/// A variable's value while a suite runs. Captures from JSON keep the JSON value, so that a
/// JSON string leaf written exactly `"{{id}}"` compares as the captured number, not as text.
public struct VariableValue: Sendable, Hashable {
    public var text: String
    public var json: JSONValue?
    public var secret: Bool

    public init(text: String, json: JSONValue? = nil, secret: Bool = false) {
        self.text = text
        self.json = json
        self.secret = secret
    }
}

/// The variables visible to one suite's cases, in order of precedence:
/// `--var`, captures, suite `vars`, then `{{env.NAME}}` (always secret).
public struct VariableScope: Sendable {
    public var commandLine: [String: String]
    public var captures: [String: VariableValue] = [:]
    public var suiteVariables: [String: VariableValue] = [:]
    public var environment: [String: String]
    /// Names listed in the suite's `secrets:` (plus captures marked `secret: true`).
    public var secretNames: Set<String>

    public init(commandLine: [String: String], environment: [String: String], secretNames: Set<String>) {
        self.commandLine = commandLine
        self.environment = environment
        self.secretNames = secretNames
    }

    public func value(of name: String) -> VariableValue? {
        if name.hasPrefix("env.") {
            return environment[String(name.dropFirst(4))].map { VariableValue(text: $0, secret: true) }
        }
        if let text = commandLine[name] { return VariableValue(text: text, secret: secretNames.contains(name)) }
        if var captured = captures[name] {
            captured.secret = captured.secret || secretNames.contains(name)
            return captured
        }
        if var defined = suiteVariables[name] {
            defined.secret = defined.secret || secretNames.contains(name)
            return defined
        }
        return nil
    }

    /// Resolves the suite's `vars` in order (each may use `--var`, the environment and earlier vars).
    /// A var built from a secret value is secret too.
    public mutating func defineSuiteVariables(_ definitions: [VariableDefinition]) throws(UndefinedVariableError) {
        for definition in definitions {
            var secret = secretNames.contains(definition.name)
            let text = try definition.value.render { name in
                guard let value = self.value(of: name) else { return nil }
                if value.secret { secret = true }
                return value.text
            }
            suiteVariables[definition.name] = VariableValue(text: text, secret: secret)
        }
    }

    /// Renders a template, returning the text and whether a secret went into it.
    public func render(_ template: TemplateString) throws(UndefinedVariableError) -> String {
        try template.render { self.value(of: $0)?.text }
    }

    /// Renders string leaves of a JSON value. A leaf that is exactly `{{name}}` takes the variable's
    /// JSON value when it has one (a captured number stays a number).
    public func render(json: JSONValue) throws(UndefinedVariableError) -> JSONValue {
        switch json {
        case let .string(text):
            guard text.contains("{{"), let template = try? TemplateString(parsing: text) else { return json }
            if let name = template.soleVariable {
                guard let value = value(of: name) else { throw UndefinedVariableError(name: name) }
                return value.json ?? .string(value.text)
            }
            return .string(try render(template))
        case let .array(items):
            var result: [JSONValue] = []
            result.reserveCapacity(items.count)
            for item in items { result.append(try render(json: item)) }
            return .array(result)
        case let .object(members):
            var result = members
            for (key, value) in members { result[key] = try render(json: value) }
            return .object(result)
        default:
            return json
        }
    }

    /// Every secret value currently known (for redaction).
    public var secretValues: [String] {
        var values: [String] = []
        for (name, text) in commandLine where secretNames.contains(name) { values.append(text) }
        for (_, value) in captures where value.secret { values.append(value.text) }
        for (name, value) in captures where secretNames.contains(name) { values.append(value.text) }
        for (_, value) in suiteVariables where value.secret { values.append(value.text) }
        return values
    }
}

/// Replaces secret values by `***` in any text shown to a person or written to a report.
/// Each secret is also matched in its percent-encoded form (as it appears in URLs).
public struct Redactor: Sendable {
    public private(set) var secrets: [String] = []

    public init(secrets: [String] = []) {
        for secret in secrets { add(secret) }
    }

    public mutating func add(_ secret: String) {
        guard !secret.isEmpty else { return }
        for form in Self.forms(of: secret) where !form.isEmpty && !secrets.contains(form) { secrets.append(form) }
        // Longest first, so that a secret containing another is replaced whole.
        secrets.sort { $0.count > $1.count }
    }

    /// The ways a secret can appear in output: as is, percent-encoded (query and path style, upper- and
    /// lower-case hex), escaped inside a JSON string, and base64 (standard and URL-safe, with and without padding).
    static func forms(of secret: String) -> [String] {
        var forms = [secret]
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: URLEncoding.unreserved) {
            forms.append(encoded)
            forms.append(lowercasingPercentEscapes(encoded))
        }
        let pathForm = URLEncoding.path(secret)
        forms.append(pathForm)
        forms.append(lowercasingPercentEscapes(pathForm))
        let json = JSONValue.string(secret).serialized(.compact)
        forms.append(String(json.dropFirst().dropLast()))
        forms.append(secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "/", with: "\\/"))
        let base64 = Data(secret.utf8).base64EncodedString()
        let unpadded = String(base64.reversed().drop { $0 == "=" }.reversed())
        let urlSafe = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        // Very short secrets would make their base64 forms match unrelated text; 4 bytes is the floor.
        if secret.utf8.count >= 4 { forms += [base64, unpadded, urlSafe] }
        var unique: [String] = []
        for form in forms where !unique.contains(form) { unique.append(form) }
        return unique
    }

    static func lowercasingPercentEscapes(_ text: String) -> String {
        var result = ""
        var remaining = 0
        for character in text {
            if character == "%" {
                remaining = 2
                result.append(character)
            } else if remaining > 0 {
                remaining -= 1
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "***")
        }
        return result
    }
}

/// Percent-encoding used to build request URLs.
public enum URLEncoding {
    /// RFC 3986 unreserved characters: never encoded.
    public static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// A query key or value: everything but unreserved characters is encoded (space as `%20`).
    public static func queryComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A path as written: only bytes that cannot appear in a URL (spaces, controls, non-ASCII,
    /// `"<>\^`{|}`) are encoded; `%`, `/`, `?`, `#` and sub-delimiters are kept as written.
    public static func path(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let allowed = byte > 0x20 && byte < 0x7F && !"\"<>\\^`{|}".utf8.contains(byte)
            if allowed { result.unicodeScalars.append(Unicode.Scalar(byte)) } else { result += String(format: "%%%02X", byte) }
        }
        return result
    }

    /// `base` (which may carry a stage prefix like `/prod`) + `path` + the encoded query.
    public static func url(base: String, path: String, query: [(String, String)]) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + Self.path(path)
        if !query.isEmpty {
            let encoded = query.map { queryComponent($0.0) + "=" + queryComponent($0.1) }.joined(separator: "&")
            url += (path.contains("?") ? "&" : "?") + encoded
        }
        return url
    }
}
