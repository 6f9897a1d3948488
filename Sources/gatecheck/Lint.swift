import ArgumentParser
import Foundation
import GatecheckCore
import Lint

extension Gatecheck {
    struct LintCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Check API definitions and templates for what the client would not get as written (exit 0 clean, 1 findings at or above --fail-on, 2 unreadable input).",
            discussion: "Suite files are followed to their api: definition. Disable a rule for one file with `x-gatecheck-lint: { disable: [rule-id] }` at its top. Rules: "
                + LintRegistry.rules.map { "\($0.id) (\($0.severity.rawValue)): \($0.summary)" }.joined(separator: "; "))

        @Argument(help: "API definitions, templates, suites or directories.")
        var paths: [String] = ["suites"]

        @Option(help: ArgumentHelp("Output format: text, json or sarif (SARIF 2.1.0, for GitHub code scanning).", valueName: "format"))
        var format: String = "text"

        @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when a finding has this severity or a higher one: note, warning or error.", valueName: "severity"))
        var failOn: String = "warning"

        func validate() throws {
            guard LintFormat(rawValue: format) != nil else { throw ValidationError("--format must be text, json or sarif, not '\(format)'") }
            guard LintSeverity(rawValue: failOn) != nil else { throw ValidationError("--fail-on must be note, warning or error, not '\(failOn)'") }
        }

        func run() throws {
            let report = Linter().lint(paths: paths)
            let output: String
            switch LintFormat(rawValue: format) ?? .text {
            case .text: output = report.text()
            case .json: output = report.json()
            case .sarif: output = report.sarif(toolVersion: GatecheckVersion.string)
            }
            FileHandle.standardOutput.write(Data(output.utf8))
            throw ExitCode(report.exitStatus(failOn: LintSeverity(rawValue: failOn) ?? .warning))
        }
    }
}
