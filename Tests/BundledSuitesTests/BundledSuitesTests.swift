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
        // Every suite file of suites/ ran (nineteen files; a missing one would mean a discovery regression).
        #expect(summary.suites.count == 19, "suites run: \(summary.suites.map(\.name))")
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

/// The nightly command against a whole environment: one target profile maps every API of the bundled suites
/// (REST outcome, HTTP API outcome, REST custom errors, CORS, edge cases, authorizers, JWT and Cognito authorizers, a custom domain) to its stand-in stage, here
/// one emulator instance per API on real loopback ports, each serving only its API. Every suite must reach its own stage and pass there.
@Suite("Bundled suites through one profile")
struct BundledSuitesProfileTests {
    @Test("one profile with apis: sends each bundled suite to the stage of its API")
    func eachSuiteReachesTheStageOfItsAPI() async throws {
        let root = ReportValidation.packageRoot()
        let suitesDirectory = root.appendingPathComponent("suites").path
        let loaded = SuiteLoader.load(paths: [suitesDirectory], options: LoadOptions())
        #expect(!loaded.hasErrors, "\(loaded.diagnostics)")
        // One stage per API, deployed like the suite that needs the most of it (backends, stage, stage variables):
        // the suite of that API with the most stage variables.
        var stages: [(entry: String, apiFile: String, emulator: RunningEmulator)] = []
        for apiPath in Set(loaded.suites.compactMap(\.api)).sorted() {
            let candidates = loaded.suites.filter { $0.api == apiPath }
            let suite = try #require(candidates.max { $0.stageVariables.count < $1.stageVariables.count })
            let variables = Dictionary(suite.stageVariables.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            var spec = EmulatorSpec(apiPath: apiPath, apiType: suite.apiType, backends: suite.backends, stage: suite.stage, stageVariables: variables)
            // A suite whose stage sits behind a custom domain's API mapping gets a stand-in custom domain.
            if let basePath = suite.basePath { spec.apiMappings = [try APIMappingSpec.parseBasePath("\(basePath)=\(suite.stage ?? "test")").get()] }
            let emulator = try await EmulatorLauncher.start(spec)
            let apiFile = URL(fileURLWithPath: apiPath).lastPathComponent
            stages.append((apiFile.replacingOccurrences(of: ".yaml", with: ""), apiFile, emulator))
        }
        #expect(stages.count == 12, "APIs: \(stages.map(\.apiFile))")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-environment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let profiles = directory.appendingPathComponent("gatecheck.yaml").path
        let apis = root.appendingPathComponent("suites/apis").path
        try Data("""
        version: 1
        targets:
          nightly:
            headers: { X-Environment: stand-in }
            apis:
        \(stages.map { "      \($0.entry):\n        api: \(apis)/\($0.apiFile)\n        url: \($0.emulator.baseURL)" }.joined(separator: "\n"))
        """.utf8).write(to: URL(fileURLWithPath: profiles))

        let console = OutputCollector()
        var configuration = RunConfiguration()
        // Suites of an API definition; websocket-chat (a template's WebSocket API) is emulator-only.
        let deployable = loaded.suites.filter { $0.api != nil }
        configuration.paths = deployable.map(\.file)
        configuration.target = "nightly"
        configuration.profilesPath = profiles
        configuration.strictTargets = true
        configuration.junitPath = directory.appendingPathComponent("junit.xml").path
        configuration.output = { console.append($0) }
        configuration.errorOutput = { console.append($0) }
        let summary = await GatecheckRunner(configuration: configuration).run()
        for stage in stages { await stage.emulator.stop() }

        #expect(summary.exitCode == 0, "the bundled suites did not pass on their own stages:\n\(console.text)")
        #expect(summary.suites.count == deployable.count && summary.failed == 0 && summary.errors == 0 && summary.skipped == 0)
        let expected = Dictionary(uniqueKeysWithValues: stages.map { ($0.apiFile, ($0.entry, $0.emulator.baseURL)) })
        for result in summary.suites {
            let suite = try #require(loaded.suites.first { $0.name == result.name })
            let (api, url) = try #require(expected.first { suite.api?.hasSuffix("/" + $0.key) == true }?.value)
            #expect(result.target == url, "\(result.name) ran against \(result.target), not its API's stage \(url)")
            #expect(result.properties.contains(NamedValue(name: "profile.api", value: api)), "\(result.name): \(result.properties)")
            #expect(result.properties.contains(NamedValue(name: "baseURL", value: url)))
        }
        #expect(Set(summary.suites.map(\.target)) == Set(stages.map(\.emulator.baseURL)))
        let schema = try #require(ReportValidation.junitSchemaPath(), "junit-10.xsd not found; set GATECHECK_JUNIT_XSD")
        #expect(try ReportValidation.xmllint(configuration.junitPath ?? "", schema: schema).status == 0)
    }
}

/// Collects console output from the runner's callbacks (they may be called from several tasks).
final class OutputCollector: Sendable {
    private let storage = Mutex<String>("")
    func append(_ text: String) { storage.withLock { $0 += text } }
    var text: String { storage.withLock { $0 } }
}
