import Foundation
import GatecheckCore
import HTTPMessage
import JSONCore
import Synchronization
import Testing
import TestSupport

/// Issue 16 through the CLI: secrets in every command's output, the empty-selection exit code, the JUnit report
/// of invalid input, and bad options refused before anything is sent.
@Suite struct TrustTests {
    static let environment = ["API_KEY": "key-SECRET-2/+=é", "SESSION_TOKEN": "sess-SECRET-3\"q\\"]
    static let suiteVariable = "pw-SECRET-4!"
    static let captured = "cap-SECRET-5"
    static let commandLineSecret = "cli-SECRET-6"
    static var secrets: [String] { Array(environment.values) + [suiteVariable, captured, commandLineSecret] }

    /// Echoes the request's secrets as JSON (`/echo`), as text around the first difference (`/text`), inside
    /// binary data (`/binary`) and base64-encoded in a header; `variant` makes two servers (or two rounds) differ
    /// right next to each secret.
    static func echo(_ request: RecordedRequest, variant: String) -> LoopbackResponse {
        if request.path == "/login" { return json("{\"token\":\"\(captured)\"}") }
        let echoed = request.target + " " + request.headers.map { "\($0.name): \($0.value)" }.joined(separator: " ") + " " + request.bodyText
        var headers: HTTPHeaders = ["X-Echo-Base64": Data(echoed.utf8).base64EncodedString(), "X-Echo": variant + echoed]
        if request.path.hasPrefix("/text") {
            headers.add(name: "Content-Type", value: "text/plain")
            return .http(status: 200, headers: headers, body: Array((variant + echoed).utf8))
        }
        if request.path.hasPrefix("/binary") {
            headers.add(name: "Content-Type", value: "application/octet-stream")
            return .http(status: 200, headers: headers, body: [0, 0xFF] + Array(variant.utf8) + Array(echoed.utf8) + [0])
        }
        headers.add(name: "Content-Type", value: "application/json")
        let object: JSONValue = .object(["target": .string(variant + request.target), "all": .string(variant + echoed),
                                         "base64": .string(Data((variant + echoed).utf8).base64EncodedString())])
        return .http(status: 200, headers: headers, body: Array(object.serialized().utf8))
    }

    static let suite = """
    name: secrets
    secrets: [password, cli]
    vars:
      password: "\(suiteVariable)"
    cases:
      - name: login
        request: { path: /login }
        capture: { token: { jsonPath: "$.token", secret: true } }
      - name: echoes json
        request:
          method: POST
          path: "/echo/{{env.API_KEY}}"
          query: { pw: "{{password}}", session: "{{env.SESSION_TOKEN}}", cli: "{{cli}}", t: "{{token}}" }
          headers: { x-api-key: "{{env.API_KEY}}", Authorization: "Bearer {{token}}" }
          body: { json: { password: "{{password}}", cli: "{{cli}}" } }
        expect: { status: 200, snapshot: true }
      - name: echoes text
        request: { path: "/text/{{password}}", query: { k: "{{env.API_KEY}}", c: "{{cli}}", t: "{{token}}" } }
        expect: { status: 200, snapshot: true }
      - name: echoes binary
        request: { path: "/binary/{{cli}}", query: { s: "{{env.SESSION_TOKEN}}", t: "{{token}}" } }
        expect: { status: 200, snapshot: true }
    """

    /// The output of one command: its streams and every file under the workspace's `reports/` and snapshots.
    struct Artefacts {
        var items: [(String, String)] = []

        mutating func add(_ name: String, _ child: SpawnedGatecheck) {
            items.append(("\(name) stdout", child.output))
            items.append(("\(name) stderr", child.errors))
        }

        mutating func addFiles(under directory: String, label: String) {
            let enumerator = FileManager.default.enumerator(atPath: directory)
            while let relative = enumerator?.nextObject() as? String {
                guard !relative.hasSuffix(".yaml") || relative.contains(".snapshots/") else { continue }  // not the suite itself
                if let data = FileManager.default.contents(atPath: directory + "/" + relative) {
                    items.append(("\(label): \(relative)", String(decoding: data, as: UTF8.self)))
                }
            }
        }

        /// Records an issue for each secret found in any form (raw, percent, JSON, base64), whole or cut.
        func expectNoSecret(sourceLocation: SourceLocation = #_sourceLocation) {
            for (name, text) in items {
                let unescaped = text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
                for secret in TrustTests.secrets {
                    for form in SecretsTests.leakForms(of: secret) where text.contains(form) || unescaped.contains(form) {
                        Issue.record("\(name) contains the secret \(secret) as '\(form)'", sourceLocation: sourceLocation)
                    }
                }
                // A secret cut by a table cell or an excerpt still shows its marker.
                if text.contains("SECRET-") { Issue.record("\(name) contains part of a secret:\n\(text)", sourceLocation: sourceLocation) }
            }
        }
    }

    func spawn(_ arguments: [String], in workspace: Workspace, limit: Double = 20) async throws -> (SpawnedGatecheck, Int32) {
        var environment = Self.environment
        environment["PATH"] = "/usr/bin:/bin"
        environment["NO_COLOR"] = "1"
        let child = try SpawnedGatecheck(arguments, environment: environment)
        return (child, await child.exitStatus(limit: limit))
    }

    @Test func everyCommandAndEveryEncodingIsRedacted() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: gatecheckBinary()))
        let first = try LoopbackHTTPServer { Self.echo($0, variant: "A ") }
        defer { first.stop() }
        let second = try LoopbackHTTPServer { Self.echo($0, variant: "B ") }
        defer { second.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/secrets.yaml", Self.suite)
        let reports = workspace.path + "/reports"
        let variable = ["--var", "cli=\(Self.commandLineSecret)"]
        var artefacts = Artefacts()

        // record (written), then dry-run and record again against the other server: the "changed" tables.
        var (child, status) = try await spawn(["record", suitePath, "--target", first.baseURL, "--junit", reports + "/record.xml"] + variable, in: workspace)
        #expect(status == 0, "\(child.output)\(child.errors)")
        #expect(child.output.contains("warning: the response echoes a secret; it is stored as *** in"), "\(child.output)")
        artefacts.add("record", child)
        (child, status) = try await spawn(["record", "--dry-run", suitePath, "--target", second.baseURL, "--junit", reports + "/dry.xml"] + variable, in: workspace)
        #expect(status == 0)
        #expect(child.output.contains("snapshot would change"), "\(child.output)")
        artefacts.add("record --dry-run", child)
        (child, status) = try await spawn(["record", suitePath, "--target", second.baseURL, "--junit", reports + "/record2.xml"] + variable, in: workspace)
        #expect(child.output.contains("snapshot changed"), "\(child.output)")
        artefacts.add("record again", child)

        // run: the snapshot assertions fail against the first server (snapshot tables).
        (child, status) = try await spawn(["run", suitePath, "--target", first.baseURL, "--junit", reports + "/run.xml"] + variable, in: workspace)
        #expect(status == 1, "\(child.output)\(child.errors)")
        #expect(child.output.contains("differs from the snapshot"))
        artefacts.add("run", child)

        // --compare: side-by-side tables of JSON, text (excerpts) and binary (base64 excerpts) bodies and headers.
        (child, status) = try await spawn(["run", suitePath, "--target", first.baseURL, "--compare", second.baseURL,
                                           "--junit", reports + "/compare.xml"] + variable, in: workspace)
        #expect(status == 1)
        #expect(child.output.contains("parity: echoes text") && child.output.contains("differ"), "\(child.output)")
        artefacts.add("run --compare", child)

        // --filter naming a --var secret: echoed in every skip reason.
        (child, status) = try await spawn(["run", suitePath, "--target", first.baseURL, "--filter", "login|\(Self.commandLineSecret)",
                                           "--junit", reports + "/filter.xml"] + variable, in: workspace)
        #expect(status == 0, "\(child.output)\(child.errors)")
        #expect(child.output.contains("filtered out by --filter login|***"), "\(child.output)")
        artefacts.add("run --filter", child)

        // merge-reports of all of them.
        (child, status) = try await spawn(["merge-reports", reports + "/run.xml", reports + "/compare.xml", reports + "/filter.xml",
                                           "--allow-duplicates", "-o", reports + "/merged.xml"], in: workspace)
        #expect(status == 0, "\(child.errors)")
        artefacts.add("merge-reports", child)
        artefacts.addFiles(under: workspace.path, label: "file")

        // The secrets really went over the wire and came back.
        let wire = (first.requests + second.requests).map { "\($0.target) \($0.headers.map(\.value)) \($0.bodyText)" }.joined()
        #expect(wire.contains(Self.captured) && wire.contains(Self.suiteVariable) && wire.contains(Self.commandLineSecret))
        #expect(artefacts.items.contains { $0.0.hasSuffix("merged.xml") })
        #expect(artefacts.items.contains { $0.0.contains(".snapshots/") })
        artefacts.expectNoSecret()
    }

    @Test func recordSecretsKeepsTheEchoedSecretInTheSnapshotOnly() async throws {
        let server = try LoopbackHTTPServer { Self.echo($0, variant: "A ") }
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/secrets.yaml", Self.suite)
        let (child, status) = try await spawn(["record", "--record-secrets", suitePath, "--target", server.baseURL,
                                               "--junit", workspace.path + "/reports/junit.xml", "--var", "cli=\(Self.commandLineSecret)"],
                                              in: workspace)
        #expect(status == 0, "\(child.errors)")
        #expect(child.output.contains("--record-secrets stores it"))
        #expect(!child.output.contains(Self.commandLineSecret))
        let snapshot = try #require(workspace.read("suites/secrets.snapshots/echoes-text.yaml"))
        #expect(snapshot.contains(Self.commandLineSecret))
    }

    // MARK: a CI gate must not go green by accident

    @Test func aSelectionOfNoCaseExitsFiveUnlessAllowed() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/a.yaml", "name: a\ncases:\n  - name: one\n    tags: [smoke]\n    request: { path: /health }\n")
        let junit = workspace.path + "/reports/junit.xml"
        var (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--filter", "nothing-matches", "--junit", junit],
                                              in: workspace)
        #expect(status == 5, "\(child.output)\(child.errors)")
        #expect(child.errors.contains("no case matched --filter 'nothing-matches'"))
        #expect(FileManager.default.fileExists(atPath: junit), "the report is written")
        (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--tag", "nightly", "--junit", junit], in: workspace)
        #expect(status == 5)
        #expect(child.errors.contains("no case matched --tag 'nightly'"))
        (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--tag", "nightly", "--allow-empty", "--junit", junit],
                                          in: workspace)
        #expect(status == 0, "\(child.errors)")
        (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--tag", "smoke", "--junit", junit], in: workspace)
        #expect(status == 0, "a selection that matches runs as before: \(child.errors)")
    }

    @Test func invalidInputWritesOneErrorCasePerInvalidFile() async throws {
        let workspace = Workspace()
        let broken = workspace.write("suites/broken.yaml", "name: broken\ncases:\n  - name: x\n    request: { path: /x }\n    expect: { staus: 200 }\n")
        let other = workspace.write("suites/other.yaml", "name: other\ncases: 3\n")
        workspace.write("suites/fine.yaml", "name: fine\ncases:\n  - name: y\n    request: { path: /y }\n")
        let junit = workspace.path + "/reports/junit.xml"
        let (child, status) = try await spawn(["run", workspace.path + "/suites", "--target", "http://127.0.0.1:9", "--junit", junit],
                                              in: workspace)
        #expect(status == 2, "\(child.errors)")
        let xml = try #require(workspace.read("reports/junit.xml"), "exit 2 writes the report")
        #expect(xml.contains(#"<testsuite name="gatecheck: invalid input""#))
        #expect(xml.contains("name=\"\(broken)\"") && xml.contains("name=\"\(other)\""))
        #expect(!xml.contains("fine.yaml"), "only invalid files get a case")
        #expect(xml.components(separatedBy: "<error ").count - 1 == 2, "\(xml)")
        #expect(xml.contains("unknown key &apos;staus&apos;") || xml.contains("unknown key 'staus'"), "\(xml)")
        let validation = try ReportValidation.run("/usr/bin/env", ["python3", "-c", """
            import sys
            from junitparser import JUnitXml
            for suite in JUnitXml.fromfile(sys.argv[1]):
                for case in suite:
                    print(type(case.result[0]).__name__)
            """, junit])
        #expect(validation.output == "Error\nError\n", "\(validation.output)")
    }

    @Test(arguments: [
        (["--junit", "DIRECTORY"], "is a directory"),
        (["--junit", "/proc/gatecheck-cannot-write/junit.xml"], "cannot write the JUnit report"),
        (["--target", "http://127.0.0.1:99999"], "not between 1 and 65535"),
        (["--timeout", "0s"], "--timeout"),
        (["--junit", ""], "--junit needs a file path"),
        (["--tag", " "], "a tag cannot be empty"),
        (["--compare", "http://127.0.0.1:70000"], "invalid --compare"),
        (["--filter", "("], "invalid --filter"),
    ])
    func badOptionsAreRefusedBeforeAnythingIsSent(arguments: [String], message: String) async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/a.yaml", "name: a\ncases:\n  - name: one\n    request: { path: /health }\n")
        try FileManager.default.createDirectory(atPath: workspace.path + "/reports", withIntermediateDirectories: true)
        var command = ["run", suitePath]
        if !arguments.contains("--target") { command += ["--target", server.baseURL] }
        if !arguments.contains("--junit") { command += ["--junit", workspace.path + "/out/junit.xml"] }
        command += arguments.map { $0 == "DIRECTORY" ? workspace.path + "/reports" : $0 }
        let (child, status) = try await spawn(command, in: workspace)
        #expect(status == 2, "\(child.output)\(child.errors)")
        #expect(child.errors.contains(message), "\(child.errors)")
        #expect(server.requests.isEmpty, "nothing was sent")
    }

    @Test func timeoutsAcceptUnitsAndHelpSaysTheDefaultOnce() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/a.yaml", "name: a\ncases:\n  - name: one\n    request: { path: /health }\n")
        var (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--timeout", "5s",
                                               "--junit", workspace.path + "/r.xml"], in: workspace)
        #expect(status == 0, "\(child.errors)")
        (child, status) = try await spawn(["run", "--help"], in: workspace)
        #expect(status == 0)
        #expect(child.output.contains("--jobs <n>              Suites run at the same time (default: one per core)."), "\(child.output)")
        // Each option's help (its lines up to the next option) names its default at most once.
        var options: [String] = []
        for line in child.output.split(separator: "\n") {
            if line.hasPrefix("  -") { options.append(String(line)) } else if !options.isEmpty { options[options.count - 1] += " " + line }
        }
        #expect(options.count > 20)
        for option in options {
            #expect(option.components(separatedBy: "default").count <= 2, "\(option)")
        }
    }

    @Test(arguments: [
        (["runn", "suites"], "Error: unknown command 'runn' (did you mean 'run'?)"),
        (["valdiate"], "Error: unknown command 'valdiate' (did you mean 'validate'?)"),
        (["suites/a.yaml"], "Error: unknown command 'suites/a.yaml' (commands: run, record, validate, lint, list, init, emulate, merge-reports)"),
        (["run", "--jobs", "-1"], "Error: --jobs must be a positive integer, got -1"),
        (["run", "--jobs=-1"], "Error: --jobs must be a positive integer, got -1"),
        (["run", "--jobs", "0"], "Error: --jobs must be a positive integer, got 0"),
        (["run", "--retries", "-1"], "Error: --retries must be an integer from 0 to 10, got -1"),
        (["run", "--max-retry-after", "-2.5"], "Error: --max-retry-after must be a number of seconds, 0 or more, got -2.5"),
        (["run", "--retries", "11"], "Error: --retries must be an integer from 0 to 10, got 11"),
        (["run", "--grace-period", "-1"], "Error: --grace-period must be a number of seconds, 0 or more, got -1"),
        (["emulate", "--api", "x.yaml", "--port", "-1"], "Error: --port must be a port number from 0 to 65535 (0 picks a free port), got -1"),
    ])
    func commandLineMistakesSayWhatIsWrong(arguments: [String], message: String) async throws {
        let workspace = Workspace()
        let (child, status) = try await spawn(arguments, in: workspace)
        #expect(status == 2)
        #expect(child.errors.hasPrefix(message + "\n"), "\(child.errors)")
        #expect(!child.errors.contains("Missing value"))
        #expect(child.errors.contains("Usage: gatecheck "), "\(child.errors)")
        #expect(child.output.isEmpty)
    }

    @Test func aHeaderByteThatIsNotUTF8IsShownAsItsHexCode() async throws {
        let head = Array("HTTP/1.1 200 OK\r\nX-Odd: caf".utf8) + [0xE9, 0x20, 0xFF] + Array("\r\nX-Utf8: caf\u{E9} \u{FF}\r\nContent-Length: 2\r\n\r\nok".utf8)
        let server = try LoopbackHTTPServer { _ in .raw(head) }
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/odd.yaml", """
            name: odd
            cases:
              - name: the bytes are matched as written
                request: { path: /a }
                expect:
                  headers:
                    x-odd: 'caf\\xE9 \\xFF'
                    x-utf8: "caf\u{E9} \u{FF}"
              - name: and shown so
                request: { path: /b }
                expect: { headers: { x-odd: wrong } }
            """)
        let junit = workspace.path + "/reports/junit.xml"
        let (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--junit", junit], in: workspace)
        #expect(status == 1, "\(child.output)\(child.errors)")
        #expect(child.output.contains("✓ the bytes are matched as written"), "\(child.output)")
        #expect(child.output.contains(#"header 'x-odd': expected 'wrong', got 'caf\xE9 \xFF'"#), "\(child.output)")
        #expect(child.output.contains(#"< X-Odd: caf\xE9 \xFF"#), "\(child.output)")
        #expect(child.output.contains("< X-Utf8: caf\u{E9} \u{FF}"), "valid UTF-8 stays as it is: \(child.output)")
        let xml = try #require(workspace.read("reports/junit.xml"))
        #expect(xml.contains(#"got &apos;caf\xE9 \xFF&apos;"#) || xml.contains(#"got 'caf\xE9 \xFF'"#), "\(xml)")
        #expect(xml.contains(#"X-Odd: caf\xE9 \xFF"#), "\(xml)")
    }

    // MARK: where a failure is written

    static let positionsSuite = """
        name: positions
        cases:
          - name: passes
            request: { path: /items }
            expect: { status: 200 }
          - name: fails everywhere
            request: { path: /items }
            capture:
              missing: { header: X-Nope }
            expect:
              status: 201
              headers:
                Content-Type: text/plain
              body:
                contains: nope
                jsonPath:
                  $.next: wrong
                  $.items: { length: 9 }
          - name: fails its snapshot
            request: { path: /text }
            expect:
              snapshot: true
        """

    @Test func eachFailedAssertionNamesItsPositionInTheSuite() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/x.yaml", Self.positionsSuite)
        let junit = workspace.path + "/reports/junit.xml"
        let (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--junit", junit], in: workspace)
        #expect(status == 1, "\(child.errors)")
        let expected = [
            "\(suitePath):11:7: status: expected 201, got 200",
            "\(suitePath):13:9: header 'Content-Type': expected 'text/plain', got 'application/json'",
            "\(suitePath):15:9: body: expected to contain 'nope', got ",
            "\(suitePath):17:11: $.next: expected \"wrong\", got null",
            "\(suitePath):18:11: $.items: expected length 9, got length 3",
            "\(suitePath):9:7: capture 'missing': no header 'X-Nope' in the response",
            "\(suitePath):22:7: no snapshot at ",
        ]
        let xml = try #require(workspace.read("reports/junit.xml"))
        let xmlText = xml.replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
        for line in expected {
            #expect(child.output.contains("      " + line), "console: \(line)\n\(child.output)")
            #expect(xmlText.contains(line), "JUnit: \(line)\n\(xml)")
        }
        #expect(child.output.components(separatedBy: "│ > GET").count - 1 == 2, "without --verbose, only the failed cases show theirs: \(child.output)")
    }

    @Test func verbosePrintsTheTranscriptOfPassingCasesToo() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("suites/x.yaml", Self.positionsSuite)
        let junit = workspace.path + "/reports/junit.xml"
        for flag in ["--verbose", "-v"] {
            let (child, status) = try await spawn(["run", suitePath, "--target", server.baseURL, "--junit", junit, flag], in: workspace)
            #expect(status == 1, "\(child.errors)")
            #expect(child.output.components(separatedBy: "│ > GET").count - 1 == 3, "every case: \(child.output)")
            let passing = try #require(child.output.range(of: "✓ passes"))
            let failing = try #require(child.output.range(of: "✗ fails everywhere"))
            let between = child.output[passing.upperBound..<failing.lowerBound]
            #expect(between.contains("│ > GET \(server.baseURL)/items") && between.contains(#"│ {"items":[1,2,3],"next":null}"#), "\(child.output)")
            let xml = try #require(workspace.read("reports/junit.xml"))
            #expect(xml.contains("<system-out>&gt; GET \(server.baseURL)/items"), "\(xml)")
        }
    }

    @Test func aUTF16FileWithAByteOrderMarkIsRead() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let text = "name: wide\ncases:\n  - name: caf\u{E9} \u{1F600}\n    request: { path: /items }\n    expect: { status: 200 }\n"
        let units: [UInt16] = Array(text.utf16)
        let littleEndian: [UInt8] = [0xFF, 0xFE] + units.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let bigEndian: [UInt8] = [0xFE, 0xFF] + units.flatMap { unit -> [UInt8] in [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        for (name, bytes) in [("le", littleEndian), ("be", bigEndian)] {
            let path = workspace.path + "/suites/\(name).yaml"
            try FileManager.default.createDirectory(atPath: workspace.path + "/suites", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let (child, status) = try await spawn(["run", path, "--target", server.baseURL, "--junit", workspace.path + "/\(name).xml"],
                                                  in: workspace)
            #expect(status == 0, "\(child.output)\(child.errors)")
            #expect(child.output.contains("✓ caf\u{E9} \u{1F600}"), "\(child.output)")
        }
    }

    // MARK: messages that send people the wrong way

    @Test func aLargeDocumentWithoutAliasesIsNotRefused() async throws {
        // 40,000 one-line cases are 320,000 YAML nodes, more than the alias budget: only expansion counts.
        let workspace = Workspace()
        let cases = (0..<40_000).map { "  - { name: c\($0), request: { path: /p\($0) }, expect: { status: 200 } }" }
        let path = workspace.write("suites/big.yaml", "name: big\ncases:\n" + cases.joined(separator: "\n") + "\n")
        // A debug build reads 40,000 cases in several seconds, many more on a loaded machine: the limit only guards a hang.
        let (child, status) = try await spawn(["validate", path], in: workspace, limit: 180)
        #expect(status == 0, "\(child.errors)")
        #expect(child.output.contains("1 suite, 40000 cases: valid"), "\(child.output)")
    }

    @Test func aBrokenAPIDefinitionReportsItsOwnDiagnostics() async throws {
        let workspace = Workspace()
        workspace.write("suites/apis/broken.yaml", """
            openapi: 3.0.1
            info: { title: broken, version: "1" }
            paths:
              /f:
                get:
                  x-amazon-apigateway-integration: { type: lambda_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:F/invocations" }
            """)
        let suitePath = workspace.write("suites/a.yaml", "name: a\napi: apis/broken.yaml\ncases:\n  - name: one\n    request: { path: /f }\n")
        let (child, status) = try await spawn(["run", suitePath, "--junit", workspace.path + "/reports/junit.xml"], in: workspace)
        #expect(status == 2)
        #expect(child.errors.contains("apis/broken.yaml:6:48: error: unknown integration type 'lambda_proxy'"), "\(child.errors)")
        #expect(!child.errors.contains("error: cannot tell whether"), "\(child.errors)")
    }
}
