import NIOCore
import Gateway

/// A Swift `TaskExecutor` that runs jobs on one NIO event loop.
///
/// A request's handler task prefers this executor, so a request whose handling never waits for real I/O (MOCK,
/// scripted backends, the gateway's own errors) starts, runs and answers on the connection's event-loop thread:
/// no hand-off to Swift's cooperative pool and back (each a futex wake-up). Code that suspends on an actor or a
/// continuation resumed elsewhere (handler workers, HTTP forwarding) continues on the loop when it resumes.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // From the loop itself this only appends to the loop's task list (no wake-up); from elsewhere it wakes it.
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Integration deadlines of a request the loop runs are armed on the loop itself: arming and disarming is a heap
/// insert and removal on the loop's thread, with no Dispatch timer (whose arming and cancelling wake Dispatch's
/// manager thread on every call).
extension EventLoopTaskExecutor: DeadlineScheduler {
    func scheduleDeadline(afterMilliseconds milliseconds: Int, _ fire: @escaping @Sendable () -> Void) -> any CancellableDeadline {
        let handler = DeadlineCallback(fire: fire)
        do {
            return EventLoopDeadline(callback: try eventLoop.scheduleCallback(in: .milliseconds(Int64(milliseconds)), handler: handler))
        } catch {
            // The loop is shutting down: nothing will run on it any more, so fire at once rather than never.
            fire()
            return EventLoopDeadline(callback: nil)
        }
    }
}

private struct DeadlineCallback: NIOScheduledCallbackHandler, Sendable {
    let fire: @Sendable () -> Void
    func handleScheduledCallback(eventLoop: some EventLoop) { fire() }
}

private struct EventLoopDeadline: CancellableDeadline {
    let callback: NIOScheduledCallback?
    func cancel() { callback?.cancel() }
}
