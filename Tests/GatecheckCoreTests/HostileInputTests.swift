import Foundation
import GatecheckCore
import HTTPMessage
import JSONCore
import Testing
import TestSupport

@Suite struct HostileInputTests {
    /// 50 MB: NUL, C0 controls, ESC sequences, invalid UTF-8, `]]>`, markup, then filler.
    static let hostileBody: [UInt8] = {
        var body = Array("start \u{0}\u{1}\u{8}\u{B}\u{C}\u{1B}[31m ]]> <![CDATA[ x ]]> </testcase> &amp; \"quoted\" ".utf8)
        body += [0xFF, 0xFE, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xEF, 0xBF, 0xBF]  // invalid bytes, a surrogate, U+FFFF
        let filler = Array("0123456789abcdef]]>\u{0}\u{7F}é\n".utf8)
        body.reserveCapacity(50 * 1024 * 1024)
        while body.count < 50 * 1024 * 1024 { body += filler }
        return Array(body.prefix(50 * 1024 * 1024))
    }()

    @Test func aHugeHostileBodyGivesAValidBoundedReport() async throws {
        let body = Self.hostileBody
        let server = try LoopbackHTTPServer { request in
            .http(status: 500, headers: ["Content-Type": "application/octet-stream"], body: request.path == "/huge" ? body : [])
        }
        defer { server.stop() }
        let suite = """
        name: hostile
        cases:
          - name: fails on a 50 MB body
            request: { path: /huge }
            expect: { status: 200, body: { contains: "needle" } }
          - name: errors asserting JSON on it
            request: { path: /huge }
            expect: { body: { jsonPath: { "$.a": 1 } } }
        """
        let workspace = Workspace()
        let run = await runSuites(["hostile.yaml": suite], target: server.baseURL, workspace: workspace)
        #expect(run.summary.exitCode == 1)
        // Over the default --max-body-size (10 MiB), so neither body assertion is checked: both cases fail saying so.
        #expect(run.summary.failed == 2 && run.summary.errors == 0)
        #expect(run.failures("errors asserting JSON on it").map(\.summary).contains { $0.hasPrefix("body: not checked: the response body is 52428800 bytes") })

        // The whole body's size and SHA-256 (computed here by sha256sum, not by gatecheck).
        let bodyPath = workspace.write("body.bin", "")
        try Data(body).write(to: URL(fileURLWithPath: bodyPath))
        let digest = try ReportValidation.run("/usr/bin/env", ["sha256sum", bodyPath]).output.prefix(64)
        #expect(digest.count == 64)
        let note = "... (52428800 bytes in total, first 4096 shown, sha256 \(digest))"
        let xml = try #require(run.junit)
        #expect(xml.contains(note), "the report names the total size and the digest")
        #expect(xml.contains("... (body truncated at --max-body-size: 10485760 of 52428800 bytes kept)"))
        #expect(run.console.contains("... (52428800 bytes in total, first 1024 shown, sha256 \(digest))"))

        // Bounded: results keep only the cut prefix, the report and the console stay small.
        let result = try #require(run.result("fails on a 50 MB body"))
        #expect((result.reportTranscript?.utf8.count ?? 0) < 16 * 1024)
        #expect((result.consoleTranscript?.utf8.count ?? 0) < 8 * 1024)
        #expect(xml.utf8.count < 64 * 1024, "report of \(xml.utf8.count) bytes")
        #expect(run.console.utf8.count < 32 * 1024, "console output of \(run.console.utf8.count) bytes")
        #expect(!xml.contains("\u{0}") && !xml.contains("\u{1B}") && !xml.contains("]]>"))
        #expect(xml.contains(#"start \x00\x01\x08\x0B\x0C\x1B[31m ]]&gt; &lt;![CDATA[ x ]]&gt; &lt;/testcase&gt; &amp;amp;"#), "control characters escaped, markup inert")
        #expect(xml.contains(#"\xFF\xFE\xC3(\xED\xA0\x80"#), "invalid UTF-8 shown byte by byte")

        let parsed = try checkReport(run)
        #expect(parsed == """
        suite hostile tests=2 failures=2 errors=0 skipped=0
        case hostile | fails on a 50 MB body | Failure
        case hostile | errors asserting JSON on it | Failure

        """)
        // junitparser reads the transcript back as text, byte-exact escapes included.
        let text = try ReportValidation.run("/usr/bin/env", ["python3", "-c", """
            import sys
            from junitparser import JUnitXml
            case = next(iter(next(iter(JUnitXml.fromfile(sys.argv[1])))))
            print(case.result[0].text.count("sha256"), len(case.result[0].text) < 20000)
            """, run.junitPath])
        // The digest appears twice: in the "not checked" assertion failure and in the transcript's cut note.
        #expect(text.output == "2 True\n", "\(text.output)")
    }

    @Test func bodyCutsNeverSplitACharacterAndCarryTheDigest() {
        let body = Array(String(repeating: "é", count: 3000).utf8)  // 6000 bytes
        let text = Transcript.body(body, limit: 4095)
        #expect(text.hasPrefix(String(repeating: "é", count: 2047) + "\n... (6000 bytes in total, first 4094 shown, sha256 "))
        #expect(text.hasSuffix(Transcript.sha256Hex(body) + ")"))
        #expect(Transcript.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Transcript.body(Array("short".utf8), limit: 4096) == "short", "no note when nothing is cut")
    }

    @Test func hugeJSONDiffsAreBounded() async throws {
        let items = (0..<10_000).map(String.init).joined(separator: ",")
        let server = try LoopbackHTTPServer { _ in json("{\"items\":[\(items)]}") }
        defer { server.stop() }
        let expected = (0..<10_000).map { String($0 + 1) }.joined(separator: ", ")
        let run = await runSuites(["diff.yaml": "cases:\n  - name: d\n    request: { path: /x }\n    expect: { body: { json: { items: [\(expected)] } } }\n"],
                                  target: server.baseURL)
        let failure = try #require(run.failures("d").first)
        #expect(failure.summary.hasPrefix("body JSON: "))
        #expect(failure.details.count <= 51, "at most 50 differences and a count of the rest")
        #expect(run.console.utf8.count < 16 * 1024)
        #expect((run.junit?.utf8.count ?? 0) < 32 * 1024)
    }
}

@Suite struct SecretsTests {
    static let environment = [
        "API_TOKEN": "tok-SECRET-1/+=?&é x",
        "API_KEY": "key-SECRET-2",
        "SESSION_TOKEN": "sess-SECRET-3\"quoted\\",
    ]
    static let suiteVariable = "pw-SECRET-4!"
    static let captured = "cap-SECRET-5"

    /// Every way a secret could leak: as is, percent-encoded (both hex cases), JSON-escaped, base64 variants.
    static func leakForms(of secret: String) -> [String] {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encoded = secret.addingPercentEncoding(withAllowedCharacters: unreserved) ?? secret
        let base64 = Data(secret.utf8).base64EncodedString()
        let unpadded = base64.replacingOccurrences(of: "=", with: "")
        let jsonEscaped = secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return Array(Set([secret, encoded, encoded.lowercased(), jsonEscaped, base64, unpadded,
                          unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")]))
    }

    /// Echoes everything it receives: target, headers (also as response headers) and body, plus base64
    /// forms of each header value and each decoded query value.
    static func echo(_ request: RecordedRequest) -> LoopbackResponse {
        if request.path == "/login" { return json("{\"token\":\"\(captured)\"}") }
        if request.path == "/stall" { return .stall }
        var object: [(String, JSONValue)] = [("target", .string(request.target)), ("body", .string(request.bodyText))]
        object.append(("headers", .array(request.headers.map { .string("\($0.name): \($0.value)") })))
        object.append(("headersBase64", .array(request.headers.map { .string(Data($0.value.utf8).base64EncodedString()) })))
        let query = URLComponents(string: "http://x" + request.target)?.queryItems ?? []
        object.append(("query", .array(query.map { .string($0.value ?? "") })))
        object.append(("queryBase64", .array(query.map { .string(Data(($0.value ?? "").utf8).base64EncodedString()) })))
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        for field in request.headers where field.name.lowercased() != "host" {
            headers.add(name: "X-Echo-" + field.name, value: field.value)
        }
        return .http(status: 200, headers: headers, body: Array(JSONValue.object(.init(uniqueKeysWithValues: object)).serialized().utf8))
    }

    @Test func noArtefactOfARunContainsASecret() async throws {
        let binary = gatecheckBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary))
        let server = try LoopbackHTTPServer { Self.echo($0) }
        defer { server.stop() }
        let suite = """
        name: secrets
        secrets: [password]
        vars:
          password: "\(Self.suiteVariable)"
          bearer: "Bearer {{env.API_TOKEN}}"
        cases:
          - name: echoes every secret and fails
            request:
              method: POST
              path: "/echo/{{env.API_KEY}}"
              query: { token: "{{env.API_TOKEN}}", pw: "{{password}}", session: "{{env.SESSION_TOKEN}}" }
              headers:
                Authorization: "{{bearer}}"
                x-api-key: "{{env.API_KEY}}"
                X-Amz-Security-Token: "{{env.SESSION_TOKEN}}"
              body: { json: { password: "{{password}}", token: "{{env.API_TOKEN}}", session: "{{env.SESSION_TOKEN}}" } }
            expect:
              status: 201
              headers: { X-Echo-x-api-key: "not {{env.API_KEY}}" }
              body: { contains: "not {{password}}", jsonPath: { "$.query[0]": "x{{env.API_TOKEN}}" } }
          - name: login
            request: { path: /login }
            capture: { token: { jsonPath: "$.token", secret: true } }
          - name: uses the captured token and fails
            request: { path: /echo, headers: { Authorization: "Bearer {{token}}", X-Plain: "{{token}}" }, query: { t: "{{token}}" } }
            expect: { status: 500, body: { text: "{{token}}" } }
          - name: errors with secrets in the URL
            request: { path: "/stall/{{password}}", query: { k: "{{env.API_KEY}}" }, timeout: 200ms }
          - name: retried with secrets in the transcript
            retries: 1
            request: { path: "/stall/{{env.API_KEY}}", query: { k: "{{env.API_TOKEN}}" }, timeout: 100ms }
        """
        let workspace = Workspace()
        let suitePath = workspace.write("suites/secrets.yaml", suite)
        var environment = Self.environment
        environment["PATH"] = "/usr/bin:/bin"
        environment["NO_COLOR"] = "1"
        let reports = workspace.path + "/reports"
        let child = try SpawnedGatecheck(["run", suitePath, "--target", server.baseURL, "--junit", reports + "/junit.xml",
                                          "--retry-backoff", "1ms"], environment: environment)
        let status = await child.exitStatus()
        #expect(status == 1, "\(child.output)\(child.errors)")

        // The secrets really went over the wire and came back (otherwise this test would prove nothing).
        let wire = server.requests.map { "\($0.target) \($0.headers.map { "\($0.name): \($0.value)" }) \($0.bodyText)" }.joined()
        #expect(wire.contains("key-SECRET-2") && wire.contains(Self.captured) && wire.contains(Self.suiteVariable))
        #expect(child.output.contains("✗ echoes every secret and fails"))
        #expect(child.output.contains("> Authorization: Bearer ***"))
        #expect(child.output.contains("> x-api-key: ***"))

        // Every artefact: stdout, stderr and every file the run wrote.
        var artefacts: [(String, String)] = [("stdout", child.output), ("stderr", child.errors)]
        let enumerator = FileManager.default.enumerator(atPath: reports)
        while let relative = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: reports + "/" + relative) {
                artefacts.append((relative, String(decoding: data, as: UTF8.self)))
            }
        }
        #expect(artefacts.contains { $0.0 == "junit.xml" })
        let secrets = Array(Self.environment.values) + [Self.suiteVariable, Self.captured]
        for (name, text) in artefacts {
            for secret in secrets {
                for form in Self.leakForms(of: secret) where text.contains(form) {
                    Issue.record("\(name) contains the secret \(secret) as '\(form)'")
                }
            }
            // XML escaping must not smuggle a secret through either.
            if name.hasSuffix(".xml") {
                let unescaped = text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
                for secret in secrets where unescaped.contains(secret) { Issue.record("\(name) contains \(secret) once unescaped") }
            }
        }
    }
}
