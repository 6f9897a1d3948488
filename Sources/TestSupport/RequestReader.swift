#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPMessage

/// Why a connection's request could not be read.
enum RequestReadError: Error {
    /// The peer closed (or the server stopped) before a new request started: a normal end.
    case endOfStream
    /// The bytes are not a valid HTTP/1.x request; the message says what is wrong.
    case malformed(String)
}

/// A parsed request before the server assigns its connection ID.
struct ParsedRequest {
    var method: String
    var target: String
    var httpVersion: String
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Reads HTTP/1.x requests one after the other from a socket, keeping bytes of pipelined
/// requests buffered for the next call.
struct RequestReader {
    let socket: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    /// Longest request line or header line accepted.
    static let maxLineLength = 64 * 1024
    /// Most header lines accepted in one request.
    static let maxHeaderCount = 1000

    init(socket: Int32) { self.socket = socket }

    /// Reads the next request. `sendInterim` is called with `100 Continue` bytes when the client expects them.
    mutating func nextRequest(sendInterim: ([UInt8]) -> Void) throws(RequestReadError) -> ParsedRequest {
        // RFC 9112 §2.2: ignore empty lines before the request line.
        var requestLine: [UInt8]
        repeat {
            guard let line = try readLine(atStart: true) else { throw .endOfStream }
            requestLine = line
        } while requestLine.isEmpty
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .malformed("request line is not 'METHOD target HTTP/x.y': \(Self.decode(requestLine))")
        }
        let method = Self.decode(Array(parts[0]))
        let target = Self.decode(Array(parts[1]))
        let version = Self.decode(Array(parts[2]))
        guard version.hasPrefix("HTTP/1.") else { throw .malformed("unsupported protocol version \(version)") }

        let headers = try readFields()
        var body: [UInt8] = []
        let transferEncoding = headers.values(for: "Transfer-Encoding").joined(separator: ",").lowercased()
        let isChunked = transferEncoding.split(separator: ",").last.map { Self.trimmingOWS(String($0)) } == "chunked"
        let contentLengthValue = headers["Content-Length"].map(Self.trimmingOWS)
        let expectsBody = isChunked || (contentLengthValue != nil && contentLengthValue != "0")
        if expectsBody, headers["Expect"]?.lowercased() == "100-continue" {
            sendInterim(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        if isChunked {
            body = try readChunkedBody()
        } else if let contentLengthValue {
            guard let length = Int(contentLengthValue), length >= 0 else {
                throw .malformed("invalid Content-Length: \(contentLengthValue)")
            }
            body = try readExactly(length)
        }
        return ParsedRequest(method: method, target: target, httpVersion: version, headers: headers, body: body)
    }

    private mutating func readFields() throws(RequestReadError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        while true {
            guard let line = try readLine(atStart: false) else { throw .malformed("connection closed inside the header section") }
            if line.isEmpty { return headers }
            guard headers.count < Self.maxHeaderCount else { throw .malformed("more than \(Self.maxHeaderCount) header fields") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                throw .malformed("header line without a field name and colon: \(Self.decode(line))")
            }
            headers.add(name: Self.decode(Array(line[..<colon])), value: Self.trimmingOWS(Self.decode(Array(line[(colon + 1)...]))))
        }
    }

    private mutating func readChunkedBody() throws(RequestReadError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            guard let sizeLine = try readLine(atStart: false) else { throw .malformed("connection closed inside a chunked body") }
            let sizeText = Self.decode(sizeLine).split(separator: ";", maxSplits: 1).first.map { Self.trimmingOWS(String($0)) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else { throw .malformed("invalid chunk size line: \(Self.decode(sizeLine))") }
            if size == 0 {
                _ = try readFields()  // trailer section, ends with an empty line
                return body
            }
            body += try readExactly(size)
            guard let end = try readLine(atStart: false), end.isEmpty else { throw .malformed("chunk data not followed by CRLF") }
        }
    }

    /// One line without its CRLF (a bare LF is accepted). Nil when the stream ends before any byte of
    /// the line when `atStart`; an error when it ends mid-line.
    private mutating func readLine(atStart: Bool) throws(RequestReadError) -> [UInt8]? {
        var searchFrom = position
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[position..<newline])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                position = newline + 1
                compact()
                return line
            }
            guard buffer.count - position <= Self.maxLineLength else { throw .malformed("line longer than \(Self.maxLineLength) bytes") }
            searchFrom = buffer.count
            if try !fill() {
                if position == buffer.count && atStart { return nil }
                throw .malformed("connection closed in the middle of a line")
            }
        }
    }

    private mutating func readExactly(_ count: Int) throws(RequestReadError) -> [UInt8] {
        while buffer.count - position < count {
            if try !fill() { throw .malformed("connection closed after \(buffer.count - position) of \(count) body bytes") }
        }
        let bytes = Array(buffer[position..<(position + count)])
        position += count
        compact()
        return bytes
    }

    /// Reads more bytes from the socket; false at end of stream.
    private mutating func fill() throws(RequestReadError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffer += chunk[0..<received]
                return true
            }
            if received == 0 { return false }
            if errno == EINTR { continue }
            return false  // reset or shut down by the server's stop(): treat as the end of the stream
        }
    }

    private mutating func compact() {
        if position > 64 * 1024 || position == buffer.count {
            buffer.removeFirst(position)
            position = 0
        }
    }

    /// UTF-8 when valid, else ISO-8859-1 so no byte is lost.
    static func decode(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    static func trimmingOWS(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
