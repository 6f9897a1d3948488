import Foundation
import GatecheckCore
import SourceDiagnostics
import Testing
import TestSupport

/// A malformed suite and the exact compiler-style diagnostic it must produce.
struct BrokenSuite: Sendable, CustomTestStringConvertible {
    var kind: String
    var text: String
    var expected: String
    var testDescription: String { kind }
}

@Suite struct DiagnosticsTests {
    static let file = "suites/broken.yaml"

    static let broken: [BrokenSuite] = [
        BrokenSuite(kind: "unknown key with a hint", text: """
        cases:
          - name: a
            request: { path: /a }
            expect:
              staus: 200
        """, expected: "suites/broken.yaml:5:7: error: unknown key 'staus' in expect (did you mean 'status'?)"),
        BrokenSuite(kind: "unknown top-level key", text: """
        name: s
        case:
          - name: a
        """, expected: "suites/broken.yaml:2:1: error: unknown key 'case' in suite (did you mean 'cases'?)"),
        BrokenSuite(kind: "missing cases", text: """
        name: s
        description: nothing to run
        """, expected: "suites/broken.yaml:1:1: error: missing required key 'cases' in suite"),
        BrokenSuite(kind: "wrong type for status", text: """
        cases:
          - name: a
            request: { path: /a }
            expect: { status: { code: 200 } }
        """, expected: "suites/broken.yaml:4:23: error: expected a status code (e.g. 200), a list of codes or a class like \"2xx\" for 'status', found a mapping"),
        BrokenSuite(kind: "wrong type for tags", text: """
        tags: { smoke: true }
        cases: []
        """, expected: "suites/broken.yaml:1:7: error: expected a list for 'tags', found a mapping"),
        BrokenSuite(kind: "bad regex", text: """
        cases:
          - name: a
            request: { path: /a }
            expect:
              headers:
                X-Id: { matches: "([a-z" }
        """, expected: "suites/broken.yaml:6:26: error: invalid regular expression '([a-z' in 'expect.headers.X-Id.matches'"),
        BrokenSuite(kind: "bad JSONPath in an assertion", text: """
        cases:
          - name: a
            request: { path: /a }
            expect:
              body:
                jsonPath: { "$.items[": 1 }
        """, expected: "suites/broken.yaml:6:21: error: invalid JSONPath '$.items['"),
        BrokenSuite(kind: "bad JSONPath in a capture", text: """
        cases:
          - name: a
            request: { path: /a }
            capture: { id: "items[0]" }
        """, expected: "suites/broken.yaml:4:20: error: invalid JSONPath 'items[0]'"),
        BrokenSuite(kind: "undefined variable with a hint", text: """
        vars: { pageSize: "2" }
        cases:
          - name: a
            request: { path: /a, query: { limit: "{{pagesize}}" } }
        """, expected: "suites/broken.yaml:4:42: error: undefined variable 'pagesize' (did you mean 'pageSize'?)"),
        BrokenSuite(kind: "variable used before its capture", text: """
        cases:
          - name: first
            request: { path: "/items/{{id}}" }
          - name: second
            request: { path: /items }
            capture: { id: "$.id" }
        """, expected: "suites/broken.yaml:3:22: error: variable 'id' is used before it is captured (by case 'second'); cases run in order"),
        BrokenSuite(kind: "unset environment variable", text: """
        cases:
          - name: a
            request:
              path: /a
              headers: { Authorization: "Bearer {{env.GATECHECK_TEST_UNSET}}" }
        """, expected: "suites/broken.yaml:5:33: error: environment variable 'GATECHECK_TEST_UNSET' is not set (referenced as {{env.GATECHECK_TEST_UNSET}})"),
        BrokenSuite(kind: "unterminated variable", text: """
        cases:
          - name: a
            request: { path: "/a/{{id" }
        """, expected: "suites/broken.yaml:3:22: error: '{{' without a closing '}}' in \"/a/{{id\""),
        BrokenSuite(kind: "duplicate case names", text: """
        cases:
          - name: same
            request: { path: /a }
          - name: same
            request: { path: /b }
        """, expected: "suites/broken.yaml:4:11: error: duplicate case name 'same' (first used on line 2); case names must be unique in a suite"),
        BrokenSuite(kind: "duplicate key", text: """
        cases:
          - name: a
            request: { path: /a }
            request: { path: /b }
        """, expected: "suites/broken.yaml:3:5: error: duplicate key 'request' in a mapping (first written here; a key may appear only once)"),
        BrokenSuite(kind: "missing request", text: """
        cases:
          - name: a
            expect: { status: 200 }
        """, expected: "suites/broken.yaml:2:5: error: missing required key 'request' in case"),
        BrokenSuite(kind: "status class out of range", text: """
        cases:
          - name: a
            request: { path: /a }
            expect: { status: 7xx }
        """, expected: "suites/broken.yaml:4:23: error: status class '7xx' is not an HTTP status class (1xx-5xx)"),
        BrokenSuite(kind: "status code out of range", text: """
        cases:
          - name: a
            request: { path: /a }
            expect: { status: [200, 999] }
        """, expected: "suites/broken.yaml:4:29: error: status 999 is not an HTTP status code (100-599)"),
        BrokenSuite(kind: "invalid duration", text: """
        cases:
          - name: a
            request: { path: /a, timeout: 5 parsecs }
        """, expected: "suites/broken.yaml:3:35: error: invalid duration '5 parsecs' for 'cases[0].request.timeout' (write e.g. 5s, 500ms, 1.5s, 2m or a number of seconds)"),
        BrokenSuite(kind: "invalid base64", text: """
        cases:
          - name: a
            request: { method: POST, path: /a, body: { base64: "not base64!" } }
        """, expected: "suites/broken.yaml:3:56: error: invalid base64 in 'cases[0].request.body.base64'"),
        BrokenSuite(kind: "two request body kinds", text: """
        cases:
          - name: a
            request:
              path: /a
              body: { text: hi, json: { a: 1 } }
        """, expected: "suites/broken.yaml:5:25: error: request.body takes exactly one of 'text', 'json' or 'base64', found 'text' and 'json'"),
        BrokenSuite(kind: "invalid method", text: """
        cases:
          - name: a
            request: { method: "GE T", path: /a }
        """, expected: "suites/broken.yaml:3:24: error: invalid HTTP method 'GE T'"),
        BrokenSuite(kind: "relative path", text: """
        cases:
          - name: a
            request: { path: items }
        """, expected: "suites/broken.yaml:3:22: error: path 'items' must start with '/' (it is appended to the target's base URL)"),
        BrokenSuite(kind: "unknown JSON type with a hint", text: """
        cases:
          - name: a
            request: { path: /a }
            expect: { body: { jsonPath: { "$.a": { type: strng } } } }
        """, expected: "suites/broken.yaml:4:50: error: unknown JSON type 'strng' (expected one of object, array, string, number, boolean, null) (did you mean 'string'?)"),
        BrokenSuite(kind: "capture without a source", text: """
        cases:
          - name: a
            request: { path: /a }
            capture: { id: { regex: "[0-9]+" } }
        """, expected: "suites/broken.yaml:4:20: error: capture 'id' needs one of 'jsonPath', 'header' or 'body: true'"),
        BrokenSuite(kind: "unknown apiType", text: """
        apiType: graphql
        cases: []
        """, expected: "suites/broken.yaml:1:10: error: unknown apiType 'graphql' (expected 'rest' or 'http')"),
        BrokenSuite(kind: "tab indentation", text: "cases:\n\t- name: a\n", expected: "suites/broken.yaml:2:1: error: invalid YAML: found character that cannot start any token"),
        BrokenSuite(kind: "empty document", text: "# nothing here\n", expected: "suites/broken.yaml:1:1: error: the suite is empty: expected a mapping with 'cases'"),
        BrokenSuite(kind: "a list instead of a mapping", text: "- name: a\n", expected: "suites/broken.yaml:1:1: error: expected a mapping for 'suite', found a list"),
    ]

    @Test(arguments: broken)
    func brokenSuiteIsReportedAtItsPosition(_ broken: BrokenSuite) {
        let (suite, diagnostics) = SuiteLoader.parse(text: broken.text, file: Self.file, options: LoadOptions(environment: [:]))
        #expect(suite == nil, "a suite with errors must not load")
        let printed = diagnostics.map(\.description)
        #expect(printed.contains { $0.hasPrefix(broken.expected) }, "got:\n\(printed.joined(separator: "\n"))")
    }

    @Test func everyProblemInAFileIsReportedNotOnlyTheFirst() {
        let text = """
        nmae: s
        cases:
          - name: a
            request: { path: /a, metod: GET }
            expect: { status: 200, body: { jsn: {} } }
        """
        let (_, diagnostics) = SuiteLoader.parse(text: text, file: Self.file, options: LoadOptions(environment: [:]))
        #expect(diagnostics.map(\.description) == [
            "suites/broken.yaml:1:1: error: unknown key 'nmae' in suite (did you mean 'name'?)",
            "suites/broken.yaml:4:26: error: unknown key 'metod' in request (did you mean 'method'?)",
            "suites/broken.yaml:5:36: error: unknown key 'jsn' in expect.body (did you mean 'json'?)",
        ])
    }

    @Test func validSuiteWithVariablesFromEveryPlaceLoads() {
        let text = """
        vars: { base: "/v1", token: "{{env.TOKEN}}" }
        secrets: [token]
        cases:
          - name: login
            request: { method: POST, path: "{{base}}/login", body: { json: { user: "{{user}}" } } }
            capture: { session: "$.token", id: { jsonPath: "$.user.id", secret: false } }
          - name: me
            request: { path: "{{base}}/users/{{id}}", headers: { Authorization: "Bearer {{session}}" } }
            expect: { body: { jsonPath: { "$.id": "{{id}}" } } }
        """
        let (suite, diagnostics) = SuiteLoader.parse(text: text, file: Self.file,
                                                     options: LoadOptions(variables: ["user": "ada"], environment: ["TOKEN": "t"]))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(suite?.cases.map(\.name) == ["login", "me"])
        #expect(suite?.referencedVariableNames == ["env.TOKEN", "base", "user", "id", "session"])
    }

    @Test func runExitsTwoBeforeSendingAnythingWhenASuiteIsInvalid() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let good = "cases:\n  - name: a\n    request: { path: /text }\n"
        let bad = "cases:\n  - name: b\n    request: { path: /text }\n    expect: { staus: 200 }\n"
        let workspace = Workspace()
        let run = await runSuites(["a-good.yaml": good, "b-bad.yaml": bad], target: server.baseURL, workspace: workspace)
        #expect(run.summary.exitCode == 2)
        #expect(server.requests.isEmpty)
        #expect(run.errors.contains("\(workspace.path)/b-bad.yaml:4:15: error: unknown key 'staus' in expect (did you mean 'status'?)"))
        #expect(run.errors.contains("gatecheck: 1 error in the suites; nothing was run"))
        let report = try #require(run.junit, "exit 2 still writes the report")
        #expect(report.contains("name=\"\(workspace.path)/b-bad.yaml\"") && !report.contains("a-good.yaml"), "\(report)")
    }

    @Test func withoutTargetASuiteNeedsAnAPIDefinition() async {
        let run = await runSuites(["noapi.yaml": "cases:\n  - name: a\n    request: { path: /a }\n"], target: nil)
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("noapi.yaml:1:1: error: the embedded emulator needs an API definition: add `api:` to the suite or pass --target"))
    }

    @Test func suiteNamesMustBeUniqueAcrossFiles() async {
        let text = "name: same\ncases:\n  - name: a\n    request: { path: /a }\n"
        let run = await runSuites(["one.yaml": text, "two.yaml": text], target: "http://127.0.0.1:9")
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("two.yaml:1:1: error: suite name 'same' is already used by "))
    }

    @Test func directoriesAreSearchedAndAPIDefinitionsSkipped() {
        let workspace = Workspace()
        workspace.write("suites/a.yaml", "cases:\n  - name: a\n    request: { path: /a }\n")
        workspace.write("suites/nested/b.yml", "cases:\n  - name: b\n    request: { path: /b }\n")
        workspace.write("suites/apis/api.yaml", "openapi: 3.0.1\ninfo: { title: t, version: '1' }\npaths: {}\n")
        workspace.write("suites/notes.txt", "not yaml")
        let loaded = SuiteLoader.load(paths: [workspace.path + "/suites"], options: LoadOptions(environment: [:]))
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(loaded.suites.map(\.name) == ["a", "b"])
    }

    @Test func validateAndListCommands() {
        let workspace = Workspace()
        let path = workspace.write("s.yaml", "tags: [smoke]\ncases:\n  - name: a\n    tags: [slow]\n    request: { path: /a }\n  - name: b\n    skip: flaky upstream\n    request: { path: /b }\n")
        let out = OutputBuffer(), err = OutputBuffer()
        #expect(GatecheckRunner.validate(paths: [path], output: out.writer, errorOutput: err.writer) == .passed)
        #expect(out.text == "1 suite, 2 cases: valid\n")
        let listed = OutputBuffer()
        #expect(GatecheckRunner.list(paths: [path], output: listed.writer, errorOutput: err.writer) == .passed)
        #expect(listed.text == "s (\(path))  [smoke]\n  s/a  [smoke, slow]\n  s/b  [smoke]  (skip: flaky upstream)\n")
        let bad = workspace.write("bad.yaml", "cases: 3\n")
        #expect(GatecheckRunner.validate(paths: [bad], output: out.writer, errorOutput: err.writer) == .invalidInput)
        #expect(err.text.contains("bad.yaml:1:8: error: expected a list for 'cases', found a scalar"))
    }
}
