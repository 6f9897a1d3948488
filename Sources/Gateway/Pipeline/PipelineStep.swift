/// A step's name. The steps API Gateway applies, in its order (Developer Guide, "Set up a method request /
/// integration request / integration response / method response"; rule book §1), are the constants below; a new
/// step names itself in its own file (`extension StepName { static let myStep = StepName("my step") }`).
struct StepName: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    let rawValue: String

    init(rawValue: String) { self.rawValue = rawValue }
    init(_ rawValue: String) { self.rawValue = rawValue }

    var description: String { rawValue }

    static let route = StepName("route")
    static let authorize = StepName("authorize")
    static let validate = StepName("validate")
    static let integrationRequest = StepName("integration request")
    static let integration = StepName("integration")
    static let integrationResponse = StepName("integration response")
    static let methodResponse = StepName("method response")
    /// Renders the error a step threw (`GatewayError`) as the API kind's own answer.
    static let gatewayResponse = StepName("gateway response")
}

/// One step of an API kind's pipeline: it reads and updates the request's `Exchange`. A step ends the request early
/// by throwing a `GatewayError` (the kind's gateway response step renders it) or by setting `exchange.response`
/// (the remaining steps are skipped). A step is a plain value: no networking of its own, and it is called directly
/// (no task or executor hop per step).
protocol PipelineStep<Gateway>: Sendable {
    associatedtype Gateway: PipelineGateway
    var name: StepName { get }
    func run(_ exchange: inout Exchange<Gateway.State>, _ gateway: Gateway) async throws(GatewayError)
}

/// The last step, "gateway response": turns the one error model into what the kind's clients receive (REST: gateway
/// responses with their customisations; HTTP API: fixed `{"message":...}` bodies).
protocol GatewayResponseStep<Gateway>: Sendable {
    associatedtype Gateway: PipelineGateway
    func render(_ error: GatewayError, _ exchange: inout Exchange<Gateway.State>, _ gateway: Gateway)
}

/// An API kind (REST API, HTTP API, ...) whose requests go through a `Pipeline` of steps.
protocol PipelineGateway: Sendable {
    /// What the kind's steps know about one request besides the request itself.
    associatedtype State: Sendable
}

/// An API kind's steps in the order they run. Each kind writes its list once (`RESTGateway.standardPipeline`,
/// `HTTPAPIGateway.standardPipeline`); inserting a step is one line there, or `inserting(_:after:)`.
struct Pipeline<Gateway: PipelineGateway>: Sendable {
    var steps: [any PipelineStep<Gateway>]
    var gatewayResponse: any GatewayResponseStep<Gateway>

    init(_ steps: [any PipelineStep<Gateway>], gatewayResponse: any GatewayResponseStep<Gateway>) {
        self.steps = steps
        self.gatewayResponse = gatewayResponse
    }

    /// The step names in order, the gateway response last.
    var names: [StepName] { steps.map(\.name) + [.gatewayResponse] }

    /// This pipeline with `step` placed right after the (last) step named `name`, or first when there is none.
    func inserting(_ step: any PipelineStep<Gateway>, after name: StepName) -> Pipeline {
        var copy = self
        let index = steps.lastIndex { $0.name == name }.map { $0 + 1 } ?? 0
        copy.steps.insert(step, at: index)
        return copy
    }

    /// Runs the steps in order until one answers or throws; a thrown error goes to the gateway response step.
    func run(_ exchange: inout Exchange<Gateway.State>, _ gateway: Gateway) async -> GatewayOutcome {
        do {
            for step in steps where exchange.response == nil {
                try await step.run(&exchange, gateway)
            }
        } catch {
            gatewayResponse.render(error, &exchange, gateway)
        }
        return GatewayOutcome(response: exchange.response ?? GatewayResponse(status: 500), log: exchange.log)
    }
}
