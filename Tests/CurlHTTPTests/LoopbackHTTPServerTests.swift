import HTTPMessage
import Testing
import TestSupport

@Suite("Loopback HTTP server")
struct LoopbackHTTPServerTests {
    @Test("pipelined requests are answered in order on one connection")
    func pipelining() throws {
        let server = try LoopbackHTTPServer { request in .http(status: 200, body: Array("resp \(request.target)".utf8)) }
        defer { server.stop() }
        let connection = try WireConnection(port: server.port)
        _ = connection.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\n\r\n")
        let text = try connection.read(untilOccurrences: 3, of: "HTTP/1.1 200 OK")
        #expect(text == """
            HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nresp /one\
            HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nresp /two\
            HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nresp /three
            """)
        #expect(server.requests.map(\.target) == ["/one", "/two", "/three"])
        #expect(server.requests.map(\.connectionID) == [1, 1, 1])
        #expect(server.acceptedConnections == 1)
    }

    @Test("chunked and Content-Length request bodies are decoded; headers keep case, order and duplicates")
    func requestBodies() throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 204) }
        defer { server.stop() }
        let connection = try WireConnection(port: server.port)
        _ = connection.send(
            "POST /chunked?x=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Dup: a\r\nx-dup:b\r\n\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
                + "PUT /sized HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd"
        )
        let text = String(decoding: try connection.readUntilClosed(), as: UTF8.self)
        #expect(text == "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].method == "POST")
        #expect(requests[0].target == "/chunked?x=1")
        #expect(requests[0].path == "/chunked")
        #expect(requests[0].query == "x=1")
        #expect(requests[0].bodyText == "hello, world")
        #expect(requests[0].headers.fields == [
            HTTPHeaderField(name: "Host", value: "x"),
            HTTPHeaderField(name: "Transfer-Encoding", value: "chunked"),
            HTTPHeaderField(name: "X-Dup", value: "a"),
            HTTPHeaderField(name: "x-dup", value: "b"),
        ])
        #expect(requests[1].method == "PUT")
        #expect(requests[1].body == Array("abcd".utf8))
    }

    @Test("Connection: close in a response closes the connection; headers are written as given")
    func responseConnectionClose() throws {
        let server = try LoopbackHTTPServer { _ in
            .http(status: 200, reason: "Fine", headers: HTTPHeaders([("connection", "close"), ("X-A", "1"), ("x-a", "2")]), body: Array("bye".utf8))
        }
        defer { server.stop() }
        let connection = try WireConnection(port: server.port)
        _ = connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let text = String(decoding: try connection.readUntilClosed(), as: UTF8.self)
        #expect(text == "HTTP/1.1 200 Fine\r\nconnection: close\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\nbye")
    }

    @Test("HEAD responses carry the headers but not the body; Expect: 100-continue gets an interim response")
    func headAndExpect() throws {
        let server = try LoopbackHTTPServer { request in .http(status: 200, body: Array("body of \(request.method)".utf8)) }
        defer { server.stop() }
        let connection = try WireConnection(port: server.port)
        _ = connection.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.read(untilOccurrences: 1, of: "\r\n\r\n") == "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
        _ = connection.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        #expect(try connection.read(untilOccurrences: 1, of: "\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n")
        _ = connection.send("okGET / HTTP/1.0\r\n\r\n")
        let rest = String(decoding: try connection.readUntilClosed(), as: UTF8.self)
        #expect(rest == "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nbody of POSTHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nbody of GET")
        #expect(server.requests.map(\.body) == [[], Array("ok".utf8), []])
        #expect(server.requests.last?.httpVersion == "HTTP/1.0")
    }

    @Test("a malformed request gets 400 and the connection is closed; the handler is not called")
    func malformedRequest() throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200) }
        defer { server.stop() }
        let connection = try WireConnection(port: server.port)
        _ = connection.send("NONSENSE\r\n\r\n")
        let text = String(decoding: try connection.readUntilClosed(), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(server.requests.isEmpty)
    }

    @Test("raw responses are written verbatim and keep the connection open")
    func rawKeepsConnection() throws {
        let server = try LoopbackHTTPServer { request in
            .raw(Array("HTTP/1.1 200 OK\r\nContent-Length: \(request.target.utf8.count)\r\n\r\n\(request.target)".utf8))
        }
        defer { server.stop() }
        let connection = try WireConnection(port: server.port)
        _ = connection.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.read(untilOccurrences: 1, of: "/a") == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n/a")
        _ = connection.send("GET /bb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(String(decoding: try connection.readUntilClosed(), as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n/bb")
        #expect(server.acceptedConnections == 1)
    }

    @Test("stop() ends stalled and delayed connections and refuses new ones", .timeLimit(.minutes(1)))
    func stopEndsEverything() async throws {
        let (arrivals, arrival) = AsyncStream.makeStream(of: Void.self)
        let server = try LoopbackHTTPServer { request in
            arrival.yield()
            return request.path == "/stall" ? .stall : .delayed(.seconds(600), .http(status: 200))
        }
        let stalled = try WireConnection(port: server.port)
        _ = stalled.send("GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")
        let delayed = try WireConnection(port: server.port)
        _ = delayed.send("GET /delayed HTTP/1.1\r\nHost: x\r\n\r\n")
        // Wait until both requests are being handled.
        var waiting = arrivals.makeAsyncIterator()
        _ = await waiting.next()
        _ = await waiting.next()
        let clock = ContinuousClock()
        let start = clock.now
        server.stop()
        server.stop()
        #expect(try stalled.readUntilClosed().isEmpty)
        #expect(try delayed.readUntilClosed().isEmpty)
        // A hang guard (stop() must not wait for stalled connections), not a speed assertion. Whether the
        // port refuses connections afterwards is not checked: a parallel test may already have been given it.
        #expect(start.duration(to: clock.now) < .seconds(60))
    }

    @Test("closedPort() refuses connections, consistently")
    func closedPort() throws {
        let port = LoopbackHTTPServer.closedPort()
        #expect(port > 0)
        #expect(LoopbackHTTPServer.closedPort() == port)
        #expect(throws: WireFailure.self) { try WireConnection(port: port) }
    }

    @Test("each accepted connection gets the next connection ID")
    func connectionIDs() throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200, headers: ["Connection": "close"]) }
        defer { server.stop() }
        for index in 1...3 {
            let connection = try WireConnection(port: server.port)
            _ = connection.send("GET /\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try connection.readUntilClosed()
        }
        #expect(server.requests.map(\.connectionID) == [1, 2, 3])
        #expect(server.acceptedConnections == 3)
    }
}
