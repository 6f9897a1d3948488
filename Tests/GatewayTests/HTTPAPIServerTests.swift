import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The issue's definition of done, end to end: real HTTP/1.1 requests over loopback through `GatewayServer`
/// to an `HTTPAPIGateway`, asserting the status line, every header on the wire, and the exact body bytes.
@Suite struct HTTPAPIServerTests {
    typealias Support = HTTPAPITestSupport

    /// One API with a route per scenario.
    static let document = Support.document([
        ("get", "/v2/object", Support.lambdaIntegration("object")),
        ("get", "/v2/string", Support.lambdaIntegration("string")),
        ("get", "/v2/cookies", Support.lambdaIntegration("cookies")),
        ("get", "/v2/binary", Support.lambdaIntegration("binary")),
        ("post", "/v2/echo/{id}", Support.lambdaIntegration("echo")),
        ("get", "/v1/valid", Support.lambdaIntegration("v1valid", version: "1.0")),
        ("get", "/v1/missing", Support.lambdaIntegration("v1missing", version: "1.0")),
        ("post", "/v1/echo/{id}", Support.lambdaIntegration("v1echo", version: "1.0")),
        ("get", "/mapped", Support.lambdaIntegration("object", extra: """
        responseParameters:
          "200":
            overwrite:statuscode: "206"
            append:header.x-page: "$response.body.message"
            overwrite:header.x-request-id: "$context.requestId"
        """)),
        ("x-amazon-apigateway-any-method", "/$default", Support.lambdaIntegration("string")),
    ])

    static let lambdas: [String: any LambdaBackend] = [
        "object": HTTPAPIClosureLambda.returning(#"{"message": "partial"}"#),
        "string": HTTPAPIClosureLambda.returning(#""plain text""#),
        "cookies": HTTPAPIClosureLambda.returning(#"{"statusCode": 206, "cookies": ["a=1; Secure", "b=2"], "headers": {"content-type": "application/json"}, "body": "[1]"}"#),
        "binary": HTTPAPIClosureLambda.returning(#"{"statusCode": 200, "headers": {"content-type": "application/octet-stream"}, "isBase64Encoded": true, "body": "AAEC/w=="}"#),
        "echo": HTTPAPIClosureLambda { .success(payload: $0.payload) },
        "v1valid": HTTPAPIClosureLambda.returning(#"{"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "multiValueHeaders": {"X-Multi": ["1", "2"]}, "body": "created"}"#),
        "v1missing": HTTPAPIClosureLambda.returning(#"{"body": "no status"}"#),
        "v1echo": HTTPAPIClosureLambda { invocation in
            let body = JSONValue.string(String(decoding: invocation.payload, as: UTF8.self)).serialized(.compact)
            return .success(payload: Array(#"{"statusCode": 200, "headers": {"content-type": "application/json"}, "body": \#(body)}"#.utf8))
        },
    ]

    /// Runs `body` against a server on an ephemeral loopback port.
    func withServer(_ body: (Int) async throws -> Void) async throws {
        let api = try Support.load(Self.document)
        let gateway = HTTPAPIGateway(api: api, stageVariables: ["env": "wire"], backends: BackendRegistry(lambdas: Self.lambdas))
        let server = try await GatewayServer.start(handler: gateway)
        do {
            try await body(server.port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func get(_ port: Int, _ target: String, method: String = "GET", headers: [(String, String)] = [], body: String = "") async throws -> HTTPAPIWireResponse {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: gatecheck-wire/1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { request += "Content-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + body
        return try await HTTPAPIWireResponse(HTTPAPIWire.exchange(port: port, Array(request.utf8)))
    }

    @Test func v2ObjectWithoutStatusCode() async throws {
        try await withServer { port in
            let response = try await get(port, "/v2/object")
            #expect(response.status == 200)
            response.expectHeaders(contentType: "application/json")
            #expect(response.text == #"{"message": "partial"}"#)
        }
    }

    @Test func v2PlainString() async throws {
        try await withServer { port in
            let response = try await get(port, "/v2/string")
            #expect(response.status == 200)
            response.expectHeaders(contentType: "application/json")
            #expect(response.text == "plain text")
        }
    }

    @Test func v2StatusCode206AndCookies() async throws {
        try await withServer { port in
            let response = try await get(port, "/v2/cookies")
            #expect(response.status == 206)
            response.expectHeaders(contentType: "application/json", middle: [("set-cookie", "a=1; Secure"), ("set-cookie", "b=2")])
            #expect(response.text == "[1]")
        }
    }

    @Test func v2IsBase64Encoded() async throws {
        try await withServer { port in
            let response = try await get(port, "/v2/binary")
            #expect(response.status == 200)
            response.expectHeaders(contentType: "application/octet-stream")
            #expect(response.body == [0x00, 0x01, 0x02, 0xff])
        }
    }

    @Test func v1ValidAndMissingStatusCode() async throws {
        try await withServer { port in
            let valid = try await get(port, "/v1/valid")
            #expect(valid.status == 201)
            valid.expectHeaders(contentType: "text/plain", middle: [("X-Multi", "1"), ("X-Multi", "2")])
            #expect(valid.text == "created")

            let missing = try await get(port, "/v1/missing")
            #expect(missing.status == 500)
            missing.expectHeaders(contentType: "application/json")
            #expect(missing.text == #"{"message":"Internal Server Error"}"#)
        }
    }

    @Test func eventsReceivedByAHandler() async throws {
        try await withServer { port in
            let v2 = try Support.json(GatewayResponse(status: 0, body: try await get(port, "/v2/echo/7?a=1&a=2", method: "POST",
                headers: [("Content-Type", "application/json"), ("X-Rep", "x"), ("X-Rep", "y"), ("Cookie", "c1=v1; c2=v2")],
                body: #"{"k":"v"}"#).body))
            #expect(v2["version"] == .string("2.0"))
            #expect(v2["routeKey"] == .string("POST /v2/echo/{id}"))
            #expect(v2["rawPath"] == .string("/v2/echo/7"))
            #expect(v2["rawQueryString"] == .string("a=1&a=2"))
            #expect(v2["cookies"] == .array([.string("c1=v1"), .string("c2=v2")]))
            #expect(v2["headers"]?["x-rep"] == .string("x,y"))
            #expect(v2["headers"]?["host"] == .string("127.0.0.1:\(port)"))
            #expect(v2["headers"]?["content-length"] == .string("9"))
            #expect(v2["headers"]?["x-forwarded-port"] == .string(String(port)))
            #expect(v2["queryStringParameters"] == Support.object([("a", "1,2")]))
            #expect(v2["pathParameters"] == Support.object([("id", "7")]))
            #expect(v2["stageVariables"] == Support.object([("env", "wire")]))
            #expect(v2["body"] == .string(#"{"k":"v"}"#))
            #expect(v2["isBase64Encoded"] == .bool(false))
            #expect(v2["requestContext"]?["http"] == Support.object([
                ("method", "POST"), ("path", "/v2/echo/7"), ("protocol", "HTTP/1.1"), ("sourceIp", "127.0.0.1"), ("userAgent", "gatecheck-wire/1"),
            ]))

            let v1Response = try await get(port, "/v1/echo/8?a=1&a=2", method: "POST", headers: [("X-Rep", "x"), ("X-Rep", "y")])
            #expect(v1Response.status == 200)
            let v1 = try JSONValue.parse(bytes: v1Response.body)
            #expect(v1["version"] == .string("1.0"))
            #expect(v1["resource"] == .string("/v1/echo/{id}"))
            #expect(v1["path"] == .string("/v1/echo/8"))
            #expect(v1["httpMethod"] == .string("POST"))
            #expect(v1["headers"]?["X-Rep"] == .string("y"))
            #expect(v1["multiValueHeaders"]?["X-Rep"] == .array([.string("x"), .string("y")]))
            #expect(v1["queryStringParameters"] == Support.object([("a", "2")]))
            #expect(v1["pathParameters"] == Support.object([("id", "8")]))
            #expect(v1["body"] == .null)
            #expect(v1["requestContext"]?["identity"]?["sourceIp"] == .string("127.0.0.1"))
            #expect(v1["requestContext"]?["stage"] == .string("$default"))
        }
    }

    @Test func overwriteStatusCodeAndHeaderMapping() async throws {
        try await withServer { port in
            let response = try await get(port, "/mapped")
            #expect(response.status == 206)
            let requestID = response.headers.last?.1 ?? "?"
            response.expectHeaders(contentType: "application/json", middle: [("x-page", "partial"), ("x-request-id", requestID)])
            #expect(response.text == #"{"message": "partial"}"#)
        }
    }

    @Test func defaultRouteAndUnknownRoute() async throws {
        try await withServer { port in
            let caught = try await get(port, "/anything/else", method: "DELETE")
            #expect(caught.status == 200)
            #expect(caught.text == "plain text")
        }
        // Without a $default route, an unknown route is 404 Not Found.
        let api = try Support.load(Support.document([("get", "/only", Support.lambdaIntegration("object"))]))
        let server = try await GatewayServer.start(handler: HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: Self.lambdas)))
        let missing = try await get(server.port, "/nope")
        await server.shutdown()
        #expect(missing.status == 404)
        missing.expectHeaders(contentType: "application/json")
        #expect(missing.text == #"{"message":"Not Found"}"#)
    }
}

/// A blocking loopback HTTP/1.1 exchange run on its own thread (blocking I/O must not occupy the concurrency pool).
enum HTTPAPIWire {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func exchange(port: Int, _ bytes: [UInt8]) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
            Thread { continuation.resume(with: Result { try blockingExchange(port: port, bytes) }) }.start()
        }
    }

    /// Sends the request, then reads the head and exactly `content-length` body bytes.
    private static func blockingExchange(port: Int, _ bytes: [UInt8]) throws -> [UInt8] {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
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
        guard connected == 0 else { throw Failure(description: "connect() to 127.0.0.1:\(port) failed") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send() failed") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let (headEnd, length) = HTTPAPIWireResponse.framing(received), received.count >= headEnd + length { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw Failure(description: "recv() failed or timed out") }
            received += buffer[0..<n]
        }
        return received
    }
}

/// A response as read from the wire.
struct HTTPAPIWireResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// (index after the blank line, content-length) once the head is complete.
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
        guard let (bodyStart, length) = Self.framing(bytes) else {
            throw HTTPAPIWire.Failure(description: "incomplete response: \(String(decoding: bytes, as: UTF8.self))")
        }
        let lines = String(decoding: bytes[..<(bodyStart - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else {
            throw HTTPAPIWire.Failure(description: "bad status line '\(lines[0])'")
        }
        self.status = status
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            return (String(line[..<colon]), String(line[colon...].dropFirst().drop { $0 == " " }))
        }
        body = Array(bytes[bodyStart..<min(bytes.count, bodyStart + length)])
    }

    /// The headers on the wire, exactly: `date`, `content-type`, `content-length`, `connection`, `middle`, `apigw-requestid`.
    func expectHeaders(contentType: String?, middle: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        HTTPAPITestSupport.expectHeaders(GatewayResponse(status: status, headers: fields, body: body), contentType: contentType,
                                         middle: middle, sourceLocation: sourceLocation)
    }
}
