import Synchronization

/// A request to stop a run gracefully (the CLI sets it on SIGINT/SIGTERM).
///
/// Once interrupted, no new case starts; requests already in flight get `RunConfiguration.interruptGracePeriod`
/// to finish (their results are kept), then they are aborted. Every case that did not finish is reported as
/// skipped with the message `interrupted`, and the report is written.
public final class RunInterruption: Sendable {
    private struct State {
        var interrupted = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether `interrupt()` was called.
    public var isInterrupted: Bool { state.withLock { $0.interrupted } }

    /// Stops scheduling new cases. Idempotent; safe from any thread (e.g. a signal handler's queue).
    public func interrupt() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.interrupted else { return [] }
            state.interrupted = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the run is interrupted, or when the calling task is cancelled.
    func waitUntilInterrupted() async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.interrupted || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
