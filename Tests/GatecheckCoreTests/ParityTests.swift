import Foundation
import GatecheckCore
import JSONCore
import HTTPMessage
import TestSupport
import Testing

/// `--compare`: two emulator instances serving deliberately different definitions of the same API.
@Suite struct ParityTests {
    /// The API as it should be; `variant` changes one thing per path.
    static func api(variant: Bool) -> String {
        """
        openapi: 3.0.1
        info: { title: parity, version: "1" }
        paths:
          /same:
            get:
              responses: { "200": { description: ok } }
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates: { application/json: '\(variant ? "{ \"ok\" : true,  \"n\": 1 }" : "{\"ok\":true,\"n\":1}")' }
          /status:
            get:
              responses: { "200": { description: ok }, "201": { description: created } }
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses:
                  default:
                    statusCode: "\(variant ? "201" : "200")"
                    responseTemplates: { application/json: '{"done": true}' }
          /header:
            get:
              responses:
                "200":
                  description: ok
                  headers:
                    X-Version: { schema: { type: string } }
                    X-Only-A: { schema: { type: string } }
                    X-Volatile: { schema: { type: string } }
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses:
                  default:
                    statusCode: "200"
                    responseParameters:
                      method.response.header.X-Version: "'\(variant ? "2" : "1")'"
                      method.response.header.X-Volatile: "'\(variant ? "b" : "a")'"
        \(variant ? "" : "              method.response.header.X-Only-A: \"'yes'\"")
                    responseTemplates: { application/json: '{"h": 1}' }
          /json:
            get:
              responses: { "200": { description: ok } }
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates: { application/json: '{"a": \(variant ? 2 : 1), "b": {"c": "x"}, "stamp": "\(variant ? "t2" : "t1")", "items": [{"id": 1, "at": "\(variant ? "y" : "x")"}]}' }
          /text:
            get:
              responses: { "200": { description: ok } }
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates: { application/json: 'hello \(variant ? "there" : "world")' }
        \(variant ? """
        x-amazon-apigateway-gateway-responses:
          MISSING_AUTHENTICATION_TOKEN:
            statusCode: 404
            responseTemplates:
              application/json: '{"message": "no such route"}'
        """ : "")
        """
    }

    static let suite = """
    name: parity
    cases:
      - name: same
        request: { path: /same }
        expect:
          status: 200
          # Present on both sides with different values: normalisation must hide them.
          headers: { x-amzn-RequestId: { present: true }, x-amz-apigw-id: { present: true }, Date: { present: true } }
      - name: status
        request: { path: /status }
        expect: { status: 200 }
      - name: header
        request: { path: /header }
      - name: json
        request: { path: /json }
      - name: text
        request: { path: /text }
      - name: gateway response
        request: { path: /nowhere }
    parity:
      ignoreHeaders: [X-Volatile]
      ignoreJSONPaths: ["$.stamp", "$.items[*].at"]
    """

    /// Starts both instances, runs `suite` with `--target A --compare B`, stops the instances.
    static func compare(suite: String = suite, workspace: Workspace = Workspace(), swapped: Bool = false,
                        configure: (inout RunConfiguration) -> Void = { _ in }) async throws -> RunOutput {
        let first = workspace.write("apis/a.yaml", api(variant: false))
        let second = workspace.write("apis/b.yaml", api(variant: true))
        let a = try await EmulatorLauncher.start(EmulatorSpec(apiPath: first, apiType: .rest, stage: "prod"))
        let b = try await EmulatorLauncher.start(EmulatorSpec(apiPath: second, apiType: .rest, stage: "prod"))
        let run = await runSuites(["parity.yaml": suite], target: swapped ? b.baseURL : a.baseURL, workspace: workspace) {
            $0.compare = swapped ? a.baseURL : b.baseURL
            $0.workingDirectory = workspace.path
            configure(&$0)
        }
        await a.stop()
        await b.stop()
        return run
    }

    static func text(_ failures: [AssertionFailure]) -> String { failures.map(\.description).joined(separator: "\n") }

    @Test func everyKindOfDifferenceIsFoundAndShown() async throws {
        let run = try await Self.compare()
        #expect(run.summary.exitCode == 1)
        let cases = run.summary.suites.first?.cases.map(\.name) ?? []
        #expect(cases == ["same", "parity: same", "status", "parity: status", "header", "parity: header", "json", "parity: json",
                          "text", "parity: text", "gateway response", "parity: gateway response"])
        // The cases' own assertions run against A only.
        #expect(run.result("status")?.isPassed == true)
        #expect(run.result("same")?.isPassed == true, "the volatile headers are there: \(run.console)")
        // Identical responses: request ids, dates and JSON whitespace (so Content-Length) differ, and are not reported.
        #expect(run.result("parity: same")?.isPassed == true, "\(run.console)")

        let status = Self.text(run.failures("parity: status"))
        #expect(status.contains("status"))
        #expect(status.range(of: #"status\s+200\s+\| 201"#, options: .regularExpression) != nil, "\(status)")

        let header = Self.text(run.failures("parity: header"))
        #expect(header.range(of: #"header X-Version\s+1\s+\| 2"#, options: .regularExpression) != nil, "\(header)")
        #expect(header.range(of: #"header X-Only-A\s+yes\s+\| \(absent\)"#, options: .regularExpression) != nil, "\(header)")
        #expect(!header.contains("X-Volatile"), "ignoreHeaders hides it")
        for volatile in ["x-amzn-RequestId", "x-amz-apigw-id", "Date", "X-Amzn-Trace-Id", "Content-Length"] {
            #expect(!header.lowercased().contains(volatile.lowercased()), "\(volatile) is normalised away: \(header)")
        }
        #expect(run.failures("parity: header").first?.summary.contains("(2 differences)") == true)

        let json = Self.text(run.failures("parity: json"))
        #expect(json.range(of: #"body \$\.a\s+1\s+\| 2"#, options: .regularExpression) != nil, "\(json)")
        #expect(!json.contains("stamp") && !json.contains(".at"), "ignoreJSONPaths hides them: \(json)")

        let text = Self.text(run.failures("parity: text"))
        #expect(text.contains("body") && text.contains("hello world") && text.contains("hello there"), "\(text)")
        #expect(text.contains("first difference at byte 6"), "\(text)")

        let gateway = Self.text(run.failures("parity: gateway response"))
        #expect(gateway.range(of: #"status\s+403\s+\| 404"#, options: .regularExpression) != nil, "\(gateway)")
        #expect(gateway.contains("$.message"), "\(gateway)")

        // Console: parity results per case; JUnit: `parity:` cases with the suite as classname, valid.
        #expect(run.console.contains("✗ parity: status"))
        #expect(run.console.contains("✓ parity: same"))
        let junit = try #require(run.junit)
        #expect(junit.contains(#"classname="parity" name="parity: json""#), "\(junit)")
        try Self.validate(run.junitPath)
    }

    static func validate(_ path: String, expecting line: String = "case parity | parity: status | Failure") throws {
        let schema = try #require(ReportValidation.junitSchemaPath(), "the Jenkins JUnit schema (../shared/junit/junit-10.xsd)")
        let lint = try ReportValidation.xmllint(path, schema: schema)
        #expect(lint.status == 0, "\(lint.output)")
        let parsed = try ReportValidation.junitparser(path)
        #expect(parsed.status == 0, "\(parsed.output)")
        #expect(parsed.output.contains(line), "\(parsed.output)")
    }

    @Test func theAllowlistAcceptsKnownDifferencesAndExpiredEntriesFail() async throws {
        let workspace = Workspace()
        workspace.write("parity-allow.yaml", """
        - suite: parity
          case: status
          what: status
          why: B creates on GET (ticket 42)
        - suite: parity
          case: json
          what: jsonPath:$.a
          why: counter differs
          expires: 2026-01-31
        - suite: parity
          case: same
          what: body
          why: fixed long ago
        - suite: parity
          case: header
          what: header:x-version
          why: versions differ until the release
          expires: 2026-12-31
        """)
        let run = try await Self.compare(workspace: workspace) { configuration in
            configuration.today = ISO8601DateFormatter().date(from: "2026-06-01T12:00:00Z")!
        }
        #expect(run.result("parity: status")?.isPassed == true, "\(run.console)")
        #expect(run.console.contains("parity-allow.yaml:10:3 (body) matched no difference: remove it"), "\(run.console)")
        #expect(run.console.contains("allowed status: B creates on GET (ticket 42)"), "\(run.console)")
        let json = Self.text(run.failures("parity: json"))
        #expect(json.contains("parity-allow.yaml:5:3 (jsonPath:$.a) expired on 2026-01-31"), "\(json)")
        // A header entry (any case) allows that header only: X-Only-A still fails.
        let header = Self.text(run.failures("parity: header"))
        #expect(header.contains("X-Only-A") && header.contains("(1 difference)"), "\(header)")
        #expect(header.contains("allowed: versions differ until the release"), "\(header)")
        let junit = try #require(run.junit)
        #expect(junit.contains("allowed status: B creates on GET"), "notes go to system-out")
        try Self.validate(run.junitPath, expecting: "case parity | parity: status | passed")
    }

    @Test func badAllowlistEntriesArePositionedDiagnostics() async throws {
        let workspace = Workspace()
        workspace.write("parity-allow.yaml", """
        - suite: parity
          case: status
          what: stauts
          why: typo
        - suite: parity
          case: json
          what: body
          why: x
          expires: 31/01/2026
          because: nothing
        """)
        let run = try await Self.compare(workspace: workspace)
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("parity-allow.yaml:3:9: error: unknown 'what' 'stauts'"), "\(run.errors)")
        #expect(run.errors.contains("parity-allow.yaml:9:12: error: invalid date '31/01/2026'"), "\(run.errors)")
        #expect(run.errors.contains("parity-allow.yaml:10:3: error: unknown key 'because'"), "\(run.errors)")
    }

    @Test func normalisationHidesOnlyWhatItShould() {
        let settings = ParitySettings(ignoreHeaders: ["X-Ignored"], ignoreJSONPaths: [try! ParityPathPattern("$..etag")])
        let left = HTTPResponse(status: 200, headers: ["Date": "Mon", "x-amzn-RequestId": "1", "Via": "a", "X-Amz-Cf-Id": "q",
                                                         "Content-Length": "17", "X-Ignored": "1", "X-Real": "1"],
                                    body: Array(#"{"a":1,"etag":"x"}"#.utf8))
        let right = HTTPResponse(status: 200, headers: ["Date": "Tue", "x-amzn-RequestId": "2", "Via": "b", "X-Amz-Cf-Id": "r",
                                                          "Content-Length": "21", "X-Ignored": "2", "X-Real": "2"],
                                     body: Array(#"{ "a": 1, "etag": "y" }"#.utf8))
        let found = ParityComparison.differences(left: left, right: right, settings: settings)
        #expect(found.map(\.what) == ["header:X-Real"])
        // Bodies that differ for real keep Content-Length as a difference.
        var changed = right
        changed.body = Array(#"{ "a": 2, "etag": "y" }"#.utf8)
        #expect(ParityComparison.differences(left: left, right: changed, settings: settings).map(\.what)
                == ["header:Content-Length", "header:X-Real", "jsonPath:$.a"])
        // A missing header is reported as absent, not hidden.
        var fewer = right
        fewer.headers.remove(name: "X-Real")
        #expect(ParityComparison.differences(left: left, right: fewer, settings: settings).first?.right == nil)
    }

    @Test func ignoreJSONPathPatterns() throws {
        #expect(try ParityPathPattern("$.items[*].at").covers("$.items[3].at"))
        #expect(try ParityPathPattern("$..at").covers("$.items[3].at"))
        #expect(try ParityPathPattern("$['a key']").covers("$['a key'].x"))
        #expect(try !ParityPathPattern("$.items[0]").covers("$.items[1]"))
        #expect(try !ParityPathPattern("$.a").covers("$.ab"))
        #expect(throws: ParityPathError.self) { try ParityPathPattern("$.items[?(@.a)]") }
    }

    @Test func aSideWithoutAResponseIsAParityError() async throws {
        let server = try LoopbackHTTPServer { _ in LoopbackResponse.text("hi") }
        defer { server.stop() }
        let suite = "name: down\ncases:\n  - name: one\n    request: { path: /x }\n"
        let run = await runSuites(["down.yaml": suite], target: server.baseURL) { $0.compare = "http://127.0.0.1:9/prod" }
        #expect(run.summary.exitCode == 1)
        #expect(run.result("one")?.isPassed == true)
        guard case let .errored(message, type)? = run.result("parity: one")?.outcome else {
            Issue.record("expected an errored parity case: \(run.console)")
            return
        }
        #expect(type == "ParityError")
        #expect(message.contains("no response from B: http://127.0.0.1:9/prod to compare") && message.contains("curl error 7"), "\(message)")

        let unknown = await runSuites(["down.yaml": suite], target: server.baseURL) { $0.compare = "nightly" }
        #expect(unknown.summary.exitCode == 2)
        #expect(unknown.errors.contains("--compare 'nightly'"), "\(unknown.errors)")
    }

    @Test func aBadIgnorePathInTheSuiteIsADiagnostic() async throws {
        let suite = "cases:\n  - name: a\n    request: { path: /same }\nparity:\n  ignoreJSONPaths: [\"$.x[?(@.y)]\"]\n  ignoreHeader: [Date]\n"
        let run = await runSuites(["bad.yaml": suite], target: "http://127.0.0.1:9")
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("bad.yaml:5:21: error: unsupported JSONPath"), "\(run.errors)")
        #expect(run.errors.contains("bad.yaml:6:3: error: unknown key 'ignoreHeader'"), "\(run.errors)")
    }
}

/// `gatecheck record` and `snapshot: true`.
@Suite struct SnapshotTests {
    static let suite = """
    name: snap
    snapshot: true
    parity:
      ignoreJSONPaths: ["$.stamp", "$.items[*].at"]
    cases:
      - name: same
        request: { path: /same }
      - name: JSON body
        request: { path: /json }
      - name: header
        request: { path: /header }
        expect: { status: 200 }
      - name: text
        request: { path: /text }
    """

    @Test func recordThenReplayRoundTrips() async throws {
        let workspace = Workspace()
        let first = workspace.write("apis/a.yaml", ParityTests.api(variant: false))
        let second = workspace.write("apis/b.yaml", ParityTests.api(variant: true))
        let a = try await EmulatorLauncher.start(EmulatorSpec(apiPath: first, apiType: .rest, stage: "prod"))
        let b = try await EmulatorLauncher.start(EmulatorSpec(apiPath: second, apiType: .rest, stage: "prod"))

        let recorded = await runSuites(["snap.yaml": Self.suite], target: a.baseURL, workspace: workspace) { $0.record = .write }
        #expect(recorded.summary.exitCode == 0, "\(recorded.console)\(recorded.errors)")
        #expect(recorded.console.contains("snapshot written: \(workspace.path)/snap.snapshots/json-body.yaml"), "\(recorded.console)")
        let snapshot = try #require(workspace.read("snap.snapshots/header.yaml"))
        #expect(snapshot.contains("status: 200\n"))
        #expect(snapshot.contains(#""X-Version": "1""#), "\(snapshot)")
        #expect(!snapshot.lowercased().contains("x-amzn-requestid") && !snapshot.lowercased().contains("\"date\""), "\(snapshot)")
        let json = try #require(workspace.read("snap.snapshots/json-body.yaml"))
        #expect(json.contains("json: {") && json.contains(#""stamp": "t1""#), "\(json)")
        #expect(workspace.read("snap.snapshots/text.yaml")?.contains(#"text: "hello world""#) == true)

        // Replay against the same instance: every case matches its snapshot.
        let replay = await runSuites(["snap.yaml": Self.suite], target: a.baseURL, workspace: workspace)
        #expect(replay.summary.exitCode == 0, "\(replay.console)")

        // Against the other definition: the differences, shown snapshot | response.
        let other = await runSuites(["snap.yaml": Self.suite], target: b.baseURL, workspace: workspace)
        #expect(other.summary.exitCode == 1)
        #expect(other.result("same")?.isPassed == true, "JSON whitespace and Content-Length are normalised: \(other.console)")
        let jsonFailure = ParityTests.text(other.failures("JSON body"))
        #expect(jsonFailure.contains("differs from the snapshot"), "\(jsonFailure)")
        #expect(jsonFailure.range(of: #"body \$\.a\s+1\s+\| 2"#, options: .regularExpression) != nil, "\(jsonFailure)")
        #expect(!jsonFailure.contains("stamp"))
        #expect(ParityTests.text(other.failures("header")).contains("X-Only-A"))
        #expect(ParityTests.text(other.failures("text")).contains("hello there"))

        // Re-recording shows the change first; --dry-run writes nothing.
        let before = workspace.read("snap.snapshots/json-body.yaml")
        let dry = await runSuites(["snap.yaml": Self.suite], target: b.baseURL, workspace: workspace) { $0.record = .dryRun }
        #expect(dry.console.contains("snapshot would change: \(workspace.path)/snap.snapshots/json-body.yaml"), "\(dry.console)")
        #expect(dry.console.range(of: #"body \$\.a\s+1\s+\| 2"#, options: .regularExpression) != nil, "\(dry.console)")
        #expect(dry.console.contains("snapshot unchanged: \(workspace.path)/snap.snapshots/same.yaml"), "JSON formatting is not a change")
        #expect(workspace.read("snap.snapshots/json-body.yaml") == before)
        let rewrite = await runSuites(["snap.yaml": Self.suite], target: b.baseURL, workspace: workspace) { $0.record = .write }
        #expect(rewrite.console.contains("snapshot changed: \(workspace.path)/snap.snapshots/json-body.yaml"), "\(rewrite.console)")
        #expect(workspace.read("snap.snapshots/json-body.yaml")?.contains(#""a": 2"#) == true)
        let again = await runSuites(["snap.yaml": Self.suite], target: b.baseURL, workspace: workspace) { $0.record = .dryRun }
        #expect(again.console.contains("snapshot unchanged: \(workspace.path)/snap.snapshots/json-body.yaml"), "\(again.console)")
        let schema = try #require(ReportValidation.junitSchemaPath())
        #expect(try ReportValidation.xmllint(rewrite.junitPath, schema: schema).status == 0)
        #expect(try ReportValidation.junitparser(rewrite.junitPath).status == 0)
        await a.stop()
        await b.stop()
    }

    @Test func aMissingSnapshotFailsWithHowToRecordIt() async throws {
        let suite = "name: lone\ncases:\n  - name: one\n    request: { path: /x }\n    expect: { snapshot: true }\n"
        let server = try LoopbackHTTPServer { _ in LoopbackResponse.text("hi") }
        defer { server.stop() }
        let run = await runSuites(["lone.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 1)
        let failure = ParityTests.text(run.failures("one"))
        #expect(failure.contains("no snapshot at ") && failure.contains("lone.snapshots/one.yaml"), "\(failure)")
        #expect(failure.contains("gatecheck record --target TARGET"), "\(failure)")
    }

    @Test func slugsAreStableAndUnique() {
        let names = Snapshots.fileNames(for: ["Create an item!", "create an item", "ünïcode ✓"])
        #expect(names["Create an item!"] == "create-an-item.yaml")
        #expect(names["create an item"]?.hasPrefix("create-an-item-") == true)
        #expect(names["ünïcode ✓"] == "n-code.yaml")
    }
}
