import SigV4

/// A small, strict XML 1.0 reader for JUnit reports: elements, attributes, text, comments, CDATA and processing
/// instructions; no DTDs (a `<!DOCTYPE>` is refused, so no entity expansion). Each element keeps its byte range so
/// it can be copied into another document unchanged.
struct MiniXML {
    struct Element {
        var name: String
        var attributes: [(String, String)]
        var children: [Int] = []
        /// Byte offset of `<` of the start tag.
        var start: Int
        /// Byte offset just past the start tag's `>`.
        var startTagEnd: Int
        /// Byte offset just past the end tag (or the `/>` of an empty element).
        var end: Int = 0
        var selfClosing = false

        func attribute(_ name: String) -> String? { attributes.first { $0.0 == name }?.1 }
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String
        var description: String { "\(line):\(column): \(message)" }
    }

    let bytes: [UInt8]
    private(set) var elements: [Element] = []
    private(set) var root = 0

    init(bytes: [UInt8]) throws(ParseError) {
        self.bytes = bytes
        try parse()
    }

    func children(of index: Int, named name: String) -> [Int] {
        elements[index].children.filter { elements[$0].name == name }
    }

    /// Every element below `index` (depth first) with this name.
    func descendants(of index: Int, named name: String) -> [Int] {
        var result: [Int] = []
        var stack = Array(elements[index].children.reversed())
        while let next = stack.popLast() {
            if elements[next].name == name { result.append(next) }
            stack.append(contentsOf: elements[next].children.reversed())
        }
        return result
    }

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    // MARK: - Parsing

    private mutating func parse() throws(ParseError) {
        var position = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        var stack: [Int] = []
        var sawRoot = false
        func fail(_ message: String, at offset: Int) -> ParseError {
            var line = 1, column = 1
            for byte in bytes[..<min(offset, bytes.count)] {
                if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
            }
            return ParseError(line: line, column: column, message: message)
        }
        func find(_ needle: String, from offset: Int) -> Int? {
            let pattern = Array(needle.utf8)
            guard pattern.count <= bytes.count else { return nil }
            var index = offset
            while index + pattern.count <= bytes.count {
                if bytes[index] == pattern[0] && Array(bytes[index..<index + pattern.count]) == pattern { return index }
                index += 1
            }
            return nil
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte != UInt8(ascii: "<") {
                let textEnd = bytes[position...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                if stack.isEmpty {
                    if bytes[position..<textEnd].contains(where: { !isSpace($0) }) {
                        throw fail(sawRoot ? "text after the root element" : "text before the root element", at: position)
                    }
                } else {
                    try checkReferences(position..<textEnd, fail: fail)
                }
                position = textEnd
                continue
            }
            if bytes[position...].starts(with: Array("<!--".utf8)) {
                guard let close = find("-->", from: position + 4) else { throw fail("unterminated comment", at: position) }
                position = close + 3
            } else if bytes[position...].starts(with: Array("<![CDATA[".utf8)) {
                guard !stack.isEmpty else { throw fail("CDATA outside the root element", at: position) }
                guard let close = find("]]>", from: position + 9) else { throw fail("unterminated CDATA section", at: position) }
                position = close + 3
            } else if bytes[position...].starts(with: Array("<!".utf8)) {
                throw fail("DOCTYPE and other declarations are not supported in a JUnit report", at: position)
            } else if bytes[position...].starts(with: Array("<?".utf8)) {
                guard let close = find("?>", from: position + 2) else { throw fail("unterminated processing instruction", at: position) }
                let content = text(position + 2..<close).lowercased()
                if content.hasPrefix("xml "), let range = content.range(of: "encoding=") {
                    let value = content[range.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }
                    if value != "utf-8" && value != "us-ascii" { throw fail("encoding '\(value)' is not supported (expected UTF-8)", at: position) }
                }
                position = close + 2
            } else if bytes[position...].starts(with: Array("</".utf8)) {
                let nameStart = position + 2
                var index = nameStart
                while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                let name = text(nameStart..<index)
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("malformed end tag", at: position) }
                guard let open = stack.popLast() else { throw fail("end tag </\(name)> without a start tag", at: position) }
                guard elements[open].name == name else {
                    throw fail("end tag </\(name)> does not match <\(elements[open].name)>", at: position)
                }
                elements[open].end = index + 1
                position = index + 1
            } else {
                if stack.isEmpty && sawRoot { throw fail("a second root element", at: position) }
                let (element, next) = try startTag(at: position, fail: fail)
                let index = elements.count
                elements.append(element)
                if let parent = stack.last { elements[parent].children.append(index) } else { root = index; sawRoot = true }
                if !element.selfClosing { stack.append(index) }
                position = next
            }
        }
        if let open = stack.last { throw fail("<\(elements[open].name)> is never closed (the file is truncated?)", at: bytes.count) }
        guard sawRoot else { throw fail("no root element", at: bytes.count) }
    }

    private func startTag(at start: Int, fail: (String, Int) -> ParseError) throws(ParseError) -> (Element, Int) {
        var index = start + 1
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        guard index > start + 1 else { throw fail("malformed tag", start) }
        var element = Element(name: text(start + 1..<index), attributes: [], start: start, startTagEnd: 0)
        while true {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { throw fail("unterminated start tag <\(element.name)>", start) }
            if bytes[index] == UInt8(ascii: ">") {
                element.startTagEnd = index + 1
                return (element, index + 1)
            }
            if bytes[index] == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") {
                element.startTagEnd = index + 2
                element.end = index + 2
                element.selfClosing = true
                return (element, index + 2)
            }
            let nameStart = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            guard index > nameStart else { throw fail("unexpected character in <\(element.name)>", index) }
            let name = text(nameStart..<index)
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("attribute '\(name)' has no value", index) }
            index += 1
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail("the value of attribute '\(name)' must be quoted", index)
            }
            let quote = bytes[index]
            let valueStart = index + 1
            guard let valueEnd = bytes[valueStart...].firstIndex(of: quote) else { throw fail("unterminated value of attribute '\(name)'", index) }
            if bytes[valueStart..<valueEnd].contains(UInt8(ascii: "<")) { throw fail("'<' in the value of attribute '\(name)'", valueStart) }
            try checkReferences(valueStart..<valueEnd, fail: fail)
            if element.attributes.contains(where: { $0.0 == name }) { throw fail("attribute '\(name)' appears twice", nameStart) }
            element.attributes.append((name, decodeReferences(text(valueStart..<valueEnd))))
            index = valueEnd + 1
        }
    }

    private func checkReferences(_ range: Range<Int>, fail: (String, Int) -> ParseError) throws(ParseError) {
        var index = range.lowerBound
        while index < range.upperBound {
            if bytes[index] == UInt8(ascii: "&") {
                guard let semicolon = bytes[index..<range.upperBound].firstIndex(of: UInt8(ascii: ";")) else {
                    throw fail("'&' must start an entity reference such as &amp;", index)
                }
                let name = text(index + 1..<semicolon)
                let known = ["amp", "lt", "gt", "quot", "apos"].contains(name)
                let numeric = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16) != nil
                    : name.hasPrefix("#") ? UInt32(name.dropFirst(1)) != nil : false
                guard known || numeric else { throw fail("unknown entity '&\(name);'", index) }
                index = semicolon + 1
            } else {
                index += 1
            }
        }
    }

    private func decodeReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&"), let semicolon = rest[ampersand...].firstIndex(of: ";") {
            output += rest[..<ampersand]
            let name = rest[rest.index(after: ampersand)..<semicolon]
            switch name {
            case "amp": output += "&"
            case "lt": output += "<"
            case "gt": output += ">"
            case "quot": output += "\""
            case "apos": output += "'"
            default:
                let value = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16) : UInt32(name.dropFirst(1))
                if let value, let scalar = Unicode.Scalar(value) { output.unicodeScalars.append(scalar) }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return output + rest
    }

    private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private func isNameByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || URIEncoding.isUnreserved(byte) || byte == UInt8(ascii: ":")
    }
}
