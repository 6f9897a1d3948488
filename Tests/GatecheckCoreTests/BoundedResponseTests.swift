import Foundation
import GatecheckCore
import HTTPMessage
import Testing
import TestSupport

/// Issue 16 items 7 and 8 as the user meets them: `gatecheck run` with `--max-body-size`, endless bodies,
/// and error text on a connection that failed twice.
@Suite struct BoundedResponseTests {
    /// 300,000 bytes of text, no "needle" in them.
    static let bigBody: [UInt8] = Array(String(repeating: "0123456789abcdef\n", count: 300_000 / 17 + 1).utf8.prefix(300_000))

    /// SHA-256 of `bytes` as `sha256sum` computes it (not gatecheck's own code).
    static func sha256sum(_ bytes: [UInt8], in workspace: Workspace) throws -> String {
        let path = workspace.write("digest-input.bin", "")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return String(try ReportValidation.run("/usr/bin/env", ["sha256sum", path]).output.prefix(64))
    }

    @Test func theCLIKeepsAtMostMaxBodySizeAndReportsTheWholeBodysSizeAndDigest() async throws {
        let binary = gatecheckBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary))
        let body = Self.bigBody
        let server = try LoopbackHTTPServer { _ in .http(status: 200, headers: ["Content-Type": "text/plain"], body: body) }
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("big.yaml", """
        name: big
        cases:
          - name: status only passes
            request: { path: /big }
            expect: { status: 200 }
          - name: body assertion is not checked
            request: { path: /big }
            expect: { status: 200, body: { contains: "needle" } }
        """)
        let junit = workspace.path + "/reports/junit.xml"
        let child = try SpawnedGatecheck(["run", suitePath, "--target", server.baseURL, "--junit", junit, "--max-body-size", "64K"])
        #expect(await child.exitStatus() == 1, "\(child.output)\(child.errors)")
        let digest = try Self.sha256sum(body, in: workspace)
        let xml = try #require(workspace.read("reports/junit.xml"))
        #expect(xml.contains("not checked: the response body is 300000 bytes, over --max-body-size (64 KiB); only the first 65536 bytes were kept (sha256 of the whole body \(digest))"), "\(xml.prefix(3000))")
        #expect(xml.contains("... (300000 bytes in total, first 4096 shown, sha256 \(digest))"))
        #expect(xml.contains("... (body truncated at --max-body-size: 65536 of 300000 bytes kept)"))
        #expect(child.output.contains("... (300000 bytes in total, first 1024 shown, sha256 \(digest))"), "\(child.output)")
        #expect(xml.contains(#"<testsuite name="big" tests="2" failures="1" errors="0""#), "\(xml.prefix(600))")
    }

    @Test func anInvalidMaxBodySizeIsRefusedBeforeAnythingIsSent() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("one.yaml", "cases:\n  - name: one\n    request: { path: /text }\n")
        for bad in ["0", "ten", "10XB", "-5"] {
            let child = try SpawnedGatecheck(["run", suitePath, "--target", server.baseURL, "--junit", workspace.path + "/r.xml", "--max-body-size", bad])
            #expect(await child.exitStatus() == 2, "\(bad): \(child.errors)")
            #expect(child.errors.contains("--max-body-size"), "\(bad): \(child.errors)")
        }
        #expect(server.requests.isEmpty)
    }

    @Test func byteSizesReadLikeCurls() {
        #expect(ByteSize.parse("1048576") == 1_048_576)
        #expect(ByteSize.parse("512K") == 512 * 1024)
        #expect(ByteSize.parse("10MB") == 10 * 1024 * 1024)
        #expect(ByteSize.parse("1gib") == 1 << 30)
        #expect(ByteSize.parse("0") == nil && ByteSize.parse("") == nil && ByteSize.parse("1.5M") == nil)
        #expect(ByteSize.format(10 * 1024 * 1024) == "10 MiB")
        #expect(ByteSize.format(1500) == "1500 bytes")
    }

    @Test(.timeLimit(.minutes(1)))
    func anEndlessChunkedBodyEndsTheCaseAtItsTimeoutAndTheNextCaseRuns() async throws {
        let binary = gatecheckBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary))
        let server = try LoopbackHTTPServer { request in
            request.path == "/endless"
                ? .endlessChunkedBody(headers: ["Content-Type": "application/json"], chunk: Array(repeating: UInt8(ascii: " "), count: 65_536))
                : .text("fine")
        }
        defer { server.stop() }
        let workspace = Workspace()
        let suitePath = workspace.write("endless.yaml", """
        name: endless
        cases:
          - name: never ends
            request: { path: /endless, timeout: 700ms }
            expect: { status: 200, body: { jsonPath: { "$.a": 1 } } }
          - name: runs after it
            request: { path: /text }
            expect: { status: 200, body: { text: fine } }
        """)
        let junit = workspace.path + "/reports/junit.xml"
        // Without a deadline for the whole exchange the first case never ends (exitStatus kills it after 20 s and fails).
        let child = try SpawnedGatecheck(["run", suitePath, "--target", server.baseURL, "--junit", junit])
        #expect(await child.exitStatus() == 1, "\(child.output)\(child.errors)")
        let xml = try #require(workspace.read("reports/junit.xml"))
        #expect(xml.contains(#"type="CURLE_OPERATION_TIMEDOUT""#), "\(xml.prefix(2000))")
        #expect(xml.contains(#"<testsuite name="endless" tests="2" failures="0" errors="1""#), "\(xml.prefix(600))")
    }

    @Test func twoFaultsInARowOnOneConnectionEachCarryTheirOwnText() async throws {
        // Connection 1 answers the first case, then resets on the second; libcurl retries that request on a fresh
        // connection, which sends a 200 KB header line (CURLE_OUT_OF_MEMORY in libcurl 7.88, with no text of its own).
        let giantHeader = Array("HTTP/1.1 200 OK\r\nX-Huge: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 200_000) + Array("\r\n\r\n".utf8)
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/fault" where request.connectionID == 1: .resetWithoutResponse
            case "/fault": .raw(giantHeader)
            default: .text("fine")
            }
        }
        defer { server.stop() }
        let suite = """
        name: faults
        cases:
          - name: first
            request: { path: /text }
            expect: { status: 200 }
          - name: reset then a giant header
            request: { path: /fault }
          - name: runs after it
            request: { path: /text }
        """
        let run = await runSuites(["faults.yaml": suite], target: server.baseURL)
        let error = try #require(errorOf(run, "reset then a giant header"))
        #expect(error.type == "CURLE_OUT_OF_MEMORY")
        #expect(!error.message.contains("Connection reset"), "text of the retried attempt: \(error.message)")
        #expect(error.message.contains("header line longer than"), "\(error.message)")
        #expect(run.result("runs after it")?.isPassed == true)
        #expect(!(run.junit ?? "").contains("Connection reset"))
    }
}
