import Foundation

/// `--compare`: the second target of a run, the allowlist, and how parity results are made from two runs of a suite.
struct ParityRun: Sendable {
    /// The reserved target name for the embedded emulator (`--target emulator`, `--compare emulator`).
    static let emulatorName = "emulator"
    /// Parity results are named `parity: <case name>`.
    static let casePrefix = "parity: "

    var target: RunTarget
    var allowlist: ParityAllowlist
    var today: Date
    /// How the two sides are titled in diffs: the `--target` and `--compare` values.
    var leftName: String
    var rightName: String
    /// `--compare-ignore-header`: not compared in any suite of the run.
    var ignoreHeaders: [String] = []
    /// `--compare-header`: compared although the default list ignores them.
    var compareHeaders: [String] = []

    /// The suite's `parity:` settings with the run's `--compare-ignore-header` and `--compare-header` added.
    func settings(for suite: Suite) -> ParitySettings {
        var settings = suite.parity
        settings.ignoreHeaders += ignoreHeaders
        settings.compareHeaders += compareHeaders
        return settings
    }

    /// The left side's results, each followed by its `parity:` result.
    func interleave(suite: Suite, left: [CaseResult], right: [CaseResult], redactor: Redactor) -> [CaseResult] {
        var byName: [String: CaseResult] = [:]
        for result in right { byName[result.name] = result }
        var merged: [CaseResult] = []
        for result in left {
            merged.append(result)
            merged.append(parityResult(suite: suite, left: result, right: byName[result.name], redactor: redactor))
        }
        return merged
    }

    func parityResult(suite: Suite, left: CaseResult, right: CaseResult?, redactor: Redactor) -> CaseResult {
        let name = Self.casePrefix + left.name
        let leftTitle = "A: " + redactor.redact(leftName), rightTitle = "B: " + redactor.redact(rightName)
        if case let .skipped(reason) = left.outcome { return CaseResult(name: name, outcome: .skipped(reason: reason), duration: .zero) }
        guard let right else {
            return CaseResult(name: name, outcome: .errored(message: "\(rightTitle) did not run the case", type: "ParityError"), duration: .zero)
        }
        if case let .skipped(reason) = right.outcome {
            return CaseResult(name: name, outcome: .skipped(reason: "\(rightTitle): \(reason)"), duration: .zero)
        }
        guard let leftResponse = left.response else {
            return CaseResult(name: name, outcome: .errored(message: "no response from \(leftTitle) to compare (the case errored)", type: "ParityError"),
                              duration: right.duration)
        }
        guard let rightResponse = right.response else {
            var message = "no response from \(rightTitle) to compare"
            if case let .errored(reason, _) = right.outcome { message += ": " + reason }
            var result = CaseResult(name: name, outcome: .errored(message: redactor.redact(message), type: "ParityError"), duration: right.duration)
            result.consoleTranscript = right.consoleTranscript
            result.reportTranscript = right.reportTranscript
            return result
        }
        let settings = settings(for: suite)
        let differences = ParityComparison.differences(left: leftResponse, right: rightResponse, settings: settings)
        var result = Self.judge(differences, suite: suite.name, caseName: left.name, allowlist: allowlist, today: today,
                                leftTitle: leftTitle, rightTitle: rightTitle, redactor: redactor)
        result.name = name
        result.duration = right.duration
        result.notes += Self.ignoredHeadersNotes(ParityComparison.ignoredHeaderDifferences(left: leftResponse.headers, right: rightResponse.headers,
                                                                                     settings: settings))
        return result
    }

    /// The header differences that were not compared, so an ignored header is never a silent one: the default
    /// (infrastructure) list first, then the suite's and the run's own ignores.
    static func ignoredHeadersNotes(_ ignored: [HeaderIgnoreReason: [String]]) -> [String] {
        var notes: [String] = []
        if let names = ignored[.infrastructure], !names.isEmpty {
            notes.append("differs, not compared (infrastructure headers, ignored by default): \(names.joined(separator: ", ")) (--compare-header NAME compares one)")
        }
        if let names = ignored[.ignored], !names.isEmpty {
            notes.append("differs, not compared (parity.ignoreHeaders, --compare-ignore-header): \(names.joined(separator: ", "))")
        }
        return notes
    }

    /// Applies the allowlist to `differences`: a case that passes, with notes for allowed differences, or fails with a
    /// side-by-side diff (and one failure per expired entry).
    static func judge(_ differences: [ParityDifference], suite: String, caseName: String, allowlist: ParityAllowlist, today: Date,
                      leftTitle: String, rightTitle: String, redactor: Redactor) -> CaseResult {
        var failing: [ParityDifference] = []
        var allowedNotes: [ParityDifference: String] = [:]
        var notes: [String] = []
        var expired: [AssertionFailure] = []
        var used: Set<String> = []
        for difference in differences {
            guard let entry = allowlist.entry(suite: suite, caseName: caseName, difference: difference) else {
                failing.append(difference)
                continue
            }
            used.insert(entry.location)
            if entry.isExpired(today: today) {
                failing.append(difference)
                allowedNotes[difference] = "allowlist entry expired on \(entry.expiryText)"
                expired.append(AssertionFailure(
                    "allowlist entry \(entry.location) (\(entry.what)) expired on \(entry.expiryText) and the difference is still there",
                    details: ["why it was allowed: \(entry.why)", "fix the difference, or extend or remove the entry"]))
            } else {
                allowedNotes[difference] = "allowed: \(entry.why)"
                notes.append("allowed \(difference.what): \(entry.why) (\(entry.location)\(entry.expires == nil ? "" : ", until \(entry.expiryText)"))")
            }
        }
        // An entry written for this very case that hides nothing any more is worth removing.
        for entry in allowlist.entries where entry.suite == suite && entry.caseName == caseName && !used.contains(entry.location) {
            notes.append("allowlist entry \(entry.location) (\(entry.what)) matched no difference: remove it if the difference is fixed")
        }
        guard !failing.isEmpty else {
            var result = CaseResult(name: caseName, outcome: .passed, duration: .zero)
            result.notes = notes.map(redactor.redact)
            return result
        }
        let shown = differences.filter { failing.contains($0) || allowedNotes[$0] != nil }
        let table = ParityComparison.sideBySide(shown, leftTitle: leftTitle, rightTitle: rightTitle, notes: allowedNotes)
        let kinds = failing.map(\.label)
        let summary = "\(leftTitle) and \(rightTitle) differ: " + (kinds.count > 4 ? kinds.prefix(4).joined(separator: ", ") + ", …" : kinds.joined(separator: ", "))
            + " (\(failing.count) difference\(failing.count == 1 ? "" : "s"))"
        let failures = [AssertionFailure(summary, details: table)] + expired
        var result = CaseResult(name: caseName, outcome: .failed(failures.map { $0.mapTexts(redactor.redact) }), duration: .zero)
        result.notes = notes.map(redactor.redact)
        return result
    }
}
