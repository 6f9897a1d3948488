import Foundation
import Gateway
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// Route selection, stages, 404s, timeouts and rejections.
@Suite struct HTTPAPIRoutingTests {
    typealias Support = HTTPAPITestSupport

    /// A function answering `routeKey|param=value,...` (payload 2.0 plain string output).
    static func routeReporter() -> FakeLambda {
        FakeLambda { invocation in
        guard let event = try? JSONValue.parse(bytes: invocation.payload) else { return .invokeFailed(message: "bad event") }
        let routeKey = event["routeKey"]?.stringValue ?? "?"
        let parameters = event["pathParameters"]?.objectValue?.map { "\($0.key)=\($0.value.stringValue ?? "")" } ?? []
        let text = ([routeKey] + parameters).joined(separator: "|")
        return .success(payload: Array(JSONValue.string(text).serialized(.compact).utf8))
        }
    }

    /// The DG http-api-develop-routes example, plus a `$default` route.
    static let precedenceDocument = Support.document([
        ("get", "/pets/dog/1", Support.lambdaIntegration("routes")),
        ("get", "/pets/dog/{id}", Support.lambdaIntegration("routes")),
        ("get", "/pets/{proxy+}", Support.lambdaIntegration("routes")),
        ("x-amazon-apigateway-any-method", "/{proxy+}", Support.lambdaIntegration("routes")),
        ("x-amazon-apigateway-any-method", "/things", Support.lambdaIntegration("routes")),
        ("delete", "/things", Support.lambdaIntegration("routes")),
        ("get", "/", Support.lambdaIntegration("routes")),
        ("x-amazon-apigateway-any-method", "/$default", Support.lambdaIntegration("routes")),
    ])

    func routed(_ method: String, _ target: String, stage: String = "$default", document: String = precedenceDocument,
                lambda: FakeLambda = routeReporter()) async throws -> GatewayOutcome {
        let api = try Support.load(document)
        let gateway = HTTPAPIGateway(api: api, stage: stage, backends: BackendRegistry(lambdas: ["routes": lambda]))
        return await gateway.handle(Support.request(method, target))
    }

    @Test func theDefaultPathWrittenWithoutASlashAsSAMTemplatesDo() async throws {
        // SAM's `DefinitionBody` examples write the $default route under `$default`, API Gateway's export under `/$default`.
        let document = Support.document([
            ("get", "/pets", Support.lambdaIntegration("routes")),
            ("x-amazon-apigateway-any-method", "$default", Support.lambdaIntegration("routes")),
        ])
        #expect(HTTPAPILoader.detectKind(text: document) == .httpAPI)
        let outcome = try await routed("DELETE", "/anything/else", document: document)
        #expect(outcome.response.status == 200)
        #expect(Support.text(outcome.response) == "$default")
        #expect(try await routed("GET", "/pets", document: document).log.route == "GET /pets")
    }

    @Test(arguments: [
        ("GET", "/pets/dog/1", "GET /pets/dog/1"),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}|id=2"),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}|proxy=cat/1"),
        ("POST", "/pets/cat/1", "ANY /{proxy+}|proxy=pets/cat/1"),
        ("GET", "/pets/dog/1/toys/ball", "GET /pets/{proxy+}|proxy=dog/1/toys/ball"),
        ("GET", "/", "GET /"),
        ("POST", "/", "$default"),
        ("GET", "/things", "ANY /things"),
        ("PATCH", "/things", "ANY /things"),
        ("DELETE", "/things", "DELETE /things"),
        ("PUT", "/things/x", "ANY /{proxy+}|proxy=things/x"),
    ])
    func routePrecedence(method: String, target: String, expected: String) async throws {
        let outcome = try await routed(method, target)
        #expect(outcome.response.status == 200)
        #expect(Support.text(outcome.response) == expected)
        #expect(outcome.log.route == expected.split(separator: "|").first.map(String.init))
    }

    @Test func defaultRouteCatchesEverythingUnmatched() async throws {
        let document = Support.document([
            ("get", "/known", Support.lambdaIntegration("routes")),
            ("x-amazon-apigateway-any-method", "/$default", Support.lambdaIntegration("routes")),
        ])
        let api = try Support.load(document)
        #expect(api.defaultRoute?.routeKey == "$default")
        for (method, target) in [("GET", "/unknown/deep/path?x=1"), ("POST", "/known"), ("OPTIONS", "/")] {
            let outcome = try await routed(method, target, document: document)
            #expect(outcome.response.status == 200)
            #expect(Support.text(outcome.response) == "$default")
        }
        #expect(Support.text(try await routed("GET", "/known", document: document).response) == "GET /known")
    }

    @Test func greedyVariableNeedsAtLeastOneSegment() async throws {
        let document = Support.document([("get", "/files/{path+}", Support.lambdaIntegration("routes"))])
        let deep = try await routed("GET", "/files/a/b/c.txt", document: document)
        #expect(Support.text(deep.response) == "GET /files/{path+}|path=a/b/c.txt")
        let bare = try await routed("GET", "/files", document: document)
        #expect(bare.response.status == 404)
    }

    @Test(arguments: [("GET", "/nope"), ("POST", "/pets/dog/1"), ("GET", "/pets/dog"), ("get", "/pets/dog/1x")])
    func unknownRouteIs404NotFound(method: String, target: String) async throws {
        let document = Support.document([
            ("get", "/pets/dog/1", Support.lambdaIntegration("routes")),
            ("get", "/pets/dog/{id}/toys", Support.lambdaIntegration("routes")),
        ])
        let lambda = Self.routeReporter()
        let outcome = try await routed(method, target, document: document, lambda: lambda)
        #expect(outcome.response.status == 404)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == #"{"message":"Not Found"}"#)
        #expect(outcome.log.route == nil)
        #expect(await lambda.recorder.invocations.isEmpty)
    }

    @Test func namedStageServesUnderItsPrefix() async throws {
        let document = Support.document([
            ("get", "/items", Support.lambdaIntegration("routes")),
            ("get", "/", Support.lambdaIntegration("routes")),
        ])
        #expect(Support.text(try await routed("GET", "/prod/items", stage: "prod", document: document).response) == "GET /items")
        #expect(Support.text(try await routed("GET", "/prod", stage: "prod", document: document).response) == "GET /")
        #expect(Support.text(try await routed("GET", "/prod/", stage: "prod", document: document).response) == "GET /")
        for target in ["/items", "/production/items", "/Prod/items"] {
            let outcome = try await routed("GET", target, stage: "prod", document: document)
            #expect(outcome.response.status == 404)
            #expect(Support.text(outcome.response) == #"{"message":"Not Found"}"#)
        }
        // The $default stage serves at the root: a stage-like first segment is just part of the path.
        #expect(try await routed("GET", "/prod/items", document: document).response.status == 404)
        #expect(Support.text(try await routed("GET", "/items", document: document).response) == "GET /items")
    }

    @Test func namedStageAppearsInTheV2Event() async throws {
        let echo = FakeLambda { .success(payload: $0.payload) }
        let api = try Support.load(Support.document([("get", "/items", Support.lambdaIntegration("echo"))]))
        let gateway = HTTPAPIGateway(api: api, stage: "prod", backends: BackendRegistry(lambdas: ["echo": echo]))
        let event = try Support.json(await gateway.handle(Support.request("GET", "/prod/items")).response)
        #expect(event["rawPath"] == .string("/prod/items"))
        #expect(event["requestContext"]?["stage"] == .string("prod"))
        #expect(event["requestContext"]?["http"]?["path"] == .string("/prod/items"))
    }

    @Test func routeWithoutIntegrationIs404AndAWarning() async throws {
        let document = Support.document([("get", "/bare", "      summary: no integration yet\n")])
        let api = try Support.load(document)
        #expect(api.diagnostics.contains { $0.severity == .warning && $0.message.contains("has no x-amazon-apigateway-integration") })
        let outcome = await HTTPAPIGateway(api: api, backends: BackendRegistry()).handle(Support.request("GET", "/bare"))
        #expect(outcome.response.status == 404)
        #expect(Support.text(outcome.response) == #"{"message":"Not Found"}"#)
        #expect(outcome.log.route == "GET /bare")
    }

    @Test func integrationTimeoutIs503AndCancelsTheBackend() async throws {
        let hanging = HTTPAPIHangingLambda()
        let api = try Support.load(Support.document([("get", "/slow", Support.lambdaIntegration("slow", extra: "timeoutInMillis: 50"))]))
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: ["slow": hanging]))
        let outcome = await gateway.handle(Support.request("GET", "/slow"))
        #expect(outcome.response.status == 503)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == #"{"message":"Service Unavailable"}"#)
        #expect(outcome.log.detail == "function 'slow' did not answer within 50 ms")
        await hanging.probe.waitUntilCancelled()
    }

    @Test func fastBackendWithinTheTimeoutIsNotAffected() async throws {
        // A deadline far above any scheduling delay: this checks the race's correctness, not speed.
        let api = try Support.load(Support.document([("get", "/fast", Support.lambdaIntegration("fast", extra: "timeoutInMillis: 30000"))]))
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: ["fast": FakeLambda.returning(#"{"ok":true}"#)]))
        for _ in 0..<20 {
            let outcome = await gateway.handle(Support.request("GET", "/fast"))
            #expect(outcome.response.status == 200)
            #expect(Support.text(outcome.response) == #"{"ok":true}"#)
        }
    }

    @Test func rejectionsUseHTTPAPIErrorBodies() throws {
        let gateway = HTTPAPIGateway(api: try Support.load(precedenceDocumentWithoutDefault), backends: BackendRegistry())
        let tooLarge = gateway.rejection(.bodyTooLarge)
        #expect(tooLarge.status == 413)
        Support.expectHeaders(tooLarge, contentType: "application/json")
        #expect(Support.text(tooLarge) == #"{"message":"Request Entity Too Large"}"#)
        #expect(gateway.rejection(.headersTooLarge).status == 431)
        #expect(gateway.rejection(.uriTooLong).status == 414)
    }

    let precedenceDocumentWithoutDefault = Support.document([("get", "/x", Support.lambdaIntegration("routes"))])

    // MARK: HTTP proxy

    @Test func httpProxyForwardsAndPassesTheResponseThrough() async throws {
        let upstream = HTTPAPIClosureHTTPBackend { request in
            .success(UpstreamResponse(status: 202, headers: HTTPHeaders([
                ("Content-Type", "text/csv"), ("Connection", "close"), ("Content-Length", "999"), ("X-Upstream", "yes"),
            ]), body: Array("a,b\n".utf8)))
        }
        let document = Support.document([("x-amazon-apigateway-any-method", "/api/{proxy+}", """
              x-amazon-apigateway-integration:
                type: http_proxy
                payloadFormatVersion: "1.0"
                httpMethod: ANY
                uri: "https://backend.example.com:8443/v1/{proxy}"
                requestParameters:
                  overwrite:header.x-tenant: "$request.header.x-client"

        """)])
        let api = try Support.load(document)
        #expect(api.referencedHosts == ["backend.example.com:8443"])
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(httpHosts: ["backend.example.com:8443": upstream]))
        let outcome = await gateway.handle(Support.request("PUT", "/api/users/7?verbose=1", headers: [
            ("Host", "gw.local"), ("X-Client", "acme"), ("Connection", "keep-alive"),
        ], body: "payload"))
        #expect(outcome.response.status == 202)
        Support.expectHeaders(outcome.response, contentType: "text/csv", middle: [("X-Upstream", "yes")])
        #expect(Support.text(outcome.response) == "a,b\n")
        #expect(outcome.log.integrationType == "HTTP_PROXY")

        let sent = try #require(await upstream.recorder.requests.first)
        #expect(sent.method == "PUT")
        #expect(sent.url == "https://backend.example.com:8443/v1/users/7?verbose=1")
        #expect(sent.body == Array("payload".utf8))
        #expect(sent.headers["x-client"] == "acme")
        #expect(sent.headers["x-tenant"] == "acme")
        #expect(sent.headers["host"] == nil)
        #expect(sent.headers["connection"] == nil)
        #expect(sent.headers["x-forwarded-for"] == "198.51.100.7")
        #expect(sent.timeoutMilliseconds == 30_000)
    }

    @Test func httpProxyDefaultRouteStageVariableHostAndPathOverwrite() async throws {
        let upstream = HTTPAPIClosureHTTPBackend { _ in .success(UpstreamResponse(status: 200)) }
        let document = Support.document([
            ("post", "/legacy/{id}", """
              x-amazon-apigateway-integration:
                type: http_proxy
                payloadFormatVersion: "1.0"
                httpMethod: PUT
                uri: "http://${stageVariables.host}/base/{id}"
                requestParameters:
                  overwrite:path: "/v2/things/$request.path.id"

        """),
            ("x-amazon-apigateway-any-method", "/$default", """
              x-amazon-apigateway-integration:
                type: http_proxy
                payloadFormatVersion: "1.0"
                httpMethod: ANY
                uri: "http://${stageVariables.host}/root/"

        """),
        ])
        let api = try Support.load(document)
        #expect(api.referencedHosts.isEmpty)
        let gateway = HTTPAPIGateway(api: api, stage: "dev", stageVariables: ["host": "svc.internal:9000"],
                                     backends: BackendRegistry(httpHosts: ["svc.internal:9000": upstream]))
        let fallback = await gateway.handle(Support.request("GET", "/dev/a/b?x=1"))
        #expect(fallback.response.status == 200)
        Support.expectHeaders(fallback.response, contentType: nil)
        let overwritten = await gateway.handle(Support.request("POST", "/dev/legacy/5"))
        #expect(overwritten.response.status == 200)
        let sent = await upstream.recorder.requests
        #expect(sent.map(\.url) == ["http://svc.internal:9000/root/a/b?x=1", "http://svc.internal:9000/v2/things/5"])
        #expect(sent.map(\.method) == ["GET", "PUT"])
    }

    @Test func httpProxyTimeoutIs503AndUnreachableIs500() async throws {
        let document = Support.document([("get", "/up", """
              x-amazon-apigateway-integration:
                type: http_proxy
                payloadFormatVersion: "1.0"
                uri: "http://upstream.test/up"

        """)])
        let api = try Support.load(document)
        let timingOut = HTTPAPIClosureHTTPBackend { _ in .failure(.timedOut) }
        let timeout = await HTTPAPIGateway(api: api, backends: BackendRegistry(httpHosts: ["upstream.test": timingOut]))
            .handle(Support.request("GET", "/up"))
        #expect(timeout.response.status == 503)
        #expect(Support.text(timeout.response) == #"{"message":"Service Unavailable"}"#)

        let refusing = HTTPAPIClosureHTTPBackend { _ in .failure(.unreachable("connection refused")) }
        let unreachable = await HTTPAPIGateway(api: api, backends: BackendRegistry(httpHosts: ["upstream.test": refusing]))
            .handle(Support.request("GET", "/up"))
        #expect(unreachable.response.status == 500)
        #expect(Support.text(unreachable.response) == #"{"message":"Internal Server Error"}"#)
        #expect(unreachable.log.detail?.contains("connection refused") == true)
    }
}
