import Backends
import Foundation
import Gateway
import JSONCore
import Testing

@Suite("Node.js handler workers", .serialized)
struct NodeWorkerTests {
    static let yaml = """
    lambdas:
      Ok: { node: handlers.js:ok }
      Context: { node: handlers.js:contextFields }
      Fail: { node: handlers.js:fail }
      Callback: { node: handlers.js:callbackStyle }
      CallbackError: { node: handlers.js:callbackError }
      Slow: { node: handlers.js:slow, timeout: 200ms }
      Crash: { node: handlers.js:crash }
      Chatty: { node: handlers.js:chatty }
      Undefined: { node: handlers.js:returnsUndefined }
      Esm: { node: esm.mjs:handler }
      Missing: { node: handlers.js:nope }
      Broken: { node: broken.js:handler }
    """

    @Test func asyncHandlerResultIsJSONStringified() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let first = try await invoke(registry, "Ok", #"{"a": [1, 2]}"#)
            #expect(first.successText?.hasPrefix(#"{"ok":true,"event":{"a":[1,2]},"pid":"#) == true)
            let second = try await invoke(registry, "Ok", "{}")
            #expect(second.successJSON?["pid"] == first.successJSON?["pid"], "the warm worker is reused")
            let undefinedResult = try await invoke(registry, "Undefined", "{}")
            #expect(undefinedResult.successText == "null")
        }
    }

    @Test func contextHasNodeRuntimeFields() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let contextResult = try await invoke(registry, "Context", "{}", requestID: "n-1")
            let json = try #require(contextResult.successJSON)
            #expect(json["functionName"] == .string("Context"))
            #expect(json["functionVersion"] == .string("$LATEST"))
            #expect(json["invokedFunctionArn"] == .string("arn:aws:lambda:us-east-1:123456789012:function:Context"))
            #expect(json["memoryLimitInMB"] == .string("128"))
            #expect(json["awsRequestId"] == .string("n-1"))
            #expect(json["callbackWaitsForEmptyEventLoop"] == .bool(true))
            let remaining = try #require(json["remaining"]?.intValue)
            #expect(remaining > 2000 && remaining <= 3000)
        }
    }

    @Test func callbackStyleHandlersWork() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let callbackResult = try await invoke(registry, "Callback", #"{"n": 3}"#)
            #expect(callbackResult.successText == #"{"style":"callback","n":3}"#)
            let callbackError = try await invoke(registry, "CallbackError", "{}")
            let error = try #require(callbackError.errorJSON)
            #expect(error["errorType"] == .string("TypeError"))
            #expect(error["errorMessage"] == .string("bad input"))
        }
    }

    @Test func aThrownErrorBecomesTheNodeErrorPayload() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Fail", "{}")
            #expect(result.errorText?.hasPrefix(#"{"errorType":"OrderNotFound","errorMessage":"order 42 does not exist","trace":["OrderNotFound: order 42 does not exist","    at "#) == true)
            let trace = try #require(result.errorJSON?["trace"]?.arrayValue)
            #expect(trace.contains { $0.stringValue?.contains("handlers.js:") == true })
        }
    }

    @Test func esModulesAreImported() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let esmResult = try await invoke(registry, "Esm", #"{"x": 1}"#, requestID: "e-1")
            let json = try #require(esmResult.successJSON)
            #expect(json == .object(["module": .string("esm"), "requestId": .string("e-1"), "event": .object(["x": .int(1)])]))
        }
    }

    @Test func timeoutThenFreshWorker() async throws {
        try await withBackends(Self.yaml) { registry, pool in
            let timedOut = try await invoke(registry, "Slow", #"{"ms": 30000}"#, requestID: "t-2")
            #expect(timedOut.errorText == #"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: t-2 Error: Task timed out after 0.20 seconds"}"#)
            // Start the replacement worker first: a cold start is not part of the 200 ms, and on a loaded
            // machine Node's start-up alone can take longer than that.
            await pool.prewarm()
            let afterTimeout = try await invoke(registry, "Slow", #"{"ms": 1}"#)
            #expect(afterTimeout.successText == #"{"slept":true}"#, "\(afterTimeout)")
        }
    }

    @Test func crashThenRestart() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let crashed = try await invoke(registry, "Crash", "{}", requestID: "c-9")
            #expect(crashed.errorText == #"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: c-9 Error: Runtime exited with error: exit status 1"}"#)
            let again = try await invoke(registry, "Crash", "{}", requestID: "c-10")
            #expect(again.errorJSON?["errorType"] == .string("Runtime.ExitError"))
        }
    }

    @Test func consoleLogGoesToTheLog() async throws {
        let log = LogCollector()
        try await withBackends(Self.yaml, log: log) { registry, _ in
            let chattyResult = try await invoke(registry, "Chatty", #"{"n": 5}"#)
            #expect(chattyResult.successText == #"{"quiet":true}"#)
            #expect(await log.line(containing: "hello from console.log 5") == "[Chatty] hello from console.log 5")
            #expect(await log.line(containing: "written to stdout") != nil)
            #expect(await log.line(containing: "written to stderr") != nil)
        }
    }

    @Test func anImportFailureIsImportModuleError() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let broken = try await invoke(registry, "Broken", "{}")
            let error = try #require(broken.errorJSON)
            #expect(error["errorType"] == .string("Runtime.ImportModuleError"))
            #expect(error["errorMessage"]?.stringValue?.hasPrefix("Error: Cannot find module './module-that-does-not-exist'") == true)
        }
    }

    @Test func aMissingHandlerIsHandlerNotFound() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let missingResult = try await invoke(registry, "Missing", "{}")
            let error = try #require(missingResult.errorJSON)
            #expect(error["errorType"] == .string("Runtime.HandlerNotFound"))
            #expect(error["errorMessage"] == .string("handlers.nope is undefined or not exported"))
        }
    }
}
