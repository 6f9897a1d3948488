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
    ///
    /// Coverage: the shards' `coverage.json` files (`coveragePaths`, else a `coverage.json` beside each input that has
    /// one) are added up (`GatewayCoverage(merging:)`): the summary line is printed, the HTML report gets its coverage
    /// section, and `coverageReportPath` receives the merged `coverage.json`.
    public static func mergeReports(_ inputs: [String], into outputPath: String, allowDuplicates: Bool = false,
                                    htmlPath: String? = nil, htmlPreviousPath: String? = nil,
                                    coveragePaths: [String] = [], coverageReportPath: String? = nil,
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
        let coverage: GatewayCoverage?
        do {
            coverage = try mergedCoverage(explicit: coveragePaths, inputs: inputs)
        } catch {
            errorOutput("gatecheck: error: merge-reports: \(error)\n")
            return .invalidInput
        }
        if coverageReportPath != nil, coverage == nil {
            errorOutput("gatecheck: error: merge-reports: --coverage-report: no coverage.json beside the inputs (name the shards' files with --coverage FILE)\n")
            return .invalidInput
        }
        if let coverage, let coverageReportPath {
            do { try CoverageReportFile.write(coverage, to: coverageReportPath) } catch {
                errorOutput("gatecheck: error: merge-reports: cannot write the coverage report \(coverageReportPath): \(error)\n")
                return .invalidInput
            }
        }
        if let htmlPath {
            do {
                let previous = try htmlPreviousPath.map { path throws(ReportFileError) in try HTMLReportFile.previousOutcomes(path: path) }
                let data = FileManager.default.contents(atPath: outputPath) ?? Data()
                var report = try HTMLReportFile.runReport(junitXML: data, path: outputPath)
                report.coverage = coverage.map(HTMLReportMapping.coverage)
                let comparison = previous.map { RunComparison(previous: $0, current: report, source: htmlPreviousPath ?? "") }
                try HTMLReportFile.write(report, comparison: comparison, to: htmlPath)
            } catch {
                errorOutput("gatecheck: error: merge-reports: \(error)\n")
                return .invalidInput
            }
        }
        output("merged \(inputs.count) report\(inputs.count == 1 ? "" : "s") into \(outputPath)\n")
        if let coverage { output(coverage.summaryLine(reportPath: coverageReportPath) + "\n") }
        return .passed
    }

    /// The shards' coverage added up: the files named, else each input's sibling `coverage.json` that exists; nil when
    /// there is none.
    static func mergedCoverage(explicit: [String], inputs: [String]) throws(CoverageFileError) -> GatewayCoverage? {
        var paths = explicit
        if paths.isEmpty {
            for input in inputs {
                let sibling = URL(fileURLWithPath: input).deletingLastPathComponent().appendingPathComponent("coverage.json").standardizedFileURL.path
                if FileManager.default.fileExists(atPath: sibling), !paths.contains(sibling) { paths.append(sibling) }
            }
        }
        guard !paths.isEmpty else { return nil }
        var parts: [GatewayCoverage] = []
        for path in paths { parts.append(try GatewayCoverage.read(path: path)) }
        return GatewayCoverage(merging: parts)
    }
}
