import CurlHTTP
import Foundation
import WebSocketClient
import HTMLReport
import HTTPMessage
import JUnit
import ReportModel
import SourceDiagnostics
import Stages

/// Everything `gatecheck run` was asked to do.
public struct RunConfiguration: Sendable {
    /// Suite files and directories (searched recursively for `*.yaml`/`*.yml`).
    public var paths: [String] = ["suites"]
    /// `--target`: a base URL every suite runs against (a stage prefix such as `/prod` is kept), or the name of a
    /// target profile in `profilesPath`. Nil: the embedded emulator.
    public var target: String?
    /// `--profiles`: where target profiles are read (`gatecheck.yaml` in the current directory by default).
    public var profilesPath: String = TargetSelection.defaultProfilesPath
    /// `--resolve host:port:address` entries, added to the profile's `resolve:`.
    public var resolve: [String] = []
    /// `--shard K/N`: run only this shard of the suites.
    public var shard: ShardSpec?
    /// `--shard-timings`: a previous JUnit report whose suite times balance the shards.
    public var shardTimingsPath: String?
    /// `--property NAME=VALUE` pairs added to every suite's JUnit `<properties>`.
    public var properties: [NamedValue] = []
    /// `--strict-targets`: a suite whose API the target profile does not map to a stage (`apis:`), or a run whose
    /// suites use several APIs while the target is one URL, is invalid input (exit 2) instead of being skipped
    /// (or, for one URL, warned about).
    public var strictTargets = false
    /// `--sigv4`: sign every request with SigV4 (standard credential chain) when the target has no auth of its own.
    public var sigv4 = false
    /// Where `~/.aws` is looked up for SigV4 credentials.
    public var homeDirectory: String = NSHomeDirectory()
    /// Suite ids (for sharding and the JUnit `file` property) are paths relative to this directory.
    public var workingDirectory: String = FileManager.default.currentDirectoryPath
    /// JUnit report path; nil writes none.
    public var junitPath: String? = "reports/junit.xml"
    /// Suites run at the same time.
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Regular expression matched against `suite/case`.
    public var filter: String?
    /// Run only cases carrying one of these tags (suite tags count).
    public var tags: [String] = []
    /// `--var k=v`.
    public var variables: [String: String] = [:]
    /// `--timeout`: per-request timeout for cases that set none (neither in the case nor in the suite's defaults).
    /// Nil: the target profile's `timeout`, else 30 seconds.
    public var timeout: Duration?
    /// Skip TLS verification.
    public var insecure = false
    /// A PEM file of CA certificates to trust instead of the system store (`--cacert`).
    public var caBundlePath: String?
    /// `--max-body-size`: most bytes kept of each response body (the rest is counted and hashed, and the case's
    /// body assertions fail as not checked); nil keeps everything.
    public var maxResponseBodyBytes: Int? = HTTPClientConfiguration.defaultMaxResponseBodyBytes
    /// `--retries`: extra attempts for cases that set none (transport failures and 502/503/504 only).
    /// Nil: the target profile's `retries`, else 0.
    public var retries: Int?
    /// The first retry delay, doubled for each further retry (`--retry-backoff`).
    public var retryBackoff: Duration = .milliseconds(200)
    /// The exponential retry delay never grows past this.
    public var maxRetryBackoff: Duration = .seconds(10)
    /// A longer `Retry-After` is cut to this (`--max-retry-after`).
    public var maxRetryAfter: Duration = .seconds(30)
    /// Set by the CLI on SIGINT/SIGTERM: stop scheduling, let requests in flight finish within `interruptGracePeriod`.
    public var interruption: RunInterruption?
    /// How long requests in flight may still take after an interruption before they are aborted.
    public var interruptGracePeriod: Duration = .seconds(3)
    /// How retries and polling wait. Replaceable in tests; must throw when the task is cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// Jitter source for retry delays, a value in 0...1. Replaceable in tests.
    public var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }
    /// After the first failed or errored case, skip every case not yet started.
    public var failFast = false
    /// `--verbose`: print the request/response transcript of passing cases too (console and JUnit `<system-out>`).
    public var verbose = false
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var style = ConsoleStyle(enabled: false)
    /// Where the human-readable report goes (stdout by default).
    public var output: @Sendable (String) -> Void = StandardStreams.writeOut
    /// Where diagnostics and usage problems go (stderr by default).
    public var errorOutput: @Sendable (String) -> Void = StandardStreams.writeError
    /// Starts the embedded emulator when there is no `target`.
    public var emulator: (any EmulatorProvider)?
    /// `--compare NAME|URL|emulator`: every case is also sent to this second target and the two responses are
    /// compared (after normalisation); each case gets a `parity: <case>` result. `--target` is the first side.
    public var compare: String?
    /// `--parity-allow FILE`: known differences that do not fail. Nil: `parity-allow.yaml` in `workingDirectory`,
    /// when it exists.
    public var parityAllowPath: String?
    /// `--compare-ignore-header NAME`: headers not compared in any suite (added to each suite's `parity.ignoreHeaders`).
    public var compareIgnoreHeaders: [String] = []
    /// `--compare-header NAME`: headers of the default ignore list (`ParityComparison.infrastructureHeaders`) that
    /// are compared after all.
    public var compareHeaders: [String] = []
    /// The day allowlist expiry dates are checked against. Replaceable in tests.
    public var today: Date = Date()
    /// `gatecheck record`: store each case's response as its snapshot (snapshot assertions are not checked).
    public var record: SnapshotRecording?
    /// `--record-secrets`: snapshots keep a secret the server echoed (by default it is stored as `***`).
    public var recordSecrets = false
    /// `--allow-empty`: a `--filter`/`--tag` that selects no case exits 0 instead of `noCaseSelected` (5).
    public var allowEmpty = false
    /// `--html FILE`: also write the self-contained HTML report there (from the same results as the JUnit report).
    public var htmlPath: String?
    /// `--html-previous FILE`: an earlier HTML or JUnit report; the HTML report shows what changed since.
    public var htmlPreviousPath: String?
    /// `--coverage` / `--no-coverage`: report gateway coverage after the run, in `coverage.json`, the JUnit
    /// `<properties>` and the HTML report. Nil (the default): on against the embedded emulator, off against a
    /// deployed stage; true: also against a deployed stage (what responses show: declared method-response statuses).
    public var coverage: Bool?
    /// `--coverage-report FILE`; nil: `coverage.json` beside the JUnit report (none when no JUnit report is written).
    public var coveragePath: String?
    /// `--min-coverage PCT`: a run whose gateway coverage is below this percentage fails (exit 1).
    public var minCoverage: Double?
    /// `--check-definition`: every case that does not say `matchesDefinition: false` checks its response against what
    /// the API definition declares (see `ResponseContract`).
    public var checkDefinition = false
    /// `--api FILE`: the definition responses are checked against, instead of each suite's `api:` (e.g. the contract
    /// a deployed stage publishes, with `--target`).
    public var definitionPath: String?

    public init() {}
}

/// Writes to the process's standard streams without buffering surprises.
public enum StandardStreams {
    public static let writeOut: @Sendable (String) -> Void = { text in FileHandle.standardOutput.write(Data(text.utf8)) }
    public static let writeError: @Sendable (String) -> Void = { text in FileHandle.standardError.write(Data(text.utf8)) }
}

/// The library entry point behind `gatecheck run`, `validate` and `list`.
public struct GatecheckRunner: Sendable {
    public var configuration: RunConfiguration

    public init(configuration: RunConfiguration) { self.configuration = configuration }

    /// Loads every suite (exiting with status 2 before sending anything if one is invalid), runs them,
    /// prints the console report and writes the JUnit file. Cancelling the calling task interrupts the
    /// run: requests in flight are aborted, remaining cases are reported as skipped, the report is written.
    ///
    /// Two halves: `RunPlanner` resolves the configuration into a `RunPlan` (nothing is sent), `execute` runs it.
    public func run() async -> RunSummary {
        let clock = ContinuousClock()
        let start = clock.now
        // The report first: an unusable --junit is refused before anything is loaded or sent, and invalid input
        // is then reported in it too (one <error> case per invalid file), so CI publishers show why.
        let writer: JUnitReportWriter?
        do { writer = try Self.openReport(configuration) } catch {
            configuration.errorOutput("gatecheck: error: \(error.message)\n")
            return RunSummary(exitStatus: .invalidInput, suites: [], diagnostics: [], duration: clock.now - start, junitPath: nil)
        }
        var planner = RunPlanner(configuration: configuration)
        let plan: RunPlan
        do { plan = try planner.resolve() } catch {
            var summary = Self.refuse(error, configuration: planner.configuration, redactor: planner.redactor, writer: writer)
            summary.duration = clock.now - start
            return summary
        }
        return await Self.execute(plan, writer: writer, clock: clock, start: start)
    }

    /// Why the JUnit report cannot be written.
    struct ReportProblem: Error { var message: String }

    /// The JUnit report writer for `--junit` (nil: no report), refused when the path is a directory or unwritable.
    static func openReport(_ configuration: RunConfiguration) throws(ReportProblem) -> JUnitReportWriter? {
        guard let path = configuration.junitPath else { return nil }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ReportProblem(message: "--junit \(path) is a directory; give a file path such as \((path as NSString).appendingPathComponent("junit.xml"))")
        }
        do { return try JUnitReportWriter(path: path) } catch {
            throw ReportProblem(message: "cannot write the JUnit report: \(error)")
        }
    }

    /// A refused run (exit 2): the diagnostics on stderr, and in the JUnit report as one `<error>` case per invalid file.
    static func refuse(_ refusal: RunRefusal, configuration: RunConfiguration, redactor: Redactor, writer: JUnitReportWriter?) -> RunSummary {
        let text = redactor.redact(ConsoleReport.diagnostics(refusal.diagnostics) + (refusal.message.map { $0 + "\n" } ?? ""))
        configuration.errorOutput(text)
        var written: String?
        if let writer {
            do {
                try writer.write(InvalidInputReport.testSuite(diagnostics: refusal.diagnostics, message: refusal.message, redactor: redactor))
                try writer.finish()
                written = writer.path
            } catch {
                writer.abandon()
                configuration.errorOutput("gatecheck: error: cannot write the JUnit report: \(error)\n")
            }
        }
        return RunSummary(exitStatus: .invalidInput, suites: [], diagnostics: refusal.diagnostics, duration: .zero, junitPath: written)
    }

    /// Runs a resolved plan: schedules its suites (at most `jobs` at a time), reports each as it finishes (in file
    /// order), then finishes the reports and works out the exit status.
    static func execute(_ plan: RunPlan, writer: JUnitReportWriter?, clock: ContinuousClock, start: ContinuousClock.Instant) async -> RunSummary {
        let config = plan.configuration
        let startDate = Date()
        let client = makeClient(plan)
        defer { client.shutdown() }
        let console = ConsoleReport(style: config.style)
        var results: [SuiteResult] = []
        var htmlSuites: [SuiteReport] = []
        var reportError: String?
        let interruption = config.interruption ?? RunInterruption()
        await schedule(plan, client: client, interruption: interruption) { index, finished in
            var ready = finished
            if config.coverage != false, let recording = ready.coverage {
                ready.properties += GatewayCoverage([(suite: ready.name, recording: recording)]).junitProperties
            }
            config.output(console.suiteBlock(ready))
            if let writer, reportError == nil {
                do { try writer.write(JUnitMapping.testSuite(ready)) } catch { reportError = "\(error)" }
            }
            results.append(ready)
            if config.htmlPath != nil { htmlSuites.append(HTMLReportMapping.suite(ready, source: plan.suites[index])) }
        }

        var junitPath: String?
        if let writer {
            if reportError == nil {
                do { try writer.finish() } catch { reportError = "\(error)" }
            } else {
                writer.abandon()
            }
            if reportError == nil { junitPath = writer.path }
        }
        var summary = RunSummary(exitStatus: .passed, suites: results, diagnostics: plan.diagnostics,
                                 duration: clock.now - start, junitPath: junitPath)
        let interrupted = Task.isCancelled || interruption.isInterrupted
        summary.exitStatus = interrupted ? .interrupted : summary.failed + summary.errors > 0 ? .failed : .passed
        if plan.selectedCases == 0, plan.selection.filter != nil || !plan.selection.tags.isEmpty, !config.allowEmpty, !interrupted {
            var what: [String] = []
            if let filter = config.filter { what.append("--filter '\(filter)'") }
            if !config.tags.isEmpty { what.append("--tag " + config.tags.map { "'\($0)'" }.joined(separator: ", ")) }
            config.errorOutput("gatecheck: error: no case matched \(what.joined(separator: " and ")) (pass --allow-empty to accept an empty selection)\n")
            summary.exitStatus = .noCaseSelected
        }
        if let reportError {
            config.errorOutput("gatecheck: error: cannot write the JUnit report: \(reportError)\n")
            summary.exitStatus = .invalidInput
        }
        reportCoverage(results, configuration: config, into: &summary)
        writeHTMLReport(htmlSuites, plan: plan, started: startDate, into: &summary)
        if summary.exitStatus == .interrupted { config.errorOutput("gatecheck: interrupted; cases not run are reported as skipped\n") }
        config.output("\n" + console.summary(summary))
        return summary
    }

    /// One HTTP client for the whole run (both sides of a comparison): TLS, `resolve:` entries, body size cap.
    static func makeClient(_ plan: RunPlan) -> CurlHTTPClient {
        var resolveEntries = plan.target.resolve
        for entry in plan.parity?.target.resolve ?? [] where !resolveEntries.contains(entry) { resolveEntries.append(entry) }
        let config = plan.configuration
        return CurlHTTPClient(configuration: HTTPClientConfiguration(insecure: config.insecure, resolve: resolveEntries,
                                                                     caBundlePath: config.caBundlePath,
                                                                     userAgent: GatecheckVersion.userAgent,
                                                                     maxResponseBodyBytes: config.maxResponseBodyBytes))
    }

    /// Runs the plan's suites, at most `jobs` at a time, and hands each result to `emit` in file order whatever
    /// order they finish in. After an interruption, requests still in flight get the grace period, then the
    /// suites still running are cancelled.
    static func schedule(_ plan: RunPlan, client: CurlHTTPClient, interruption: RunInterruption,
                         emit: (Int, SuiteResult) -> Void) async {
        let suites = plan.suites
        let latch = plan.configuration.failFast ? FailFastLatch() : nil
        await withTaskGroup(of: SuiteEvent.self) { group in
            var next = 0
            func startNext() {
                guard next < suites.count else { return }
                let index = next
                let suite = suites[index]
                next += 1
                group.addTask {
                    .finished(index, await Self.runSuite(suite, configuration: plan.configuration, target: plan.target, client: client,
                                                    selection: plan.selection, latch: latch, interruption: interruption, parity: plan.parity))
                }
            }
            let grace = plan.configuration.interruptGracePeriod
            group.addTask {
                await interruption.waitUntilInterrupted()
                guard !Task.isCancelled else { return .graceOver }
                try? await Task.sleep(for: grace)
                return .graceOver
            }
            for _ in 0..<min(plan.configuration.jobs, suites.count) { startNext() }
            var pending: [Int: SuiteResult] = [:]
            var emitted = 0
            if suites.isEmpty { group.cancelAll() }
            while let event = await group.next() {
                guard case let .finished(index, result) = event else {
                    group.cancelAll()  // the grace period is over: abort what is still running
                    continue
                }
                startNext()
                pending[index] = result
                while let ready = pending.removeValue(forKey: emitted) {
                    emit(emitted, ready)
                    emitted += 1
                }
                if emitted == suites.count { group.cancelAll() }  // stops the grace watcher
            }
        }
    }

    /// Gateway coverage of the run: `coverage.json`, the summary's totals and `--min-coverage`.
    static func reportCoverage(_ results: [SuiteResult], configuration config: RunConfiguration, into summary: inout RunSummary) {
        if config.coverage != false {
            let recordings = results.compactMap { result in result.coverage.map { (suite: result.name, recording: $0) } }
            if !recordings.isEmpty {
                let coverage = GatewayCoverage(recordings).relativeFiles(to: config.workingDirectory)
                summary.coverage = coverage
                if let path = config.coveragePath ?? Self.defaultCoveragePath(junitPath: config.junitPath) {
                    do {
                        try CoverageReportFile.write(coverage, to: path)
                        summary.coveragePath = path
                    } catch {
                        config.errorOutput("gatecheck: error: cannot write the coverage report \(path): \(error)\n")
                        summary.exitStatus = .invalidInput
                    }
                }
            }
        }
        if let minimum = config.minCoverage, summary.exitStatus == .passed {
            if let percent = summary.coverage?.totals.percent {
                if percent < minimum {
                    config.errorOutput("gatecheck: gateway coverage \(GatewayCoverage.formatPercent(percent)) is below --min-coverage \(GatewayCoverage.formatPercent(minimum))\n")
                    summary.exitStatus = .failed
                }
            } else {
                config.errorOutput("gatecheck: --min-coverage \(GatewayCoverage.formatPercent(minimum)): no gateway coverage was recorded (it is recorded by the embedded emulator, for suites with an `api:`)\n")
                summary.exitStatus = .failed
            }
        }
    }

    /// `--html FILE`: the HTML report, from the same results as the JUnit report.
    static func writeHTMLReport(_ suites: [SuiteReport], plan: RunPlan, started: Date, into summary: inout RunSummary) {
        let config = plan.configuration
        guard let htmlPath = config.htmlPath else { return }
        var report = HTMLReportMapping.run(summary, suites: suites, usesEmulator: config.target == nil, started: started)
        report.coverage = summary.coverage.map(HTMLReportMapping.coverage)
        let comparison = plan.previousOutcomes.map { RunComparison(previous: $0, current: report, source: config.htmlPreviousPath ?? "") }
        do {
            try HTMLReportFile.write(report, comparison: comparison, to: htmlPath)
            summary.htmlPath = htmlPath
        } catch {
            config.errorOutput("gatecheck: error: \(error)\n")
            summary.exitStatus = .invalidInput
        }
    }

    /// `coverage.json` in the JUnit report's directory (nil when no JUnit report is written).
    static func defaultCoveragePath(junitPath: String?) -> String? {
        guard let junitPath else { return nil }
        return ((junitPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("coverage.json")
    }

    /// What the suite task group yields: a finished suite, or the end of the interruption grace period.
    enum SuiteEvent: Sendable {
        case finished(Int, SuiteResult)
        case graceOver
    }

    static func runSuite(_ suite: Suite, configuration: RunConfiguration, target: RunTarget, client: CurlHTTPClient,
                         selection: CaseSelection, latch: FailFastLatch?, interruption: RunInterruption,
                         parity: ParityRun? = nil) async -> SuiteResult {
        var result = await execute(suite, configuration: configuration, target: target, client: client, selection: selection,
                                   latch: latch, interruption: interruption, secrets: target.secrets + (parity?.target.secrets ?? []))
        var redactor = Redactor(secrets: target.secrets + (parity?.target.secrets ?? []) + result.learnedSecrets)
        if let parity {
            // The second side runs the same cases in the same order (its own captures); its assertions do not count.
            let other = await execute(suite, configuration: configuration, target: parity.target, client: client, selection: selection,
                                      latch: nil, interruption: interruption, secrets: target.secrets + parity.target.secrets)
            redactor = redactor.merging(other.learnedSecrets)
            // Responses are compared redacted: a diff cell or body excerpt never shows (part of) a secret.
            func redactingResponses(_ cases: [CaseResult]) -> [CaseResult] {
                cases.map { var copy = $0; copy.response = $0.response?.redacted(by: redactor); return copy }
            }
            result.cases = parity.interleave(suite: suite, left: redactingResponses(result.cases), right: redactingResponses(other.cases),
                                             redactor: redactor)
            result.learnedSecrets = redactor.secrets
            if result.cases.contains(where: { $0.name.hasPrefix(ParityRun.casePrefix) && ($0.isFailed || $0.isErrored) }) { latch?.trip() }
        }
        if let mode = configuration.record {
            let notes = Snapshots.record(result.cases, suite: suite, mode: mode, redactor: redactor, keepSecrets: configuration.recordSecrets)
            for index in result.cases.indices { result.cases[index].notes += notes[result.cases[index].name] ?? [] }
        }
        // The one redaction pass (see `RunRedaction`): nothing reads a result before this.
        return result.redacted(by: redactor)
    }

    /// Runs the suite's cases against one target (starting an emulator instance for it when the target has no profile).
    static func execute(_ suite: Suite, configuration: RunConfiguration, target unplacedTarget: RunTarget, client: CurlHTTPClient,
                        selection: CaseSelection, latch: FailFastLatch?, interruption: RunInterruption,
                        secrets: [String]) async -> SuiteResult {
        let redactor = Redactor(secrets: secrets)
        let shardID = SuiteIdentity.id(forFile: suite.file, workingDirectory: configuration.workingDirectory)
        let target: RunTarget
        switch unplacedTarget.placement(for: suite) {
        case let .run(placed): target = placed
        case let .skip(reason), let .refuse(reason):
            var result = SuiteResult(name: suite.name, file: suite.file, target: "no target for this suite", started: Date(), duration: .zero,
                                     cases: suite.cases.map { CaseResult(name: $0.name, outcome: .skipped(reason: reason), duration: .zero) })
            result.properties = unplacedTarget.reportProperties(for: suite, baseURL: "", shardID: shardID, redactor: redactor)
            return result
        }
        func notStarted(_ note: String, _ outcome: CaseResult.Outcome) -> SuiteResult {
            var result = SuiteResult(name: suite.name, file: suite.file, target: target.profile?.displayBaseURL ?? note, started: Date(),
                                     duration: .zero, cases: suite.cases.map { CaseResult(name: $0.name, outcome: outcome, duration: .zero) })
            result.properties = target.reportProperties(for: suite, baseURL: note, shardID: shardID, redactor: redactor)
            return result
        }
        if interruption.isInterrupted || Task.isCancelled {
            return notStarted("embedded emulator (not started)", .skipped(reason: "interrupted"))
        }
        var instance: (any EmulatorInstance)?
        var webSockets: RunningWebSocketEmulator?
        var webSocketBaseURL: String?
        let baseURL: String
        if target.profile == nil, let embedded = configuration.emulator as? EmbeddedEmulator, let template = suite.template,
           suite.cases.contains(where: { $0.webSocket != nil }) {
            // A template's WebSocket APIs serve the suite's `websocket:` cases: ws://127.0.0.1:PORT/{stage}.
            do {
                webSockets = try await embedded.startWebSockets(for: suite, templatePath: template)
            } catch {
                latch?.trip()
                let message = "the embedded WebSocket emulator could not start: \(error.message)"
                return notStarted("embedded emulator (not started)", .errored(message: redactor.redact(message), type: "EmulatorError"))
            }
            if let first = webSockets?.servers.first {
                let stage = first.api.stages.first { $0.name == suite.stage }?.name ?? first.api.stages.first?.name ?? "prod"
                webSocketBaseURL = "\(first.server.baseURL)/\(stage)"
            }
        }
        if let profile = target.profile {
            baseURL = profile.baseURL
        } else if let webSocketBaseURL, WebSocketEmulatorLauncher.servesOnlyWebSockets(templatePath: suite.template ?? "") {
            baseURL = webSocketBaseURL.replacingOccurrences(of: "ws://", with: "http://")
        } else if let emulator = configuration.emulator {
            do {
                let started = try await emulator.start(for: suite)
                instance = started
                baseURL = started.baseURL
            } catch {
                await webSockets?.stop()
                latch?.trip()
                let message = "the embedded emulator could not start: \(error.message)"
                return notStarted("embedded emulator (not started)", .errored(message: redactor.redact(message), type: "EmulatorError"))
            }
        } else {
            baseURL = "embedded emulator (unavailable)"
        }
        var executor = SuiteExecutor(suite: suite, baseURL: baseURL, client: client,
                                     commandLineVariables: configuration.variables, environment: configuration.environment,
                                     defaultTimeout: configuration.timeout ?? .seconds(30), selection: selection, failFast: latch,
                                     reliability: ExecutionReliability(configuration: configuration, interruption: interruption),
                                     targetHeaders: target.profile?.headers ?? HTTPHeaders(), authorizer: target.authorizer(for: suite),
                                     runSecrets: secrets, checksSnapshots: configuration.record == nil,
                                     transcribesPassingCases: configuration.verbose,
                                     webSocketTLS: WebSocketTLS(insecure: configuration.insecure, caBundlePath: configuration.caBundlePath))
        // A deployed stage's coverage is what its responses show, attributed to methods by the suite's definition.
        let deployedAPI = target.profile != nil && configuration.coverage == true
            ? (try? (configuration.emulator as? EmbeddedEmulator ?? EmbeddedEmulator()).spec(for: suite)).flatMap { try? EmulatorLauncher.loadAPI($0) } : nil
        if deployedAPI != nil { executor.observedExchanges = ObservedExchanges() }
        executor.webSocketBaseURL = webSocketBaseURL
        executor.checksDefinition = configuration.checkDefinition
        if configuration.checkDefinition || suite.cases.contains(where: { $0.matchesDefinition == true }) {
            switch ResponseContract.load(for: suite, definitionPath: configuration.definitionPath,
                                         emulator: configuration.emulator as? EmbeddedEmulator ?? EmbeddedEmulator()) {
            case let .success(contract): executor.responseContract = contract
            case let .failure(problem): executor.responseContractProblem = problem.message
            }
        }
        var result = await executor.run()
        await instance?.stop()
        await webSockets?.stop()
        if configuration.coverage != false { result.coverage = instance?.coverage }
        if let deployedAPI, let observed = executor.observedExchanges {
            result.coverage = .deployed(api: deployedAPI, observed: observed.relative(to: baseURL))
        }
        if let profile = target.profile { result.target = redactor.redact(profile.displayBaseURL) }
        result.properties = target.reportProperties(for: suite, baseURL: baseURL, shardID: shardID, redactor: redactor)
        return result
    }

    /// Why a `--target` value is unusable, or nil.
    public static func targetProblem(_ target: String) -> String? {
        guard let components = URLComponents(string: target), let scheme = components.scheme?.lowercased() else {
            return "not a URL (expected e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod)"
        }
        guard scheme == "http" || scheme == "https" else { return "the scheme must be http or https, not '\(scheme)'" }
        guard let host = components.host, !host.isEmpty else { return "the URL has no host" }
        if let port = components.port, !(1...65535).contains(port) { return "the port \(port) is not between 1 and 65535" }
        if components.query != nil || components.fragment != nil { return "the base URL must not have a query or fragment" }
        return nil
    }

    // MARK: validate and list

    /// `gatecheck validate`: loads and checks suites without running anything. Exit status 0 or 2.
    /// With an `emulator`, the API definitions and backends of suites that have `api:` are checked too.
    public static func validate(paths: [String], variables: [String: String] = [:],
                                environment: [String: String] = ProcessInfo.processInfo.environment,
                                emulator: (any EmulatorProvider)? = nil,
                                output: @Sendable (String) -> Void = StandardStreams.writeOut,
                                errorOutput: @Sendable (String) -> Void = StandardStreams.writeError) -> RunSummary.ExitStatus {
        // Files named on their own that are API definitions or backends files are checked as such.
        var suitePaths: [String] = []
        var diagnostics: [Diagnostic] = []
        var definitions: [(path: String, check: DefinitionCheck)] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if let emulator, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               case let .success(text) = YAMLSource.readText(path: path), SuiteLoader.isNotASuite(text, file: path),
               let found = emulator.checkDefinition(path: path, text: text) {
                diagnostics += found.diagnostics
                definitions.append((path, found))
                continue
            }
            suitePaths.append(path)
        }
        let loaded = suitePaths.isEmpty
            ? LoadResult(suites: [], diagnostics: [])
            : SuiteLoader.load(paths: suitePaths, options: LoadOptions(variables: variables, environment: environment))
        diagnostics += loaded.diagnostics
        if let emulator, !loaded.hasErrors {
            for suite in loaded.suites where suite.api != nil || suite.template != nil { diagnostics += emulator.check(suite) }
        }
        errorOutput(ConsoleReport.diagnostics(diagnostics))
        let errorCount = diagnostics.filter { $0.severity == .error }.count
        if errorCount > 0 {
            // Say what was checked: the suites, and each definition file with what it was read as.
            func errors(_ items: [Diagnostic]) -> Int { items.filter { $0.severity == .error }.count }
            func count(_ n: Int) -> String { "\(n) error\(n == 1 ? "" : "s")" }
            var places: [String] = []
            let definitionErrors = definitions.map { (path: $0.path, kind: $0.check.kind, errors: errors($0.check.diagnostics)) }.filter { $0.errors > 0 }
            let suiteErrors = errorCount - definitionErrors.reduce(0) { $0 + $1.errors }
            if suiteErrors > 0 { places.append((definitionErrors.isEmpty ? "" : "\(count(suiteErrors)) ") + "in the suites") }
            for item in definitionErrors {
                places.append((definitionErrors.count == 1 && suiteErrors == 0 ? "" : "\(count(item.errors)) ") + "in \(item.path) (checked as \(item.kind))")
            }
            errorOutput("gatecheck: \(count(errorCount)) " + places.joined(separator: ", ") + "\n")
            return .invalidInput
        }
        for (path, check) in definitions {
            let warnings = check.diagnostics.filter { $0.severity == .warning }.count
            output("\(path): \(check.summary)" + (warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s") above)" : "") + "\n")
        }
        if loaded.suites.isEmpty && definitions.isEmpty {
            errorOutput("gatecheck: error: no suites found in \(paths.joined(separator: ", "))\n")
            return .invalidInput
        }
        let cases = loaded.suites.reduce(0) { $0 + $1.cases.count }
        var parts: [String] = []
        if !loaded.suites.isEmpty || definitions.isEmpty {
            parts.append("\(loaded.suites.count) suite\(loaded.suites.count == 1 ? "" : "s"), \(cases) case\(cases == 1 ? "" : "s")")
        }
        if !definitions.isEmpty { parts.append("\(definitions.count) definition file\(definitions.count == 1 ? "" : "s")") }
        output(parts.joined(separator: ", ") + ": valid\n")
        return .passed
    }

    /// `gatecheck list`: every suite and case with its tags. Exit status 0 or 2.
    public static func list(paths: [String], variables: [String: String] = [:],
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            output: @Sendable (String) -> Void = StandardStreams.writeOut,
                            errorOutput: @Sendable (String) -> Void = StandardStreams.writeError) -> RunSummary.ExitStatus {
        let loaded = SuiteLoader.load(paths: paths, options: LoadOptions(variables: variables, environment: environment))
        errorOutput(ConsoleReport.diagnostics(loaded.diagnostics))
        if loaded.hasErrors { return .invalidInput }
        var lines: [String] = []
        for suite in loaded.suites {
            lines.append("\(suite.name) (\(suite.file))" + (suite.tags.isEmpty ? "" : "  [\(suite.tags.joined(separator: ", "))]"))
            for testCase in suite.cases {
                let tags = suite.effectiveTags(of: testCase)
                var line = "  \(suite.name)/\(testCase.name)"
                if !tags.isEmpty { line += "  [\(tags.joined(separator: ", "))]" }
                if let reason = testCase.skipReason { line += "  (skip: \(reason))" }
                lines.append(line)
            }
        }
        output(lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n"))
        return .passed
    }
}
