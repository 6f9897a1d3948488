import Gateway
import HTTPMessage
import NIOCore
import NIOHTTP1

/// Turns a `GatewayResponse` into the exact bytes sent, and formats log lines.
enum ResponseWriter {
    struct Serialized {
        var bytes: ByteBuffer
        /// The connection must close after this response (its framing could not be trusted, or it said so).
        var closeAfter: Bool
        /// Something about the handler's response had to be corrected; worth a warning.
        var problem: String?
    }

    /// `HTTP/1.1 NNN Reason\r\n` for 100...599, computed once.
    private static let statusLines: [[UInt8]] = (0..<600).map { code in
        guard code >= 100 else { return [] }
        let reason = HTTPResponseStatus(statusCode: code).reasonPhrase
        return Array("HTTP/1.1 \(code) \(reason)\r\n".utf8)
    }

    /// Writes the status line, the handler's headers exactly (order, case, duplicates), `Content-Length` when the
    /// handler left it out, and the body.
    ///
    /// Corrections, each reported in `problem`: `Transfer-Encoding` is dropped (bodies are always sent whole), fields
    /// whose name is not an HTTP token are dropped, CR/LF/NUL in values become spaces (they would split the response),
    /// and a `Content-Length` that disagrees with the body makes the connection close after the response.
    /// `extraConnectionHeader` adds `Connection: <value>` when the handler set no `Connection` field.
    static func serialize(_ response: GatewayResponse, includeBody: Bool, extraConnectionHeader: String?,
                          allocator: ByteBufferAllocator) -> Serialized {
        let status = (100...999).contains(response.status) ? response.status : 500
        var problem: String? = status == response.status ? nil : "status \(response.status) is not a valid HTTP status; sent 500"
        // 1xx, 204 and 304 responses never have a body (RFC 9110 §6.4.1).
        let bodyless = status < 200 || status == 204 || status == 304
        let sendBody = includeBody && !bodyless

        var buffer = allocator.buffer(capacity: 128 + response.headers.count * 40 + (sendBody ? response.body.count : 0))
        if status < statusLines.count {
            buffer.writeBytes(statusLines[status])
        } else {
            buffer.writeString("HTTP/1.1 \(status) \r\n")
        }

        var sawContentLength = false
        var sawConnection = false
        var closeAfter = false
        for field in response.headers {
            let name = field.name
            guard isToken(name) else {
                problem = "header name \(String(reflecting: name)) is not a valid HTTP token; dropped"
                continue
            }
            if equalsIgnoringCase(name, "transfer-encoding") {
                problem = "Transfer-Encoding \(field.value) dropped; the body is sent with Content-Length"
                continue
            }
            if equalsIgnoringCase(name, "content-length") {
                sawContentLength = true
                if !bodyless && Int(field.value.trimmingSpaces) != response.body.count {
                    problem = "Content-Length \(field.value) does not match the \(response.body.count)-byte body; "
                        + "sent as given, connection closed after the response"
                    closeAfter = true
                }
            } else if equalsIgnoringCase(name, "connection") {
                sawConnection = true
                if field.value.lowercased().contains("close") { closeAfter = true }
            }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            if field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
                problem = "header \(name) contained CR, LF or NUL; replaced by spaces"
                buffer.writeBytes(field.value.utf8.map { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 ? 0x20 : $0 })
            } else {
                buffer.writeString(field.value)
            }
            buffer.writeStaticString("\r\n")
        }
        if !sawContentLength && !bodyless {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(response.body.count))
            buffer.writeStaticString("\r\n")
        }
        if let extraConnectionHeader, !sawConnection {
            buffer.writeStaticString("Connection: ")
            buffer.writeString(extraConnectionHeader)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        if sendBody { buffer.writeBytes(response.body) }
        return Serialized(bytes: buffer, closeAfter: closeAfter, problem: problem)
    }

    /// The server's own answer to bytes that are not HTTP/1.1.
    static func badRequest() -> GatewayResponse {
        GatewayResponse(status: 400, headers: ["Content-Type": "application/json"],
                        body: Array(#"{"message":"Bad Request: malformed HTTP request"}"#.utf8))
    }

    /// The answer to a client that did not finish a request head within the header timeout (the connection closes).
    static func requestTimeout() -> GatewayResponse {
        GatewayResponse(status: 408, headers: ["Content-Type": "application/json"],
                        body: Array(#"{"message":"Request Timeout: the request head was not received in time"}"#.utf8))
    }

    /// `GET /prod/items [GET /items] -> 206 AWS integration=default 0.42ms (detail)`: the route in brackets,
    /// the integration type, the selected integration response, and the gateway's own reason when there is one.
    static func logLine(method: String, target: String, status: Int, entry: GatewayLogEntry, nanoseconds: Int64) -> String {
        var line = method + " " + target
        if let route = entry.route { line += " [\(route)]" }
        line += " -> \(status)"
        if let integrationType = entry.integrationType { line += " " + integrationType }
        if let selected = entry.selectedResponse { line += " integration=" + selected }
        line += " " + formatDuration(nanoseconds: nanoseconds)
        if let detail = entry.detail { line += " (\(detail))" }
        return line
    }

    /// Milliseconds with two decimals, e.g. `0.42ms`.
    static func formatDuration(nanoseconds: Int64) -> String {
        let hundredths = (max(0, nanoseconds) + 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)ms"
    }

    /// RFC 9110 token characters only (no spaces, colons, controls or non-ASCII).
    private static func isToken(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                 UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// ASCII case-insensitive comparison without allocating; `lowercase` must be lower-case.
    private static func equalsIgnoringCase(_ name: String, _ lowercase: StaticString) -> Bool {
        guard name.utf8.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            var index = 0
            for byte in name.utf8 {
                let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
                if folded != expected[index] { return false }
                index += 1
            }
            return true
        }
    }
}

private extension String {
    var trimmingSpaces: Substring {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return view
    }
}
