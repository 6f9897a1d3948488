/// A 1-based line and column in template source (columns count characters, not bytes).
struct SourcePosition: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// One piece of a parsed template. Immutable, so a compiled template can be shared across threads.
indirect enum TemplateNode: Sendable {
    /// Literal output (comments and gobbled whitespace already removed).
    case text(String)
    /// `$ref`, `$!ref`, `${ref}`: renders the value (null renders nothing).
    case reference(ReferenceNode)
    /// `\$ref` (`backslashes` counts the run of `\` before the `$`).
    case escapedReference(backslashes: Int, ReferenceNode)
    /// `#set($target = value)`.
    case set(target: ReferenceNode, value: Expression, position: SourcePosition)
    /// `#if / #elseif / #else / #end`.
    case conditional(branches: [ConditionalBranch], otherwise: [TemplateNode]?)
    /// `#foreach($variable in iterable) body #end`.
    case foreach(variable: String, iterable: Expression, body: [TemplateNode], position: SourcePosition)
    /// `#name(args)`: a macro call; renders `source` literally when no such macro exists
    /// (`trailing` is the whitespace the call's `)` gobbled, restored in that case).
    case macroCall(name: String, arguments: [Expression], source: String, trailing: String, position: SourcePosition)
    /// `#break`: leaves the innermost `#foreach` (or macro, or the template).
    case breakDirective(position: SourcePosition)
    /// `#stop`: ends rendering; what was rendered so far is the output.
    case stop(position: SourcePosition)
}

/// One `#if`/`#elseif` condition with the nodes it guards.
struct ConditionalBranch: Sendable {
    var condition: Expression
    var body: [TemplateNode]
}

/// `$root.accessor.accessor[index]...` with the source text it was parsed from.
struct ReferenceNode: Sendable {
    var root: String
    var accessors: [Accessor]
    /// The reference as written (`$!{a.b}`), used for literal output and messages.
    var source: String
    var position: SourcePosition
}

/// One step after the root of a reference.
enum Accessor: Sendable {
    case property(String, SourcePosition)
    case method(String, [Expression], SourcePosition)
    case index(Expression, SourcePosition)
}

/// Binary operators of VTL expressions.
enum BinaryOperator: String, Sendable {
    case or = "||", and = "&&"
    case equal = "==", notEqual = "!="
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
}

/// An expression inside a directive or a method argument.
indirect enum Expression: Sendable {
    case string(String)
    /// A double-quoted string containing `$` or `#`: rendered as a small template.
    case interpolated([TemplateNode])
    case integer(Int64)
    case decimal(Double)
    case boolean(Bool)
    case reference(ReferenceNode)
    case list([Expression])
    case range(Expression, Expression, SourcePosition)
    case map([MapEntryExpression])
    case binary(BinaryOperator, Expression, Expression, SourcePosition)
    case not(Expression)
    case negate(Expression, SourcePosition)
}

/// `key : value` inside a map literal.
struct MapEntryExpression: Sendable {
    var key: Expression
    var value: Expression
}

/// A `#macro(name $a $b) ... #end` definition.
struct MacroDefinition: Sendable {
    var name: String
    var parameters: [String]
    var body: [TemplateNode]
    var position: SourcePosition
}

/// The parse result: top-level nodes plus every macro the template defines.
struct CompiledTemplate: Sendable {
    var nodes: [TemplateNode]
    var macros: [String: MacroDefinition]
}
