import Backends
import Foundation
import Gateway
import JSONCore
import Testing

@Suite("Python handler workers")
struct PythonWorkerTests {
    static func yaml(_ function: String, timeout: String = "3s", extra: String = "") -> String {
        """
        lambdas:
          Py:
            python: handlers.py:\(function)
            timeout: \(timeout)
        \(extra)
        """
    }

    @Test func callsTheHandlerAndReusesTheWarmWorker() async throws {
        try await withBackends(Self.yaml("ok")) { registry, _ in
            let first = try await invoke(registry, "Py", #"{"a": [1, 2], "b": "é"}"#)
            let json = try #require(first.successJSON)
            #expect(json["ok"] == .bool(true))
            #expect(json["event"] == .object(["a": .array([.int(1), .int(2)]), "b": .string("é")]))
            // Python's json.dumps spacing, as the Lambda runtime serialises.
            #expect(first.successText?.hasPrefix(#"{"ok": true, "event": {"a": [1, 2], "b": "é"}"#) == true)
            let second = try await invoke(registry, "Py", "{}")
            #expect(second.successJSON?["pid"] == json["pid"], "the second call must reuse the same worker process")
        }
    }

    @Test func contextCarriesLambdaFields() async throws {
        let yaml = """
        lambdas:
          Orders:
            python: handlers.py:context_fields
            memory: 256
            env: { GREETING: hi }
        """
        try await withBackends(yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", "{}", requestID: "11111111-2222-3333-4444-555555555555")
            let json = try #require(result.successJSON)
            #expect(json["function_name"] == .string("Orders"))
            #expect(json["function_version"] == .string("$LATEST"))
            #expect(json["invoked_function_arn"] == .string("arn:aws:lambda:us-east-1:123456789012:function:Orders"))
            #expect(json["memory_limit_in_mb"] == .string("256"))
            #expect(json["aws_request_id"] == .string("11111111-2222-3333-4444-555555555555"))
            #expect(json["log_group_name"] == .string("/aws/lambda/Orders"))
            #expect(json["log_stream_name"]?.stringValue?.contains("[$LATEST]") == true)
            let remaining = try #require(json["remaining"]?.intValue)
            #expect(remaining > 2000 && remaining <= 3000)
            #expect(json["cwd"]?.stringValue.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: Paths.fixtures).resolvingSymlinksInPath().path)
            #expect(json["env"] == .string("hi"))
        }
    }

    @Test func anExceptionBecomesTheRuntimeErrorPayload() async throws {
        try await withBackends(Self.yaml("fail")) { registry, _ in
            let result = try await invoke(registry, "Py", "{}", requestID: "req-7")
            let json = try #require(result.errorJSON)
            #expect(json["errorMessage"] == .string("order 42 does not exist"))
            #expect(json["errorType"] == .string("OrderNotFound"))
            #expect(json["requestId"] == .string("req-7"))
            let trace = (json["stackTrace"]?.arrayValue ?? []).compactMap { $0.stringValue }
            #expect(trace.count == 1)
            #expect(trace.first?.contains("handlers.py\", line ") == true)
            #expect(trace.first?.contains(", in fail\n    raise OrderNotFound(\"order 42 does not exist\")\n") == true)
            #expect(result.errorText?.hasPrefix(#"{"errorMessage": "order 42 does not exist", "errorType": "OrderNotFound", "requestId": "req-7", "stackTrace": ["  File "#) == true)
        }
    }

    @Test func aTimeoutKillsTheWorkerAndTheNextCallGetsAFreshOne() async throws {
        let yaml = """
        lambdas:
          Slow:
            python: handlers.py:slow
            timeout: 200ms
          Fast:
            python: handlers.py:ok
        """
        try await withBackends(yaml) { registry, pool in
            let timedOut = try await invoke(registry, "Slow", #"{"seconds": 30}"#, requestID: "t-1")
            #expect(timedOut.errorText == #"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: t-1 Error: Task timed out after 0.20 seconds"}"#)
            await pool.prewarm() // the replacement's cold start is not part of the 200 ms
            let next = try await invoke(registry, "Slow", #"{"seconds": 0}"#)
            #expect(next.successJSON?["slept"] == .bool(true))
        }
    }

    @Test func aCrashIsRuntimeExitErrorAndTheWorkerIsRestarted() async throws {
        let yaml = """
        lambdas:
          Crash:
            python: handlers.py:crash
          Ok:
            python: handlers.py:ok
        """
        try await withBackends(yaml) { registry, _ in
            let crashed = try await invoke(registry, "Crash", "{}", requestID: "c-1")
            #expect(crashed.errorText == #"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: c-1 Error: Runtime exited with error: exit status 1"}"#)
            let again = try await invoke(registry, "Crash", "{}", requestID: "c-2")
            #expect(again.errorJSON?["errorMessage"] == .string("RequestId: c-2 Error: Runtime exited with error: exit status 1"),
                    "the crashed worker must have been restarted to crash again")
            let okAfterCrash = try await invoke(registry, "Ok", "{}")
            #expect(okAfterCrash.successJSON?["ok"] == .bool(true))
        }
    }

    @Test func aCrashedWorkerIsReplacedByANewProcess() async throws {
        let yaml = """
        lambdas:
          Fixture:
            python: ../../../fixtures/outcome/outcome.py:handler
        """
        try await withBackends(yaml) { registry, _ in
            let firstEcho = try await invoke(registry, "Fixture", #"{"outcome":"echo"}"#)
            let before = try #require(firstEcho.successJSON)
            let crashed = try await invoke(registry, "Fixture", #"{"outcome":"crash"}"#)
            #expect(crashed.errorJSON?["errorType"] == .string("Runtime.ExitError"))
            let after = try await invoke(registry, "Fixture", #"{"outcome":"echo"}"#)
            #expect(after.successJSON == before, "the next call succeeds on a new worker")
        }
    }

    @Test func printGoesToTheLogNotTheResponse() async throws {
        let log = LogCollector()
        try await withBackends(Self.yaml("chatty"), log: log) { registry, _ in
            let result = try await invoke(registry, "Py", #"{"n": 7}"#)
            #expect(result.successText == #"{"quiet": true}"#)
            #expect(await log.line(containing: "hello from print 7") == "[Py] hello from print 7")
            #expect(await log.line(containing: "written to stdout") != nil)
            #expect(await log.line(containing: "written to stderr") != nil)
        }
    }

    @Test func noneIsNullAndUnicodeIsKept() async throws {
        let yaml = """
        lambdas:
          None:
            python: handlers.py:returns_none
          Unicode:
            python: handlers.py:unicode
          Set:
            python: handlers.py:unserialisable
        """
        try await withBackends(yaml) { registry, _ in
            let noneResult = try await invoke(registry, "None", "{}")
            #expect(noneResult.successText == "null")
            let unicodeResult = try await invoke(registry, "Unicode", "{}")
            #expect(unicodeResult.successText == #"{"text": "héllo ✓", "n": 1.5}"#)
            let set = try await invoke(registry, "Set", "{}")
            #expect(set.errorJSON?["errorType"] == .string("Runtime.MarshalError"))
            #expect(set.errorJSON?["errorMessage"]?.stringValue?.hasPrefix("Unable to marshal response: ") == true)
        }
    }

    @Test func importAndHandlerErrorsLookLikeLambdas() async throws {
        let yaml = """
        lambdas:
          Broken:
            python: broken.py:handler
          Missing:
            python: handlers.py:nope
        """
        try await withBackends(yaml) { registry, _ in
            let broken = try await invoke(registry, "Broken", "{}")
            #expect(broken.errorText == #"{"errorMessage": "Unable to import module 'broken': No module named 'module_that_does_not_exist'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}"#)
            let missing = try await invoke(registry, "Missing", "{}", requestID: "m-1")
            #expect(missing.errorText == #"{"errorMessage": "Handler 'nope' missing on module 'handlers'", "errorType": "Runtime.HandlerNotFound", "requestId": "m-1", "stackTrace": []}"#)
        }
    }

    @Test("overlapping invocations scale out to more workers by default, as Lambda does; calls one at a time keep one warm worker")
    func overlappingInvocationsScaleOutByDefault() async throws {
        let meeting = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-rendezvous-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: meeting, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: meeting) }
        try await withBackends(Self.yaml("rendezvous", timeout: "15s")) { registry, _ in
            // Each invocation waits until three have arrived: they only meet if three workers run at once.
            let event = #"{"dir": "\#(meeting)", "parties": 3}"#
            let results = await withTaskGroup(of: LambdaResult?.self) { group in
                for _ in 0 ..< 3 { group.addTask { try? await invoke(registry, "Py", event) } }
                var results: [LambdaResult] = []
                for await result in group { if let result { results.append(result) } }
                return results
            }
            #expect(results.count == 3)
            #expect(results.allSatisfy { $0.successJSON?["met"] == .bool(true) }, "\(results)")
            #expect(Set(results.compactMap { $0.successJSON?["pid"]?.intValue }).count == 3)
            // One at a time, every call lands on the same (most recently used) warm worker.
            let single = #"{"dir": "\#(meeting)", "parties": 1}"#
            let first = try await invoke(registry, "Py", single)
            let second = try await invoke(registry, "Py", single)
            #expect(first.successJSON?["pid"] != nil)
            #expect(second.successJSON?["pid"] == first.successJSON?["pid"])
        }
    }

    @Test func concurrentInvocationsQueueForThePool() async throws {
        let yaml = """
        lambdas:
          Py:
            python: handlers.py:ok
            pool: 2
        """
        try await withBackends(yaml) { registry, _ in
            let results = await withTaskGroup(of: LambdaResult?.self) { group in
                for index in 0 ..< 20 {
                    group.addTask { try? await invoke(registry, "Py", #"{"i": \#(index)}"#) }
                }
                var results: [LambdaResult] = []
                for await result in group { if let result { results.append(result) } }
                return results
            }
            #expect(results.count == 20)
            let indexes = Set(results.compactMap { $0.successJSON?["event"]?["i"]?.intValue })
            #expect(indexes == Set(0 ..< 20), "\(results.filter { $0.successJSON?["event"]?["i"] == nil })")
            let pids = Set(results.compactMap { $0.successJSON?["pid"]?.intValue })
            #expect(pids.count <= 2 && pids.count >= 1)
        }
    }

    @Test func cancellingTheCallerStopsTheInvocation() async throws {
        let log = LogCollector()
        try await withBackends(Self.yaml("slow", timeout: "60s"), log: log) { registry, _ in
            let clock = ContinuousClock()
            let start = clock.now
            let task = Task { try await invoke(registry, "Py", #"{"seconds": 60}"#) }
            // Cancel once the handler is really running, as the gateway does when its integration timeout fires.
            #expect(await log.line(containing: "sleeping 60") != nil)
            task.cancel()
            let result = try await task.value
            #expect(result.invokeFailure?.contains("cancelled") == true)
            #expect(clock.now - start < .seconds(30))
            let next = try await invoke(registry, "Py", #"{"seconds": 0}"#)
            #expect(next.successJSON?["slept"] == .bool(true))
        }
    }
}
