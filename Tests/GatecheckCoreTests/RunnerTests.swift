import Foundation
import GatecheckCore
import HTTPMessage
import Synchronization
import Testing
import TestSupport

@Suite struct RunnerTests {
    @Test func responsesAreSeenExactlyAndRedirectsAreNotFollowed() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        cases:
          - name: redirect
            request: { path: /redirect }
            expect: { status: 302, headers: { Location: /items } }
          - name: repeated headers and their case
            request: { path: /cookies }
            expect:
              headers:
                SET-COOKIE: { values: ["a=1; Path=/", "b=2; HttpOnly"] }
                x-custom-header: MiXeD
            capture:
              first: { header: set-cookie }
              b: { header: Set-Cookie, regex: "a=([0-9]+)" }
          - name: captured header values are sent back exactly
            request: { path: /echo, headers: { Cookie: "{{first}}", X-B: "{{b}}" } }
            expect: { body: { jsonPath: { "$.headers[*]": { contains: "Cookie: a=1; Path=/" } } } }
          - name: binary body
            request: { path: /binary }
            expect: { status: 200, body: { base64: "\(Data((0...255).map { UInt8($0) }).base64EncodedString())" } }
        """
        let run = await runSuites(["exact.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(server.requests.map(\.target) == ["/redirect", "/cookies", "/echo", "/binary"], "the redirect was not followed")
        #expect(server.requests[2].headers["X-B"] == "1")
    }

    @Test func stagePrefixOfTheTargetIsKept() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let run = await runSuites(["stage.yaml": "cases:\n  - name: a\n    request: { path: /items }\n    expect: { status: 200 }\n"],
                                  target: server.baseURL + "/prod")
        #expect(run.summary.exitCode == 0)
        #expect(server.requests.map(\.target) == ["/prod/items"])
    }

    @Test func connectionRefusedIsAnErrorAndTheRunCompletes() async throws {
        let port = LoopbackHTTPServer.closedPort()
        let suite = "cases:\n  - name: one\n    request: { path: /a }\n  - name: two\n    request: { path: /b }\n"
        let run = await runSuites(["refused.yaml": suite], target: "http://127.0.0.1:\(port)")
        #expect(run.summary.exitCode == 1)
        #expect(run.summary.errors == 2)
        for name in ["one", "two"] {
            guard case let .errored(message, type)? = run.result(name)?.outcome else {
                Issue.record("\(name): \(String(describing: run.result(name)?.outcome))")
                continue
            }
            #expect(type == "CURLE_COULDNT_CONNECT")
            #expect(message.hasPrefix("curl error 7 (CURLE_COULDNT_CONNECT)"))
        }
        let xml = try #require(run.junit, "the report is written even when every case errors")
        #expect(xml.contains(#"<error message="curl error 7 (CURLE_COULDNT_CONNECT)"#))
        #expect(run.console.contains("  ! one (error)"))
        #expect(run.console.contains("0 passed, 0 failed, 2 errors, 0 skipped"))
    }

    @Test func timeoutIsAnErrorAndLaterCasesStillRun() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        cases:
          - name: stalls
            request: { path: /stall, timeout: 300ms }
          - name: still runs
            request: { path: /text }
            expect: { status: 200 }
        """
        let run = await runSuites(["timeout.yaml": suite], target: server.baseURL)
        guard case let .errored(message, type)? = run.result("stalls")?.outcome else {
            Issue.record("\(String(describing: run.result("stalls")?.outcome))")
            return
        }
        #expect(type == "CURLE_OPERATION_TIMEDOUT")
        #expect(message.hasPrefix("curl error 28"))
        #expect(run.result("still runs")?.isPassed == true)
        #expect(run.summary.exitCode == 1)
        #expect(run.junit?.contains("<error ") == true)
    }

    @Test func filterAndTagsSkipCases() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        name: sel
        tags: [api]
        cases:
          - name: alpha
            tags: [smoke]
            request: { path: /text }
          - name: beta
            request: { path: /text }
          - name: gamma
            tags: [smoke]
            request: { path: /text }
        """
        let filtered = await runSuites(["sel.yaml": suite], target: server.baseURL) { $0.filter = "^sel/(alpha|beta)$" }
        #expect(filtered.summary.passed == 2)
        guard case let .skipped(reason)? = filtered.result("gamma")?.outcome else {
            Issue.record("gamma should be skipped")
            return
        }
        #expect(reason == "filtered out by --filter ^sel/(alpha|beta)$")
        #expect(filtered.summary.exitCode == 0)

        let tagged = await runSuites(["sel.yaml": suite], target: server.baseURL) { $0.tags = ["smoke"] }
        #expect(tagged.summary.passed == 2)
        #expect(tagged.result("beta")?.isSkipped == true)
        #expect(tagged.junit?.contains(#"<skipped message="not tagged smoke""#) == true)
        let suiteTag = await runSuites(["sel.yaml": suite], target: server.baseURL) { $0.tags = ["api"] }
        #expect(suiteTag.summary.passed == 3, "suite tags apply to every case")
    }

    @Test func failFastSkipsEverythingAfterTheFirstFailure() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let first = "cases:\n  - name: fails\n    request: { path: /text }\n    expect: { status: 500 }\n  - name: after\n    request: { path: /text }\n"
        let second = "cases:\n  - name: later suite\n    request: { path: /text }\n"
        let run = await runSuites(["a.yaml": first, "b.yaml": second], target: server.baseURL) {
            $0.failFast = true
            $0.jobs = 1
        }
        #expect(run.summary.failed == 1)
        #expect(run.summary.skipped == 2)
        guard case let .skipped(reason)? = run.result("later suite")?.outcome else {
            Issue.record("expected skipped")
            return
        }
        #expect(reason == "fail-fast")
        #expect(server.requests.count == 1)
        #expect(run.summary.exitCode == 1)
    }

    @Test func suitesRunConcurrentlyUpToJobs() async throws {
        // Each request waits (bounded) until two requests are in the server at once.
        let arrivals = Mutex(0)
        let overlapped = Mutex(false)
        let server = try LoopbackHTTPServer { request in
            arrivals.withLock { $0 += 1 }
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if arrivals.withLock({ $0 }) >= 2 { overlapped.withLock { $0 = true }; break }
                usleep(1000)
            }
            return demoResponse(request)
        }
        defer { server.stop() }
        let suite = { (n: Int) in "name: s\(n)\ncases:\n  - name: c\(n)\n    request: { path: /text }\n" }
        let run = await runSuites(["1.yaml": suite(1), "2.yaml": suite(2)], target: server.baseURL) { $0.jobs = 2 }
        #expect(run.summary.passed == 2)
        #expect(overlapped.withLock { $0 }, "with --jobs 2 both suites were in flight at the same time")
        // Output and report stay in file order whatever order the suites finish in.
        #expect(run.summary.suites.map(\.name) == ["s1", "s2"])
    }

    @Test func invalidInputExitsTwo() async throws {
        let suite = "cases:\n  - name: a\n    request: { path: /a }\n"
        let badTarget = await runSuites(["a.yaml": suite], target: "ftp://example.com")
        #expect(badTarget.summary.exitCode == 2)
        #expect(badTarget.errors.contains("invalid --target 'ftp://example.com': the scheme must be http or https"))
        let badFilter = await runSuites(["a.yaml": suite], target: "http://127.0.0.1:9") { $0.filter = "([" }
        #expect(badFilter.summary.exitCode == 2)
        let none = await runSuites([:], target: "http://127.0.0.1:9") { $0.paths = [NSTemporaryDirectory() + "gatecheck-no-such-dir"] }
        #expect(none.summary.exitCode == 2)
        #expect(none.errors.contains("no such file or directory"))
    }

    @Test func theBuiltBinaryMapsOutcomesToExitCodes() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatecheck").path
        let binary = FileManager.default.isExecutableFile(atPath: executable)
            ? executable
            : URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("gatecheck").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "gatecheck binary not found next to the tests at \(binary)")
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let good = workspace.write("good.yaml", "cases:\n  - name: a\n    request: { path: /text }\n    expect: { status: 200 }\n")
        let bad = workspace.write("bad.yaml", "cases:\n  - name: a\n    request: { path: /text }\n    expect: { status: 404 }\n")
        let broken = workspace.write("broken.yaml", "cases:\n  - name: a\n    request: { path: /text }\n    expect: { staus: 404 }\n")
        let junit = workspace.path + "/out/junit.xml"
        let environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]

        let passed = try ReportValidation.run(binary, ["run", good, "--target", server.baseURL, "--junit", junit], environment: environment)
        #expect(passed.status == 0, "\(passed.output)")
        let lastLine = passed.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("1 passed, 0 failed, 0 errors, 0 skipped in "), "\(passed.output)")
        #expect(!passed.output.contains("\u{1B}["), "no colour when stdout is a pipe")
        #expect(FileManager.default.fileExists(atPath: junit))
        #expect(try ReportValidation.run(binary, ["run", bad, "--target", server.baseURL, "--junit", junit], environment: environment).status == 1)
        let invalid = try ReportValidation.run(binary, ["run", broken, "--target", server.baseURL, "--junit", junit], environment: environment)
        #expect(invalid.status == 2)
        #expect(invalid.output.contains("broken.yaml:4:15: error: unknown key 'staus' in expect (did you mean 'status'?)"))
        #expect(try ReportValidation.run(binary, ["run", good, "--jobs", "0"], environment: environment).status == 2)
        #expect(try ReportValidation.run(binary, ["run", "--no-such-flag"], environment: environment).status == 2)
        #expect(try ReportValidation.run(binary, ["validate", broken], environment: environment).status == 2)
        #expect(try ReportValidation.run(binary, ["validate", good], environment: environment).status == 0)
        let version = try ReportValidation.run(binary, ["--version"], environment: environment)
        #expect(version.status == 0)
        #expect(version.output == GatecheckVersion.string + "\n")
    }
}
