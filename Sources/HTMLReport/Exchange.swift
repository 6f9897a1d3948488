import JSONCore

/// A request/response transcript (curl-style `>`/`<` lines, as in the JUnit report) split into its parts so the HTML
/// report can lay it out: the request line and headers, the response status and headers, and each body, pretty-printed
/// when it is whole JSON. The transcript is already redacted; nothing here adds text to it.
struct Exchange: Sendable, Hashable {
    struct Message: Sendable, Hashable {
        /// `GET https://...` or `HTTP/1.1 500 Internal Server Error`.
        var startLine: String
        var headers: [(name: String, value: String)]
        var body: String
        /// `... (20000 bytes in total, first 4096 shown, sha256 ...)` when the body was cut.
        var truncation: String?
        var isJSON: Bool

        static func == (lhs: Message, rhs: Message) -> Bool {
            lhs.startLine == rhs.startLine && lhs.body == rhs.body && lhs.truncation == rhs.truncation
                && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(startLine)
            hasher.combine(body)
        }
    }

    var request: Message?
    var response: Message?

    /// Nil when the text is not a transcript.
    init?(transcript: String) {
        let lines = transcript.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let responseStart = lines.firstIndex { $0.hasPrefix("< HTTP/") }
        let requestLines = lines[..<(responseStart ?? lines.count)]
        if let first = requestLines.first, first.hasPrefix("> ") {
            var part = Array(requestLines)
            while part.last == "" { part.removeLast() }
            request = Self.message(part, marker: ">")
        }
        if let responseStart { response = Self.message(Array(lines[responseStart...]), marker: "<") }
        if request == nil && response == nil { return nil }
    }

    static func message(_ lines: [String], marker: Character) -> Message {
        let prefix = String(marker) + " "
        var headers: [(String, String)] = []
        var index = 1
        while index < lines.count, lines[index].hasPrefix(prefix) {
            let field = lines[index].dropFirst(2)
            if let colon = field.firstIndex(of: ":") {
                headers.append((String(field[..<colon]), String(field[field.index(after: colon)...]).trimmingLeadingSpace()))
            } else {
                headers.append((String(field), ""))
            }
            index += 1
        }
        var bodyLines: [String] = []
        if index < lines.count, lines[index] == String(marker) { bodyLines = Array(lines[(index + 1)...]) }
        var truncation: String?
        if let last = bodyLines.last, last.hasPrefix("... ("), last.contains(" bytes in total") {
            truncation = String(last.dropFirst(4))
            bodyLines.removeLast()
        }
        var body = bodyLines.joined(separator: "\n")
        if body == "(empty body)" { body = "" }
        var isJSON = false
        if truncation == nil, let first = body.first(where: { !$0.isWhitespace }), first == "{" || first == "[",
           let value = try? JSONValue.parse(body) {
            body = value.serialized(.pretty)
            isJSON = true
        }
        let start = lines.first.map { String($0.dropFirst(2)) } ?? ""
        return Message(startLine: start, headers: headers, body: body, truncation: truncation, isJSON: isJSON)
    }
}

extension String {
    func trimmingLeadingSpace() -> String {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        return String(text)
    }
}
