import JSONCore
import OrderedCollections

/// Properties and methods of runtime values, modelled on the Java classes AWS's engine exposes
/// (`String`, `ArrayList`, `LinkedHashMap`, `$input`, `$util`, `$foreach`).
extension Renderer {

    // MARK: - Properties

    /// `$value.name`. Unknown properties are null (Velocity renders nothing for them).
    func property(of base: Value, _ name: String, position: SourcePosition) throws(Interrupt) -> Value {
        switch base {
        case .map(let map):
            return map.value(forKey: name) ?? .null
        case .input:
            switch name {
            case "body": return .string(inputBody())
            case "params": return try inputParams()
            default: return .null
            }
        case .foreachScope(let scope):
            switch name {
            case "index": return .int(Int64(scope.index))
            case "count": return .int(Int64(scope.index + 1))
            case "hasNext": return .bool(scope.hasNext)
            case "first": return .bool(scope.index == 0)
            case "last": return .bool(!scope.hasNext)
            case "parent": return scope.parent.map { .foreachScope($0) } ?? .null
            default: return .null
            }
        case .string(let text):
            return name == "empty" ? .bool(text.isEmpty) : .null
        case .list(let list):
            return name == "empty" ? .bool(list.items.isEmpty) : .null
        case .entry(let key, let value):
            switch name {
            case "key": return .string(key)
            case "value": return value
            default: return .null
            }
        default:
            return .null
        }
    }

    // MARK: - Methods

    /// `$value.name(args)`. A method the value does not have is a runtime error (500 in API Gateway).
    func callMethod(on base: Value, _ name: String, _ arguments: [Value], position: SourcePosition) throws(Interrupt) -> Value {
        switch (name, arguments.count) {
        case ("toString", 0): return .string(try text(of: base))
        case ("equals", 1): return .bool(try javaEquals(base, arguments[0], depth: 0))
        default: break
        }
        switch base {
        case .string(let text): return try stringMethod(text, name, arguments, position)
        case .list(let list): return try listMethod(list, name, arguments, position)
        case .map(let map): return try mapMethod(map, name, arguments, position)
        case .input: return try inputMethod(name, arguments, position)
        case .util: return try utilMethod(name, arguments, position)
        case .foreachScope(let scope):
            switch (name, arguments.count) {
            case ("hasNext", 0), ("getHasNext", 0): return .bool(scope.hasNext)
            case ("getIndex", 0): return .int(Int64(scope.index))
            case ("getCount", 0): return .int(Int64(scope.index + 1))
            case ("isFirst", 0), ("getFirst", 0): return .bool(scope.index == 0)
            case ("isLast", 0), ("getLast", 0): return .bool(!scope.hasNext)
            case ("getParent", 0): return scope.parent.map { .foreachScope($0) } ?? .null
            default: break
            }
        case .entry(let key, let value):
            switch (name, arguments.count) {
            case ("getKey", 0): return .string(key)
            case ("getValue", 0): return value
            default: break
            }
        case .int, .double:
            switch (name, arguments.count) {
            case ("intValue", 0), ("longValue", 0):
                if case .double(let number) = base {
                    return .int(number.isFinite ? Int64(max(min(number, 9.2e18), -9.2e18)) : 0)
                }
                return base
            case ("doubleValue", 0), ("floatValue", 0): return .double(base.numericDouble ?? 0)
            case ("compareTo", 1):
                if let order = compareNumbers(base, arguments[0]) { return .int(Int64(order)) }
            default: break
            }
        case .bool(let flag):
            if name == "booleanValue", arguments.isEmpty { return .bool(flag) }
        case .null:
            return .null
        }
        throw noSuchMethod(base, name, arguments, position)
    }

    private func noSuchMethod(_ base: Value, _ name: String, _ arguments: [Value], _ position: SourcePosition) -> Interrupt {
        let types = arguments.map(\.typeName).joined(separator: ", ")
        return fail("no method \(name)(\(types)) on \(base.typeName)", at: position)
    }

    private func stringArgument(_ value: Value, _ method: String, _ position: SourcePosition) throws(Interrupt) -> String {
        switch value {
        case .null: throw fail("\(method): argument is null", at: position)
        default: return try text(of: value)
        }
    }

    private func intArgument(_ value: Value, _ method: String, _ position: SourcePosition) throws(Interrupt) -> Int {
        switch value {
        case .int(let number) where number >= Int64(Int32.min) && number <= Int64(Int32.max): return Int(number)
        case .double(let number) where number == number.rounded() && abs(number) < 2e9: return Int(number)
        default: throw fail("\(method): expected an integer argument, got \(value.typeName)", at: position)
        }
    }

    // MARK: String

    private func stringMethod(_ text: String, _ name: String, _ arguments: [Value], _ position: SourcePosition) throws(Interrupt) -> Value {
        switch (name, arguments.count) {
        case ("length", 0):
            return .int(Int64(text.utf16.count))
        case ("isEmpty", 0):
            return .bool(text.isEmpty)
        case ("toLowerCase", 0):
            return .string(text.lowercased())
        case ("toUpperCase", 0):
            return .string(text.uppercased())
        case ("trim", 0):
            let units = Array(text.utf16)
            var start = 0
            var end = units.count
            while start < end, units[start] <= 0x20 { start += 1 }
            while end > start, units[end - 1] <= 0x20 { end -= 1 }
            return .string(String(decoding: units[start..<end], as: UTF16.self))
        case ("substring", 1), ("substring", 2):
            let units = Array(text.utf16)
            let begin = try intArgument(arguments[0], "substring", position)
            let end = arguments.count == 2 ? try intArgument(arguments[1], "substring", position) : units.count
            guard begin >= 0, end <= units.count, begin <= end else {
                throw fail("substring(\(begin), \(end)): index out of range for a string of length \(units.count)", at: position)
            }
            return .string(String(decoding: units[begin..<end], as: UTF16.self))
        case ("charAt", 1):
            let units = Array(text.utf16)
            let offset = try intArgument(arguments[0], "charAt", position)
            guard offset >= 0, offset < units.count else {
                throw fail("charAt(\(offset)): index out of range for a string of length \(units.count)", at: position)
            }
            return .string(String(decoding: [units[offset]], as: UTF16.self))
        case ("contains", 1):
            let needle = try stringArgument(arguments[0], "contains", position)
            return .bool(utf16Index(of: needle, in: text, from: 0) != nil)
        case ("startsWith", 1):
            return .bool(text.utf16.starts(with: try stringArgument(arguments[0], "startsWith", position).utf16))
        case ("startsWith", 2):
            let units = Array(text.utf16)
            let offset = try intArgument(arguments[1], "startsWith", position)
            guard offset >= 0, offset <= units.count else { return .bool(false) }
            return .bool(units[offset...].starts(with: try stringArgument(arguments[0], "startsWith", position).utf16))
        case ("endsWith", 1):
            let suffix = Array(try stringArgument(arguments[0], "endsWith", position).utf16)
            return .bool(Array(text.utf16).reversed().starts(with: suffix.reversed()))
        case ("indexOf", 1), ("indexOf", 2):
            let needle = try stringArgument(arguments[0], "indexOf", position)
            let from = arguments.count == 2 ? try intArgument(arguments[1], "indexOf", position) : 0
            return .int(Int64(utf16Index(of: needle, in: text, from: from) ?? -1))
        case ("lastIndexOf", 1):
            let needle = Array(try stringArgument(arguments[0], "lastIndexOf", position).utf16)
            let units = Array(text.utf16)
            var candidate = units.count - needle.count
            while candidate >= 0 {
                if units[candidate..<(candidate + needle.count)].elementsEqual(needle) { return .int(Int64(candidate)) }
                candidate -= 1
            }
            return .int(-1)
        case ("replace", 2):
            let target = try stringArgument(arguments[0], "replace", position)
            let replacement = try stringArgument(arguments[1], "replace", position)
            let result = replaceLiteral(text, target, replacement)
            try checkStringSize(result)
            return .string(result)
        case ("replaceAll", 2), ("replaceFirst", 2):
            let regex = try compileRegex(try stringArgument(arguments[0], name, position), position)
            let replacement = try stringArgument(arguments[1], name, position)
            let result = try replaceRegex(text, regex, replacement, all: name == "replaceAll", position)
            try checkStringSize(result)
            return .string(result)
        case ("matches", 1):
            let regex = try compileRegex(try stringArgument(arguments[0], "matches", position), position)
            return .bool(text.wholeMatch(of: regex) != nil)
        case ("split", 1), ("split", 2):
            let regex = try compileRegex(try stringArgument(arguments[0], "split", position), position)
            let limit = arguments.count == 2 ? try intArgument(arguments[1], "split", position) : 0
            let parts = splitRegex(text, regex, limit: limit)
            return .list(ListObject(parts.map { .string($0) }, jsonStyle: false))
        case ("concat", 1):
            let result = text + (try stringArgument(arguments[0], "concat", position))
            try checkStringSize(result)
            return .string(result)
        case ("equalsIgnoreCase", 1):
            if case .string(let other) = arguments[0] { return .bool(text.lowercased() == other.lowercased()) }
            return .bool(false)
        case ("compareTo", 1):
            let other = Array(try stringArgument(arguments[0], "compareTo", position).utf16)
            let units = Array(text.utf16)
            for (a, b) in zip(units, other) where a != b { return .int(Int64(a) - Int64(b)) }
            return .int(Int64(units.count - other.count))
        case ("hashCode", 0):
            var hash: Int32 = 0
            for unit in text.utf16 { hash = hash &* 31 &+ Int32(unit) }
            return .int(Int64(hash))
        case ("getBytes", 0):
            return .list(ListObject(text.utf8.map { .int(Int64(Int8(bitPattern: $0))) }, jsonStyle: false))
        default:
            throw noSuchMethod(.string(text), name, arguments, position)
        }
    }

    private func utf16Index(of needle: String, in text: String, from: Int) -> Int? {
        let units = Array(text.utf16)
        let target = Array(needle.utf16)
        var candidate = max(from, 0)
        if target.isEmpty { return candidate <= units.count ? candidate : nil }
        while candidate + target.count <= units.count {
            if units[candidate] == target[0], units[candidate..<(candidate + target.count)].elementsEqual(target) {
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    /// Java `String.replace(CharSequence, CharSequence)`: literal, every occurrence.
    private func replaceLiteral(_ text: String, _ target: String, _ replacement: String) -> String {
        let units = Array(text.utf16)
        let targetUnits = Array(target.utf16)
        let replacementUnits = Array(replacement.utf16)
        var result: [UInt16] = []
        result.reserveCapacity(units.count)
        if targetUnits.isEmpty {
            for unit in units {
                result += replacementUnits
                result.append(unit)
            }
            result += replacementUnits
            return String(decoding: result, as: UTF16.self)
        }
        var cursor = 0
        while cursor < units.count {
            if cursor + targetUnits.count <= units.count, units[cursor] == targetUnits[0],
               units[cursor..<(cursor + targetUnits.count)].elementsEqual(targetUnits) {
                result += replacementUnits
                cursor += targetUnits.count
            } else {
                result.append(units[cursor])
                cursor += 1
            }
        }
        return String(decoding: result, as: UTF16.self)
    }

    private func compileRegex(_ pattern: String, _ position: SourcePosition) throws(Interrupt) -> Regex<AnyRegexOutput> {
        if let cached = regexCache[pattern] { return cached }
        do {
            let regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
            regexCache[pattern] = regex
            return regex
        } catch {
            throw fail("invalid regular expression '\(pattern)': \(error)", at: position)
        }
    }

    /// Java `replaceAll`/`replaceFirst`: `$n` inserts group n, `\x` inserts x literally.
    private func replaceRegex(_ text: String, _ regex: Regex<AnyRegexOutput>, _ replacement: String, all: Bool, _ position: SourcePosition) throws(Interrupt) -> String {
        var result = String.UnicodeScalarView()
        var cursor = text.startIndex
        let template = Array(replacement.unicodeScalars)
        for match in text.matches(of: regex) {
            result.append(contentsOf: text.unicodeScalars[cursor..<match.range.lowerBound])
            var offset = 0
            while offset < template.count {
                let scalar = template[offset]
                if scalar == "\\", offset + 1 < template.count {
                    result.append(template[offset + 1])
                    offset += 2
                } else if scalar == "$", offset + 1 < template.count,
                          let digit = template[offset + 1].isASCII ? Int(String(template[offset + 1])) : nil {
                    guard digit < match.output.count else {
                        throw fail("replacement refers to group \(digit), but the pattern has \(match.output.count - 1) groups", at: position)
                    }
                    if let captured = match.output[digit].substring {
                        result.append(contentsOf: captured.unicodeScalars)
                    }
                    offset += 2
                } else {
                    result.append(scalar)
                    offset += 1
                }
            }
            cursor = match.range.upperBound
            if !all { break }
        }
        result.append(contentsOf: text.unicodeScalars[cursor...])
        return String(result)
    }

    /// Java `String.split(regex, limit)`: no leading empty piece for a zero-width match at 0;
    /// limit 0 drops trailing empty pieces.
    private func splitRegex(_ text: String, _ regex: Regex<AnyRegexOutput>, limit: Int) -> [String] {
        let scalars = text
        if scalars.isEmpty { return [""] }
        var pieces: [String] = []
        var cursor = scalars.startIndex
        for match in scalars.matches(of: regex) {
            if limit > 0, pieces.count == limit - 1 { break }
            if match.range.isEmpty {
                if match.range.lowerBound == scalars.startIndex || match.range.lowerBound == scalars.endIndex { continue }
            }
            if match.range.lowerBound == scalars.startIndex, !match.range.isEmpty, cursor == scalars.startIndex {
                pieces.append("")
                cursor = match.range.upperBound
                continue
            }
            pieces.append(String(scalars[cursor..<match.range.lowerBound]))
            cursor = match.range.upperBound
        }
        pieces.append(String(scalars[cursor...]))
        if limit == 0 {
            while let last = pieces.last, last.isEmpty, pieces.count > 0 { pieces.removeLast() }
            if pieces.isEmpty { return [] }
        }
        return pieces
    }

    // MARK: List

    private func listMethod(_ list: ListObject, _ name: String, _ arguments: [Value], _ position: SourcePosition) throws(Interrupt) -> Value {
        switch (name, arguments.count) {
        case ("size", 0):
            return .int(Int64(list.items.count))
        case ("isEmpty", 0):
            return .bool(list.items.isEmpty)
        case ("get", 1):
            return list.items[try listIndexStrict(arguments[0], list.items.count, position)]
        case ("contains", 1):
            for item in list.items where try javaEquals(item, arguments[0], depth: 0) { return .bool(true) }
            return .bool(false)
        case ("indexOf", 1):
            for (offset, item) in list.items.enumerated() where try javaEquals(item, arguments[0], depth: 0) {
                return .int(Int64(offset))
            }
            return .int(-1)
        case ("add", 1):
            try checkCollectionSize(list.items.count + 1)
            list.items.append(arguments[0])
            return .bool(true)
        case ("add", 2):
            let offset = try intArgument(arguments[0], "add", position)
            guard offset >= 0, offset <= list.items.count else {
                throw fail("add(\(offset), ...): index out of bounds for length \(list.items.count)", at: position)
            }
            try checkCollectionSize(list.items.count + 1)
            list.items.insert(arguments[1], at: offset)
            return .null
        case ("addAll", 1):
            guard case .list(let other) = arguments[0] else {
                throw noSuchMethod(.list(list), name, arguments, position)
            }
            try checkCollectionSize(list.items.count + other.items.count)
            list.items += other.items
            return .bool(!other.items.isEmpty)
        case ("set", 2):
            let offset = try listIndexStrict(arguments[0], list.items.count, position)
            let previous = list.items[offset]
            list.items[offset] = arguments[1]
            return previous
        case ("remove", 1):
            if case .int = arguments[0] {
                let offset = try listIndexStrict(arguments[0], list.items.count, position)
                return list.items.remove(at: offset)
            }
            for (offset, item) in list.items.enumerated() where try javaEquals(item, arguments[0], depth: 0) {
                list.items.remove(at: offset)
                return .bool(true)
            }
            return .bool(false)
        case ("clear", 0):
            list.items.removeAll()
            return .null
        case ("subList", 2):
            let from = try intArgument(arguments[0], "subList", position)
            let to = try intArgument(arguments[1], "subList", position)
            guard from >= 0, to <= list.items.count, from <= to else {
                throw fail("subList(\(from), \(to)): out of bounds for length \(list.items.count)", at: position)
            }
            return .list(ListObject(Array(list.items[from..<to]), jsonStyle: list.jsonStyle))
        default:
            throw noSuchMethod(.list(list), name, arguments, position)
        }
    }

    /// Java `List.get` does not accept negative indexes (unlike `$list[-1]`).
    private func listIndexStrict(_ value: Value, _ count: Int, _ position: SourcePosition) throws(Interrupt) -> Int {
        let offset = try intArgument(value, "get", position)
        guard offset >= 0, offset < count else {
            throw fail("index \(offset) out of bounds for length \(count)", at: position)
        }
        return offset
    }

    // MARK: Map

    private func mapMethod(_ map: MapObject, _ name: String, _ arguments: [Value], _ position: SourcePosition) throws(Interrupt) -> Value {
        func key(_ value: Value) throws(Interrupt) -> String {
            value.isNull ? "null" : try text(of: value)
        }
        switch (name, arguments.count) {
        case ("get", 1):
            return map.value(forKey: try key(arguments[0])) ?? .null
        case ("getOrDefault", 2):
            return map.value(forKey: try key(arguments[0])) ?? arguments[1]
        case ("put", 2):
            return try put(map, try key(arguments[0]), arguments[1])
        case ("putIfAbsent", 2):
            let name = try key(arguments[0])
            if let existing = map.value(forKey: name), !existing.isNull { return existing }
            return try put(map, name, arguments[1])
        case ("putAll", 1):
            guard case .map(let other) = arguments[0] else { throw noSuchMethod(.map(map), name, arguments, position) }
            for (otherKey, value) in other.entries { try put(map, otherKey, value) }
            return .null
        case ("containsKey", 1):
            return .bool(map.value(forKey: try key(arguments[0])) != nil)
        case ("containsValue", 1):
            for value in map.entries.values where try javaEquals(value, arguments[0], depth: 0) { return .bool(true) }
            return .bool(false)
        case ("remove", 1):
            let stored = map.storedKey(for: try key(arguments[0]))
            return map.entries.removeValue(forKey: stored) ?? .null
        case ("size", 0):
            return .int(Int64(map.entries.count))
        case ("isEmpty", 0):
            return .bool(map.entries.isEmpty)
        case ("keySet", 0):
            return .list(ListObject(map.entries.keys.map { .string($0) }, jsonStyle: false))
        case ("values", 0):
            return .list(ListObject(Array(map.entries.values), jsonStyle: false))
        case ("entrySet", 0):
            return .list(ListObject(map.entries.map { .entry($0.key, $0.value) }, jsonStyle: false))
        case ("clear", 0):
            map.entries.removeAll()
            return .null
        default:
            throw noSuchMethod(.map(map), name, arguments, position)
        }
    }

    // MARK: $input

    func inputBody() -> String {
        let body = gateway?.body ?? []
        return body.isEmpty ? "{}" : String(decoding: body, as: UTF8.self)
    }

    /// `$input.params()`: `{path={...}, querystring={...}, header={...}}`.
    func inputParams() throws(Interrupt) -> Value {
        let path = MapObject()
        let query = MapObject()
        let header = MapObject()
        header.caseInsensitiveKeys = true
        if let gateway {
            for (key, value) in gateway.pathParameters { path.entries[key] = .string(value) }
            for (key, value) in gateway.queryParameters { query.entries[key] = .string(value) }
            for (key, value) in gateway.headers { header.entries[header.storedKey(for: key)] = .string(value) }
        }
        return .map(MapObject(["path": .map(path), "querystring": .map(query), "header": .map(header)]))
    }

    private func inputMethod(_ name: String, _ arguments: [Value], _ position: SourcePosition) throws(Interrupt) -> Value {
        if arguments.count == 1, arguments[0].isNull, ["params", "path", "json"].contains(name) {
            // A null name or path selects nothing, like a missing one (docs/vtl.md, "Null arguments"): params and
            // path give null (empty text), json gives the JSON text `null`.
            return name == "json" ? .string("null") : .null
        }
        switch (name, arguments.count) {
        case ("params", 0):
            return try inputParams()
        case ("params", 1):
            let wanted = try stringArgument(arguments[0], "$input.params", position)
            guard let gateway else { return .null }
            if let value = gateway.pathParameters.last(where: { $0.0 == wanted }) { return .string(value.1) }
            if let value = gateway.queryParameters.last(where: { $0.0 == wanted }) { return .string(value.1) }
            let lowered = wanted.lowercased()
            if let value = gateway.headers.last(where: { $0.0.lowercased() == lowered }) { return .string(value.1) }
            return .null
        case ("path", 1):
            let path = try jsonPath(try stringArgument(arguments[0], "$input.path", position))
            let document = try bodyDocument()
            if path.isDefinite {
                return path.first(in: document).map(Value.init(json:)) ?? .null
            }
            return .list(ListObject(path.select(in: document).map(Value.init(json:)), jsonStyle: true))
        case ("json", 1):
            let path = try jsonPath(try stringArgument(arguments[0], "$input.json", position))
            let document = try bodyDocument()
            let selected: JSONValue = path.isDefinite ? (path.first(in: document) ?? .null) : .array(path.select(in: document))
            return .string(selected.serialized(.compact))
        case ("getBody", 0), ("body", 0):
            return .string(inputBody())
        default:
            throw noSuchMethod(.input, name, arguments, position)
        }
    }

    // MARK: $util

    private func utilMethod(_ name: String, _ arguments: [Value], _ position: SourcePosition) throws(Interrupt) -> Value {
        guard arguments.count == 1 else { throw noSuchMethod(.util, name, arguments, position) }
        if arguments[0].isNull {
            // A null argument never fails the template (docs/vtl.md, "Null arguments"): the URL and base64
            // functions give the empty string as API Gateway does for `$util.urlEncode(null)`; escapeJavaScript and
            // parseJson give null (commons-lang `escapeJavaScript(null)` is null), which renders as empty text.
            switch name {
            case "urlEncode", "urlDecode", "base64Encode", "base64Decode": return .string("")
            case "escapeJavaScript", "parseJson": return .null
            default: throw noSuchMethod(.util, name, arguments, position)
            }
        }
        let argument = try text(of: arguments[0])
        switch name {
        case "escapeJavaScript":
            return .string(GatewayUtil.escapeJavaScript(argument))
        case "urlEncode":
            return .string(GatewayUtil.urlEncode(argument))
        case "urlDecode":
            guard let decoded = GatewayUtil.urlDecode(argument) else {
                throw fail("$util.urlDecode: malformed %-escape in '\(argument)'", at: position)
            }
            return .string(decoded)
        case "base64Encode":
            return .string(GatewayUtil.base64Encode(Array(argument.utf8)))
        case "base64Decode":
            guard let bytes = GatewayUtil.base64Decode(argument) else {
                throw fail("$util.base64Decode: '\(argument.prefix(40))' is not valid base64", at: position)
            }
            return .string(String(decoding: bytes, as: UTF8.self))
        case "parseJson":
            do throws(JSONParseError) {
                return Value(json: try JSONValue.parse(argument))
            } catch {
                throw fail("$util.parseJson: invalid JSON (\(error))", at: position)
            }
        default:
            throw noSuchMethod(.util, name, arguments, position)
        }
    }
}

/// The string functions behind `$util`, matching the Java libraries AWS uses.
enum GatewayUtil {

    /// commons-lang 2 `StringEscapeUtils.escapeJavaScript`: `'` `"` `\` `/` backslash-escaped,
    /// `\b \n \t \f \r`, other control characters and everything above 0x7F as `\uXXXX` (uppercase hex,
    /// UTF-16 units, so astral characters become two escapes).
    static func escapeJavaScript(_ text: String) -> String {
        // Output is ASCII: built as bytes (appending scalars to a String one by one dominated template renders).
        // A text with nothing to escape (the usual case) is returned as it is.
        if !text.utf8.contains(where: needsJavaScriptEscape) { return text }
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count + 16)
        for unit in text.utf16 {
            switch unit {
            case 0x08: result.append(.backslash); result.append(UInt8(ascii: "b"))
            case 0x0A: result.append(.backslash); result.append(UInt8(ascii: "n"))
            case 0x09: result.append(.backslash); result.append(UInt8(ascii: "t"))
            case 0x0C: result.append(.backslash); result.append(UInt8(ascii: "f"))
            case 0x0D: result.append(.backslash); result.append(UInt8(ascii: "r"))
            case 0x27, 0x22, 0x5C, 0x2F: result.append(.backslash); result.append(UInt8(unit))
            case 0..<0x20, 0x80...:
                result.append(.backslash)
                result.append(UInt8(ascii: "u"))
                for shift in stride(from: 12, through: 0, by: -4) {
                    result.append(upperHexBytes[Int((unit >> UInt16(shift)) & 0xF)])
                }
            default:
                result.append(UInt8(unit))
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// A UTF-8 byte `escapeJavaScript` changes: a control character, `'` `"` `\` `/`, or part of a non-ASCII character.
    private static func needsJavaScriptEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte >= 0x80 || byte == 0x27 || byte == 0x22 || byte == 0x5C || byte == 0x2F
    }

    private static let upperHexBytes: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `java.net.URLEncoder.encode(s, "UTF-8")`: `a-zA-Z0-9.-*_` kept, space as `+`, the rest `%XX`.
    static func urlEncode(_ text: String) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte.isLetterOrDigit || byte == .dot || byte == .minus || byte == .star || byte == .underscore {
                result.append(byte)
            } else if byte == .space {
                result.append(UInt8(ascii: "+"))
            } else {
                result.append(UInt8(ascii: "%"))
                result.append(upperHexBytes[Int(byte >> 4)])
                result.append(upperHexBytes[Int(byte & 0xF)])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `java.net.URLDecoder.decode(s, "UTF-8")`: `+` is a space; nil for a malformed `%` escape.
    static func urlDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var cursor = 0
        while cursor < source.count {
            let byte = source[cursor]
            if byte == .plus {
                bytes.append(.space)
                cursor += 1
            } else if byte == UInt8(ascii: "%") {
                guard cursor + 2 < source.count,
                      let high = hexValue(source[cursor + 1]), let low = hexValue(source[cursor + 2]) else { return nil }
                bytes.append(high << 4 | low)
                cursor += 3
            } else {
                bytes.append(byte)
                cursor += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding.
    static func base64Encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            let second = index + 1 < bytes.count ? bytes[index + 1] : 0
            let third = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(base64Alphabet[Int(first >> 2)])
            output.append(base64Alphabet[Int((first & 0x03) << 4 | second >> 4)])
            output.append(index + 1 < bytes.count ? base64Alphabet[Int((second & 0x0F) << 2 | third >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? base64Alphabet[Int(third & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `java.util.Base64.getDecoder().decode`: standard alphabet, padding optional, nothing else allowed.
    static func base64Decode(_ text: String) -> [UInt8]? {
        var symbols = Array(text.utf8)
        var padding = 0
        while let last = symbols.last, last == UInt8(ascii: "=") {
            symbols.removeLast()
            padding += 1
        }
        guard padding <= 2, symbols.count % 4 != 1 else { return nil }
        if padding > 0, (symbols.count + padding) % 4 != 0 { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(symbols.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            let value: UInt8
            switch symbol {
            case 0x41...0x5A: value = symbol - 0x41
            case 0x61...0x7A: value = symbol - 0x61 + 26
            case 0x30...0x39: value = symbol - 0x30 + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return output
    }
}
