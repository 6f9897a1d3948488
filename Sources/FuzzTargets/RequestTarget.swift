import Dispatch
import Foundation
import Gateway
import GatewayServer
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends the input as raw bytes to the emulator's real HTTP server on loopback (SwiftNIO decoder, the server's
/// connection handler, the REST pipeline with MOCK integrations and VTL templates), closes the sending side, and reads
/// until the server closes the connection.
///
/// Invariants: the server answers within 10 s, anything it sends starts with an HTTP/1.1 status line, and it is still
/// serving afterwards (the next input connects). A crash on a server thread stops the process, which libFuzzer reports.
public func fuzzRequestParsing(_ bytes: [UInt8]) {
    let received: [UInt8]
    do {
        received = try RequestFuzzServer.shared.exchange(bytes)
    } catch {
        invariantFailure("emulator server stopped serving: \(error)")
    }
    if !received.isEmpty {
        invariant(received.starts(with: Array("HTTP/1.1 ".utf8)),
                     "response does not start with a status line: \(String(decoding: received.prefix(200), as: UTF8.self))")
        let statusDigits = received.dropFirst(9).prefix(3)
        invariant(statusDigits.count == 3 && statusDigits.allSatisfy { (0x30...0x39).contains($0) },
                     "malformed status line: \(String(decoding: received.prefix(200), as: UTF8.self))")
    }
}

/// Why a loopback exchange with the fuzzed server failed.
public struct RequestFuzzError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The emulator server the request fuzzer talks to: started once per process on 127.0.0.1 with a small REST API.
public final class RequestFuzzServer: Sendable {
    /// The shared server, started on first use (blocking; never call this from a task that the server's handler needs).
    public static let shared: RequestFuzzServer = {
        do {
            return try RequestFuzzServer()
        } catch {
            fatalError("cannot start the emulator server for request fuzzing: \(error)")
        }
    }()

    /// The REST API behind the fuzzed server: MOCK integrations whose templates read the method request
    /// (path, query, headers, body), so parsed requests travel through routing, parameters and VTL.
    static let apiDefinition = #"""
    openapi: 3.0.1
    info:
      title: gatecheck-request-fuzz
      version: "1.0"
    paths:
      /items/{id}:
        x-amazon-apigateway-any-method:
          parameters:
            - name: id
              in: path
              required: true
              schema:
                type: string
          responses:
            "200":
              description: ok
          x-amazon-apigateway-integration:
            type: mock
            passthroughBehavior: when_no_templates
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"id":"$util.escapeJavaScript($input.params(''id''))","params":"$util.escapeJavaScript($input.params())","ua":"$util.escapeJavaScript($context.identity.userAgent)"}'
      /{proxy+}:
        x-amazon-apigateway-any-method:
          parameters:
            - name: proxy
              in: path
              required: true
              schema:
                type: string
          responses:
            "200":
              description: ok
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"proxy":"$util.escapeJavaScript($input.params(''proxy''))"}'
    """#

    /// The loopback port the server listens on.
    public let port: Int
    private let server: GatewayServer

    private init() throws {
        let api = try RESTAPILoader.load(text: Self.apiDefinition, file: "request-fuzz-api.yaml")
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "fuzz"), backends: BackendRegistry(lambdas: [:], httpHosts: [:]))
        let configuration = GatewayServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1)
        let result = Self.blocking { () async throws -> GatewayServer in
            // Warnings about corrected responses would flood the fuzzer's output; they are not failures.
            try await GatewayServer.start(handler: gateway, configuration: configuration, log: { _ in })
        }
        server = try result.get()
        port = server.port
    }

    /// Runs `operation` on the concurrency pool and waits for it on the calling thread.
    private static func blocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            do {
                box.set(.success(try await operation()))
            } catch {
                box.set(.failure(error))
            }
            semaphore.signal()
        }
        semaphore.wait()
        return box.get()!
    }

    /// One connection: sends `bytes`, closes the sending side (unless `closeSendingSide` is false), and returns
    /// everything received until the server closes. The server closes a connection as soon as the client's side is
    /// closed, so requests handed to the gateway are usually not answered then; their parsing, routing and templates
    /// still run. Blocking; call it from a thread of its own, not from a Swift concurrency task.
    public func exchange(_ bytes: [UInt8], closeSendingSide: Bool = true, timeoutSeconds: Int = 10) throws(RequestFuzzError) -> [UInt8] {
        #if canImport(Glibc) || canImport(Musl)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw RequestFuzzError(description: "socket() failed: \(String(cString: strerror(errno)))") }
        defer {
            // Reset instead of FIN: thousands of connections per second must not leave TIME_WAIT sockets behind.
            var lingerOption = linger(l_onoff: 1, l_linger: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &lingerOption, socklen_t(MemoryLayout<linger>.size))
            close(descriptor)
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 && errno == EINTR {
            // A signal (libFuzzer's timeout alarm) interrupted connect(); the connection still completes: wait for it.
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            while poll(&poller, 1, Int32(timeoutSeconds * 1000)) < 0 && errno == EINTR {}
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
            connected = failure == 0 ? 0 : -1
            errno = failure
        }
        guard connected == 0 else {
            throw RequestFuzzError(description: "connect() to 127.0.0.1:\(port) failed: \(String(cString: strerror(errno)))")
        }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            // The server may answer and stop reading before everything is sent (rejections): not an error.
            guard count > 0 else { break }
            sent += count
        }
        if closeSendingSide { shutdown(descriptor, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count < 0 {
                if errno == ECONNRESET { break }  // the server reset after answering: the answer is what we have
                if errno == EINTR { continue }
                throw RequestFuzzError(description: "no end of the server's answer within \(timeoutSeconds) s "
                    + "(\(String(cString: strerror(errno)))); received so far: \(String(decoding: received.prefix(200), as: UTF8.self))")
            }
            received += buffer[0..<count]
        }
        return received
    }
}

/// A result handed from a task to a waiting thread. The lock guards the only state.
private final class ResultBox<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)
    func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }
    func get() -> Result<T, any Error>? { value.withLock { $0 } }
}
