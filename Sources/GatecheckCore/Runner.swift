import CurlHTTP
import Foundation
import JUnit
import SourceDiagnostics

/// Everything `gatecheck run` was asked to do.
public struct RunConfiguration: Sendable {
    /// Suite files and directories (searched recursively for `*.yaml`/`*.yml`).
    public var paths: [String] = ["suites"]
    /// Base URL every suite runs against (a stage prefix such as `/prod` is kept). Nil: the embedded emulator.
    public var target: String?
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
    /// Per-request timeout for cases that set none (neither in the case nor in the suite's defaults).
    public var timeout: Duration = .seconds(30)
    /// Skip TLS verification.
    public var insecure = false
    /// A PEM file of CA certificates to trust instead of the system store (`--cacert`).
    public var caBundlePath: String?
    /// `--retries`: extra attempts for cases that set none (transport failures and 502/503/504 only).
    public var retries = 0
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
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var style = ConsoleStyle(enabled: false)
    /// Where the human-readable report goes (stdout by default).
    public var output: @Sendable (String) -> Void = StandardStreams.writeOut
    /// Where diagnostics and usage problems go (stderr by default).
    public var errorOutput: @Sendable (String) -> Void = StandardStreams.writeError
    /// Starts the embedded emulator when there is no `target`.
    public var emulator: (any EmulatorProvider)?

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
    public func run() async -> RunSummary {
        let clock = ContinuousClock()
        let start = clock.now
        let config = configuration
        func invalid(_ diagnostics: [Diagnostic], _ message: String? = nil) -> RunSummary {
            config.errorOutput(ConsoleReport.diagnostics(diagnostics) + (message.map { $0 + "\n" } ?? ""))
            return RunSummary(exitStatus: .invalidInput, suites: [], diagnostics: diagnostics, duration: clock.now - start, junitPath: nil)
        }

        // Command-line input first: nothing is loaded or sent when it is wrong.
        var selection = CaseSelection(tags: config.tags)
        if let filter = config.filter {
            do { selection.filter = try Pattern(filter) } catch {
                return invalid([], "gatecheck: error: invalid --filter: \(error)")
            }
        }
        guard config.jobs >= 1 else { return invalid([], "gatecheck: error: --jobs must be at least 1") }
        if let target = config.target, let problem = Self.targetProblem(target) {
            return invalid([], "gatecheck: error: invalid --target '\(target)': \(problem)")
        }

        let loaded = SuiteLoader.load(paths: config.paths,
                                      options: LoadOptions(variables: config.variables, environment: config.environment,
                                                           requireAPI: config.target == nil))
        var diagnostics = loaded.diagnostics
        if config.target == nil, !loaded.hasErrors {
            if let emulator = config.emulator {
                for suite in loaded.suites { diagnostics += emulator.check(suite) }
            } else {
                for suite in loaded.suites {
                    diagnostics.append(Diagnostic(file: suite.file, message: "the embedded emulator is not available in this build: pass --target URL"))
                }
            }
        }
        let errorCount = diagnostics.filter { $0.severity == .error }.count
        if errorCount > 0 {
            return invalid(diagnostics, "gatecheck: \(errorCount) error\(errorCount == 1 ? "" : "s") in the suites; nothing was run")
        }
        if !diagnostics.isEmpty { config.errorOutput(ConsoleReport.diagnostics(diagnostics)) }
        if loaded.suites.isEmpty {
            return invalid(diagnostics, "gatecheck: error: no suites found in \(config.paths.joined(separator: ", "))")
        }

        var writer: JUnitReportWriter?
        if let path = config.junitPath {
            do { writer = try JUnitReportWriter(path: path) } catch {
                return invalid(diagnostics, "gatecheck: error: cannot write the JUnit report: \(error)")
            }
        }

        let chosen = selection
        let client = CurlHTTPClient(configuration: HTTPClientConfiguration(insecure: config.insecure, caBundlePath: config.caBundlePath))
        defer { client.shutdown() }
        let latch = config.failFast ? FailFastLatch() : nil
        let console = ConsoleReport(style: config.style)
        var results: [SuiteResult] = []
        var reportError: String?

        let interruption = config.interruption ?? RunInterruption()
        await withTaskGroup(of: SuiteEvent.self) { group in
            var next = 0
            func startNext() {
                guard next < loaded.suites.count else { return }
                let index = next
                let suite = loaded.suites[index]
                next += 1
                group.addTask {
                    .finished(index, await Self.runSuite(suite, configuration: config, client: client, selection: chosen,
                                                         latch: latch, interruption: interruption))
                }
            }
            // After an interruption, requests still in flight get a grace period, then the suites are cancelled.
            let grace = config.interruptGracePeriod
            group.addTask {
                await interruption.waitUntilInterrupted()
                guard !Task.isCancelled else { return .graceOver }
                try? await Task.sleep(for: grace)
                return .graceOver
            }
            for _ in 0..<min(config.jobs, loaded.suites.count) { startNext() }
            // Reports are emitted in file order whatever order suites finish in.
            var pending: [Int: SuiteResult] = [:]
            var emitted = 0
            if loaded.suites.isEmpty { group.cancelAll() }
            while let event = await group.next() {
                guard case let .finished(index, result) = event else {
                    group.cancelAll()  // the grace period is over: abort what is still running
                    continue
                }
                startNext()
                pending[index] = result
                while let ready = pending.removeValue(forKey: emitted) {
                    config.output(console.suiteBlock(ready))
                    if let writer, reportError == nil {
                        do { try writer.write(JUnitMapping.testSuite(ready)) } catch { reportError = "\(error)" }
                    }
                    results.append(ready)
                    emitted += 1
                }
                if emitted == loaded.suites.count { group.cancelAll() }  // stops the grace watcher
            }
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
        var summary = RunSummary(exitStatus: .passed, suites: results, diagnostics: diagnostics,
                                 duration: clock.now - start, junitPath: junitPath)
        let interrupted = Task.isCancelled || interruption.isInterrupted
        summary.exitStatus = interrupted ? .interrupted : summary.failed + summary.errors > 0 ? .failed : .passed
        if let reportError {
            config.errorOutput("gatecheck: error: cannot write the JUnit report: \(reportError)\n")
            summary.exitStatus = .invalidInput
        }
        if summary.exitStatus == .interrupted { config.errorOutput("gatecheck: interrupted; cases not run are reported as skipped\n") }
        config.output("\n" + console.summary(summary))
        return summary
    }

    /// What the suite task group yields: a finished suite, or the end of the interruption grace period.
    enum SuiteEvent: Sendable {
        case finished(Int, SuiteResult)
        case graceOver
    }

    static func runSuite(_ suite: Suite, configuration: RunConfiguration, client: CurlHTTPClient,
                         selection: CaseSelection, latch: FailFastLatch?, interruption: RunInterruption) async -> SuiteResult {
        if interruption.isInterrupted || Task.isCancelled {
            return SuiteResult(name: suite.name, file: suite.file, target: configuration.target ?? "embedded emulator (not started)",
                               started: Date(), duration: .zero,
                               cases: suite.cases.map { CaseResult(name: $0.name, outcome: .skipped(reason: "interrupted"), duration: .zero) })
        }
        var instance: (any EmulatorInstance)?
        let baseURL: String
        if let target = configuration.target {
            baseURL = target
        } else if let emulator = configuration.emulator {
            do {
                let started = try await emulator.start(for: suite)
                instance = started
                baseURL = started.baseURL
            } catch {
                latch?.trip()
                let message = "the embedded emulator could not start: \(error.message)"
                return SuiteResult(name: suite.name, file: suite.file, target: "embedded emulator (not started)", started: Date(),
                                   duration: .zero,
                                   cases: suite.cases.map { CaseResult(name: $0.name, outcome: .errored(message: message, type: "EmulatorError"), duration: .zero) })
            }
        } else {
            baseURL = "embedded emulator (unavailable)"
        }
        let executor = SuiteExecutor(suite: suite, baseURL: baseURL, client: client,
                                     commandLineVariables: configuration.variables, environment: configuration.environment,
                                     defaultTimeout: configuration.timeout, selection: selection, failFast: latch,
                                     reliability: ExecutionReliability(configuration: configuration, interruption: interruption))
        let result = await executor.run()
        await instance?.stop()
        return result
    }

    /// Why a `--target` value is unusable, or nil.
    public static func targetProblem(_ target: String) -> String? {
        guard let components = URLComponents(string: target), let scheme = components.scheme?.lowercased() else {
            return "not a URL (expected e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod)"
        }
        guard scheme == "http" || scheme == "https" else { return "the scheme must be http or https, not '\(scheme)'" }
        guard let host = components.host, !host.isEmpty else { return "the URL has no host" }
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
        var definitions = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            if let emulator, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               case let .success(text) = YAMLSource.readText(path: path), SuiteLoader.isNotASuite(text, file: path),
               let found = emulator.checkDefinition(path: path, text: text) {
                diagnostics += found
                definitions += 1
                continue
            }
            suitePaths.append(path)
        }
        let loaded = suitePaths.isEmpty
            ? LoadResult(suites: [], diagnostics: [])
            : SuiteLoader.load(paths: suitePaths, options: LoadOptions(variables: variables, environment: environment))
        diagnostics += loaded.diagnostics
        if let emulator, !loaded.hasErrors {
            for suite in loaded.suites where suite.api != nil { diagnostics += emulator.check(suite) }
        }
        errorOutput(ConsoleReport.diagnostics(diagnostics))
        let errorCount = diagnostics.filter { $0.severity == .error }.count
        if errorCount > 0 {
            errorOutput("gatecheck: \(errorCount) error\(errorCount == 1 ? "" : "s") in the suites\n")
            return .invalidInput
        }
        if loaded.suites.isEmpty && definitions == 0 {
            errorOutput("gatecheck: error: no suites found in \(paths.joined(separator: ", "))\n")
            return .invalidInput
        }
        let cases = loaded.suites.reduce(0) { $0 + $1.cases.count }
        var parts: [String] = []
        if !loaded.suites.isEmpty || definitions == 0 {
            parts.append("\(loaded.suites.count) suite\(loaded.suites.count == 1 ? "" : "s"), \(cases) case\(cases == 1 ? "" : "s")")
        }
        if definitions > 0 { parts.append("\(definitions) definition file\(definitions == 1 ? "" : "s")") }
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
