import Foundation
import HTTPMessage

extension HTTPAPIGateway: PipelineGateway {
    typealias State = HTTPAPIRequestState
}

/// What the HTTP API steps know about one request, besides the request itself.
struct HTTPAPIRequestState: Sendable {
    let clock: HTTPAPIClock
    let requestID: String
    /// Set by "route": the path inside the stage, the matched route, the request as events and mappings see it,
    /// and `$context`.
    var innerPath = "/"
    var match: HTTPAPIRouter.Match?
    var original: HTTPAPIRequestView?
    var context: HTTPAPIRequestContext?
    /// Set by "integration request": the request after parameter mapping, and what "integration" calls.
    var mapped: HTTPAPIRequestView?
    var integrationCall: HTTPAPIIntegrationCall?
    var evaluator: HTTPAPIMappingEvaluator?
    /// Set by "integration", then rewritten by "integration response".
    var output: GatewayResponse?

    init(clock: HTTPAPIClock, requestID: String) {
        self.clock = clock
        self.requestID = requestID
    }
}

extension Exchange where State == HTTPAPIRequestState {
    /// The matched route's integration ("authorize" has checked it exists).
    func integration() throws(GatewayError) -> HTTPAPIIntegration {
        guard let integration = state.match?.route.integration else { throw GatewayError.internalError("no integration") }
        return integration
    }
}

extension GatewayError {
    /// An HTTP API error: `status` with the body `{"message":"<message>"}` (HTTP APIs send no `x-amzn-ErrorType`).
    static func httpAPI(_ type: GatewayResponseType, _ status: Int, _ message: String, detail: String,
                        headers: [(name: String, value: String)] = []) -> GatewayError {
        var error = GatewayError(type, status: status, message: message, detail: detail)
        error.headers = headers
        return error
    }
}
