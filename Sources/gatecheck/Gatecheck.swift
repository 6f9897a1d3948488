import ArgumentParser
import Dispatch
import Foundation
import Lint
import GatecheckCore
import Stages
import Synchronization

/// `gatecheck`: a thin layer over GatecheckCore. It parses arguments, calls the library, and maps
/// the outcome to the documented exit codes: 0 all passed, 1 a case failed or errored, 2 invalid input.
struct Gatecheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatecheck",
        abstract: "Contract and conformance tests for Amazon API Gateway APIs, from declarative YAML suites.",
        discussion: """
        Exit codes: 0 every case passed (or was skipped), 1 a case failed or errored, 2 invalid input \
        (usage, suites, target), 5 --filter/--tag selected no case (unless --allow-empty), 130 interrupted by SIGINT, \
        143 terminated by SIGTERM.
        """,
        version: GatecheckVersion.string,
        subcommands: [Run.self, Record.self, Validate.self, LintCommand.self, List.self, Init.self, Emulate.self, MergeReports.self],
        defaultSubcommand: nil
    )

    /// Without a subcommand: the help, on stderr, as a usage error (exit 2).
    func run() async throws {
        FileHandle.standardError.write(Data((Gatecheck.helpMessage() + "\n").utf8))
        throw ExitCode(2)
    }
}

/// Options shared by the commands that read suites.
struct VariableOptions: ParsableArguments {
    @Option(name: .customLong("var"), help: ArgumentHelp("Define a variable, overriding the suite's vars and captures (repeatable).", valueName: "name=value"))
    var variables: [String] = []

    func parsed() throws -> [String: String] {
        var result: [String: String] = [:]
        for item in variables {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--var expects name=value, got '\(item)'")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }
}

/// `--html` and `--html-previous` (run and merge-reports).
/// `--parameter KEY=VALUE`: values for the API definition's CloudFormation references (run, record, validate).
struct ImportParameterOptions: ParsableArguments {
    @Option(name: .customLong("parameter"),
            help: ArgumentHelp("A value for the API definition's CloudFormation references: Ref, ${X} in Fn::Sub, X.Attr for Fn::GetAtt, an export for Fn::ImportValue, a condition as true/false; wins over a suite's parameters (repeatable).", valueName: "key=value"))
    var parameters: [String] = []

    static func parse(_ items: [String]) throws -> [String: String] {
        do { return try EmulatorSpec.parseParameters(items) } catch { throw ValidationError(error.message) }
    }

    /// The embedded emulator, with these parameters.
    func emulator() throws -> EmbeddedEmulator { EmbeddedEmulator(importParameters: try Self.parse(parameters)) }
}

struct HTMLReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also write a self-contained HTML report (no network needed to view it), e.g. reports/report.html.", valueName: "file"))
    var html: String?

    @Option(name: .customLong("html-previous"), help: ArgumentHelp("An earlier HTML or JUnit report: the HTML report shows what is newly failing, fixed and still failing since.", valueName: "file"))
    var htmlPrevious: String?

    func validate() throws {
        if htmlPrevious != nil, html == nil { throw ValidationError("--html-previous needs --html FILE") }
        if let htmlPrevious, !FileManager.default.isReadableFile(atPath: htmlPrevious) {
            throw ValidationError("--html-previous: cannot read '\(htmlPrevious)'")
        }
    }
}

/// What `run` and `record` share: which suites, against which target, and how requests are sent.
struct SharedRunOptions: ParsableArguments {
    @Argument(help: "Suite files or directories (searched recursively for *.yaml and *.yml).")
    var paths: [String] = ["suites"]

    @Option(help: ArgumentHelp("A target profile of gatecheck.yaml (e.g. staging), or a base URL such as https://abc.execute-api.eu-west-1.amazonaws.com/prod. Without it (or with 'emulator'), suites run against the embedded emulator.", valueName: "name|url|emulator"))
    var target: String?

    @Option(help: ArgumentHelp("The target profiles file.", valueName: "file"))
    var profiles: String = TargetSelection.defaultProfilesPath

    @Flag(help: "Refuse to run (exit 2) when a suite's API has no stage in the target profile's 'apis:' (without this flag it is skipped), or when one --target URL would get suites of several APIs (otherwise a warning).")
    var strictTargets = false

    @Option(help: ArgumentHelp("Where to write the JUnit XML report.", valueName: "file"))
    var junit = "reports/junit.xml"

    @Option(help: ArgumentHelp("Run only cases whose 'suite/case' name matches this regular expression.", valueName: "regex"))
    var filter: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("Run only cases with this tag (repeatable; suite tags count).", valueName: "tag"))
    var tags: [String] = []

    @OptionGroup var variableOptions: VariableOptions

    @OptionGroup var importParameters: ImportParameterOptions

    @Option(help: ArgumentHelp("Request timeout for cases that set none, e.g. 5s, 500ms or 5 (seconds); default: the target profile's, else 30s.", valueName: "duration"))
    var timeout: String?

    @Flag(help: "Exit 0 when --filter or --tag selects no case (by default that exits 5, so a CI gate cannot pass with no test).")
    var allowEmpty = false

    @Flag(help: "Treat every warning about a suite's API definition as an error (like API Gateway import's failOnWarnings=true).")
    var failOnWarnings = false

    @Flag(help: "Sign every request with AWS SigV4 (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws), unless the target profile has its own auth.")
    var sigv4 = false

    @Flag(help: "Do not verify TLS certificates.")
    var insecure = false

    @Flag(name: [.customShort("v"), .long], help: "Print the request and response of passing cases too (failed ones are always shown); the JUnit report keeps them in <system-out>.")
    var verbose = false

    @Option(help: ArgumentHelp("Trust the CA certificates in this PEM file instead of the system store.", valueName: "file"))
    var cacert: String?

    @Option(name: .customLong("max-body-size"), help: ArgumentHelp("Keep at most this much of each response body, e.g. 512K, 10MB, 1GiB (binary units; default 10MB). The rest is counted and hashed; body assertions on a longer body fail as not checked.", valueName: "size"))
    var maxBodySize: String?

    func validate() throws {
        if junit.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--junit needs a file path, e.g. --junit reports/junit.xml")
        }
        if let empty = tags.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--tag '\(empty)': a tag cannot be empty")
        }
        if let timeout {
            guard let parsed = DurationText.parse(timeout), parsed > .zero else {
                throw ValidationError("--timeout: invalid duration '\(timeout)' (write e.g. 5s, 500ms or 5)")
            }
        }
        if let maxBodySize, ByteSize.parse(maxBodySize) == nil {
            throw ValidationError("--max-body-size: '\(maxBodySize)' is not a size; expected a positive number of bytes, optionally with K, M or G (e.g. 512K, 10MB)")
        }
        if let cacert, !FileManager.default.isReadableFile(atPath: cacert) {
            throw ValidationError("--cacert: cannot read '\(cacert)'")
        }
        _ = try variableOptions.parsed()
    }

    /// A run configuration with these options, the console style and the embedded emulator applied.
    func configuration() throws -> RunConfiguration {
        var configuration = RunConfiguration()
        configuration.paths = paths
        configuration.target = target
        configuration.profilesPath = profiles
        configuration.strictTargets = strictTargets
        configuration.junitPath = junit
        configuration.filter = filter
        configuration.tags = tags
        configuration.variables = try variableOptions.parsed()
        configuration.timeout = timeout.flatMap(DurationText.parse)
        configuration.allowEmpty = allowEmpty
        configuration.sigv4 = sigv4
        configuration.insecure = insecure
        configuration.verbose = verbose
        configuration.caBundlePath = cacert
        if let maxBodySize { configuration.maxResponseBodyBytes = ByteSize.parse(maxBodySize) }
        configuration.style = ConsoleStyle.detect()
        var emulator = try importParameters.emulator()
        emulator.failOnWarnings = failOnWarnings
        configuration.emulator = emulator
        return configuration
    }
}

extension Gatecheck {
    /// Runs with Ctrl-C/SIGTERM handling and exits with the documented code
    /// (130 for SIGINT and 143 for SIGTERM, as shells report them).
    static func execute(_ configuration: RunConfiguration) async throws -> Never {
        var configuration = configuration
        let interruption = RunInterruption()
        configuration.interruption = interruption
        let handler = Interruption.install(junitPath: configuration.junitPath ?? "reports/junit.xml") { interruption.interrupt() }
        let summary = await GatecheckRunner(configuration: configuration).run()
        handler.cancel()
        if summary.exitStatus == .interrupted, let signal = handler.firstSignal { throw ExitCode(128 + signal) }
        throw ExitCode(summary.exitCode)
    }
}

extension Gatecheck {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run suites and write a JUnit report.")

        @OptionGroup var shared: SharedRunOptions

        @Option(help: ArgumentHelp("A second target (profile name, URL, or 'emulator'): every case also runs there, and each difference in status, headers or body fails a 'parity: <case>' test case.", valueName: "name|url|emulator"))
        var compare: String?

        @Option(name: .customLong("compare-ignore-header"), help: ArgumentHelp("With --compare: do not compare this header in any suite (repeatable; added to each suite's parity.ignoreHeaders).", valueName: "name"))
        var compareIgnoreHeaders: [String] = []

        @Option(name: .customLong("compare-header"), help: ArgumentHelp("With --compare: compare this header although it is on the default ignore list of infrastructure headers (Date, Server, Via, request ids, ...; repeatable).", valueName: "name"))
        var compareHeaders: [String] = []

        @Option(name: .customLong("parity-allow"), help: ArgumentHelp("Known differences that do not fail --compare (default: parity-allow.yaml, if present).", valueName: "file"))
        var parityAllow: String?

        @Option(name: .customLong("resolve"), help: ArgumentHelp("Connect requests for host:port to this address instead of resolving the host (curl's --resolve; repeatable).", valueName: "host:port:addr"))
        var resolveEntries: [String] = []

        @Option(help: ArgumentHelp("Run only the K-th of N parts of the suites (1-based), e.g. 2/4 in the second of four CI jobs.", valueName: "K/N"))
        var shard: String?

        @Option(help: ArgumentHelp("A JUnit report of an earlier run: balance the shards by its suite durations.", valueName: "file"))
        var shardTimings: String?

        @Option(name: .customLong("property"), help: ArgumentHelp("Add a property to every suite of the JUnit report, e.g. git.sha=$GITHUB_SHA (repeatable).", valueName: "name=value"))
        var properties: [String] = []

        @Option(help: ArgumentHelp("Suites run at the same time (default: one per core).", valueName: "n"))
        var jobs: Int?

        @Option(help: ArgumentHelp("Send a request again up to N times after a transport failure or a 502/503/504 (idempotent methods only; cases may override; default: the target profile's, else 0).", valueName: "n"))
        var retries: Int?

        @Option(help: ArgumentHelp("First retry delay (doubled for each further retry, with jitter), e.g. 200ms or 1s.", valueName: "duration"))
        var retryBackoff: String = "200ms"

        @Option(help: ArgumentHelp("Longest wait a Retry-After header can impose before a retry.", valueName: "seconds"))
        var maxRetryAfter: Double = 30

        @Option(help: ArgumentHelp("After Ctrl-C or SIGTERM, how long requests in flight may still take before they are aborted.", valueName: "seconds"))
        var gracePeriod: Double = 3

        @Flag(help: "Skip every remaining case after the first failure or error.")
        var failFast = false

        @OptionGroup var html: HTMLReportOptions

        @Flag(inversion: .prefixedNo, help: ArgumentHelp("Report gateway coverage after the run: the methods, integration responses, method responses and customised gateway responses the suites exercised (default: on against the embedded emulator; with --target, what responses show; see docs/coverage.md)."))
        var coverage: Bool?

        @Option(name: .customLong("coverage-report"), help: ArgumentHelp("Where to write coverage.json (default: beside the JUnit report).", valueName: "file"))
        var coverageReport: String?

        @Option(name: .customLong("min-coverage"), help: ArgumentHelp("Fail the run (exit 1) when gateway coverage is below this percentage, e.g. 90.", valueName: "pct"))
        var minCoverage: Double?

        @Flag(name: .customLong("check-definition"), help: "Check every response against what the API definition declares for its method: a declared status, the declared headers, a body valid against the response model (cases may opt out with 'matchesDefinition: false'; see docs/suite-format.md).")
        var checkDefinition = false

        @Option(name: .customLong("api"), help: ArgumentHelp("The API definition responses are checked against (matchesDefinition, --check-definition) instead of each suite's 'api:', e.g. the contract a --target stage publishes.", valueName: "file"))
        var definitionPath: String?

        func validate() throws {
            if let minCoverage {
                guard minCoverage.isFinite, (0...100).contains(minCoverage) else { throw ValidationError("--min-coverage must be a percentage between 0 and 100") }
                guard coverage != false else { throw ValidationError("--min-coverage needs coverage: drop --no-coverage") }
            }
            if let definitionPath, !FileManager.default.fileExists(atPath: definitionPath) {
                throw ValidationError("--api: no such file '\(definitionPath)'")
            }
            if coverageReport != nil, coverage == false { throw ValidationError("--coverage-report needs coverage: drop --no-coverage") }
            if let jobs, jobs < 1 { throw ValidationError(NumericOption.jobs.message(got: "\(jobs)")) }
            if let retries, !(0...10).contains(retries) { throw ValidationError(NumericOption.retries.message(got: "\(retries)")) }
            if let shard {
                do { _ = try ShardSpec.parse(shard) } catch { throw ValidationError("--shard: \(error)") }
            }
            if shardTimings != nil, shard == nil { throw ValidationError("--shard-timings needs --shard K/N") }
            if parityAllow != nil, compare == nil { throw ValidationError("--parity-allow needs --compare") }
            if !compareIgnoreHeaders.isEmpty, compare == nil { throw ValidationError("--compare-ignore-header needs --compare") }
            if !compareHeaders.isEmpty, compare == nil { throw ValidationError("--compare-header needs --compare") }
            for name in compareIgnoreHeaders + compareHeaders where name.isEmpty || name.contains(where: { $0 == ":" || $0.isWhitespace }) {
                throw ValidationError("'\(name)' is not a header name (write e.g. --compare-ignore-header X-Powered-By)")
            }
            for entry in resolveEntries {
                if case let .failure(error) = ResolveEntry.parse(entry) { throw ValidationError("--resolve: \(error)") }
            }
            _ = try parsedProperties()
            guard DurationText.parse(retryBackoff) != nil else { throw ValidationError("--retry-backoff: invalid duration '\(retryBackoff)' (write e.g. 200ms or 1s)") }
            guard maxRetryAfter >= 0, maxRetryAfter.isFinite else { throw ValidationError(NumericOption.maxRetryAfter.message(got: "\(maxRetryAfter)")) }
            guard gracePeriod >= 0, gracePeriod.isFinite else { throw ValidationError(NumericOption.gracePeriod.message(got: "\(gracePeriod)")) }
        }

        func run() async throws {
            var configuration = try shared.configuration()
            configuration.compare = compare
            configuration.parityAllowPath = parityAllow
            configuration.compareIgnoreHeaders = compareIgnoreHeaders
            configuration.compareHeaders = compareHeaders
            if let jobs { configuration.jobs = jobs }
            configuration.resolve = resolveEntries
            configuration.shard = try shard.map { text throws in try ShardSpec.parse(text) }
            configuration.shardTimingsPath = shardTimings
            configuration.properties = try parsedProperties()
            configuration.retries = retries
            configuration.retryBackoff = DurationText.parse(retryBackoff) ?? .milliseconds(200)
            configuration.maxRetryAfter = .milliseconds(Int64((maxRetryAfter * 1000).rounded()))
            configuration.interruptGracePeriod = .milliseconds(Int64((gracePeriod * 1000).rounded()))
            configuration.failFast = failFast
            configuration.htmlPath = html.html
            configuration.htmlPreviousPath = html.htmlPrevious
            configuration.coverage = coverage
            configuration.coveragePath = coverageReport
            configuration.minCoverage = minCoverage
            configuration.checkDefinition = checkDefinition
            configuration.definitionPath = definitionPath
            try await Gatecheck.execute(configuration)
        }

        func parsedProperties() throws -> [NamedValue] {
            try properties.map { argument in
                do {
                    let (name, value) = try ReportProperty.parse(argument)
                    return NamedValue(name: name, value: value)
                } catch {
                    throw ValidationError("\(error)")
                }
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run suites and store what each case received as its snapshot (SUITE.snapshots/CASE.yaml next to the suite).",
            discussion: "A snapshot that already exists is compared first: how it changes is printed before it is overwritten. With --dry-run nothing is written. Cases assert `snapshot: true` against these files on any target.")

        @OptionGroup var shared: SharedRunOptions

        @Flag(help: "Print what would change, write no snapshot.")
        var dryRun = false

        @Flag(help: "Store a secret the server echoes in the snapshot as is (by default it is replaced by *** with a warning).")
        var recordSecrets = false

        func run() async throws {
            var configuration = try shared.configuration()
            configuration.record = dryRun ? .dryRun : .write
            configuration.recordSecrets = recordSecrets
            try await Gatecheck.execute(configuration)
        }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a first suite from an API definition or a SAM/CloudFormation template: a case per method and per declared integration response, asserting what the embedded emulator answers (exit 0, or 2 when the definition does not load or a file exists).",
            discussion: "Every assumption init could not check against the definition is marked with a '# guess:' comment. With --api and without --backends, scripted stand-ins for the API's Lambda functions and HTTP hosts are written beside the suite (NAME.backends.yaml). With --template, the suite names the template (`template:`) and its functions run as the template declares them. See docs/cli.md (init).")

        @Option(help: ArgumentHelp("The API definition (OpenAPI 3 / Swagger 2.0 with x-amazon-apigateway-*).", valueName: "file"))
        var api: String?

        @Option(help: ArgumentHelp("A SAM or CloudFormation template (CDK's synthesized output too): the suite is written for one of its REST/HTTP APIs and runs its functions.", valueName: "file"))
        var template: String?

        @Option(name: .customLong("api-resource"), help: ArgumentHelp("With --template: the logical id of the API to write a suite for (needed when the template has several).", valueName: "id"))
        var apiResource: String?

        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The suite file to write (default: suites/NAME.yaml, NAME the definition's file name, or with --template the API's logical id).", valueName: "file"))
        var output: String?

        @Option(help: ArgumentHelp("An existing backends file for the suite (default with --api: scripted stand-ins written beside it; with --template: the template's functions; a file given overrides them).", valueName: "file"))
        var backends: String?

        @Option(help: ArgumentHelp("The REST API stage the suite names (default: the emulator's, or the template's stage).", valueName: "name"))
        var stage: String?

        @Flag(help: "Overwrite the suite (and its stand-in backends file) when they exist.")
        var force = false

        @OptionGroup var importParameters: ImportParameterOptions

        func validate() throws {
            switch (api, template) {
            case (nil, nil): throw ValidationError("give the API: --api FILE (an OpenAPI / Swagger definition) or --template FILE (SAM / CloudFormation)")
            case (.some, .some): throw ValidationError("--api and --template exclude each other: give one")
            default: break
            }
            if apiResource != nil, template == nil { throw ValidationError("--api-resource names an API of a --template") }
        }

        func run() async throws {
            let options: ScaffoldOptions
            if let template {
                options = ScaffoldOptions(templatePath: template, apiResource: apiResource, outputPath: output, backendsPath: backends, stage: stage, force: force)
            } else {
                options = ScaffoldOptions(apiPath: api ?? "", outputPath: output, backendsPath: backends, stage: stage, force: force)
            }
            do {
                let result = try await SuiteScaffold.write(options, emulator: try importParameters.emulator())
                var text = "wrote \(result.suitePath): \(result.cases) case\(result.cases == 1 ? "" : "s"), \(result.guesses) with a '# guess:' to review\n"
                if let backends = result.backendsPath { text += "wrote \(backends): scripted stand-ins for the API's backends\n" }
                text += "run it: gatecheck run \(result.suitePath)\n"
                FileHandle.standardOutput.write(Data(text.utf8))
            } catch let error as ScaffoldError {
                FileHandle.standardError.write(Data((error.message + "\n").utf8))
                throw ExitCode(2)
            }
        }
    }

    struct MergeReports: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge-reports",
            abstract: "Merge the JUnit reports of several shards into one (exit 0, or 2 when an input is missing, malformed or overlaps another).")

        @Argument(help: "The shards' JUnit reports.")
        var inputs: [String] = []

        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the merged report.", valueName: "file"))
        var output: String

        @Flag(help: "Keep a suite that appears in several inputs (by default that is an error: the shards overlapped).")
        var allowDuplicates = false

        @Option(name: .customLong("coverage"), help: ArgumentHelp("A shard's coverage.json, added to the merged coverage (repeatable; default: the coverage.json beside each input, where there is one).", valueName: "file"))
        var coveragePaths: [String] = []

        @Option(name: .customLong("coverage-report"), help: ArgumentHelp("Also write the merged coverage.json here.", valueName: "file"))
        var coverageReport: String?

        @OptionGroup var html: HTMLReportOptions

        func run() throws {
            let status = GatecheckRunner.mergeReports(inputs, into: output, allowDuplicates: allowDuplicates,
                                                      htmlPath: html.html, htmlPreviousPath: html.htmlPrevious,
                                                      coveragePaths: coveragePaths, coverageReportPath: coverageReport)
            throw ExitCode(status.rawValue)
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check suites without running them (exit 0 when valid, 2 otherwise).")

        @Argument(help: "Suite files or directories, API definitions (OpenAPI 3 / Swagger 2.0) or backends files.")
        var paths: [String] = ["suites"]

        @OptionGroup var variableOptions: VariableOptions

        @OptionGroup var importParameters: ImportParameterOptions

        @Flag(help: "Treat every warning about an API definition as an error (like API Gateway import's failOnWarnings=true).")
        var failOnWarnings = false

        @Flag(name: .customLong("no-lint"), help: "Do not run `gatecheck lint` over the definitions after validating.")
        var noLint = false

        @Option(name: .customLong("lint-fail-on"), help: ArgumentHelp("Exit 1 when a lint finding has this severity or a higher one (note, warning or error); by default findings are shown and do not change the exit status.", valueName: "severity"))
        var lintFailOn: String?

        func validate() throws {
            if let lintFailOn, LintSeverity(rawValue: lintFailOn) == nil {
                throw ValidationError("--lint-fail-on must be note, warning or error, not '\(lintFailOn)'")
            }
        }

        func run() throws {
            var emulator = try importParameters.emulator()
            emulator.failOnWarnings = failOnWarnings
            let status = GatecheckRunner.validate(paths: paths, variables: try variableOptions.parsed(),
                                                  emulator: emulator)
            guard status == .passed, !noLint else { throw ExitCode(status.rawValue) }
            // Valid input: what the definitions would make the client receive, as `gatecheck lint` reports it.
            // Validation has read every file already; what lint cannot read as a definition (a backends file) is
            // not a lint matter here.
            var report = Linter().lint(paths: paths)
            report.unreadable = []
            if !report.findings.isEmpty {
                FileHandle.standardError.write(Data(report.text().utf8))
            }
            if let lintFailOn, let severity = LintSeverity(rawValue: lintFailOn) {
                throw ExitCode(report.exitStatus(failOn: severity) == 0 ? 0 : 1)
            }
            throw ExitCode(status.rawValue)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List suites and their cases with tags (or, with --template, a template's APIs, stages, routes and functions).")

        @Argument(help: "Suite files or directories.")
        var paths: [String] = ["suites"]

        @OptionGroup var variableOptions: VariableOptions

        @Option(help: ArgumentHelp("List the APIs (stages, routes) and functions of this SAM/CloudFormation template instead of suites.", valueName: "file"))
        var template: String?

        @OptionGroup var importParameters: ImportParameterOptions

        func run() throws {
            if let template {
                let listing = TemplateListing.render(path: template, parameters: try ImportParameterOptions.parse(importParameters.parameters))
                (listing.failed ? StandardStreams.writeError : StandardStreams.writeOut)(listing.text)
                throw ExitCode(listing.failed ? 2 : 0)
            }
            let status = GatecheckRunner.list(paths: paths, variables: try variableOptions.parsed())
            throw ExitCode(status.rawValue)
        }
    }
}

/// Signal handling for `run`. The first SIGINT or SIGTERM interrupts the run gracefully: no new case starts,
/// requests in flight get the grace period, then the report is written with the rest as skipped, and the
/// process exits 128 + the signal (130 or 143). A second signal exits at once with 128 + that signal: the
/// report being written is abandoned (its temporary file removed), so the destination keeps the previous
/// complete report, or nothing; never half a file.
final class Interruption {
    /// The first signal received, if any (signal handlers run on a Dispatch queue).
    private final class Received: Sendable {
        let signal = Mutex<Int32?>(nil)
    }

    private let received: Received
    private let sources: [any DispatchSourceSignal]

    private init(received: Received, sources: [any DispatchSourceSignal]) {
        self.received = received
        self.sources = sources
    }

    /// The signal that interrupted the run, or nil.
    var firstSignal: Int32? { received.signal.withLock { $0 } }

    static func install(junitPath: String?, _ interrupt: @escaping @Sendable () -> Void) -> Interruption {
        let handler = Received()
        var installed: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // `data` counts the signals coalesced into this event: two quick ones are a second signal too.
                let count = max(1, Int(source.data))
                let isFirst = handler.signal.withLock { seen -> Bool in
                    guard seen == nil else { return false }
                    seen = number
                    return true
                }
                if !isFirst || count > 1 {
                    if let junitPath { removeUnfinishedReports(for: junitPath) }
                    FileHandle.standardError.write(Data("\ngatecheck: \(name(of: number)) again, quitting at once; the JUnit report was not written\n".utf8))
                    exit(128 + number)
                }
                FileHandle.standardError.write(Data("\ngatecheck: \(name(of: number)) received: finishing the requests in flight and writing the report (send it again to quit at once)\n".utf8))
                interrupt()
            }
            source.resume()
            installed.append(source)
        }
        return Interruption(received: handler, sources: installed)
    }

    static func name(of signal: Int32) -> String { signal == SIGTERM ? "SIGTERM" : "interrupted (SIGINT)" }

    /// Removes this process's temporary report files next to `junitPath`. `JUnitReportWriter` names them
    /// `.<file name>.<pid>.<random>.tmp` in the destination's directory; the destination itself is never touched.
    static func removeUnfinishedReports(for junitPath: String) {
        let url = URL(fileURLWithPath: junitPath)
        let directory = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".\(getpid())."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            unlink(directory + "/" + name)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}

@main
enum GatecheckMain {
    /// Runs the command; usage errors exit 2 (not ArgumentParser's 64), `--help`/`--version` exit 0.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = CommandLineCheck.problem(in: arguments) {
            let command = Gatecheck.configuration.subcommands.first { $0._commandName == arguments.first }
            let usage = command.map { "gatecheck " + $0.usageString() } ?? Gatecheck.usageString()
            let help = command.map { "gatecheck \($0._commandName) --help" } ?? "gatecheck --help"
            FileHandle.standardError.write(Data("Error: \(message)\nUsage: \(usage)\n  See '\(help)' for more information.\n".utf8))
            exit(2)
        }
        do {
            var command = try Gatecheck.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            let exitCode = Gatecheck.exitCode(for: error)
            if exitCode == .success {
                print(Gatecheck.fullMessage(for: error))
                exit(0)
            }
            FileHandle.standardError.write(Data((Gatecheck.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
    }
}
