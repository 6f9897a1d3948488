import Foundation

/// One earlier, unsuccessful attempt of a test case that was run again.
///
/// On a case whose final result is `.passed` the attempts are written as `<flakyFailure>`/`<flakyError>`
/// (it passed on a rerun); on a case that still failed or errored they are written as
/// `<rerunFailure>`/`<rerunError>` (Maven Surefire's convention, understood by Jenkins and junitparser).
public struct JUnitFlakyAttempt: Sendable, Equatable {
    /// Whether the attempt failed an assertion or hit an error.
    public enum Kind: Sendable, Equatable {
        case failure
        case error
    }

    public var kind: Kind
    /// One-line summary (multi-line messages are cut to their first line in the attribute).
    public var message: String
    /// A short classifier such as `AssertionFailure`; the schema requires one, so `failure`/`error` is used when nil.
    public var type: String?
    /// The full details of the attempt, written as `<stackTrace>` content.
    public var text: String

    public init(kind: Kind, message: String, type: String? = nil, text: String = "") {
        self.kind = kind
        self.message = message
        self.type = type
        self.text = text
    }
}

/// The final outcome of a test case.
public enum JUnitResult: Sendable, Equatable {
    case passed
    /// An assertion did not hold. `message` is a one-line summary, `text` the full explanation.
    case failure(message: String, type: String?, text: String)
    /// The case could not be carried out (connection refused, bad suite file, crash, ...).
    case error(message: String, type: String?, text: String)
    case skipped(message: String?)
}

/// One `<testcase>`.
public struct JUnitTestCase: Sendable {
    /// The group the case belongs to (e.g. the suite file's name). Empty values are replaced by the suite name.
    public var classname: String
    /// The case's name. Empty values are replaced by `(unnamed)`.
    public var name: String
    /// Duration in seconds.
    public var time: Double
    public var result: JUnitResult
    /// Earlier unsuccessful attempts, oldest first.
    public var flakyAttempts: [JUnitFlakyAttempt]
    public var systemOut: String?
    public var systemErr: String?

    public init(classname: String, name: String, time: Double, result: JUnitResult = .passed,
                flakyAttempts: [JUnitFlakyAttempt] = [], systemOut: String? = nil, systemErr: String? = nil) {
        self.classname = classname
        self.name = name
        self.time = time
        self.result = result
        self.flakyAttempts = flakyAttempts
        self.systemOut = systemOut
        self.systemErr = systemErr
    }
}

/// One `<testsuite>`; its counts are computed from its cases so they always match the children.
public struct JUnitTestSuite: Sendable {
    public var name: String
    /// When the suite started.
    public var timestamp: Date
    public var hostname: String
    /// Duration in seconds.
    public var time: Double
    /// `<properties>` entries, in order (e.g. `baseURL`, `environment`).
    public var properties: [(String, String)]
    public var cases: [JUnitTestCase]

    public init(name: String, timestamp: Date = Date(), hostname: String = JUnitTestSuite.currentHostname(),
                time: Double, properties: [(String, String)] = [], cases: [JUnitTestCase] = []) {
        self.name = name
        self.timestamp = timestamp
        self.hostname = hostname
        self.time = time
        self.properties = properties
        self.cases = cases
    }

    /// Number of cases.
    public var tests: Int { cases.count }

    /// Number of cases whose final result is a failure.
    public var failures: Int {
        cases.reduce(0) { count, testCase in
            if case .failure = testCase.result { return count + 1 }
            return count
        }
    }

    /// Number of cases whose final result is an error.
    public var errors: Int {
        cases.reduce(0) { count, testCase in
            if case .error = testCase.result { return count + 1 }
            return count
        }
    }

    /// Number of skipped cases.
    public var skipped: Int {
        cases.reduce(0) { count, testCase in
            if case .skipped = testCase.result { return count + 1 }
            return count
        }
    }

    /// This machine's host name, or `localhost` when it cannot be read.
    public static func currentHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
