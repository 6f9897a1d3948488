import Backends
import Foundation
import Gateway
import JSONCore
import Testing

@Suite("Scripted Lambda functions")
struct ScriptedLambdaTests {
    static let yaml = #"""
    lambdas:
      Orders:
        timeout: 300ms
        script:
          - when: { "$.outcome": { equals: partial } }
            returns: { items: [1, 2], next: 2, ratio: 0.5, name: "é" }
          - when: { "$.outcome": { equals: "malformed" } }
            returnsRaw: '{"statusCode": 200, "body": "x", "extra": 1'
          - when: { "$.outcome": { matches: "^error:" } }
            raises: { errorMessage: "Error: Raising 400 from within the Lambda function", errorType: ValidationError }
          - when: { "$.count": 3 }
            raises: "three is not allowed"
          - when: { "$.slow": { exists: true } }
            sleep: 120
            returns: "slept"
          - when: { "$.tooSlow": { exists: true } }
            sleep: 5000
            returns: "never"
          - when: { "$.nested.flag": { exists: false }, "$.kind": { equals: { a: 1 } } }
            returns: null
          - when: { "$.outcome": complete }
            returns: [1, 2, 3]
    """#

    @Test func returnsAnyJSONSerialisedLikePython() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", #"{"outcome":"partial"}"#)
            #expect(result.successText == #"{"items": [1, 2], "next": 2, "ratio": 0.5, "name": "é"}"#)
            let list = try await invoke(registry, "Orders", #"{"outcome":"complete"}"#)
            #expect(list.successText == "[1, 2, 3]")
        }
    }

    @Test func returnsRawBytesExactly() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", #"{"outcome":"malformed"}"#)
            #expect(result.successText == #"{"statusCode": 200, "body": "x", "extra": 1"#)
        }
    }

    @Test func raisesGivesThePythonRuntimeErrorPayload() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", #"{"outcome":"error:x"}"#, requestID: "req-1")
            #expect(result.errorText == #"{"errorMessage": "Error: Raising 400 from within the Lambda function", "errorType": "ValidationError", "requestId": "req-1", "stackTrace": []}"#)
            let short = try await invoke(registry, "Orders", #"{"count":3.0}"#, requestID: "req-2")
            #expect(short.errorJSON?["errorMessage"] == .string("three is not allowed"))
            #expect(short.errorJSON?["errorType"] == .string("Exception"))
        }
    }

    @Test func conditionsCombineAndCompareAsJSON() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let matched = try await invoke(registry, "Orders", #"{"kind":{"a":1.0}}"#)
            #expect(matched.successText == "null")
            let notMatched = try await invoke(registry, "Orders", #"{"kind":{"a":1},"nested":{"flag":false}}"#)
            #expect(notMatched.errorJSON?["errorMessage"] == .string("no scripted rule matched the event"))
        }
    }

    @Test func sleepDelaysTheAnswerByAtLeastTheGivenTime() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await invoke(registry, "Orders", #"{"slow":1}"#)
            #expect(clock.now - start >= .milliseconds(120))
            #expect(result.successText == #""slept""#)
        }
    }

    @Test func sleepingPastTheTimeoutIsLambdasTimeoutError() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", #"{"tooSlow":1}"#, requestID: "abc")
            #expect(result.errorText == #"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: abc Error: Task timed out after 0.30 seconds"}"#)
        }
    }

    @Test func unmatchedEventIsAFunctionError() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", #"{"outcome":"unknown"}"#, requestID: "r9")
            #expect(result.errorText == #"{"errorMessage": "no scripted rule matched the event", "errorType": "Exception", "requestId": "r9", "stackTrace": []}"#)
        }
    }

    @Test func anEventThatIsNotJSONIsRejectedByInvoke() async throws {
        try await withBackends(Self.yaml) { registry, _ in
            let result = try await invoke(registry, "Orders", "not json")
            #expect(result.invokeFailure?.hasPrefix("Could not parse request body into json") == true)
        }
    }

    @Test func anEmptyEventIsAnEmptyObject() async throws {
        let yaml = """
        lambdas:
          Any:
            script:
              - when: { "$": { equals: {} } }
                returns: empty
        """
        try await withBackends(yaml) { registry, _ in
            let emptyEvent = try await invoke(registry, "Any", "")
            #expect(emptyEvent.successText == #""empty""#)
        }
    }
}
