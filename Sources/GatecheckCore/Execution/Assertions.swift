import Foundation
import HTTPMessage
import JSONCore

/// One assertion that did not hold: a one-line summary (expected vs actual) and optional detail
/// lines (a JSON diff).
public struct AssertionFailure: Sendable, Hashable, CustomStringConvertible {
    public var summary: String
    public var details: [String]
    /// Where the failed assertion is written in the suite (its key), when it is written there.
    public var position: SourcePosition?

    public init(_ summary: String, details: [String] = [], position: SourcePosition? = nil) {
        self.summary = summary
        self.details = details
        self.position = position
    }

    public var description: String {
        ([summary] + details.map { "  " + $0 }).joined(separator: "\n")
    }

    /// `suites/x.yaml:41:9`: the assertion's position in `file`, else the case's line (`fallbackLine`).
    public func location(file: String, fallbackLine: Int?) -> String? {
        if let position { return "\(file):\(position.line):\(position.column)" }
        return fallbackLine.flatMap { $0 > 0 ? "\(file):\($0)" : nil }
    }

    /// The summary with its location in front, compiler-style (`suites/x.yaml:41:9: status: expected 200, got 404`).
    public func locatedSummary(file: String, fallbackLine: Int?) -> String {
        location(file: file, fallbackLine: fallbackLine).map { "\($0): \(summary)" } ?? summary
    }

    /// The same failure with `position` set where it has none.
    func at(_ fallback: SourcePosition?) -> AssertionFailure {
        var copy = self
        if copy.position == nil { copy.position = fallback }
        return copy
    }

    /// The same failure with its texts transformed (redaction), its position kept.
    func mapTexts(_ transform: (String) -> String) -> AssertionFailure {
        AssertionFailure(transform(summary), details: details.map(transform), position: position)
    }
}

/// Why a case could not be evaluated (as opposed to evaluated and failed).
public struct CaseEvaluationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Evaluates an `Expectation` against a response and reports **every** failed assertion.
public struct AssertionEvaluator {
    public var scope: VariableScope
    /// Applied to response excerpts before they are cut, so no prefix of a secret survives a cut.
    public var redactor: Redactor

    public init(scope: VariableScope, redactor: Redactor = Redactor()) {
        self.scope = scope
        self.redactor = redactor
    }

    /// Throws when the case cannot be evaluated: an undefined variable, or JSON asserted on a body
    /// that is not JSON.
    public func evaluate(_ expect: Expectation, response: HTTPResponse) throws(CaseEvaluationError) -> [AssertionFailure] {
        var failures: [AssertionFailure] = []
        do {
            if let status = expect.status, !status.matches(response.status) {
                failures.append(AssertionFailure("status: expected \(status), got \(response.status)", position: expect.statusPosition))
            }
            for header in expect.headers {
                failures += try check(header, in: response.headers).map { $0.at(header.position) }
            }
            if !expect.body.isEmpty {
                failures += try checkBody(expect.body, body: response.body, positions: expect.bodyPositions)
            }
            if let limit = expect.maxTime, response.timings.total > limit {
                failures.append(AssertionFailure("response time: expected at most \(DurationText.format(limit)), got \(DurationText.format(response.timings.total))",
                                                 position: expect.maxTimePosition))
            }
        } catch let error as UndefinedVariableError {
            throw CaseEvaluationError(Self.undefinedMessage(error))
        } catch let error as CaseEvaluationError {
            throw error
        } catch {
            throw CaseEvaluationError("\(error)")
        }
        return failures
    }

    static func undefinedMessage(_ error: UndefinedVariableError) -> String {
        "variable '\(error.name)' is undefined when the case runs (was its capture skipped or did it fail?)"
    }

    // MARK: Headers

    func check(_ expectation: HeaderExpectation, in headers: HTTPHeaders) throws -> [AssertionFailure] {
        let name = expectation.name
        let values = headers.values(for: name)
        let shown = values.isEmpty ? "no such header" : Self.quoteList(values)
        var failures: [AssertionFailure] = []
        for check in expectation.checks {
            switch check {
            case let .equals(template):
                let expected = try scope.render(template)
                if !values.contains(expected) {
                    failures.append(AssertionFailure("header '\(name)': expected \(Self.quote(expected)), got \(shown)"))
                }
            case let .contains(template):
                let expected = try scope.render(template)
                if !values.contains(where: { $0.contains(expected) }) {
                    failures.append(AssertionFailure("header '\(name)': expected to contain \(Self.quote(expected)), got \(shown)"))
                }
            case let .matches(pattern):
                if !values.contains(where: pattern.matches) {
                    failures.append(AssertionFailure("header '\(name)': expected to match \(pattern), got \(shown)"))
                }
            case .present:
                if values.isEmpty { failures.append(AssertionFailure("header '\(name)': expected present, got no such header")) }
            case .absent:
                if !values.isEmpty { failures.append(AssertionFailure("header '\(name)': expected absent, got \(shown)")) }
            case let .values(templates):
                var expected: [String] = []
                for template in templates { expected.append(try scope.render(template)) }
                if expected != values {
                    failures.append(AssertionFailure("header '\(name)': expected values [\(Self.quoteList(expected))], got [\(Self.quoteList(values))]"))
                }
            }
        }
        return failures
    }

    // MARK: Body

    /// The body assertions' failures, each at its position in `positions` (same order as `expectations`).
    func checkBody(_ expectations: [BodyExpectation], body: [UInt8], positions: [SourcePosition?] = []) throws -> [AssertionFailure] {
        var failures: [AssertionFailure] = []
        let text = String(decoding: body, as: UTF8.self)
        var parsed: Result<JSONValue, CaseEvaluationError>?
        func json() throws(CaseEvaluationError) -> JSONValue {
            if parsed == nil {
                do {
                    parsed = .success(try JSONValue.parse(bytes: body))
                } catch {
                    let what = body.isEmpty ? "the body is empty" : "\(error)"
                    parsed = .failure(CaseEvaluationError("the case asserts JSON but the response body is not JSON: \(what)"))
                }
            }
            return try parsed!.get()
        }
        for (index, expectation) in expectations.enumerated() {
            let before = failures.count
            defer {
                let position = index < positions.count ? positions[index] : nil
                for failed in before..<failures.count { failures[failed] = failures[failed].at(position) }
            }
            switch expectation {
            case let .text(template):
                let expected = try scope.render(template)
                if text != expected || !Self.isValidUTF8(body) {
                    failures.append(AssertionFailure("body: expected \(Self.preview(expected, redactor)) (\(expected.utf8.count) bytes), got \(Self.preview(body, redactor)) (\(body.count) bytes)",
                                                     details: Self.firstDifference(expected: Array(expected.utf8), actual: body).map { [$0] } ?? []))
                }
            case .empty:
                if !body.isEmpty { failures.append(AssertionFailure("body: expected empty, got \(body.count) bytes: \(Self.preview(body, redactor))")) }
            case let .contains(templates):
                for template in templates {
                    let expected = try scope.render(template)
                    if !text.contains(expected) {
                        failures.append(AssertionFailure("body: expected to contain \(Self.quote(expected)), got \(Self.preview(body, redactor))"))
                    }
                }
            case let .matches(pattern):
                if !pattern.matches(text) {
                    failures.append(AssertionFailure("body: expected to match \(pattern), got \(Self.preview(body, redactor))"))
                }
            case let .json(expectedTemplate):
                let expected = try scope.render(json: expectedTemplate)
                let actual = try json()
                if !expected.semanticallyEquals(actual) {
                    let differences = JSONDiff.differences(expected: expected, actual: actual, subset: false)
                    failures.append(AssertionFailure("body JSON: \(Self.count(differences.count, "difference")) from the expected document",
                                                     details: Self.limited(differences.map(\.description))))
                }
            case let .jsonSubset(expectedTemplate):
                let expected = try scope.render(json: expectedTemplate)
                let actual = try json()
                if !actual.contains(subset: expected) {
                    let differences = JSONDiff.differences(expected: expected, actual: actual, subset: true)
                    failures.append(AssertionFailure("body JSON subset: \(Self.count(differences.count, "difference"))",
                                                     details: Self.limited(differences.map(\.description))))
                }
            case let .jsonPath(path, checks):
                failures += try checkJSONPath(path, checks, in: try json())
            case let .bytes(expected):
                if expected != body {
                    failures.append(AssertionFailure("body: expected \(expected.count) bytes (base64), got \(body.count) bytes",
                                                     details: Self.firstDifference(expected: expected, actual: body).map { [$0] } ?? []))
                }
            }
        }
        return failures
    }

    func checkJSONPath(_ path: JSONPath, _ checks: [JSONPathCheck], in document: JSONValue) throws -> [AssertionFailure] {
        let matches = path.select(in: document)
        // A definite path designates one value; an indefinite one designates the list of its matches.
        let selected: JSONValue? = path.isDefinite ? matches.first : .array(matches)
        let shown = selected.map { Self.preview(json: $0, redactor) } ?? "nothing"
        let name = path.expression
        var failures: [AssertionFailure] = []
        for check in checks {
            switch check {
            case let .equals(expectedTemplate):
                let expected = try scope.render(json: expectedTemplate)
                guard let selected else {
                    failures.append(AssertionFailure("\(name): expected \(Self.preview(json: expected, redactor)), got nothing (no match)"))
                    continue
                }
                if !expected.semanticallyEquals(selected) {
                    let differences = JSONDiff.differences(expected: expected, actual: selected, subset: false)
                    let nested = differences.count > 1 || (differences.first.map { $0.path != "$" } ?? false)
                    failures.append(AssertionFailure("\(name): expected \(Self.preview(json: expected, redactor)), got \(shown)",
                                                     details: nested ? Self.limited(differences.map(\.description)) : []))
                }
            case let .matches(pattern):
                let subject = selected.map(Self.text(of:))
                if subject.map(pattern.matches) != true {
                    failures.append(AssertionFailure("\(name): expected to match \(pattern), got \(shown)"))
                }
            case let .contains(template):
                let expected = try scope.render(template)
                let holds: Bool
                switch selected {
                case let .array(items)?: holds = items.contains { Self.text(of: $0) == expected }
                case let value?: holds = Self.text(of: value).contains(expected)
                case nil: holds = false
                }
                if !holds { failures.append(AssertionFailure("\(name): expected to contain \(Self.quote(expected)), got \(shown)")) }
            case let .exists(expected):
                let exists = !matches.isEmpty
                if exists != expected {
                    failures.append(AssertionFailure(expected ? "\(name): expected to exist, got no match" : "\(name): expected absent, got \(shown)"))
                }
            case let .length(expected):
                let actual: Int?
                switch selected {
                case let .array(items)?: actual = items.count
                case let .object(members)?: actual = members.count
                case let .string(text)?: actual = text.count
                default: actual = nil
                }
                if actual != expected {
                    failures.append(AssertionFailure("\(name): expected length \(expected), got \(actual.map { "length \($0)" } ?? shown)"))
                }
            case let .type(expected):
                if selected?.typeName != expected {
                    let got: String
                    switch selected {
                    case nil: got = "nothing (no match)"
                    case .null?: got = "null"
                    case let value?: got = "\(value.typeName) \(Self.preview(json: value, redactor))"
                    }
                    failures.append(AssertionFailure("\(name): expected type \(expected), got \(got)"))
                }
            }
        }
        return failures
    }

    // MARK: Formatting

    /// A JSON value's text: strings unquoted, everything else compact JSON.
    static func text(of value: JSONValue) -> String {
        if case let .string(text) = value { return text }
        return value.serialized(.compact)
    }

    static func quote(_ text: String) -> String {
        "'" + Transcript.escapeForDisplay(text) + "'"
    }

    static func quoteList(_ values: [String]) -> String {
        values.map(quote).joined(separator: ", ")
    }

    static let previewLimit = 120

    static func preview(_ text: String, _ redactor: Redactor = Redactor()) -> String {
        preview(Array(text.utf8), redactor)
    }

    /// A short excerpt for one-line messages: secrets redacted first, then cut.
    static func preview(_ bytes: [UInt8], _ redactor: Redactor = Redactor()) -> String {
        if bytes.isEmpty { return "''" }
        let text = redactor.redact(Transcript.displayText(bytes: Array(bytes.prefix(previewLimit * 4 + 256))))
            .replacingOccurrences(of: "\n", with: "\\n")
        if text.count <= previewLimit && bytes.count <= previewLimit * 4 + 256 { return "'" + text + "'" }
        return "'" + String(text.prefix(previewLimit)) + "'..."
    }

    static func preview(json: JSONValue, _ redactor: Redactor = Redactor()) -> String {
        let text = redactor.redact(json.serialized(.compact))
        return text.count > previewLimit ? String(text.prefix(previewLimit)) + "..." : text
    }

    /// Most detail lines kept for one failure: a huge document that differs everywhere stays readable and bounded.
    static let maxDetailLines = 50

    static func limited(_ lines: [String]) -> [String] {
        guard lines.count > maxDetailLines else { return lines }
        return Array(lines.prefix(maxDetailLines)) + ["... and \(lines.count - maxDetailLines) more differences"]
    }

    static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    static func firstDifference(expected: [UInt8], actual: [UInt8]) -> String? {
        let common = min(expected.count, actual.count)
        for index in 0..<common where expected[index] != actual[index] {
            return String(format: "first difference at byte %d: expected 0x%02X, got 0x%02X", index, expected[index], actual[index])
        }
        if expected.count != actual.count {
            return expected.count > actual.count
                ? "the body is \(expected.count - actual.count) bytes shorter than expected"
                : "the body has \(actual.count - expected.count) unexpected bytes after byte \(common)"
        }
        return nil
    }
}
