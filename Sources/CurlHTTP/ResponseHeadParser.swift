import HTTPMessage

/// Builds the final response's status line and header fields from the raw lines libcurl hands to
/// its header callback, one call per line (status line, fields, blank line; again for every
/// `1xx` interim response and redirect hop; trailers after a chunked body).
struct ResponseHeadParser {
    private(set) var httpVersion: String?
    private(set) var status: Int?
    private(set) var reasonPhrase = ""
    private(set) var fields: [HTTPHeaderField] = []
    /// Indexes into `fields` of the lines that were not valid UTF-8 (decoded as ISO-8859-1).
    private(set) var nonUTF8Fields: [Int] = []
    /// True once the blank line ending the current response head has been seen.
    private var headComplete = false

    /// Consumes one raw header line, including its line terminator.
    mutating func consume(line rawLine: UnsafeRawBufferPointer) {
        var bytes = Array(rawLine)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            bytes.removeLast()
        }
        if Self.startsWithHTTPVersion(bytes) {
            // A new response starts (final, interim 1xx, or the next redirect hop): forget the previous one.
            parseStatusLine(Self.decode(bytes))
            fields = []
            nonUTF8Fields = []
            headComplete = false
            return
        }
        if bytes.isEmpty {
            headComplete = true
            return
        }
        // Lines after the head (trailers of a chunked body) are not part of the response headers.
        guard !headComplete else { return }
        let isUTF8 = String(validating: bytes, as: UTF8.self) != nil
        defer { if !isUTF8, !fields.isEmpty, nonUTF8Fields.last != fields.count - 1 { nonUTF8Fields.append(fields.count - 1) } }
        if bytes[0] == UInt8(ascii: " ") || bytes[0] == UInt8(ascii: "\t"), !fields.isEmpty {
            // obs-fold (RFC 9112 §5.2): the line continues the previous field's value; replace the fold by one space.
            let continuation = Self.trimmingOWS(Self.decode(bytes))
            let previous = fields.removeLast()
            fields.append(HTTPHeaderField(name: previous.name, value: previous.value + " " + continuation))
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            // Not a field line; keep it rather than lose bytes, as a field with an empty value.
            fields.append(HTTPHeaderField(name: Self.decode(bytes), value: ""))
            return
        }
        let name = Self.decode(Array(bytes[..<colon]))
        let value = Self.trimmingOWS(Self.decode(Array(bytes[(colon + 1)...])))
        fields.append(HTTPHeaderField(name: name, value: value))
    }

    /// Parses `HTTP/1.1 206 Partial Content` (or `HTTP/2 200`).
    private mutating func parseStatusLine(_ line: String) {
        let scalars = Array(line.unicodeScalars)
        guard let firstSpace = scalars.firstIndex(of: " ") else {
            httpVersion = line
            status = nil
            reasonPhrase = ""
            return
        }
        httpVersion = String(String.UnicodeScalarView(scalars[..<firstSpace]))
        var index = firstSpace
        while index < scalars.endIndex, scalars[index] == " " { index += 1 }
        let codeStart = index
        while index < scalars.endIndex, scalars[index] != " " { index += 1 }
        status = Int(String(String.UnicodeScalarView(scalars[codeStart..<index])))
        if index < scalars.endIndex { index += 1 }  // the single space before the reason phrase
        reasonPhrase = String(String.UnicodeScalarView(scalars[index...]))
    }

    private static func startsWithHTTPVersion(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 5 && bytes[0..<5].elementsEqual("HTTP/".utf8)
    }

    /// UTF-8 when the bytes are valid UTF-8, otherwise ISO-8859-1 (every byte maps to one scalar), so nothing is lost.
    static func decode(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Removes leading and trailing optional whitespace (SP / HTAB), RFC 9110 §5.5.
    static func trimmingOWS(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
