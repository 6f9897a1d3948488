import Foundation
import JSONCore
import Lint
import Testing
import TestSupport

/// `--format sarif` against the SARIF 2.1.0 schema, and lint through the CLI (`gatecheck lint`, `gatecheck validate`).
@Suite struct OutputTests {
    static let root = ReportValidation.packageRoot()
    static let sarifSchema = root.appendingPathComponent("../shared/sarif/sarif-schema-2.1.0.json").standardizedFileURL.path
    static let validator: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { "\($0)/check-jsonschema" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    static let canValidate = FileManager.default.fileExists(atPath: sarifSchema) && validator != nil
    static let skipped = "needs ../shared/sarif/sarif-schema-2.1.0.json and check-jsonschema on PATH (scripts/install-deps.sh --test installs it)"

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatecheck").path
    }

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-lint-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A definition with one error, one warning and one note, and a file that does not parse.
    func findingsAndAnUnreadableFile() throws -> (directory: URL, report: Linter.Report) {
        let directory = try temporaryDirectory()
        try """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /orders:
            post:
              responses: {"200": {description: ok}, "404": {description: missing}}
              x-amazon-apigateway-integration:
                type: http
                httpMethod: GET
                uri: https://example.com/orders
                responses:
                  default: {statusCode: "200"}
                  .*Not Found.*: {statusCode: "418"}
        """.write(to: directory.appendingPathComponent("api file.yaml"), atomically: true, encoding: .utf8)
        try "openapi: 3.0.1\npaths: [unclosed\n".write(to: directory.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        return (directory, Linter().lint(paths: ["api file.yaml", "broken.yaml"].map { directory.appendingPathComponent($0).path }))
    }

    @Test func sarifCarriesRulesResultsAndLocations() throws {
        let (_, report) = try findingsAndAnUnreadableFile()
        #expect(Set(report.findings.map(\.severity)) == [.error, .warning, .note])
        let sarif = try JSONValue.parse(bytes: Array(report.sarif(toolVersion: "9.9.9").utf8))
        #expect(sarif["version"] == .string("2.1.0"))
        let run = try #require(sarif["runs"]?[0])
        #expect(run["tool"]?["driver"]?["name"] == .string("gatecheck"))
        #expect(run["tool"]?["driver"]?["version"] == .string("9.9.9"))
        guard case .array(let rules)? = run["tool"]?["driver"]?["rules"], case .array(let results)? = run["results"] else {
            Issue.record("no rules or results"); return
        }
        #expect(rules.count == LintRegistry.rules.count)
        #expect(results.count == report.findings.count)
        let first = try #require(results.first)
        let finding = try #require(report.findings.first)
        #expect(first["ruleId"] == .string(finding.ruleID))
        #expect(first["level"] == .string(finding.severity.rawValue))
        // ruleIndex points at the rule's entry.
        if case .int(let index)? = first["ruleIndex"] { #expect(rules[Int(index)]["id"] == .string(finding.ruleID)) } else { Issue.record("no ruleIndex") }
        #expect(first["message"]?["text"]?.stringValue == "\(finding.message). Fix: \(finding.fix)")
        let location = try #require(first["locations"]?[0]?["physicalLocation"])
        // An absolute path is a file: URI (a relative one is relative to %SRCROOT%: the CLI test below).
        #expect(location["artifactLocation"]?["uri"]?.stringValue?.hasPrefix("file:///") == true)
        #expect(location["artifactLocation"]?["uri"]?.stringValue?.hasSuffix("/api%20file.yaml") == true)
        #expect(location["region"]?["startLine"] == finding.line.map { .int(Int64($0)) })
        #expect(location["region"]?["startColumn"] == finding.column.map { .int(Int64($0)) })
        // The unreadable file is a tool notification, and the run is marked unsuccessful.
        let invocation = try #require(run["invocations"]?[0])
        #expect(invocation["executionSuccessful"] == .bool(false))
        #expect(invocation["toolExecutionNotifications"]?[0]?["locations"]?[0]?["physicalLocation"]?["artifactLocation"]?["uri"]?.stringValue?.hasSuffix("/broken.yaml") == true)
    }

    @Test(.enabled(if: canValidate, Comment(rawValue: skipped)))
    func sarifValidatesAgainstTheSchema() throws {
        let (directory, report) = try findingsAndAnUnreadableFile()
        let clean = Linter.Report()
        for (name, document) in [("findings.sarif", report.sarif(toolVersion: "0.1.0")), ("clean.sarif", clean.sarif(toolVersion: "0.1.0"))] {
            let file = directory.appendingPathComponent(name)
            try document.write(to: file, atomically: true, encoding: .utf8)
            let result = try ReportValidation.run(try #require(Self.validator), ["--schemafile", Self.sarifSchema, file.path])
            #expect(result.status == 0, "\(name): \(result.output)")
        }
        // The validator is not a rubber stamp: a result without its message fails.
        let broken = directory.appendingPathComponent("broken.sarif")
        try report.sarif(toolVersion: "0.1.0").replacingOccurrences(of: "\"message\":", with: "\"note\":").write(to: broken, atomically: true, encoding: .utf8)
        #expect(try ReportValidation.run(try #require(Self.validator), ["--schemafile", Self.sarifSchema, broken.path]).status != 0)
    }

    @Test func theCLIWritesSarifAndExitsByFailOn() throws {
        let (directory, _) = try findingsAndAnUnreadableFile()
        let sarif = try ReportValidation.run(Self.binary, ["lint", "--format", "sarif", "api file.yaml"], in: directory)
        #expect(sarif.status == 1, "\(sarif.output)")
        let document = try JSONValue.parse(bytes: Array(sarif.output.utf8))
        #expect(document["version"] == .string("2.1.0"))
        let location = document["runs"]?[0]?["results"]?[0]?["locations"]?[0]?["physicalLocation"]?["artifactLocation"]
        #expect(location?["uri"] == .string("api%20file.yaml"))
        #expect(location?["uriBaseId"] == .string("%SRCROOT%"))
        #expect(document["runs"]?[0]?["originalUriBaseIds"]?["%SRCROOT%"]?["uri"]?.stringValue?.hasSuffix("/") == true)
        #expect(try ReportValidation.run(Self.binary, ["lint", "--fail-on", "error", "api file.yaml"], in: directory).status == 1)
        #expect(try ReportValidation.run(Self.binary, ["lint", "--format", "sarif", "broken.yaml"], in: directory).status == 2)
        let bad = try ReportValidation.run(Self.binary, ["lint", "--format", "xml", "api file.yaml"], in: directory)
        #expect(bad.status == 2 && bad.output.contains("--format must be text, json or sarif"), "\(bad.output)")
    }

    @Test func validateShowsLintFindingsAndFailsOnlyWhenAsked() throws {
        let suite = "suites/lambda-error-mapping.yaml"
        let shown = try ReportValidation.run(Self.binary, ["validate", suite], in: Self.root)
        #expect(shown.status == 0, "\(shown.output)")
        #expect(shown.output.contains("suites/apis/rest-outcome.yaml:182:11: error: integration response '.*400.*' of POST /errors/undeclared maps to status 418"), "\(shown.output)")
        #expect(shown.output.contains("1 suite, "), "\(shown.output)")
        let failing = try ReportValidation.run(Self.binary, ["validate", "--lint-fail-on", "error", suite], in: Self.root)
        #expect(failing.status == 1, "\(failing.output)")
        let quiet = try ReportValidation.run(Self.binary, ["validate", "--no-lint", "--lint-fail-on", "error", suite], in: Self.root)
        #expect(quiet.status == 0 && !quiet.output.contains("[integration-response-without-method-response]"), "\(quiet.output)")
        let wrong = try ReportValidation.run(Self.binary, ["validate", "--lint-fail-on", "fatal", suite], in: Self.root)
        #expect(wrong.status == 2 && wrong.output.contains("--lint-fail-on must be note, warning or error"), "\(wrong.output)")
    }
}
