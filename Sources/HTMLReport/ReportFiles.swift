import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ReportModel

/// Why a report could not be read or written.
public struct ReportFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Reading and writing report files: the HTML report (written whole through a temporary file, so the destination
/// is the previous complete report or the new one, never half), earlier HTML or JUnit reports for `--html-previous`,
/// and JUnit reports as a `RunReport` for `merge-reports --html`.
public enum HTMLReportFile {
    /// Renders and writes the report to `path` (parent directories created).
    public static func write(_ report: RunReport, comparison: RunComparison?, to path: String,
                             renderer: HTMLReportRenderer = HTMLReportRenderer()) throws(ReportFileError) {
        let html = renderer.render(report, comparison: comparison)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(html.utf8).write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw ReportFileError(path: path, message: "cannot write the HTML report: \(reason)")
            }
        } catch let error as ReportFileError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ReportFileError(path: path, message: "cannot write the HTML report: \(error.localizedDescription)")
        }
    }

    /// The outcome of every case (`suite/case`) in an earlier gatecheck HTML report or a JUnit XML report.
    public static func previousOutcomes(path: String) throws(ReportFileError) -> [String: CaseOutcome] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportFileError(path: path, message: "cannot read the previous report")
        }
        let text = String(decoding: data, as: UTF8.self)
        let marker = "<script type=\"application/json\" id=\"gatecheck-outcomes\">"
        if let start = text.range(of: marker) {
            guard let end = text.range(of: "</script>", range: start.upperBound..<text.endIndex),
                  let object = try? JSONDecoder().decode([String: String].self, from: Data(text[start.upperBound..<end.lowerBound].utf8)) else {
                throw ReportFileError(path: path, message: "the gatecheck HTML report's outcomes cannot be read")
            }
            return object.compactMapValues(CaseOutcome.init(rawValue:))
        }
        if text.range(of: "<html", options: .caseInsensitive) != nil {
            throw ReportFileError(path: path, message: "an HTML file that is not a gatecheck report (expected a gatecheck HTML or JUnit XML report)")
        }
        var outcomes: [String: CaseOutcome] = [:]
        for suite in try runReport(junitXML: data, path: path).suites {
            for item in suite.cases { outcomes[item.id] = item.outcome }
        }
        return outcomes
    }

    /// A JUnit XML report (as gatecheck writes it, or any Surefire-style report) as a run report: suites, cases,
    /// outcomes, messages and texts (the failure text holds the assertions and the transcript), earlier attempts.
    public static func runReport(junitXML data: Data, path: String) throws(ReportFileError) -> RunReport {
        let reader = JUnitReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse() else {
            let line = parser.lineNumber, column = parser.columnNumber
            throw ReportFileError(path: path, message: "\(line):\(column): not a well-formed JUnit XML report (\(parser.parserError?.localizedDescription ?? "parse error"))")
        }
        guard reader.depth == 0 else { throw ReportFileError(path: path, message: "the XML ends before its elements are closed (a truncated report?)") }
        guard reader.sawRoot else { throw ReportFileError(path: path, message: "no <testsuites> or <testsuite> element: not a JUnit report") }
        let failing = reader.suites.contains { $0.cases.contains { $0.outcome.isFailing } }
        let duration = reader.suites.reduce(0) { $0 + $1.duration }
        return RunReport(target: reader.target ?? "(from \(URL(fileURLWithPath: path).lastPathComponent))", properties: reader.properties,
                         started: reader.started ?? Date(), duration: duration, exitStatus: failing ? 1 : 0, suites: reader.suites)
    }
}

/// SAX reader of JUnit XML into report values.
private final class JUnitReader: NSObject, XMLParserDelegate {
    var suites: [SuiteReport] = []
    var properties: [ReportProperty] = []
    var target: String?
    var started: Date?
    var sawRoot = false
    /// Elements open at this point of the document.
    var depth = 0

    private var suite: SuiteReport?
    private var current: CaseReport?
    private var text = ""
    private var capturing: String?
    private var attemptMessage = ""
    private var attemptGotResponse = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        depth += 1
        switch name {
        case "testsuites":
            sawRoot = true
        case "testsuite":
            sawRoot = true
            suite = SuiteReport(name: attributes["name"] ?? "", file: "", duration: Double(attributes["time"] ?? "") ?? 0, cases: [])
            if started == nil, let stamp = attributes["timestamp"] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
                started = formatter.date(from: String(stamp.prefix(19)))
            }
        case "property" where current == nil:
            let name = attributes["name"] ?? "", value = attributes["value"] ?? ""
            if name == "file" { suite?.file = value }
            if name == "target", target == nil { target = value }
            if name == "baseURL", target == nil { target = value }
            if !["file", "target", "baseURL", "gatecheck.version", "auth"].contains(name), !properties.contains(where: { $0.name == name }) {
                properties.append(ReportProperty(name: name, value: value))
            }
        case "testcase":
            current = CaseReport(suite: attributes["classname"] ?? suite?.name ?? "", name: attributes["name"] ?? "", outcome: .passed,
                                 duration: Double(attributes["time"] ?? "") ?? 0)
        case "failure", "error", "skipped":
            current?.outcome = name == "failure" ? .failed : name == "error" ? .error : .skipped
            current?.message = attributes["message"]
            if name == "error" { current?.errorType = attributes["type"] }
            capturing = name
            text = ""
        case "flakyFailure", "flakyError", "rerunFailure", "rerunError":
            attemptMessage = attributes["message"] ?? ""
            attemptGotResponse = name.hasSuffix("Failure")
            capturing = name
            text = ""
        case "system-out" where current != nil:
            capturing = name
            text = ""
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capturing != nil { text += string }
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if capturing != nil { text += String(decoding: CDATABlock, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        switch name {
        case "failure", "error":
            // gatecheck writes the assertions (or the error), a blank line, then the transcript.
            let (head, transcript) = Self.splitTranscript(text)
            if name == "failure" {
                current?.failures = Self.assertions(head)
                if current?.failures.isEmpty == true, let message = current?.message { current?.failures = [FailedAssertion(summary: message)] }
                current?.message = nil
            } else if !head.isEmpty {
                current?.message = head
            }
            current?.transcript = transcript
            capturing = nil
        case "skipped":
            if current?.message == nil, !text.isEmpty { current?.message = text }
            capturing = nil
        case "flakyFailure", "flakyError", "rerunFailure", "rerunError":
            let (_, transcript) = Self.splitTranscript(text)
            current?.attempts.append(Attempt(gotResponse: attemptGotResponse, message: attemptMessage, transcript: transcript ?? ""))
            capturing = nil
        case "system-out":
            if current != nil {
                current?.notes = text.split(separator: "\n").map(String.init)
                capturing = nil
            }
        case "testcase":
            if let current { suite?.cases.append(current) }
            current = nil
        case "testsuite":
            if let suite { suites.append(suite) }
            suite = nil
        default:
            break
        }
    }

    /// Text before the transcript (which starts at a line beginning `> ` or `< HTTP/` after a blank line), and the transcript.
    static func splitTranscript(_ text: String) -> (String, String?) {
        for marker in ["\n\n> ", "\n\n< HTTP/"] {
            if let range = text.range(of: marker) {
                let transcript = String(text[text.index(range.lowerBound, offsetBy: 2)...])
                return (String(text[..<range.lowerBound]), transcript)
            }
        }
        if text.hasPrefix("> ") || text.hasPrefix("< HTTP/") { return ("", text) }
        return (text, nil)
    }

    /// A failure line without the `suites/x.yaml:41:9: ` the JUnit text puts in front (the HTML report of a run
    /// shows the summary alone too).
    static func withoutLocation(_ line: String) -> String {
        guard let match = line.firstMatch(of: #/^[^\s:][^:]*:\d+(:\d+)?: /#) else { return line }
        return String(line[match.range.upperBound...])
    }

    /// `summary` lines with their indented detail lines, as `AssertionFailure.description` writes them.
    static func assertions(_ text: String) -> [FailedAssertion] {
        var result: [FailedAssertion] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("  "), !result.isEmpty {
                result[result.count - 1].details.append(String(line.dropFirst(2)))
            } else {
                result.append(FailedAssertion(summary: withoutLocation(line)))
            }
        }
        return result
    }
}
