import CurlHTTP
import HTTPMessage
import Testing
import TestSupport

/// Sends `request` and returns the response, recording a test failure on a transport error.
private func expectResponse(_ client: CurlHTTPClient, _ request: HTTPRequest, sourceLocation: SourceLocation = #_sourceLocation) async throws -> HTTPResponse {
    switch await client.send(request) {
    case .success(let response): return response
    case .failure(let error):
        Issue.record("unexpected transport error: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// Sends `request` and returns the transport error, recording a test failure if a response came back.
private func expectTransportError(_ client: CurlHTTPClient, _ request: HTTPRequest, sourceLocation: SourceLocation = #_sourceLocation) async -> TransportError? {
    switch await client.send(request) {
    case .success(let response):
        Issue.record("expected a transport error, got status \(response.status)", sourceLocation: sourceLocation)
        return nil
    case .failure(let error): return error
    }
}

@Suite("Responses are reported exactly")
struct ResponseExactnessTests {
    @Test("header fields keep order, case and duplicates")
    func headersExact() async throws {
        let server = try LoopbackHTTPServer { _ in
            .http(status: 200, headers: HTTPHeaders([
                ("Set-Cookie", "a=1; Path=/"),
                ("X-Custom-Header", "MiXeD Value"),
                ("set-cookie", "b=2"),
                ("x-lower", "  padded  "),
                ("Content-Type", "text/plain"),
            ]), body: Array("ok".utf8))
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/"))
        #expect(response.headers.fields == [
            HTTPHeaderField(name: "Set-Cookie", value: "a=1; Path=/"),
            HTTPHeaderField(name: "X-Custom-Header", value: "MiXeD Value"),
            HTTPHeaderField(name: "set-cookie", value: "b=2"),
            HTTPHeaderField(name: "x-lower", value: "padded"),
            HTTPHeaderField(name: "Content-Type", value: "text/plain"),
            HTTPHeaderField(name: "Content-Length", value: "2"),
        ])
        #expect(response.headers.values(for: "Set-Cookie") == ["a=1; Path=/", "b=2"])
        #expect(response.status == 200)
        #expect(response.httpVersion == "HTTP/1.1")
        #expect(response.reasonPhrase == "OK")
        #expect(response.body == Array("ok".utf8))
    }

    @Test("header bytes that are not UTF-8 are decoded as ISO-8859-1, UTF-8 ones as UTF-8")
    func headerDecoding() async throws {
        let head = Array("HTTP/1.1 200 OK\r\nX-Latin: caf".utf8) + [0xE9] + Array("\r\nX-Utf8: caf".utf8) + [0xC3, 0xA9]
            + Array("\r\nContent-Length: 0\r\n\r\n".utf8)
        let server = try LoopbackHTTPServer { _ in .raw(head) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/"))
        #expect(response.headers["X-Latin"] == "caf\u{E9}")
        #expect(response.headers["X-Utf8"] == "caf\u{E9}")
        #expect(response.nonUTF8HeaderFields == [0], "the Latin-1 line is marked for display as \\xE9")
    }

    @Test("chunked trailers are not response headers; folded header lines are joined with one space")
    func trailersAndFolding() async throws {
        let bytes = Array((
            "HTTP/1.1 200 OK\r\nX-Folded: first\r\n   second\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                + "3\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 99\r\n\r\n"
        ).utf8)
        let server = try LoopbackHTTPServer { _ in .raw(bytes) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/", timeout: .seconds(10)))
        #expect(response.body == Array("abcde".utf8))
        #expect(response.headers.fields == [
            HTTPHeaderField(name: "X-Folded", value: "first second"),
            HTTPHeaderField(name: "Transfer-Encoding", value: "chunked"),
            HTTPHeaderField(name: "Trailer", value: "X-Checksum"),
        ])
    }

    @Test("binary bodies with all 256 byte values arrive exactly, both ways")
    func binaryBody() async throws {
        let allBytes = (0..<4).flatMap { _ in (0...255).map(UInt8.init) }
        let server = try LoopbackHTTPServer { request in
            .http(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body.reversed())
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(
            method: "POST", url: server.baseURL + "/echo", headers: ["Content-Type": "application/octet-stream"], body: allBytes
        ))
        #expect(server.requests.first?.body == allBytes)
        #expect(response.body == allBytes.reversed())
        #expect(response.body.count == 1024)
    }

    @Test("status line: 206 with its reason, and a custom reason phrase")
    func statusLine() async throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/custom"
                ? .http(status: 299, reason: "Quite Fine Indeed", body: [])
                : .http(status: 206, headers: ["Content-Range": "bytes 0-1/10"], body: [1, 2])
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let partial = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/"))
        #expect(partial.status == 206)
        #expect(partial.reasonPhrase == "Partial Content")
        #expect(partial.body == [1, 2])
        let custom = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/custom"))
        #expect(custom.status == 299)
        #expect(custom.reasonPhrase == "Quite Fine Indeed")
    }

    @Test("interim 100 Continue responses are dropped; only the final head is reported")
    func interimResponseDropped() async throws {
        let bytes = Array("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\nHTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 2\r\n\r\nok".utf8)
        let server = try LoopbackHTTPServer { _ in .raw(bytes) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(method: "POST", url: server.baseURL + "/", body: Array("x".utf8)))
        #expect(response.status == 201)
        #expect(response.reasonPhrase == "Created")
        #expect(response.headers.fields == [
            HTTPHeaderField(name: "X-Final", value: "yes"),
            HTTPHeaderField(name: "Content-Length", value: "2"),
        ])
        #expect(response.body == Array("ok".utf8))
    }

    @Test("a gzip Content-Encoding body is left compressed and no Accept-Encoding is sent")
    func gzipLeftCompressed() async throws {
        let gzipped: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48, 0xaf,
            0xca, 0x2c, 0x50, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0x01, 0x00, 0xeb, 0x83, 0x46, 0x82, 0x11, 0x00, 0x00, 0x00,
        ]
        let server = try LoopbackHTTPServer { _ in
            .http(status: 200, headers: ["Content-Encoding": "gzip", "Content-Type": "text/plain"], body: gzipped)
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/", headers: ["Accept-Encoding": "gzip"]))
        #expect(response.body == gzipped)
        #expect(response.headers["Content-Encoding"] == "gzip")
        #expect(response.headers["Content-Length"] == String(gzipped.count))

        let plain = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/"))
        #expect(plain.body == gzipped)
        #expect(server.requests.last?.headers.contains("Accept-Encoding") == false)
    }

    @Test("HEAD reports Content-Length but no body, and the connection stays usable")
    func headRequest() async throws {
        let server = try LoopbackHTTPServer { _ in
            .http(status: 200, headers: ["Content-Length": "1234", "Content-Type": "application/json"], body: [])
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(method: "HEAD", url: server.baseURL + "/thing", timeout: .seconds(10)))
        #expect(response.status == 200)
        #expect(response.headers["Content-Length"] == "1234")
        #expect(response.body.isEmpty)
        #expect(server.requests.first?.method == "HEAD")
        let again = try await expectResponse(client, HTTPRequest(method: "HEAD", url: server.baseURL + "/thing", timeout: .seconds(10)))
        #expect(again.connectionReused == true)
        #expect(server.acceptedConnections == 1)
    }

    @Test("timings are present and ordered")
    func timingsOrdered() async throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200, body: Array(repeating: 7, count: 100_000)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/"))
        let timings = response.timings
        #expect(timings.total > .zero)
        #expect(timings.nameLookup <= timings.connect)
        #expect(timings.connect <= timings.preTransfer)
        #expect(timings.preTransfer <= timings.startTransfer)
        #expect(timings.startTransfer <= timings.total)
        #expect(timings.tlsHandshake == .zero)
        #expect(timings.redirect == .zero)
    }
}

@Suite("Requests go out exactly as given")
struct RequestExactnessTests {
    @Test("method, target, headers and body arrive exactly; no Expect, no form Content-Type")
    func postArrivesExactly() async throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 204) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let body = Array(#"{"name":"gate","n":1}"#.utf8)
        let headers = HTTPHeaders([
            ("X-Dup", "one"), ("x-dup", "two"), ("X-Mixed-CASE", "Value With  Spaces"), ("X-Empty", ""),
        ])
        let target = "/items/a%2Fb?q=hello%20world&multi=1&multi=2&empty=&raw=a+b"
        let response = try await expectResponse(client, HTTPRequest(method: "POST", url: server.baseURL + target, headers: headers, body: body))
        #expect(response.status == 204)
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.target == target)
        #expect(received.httpVersion == "HTTP/1.1")
        #expect(received.body == body)
        #expect(received.headers.values(for: "X-Dup") == ["one", "two"])
        #expect(received.headers.fields.filter { $0.name.lowercased().hasPrefix("x-") } == [
            HTTPHeaderField(name: "X-Dup", value: "one"),
            HTTPHeaderField(name: "x-dup", value: "two"),
            HTTPHeaderField(name: "X-Mixed-CASE", value: "Value With  Spaces"),
            HTTPHeaderField(name: "X-Empty", value: ""),
        ])
        #expect(!received.headers.contains("Expect"))
        #expect(!received.headers.contains("Content-Type"))
        #expect(received.headers["Content-Length"] == String(body.count))
        #expect(received.headers["Host"] == "127.0.0.1:\(server.port)")
        #expect(received.headers["Accept"] == "*/*")
        #expect(!received.headers.contains("User-Agent"))
    }

    @Test("a large body is sent without Expect: 100-continue, and the caller's Content-Type is kept")
    func largeBodyNoExpect() async throws {
        let server = try LoopbackHTTPServer { request in .http(status: 200, body: Array(String(request.body.count).utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let body = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let response = try await expectResponse(client, HTTPRequest(
            method: "PUT", url: server.baseURL + "/upload", headers: ["Content-Type": "application/x-custom"], body: body
        ))
        #expect(response.body == Array(String(body.count).utf8))
        let received = try #require(server.requests.first)
        #expect(received.method == "PUT")
        #expect(received.body == body)
        #expect(!received.headers.contains("Expect"))
        #expect(received.headers.values(for: "Content-Type") == ["application/x-custom"])
    }

    @Test("other methods: custom tokens, bodiless DELETE, POST without a body, caller overrides of Host/Accept/User-Agent")
    func methodsAndOverrides() async throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient(configuration: HTTPClientConfiguration(userAgent: "gatecheck-test/1"))
        defer { client.shutdown() }
        _ = try await expectResponse(client, HTTPRequest(method: "PURGE", url: server.baseURL + "/a"))
        _ = try await expectResponse(client, HTTPRequest(method: "DELETE", url: server.baseURL + "/b", body: []))
        _ = try await expectResponse(client, HTTPRequest(method: "POST", url: server.baseURL + "/c"))
        _ = try await expectResponse(client, HTTPRequest(method: "PATCH", url: server.baseURL + "/d", body: Array("p".utf8)))
        _ = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/e", headers: [
            "Host": "api.example.com", "Accept": "application/json", "User-Agent": "caller/2",
        ]))
        let requests = server.requests
        try #require(requests.count == 5)
        #expect(requests.map(\.method) == ["PURGE", "DELETE", "POST", "PATCH", "GET"])
        #expect(requests[0].body.isEmpty && !requests[0].headers.contains("Content-Length"))
        #expect(requests[1].body.isEmpty && !requests[1].headers.contains("Content-Length"))
        #expect(requests[2].headers["Content-Length"] == "0" && !requests[2].headers.contains("Content-Type"))
        #expect(requests[3].body == Array("p".utf8))
        #expect(requests[0].headers["User-Agent"] == "gatecheck-test/1")
        #expect(requests[4].headers.values(for: "Host") == ["api.example.com"])
        #expect(requests[4].headers.values(for: "Accept") == ["application/json"])
        #expect(requests[4].headers.values(for: "User-Agent") == ["caller/2"])
    }

    @Test("dot segments and encoded characters in the URL are not normalized")
    func urlSentAsGiven() async throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let target = "/a/../b/./c%2e?x=%2F%3f&y=%7Bz%7D"
        _ = try await expectResponse(client, HTTPRequest(url: server.baseURL + target))
        #expect(server.requests.first?.target == target)
    }
}

@Suite("Redirects")
struct RedirectTests {
    private static func makeServer() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            request.path == "/start"
                ? .http(status: 302, headers: ["Location": "/final?from=start", "X-Hop": "1"], body: Array("moved".utf8))
                : .http(status: 200, headers: ["X-Final": "yes"], body: Array("final".utf8))
        }
    }

    @Test("a 302 is not followed by default and its Location is kept")
    func notFollowed() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/start"))
        #expect(response.status == 302)
        #expect(response.reasonPhrase == "Found")
        #expect(response.headers["Location"] == "/final?from=start")
        #expect(response.body == Array("moved".utf8))
        #expect(server.requests.count == 1)
    }

    @Test("followRedirects follows and reports only the final response")
    func followed() async throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/start", followRedirects: true))
        #expect(response.status == 200)
        #expect(response.body == Array("final".utf8))
        #expect(response.headers.fields == [
            HTTPHeaderField(name: "X-Final", value: "yes"),
            HTTPHeaderField(name: "Content-Length", value: "5"),
        ])
        #expect(server.requests.map(\.target) == ["/start", "/final?from=start"])
        #expect(response.timings.redirect > .zero)
    }
}

@Suite("Connections and concurrency")
struct ConnectionTests {
    @Test("sequential requests reuse one TCP connection")
    func connectionReuse() async throws {
        let server = try LoopbackHTTPServer { request in .http(status: 200, body: Array(request.target.utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        var reused: [Bool?] = []
        for index in 0..<8 {
            let response = try await expectResponse(client, HTTPRequest(url: server.baseURL + "/r\(index)"))
            #expect(response.body == Array("/r\(index)".utf8))
            reused.append(response.connectionReused)
        }
        #expect(server.acceptedConnections == 1)
        #expect(Set(server.requests.map(\.connectionID)) == [1])
        #expect(reused == [false] + Array(repeating: true, count: 7))
    }

    @Test("50 concurrent requests from many tasks all get their own answer")
    func concurrentRequests() async throws {
        let server = try LoopbackHTTPServer { request in
            .http(status: 200, headers: ["X-Echo-Target": request.target], body: Array("answer for \(request.target)".utf8))
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let results = await withTaskGroup(of: (Int, Result<HTTPResponse, TransportError>).self) { group in
            for index in 0..<50 {
                group.addTask {
                    (index, await client.send(HTTPRequest(url: server.baseURL + "/item/\(index)", timeout: .seconds(30))))
                }
            }
            var collected: [Int: Result<HTTPResponse, TransportError>] = [:]
            for await (index, result) in group { collected[index] = result }
            return collected
        }
        #expect(results.count == 50)
        for index in 0..<50 {
            guard case .success(let response)? = results[index] else {
                Issue.record("request \(index) failed: \(String(describing: results[index]))")
                continue
            }
            #expect(response.status == 200)
            #expect(response.headers["X-Echo-Target"] == "/item/\(index)")
            #expect(response.body == Array("answer for /item/\(index)".utf8))
        }
        #expect(server.requests.count == 50)
    }

    @Test("maxConnectionsPerHost limits parallel connections; queued requests still complete")
    func connectionLimit() async throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200, body: Array("ok".utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 2))
        defer { client.shutdown() }
        let statuses = await withTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let result = await client.send(HTTPRequest(url: server.baseURL + "/\(index)", timeout: .seconds(30)))
                    return (try? result.get().status) ?? -1
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(server.acceptedConnections <= 2)
    }
}

@Suite("Transport failures")
struct TransportFailureTests {
    @Test("connection refused is CURLE_COULDNT_CONNECT (7) with libcurl's detail")
    func connectionRefused() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let port = LoopbackHTTPServer.closedPort()
        let error = try #require(await expectTransportError(client, HTTPRequest(url: "http://127.0.0.1:\(port)/")))
        #expect(error.code == 7)
        #expect(error.name == "CURLE_COULDNT_CONNECT")
        #expect(error.summary == "Couldn't connect to server")
        #expect(error.detail.contains("127.0.0.1 port \(port)"))
        #expect(error.description == "curl error 7 (CURLE_COULDNT_CONNECT): \(error.detail)")
    }

    @Test("a stalled server times out with CURLE_OPERATION_TIMEDOUT (28) soon after the timeout", .timeLimit(.minutes(1)))
    func timeout() async throws {
        let server = try LoopbackHTTPServer { _ in .stall }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .milliseconds(300))))
        let elapsed = start.duration(to: clock.now)
        #expect(error.code == 28)
        #expect(error.name == "CURLE_OPERATION_TIMEDOUT")
        #expect(error.isTimeout)
        #expect(elapsed >= .milliseconds(290))
        #expect(elapsed < .seconds(60))  // a hang guard: the timeout must end the transfer, not the server
    }

    @Test("a sub-millisecond timeout is still a limit (never 0, which libcurl reads as none)", .timeLimit(.minutes(1)))
    func tinyTimeout() async throws {
        let server = try LoopbackHTTPServer { _ in .stall }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .nanoseconds(1))))
        #expect(error.code == 28)
    }

    @Test("a delayed answer beyond the timeout also times out", .timeLimit(.minutes(1)))
    func delayedBeyondTimeout() async throws {
        let server = try LoopbackHTTPServer { _ in .delayed(.seconds(30), .http(status: 200)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .milliseconds(200))))
        #expect(error.code == 28)
    }

    @Test("a garbage reply is an error (unsupported protocol or weird server reply)")
    func garbageReply() async throws {
        let server = try LoopbackHTTPServer { _ in .raw(Array("this is not HTTP at all\r\n\r\n".utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .seconds(10))))
        #expect([1, 8].contains(error.code), "got \(error)")
    }

    @Test("a malformed status line is CURLE_WEIRD_SERVER_REPLY (8)")
    func malformedStatusLine() async throws {
        let server = try LoopbackHTTPServer { _ in .raw(Array("HTTP/1.1 abc Broken\r\nContent-Length: 0\r\n\r\n".utf8)) }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .seconds(10))))
        #expect([1, 8].contains(error.code), "got \(error)")
    }

    @Test("a reset in the middle of the body is a partial-file or receive error (18/56)")
    func resetMidBody() async throws {
        let server = try LoopbackHTTPServer { _ in
            .resetMidBody(headers: ["Content-Type": "text/plain"], partialBody: Array("only part".utf8), declaredLength: 1000)
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .seconds(10))))
        #expect([18, 56].contains(error.code), "got \(error)")
    }

    @Test("a connection closed without a response is CURLE_GOT_NOTHING (52)")
    func closedWithoutResponse() async throws {
        let server = try LoopbackHTTPServer { _ in .closeWithoutResponse }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: server.baseURL + "/", timeout: .seconds(10))))
        #expect(error.code == 52)
        #expect(error.name == "CURLE_GOT_NOTHING")
    }

    @Test("an unresolvable host is CURLE_COULDNT_RESOLVE_HOST (6)")
    func unresolvableHost() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let error = try #require(await expectTransportError(client, HTTPRequest(url: "http://no-such-host.invalid/", timeout: .seconds(20))))
        #expect(error.code == 6)
        #expect(error.name == "CURLE_COULDNT_RESOLVE_HOST")
    }

    @Test("non-HTTP schemes are refused (CURLE_UNSUPPORTED_PROTOCOL) and a malformed URL is CURLE_URL_MALFORMAT")
    func badURLs() async throws {
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let file = try #require(await expectTransportError(client, HTTPRequest(url: "file:///etc/passwd")))
        #expect(file.code == 1)
        let malformed = try #require(await expectTransportError(client, HTTPRequest(url: "http://[::1/")))
        #expect(malformed.code == 3)
    }

    @Test("resolve overrides send a host name to the loopback server")
    func resolveOverride() async throws {
        let server = try LoopbackHTTPServer { _ in .http(status: 200) }
        defer { server.stop() }
        let client = CurlHTTPClient(configuration: HTTPClientConfiguration(resolve: ["api.gatecheck.test:\(server.port):127.0.0.1"]))
        defer { client.shutdown() }
        let response = try await expectResponse(client, HTTPRequest(url: "http://api.gatecheck.test:\(server.port)/x"))
        #expect(response.status == 200)
        #expect(server.requests.first?.headers["Host"] == "api.gatecheck.test:\(server.port)")
    }

    @Test("error names come from the CURLcode table with a generic fallback")
    func errorNames() {
        let required: [Int: String] = [
            1: "CURLE_UNSUPPORTED_PROTOCOL", 3: "CURLE_URL_MALFORMAT", 5: "CURLE_COULDNT_RESOLVE_PROXY",
            6: "CURLE_COULDNT_RESOLVE_HOST", 7: "CURLE_COULDNT_CONNECT", 8: "CURLE_WEIRD_SERVER_REPLY",
            18: "CURLE_PARTIAL_FILE", 23: "CURLE_WRITE_ERROR", 26: "CURLE_READ_ERROR", 27: "CURLE_OUT_OF_MEMORY",
            28: "CURLE_OPERATION_TIMEDOUT", 35: "CURLE_SSL_CONNECT_ERROR", 47: "CURLE_TOO_MANY_REDIRECTS",
            52: "CURLE_GOT_NOTHING", 55: "CURLE_SEND_ERROR", 56: "CURLE_RECV_ERROR", 58: "CURLE_SSL_CERTPROBLEM",
            60: "CURLE_PEER_FAILED_VERIFICATION", 77: "CURLE_SSL_CACERT_BADFILE", 92: "CURLE_HTTP2_STREAM",
        ]
        for (code, name) in required { #expect(TransportError.name(ofCurlCode: code) == name) }
        #expect(TransportError.name(ofCurlCode: 4242) == "CURLE_UNKNOWN_4242")
        #expect(TransportError(code: 28).summary == "Timeout was reached")
        #expect(TransportError(code: 52).description == "curl error 52 (CURLE_GOT_NOTHING): Server returned nothing (no headers, no data)")
    }
}

@Suite("Client lifecycle")
struct LifecycleTests {
    @Test("shutdown fails running requests and later ones, and is idempotent", .timeLimit(.minutes(1)))
    func shutdownFailsPending() async throws {
        let (arrivals, arrival) = AsyncStream.makeStream(of: Void.self)
        let server = try LoopbackHTTPServer { _ in
            arrival.yield()
            return .stall
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        async let pending = client.send(HTTPRequest(url: server.baseURL + "/stalled"))
        // Shut down only once the request is on the wire, so the running transfer is what gets aborted.
        var waiting = arrivals.makeAsyncIterator()
        _ = await waiting.next()
        client.shutdown()
        client.shutdown()
        guard case .failure(let error) = await pending else {
            Issue.record("a stalled request must not succeed")
            return
        }
        #expect(error.code == 42)
        #expect(error.detail.contains("shut down"))
        guard case .failure(let later) = await client.send(HTTPRequest(url: server.baseURL + "/later")) else {
            Issue.record("send after shutdown must fail")
            return
        }
        #expect(later.code == 42)
        #expect(server.requests.count == 1)
    }

    @Test("cancelling the calling task aborts its transfer", .timeLimit(.minutes(1)))
    func cancellation() async throws {
        let (arrivals, arrival) = AsyncStream.makeStream(of: Void.self)
        let server = try LoopbackHTTPServer { _ in
            arrival.yield()
            return .stall
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        let task = Task { await client.send(HTTPRequest(url: server.baseURL + "/stalled")) }
        var waiting = arrivals.makeAsyncIterator()
        _ = await waiting.next()
        task.cancel()
        guard case .failure(let error) = await task.value else {
            Issue.record("a cancelled request must not succeed")
            return
        }
        #expect(error.code == 42)
        #expect(error.detail.contains("cancelled"))
        // The client keeps working for other requests.
        let other = try LoopbackHTTPServer { _ in .http(status: 200) }
        defer { other.stop() }
        let response = try await expectResponse(client, HTTPRequest(url: other.baseURL + "/"))
        #expect(response.status == 200)
    }
}
