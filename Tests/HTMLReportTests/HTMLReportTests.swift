import Foundation
import GatecheckCore
import HTMLReport
import ReportModel
import TestSupport
import Testing

@Suite(.serialized) struct HTMLReportTests {
    @Test func aRunWritesTheHTMLReportBesideJUnit() async throws {
        let run = try await MixedRun.make()
        #expect(run.summary.exitCode == 1)
        #expect(run.summary.htmlPath == run.htmlPath)
        #expect(run.console.contains("HTML report: \(run.htmlPath)"))
        let html = run.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // The verdict and the header facts.
        #expect(html.contains("<header class=\"verdict red\""))
        #expect(html.contains("<span class=\"badge\">FAILED</span>"))
        #expect(html.contains("<dt>git.sha</dt><dd>abc1234</dd>"))
        #expect(html.contains("<dt>Exit status</dt><dd>1</dd>"))
        // Every outcome is there, failures and errors first and expanded, the rest collapsed.
        for outcome in ["passed", "failed", "error", "skipped", "flaky"] {
            #expect(html.contains("data-outcome=\"\(outcome)\""), "no \(outcome) case")
        }
        let firstFailing = try #require(html.range(of: "data-outcome=\"failed\"")?.lowerBound)
        let firstPassed = try #require(html.range(of: "data-outcome=\"passed\"")?.lowerBound)
        #expect(firstFailing < firstPassed)
        #expect(!html.contains("data-outcome=\"passed\" data-search=\"shop/health is up smoke health\" open"))
        // A plain pass is one light line (no <details>, nothing to expand); a case with details is a <details>.
        #expect(html.contains("<div class=\"case o-passed\" data-suite=\"shop\" data-tags=\"|smoke|health|\" data-outcome=\"passed\""))
        #expect(html.contains("<details class=\"case o-failed\" data-suite=\"shop\""))
        // Expected vs actual, the JSON diff, the pretty-printed request body, the cut large body.
        #expect(html.contains("<th>status</th><th>expected</th><td class=\"expected\">201</td>"))
        #expect(html.contains("<pre class=\"body json\">{\n  &quot;key&quot;: &quot;***&quot;"))
        #expect(html.contains("Body cut: ("), "the large body is cut with its size")
        // The retried attempt of the flaky case, and the parity difference side by side.
        #expect(html.contains("Earlier attempts (retried)"))
        #expect(html.contains("parity: health is up"))
        #expect(html.contains("Parity differences"))
        #expect(html.contains("class=\"diff side-by-side\""))
        // Timing chart and slowest cases.
        #expect(html.contains("<svg class=\"chart\""))
        #expect(html.contains("<section id=\"slowest\">"))
    }

    @Test func contentIsHTMLEscaped() async throws {
        let run = try await MixedRun.make()
        #expect(!run.html.contains("<script>alert"), "a response body became markup")
        #expect(run.html.contains("&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"))
        #expect(!run.html.contains("<b>book</b>"))
        // Only the report's own two script elements exist.
        #expect(run.html.components(separatedBy: "<script").count - 1 == 2)
    }

    @Test func secretsAreRedactedAsInConsoleAndJUnit() async throws {
        let run = try await MixedRun.make()
        let encoded = MixedRun.secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? MixedRun.secret
        for text in [MixedRun.secret, encoded, String(MixedRun.secret.prefix(10))] {
            #expect(!run.html.contains(text), "HTML leaks \(text)")
            #expect(!run.junit.contains(text), "JUnit leaks \(text)")
            #expect(!run.console.contains(text), "console leaks \(text)")
        }
        #expect(run.html.contains("?key=***"))
        #expect(run.html.contains("<th>X-Api-Key</th><td>***</td>"))
    }

    @Test func theReportIsSelfContained() async throws {
        let html = try await MixedRun.make().html
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
        for external in ["<link", "src=\"", "@import", "url(", "https://", "//fonts"] {
            #expect(!html.contains(external), "external reference: \(external)")
        }
    }

    @Test func previousReportsShowWhatChanged() async throws {
        let first = try await MixedRun.make()
        let previousJUnit = first.workspace.write("previous/junit.xml", first.junit)
        let previousHTML = first.workspace.write("previous/report.html", first.html)
        // The second run fixes one case and breaks another (filtered by changing the expectation via --var).
        let suiteFromJUnit = try HTMLReportFile.previousOutcomes(path: previousJUnit)
        let suiteFromHTML = try HTMLReportFile.previousOutcomes(path: previousHTML)
        #expect(suiteFromJUnit == suiteFromHTML)
        #expect(suiteFromHTML["shop/health is up"] == .passed)
        #expect(suiteFromHTML["shop/script in the body"] == .failed)
        #expect(suiteFromHTML["shop/connection dropped"] == .error)
        #expect(suiteFromHTML["shop/not on this stage"] == .skipped)

        var previous = suiteFromHTML
        previous["shop/health is up"] = .failed
        previous["shop/script in the body"] = .passed
        previous["shop/gone case"] = .passed
        let edited = first.workspace.write("previous/edited.html",
                                           first.html.replacingOccurrences(of: try #require(Self.outcomesJSON(first.html)), with: Self.json(previous)))
        let second = try await MixedRun.make(previous: edited)
        #expect(second.html.contains("<section id=\"changes\">"))
        let comparison = RunComparison(previous: previous, current: try HTMLReportFile.runReport(junitXML: Data(second.junit.utf8), path: "x"), source: "x")
        #expect(comparison.newlyFailing == ["shop/script in the body"])
        #expect(comparison.fixed == ["shop/health is up"])
        #expect(comparison.stillFailing.contains("shop/order echoes the key"))
        #expect(comparison.gone == ["shop/gone case"])
        #expect(second.html.contains("<h3>Newly failing: 1</h3><ul><li>shop/script in the body</li></ul>"))
        #expect(second.html.contains("<h3>Fixed: 1</h3><ul><li>shop/health is up</li></ul>"))
    }

    @Test func anUnreadablePreviousReportIsInvalidInput() async throws {
        let workspace = ReportWorkspace()
        let bad = workspace.write("bad.xml", "<testsuites><testsuite name=\"x\">")
        let run = try await MixedRun.make(previous: bad)
        #expect(run.summary.exitStatus == .invalidInput)
        #expect(run.console.contains("--html-previous: \(bad): "))
        #expect(run.html.isEmpty, "nothing ran, nothing written")
    }

    @Test func mergeReportsWritesHTMLFromJUnit() async throws {
        let run = try await MixedRun.make()
        let merged = run.workspace.path + "/merged/junit.xml", html = run.workspace.path + "/merged/report.html"
        let errors = Collected()
        let status = GatecheckRunner.mergeReports([run.junitPath], into: merged, htmlPath: html, output: { _ in }, errorOutput: errors.writer)
        #expect(status == .passed, "\(errors.text)")
        let text = try #require(FileManager.default.contents(atPath: html).map { String(decoding: $0, as: UTF8.self) })
        #expect(text.contains("<span class=\"badge\">FAILED</span>"))
        #expect(text.contains("<dt>git.sha</dt><dd>abc1234</dd>"))
        #expect(text.contains("data-outcome=\"flaky\""))
        #expect(text.contains("<th>status</th><th>expected</th><td class=\"expected\">201</td>"))
        #expect(text.contains("<h4>Response</h4>"))
        #expect(!text.contains(MixedRun.secret))
        #expect(!text.contains("<script>alert"))
    }

    @Test func transcriptsAreSplitIntoRequestAndResponse() throws {
        let report = RunReport(target: "t", started: Date(timeIntervalSince1970: 0), duration: 1, exitStatus: 1, suites: [
            SuiteReport(name: "s", file: "s.yaml", duration: 1, cases: [
                CaseReport(suite: "s", name: "c", outcome: .failed, duration: 0.5,
                           failures: [FailedAssertion(summary: "body JSON: 1 difference from the expected document", details: ["$.a: expected 1, got 2"])],
                           transcript: "> GET http://h/x\n> Accept: */*\n\n< HTTP/1.1 200 OK\n< Content-Type: application/json\n<\n{\"a\":2,\"b\":[1]}"),
            ]),
        ])
        let html = HTMLReportRenderer().render(report)
        #expect(html.contains("<code>GET http://h/x</code>"))
        #expect(html.contains("<th>Accept</th><td>*/*</td>"))
        #expect(html.contains("<code>HTTP/1.1 200 OK</code>"))
        #expect(html.contains("<pre class=\"body json\">{\n  &quot;a&quot;: 2,\n  &quot;b&quot;: [\n    1\n  ]\n}</pre>"))
        #expect(html.contains("$.a: expected 1, got 2"))
    }

    static func outcomesJSON(_ html: String) -> String? {
        guard let start = html.range(of: "id=\"gatecheck-outcomes\">"), let end = html.range(of: "</script>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }

    static func json(_ outcomes: [String: CaseOutcome]) -> String {
        let data = try! JSONEncoder().encode(outcomes.mapValues(\.rawValue))
        return String(decoding: data, as: UTF8.self)
    }
}
