import Backends
import Foundation
import Gateway
import JSONCore
import Testing

/// The shipped `fixtures/outcome/outcome.py`, run through the real Python worker with each outcome and each
/// event shape (REST proxy / HTTP API 1.0, HTTP API 2.0, non-proxy mapped event).
@Suite("Outcome fixture")
struct OutcomeFixtureTests {
    static let yaml = """
    lambdas:
      OutcomeFunction:
        python: outcome.py:handler
        timeout: 1s
    """

    static func restProxyEvent(query: [String: String]?, body: String? = nil) -> String {
        let queryJSON = query.map { JSONValue.object(.init(uniqueKeysWithValues: $0.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })) } ?? .null
        let event: JSONValue = .object([
            "resource": .string("/items"), "path": .string("/items"), "httpMethod": .string("GET"),
            "headers": .object(["Accept": .string("application/json")]),
            "multiValueHeaders": .object(["Accept": .array([.string("application/json")])]),
            "queryStringParameters": queryJSON, "multiValueQueryStringParameters": .null,
            "pathParameters": .null, "stageVariables": .null,
            "requestContext": .object(["resourcePath": .string("/items"), "stage": .string("test"), "path": .string("/test/items")]),
            "body": body.map(JSONValue.string) ?? .null, "isBase64Encoded": .bool(false),
        ])
        return event.serialized(.compact)
    }

    static func httpV2Event(query: [String: String]?) -> String {
        var event: [(String, JSONValue)] = [
            ("version", .string("2.0")), ("routeKey", .string("GET /items")), ("rawPath", .string("/items")),
            ("rawQueryString", .string((query ?? [:]).map { "\($0.key)=\($0.value)" }.joined(separator: "&"))),
            ("headers", .object(["accept": .string("application/json")])),
            ("requestContext", .object(["http": .object(["method": .string("GET"), "path": .string("/items")])])),
            ("isBase64Encoded", .bool(false)),
        ]
        if let query { event.append(("queryStringParameters", .object(.init(uniqueKeysWithValues: query.map { ($0.key, JSONValue.string($0.value)) })))) }
        return JSONValue.object(.init(uniqueKeysWithValues: event)).serialized(.compact)
    }

    func run(_ event: String, requestID: String = "fixture-req") async throws -> LambdaResult {
        try await withBackends(Self.yaml, baseDirectory: Paths.outcomeFixture) { registry, _ in
            try await invoke(registry, "OutcomeFunction", event, requestID: requestID)
        }
    }

    /// The parsed `body` of a proxy answer.
    func proxyBody(_ result: LambdaResult) throws -> JSONValue {
        let text = try #require(result.successJSON?["body"]?.stringValue)
        return try JSONValue.parse(text)
    }

    @Test func completeAndPartialPagingThroughAProxyIntegration() async throws {
        let complete = try await run(Self.restProxyEvent(query: ["outcome": "complete"]))
        #expect(complete.successJSON?["statusCode"] == .int(200))
        #expect(try proxyBody(complete) == .object(["items": .array((1 ... 5).map { .int($0) })]))

        let first = try await run(Self.restProxyEvent(query: ["outcome": "partial"]))
        #expect(first.successJSON?["statusCode"] == .int(206))
        #expect(try proxyBody(first) == .object(["items": .array([.int(1), .int(2)]), "next": .int(2)]))
        let last = try await run(Self.restProxyEvent(query: ["outcome": "partial", "cursor": "4"]))
        #expect(last.successJSON?["statusCode"] == .int(200))
        #expect(try proxyBody(last) == .object(["items": .array([.int(5)])]))
    }

    @Test func nonProxyEventsAnswerWithTheDataItself() async throws {
        let page = try await run(#"{"outcome": "partial", "cursor": 2, "limit": 2}"#)
        #expect(page.successText == #"{"items": [3, 4], "next": 4}"#)
        let complete = try await run(#"{}"#)
        #expect(complete.successText == #"{"items": [1, 2, 3, 4, 5]}"#)
    }

    @Test func errorsRaiseWithTheRequestedMessage() async throws {
        let error = try await run(#"{"outcome": "error:Invalid request: missing id"}"#, requestID: "e-1")
        let json = try #require(error.errorJSON)
        #expect(json["errorMessage"] == .string("Invalid request: missing id"))
        #expect(json["errorType"] == .string("Exception"))
        #expect(json["requestId"] == .string("e-1"))
        #expect(json["stackTrace"]?.arrayValue?.first?.stringValue?.contains("outcome.py") == true)

        // The Knowledge Center example raises Exception(dict): the errorMessage is the dict's str().
        let sample = try await run(#"{"error": "sample 400"}"#)
        #expect(sample.errorJSON?["errorMessage"] == .string("{'errorMessage': 'Error: Raising 400 from within the Lambda function', 'errorType': 'Exception'}"))
        let sample500 = try await run(Self.restProxyEvent(query: ["outcome": "sample 500"]))
        #expect(sample500.errorJSON?["errorMessage"]?.stringValue?.contains("Raising 500") == true)
    }

    @Test func malformedVariants() async throws {
        let extra = try await run(Self.restProxyEvent(query: ["outcome": "malformed"]))
        #expect(extra.successJSON?["unexpected"] == .bool(true))
        let string = try await run(Self.restProxyEvent(query: ["outcome": "malformed:string"]))
        #expect(string.successText == #""not a proxy response object""#)
        let badStatus = try await run(Self.restProxyEvent(query: ["outcome": "malformed:badstatus"]))
        #expect(badStatus.successJSON?["statusCode"] == .string("test"))
    }

    @Test func sleepPastTheTimeoutTimesOut() async throws {
        let slept = try await run(#"{"outcome": "sleep:10"}"#)
        #expect(slept.successText == #"{"items": [1, 2, 3, 4, 5]}"#)
        let timedOut = try await run(#"{"outcome": "sleep:5000"}"#, requestID: "s-1")
        #expect(timedOut.errorText == #"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: s-1 Error: Task timed out after 1.00 seconds"}"#)
    }

    @Test func echoReturnsTheProxyEventAsReceived() async throws {
        let event = Self.restProxyEvent(query: ["outcome": "echo", "q": "a b"], body: #"{"x":1}"#)
        let echoed = try await run(event)
        #expect(echoed.successJSON?["statusCode"] == .int(200))
        #expect(try proxyBody(echoed) == (try JSONValue.parse(event)))

        let v2 = Self.httpV2Event(query: ["outcome": "echo"])
        let echoedV2 = try await run(v2)
        #expect(try proxyBody(echoedV2) == (try JSONValue.parse(v2)))

        let mapped = #"{"outcome": "echo", "id": "42", "nested": {"a": [1, 2]}}"#
        let mappedEcho = try await run(mapped)
        #expect(mappedEcho.successJSON == (try JSONValue.parse(mapped)))
    }

    @Test func outcomeInTheJSONBodyOfAProxyEvent() async throws {
        let result = try await run(Self.restProxyEvent(query: nil, body: #"{"outcome": "status:418"}"#))
        #expect(result.successJSON?["statusCode"] == .int(418))
    }

    @Test func binaryCookiesNoStatusAndText() async throws {
        let binaryResult = try await run(Self.restProxyEvent(query: ["outcome": "binary"]))
        let binary = try #require(binaryResult.successJSON)
        #expect(binary["isBase64Encoded"] == .bool(true))
        #expect(binary["body"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { Array($0) } == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])

        let v2CookiesResult = try await run(Self.httpV2Event(query: ["outcome": "cookies"]))
        let v2Cookies = try #require(v2CookiesResult.successJSON)
        #expect(v2Cookies["cookies"]?.arrayValue?.count == 2)
        let v1CookiesResult = try await run(Self.restProxyEvent(query: ["outcome": "cookies"]))
        let v1Cookies = try #require(v1CookiesResult.successJSON)
        #expect(v1Cookies["multiValueHeaders"]?["Set-Cookie"]?.arrayValue?.count == 2)

        let noStatusResult = try await run(Self.httpV2Event(query: ["outcome": "nostatus"]))
        let noStatus = try #require(noStatusResult.successJSON)
        #expect(noStatus["statusCode"] == nil)
        let textResult = try await run(Self.httpV2Event(query: ["outcome": "text"]))
        #expect(textResult.successText == #""plain text from the outcome fixture""#)
    }

    @Test func proxyResponseFormatOutcomes() async throws {
        func answer(_ outcome: String) async throws -> JSONValue? {
            try await run(Self.restProxyEvent(query: ["outcome": outcome])).successJSON
        }
        #expect(try await answer("bodyonly") == .object(["body": .string(#"{"items": [1, 2, 3, 4, 5]}"#)]))
        #expect(try await answer("stringstatus")?["statusCode"] == .string("201"))
        #expect(try await answer("empty") == .object([:]))
        #expect(try await answer("nobody") == .object(["statusCode": .int(200)]))
        #expect(try await answer("nullheaders")?["headers"] == .null)
        let headers = try await answer("headers")
        #expect(headers?["headers"]?["X-Flag"] == .bool(true))
        #expect(headers?["multiValueHeaders"]?["x-both"] == .array([.string("multi-1"), .string("multi-2")]))
        #expect(try await answer("malformed:multivalue")?["multiValueHeaders"]?["X-Values"] == .string("not-a-list"))
    }

    @Test func pagingThroughAnErrorForSelectionPatterns() async throws {
        // What the /selection/items request template sends: empty strings for absent parameters.
        let more = try await run(#"{"outcome": "partial", "limit": "", "cursor": "", "partialAsError": true}"#)
        #expect(more.errorJSON?["errorMessage"] == .string(#"PARTIAL:{"items": [1, 2], "next": 2}"#))
        let last = try await run(#"{"outcome": "partial", "limit": "", "cursor": "4", "partialAsError": true}"#)
        #expect(last.successText == #"{"items": [5]}"#)
    }

    @Test func theSeedsHandlerForOtherErrorValues() async throws {
        let reminder = try await run(#"{"error": "sample 404"}"#)
        #expect(reminder.successText == #""Error Value in the json request should either be 400 or 500 to demonstrate""#)
        let none = try await run(#"{"error": ""}"#)
        #expect(none.successText == #"{"items": [1, 2, 3, 4, 5]}"#)
    }

    @Test func unknownOutcomeIsAnError() async throws {
        let result = try await run(#"{"outcome": "bogus"}"#)
        #expect(result.errorJSON?["errorType"] == .string("ValueError"))
        #expect(result.errorJSON?["errorMessage"] == .string("unknown outcome 'bogus'"))
    }
}
