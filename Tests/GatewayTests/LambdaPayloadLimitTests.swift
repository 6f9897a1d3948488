import Foundation
import Gateway
import Testing
import TestSupport

/// Lambda's synchronous invocation payload quotas, applied by the shared `LambdaInvoker` for both API kinds and
/// seen by the client over a real loopback socket.
///
/// Sources: Lambda Developer Guide, "Lambda quotas" ("Invocation payload (request and response): 6 MB each for
/// request and response", synchronous) and the `Invoke` API reference ("For synchronous invocations, the maximum
/// payload size is 6 MB"). An event above 6,291,456 bytes makes Invoke fail with `RequestEntityTooLargeException`
/// (the function never runs); a response above 6,291,556 bytes becomes the function error
/// `Function.ResponseSizeTooLarge`. API Gateway turns the first into its integration-failure 500 and the second, on
/// a proxy integration, into 502 (REST) / 500 (HTTP API), as for any other failed invocation.
@Suite struct LambdaPayloadLimitTests {
    /// A request body that makes the event larger than 6 MB but is below API Gateway's 10 MB payload limit.
    static let largeBody = String(repeating: "a", count: 7_000_000)
    /// A function output just above the response quota.
    static let largeOutput = #"{"statusCode": 200, "body": ""# + String(repeating: "b", count: LambdaInvoker.maximumResponsePayloadBytes) + #""}"#

    func send(_ port: Int, _ method: String, _ target: String, body: String = "") async throws -> WireResponse {
        let head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        return try await WireResponse(rawExchange(port: port, head, body: Array(body.utf8), reading: .untilContentLength))
    }

    // MARK: REST API

    @Test func restEventAbove6MBNeverReachesTheFunction() async throws {
        let calls = Recorder<Int>()
        let function = FakeLambda { invocation in
            await calls.record(invocation.payload.count)
            return success(#"{"statusCode": 200, "body": "ran"}"#)
        }
        let api = try RESTAPILoader.load(path: Fixtures.path("rest-api.yaml"))
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry(lambdas: ["ItemsFunction": function]))
        try await withGatewayServer(gateway) { port in
            let response = try await send(port, "GET", "/test/items", body: Self.largeBody)
            #expect(response.status == 500)
            #expect(response.text == #"{"message": "Internal server error"}"#)
            #expect(await calls.values.isEmpty)
            // Below the limit the same route runs the function.
            let small = try await send(port, "GET", "/test/items", body: "small")
            #expect(small.status == 200)
            #expect(small.text == "ran")
        }
    }

    @Test func restResponseAbove6MBIsA502() async throws {
        let function = FakeLambda { _ in success(Self.largeOutput) }
        let api = try RESTAPILoader.load(path: Fixtures.path("rest-api.yaml"))
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry(lambdas: ["ItemsFunction": function]))
        try await withGatewayServer(gateway) { port in
            let response = try await send(port, "GET", "/test/items")
            #expect(response.status == 502)
            #expect(response.text == #"{"message": "Internal server error"}"#)
        }
    }

    // MARK: HTTP API

    @Test func httpAPIEventAbove6MBNeverReachesTheFunction() async throws {
        let calls = Recorder<Int>()
        let function = FakeLambda { invocation in
            await calls.record(invocation.payload.count)
            return .success(payload: Array(#"{"statusCode": 200, "body": "ran"}"#.utf8))
        }
        let api = try HTTPAPITestSupport.load(HTTPAPITestSupport.document([("post", "/upload", HTTPAPITestSupport.lambdaIntegration("upload"))]))
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: ["upload": function]))
        try await withGatewayServer(gateway) { port in
            let response = try await send(port, "POST", "/upload", body: Self.largeBody)
            #expect(response.status == 500)
            #expect(response.text == #"{"message":"Internal Server Error"}"#)
            #expect(await calls.values.isEmpty)
            let small = try await send(port, "POST", "/upload", body: "small")
            #expect(small.status == 200)
            #expect(small.text == "ran")
        }
    }

    @Test func httpAPIResponseAbove6MBIsA500() async throws {
        let function = FakeLambda { _ in .success(payload: Array(Self.largeOutput.utf8)) }
        let api = try HTTPAPITestSupport.load(HTTPAPITestSupport.document([("get", "/download", HTTPAPITestSupport.lambdaIntegration("download"))]))
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: ["download": function]))
        try await withGatewayServer(gateway) { port in
            let response = try await send(port, "GET", "/download")
            #expect(response.status == 500)
            #expect(response.text == #"{"message":"Internal Server Error"}"#)
        }
    }
}
