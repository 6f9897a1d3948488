import Dispatch
import Foundation

/// Races an integration call against its timeout (`timeoutInMillis`, 29 s by default) for both API kinds.
///
/// The deadline is armed on the server's event loop when the request runs there (`GatewayExecution.preferredExecutor`
/// is a `DeadlineScheduler`: arming and cancelling it is a heap insert and removal on the request's own thread, no
/// wake-up of another thread), else one `DispatchSourceTimer` per call. Either is cancelled, and released, the moment
/// the call answers. (A cancelled `Task.sleep` keeps its timer queued until the original deadline, so under load
/// every call held memory for the whole timeout: RSS grew by ~0.6 KB per request for 29 s.) The call itself runs in its own task so the gateway can answer at the deadline even when a backend
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
    private var deadline: (any CancellableDeadline)?
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
        lock.unlock()

        let executor = GatewayExecution.preferredExecutor
        let work = Task(executorPreference: executor) {
            let value = await operation()
            self.finish(value)
        }
        let delay = max(0, milliseconds)
        let deadline = (executor as? any DeadlineScheduler)?.scheduleDeadline(afterMilliseconds: delay) { [self] in finish(nil) }
            ?? DispatchDeadline(afterMilliseconds: delay) { [self] in finish(nil) }
        lock.lock()
        if finished {
            // Finished meanwhile (the call answered, or the caller was cancelled; cancelling a completed task is
            // harmless): disarm what was just armed.
            lock.unlock()
            deadline.cancel()
            work.cancel()
            return
        }
        self.deadline = deadline
        self.work = work
        lock.unlock()
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
        let deadline = self.deadline
        self.continuation = nil
        self.work = nil
        self.deadline = nil
        lock.unlock()

        deadline?.cancel()
        if value == nil { work?.cancel() }
        continuation?.resume(returning: value)
    }
}

/// The deadline when no event loop runs the request: a Dispatch timer on `deadlineQueue`.
private struct DispatchDeadline: CancellableDeadline, @unchecked Sendable {
    // A DispatchSourceTimer is thread-safe to cancel from anywhere.
    let timer: any DispatchSourceTimer

    init(afterMilliseconds milliseconds: Int, _ fire: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: deadlineQueue)
        timer.schedule(deadline: .now() + .milliseconds(milliseconds))
        timer.setEventHandler(handler: fire)
        timer.activate()
    }

    func cancel() { timer.cancel() }
}
