#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Gateway
import Synchronization

/// Everything one worker needs to start and talk to its runtime process.
struct WorkerConfiguration: Sendable {
    var functionName: String
    var handler: HandlerSpec
    /// Path of the bootstrap script for the handler's runtime.
    var bootstrapPath: String
    var log: @Sendable (String) -> Void
    /// How long a cold start (process start + module import) may take.
    var initTimeout: Duration = .seconds(10)
}

/// Set when the caller gave up on an invocation (task cancelled); the worker then kills the runtime.
final class InvocationCancellation: Sendable {
    private let cancelled = Mutex(false)
    var isCancelled: Bool { cancelled.withLock { $0 } }
    func cancel() { cancelled.withLock { $0 = true } }
}

/// One persistent runtime process (started lazily on first use, restarted after a crash, a timeout or an
/// init failure) and the dedicated OS thread that does all blocking pipe I/O for it, so that Swift's
/// cooperative pool never blocks. Invocations are handed over through a mailbox; the owning pool makes
/// sure a worker has at most one invocation at a time.
final class HandlerWorker: Sendable {
    enum Job: Sendable {
        case invoke(LambdaInvocation, InvocationCancellation, CheckedContinuation<LambdaResult, Never>)
        case prewarm(CheckedContinuation<Void, Never>)
        case shutdown(CheckedContinuation<Void, Never>)
    }

    private struct Current: Sendable {
        var cancellation: InvocationCancellation?
        var pid: pid_t?
    }

    let configuration: WorkerConfiguration
    private let mailbox = Mutex<[Job]>([])
    private let wakeup = DispatchSemaphore(value: 0)
    private let current = Mutex(Current())

    init(configuration: WorkerConfiguration) {
        self.configuration = configuration
        let thread = Thread { [self] in
            WorkerEngine(worker: self).run()
        }
        thread.name = "gatecheck-worker-\(configuration.functionName)"
        thread.start()
    }

    /// Runs one invocation on the worker's thread.
    func invoke(_ invocation: LambdaInvocation, cancellation: InvocationCancellation) async -> LambdaResult {
        await withCheckedContinuation { continuation in
            post(.invoke(invocation, cancellation, continuation))
        }
    }

    /// Starts the runtime process now if it is not running.
    func prewarm() async {
        await withCheckedContinuation { continuation in post(.prewarm(continuation)) }
    }

    /// Stops the runtime process and the thread. Further jobs are never answered, so call it last.
    func shutdown() async {
        await withCheckedContinuation { continuation in post(.shutdown(continuation)) }
    }

    /// Kills the runtime if it is running the invocation this cancellation belongs to.
    func abort(_ cancellation: InvocationCancellation) {
        cancellation.cancel()
        current.withLock { state in
            if state.cancellation === cancellation, let pid = state.pid { kill(pid, SIGKILL) }
        }
    }

    private func post(_ job: Job) {
        mailbox.withLock { $0.append(job) }
        wakeup.signal()
    }

    // MARK: used by the engine, on the worker thread

    fileprivate func nextJob() -> Job {
        while true {
            wakeup.wait()
            if let job = mailbox.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return job }
        }
    }

    /// Records the running invocation; false when it was cancelled before it started.
    fileprivate func begin(_ cancellation: InvocationCancellation, pid: pid_t) -> Bool {
        current.withLock { state in
            state = Current(cancellation: cancellation, pid: pid)
            return !cancellation.isCancelled
        }
    }

    fileprivate func end() {
        current.withLock { $0 = Current() }
    }
}

/// The worker thread's state: the running process and its response buffer. Confined to that one thread.
private final class WorkerEngine {
    let worker: HandlerWorker
    var configuration: WorkerConfiguration { worker.configuration }
    var process: WorkerProcess?
    var buffer: [UInt8] = []

    init(worker: HandlerWorker) { self.worker = worker }

    func run() {
        while true {
            switch worker.nextJob() {
            case let .invoke(invocation, cancellation, continuation):
                continuation.resume(returning: invoke(invocation, cancellation))
            case let .prewarm(continuation):
                if process == nil { _ = start(requestID: "") }
                continuation.resume()
            case let .shutdown(continuation):
                stop()
                continuation.resume()
                return
            }
        }
    }

    func invoke(_ invocation: LambdaInvocation, _ cancellation: InvocationCancellation) -> LambdaResult {
        if cancellation.isCancelled { return .invokeFailed(message: "the invocation was cancelled before it started") }
        if process == nil, let failure = start(requestID: invocation.requestID) { return failure }
        guard let running = process else { return .invokeFailed(message: "the worker process is not running") }
        guard worker.begin(cancellation, pid: running.pid) else {
            worker.end()
            return .invokeFailed(message: "the invocation was cancelled before it started")
        }
        defer { worker.end() }

        let timeout = configuration.handler.timeout
        let deadline = ContinuousClock().now.advanced(by: timeout)
        let deadlineEpochMilliseconds = Int64((Date().timeIntervalSince1970 * 1000).rounded()) + timeout.milliseconds
        let header = "\(invocation.requestID)\t\(deadlineEpochMilliseconds)\t\(invokedFunctionARN(invocation))\n"
        var request = Array(header.utf8)
        request.append(contentsOf: invocation.payload)

        guard FrameIO.writeFrame(running.requestFD, request) else {
            return ended(running, invocation: invocation, cancellation: cancellation)
        }
        switch FrameIO.readFrame(running.responseFD, buffer: &buffer, deadline: deadline) {
        case let .frame(kind, payload):
            switch kind {
            case UInt8(ascii: "S"): return .success(payload: payload)
            case UInt8(ascii: "E"): return .functionError(payload: payload)
            case UInt8(ascii: "I"): return .invokeFailed(message: String(decoding: payload, as: UTF8.self))
            default:
                terminate(running)
                return .invokeFailed(message: "the \(configuration.handler.runtime.rawValue) worker broke the protocol (frame kind \(kind))")
            }
        case .timedOut:
            terminate(running)
            configuration.log("[\(configuration.functionName)] \(invocation.requestID) Task timed out after \(LambdaErrorPayloads.secondsText(timeout)) seconds; worker restarted")
            return .functionError(payload: LambdaErrorPayloads.timeout(requestID: invocation.requestID, after: timeout))
        case .endOfFile:
            return ended(running, invocation: invocation, cancellation: cancellation)
        }
    }

    /// The process closed its pipe during an invocation: it crashed, exited, or was killed by `abort`.
    private func ended(_ running: WorkerProcess, invocation: LambdaInvocation, cancellation: InvocationCancellation) -> LambdaResult {
        let reason = ProcessSpawner.reap(running.pid)
        closePipes(running)
        if cancellation.isCancelled {
            return .invokeFailed(message: "the invocation was cancelled; the worker was stopped")
        }
        configuration.log("[\(configuration.functionName)] \(invocation.requestID) Runtime exited with error: \(reason); worker restarted")
        return .functionError(payload: LambdaErrorPayloads.runtimeExit(requestID: invocation.requestID, reason: reason))
    }

    /// Starts the runtime and waits until it has loaded the handler; returns the failure to report if it could not.
    func start(requestID: String) -> LambdaResult? {
        let handler = configuration.handler
        let spawned: WorkerProcess
        do {
            spawned = try ProcessSpawner.spawn(
                executable: handler.interpreterExecutable,
                arguments: handler.interpreterArguments + [configuration.bootstrapPath, handler.taskRoot, handler.file, handler.function],
                environment: environment())
        } catch {
            configuration.log("[\(configuration.functionName)] \(error.description)")
            return .invokeFailed(message: error.description)
        }
        startLogReader(fd: spawned.logFD)
        buffer = []
        switch FrameIO.readFrame(spawned.responseFD, buffer: &buffer, deadline: ContinuousClock().now.advanced(by: configuration.initTimeout)) {
        case let .frame(kind, payload) where kind == UInt8(ascii: "R") && payload.isEmpty:
            process = spawned
            return nil
        case let .frame(kind, payload) where kind == UInt8(ascii: "F"):
            configuration.log("[\(configuration.functionName)] init failed: \(String(decoding: payload, as: UTF8.self))")
            terminate(spawned)
            return .functionError(payload: payload)
        case .frame:
            terminate(spawned)
            return .invokeFailed(message: "the \(handler.runtime.rawValue) worker broke the protocol during start-up")
        case .timedOut:
            terminate(spawned)
            let seconds = LambdaErrorPayloads.secondsText(configuration.initTimeout)
            return .functionError(payload: LambdaErrorPayloads.runtimeUnavailable(
                requestID: requestID, reason: "the \(handler.runtime.rawValue) runtime did not finish initialising within \(seconds) seconds"))
        case .endOfFile:
            let reason = ProcessSpawner.reap(spawned.pid)
            closePipes(spawned)
            configuration.log("[\(configuration.functionName)] runtime exited during start-up: \(reason)")
            return .functionError(payload: LambdaErrorPayloads.runtimeExit(requestID: requestID, reason: reason))
        }
    }

    func stop() {
        guard let running = process else { return }
        // Closing stdin makes the bootstrap exit on its own; kill it if it does not within a second.
        close(running.requestFD)
        _ = ProcessSpawner.reap(running.pid)
        close(running.responseFD)
        process = nil
    }

    private func terminate(_ running: WorkerProcess) {
        _ = ProcessSpawner.kill9AndReap(running.pid)
        closePipes(running)
    }

    private func closePipes(_ running: WorkerProcess) {
        close(running.requestFD)
        close(running.responseFD)
        if process?.pid == running.pid { process = nil }
        buffer = []
    }

    private func invokedFunctionARN(_ invocation: LambdaInvocation) -> String {
        var arn = "arn:aws:lambda:\(LambdaEnvironment.region):\(LambdaEnvironment.accountID):function:\(configuration.functionName)"
        if let qualifier = invocation.qualifier, !qualifier.isEmpty { arn += ":\(qualifier)" }
        return arn
    }

    private func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        let handler = configuration.handler
        let name = configuration.functionName
        let moduleName = URL(fileURLWithPath: handler.file).deletingPathExtension().lastPathComponent
        let lambda: [String: String] = [
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": String(handler.memoryMB),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": String(max(1, Int(handler.timeout.milliseconds / 1000))),
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/\(name)",
            "AWS_LAMBDA_LOG_STREAM_NAME": LambdaEnvironment.logStreamName(),
            "AWS_REGION": LambdaEnvironment.region,
            "AWS_DEFAULT_REGION": LambdaEnvironment.region,
            "LAMBDA_TASK_ROOT": handler.taskRoot,
            "_HANDLER": "\(moduleName).\(handler.function)",
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        ]
        environment.merge(lambda) { _, new in new }
        environment.merge(handler.environment) { _, new in new }
        return environment
    }

    /// Forwards each line the runtime writes to stdout/stderr to the log callback, on its own thread,
    /// until the process closes the pipe; then closes it.
    private func startLogReader(fd: Int32) {
        let log = configuration.log
        let prefix = "[\(configuration.functionName)] "
        let thread = Thread {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 8192)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: chunk[0 ..< count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = pending[..<newline]
                    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                    log(prefix + String(decoding: line, as: UTF8.self))
                    pending.removeSubrange(...newline)
                }
            }
            if !pending.isEmpty { log(prefix + String(decoding: pending, as: UTF8.self)) }
            close(fd)
        }
        thread.name = "gatecheck-log-\(configuration.functionName)"
        thread.start()
    }
}

/// The fixed account and region the emulator pretends to run in (same as the gateway's `Fn::Sub` defaults).
enum LambdaEnvironment {
    static let region = "us-east-1"
    static let accountID = "123456789012"

    /// `2026/11/21/[$LATEST]<32 hex>`, the shape of a Lambda log stream name.
    static func logStreamName() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return String(format: "%04d/%02d/%02d/[$LATEST]", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1) + hex
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
