import Foundation
import Testing
import TestSupport
@testable import JUnit

/// What junitparser (PyPI) read back from a report.
struct ParsedReport: Decodable {
    struct Suite: Decodable {
        var name: String
        var tests: Int
        var failures: Int
        var errors: Int
        var skipped: Int
        /// Counts junitparser recomputed from the children; must equal the attributes.
        var recounted: [Int]
        var time: Double
        var timestamp: String?
        var hostname: String?
        var properties: [[String]]
        var cases: [Case]
    }
    struct Case: Decodable {
        var classname: String
        var name: String
        var time: Double
        /// `passed`, `failure`, `error` or `skipped`.
        var result: String
        var message: String?
        var type: String?
        var text: String?
        /// Tags of rerun/flaky children, in order.
        var interim: [String]
        var interimMessages: [String?]
        var interimTypes: [String?]
        var interimTexts: [String?]
        var systemOut: String?
        var systemErr: String?
    }
    var rootTests: Int?
    var rootFailures: Int?
    var rootErrors: Int?
    var rootTime: Double?
    var suites: [Suite]
}

enum ExternalTool {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a tool found on PATH; its output goes to temporary files so a large output cannot block it.
    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let directory = FileManager.default.temporaryDirectory
        let stdoutURL = directory.appendingPathComponent("tool-out-\(UUID().uuidString)")
        let stderrURL = directory.appendingPathComponent("tool-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()
        process.waitUntilExit()
        try stdoutHandle.close()
        try stderrHandle.close()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))
    }

    /// The Jenkins xUnit schema (see `ReportValidation.junitSchemaPath`).
    static func schemaPath() throws -> String {
        try #require(ReportValidation.junitSchemaPath(), "JUnit schema not found; set GATECHECK_JUNIT_XSD")
    }

    /// Fails the test with xmllint's complaint unless `path` validates against the schema.
    static func expectValid(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run("xmllint", ["--noout", "--schema", try schemaPath(), path])
        #expect(result.status == 0, "xmllint rejected \(path): \(result.stderr.prefix(2000))", sourceLocation: sourceLocation)
    }

    static let parserScript = #"""
import json, sys
from junitparser.xunit2 import JUnitXml, RerunFailure, RerunError, FlakyFailure, FlakyError
from junitparser import Failure, Error, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in xml:
    attributes = [suite.tests, suite.failures, suite.errors, suite.skipped]
    suite_time = suite.time
    cases = []
    for case in suite:
        results = case.result
        kind, message, type_, text = "passed", None, None, None
        if len(results) > 1:
            raise SystemExit("more than one final result in %s" % case.name)
        if results:
            r = results[0]
            kind = {Failure: "failure", Error: "error", Skipped: "skipped"}[type(r)]
            message, type_, text = r.message, r.type, r.text
        interim = case.interim_result
        cases.append({
            "classname": case.classname, "name": case.name, "time": case.time,
            "result": kind, "message": message, "type": type_, "text": text,
            "interim": [i._tag for i in interim],
            "interimMessages": [i.message for i in interim],
            "interimTypes": [i.type for i in interim],
            "interimTexts": [i.stack_trace for i in interim],
            "systemOut": case.system_out, "systemErr": case.system_err,
        })
    suite.update_statistics()
    recounted = [suite.tests, suite.failures, suite.errors, suite.skipped]
    suites.append({
        "name": suite.name, "tests": attributes[0], "failures": attributes[1], "errors": attributes[2],
        "skipped": attributes[3], "recounted": recounted, "time": suite_time, "timestamp": suite.timestamp,
        "hostname": suite.hostname, "properties": [[p.name, p.value] for p in suite.properties()], "cases": cases,
    })
print(json.dumps({"rootTests": xml.tests, "rootFailures": xml.failures, "rootErrors": xml.errors,
                  "rootTime": xml.time, "suites": suites}))
"""#

    /// Parses `path` with junitparser and returns what it saw.
    static func parseWithJunitparser(_ path: String) throws -> ParsedReport {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("junit-check-\(UUID().uuidString).py")
        try parserScript.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let result = try run("python3", [script.path, path])
        try #require(result.status == 0, "junitparser failed: \(result.stderr.suffix(2000))")
        return try JSONDecoder().decode(ParsedReport.self, from: Data(result.stdout.utf8))
    }
}

/// A fresh directory under the system temporary directory, removed by `cleanUp()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("junit-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

extension JUnitReportWriter {
    /// Writes `suites` to `path` and finishes.
    static func writeReport(_ suites: [JUnitTestSuite], to path: String) throws {
        let writer = try JUnitReportWriter(path: path)
        for suite in suites { try writer.write(suite) }
        try writer.finish()
    }
}
