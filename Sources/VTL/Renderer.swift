import JSONCore
import OrderedCollections

/// Why evaluation stopped early: a runtime failure, or `#break` / `#stop` travelling outwards.
enum Interrupt: Error {
    case failure(String, SourcePosition)
    case breakLoop
    case stop
}

/// The request data behind `$input`.
struct GatewayRequest {
    var body: [UInt8]
    var pathParameters: [(String, String)]
    var queryParameters: [(String, String)]
    var headers: [(String, String)]

    init(_ input: TemplateInput) {
        body = input.body
        pathParameters = input.pathParameters
        queryParameters = input.queryParameters
        headers = input.headers
    }
}

/// Evaluates one compiled template once. Holds the mutable Velocity context, so each render
/// gets its own instance and nothing here is shared between threads.
final class Renderer {
    let template: CompiledTemplate
    let limits: VTLLimits
    let gateway: GatewayRequest?
    var globals: [String: Value] = [:]
    private var frames: [[String: Value]] = []
    private var output = ""
    private var outputBytes = 0
    private var steps = 0
    private var macroDepth = 0
    private var renderDepth = 0
    private var currentForeach: ForeachScope?
    private(set) var lastPosition = SourcePosition(line: 1, column: 1)
    private var parsedBody: JSONValue?
    private var compiledPaths: [String: JSONPath] = [:]
    var regexCache: [String: Regex<AnyRegexOutput>] = [:]

    init(template: CompiledTemplate, limits: VTLLimits, gateway: GatewayRequest?) {
        self.template = template
        self.limits = limits
        self.gateway = gateway
    }

    /// Renders the whole template; `#stop` and a top-level `#break` end it quietly.
    func renderTemplate(name: String) throws(VTLRuntimeError) -> String {
        do throws(Interrupt) {
            try render(template.nodes)
        } catch {
            switch error {
            case .breakLoop, .stop:
                break
            case .failure(let message, let position):
                throw VTLRuntimeError(message: message, line: position.line, column: position.column, templateName: name)
            }
        }
        return output
    }

    /// `$context` as a map, with the override maps API Gateway always provides, guarded so that
    /// each override can be set once per template.
    static func prepareContext(_ json: JSONValue) -> MapObject {
        let context: MapObject
        if case .map(let map) = Value(json: json) { context = map } else { context = MapObject() }
        let request = childMap(of: context, "requestOverride")
        for key in ["header", "querystring", "path"] {
            let child = childMap(of: request, key)
            child.overrideName = "requestOverride.\(key)"
            if key == "header" { child.caseInsensitiveKeys = true }
        }
        let response = childMap(of: context, "responseOverride")
        response.overrideName = "responseOverride"
        response.overrideKeys = ["status"]
        let header = childMap(of: response, "header")
        header.overrideName = "responseOverride.header"
        header.caseInsensitiveKeys = true
        return context
    }

    private static func childMap(of parent: MapObject, _ key: String) -> MapObject {
        if case .map(let existing)? = parent.entries[key] { return existing }
        let created = MapObject()
        parent.entries[key] = .map(created)
        return created
    }

    // MARK: - Failures and budgets

    func fail(_ message: String, at position: SourcePosition? = nil) -> Interrupt {
        .failure(message, position ?? lastPosition)
    }

    @inline(__always)
    private func step(_ position: SourcePosition? = nil) throws(Interrupt) {
        steps += 1
        if steps > limits.maximumSteps {
            throw fail("template evaluation exceeded \(limits.maximumSteps) steps (runaway loop or recursion)", at: position)
        }
    }

    func checkStringSize(_ text: String) throws(Interrupt) {
        if text.utf8.count > limits.maximumOutputBytes {
            throw fail("a string grew beyond \(limits.maximumOutputBytes) bytes")
        }
    }

    func checkCollectionSize(_ count: Int) throws(Interrupt) {
        if count > limits.maximumCollectionSize {
            throw fail("a collection grew beyond \(limits.maximumCollectionSize) elements")
        }
    }

    private func emit(_ text: String) throws(Interrupt) {
        outputBytes += text.utf8.count
        if outputBytes > limits.maximumOutputBytes {
            throw fail("template output exceeds \(limits.maximumOutputBytes) bytes")
        }
        output += text
    }

    // MARK: - Variables

    func lookup(_ name: String) -> Value {
        if let frame = frames.last, let value = frame[name] { return value }
        return globals[name] ?? .null
    }

    private func assignVariable(_ name: String, _ value: Value) {
        if !frames.isEmpty, frames[frames.count - 1][name] != nil {
            frames[frames.count - 1][name] = value
        } else {
            globals[name] = value
        }
    }

    private func savedVariable(_ name: String) -> Value? {
        if let frame = frames.last, let value = frame[name] { return value }
        return globals[name]
    }

    private func restoreVariable(_ name: String, _ saved: Value?) {
        if let saved {
            assignVariable(name, saved)
        } else if !frames.isEmpty, frames[frames.count - 1][name] != nil {
            frames[frames.count - 1][name] = .null
        } else {
            globals[name] = nil
        }
    }

    // MARK: - Nodes

    private func render(_ nodes: [TemplateNode]) throws(Interrupt) {
        renderDepth += 1
        defer { renderDepth -= 1 }
        if renderDepth > limits.maximumRenderDepth {
            throw fail("blocks, macro calls and interpolated strings nested more than \(limits.maximumRenderDepth) deep while rendering")
        }
        for node in nodes {
            try step()
            switch node {
            case .text(let text):
                try emit(text)
            case .reference(let reference):
                lastPosition = reference.position
                let value = try evaluateReference(reference)
                if !value.isNull { try emit(try text(of: value)) }
            case .escapedReference(let backslashes, let reference):
                lastPosition = reference.position
                let value = try evaluateReference(reference)
                if value.isNull {
                    try emit(String(repeating: "\\", count: backslashes) + reference.source)
                } else {
                    try emit(String(repeating: "\\", count: backslashes / 2))
                    try emit(backslashes % 2 == 1 ? reference.source : try text(of: value))
                }
            case .set(let target, let expression, let position):
                lastPosition = position
                let value = try evaluate(expression)
                // Velocity 1.7 (directive.set.null.allowed = false): a null right side leaves the target unchanged.
                if !value.isNull { try assign(target, value) }
            case .conditional(let branches, let otherwise):
                var matched = false
                for branch in branches where try isTruthy(try evaluate(branch.condition)) {
                    try render(branch.body)
                    matched = true
                    break
                }
                if !matched, let otherwise { try render(otherwise) }
            case .foreach(let variable, let iterable, let body, let position):
                lastPosition = position
                try renderForeach(variable: variable, iterable: iterable, body: body, position: position)
            case .macroCall(let name, let arguments, let source, let trailing, let position):
                lastPosition = position
                try renderMacroCall(name: name, arguments: arguments, source: source, trailing: trailing, position: position)
            case .breakDirective:
                throw .breakLoop
            case .stop:
                throw .stop
            }
        }
    }

    private enum Iteration {
        case items([Value])
        case range(Int64, Int64)
    }

    private func renderForeach(variable: String, iterable: Expression, body: [TemplateNode], position: SourcePosition) throws(Interrupt) {
        let iteration: Iteration
        if case .range(let low, let high, let rangePosition) = iterable {
            guard let (first, last) = try rangeBounds(low, high, rangePosition) else { return }
            iteration = .range(first, last)
        } else {
            switch try evaluate(iterable) {
            case .list(let list): iteration = .items(list.items)
            case .map(let map): iteration = .items(Array(map.entries.values))
            default: return  // Velocity logs "not iterable" and renders nothing.
            }
        }
        let total: Int64
        switch iteration {
        case .items(let items): total = Int64(items.count)
        case .range(let first, let last): total = first <= last ? last - first + 1 : first - last + 1
        }
        if total == 0 { return }
        let savedItem = savedVariable(variable)
        let savedCount = savedVariable("velocityCount")
        let savedHasNext = savedVariable("velocityHasNext")
        let savedForeach = savedVariable("foreach")
        let scope = ForeachScope(parent: currentForeach)
        let outerForeach = currentForeach
        currentForeach = scope
        defer {
            currentForeach = outerForeach
            restoreVariable(variable, savedItem)
            restoreVariable("velocityCount", savedCount)
            restoreVariable("velocityHasNext", savedHasNext)
            restoreVariable("foreach", savedForeach)
        }
        var offset: Int64 = 0
        while offset < total {
            if offset >= Int64(limits.maximumForeachIterations) {
                throw fail("#foreach exceeded \(limits.maximumForeachIterations) iterations (API Gateway's limit)", at: position)
            }
            try step(position)
            let item: Value
            switch iteration {
            case .items(let items): item = items[Int(offset)]
            case .range(let first, let last): item = .int(first <= last ? first + offset : first - offset)
            }
            scope.index = Int(offset)
            scope.hasNext = offset + 1 < total
            assignVariable(variable, item)
            assignVariable("velocityCount", .int(offset + 1))
            assignVariable("velocityHasNext", .bool(scope.hasNext))
            assignVariable("foreach", .foreachScope(scope))
            do throws(Interrupt) {
                try render(body)
            } catch {
                if case .breakLoop = error { break }
                throw error
            }
            offset += 1
        }
    }

    private func renderMacroCall(name: String, arguments: [Expression], source: String, trailing: String, position: SourcePosition) throws(Interrupt) {
        guard let macro = template.macros[name] else {
            // Velocity renders a call to an unknown macro as its literal text.
            try emit(source + trailing)
            return
        }
        if macroDepth >= limits.maximumMacroDepth {
            throw fail("macro #\(name) nested deeper than \(limits.maximumMacroDepth) calls (recursive macro?)", at: position)
        }
        var frame: [String: Value] = [:]
        for (offset, parameter) in macro.parameters.enumerated() {
            frame[parameter] = offset < arguments.count ? try evaluate(arguments[offset]) : .null
        }
        frames.append(frame)
        macroDepth += 1
        defer {
            frames.removeLast()
            macroDepth -= 1
        }
        do throws(Interrupt) {
            try render(macro.body)
        } catch {
            if case .breakLoop = error { return }
            throw error
        }
    }

    /// Renders nodes into a separate buffer (string interpolation).
    private func renderToString(_ nodes: [TemplateNode]) throws(Interrupt) -> String {
        let savedOutput = output
        let savedBytes = outputBytes
        output = ""
        outputBytes = 0
        defer {
            output = savedOutput
            outputBytes = savedBytes
        }
        try render(nodes)
        return output
    }

    // MARK: - Assignment

    private func assign(_ target: ReferenceNode, _ value: Value) throws(Interrupt) {
        guard let last = target.accessors.last else {
            assignVariable(target.root, value)
            return
        }
        let base = try evaluateReference(target, accessorCount: target.accessors.count - 1)
        switch last {
        case .property(let name, let position):
            lastPosition = position
            if case .map(let map) = base { try put(map, name, value) }
        case .index(let keyExpression, let position):
            lastPosition = position
            let key = try evaluate(keyExpression)
            switch base {
            case .map(let map):
                try put(map, try text(of: key), value)
            case .list(let list):
                let index = try listIndex(key, count: list.items.count, position: position)
                list.items[index] = value
            default:
                break
            }
        case .method:
            break  // rejected by the parser
        }
    }

    /// `Map.put` with API Gateway's "each override only once" rule.
    @discardableResult
    func put(_ map: MapObject, _ key: String, _ value: Value) throws(Interrupt) -> Value {
        let stored = map.storedKey(for: key)
        if let overrideName = map.overrideName, map.overrideKeys?.contains(stored) ?? true {
            let normalized = map.caseInsensitiveKeys ? stored.lowercased() : stored
            if map.overrideWritten.contains(normalized) {
                throw fail("$context.\(overrideName).\(stored) is overridden twice; API Gateway allows each override once per template")
            }
            map.overrideWritten.insert(normalized)
        }
        let previous = map.entries.updateValue(value, forKey: stored)
        try checkCollectionSize(map.entries.count)
        return previous ?? .null
    }

    // MARK: - References

    func evaluateReference(_ reference: ReferenceNode, accessorCount: Int? = nil) throws(Interrupt) -> Value {
        var value = lookup(reference.root)
        let count = accessorCount ?? reference.accessors.count
        var offset = 0
        while offset < count {
            if value.isNull { return .null }
            try step()
            switch reference.accessors[offset] {
            case .property(let name, let position):
                lastPosition = position
                value = try property(of: value, name, position: position)
            case .method(let name, let argumentExpressions, let position):
                var arguments: [Value] = []
                arguments.reserveCapacity(argumentExpressions.count)
                for expression in argumentExpressions { arguments.append(try evaluate(expression)) }
                lastPosition = position
                value = try callMethod(on: value, name, arguments, position: position)
            case .index(let keyExpression, let position):
                let key = try evaluate(keyExpression)
                lastPosition = position
                value = try index(value, key, position: position)
            }
            offset += 1
        }
        return value
    }

    func listIndex(_ key: Value, count: Int, position: SourcePosition) throws(Interrupt) -> Int {
        let raw: Int64
        switch key {
        case .int(let value): raw = value
        case .double(let value) where value == value.rounded() && abs(value) < 1e15: raw = Int64(value)
        case .string(let text) where Int64(text) != nil: raw = Int64(text)!
        default: throw fail("list index must be an integer, got \(key.typeName)", at: position)
        }
        let adjusted = raw < 0 ? raw + Int64(count) : raw
        guard adjusted >= 0, adjusted < Int64(count) else {
            throw fail("index \(raw) out of bounds for length \(count)", at: position)
        }
        return Int(adjusted)
    }

    private func index(_ base: Value, _ key: Value, position: SourcePosition) throws(Interrupt) -> Value {
        switch base {
        case .map(let map):
            return map.value(forKey: try text(of: key)) ?? .null
        case .list(let list):
            return list.items[try listIndex(key, count: list.items.count, position: position)]
        default:
            return .null
        }
    }

    // MARK: - Expressions

    func evaluate(_ expression: Expression) throws(Interrupt) -> Value {
        try step()
        switch expression {
        case .string(let text):
            return .string(text)
        case .interpolated(let nodes):
            let text = try renderToString(nodes)
            try checkStringSize(text)
            return .string(text)
        case .integer(let value):
            return .int(value)
        case .decimal(let value):
            return .double(value)
        case .boolean(let value):
            return .bool(value)
        case .reference(let reference):
            return try evaluateReference(reference)
        case .list(let expressions):
            var items: [Value] = []
            items.reserveCapacity(expressions.count)
            for item in expressions { items.append(try evaluate(item)) }
            return .list(ListObject(items, jsonStyle: false))
        case .range(let low, let high, let position):
            guard let (first, last) = try rangeBounds(low, high, position) else { return .null }
            let count = first <= last ? last - first + 1 : first - last + 1
            if count > Int64(limits.maximumCollectionSize) {
                throw fail("range [\(first)..\(last)] has more than \(limits.maximumCollectionSize) elements", at: position)
            }
            steps += Int(count)
            try step(position)
            let items: [Value] = first <= last ? (first...last).map { .int($0) } : (last...first).reversed().map { .int($0) }
            return .list(ListObject(items, jsonStyle: false))
        case .map(let entries):
            let map = MapObject()
            for entry in entries {
                let key = try evaluate(entry.key)
                let value = try evaluate(entry.value)
                map.entries[key.isNull ? "null" : try text(of: key)] = value
            }
            return .map(map)
        case .binary(let op, let left, let right, let position):
            return try evaluateBinary(op, left, right, position)
        case .not(let operand):
            return .bool(!(try isTruthy(try evaluate(operand))))
        case .negate(let operand, _):
            switch try evaluate(operand) {
            case .int(let value): return value == .min ? .double(-Double(value)) : .int(-value)
            case .double(let value): return .double(-value)
            default: return .null
            }
        }
    }

    private func rangeBounds(_ low: Expression, _ high: Expression, _ position: SourcePosition) throws(Interrupt) -> (Int64, Int64)? {
        func bound(_ value: Value) -> Int64? {
            switch value {
            case .int(let number): return number
            case .double(let number) where number.isFinite && abs(number) < 9e18: return Int64(number)
            case .string(let text): return Int64(text.trimmingBlanks())
            default: return nil
            }
        }
        guard let first = bound(try evaluate(low)), let last = bound(try evaluate(high)) else { return nil }
        return (first, last)
    }

    /// Velocity 1.7 truthiness: null and false are false, everything else (even "" and empty lists) is true.
    func isTruthy(_ value: Value) throws(Interrupt) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        default: return true
        }
    }

    private func evaluateBinary(_ op: BinaryOperator, _ leftExpression: Expression, _ rightExpression: Expression, _ position: SourcePosition) throws(Interrupt) -> Value {
        switch op {
        case .or:
            if try isTruthy(try evaluate(leftExpression)) { return .bool(true) }
            return .bool(try isTruthy(try evaluate(rightExpression)))
        case .and:
            if !(try isTruthy(try evaluate(leftExpression))) { return .bool(false) }
            return .bool(try isTruthy(try evaluate(rightExpression)))
        default:
            break
        }
        let left = try evaluate(leftExpression)
        let right = try evaluate(rightExpression)
        lastPosition = position
        switch op {
        case .equal: return .bool(try looselyEqual(left, right))
        case .notEqual: return .bool(!(try looselyEqual(left, right)))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = compareNumbers(left, right) else { return .bool(false) }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .add:
            if case .string = left {
                return try concatenate(left, right, leftExpression, rightExpression)
            }
            if case .string = right {
                return try concatenate(left, right, leftExpression, rightExpression)
            }
            return arithmetic(op, left, right)
        default:
            return arithmetic(op, left, right)
        }
    }

    /// Velocity's `+` with a string side: a null side contributes its literal source (`$missing`).
    private func concatenate(_ left: Value, _ right: Value, _ leftExpression: Expression, _ rightExpression: Expression) throws(Interrupt) -> Value {
        func literal(_ expression: Expression) -> String {
            if case .reference(let reference) = expression { return reference.source }
            return "null"
        }
        let leftText = left.isNull ? literal(leftExpression) : try text(of: left)
        let rightText = right.isNull ? literal(rightExpression) : try text(of: right)
        let result = leftText + rightText
        try checkStringSize(result)
        return .string(result)
    }

    /// Integer arithmetic stays integral (division truncates); any double makes it a double.
    /// Non-numbers and division by zero give null, as Velocity 1.7 does (it logs them).
    private func arithmetic(_ op: BinaryOperator, _ left: Value, _ right: Value) -> Value {
        switch (left, right) {
        case (.int(let a), .int(let b)):
            let result: (partialValue: Int64, overflow: Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide:
                if b == 0 { return .null }
                result = a.dividedReportingOverflow(by: b)
            case .modulo:
                if b == 0 { return .null }
                result = a.remainderReportingOverflow(dividingBy: b)
            default: return .null
            }
            if result.overflow {
                return doubleArithmetic(op, Double(a), Double(b))
            }
            return .int(result.partialValue)
        default:
            guard let a = left.numericDouble, let b = right.numericDouble else { return .null }
            return doubleArithmetic(op, a, b)
        }
    }

    private func doubleArithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double) -> Value {
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide: return b == 0 ? .null : .double(a / b)
        case .modulo: return b == 0 ? .null : .double(a.truncatingRemainder(dividingBy: b))
        default: return .null
        }
    }

    func compareNumbers(_ left: Value, _ right: Value) -> Int? {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        default:
            guard let a = left.numericDouble, let b = right.numericDouble else { return nil }
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        }
    }

    /// Velocity 1.7 `==`: numbers compare by value; same-kind values with Java `equals`; different
    /// kinds by their `toString()`. Null equals null and (as API Gateway does) the empty string.
    func looselyEqual(_ left: Value, _ right: Value) throws(Interrupt) -> Bool {
        if let order = compareNumbers(left, right) { return order == 0 }
        switch (left, right) {
        case (.null, .null): return true
        case (.null, .string(let text)), (.string(let text), .null): return text.isEmpty
        case (.null, _), (_, .null): return false
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.map, .map), (.list, .list), (.entry, .entry):
            return try javaEquals(left, right, depth: 0)
        default:
            return try text(of: left) == text(of: right)
        }
    }

    /// Java `equals`: strict about types (Integer 1 is not Double 1.0), deep for collections.
    func javaEquals(_ left: Value, _ right: Value, depth: Int) throws(Interrupt) -> Bool {
        if depth > 512 { throw fail("values nested deeper than 512 levels (cyclic structure?)") }
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)):
            if a === b { return true }
            guard a.items.count == b.items.count else { return false }
            for (x, y) in zip(a.items, b.items) where !(try javaEquals(x, y, depth: depth + 1)) { return false }
            return true
        case (.map(let a), .map(let b)):
            if a === b { return true }
            guard a.entries.count == b.entries.count else { return false }
            for (key, value) in a.entries {
                guard let other = b.entries[key], try javaEquals(value, other, depth: depth + 1) else { return false }
            }
            return true
        case (.entry(let k1, let v1), .entry(let k2, let v2)):
            guard k1 == k2 else { return false }
            return try javaEquals(v1, v2, depth: depth + 1)
        case (.input, .input), (.util, .util): return true
        case (.foreachScope(let a), .foreachScope(let b)): return a === b
        default: return false
        }
    }

    // MARK: - Rendering values

    /// Java `toString()` of a value; null is "null" here (a top-level null reference renders nothing).
    func text(of value: Value, depth: Int = 0) throws(Interrupt) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return javaDoubleString(number)
        case .string(let text): return text
        case .list(let list):
            if list.jsonStyle { return try json(of: value, depth: depth).serialized(.compact) }
            if depth > 512 { throw fail("values nested deeper than 512 levels (cyclic structure?)") }
            var result = "["
            for (offset, item) in list.items.enumerated() {
                if offset > 0 { result += ", " }
                if case .list(let inner) = item, inner === list {
                    result += "(this Collection)"
                } else {
                    result += try text(of: item, depth: depth + 1)
                }
            }
            return result + "]"
        case .map(let map):
            if depth > 512 { throw fail("values nested deeper than 512 levels (cyclic structure?)") }
            var result = "{"
            var first = true
            for (key, item) in map.entries {
                if !first { result += ", " }
                first = false
                result += key
                result += "="
                if case .map(let inner) = item, inner === map {
                    result += "(this Map)"
                } else {
                    result += try text(of: item, depth: depth + 1)
                }
            }
            return result + "}"
        case .entry(let key, let item):
            return key + "=" + (try text(of: item, depth: depth + 1))
        case .input, .util, .foreachScope:
            return ""
        }
    }

    /// The JSON form of a value (for JSON-style lists, `$input.json` and the output `$context`).
    func json(of value: Value, depth: Int) throws(Interrupt) -> JSONValue {
        if depth > 512 { throw fail("values nested deeper than 512 levels (cyclic structure?)") }
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .list(let list):
            var items: [JSONValue] = []
            items.reserveCapacity(list.items.count)
            for item in list.items { items.append(try json(of: item, depth: depth + 1)) }
            return .array(items)
        case .map(let map):
            var members = OrderedDictionary<String, JSONValue>(minimumCapacity: map.entries.count)
            for (key, item) in map.entries { members[key] = try json(of: item, depth: depth + 1) }
            return .object(members)
        case .entry(let key, let item):
            return .object([key: try json(of: item, depth: depth + 1)])
        case .input, .util, .foreachScope:
            return .string("")
        }
    }

    // MARK: - $input support

    func bodyDocument() throws(Interrupt) -> JSONValue {
        if let parsedBody { return parsedBody }
        let body = gateway?.body ?? []
        let document: JSONValue
        if body.allSatisfy({ $0 == .space || $0 == .tab || $0 == .newline || $0 == .carriageReturn }) {
            document = .object([:])
        } else {
            do throws(JSONParseError) {
                document = try JSONValue.parse(bytes: body)
            } catch {
                throw fail("$input.path/$input.json: the body is not valid JSON (\(error))")
            }
        }
        parsedBody = document
        return document
    }

    func jsonPath(_ expression: String) throws(Interrupt) -> JSONPath {
        if let cached = compiledPaths[expression] { return cached }
        do throws(JSONPathError) {
            let path = try JSONPath(expression)
            compiledPaths[expression] = path
            return path
        } catch {
            throw fail("\(error)")
        }
    }
}

extension Value {
    var numericDouble: Double? {
        switch self {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }
}

extension String {
    func trimmingBlanks() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
