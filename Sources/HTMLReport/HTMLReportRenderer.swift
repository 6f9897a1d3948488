import Foundation
import Mustache
import ReportModel

/// Renders a `RunReport` as one self-contained HTML page: inline CSS, a little inline JavaScript for search and
/// filters, an inline SVG chart; no network access (the page's Content-Security-Policy forbids any). Every text goes
/// through Mustache's HTML escaping (`{{...}}`); the only unescaped insertions are the fixed CSS/JS and the outcomes
/// JSON, whose `<` are written as `\u003c`.
public struct HTMLReportRenderer: Sendable {
    /// Cases listed in "slowest cases".
    public var slowestCount = 10
    /// Suites drawn in the timing chart (the slowest ones).
    public var chartedSuites = 40

    private let library: MustacheLibrary

    public init() {
        var library = MustacheLibrary()
        // The templates are constants of this module: a parse error is a programming error caught by every test.
        try! library.register(HTMLTemplates.page, named: "page")
        try! library.register(HTMLTemplates.caseItem, named: "case")
        try! library.register(HTMLTemplates.message, named: "message")
        try! library.register(HTMLTemplates.caseData, named: "caseData")
        try! library.register(HTMLTemplates.caseLine, named: "caseLine")
        self.library = library
    }

    public func render(_ report: RunReport, comparison: RunComparison? = nil) -> String {
        library.render(context(report, comparison: comparison), withTemplate: "page") ?? ""
    }

    // MARK: the view model (dictionaries of strings, booleans and arrays for Mustache)

    func context(_ report: RunReport, comparison: RunComparison?) -> [String: Any] {
        let cases = report.cases
        let failing = cases.filter(\.outcome.isFailing)
        let others = cases.filter { !$0.outcome.isFailing }
        let passed = report.count(.passed), failed = report.count(.failed), errors = report.count(.error), skipped = report.count(.skipped)
        let verdict = report.isGreen ? "PASSED" : Self.exitLabel(report.exitStatus)
        let suites = Array(Set(cases.map(\.suite))).sorted()
        let tags = Array(Set(cases.flatMap(\.tags))).sorted()
        var outcomes: [String: String] = [:]
        for item in cases { outcomes[item.id] = item.outcome.rawValue }
        var context: [String: Any] = [
            "green": report.isGreen,
            "verdict": verdict,
            "target": report.target,
            "started": Self.timestamp(report.started),
            "duration": Self.seconds(report.duration),
            "exitStatus": String(report.exitStatus),
            "total": String(cases.count),
            "passed": String(passed), "failed": String(failed), "errors": String(errors), "skipped": String(skipped),
            "flaky": String(report.flaky), "hasFlaky": report.flaky > 0,
            "properties": report.properties.map { ["name": $0.name, "value": $0.value] },
            "hasProperties": !report.properties.isEmpty,
            "warnings": report.warnings, "hasWarnings": !report.warnings.isEmpty,
            "suiteOptions": suites, "tagOptions": tags, "hasTags": !tags.isEmpty,
            "cases": (failing + others).map(caseContext),
            "hasCases": !cases.isEmpty,
            "chart": chart(report.suites),
            "slowest": cases.filter { $0.outcome != .skipped }.sorted { $0.duration > $1.duration }.prefix(slowestCount).map {
                ["id": $0.id, "duration": Self.seconds($0.duration), "outcome": $0.outcome.rawValue]
            },
            "style": HTMLTemplates.style,
            "script": HTMLTemplates.script,
            "outcomesJSON": Self.scriptSafeJSON(outcomes),
            "generator": "gatecheck",
        ]
        if let coverage = report.coverage {
            context["coverage"] = [
                "source": coverage.source, "percent": coverage.percent, "totals": coverage.totals,
                "apis": coverage.apis.map { ["file": $0.file, "kind": $0.kind, "suites": $0.suites.joined(separator: ", "), "totals": $0.totals, "percent": $0.percent] },
                "neverExercised": coverage.neverExercised, "hasNeverExercised": !coverage.neverExercised.isEmpty,
                "neverExercisedCount": String(coverage.neverExercised.count),
            ] as [String: Any]
        }
        if let comparison {
            context["comparison"] = [
                "source": comparison.source,
                "newlyFailing": comparison.newlyFailing, "fixed": comparison.fixed, "stillFailing": comparison.stillFailing,
                "newlyFailingCount": String(comparison.newlyFailing.count), "fixedCount": String(comparison.fixed.count),
                "stillFailingCount": String(comparison.stillFailing.count),
                "hasNewlyFailing": !comparison.newlyFailing.isEmpty, "hasFixed": !comparison.fixed.isEmpty,
                "hasStillFailing": !comparison.stillFailing.isEmpty,
            ] as [String: Any]
        }
        return context
    }

    func caseContext(_ item: CaseReport) -> [String: Any] {
        let shownOutcome = item.isFlaky ? "flaky" : item.outcome.rawValue
        var context: [String: Any] = [
            "id": item.id, "suite": item.suite, "name": item.name,
            "outcome": shownOutcome,
            "open": item.outcome.isFailing,
            "duration": Self.seconds(item.duration),
            "dataTags": "|" + item.tags.joined(separator: "|") + "|",
            "tags": item.tags,
            "search": (item.id + " " + item.tags.joined(separator: " ") + " " + (item.message ?? "")).lowercased(),
            "notes": item.notes,
            "parity": item.isParity,
        ]
        if let message = item.message { context["message"] = message }
        if let type = item.errorType { context["errorType"] = type }
        context["failures"] = item.failures.map { failure -> [String: Any] in
            var entry: [String: Any] = ["summary": failure.summary, "details": failure.details.map(Self.diffLine), "hasDetails": !failure.details.isEmpty]
            if let split = failure.expectedVersusActual {
                entry["split"] = ["subject": split.subject, "expected": split.expected, "actual": split.actual]
            }
            return entry
        }
        context["hasFailures"] = !item.failures.isEmpty
        context["attempts"] = item.attempts.enumerated().map { index, attempt in
            ["number": String(index + 1), "message": attempt.message, "transcript": attempt.transcript, "hasTranscript": !attempt.transcript.isEmpty,
             "kind": attempt.gotResponse ? "failure" : "error"] as [String: Any]
        }
        context["hasAttempts"] = !item.attempts.isEmpty
        // A case with nothing to show below its summary line (a plain pass) gets no detail block: fewer nodes for the
        // browser in a report of thousands of cases.
        context["hasDetail"] = item.message != nil || !item.failures.isEmpty || !item.attempts.isEmpty || !item.notes.isEmpty
            || !(item.transcript ?? "").isEmpty
        if let transcript = item.transcript, !transcript.isEmpty {
            context["transcript"] = transcript
            if let exchange = Exchange(transcript: transcript) {
                if let request = exchange.request { context["request"] = messageContext(request) }
                if let response = exchange.response { context["response"] = messageContext(response) }
            }
        }
        return context
    }

    func messageContext(_ message: Exchange.Message) -> [String: Any] {
        var context: [String: Any] = [
            "startLine": message.startLine,
            "headers": message.headers.map { ["name": $0.name, "value": $0.value] },
            "body": message.body, "hasBody": !message.body.isEmpty, "json": message.isJSON,
        ]
        if let truncation = message.truncation { context["truncation"] = truncation }
        return context
    }

    /// A detail line with its kind for colouring: `-`/`+` lines of a diff, or the header of a table.
    static func diffLine(_ line: String) -> [String: Any] {
        let trimmed = line.drop { $0 == " " }
        let kind = trimmed.hasPrefix("- ") || trimmed.hasPrefix("-\t") ? "del" : trimmed.hasPrefix("+ ") ? "add" : "ctx"
        return ["text": line, "kind": kind]
    }

    /// The per-suite timing chart: one bar per suite, the slowest first, widths relative to the slowest.
    func chart(_ suites: [SuiteReport]) -> [String: Any] {
        let sorted = suites.sorted { $0.duration > $1.duration }
        let shown = sorted.prefix(chartedSuites)
        let longest = max(shown.first?.duration ?? 0, 0.000_001)
        let barHeight = 18, gap = 4, labelWidth = 260, barArea = 420
        let bars = shown.enumerated().map { index, suite -> [String: Any] in
            let width = max(1, Int((suite.duration / longest * Double(barArea)).rounded()))
            let failing = suite.cases.contains { $0.outcome.isFailing }
            let y = index * (barHeight + gap)
            return ["name": suite.name, "y": String(y), "textY": String(y + 13), "width": String(width),
                    "valueX": String(labelWidth + width + 6), "labelX": String(labelWidth - 6),
                    "barX": String(labelWidth), "seconds": Self.seconds(suite.duration), "failing": failing,
                    "cases": String(suite.cases.count)]
        }
        return ["bars": bars, "height": String(max(1, shown.count * (barHeight + gap))), "width": String(labelWidth + barArea + 80),
                "hidden": String(sorted.count - shown.count), "hasHidden": sorted.count > shown.count, "hasBars": !bars.isEmpty]
    }

    static func exitLabel(_ status: Int32) -> String {
        switch status {
        case 0: return "PASSED"
        case 1: return "FAILED"
        case 2: return "INVALID INPUT"
        case 130, 143: return "INTERRUPTED"
        default: return "EXIT \(status)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.2f s", value)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// JSON that can sit inside a `<script>` element: no `<` survives, so no `</script>` can end it early.
    static func scriptSafeJSON(_ outcomes: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(outcomes)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
