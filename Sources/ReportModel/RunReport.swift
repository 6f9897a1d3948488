import Foundation

/// What a human-readable report shows of one run. Every text in it is already redacted: it is built from the
/// same results the console and the JUnit report are written from.
public struct RunReport: Sendable, Codable, Hashable {
    /// The target: a (redacted) base URL, or `embedded emulator`.
    public var target: String
    /// `--property` pairs and the like (e.g. `git.sha`), in the order given.
    public var properties: [ReportProperty]
    public var started: Date
    /// Wall time of the run, in seconds.
    public var duration: Double
    /// The process exit status (0 passed, 1 failed, 2 invalid input, 130 interrupted).
    public var exitStatus: Int32
    public var suites: [SuiteReport]
    /// Load-time warnings, one line each.
    public var warnings: [String]
    /// Gateway coverage of the run, when it was recorded.
    public var coverage: CoverageSummary? = nil

    public init(target: String, properties: [ReportProperty] = [], started: Date, duration: Double, exitStatus: Int32,
                suites: [SuiteReport], warnings: [String] = []) {
        self.target = target
        self.properties = properties
        self.started = started
        self.duration = duration
        self.exitStatus = exitStatus
        self.suites = suites
        self.warnings = warnings
    }

    public var cases: [CaseReport] { suites.flatMap(\.cases) }
    public func count(_ outcome: CaseOutcome) -> Int { suites.reduce(0) { $0 + $1.cases.filter { $0.outcome == outcome }.count } }
    public var flaky: Int { suites.reduce(0) { $0 + $1.cases.filter(\.isFlaky).count } }
    /// Green: exit status 0.
    public var isGreen: Bool { exitStatus == 0 }
}

/// Gateway coverage as a report shows it (computed by GatecheckCore's `GatewayCoverage`).
public struct CoverageSummary: Sendable, Codable, Hashable {
    /// One API definition's figures.
    public struct API: Sendable, Codable, Hashable {
        public var file: String
        /// `REST API` or `HTTP API`.
        public var kind: String
        public var suites: [String]
        /// `3/4 methods, 5/6 integration responses, ...`.
        public var totals: String
        /// `84.6%` or `n/a`.
        public var percent: String
        public init(file: String, kind: String, suites: [String], totals: String, percent: String) {
            self.file = file
            self.kind = kind
            self.suites = suites
            self.totals = totals
            self.percent = percent
        }
    }

    /// Where the figures come from: recorded inside the embedded emulator, or (deployed stage) only what responses show.
    public var source: String
    /// `84.6%` or `n/a`.
    public var percent: String
    /// `14/17 methods, 22/30 integration responses, ...`.
    public var totals: String
    public var apis: [API]
    /// Declared items no request exercised (`GET /items/{id} pattern '.*Not Found.*' -> 404`, ...).
    public var neverExercised: [String]

    public init(source: String, percent: String, totals: String, apis: [API], neverExercised: [String]) {
        self.source = source
        self.percent = percent
        self.totals = totals
        self.apis = apis
        self.neverExercised = neverExercised
    }
}

public struct ReportProperty: Sendable, Codable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct SuiteReport: Sendable, Codable, Hashable {
    public var name: String
    public var file: String
    /// Seconds.
    public var duration: Double
    public var cases: [CaseReport]

    public init(name: String, file: String, duration: Double, cases: [CaseReport]) {
        self.name = name
        self.file = file
        self.duration = duration
        self.cases = cases
    }
}

public enum CaseOutcome: String, Sendable, Codable, Hashable, CaseIterable {
    case passed, failed, error, skipped

    /// Failed or errored.
    public var isFailing: Bool { self == .failed || self == .error }
}

/// One case of a suite, with what is needed to understand a failure without rerunning it.
public struct CaseReport: Sendable, Codable, Hashable {
    public var suite: String
    public var name: String
    public var tags: [String]
    public var outcome: CaseOutcome
    /// Seconds.
    public var duration: Double
    /// The error message, or the skip reason.
    public var message: String?
    /// e.g. `CURLE_COULDNT_CONNECT`, `EvaluationError`.
    public var errorType: String?
    public var failures: [FailedAssertion]
    /// Earlier attempts that were retried, oldest first (a passed case with some is flaky).
    public var attempts: [Attempt]
    /// The curl-style request/response transcript (`>` and `<` lines), bodies cut as in the JUnit report.
    public var transcript: String?
    public var notes: [String]

    public init(suite: String, name: String, tags: [String] = [], outcome: CaseOutcome, duration: Double, message: String? = nil,
                errorType: String? = nil, failures: [FailedAssertion] = [], attempts: [Attempt] = [], transcript: String? = nil,
                notes: [String] = []) {
        self.suite = suite
        self.name = name
        self.tags = tags
        self.outcome = outcome
        self.duration = duration
        self.message = message
        self.errorType = errorType
        self.failures = failures
        self.attempts = attempts
        self.transcript = transcript
        self.notes = notes
    }

    /// `suite/case`: how a case is recognised from one run to the next.
    public var id: String { suite + "/" + name }
    public var isFlaky: Bool { outcome == .passed && !attempts.isEmpty }
    /// The side-by-side result of `--compare` (its name starts with `parity: `).
    public var isParity: Bool { name.hasPrefix("parity: ") }
}

/// A failed assertion: its one-line summary (`status: expected 200, got 500`) and detail lines (a JSON diff, a table).
public struct FailedAssertion: Sendable, Codable, Hashable {
    public var summary: String
    public var details: [String]
    public init(summary: String, details: [String] = []) {
        self.summary = summary
        self.details = details
    }

    /// The summary split as `subject: expected X, got Y`, when it has that shape.
    public var expectedVersusActual: (subject: String, expected: String, actual: String)? {
        guard let colon = summary.range(of: ": expected "), let got = summary.range(of: ", got ", options: .backwards),
              colon.upperBound <= got.lowerBound else { return nil }
        return (String(summary[..<colon.lowerBound]), String(summary[colon.upperBound..<got.lowerBound]), String(summary[got.upperBound...]))
    }
}

/// An attempt that was retried.
public struct Attempt: Sendable, Codable, Hashable {
    /// True when the attempt got an unacceptable response; false when it got none (a transport error).
    public var gotResponse: Bool
    public var message: String
    public var transcript: String
    public init(gotResponse: Bool, message: String, transcript: String) {
        self.gotResponse = gotResponse
        self.message = message
        self.transcript = transcript
    }
}

/// What changed since an earlier run, by case id (`suite/case`).
public struct RunComparison: Sendable, Codable, Hashable {
    /// Failing now, passed (or did not exist) before.
    public var newlyFailing: [String]
    /// Failing before, passing now.
    public var fixed: [String]
    public var stillFailing: [String]
    /// Cases of the earlier run that did not run this time.
    public var gone: [String]
    /// Where the earlier outcomes came from (a file name).
    public var source: String

    public init(previous: [String: CaseOutcome], current: RunReport, source: String) {
        var newlyFailing: [String] = [], fixed: [String] = [], stillFailing: [String] = []
        var seen: Set<String> = []
        for item in current.cases {
            seen.insert(item.id)
            let before = previous[item.id]
            switch (before?.isFailing ?? false, item.outcome.isFailing) {
            case (false, true): newlyFailing.append(item.id)
            case (true, true): stillFailing.append(item.id)
            case (true, false) where item.outcome == .passed: fixed.append(item.id)
            default: break
            }
        }
        self.newlyFailing = newlyFailing
        self.fixed = fixed
        self.stillFailing = stillFailing
        self.gone = previous.keys.filter { !seen.contains($0) }.sorted()
        self.source = source
    }
}
