import Foundation
import GatecheckCore
import Synchronization
import Testing

/// The bad-input corpus: every `Fixtures/corpus/X.expected` names an input `X` (a suite, an API definition,
/// a backends file, or a directory of suites) and holds the exit status and the exact diagnostics that
/// `gatecheck validate X` must print. Paths in diagnostics are relative to the corpus directory.
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/corpus").standardizedFileURL.path

    static var entries: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".expected") }.map { String($0.dropLast(".expected".count)) }.sorted()
    }
}

/// What `validate` printed and returned for some paths, with `base/` removed from the text.
struct ValidateOutcome: Sendable {
    var status: Int32
    var errors: String
    var output: String
}

/// Runs `gatecheck validate` in-process with the embedded emulator's checks; nil when it took longer than
/// `limit` (a hang is a failure, not something to wait out).
func validateBounded(_ paths: [String], base: String, limit: Duration = .seconds(30)) async -> ValidateOutcome? {
    await withTaskGroup(of: ValidateOutcome?.self) { group in
        group.addTask {
            let errors = OutputBuffer(), output = OutputBuffer()
            let status = GatecheckRunner.validate(paths: paths, environment: ["HOME": "/nonexistent"], emulator: EmbeddedEmulator(),
                                                  output: output.writer, errorOutput: errors.writer)
            return ValidateOutcome(status: status.rawValue,
                                   errors: errors.text.replacingOccurrences(of: base + "/", with: ""),
                                   output: output.text.replacingOccurrences(of: base + "/", with: ""))
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

@Suite struct CorpusTests {
    @Test func theCorpusHasAtLeastFortyBrokenInputs() {
        #expect(Corpus.entries.count >= 40, "\(Corpus.entries.count) entries in \(Corpus.directory)")
    }

    @Test(arguments: Corpus.entries)
    func brokenInputGivesItsExactDiagnostics(_ name: String) async throws {
        let expectedText = try String(contentsOfFile: Corpus.directory + "/" + name + ".expected", encoding: .utf8)
        var expected = expectedText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if expected.last == "" { expected.removeLast() }
        let statusLine = expected.removeFirst()
        #expect(statusLine == "exit 2", "every corpus input is invalid input")
        let clock = ContinuousClock()
        let start = clock.now
        guard let outcome = await validateBounded([Corpus.directory + "/" + name], base: Corpus.directory) else {
            Issue.record("\(name): validate did not finish within 30 s")
            return
        }
        // A hang guard, not a speed assertion (tests run in parallel on a loaded 2-core machine).
        #expect(clock.now - start < .seconds(120), "\(name) took \(clock.now - start)")
        #expect("exit \(outcome.status)" == statusLine)
        let lines = outcome.errors.split(separator: "\n").map(String.init)
        #expect(lines == expected, "\(name)")
        #expect(outcome.output.isEmpty)
    }

    @Test func hundredMegabyteFilesAreRefusedWithoutBeingRead() async throws {
        let workspace = Workspace()
        for name in ["huge.yaml", "huge-api.yaml"] {
            let path = workspace.write(name, "cases: []\n")
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 100 * 1024 * 1024)  // sparse: nothing is really written
            try handle.close()
        }
        let suite = workspace.write("uses-huge-api.yaml", "api: huge-api.yaml\ncases:\n  - name: a\n    request: { path: /a }\n")
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try #require(await validateBounded([workspace.path + "/huge.yaml", suite], base: workspace.path))
        // A hang guard: reading 200 MB would take far longer than refusing by size; the message below is the proof.
        #expect(clock.now - start < .seconds(120))
        #expect(outcome.status == 2)
        #expect(outcome.errors.split(separator: "\n").map(String.init) == [
            "huge.yaml: error: file is 104857600 bytes, more than the 16777216-byte limit for an input file",
            "gatecheck: 1 error in the suites",
        ])
        let api = try #require(await validateBounded([suite], base: workspace.path))
        #expect(api.errors.split(separator: "\n").map(String.init) == [
            "huge-api.yaml: error: file is 104857600 bytes, more than the 16777216-byte limit for an input file",
            "gatecheck: 1 error in the suites",
        ])
    }

    @Test func runRefusesTheCorpusWithExitTwoBeforeSendingAnything() async throws {
        // The same inputs through `run`: exit 2, nothing sent, a report with one <error> case per invalid file.
        let workspace = Workspace()
        var configuration = RunConfiguration()
        configuration.paths = ["unknown-case-key.yaml", "bad-regex-body.yaml", "yaml-tab-indentation.yaml"].map { Corpus.directory + "/" + $0 }
        configuration.target = "http://127.0.0.1:9"
        configuration.junitPath = workspace.path + "/junit.xml"
        configuration.environment = [:]
        let errors = OutputBuffer()
        configuration.output = OutputBuffer().writer
        configuration.errorOutput = errors.writer
        let summary = await GatecheckRunner(configuration: configuration).run()
        #expect(summary.exitCode == 2)
        let report = try #require(workspace.read("junit.xml"))
        #expect(report.components(separatedBy: "<error ").count - 1 == 3, "\(report)")
        #expect(errors.text.replacingOccurrences(of: Corpus.directory + "/", with: "").hasSuffix("""
            yaml-tab-indentation.yaml:3:1: error: invalid YAML: found a tab character that violates indentation while scanning a plain scalar (YAML does not allow tabs for indentation; use spaces)
            gatecheck: 4 errors in the suites; nothing was run

            """))
    }
}
