#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

// The one raw HTTP/1.1 test client: bytes written to a real loopback socket exactly as given, the response read back
// exactly as the server sent it. Used by the gateway, server and emulator-reliability tests, so that each sees
// every byte (casing, order, framing) instead of what an HTTP client library makes of it.

/// Why a raw loopback exchange, or the parsing of its response, failed.
public struct WireFailure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A response as read from the wire: the status line, header lines in order (duplicates and casing kept) and the
/// body bytes.
public struct WireResponse: Sendable {
    /// Status line and header lines, with their CRLFs, up to and including the blank line.
    public var head: String
    public var statusLine: String
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var headerNames: [String] { headers.map(\.0) }
    /// The first value of a header (case-insensitive name), or nil.
    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    /// The same as `header(_:)`.
    public func value(_ name: String) -> String? { header(name) }

    /// Parses a head (status line and header lines, up to and including the blank line); `body` is set separately.
    init(head: String) throws(WireFailure) {
        self.head = head
        var lines = head.components(separatedBy: "\r\n")
        statusLine = lines.removeFirst()
        let statusParts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw WireFailure(description: "bad status line \(statusLine.debugDescription)")
        }
        self.status = status
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw WireFailure(description: "bad header line \(line.debugDescription)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        self.headers = headers
        body = []
    }

    /// A whole response read until the server closed: the head, and every byte after it as the body.
    public init(_ bytes: [UInt8]) throws(WireFailure) {
        guard let (bodyStart, _) = Self.framing(bytes) else {
            throw WireFailure(description: "no end of headers in \(String(decoding: bytes, as: UTF8.self))")
        }
        try self.init(head: String(decoding: bytes[..<bodyStart], as: UTF8.self))
        body = Array(bytes[bodyStart...])
    }

    /// (index after the blank line, `Content-Length` or 0) once the head is complete.
    public static func framing(_ bytes: [UInt8]) -> (Int, Int)? {
        guard let end = headEnd(in: bytes) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return (end + 4, length)
    }

    /// Where the blank line (CRLF CRLF) ending a head starts, or nil.
    static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for start in 0...(bytes.count - 4)
        where bytes[start] == 13 && bytes[start + 1] == 10 && bytes[start + 2] == 13 && bytes[start + 3] == 10 {
            return start
        }
        return nil
    }
}

/// One blocking HTTP/1.1 connection to `127.0.0.1:port`: raw bytes out, responses framed by `Content-Length`.
/// Every read times out (60 s by default), so a server bug fails a test instead of hanging it. Call its methods from
/// a thread of its own (`runBlocking`, or use `WireClient`), never directly from a Swift concurrency task: the
/// server's handlers need that pool.
public final class WireConnection: Sendable {
    private let descriptor: Int32
    /// Bytes received but not consumed yet.
    private let pending = Mutex<[UInt8]>([])

    public init(port: Int, timeoutSeconds: Int = 60) throws(WireFailure) {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw WireFailure(description: "socket: \(String(cString: strerror(errno)))") }
        // A hang guard: tests share two cores with CPU-bound neighbours, so answers can take seconds.
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let descriptor = descriptor
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw WireFailure(description: "connect() to 127.0.0.1:\(port) failed: \(reason)")
        }
    }

    deinit { close(descriptor) }

    /// Sends all of `bytes`; returns how many were sent before the server stopped reading (closed or reset).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { socketSend(descriptor, $0.baseAddress, min($0.count, 1 << 20)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            sent += count
        }
        return sent
    }

    @discardableResult
    public func send(_ text: String) -> Int { send(Array(text.utf8)) }

    /// Ends the sending direction (the server sees end of input).
    public func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads one response: the head, then `Content-Length` body bytes. `bodyless` for answers to HEAD (no body
    /// follows whatever `Content-Length` says); 1xx, 204 and 304 have none either. Without a `Content-Length` the
    /// body is empty.
    public func readResponse(bodyless: Bool = false) throws(WireFailure) -> WireResponse {
        let headBytes = try readHead()
        var response = try WireResponse(head: String(decoding: headBytes, as: UTF8.self))
        let noBody = bodyless || response.status < 200 || response.status == 204 || response.status == 304
        if !noBody, let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText) else { throw WireFailure(description: "bad Content-Length \(lengthText.debugDescription)") }
            response.body = try readBytes(length)
        }
        return response
    }

    /// Reads everything until the server closes the connection.
    public func readUntilClosed() throws(WireFailure) -> [UInt8] {
        var result = takePending()
        while let chunk = try receiveChunk() { result += chunk }
        return result
    }

    /// Reads until what arrived holds `count` occurrences of `marker` (e.g. `count` pipelined responses' status
    /// lines), or the peer closes; returns everything read, as text.
    public func read(untilOccurrences count: Int, of marker: String) throws(WireFailure) -> String {
        var received = takePending()
        func occurrences() -> Int {
            let text = String(decoding: received, as: UTF8.self)
            var found = 0
            var rest = text[...]
            while let range = rest.firstRange(of: marker) { found += 1; rest = rest[range.upperBound...] }
            return found
        }
        while occurrences() < count, let chunk = try receiveChunk() { received += chunk }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whatever has arrived so far, without waiting (nil at end of stream).
    public func readAvailable() throws(WireFailure) -> [UInt8]? {
        var result = takePending()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 { result += buffer[..<count]; continue }
            if count == 0 { return result.isEmpty ? nil : result }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return result }
            if errno == ECONNRESET { return result.isEmpty ? nil : result }
            throw WireFailure(description: "recv: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads exactly `count` bytes (a body, or an interim response such as `100 Continue`).
    public func readBytes(_ count: Int) throws(WireFailure) -> [UInt8] {
        while pending.withLock({ $0.count }) < count {
            guard let chunk = try receiveChunk() else {
                throw WireFailure(description: "connection closed before \(count) bytes arrived")
            }
            pending.withLock { $0 += chunk }
        }
        return pending.withLock { pending in
            let bytes = Array(pending[..<count])
            pending.removeFirst(count)
            return bytes
        }
    }

    /// True when the server has closed the connection (end of stream or a reset) with nothing more to read.
    public func isClosedByServer() -> Bool {
        guard pending.withLock({ $0.isEmpty }) else { return false }
        guard let chunk = try? receiveChunk() else { return true }
        pending.withLock { $0 += chunk }
        return false
    }

    private func takePending() -> [UInt8] {
        pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
    }

    private func readHead() throws(WireFailure) -> [UInt8] {
        while true {
            let found: [UInt8]? = pending.withLock { pending in
                guard let end = WireResponse.headEnd(in: pending) else { return nil }
                let head = Array(pending[..<(end + 4)])
                pending.removeFirst(end + 4)
                return head
            }
            if let found { return found }
            guard let chunk = try receiveChunk() else {
                let received = pending.withLock { String(decoding: $0, as: UTF8.self) }
                throw WireFailure(description: "connection closed before a complete response head; got \(received.debugDescription)")
            }
            pending.withLock { $0 += chunk }
        }
    }

    /// One `recv`; nil at end of stream or on a reset. Throws on timeout.
    private func receiveChunk() throws(WireFailure) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(buffer[..<count]) }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return nil }
            throw WireFailure(description: "recv() failed or timed out: \(String(cString: strerror(errno)))")
        }
    }
}

/// A `WireConnection` for async tests: each call runs the blocking socket work on a thread of its own.
public struct WireClient: Sendable {
    public let connection: WireConnection

    public static func connect(port: Int) async throws -> WireClient {
        WireClient(connection: try await runBlocking { try WireConnection(port: port) })
    }

    /// Sends every byte; throws when the server stopped reading before all were sent.
    public func send(_ bytes: [UInt8]) async throws {
        let connection = connection
        let sent = try await runBlocking { connection.send(bytes) }
        guard sent == bytes.count else { throw WireFailure(description: "send: the server stopped reading after \(sent) of \(bytes.count) bytes") }
    }

    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Ends the sending direction (the server sees end of input).
    public func shutdownWrite() { connection.shutdownWrite() }

    public func readResponse(bodyless: Bool = false) async throws -> WireResponse {
        let connection = connection
        return try await runBlocking { try connection.readResponse(bodyless: bodyless) }
    }

    public func readUntilClosed() async throws -> [UInt8] {
        let connection = connection
        return try await runBlocking { try connection.readUntilClosed() }
    }

    public func readAvailable() async throws -> [UInt8]? {
        let connection = connection
        return try await runBlocking { try connection.readAvailable() }
    }

    public func readBytes(_ count: Int) async throws -> [UInt8] {
        let connection = connection
        return try await runBlocking { try connection.readBytes(count) }
    }
}

/// Runs blocking socket code on a thread of its own and returns its result to the awaiting task, so it never ties
/// up Swift concurrency's small thread pool (which a server's handler tasks need).
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// How far `rawExchange` reads the response.
public enum WireReading: Sendable {
    /// Until the server closes the connection (requests sent with `Connection: close`).
    case untilClose
    /// Until the head and `Content-Length` body bytes are in (keep-alive connections).
    case untilContentLength
}

/// One raw exchange on a fresh connection: sends `request` then `body`, and returns every byte read per `reading`
/// (parse it with `WireResponse(_:)`).
public func rawExchange(port: Int, _ request: String, body: [UInt8] = [], reading: WireReading = .untilClose) async throws -> [UInt8] {
    try await runBlocking {
        let connection = try WireConnection(port: port)
        guard connection.send(Array(request.utf8) + body) == request.utf8.count + body.count else {
            throw WireFailure(description: "send() failed")
        }
        switch reading {
        case .untilClose:
            return try connection.readUntilClosed()
        case .untilContentLength:
            let response = try connection.readResponse()
            return Array(response.head.utf8) + response.body
        }
    }
}

/// One request on a fresh connection: sends `bytes` and reads one response (framed by `Content-Length`).
public func exchange(port: Int, _ bytes: [UInt8]) async throws -> WireResponse {
    try await runBlocking {
        let connection = try WireConnection(port: port)
        connection.send(bytes)
        return try connection.readResponse()
    }
}

public func exchange(port: Int, _ text: String) async throws -> WireResponse {
    try await exchange(port: port, Array(text.utf8))
}

/// `send(2)` without SIGPIPE when the server has closed (Linux: MSG_NOSIGNAL).
private func socketSend(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
    #else
    return Darwin.send(descriptor, bytes, count, 0)
    #endif
}
