import NIOCore

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
