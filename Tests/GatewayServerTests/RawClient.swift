#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Runs blocking socket code on its own thread, so it never ties up Swift concurrency's small thread pool
/// (which the server's handler tasks need).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

struct RawClientError: Error, CustomStringConvertible {
    var description: String
}

/// A response exactly as received.
struct RawResponse: Sendable {
    /// Status line and header lines, with their CRLFs, up to and including the blank line.
    var head: String
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A minimal HTTP/1.1 client over a POSIX socket, so tests control and see every byte.
/// All reads time out after 10 s, so a server bug fails the test instead of hanging it.
final class RawClient: Sendable {
    private let descriptor: Int32
    /// Bytes received but not consumed yet.
    private let pending = Mutex<[UInt8]>([])

    static func connect(port: Int) async throws -> RawClient {
        try await runBlocking { try RawClient(port: port) }
    }

    private init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawClientError(description: "socket: \(String(cString: strerror(errno)))") }
        // A hang guard: tests share two cores with CPU-bound neighbours, so answers can take seconds.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw RawClientError(description: "connect: \(reason)")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        let descriptor = descriptor
        try await runBlocking {
            var offset = 0
            while offset < bytes.count {
                let count = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw RawClientError(description: "send: \(String(cString: strerror(errno)))")
                }
                offset += count
            }
        }
    }

    /// Ends the sending direction (the server sees end of input).
    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads one response. `bodyless` for answers to HEAD (no body bytes follow whatever Content-Length says).
    func readResponse(bodyless: Bool = false) async throws -> RawResponse {
        try await runBlocking { [self] in
            let headBytes = try readUntilBlankLine()
            let head = String(decoding: headBytes, as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            let statusParts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
                throw RawClientError(description: "bad status line \(statusLine.debugDescription)")
            }
            var headers: [(String, String)] = []
            for line in lines where !line.isEmpty {
                guard let colon = line.firstIndex(of: ":") else {
                    throw RawClientError(description: "bad header line \(line.debugDescription)")
                }
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
            var response = RawResponse(head: head, status: status, headers: headers, body: [])
            let noBody = bodyless || status < 200 || status == 204 || status == 304
            if !noBody {
                guard let lengthText = response.header("Content-Length"), let length = Int(lengthText) else {
                    throw RawClientError(description: "response without Content-Length: \(head)")
                }
                response.body = try readExactly(length)
            }
            return response
        }
    }

    /// Reads everything until the server closes the connection.
    func readUntilClosed() async throws -> [UInt8] {
        try await runBlocking { [self] in
            var result = pending.withLock { pending in
                defer { pending = [] }
                return pending
            }
            while let chunk = try receiveChunk() { result += chunk }
            return result
        }
    }

    /// Whatever has arrived so far without waiting (nil at end of stream).
    func readAvailable() async throws -> [UInt8]? {
        let descriptor = descriptor
        return try await runBlocking { [self] in
            var result = pending.withLock { pending in
                defer { pending = [] }
                return pending
            }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count > 0 { result += buffer[..<count]; continue }
                if count == 0 { return result.isEmpty ? nil : result }
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return result }
                if errno == ECONNRESET { return result.isEmpty ? nil : result }
                throw RawClientError(description: "recv: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads exactly `count` bytes (used for interim responses such as `100 Continue`).
    func readBytes(_ count: Int) async throws -> [UInt8] {
        try await runBlocking { [self] in try readExactly(count) }
    }

    private func readUntilBlankLine() throws -> [UInt8] {
        let terminator: [UInt8] = [13, 10, 13, 10]
        while true {
            let found: [UInt8]? = pending.withLock { pending in
                guard pending.count >= 4 else { return nil }
                for index in 0...(pending.count - 4) where Array(pending[index..<(index + 4)]) == terminator {
                    let head = Array(pending[..<(index + 4)])
                    pending.removeFirst(index + 4)
                    return head
                }
                return nil
            }
            if let found { return found }
            guard let chunk = try receiveChunk() else {
                throw RawClientError(description: "connection closed before a complete response head")
            }
            pending.withLock { $0 += chunk }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while pending.withLock({ $0.count }) < count {
            guard let chunk = try receiveChunk() else {
                throw RawClientError(description: "connection closed before \(count) body bytes arrived")
            }
            pending.withLock { $0 += chunk }
        }
        return pending.withLock { pending in
            let bytes = Array(pending[..<count])
            pending.removeFirst(count)
            return bytes
        }
    }

    /// One `recv`; nil at end of stream. Throws on timeout.
    private func receiveChunk() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(buffer[..<count]) }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return nil }
            throw RawClientError(description: "recv: \(String(cString: strerror(errno)))")
        }
    }
}
