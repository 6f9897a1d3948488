import Foundation
import TestSupport
import Testing

/// Headless Chromium (Debian's `chromium`, installed by `scripts/install-deps.sh --test`).
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let missing = "headless Chromium is not installed (scripts/install-deps.sh --test installs Debian's chromium); the browser test is skipped"

    /// Runs Chromium headless on `arguments` plus the page URL; its output, console messages included (on stderr).
    static func run(_ arguments: [String], url: String) throws -> (status: Int32, output: String) {
        let profile = NSTemporaryDirectory() + "gatecheck-chromium-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try ReportValidation.run(path ?? "chromium", [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
        ] + arguments + [url])
    }

    /// Lines Chromium logged from the page's console (errors, uncaught exceptions, CSP violations).
    static func consoleLines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") }
    }
}

/// The report of a run with every kind of result, opened in a real browser.
@Suite(.serialized, .enabled(if: Chromium.path != nil, Comment(rawValue: Chromium.missing)))
struct BrowserTests {
    @Test func theReportWorksInHeadlessChromium() async throws {
        let run = try await MixedRun.make()
        let url = URL(fileURLWithPath: run.htmlPath).absoluteString

        // As opened: the script ran without a console message, failures are expanded with their details.
        let opened = try Chromium.run(["--dump-dom"], url: url)
        #expect(opened.status == 0, "chromium failed: \(opened.output.suffix(2000))")
        #expect(Chromium.consoleLines(opened.output).isEmpty, "console: \(Chromium.consoleLines(opened.output))")
        let dom = opened.output
        #expect(dom.contains("data-ready=\"true\""), "the report's script did not run")
        let total = Self.caseElements(dom).count
        #expect(dom.contains("\(total) of \(total) cases shown"))
        let failed = Self.caseElements(dom).filter { $0.contains("data-outcome=\"failed\"") }
        #expect(!failed.isEmpty)
        for element in failed {
            #expect(Self.tag(element).contains(" open"), "a failure is collapsed: \(element.prefix(200))")
            #expect(!Self.tag(element).contains(" hidden"))
        }
        #expect(failed.contains { $0.contains("<td class=\"expected\">201</td>") })
        for element in Self.caseElements(dom).filter({ $0.contains("data-outcome=\"passed\"") }) {
            #expect(!Self.tag(element).contains(" open"), "a passing case is expanded")
        }

        // Filtering: outcome "failed" only, then a search; the script applies the filter from the address's fragment,
        // as it does when the controls change.
        let filtered = try Chromium.run(["--dump-dom"], url: url + "#outcome=failed")
        #expect(Chromium.consoleLines(filtered.output).isEmpty)
        let cases = Self.caseElements(filtered.output)
        #expect(cases.count > 5)
        for element in cases {
            let isFailed = element.contains("data-outcome=\"failed\"")
            #expect(Self.tag(element).contains(" hidden") != isFailed, "filter outcome=failed is wrong for \(element.prefix(160))")
        }
        let searched = try Chromium.run(["--dump-dom"], url: url + "#q=flaky")
        let visible = Self.caseElements(searched.output).filter { !Self.tag($0).contains(" hidden") }
        #expect(visible.count == 2, "the flaky case and its parity result")
        #expect(visible.allSatisfy { $0.contains("flaky once") })
        #expect(searched.output.contains("2 of "))

        // A screenshot of this run's page (every outcome, failures expanded); the README's picture of the bundled
        // suites' report, docs/images/html-report.png, is made by scripts/report-screenshot.sh.
        let root = ReportValidation.packageRoot()
        let screenshot = root.appendingPathComponent("reports/html-report.png").path
        try? FileManager.default.createDirectory(atPath: root.appendingPathComponent("reports").path, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: screenshot)
        let shot = try Chromium.run(["--screenshot=" + screenshot, "--window-size=1280,1400", "--hide-scrollbars"], url: url)
        #expect(shot.status == 0, "\(shot.output.suffix(2000))")
        let png = try #require(FileManager.default.contents(atPath: screenshot))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(png.count > 10_000)
    }

    /// The opening tag of an element.
    static func tag(_ element: String) -> String { String(element.prefix { $0 != ">" }) }

    /// The case elements of a dumped DOM (each up to the next one): `<details>` for a case with details, `<div>` for
    /// a plain pass.
    static func caseElements(_ dom: String) -> [String] {
        guard let list = dom.range(of: "<div id=\"case-list\">") else { return [] }
        let pattern = try! Regex(#"<(details|div) class="case "#)
        let text = String(dom[list.upperBound...])
        let starts = text.ranges(of: pattern).map(\.lowerBound)
        return starts.indices.map { index in
            String(text[starts[index]..<(index + 1 < starts.count ? starts[index + 1] : text.endIndex)])
        }
    }
}
