import Foundation
import JSONCore

/// One suite file, loaded and checked: everything needed to run it, nothing left to parse.
public struct Suite: Sendable {
    /// The suite name (`name:`, or the file name without extension). Unique within a run; the JUnit classname.
    public var name: String
    /// The file as given on the command line (used in diagnostics and reports).
    public var file: String
    public var description: String?
    public var tags: [String]
    /// `vars:` in file order; values may reference `--var` values, the environment and earlier vars.
    public var variables: [VariableDefinition]
    /// Variable names whose values are redacted as `***` in all output.
    public var secrets: Set<String>
    /// Path of the OpenAPI definition for the embedded emulator, resolved relative to the suite file.
    public var api: String?
    /// `template:`: a SAM / CloudFormation template whose API the embedded emulator serves instead of `api:`, with the
    /// template's functions as backends (`backends:` still overrides any of them); resolved relative to the suite file.
    public var template: String?
    /// `api-resource:`: the logical id of the template's API to serve (needed when the template has several).
    public var apiResource: String?
    public var apiType: APIType?
    public var stage: String?
    public var stageVariables: [NamedValue]
    /// Backend mapping for the emulator, kept for the Backends loader.
    public var backends: BackendsReference?
    public var defaults: RequestDefaults
    public var cases: [TestCase]
    /// `auth: sigv4`: sign every request of the suite with AWS SigV4 when the target has no auth of its own
    /// (the embedded emulator, `--target URL`, a profile with `auth: none`). A profile's `auth` wins.
    public var auth: SuiteAuth = .none
    /// `parity:`: headers and JSON paths not compared by `--compare` (and snapshot assertions).
    public var parity = ParitySettings()
    /// `snapshot: true`: every case's response is asserted against its recorded snapshot (see `Snapshots`).
    public var snapshot = false
    /// `parameters:`: values for the CloudFormation references of the API definition (`Ref`, `Fn::Sub`, ...);
    /// `--parameter` wins over them.
    public var parameters: [NamedValue] = []
    /// `jwt:`: tokens minted when the suite starts, referenced as `{{jwt.NAME}}` (see TokenMinting.swift).
    public var tokens: [TokenSpec] = []
    /// `auth: { jwt: {...} }`: the token (also in `tokens`, as `jwt.auth`) sent as `Authorization: Bearer ...` on every
    /// case whose `defaults` or own headers set no Authorization, when the target brings no credentials of its own.
    public var authToken: TokenSpec?
    /// `basePath:`: the embedded emulator serves the suite's stage as a custom domain under this API mapping
    /// (`v1`, `orders/v1`); cases are relative to it. A `--target` URL carries its own base path instead.
    public var basePath: String?
}

/// How a suite asks for its requests to be authorised (`auth:` at the top of a suite).
public enum SuiteAuth: String, Sendable, CaseIterable {
    /// Nothing added (the target profile's auth still applies).
    case none
    /// AWS SigV4 with the credentials of the standard chain (`AWS_ACCESS_KEY_ID`..., then `~/.aws`), for
    /// `AWS_IAM` routes. The embedded emulator accepts the same credentials.
    case sigv4
}

/// A name/value pair that keeps source order (variables, stage variables).
public struct NamedValue: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A suite variable: `name: "value with {{other}} variables"`.
public struct VariableDefinition: Sendable, Hashable {
    public var name: String
    public var value: TemplateString
}

/// Which kind of API Gateway API the suite's definition describes.
public enum APIType: String, Sendable, CaseIterable {
    case rest, http
}

/// How a suite names its emulator backends: a file, or an inline mapping (re-serialised YAML,
/// with the line where it started so the Backends loader can report positions).
public enum BackendsReference: Sendable, Hashable {
    /// Absolute or suite-relative path, resolved relative to the suite file.
    case file(path: String)
    /// The `backends:` mapping written inline in `suiteFile`, starting at `line`.
    case inline(suiteFile: String, line: Int, yaml: String)
}

/// `defaults:` applied to every request of the suite.
public struct RequestDefaults: Sendable {
    public var headers: [HeaderTemplate] = []
    public var timeout: Duration?
    /// Retry settings for every case of the suite that sets none (`defaults: { retries: 2 }`).
    public var retry: RetrySettings?
    public init(headers: [HeaderTemplate] = [], timeout: Duration? = nil, retry: RetrySettings? = nil) {
        self.headers = headers
        self.timeout = timeout
        self.retry = retry
    }
}

/// One case: a request, what to expect, what to capture.
public struct TestCase: Sendable {
    public var name: String
    public var description: String?
    /// The case's own tags (the suite's tags apply too, see `Suite.effectiveTags(of:)`).
    public var tags: [String]
    /// Why the case is skipped, when `skip:` is set.
    public var skipReason: String?
    public var request: RequestSpec
    public var expect: Expectation
    public var captures: [CaptureSpec]
    /// Line of the case in its file (1-based).
    public var line: Int
    /// `retries:` / `retry:` / `retryNonIdempotent:` written on the case (nil: the suite's defaults, then `--retries`).
    public var retry: RetrySettings? = nil
    /// `eventually:`: re-send and re-assert until the assertions hold or the time is up.
    public var eventually: Polling? = nil
    /// The column where the case starts (with `line`): the location of a failure not written as an assertion.
    public var column: Int = 0
    /// `matchesDefinition:`: check the response against what the API definition declares for the method (see
    /// `ResponseContract`); nil: as the run says (`--check-definition` checks every case that does not set `false`).
    public var matchesDefinition: Bool? = nil
    /// Where `matchesDefinition:` is written.
    public var matchesDefinitionPosition: SourcePosition? = nil
    /// `websocket:`: the case opens a WebSocket. `request` is then its upgrade request (GET, path, query, headers,
    /// timeout), `expect` and `capture` apply to the upgrade's answer, and this holds the rest (see WebSocketModel.swift).
    public var webSocket: WebSocketSession? = nil
}

/// Retry settings as written in a suite; unset fields fall back to the suite's `defaults`, then the command line.
public struct RetrySettings: Sendable, Hashable {
    /// Extra attempts after the first (`retries: 2` sends at most three times).
    public var count: Int?
    /// What is retried (`retry: { on: [transport, 503] }`).
    public var triggers: Set<RetryTrigger>?
    /// The first delay, doubled for each further retry (`retry: { backoff: 200ms }`).
    public var backoff: Duration?
    /// Allows retrying methods that are not idempotent (POST, PATCH, ...).
    public var nonIdempotent: Bool?

    public init(count: Int? = nil, triggers: Set<RetryTrigger>? = nil, backoff: Duration? = nil, nonIdempotent: Bool? = nil) {
        self.count = count
        self.triggers = triggers
        self.backoff = backoff
        self.nonIdempotent = nonIdempotent
    }

    /// `self`, with every unset field taken from `fallback`.
    public func merged(over fallback: RetrySettings?) -> RetrySettings {
        guard let fallback else { return self }
        return RetrySettings(count: count ?? fallback.count, triggers: triggers ?? fallback.triggers,
                             backoff: backoff ?? fallback.backoff, nonIdempotent: nonIdempotent ?? fallback.nonIdempotent)
    }
}

/// What makes a request worth sending again.
public enum RetryTrigger: Sendable, Hashable, CustomStringConvertible {
    /// No complete response (connection refused or reset, timeout, DNS failure, garbage...), except
    /// TLS certificate problems and aborted transfers, which another attempt would not fix.
    case transport
    /// A response with this status (by default the gateway errors 502, 503 and 504), unless the case expects it.
    case status(Int)

    public static let defaults: Set<RetryTrigger> = [.transport, .status(502), .status(503), .status(504)]

    public var description: String {
        switch self {
        case .transport: return "transport"
        case let .status(code): return "\(code)"
        }
    }
}

/// `eventually: { within: 10s, every: 500ms }` for eventually consistent backends.
public struct Polling: Sendable, Hashable {
    /// How long to keep trying, from the first request.
    public var within: Duration
    /// The pause between two attempts.
    public var every: Duration

    public init(within: Duration, every: Duration) {
        self.within = within
        self.every = every
    }
}

/// A header whose value may contain variables.
public struct HeaderTemplate: Sendable, Hashable {
    public var name: String
    public var value: TemplateString
}

/// A query parameter whose value may contain variables.
public struct QueryTemplate: Sendable, Hashable {
    public var name: String
    public var value: TemplateString
}

public struct RequestSpec: Sendable {
    public var method: String
    public var path: TemplateString
    public var query: [QueryTemplate]
    public var headers: [HeaderTemplate]
    public var body: RequestBody?
    public var timeout: Duration?
}

public enum RequestBody: Sendable {
    /// UTF-8 text, variables substituted.
    case text(TemplateString)
    /// A JSON document, serialised compactly; string leaves may contain variables.
    case json(JSONValue)
    /// Exact bytes from `base64:` (never interpolated).
    case bytes([UInt8])
}

/// Where something is written in a suite file: 1-based line and column, as libyaml counts them.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// Everything a case asserts. Empty means "any response".
/// Each assertion keeps the position of its key in the suite, printed beside it when it fails.
public struct Expectation: Sendable {
    public var status: StatusExpectation?
    public var headers: [HeaderExpectation] = []
    public var body: [BodyExpectation] = []
    public var maxTime: Duration?
    /// `snapshot: true`: the response must match the case's recorded snapshot (after normalisation).
    public var snapshot = false
    /// Where `status:`, `maxTime:` and `snapshot:` are written.
    public var statusPosition: SourcePosition?
    public var maxTimePosition: SourcePosition?
    public var snapshotPosition: SourcePosition?
    /// Where each of `body` is written (`json:`, `contains:`, a JSONPath...), in the same order.
    public var bodyPositions: [SourcePosition?] = []

    public init() {}
}

public enum StatusExpectation: Sendable, Hashable, CustomStringConvertible {
    case exact(Int)
    case anyOf([Int])
    /// `2xx`: the hundreds digit.
    case statusClass(Int)

    public func matches(_ status: Int) -> Bool {
        switch self {
        case let .exact(code): return status == code
        case let .anyOf(codes): return codes.contains(status)
        case let .statusClass(digit): return status / 100 == digit
        }
    }

    public var description: String {
        switch self {
        case let .exact(code): return "\(code)"
        case let .anyOf(codes): return "one of " + codes.map(String.init).joined(separator: ", ")
        case let .statusClass(digit): return "\(digit)xx"
        }
    }
}

/// A regular expression (ICU syntax, as NSRegularExpression), validated at load time.
/// It searches: use `^...$` to match a whole value.
public struct Pattern: Sendable, Hashable, CustomStringConvertible {
    public let source: String

    /// Validates the pattern; the error text is the reason it does not compile.
    public init(_ source: String) throws(PatternError) {
        do {
            _ = try NSRegularExpression(pattern: source)
        } catch {
            throw PatternError(pattern: source)
        }
        self.source = source
    }

    /// Whether the pattern matches somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        firstMatch(in: text) != nil
    }

    /// The first match: capture group 1 if the pattern has one, else the whole match.
    public func firstMatch(in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: source) else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.firstMatch(in: text, range: range) else { return nil }
        let group = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
        guard group.location != NSNotFound, let swiftRange = Range(group, in: text) else { return "" }
        return String(text[swiftRange])
    }

    public var description: String { "/\(source)/" }
}

public struct PatternError: Error, Sendable, CustomStringConvertible {
    public var pattern: String
    public var description: String { "invalid regular expression '\(pattern)'" }
}

public struct HeaderExpectation: Sendable {
    public var name: String
    public var checks: [HeaderCheck]
    /// Where the header's name is written under `expect.headers`.
    public var position: SourcePosition?

    public init(name: String, checks: [HeaderCheck], position: SourcePosition? = nil) {
        self.name = name
        self.checks = checks
        self.position = position
    }
}

public enum HeaderCheck: Sendable {
    /// Some value of the header equals this (exactly, case-sensitive).
    case equals(TemplateString)
    /// Some value matches the pattern.
    case matches(Pattern)
    /// Some value contains this text.
    case contains(TemplateString)
    case present
    case absent
    /// The header's values, in order, are exactly these (e.g. every `Set-Cookie`).
    case values([TemplateString])
}

public enum BodyExpectation: Sendable {
    case text(TemplateString)
    case empty
    case contains([TemplateString])
    case matches(Pattern)
    /// Whole-document semantic equality (key order ignored, 1 == 1.0).
    case json(JSONValue)
    /// Every key/element of the expected document is present with the same value.
    case jsonSubset(JSONValue)
    case jsonPath(path: JSONPath, checks: [JSONPathCheck])
    /// Exact bytes (`base64:`).
    case bytes([UInt8])
}

public enum JSONPathCheck: Sendable {
    case equals(JSONValue)
    case matches(Pattern)
    case exists(Bool)
    case length(Int)
    case type(String)
    case contains(TemplateString)
}

/// `capture:`: a value taken from a response for later cases.
public struct CaptureSpec: Sendable {
    public enum Source: Sendable {
        case jsonPath(JSONPath)
        case header(String)
        case body
    }

    public var name: String
    public var source: Source
    /// Optional extraction from the selected text: group 1 if the pattern has one, else the whole match.
    public var regex: Pattern?
    /// Redact the captured value in all output.
    public var secret: Bool
    /// Where the capture's name is written under `capture:`.
    public var position: SourcePosition? = nil
}

extension Suite {
    /// The case's tags plus the suite's.
    public func effectiveTags(of testCase: TestCase) -> [String] {
        tags + testCase.tags.filter { !tags.contains($0) }
    }
}
