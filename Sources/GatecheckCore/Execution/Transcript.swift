import Crypto
import Foundation
import HTTPMessage

/// Renders request/response transcripts for failure reports: curl-style `>`/`<` lines, bodies cut
/// to a bounded size with the total byte count, binary bytes shown escaped (`\xNN`).
public enum Transcript {
    /// Body bytes shown in JUnit reports.
    public static let reportBodyLimit = 4096
    /// Body bytes shown on the console.
    public static let consoleBodyLimit = 1024

    /// The request as gatecheck sent it (curl may add `Host`, `Accept`, `Content-Length` of its own) and the response
    /// as received. Secrets are redacted from bodies before they are cut (so no prefix of a secret survives a cut);
    /// the caller redacts the whole text afterwards for URLs and headers.
    public static func render(request: HTTPRequest?, response: HTTPResponse?, bodyLimit: Int, redactor: Redactor = Redactor()) -> String {
        var lines: [String] = []
        if let request {
            lines.append("> \(request.method) \(request.url)")
            for field in request.headers { lines.append("> \(field.name): \(escapeForDisplay(maskedValue(of: field, redactor: redactor)))") }
            if let requestBody = request.body, !requestBody.isEmpty {
                lines.append(">")
                lines.append(body(requestBody, limit: bodyLimit, redactor: redactor))
            }
        }
        if let response {
            if !lines.isEmpty { lines.append("") }
            lines.append("< \(response.httpVersion) \(response.status)\(response.reasonPhrase.isEmpty ? "" : " " + response.reasonPhrase)")
            for field in response.headers { lines.append("< \(field.name): \(escapeForDisplay(field.value))") }
            lines.append("<")
            if let truncation = response.bodyTruncation {
                lines.append(body(response.body, limit: bodyLimit, redactor: redactor,
                                  whole: (truncation.totalBytes, truncation.sha256Hex)))
                lines.append("... (body truncated at --max-body-size: \(truncation.keptBytes) of \(truncation.totalBytes) bytes kept)")
            } else {
                lines.append(response.body.isEmpty ? "(empty body)" : body(response.body, limit: bodyLimit, redactor: redactor))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Request headers whose values are credentials: always shown as `***` in transcripts (for
    /// `Authorization`, the scheme is kept: `Bearer ***`), whether or not they came from a secret variable.
    public static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "x-api-key", "x-amz-security-token"]

    /// The value shown for a request header: secrets redacted, other credentials masked, everything else as sent.
    static func maskedValue(of field: HTTPHeaderField, redactor: Redactor = Redactor()) -> String {
        let name = field.name.lowercased()
        let redacted = redactor.redact(field.value)
        guard credentialHeaders.contains(name), !field.value.isEmpty, redacted == field.value else { return redacted }
        if name.hasSuffix("authorization"), let space = field.value.firstIndex(of: " ") {
            let scheme = field.value[..<space]
            if !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) { return scheme + " ***" }
        }
        return "***"
    }

    /// Lower-case hex SHA-256 of `bytes`, shown with cut bodies so the whole body can be identified.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// A body cut to about `limit` bytes (at a UTF-8 character boundary), with a note giving the total size
    /// and the SHA-256 of the whole body.
    /// `whole` gives the size and digest of the whole body when `bytes` is only its kept prefix.
    public static func body(_ bytes: [UInt8], limit: Int, redactor: Redactor = Redactor(),
                            whole: (count: Int, sha256Hex: String)? = nil) -> String {
        // Look a little past the limit so that a secret straddling it is still recognised whole.
        let margin = (redactor.secrets.map(\.utf8.count).max() ?? 0) * 4
        let window = utf8Prefix(bytes, limit: limit + margin)
        var text = redactor.redact(displayText(bytes: Array(bytes[..<window])))
        guard window < bytes.count || text.utf8.count > limit || whole != nil else { return text }
        let shown = Array(text.utf8)
        let cut = utf8Prefix(shown, limit: limit)
        text = String(decoding: shown[..<cut], as: UTF8.self)
        if !text.hasSuffix("\n") { text += "\n" }
        let total = whole?.count ?? bytes.count
        return text + "... (\(total) bytes in total, first \(min(cut, bytes.count)) shown, sha256 \(whole?.sha256Hex ?? sha256Hex(bytes)))"
    }

    /// The largest prefix length <= limit that does not split a UTF-8 sequence.
    public static func utf8Prefix(_ bytes: [UInt8], limit: Int) -> Int {
        guard bytes.count > limit else { return bytes.count }
        var cut = max(0, limit)
        var steps = 0
        while cut > 0, steps < 3, bytes[cut] & 0xC0 == 0x80 {
            cut -= 1
            steps += 1
        }
        return steps == 3 && bytes[cut] & 0xC0 == 0x80 ? limit : cut
    }

    /// Bytes as readable text: valid UTF-8 is kept, invalid bytes and control characters other than
    /// tab, line feed and carriage return are shown as `\xNN`.
    public static func displayText(bytes: [UInt8]) -> String {
        var result = ""
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F {
                    result += String(format: "\\x%02X", byte)
                } else {
                    result.unicodeScalars.append(Unicode.Scalar(byte))
                }
                index += 1
                continue
            }
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0
            if length > 0, index + length <= bytes.count,
               let decoded = String(validating: bytes[index..<(index + length)], as: UTF8.self),
               decoded.unicodeScalars.allSatisfy({ !isControl($0) }) {
                result += decoded
                index += length
            } else {
                result += String(format: "\\x%02X", byte)
                index += 1
            }
        }
        return result
    }

    /// Text with control characters (and line breaks) shown escaped, for one-line messages.
    public static func escapeForDisplay(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if isControl(scalar) || scalar.value < 0x20 || scalar.value == 0x7F {
                    result += scalar.value <= 0xFF ? String(format: "\\x%02X", scalar.value) : String(format: "\\u{%X}", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// C1 controls and noncharacters that a terminal or an XML reader would choke on.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x80...0x9F).contains(scalar.value) || scalar.value == 0xFFFE || scalar.value == 0xFFFF
    }
}

extension HTTPResponse {
    /// The response with each header byte that is not UTF-8 written as `\xFF` (four characters) in its field's
    /// name and value, so that console, JUnit and assertions all see the byte, never a character it does not
    /// stand for (`ÿ`). Fields that are valid UTF-8 are unchanged.
    func showingNonUTF8HeaderBytes() -> HTTPResponse {
        guard !nonUTF8HeaderFields.isEmpty else { return self }
        func escaped(_ text: String) -> String {
            var result = ""
            for scalar in text.unicodeScalars {
                if scalar.isASCII { result.unicodeScalars.append(scalar) } else { result += String(format: "\\x%02X", scalar.value) }
            }
            return result
        }
        var fields = headers.fields
        for index in nonUTF8HeaderFields where index < fields.count {
            fields[index] = HTTPHeaderField(name: escaped(fields[index].name), value: escaped(fields[index].value))
        }
        var copy = self
        copy.headers = HTTPHeaders(fields)
        copy.nonUTF8HeaderFields = []
        return copy
    }
}
