import Foundation
import HTMLReport
import ReportModel
import Stages

extension GatecheckRunner {
    /// `gatecheck merge-reports A.xml B.xml ... -o junit.xml`: one report from the shards' reports, every
    /// `<testsuite>` kept as written and the totals recomputed. Exit status 0, or 2 when an input is missing or
    /// malformed, or a suite appears in two inputs without `allowDuplicates`.
    /// With `htmlPath`, the merged report is also written as the HTML report (`htmlPreviousPath`: what changed since
    /// that earlier HTML or JUnit report).
    public static func mergeReports(_ inputs: [String], into outputPath: String, allowDuplicates: Bool = false,
                                    htmlPath: String? = nil, htmlPreviousPath: String? = nil,
                                    output: @Sendable (String) -> Void = StandardStreams.writeOut,
                                    errorOutput: @Sendable (String) -> Void = StandardStreams.writeError) -> RunSummary.ExitStatus {
        guard !inputs.isEmpty else {
            errorOutput("gatecheck: error: merge-reports needs at least one report, e.g. gatecheck merge-reports reports/junit-*.xml -o reports/junit.xml\n")
            return .invalidInput
        }
        let absoluteOutput = URL(fileURLWithPath: outputPath).standardizedFileURL.path
        if inputs.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == absoluteOutput }) {
            errorOutput("gatecheck: error: merge-reports: the output \(outputPath) is also an input; write the merged report elsewhere\n")
            return .invalidInput
        }
        if !allowDuplicates {
            var seen: Set<String> = []
            for input in inputs where !seen.insert(URL(fileURLWithPath: input).standardizedFileURL.path).inserted {
                errorOutput("gatecheck: error: merge-reports: \(input) is given twice, so its suites would be counted twice (pass --allow-duplicates to keep both)\n")
                return .invalidInput
            }
        }
        let directory = URL(fileURLWithPath: outputPath).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try JUnitMerge.merge(files: inputs, writingTo: outputPath, allowDuplicateSuites: allowDuplicates)
        } catch let error as JUnitMergeError {
            errorOutput("gatecheck: error: \(error)\n")
            return .invalidInput
        } catch {
            errorOutput("gatecheck: error: cannot create \(directory.path): \(error.localizedDescription)\n")
            return .invalidInput
        }
        if let htmlPath {
            do {
                let previous = try htmlPreviousPath.map { path throws(ReportFileError) in try HTMLReportFile.previousOutcomes(path: path) }
                let data = FileManager.default.contents(atPath: outputPath) ?? Data()
                let report = try HTMLReportFile.runReport(junitXML: data, path: outputPath)
                let comparison = previous.map { RunComparison(previous: $0, current: report, source: htmlPreviousPath ?? "") }
                try HTMLReportFile.write(report, comparison: comparison, to: htmlPath)
            } catch {
                errorOutput("gatecheck: error: merge-reports: \(error)\n")
                return .invalidInput
            }
        }
        output("merged \(inputs.count) report\(inputs.count == 1 ? "" : "s") into \(outputPath)\n")
        return .passed
    }
}
