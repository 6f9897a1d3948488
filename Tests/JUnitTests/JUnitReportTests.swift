import Foundation
import Testing
@testable import JUnit

private let fixedDate = Date(timeIntervalSince1970: 1_795_000_000.25)

private func mixedSuite() -> JUnitTestSuite {
    JUnitTestSuite(
        name: "orders.yaml", timestamp: fixedDate, hostname: "build-7", time: 1.23456,
        properties: [("baseURL", "http://127.0.0.1:8080/prod"), ("environment", "staging")],
        cases: [
            JUnitTestCase(classname: "orders", name: "lists orders", time: 0.42),
            JUnitTestCase(classname: "orders", name: "creates an order", time: 0.0005,
                          result: .failure(message: "status: expected 201, got 500\nsecond line", type: "AssertionFailure",
                                           text: "status: expected 201, got 500\nbody: {\"message\": \"Internal server error\"}")),
            JUnitTestCase(classname: "orders", name: "deletes an order", time: 2,
                          result: .error(message: "connection refused", type: nil, text: "connect(127.0.0.1:1): refused")),
            JUnitTestCase(classname: "orders", name: "skipped with reason", time: 0, result: .skipped(message: "needs AWS")),
            JUnitTestCase(classname: "orders", name: "skipped without reason", time: 0, result: .skipped(message: nil),
                          systemOut: "out text", systemErr: "err text"),
        ])
}

@Suite("JUnit XML report")
struct JUnitReportTests {
    @Test("passed, failed, errored and skipped cases validate and read back with the same counts")
    func mixedResults() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("report.xml")
        let second = JUnitTestSuite(name: "health.yaml", timestamp: fixedDate, hostname: "build-7", time: 0.5,
                                    cases: [JUnitTestCase(classname: "health", name: "ping", time: 0.5)])
        try JUnitReportWriter.writeReport([mixedSuite(), second], to: path)
        try ExternalTool.expectValid(path)

        let parsed = try ExternalTool.parseWithJunitparser(path)
        #expect(parsed.rootTests == 6)
        #expect(parsed.rootFailures == 1)
        #expect(parsed.rootErrors == 1)
        #expect(parsed.rootTime == 1.735)
        try #require(parsed.suites.count == 2)
        let suite = parsed.suites[0]
        #expect(suite.name == "orders.yaml")
        #expect([suite.tests, suite.failures, suite.errors, suite.skipped] as [Int] == [5, 1, 1, 2])
        #expect(suite.recounted == [5, 1, 1, 2])
        #expect(suite.time == 1.235)
        #expect(suite.timestamp == "2026-11-18T11:06:40.250Z")
        #expect(suite.hostname == "build-7")
        #expect(suite.properties == [["baseURL", "http://127.0.0.1:8080/prod"], ["environment", "staging"]])
        #expect(suite.cases.map(\.result) == ["passed", "failure", "error", "skipped", "skipped"])
        #expect(suite.cases.map(\.name) == ["lists orders", "creates an order", "deletes an order",
                                            "skipped with reason", "skipped without reason"])
        #expect(suite.cases.allSatisfy { $0.classname == "orders" })
        #expect(suite.cases.map(\.time) == [0.42, 0.001, 2, 0, 0])

        let failure = suite.cases[1]
        #expect(failure.message == "status: expected 201, got 500 …")
        #expect(failure.type == "AssertionFailure")
        #expect(failure.text == "status: expected 201, got 500\nbody: {\"message\": \"Internal server error\"}")
        let error = suite.cases[2]
        #expect(error.message == "connection refused")
        #expect(error.type == nil)
        #expect(error.text == "connect(127.0.0.1:1): refused")
        #expect(suite.cases[3].message == "needs AWS")
        #expect(suite.cases[4].message == nil)
        #expect(suite.cases[4].systemOut == "out text")
        #expect(suite.cases[4].systemErr == "err text")
        #expect(parsed.suites[1].recounted == [1, 0, 0, 0])
    }

    @Test("document() renders the same report in one string")
    func documentString() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("document.xml")
        let xml = JUnitXML.document([mixedSuite()])
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"5\" failures=\"1\" errors=\"1\" time=\"1.235\">"))
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        try ExternalTool.expectValid(path)
        let parsed = try ExternalTool.parseWithJunitparser(path)
        #expect(parsed.suites.first?.recounted == [5, 1, 1, 2])
    }

    @Test("flaky attempts: flakyFailure/flakyError on a passing case, rerunFailure/rerunError on a failing one")
    func flakyAttempts() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("flaky.xml")
        let suite = JUnitTestSuite(name: "flaky", timestamp: fixedDate, hostname: "h", time: 3, cases: [
            JUnitTestCase(classname: "flaky", name: "passes on the third try", time: 1, result: .passed, flakyAttempts: [
                JUnitFlakyAttempt(kind: .failure, message: "expected 200, got 503", type: "AssertionFailure", text: "first try"),
                JUnitFlakyAttempt(kind: .error, message: "timeout\nafter 5 s", type: nil, text: ""),
            ]),
            JUnitTestCase(classname: "flaky", name: "fails every time", time: 2,
                          result: .failure(message: "expected 200, got 500", type: nil, text: "last try"),
                          flakyAttempts: [JUnitFlakyAttempt(kind: .failure, message: "expected 200, got 502", text: "first try"),
                                          JUnitFlakyAttempt(kind: .error, message: "reset", text: "second try")]),
        ])
        try JUnitReportWriter.writeReport([suite], to: path)
        try ExternalTool.expectValid(path)
        let parsed = try ExternalTool.parseWithJunitparser(path)
        let cases = try #require(parsed.suites.first?.cases)
        #expect(parsed.suites.first?.recounted == [2, 1, 0, 0])
        #expect(cases[0].result == "passed")
        #expect(cases[0].interim == ["flakyFailure", "flakyError"])
        #expect(cases[0].interimMessages == ["expected 200, got 503", "timeout …"])
        #expect(cases[0].interimTypes == ["AssertionFailure", "error"])
        #expect(cases[0].interimTexts == ["first try", nil])
        #expect(cases[1].result == "failure")
        #expect(cases[1].interim == ["rerunFailure", "rerunError"])
        #expect(cases[1].interimTexts == ["first try", "second try"])
    }

    @Test("control characters, invalid UTF-8, ]]> and markup survive as visible, valid text")
    func awkwardText() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("awkward.xml")
        let invalidUTF8 = JUnitXML.displayText(bytes: [0x6F, 0x6B, 0xFF, 0xC3, 0xA9, 0xE2, 0x82])
        #expect(invalidUTF8 == "ok\\xFFé\\xE2\\x82")
        let body = "nul:\u{0} bell:\u{7} esc:\u{1B} del:\u{7F} cr:\r lf:\n tab:\t cdata-end:]]> markup:<&>\"' nonchar:\u{FFFE}\u{FFFF} emoji:🙂 bytes:\(invalidUTF8)"
        let expectedBody = "nul:\\x00 bell:\\x07 esc:\\x1B del:\u{7F} cr:\r lf:\n tab:\t cdata-end:]]> markup:<&>\"' nonchar:\\uFFFE\\uFFFF emoji:🙂 bytes:ok\\xFFé\\xE2\\x82"
        let suite = JUnitTestSuite(
            name: "weird <suite> & \"name\"", timestamp: fixedDate, hostname: "h\u{0}ost", time: 0,
            properties: [("multi\nline", "tab\there\nnewline\r\nand\u{1}control ]]>")],
            cases: [
                JUnitTestCase(classname: "a&b", name: "case with \"quotes\" and <tags>\u{2}", time: 0,
                              result: .failure(message: "got \u{0} where text was expected", type: "x<y", text: body),
                              systemOut: body, systemErr: "]]>]]>"),
            ])
        try JUnitReportWriter.writeReport([suite], to: path)
        try ExternalTool.expectValid(path)
        let parsed = try ExternalTool.parseWithJunitparser(path)
        let parsedSuite = try #require(parsed.suites.first)
        #expect(parsedSuite.name == "weird <suite> & \"name\"")
        #expect(parsedSuite.hostname == "h\\x00ost")
        #expect(parsedSuite.properties == [["multi\nline", "tab\there\nnewline\r\nand\\x01control ]]>"]])
        let testCase = try #require(parsedSuite.cases.first)
        #expect(testCase.classname == "a&b")
        #expect(testCase.name == "case with \"quotes\" and <tags>\\x02")
        #expect(testCase.message == "got \\x00 where text was expected")
        #expect(testCase.type == "x<y")
        #expect(testCase.text == expectedBody)
        #expect(testCase.systemOut == expectedBody)
        #expect(testCase.systemErr == "]]>]]>")
    }

    @Test("a 5 MB text is written whole")
    func largeText() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("large.xml")
        let line = "0123456789 <&> abcdefghijklmnopqrstuvwxyz\n"
        let text = String(repeating: line, count: 5 * 1024 * 1024 / line.utf8.count + 1)
        #expect(text.utf8.count > 5_000_000)
        let suite = JUnitTestSuite(name: "large", timestamp: fixedDate, hostname: "h", time: 0, cases: [
            JUnitTestCase(classname: "large", name: "big body", time: 0,
                          result: .failure(message: "body mismatch", type: nil, text: text)),
        ])
        try JUnitReportWriter.writeReport([suite], to: path)
        try ExternalTool.expectValid(path)
        let parsed = try ExternalTool.parseWithJunitparser(path)
        let parsedText = try #require(parsed.suites.first?.cases.first?.text)
        #expect(parsedText.utf8.count == text.utf8.count)
        #expect(parsedText == text)
    }

    @Test("an empty run is a valid report")
    func emptyReport() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("empty.xml")
        try JUnitReportWriter.writeReport([], to: path)
        try ExternalTool.expectValid(path)
        let parsed = try ExternalTool.parseWithJunitparser(path)
        #expect(parsed.suites.isEmpty)
        #expect(parsed.rootTests == 0)
    }

    @Test("empty classname and name are replaced, so both are never empty")
    func emptyNames() throws {
        let suite = JUnitTestSuite(name: "s", timestamp: fixedDate, hostname: "h", time: 0,
                                   cases: [JUnitTestCase(classname: "", name: "", time: 0)])
        let xml = JUnitXML.document([suite])
        #expect(xml.contains("<testcase classname=\"s\" name=\"(unnamed)\" time=\"0.000\"/>"))
    }
}

@Suite("JUnit text helpers")
struct JUnitTextTests {
    @Test("displayText keeps valid UTF-8 and shows every invalid byte as \\xNN")
    func displayText() {
        #expect(JUnitXML.displayText(bytes: Array("héllo 🙂".utf8)) == "héllo 🙂")
        #expect(JUnitXML.displayText(bytes: [0x61, 0x80, 0x62]) == "a\\x80b")
        #expect(JUnitXML.displayText(bytes: [0xC0, 0xAF]) == "\\xC0\\xAF")          // overlong
        #expect(JUnitXML.displayText(bytes: [0xED, 0xA0, 0x80]) == "\\xED\\xA0\\x80") // UTF-16 surrogate
        #expect(JUnitXML.displayText(bytes: [0xF0, 0x9F, 0x99]) == "\\xF0\\x9F\\x99") // truncated at the end
        #expect(JUnitXML.displayText(bytes: []) == "")
    }

    @Test("xmlSafe replaces only what XML 1.0 cannot carry")
    func xmlSafe() {
        #expect(JUnitXML.xmlSafe("a\u{0}b\u{1F}c") == "a\\x00b\\x1Fc")
        #expect(JUnitXML.xmlSafe("tab\t lf\n cr\r <&>") == "tab\t lf\n cr\r <&>")
        #expect(JUnitXML.xmlSafe("\u{FFFE}\u{FFFF}\u{FFFD}") == "\\uFFFE\\uFFFF\u{FFFD}")
    }

    @Test("times have three decimals and are never negative")
    func times() {
        #expect(JUnitXML.formatSeconds(0.42) == "0.420")
        #expect(JUnitXML.formatSeconds(12.3456) == "12.346")
        #expect(JUnitXML.formatSeconds(0.0004) == "0.000")
        #expect(JUnitXML.formatSeconds(-1) == "0.000")
        #expect(JUnitXML.formatSeconds(.nan) == "0.000")
        #expect(JUnitXML.formatSeconds(.infinity) == "0.000")
        #expect(JUnitXML.formatSeconds(1e20) == "1000000000000.000")
    }

    @Test("messages become one line of at most 1000 characters")
    func oneLineMessages() {
        #expect(JUnitXML.oneLine("single") == "single")
        #expect(JUnitXML.oneLine("first\r\nsecond") == "first …")
        #expect(JUnitXML.oneLine("first\n\n  ") == "first")
        #expect(JUnitXML.oneLine(String(repeating: "x", count: 1500)) == String(repeating: "x", count: 1000) + " …")
    }

    @Test("timestamps are ISO 8601 in UTC with milliseconds")
    func timestamps() {
        #expect(JUnitXML.formatTimestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(JUnitXML.formatTimestamp(fixedDate) == "2026-11-18T11:06:40.250Z")
    }
}

@Suite("JUnit report writer")
struct JUnitReportWriterTests {
    private func temporaryFiles(in scratch: ScratchDirectory) throws -> [String] {
        try scratch.contents().filter { $0.hasSuffix(".tmp") }
    }

    @Test("before finish() the destination keeps the previous complete report; finish() replaces it")
    func replacesAtomically() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("report.xml")
        try JUnitReportWriter.writeReport([mixedSuite()], to: path)
        let previous = try Data(contentsOf: URL(fileURLWithPath: path))

        let writer = try JUnitReportWriter(path: path)
        var lastSize = 0
        for index in 0..<3 {
            try writer.write(JUnitTestSuite(name: "suite \(index)", timestamp: fixedDate, hostname: "h", time: 1,
                                            cases: [JUnitTestCase(classname: "c", name: "n", time: 1)]))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == previous)
            // Each suite reaches the disk as it is written (nothing accumulates in memory).
            let temporary = try #require(try temporaryFiles(in: scratch).first)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: scratch.file(temporary))[.size] as? Int)
            #expect(size > lastSize)
            lastSize = size
        }
        try writer.finish()
        #expect(try temporaryFiles(in: scratch).isEmpty)
        try ExternalTool.expectValid(path)
        let parsed = try ExternalTool.parseWithJunitparser(path)
        #expect(parsed.suites.map(\.name) == ["suite 0", "suite 1", "suite 2"])
        #expect(parsed.rootTests == 3)
        #expect(parsed.rootTime == 3)
    }

    @Test("without a previous report the destination does not exist until finish()")
    func absentUntilFinished() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("nested/dir/report.xml")
        let writer = try JUnitReportWriter(path: path)
        try writer.write(mixedSuite())
        #expect(!FileManager.default.fileExists(atPath: path))
        try writer.finish()
        #expect(FileManager.default.fileExists(atPath: path))
        try ExternalTool.expectValid(path)
    }

    @Test("abandon() leaves the previous report and no temporary file")
    func abandonKeepsPrevious() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("report.xml")
        try JUnitReportWriter.writeReport([mixedSuite()], to: path)
        let previous = try Data(contentsOf: URL(fileURLWithPath: path))
        let writer = try JUnitReportWriter(path: path)
        try writer.write(mixedSuite())
        writer.abandon()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == previous)
        #expect(try scratch.contents() == ["report.xml"])
        #expect(throws: JUnitWriteError.alreadyClosed(path: path)) { try writer.finish() }
    }

    @Test("a writer dropped without finish() removes its temporary file")
    func dropCleansUp() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        do {
            let writer = try JUnitReportWriter(path: scratch.file("report.xml"))
            try writer.write(mixedSuite())
        }
        #expect(try scratch.contents().isEmpty)
    }

    @Test("write after finish() and an uncreatable destination fail with actionable errors")
    func errors() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("report.xml")
        let writer = try JUnitReportWriter(path: path)
        try writer.finish()
        #expect(throws: JUnitWriteError.alreadyClosed(path: path)) { try writer.write(mixedSuite()) }

        let blocker = scratch.file("plain-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        do {
            _ = try JUnitReportWriter(path: blocker + "/report.xml")
            Issue.record("expected cannotCreate")
        } catch {
            guard case .cannotCreate(let failedPath, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(failedPath == blocker + "/report.xml")
            #expect(error.description.contains("cannot create the JUnit report"))
        }
    }
}
