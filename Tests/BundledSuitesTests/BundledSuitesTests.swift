import Foundation
import Synchronization
import GatecheckCore
import Testing
import TestSupport

/// The bundled suites are what a new user runs first: every case must pass against the embedded
/// emulator (with the real Python outcome fixture), and the report must be valid for CI tools.
@Suite("Bundled suites")
struct BundledSuitesTests {
    @Test("every bundled suite passes against the embedded emulator and the JUnit report is valid")
    func bundledSuitesAreGreen() async throws {
        let root = ReportValidation.packageRoot()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-bundled-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let junit = directory.appendingPathComponent("junit.xml").path

        let console = OutputCollector()
        var configuration = RunConfiguration()
        configuration.paths = [root.appendingPathComponent("suites").path]
        configuration.junitPath = junit
        configuration.emulator = EmbeddedEmulator()
        configuration.output = { console.append($0) }
        configuration.errorOutput = { console.append($0) }
        let summary = await GatecheckRunner(configuration: configuration).run()

        #expect(summary.exitCode == 0, "bundled suites are not green:\n\(console.text)")
        #expect(summary.failed == 0 && summary.errors == 0 && summary.skipped == 0)
        // Every suite file of suites/ ran (twelve files; a missing one would mean a discovery regression).
        #expect(summary.suites.count == 12, "suites run: \(summary.suites.map(\.name))")
        #expect(summary.passed >= 60)

        let schema = try #require(ReportValidation.junitSchemaPath(), "junit-10.xsd not found; set GATECHECK_JUNIT_XSD")
        let lint = try ReportValidation.xmllint(junit, schema: schema)
        #expect(lint.status == 0, "xmllint: \(lint.output)")
        let parsed = try ReportValidation.junitparser(junit)
        #expect(parsed.status == 0, "junitparser: \(parsed.output)")
        let caseLines = parsed.output.split(separator: "\n").filter { $0.hasPrefix("case ") }
        #expect(caseLines.count == summary.passed)
        #expect(caseLines.allSatisfy { $0.hasSuffix("| passed") }, "junitparser saw non-passing cases:\n\(parsed.output)")
    }
}

/// Collects console output from the runner's callbacks (they may be called from several tasks).
final class OutputCollector: Sendable {
    private let storage = Mutex<String>("")
    func append(_ text: String) { storage.withLock { $0 += text } }
    var text: String { storage.withLock { $0 } }
}
