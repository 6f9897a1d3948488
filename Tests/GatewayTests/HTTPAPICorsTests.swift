import Foundation
import Gateway
import HTTPMessage
import Testing
import TestSupport

/// HTTP API CORS (`x-amazon-apigateway-cors`) through real HTTP/1.1 requests over loopback: the gateway's own
/// preflight answer, its CORS headers on other responses, the integration's CORS headers ignored, and the load-time
/// checks. Rules and sources: docs/emulator.md, "HTTP API CORS".
@Suite struct HTTPAPICorsTests {
    typealias Support = HTTPAPITestSupport

    static let corsBlock = """
    x-amazon-apigateway-cors:
      allowOrigins:
      - "https://app.example.com"
      - "http://*"
      allowMethods: [GET, POST]
      allowHeaders: [content-type, x-api-key]
      exposeHeaders: [x-request-id, date]
      maxAge: 300
      allowCredentials: true

    """

    static func document(cors: String = corsBlock, extraRoutes: [(String, String, String)] = []) -> String {
        Support.document([("get", "/items", Support.lambdaIntegration("items"))] + extraRoutes) + cors
    }

    static let lambdas: [String: any LambdaBackend] = [
        // The integration's own CORS headers, which API Gateway ignores when CORS is configured.
        "items": FakeLambda.returning(#"{"statusCode": 200, "headers": {"access-control-allow-origin": "https://evil.example", "Access-Control-Max-Age": "1", "x-app": "1"}, "body": "ok"}"#),
        "options": FakeLambda.returning(#"{"statusCode": 200, "headers": {"x-from": "integration"}, "body": "integration answered"}"#),
    ]

    func withServer(_ text: String, _ body: (Int) async throws -> Void) async throws {
        let api = try Support.load(text)
        try await withGatewayServer(HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: Self.lambdas)), body)
    }

    func send(_ port: Int, _ method: String, _ target: String, headers: [(String, String)]) async throws -> WireResponse {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return try await WireResponse(rawExchange(port: port, request + "\r\n", reading: .untilContentLength))
    }

    static let preflightHeaders = [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST"),
                                   ("Access-Control-Request-Headers", "content-type")]

    @Test func preflightIsAnsweredByTheGatewayWithoutAnOptionsRoute() async throws {
        try await withServer(Self.document()) { port in
            let response = try await send(port, "OPTIONS", "/items", headers: Self.preflightHeaders)
            #expect(response.status == 204)
            #expect(response.body.isEmpty)
            #expect(response.headerNames == ["date", "access-control-allow-origin", "access-control-allow-credentials",
                                             "access-control-allow-methods", "access-control-allow-headers",
                                             "access-control-max-age", "apigw-requestid"])
            #expect(response.value("access-control-allow-origin") == "https://app.example.com")
            #expect(response.value("access-control-allow-credentials") == "true")
            #expect(response.value("access-control-allow-methods") == "GET,POST")
            #expect(response.value("access-control-allow-headers") == "content-type,x-api-key")
            #expect(response.value("access-control-max-age") == "300")
            // Also on a path no route serves: API Gateway answers every preflight itself.
            let unrouted = try await send(port, "OPTIONS", "/nowhere/at/all", headers: Self.preflightHeaders)
            #expect(unrouted.status == 204)
            #expect(unrouted.value("access-control-allow-origin") == "https://app.example.com")
        }
    }

    @Test func preflightFromADisallowedOriginGetsNoCorsHeaders() async throws {
        try await withServer(Self.document()) { port in
            let response = try await send(port, "OPTIONS", "/items",
                                          headers: [("Origin", "https://other.example.com"), ("Access-Control-Request-Method", "GET")])
            #expect(response.status == 204)
            #expect(response.headerNames == ["date", "apigw-requestid"])
            // The scheme wildcard `http://*` allows any http origin, and answers with the request's origin.
            let http = try await send(port, "OPTIONS", "/items",
                                      headers: [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "GET")])
            #expect(http.value("access-control-allow-origin") == "http://localhost:3000")
        }
    }

    @Test func optionsWithoutRequestMethodIsNotAPreflight() async throws {
        try await withServer(Self.document()) { port in
            let response = try await send(port, "OPTIONS", "/items", headers: [("Origin", "https://app.example.com")])
            #expect(response.status == 404)
            #expect(response.text == #"{"message":"Not Found"}"#)
            #expect(response.value("access-control-allow-origin") == "https://app.example.com")
        }
    }

    @Test func actualRequestsGetTheConfiguredHeadersAndNotTheIntegrations() async throws {
        try await withServer(Self.document()) { port in
            let response = try await send(port, "GET", "/items", headers: [("Origin", "https://app.example.com")])
            #expect(response.status == 200)
            #expect(response.text == "ok")
            #expect(response.headerNames == ["date", "content-type", "content-length", "connection", "x-app",
                                             "access-control-allow-origin", "access-control-allow-credentials",
                                             "access-control-expose-headers", "apigw-requestid"])
            #expect(response.value("access-control-allow-origin") == "https://app.example.com")
            #expect(response.value("access-control-expose-headers") == "x-request-id,date")

            let disallowed = try await send(port, "GET", "/items", headers: [("Origin", "https://evil.example")])
            #expect(disallowed.status == 200)
            #expect(!disallowed.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
            let noOrigin = try await send(port, "GET", "/items", headers: [])
            #expect(!noOrigin.headerNames.contains { $0.lowercased().hasPrefix("access-control-") })
        }
    }

    @Test func wildcardOriginAnswersStar() async throws {
        let cors = """
        x-amazon-apigateway-cors:
          allowOrigins: ["*"]
          allowMethods: ["*"]

        """
        try await withServer(Self.document(cors: cors)) { port in
            let preflight = try await send(port, "OPTIONS", "/items", headers: Self.preflightHeaders)
            #expect(preflight.headerNames == ["date", "access-control-allow-origin", "access-control-allow-methods", "apigw-requestid"])
            #expect(preflight.value("access-control-allow-origin") == "*")
            #expect(preflight.value("access-control-allow-methods") == "*")
            let get = try await send(port, "GET", "/items", headers: [("Origin", "https://anyone.example")])
            #expect(get.value("access-control-allow-origin") == "*")
            #expect(get.value("access-control-allow-credentials") == nil)
        }
    }

    @Test func anOptionsOrAnyRouteOrDefaultRouteTakesThePreflight() async throws {
        let explicit = Self.document(extraRoutes: [("options", "/items", Support.lambdaIntegration("options"))])
        try await withServer(explicit) { port in
            let response = try await send(port, "OPTIONS", "/items", headers: Self.preflightHeaders)
            #expect(response.status == 200)
            #expect(response.text == "integration answered")
            #expect(response.value("x-from") == "integration")
            #expect(response.value("access-control-allow-origin") == "https://app.example.com")
            #expect(response.value("access-control-allow-methods") == nil)
            // Other paths still get the gateway's answer.
            #expect(try await send(port, "OPTIONS", "/other", headers: Self.preflightHeaders).status == 204)
        }
        let catchAll = Self.document(extraRoutes: [("x-amazon-apigateway-any-method", "/$default", Support.lambdaIntegration("options"))])
        try await withServer(catchAll) { port in
            let response = try await send(port, "OPTIONS", "/anything", headers: Self.preflightHeaders)
            #expect(response.status == 200)
            #expect(response.text == "integration answered")
        }
    }

    @Test func corsConfigurationIsCheckedAtLoadTime() throws {
        func errors(_ cors: String) -> [String] {
            Support.loadErrors(Self.document(cors: cors)).map(\.message)
        }
        #expect(errors("""
        x-amazon-apigateway-cors:
          allowOrigins: ["*"]
          allowCredentials: true

        """).contains { $0.contains("allowCredentials: true is not supported with allowOrigins '*'") })
        #expect(errors("""
        x-amazon-apigateway-cors:
          allowOrigins: ["https://a.example"]
          maxAge: 86401

        """) == ["maxAge must be between -1 and 86400 seconds, found 86401"])
        #expect(errors("""
        x-amazon-apigateway-cors:
          allowOrigin: ["https://a.example"]

        """).contains("unknown key 'allowOrigin' in x-amazon-apigateway-cors (did you mean 'allowOrigins'?)"))
        #expect(errors("""
        x-amazon-apigateway-cors:
          allowOrigins: ["https://a.example"]
          allowMethods: [GET, FETCH]

        """) == ["allowMethods entry 'FETCH' is not an HTTP method or '*'"])
    }
}
