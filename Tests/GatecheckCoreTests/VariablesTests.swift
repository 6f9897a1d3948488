import Foundation
import GatecheckCore
import JSONCore
import Testing
import TestSupport

@Suite struct VariablesTests {
    @Test func requestsAreBuiltExactlyFromVariablesAndCaptures() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        vars: { who: ada, greeting: "hi {{who}}" }
        defaults:
          headers: { X-Client: gatecheck, Accept: text/plain }
        cases:
          - name: login
            request: { method: POST, path: /login, body: { json: { user: "{{who}}", n: 1 } } }
            expect: { status: 200 }
            capture:
              userId: "$.user.id"
              cookieless: { jsonPath: "$.user.name", regex: "^(a)" }
          - name: repeated headers and query
            request:
              method: PUT
              path: /echo
              query: { id: ["{{userId}}", "2"], q: "a b&c" }
              headers: { Accept: application/json, X-Dup: ["one", "two"] }
              body: { text: "{{greeting}} #{{userId}}" }
            expect:
              body: { jsonPath: { "$.method": PUT, "$.target": "/echo?id=42&id=2&q=a%20b%26c", "$.body": "hi ada #42" } }
          - name: base64 body
            request: { method: POST, path: /echo, body: { base64: "AAH/" } }
          - name: captured number compares as a number
            request: { path: /login }
            expect: { body: { jsonPath: { "$.user.id": "{{userId}}", "$.user.name": "{{cookieless}}da" } } }
        """
        let run = await runSuites(["flow.yaml": suite], target: server.baseURL + "/")
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let requests = server.requests
        try #require(requests.count == 4)
        #expect(requests[0].method == "POST")
        #expect(String(decoding: requests[0].body, as: UTF8.self) == #"{"user":"ada","n":1}"#)
        #expect(requests[0].headers.values(for: "Content-Type") == ["application/json"])
        #expect(requests[0].headers["X-Client"] == "gatecheck")
        #expect(requests[1].target == "/echo?id=42&id=2&q=a%20b%26c")
        #expect(requests[1].headers.values(for: "X-Dup") == ["one", "two"])
        #expect(requests[1].headers.values(for: "Accept") == ["application/json"], "the case overrides the default")
        #expect(requests[1].headers["Content-Type"] == nil, "a text body gets no Content-Type of its own")
        #expect(requests[2].body == [0x00, 0x01, 0xFF])
    }

    @Test func commandLineVariablesWinOverSuiteVariables() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        vars: { limit: "10" }
        cases:
          - name: page
            request: { path: /items, query: { limit: "{{limit}}" } }
            expect: { status: 206 }
        """
        let run = await runSuites(["vars.yaml": suite], target: server.baseURL) { $0.variables = ["limit": "2"] }
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(server.requests.map(\.target) == ["/items?limit=2"])
    }

    @Test func aCaptureThatDidNotRunLeavesLaterCasesInError() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        cases:
          - name: capture fails
            request: { path: /items }
            capture: { cursor: "$.next" , missing: "$.nope" }
          - name: uses it
            request: { path: /items, query: { cursor: "{{missing}}" } }
        """
        let run = await runSuites(["cap.yaml": suite], target: server.baseURL)
        #expect(run.failures("capture fails").map(\.summary) == ["capture 'missing': $.nope matched nothing"])
        guard case let .errored(message, _)? = run.result("uses it")?.outcome else {
            Issue.record("expected an error: \(String(describing: run.result("uses it")?.outcome))")
            return
        }
        #expect(message == "variable 'missing' is undefined when the case runs (was its capture skipped or did it fail?)")
        #expect(server.requests.count == 1, "the case with an undefined variable sends nothing")
    }

    @Test func secretsAreRedactedInConsoleAndJUnit() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        vars: { bearer: "Bearer {{env.GC_TOKEN}}" }
        secrets: [apiKey]
        cases:
          - name: login
            request: { path: /login }
            capture: { session: { jsonPath: "$.token", secret: true } }
          - name: echo fails and shows the exchange
            request:
              method: POST
              path: /echo
              query: { key: "{{apiKey}}" }
              headers: { Authorization: "{{bearer}}", X-Session: "{{session}}" }
              body: { json: { token: "{{env.GC_TOKEN}}", session: "{{session}}" } }
            expect: { status: 201, body: { contains: "{{session}}-nope" } }
        """
        let run = await runSuites(["secret.yaml": suite], target: server.baseURL) {
            $0.environment = ["GC_TOKEN": "env-token-123"]
            $0.variables = ["apiKey": "key with space"]
        }
        #expect(run.summary.exitCode == 1)
        // The server really received the secrets...
        let echo = try #require(server.requests.last)
        #expect(echo.headers["Authorization"] == "Bearer env-token-123")
        #expect(echo.target == "/echo?key=key%20with%20space")
        // ...but no output shows them.
        let junit = try #require(run.junit)
        for secret in ["env-token-123", "s3cr3t-token-value", "key with space", "key%20with%20space"] {
            #expect(!run.console.contains(secret), "console leaks \(secret)")
            #expect(!junit.contains(secret), "JUnit leaks \(secret)")
        }
        // `bearer` is built from an environment value, so all of it is secret.
        #expect(run.console.contains("> Authorization: ***"))
        #expect(run.console.contains("> X-Session: ***"))
        #expect(run.console.contains("?key=***"))
        #expect(run.console.contains("body: expected to contain '***-nope'"))
        #expect(junit.contains("Authorization: ***"))
        // Values are redacted before long bodies are cut, so no prefix of a secret leaks either.
        #expect(!run.console.contains("s3cr3t"))
    }
}
