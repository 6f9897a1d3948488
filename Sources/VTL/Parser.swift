/// Recursive-descent parser for the Velocity 1.7 subset, working on UTF-8 bytes.
///
/// Whitespace gobbling follows Velocity 1.7's lexer:
/// - `#set` swallows the spaces and tabs right before it (its token starts with `(" "|"\t")*`).
/// - The closing `)` of `#set`, `#if`, `#elseif`, `#foreach`, `#macro` and of macro calls swallows
///   trailing spaces/tabs plus one newline, but only when a newline follows.
/// - `#else` and `#end` swallow trailing spaces/tabs plus one newline the same way; the braced forms
///   `#{else}` and `#{end}` swallow nothing.
/// - `##` comments run up to and including the newline; `#* *#` swallows nothing after it.
struct TemplateParser {
    private let bytes: [UInt8]
    private var index = 0
    private var lineStarts: [Int] = [0]
    private let baseLine: Int
    private let baseColumn: Int
    private(set) var macros: [String: MacroDefinition] = [:]
    /// Macros whose definition has started (so a macro may call itself inside its body).
    private var declaredMacroNames: Set<String> = []
    private var depth: Int
    /// Set once the nesting limit was hit, so no fallback swallows that error.
    private var nestingExceeded = false

    /// Deepest nesting of blocks, parentheses, literals and interpolated strings accepted.
    static let maximumNesting = 64

    init(source: String) {
        self.init(bytes: Array(source.utf8), baseLine: 1, baseColumn: 1, depth: 0, macros: [:])
    }

    private init(bytes: [UInt8], baseLine: Int, baseColumn: Int, depth: Int, macros: [String: MacroDefinition]) {
        self.bytes = bytes
        self.baseLine = baseLine
        self.baseColumn = baseColumn
        self.depth = depth
        self.macros = macros
        for (offset, byte) in bytes.enumerated() {
            if byte == .newline {
                lineStarts.append(offset + 1)
            } else if byte == .carriageReturn, offset + 1 >= bytes.count || bytes[offset + 1] != .newline {
                lineStarts.append(offset + 1)
            }
        }
    }

    /// Parses the whole template.
    mutating func parseTemplate() throws(VTLSyntaxError) -> CompiledTemplate {
        let (nodes, end) = try parseBlock()
        switch end {
        case .endOfInput:
            return CompiledTemplate(nodes: nodes, macros: macros)
        case .end(let position):
            throw error("#end without a matching #if, #foreach or #macro", at: position)
        case .elseBranch(let position):
            throw error("#else without a matching #if", at: position)
        case .elseIf(_, let position):
            throw error("#elseif without a matching #if", at: position)
        }
    }

    // MARK: - Positions and errors

    func position(at offset: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let lineStart = lineStarts[low]
        var column = 1
        var cursor = lineStart
        let limit = min(offset, bytes.count)
        while cursor < limit {
            if bytes[cursor] & 0xC0 != 0x80 { column += 1 }
            cursor += 1
        }
        if low == 0 {
            return SourcePosition(line: baseLine, column: baseColumn + column - 1)
        }
        return SourcePosition(line: baseLine + low, column: column)
    }

    private func error(_ message: String, at position: SourcePosition) -> VTLSyntaxError {
        VTLSyntaxError(message: message, line: position.line, column: position.column)
    }

    private func error(_ message: String) -> VTLSyntaxError {
        error(message, at: position(at: index))
    }

    private mutating func enterNesting() throws(VTLSyntaxError) {
        depth += 1
        if depth > Self.maximumNesting {
            nestingExceeded = true
            throw error("template nesting is deeper than \(Self.maximumNesting) levels")
        }
    }

    private mutating func leaveNesting() { depth -= 1 }

    // MARK: - Blocks

    enum BlockEnd {
        case endOfInput
        case end(SourcePosition)
        case elseBranch(SourcePosition)
        case elseIf(Expression, SourcePosition)
    }

    private struct BlockBuilder {
        var nodes: [TemplateNode] = []
        var text: [UInt8] = []
        /// `text[trimFloor...]` came straight from template text, so `#set` may gobble its trailing blanks.
        var trimFloor = 0

        mutating func flush() {
            if !text.isEmpty {
                nodes.append(.text(String(decoding: text, as: UTF8.self)))
                text.removeAll(keepingCapacity: true)
            }
            trimFloor = 0
        }

        mutating func append(_ node: TemplateNode) {
            flush()
            nodes.append(node)
        }

        mutating func trimTrailingBlanks() {
            while text.count > trimFloor, let last = text.last, last == .space || last == .tab {
                text.removeLast()
            }
        }
    }

    private mutating func parseBlock() throws(VTLSyntaxError) -> ([TemplateNode], BlockEnd) {
        var builder = BlockBuilder()
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case .dollar:
                if let reference = try parseReference(inText: true) {
                    builder.append(.reference(reference))
                } else {
                    builder.text.append(byte)
                    index += 1
                }
            case .hash:
                if let end = try parseHash(&builder) {
                    builder.flush()
                    return (builder.nodes, end)
                }
            case .backslash:
                try parseBackslashes(&builder)
            default:
                let start = index
                index += 1
                while index < bytes.count {
                    let next = bytes[index]
                    if next == .dollar || next == .hash || next == .backslash { break }
                    index += 1
                }
                builder.text.append(contentsOf: bytes[start..<index])
            }
        }
        builder.flush()
        return (builder.nodes, .endOfInput)
    }

    private static let directiveNames: Set<String> = [
        "set", "if", "elseif", "else", "end", "foreach", "macro", "break", "stop",
    ]

    /// Reads `name` or `{name}` after a `#` at `offset`; returns the name and the offset after it.
    private func directiveWord(afterHashAt offset: Int) -> (name: String, braced: Bool, end: Int)? {
        var cursor = offset + 1
        var braced = false
        if cursor < bytes.count, bytes[cursor] == .openBrace {
            braced = true
            cursor += 1
        }
        guard cursor < bytes.count, bytes[cursor].isIdentifierStart else { return nil }
        let nameStart = cursor
        while cursor < bytes.count, bytes[cursor].isLetterOrDigit || bytes[cursor] == .underscore {
            cursor += 1
        }
        let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self)
        if braced {
            guard cursor < bytes.count, bytes[cursor] == .closeBrace else { return nil }
            cursor += 1
        }
        return (name, braced, cursor)
    }

    private mutating func parseBackslashes(_ builder: inout BlockBuilder) throws(VTLSyntaxError) {
        let start = index
        while index < bytes.count, bytes[index] == .backslash { index += 1 }
        let count = index - start
        guard index < bytes.count else {
            builder.text.append(contentsOf: bytes[start..<index])
            return
        }
        if bytes[index] == .dollar {
            if let reference = try parseReference(inText: true) {
                builder.append(.escapedReference(backslashes: count, reference))
            } else {
                builder.text.append(contentsOf: bytes[start..<index])
            }
            return
        }
        if bytes[index] == .hash, let word = directiveWord(afterHashAt: index),
           Self.directiveNames.contains(word.name) || macros[word.name] != nil || declaredMacroNames.contains(word.name) {
            builder.text.append(contentsOf: repeatElement(UInt8.backslash, count: count / 2))
            if count % 2 == 1 {
                builder.text.append(contentsOf: bytes[index..<word.end])
                index = word.end
            }
            return
        }
        builder.text.append(contentsOf: bytes[start..<index])
    }

    /// Handles everything starting with `#`. Returns a block end for `#else`, `#elseif`, `#end`.
    private mutating func parseHash(_ builder: inout BlockBuilder) throws(VTLSyntaxError) -> BlockEnd? {
        let start = index
        let startPosition = position(at: start)
        guard index + 1 < bytes.count else {
            builder.text.append(.hash)
            index += 1
            return nil
        }
        let next = bytes[index + 1]
        if next == .hash {
            index += 2
            while index < bytes.count, bytes[index] != .newline, bytes[index] != .carriageReturn { index += 1 }
            consumeNewline()
            return nil
        }
        if next == .star {
            guard let close = find([.star, .hash], from: index + 2) else {
                throw error("unterminated #* comment (missing *#)", at: startPosition)
            }
            index = close + 2
            return nil
        }
        if next == .openBracket, index + 2 < bytes.count, bytes[index + 2] == .openBracket {
            guard let close = find([.closeBracket, .closeBracket, .hash], from: index + 3) else {
                throw error("unterminated #[[ literal block (missing ]]#)", at: startPosition)
            }
            builder.text.append(contentsOf: bytes[(index + 3)..<close])
            builder.trimFloor = builder.text.count
            index = close + 3
            return nil
        }
        guard let word = directiveWord(afterHashAt: index) else {
            builder.text.append(.hash)
            index += 1
            return nil
        }
        switch word.name {
        case "set":
            builder.trimTrailingBlanks()
            index = word.end
            builder.append(try parseSet(at: startPosition))
        case "if":
            index = word.end
            builder.append(try parseConditional(at: startPosition))
        case "elseif":
            index = word.end
            let condition = try parseParenthesized(directive: "#elseif")
            return .elseIf(condition, startPosition)
        case "else":
            index = word.end
            if !word.braced { gobbleTrailingNewline() }
            return .elseBranch(startPosition)
        case "end":
            index = word.end
            if !word.braced { gobbleTrailingNewline() }
            return .end(startPosition)
        case "foreach":
            index = word.end
            builder.append(try parseForeach(at: startPosition))
        case "macro":
            index = word.end
            try parseMacroDefinition(at: startPosition)
        case "break":
            index = word.end
            consumeOptionalScopeArgument()
            builder.append(.breakDirective(position: startPosition))
        case "stop":
            index = word.end
            builder.append(.stop(position: startPosition))
        case "include", "parse", "evaluate", "define", "literal":
            throw error("#\(word.name) is not supported in API Gateway mapping templates", at: startPosition)
        default:
            var cursor = word.end
            while cursor < bytes.count, bytes[cursor] == .space || bytes[cursor] == .tab { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == .openParen else {
                builder.text.append(contentsOf: bytes[start..<word.end])
                index = word.end
                return nil
            }
            index = cursor + 1
            let arguments: [Expression]
            do throws(VTLSyntaxError) {
                arguments = try parseMacroArguments()
            } catch {
                if macros[word.name] != nil || declaredMacroNames.contains(word.name) || nestingExceeded { throw error }
                // Not a macro we know and not parseable as a call: plain text, like "#fff (see above".
                builder.text.append(contentsOf: bytes[start..<word.end])
                index = word.end
                return nil
            }
            let sourceEnd = index
            gobbleTrailingNewline()
            builder.append(.macroCall(
                name: word.name,
                arguments: arguments,
                source: String(decoding: bytes[start..<sourceEnd], as: UTF8.self),
                trailing: String(decoding: bytes[sourceEnd..<index], as: UTF8.self),
                position: startPosition))
        }
        return nil
    }

    private mutating func parseSet(at position: SourcePosition) throws(VTLSyntaxError) -> TemplateNode {
        skipBlanks()
        guard index < bytes.count, bytes[index] == .openParen else {
            throw error("expected '(' after #set", at: position)
        }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .dollar, let target = try parseReference(inText: false) else {
            throw error("#set needs a reference on the left of '=', like #set($name = value)")
        }
        if case .method = target.accessors.last {
            throw error("cannot assign to a method call (\(target.source))", at: target.position)
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .equals,
              index + 1 >= bytes.count || bytes[index + 1] != .equals else {
            throw error("expected '=' after \(target.source) in #set")
        }
        index += 1
        let value = try parseExpression()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .closeParen else {
            throw error("expected ')' to close #set")
        }
        index += 1
        gobbleTrailingNewline()
        return .set(target: target, value: value, position: position)
    }

    private mutating func parseParenthesized(directive: String) throws(VTLSyntaxError) -> Expression {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .openParen else {
            throw error("expected '(' after \(directive)")
        }
        index += 1
        let condition = try parseExpression()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .closeParen else {
            throw error("expected ')' to close the \(directive) condition")
        }
        index += 1
        gobbleTrailingNewline()
        return condition
    }

    private mutating func parseConditional(at position: SourcePosition) throws(VTLSyntaxError) -> TemplateNode {
        try enterNesting()
        defer { leaveNesting() }
        var condition = try parseParenthesized(directive: "#if")
        var branches: [ConditionalBranch] = []
        while true {
            let (body, end) = try parseBlock()
            branches.append(ConditionalBranch(condition: condition, body: body))
            switch end {
            case .endOfInput:
                throw error("#if has no matching #end", at: position)
            case .end:
                return .conditional(branches: branches, otherwise: nil)
            case .elseIf(let next, _):
                condition = next
            case .elseBranch(let elsePosition):
                let (otherwise, elseEnd) = try parseBlock()
                switch elseEnd {
                case .end:
                    return .conditional(branches: branches, otherwise: otherwise)
                case .endOfInput:
                    throw error("#else has no matching #end", at: elsePosition)
                case .elseBranch(let extra), .elseIf(_, let extra):
                    throw error("#else or #elseif after #else (only #end may follow #else)", at: extra)
                }
            }
        }
    }

    private mutating func parseForeach(at position: SourcePosition) throws(VTLSyntaxError) -> TemplateNode {
        try enterNesting()
        defer { leaveNesting() }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .openParen else {
            throw error("expected '(' after #foreach", at: position)
        }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .dollar, let variable = try parseReference(inText: false),
              variable.accessors.isEmpty else {
            throw error("#foreach needs a plain loop variable, like #foreach($item in $list)")
        }
        skipWhitespace()
        guard matchWord("in") else {
            throw error("expected 'in' after \(variable.source) in #foreach")
        }
        let iterable = try parseExpression()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .closeParen else {
            throw error("expected ')' to close #foreach")
        }
        index += 1
        gobbleTrailingNewline()
        let (body, end) = try parseBlock()
        switch end {
        case .end:
            return .foreach(variable: variable.root, iterable: iterable, body: body, position: position)
        case .endOfInput:
            throw error("#foreach has no matching #end", at: position)
        case .elseBranch(let other), .elseIf(_, let other):
            throw error("#else without a matching #if (inside #foreach)", at: other)
        }
    }

    private mutating func parseMacroDefinition(at position: SourcePosition) throws(VTLSyntaxError) {
        try enterNesting()
        defer { leaveNesting() }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .openParen else {
            throw error("expected '(' after #macro", at: position)
        }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index].isIdentifierStart else {
            throw error("#macro needs a name, like #macro(name $arg)")
        }
        let nameStart = index
        while index < bytes.count, bytes[index].isIdentifierCharacter { index += 1 }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        if Self.directiveNames.contains(name) {
            throw error("#\(name) is a directive and cannot be redefined as a macro", at: position)
        }
        declaredMacroNames.insert(name)
        var parameters: [String] = []
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("expected ')' to close #macro(\(name) ...") }
            if bytes[index] == .closeParen {
                index += 1
                break
            }
            if bytes[index] == .comma {
                index += 1
                continue
            }
            guard bytes[index] == .dollar, let parameter = try parseReference(inText: false),
                  parameter.accessors.isEmpty else {
                throw error("macro parameters must be plain references like $name")
            }
            parameters.append(parameter.root)
        }
        gobbleTrailingNewline()
        let (body, end) = try parseBlock()
        switch end {
        case .end:
            macros[name] = MacroDefinition(name: name, parameters: parameters, body: body, position: position)
        case .endOfInput:
            throw error("#macro(\(name)) has no matching #end", at: position)
        case .elseBranch(let other), .elseIf(_, let other):
            throw error("#else without a matching #if (inside #macro)", at: other)
        }
    }

    /// Arguments of a macro call, after `(`: separated by commas or whitespace.
    private mutating func parseMacroArguments() throws(VTLSyntaxError) -> [Expression] {
        var arguments: [Expression] = []
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("expected ')' to close the macro call") }
            if bytes[index] == .closeParen {
                index += 1
                return arguments
            }
            if bytes[index] == .comma, !arguments.isEmpty {
                index += 1
                continue
            }
            arguments.append(try parseExpression())
        }
    }

    /// `#break($foreach)` names the scope to leave; only the innermost scope is supported.
    private mutating func consumeOptionalScopeArgument() {
        guard index < bytes.count, bytes[index] == .openParen else { return }
        var cursor = index + 1
        while cursor < bytes.count, bytes[cursor] == .space { cursor += 1 }
        guard cursor < bytes.count, bytes[cursor] == .dollar else { return }
        cursor += 1
        while cursor < bytes.count, bytes[cursor].isIdentifierCharacter || bytes[cursor] == .dot { cursor += 1 }
        while cursor < bytes.count, bytes[cursor] == .space { cursor += 1 }
        guard cursor < bytes.count, bytes[cursor] == .closeParen else { return }
        index = cursor + 1
    }

    // MARK: - References

    /// Parses `$name`, `$!name`, `${name}` with `.prop`, `.method(args)` and `[index]` accessors.
    /// Returns nil (consuming nothing) when the `$` does not start a reference.
    private mutating func parseReference(inText: Bool) throws(VTLSyntaxError) -> ReferenceNode? {
        let start = index
        var cursor = index + 1
        if cursor < bytes.count, bytes[cursor] == .bang { cursor += 1 }
        var formal = false
        if cursor < bytes.count, bytes[cursor] == .openBrace {
            formal = true
            cursor += 1
        }
        guard cursor < bytes.count, bytes[cursor].isIdentifierStart else { return nil }
        let rootStart = cursor
        while cursor < bytes.count, bytes[cursor].isIdentifierCharacter { cursor += 1 }
        let root = String(decoding: bytes[rootStart..<cursor], as: UTF8.self)
        index = cursor
        try enterNesting()
        defer { leaveNesting() }
        var accessors: [Accessor] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .dot, index + 1 < bytes.count, bytes[index + 1].isIdentifierStart {
                let accessorPosition = position(at: index + 1)
                var nameEnd = index + 1
                while nameEnd < bytes.count, bytes[nameEnd].isIdentifierCharacter { nameEnd += 1 }
                let name = String(decoding: bytes[(index + 1)..<nameEnd], as: UTF8.self)
                index = nameEnd
                if index < bytes.count, bytes[index] == .openParen {
                    index += 1
                    let arguments = try parseArgumentList(closing: .closeParen, what: "method call .\(name)(")
                    accessors.append(.method(name, arguments, accessorPosition))
                } else {
                    accessors.append(.property(name, accessorPosition))
                }
            } else if byte == .openBracket {
                let saved = index
                let accessorPosition = position(at: index)
                index += 1
                do throws(VTLSyntaxError) {
                    skipWhitespace()
                    let key = try parseExpression()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == .closeBracket else {
                        throw error("expected ']' to close the index")
                    }
                    index += 1
                    accessors.append(.index(key, accessorPosition))
                } catch {
                    if !inText || nestingExceeded { throw error }
                    index = saved
                    break
                }
            } else {
                break
            }
        }
        if formal {
            guard index < bytes.count, bytes[index] == .closeBrace else {
                if !inText { throw error("expected '}' to close ${...}") }
                index = start
                return nil
            }
            index += 1
        }
        return ReferenceNode(
            root: root,
            accessors: accessors,
            source: String(decoding: bytes[start..<index], as: UTF8.self),
            position: position(at: start))
    }

    private mutating func parseArgumentList(closing: UInt8, what: String) throws(VTLSyntaxError) -> [Expression] {
        var arguments: [Expression] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == closing {
            index += 1
            return arguments
        }
        while true {
            arguments.append(try parseExpression())
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated \(what)...") }
            if bytes[index] == .comma {
                index += 1
                continue
            }
            if bytes[index] == closing {
                index += 1
                return arguments
            }
            throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))' in \(what)...")
        }
    }

    // MARK: - Expressions

    private mutating func parseExpression() throws(VTLSyntaxError) -> Expression {
        try enterNesting()
        defer { leaveNesting() }
        return try parseOr()
    }

    private mutating func parseOr() throws(VTLSyntaxError) -> Expression {
        var left = try parseAnd()
        while true {
            skipWhitespace()
            let operatorPosition = position(at: index)
            if matchSymbol("||") || matchWord("or") {
                left = .binary(.or, left, try parseAnd(), operatorPosition)
            } else {
                return left
            }
        }
    }

    private mutating func parseAnd() throws(VTLSyntaxError) -> Expression {
        var left = try parseEquality()
        while true {
            skipWhitespace()
            let operatorPosition = position(at: index)
            if matchSymbol("&&") || matchWord("and") {
                left = .binary(.and, left, try parseEquality(), operatorPosition)
            } else {
                return left
            }
        }
    }

    private mutating func parseEquality() throws(VTLSyntaxError) -> Expression {
        var left = try parseRelational()
        while true {
            skipWhitespace()
            let operatorPosition = position(at: index)
            let op: BinaryOperator
            if matchSymbol("==") || matchWord("eq") {
                op = .equal
            } else if matchSymbol("!=") || matchWord("ne") {
                op = .notEqual
            } else {
                return left
            }
            left = .binary(op, left, try parseRelational(), operatorPosition)
        }
    }

    private mutating func parseRelational() throws(VTLSyntaxError) -> Expression {
        var left = try parseAdditive()
        while true {
            skipWhitespace()
            let operatorPosition = position(at: index)
            let op: BinaryOperator
            if matchSymbol("<=") || matchWord("le") {
                op = .lessOrEqual
            } else if matchSymbol(">=") || matchWord("ge") {
                op = .greaterOrEqual
            } else if matchSymbol("<") || matchWord("lt") {
                op = .less
            } else if matchSymbol(">") || matchWord("gt") {
                op = .greater
            } else {
                return left
            }
            left = .binary(op, left, try parseAdditive(), operatorPosition)
        }
    }

    private mutating func parseAdditive() throws(VTLSyntaxError) -> Expression {
        var left = try parseMultiplicative()
        while true {
            skipWhitespace()
            let operatorPosition = position(at: index)
            let op: BinaryOperator
            if matchSymbol("+") {
                op = .add
            } else if matchSymbol("-") {
                op = .subtract
            } else {
                return left
            }
            left = .binary(op, left, try parseMultiplicative(), operatorPosition)
        }
    }

    private mutating func parseMultiplicative() throws(VTLSyntaxError) -> Expression {
        var left = try parseUnary()
        while true {
            skipWhitespace()
            let operatorPosition = position(at: index)
            let op: BinaryOperator
            if matchSymbol("*") {
                op = .multiply
            } else if matchSymbol("/") {
                op = .divide
            } else if matchSymbol("%") {
                op = .modulo
            } else {
                return left
            }
            left = .binary(op, left, try parseUnary(), operatorPosition)
        }
    }

    private mutating func parseUnary() throws(VTLSyntaxError) -> Expression {
        try enterNesting()
        defer { leaveNesting() }
        skipWhitespace()
        let unaryPosition = position(at: index)
        if index < bytes.count, bytes[index] == .bang,
           index + 1 >= bytes.count || bytes[index + 1] != .equals {
            index += 1
            return .not(try parseUnary())
        }
        if matchWord("not") {
            return .not(try parseUnary())
        }
        if index < bytes.count, bytes[index] == .minus {
            index += 1
            let operand = try parseUnary()
            switch operand {
            case .integer(let value) where value != .min: return .integer(-value)
            case .decimal(let value): return .decimal(-value)
            default: return .negate(operand, unaryPosition)
            }
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(VTLSyntaxError) -> Expression {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of template inside an expression") }
        let byte = bytes[index]
        switch byte {
        case .openParen:
            index += 1
            let inner = try parseExpression()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == .closeParen else { throw error("expected ')'") }
            index += 1
            return inner
        case .dollar:
            guard let reference = try parseReference(inText: false) else {
                throw error("'$' must start a reference like $name")
            }
            return .reference(reference)
        case .doubleQuote:
            return try parseDoubleQuoted()
        case .singleQuote:
            return try parseSingleQuoted()
        case .openBracket:
            return try parseListOrRange()
        case .openBrace:
            return try parseMapLiteral()
        default:
            if byte.isDigit {
                return parseNumber()
            }
            if byte.isIdentifierStart {
                if matchWord("true") { return .boolean(true) }
                if matchWord("false") { return .boolean(false) }
                var end = index
                while end < bytes.count, bytes[end].isIdentifierCharacter { end += 1 }
                let word = String(decoding: bytes[index..<end], as: UTF8.self)
                throw error("unexpected word '\(word)' (references start with '$', strings need quotes)")
            }
            throw error("unexpected character '\(String(decoding: [byte], as: UTF8.self))' in expression")
        }
    }

    private mutating func parseNumber() -> Expression {
        let start = index
        while index < bytes.count, bytes[index].isDigit { index += 1 }
        var isDecimal = false
        if index + 1 < bytes.count, bytes[index] == .dot, bytes[index + 1].isDigit {
            isDecimal = true
            index += 1
            while index < bytes.count, bytes[index].isDigit { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var cursor = index + 1
            if cursor < bytes.count, bytes[cursor] == .plus || bytes[cursor] == .minus { cursor += 1 }
            if cursor < bytes.count, bytes[cursor].isDigit {
                while cursor < bytes.count, bytes[cursor].isDigit { cursor += 1 }
                index = cursor
                isDecimal = true
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if !isDecimal, let integer = Int64(text) {
            return .integer(integer)
        }
        return .decimal(Double(text) ?? .infinity)
    }

    private mutating func parseDoubleQuoted() throws(VTLSyntaxError) -> Expression {
        let openPosition = position(at: index)
        var cursor = index + 1
        var content: [UInt8] = []
        while true {
            guard cursor < bytes.count else { throw error("unterminated string literal", at: openPosition) }
            let byte = bytes[cursor]
            if byte == .doubleQuote {
                if cursor + 1 < bytes.count, bytes[cursor + 1] == .doubleQuote {
                    content.append(.doubleQuote)
                    cursor += 2
                    continue
                }
                cursor += 1
                break
            }
            if byte == .backslash, cursor + 1 < bytes.count {
                content.append(byte)
                content.append(bytes[cursor + 1])
                cursor += 2
                continue
            }
            content.append(byte)
            cursor += 1
        }
        let contentPosition = position(at: index + 1)
        index = cursor
        guard content.contains(.dollar) || content.contains(.hash) else {
            return .string(String(decoding: content, as: UTF8.self))
        }
        try enterNesting()
        defer { leaveNesting() }
        var inner = TemplateParser(
            bytes: content, baseLine: contentPosition.line, baseColumn: contentPosition.column,
            depth: depth, macros: macros)
        let compiled: CompiledTemplate
        do throws(VTLSyntaxError) {
            compiled = try inner.parseTemplate()
        } catch {
            nestingExceeded = nestingExceeded || inner.nestingExceeded
            throw error
        }
        macros = compiled.macros
        if compiled.nodes.count == 1, case .text(let text) = compiled.nodes[0] {
            return .string(text)
        }
        if compiled.nodes.isEmpty { return .string("") }
        return .interpolated(compiled.nodes)
    }

    private mutating func parseSingleQuoted() throws(VTLSyntaxError) -> Expression {
        let openPosition = position(at: index)
        var cursor = index + 1
        var content: [UInt8] = []
        while true {
            guard cursor < bytes.count else { throw error("unterminated string literal", at: openPosition) }
            let byte = bytes[cursor]
            if byte == .singleQuote {
                if cursor + 1 < bytes.count, bytes[cursor + 1] == .singleQuote {
                    content.append(.singleQuote)
                    cursor += 2
                    continue
                }
                cursor += 1
                break
            }
            content.append(byte)
            cursor += 1
        }
        index = cursor
        return .string(String(decoding: content, as: UTF8.self))
    }

    private mutating func parseListOrRange() throws(VTLSyntaxError) -> Expression {
        let openPosition = position(at: index)
        index += 1
        try enterNesting()
        defer { leaveNesting() }
        skipWhitespace()
        if index < bytes.count, bytes[index] == .closeBracket {
            index += 1
            return .list([])
        }
        let first = try parseExpression()
        skipWhitespace()
        if matchSymbol("..") {
            let last = try parseExpression()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == .closeBracket else { throw error("expected ']' to close the range") }
            index += 1
            return .range(first, last, openPosition)
        }
        var items = [first]
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated list literal", at: openPosition) }
            if bytes[index] == .closeBracket {
                index += 1
                return .list(items)
            }
            guard bytes[index] == .comma else { throw error("expected ',' or ']' in list literal") }
            index += 1
            items.append(try parseExpression())
        }
    }

    private mutating func parseMapLiteral() throws(VTLSyntaxError) -> Expression {
        let openPosition = position(at: index)
        index += 1
        try enterNesting()
        defer { leaveNesting() }
        var entries: [MapEntryExpression] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == .closeBrace {
            index += 1
            return .map(entries)
        }
        while true {
            let key = try parseExpression()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == .colon else { throw error("expected ':' after a map key") }
            index += 1
            let value = try parseExpression()
            entries.append(MapEntryExpression(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated map literal", at: openPosition) }
            if bytes[index] == .closeBrace {
                index += 1
                return .map(entries)
            }
            guard bytes[index] == .comma else { throw error("expected ',' or '}' in map literal") }
            index += 1
        }
    }

    // MARK: - Low-level scanning

    private mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .space || byte == .tab || byte == .newline || byte == .carriageReturn {
                index += 1
            } else {
                return
            }
        }
    }

    private mutating func skipBlanks() {
        while index < bytes.count, bytes[index] == .space || bytes[index] == .tab { index += 1 }
    }

    private mutating func consumeNewline() {
        guard index < bytes.count else { return }
        if bytes[index] == .newline {
            index += 1
        } else if bytes[index] == .carriageReturn {
            index += 1
            if index < bytes.count, bytes[index] == .newline { index += 1 }
        }
    }

    /// Velocity 1.7's `(" "|"\t")* ("\n"|"\r"|"\r\n")` suffix: eaten only if the newline is there.
    private mutating func gobbleTrailingNewline() {
        var cursor = index
        while cursor < bytes.count, bytes[cursor] == .space || bytes[cursor] == .tab { cursor += 1 }
        guard cursor < bytes.count, bytes[cursor] == .newline || bytes[cursor] == .carriageReturn else { return }
        index = cursor
        consumeNewline()
    }

    private mutating func matchSymbol(_ symbol: StaticString) -> Bool {
        let count = symbol.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = symbol.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        index += count
        return true
    }

    private mutating func matchWord(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        if index + count < bytes.count, bytes[index + count].isIdentifierCharacter { return false }
        index += count
        return true
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var cursor = start
        while cursor + needle.count <= bytes.count {
            if bytes[cursor] == needle[0] {
                var matches = true
                for offset in 1..<needle.count where bytes[cursor + offset] != needle[offset] {
                    matches = false
                    break
                }
                if matches { return cursor }
            }
            cursor += 1
        }
        return nil
    }
}

extension UInt8 {
    static let dollar = UInt8(ascii: "$")
    static let hash = UInt8(ascii: "#")
    static let backslash = UInt8(ascii: "\\")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let star = UInt8(ascii: "*")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let bang = UInt8(ascii: "!")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let underscore = UInt8(ascii: "_")
    static let doubleQuote = UInt8(ascii: "\"")
    static let singleQuote = UInt8(ascii: "'")

    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isLetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }
    var isLetterOrDigit: Bool { isLetter || isDigit }
    /// Velocity identifiers start with a letter or `_`.
    var isIdentifierStart: Bool { isLetter || self == .underscore }
    /// Velocity 1.7 identifiers continue with letters, digits, `_` and `-` (so `$a-b` is one name).
    var isIdentifierCharacter: Bool { isLetterOrDigit || self == .underscore || self == .minus }
}
