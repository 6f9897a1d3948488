import Synchronization

/// What the gateway did with one request, as coverage counts it: its request log entry without the free-text
/// `detail` (so that requests that did the same thing count as one exercise).
public typealias GatewayExercise = GatewayLogEntry

/// Collects the `GatewayExercise` of every request a pipeline answers, counted (distinct exercises are few, so the
/// memory stays small however many requests a run sends). One lock per request; nothing else on the request path.
public final class GatewayRecorder: Sendable {
    private let counts = Mutex<[GatewayExercise: Int]>([:])

    public init() {}

    public func record(_ entry: GatewayLogEntry) {
        var exercise = entry
        exercise.detail = nil
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
