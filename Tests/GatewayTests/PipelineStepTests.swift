import TestSupport
import Foundation
@testable import Gateway
import GatewayServer
import Testing
import TestSupport

/// The pipelines as named steps: their order, each step run alone, and that adding a step takes one file (this one).
@Suite struct PipelineStepTests {
    /// A step this file adds, and nothing else: it names itself, counts the requests it sees and changes nothing.
    struct CountingNoOpStep<Kind: PipelineGateway>: PipelineStep {
        typealias Gateway = Kind
        let seen: Counter
        var name: StepName { .countingNoOp }
        func run(_ exchange: inout Exchange<Kind.State>, _ gateway: Kind) async throws(GatewayError) {
            await seen.increment()
        }
    }

    actor Counter {
        private(set) var value = 0
        func increment() { value += 1 }
    }

    @Test func restStepsRunInAPIGatewaysOrder() {
        #expect(RESTGateway.standardPipeline.names == [.route, .authorize, .validate, .integrationRequest, .integration,
                                                       .integrationResponse, .methodResponse, .gatewayResponse])
    }

    /// HTTP APIs do not validate requests (Developer Guide, "Choosing between REST APIs and HTTP APIs": request validation is REST only).
    @Test func httpAPIStepsRunInAPIGatewaysOrderWithoutValidation() {
        #expect(HTTPAPIGateway.standardPipeline.names == [.route, .authorize, .integrationRequest, .integration,
                                                          .integrationResponse, .methodResponse, .gatewayResponse])
    }

    static let restDocument = """
    openapi: 3.0.1
    info: {title: steps, version: "1"}
    paths:
      /ping:
        get:
          responses:
            "200": {description: ok}
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"pong": true}'
    """

    static func restGateway() throws -> RESTGateway {
        let api = try RESTAPILoader.load(text: restDocument, file: "steps.yaml")
        return RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry())
    }

    static func ping(_ port: Int, _ path: String = "/test/ping") async throws -> WireResponse {
        try WireResponse(await rawExchange(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    }

    @Test func addingANoOpStepIsOneFileAndChangesNoAnswer() async throws {
        let seen = Counter()
        var gateway = try Self.restGateway()
        gateway.pipeline = gateway.pipeline.inserting(CountingNoOpStep<RESTGateway>(seen: seen), after: .authorize)
        #expect(gateway.pipeline.names == [.route, .authorize, .countingNoOp, .validate, .integrationRequest, .integration,
                                           .integrationResponse, .methodResponse, .gatewayResponse])
        var withStep: WireResponse?
        var missing: WireResponse?
        try await withGatewayServer(gateway) { port in
            withStep = try await Self.ping(port)
            // A request that "route" refuses never reaches the step.
            missing = try await Self.ping(port, "/test/nowhere")
        }
        var plain: WireResponse?
        try await withGatewayServer(try Self.restGateway()) { port in plain = try await Self.ping(port) }
        #expect(await seen.value == 1)
        #expect(withStep?.statusLine == "HTTP/1.1 200 OK")
        #expect(withStep?.statusLine == plain?.statusLine)
        #expect(withStep?.headerNames == plain?.headerNames)
        #expect(withStep.map { text($0.body) } == #"{"pong": true}"#)
        #expect(withStep?.body == plain?.body)
        #expect(missing?.statusLine == "HTTP/1.1 403 Forbidden")
    }

    @Test func theSameStepServesAnHTTPAPI() async throws {
        let seen = Counter()
        let document = HTTPAPITestSupport.document([("get", "/hello", HTTPAPITestSupport.lambdaIntegration("hello"))])
        var gateway = HTTPAPIGateway(api: try HTTPAPITestSupport.load(document),
                                     backends: BackendRegistry(lambdas: ["hello": FakeLambda.returning(#""hi""#)]))
        gateway.pipeline = gateway.pipeline.inserting(CountingNoOpStep<HTTPAPIGateway>(seen: seen), after: .integration)
        try await withGatewayServer(gateway) { port in
            let response = try WireResponse(await rawExchange(port: port, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
            #expect(response.statusLine == "HTTP/1.1 200 OK")
            #expect(text(response.body) == "hi")
        }
        #expect(await seen.value == 1)
    }

    // Each step alone, on an exchange built by hand.

    @Test func restRouteStepAloneRefusesAnotherStage() throws {
        let gateway = try Self.restGateway()
        var exchange = RESTGateway.Exchange(request: GatewayRequest(method: "GET", target: "/prod/ping"), api: gateway.api, stage: gateway.stage)
        #expect(throws: GatewayError.self) { try RESTRouteStep().run(&exchange, gateway) }
        var routed = RESTGateway.Exchange(request: GatewayRequest(method: "GET", target: "/test/ping"), api: gateway.api, stage: gateway.stage)
        try RESTRouteStep().run(&routed, gateway)
        #expect(routed.log.route == "GET /ping")
        #expect(jsonLookup("resourcePath", in: routed.context) == .string("/ping"))
    }

    @Test func restGatewayResponseStepAloneRendersTheErrorModel() throws {
        let gateway = try Self.restGateway()
        var exchange = RESTGateway.Exchange(request: GatewayRequest(method: "GET", target: "/test/x"), api: gateway.api, stage: gateway.stage)
        RESTGatewayResponseStep().render(GatewayError(.missingAuthenticationToken, message: "Missing Authentication Token"), &exchange, gateway)
        #expect(exchange.response?.status == 403)
        #expect(exchange.response?.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException")
        #expect(exchange.response.map { text($0.body) } == #"{"message":"Missing Authentication Token"}"#)
    }

    @Test func httpAPIRouteAndGatewayResponseStepsAlone() throws {
        let document = HTTPAPITestSupport.document([("get", "/hello", HTTPAPITestSupport.lambdaIntegration("hello"))])
        let gateway = HTTPAPIGateway(api: try HTTPAPITestSupport.load(document), backends: BackendRegistry())
        var exchange = HTTPAPIGateway.Exchange(request: GatewayRequest(method: "GET", target: "/nowhere"),
                                               state: HTTPAPIRequestState(clock: HTTPAPIClock.now(), requestID: "req-1"))
        do {
            try HTTPAPIRouteStep().run(&exchange, gateway)
            Issue.record("an unknown path was routed")
        } catch {
            HTTPAPIGatewayResponseStep().render(error, &exchange, gateway)
        }
        #expect(exchange.response?.status == 404)
        #expect(exchange.response.map { text($0.body) } == #"{"message":"Not Found"}"#)
        #expect(exchange.response?.headers["apigw-requestid"] == "req-1")
        #expect(exchange.response?.headers["x-amzn-ErrorType"] == nil)
    }
}

extension StepName {
    /// The step `PipelineStepTests` adds.
    static let countingNoOp = StepName("counting no-op")
}
