import Foundation
import HTTPMessage

/// The one redaction pass every output of a run goes through.
///
/// Where it sits:
/// - Every `SuiteResult` leaves `GatecheckRunner.runSuite` through `SuiteResult.redacted(by:)`, with every secret the
///   suite's run learned (target and authorizer secrets, `secrets:` variables, `--var` values named there,
///   `{{env.*}}` values, captures marked `secret: true`). Everything downstream (the console report, the JUnit writer,
///   `RunSummary.suites`, and any further reporter such as the HTML report) reads results that have been through it,
///   so a reporter gets redaction for free: build it from `RunSummary.suites` or beside `ConsoleReport.suiteBlock` in
///   the emission loop of `GatecheckRunner.run()`, never from anything earlier.
/// - Responses are redacted (`HTTPResponse.redacted(by:)`) before they are compared or stored (parity, snapshot
///   assertions, `gatecheck record`), so a table cell or an excerpt that cuts a body never cuts a secret in half.
/// - Run-level text (stdout and stderr lines that are not a suite's, such as "no case matched --filter ...") goes
///   through the run-wide redactor, `RunRedaction.redactor`, wrapped around `RunConfiguration.output`/`errorOutput`.
/// Texts are also redacted where they are first made (defence in depth); this pass is what guarantees it.
public struct RunRedaction: Sendable {
    /// Secrets known before anything runs: target and authorizer secrets, and for every suite the `--var` values it
    /// names in `secrets:` and the `{{env.*}}` values it references.
    public var redactor: Redactor

    public init(redactor: Redactor) { self.redactor = redactor }

    /// The run-wide redactor for these suites and target secrets.
    static func forRun(suites: [Suite], commandLineVariables: [String: String], environment: [String: String],
                       targetSecrets: [String]) -> RunRedaction {
        var redactor = Redactor(secrets: targetSecrets)
        for suite in suites {
            for (name, value) in commandLineVariables where suite.secrets.contains(name) { redactor.add(value) }
            for name in suite.referencedVariableNames where name.hasPrefix("env.") {
                if let value = environment[String(name.dropFirst(4))] { redactor.add(value) }
            }
        }
        return RunRedaction(redactor: redactor)
    }

    /// An output stream whose every write is redacted first.
    func sink(_ output: @escaping @Sendable (String) -> Void) -> @Sendable (String) -> Void {
        let redactor = redactor
        return { text in output(redactor.redact(text)) }
    }
}

extension Redactor {
    /// The same redactor with `other`'s secrets too.
    func merging(_ other: [String]) -> Redactor {
        var merged = self
        for secret in other { merged.add(secret) }
        return merged
    }

    /// Replaces each secret's bytes (in every form) by `***` in a byte string: for bodies that are not text.
    public func redact(bytes: [UInt8]) -> [UInt8] {
        guard !secrets.isEmpty, !bytes.isEmpty else { return bytes }
        if let text = String(validating: bytes, as: UTF8.self) { return Array(redact(text).utf8) }
        var result = bytes
        let mask = Array("***".utf8)
        for secret in secrets {
            let needle = Array(secret.utf8)
            guard !needle.isEmpty, needle.count <= result.count else { continue }
            var output: [UInt8] = []
            output.reserveCapacity(result.count)
            var index = 0
            var replaced = false
            while index < result.count {
                if result[index] == needle[0], index + needle.count <= result.count,
                   result[index..<(index + needle.count)].elementsEqual(needle) {
                    output += mask
                    index += needle.count
                    replaced = true
                } else {
                    output.append(result[index])
                    index += 1
                }
            }
            if replaced { result = output }
        }
        return result
    }
}

extension HTTPResponse {
    /// The response with every secret replaced by `***` in header values and the body.
    public func redacted(by redactor: Redactor) -> HTTPResponse {
        guard !redactor.secrets.isEmpty else { return self }
        var copy = self
        copy.headers = HTTPHeaders(headers.fields.map { HTTPHeaderField(name: redactor.redact($0.name), value: redactor.redact($0.value)) })
        copy.body = redactor.redact(bytes: body)
        return copy
    }

    /// Whether redaction changes this response (the server echoed a secret).
    func containsSecret(_ redactor: Redactor) -> Bool {
        let redacted = redacted(by: redactor)
        return redacted.body != body || redacted.headers != headers
    }
}

extension AssertionFailure {
    func redacted(by redactor: Redactor) -> AssertionFailure {
        mapTexts(redactor.redact)
    }
}

extension CaseResult {
    /// Every text of the result with the secrets replaced; the kept response is dropped (it is never reported).
    func redacted(by redactor: Redactor) -> CaseResult {
        var copy = self
        copy.name = redactor.redact(name)
        switch outcome {
        case .passed: break
        case let .failed(failures): copy.outcome = .failed(failures.map { $0.redacted(by: redactor) })
        case let .errored(message, type): copy.outcome = .errored(message: redactor.redact(message), type: redactor.redact(type))
        case let .skipped(reason): copy.outcome = .skipped(reason: redactor.redact(reason))
        }
        copy.consoleTranscript = consoleTranscript.map(redactor.redact)
        copy.reportTranscript = reportTranscript.map(redactor.redact)
        copy.earlierAttempts = earlierAttempts.map {
            CaseAttempt(kind: $0.kind, message: redactor.redact($0.message), type: redactor.redact($0.type),
                        transcript: redactor.redact($0.transcript))
        }
        copy.notes = notes.map(redactor.redact)
        copy.response = nil
        return copy
    }
}

extension SuiteResult {
    /// The one redaction pass (see `RunRedaction`): every text of the suite's results, with the secrets the suite's
    /// run learned (`learnedSecrets`, then forgotten) and `redactor`'s.
    func redacted(by redactor: Redactor) -> SuiteResult {
        let all = redactor.merging(learnedSecrets)
        var copy = self
        copy.name = all.redact(name)
        copy.file = all.redact(file)
        copy.target = all.redact(target)
        copy.cases = cases.map { $0.redacted(by: all) }
        copy.properties = properties.map { NamedValue(name: all.redact($0.name), value: all.redact($0.value)) }
        copy.learnedSecrets = []
        return copy
    }
}
