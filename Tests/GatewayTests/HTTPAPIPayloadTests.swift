import Foundation
import Gateway
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// Payload format 2.0 and 1.0 output interpretation and the events Lambda receives.
@Suite struct HTTPAPIPayloadTests {
    typealias Support = HTTPAPITestSupport

    /// A gateway with `GET /out` served by `function` under payload `version`.
    func gateway(_ function: FakeLambda, version: String = "2.0", stageVariables: [String: String] = [:]) throws -> HTTPAPIGateway {
        let api = try Support.load(Support.document([("get", "/out", Support.lambdaIntegration("fn", version: version))]))
        return HTTPAPIGateway(api: api, stageVariables: stageVariables, backends: BackendRegistry(lambdas: ["fn": function]))
    }

    // MARK: 2.0 output

    @Test func v2ObjectWithoutStatusCodeIsA200JSONResponseWithTheOutputAsBody() async throws {
        // Python's json.dumps output, spaces included: the body is the function's output as it was serialised.
        let output = #"{"message": "partial", "items": [1, 2]}"#
        let outcome = try await gateway(.returning(output)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 200)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == output)
        #expect(outcome.log.route == "GET /out")
        #expect(outcome.log.integrationType == "AWS_PROXY")
    }

    @Test func v2PlainStringOutputBecomesTheBodyTextWithoutQuotes() async throws {
        // DG http-api-develop-integrations-lambda: output "Hello from Lambda!" -> body Hello from Lambda!
        let outcome = try await gateway(.returning(#""Hello from \"Lambda\"!\n""#)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 200)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == "Hello from \"Lambda\"!\n")
    }

    @Test(arguments: ["[1,2,3]", "42", "true", "null"])
    func v2OtherJSONValuesWithoutStatusCodeAreReturnedVerbatim(output: String) async throws {
        let outcome = try await gateway(.returning(output)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 200)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == output)
    }

    @Test func v2StatusCode206WithCookiesGivesOneSetCookieEach() async throws {
        let output = """
        {"statusCode": 206, "headers": {"Content-Type": "application/json", "X-Page": "1"},
         "cookies": ["session=abc; HttpOnly", "theme=dark; Path=/"], "body": "{\\"page\\":1}"}
        """
        let outcome = try await gateway(.returning(output)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 206)
        Support.expectHeaders(outcome.response, contentType: "application/json",
                              middle: [("X-Page", "1"), ("set-cookie", "session=abc; HttpOnly"), ("set-cookie", "theme=dark; Path=/")])
        #expect(Support.text(outcome.response) == #"{"page":1}"#)
    }

    @Test func v2IsBase64EncodedBodyIsDecoded() async throws {
        let bytes: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10]
        let output = #"{"statusCode": 200, "headers": {"content-type": "image/png"}, "isBase64Encoded": true, "body": "\#(Data(bytes).base64EncodedString())"}"#
        let outcome = try await gateway(.returning(output)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 200)
        Support.expectHeaders(outcome.response, contentType: "image/png")
        #expect(outcome.response.body == bytes)
    }

    @Test func v2InvalidBase64Is500() async throws {
        let output = #"{"statusCode": 200, "isBase64Encoded": true, "body": "not base64!"}"#
        let outcome = try await gateway(.returning(output)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 500)
        #expect(Support.text(outcome.response) == #"{"message":"Internal Server Error"}"#)
        #expect(outcome.log.detail?.contains("base64") == true)
    }

    @Test func v2StructuredWithoutContentTypeAndEmptyBody() async throws {
        let outcome = try await gateway(.returning(#"{"statusCode": 204}"#)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 204)
        Support.expectHeaders(outcome.response, contentType: nil)
        #expect(outcome.response.body.isEmpty)
    }

    @Test func v2StructuredTextWithoutContentTypeGetsTextPlain() async throws {
        let outcome = try await gateway(.returning(#"{"statusCode": "201", "body": "created"}"#)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 201)
        Support.expectHeaders(outcome.response, contentType: "text/plain; charset=utf-8")
        #expect(Support.text(outcome.response) == "created")
    }

    @Test(arguments: [
        "not json at all",
        #"{"statusCode": "abc", "body": "x"}"#,
        #"{"statusCode": 200, "body": {"nested": true}}"#,
        #"{"statusCode": 200, "headers": ["x"]}"#,
        #"{"statusCode": 200, "cookies": "a=b"}"#,
    ])
    func v2MalformedOutputIs500(output: String) async throws {
        let outcome = try await gateway(.returning(output)).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 500)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == #"{"message":"Internal Server Error"}"#)
        #expect(outcome.log.detail?.contains("malformed Lambda output (payload 2.0)") == true)
    }

    @Test func functionErrorIs500WithCapitalS() async throws {
        let failing = FakeLambda { _ in
            .functionError(payload: Array(#"{"errorMessage":"boom","errorType":"Exception","stackTrace":[]}"#.utf8))
        }
        for version in ["1.0", "2.0"] {
            let outcome = try await gateway(failing, version: version).handle(Support.request("GET", "/out"))
            #expect(outcome.response.status == 500)
            Support.expectHeaders(outcome.response, contentType: "application/json")
            #expect(Support.text(outcome.response) == #"{"message":"Internal Server Error"}"#)
            #expect(outcome.log.detail?.contains("boom") == true)
        }
    }

    @Test func invokeFailureAndMissingBackendAre500() async throws {
        let rejected = FakeLambda { _ in .invokeFailed(message: "AccessDeniedException") }
        let outcome = try await gateway(rejected).handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 500)
        #expect(outcome.log.detail?.contains("AccessDeniedException") == true)

        let api = try Support.load(Support.document([("get", "/out", Support.lambdaIntegration("missing"))]))
        let unmapped = await HTTPAPIGateway(api: api, backends: BackendRegistry()).handle(Support.request("GET", "/out"))
        #expect(unmapped.response.status == 500)
        #expect(Support.text(unmapped.response) == #"{"message":"Internal Server Error"}"#)
        #expect(unmapped.log.detail == "no Lambda backend is registered for function 'missing'")
    }

    // MARK: 1.0 output

    @Test func v1ValidOutput() async throws {
        let output = """
        {"isBase64Encoded": false, "statusCode": 201,
         "headers": {"Content-Type": "application/json", "X-Single": "s", "x-both": "b2"},
         "multiValueHeaders": {"X-Both": ["b1", "b2"], "Set-Cookie": ["a=1", "b=2"]},
         "body": "{\\"id\\":7}", "unknownKey": "ignored by HTTP APIs"}
        """
        let outcome = try await gateway(.returning(output), version: "1.0").handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 201)
        // multiValueHeaders first, identical pairs once, casing of the multiValueHeaders key (rule book §10).
        Support.expectHeaders(outcome.response, contentType: "application/json",
                              middle: [("X-Both", "b1"), ("X-Both", "b2"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Single", "s")])
        #expect(Support.text(outcome.response) == #"{"id":7}"#)
    }

    @Test(arguments: [
        #"{"body": "no status code", "headers": {}}"#,
        #""just a string""#,
        #"{"message": "partial"}"#,
        #"{"statusCode": 200, "multiValueHeaders": {"x": "not a list"}}"#,
        "malformed",
    ])
    func v1OutputWithoutStatusCodeOrMalformedIs500(output: String) async throws {
        let outcome = try await gateway(.returning(output), version: "1.0").handle(Support.request("GET", "/out"))
        #expect(outcome.response.status == 500)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == #"{"message":"Internal Server Error"}"#)
        #expect(outcome.log.detail?.hasPrefix("malformed Lambda output (payload 1.0)") == true)
    }

    // MARK: Events

    /// The handler echoes its event (payload 2.0 output without statusCode = the event as the body).
    @Test func v2EventShape() async throws {
        let echo = FakeLambda { .success(payload: $0.payload) }
        let api = try Support.load(Support.document([("post", "/items/{id}", Support.lambdaIntegration("echo"))]))
        let gateway = HTTPAPIGateway(api: api, stageVariables: ["env": "test", "color": "blue"],
                                     backends: BackendRegistry(lambdas: ["echo": echo]))
        let request = Support.request("POST", "/items/a%20b?tag=x&tag=y&q=hello+world&flag", headers: [
            ("Host", "127.0.0.1:8080"), ("User-Agent", "gatecheck-test/1"), ("Content-Type", "application/json"),
            ("X-Multi", "one"), ("x-multi", "two"), ("Cookie", "session=abc; theme=dark"), ("Connection", "keep-alive"),
        ], body: #"{"name":"widget"}"#)
        let outcome = await gateway.handle(request)
        #expect(outcome.response.status == 200)
        let event = try Support.json(outcome.response)

        #expect(event.objectValue.map { Array($0.keys) } == [
            "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
            "requestContext", "body", "pathParameters", "isBase64Encoded", "stageVariables",
        ])
        #expect(event["version"] == .string("2.0"))
        #expect(event["routeKey"] == .string("POST /items/{id}"))
        #expect(event["rawPath"] == .string("/items/a%20b"))
        #expect(event["rawQueryString"] == .string("tag=x&tag=y&q=hello+world&flag"))
        #expect(event["cookies"] == .array([.string("session=abc"), .string("theme=dark")]))
        let headers = try #require(event["headers"]?.objectValue)
        #expect(Array(headers.keys) == ["host", "user-agent", "content-type", "x-multi", "x-amzn-trace-id",
                                        "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"])
        #expect(headers["x-multi"] == .string("one,two"))
        #expect(headers["host"] == .string("127.0.0.1:8080"))
        #expect(headers["x-forwarded-for"] == .string("198.51.100.7"))
        #expect(headers["x-forwarded-port"] == .string("8080"))
        #expect(headers["x-forwarded-proto"] == .string("http"))
        let trace = try #require(headers["x-amzn-trace-id"]?.stringValue)
        #expect(trace.range(of: #"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$"#, options: .regularExpression) != nil)
        #expect(event["queryStringParameters"] == Support.object([("tag", "x,y"), ("q", "hello world"), ("flag", "")]))
        #expect(event["pathParameters"] == Support.object([("id", "a b")]))
        #expect(event["stageVariables"] == Support.object([("color", "blue"), ("env", "test")]))
        #expect(event["body"] == .string(#"{"name":"widget"}"#))
        #expect(event["isBase64Encoded"] == .bool(false))

        let context = try #require(event["requestContext"])
        #expect(context.objectValue.map { Array($0.keys) } == [
            "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time", "timeEpoch",
        ])
        #expect(context["accountId"] == .string("123456789012"))
        #expect(context["apiId"] == .string(api.apiID))
        #expect(context["domainName"] == .string("127.0.0.1:8080"))
        #expect(context["domainPrefix"] == .string("127"))
        #expect(context["http"] == Support.object([("method", "POST"), ("path", "/items/a%20b"), ("protocol", "HTTP/1.1"),
                                                   ("sourceIp", "198.51.100.7"), ("userAgent", "gatecheck-test/1")]))
        #expect(context["requestId"]?.stringValue == outcome.response.headers["apigw-requestid"])
        #expect(context["routeKey"] == .string("POST /items/{id}"))
        #expect(context["stage"] == .string("$default"))
        let time = try #require(context["time"]?.stringValue)
        #expect(time.range(of: #"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression) != nil)
        let epoch = try #require(context["timeEpoch"]?.intValue)
        #expect(abs(Double(epoch) / 1000 - Date().timeIntervalSince1970) < 60)

        let invocations = await echo.recorder.invocations
        #expect(invocations.count == 1)
        #expect(invocations.first?.functionName == "echo")
        #expect(invocations.first?.qualifier == nil)
        #expect(invocations.first?.requestID.count == 36)
    }

    @Test func v2EventOmitsAbsentPartsAndBase64EncodesBinaryBodies() async throws {
        let echo = FakeLambda { .success(payload: $0.payload) }
        let gateway = try gateway(echo)
        let plain = try Support.json(await gateway.handle(Support.request("GET", "/out")).response)
        #expect(plain.objectValue.map { Array($0.keys) } == ["version", "routeKey", "rawPath", "rawQueryString", "headers",
                                                             "requestContext", "isBase64Encoded"])
        #expect(plain["rawQueryString"] == .string(""))

        let api = try Support.load(Support.document([("post", "/out", Support.lambdaIntegration("fn"))]))
        let postGateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: ["fn": echo]))
        let form = try Support.json(await postGateway.handle(Support.request("POST", "/out",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "a=1&b=2")).response)
        #expect(form["body"] == .string(Data("a=1&b=2".utf8).base64EncodedString()))
        #expect(form["isBase64Encoded"] == .bool(true))
    }

    /// The handler echoes its event as the body of a 1.0 response.
    @Test func v1EventShape() async throws {
        let echo = FakeLambda { invocation in
            let body = JSONValue.string(String(decoding: invocation.payload, as: UTF8.self))
            let output = HTTPAPITestSupport.objectValue([("statusCode", .int(200)), ("body", body)])
            return .success(payload: Array(output.serialized(.compact).utf8))
        }
        let api = try Support.load(Support.document([("get", "/items/{id}", Support.lambdaIntegration("echo", version: "1.0"))]))
        let gateway = HTTPAPIGateway(api: api, stage: "prod", backends: BackendRegistry(lambdas: ["echo": echo]))
        let outcome = await gateway.handle(Support.request("GET", "/prod/items/42?a=1&a=2&b=x+y", headers: [
            ("Host", "api.example.com"), ("User-Agent", "ua"), ("X-Dup", "1"), ("x-dup", "2"),
        ]))
        #expect(outcome.response.status == 200)
        Support.expectHeaders(outcome.response, contentType: "text/plain; charset=utf-8")
        let event = try JSONValue.parse(Support.text(outcome.response))

        #expect(event.objectValue.map { Array($0.keys) } == [
            "version", "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
            "multiValueQueryStringParameters", "requestContext", "pathParameters", "stageVariables", "body", "isBase64Encoded",
        ])
        #expect(event["version"] == .string("1.0"))
        #expect(event["resource"] == .string("/items/{id}"))
        #expect(event["path"] == .string("/prod/items/42"))
        #expect(event["httpMethod"] == .string("GET"))
        let headers = try #require(event["headers"]?.objectValue)
        #expect(Array(headers.keys) == ["Host", "User-Agent", "X-Dup", "x-amzn-trace-id", "x-forwarded-for",
                                        "x-forwarded-port", "x-forwarded-proto"])
        #expect(headers["X-Dup"] == .string("2"))
        #expect(event["multiValueHeaders"]?["X-Dup"] == .array([.string("1"), .string("2")]))
        #expect(event["queryStringParameters"] == Support.object([("a", "2"), ("b", "x y")]))
        #expect(event["multiValueQueryStringParameters"] == HTTPAPITestSupport.objectValue([
            ("a", .array([.string("1"), .string("2")])), ("b", .array([.string("x y")])),
        ]))
        #expect(event["pathParameters"] == Support.object([("id", "42")]))
        #expect(event["stageVariables"] == .null)
        #expect(event["body"] == .null)
        #expect(event["isBase64Encoded"] == .bool(false))
        let context = try #require(event["requestContext"])
        #expect(context["stage"] == .string("prod"))
        #expect(context["path"] == .string("/prod/items/42"))
        #expect(context["resourcePath"] == .string("/items/{id}"))
        #expect(context["resourceId"] == .string("GET /items/{id}"))
        #expect(context["httpMethod"] == .string("GET"))
        #expect(context["domainName"] == .string("api.example.com"))
        #expect(context["domainPrefix"] == .string("api"))
        #expect(context["identity"]?["sourceIp"] == .string("198.51.100.7"))
        #expect(context["identity"]?["userAgent"] == .string("ua"))
        #expect(context["identity"]?["caller"] == .null)
        #expect(context["requestId"]?.stringValue == outcome.response.headers["apigw-requestid"])
        #expect(context["extendedRequestId"] == context["requestId"])
        #expect(context["protocol"] == .string("HTTP/1.1"))
    }

    @Test func stageVariablesSelectTheFunctionAndQualifier() async throws {
        let blue = FakeLambda.returning(#""blue""#)
        let api = try Support.load(Support.document([("get", "/out", """
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}:${stageVariables.alias}"

        """)]))
        #expect(api.referencedFunctions.isEmpty)
        let gateway = HTTPAPIGateway(api: api, stageVariables: ["fn": "blue", "alias": "live"],
                                     backends: BackendRegistry(lambdas: ["blue": blue]))
        let outcome = await gateway.handle(Support.request("GET", "/out"))
        #expect(Support.text(outcome.response) == "blue")
        let invocations = await blue.recorder.invocations
        #expect(invocations.first?.qualifier == "live")
    }
}

extension HTTPAPITestSupport {
    static func object(_ pairs: [(String, String)]) -> JSONValue {
        objectValue(pairs.map { ($0.0, JSONValue.string($0.1)) })
    }

    static func objectValue(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(.init(uniqueKeysWithValues: pairs))
    }
}
