/// One line of the emulator's request log: what the gateway did with a request. It is also the coverage record
/// of the request (see `Gateway/Coverage/`): the pipeline fills it as it goes, with no networking involved.
public struct GatewayLogEntry: Sendable, Hashable {
    /// Route or resource matched, e.g. `GET /items/{id}` (an HTTP API's route key); nil when nothing matched.
    public var route: String?
    /// `AWS`, `AWS_PROXY`, `HTTP`, `HTTP_PROXY`, `MOCK`, or nil when no integration ran.
    public var integrationType: String?
    /// The integration response chosen (its selection pattern, `default` for the default one); for an HTTP API,
    /// `responseParameters.<status>` when a response mapping was applied.
    public var selectedResponse: String?
    /// The status code of the integration response chosen (REST non-proxy integrations).
    public var integrationResponseStatus: String?
    /// The status the method answered with when the integration's answer reached the client (nil when the gateway
    /// answered with an error of its own).
    public var methodResponseStatus: Int?
    /// The gateway response type produced (`MISSING_AUTHENTICATION_TOKEN`, `BAD_REQUEST_BODY`, ...), REST APIs.
    public var gatewayResponseType: String?
    /// The customised gateway response applied (`DEFAULT_4XX` for a 4XX type without its own customisation), if any.
    public var gatewayResponseCustomization: String?
    /// An HTTP API Lambda integration's payload format version (`1.0` or `2.0`).
    public var payloadFormatVersion: String?
    /// Why the gateway answered with an error of its own (configuration error, template failure, ...).
    public var detail: String?

    public init(route: String? = nil, integrationType: String? = nil, selectedResponse: String? = nil, detail: String? = nil) {
        self.route = route
        self.integrationType = integrationType
        self.selectedResponse = selectedResponse
        self.detail = detail
    }
}

/// The response and how it was produced.
public struct GatewayOutcome: Sendable {
    public var response: GatewayResponse
    public var log: GatewayLogEntry

    public init(response: GatewayResponse, log: GatewayLogEntry = GatewayLogEntry()) {
        self.response = response
        self.log = log
    }
}

/// Why the server refused a request before it reached the pipeline.
public enum RequestRejection: Sendable, Equatable {
    /// Body above the API's payload limit (API Gateway: 10 MB) -> REQUEST_TOO_LARGE 413.
    case bodyTooLarge
    /// Request line or headers above the limits -> 431/414 as AWS documents.
    case headersTooLarge
    case uriTooLong
}

/// Something that answers client requests the way API Gateway would: a REST API or an HTTP API.
/// The pipeline behind it does no networking of its own; the server layer feeds it requests.
public protocol GatewayHandler: Sendable {
    func handle(_ request: GatewayRequest) async -> GatewayOutcome
    /// The response for a request the server refused before parsing it completely.
    func rejection(_ reason: RequestRejection) -> GatewayResponse
}

/// How the server runs a request's handling, for the pipeline's own helper tasks.
public enum GatewayExecution {
    /// The executor the server runs the current request on (its connection's event loop), or nil. Tasks the pipeline
    /// starts for an integration call prefer it too, so a call that answers at once (a scripted backend) does not
    /// hop to another thread and back.
    @TaskLocal public static var preferredExecutor: (any TaskExecutor)?
}

/// Runs a callback once a delay has passed, unless cancelled first: how an integration call's timeout is armed.
/// The server's executor (its event loop) is one, so arming and disarming a deadline stays on the request's thread;
/// without one (the pipeline called in-process), a Dispatch timer is used.
public protocol DeadlineScheduler: Sendable {
    /// Calls `fire` after `milliseconds`, unless the returned deadline is cancelled first.
    func scheduleDeadline(afterMilliseconds milliseconds: Int, _ fire: @escaping @Sendable () -> Void) -> any CancellableDeadline
}

/// A deadline armed by a `DeadlineScheduler`.
public protocol CancellableDeadline: Sendable {
    /// Disarms the deadline (harmless once it has fired).
    func cancel()
}
