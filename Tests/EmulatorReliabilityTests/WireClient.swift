import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a raw loopback exchange failed.
struct WireError: Error, CustomStringConvertible {
    var description: String
}

/// A response as read from the socket.
struct WireResponse: Sendable {
    var statusLine: String
    var headers: [(String, String)]
    var body: [UInt8]

    var status: Int { Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0 }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A blocking HTTP/1.1 client on one loopback connection: raw bytes out, responses parsed by `Content-Length`.
/// Use it from a dedicated thread (`onThread`), never from a Swift concurrency task.
final class WireConnection {
    private let descriptor: Int32
    private var buffered: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 60) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw WireError(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw WireError(description: "connect() to 127.0.0.1:\(port) failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Sends all of `bytes`; returns how many were sent before the server stopped reading (closed or reset).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { socketSend(descriptor, $0.baseAddress, min($0.count, 1 << 20)) }
            guard count > 0 else { break }
            sent += count
        }
        return sent
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads one response (head, then `Content-Length` bytes of body).
    func readResponse() throws -> WireResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let found = Self.find(separator, in: buffered) { headEnd = found; break }
            guard try fill() else {
                throw WireError(description: "connection closed before a complete response head; got \(String(decoding: buffered, as: UTF8.self))")
            }
        }
        let head = String(decoding: buffered[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let headers = head.dropFirst().map { line -> (String, String) in
            guard let colon = line.firstIndex(of: ":") else { return (line, "") }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        buffered.removeFirst(headEnd! + 4)
        let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        while buffered.count < length {
            guard try fill() else { throw WireError(description: "connection closed inside a \(length)-byte body") }
        }
        let body = Array(buffered[..<length])
        buffered.removeFirst(length)
        return WireResponse(statusLine: head[0], headers: headers, body: body)
    }

    /// True when the server has closed the connection (reads end of stream or a reset) with nothing more to read.
    func isClosedByServer() -> Bool {
        guard buffered.isEmpty else { return false }
        return (try? fill()) != true
    }

    /// Reads more bytes; false at end of stream or on a reset.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        if count < 0 {
            if errno == ECONNRESET { return false }
            throw WireError(description: "recv() failed: \(String(cString: strerror(errno)))")
        }
        buffered += chunk[..<count]
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

/// `send(2)` without SIGPIPE when the server has closed (Linux: MSG_NOSIGNAL).
private func socketSend(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
    #else
    return send(descriptor, bytes, count, 0)
    #endif
}

/// Runs blocking socket code on a thread of its own and returns its result to the awaiting task.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// One request on a fresh connection: sends `bytes` and reads one response.
func exchange(port: Int, _ bytes: [UInt8]) async throws -> WireResponse {
    try await onThread {
        let connection = try WireConnection(port: port)
        connection.send(bytes)
        return try connection.readResponse()
    }
}

func exchange(port: Int, _ text: String) async throws -> WireResponse {
    try await exchange(port: port, Array(text.utf8))
}

/// Resident set size of this process in kB, from /proc/self/status (nil where there is no procfs).
func residentKilobytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
    return nil
}
