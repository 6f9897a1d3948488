import Backends
import Foundation
import Gateway
import GatewayServer
import JSONCore
import Synchronization
import Testing
import TestSupport

/// Fixture files of this target, found from this source file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static func path(_ name: String) -> String { directory + "/" + name }
}

/// Log lines from the server and the workers, kept for assertions.
final class CollectedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var callback: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
    var all: [String] { lines.withLock { $0 } }
}

/// The reliability fixture API (Lambda proxy routes backed by real Python workers, plus a MOCK route) served by the
/// real SwiftNIO server on 127.0.0.1; always shuts the server and the workers down.
func withEmulator<T>(configuration: GatewayServerConfiguration = GatewayServerConfiguration(),
                     log: CollectedLog = CollectedLog(),
                     _ body: (Int) async throws -> T) async throws -> T {
    let api = try RESTAPILoader.load(path: Fixtures.path("api.yaml"))
    let backends = try BackendsLoader.load(path: Fixtures.path("backends.yaml"))
    let (registry, pool) = try backends.makeRegistry(log: log.callback)
    let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: registry)
    let server: GatewayServer
    do {
        server = try await GatewayServer.start(handler: gateway, configuration: configuration, log: log.callback)
    } catch {
        await pool.shutdown()
        throw error
    }
    do {
        let result = try await body(server.port)
        await server.shutdown()
        await pool.shutdown()
        return result
    } catch {
        await server.shutdown()
        await pool.shutdown()
        throw error
    }
}

/// A request to the `test` stage: `target` is the resource path (`/echo?n=1`), sent as `/test/echo?n=1`.
func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
    var text = "\(method) /test\(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    let hasLength = headers.contains { $0.0.lowercased() == "content-length" || $0.0.lowercased() == "transfer-encoding" }
    if !hasLength && (!body.isEmpty || method == "POST") { text += "Content-Length: \(body.count)\r\n" }
    text += "\r\n"
    return Array(text.utf8) + body
}

/// The `pid` field of a handler's JSON answer.
func pid(_ response: WireResponse) -> Int64? {
    guard case .object(let fields)? = try? JSONValue.parse(bytes: response.body), case .int(let pid)? = fields["pid"] else { return nil }
    return pid
}

@Suite("Emulator reliability: hostile input, limits, timeouts, worker faults and load, on the real server", .serialized)
struct EmulatorReliabilityTests {
    /// Byte sequences that are not valid HTTP/1.1 requests, each on its own connection.
    static let malformedRequests: [(String, [UInt8])] = [
        ("request line without a version", Array("GET /echo\r\n\r\n".utf8)),
        ("not HTTP at all", Array("HELLO THERE\r\n\r\n".utf8)),
        ("header line without a colon", Array("GET /echo HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n".utf8)),
        ("space in the request-target", Array("GET /ec ho HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
        ("unknown HTTP version", Array("GET /echo HTTP/7.3\r\nHost: x\r\n\r\n".utf8)),
        ("non-numeric Content-Length", Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n".utf8)),
        ("two different Content-Lengths", Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".utf8)),
        ("Content-Length with chunked encoding", Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8)),
        ("invalid chunk size", Array("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".utf8)),
        ("NUL in a header value", Array("GET /echo HTTP/1.1\r\nHost: x\r\nX-Bad: a".utf8) + [0] + Array("b\r\n\r\n".utf8)),
        ("control byte in a header name", Array("GET /echo HTTP/1.1\r\nHost: x\r\nX-B\u{1}ad: a\r\n\r\n".utf8)),
        ("binary garbage", (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }),
    ]

    @Test("malformed requests get 400 and close the connection; the server keeps serving the API")
    func malformedRequests() async throws {
        let log = CollectedLog()
        try await withEmulator(log: log) { port in
            for (name, bytes) in Self.malformedRequests {
                let outcome = try await runBlocking { () -> (WireResponse, Bool) in
                    let connection = try WireConnection(port: port)
                    connection.send(bytes)
                    let response = try connection.readResponse()
                    return (response, connection.isClosedByServer())
                }
                #expect(outcome.0.statusLine == "HTTP/1.1 400 Bad Request", "\(name): \(outcome.0.statusLine)")
                #expect(outcome.0.text == #"{"message":"Bad Request: malformed HTTP request"}"#, "\(name)")
                #expect(outcome.0.header("Connection") == "close", "\(name)")
                #expect(outcome.1, "\(name): the connection must close after the 400")
                // The next well-formed request on a new connection reaches the Python handler.
                let next = try await exchange(port: port, request("GET", "/echo?n=after"))
                #expect(next.status == 200, "after \(name): \(next.statusLine) \(next.text)")
                #expect(next.text.contains(#""n": "after""#), "after \(name): \(next.text)")
            }
        }
        #expect(log.all.filter { $0.contains("malformed request") }.count == Self.malformedRequests.count)
    }

    @Test("a body over 10 MB gets REQUEST_TOO_LARGE 413 {\"message\":\"Request Too Long\"}; exactly 10 MB is accepted")
    func bodyLimit() async throws {
        let limit = 10 * 1024 * 1024
        try await withEmulator { port in
            // Announced with Content-Length: answered without reading the body.
            let announced = try await runBlocking { () -> (WireResponse, Bool) in
                let connection = try WireConnection(port: port)
                connection.send(request("POST", "/mock", headers: [("Content-Type", "application/json"), ("Content-Length", String(limit + 1))]))
                connection.send([UInt8](repeating: UInt8(ascii: "a"), count: limit + 1))
                let response = try connection.readResponse()
                return (response, connection.isClosedByServer())
            }
            Self.expectRequestTooLarge(announced.0)
            #expect(announced.1, "the connection must close after the 413")

            // Chunked: counted as it arrives, rejected once it passes the limit.
            let chunked = try await runBlocking { () -> WireResponse in
                let connection = try WireConnection(port: port)
                connection.send("POST /test/mock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = Array("100000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: 0x100000) + Array("\r\n".utf8)
                for _ in 0..<11 where connection.send(chunk) == chunk.count {}
                connection.send("0\r\n\r\n")
                return try connection.readResponse()
            }
            Self.expectRequestTooLarge(chunked)

            // The limit itself is allowed through to the integration.
            let body = Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "c"), count: limit - 2) + Array("\"".utf8)
            let atLimit = try await exchange(port: port, request("POST", "/mock", headers: [("Content-Type", "application/json")], body: body))
            #expect(atLimit.status == 200, "\(atLimit.statusLine) \(atLimit.text.prefix(200))")
            #expect(atLimit.text == #"{"accepted":true}"#)
        }
    }

    static func expectRequestTooLarge(_ response: WireResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.statusLine == "HTTP/1.1 413 Payload Too Large", sourceLocation: sourceLocation)
        #expect(response.text == #"{"message":"Request Too Long"}"#, sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
        #expect(response.header("Content-Length") == "30", sourceLocation: sourceLocation)
        #expect(response.header("x-amzn-RequestId") != nil, sourceLocation: sourceLocation)
    }

    @Test("a header block of 10,240 bytes is accepted, one byte more gets 431; request-targets above 8,192 bytes get 414")
    func headerAndURILimits() async throws {
        try await withEmulator { port in
            // The server counts `name: value\r\n` of every field, Host included.
            let hostField = "Host".utf8.count + "127.0.0.1".utf8.count + 4
            let padding = 10_240 - hostField - ("X-Pad".utf8.count + 4)
            let atLimit = try await exchange(port: port, request("GET", "/echo?n=h", headers: [("X-Pad", String(repeating: "p", count: padding))]))
            #expect(atLimit.status == 200, "\(atLimit.statusLine) \(atLimit.text)")
            let over = try await exchange(port: port, request("GET", "/echo?n=h", headers: [("X-Pad", String(repeating: "p", count: padding + 1))]))
            #expect(over.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
            #expect(over.text == #"{"message":"Request Header Fields Too Large"}"#)
            // Many small fields count the same way as one large one.
            let manyFields = (0..<600).map { ("X-F\($0)", "vvvvvvvvvvvv") }
            let many = try await exchange(port: port, request("GET", "/echo", headers: manyFields))
            #expect(many.status == 431, "\(many.statusLine)")

            let longTarget = "/echo?n=" + String(repeating: "u", count: 8_192 - "/test/echo?n=".utf8.count)
            let uriAtLimit = try await exchange(port: port, request("GET", longTarget))
            #expect(uriAtLimit.status == 200, "\(uriAtLimit.statusLine) \(uriAtLimit.text.prefix(200))")
            let uriOver = try await exchange(port: port, request("GET", longTarget + "u"))
            #expect(uriOver.statusLine == "HTTP/1.1 414 URI Too Long")
            #expect(uriOver.text == #"{"message":"Request-URI Too Long"}"#)
            // Still serving.
            let after = try await exchange(port: port, request("GET", "/echo?n=ok"))
            #expect(after.status == 200)
        }
    }

    @Test("an integration slower than its timeoutInMillis gets 504 {\"message\": \"Endpoint request timed out\"}")
    func integrationTimeout() async throws {
        try await withEmulator { port in
            let started = ContinuousClock.now
            let response = try await exchange(port: port, request("GET", "/slow?seconds=8"))
            let elapsed = ContinuousClock.now - started
            #expect(response.statusLine == "HTTP/1.1 504 Gateway Timeout")
            #expect(response.text == #"{"message": "Endpoint request timed out"}"#)
            // timeoutInMillis is 300: the gateway answers long before the handler's 8 s sleep ends (the margin is
            // wide because tests share two cores with CPU-bound neighbours).
            #expect(elapsed < .seconds(7), "answered after \(elapsed)")
            #expect(elapsed >= .milliseconds(300), "answered after \(elapsed), before the timeout")
        }
    }

    @Test("a worker that exits mid-invocation is restarted: the request gets 502, the next one succeeds")
    func crashedWorkerIsRestarted() async throws {
        let log = CollectedLog()
        try await withEmulator(log: log) { port in
            let before = try await exchange(port: port, request("GET", "/flaky"))
            #expect(before.status == 200, "\(before.statusLine) \(before.text)")
            let crashed = try await exchange(port: port, request("GET", "/flaky?mode=crash"))
            #expect(crashed.statusLine == "HTTP/1.1 502 Bad Gateway")
            #expect(crashed.text == #"{"message": "Internal server error"}"#)
            let after = try await exchange(port: port, request("GET", "/flaky"))
            #expect(after.status == 200, "\(after.statusLine) \(after.text)")
            let (oldPID, newPID) = (try #require(pid(before)), try #require(pid(after)))
            #expect(oldPID != newPID, "the crashed worker must have been replaced by a new process")
        }
        #expect(log.all.contains { $0.contains("Runtime exited") && $0.contains("worker restarted") }, "\(log.all)")
    }

    @Test("a worker hung past the Lambda timeout is killed and restarted: 502, then the next request succeeds")
    func hungWorkerIsRestarted() async throws {
        let log = CollectedLog()
        try await withEmulator(log: log) { port in
            let before = try await exchange(port: port, request("GET", "/flaky"))
            #expect(before.status == 200, "\(before.statusLine) \(before.text)")
            let hung = try await exchange(port: port, request("GET", "/flaky?mode=hang"))
            #expect(hung.statusLine == "HTTP/1.1 502 Bad Gateway")
            #expect(hung.text == #"{"message": "Internal server error"}"#)
            let after = try await exchange(port: port, request("GET", "/flaky"))
            #expect(after.status == 200, "\(after.statusLine) \(after.text)")
            let (oldPID, newPID) = (try #require(pid(before)), try #require(pid(after)))
            #expect(oldPID != newPID, "the hung worker must have been replaced by a new process")
        }
        #expect(log.all.contains { $0.contains("Task timed out after 1.00 seconds") }, "\(log.all)")
    }

    @Test("100 concurrent keep-alive connections x 20 requests on a Python Lambda proxy route: zero errors, right bodies")
    func concurrentKeepAliveLoad() async throws {
        let connections = 100
        let requestsPerConnection = 20
        try await withEmulator { port in
            let rssBefore = residentKilobytes()
            var figures: [(round: String, errors: Int, seconds: Double, rss: Int?)] = []
            for round in ["warm-up", "measured"] {
                let started = ContinuousClock.now
                let errors = try await withThrowingTaskGroup(of: [String].self) { group in
                    for connectionIndex in 0..<connections {
                        group.addTask {
                            try await runBlocking { () -> [String] in
                                var problems: [String] = []
                                let connection = try WireConnection(port: port, timeoutSeconds: 60)
                                for requestIndex in 0..<requestsPerConnection {
                                    let n = "\(connectionIndex)-\(requestIndex)"
                                    connection.send(request("GET", "/echo?n=\(n)"))
                                    do {
                                        let response = try connection.readResponse()
                                        if response.status != 200 || !response.text.hasPrefix(#"{"path": "/echo", "n": "\#(n)", "pid": "#)
                                            || response.header("Connection")?.lowercased() == "close" {
                                            problems.append("\(n): \(response.statusLine) \(response.text)")
                                        }
                                    } catch {
                                        problems.append("\(n): \(error)")
                                        break
                                    }
                                }
                                return problems
                            }
                        }
                    }
                    var all: [String] = []
                    for try await problems in group { all += problems }
                    return all
                }
                let elapsed = ContinuousClock.now - started
                #expect(errors.isEmpty, "\(round): \(errors.count) errors, first: \(errors.prefix(5))")
                figures.append((round, errors.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                                residentKilobytes()))
            }
            // Reported, not asserted: memory depends on the allocator and the machine.
            var report = "load: \(connections) keep-alive connections x \(requestsPerConnection) requests per round; RSS before: \(rssBefore.map { "\($0) kB" } ?? "n/a")"
            for figure in figures {
                let rate = Double(connections * requestsPerConnection) / figure.seconds
                report += "; \(figure.round): \(figure.errors) errors, \(String(format: "%.2f", figure.seconds)) s, \(String(format: "%.0f", rate)) req/s, RSS after \(figure.rss.map { "\($0) kB" } ?? "n/a")"
            }
            print(report)
        }
    }
}
