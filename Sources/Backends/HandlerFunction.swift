import Foundation
import Gateway

/// Real handler code for a Lambda function: a Python or Node.js file and the function to call in it.
public struct HandlerSpec: Sendable, Hashable {
    public enum Runtime: String, Sendable, Hashable {
        case python, node
    }

    public var runtime: Runtime
    /// Absolute path of the handler file (`.py`, or `.js` / `.mjs` / `.cjs`).
    public var file: String
    /// The function's name in the module (`handler`; dotted names reach into objects: `app.handler`).
    public var function: String
    /// Lambda's function timeout (default 3 s, as on Lambda).
    public var timeout: Duration
    /// Extra environment variables for the function (on top of the emulator's and Lambda's own).
    public var environment: [String: String]
    /// Most worker processes (execution environments) at once, default 4: one is used while invocations come one
    /// at a time; another starts when invocations overlap, as Lambda scales out; beyond it, invocations wait.
    public var poolSize: Int
    /// `context.memory_limit_in_mb` / `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (informational only).
    public var memoryMB: Int
    /// The interpreter to run (`python3` / `node` from PATH by default, or `$GATECHECK_PYTHON` / `$GATECHECK_NODE`).
    public var interpreter: String?

    public init(runtime: Runtime, file: String, function: String, timeout: Duration = .seconds(3),
                environment: [String: String] = [:], poolSize: Int = HandlerSpec.defaultPoolSize, memoryMB: Int = 128, interpreter: String? = nil) {
        self.runtime = runtime
        self.file = file
        self.function = function
        self.timeout = timeout
        self.environment = environment
        self.poolSize = poolSize
        self.memoryMB = memoryMB
        self.interpreter = interpreter
    }

    /// `pool:` when a function does not say: overlapping invocations get their own worker, as on Lambda, up to 4.
    public static let defaultPoolSize = 4

    /// The handler's directory: the process's working directory and first import path (`LAMBDA_TASK_ROOT`).
    public var taskRoot: String { URL(fileURLWithPath: file).deletingLastPathComponent().path }

    var interpreterExecutable: String {
        if let interpreter { return interpreter }
        let environment = ProcessInfo.processInfo.environment
        switch runtime {
        case .python: return environment["GATECHECK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        case .node: return environment["GATECHECK_NODE"].flatMap { $0.isEmpty ? nil : $0 } ?? "node"
        }
    }

    var interpreterArguments: [String] {
        switch runtime {
        case .python: return ["-u"]
        case .node: return []
        }
    }
}

/// A Lambda function backed by real handler code running in a pool of persistent worker processes.
///
/// Workers start lazily, each on the first invocation it takes (or on `prewarm()`), are reused for every later
/// invocation, and are restarted after a crash or timeout. The most recently used idle worker takes the next
/// invocation, so calls that come one at a time always find the same warm worker; an invocation that overlaps
/// running ones takes an unused worker and pays its cold start, as Lambda scales out. With a pool of N, N
/// invocations run at once; more wait, first come first served, for a free worker.
/// Cancelling the calling task (the gateway's integration timeout) kills the worker running that invocation.
public actor HandlerFunction: LambdaBackend {
    public nonisolated let name: String
    public nonisolated let spec: HandlerSpec
    private let workers: [HandlerWorker]
    private var idle: [HandlerWorker]
    private var waiters: [(id: UUID, continuation: CheckedContinuation<HandlerWorker?, Never>)] = []
    private var isShutDown = false

    init(name: String, spec: HandlerSpec, bootstrapPath: String, log: @escaping @Sendable (String) -> Void) {
        self.name = name
        self.spec = spec
        let configuration = WorkerConfiguration(functionName: name, handler: spec, bootstrapPath: bootstrapPath, log: log)
        let workers = (0 ..< max(1, spec.poolSize)).map { _ in HandlerWorker(configuration: configuration) }
        self.workers = workers
        self.idle = workers
    }

    public nonisolated func invoke(_ invocation: LambdaInvocation) async -> LambdaResult {
        guard let worker = await acquire() else {
            return .invokeFailed(message: Task.isCancelled
                ? "the invocation was cancelled while waiting for a free worker"
                : "function \(name) has been shut down")
        }
        let cancellation = InvocationCancellation()
        let result = await withTaskCancellationHandler {
            await worker.invoke(invocation, cancellation: cancellation)
        } onCancel: {
            worker.abort(cancellation)
        }
        await release(worker)
        return result
    }

    /// Starts, now instead of on first use, the worker process the next invocation takes (the others start when
    /// invocations overlap, as Lambda starts more execution environments).
    public func prewarm() async {
        if let next = idle.last { await next.prewarm() }
    }

    /// Stops every worker process; later invocations fail with `invokeFailed`.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters = []
        for worker in workers { await worker.shutdown() }
    }

    private func acquire() async -> HandlerWorker? {
        if isShutDown { return nil }
        if let worker = idle.popLast() { return worker }
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled || isShutDown {
                    continuation.resume(returning: nil)
                } else {
                    waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UUID) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }

    private func release(_ worker: HandlerWorker) {
        if isShutDown { return }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: worker)
        } else {
            idle.append(worker)
        }
    }
}
