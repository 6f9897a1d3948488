import Foundation
import GatecheckCore
import Testing
import TestSupport

@Suite struct ReportTests {
    static let mixedSuite = """
    name: mixed
    cases:
      - name: passes
        request: { path: /text }
        expect: { status: 200 }
      - name: fails with a hostile body
        request: { path: /control }
        expect: { status: 200, body: { contains: "all good" } }
      - name: errors on a non-JSON body
        request: { path: /text }
        expect: { body: { json: { a: 1 } } }
      - name: skipped
        skip: not today
        request: { path: /text }
    """

    @Test func reportValidatesAgainstTheSchemaAndParsesWithJunitparser() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let run = await runSuites(["mixed.yaml": Self.mixedSuite, "other.yaml": "cases:\n  - name: ok\n    request: { path: /items }\n"],
                                  target: server.baseURL)
        #expect(run.summary.exitCode == 1)
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<property name="target" value="\#(server.baseURL)"/>"#) || xml.contains(#"name="target""#))
        #expect(xml.contains("gatecheck.version"))
        #expect(!xml.contains("\u{0}"))
        #expect(!xml.contains("\u{1B}"))

        let schema = try #require(ReportValidation.junitSchemaPath(), "junit-10.xsd not found; set GATECHECK_JUNIT_XSD")
        let lint = try ReportValidation.xmllint(run.junitPath, schema: schema)
        #expect(lint.status == 0, "xmllint: \(lint.output)")

        let parsed = try ReportValidation.junitparser(run.junitPath)
        #expect(parsed.status == 0, "junitparser: \(parsed.output)")
        #expect(parsed.output == """
        suite mixed tests=4 failures=1 errors=1 skipped=1
        case mixed | passes | passed
        case mixed | fails with a hostile body | Failure
        case mixed | errors on a non-JSON body | Error
        case mixed | skipped | Skipped
        suite other tests=1 failures=0 errors=0 skipped=0
        case other | ok | passed

        """)
    }

    @Test func failureTextCarriesEveryFailureAndTheEscapedTranscript() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let run = await runSuites(["mixed.yaml": Self.mixedSuite], target: server.baseURL)
        let xml = try #require(run.junit)
        // message: the first failure on one line, then how many more.
        #expect(xml.contains(#"message="status: expected 200, got 500 (and 1 more)""#))
        // The control characters and invalid bytes of the body appear escaped, ]]> cannot end anything.
        #expect(xml.contains(#"bad \x00\x01\x1B[31m ]]&gt; &lt;tag&gt; &amp; &quot;end&quot;\xFF\xFE"#) || xml.contains(#"bad \x00\x01\x1B[31m ]]&gt; &lt;tag&gt; &amp; "end"\xFF\xFE"#),
                "\(xml)")
        #expect(xml.contains("&lt; HTTP/1.1 500 Internal Server Error"))
    }

    @Test func longBodiesAreCutWithTheTotalByteCount() {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000)
        let text = Transcript.body(body, limit: 4096)
        #expect(text.hasSuffix("\n... (10000 bytes in total, first 4096 shown, sha256 \(Transcript.sha256Hex(body)))"))
        // Never cut inside a UTF-8 character.
        let accented = Array(String(repeating: "é", count: 10).utf8)
        #expect(Transcript.utf8Prefix(accented, limit: 5) == 4)
        #expect(Transcript.displayText(bytes: [0x41, 0x00, 0xC3, 0xA9, 0xFF, 0x0A]) == "A\\x00é\\xFF\n")
    }

    @Test func colourOnlyWhenEnabled() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = "cases:\n  - name: a\n    request: { path: /text }\n"
        let coloured = await runSuites(["c.yaml": suite], target: server.baseURL) { $0.style = ConsoleStyle(enabled: true) }
        #expect(coloured.console.contains("\u{1B}[32m✓\u{1B}[0m a"))
        // The last line stays plain for CI tools.
        #expect(coloured.console.split(separator: "\n").last?.contains("\u{1B}") == false)
        #expect(ConsoleStyle.detect(descriptor: -1, environment: [:]).enabled == false)
        #expect(ConsoleStyle.detect(environment: ["NO_COLOR": "1"]).enabled == false)
    }
}
