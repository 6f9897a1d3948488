import Foundation
import Gateway
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// The REST pipeline called directly: status, every header, exact body bytes.
@Suite struct RESTGatewayTests {
    static let errorPayload = #"{"errorMessage":"Error: Raising 400 from within the Lambda function","errorType":"Exception","stackTrace":["  File \"/var/task/app.py\", line 5, in lambda_handler\n"]}"#

    func gateway(lambdas: [String: any LambdaBackend] = [:], hosts: [String: any HTTPBackend] = [:],
                 stageVariables: [String: String] = [:], file: String = "rest-api.yaml") throws -> RESTGateway {
        let api = try RESTAPILoader.load(path: Fixtures.path(file))
        return RESTGateway(api: api, stage: StageSettings(name: "test", variables: stageVariables),
                           backends: BackendRegistry(lambdas: lambdas, httpHosts: hosts))
    }

    // MARK: Lambda non-proxy (AWS): the seed's errorMessage selection

    @Test func lambdaErrorMatchingPatternMapsTo400() async throws {
        let seen = Recorder<LambdaInvocation>()
        let function = FakeLambda { invocation in
            await seen.record(invocation)
            return .functionError(payload: bytes(Self.errorPayload))
        }
        let outcome = try await gateway(lambdas: ["StatusFunction": function]).handle(
            GatewayRequest(method: "POST", target: "/test/lambda-error", headers: ["Content-Type": "application/json"], body: bytes(#"{"error": "sample 400"}"#)))
        #expect(outcome.response.status == 400)
        #expect(text(outcome.response.body) == Self.errorPayload)
        expectHeaders(outcome.response, trace: .generated)
        #expect(outcome.log.integrationType == "AWS")
        #expect(outcome.log.selectedResponse == ".*400.*")
        #expect(outcome.log.route == "POST /lambda-error")
        let invocation = try #require(await seen.last)
        #expect(text(invocation.payload) == #"{"error": "sample 400"}"#)
        #expect(invocation.functionName == "StatusFunction")
    }

    @Test func lambdaErrorWithoutMatchingPatternIsA200WithTheErrorJSON() async throws {
        let function = FakeLambda { _ in .functionError(payload: bytes(Self.errorPayload)) }
        let outcome = try await gateway(lambdas: ["StatusFunction": function]).handle(
            GatewayRequest(method: "POST", target: "/test/lambda-error-nopattern", body: bytes(#"{"error": "sample 400"}"#)))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == Self.errorPayload)
        expectHeaders(outcome.response, trace: .generated)
        #expect(outcome.log.selectedResponse == "default")
    }

    @Test func lambdaSuccessIsNeverMatchedByAnErrorPattern() async throws {
        // The selection value of a successful invocation is the empty string: `.*400.*` must not match it,
        // even when the output mentions 400.
        let function = FakeLambda { _ in success(#"{"statusCode": 400, "body": "not interpreted"}"#) }
        let outcome = try await gateway(lambdas: ["StatusFunction": function]).handle(
            GatewayRequest(method: "POST", target: "/test/lambda-error"))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == #"{"statusCode": 400, "body": "not interpreted"}"#)
        expectHeaders(outcome.response, trace: .generated)
    }

    @Test func lambdaNonProxyGetsAnEmptyObjectForAnEmptyBody() async throws {
        let seen = Recorder<LambdaInvocation>()
        let function = FakeLambda { invocation in
            await seen.record(invocation)
            return success("\"done\"")
        }
        let outcome = try await gateway(lambdas: ["StatusFunction": function]).handle(GatewayRequest(method: "POST", target: "/test/lambda-error"))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == "\"done\"")
        #expect(text(try #require(await seen.last).payload) == "{}")
    }

    @Test func responseOverrideInTheResponseTemplateGives206WithoutAMethodResponse() async throws {
        let function = FakeLambda { _ in success(#"{"message":"partial"}"#) }
        let outcome = try await gateway(lambdas: ["PartialFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/partial"))
        #expect(outcome.response.status == 206)
        #expect(text(outcome.response.body) == #"{"message":"partial"}"#)
        expectHeaders(outcome.response, trace: .generated)
    }

    // MARK: Method response check

    @Test func statusWithoutMethodResponseIsA500() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/undeclared"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        #expect(outcome.response.body.count == 36)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
        #expect(outcome.log.detail == "Execution failed due to configuration error: Output mapping refers to an invalid method response: 201")
    }

    // MARK: MOCK

    @Test func mockSelectsTheDefaultResponseFor200() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/mock-ok"))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == #"{"mocked":"success"}"#)
        expectHeaders(outcome.response, trace: .none)
        #expect(outcome.log.selectedResponse == "default")
    }

    @Test func mockSelects5xxPatternFor500() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/mock-fail"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"mocked":"failure"}"#)
        expectHeaders(outcome.response, trace: .none)
        #expect(outcome.log.selectedResponse == #"5\d{2}"#)
    }

    @Test func passthroughNeverRejectsAnUnmappedContentTypeWith415() async throws {
        let gateway = try gateway()
        let rejected = await gateway.handle(GatewayRequest(method: "POST", target: "/test/strict", headers: ["Content-Type": "text/plain"], body: bytes("x")))
        #expect(rejected.response.status == 415)
        #expect(text(rejected.response.body) == #"{"message":"Unsupported Media Type"}"#)
        expectHeaders(rejected.response, errorType: "UnsupportedMediaTypeException", trace: .none)
        let accepted = await gateway.handle(GatewayRequest(method: "POST", target: "/test/strict", headers: ["Content-Type": "application/json; charset=utf-8"], body: bytes("{}")))
        #expect(accepted.response.status == 200)
        #expect(accepted.response.body.isEmpty)
        expectHeaders(accepted.response, trace: .none)
    }

    // MARK: HTTP (non-proxy)

    @Test func http2xxMapsTo200WithOnlyMappedHeaders() async throws {
        let seen = Recorder<UpstreamRequest>()
        let upstream = ClosureUpstream { request in
            await seen.record(request)
            return .success(UpstreamResponse(status: 204, headers: ["X-Upstream": "from-backend", "X-Not-Mapped": "dropped", "Content-Type": "text/plain"],
                                             body: bytes("backend body")))
        }
        let gateway = try gateway(hosts: ["upstream.test": upstream])
        let outcome = await gateway.handle(GatewayRequest(method: "GET", target: "/test/http?code=204&other=x", headers: ["X-Client": "not forwarded"]))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == "backend body")
        expectHeaders(outcome.response, mapped: [("X-Backend", "from-backend"), ("x-amzn-Remapped-Server", "gatecheck")], trace: .generated)
        #expect(outcome.log.selectedResponse == #"2\d{2}"#)
        let request = try #require(await seen.last)
        #expect(request.url == "http://upstream.test/status?code=204")
        #expect(request.method == "GET")
        #expect(request.headers.fields.map(\.description) == ["Accept: application/json", "User-Agent: AmazonAPIGateway_\(gateway.api.apiID)",
                                                              "x-amzn-apigateway-api-id: \(gateway.api.apiID)"])
    }

    @Test func http4xxMapsTo400() async throws {
        let upstream = ClosureUpstream { _ in .success(UpstreamResponse(status: 404, headers: ["X-Upstream": "x"], body: bytes(#"{"error":"not here"}"#))) }
        let outcome = try await gateway(hosts: ["upstream.test": upstream]).handle(GatewayRequest(method: "GET", target: "/test/http"))
        #expect(outcome.response.status == 400)
        #expect(text(outcome.response.body) == #"{"error":"not here"}"#)
        expectHeaders(outcome.response, trace: .generated)
    }

    @Test func httpStatusMatchingNoPatternAndNoDefaultIsAConfigurationError() async throws {
        let upstream = ClosureUpstream { _ in .success(UpstreamResponse(status: 503, body: bytes("down"))) }
        let outcome = try await gateway(hosts: ["upstream.test": upstream]).handle(GatewayRequest(method: "GET", target: "/test/http"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
    }

    @Test func unreachableHTTPBackendIsA500() async throws {
        let upstream = ClosureUpstream { _ in .failure(.unreachable("connection refused")) }
        let outcome = try await gateway(hosts: ["upstream.test": upstream]).handle(GatewayRequest(method: "GET", target: "/test/http"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
    }

    // MARK: HTTP_PROXY

    @Test func httpProxyPassesStatusHeadersAndBodyAndRemapsReservedHeaders() async throws {
        let seen = Recorder<UpstreamRequest>()
        let upstream = ClosureUpstream { request in
            await seen.record(request)
            return .success(UpstreamResponse(status: 201, headers: [
                "Content-Type": "text/plain", "Server": "upstream/1.0", "Date": "Mon, 01 Jan 2024 00:00:00 GMT",
                "X-Custom": "kept", "Connection": "close", "x-amzn-RequestId": "backend-id", "Transfer-Encoding": "chunked",
            ], body: bytes("created")))
        }
        let outcome = try await gateway(hosts: ["upstream.test": upstream]).handle(GatewayRequest(
            method: "PUT", target: "/test/things/a%20b/c?x=1&y=two+words",
            headers: ["Host": "127.0.0.1:8080", "X-Client": "yes", "Connection": "keep-alive", "Via": "1.1 proxy", "X-Gateway": "client value"],
            body: bytes("payload")))
        #expect(outcome.response.status == 201)
        #expect(text(outcome.response.body) == "created")
        expectHeaders(outcome.response, contentType: "text/plain", mapped: [
            ("x-amzn-Remapped-Server", "upstream/1.0"), ("x-amzn-Remapped-Date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("X-Custom", "kept"),
            ("x-amzn-Remapped-Connection", "close"), ("x-amzn-Remapped-x-amzn-RequestId", "backend-id"),
        ], trace: .none)
        #expect(outcome.log.route == "ANY /{proxy+}")
        let request = try #require(await seen.last)
        #expect(request.method == "PUT")
        #expect(request.url == "http://upstream.test/things/a%20b/c?x=1&y=two+words")
        #expect(request.headers.fields.map(\.description) == ["X-Client: yes", "X-Gateway: gatecheck"])
        #expect(text(request.body) == "payload")
    }

    // MARK: AWS_PROXY

    @Test func lambdaProxyAnswering206And200() async throws {
        let function = FakeLambda { invocation in
            let event = try? JSONValue.parse(bytes: invocation.payload)
            if case let .object(object)? = event, case let .object(query)? = object["queryStringParameters"], query["page"] == .string("1") {
                return success(#"{"statusCode": 206, "headers": {"Content-Range": "items 0-9/20"}, "body": "{\"items\":[1]}"}"#)
            }
            return success(#"{"statusCode": 200, "body": "{\"items\":[1,2]}"}"#)
        }
        let gateway = try gateway(lambdas: ["ItemsFunction": function])
        let partial = await gateway.handle(GatewayRequest(method: "GET", target: "/test/items?page=1"))
        #expect(partial.response.status == 206)
        #expect(text(partial.response.body) == #"{"items":[1]}"#)
        expectHeaders(partial.response, mapped: [("Content-Range", "items 0-9/20")], trace: .generated)
        #expect(partial.log.integrationType == "AWS_PROXY")
        let full = await gateway.handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(full.response.status == 200)
        #expect(text(full.response.body) == #"{"items":[1,2]}"#)
        expectHeaders(full.response, trace: .generated)
    }

    @Test(arguments: [
        #"{"statusCode": 200, "body": "x", "extra": 1}"#,
        #""just a string""#,
        #"{"statusCode": "test"}"#,
        #"{"multiValueHeaders": {"X-A": "not a list"}}"#,
        "not json at all",
        #"[1, 2]"#,
        #"{"statusCode": 1e300}"#,
        #"{"statusCode": 200.5}"#,
        #"{"statusCode": 700}"#,
        #"{"body": {"not": "a string"}}"#,
    ])
    func malformedProxyOutputIsA502(output: String) async throws {
        let function = FakeLambda { _ in success(output) }
        let outcome = try await gateway(lambdas: ["ItemsFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(outcome.response.status == 502)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
        #expect(outcome.log.detail?.hasPrefix("Execution failed due to configuration error: Malformed Lambda proxy response") == true)
    }

    @Test func functionErrorBehindAProxyIsA502AndRejectedInvokeA500() async throws {
        let failing = FakeLambda { _ in .functionError(payload: bytes(Self.errorPayload)) }
        let outcome = try await gateway(lambdas: ["ItemsFunction": failing]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(outcome.response.status == 502)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        let rejected = FakeLambda { _ in .invokeFailed(message: "AccessDeniedException") }
        let second = try await gateway(lambdas: ["ItemsFunction": rejected]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(second.response.status == 500)
        #expect(text(second.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(second.response, errorType: "InternalServerErrorException", trace: .none)
        let missing = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(missing.response.status == 500)
        #expect(missing.log.detail?.contains("no backend is registered for function 'ItemsFunction'") == true)
    }

    @Test func proxyOutputParsingFollowsAPIGateway() async throws {
        let output = #"{"statusCode": "201", "headers": {"X-One": "a", "x-multi": "single", "Flag": true, "Content-Type": "text/html"}, "multiValueHeaders": {"X-Multi": ["m1", "single"]}, "body": "<p>hi</p>"}"#
        let function = FakeLambda { _ in success(output) }
        let outcome = try await gateway(lambdas: ["ItemsFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(outcome.response.status == 201)
        #expect(text(outcome.response.body) == "<p>hi</p>")
        expectHeaders(outcome.response, contentType: "text/html", mapped: [("X-Multi", "m1"), ("X-Multi", "single"), ("X-One", "a"), ("Flag", "true")],
                      trace: .generated)

        let empty = FakeLambda { _ in success("{}") }
        let emptyOutcome = try await gateway(lambdas: ["ItemsFunction": empty]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(emptyOutcome.response.status == 200)
        #expect(emptyOutcome.response.body.isEmpty)
        expectHeaders(emptyOutcome.response, trace: .generated)
        #expect(emptyOutcome.response.headers["Content-Length"] == "0")
    }

    @Test func noContentResponsesCarryNoBody() async throws {
        let function = FakeLambda { _ in success(#"{"statusCode": 204, "body": "ignored"}"#) }
        let outcome = try await gateway(lambdas: ["ItemsFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        #expect(outcome.response.status == 204)
        #expect(outcome.response.body.isEmpty)
        expectHeaders(outcome.response, trace: .generated)
    }

    @Test func proxyBinaryBodyIsDecodedOnlyWhenTheFirstAcceptedTypeIsBinary() async throws {
        let function = FakeLambda { _ in success(#"{"isBase64Encoded": true, "headers": {"Content-Type": "image/png"}, "body": "iVBORw0KGgo="}"#) }
        let gateway = try gateway(lambdas: ["ItemsFunction": function])
        let decoded = await gateway.handle(GatewayRequest(method: "GET", target: "/test/items", headers: ["Accept": "image/png, */*"]))
        #expect(decoded.response.body == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        expectHeaders(decoded.response, contentType: "image/png", trace: .generated)
        let wildcard = await gateway.handle(GatewayRequest(method: "GET", target: "/test/items", headers: ["Accept": "*/*"]))
        #expect(text(wildcard.response.body) == "iVBORw0KGgo=")
        let broken = FakeLambda { _ in success(#"{"isBase64Encoded": true, "body": "***"}"#) }
        let invalid = try await self.gateway(lambdas: ["ItemsFunction": broken]).handle(
            GatewayRequest(method: "GET", target: "/test/items", headers: ["Accept": "application/octet-stream"]))
        #expect(invalid.response.status == 500)
    }

    @Test func proxyEventIsExact() async throws {
        let seen = Recorder<LambdaInvocation>()
        let function = FakeLambda { invocation in
            await seen.record(invocation)
            return success("{}")
        }
        let gateway = try gateway(lambdas: ["ItemsFunction": function], stageVariables: ["env": "dev"])
        _ = await gateway.handle(GatewayRequest(
            method: "GET", target: "/test//items/42/?a=1&a=2&b=x+y%21",
            headers: HTTPHeaders([("Host", "127.0.0.1:9000"), ("User-Agent", "curl/8"), ("authorization", "Bearer t"), ("X-Dup", "1"),
                                  ("x-dup", "2"), ("Connection", "keep-alive"), ("Via", "1.1 p")]),
            body: bytes("hello"), sourceIP: "10.0.0.7"))
        let invocation = try #require(await seen.last)
        #expect(invocation.functionName == "ItemsFunction")
        #expect(invocation.qualifier == "live")
        guard case let .object(event) = try JSONValue.parse(bytes: invocation.payload), case let .object(context)? = event["requestContext"] else {
            Issue.record("event is not an object")
            return
        }
        guard case let .string(requestID)? = context["requestId"], case let .string(extendedID)? = context["extendedRequestId"],
              case let .string(requestTime)? = context["requestTime"], case let .int(epoch)? = context["requestTimeEpoch"],
              case let .string(resourceID)? = context["resourceId"], case let .string(apiID)? = context["apiId"],
              case let .string(deploymentID)? = context["deploymentId"] else {
            Issue.record("requestContext lacks generated fields: \(context)")
            return
        }
        #expect(matches(requestTime, #"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000"#))
        let expected = #"{"resource":"/items/{id}","path":"/items/42/","httpMethod":"GET","#
            + #""headers":{"Host":"127.0.0.1:9000","User-Agent":"curl/8","Authorization":"Bearer t","X-Dup":"2","Via":"1.1 p"},"#
            + #""multiValueHeaders":{"Host":["127.0.0.1:9000"],"User-Agent":["curl/8"],"Authorization":["Bearer t"],"X-Dup":["1","2"],"Via":["1.1 p"]},"#
            + #""queryStringParameters":{"a":"2","b":"x y!"},"multiValueQueryStringParameters":{"a":["1","2"],"b":["x y!"]},"#
            + #""pathParameters":{"id":"42"},"stageVariables":{"env":"dev"},"#
            + #""requestContext":{"resourceId":"\#(resourceID)","resourcePath":"/items/{id}","httpMethod":"GET","extendedRequestId":"\#(extendedID)","#
            + #""requestTime":"\#(requestTime)","path":"/test//items/42/","accountId":"123456789012","protocol":"HTTP/1.1","stage":"test","#
            + #""domainPrefix":"127","requestTimeEpoch":\#(epoch),"requestId":"\#(requestID)","#
            + #""identity":{"cognitoIdentityPoolId":null,"accountId":null,"cognitoIdentityId":null,"caller":null,"sourceIp":"10.0.0.7","#
            + #""principalOrgId":null,"accessKey":null,"cognitoAuthenticationType":null,"cognitoAuthenticationProvider":null,"userArn":null,"#
            + #""userAgent":"curl/8","user":null},"domainName":"127.0.0.1:9000","deploymentId":"\#(deploymentID)","apiId":"\#(apiID)"},"#
            + #""body":"hello","isBase64Encoded":false}"#
        #expect(text(invocation.payload) == expected)
    }

    @Test func proxyEventWithoutParametersHasNulls() async throws {
        let seen = Recorder<LambdaInvocation>()
        let function = FakeLambda { invocation in
            await seen.record(invocation)
            return success("{}")
        }
        _ = try await gateway(lambdas: ["ItemsFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/items"))
        guard case let .object(event) = try JSONValue.parse(bytes: try #require(await seen.last).payload) else { return }
        for key in ["headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"] {
            #expect(event[key] == .null, "\(key)")
        }
        #expect(event["isBase64Encoded"] == .bool(false))
    }

    @Test func binaryRequestBodyIsBase64EncodedInTheEvent() async throws {
        let seen = Recorder<LambdaInvocation>()
        let function = FakeLambda { invocation in
            await seen.record(invocation)
            return success("{}")
        }
        _ = try await gateway(lambdas: ["ItemsFunction": function]).handle(
            GatewayRequest(method: "GET", target: "/test/items", headers: ["Content-Type": "application/octet-stream"], body: [0, 1, 2, 255]))
        guard case let .object(event) = try JSONValue.parse(bytes: try #require(await seen.last).payload) else { return }
        #expect(event["body"] == .string("AAEC/w=="))
        #expect(event["isBase64Encoded"] == .bool(true))
    }

    @Test func clientTraceHeaderIsKeptOnProxyResponses() async throws {
        let function = FakeLambda { _ in success("{}") }
        let gateway = try gateway(lambdas: ["ItemsFunction": function])
        let both = await gateway.handle(GatewayRequest(method: "GET", target: "/test/items",
                                                       headers: ["X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"]))
        expectHeaders(both.response, trace: .exactly("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"))
        let rootOnly = await gateway.handle(GatewayRequest(method: "GET", target: "/test/items",
                                                           headers: ["X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793"]))
        #expect(matches(rootOnly.response.headers["X-Amzn-Trace-Id"], "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16}"))
    }

    @Test func integrationTimeoutIsA504() async throws {
        let slow = FakeLambda { _ in
            try? await Task.sleep(nanoseconds: 3_600_000_000_000)
            return success("{}")
        }
        let outcome = try await gateway(lambdas: ["SlowFunction": slow]).handle(GatewayRequest(method: "GET", target: "/test/slow"))
        #expect(outcome.response.status == 504)
        #expect(text(outcome.response.body) == #"{"message": "Endpoint request timed out"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
    }

    @Test func timeoutAnswersEvenWhenTheBackendIgnoresCancellation() async throws {
        let gate = Gate()
        let stubborn = FakeLambda { _ in
            await gate.wait()
            return success("{}")
        }
        let outcome = try await gateway(lambdas: ["SlowFunction": stubborn]).handle(GatewayRequest(method: "GET", target: "/test/slow"))
        #expect(outcome.response.status == 504)
        await gate.open()
    }

    @Test func stageVariablesSelectTheFunction() async throws {
        let seen = Recorder<LambdaInvocation>()
        let function = FakeLambda { invocation in
            await seen.record(invocation)
            return success(#"{"body":"staged"}"#)
        }
        let gateway = try gateway(lambdas: ["StagedFunction": function], stageVariables: ["fn": "StagedFunction"])
        #expect(gateway.api.referencedFunctionNames(stageVariables: ["fn": "StagedFunction"]).contains("StagedFunction"))
        let outcome = await gateway.handle(GatewayRequest(method: "GET", target: "/test/staged"))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == "staged")
        #expect(try #require(await seen.last).functionName == "StagedFunction")
    }

    @Test func lambdaIntegrationWithNonPostMethodIsA500() async throws {
        let function = FakeLambda { _ in success("{}") }
        let outcome = try await gateway(lambdas: ["ItemsFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/wrong-method"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
    }

    // MARK: Routing

    @Test func literalBeatsParameterAndGreedy() async throws {
        let function = FakeLambda { invocation in
            guard case let .object(event)? = try? JSONValue.parse(bytes: invocation.payload) else { return success("{}") }
            return success(#"{"body": \#(JSONValue.string((event["resource"] ?? .null).serialized(.compact)).serialized(.compact))}"#)
        }
        let upstream = ClosureUpstream { request in .success(UpstreamResponse(status: 200, body: bytes("proxy:" + request.url))) }
        let gateway = try gateway(lambdas: ["ItemsFunction": function], hosts: ["upstream.test": upstream])
        func body(_ method: String, _ target: String) async -> String {
            text(await gateway.handle(GatewayRequest(method: method, target: target)).response.body)
        }
        #expect(await body("GET", "/test/items/special") == #"{"route":"special"}"#)
        #expect(await body("GET", "/test/items/42") == #""/items/{id}""#)
        #expect(await body("GET", "/test/items") == #""/items""#)
        #expect(await body("GET", "/test/items/42/more") == "proxy:http://upstream.test/items/42/more")
        // The literal resource lacks POST: the sibling greedy resource serves it.
        #expect(await body("POST", "/test/items/special") == "proxy:http://upstream.test/items/special")
        #expect(await body("DELETE", "/test/items") == "proxy:http://upstream.test/items")
        // Doubled slash after the stage routes like a single one.
        #expect(await body("GET", "/test//items") == #""/items""#)
    }

    @Test func exactMethodBeatsAny() async throws {
        let gateway = try gateway()
        #expect(text(await gateway.handle(GatewayRequest(method: "GET", target: "/test/both")).response.body) == #"{"method":"GET"}"#)
        let post = await gateway.handle(GatewayRequest(method: "POST", target: "/test/both"))
        #expect(text(post.response.body) == #"{"method":"ANY"}"#)
        #expect(post.log.route == "ANY /both")
    }

    @Test func mappingARequestHeaderToContentLengthIsA500() async throws {
        let upstream = ClosureUpstream { _ in .success(UpstreamResponse(status: 200)) }
        let outcome = try await gateway(hosts: ["upstream.test": upstream]).handle(GatewayRequest(method: "GET", target: "/test/reserved-mapping"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
    }

    @Test func unknownPathIsMissingAuthenticationToken() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test"))
        #expect(outcome.response.status == 403)
        #expect(text(outcome.response.body) == #"{"message":"Missing Authentication Token"}"#)
        expectHeaders(outcome.response, errorType: "MissingAuthenticationTokenException", trace: .none)
        #expect(outcome.log.route == nil)
    }

    @Test func unknownStageIsForbidden() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/prod/items"))
        #expect(outcome.response.status == 403)
        #expect(text(outcome.response.body) == #"{"message":"Forbidden"}"#)
        expectHeaders(outcome.response, errorType: "ForbiddenException", trace: .none)
    }

    @Test func oversizedBodyRejection() throws {
        let response = try gateway().rejection(.bodyTooLarge)
        #expect(response.status == 413)
        #expect(text(response.body) == #"{"message":"Request Too Long"}"#)
        expectHeaders(response, errorType: "RequestTooLargeException", trace: .none)
    }
}

/// Mapping templates through the VTL engine: request templates, overrides, failures, custom errors.
@Suite struct RESTMappingTemplateTests {
    func gateway(lambdas: [String: any LambdaBackend] = [:], hosts: [String: any HTTPBackend] = [:]) throws -> RESTGateway {
        RESTGateway(api: try RESTAPILoader.load(path: Fixtures.path("rest-api.yaml")), stage: StageSettings(name: "test", variables: ["env": "dev"]),
                    backends: BackendRegistry(lambdas: lambdas, httpHosts: hosts))
    }

    @Test func templateRuntimeErrorIsA500NamingTheTemplate() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/template-failure"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", trace: .none)
        let detail = try #require(outcome.log.detail)
        #expect(detail.hasPrefix("Execution failed due to a mapping template error in GET /template-failure response default application/json at line 1, column "), "\(detail)")
    }

    @Test func httpRequestTemplateParametersAndRequestOverride() async throws {
        let seen = Recorder<UpstreamRequest>()
        let upstream = ClosureUpstream { request in
            await seen.record(request)
            return .success(UpstreamResponse(status: 200, body: bytes("stored")))
        }
        let gateway = try gateway(hosts: ["upstream.test": upstream])
        let outcome = await gateway.handle(GatewayRequest(method: "POST", target: "/test/http-templated/r7", headers: ["Content-Type": "application/json"],
                                                          body: bytes(#"{"name": "x"}"#)))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == "stored")
        let request = try #require(await seen.last)
        #expect(request.method == "PUT")
        #expect(request.url == "http://upstream.test/records/r7?source=gateway")
        #expect(request.headers.fields.map(\.description) == ["Accept: application/json", "User-Agent: AmazonAPIGateway_\(gateway.api.apiID)",
                                                              "x-amzn-apigateway-api-id: \(gateway.api.apiID)", "Content-Type: application/json",
                                                              "X-Stage: dev", "X-Override: from-template"])
        #expect(text(request.body) == #"{"id": "r7", "stage": "test", "payload": {"name":"x"}}"#)
        // WHEN_NO_TEMPLATES with templates defined: an unmatched Content-Type is refused.
        let refused = await gateway.handle(GatewayRequest(method: "POST", target: "/test/http-templated/r7", headers: ["Content-Type": "text/plain"], body: bytes("x")))
        #expect(refused.response.status == 415)
    }

    @Test func customLambdaErrorMapsHeadersFromTheParsedErrorMessage() async throws {
        let payload = #"{"errorMessage":"{\"type\":\"NotFound\",\"detail\":\"no such record\"}","errorType":"Exception","stackTrace":[]}"#
        let function = FakeLambda { _ in .functionError(payload: bytes(payload)) }
        let outcome = try await gateway(lambdas: ["StatusFunction": function]).handle(GatewayRequest(method: "POST", target: "/test/custom-error"))
        #expect(outcome.response.status == 404)
        #expect(text(outcome.response.body) == #"{"missing": "no such record"}"#)
        let requestID = try #require(outcome.response.headers["x-amzn-RequestId"])
        expectHeaders(outcome.response, mapped: [("X-Error-Type", "NotFound"), ("X-Request", requestID)], trace: .generated)
    }

    @Test func convertToBinaryDecodesALambdaBase64String() async throws {
        let function = FakeLambda { _ in success(#""iVBORw0KGgo=""#) }
        let outcome = try await gateway(lambdas: ["ImageFunction": function]).handle(GatewayRequest(method: "GET", target: "/test/image"))
        #expect(outcome.response.status == 200)
        #expect(outcome.response.body == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        expectHeaders(outcome.response, contentType: "image/png", trace: .generated)
    }

    @Test func convertToTextBase64EncodesABinaryRequest() async throws {
        let seen = Recorder<UpstreamRequest>()
        let upstream = ClosureUpstream { request in
            await seen.record(request)
            return .success(UpstreamResponse(status: 200, body: bytes("ok")))
        }
        let outcome = try await gateway(hosts: ["upstream.test": upstream]).handle(
            GatewayRequest(method: "POST", target: "/test/upload", headers: ["Content-Type": "application/octet-stream"], body: [0, 1, 2, 255]))
        #expect(outcome.response.status == 200)
        let request = try #require(await seen.last)
        #expect(text(request.body) == "AAEC/w==")
        #expect(request.headers["Content-Type"] == "application/octet-stream")
    }

    @Test func mockResponseOverrideFromTheRequestTemplate() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/mock-override"))
        #expect(outcome.response.status == 444)
        #expect(outcome.response.body.isEmpty)
        expectHeaders(outcome.response, mapped: [("foo", "bar")], trace: .none)
    }
}
