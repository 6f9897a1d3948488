import Foundation
import SourceDiagnostics

/// ANSI styling, used only when output goes to a terminal and `NO_COLOR` is unset.
public struct ConsoleStyle: Sendable {
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Colour when `descriptor` is a TTY and `NO_COLOR` is not set (https://no-color.org: any value disables).
    public static func detect(descriptor: Int32 = STDOUT_FILENO, environment: [String: String] = ProcessInfo.processInfo.environment) -> ConsoleStyle {
        ConsoleStyle(enabled: isatty(descriptor) == 1 && environment["NO_COLOR"] == nil)
    }

    func wrap(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func green(_ text: String) -> String { wrap(text, "32") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func bold(_ text: String) -> String { wrap(text, "1") }
}

/// Renders results for people: one line per case, failures expanded with their diffs and the
/// exchange that produced them, and a summary whose last line is plain counts (CI tools read it).
public struct ConsoleReport: Sendable {
    public var style: ConsoleStyle

    public init(style: ConsoleStyle) { self.style = style }

    public func suiteBlock(_ suite: SuiteResult) -> String {
        var lines: [String] = [style.bold(suite.name) + style.dim(" (\(suite.file) -> \(suite.target))")]
        for result in suite.cases {
            let time = DurationText.format(result.duration)
            switch result.outcome {
            case .passed where result.isFlaky:
                lines.append("  \(style.yellow("✓")) \(result.name) \(style.dim("(\(time), flaky: passed on attempt \(result.attempts))"))")
                for attempt in result.earlierAttempts { lines.append("      " + style.dim(attempt.message)) }
                lines.append(contentsOf: indented(result.consoleTranscript))
            case .passed:
                lines.append("  \(style.green("✓")) \(result.name) \(style.dim("(\(time))"))")
                for note in result.notes { lines.append("      " + style.yellow(note)) }
                lines.append(contentsOf: indented(result.consoleTranscript))
            case let .failed(failures):
                lines.append("  \(style.red("✗")) \(result.name) \(style.dim("(\(time))"))")
                for attempt in result.earlierAttempts { lines.append("      " + style.dim(attempt.message)) }
                for failure in failures {
                    let location = failure.location(file: suite.file, fallbackLine: nil).map { style.dim($0 + ": ") } ?? ""
                    lines.append("      " + location + style.red(failure.summary))
                    for detail in failure.details { lines.append("        " + detail) }
                }
                for note in result.notes { lines.append("      " + style.yellow(note)) }
                lines.append(contentsOf: indented(result.consoleTranscript))
            case let .errored(message, _):
                lines.append("  \(style.yellow("!")) \(result.name) \(style.dim("(error)"))")
                for attempt in result.earlierAttempts { lines.append("      " + style.dim(attempt.message)) }
                lines.append("      " + style.yellow(message))
                lines.append(contentsOf: indented(result.consoleTranscript))
            case let .skipped(reason):
                lines.append("  \(style.dim("-")) \(result.name) \(style.dim("(skipped: \(reason))"))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func indented(_ transcript: String?) -> [String] {
        guard let transcript, !transcript.isEmpty else { return [] }
        return transcript.split(separator: "\n", omittingEmptySubsequences: false).map { style.dim($0.isEmpty ? "      │" : "      │ " + $0) }
    }

    public func summary(_ summary: RunSummary) -> String {
        var lines: [String] = []
        if let junit = summary.junitPath { lines.append(style.dim("JUnit report: \(junit)")) }
        if let html = summary.htmlPath { lines.append(style.dim("HTML report: \(html)")) }
        if let coverage = summary.coverage {
            lines.append(coverage.summaryLine(reportPath: summary.coveragePath))
            if let path = summary.coveragePath { lines.append(style.dim("Coverage report: \(path)")) }
        }
        lines.append(summary.countsLine)
        return lines.joined(separator: "\n") + "\n"
    }

    public static func diagnostics(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.isEmpty ? "" : diagnostics.map(\.description).joined(separator: "\n") + "\n"
    }
}
