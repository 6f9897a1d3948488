import Dispatch
import Foundation

/// Races an integration call against its timeout (`timeoutInMillis`, 29 s by default) for both API kinds.
///
/// The deadline is one `DispatchSourceTimer` per call, cancelled the moment the call answers: a cancelled
/// dispatch timer is released at once. (A cancelled `Task.sleep` keeps its timer queued until the original
/// deadline, so under load every call held memory for the whole timeout: RSS grew by ~0.6 KB per request for
/// 29 s.) The call itself runs in its own task so the gateway can answer at the deadline even when a backend
/// ignores cancellation; it is cancelled when the deadline or the caller's cancellation comes first.
enum IntegrationDeadline {
    /// The operation's result, or nil when `milliseconds` elapsed first or the calling task was cancelled.
    static func run<T: Sendable>(milliseconds: Int, _ operation: @escaping @Sendable () async -> T) async -> T? {
        let race = DeadlineRace<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                race.start(continuation, milliseconds: milliseconds, operation: operation)
            }
        } onCancel: {
            race.finish(nil)
        }
    }
}

/// The queue deadline timers fire on (their handlers only resume a continuation).
private let deadlineQueue = DispatchQueue(label: "gatecheck.gateway.integration-deadline")

/// The first of "the operation answered", "the deadline passed" and "the caller was cancelled" wins.
///
/// `@unchecked Sendable`: the operation's task, the timer's queue and the caller's cancellation handler touch this
/// state from different threads; every stored property is read and written only while holding `lock`.
private final class DeadlineRace<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T?, Never>?
    private var work: Task<Void, Never>?
    private var timer: (any DispatchSourceTimer)?
    private var finished = false

    func start(_ continuation: CheckedContinuation<T?, Never>, milliseconds: Int,
               operation: @escaping @Sendable () async -> T) {
        lock.lock()
        if finished {
            // Cancelled before the call started: do not start it.
            lock.unlock()
            continuation.resume(returning: nil)
            return
        }
        self.continuation = continuation
        let timer = DispatchSource.makeTimerSource(queue: deadlineQueue)
        timer.schedule(deadline: .now() + .milliseconds(max(0, milliseconds)))
        timer.setEventHandler { [self] in finish(nil) }
        self.timer = timer
        lock.unlock()

        let work = Task(executorPreference: GatewayExecution.preferredExecutor) {
            let value = await operation()
            self.finish(value)
        }
        timer.activate()
        lock.lock()
        let alreadyFinished = finished
        if !alreadyFinished { self.work = work }
        lock.unlock()
        // Finished meanwhile (deadline or caller cancelled; cancelling a completed task is harmless).
        if alreadyFinished { work.cancel() }
    }

    /// Delivers `value` (nil: deadline or cancellation) if nothing was delivered yet, and stops the loser.
    func finish(_ value: T?) {
        lock.lock()
        guard !finished else {
            lock.unlock()
            return
        }
        finished = true
        let continuation = self.continuation
        let work = self.work
        let timer = self.timer
        self.continuation = nil
        self.work = nil
        self.timer = nil
        lock.unlock()

        timer?.cancel()
        if value == nil { work?.cancel() }
        continuation?.resume(returning: value)
    }
}
