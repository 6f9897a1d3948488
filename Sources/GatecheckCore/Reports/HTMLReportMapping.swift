import Foundation
import HTMLReport
import ReportModel

/// Maps suite results to the HTML report's model. It reads the very `SuiteResult`s the JUnit report is written from,
/// at the same point of the run, so the HTML shows exactly what the console and JUnit show, redacted the same way.
enum HTMLReportMapping {
    static func suite(_ result: SuiteResult, source: Suite?) -> SuiteReport {
        var tagsByCase: [String: [String]] = [:]
        if let source { for testCase in source.cases { tagsByCase[testCase.name] = source.effectiveTags(of: testCase) } }
        let cases = result.cases.map { item -> CaseReport in
            let baseName = item.name.hasPrefix(ParityRun.casePrefix) ? String(item.name.dropFirst(ParityRun.casePrefix.count)) : item.name
            var report = CaseReport(suite: result.name, name: item.name, tags: tagsByCase[baseName] ?? source?.tags ?? [],
                                    outcome: .passed, duration: item.duration.seconds,
                                    attempts: item.earlierAttempts.map { Attempt(gotResponse: $0.kind == .failure, message: $0.message, transcript: $0.transcript) },
                                    transcript: item.reportTranscript, notes: item.notes)
            switch item.outcome {
            case .passed: break
            case let .failed(failures):
                report.outcome = .failed
                report.failures = failures.map { FailedAssertion(summary: $0.summary, details: $0.details) }
            case let .errored(message, type):
                report.outcome = .error
                report.message = message
                report.errorType = type
            case let .skipped(reason):
                report.outcome = .skipped
                report.message = reason
            }
            return report
        }
        return SuiteReport(name: result.name, file: result.file, duration: result.duration.seconds, cases: cases)
    }

    /// The whole run. The header's target is the first suite's (redacted) target, or the embedded emulator; the
    /// properties are the JUnit `<properties>` of the first suite (redacted there), without the per-suite `file` and the `target` shown above them.
    /// The coverage section of the HTML report.
    static func coverage(_ coverage: GatewayCoverage) -> CoverageSummary {
        let source = switch coverage.source {
        case .embeddedEmulator: "recorded inside the embedded emulator"
        case .deployedStage: "deployed stage: only the declared method-response statuses observed in responses"
        case nil: "mixed: embedded emulator and deployed stage"
        }
        return CoverageSummary(source: source, percent: coverage.percentText, totals: coverage.totals.text,
                               apis: coverage.apis.map { api in
                                   CoverageSummary.API(file: api.file, kind: api.kind == "http" ? "HTTP API" : "REST API", suites: api.suites,
                                                       totals: api.totals.text, percent: api.totals.percent.map(GatewayCoverage.formatPercent) ?? "n/a")
                               },
                               neverExercised: coverage.neverExercised)
    }

    static func run(_ summary: RunSummary, suites: [SuiteReport], usesEmulator: Bool, started: Date) -> RunReport {
        let first = summary.suites.first
        let target = usesEmulator ? "embedded emulator" : first?.target ?? "(no suite ran)"
        let properties = (first?.properties ?? []).filter { $0.name != "file" && $0.name != "target" && !$0.name.hasPrefix("coverage.") }.map { ReportProperty(name: $0.name, value: $0.value) }
        return RunReport(target: target, properties: properties, started: started, duration: summary.duration.seconds,
                         exitStatus: summary.exitCode, suites: suites,
                         warnings: summary.diagnostics.filter { $0.severity != .error }.map(\.description))
    }
}
