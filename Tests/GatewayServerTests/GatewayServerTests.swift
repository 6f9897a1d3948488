import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import Synchronization
import Testing
import TestSupport

/// Echoes each request back: the body holds `METHOD TARGET VERSION SOURCE-IP`, the header lines as received,
/// a blank line, then the raw request body. A few paths behave differently (see `handle`).
struct EchoHandler: GatewayHandler {
    /// Receives the target of every request as the handler starts on it.
    var started: AsyncStream<String>.Continuation?
    /// A `Connection` value the rejections carry (API Gateway's own responses say `keep-alive`).
    var rejectionConnection: String?

    func handle(_ request: GatewayRequest) async -> GatewayOutcome {
        started?.yield(request.target)
        let log = GatewayLogEntry(route: "ANY /{proxy+}", integrationType: "MOCK", selectedResponse: "default")
        switch request.path {
        case "/hang":
            try? await Task.sleep(for: .seconds(3600))
            return GatewayOutcome(response: GatewayResponse(status: 503, body: Array("cancelled".utf8)), log: log)
        case "/slow":
            try? await Task.sleep(for: .milliseconds(50))
        case "/headers":
            let headers = HTTPHeaders([("x-lower", "a"), ("X-UPPER", "B"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2"),
                                       ("X-Mixed-Case", "v  with  spaces")])
            return GatewayOutcome(response: GatewayResponse(status: 206, headers: headers, body: Array("partial".utf8)),
                                  log: log)
        case "/binary":
            return GatewayOutcome(response: GatewayResponse(status: 200, headers: ["Content-Type": "application/octet-stream"],
                                                            body: Array(0...255) + Array(0...255).reversed()), log: log)
        case "/given-length":
            return GatewayOutcome(response: GatewayResponse(status: 200, headers: ["content-length": "5"],
                                                            body: Array("hello".utf8)), log: log)
        case "/no-content":
            return GatewayOutcome(response: GatewayResponse(status: 204, headers: ["X-A": "1"]), log: log)
        case "/error":
            return GatewayOutcome(response: GatewayResponse(status: 500, body: Array(#"{"message": "Internal server error"}"#.utf8)),
                                  log: GatewayLogEntry(route: "GET /error", integrationType: "AWS",
                                                       detail: "Execution failed due to configuration error"))
        default:
            break
        }
        var body = Array("\(request.method) \(request.target) \(request.httpVersion) \(request.sourceIP)\n".utf8)
        for field in request.headers { body += Array("\(field.name): \(field.value)\n".utf8) }
        body += Array("\n".utf8) + request.body
        return GatewayOutcome(response: GatewayResponse(status: 200, headers: ["Content-Type": "application/octet-stream"],
                                                        body: body), log: log)
    }

    func rejection(_ reason: RequestRejection) -> GatewayResponse {
        switch reason {
        case .bodyTooLarge:
            return GatewayResponse(status: 413, headers: ["Content-Type": "application/json",
                                                          "x-amzn-ErrorType": "RequestTooLargeException"],
                                   body: Array(#"{"message":"Request Too Long"}"#.utf8))
        case .headersTooLarge:
            return GatewayResponse(status: 431, body: Array("headers too large".utf8))
        case .uriTooLong:
            var response = GatewayResponse(status: 414, body: Array("uri too long".utf8))
            if let rejectionConnection { response.headers.add(name: "connection", value: rejectionConnection) }
            return response
        }
    }
}

/// The echo body split back into its parts.
struct Echo {
    var requestLine: String
    var headerLines: [String]
    var body: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let text = bytes
        guard text.count >= 2, let blank = (0..<(text.count - 1)).first(where: { text[$0] == 10 && text[$0 + 1] == 10 }) else {
            throw WireFailure(description: "not an echo body: \(String(decoding: bytes, as: UTF8.self).prefix(200))")
        }
        let lines = String(decoding: text[..<blank], as: UTF8.self).components(separatedBy: "\n")
        requestLine = lines[0]
        headerLines = Array(lines.dropFirst())
        body = Array(text[(blank + 2)...])
    }
}

/// Collected log lines.
final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}

/// Whether `operation` finishes within `limit`. A guard against hangs, not a timing measurement: the limit is
/// far above the expected time. The operation keeps running in the background if it does not finish.
func completes(within limit: Duration, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    final class FirstAnswer: Sendable {
        private let answered = Mutex(false)
        /// True for the first caller only.
        func claim() -> Bool {
            answered.withLock { answered in
                defer { answered = true }
                return !answered
            }
        }
    }
    let first = FirstAnswer()
    return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        Task {
            await operation()
            if first.claim() { continuation.resume(returning: true) }
        }
        Task {
            try? await Task.sleep(for: limit)
            if first.claim() { continuation.resume(returning: false) }
        }
    }
}

/// Runs `body` against a fresh server and always shuts it down afterwards.
func withServer(_ handler: EchoHandler = EchoHandler(), log: LogCollector? = nil,
                configure: (inout GatewayServerConfiguration) -> Void = { _ in },
                _ body: (GatewayServer) async throws -> Void) async throws {
    let server = try await startServer(handler, log: log, configure: configure)
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

func startServer(_ handler: EchoHandler = EchoHandler(), log: LogCollector? = nil,
                 configure: (inout GatewayServerConfiguration) -> Void = { _ in }) async throws -> GatewayServer {
    var configuration = GatewayServerConfiguration(eventLoopThreads: 1)
    configure(&configuration)
    return try await GatewayServer.start(handler: handler, configuration: configuration, log: log?.sink)
}

@Suite("GatewayServer over real sockets")
struct GatewayServerTests {
    @Test("request headers reach the handler exactly; response headers leave exactly, Content-Length appended")
    func headersExact() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            try await client.send("GET /items?b=2&a=%20x HTTP/1.1\r\nHost: example\r\nx-lower: a\r\nX-UPPER: B\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Dup: 3\r\n\r\n")
            let echoed = try await client.readResponse()
            #expect(echoed.status == 200)
            let echo = try Echo(echoed.body)
            #expect(echo.requestLine == "GET /items?b=2&a=%20x HTTP/1.1 127.0.0.1")
            #expect(echo.headerLines == ["Host: example", "x-lower: a", "X-UPPER: B", "X-Dup: 1", "x-dup: 2", "X-Dup: 3"])

            try await client.send("GET /headers HTTP/1.1\r\nHost: example\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.head == "HTTP/1.1 206 Partial Content\r\nx-lower: a\r\nX-UPPER: B\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Mixed-Case: v  with  spaces\r\nContent-Length: 7\r\n\r\n")
            #expect(response.body == Array("partial".utf8))
        }
    }

    @Test("a Content-Length set by the handler is not duplicated; 204 gets none")
    func contentLengthOnlyWhenMissing() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            try await client.send("GET /given-length HTTP/1.1\r\nHost: x\r\n\r\nGET /no-content HTTP/1.1\r\nHost: x\r\n\r\n")
            let given = try await client.readResponse()
            #expect(given.head == "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
            #expect(given.body == Array("hello".utf8))
            let noContent = try await client.readResponse()
            #expect(noContent.head == "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n")
        }
    }

    @Test("binary bodies pass unchanged in both directions, fixed-length and chunked")
    func binaryBodies() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            let payload: [UInt8] = Array(0...255) + [0, 0, 13, 10, 13, 10, 0xFF, 0xFE] + Array(repeating: 0x80, count: 70_000)
            try await client.send(Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: \(payload.count)\r\n\r\n".utf8) + payload)
            let echoed = try await client.readResponse()
            #expect(try Echo(echoed.body).body == payload)

            try await client.send("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await client.send(Array("4\r\n".utf8) + [0, 1, 2, 0xFF] + Array("\r\n3\r\n".utf8) + [13, 10, 0] + Array("\r\n0\r\n\r\n".utf8))
            let chunked = try await client.readResponse()
            #expect(try Echo(chunked.body).body == [0, 1, 2, 0xFF, 13, 10, 0])

            try await client.send("GET /binary HTTP/1.1\r\nHost: x\r\n\r\n")
            let binary = try await client.readResponse()
            #expect(binary.body == Array(0...255) + Array(0...255).reversed())
            #expect(binary.header("Content-Length") == "512")
        }
    }

    @Test("keep-alive: several requests on one connection")
    func keepAlive() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            for index in 0..<3 {
                try await client.send("GET /n/\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await client.readResponse()
                #expect(try Echo(response.body).requestLine.hasPrefix("GET /n/\(index) HTTP/1.1"))
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test("pipelined requests are answered in order, even when the first is slow")
    func pipelining() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            let targets = ["/slow", "/a", "/b?x=1", "/c"]
            try await client.send(targets.map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()
                                  + "POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz")
            for target in targets {
                let response = try await client.readResponse()
                #expect(try Echo(response.body).requestLine.hasPrefix("GET \(target) "))
            }
            let last = try await client.readResponse()
            let echo = try Echo(last.body)
            #expect(echo.requestLine.hasPrefix("POST /d "))
            #expect(echo.body == Array("xyz".utf8))
        }
    }

    @Test("a burst of 2,000 pipelined requests is answered completely and in order (reading pauses and resumes)")
    func pipelinedBurst() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            let count = 2_000
            let burst = (0..<count).map { "GET /burst/\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()
            // Send while reading, so neither side's socket buffers can fill up and stall the exchange.
            async let sent: Void = client.send(burst)
            for index in 0..<count {
                let response = try await client.readResponse()
                let requestLine = try Echo(response.body).requestLine
                guard requestLine.hasPrefix("GET /burst/\(index) ") else {
                    Issue.record("response \(index) answered \(requestLine)")
                    break
                }
            }
            try await sent
        }
    }

    @Test("Connection: close and HTTP/1.0 end the connection after the response; HTTP/1.0 keep-alive does not")
    func connectionClose() async throws {
        try await withServer { server in

            let closing = try await WireClient.connect(port: server.port)
            try await closing.send("GET /first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /dropped HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try await closing.readResponse()
            #expect(try Echo(first.body).requestLine.hasPrefix("GET /first "))
            #expect(try await closing.readUntilClosed().isEmpty)

            let http10 = try await WireClient.connect(port: server.port)
            try await http10.send("GET /old HTTP/1.0\r\n\r\n")
            let old = try await http10.readResponse()
            #expect(try Echo(old.body).requestLine == "GET /old HTTP/1.0 127.0.0.1")
            #expect(try await http10.readUntilClosed().isEmpty)

            let http10KeepAlive = try await WireClient.connect(port: server.port)
            for index in 0..<2 {
                try await http10KeepAlive.send("GET /ka/\(index) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try await http10KeepAlive.readResponse()
                #expect(response.header("Connection") == "keep-alive")
                #expect(try Echo(response.body).requestLine.hasPrefix("GET /ka/\(index) HTTP/1.0"))
            }
        }
    }

    @Test("an upgrade request is answered normally, with Connection: close, and the connection closes")
    func upgradeRequest() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            try await client.send("GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(try await client.readUntilClosed().isEmpty)
        }
    }

    @Test("a rejection that says keep-alive is sent with Connection: close, since the server closes after it")
    func rejectionSaysClose() async throws {
        try await withServer(EchoHandler(rejectionConnection: "keep-alive"), configure: { $0.maxURIBytes = 64 }) { server in
            let client = try await WireClient.connect(port: server.port)
            try await client.send("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 414)
            #expect(response.head.contains("\r\nconnection: close\r\n"), "\(response.head)")
            #expect(!response.head.lowercased().contains("keep-alive"))
            #expect(try await client.readUntilClosed().isEmpty)
        }
    }

    @Test("a body above the limit gets the handler's rejection and the connection closes, without reading it all")
    func bodyTooLarge() async throws {
        try await withServer(configure: { $0.maxBodyBytes = 1_000 }) { server in
            let expected = EchoHandler().rejection(.bodyTooLarge)

            // Declared too large: answered right after the head.
            let declared = try await WireClient.connect(port: server.port)
            try await declared.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n" + String(repeating: "x", count: 100))
            let response = try await declared.readResponse()
            #expect(response.status == 413)
            #expect(response.body == expected.body)
            #expect(response.head == "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nx-amzn-ErrorType: RequestTooLargeException\r\nContent-Length: 30\r\nConnection: close\r\n\r\n")
            #expect(try await declared.readUntilClosed().isEmpty)

            // Chunked: rejected once the received bytes pass the limit.
            let chunked = try await WireClient.connect(port: server.port)
            try await chunked.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in 0..<3 { try await chunked.send("1F4\r\n" + String(repeating: "y", count: 500) + "\r\n") }
            let chunkedResponse = try await chunked.readResponse()
            #expect(chunkedResponse.status == 413)
            #expect(try await chunked.readUntilClosed().isEmpty)

            // Exactly at the limit is accepted.
            let atLimit = try await WireClient.connect(port: server.port)
            try await atLimit.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "z", count: 1_000))
            let accepted = try await atLimit.readResponse()
            #expect(accepted.status == 200)
            #expect(try Echo(accepted.body).body.count == 1_000)
        }
    }

    @Test("headers and request-targets above the limits get the handler's 431 / 414")
    func headerAndURILimits() async throws {
        try await withServer(configure: { $0.maxHeaderBytes = 1_000; $0.maxURIBytes = 500 }) { server in

            let bigHeader = try await WireClient.connect(port: server.port)
            try await bigHeader.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "h", count: 1_200))\r\n\r\n")
            let headerResponse = try await bigHeader.readResponse()
            #expect(headerResponse.status == 431)
            #expect(headerResponse.body == Array("headers too large".utf8))
            #expect(try await bigHeader.readUntilClosed().isEmpty)

            // So large that NIO's decoder gives up before the head is complete.
            let hugeHeader = try await WireClient.connect(port: server.port)
            try await hugeHeader.send("GET / HTTP/1.1\r\nHost: x\r\nX-Huge: \(String(repeating: "h", count: 5_000))\r\n\r\n")
            #expect(try await hugeHeader.readResponse().status == 431)

            let longURI = try await WireClient.connect(port: server.port)
            try await longURI.send("GET /\(String(repeating: "u", count: 600)) HTTP/1.1\r\nHost: x\r\n\r\n")
            let uriResponse = try await longURI.readResponse()
            #expect(uriResponse.status == 414)
            #expect(uriResponse.body == Array("uri too long".utf8))
        }
    }

    @Test("a malformed request gets 400 and the connection closes; the server keeps serving")
    func malformedRequest() async throws {
        try await withServer { server in
            for garbage in ["THIS IS NOT HTTP\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
                            "GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n", "\u{0}\u{1}\u{2}\r\n\r\n"] {
                let client = try await WireClient.connect(port: server.port)
                try await client.send(garbage)
                let response = try await client.readResponse()
                #expect(response.status == 400, "for \(garbage.debugDescription)")
                #expect(!response.body.isEmpty)
                #expect(response.header("Connection") == "close")
                #expect(try await client.readUntilClosed().isEmpty)
            }
            // A good request pipelined before garbage is still answered first.
            let mixed = try await WireClient.connect(port: server.port)
            try await mixed.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n")
            #expect(try Echo(try await mixed.readResponse().body).requestLine.hasPrefix("GET /good "))
            #expect(try await mixed.readResponse().status == 400)

            let next = try await WireClient.connect(port: server.port)
            try await next.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await next.readResponse().status == 200)
        }
    }

    @Test("HEAD gets the headers, including Content-Length, but no body bytes")
    func head() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            try await client.send("HEAD /binary HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse(bodyless: true)
            #expect(response.head == "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 512\r\n\r\n")
            // The next response starts right after the head: no stray body bytes in between.
            try await client.send("GET /given-length HTTP/1.1\r\nHost: x\r\n\r\n")
            let next = try await client.readResponse()
            #expect(next.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(next.body == Array("hello".utf8))
        }
    }

    @Test("Expect: 100-continue gets an interim response before the body is sent")
    func expectContinue() async throws {
        try await withServer { server in
            let client = try await WireClient.connect(port: server.port)
            try await client.send("PUT /put HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await client.readBytes(25)
            #expect(String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
            try await client.send("data")
            #expect(try Echo(try await client.readResponse().body).body == Array("data".utf8))
        }
    }

    @Test("port 0 binds a real port; baseURL names it")
    func portZero() async throws {
        try await withServer { server in
            #expect(server.port > 0)
            #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
            let client = try await WireClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test("binding a port in use fails with an actionable error")
    func portInUse() async throws {
        try await withServer { server in
            await #expect(throws: GatewayServerError.self) {
                _ = try await startServer { $0.port = server.port }
            }
            do {
                _ = try await startServer { $0.port = server.port }
            } catch {
                #expect(String(describing: error).contains("cannot listen on 127.0.0.1:\(server.port)"))
            }
        }
    }

    @Test("shutdown closes open connections and cancels handlers still running")
    func shutdown() async throws {
        let (started, startedContinuation) = AsyncStream<String>.makeStream()
        let server = try await startServer(EchoHandler(started: startedContinuation))
        let idle = try await WireClient.connect(port: server.port)
        let busy = try await WireClient.connect(port: server.port)
        try await busy.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        var iterator = started.makeAsyncIterator()
        #expect(await iterator.next() == "/hang")

        // A shutdown that failed to cancel the hanging handler would never return: fail instead of hanging.
        #expect(await completes(within: .seconds(30)) { await server.shutdown() }, "shutdown did not return")
        #expect(try await idle.readUntilClosed().isEmpty)
        #expect(try await busy.readUntilClosed().isEmpty)
        // (Whether the port still accepts connections is not checked: with tests running in parallel, another
        // test's server may already have been given the freed ephemeral port.)
        await server.shutdown()  // a second call is harmless
    }

    @Test("idle connections are closed after the timeout")
    func idleTimeout() async throws {
        try await withServer(configure: { $0.idleTimeoutSeconds = 0.2 }) { server in
            // Nothing is sent: the server must hang up on its own (the client gives up after 10 s).
            let client = try await WireClient.connect(port: server.port)
            #expect(try await client.readUntilClosed().isEmpty)
        }
    }

    @Test("a request head not complete within the header timeout gets 408 and the connection closes")
    func headerTimeout() async throws {
        let log = LogCollector()
        // The idle timeout is far away: only the header timer can end these connections.
        try await withServer(log: log, configure: { $0.headerTimeoutSeconds = 0.2; $0.idleTimeoutSeconds = 600 }) { server in
            let stalled = try await WireClient.connect(port: server.port)
            try await stalled.send("GET /stalled HTTP/1.1\r\nHost: x\r\n")
            let response = try await stalled.readResponse()
            #expect(response.status == 408)
            #expect(response.header("Connection") == "close")
            #expect(try await stalled.readUntilClosed().isEmpty)

            // Slowloris: a byte at a time keeps the connection busy, but the head still has to finish in time.
            let slow = try await WireClient.connect(port: server.port)
            let trickle = Array("GET /slowloris HTTP/1.1\r\nHost: x\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100_000)
            var answer: [UInt8] = []
            for byte in trickle {
                do { try await slow.send([byte]) } catch { break }  // the server closed its side: stop sending
                if let early = try await slow.readAvailable(), !early.isEmpty { answer = early; break }
                try await Task.sleep(for: .milliseconds(20))
            }
            answer += try await slow.readUntilClosed()
            #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))

            // A keep-alive connection that waits between requests is not cut by the header timer.
            let patient = try await WireClient.connect(port: server.port)
            try await patient.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await patient.readResponse().status == 200)
            try await Task.sleep(for: .milliseconds(500))
            try await patient.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await patient.readResponse().status == 200)
        }
        #expect(log.all.contains { $0.hasPrefix("request head not complete within the header timeout -> 408") }, "\(log.all)")
    }

    @Test("a few blank lines before a request line are ignored; a flood of them gets 400 and the connection closes")
    func blankLines() async throws {
        try await withServer(configure: { $0.idleTimeoutSeconds = 600 }) { server in
            let tolerated = try await WireClient.connect(port: server.port)
            try await tolerated.send("\r\n\r\n\nGET /after-blank-lines HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try Echo(try await tolerated.readResponse().body).requestLine.hasPrefix("GET /after-blank-lines "))

            for flood in [String(repeating: "\r\n", count: 1_000), String(repeating: "\n", count: 1_000)] {
                let client = try await WireClient.connect(port: server.port)
                try await client.send(flood)
                let response = try await client.readResponse()
                #expect(response.status == 400)
                #expect(response.header("Connection") == "close")
                #expect(try await client.readUntilClosed().isEmpty)
            }
        }
    }

    @Test("one log line per request with route, integration, selected response, duration and detail")
    func logLines() async throws {
        let log = LogCollector()
        let server = try await startServer(log: log) { $0.maxBodyBytes = 10 }
        let client = try await WireClient.connect(port: server.port)
        try await client.send("GET /prod/items HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await client.readResponse()
        try await client.send("GET /error HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await client.readResponse()
        try await client.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
        _ = try await client.readResponse()
        await server.shutdown()
        let lines = log.all
        try #require(lines.count == 3, "\(lines)")
        #expect(lines[0].wholeMatch(of: #/GET /prod/items \[ANY /\{proxy\+\}\] -> 200 MOCK integration=default \d+\.\d\dms/#) != nil, "\(lines[0])")
        #expect(lines[1].wholeMatch(of: #/GET /error \[GET /error\] -> 500 AWS \d+\.\d\dms \(Execution failed due to configuration error\)/#) != nil, "\(lines[1])")
        #expect(lines[2].wholeMatch(of: #/POST /big rejected \(bodyTooLarge\) -> 413 \d+\.\d\dms/#) != nil, "\(lines[2])")
    }

    @Test("the buffered request log keeps every line, in order, under load from many connections")
    func bufferedLogUnderLoad() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-log-\(UUID().uuidString).txt").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        let writer = BufferedLogWriter(fileDescriptor: descriptor)
        let connections = 8, requestsPerConnection = 250
        var configuration = GatewayServerConfiguration(eventLoopThreads: 2)
        configuration.idleTimeoutSeconds = 600
        let server = try await GatewayServer.start(handler: EchoHandler(), configuration: configuration,
                                                   log: { writer.write($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<connections {
                group.addTask {
                    let client = try await WireClient.connect(port: server.port)
                    var burst = ""
                    for index in 0..<requestsPerConnection { burst += "GET /c\(connection)/r\(index) HTTP/1.1\r\nHost: x\r\n\r\n" }
                    try await client.send(burst)
                    for _ in 0..<requestsPerConnection { #expect(try await client.readResponse().status == 200) }
                }
            }
            try await group.waitForAll()
        }
        await server.shutdown()
        writer.close()

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == connections * requestsPerConnection)
        var next = [Int](repeating: 0, count: connections)
        for line in lines {
            let match = try #require(line.wholeMatch(of: #/GET /c(\d+)/r(\d+) \[ANY /\{proxy\+\}\] -> 200 MOCK integration=default \d+\.\d\dms/#), "\(line)")
            let connection = Int(match.1)!, index = Int(match.2)!
            #expect(index == next[connection], "connection \(connection): line for request \(index) after \(next[connection] - 1)")
            next[connection] = index + 1
        }
        #expect(next == [Int](repeating: requestsPerConnection, count: connections))
    }

    @Test("listening beyond loopback logs a warning")
    func nonLoopbackWarning() async throws {
        let log = LogCollector()
        let server = try await startServer(log: log) { $0.host = "0.0.0.0" }
        await server.shutdown()
        #expect(log.all.count == 1)
        #expect(log.all.first?.contains("reachable from the network") == true)

        let quiet = LogCollector()
        let loopback = try await startServer(log: quiet)
        await loopback.shutdown()
        #expect(quiet.all.isEmpty)
    }
}
