#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import HTTPMessage
import Synchronization

/// A socket call of the loopback server failed.
public struct LoopbackServerError: Error, Sendable, CustomStringConvertible {
    /// The failing call, e.g. `bind(127.0.0.1:0)`.
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    public var description: String {
        "loopback HTTP server: \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// A scriptable HTTP/1.1 server on 127.0.0.1 for tests: it records every request and answers each
/// with whatever the handler returns, including faults (garbage, resets, stalls, silent closes).
///
/// POSIX sockets and one thread per connection; keep-alive, pipelined requests answered in order,
/// `Content-Length` and chunked request bodies, `Connection: close`, `Expect: 100-continue`.
/// The handler runs on the connection's thread, so it may block, and may be called concurrently.
public final class LoopbackHTTPServer: Sendable {
    private let core: LoopbackServerCore

    /// The port the server listens on.
    public let port: Int

    /// Binds 127.0.0.1 on a free port and starts serving.
    public init(handler: @escaping @Sendable (RecordedRequest) -> LoopbackResponse) throws {
        core = try LoopbackServerCore(handler: handler)
        port = core.port
        core.start()
    }

    deinit {
        core.stop()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in the order they were read.
    public var requests: [RecordedRequest] { core.requests }

    /// How many TCP connections the server has accepted so far.
    public var acceptedConnections: Int { core.acceptedConnections }

    /// Stops accepting, closes every connection (stalled and delayed ones included) and waits up to
    /// 5 seconds for the connection threads to finish. Idempotent.
    public func stop() {
        core.stop()
    }

    /// A 127.0.0.1 port with nothing listening: connecting to it is refused. The port stays reserved
    /// (bound, not listening) for the life of the process, so no other socket can take it.
    public static func closedPort() -> Int {
        reservedClosedPort
    }
}

/// Bound to 127.0.0.1:0 but never listening, and never closed, so its port stays refused.
private let reservedClosedPort: Int = {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0, let bound = try? bindLoopback(socketFD) else {
        return 9  // the discard port: nothing listens there on a test machine
    }
    return bound
}()

/// Binds `socketFD` to 127.0.0.1 on an ephemeral port and returns the port.
private func bindLoopback(_ socketFD: Int32) throws -> Int {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw LoopbackServerError(operation: "bind(127.0.0.1:0)", code: errno) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
    }
    guard named == 0 else { throw LoopbackServerError(operation: "getsockname", code: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The server's state and threads, separate from `LoopbackHTTPServer` so the threads do not keep the
/// public object alive (its deinit stops the server).
private final class LoopbackServerCore: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var acceptedConnections = 0
        var openSockets: Set<Int32> = []
        var isStopped = false
        var listenerClosed = false
    }

    let port: Int
    private let listenFD: Int32
    /// Readable once the server stops; threads waiting for a delay or a stall watch it.
    private let stopPipeRead: Int32
    private let stopPipeWrite: Int32
    private let handler: @Sendable (RecordedRequest) -> LoopbackResponse
    private let state = Mutex(State())
    private let threads = DispatchGroup()

    init(handler: @escaping @Sendable (RecordedRequest) -> LoopbackResponse) throws {
        self.handler = handler
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listenFD >= 0 else { throw LoopbackServerError(operation: "socket", code: errno) }
        var reuse: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        do {
            port = try bindLoopback(listenFD)
        } catch {
            close(listenFD)
            throw error
        }
        guard listen(listenFD, SOMAXCONN) == 0 else {
            let code = errno
            close(listenFD)
            throw LoopbackServerError(operation: "listen", code: code)
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let code = errno
            close(listenFD)
            throw LoopbackServerError(operation: "pipe", code: code)
        }
        self.listenFD = listenFD
        stopPipeRead = pipeFDs[0]
        stopPipeWrite = pipeFDs[1]
    }

    deinit {
        close(stopPipeRead)
        close(stopPipeWrite)
    }

    var requests: [RecordedRequest] { state.withLock { $0.requests } }
    var acceptedConnections: Int { state.withLock { $0.acceptedConnections } }

    func start() {
        spawn(name: "loopback-http-accept") { [self] in acceptLoop() }
    }

    func stop() {
        let wasRunning = state.withLock { state -> Bool in
            guard !state.isStopped else { return false }
            state.isStopped = true
            // Wakes accept() (EINVAL) and every recv() (end of stream); sockets are only closed by
            // their own thread after leaving `openSockets`, so these descriptors are still valid here.
            if !state.listenerClosed { shutdown(listenFD, Int32(SHUT_RDWR)) }
            for socketFD in state.openSockets { shutdown(socketFD, Int32(SHUT_RDWR)) }
            return true
        }
        guard wasRunning else { return }
        var byte: UInt8 = 1
        _ = write(stopPipeWrite, &byte, 1)
        _ = threads.wait(timeout: .now() + .seconds(5))
    }

    private func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let thread = Thread { [threads] in
            body()
            threads.leave()
        }
        thread.name = name
        thread.start()
    }

    // MARK: Accepting

    private func acceptLoop() {
        while true {
            let socketFD = accept(listenFD, nil, nil)
            if socketFD < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break  // stopped (EINVAL after shutdown) or out of descriptors
            }
            var noDelay: Int32 = 1
            setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let connectionID = state.withLock { state -> Int? in
                guard !state.isStopped else { return nil }
                state.acceptedConnections += 1
                state.openSockets.insert(socketFD)
                return state.acceptedConnections
            }
            guard let connectionID else {
                close(socketFD)
                break
            }
            spawn(name: "loopback-http-connection-\(connectionID)") { [self] in
                serve(socketFD: socketFD, connectionID: connectionID)
            }
        }
        state.withLock { state in
            state.listenerClosed = true
            close(listenFD)
        }
    }

    // MARK: Serving one connection

    /// What happens to the connection after a response.
    private enum Disposition {
        case keepOpen
        case close
        case reset
    }

    private func serve(socketFD: Int32, connectionID: Int) {
        var reader = RequestReader(socket: socketFD)
        var disposition = Disposition.close
        while true {
            let parsed: ParsedRequest
            do throws(RequestReadError) {
                parsed = try reader.nextRequest { interim in _ = Self.writeAll(socketFD, interim) }
            } catch {
                if case .malformed(let message) = error {
                    let body = Array("malformed request: \(message)\n".utf8)
                    let response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                    _ = Self.writeAll(socketFD, Array(response.utf8) + body)
                }
                disposition = .close
                break
            }
            let request = RecordedRequest(
                method: parsed.method, target: parsed.target, httpVersion: parsed.httpVersion,
                headers: parsed.headers, body: parsed.body, connectionID: connectionID
            )
            state.withLock { $0.requests.append(request) }
            disposition = perform(handler(request), for: request, on: socketFD)
            if disposition == .keepOpen && Self.clientWantsClose(request) { disposition = .close }
            guard disposition == .keepOpen else { break }
        }
        closeSocket(socketFD, reset: disposition == .reset)
    }

    private func perform(_ response: LoopbackResponse, for request: RecordedRequest, on socketFD: Int32) -> Disposition {
        switch response {
        case let .http(status, reason, headers, body):
            var fields = headers
            let omitsLength = (100..<200).contains(status) || status == 204 || status == 304
            if !fields.contains("Content-Length") && !fields.contains("Transfer-Encoding") && !omitsLength {
                fields.add(name: "Content-Length", value: String(body.count))
            }
            var bytes = Self.head(status: status, reason: reason ?? ReasonPhrases.phrase(for: status), fields: fields)
            if request.method != "HEAD" { bytes += body }
            guard Self.writeAll(socketFD, bytes) else { return .close }
            let closes = headers.values(for: "Connection").contains { $0.lowercased().contains("close") }
            return closes ? .close : .keepOpen
        case let .raw(bytes):
            return Self.writeAll(socketFD, bytes) ? .keepOpen : .close
        case .closeWithoutResponse:
            return .close
        case let .resetMidBody(headers, partialBody, declaredLength):
            var fields = headers
            if !fields.contains("Content-Length") { fields.add(name: "Content-Length", value: String(declaredLength)) }
            _ = Self.writeAll(socketFD, Self.head(status: 200, reason: "OK", fields: fields) + partialBody)
            return .reset
        case .stall:
            waitUntilPeerClosesOrStop(socketFD)
            return .close
        case .resetWithoutResponse:
            return .reset
        case let .endlessChunkedBody(headers, chunk):
            var fields = headers
            fields.add(name: "Transfer-Encoding", value: "chunked")
            guard Self.writeAll(socketFD, Self.head(status: 200, reason: "OK", fields: fields)) else { return .close }
            guard !chunk.isEmpty else { return .close }
            let framed = Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8)
            // Ends when a write fails: the client closed the connection, or stop() shut the socket down.
            while Self.writeAll(socketFD, framed) {}
            return .close
        case let .delayed(delay, inner):
            guard waitForDelay(delay) else { return .close }
            return perform(inner, for: request, on: socketFD)
        }
    }

    private static func head(status: Int, reason: String, fields: HTTPHeaders) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        for field in fields { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    private static func clientWantsClose(_ request: RecordedRequest) -> Bool {
        let connection = request.headers.values(for: "Connection").joined(separator: ",").lowercased()
        if request.httpVersion == "HTTP/1.0" { return !connection.contains("keep-alive") }
        return connection.contains("close")
    }

    /// Sleeps for `delay` unless the server stops first; true when the whole delay elapsed.
    private func waitForDelay(_ delay: Duration) -> Bool {
        let deadline = ContinuousClock.now + delay
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return true }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var watched = pollfd(fd: stopPipeRead, events: Int16(POLLIN), revents: 0)
            let ready = poll(&watched, 1, milliseconds)
            if ready > 0 { return false }  // stopped
        }
    }

    /// Discards whatever the client sends until it closes the connection or the server stops.
    private func waitUntilPeerClosesOrStop(_ socketFD: Int32) {
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            var watched = [
                pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopPipeRead, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&watched, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if watched[1].revents != 0 { return }
            if watched[0].revents != 0 {
                let received = scratch.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
                if received <= 0 { return }
            }
        }
    }

    private func closeSocket(_ socketFD: Int32, reset: Bool) {
        if reset {
            // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            var lingerOption = linger(l_onoff: 1, l_linger: 0)
            setsockopt(socketFD, SOL_SOCKET, SO_LINGER, &lingerOption, socklen_t(MemoryLayout<linger>.size))
        }
        state.withLock { state in
            state.openSockets.remove(socketFD)
            close(socketFD)
        }
    }

    /// Writes every byte (no SIGPIPE); false when the peer is gone.
    private static func writeAll(_ socketFD: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                send(socketFD, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }
}
