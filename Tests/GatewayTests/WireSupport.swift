import Foundation
import Gateway
import GatewayServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Raw HTTP/1.1 over a real loopback socket, and the response as it was on the wire, for the REST and
// HTTP API server tests.

/// Runs `body` with the port of a real `GatewayServer` serving `handler` on loopback, and shuts the server down
/// whether `body` throws or not.
func withGatewayServer(_ handler: some GatewayHandler, _ body: (Int) async throws -> Void) async throws {
    let server = try await GatewayServer.start(handler: handler)
    do {
        try await body(server.port)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Why a raw exchange or the parsing of its response failed.
struct WireFailure: Error, CustomStringConvertible {
    var description: String
}

/// How far `rawExchange` reads the response.
enum WireReading: Sendable {
    /// Until the server closes the connection (requests sent with `Connection: close`).
    case untilClose
    /// Until the head and `Content-Length` body bytes are in (keep-alive connections).
    case untilContentLength
}

/// A raw HTTP/1.1 exchange over a real loopback socket, done on its own thread (blocking I/O must not occupy the
/// Swift concurrency pool the server's handler runs on). Sends `request` then `body`, and reads per `reading`.
func rawExchange(port: Int, _ request: String, body: [UInt8] = [], reading: WireReading = .untilClose) async throws -> [UInt8] {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
        let thread = Thread {
            continuation.resume(with: Result { try blockingExchange(port: port, Array(request.utf8) + body, reading: reading) })
        }
        thread.start()
    }
}

private func blockingExchange(port: Int, _ bytes: [UInt8], reading: WireReading) throws -> [UInt8] {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw WireFailure(description: "socket() failed") }
    defer { close(fd) }
    // A hang guard: tests share two cores with CPU-bound neighbours, so answers can take seconds.
    var timeout = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw WireFailure(description: "connect() to 127.0.0.1:\(port) failed") }
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw WireFailure(description: "send() failed") }
        sent += n
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        if reading == .untilContentLength, let (bodyStart, length) = WireResponse.framing(received), received.count >= bodyStart + length { break }
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { break }
        guard n > 0 else { throw WireFailure(description: "recv() failed or timed out") }
        received += buffer[0..<n]
    }
    return received
}

/// A response as read from the wire: status line, header lines in order, and every byte after the head.
struct WireResponse {
    var statusLine: String
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var headerNames: [String] { headers.map(\.0) }
    func value(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// (index after the blank line, `Content-Length` or 0) once the head is complete.
    static func framing(_ bytes: [UInt8]) -> (Int, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return (end + 4, length)
    }

    init(_ bytes: [UInt8]) throws {
        guard let (bodyStart, _) = Self.framing(bytes) else {
            throw WireFailure(description: "no end of headers in \(String(decoding: bytes, as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<(bodyStart - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        statusLine = lines[0]
        let statusParts = statusLine.split(separator: " ")
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else {
            throw WireFailure(description: "bad status line '\(statusLine)'")
        }
        self.status = status
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (String(line[..<colon]), String(line[colon...].dropFirst().drop { $0 == " " }))
        }
        body = Array(bytes[bodyStart...])
    }
}
