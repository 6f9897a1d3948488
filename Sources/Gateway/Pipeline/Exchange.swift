/// One request on its way through a pipeline: the client's request, the log entry the steps fill in, the answer
/// once a step has made it, and what the API kind's steps know about the request (`State`, read and written
/// through the exchange: `exchange.match` is `exchange.state.match`).
@dynamicMemberLookup
struct Exchange<State: Sendable>: Sendable {
    let request: GatewayRequest
    var log = GatewayLogEntry()
    /// The client's answer; once set, the remaining steps are skipped.
    var response: GatewayResponse?
    var state: State

    init(request: GatewayRequest, state: State) {
        self.request = request
        self.state = state
    }

    subscript<Value>(dynamicMember path: WritableKeyPath<State, Value>) -> Value {
        get { state[keyPath: path] }
        set { state[keyPath: path] = newValue }
    }

    subscript<Value>(dynamicMember path: KeyPath<State, Value>) -> Value {
        state[keyPath: path]
    }
}
