import Foundation

/// A string that may contain `{{name}}` variable references, parsed once at load time.
///
/// Names are `[A-Za-z_][A-Za-z0-9_.-]*`; `{{env.NAME}}` reads the environment. Whitespace inside
/// the braces is ignored (`{{ name }}`). A literal `{{` is written `{{"{{"}}`.
public struct TemplateString: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case variable(String)
    }

    /// The text as written in the suite.
    public let raw: String
    public let parts: [Part]

    /// A template without variables.
    public init(literal: String) {
        raw = literal
        parts = literal.isEmpty ? [] : [.literal(literal)]
    }

    /// Parses `text`; throws a readable message for `{{` without `}}` or a bad variable name.
    public init(parsing text: String) throws(TemplateSyntaxError) {
        raw = text
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            literal += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                throw TemplateSyntaxError(message: "'{{' without a closing '}}' in \"\(text)\"")
            }
            let inner = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if inner == "\"{{\"" {
                literal += "{{"
            } else {
                guard Self.isValidName(inner) else {
                    throw TemplateSyntaxError(message: "invalid variable name '\(inner)' in \"\(text)\" (names are letters, digits, '_', '-', '.'; e.g. {{token}} or {{env.HOME}})")
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.variable(inner))
            }
            rest = afterOpen[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The variable names referenced, in order (duplicates kept).
    public var variableNames: [String] {
        parts.compactMap { if case let .variable(name) = $0 { return name } else { return nil } }
    }

    /// The only variable when the template is exactly `{{name}}`, else nil.
    public var soleVariable: String? {
        if parts.count == 1, case let .variable(name) = parts[0] { return name }
        return nil
    }

    public var description: String { raw }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    /// Substitutes every variable through `lookup`; throws the first name it cannot resolve.
    public func render(_ lookup: (String) -> String?) throws(UndefinedVariableError) -> String {
        var result = ""
        for part in parts {
            switch part {
            case let .literal(text): result += text
            case let .variable(name):
                guard let value = lookup(name) else { throw UndefinedVariableError(name: name) }
                result += value
            }
        }
        return result
    }
}

/// A malformed `{{...}}` reference.
public struct TemplateSyntaxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A variable that has no value when a case runs (e.g. its capture did not match).
public struct UndefinedVariableError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var description: String { "variable '\(name)' is undefined" }
}
