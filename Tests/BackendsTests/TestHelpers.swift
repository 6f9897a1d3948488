import Backends
import Foundation
import Gateway
import JSONCore
import Synchronization
import Testing

/// Paths of test fixtures, found from this source file.
enum Paths {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    static let fixtures = testsDirectory + "/Fixtures"
    /// The package root (two levels above Tests/BackendsTests).
    static let packageRoot = URL(fileURLWithPath: testsDirectory).deletingLastPathComponent().deletingLastPathComponent().path
    static let outcomeFixture = packageRoot + "/fixtures/outcome"
}

/// Collects log lines and lets a test wait for one (bounded, so a missing line fails instead of hanging).
final class LogCollector: Sendable {
    private struct State {
        var lines: [String] = []
        var waiters: [(String, CheckedContinuation<String?, Never>)] = []
    }

    private let state = Mutex(State())

    var callback: @Sendable (String) -> Void {
        { [self] line in self.append(line) }
    }

    var lines: [String] { state.withLock { $0.lines } }

    private func append(_ line: String) {
        let ready = state.withLock { state -> [CheckedContinuation<String?, Never>] in
            state.lines.append(line)
            var ready: [CheckedContinuation<String?, Never>] = []
            state.waiters.removeAll { needle, continuation in
                guard line.contains(needle) else { return false }
                ready.append(continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: line) }
    }

    /// The first line containing `needle`, waiting up to `limit` for it to arrive.
    func line(containing needle: String, within limit: Duration = .seconds(10)) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let existing = self.state.withLock { state -> String? in
                        if let line = state.lines.first(where: { $0.contains(needle) }) { return line }
                        state.waiters.append((needle, continuation))
                        return nil
                    }
                    if let existing { continuation.resume(returning: existing) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                self.resolveWaiters(for: needle)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            self.resolveWaiters(for: needle)
            return first
        }
    }

    private func resolveWaiters(for needle: String) {
        let pending = state.withLock { state -> [CheckedContinuation<String?, Never>] in
            var pending: [CheckedContinuation<String?, Never>] = []
            state.waiters.removeAll { waiting, continuation in
                guard waiting == needle else { return false }
                pending.append(continuation)
                return true
            }
            return pending
        }
        for continuation in pending { continuation.resume(returning: nil) }
    }
}

/// Loads backends from YAML written in a test (paths relative to `baseDirectory`), creates the registry,
/// runs `body`, and always shuts the pool down.
func withBackends<T>(
    _ yaml: String, baseDirectory: String = Paths.fixtures, log: LogCollector = LogCollector(),
    _ body: (BackendRegistry, BackendPool) async throws -> T
) async throws -> T {
    let configuration = try BackendsLoader.load(text: yaml, file: "test-backends.yaml", baseDirectory: baseDirectory)
    let (registry, pool) = try configuration.makeRegistry(log: log.callback)
    do {
        let result = try await body(registry, pool)
        await pool.shutdown()
        return result
    } catch {
        await pool.shutdown()
        throw error
    }
}

func invoke(_ registry: BackendRegistry, _ function: String, _ event: String, requestID: String = UUID().uuidString.lowercased()) async throws -> LambdaResult {
    let backend = try #require(registry.lambda(named: function), "function \(function) is not in the registry")
    return await backend.invoke(LambdaInvocation(functionName: function, payload: Array(event.utf8), requestID: requestID))
}

extension LambdaResult {
    var successText: String? {
        if case let .success(payload) = self { return String(decoding: payload, as: UTF8.self) }
        return nil
    }

    var errorText: String? {
        if case let .functionError(payload) = self { return String(decoding: payload, as: UTF8.self) }
        return nil
    }

    var successJSON: JSONValue? { successText.flatMap { try? JSONValue.parse($0) } }
    var errorJSON: JSONValue? { errorText.flatMap { try? JSONValue.parse($0) } }

    var invokeFailure: String? {
        if case let .invokeFailed(message) = self { return message }
        return nil
    }
}
