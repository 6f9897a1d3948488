import Foundation
import Gateway
import GatewayServer
import JSONCore
import Testing
import TestSupport

/// The REST pipeline behind the real SwiftNIO server, checked on the wire.
@Suite struct RESTServerTests {
    func withServer(lambdas: [String: any LambdaBackend] = [:], hosts: [String: any HTTPBackend] = [:],
                    _ body: (Int) async throws -> Void) async throws {
        let api = try RESTAPILoader.load(path: Fixtures.path("rest-api.yaml"))
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry(lambdas: lambdas, httpHosts: hosts))
        try await withGatewayServer(gateway, body)
    }

    @Test func lambdaErrorMappedTo400OnTheWire() async throws {
        let payload = RESTGatewayTests.errorPayload
        let function = FakeLambda { _ in .functionError(payload: bytes(payload)) }
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
        let function = FakeLambda { invocation in
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
