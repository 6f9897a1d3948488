import Foundation
import HTTPMessage
import JSONCore

/// The REST API (API Gateway v1) pipeline: routing, method request, integration request, integration,
/// integration-response selection, response mapping, method-response check and gateway responses.
/// No networking inside: backends are reached through `BackendRegistry`, the server feeds requests in.
public struct RESTGateway: GatewayHandler {
    public let api: RESTAPIDefinition
    public let stage: StageSettings
    public let backends: BackendRegistry
    /// Access key id -> secret access key accepted on `AWS_IAM` methods (see RESTIAMAuthorization.swift).
    public let iamCredentials: [String: String]
    /// API keys, usage plans, stage and method throttling (see RESTAuthorization.swift).
    public let usagePlans: UsagePlanSettings
    /// The clock authorizer caching, throttling and quotas are measured by.
    public let clock: GatewayClock
    let authorizerCache = AuthorizerCache()
    /// Verifies the tokens of Cognito user pool methods against `backends.jwtTrust`.
    let jwtVerifier: JWTVerifier
    let usageMeter = UsageMeter()
    /// The steps every request goes through (`standardPipeline`; tests may insert steps).
    var pipeline = RESTGateway.standardPipeline

    /// The account id shown in `$context.accountId` and `requestContext.accountId`.
    public static let accountID = EmulatorEnvironment.accountID

    public init(api: RESTAPIDefinition, stage: StageSettings = StageSettings(), backends: BackendRegistry,
                iamCredentials: [String: String] = [:], usagePlans: UsagePlanSettings = UsagePlanSettings(), clock: GatewayClock = .system) {
        jwtVerifier = JWTVerifier(trust: backends.jwtTrust)
        self.api = api
        self.stage = stage
        self.backends = backends
        self.iamCredentials = iamCredentials
        self.usagePlans = usagePlans
        self.clock = clock
    }

    /// The REST API's steps, in the order API Gateway applies them. A new step is one line here.
    static let standardPipeline = Pipeline<RESTGateway>([
        RESTRouteStep(),
        RESTAuthorizeStep(),
        RESTValidateStep(),
        RESTIntegrationRequestStep(),
        RESTIntegrationStep(),
        RESTIntegrationResponseStep(),
        RESTMethodResponseStep(),
    ], gatewayResponse: RESTGatewayResponseStep())

    public func handle(_ request: GatewayRequest) async -> GatewayOutcome {
        var exchange = Exchange(request: request, api: api, stage: stage)
        return await pipeline.run(&exchange, self)
    }

    public func rejection(_ reason: RequestRejection) -> GatewayResponse {
        var exchange = Exchange(request: GatewayRequest(method: "GET", target: "/"), api: api, stage: stage)
        let error: GatewayError
        switch reason {
        case .bodyTooLarge: error = GatewayError(.requestTooLarge, message: "Request Too Long", detail: "request body above the 10 MB payload limit")
        case .headersTooLarge: error = GatewayError(.default4XX, status: 431, message: "Request Header Fields Too Large")
        case .uriTooLong: error = GatewayError(.default4XX, status: 414, message: "Request-URI Too Long")
        }
        RESTGatewayResponseStep().render(error, &exchange, self)
        return exchange.response ?? GatewayResponse(status: error.status)
    }

    /// One request through the REST pipeline.
    typealias Exchange = Gateway.Exchange<RESTRequestState>
}

extension RESTGateway: PipelineGateway {
    typealias State = RESTRequestState
}

/// What the REST steps know about one request, besides the request itself.
struct RESTRequestState: Sendable {
    let requestID = GatewayIdentifiers.requestID()
    let extendedRequestID = GatewayIdentifiers.extendedRequestID()
    let receivedAt = Date()
    let stageName: String
    let stageVariables: [String: String]
    let queryParameters: [(String, String)]
    /// Set by "route".
    var match: RESTRouter.Match?
    /// `$context` (set by "route", extended by "authorize").
    var context: JSONValue = .object([:])
    /// Path after the stage, with a doubled leading slash collapsed (event `path`).
    var resourceRequestPath = "/"
    /// Set by "integration request": what "integration" calls, and `$context` as the request template left it.
    var integrationCall: RESTIntegrationCall?
    var templateContext: JSONValue = .null
    /// Set by "integration".
    var integrationAnswer: RESTIntegrationAnswer?
    /// Set by "integration response".
    var methodResponse: RESTMethodResponseParts?
}

extension Exchange where State == RESTRequestState {
    init(request: GatewayRequest, api: RESTAPIDefinition, stage: StageSettings) {
        self.init(request: request, state: RESTRequestState(stageName: stage.name, stageVariables: stage.variables,
                                                            queryParameters: URLCoding.queryPairs(request.rawQuery, rules: .restAPI)))
    }

    var method: RESTMethod? { state.match?.method }
    var pathParameters: [(String, String)] { state.match?.pathParameters ?? [] }
    /// The proxy event's `path`: the path after the stage, or through a custom domain the client's path with its
    /// base path (API Gateway does not strip the base path there; `pathParameters` and `resource` are the same).
    var eventPath: String {
        guard var path = request.customDomainPath else { return state.resourceRequestPath }
        while path.hasPrefix("//") { path.removeFirst() }
        return path.isEmpty ? "/" : path
    }
    var sortedStageVariables: [(String, String)] { state.stageVariables.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
}
