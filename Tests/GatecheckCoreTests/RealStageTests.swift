import Foundation
import GatecheckCore
import HTTPMessage
import Stages
import Testing
import TestSupport

/// What only a deployed stage shows (issue 25): the default User-Agent, the stage warning of a `--target` URL, the
/// report properties of a profile run, through the in-process runner against real loopback servers.
@Suite struct RealStageTests {
    static let oneCase = "cases:\n  - name: a\n    request: { path: /items }\n    expect: { status: 200 }\n"

    // MARK: User-Agent, stage warning, properties

    @Test func everyRequestCarriesTheGatecheckUserAgentUnlessACaseOrProfileSetsOne() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          waf:
            url: \(server.baseURL)
            headers: { User-Agent: nightly-bot/7 }
        """)
        let suite = """
        cases:
          - name: default agent
            request: { path: /items }
            expect: { status: 200 }
          - name: own agent
            request: { path: /items, headers: { User-Agent: curl/8.5.0 } }
            expect: { status: 200 }
        """
        let plain = await runSuites(["ua.yaml": suite], target: server.baseURL)
        #expect(plain.summary.exitCode == 0, "\(plain.console)\(plain.errors)")
        #expect(server.requests.map { $0.headers.values(for: "User-Agent") } == [["gatecheck/\(GatecheckVersion.string)"], ["curl/8.5.0"]])

        let profiled = await runSuites(["ua.yaml": suite], target: "waf", workspace: workspace) { $0.profilesPath = profiles }
        #expect(profiled.summary.exitCode == 0, "\(profiled.console)\(profiled.errors)")
        #expect(server.requests.dropFirst(2).map { $0.headers.values(for: "User-Agent") } == [["nightly-bot/7"], ["curl/8.5.0"]])
    }

    @Test func aTargetURLWithoutAStageGetsTheProfilesWarningAndResolveIsRecorded() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let host = "abc123.execute-api.eu-west-1.amazonaws.com"
        let run = await runSuites(["s.yaml": Self.oneCase], target: "http://\(host):\(server.port)/") {
            $0.resolve = ["\(host):\(server.port):127.0.0.1"]
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.errors.contains("--target: warning: 'http://\(host):\(server.port)' has no stage: an execute-api URL normally ends with the stage name"),
                "\(run.errors)")
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<property name="resolve" value="\#(host):\#(server.port):127.0.0.1"/>"#), "\(xml)")
        #expect(!xml.contains(#"<property name="profile""#), "a URL target is not a profile: \(xml)")

        // With the stage there is no warning.
        let staged = await runSuites(["s.yaml": Self.oneCase], target: "http://\(host):\(server.port)/prod") {
            $0.resolve = ["\(host):\(server.port):127.0.0.1"]
        }
        #expect(staged.summary.exitCode == 0, "\(staged.console)\(staged.errors)")
        #expect(!staged.errors.contains("has no stage"), "\(staged.errors)")
    }

    @Test func theReportRecordsTheProfileItsFileAndItsResolveEntries() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          staging:
            url: http://api.example.test:\(server.port)
            resolve: ["api.example.test:\(server.port):127.0.0.1"]
        """)
        let run = await runSuites(["p.yaml": Self.oneCase], target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.resolve = ["other.example.test:443:127.0.0.2"]
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let xml = try #require(run.junit)
        for (name, value) in [("target", "staging"), ("profile", "staging"), ("profile.file", profiles),
                              ("resolve", "api.example.test:\(server.port):127.0.0.1, other.example.test:443:127.0.0.2")] {
            #expect(xml.contains(#"<property name="\#(name)" value="\#(value)"/>"#), "\(name) missing in \(xml)")
        }
        let schema = try #require(ReportValidation.junitSchemaPath())
        #expect(try ReportValidation.xmllint(run.junitPath, schema: schema).status == 0)
    }
}
