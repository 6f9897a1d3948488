import Backends
import Foundation
import Gateway
import Testing

/// Warm-call overhead of a Python handler worker, printed, never asserted (timing depends on the machine).
/// Run it with `make bench`, i.e. `GATECHECK_BENCH=1 swift test -c release --filter BackendsBenchmark`.
@Suite("Backends benchmark", .enabled(if: ProcessInfo.processInfo.environment["GATECHECK_BENCH"] != nil))
struct BackendsBenchmark {
    @Test func warmPythonHandlerCall() async throws {
        let yaml = """
        lambdas:
          Bench: { python: bench.py:handler }
          Scripted: { script: [ { returns: { statusCode: 200, body: "ok" } } ] }
        """
        try await withBackends(yaml) { registry, pool in
            await pool.prewarm()
            let python = try #require(registry.lambda(named: "Bench"))
            let scripted = try #require(registry.lambda(named: "Scripted"))
            let event = Array(OutcomeFixtureTests.restProxyEvent(query: ["outcome": "complete"]).utf8)
            for (label, backend) in [("python worker", python), ("scripted", scripted)] {
                for _ in 0 ..< 200 { _ = await backend.invoke(LambdaInvocation(functionName: "Bench", payload: event, requestID: "warm")) }
                let rounds = 2000
                let clock = ContinuousClock()
                let start = clock.now
                for index in 0 ..< rounds {
                    let result = await backend.invoke(LambdaInvocation(functionName: "Bench", payload: event, requestID: "r-\(index)"))
                    guard case .success = result else {
                        Issue.record("invocation failed: \(result)")
                        return
                    }
                }
                let elapsed = clock.now - start
                let microseconds = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
                print(String(format: "gatecheck bench: %@: %.1f µs per warm invocation (%d calls, %d-byte event)",
                             label, microseconds / Double(rounds), rounds, event.count))
            }
        }
    }
}
