import Foundation
import Gateway
import GatewayServer
import JSONCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw HTTP/1.1 exchange over a real loopback socket, done on its own thread (blocking I/O must not occupy the
/// Swift concurrency pool the server's handler runs on). Sends `request` and reads until the server closes.
func rawExchange(port: Int, _ request: String, body: [UInt8] = []) async throws -> [UInt8] {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
        let thread = Thread {
            continuation.resume(with: Result { try blockingExchange(port: port, Array(request.utf8) + body) })
        }
        thread.start()
    }
}

struct SocketError: Error, CustomStringConvertible {
    var description: String
}

private func blockingExchange(port: Int, _ bytes: [UInt8]) throws -> [UInt8] {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw SocketError(description: "socket() failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw SocketError(description: "connect() to 127.0.0.1:\(port) failed") }
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw SocketError(description: "send() failed") }
        sent += n
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { break }
        guard n > 0 else { throw SocketError(description: "recv() failed or timed out") }
        received += buffer[0..<n]
    }
    return received
}

/// A response as read from the wire: status line, header lines in order, body bytes.
struct WireResponse {
    var statusLine: String
    var headers: [(String, String)]
    var body: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw SocketError(description: "no end of headers in \(String(decoding: bytes, as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        statusLine = lines[0]
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...].dropFirst()))
        }
        body = Array(bytes[(end + 4)...])
    }

    var headerNames: [String] { headers.map(\.0) }
    func value(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// The REST pipeline behind the real SwiftNIO server, checked on the wire.
@Suite struct RESTServerTests {
    func withServer(lambdas: [String: any LambdaBackend] = [:], hosts: [String: any HTTPBackend] = [:],
                    _ body: (Int) async throws -> Void) async throws {
        let api = try RESTAPILoader.load(path: Fixtures.path("rest-api.yaml"))
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry(lambdas: lambdas, httpHosts: hosts))
        let server = try await GatewayServer.start(handler: gateway)
        do {
            try await body(server.port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func lambdaErrorMappedTo400OnTheWire() async throws {
        let payload = RESTGatewayTests.errorPayload
        let function = ClosureLambda { _ in .functionError(payload: bytes(payload)) }
        try await withServer(lambdas: ["StatusFunction": function]) { port in
            let requestBody = bytes(#"{"error":"sample 400"}"#)
            let raw = try await rawExchange(port: port, "POST /test/lambda-error HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: \(requestBody.count)\r\nConnection: close\r\n\r\n", body: requestBody)
            let response = try WireResponse(raw)
            #expect(response.statusLine == "HTTP/1.1 400 Bad Request")
            #expect(response.headerNames == ["Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId", "x-amz-apigw-id", "X-Amzn-Trace-Id"])
            #expect(response.value("Content-Type") == "application/json")
            #expect(response.value("Content-Length") == String(payload.utf8.count))
            #expect(response.value("Connection") == "close")
            #expect(text(response.body) == payload)
        }
    }

    @Test func missingAuthenticationTokenOnTheWire() async throws {
        try await withServer { port in
            let raw = try await rawExchange(port: port, "GET /test HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let response = try WireResponse(raw)
            #expect(response.statusLine == "HTTP/1.1 403 Forbidden")
            #expect(response.headerNames == ["Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId", "x-amzn-ErrorType", "x-amz-apigw-id"])
            #expect(response.value("x-amzn-ErrorType") == "MissingAuthenticationTokenException")
            #expect(response.value("Content-Length") == "42")
            #expect(text(response.body) == #"{"message":"Missing Authentication Token"}"#)
        }
    }

    @Test func lambdaProxy206AndMalformed502OnTheWire() async throws {
        let function = ClosureLambda { invocation in
            guard case let .object(event)? = try? JSONValue.parse(bytes: invocation.payload),
                  case let .object(query)? = event["queryStringParameters"] else {
                return success(#"{"statusCode": 200, "body": "all"}"#)
            }
            if query["bad"] != nil { return success(#"{"statusCode": 200, "body": "x", "unexpected": true}"#) }
            return success(#"{"statusCode": 206, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "part"}"#)
        }
        try await withServer(lambdas: ["ItemsFunction": function]) { port in
            let partial = try WireResponse(try await rawExchange(port: port, "GET /test/items?page=2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
            #expect(partial.statusLine == "HTTP/1.1 206 Partial Content")
            #expect(partial.headerNames == ["Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId", "Set-Cookie", "Set-Cookie",
                                            "x-amz-apigw-id", "X-Amzn-Trace-Id"])
            #expect(partial.headers.filter { $0.0 == "Set-Cookie" }.map(\.1) == ["a=1", "b=2"])
            #expect(text(partial.body) == "part")
            let full = try WireResponse(try await rawExchange(port: port, "GET /test/items HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
            #expect(full.statusLine == "HTTP/1.1 200 OK")
            #expect(text(full.body) == "all")
            let malformed = try WireResponse(try await rawExchange(port: port, "GET /test/items?bad=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
            #expect(malformed.statusLine == "HTTP/1.1 502 Bad Gateway")
            #expect(malformed.value("x-amzn-ErrorType") == "InternalServerErrorException")
            #expect(text(malformed.body) == #"{"message": "Internal server error"}"#)
        }
    }

    @Test func httpMappingsAndUndeclaredMethodResponseOnTheWire() async throws {
        let upstream = ClosureUpstream { request in
            .success(UpstreamResponse(status: request.url.hasSuffix("code=404") ? 404 : 201, headers: ["X-Upstream": "u"], body: bytes("up")))
        }
        try await withServer(hosts: ["upstream.test": upstream]) { port in
            let ok = try WireResponse(try await rawExchange(port: port, "GET /test/http?code=201 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
            #expect(ok.statusLine == "HTTP/1.1 200 OK")
            #expect(ok.headerNames == ["Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId", "X-Backend",
                                       "x-amzn-Remapped-Server", "x-amz-apigw-id", "X-Amzn-Trace-Id"])
            #expect(text(ok.body) == "up")
            let bad = try WireResponse(try await rawExchange(port: port, "GET /test/http?code=404 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
            #expect(bad.statusLine == "HTTP/1.1 400 Bad Request")
            #expect(text(bad.body) == "up")
            let undeclared = try WireResponse(try await rawExchange(port: port, "GET /test/undeclared HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"))
            #expect(undeclared.statusLine == "HTTP/1.1 500 Internal Server Error")
            #expect(undeclared.value("Content-Length") == "36")
            #expect(text(undeclared.body) == #"{"message": "Internal server error"}"#)
        }
    }
}
