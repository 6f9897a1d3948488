import JSONCore

/// HTTP API step "gateway response": a `GatewayError` as HTTP APIs send it: its status, `{"message":"..."}` (or the
/// exact body the step chose), the standard headers plus the error's own (`www-authenticate`), no
/// `x-amzn-ErrorType`; HTTP APIs have no gateway response customisation.
struct HTTPAPIGatewayResponseStep: GatewayResponseStep {
    func render(_ error: GatewayError, _ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) {
        let body = error.bodyOverride ?? "{\"message\":\(JSONValue.string(error.message).serialized(.compact))}"
        var response = HTTPAPIGateway.errorResponse(error.status, body, requestID: exchange.requestID, clock: exchange.clock)
        for (name, value) in error.headers { response.headers.add(name: name, value: value) }
        exchange.log.selectedResponse = nil
        exchange.log.methodResponseStatus = nil
        exchange.log.detail = error.detail
        exchange.response = response
    }
}
