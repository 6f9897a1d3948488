import Foundation
import GatecheckCore
import Testing
import TestSupport

/// Every assertion kind, once holding and once failing, against a real loopback server.
@Suite struct AssertionTests {
    @Test func theIssueExampleFlowPasses() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        name: partial-content
        description: A list endpoint answers 200 when everything fits and 206 when the client must page.
        tags: [smoke]
        vars: { pageSize: "2" }
        cases:
          - name: everything fits -> 200
            request: { method: GET, path: /items, query: { limit: "10" } }
            expect:
              status: 200
              headers: { Content-Type: application/json }
              body: { json: { items: [1, 2, 3], next: null } }
          - name: first page -> 206 with a cursor
            request: { method: GET, path: /items, query: { limit: "{{pageSize}}" } }
            expect:
              status: 206
              body: { jsonSubset: { items: [1, 2] }, jsonPath: { "$.next": { matches: "^[A-Za-z0-9]+$" } } }
            capture: { cursor: "$.next" }
          - name: following the cursor ends with 200
            request: { method: GET, path: /items, query: { cursor: "{{cursor}}" } }
            expect: { status: 200, headers: { X-Missing: { absent: true } } }
        """
        let run = await runSuites(["partial.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 3)
        #expect(server.requests.map(\.target) == ["/items?limit=10", "/items?limit=2", "/items?cursor=abc123"])
        #expect(run.console.hasSuffix("3 passed, 0 failed, 0 errors, 0 skipped in \(String(format: "%.2f", run.summary.duration.seconds))s\n"))
    }

    /// Each case name ending in "ok" must pass, each ending in "bad" must fail with the given message.
    static let kinds: [(name: String, expect: String, path: String, message: String?)] = [
        ("status exact ok", "{ status: 200 }", "/text", nil),
        ("status exact bad", "{ status: 201 }", "/text", "status: expected 201, got 200"),
        ("status list ok", "{ status: [200, 206] }", "/items?limit=2", nil),
        ("status list bad", "{ status: [200, 204] }", "/items?limit=2", "status: expected one of 200, 204, got 206"),
        ("status class ok", "{ status: 2xx }", "/empty", nil),
        ("status class bad", "{ status: 4xx }", "/empty", "status: expected 4xx, got 204"),
        ("header exact ok", "{ headers: { content-type: application/json } }", "/items", nil),
        ("header exact bad", "{ headers: { Content-Type: text/html } }", "/items", "header 'Content-Type': expected 'text/html', got 'application/json'"),
        ("header regex ok", "{ headers: { X-Custom-Header: { matches: '^Mi' } } }", "/cookies", nil),
        ("header regex bad", "{ headers: { X-Custom-Header: { matches: '^mixed$' } } }", "/cookies", "header 'X-Custom-Header': expected to match /^mixed$/, got 'MiXeD'"),
        ("header contains ok", "{ headers: { Set-Cookie: { contains: HttpOnly } } }", "/cookies", nil),
        ("header contains bad", "{ headers: { Set-Cookie: { contains: Secure } } }", "/cookies", "header 'Set-Cookie': expected to contain 'Secure', got 'a=1; Path=/', 'b=2; HttpOnly'"),
        ("header present ok", "{ headers: { x-custom-header: { present: true } } }", "/cookies", nil),
        ("header present bad", "{ headers: { X-Request-Id: { present: true } } }", "/cookies", "header 'X-Request-Id': expected present, got no such header"),
        ("header absent ok", "{ headers: { X-Missing: { absent: true } } }", "/cookies", nil),
        ("header absent bad", "{ headers: { Set-Cookie: { absent: true } } }", "/cookies", "header 'Set-Cookie': expected absent, got 'a=1; Path=/', 'b=2; HttpOnly'"),
        ("header values ok", "{ headers: { set-cookie: { values: ['a=1; Path=/', 'b=2; HttpOnly'] } } }", "/cookies", nil),
        ("header values bad", "{ headers: { Set-Cookie: ['b=2; HttpOnly', 'a=1; Path=/'] } }", "/cookies", "header 'Set-Cookie': expected values ['b=2; HttpOnly', 'a=1; Path=/'], got ['a=1; Path=/', 'b=2; HttpOnly']"),
        ("body text ok", "{ body: { text: hello world } }", "/text", nil),
        ("body text bad", "{ body: { text: hello there } }", "/text", "body: expected 'hello there' (11 bytes), got 'hello world' (11 bytes)"),
        ("body empty ok", "{ body: { empty: true } }", "/empty", nil),
        ("body empty bad", "{ body: { empty: true } }", "/text", "body: expected empty, got 11 bytes: 'hello world'"),
        ("body contains ok", "{ body: { contains: [hello, world] } }", "/text", nil),
        ("body contains bad", "{ body: { contains: planet } }", "/text", "body: expected to contain 'planet', got 'hello world'"),
        ("body regex ok", "{ body: { matches: 'w.rld$' } }", "/text", nil),
        ("body regex bad", "{ body: { matches: '^world' } }", "/text", "body: expected to match /^world/, got 'hello world'"),
        ("body json ok", "{ body: { json: { next: null, items: [1, 2, 3.0] } } }", "/items", nil),
        ("body json bad", "{ body: { json: { items: [1, 5, 3], next: null } } }", "/items", "body JSON: 1 difference from the expected document"),
        ("body subset ok", "{ body: { jsonSubset: { next: abc123 } } }", "/items?limit=2", nil),
        ("body subset bad", "{ body: { jsonSubset: { next: xyz, extra: 1 } } }", "/items?limit=2", "body JSON subset: 2 differences"),
        ("jsonpath value ok", "{ body: { jsonPath: { '$.items[1]': 2, '$.next': null } } }", "/items", nil),
        ("jsonpath value bad", "{ body: { jsonPath: { '$.items[0]': 7 } } }", "/items", "$.items[0]: expected 7, got 1"),
        ("jsonpath regex ok", "{ body: { jsonPath: { '$.next': { matches: '^abc' } } } }", "/items?limit=2", nil),
        ("jsonpath regex bad", "{ body: { jsonPath: { '$.next': { matches: '^[0-9]+$' } } } }", "/items?limit=2", "$.next: expected to match /^[0-9]+$/, got \"abc123\""),
        ("jsonpath exists ok", "{ body: { jsonPath: { '$.items': { exists: true, length: 3, type: array } } } }", "/items", nil),
        ("jsonpath exists bad", "{ body: { jsonPath: { '$.cursor': { exists: true } } } }", "/items", "$.cursor: expected to exist, got no match"),
        ("jsonpath absent ok", "{ body: { jsonPath: { '$.cursor': { absent: true } } } }", "/items", nil),
        ("jsonpath absent bad", "{ body: { jsonPath: { '$.items': { absent: true } } } }", "/items", "$.items: expected absent, got [1,2,3]"),
        ("jsonpath length bad", "{ body: { jsonPath: { '$.items': { length: 2 } } } }", "/items", "$.items: expected length 2, got length 3"),
        ("jsonpath type bad", "{ body: { jsonPath: { '$.next': { type: string } } } }", "/items", "$.next: expected type string, got null"),
        ("jsonpath wildcard ok", "{ body: { jsonPath: { '$.items[*]': { equals: [1, 2, 3] } } } }", "/items", nil),
        ("body bytes ok", "{ body: { base64: \(Data((0...255).map { UInt8($0) }).base64EncodedString()) } }", "/binary", nil),
        ("body bytes bad", "{ body: { base64: AAEC } }", "/binary", "body: expected 3 bytes (base64), got 256 bytes"),
        ("max time ok", "{ maxTime: 10s }", "/text", nil),
    ]

    @Test func everyAssertionKindHoldsAndFails() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        var suite = "name: kinds\ncases:\n"
        for kind in Self.kinds {
            suite += "  - name: \(kind.name)\n    request: { path: \"\(kind.path)\" }\n    expect: \(kind.expect)\n"
        }
        let run = await runSuites(["kinds.yaml": suite], target: server.baseURL)
        #expect(run.errors.isEmpty, "\(run.errors)")
        for kind in Self.kinds {
            let result = try #require(run.result(kind.name), "missing case \(kind.name)")
            if let message = kind.message {
                let failures = run.failures(kind.name)
                #expect(failures.map(\.summary) == [message], "\(kind.name): \(result.outcome)")
            } else {
                #expect(result.isPassed, "\(kind.name): \(result.outcome)")
            }
        }
        #expect(run.summary.exitCode == 1)
    }

    @Test func aCaseReportsEveryFailedAssertionWithJSONDiffs() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        cases:
          - name: many failures
            request: { path: /items }
            expect:
              status: 404
              headers: { Content-Type: text/plain, X-Missing: { present: true } }
              body: { json: { items: [1, 2, 4], next: "x" } }
        """
        let run = await runSuites(["many.yaml": suite], target: server.baseURL)
        let failures = run.failures("many failures")
        #expect(failures.map(\.summary) == [
            "status: expected 404, got 200",
            "header 'Content-Type': expected 'text/plain', got 'application/json'",
            "header 'X-Missing': expected present, got no such header",
            "body JSON: 2 differences from the expected document",
        ])
        let details = failures.last?.details ?? []
        #expect(details.count == 2)
        #expect(details.first == "$.items[2]: expected 4, got 3")
        #expect(details.last?.hasPrefix("$.next: expected ") == true)
        // The console shows the diff and the exchange that produced it.
        #expect(run.console.contains("  ✗ many failures ("))
        #expect(run.console.contains("        $.items[2]: expected 4, got 3"))
        #expect(run.console.contains("│ > GET \(server.baseURL)/items"))
        #expect(run.console.contains("│ < HTTP/1.1 200 OK"))
        #expect(run.console.contains(#"│ {"items":[1,2,3],"next":null}"#))
        #expect(run.console.hasSuffix("0 passed, 1 failed, 0 errors, 0 skipped in \(String(format: "%.2f", run.summary.duration.seconds))s\n"))
        #expect(!run.console.contains("\u{1B}["), "no colour when not asked")
    }

    @Test func maxTimeFailsWhenTheResponseIsSlowerThanTheBound() async throws {
        // A bound of zero cannot be met by any real exchange.
        let server = try makeDemoServer()
        defer { server.stop() }
        let run = await runSuites(["slow.yaml": "cases:\n  - name: too slow\n    request: { path: /text }\n    expect: { maxTime: 0ms }\n"], target: server.baseURL)
        #expect(run.failures("too slow").first?.summary.hasPrefix("response time: expected at most 0 ms, got ") == true)
    }

    @Test func jsonAssertedOnANonJSONBodyIsAnError() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let run = await runSuites(["nojson.yaml": "cases:\n  - name: not json\n    request: { path: /text }\n    expect: { status: 200, body: { jsonPath: { '$.a': 1 } } }\n"], target: server.baseURL)
        guard case let .errored(message, type)? = run.result("not json")?.outcome else {
            Issue.record("expected an error, got \(String(describing: run.result("not json")?.outcome))")
            return
        }
        #expect(message.hasPrefix("the case asserts JSON but the response body is not JSON: line 1, column 1"))
        #expect(type == "EvaluationError")
        #expect(run.summary.exitCode == 1)
    }
}
