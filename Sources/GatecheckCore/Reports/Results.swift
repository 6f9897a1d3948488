import Foundation
import HTTPMessage
import SourceDiagnostics

/// What happened to one case. Every text in it is already redacted.
public struct CaseResult: Sendable {
    public enum Outcome: Sendable {
        case passed
        /// Assertions ran and these did not hold.
        case failed([AssertionFailure])
        /// The case could not be evaluated (transport failure, undefined variable, body not JSON...).
        /// `type` is e.g. `CURLE_COULDNT_CONNECT` or `EvaluationError`.
        case errored(message: String, type: String)
        case skipped(reason: String)
    }

    public var name: String
    public var outcome: Outcome
    /// Wall time of the case (request and evaluation); zero when skipped.
    public var duration: Duration
    /// Request/response transcript for failed and errored cases, bodies cut for the console.
    public var consoleTranscript: String?
    /// The same, with the larger body limit used in JUnit reports.
    public var reportTranscript: String?
    /// Earlier attempts that were retried (transport failures, gateway errors), oldest first.
    /// A passed case with earlier attempts is *flaky*.
    public var earlierAttempts: [CaseAttempt] = []
    /// What the client received (the last attempt), kept while the suite runs for parity and snapshots; nil when
    /// no response arrived. Not redacted: never printed as is.
    public var response: HTTPResponse? = nil
    /// Remarks shown under the case, e.g. a parity difference accepted by the allowlist and why.
    public var notes: [String] = []

    /// How many times the request was sent (retries included, polling not counted).
    public var attempts: Int { earlierAttempts.count + 1 }
    /// Passed, but only after a retry.
    public var isFlaky: Bool { isPassed && !earlierAttempts.isEmpty }
    public var isPassed: Bool { if case .passed = outcome { return true } else { return false } }
    public var isFailed: Bool { if case .failed = outcome { return true } else { return false } }
    public var isErrored: Bool { if case .errored = outcome { return true } else { return false } }
    public var isSkipped: Bool { if case .skipped = outcome { return true } else { return false } }
}

/// One unsuccessful attempt of a case that was then retried. Its texts are already redacted.
public struct CaseAttempt: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The attempt got a response the case does not accept (a retried gateway error such as 503).
        case failure
        /// The attempt got no complete response (a transport failure).
        case error
    }

    public var kind: Kind
    /// One line, e.g. `curl error 7 (CURLE_COULDNT_CONNECT): ...; retried after 212 ms`.
    public var message: String
    /// `CURLE_*` for transport failures, `GatewayError` for a retried status.
    public var type: String
    /// The attempt's request/response transcript (bodies cut as in reports).
    public var transcript: String

    public init(kind: Kind, message: String, type: String, transcript: String) {
        self.kind = kind
        self.message = message
        self.type = type
        self.transcript = transcript
    }
}

/// One suite's results, in case order.
public struct SuiteResult: Sendable {
    public var name: String
    public var file: String
    /// The base URL the suite ran against (redacted), or a note when it could not start.
    public var target: String
    public var started: Date
    public var duration: Duration
    public var cases: [CaseResult]
    /// The JUnit `<properties>`: target, baseURL, auth, file, gatecheck.version and the `--property` pairs
    /// (empty: `target`, `file` and `gatecheck.version` are written).
    public var properties: [NamedValue] = []
    /// What the gateway did with the suite's requests against what its API declares (embedded emulator only).
    public var coverage: CoverageRecording?
    /// Secret values the suite's run learned (captures, `secrets:` variables...), for the one redaction pass
    /// (`SuiteResult.redacted(by:)`), which empties it. Never reported.
    var learnedSecrets: [String] = []

    public var passed: Int { cases.filter(\.isPassed).count }
    public var failed: Int { cases.filter(\.isFailed).count }
    public var errors: Int { cases.filter(\.isErrored).count }
    public var skipped: Int { cases.filter(\.isSkipped).count }
    /// Passed cases that needed a retry.
    public var flaky: Int { cases.filter(\.isFlaky).count }
}

/// The result of `gatecheck run`, with the process exit code.
public struct RunSummary: Sendable {
    /// 0: everything that ran passed (flaky passes included); 1: a case failed or errored; 2: invalid input
    /// (usage, suites, target, unwritable report); 5: `--filter`/`--tag` selected no case; 130: interrupted. (The CLI exits 143 instead of 130 when
    /// the interruption was SIGTERM: 128 + the signal number, as shells do.)
    public enum ExitStatus: Int32, Sendable {
        case passed = 0
        case failed = 1
        case invalidInput = 2
        /// `--filter`/`--tag` selected no case (pytest's 5); `--allow-empty` makes that 0.
        case noCaseSelected = 5
        /// The run was interrupted (SIGINT); the report covers what ran.
        case interrupted = 130
    }

    public var exitStatus: ExitStatus
    public var suites: [SuiteResult]
    /// Load-time diagnostics (warnings, or the errors that stopped the run).
    public var diagnostics: [Diagnostic]
    public var duration: Duration
    /// Where the JUnit report was written, if it was.
    public var junitPath: String?
    /// Where the HTML report was written, if it was.
    public var htmlPath: String? = nil
    /// Gateway coverage of the run (nil when none was recorded or `--no-coverage`).
    public var coverage: GatewayCoverage? = nil
    /// Where `coverage.json` was written, if it was.
    public var coveragePath: String? = nil

    public var exitCode: Int32 { exitStatus.rawValue }
    public var passed: Int { suites.reduce(0) { $0 + $1.passed } }
    public var failed: Int { suites.reduce(0) { $0 + $1.failed } }
    public var errors: Int { suites.reduce(0) { $0 + $1.errors } }
    public var skipped: Int { suites.reduce(0) { $0 + $1.skipped } }
    /// Passed cases that needed a retry (counted in `passed` too).
    public var flaky: Int { suites.reduce(0) { $0 + $1.flaky } }

    /// `12 passed, 1 failed, 0 errors, 2 skipped in 0.84s`, or `12 passed (1 flaky), ...` when a case passed
    /// only after a retry.
    public var countsLine: String {
        "\(passed) passed\(flaky > 0 ? " (\(flaky) flaky)" : ""), \(failed) failed, \(errors) error\(errors == 1 ? "" : "s"), \(skipped) skipped in \(String(format: "%.2f", duration.seconds))s"
    }
}
