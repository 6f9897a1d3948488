import Foundation
import JUnit
import SourceDiagnostics

/// Maps suite results to the JUnit model: one `<testsuite>` per suite file, one `<testcase>` per case.
public enum JUnitMapping {
    public static func testSuite(_ suite: SuiteResult) -> JUnitTestSuite {
        let cases = suite.cases.map { result in
            var testCase = JUnitTestCase(classname: suite.name, name: result.name, time: result.duration.seconds, result: junitResult(result, file: suite.file),
                                         flakyAttempts: result.earlierAttempts.map(flakyAttempt))
            var output = result.notes
            // Only --verbose keeps a passing case's transcript.
            if result.isPassed, let transcript = result.reportTranscript { output.append(transcript) }
            if !output.isEmpty { testCase.systemOut = output.joined(separator: "\n") }
            return testCase
        }
        let properties = suite.properties.isEmpty
            ? [("target", suite.target), ("file", suite.file), ("gatecheck.version", GatecheckVersion.string)]
            : suite.properties.map { ($0.name, $0.value) }
        return JUnitTestSuite(name: suite.name, timestamp: suite.started, hostname: JUnitTestSuite.currentHostname(),
                              time: suite.duration.seconds, properties: properties, cases: cases)
    }

    /// The case's outcome; each failed assertion's text starts with its location in `file` (`suites/x.yaml:41:9: ...`).
    static func junitResult(_ result: CaseResult, file: String = "") -> JUnitResult {
        switch result.outcome {
        case .passed:
            return .passed
        case let .skipped(reason):
            return .skipped(message: reason)
        case let .failed(failures):
            let message = oneLine(failures.first?.summary ?? "assertion failed")
                + (failures.count > 1 ? " (and \(failures.count - 1) more)" : "")
            var text = failures.map { failure in
                guard !file.isEmpty, let location = failure.location(file: file, fallbackLine: nil) else { return failure.description }
                return location + ": " + failure.description
            }.joined(separator: "\n")
            if let transcript = result.reportTranscript { text += "\n\n" + transcript }
            return .failure(message: message, type: "AssertionFailure", text: text)
        case let .errored(message, type):
            var text = message
            if let transcript = result.reportTranscript { text += "\n\n" + transcript }
            return .error(message: oneLine(message), type: type, text: text)
        }
    }

    /// An earlier attempt: `<flakyFailure>`/`<flakyError>` on a case that then passed,
    /// `<rerunFailure>`/`<rerunError>` on one that did not (Surefire's convention; the JUnit writer picks the element).
    static func flakyAttempt(_ attempt: CaseAttempt) -> JUnitFlakyAttempt {
        JUnitFlakyAttempt(kind: attempt.kind == .failure ? .failure : .error, message: attempt.message, type: attempt.type,
                          text: attempt.message + (attempt.transcript.isEmpty ? "" : "\n\n" + attempt.transcript))
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// The JUnit report of a run refused as invalid input (exit 2): one `<testsuite name="gatecheck: invalid input">` with
/// one `<error>` test case per invalid file (its diagnostics as the message and text), as pytest reports collection
/// errors, so CI dashboards show why nothing ran. Problems not tied to a file go in one `command line` case.
public enum InvalidInputReport {
    public static let suiteName = "gatecheck: invalid input"

    public static func testSuite(diagnostics: [Diagnostic], message: String?, redactor: Redactor = Redactor()) -> JUnitTestSuite {
        var files: [String] = []
        var byFile: [String: [Diagnostic]] = [:]
        for diagnostic in diagnostics where diagnostic.severity == .error {
            if byFile[diagnostic.file] == nil { files.append(diagnostic.file) }
            byFile[diagnostic.file, default: []].append(diagnostic)
        }
        var cases: [JUnitTestCase] = files.map { file in
            let found = byFile[file] ?? []
            let text = redactor.redact(found.map(\.description).joined(separator: "\n"))
            let first = redactor.redact(found.first.map { "\($0.location): \($0.message)" } ?? file)
            let summary = found.count > 1 ? first + " (and \(found.count - 1) more)" : first
            return JUnitTestCase(classname: suiteName, name: redactor.redact(file), time: 0,
                                 result: .error(message: JUnitMapping.oneLine(summary), type: "InvalidInput", text: text))
        }
        if cases.isEmpty {
            let text = redactor.redact(message ?? "invalid input")
            cases.append(JUnitTestCase(classname: suiteName, name: "command line", time: 0,
                                       result: .error(message: JUnitMapping.oneLine(text), type: "InvalidInput", text: text)))
        }
        return JUnitTestSuite(name: suiteName, time: 0, properties: [("gatecheck.version", GatecheckVersion.string)], cases: cases)
    }
}
