import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import Testing
import TestSupport

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
        "object": FakeLambda.returning(#"{"message": "partial"}"#),
        "string": FakeLambda.returning(#""plain text""#),
        "cookies": FakeLambda.returning(#"{"statusCode": 206, "cookies": ["a=1; Secure", "b=2"], "headers": {"content-type": "application/json"}, "body": "[1]"}"#),
        "binary": FakeLambda.returning(#"{"statusCode": 200, "headers": {"content-type": "application/octet-stream"}, "isBase64Encoded": true, "body": "AAEC/w=="}"#),
        "echo": FakeLambda { .success(payload: $0.payload) },
        "v1valid": FakeLambda.returning(#"{"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "multiValueHeaders": {"X-Multi": ["1", "2"]}, "body": "created"}"#),
        "v1missing": FakeLambda.returning(#"{"body": "no status"}"#),
        "v1echo": FakeLambda { invocation in
            let body = JSONValue.string(String(decoding: invocation.payload, as: UTF8.self)).serialized(.compact)
            return .success(payload: Array(#"{"statusCode": 200, "headers": {"content-type": "application/json"}, "body": \#(body)}"#.utf8))
        },
    ]

    /// Runs `body` against a server on an ephemeral loopback port.
    func withServer(_ body: (Int) async throws -> Void) async throws {
        let api = try Support.load(Self.document)
        let gateway = HTTPAPIGateway(api: api, stageVariables: ["env": "wire"], backends: BackendRegistry(lambdas: Self.lambdas))
        try await withGatewayServer(gateway, body)
    }

    func get(_ port: Int, _ target: String, method: String = "GET", headers: [(String, String)] = [], body: String = "") async throws -> WireResponse {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: gatecheck-wire/1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { request += "Content-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + body
        return try await WireResponse(rawExchange(port: port, request, reading: .untilContentLength))
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

extension WireResponse {
    /// The headers on the wire, exactly: `date`, `content-type`, `content-length`, `connection`, `middle`, `apigw-requestid`.
    func expectHeaders(contentType: String?, middle: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        HTTPAPITestSupport.expectHeaders(GatewayResponse(status: status, headers: fields, body: body), contentType: contentType,
                                         middle: middle, sourceLocation: sourceLocation)
    }
}
