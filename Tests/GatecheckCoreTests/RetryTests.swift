import Foundation
import GatecheckCore
import HTTPMessage
import Synchronization
import Testing
import TestSupport

/// Records the waits the runner asks for instead of sleeping, so retry tests never depend on wall-clock time.
final class SleepRecorder: Sendable {
    private let storage = Mutex<[Duration]>([])
    var delays: [Duration] { storage.withLock { $0 } }
    var sleep: @Sendable (Duration) async throws -> Void {
        { delay in
            self.storage.withLock { $0.append(delay) }
            try Task.checkCancellation()
        }
    }
}

/// Counts requests per path; `script[path]` gives the responses in order (the last one repeats).
func scriptedServer(_ script: [String: [LoopbackResponse]]) throws -> LoopbackHTTPServer {
    let counts = Mutex<[String: Int]>([:])
    return try LoopbackHTTPServer { request in
        let index = counts.withLock { counts -> Int in
            defer { counts[request.path, default: 0] += 1 }
            return counts[request.path, default: 0]
        }
        guard let responses = script[request.path], !responses.isEmpty else { return demoResponse(request) }
        return responses[min(index, responses.count - 1)]
    }
}

@Suite struct RetryTests {
    static let unavailable = LoopbackResponse.text("{\"message\": \"Service Unavailable\"}", status: 503)

    @Test func gatewayErrorsAndTransportFailuresAreRetriedAndThePassIsFlaky() async throws {
        let server = try scriptedServer([
            "/flaky-503": [Self.unavailable, .text("late", status: 502), .text("ok")],
            "/flaky-reset": [.resetMidBody(headers: [:], partialBody: Array("par".utf8), declaredLength: 100), .text("ok")],
        ])
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let suite = """
        name: flaky
        cases:
          - name: gateway errors then ok
            request: { path: /flaky-503 }
            expect: { status: 200 }
          - name: reset then ok
            request: { path: /flaky-reset }
            expect: { status: 200, body: ok }
          - name: steady
            request: { path: /text }
            expect: { status: 200 }
        """
        let run = await runSuites(["flaky.yaml": suite], target: server.baseURL) {
            $0.retries = 2
            $0.sleep = sleeper.sleep
            $0.jitter = { 1 }
        }
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(run.summary.passed == 3)
        #expect(run.summary.flaky == 2)
        #expect(server.requests.filter { $0.path == "/flaky-503" }.count == 3)
        #expect(server.requests.filter { $0.path == "/flaky-reset" }.count == 2)
        // Exponential backoff: 200 ms then 400 ms (jitter pinned to the top of the range), then 200 ms for the other case.
        #expect(sleeper.delays == [.milliseconds(200), .milliseconds(400), .milliseconds(200)])

        let result = try #require(run.result("gateway errors then ok"))
        #expect(result.attempts == 3)
        #expect(result.earlierAttempts.map(\.type) == ["GatewayError", "GatewayError"])
        #expect(result.earlierAttempts.first?.message == "attempt 1 of 3: HTTP 503 Service Unavailable (a gateway error); retried after 200 ms")
        let reset = try #require(run.result("reset then ok")?.earlierAttempts.first)
        #expect(reset.kind == .error)
        #expect(["CURLE_PARTIAL_FILE", "CURLE_RECV_ERROR"].contains(reset.type), "\(reset.type)")

        // Console: flaky marked per case, counted apart in the summary; the last line stays plain counts.
        #expect(run.console.contains("✓ gateway errors then ok"))
        #expect(run.console.contains("flaky: passed on attempt 3)"))
        let lastLine = run.console.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("3 passed (2 flaky), 0 failed, 0 errors, 0 skipped in "), "\(lastLine)")

        // JUnit: passes with one <flakyFailure>/<flakyError> per earlier attempt (Surefire's convention).
        let xml = try #require(run.junit)
        #expect(xml.components(separatedBy: "<flakyFailure message=\"attempt ").count - 1 == 2)
        #expect(xml.components(separatedBy: "<flakyError message=\"attempt 1 of 3: curl error ").count - 1 == 1)
        #expect(!xml.contains("<failure"))
        let schema = try #require(ReportValidation.junitSchemaPath())
        let lint = try ReportValidation.xmllint(run.junitPath, schema: schema)
        #expect(lint.status == 0, "xmllint: \(lint.output)")
        let parsed = try ReportValidation.junitparser(run.junitPath)
        #expect(parsed.output.hasPrefix("suite flaky tests=3 failures=0 errors=0 skipped=0\n"), "\(parsed.output)")
    }

    @Test func exhaustedRetriesFailWithEveryAttemptReported() async throws {
        let server = try scriptedServer(["/down": [Self.unavailable]])
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let suite = "name: down\ncases:\n  - name: always 503\n    retries: 2\n    request: { path: /down }\n    expect: { status: 200 }\n"
        let run = await runSuites(["down.yaml": suite], target: server.baseURL) { $0.sleep = sleeper.sleep }
        #expect(run.summary.exitCode == 1)
        #expect(server.requests.count == 3, "per-case retries: 2 means three attempts")
        #expect(run.failures("always 503").first?.summary == "status: expected 200, got 503")
        let xml = try #require(run.junit)
        #expect(xml.components(separatedBy: "<rerunFailure ").count - 1 == 2)
        #expect(xml.contains("<failure message=\"status: expected 200, got 503\""))
        let schema = try #require(ReportValidation.junitSchemaPath())
        let lint = try ReportValidation.xmllint(run.junitPath, schema: schema)
        #expect(lint.status == 0, "xmllint: \(lint.output)")
        let parsed = try ReportValidation.junitparser(run.junitPath)
        #expect(parsed.output == "suite down tests=1 failures=1 errors=0 skipped=0\ncase down | always 503 | Failure\n", "\(parsed.output)")
        #expect(run.console.contains("attempt 1 of 3: HTTP 503 Service Unavailable"))
        #expect(run.console.split(separator: "\n").last?.hasPrefix("0 passed, 1 failed") == true)
    }

    @Test func onlyTransientProblemsOfIdempotentRequestsAreRetried() async throws {
        let server = try scriptedServer(["/down": [Self.unavailable], "/wrong": [.text("not what you expect")]])
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let suite = """
        cases:
          - name: post is not retried
            request: { method: POST, path: /down, body: "x" }
            expect: { status: 200 }
          - name: assertion failures are not retried
            request: { path: /wrong }
            expect: { body: "something else" }
          - name: an expected 503 is not retried
            request: { method: PUT, path: /down }
            expect: { status: 503 }
          - name: post opted in
            retryNonIdempotent: true
            request: { method: POST, path: /down, body: "y" }
            expect: { status: 200 }
          - name: only transport failures
            retry: { on: [transport] }
            request: { method: DELETE, path: /down }
            expect: { status: 200 }
        """
        let run = await runSuites(["idempotent.yaml": suite], target: server.baseURL) {
            $0.retries = 2
            $0.sleep = sleeper.sleep
        }
        let sent = server.requests.map { "\($0.method) \($0.path)" }
        #expect(sent == ["POST /down", "GET /wrong", "PUT /down", "POST /down", "POST /down", "POST /down", "DELETE /down"], "\(sent)")
        #expect(run.result("an expected 503 is not retried")?.isPassed == true)
        #expect(run.result("post opted in")?.attempts == 3)
        #expect(run.result("post is not retried")?.attempts == 1)
        #expect(sleeper.delays.count == 2)
    }

    @Test func retryAfterIsHonouredAndCapped() async throws {
        let server = try scriptedServer([
            "/busy": [.text("busy", status: 503, headers: ["Retry-After": "7"]), .text("ok")],
            "/very-busy": [.text("busy", status: 503, headers: ["Retry-After": "3600"]), .text("ok")],
        ])
        defer { server.stop() }
        let sleeper = SleepRecorder()
        let suite = "cases:\n  - name: a\n    request: { path: /busy }\n  - name: b\n    request: { path: /very-busy }\n"
        let run = await runSuites(["busy.yaml": suite], target: server.baseURL) {
            $0.retries = 1
            $0.sleep = sleeper.sleep
            $0.maxRetryAfter = .seconds(30)
        }
        #expect(run.summary.flaky == 2)
        #expect(sleeper.delays == [.seconds(7), .seconds(30)])
        #expect(run.result("a")?.earlierAttempts.first?.message.hasSuffix("retried after 7.00 s, as Retry-After asked") == true)
    }

    @Test func backoffIsExponentialBoundedAndJittered() {
        let policy = RetryPolicy(retries: 5, backoff: .milliseconds(200), maxBackoff: .seconds(1), maxRetryAfter: .seconds(30))
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, jitter: 0) == .milliseconds(100))
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, jitter: 1) == .milliseconds(200))
        #expect(policy.delay(beforeRetry: 2, retryAfter: nil, jitter: 1) == .milliseconds(400))
        #expect(policy.delay(beforeRetry: 3, retryAfter: nil, jitter: 0.5) == .milliseconds(600))
        #expect(policy.delay(beforeRetry: 9, retryAfter: nil, jitter: 1) == .seconds(1), "capped at maxBackoff")
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(5), jitter: 1) == .seconds(5))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(500), jitter: 1) == .seconds(30))
        #expect(policy.delay(beforeRetry: 2, retryAfter: .zero, jitter: 1) == .milliseconds(400), "a shorter Retry-After does not shorten the backoff")

        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryPolicy.retryAfter("120") == .seconds(120))
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryPolicy.retryAfter("Tuesday, 14-Nov-23 22:13:25 GMT", now: now) == .seconds(5))
        #expect(RetryPolicy.retryAfter("Tue Nov 14 22:13:21 2023", now: now) == .seconds(1))
        #expect(RetryPolicy.retryAfter("Mon, 13 Nov 2023 00:00:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.retryAfter("soon") == nil)
        #expect(RetryPolicy.retryAfter("-5") == nil)

        #expect(policy.shouldRetry(status: 503, expected: nil))
        #expect(!policy.shouldRetry(status: 503, expected: .statusClass(5)))
        #expect(!policy.shouldRetry(status: 500, expected: .exact(200)))
        #expect(!policy.allowsRetry(method: "POST"))
        #expect(policy.allowsRetry(method: "PUT"))
        #expect(!RetryPolicy(retries: 0).allowsRetry(method: "GET"))
    }

    @Test func eventuallyPollsUntilTheAssertionsHold() async throws {
        let notYet = LoopbackResponse.text("{\"message\":\"Not Found\"}", status: 404)
        let server = try scriptedServer(["/ready": [notYet, notYet, .text("{\"state\":\"ready\"}")], "/never": [notYet]])
        defer { server.stop() }
        let suite = """
        cases:
          - name: becomes ready
            eventually: { within: 10s, every: 10ms }
            request: { path: /ready }
            expect: { status: 200, body: { json: { state: ready } } }
            capture: { state: "$.state" }
          - name: uses the capture of the final attempt
            request: { path: "/echo", query: { s: "{{state}}" } }
            expect: { body: { contains: "s=ready" } }
          - name: never ready
            eventually: { within: 300ms, every: 50ms }
            request: { path: /never }
            expect: { status: 200 }
        """
        let run = await runSuites(["poll.yaml": suite], target: server.baseURL)
        #expect(run.result("becomes ready")?.isPassed == true)
        #expect(run.result("becomes ready")?.isFlaky == false, "polling is expected behaviour, not flakiness")
        #expect(server.requests.filter { $0.path == "/ready" }.count == 3)
        #expect(run.result("uses the capture of the final attempt")?.isPassed == true)
        let failures = run.failures("never ready").map(\.summary)
        #expect(failures.first == "status: expected 200, got 404")
        #expect(failures.last?.hasPrefix("eventually: still not satisfied after ") == true, "\(failures)")
        let polled = server.requests.filter { $0.path == "/never" }.count
        // At most one request per 50 ms in 300 ms (plus the first); a busy machine may manage fewer.
        #expect(polled >= 1 && polled <= 7, "\(polled) requests in 300 ms, every 50 ms")
        #expect(run.summary.exitCode == 1)
    }

    @Test func retrySettingsAreCheckedWhenLoading() async throws {
        let suite = """
        defaults: { retries: 11 }
        cases:
          - name: a
            retry: { on: [transport, 5xx], backof: 1s }
            eventually: { every: 1s }
            request: { path: /a }
        """
        let errors = OutputBuffer()
        let workspace = Workspace()
        let path = workspace.write("r.yaml", suite)
        let status = GatecheckRunner.validate(paths: [path], environment: [:], output: { _ in }, errorOutput: errors.writer)
        #expect(status == .invalidInput)
        let lines = errors.text.replacingOccurrences(of: workspace.path + "/", with: "").split(separator: "\n").map(String.init)
        #expect(lines == [
            "r.yaml:1:22: error: 'defaults.retries' must be between 0 and 10, found 11",
            "r.yaml:4:36: error: unknown key 'backof' in retry (did you mean 'backoff'?)",
            "r.yaml:4:30: error: unknown retry trigger '5xx' (use 'transport' or an HTTP status such as 503)",
            "r.yaml:5:17: error: missing required key 'within' in eventually",
            "gatecheck: 4 errors in the suites",
        ], "\(lines)")
    }
}
