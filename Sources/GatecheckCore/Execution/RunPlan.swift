import Foundation
import HTMLReport
import ReportModel
import SourceDiagnostics
import Stages

/// A run, resolved before anything is sent: the configuration merged with the target profile, the suites of this
/// shard (loaded and checked), the case selection, where each side of the run sends its requests, and the
/// redaction every output goes through. `GatecheckRunner.execute(_:)` runs it.
struct RunPlan: Sendable {
    /// The command line merged with the target profile (variables, timeout, retries, concurrency); its outputs
    /// redact the suites' and the target's secrets.
    var configuration: RunConfiguration
    /// The suites to run, in file order (this shard's only, with `--shard`).
    var suites: [Suite]
    /// Load-time warnings (already printed).
    var diagnostics: [Diagnostic]
    var selection: CaseSelection
    /// Cases the selection keeps, over all suites (0 with a `--filter`/`--tag` is `noCaseSelected`).
    var selectedCases: Int
    var target: RunTarget
    /// `--compare`: the second side.
    var parity: ParityRun?
    /// The run-wide redactor (suite secrets, secret variables, target secrets).
    var redactor: Redactor
    /// `--html-previous`: the outcomes of an earlier report.
    var previousOutcomes: [String: CaseOutcome]?
}

/// Why a run was refused before anything was sent (exit 2): the diagnostics and a closing message.
struct RunRefusal: Error {
    var diagnostics: [Diagnostic] = []
    var message: String?
}

/// Resolves a `RunConfiguration` into a `RunPlan`, one step per concern, in the order the run needs them: the
/// command line, the target profiles, the parity allowlist, the suites, the shard, the emulator check, the targets
/// and the places suites go. A step that refuses throws a `RunRefusal`; `configuration` and `redactor` then hold
/// what the refusal is reported through (nothing is redacted before the suites are loaded).
struct RunPlanner {
    var configuration: RunConfiguration
    private(set) var redactor = Redactor()

    init(configuration: RunConfiguration) { self.configuration = configuration }

    mutating func resolve() throws(RunRefusal) -> RunPlan {
        let selection = try Self.caseSelection(configuration)
        // `emulator` names the embedded emulator on either side of a comparison.
        if configuration.target == ParityRun.emulatorName { configuration.target = nil }
        let profile = try selectProfile()
        let (compareConfiguration, compareProfile) = try selectCompareTarget()
        let allowlist = try loadAllowlist()
        let usesEmulator = configuration.target == nil || compareConfiguration?.target == nil && configuration.compare != nil
        if let profile { Self.merge(profile, into: &configuration) }
        let shardTimings = try loadShardTimings()

        let loaded = SuiteLoader.load(paths: configuration.paths,
                                      options: LoadOptions(variables: configuration.variables, environment: configuration.environment,
                                                           requireAPI: usesEmulator))
        redactOutputs(suites: loaded.suites, targetSecrets: Array(profile?.secrets ?? []))
        var diagnostics = loaded.diagnostics
        var suites = loaded.suites
        if let shard = configuration.shard, !loaded.hasErrors {
            suites = Self.shard(suites, spec: shard, timings: shardTimings, workingDirectory: configuration.workingDirectory)
            configuration.output("shard \(shard): \(suites.count) of \(loaded.suites.count) suite\(loaded.suites.count == 1 ? "" : "s")\(shardTimings == nil ? "" : ", balanced by the timings in \(configuration.shardTimingsPath ?? "")")\n")
        }
        if usesEmulator, !loaded.hasErrors { diagnostics += Self.emulatorCheck(suites, emulator: configuration.emulator) }
        let errorCount = diagnostics.filter { $0.severity == .error }.count
        if errorCount > 0 {
            throw RunRefusal(diagnostics: diagnostics, message: "gatecheck: \(errorCount) error\(errorCount == 1 ? "" : "s") in the suites; nothing was run")
        }
        if !diagnostics.isEmpty { configuration.errorOutput(ConsoleReport.diagnostics(diagnostics)) }
        if loaded.suites.isEmpty {
            throw RunRefusal(diagnostics: diagnostics, message: "gatecheck: error: no suites found in \(configuration.paths.joined(separator: ", "))")
        }

        let target: RunTarget
        do { target = try RunTarget.prepare(configuration, profile: profile, suites: suites) } catch {
            throw RunRefusal(diagnostics: error.diagnostics, message: error.message)  // the suites' warnings are already printed
        }
        var parity: ParityRun?
        if let compareConfiguration {
            do {
                let other = try RunTarget.prepare(compareConfiguration, profile: compareProfile, suites: suites)
                parity = ParityRun(target: other, allowlist: allowlist, today: configuration.today,
                                   leftName: configuration.target ?? ParityRun.emulatorName,
                                   rightName: compareConfiguration.target ?? ParityRun.emulatorName,
                                   ignoreHeaders: configuration.compareIgnoreHeaders, compareHeaders: configuration.compareHeaders)
            } catch {
                throw RunRefusal(diagnostics: error.diagnostics, message: error.message)
            }
        }
        try checkPlacements(suites, target: target, parity: parity, diagnostics: diagnostics)
        // Authorizer secrets are known now: run-level output is redacted of them too.
        redactOutputs(targetSecrets: target.secrets + (parity?.target.secrets ?? []))

        var previousOutcomes: [String: CaseOutcome]?
        if let previous = configuration.htmlPreviousPath {
            do { previousOutcomes = try HTMLReportFile.previousOutcomes(path: previous) } catch {
                throw RunRefusal(diagnostics: diagnostics, message: "gatecheck: error: --html-previous: \(error)")
            }
        }
        let selectedCases = suites.reduce(0) { count, suite in
            count + suite.cases.filter { selection.exclusionReason(suite: suite, testCase: $0) == nil }.count
        }
        return RunPlan(configuration: configuration, suites: suites, diagnostics: diagnostics, selection: selection,
                       selectedCases: selectedCases, target: target, parity: parity, redactor: redactor,
                       previousOutcomes: previousOutcomes)
    }

    // MARK: the steps

    /// `--filter` and `--tag`, and `--jobs`: command-line input is refused before anything is loaded or sent.
    static func caseSelection(_ configuration: RunConfiguration) throws(RunRefusal) -> CaseSelection {
        var selection = CaseSelection(tags: configuration.tags)
        if let filter = configuration.filter {
            do { selection.filter = try Pattern(filter) } catch {
                throw RunRefusal(message: "gatecheck: error: invalid --filter: \(error)")
            }
        }
        guard configuration.jobs >= 1 else { throw RunRefusal(message: "gatecheck: error: --jobs must be at least 1") }
        return selection
    }

    /// The `--target` profile (nil: a URL without profile, or the emulator); its warnings are printed.
    mutating func selectProfile() throws(RunRefusal) -> TargetProfile? {
        let profile: TargetProfile?
        do { profile = try RunTarget.selectProfile(configuration) } catch {
            throw RunRefusal(diagnostics: error.diagnostics, message: error.message)
        }
        if let profile, !profile.warnings.isEmpty { configuration.errorOutput(ConsoleReport.diagnostics(profile.warnings)) }
        return profile
    }

    /// `--compare`: the second side's configuration and profile (nil, nil without `--compare`).
    func selectCompareTarget() throws(RunRefusal) -> (RunConfiguration?, TargetProfile?) {
        guard let compare = configuration.compare else { return (nil, nil) }
        var other = configuration
        other.target = compare == ParityRun.emulatorName ? nil : compare
        if other.target == nil, configuration.target == nil {
            throw RunRefusal(message: "gatecheck: error: --compare emulator needs a --target that is not the emulator")
        }
        let profile: TargetProfile?
        do { profile = try RunTarget.selectProfile(other) } catch {
            throw RunRefusal(diagnostics: error.diagnostics, message: error.message.map { $0.replacingOccurrences(of: "--target", with: "--compare") })
        }
        if let profile, !profile.warnings.isEmpty {
            let warnings = profile.warnings.map { warning in
                var renamed = warning
                if renamed.file == "--target" { renamed.file = "--compare" }
                return renamed
            }
            configuration.errorOutput(ConsoleReport.diagnostics(warnings))
        }
        return (other, profile)
    }

    /// `--parity-allow FILE`, or `parity-allow.yaml` in the working directory when it exists (only with `--compare`).
    func loadAllowlist() throws(RunRefusal) -> ParityAllowlist {
        guard configuration.compare != nil else { return ParityAllowlist() }
        let explicit = configuration.parityAllowPath
        let inCurrentDirectory = configuration.workingDirectory == FileManager.default.currentDirectoryPath
        let path = explicit ?? (inCurrentDirectory ? ParityAllowlist.defaultPath
            : (configuration.workingDirectory as NSString).appendingPathComponent(ParityAllowlist.defaultPath))
        guard explicit != nil || FileManager.default.fileExists(atPath: path) else { return ParityAllowlist() }
        let (loadedList, found) = ParityAllowlist.load(path: path)
        guard let loadedList else { throw RunRefusal(diagnostics: found, message: "gatecheck: error: cannot use the parity allowlist \(path); nothing was run") }
        if !found.isEmpty { configuration.errorOutput(ConsoleReport.diagnostics(found)) }
        return loadedList
    }

    /// The profile's settings under the command line's: `--var` wins over the profile's `variables`, an explicit
    /// `--timeout`/`--retries` over its `timeout`/`retries`; its `concurrency` caps `--jobs`.
    static func merge(_ profile: TargetProfile, into configuration: inout RunConfiguration) {
        configuration.variables = profile.variables.merging(configuration.variables) { _, commandLine in commandLine }
        configuration.timeout = configuration.timeout ?? profile.timeout
        configuration.retries = configuration.retries ?? profile.retries
        if let cap = profile.concurrency { configuration.jobs = max(1, min(configuration.jobs, cap)) }
    }

    /// `--shard-timings`: the suite times of an earlier JUnit report.
    func loadShardTimings() throws(RunRefusal) -> [String: Double]? {
        guard let path = configuration.shardTimingsPath else { return nil }
        do { return try ShardTimings.load(junitPath: path) } catch {
            throw RunRefusal(message: "gatecheck: error: --shard-timings: \(error)")
        }
    }

    /// The suites of shard `spec`, in file order (suite ids are paths relative to the working directory).
    static func shard(_ suites: [Suite], spec: ShardSpec, timings: [String: Double]?, workingDirectory: String) -> [Suite] {
        let ids = suites.map { SuiteIdentity.id(forFile: $0.file, workingDirectory: workingDirectory) }
        let chosen = Set(ShardPlanner.assign(suites: ids, spec: spec, timings: timings))
        return zip(suites, ids).filter { chosen.contains($0.1) }.map(\.0)
    }

    /// Every suite's API definition and backends, checked before anything runs (a broken one exits 2).
    static func emulatorCheck(_ suites: [Suite], emulator: (any EmulatorProvider)?) -> [Diagnostic] {
        guard let emulator else {
            return suites.map { Diagnostic(file: $0.file, message: "the embedded emulator is not available in this build: pass --target URL") }
        }
        return suites.flatMap { emulator.check($0) }
    }

    /// Which suite goes where: nothing is sent to a stage of another API. With `--strict-targets` a suite the
    /// target does not place, or one URL for several APIs, refuses the run; without, the latter is a warning.
    func checkPlacements(_ suites: [Suite], target: RunTarget, parity: ParityRun?, diagnostics: [Diagnostic]) throws(RunRefusal) {
        var refused: [String] = []
        for (side, sideTarget) in [("--target", target)] + (parity.map { [("--compare", $0.target)] } ?? []) {
            for suite in suites {
                if case let .refuse(reason) = sideTarget.placement(for: suite) {
                    refused.append("suite '\(suite.name)' (\(suite.file)), \(side): \(reason)")
                }
            }
            if let apis = sideTarget.sharedURLAPIs(suites), let profile = sideTarget.profile {
                let text = "\(side) \(profile.displayBaseURL) is one URL for suites of \(apis.count) different APIs (\(apis.joined(separator: ", "))): "
                    + "each API has its own stage URL; map them with 'apis:' in a target profile (docs/staging.md)"
                if configuration.strictTargets { refused.append(text) } else { configuration.errorOutput("gatecheck: warning: \(text)\n") }
            }
        }
        if !refused.isEmpty {
            throw RunRefusal(diagnostics: diagnostics, message: "gatecheck: error: --strict-targets: nothing was run:\n" + refused.map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    /// Run-level output goes through the run-wide redactor from here on (see `RunRedaction`).
    mutating func redactOutputs(suites: [Suite], targetSecrets: [String]) {
        let redaction = RunRedaction.forRun(suites: suites, commandLineVariables: configuration.variables,
                                            environment: configuration.environment, targetSecrets: targetSecrets)
        redactor = redaction.redactor
        configuration.output = redaction.sink(configuration.output)
        configuration.errorOutput = redaction.sink(configuration.errorOutput)
    }

    /// More secrets (a target's authorizers): redacted from run-level output too.
    mutating func redactOutputs(targetSecrets: [String]) {
        guard !targetSecrets.isEmpty else { return }
        redactor = redactor.merging(targetSecrets)
        let more = RunRedaction(redactor: Redactor(secrets: targetSecrets))
        configuration.output = more.sink(configuration.output)
        configuration.errorOutput = more.sink(configuration.errorOutput)
    }
}
