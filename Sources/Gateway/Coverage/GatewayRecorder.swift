import Synchronization

/// What the gateway did with one request, as coverage counts it: the request log entry without its free-text detail.
public struct GatewayExercise: Sendable, Hashable {
    /// `GET /items/{id}` (REST: method and resource path) or an HTTP API's route key; nil when no route matched.
    public var route: String?
    public var integrationType: String?
    /// The selection pattern of the integration response chosen (`default`), or `responseParameters.<status>`.
    public var selectedResponse: String?
    public var integrationResponseStatus: String?
    public var methodResponseStatus: Int?
    public var gatewayResponseType: String?
    public var gatewayResponseCustomization: String?
    public var payloadFormatVersion: String?

    public init(_ entry: GatewayLogEntry) {
        route = entry.route
        integrationType = entry.integrationType
        selectedResponse = entry.selectedResponse
        integrationResponseStatus = entry.integrationResponseStatus
        methodResponseStatus = entry.methodResponseStatus
        gatewayResponseType = entry.gatewayResponseType
        gatewayResponseCustomization = entry.gatewayResponseCustomization
        payloadFormatVersion = entry.payloadFormatVersion
    }
}

/// Collects the `GatewayExercise` of every request a pipeline answers, counted (distinct exercises are few, so the
/// memory stays small however many requests a run sends). One lock per request; nothing else on the request path.
public final class GatewayRecorder: Sendable {
    private let counts = Mutex<[GatewayExercise: Int]>([:])

    public init() {}

    public func record(_ entry: GatewayLogEntry) {
        let exercise = GatewayExercise(entry)
        counts.withLock { $0[exercise, default: 0] += 1 }
    }

    /// Every distinct exercise with the number of requests that produced it.
    public var recorded: [GatewayExercise: Int] { counts.withLock { $0 } }
}

/// A pipeline that records what it did with each request (for gateway coverage) and otherwise answers exactly as
/// the pipeline it wraps.
public struct RecordingGatewayHandler: GatewayHandler {
    public let wrapped: any GatewayHandler
    public let recorder: GatewayRecorder

    public init(_ wrapped: any GatewayHandler, recorder: GatewayRecorder) {
        self.wrapped = wrapped
        self.recorder = recorder
    }

    public func handle(_ request: GatewayRequest) async -> GatewayOutcome {
        let outcome = await wrapped.handle(request)
        recorder.record(outcome.log)
        return outcome
    }

    public func rejection(_ reason: RequestRejection) -> GatewayResponse { wrapped.rejection(reason) }
}
