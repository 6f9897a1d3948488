/// HTTP API step "integration response": the integration's `responseParameters` for the status it answered
/// (header mappings, `overwrite:statuscode`).
struct HTTPAPIIntegrationResponseStep: PipelineStep {
    var name: StepName { .integrationResponse }

    func run(_ exchange: inout HTTPAPIGateway.Exchange, _ gateway: HTTPAPIGateway) throws(GatewayError) {
        let integration = try exchange.integration()
        guard let output = exchange.output, let evaluator = exchange.evaluator else { throw GatewayError.internalError("no integration answer") }
        guard let mappings = integration.responseParameters[output.status] else { return }
        switch evaluator.applyResponseMappings(mappings, to: output) {
        case let .success(mapped):
            exchange.output = mapped
            exchange.log.selectedResponse = "responseParameters.\(output.status)"
        case let .failure(problem):
            throw .httpAPI(.apiConfigurationError, 500, "Internal Server Error", detail: problem.message)
        }
    }
}
