/// HTTP API step "method response": the answer with the headers an HTTP API adds (`HTTPAPIGateway.finalize`).
struct HTTPAPIMethodResponseStep: PipelineStep {
    var name: StepName { .methodResponse }

    func run(_ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) throws(GatewayError) {
        guard let output = exchange.output else { throw GatewayError.internalError("no integration answer") }
        let response = HTTPAPIGateway.finalize(status: output.status, headers: output.headers, body: output.body,
                                               requestID: exchange.requestID, clock: exchange.clock)
        exchange.log.methodResponseStatus = response.status
        exchange.response = response
    }
}
