import CurlHTTP
import Foundation
import HTTPMessage
import JSONCore
import SigV4
import Stages
import Synchronization
import WebSocketClient

/// Shared between concurrently running suites: set by the first failure when `--fail-fast` is on.
final class FailFastLatch: Sendable {
    private let tripped = Mutex(false)
    func trip() { tripped.withLock { $0 = true } }
    var isTripped: Bool { tripped.withLock { $0 } }
}

/// Which cases run: `--filter REGEX` on `suite/case`, `--tag` (any of them; suite tags count).
public struct CaseSelection: Sendable {
    public var filter: Pattern?
    public var tags: [String]

    public init(filter: Pattern? = nil, tags: [String] = []) {
        self.filter = filter
        self.tags = tags
    }

    /// Nil when the case is selected, else why it is skipped.
    public func exclusionReason(suite: Suite, testCase: TestCase) -> String? {
        if let filter, !filter.matches("\(suite.name)/\(testCase.name)") {
            return "filtered out by --filter \(filter.source)"
        }
        if !tags.isEmpty, Set(suite.effectiveTags(of: testCase)).isDisjoint(with: tags) {
            return "not tagged \(tags.joined(separator: " or "))"
        }
        return nil
    }
}

/// How a suite's cases retry, poll, wait and notice an interruption.
struct ExecutionReliability: Sendable {
    var retries = 0
    var backoff: Duration = .milliseconds(200)
    var maxBackoff: Duration = .seconds(10)
    var maxRetryAfter: Duration = .seconds(30)
    var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }
    var interruption = RunInterruption()

    init() {}

    init(configuration: RunConfiguration, interruption: RunInterruption) {
        retries = configuration.retries ?? 0
        backoff = configuration.retryBackoff
        maxBackoff = configuration.maxRetryBackoff
        maxRetryAfter = configuration.maxRetryAfter
        sleep = configuration.sleep
        jitter = configuration.jitter
        self.interruption = interruption
    }

    /// True once the run is interrupted or cancelled: start nothing new.
    var isStopping: Bool { interruption.isInterrupted || Task.isCancelled }

    /// The case's settings, then the suite's `defaults`, then the command line.
    func policy(for testCase: TestCase, suite: Suite) -> RetryPolicy {
        let settings = (testCase.retry ?? RetrySettings()).merged(over: suite.defaults.retry)
        return RetryPolicy(retries: max(0, settings.count ?? retries), triggers: settings.triggers ?? RetryTrigger.defaults,
                           backoff: settings.backoff ?? backoff, maxBackoff: maxBackoff, maxRetryAfter: maxRetryAfter,
                           nonIdempotent: settings.nonIdempotent ?? false)
    }
}

/// Runs the cases of one suite in order, carrying captures from case to case.
struct SuiteExecutor {
    let suite: Suite
    let baseURL: String
    let client: CurlHTTPClient
    let commandLineVariables: [String: String]
    let environment: [String: String]
    let defaultTimeout: Duration
    let selection: CaseSelection
    let failFast: FailFastLatch?
    var reliability = ExecutionReliability()
    /// The target profile's default headers: a header the suite's `defaults` or the case sets wins.
    var targetHeaders = HTTPHeaders()
    /// Adds credentials (API key, bearer, SigV4) to each request as it is sent, after everything else.
    var authorizer: (any RequestAuthorizer)?
    /// Values redacted from everything this suite reports (profile and authorizer secrets).
    var runSecrets: [String] = []
    /// Whether `snapshot: true` is asserted (not while `gatecheck record` is writing the snapshots).
    var checksSnapshots = true
    /// Collects the method, URL and status of every response received (gateway coverage of a deployed stage).
    var observedExchanges: ObservedExchanges?
    /// `--verbose`: passing cases keep their request/response transcript too (failed and errored ones always do).
    var transcribesPassingCases = false
    /// `--check-definition`: cases that do not set `matchesDefinition` check their response against the definition.
    var checksDefinition = false
    /// The definition responses are checked against (`matchesDefinition`), when the suite has one.
    var responseContract: ResponseContract?
    /// Why there is no `responseContract` although a case asks for one (no definition, or it does not load).
    var responseContractProblem: String?
    /// TLS for `wss://` (`--insecure`, `--cacert`, as for HTTP cases).
    var webSocketTLS = WebSocketTLS()
    /// Where `websocket:` cases connect instead of `baseURL` (the embedded emulator's WebSocket server and stage).
    var webSocketBaseURL: String?

    func run() async -> SuiteResult {
        let started = Date()
        let clock = ContinuousClock()
        let start = clock.now
        var scope = VariableScope(commandLine: commandLineVariables, environment: environment, secretNames: suite.secrets)
        var redactor = Redactor(secrets: runSecrets)
        for name in suite.referencedVariableNames where name.hasPrefix("env.") {
            if let value = environment[String(name.dropFirst(4))] { redactor.add(value) }
        }
        var setupError: String?
        for spec in suite.tokens {
            do {
                // Minted tokens are credentials: redacted like secrets everywhere a report shows them.
                scope.suiteVariables[spec.variableName] = VariableValue(text: try await LocalTokenMinter.mint(spec), secret: true)
            } catch {
                setupError = "jwt.\(spec.name): cannot mint the token: \(error)"
            }
        }
        do {
            try scope.defineSuiteVariables(suite.variables)
        } catch {
            setupError = "suite variables: " + AssertionEvaluator.undefinedMessage(error)
        }
        for secret in scope.secretValues { redactor.add(secret) }

        var results: [CaseResult] = []
        for testCase in suite.cases {
            if let reason = testCase.skipReason ?? selection.exclusionReason(suite: suite, testCase: testCase) {
                results.append(CaseResult(name: testCase.name, outcome: .skipped(reason: reason), duration: .zero))
                continue
            }
            if reliability.isStopping {
                results.append(CaseResult(name: testCase.name, outcome: .skipped(reason: "interrupted"), duration: .zero))
                continue
            }
            if let failFast, failFast.isTripped {
                results.append(CaseResult(name: testCase.name, outcome: .skipped(reason: "fail-fast"), duration: .zero))
                continue
            }
            if let setupError {
                results.append(CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact(setupError), type: "EvaluationError"), duration: .zero))
                failFast?.trip()
                continue
            }
            var result = await runCase(testCase, scope: &scope, redactor: &redactor)
            if Task.isCancelled, result.isErrored {
                // The run was interrupted while this case's request was in flight (and the grace period ran out).
                result = CaseResult(name: testCase.name, outcome: .skipped(reason: "interrupted"), duration: result.duration)
            }
            if result.isFailed || result.isErrored { failFast?.trip() }
            if case let .failed(failures) = result.outcome, testCase.line > 0 {
                // A failure not written as one assertion (a snapshot of the suite, an eventually: note) points at its case.
                let casePosition = SourcePosition(line: testCase.line, column: max(1, testCase.column))
                result.outcome = .failed(failures.map { $0.at(casePosition) })
            }
            results.append(result)
        }
        var result = SuiteResult(name: suite.name, file: suite.file, target: redactor.redact(baseURL), started: started,
                                 duration: clock.now - start, cases: results)
        result.learnedSecrets = redactor.secrets
        return result
    }

    func runCase(_ testCase: TestCase, scope: inout VariableScope, redactor: inout Redactor) async -> CaseResult {
        if let session = testCase.webSocket {
            return await runWebSocketCase(testCase, session: session, scope: &scope, redactor: &redactor)
        }
        let clock = ContinuousClock()
        let start = clock.now
        var sent: HTTPRequest
        do {
            sent = try buildRequest(testCase.request, scope: scope)
        } catch {
            return CaseResult(name: testCase.name,
                              outcome: .errored(message: redactor.redact(AssertionEvaluator.undefinedMessage(error)), type: "EvaluationError"),
                              duration: clock.now - start)
        }
        sent.timeout = testCase.request.timeout ?? suite.defaults.timeout ?? defaultTimeout
        let unsigned = sent
        do {
            sent = try authorized(unsigned)
        } catch {
            return CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact(error.description), type: "AuthorizationError"),
                              duration: clock.now - start)
        }
        let policy = reliability.policy(for: testCase, suite: suite)
        var earlier: [CaseAttempt] = []
        var polls = 0
        let pollDeadline = testCase.eventually.map { start + $0.within }
        let interrupted = CaseResult(name: testCase.name, outcome: .skipped(reason: "interrupted"), duration: .zero)

        while true {
            polls += 1
            let (transfer, stopped) = await sendWithRetries(unsigned, signed: &sent, testCase: testCase, policy: policy,
                                                            earlier: &earlier, redactor: redactor)
            if stopped { return with(interrupted, duration: clock.now - start, earlier: earlier) }
            let response: HTTPResponse
            switch transfer {
            case let .failure(error):
                let current = redactor
                let transcriptFor = { (limit: Int) in current.redact(Transcript.render(request: sent, response: nil, bodyLimit: limit, redactor: current)) }
                var result = CaseResult(name: testCase.name,
                                        outcome: .errored(message: redactor.redact(error.description), type: error.name),
                                        duration: clock.now - start,
                                        consoleTranscript: transcriptFor(Transcript.consoleBodyLimit),
                                        reportTranscript: transcriptFor(Transcript.reportBodyLimit))
                result.earlierAttempts = earlier
                return result
            case let .success(received):
                response = received
            }

            // Captures first: a secret captured here is then redacted from this case's own report too.
            // (Expectations cannot refer to the same case's captures; the loader rejects that.)
            // They go into copies, committed only for the attempt that is reported.
            var attemptScope = scope
            var attemptRedactor = redactor
            let captureFailures = capture(testCase.captures, from: response, into: &attemptScope, redactor: &attemptRedactor)
            var failures: [AssertionFailure] = []
            var evaluationError: String?
            // A body cut at --max-body-size cannot be checked: its assertions fail with the reason instead.
            var expectation = testCase.expect
            let checksSnapshot = checksSnapshots && (testCase.expect.snapshot || suite.snapshot)
            let capturesBody = testCase.captures.contains { if case .header = $0.source { false } else { true } }
            if let truncation = response.bodyTruncation, !expectation.body.isEmpty || checksSnapshot || capturesBody {
                expectation.body = []
                failures.append(Self.truncationFailure(truncation).at(expectation.bodyPositions.compactMap { $0 }.first ?? expectation.snapshotPosition))
                expectation.bodyPositions = []
            }
            do {
                failures += try AssertionEvaluator(scope: attemptScope, redactor: attemptRedactor).evaluate(expectation, response: response)
            } catch {
                evaluationError = error.message
            }
            failures += captureFailures
            if evaluationError == nil, testCase.matchesDefinition ?? checksDefinition {
                let position = testCase.matchesDefinitionPosition ?? SourcePosition(line: testCase.line, column: testCase.column)
                if let responseContract {
                    let path = ResponseContract.relativePath(of: sent.url, to: baseURL) ?? sent.url
                    failures += responseContract.failures(method: sent.method, path: path, response: response).map { $0.at(position) }
                } else if testCase.matchesDefinition == true || responseContractProblem != nil {
                    evaluationError = "matchesDefinition: " + (responseContractProblem ?? ResponseContract.noDefinition)
                }
            }
            if checksSnapshot, evaluationError == nil, response.bodyTruncation == nil {
                failures += Snapshots.check(response, suite: suite, caseName: testCase.name, redactor: attemptRedactor)
                    .map { $0.at(testCase.expect.snapshotPosition) }
            }
            let holds = evaluationError == nil && failures.isEmpty

            // `eventually:` re-sends until the assertions hold or the time is up.
            if !holds, let polling = testCase.eventually, let pollDeadline, clock.now + polling.every < pollDeadline {
                if reliability.isStopping { return with(interrupted, duration: clock.now - start, earlier: earlier) }
                do { try await reliability.sleep(polling.every) } catch {
                    return with(interrupted, duration: clock.now - start, earlier: earlier)
                }
                continue
            }
            scope = attemptScope
            redactor = attemptRedactor
            let duration = clock.now - start
            let pollingNote = testCase.eventually.map {
                "eventually: still not satisfied after \(polls) attempt\(polls == 1 ? "" : "s") in \(DurationText.format(duration)) (within \(DurationText.format($0.within)), every \(DurationText.format($0.every)))"
            }

            let outcome: CaseResult.Outcome
            if let evaluationError {
                outcome = .errored(message: redactor.redact(evaluationError + (pollingNote.map { "\n" + $0 } ?? "")), type: "EvaluationError")
            } else if failures.isEmpty {
                var result = CaseResult(name: testCase.name, outcome: .passed, duration: duration)
                result.earlierAttempts = earlier
                result.response = response
                if transcribesPassingCases {
                    for (limit, path) in [(Transcript.consoleBodyLimit, \CaseResult.consoleTranscript), (Transcript.reportBodyLimit, \CaseResult.reportTranscript)] {
                        result[keyPath: path] = redactor.redact(Transcript.render(request: sent, response: response, bodyLimit: limit, redactor: redactor))
                    }
                }
                return result
            } else {
                if let pollingNote { failures.append(AssertionFailure(pollingNote)) }
                outcome = .failed(failures.map { $0.mapTexts(redactor.redact) })
            }
            let transcript = { [redactor] (limit: Int) in
                redactor.redact(Transcript.render(request: sent, response: response, bodyLimit: limit, redactor: redactor))
            }
            var result = CaseResult(name: testCase.name, outcome: outcome, duration: duration,
                                    consoleTranscript: transcript(Transcript.consoleBodyLimit),
                                    reportTranscript: transcript(Transcript.reportBodyLimit))
            result.earlierAttempts = earlier
            result.response = response
            return result
        }
    }

    private func with(_ result: CaseResult, duration: Duration, earlier: [CaseAttempt]) -> CaseResult {
        var copy = result
        copy.duration = duration
        copy.earlierAttempts = earlier
        return copy
    }

    /// Sends the request, and sends it again while the policy says the outcome is transient. Each
    /// retried outcome is appended to `earlier`. `stopped` is true when the run was interrupted while
    /// waiting to retry (the case then did not finish).
    ///
    /// Every attempt is authorised anew from `unsigned` (a SigV4 signature is dated), and `signed` is left holding
    /// the request last sent (it starts as the first authorised one, used if authorising again fails).
    func sendWithRetries(_ unsigned: HTTPRequest, signed sent: inout HTTPRequest, testCase: TestCase, policy: RetryPolicy,
                         earlier: inout [CaseAttempt], redactor: Redactor) async -> (Result<HTTPResponse, TransportError>, stopped: Bool) {
        var retry = 0
        while true {
            if authorizer != nil, let fresh = try? authorized(unsigned) { sent = fresh }
            let transfer = await client.send(sent).map { $0.showingNonUTF8HeaderBytes() }
            if let observedExchanges, case let .success(response) = transfer {
                observedExchanges.append(ObservedExchange(method: sent.method, url: sent.url, status: response.status))
            }
            guard retry < policy.retries, policy.allowsRetry(method: sent.method), !Task.isCancelled else { return (transfer, false) }
            var retryAfter: Duration?
            let kind: CaseAttempt.Kind, message: String, type: String
            let transcript: String
            switch transfer {
            case let .failure(error):
                guard policy.shouldRetry(error) else { return (transfer, false) }
                kind = .error
                message = error.description
                type = error.name
                transcript = Transcript.render(request: sent, response: nil, bodyLimit: Transcript.reportBodyLimit, redactor: redactor)
            case let .success(response):
                guard policy.shouldRetry(status: response.status, expected: testCase.expect.status) else { return (transfer, false) }
                retryAfter = response.headers["Retry-After"].flatMap { RetryPolicy.retryAfter($0) }
                kind = .failure
                message = "HTTP \(response.status)\(response.reasonPhrase.isEmpty ? "" : " " + response.reasonPhrase) (a gateway error)"
                type = "GatewayError"
                transcript = Transcript.render(request: sent, response: response, bodyLimit: Transcript.reportBodyLimit, redactor: redactor)
            }
            retry += 1
            let delay = policy.delay(beforeRetry: retry, retryAfter: retryAfter, jitter: reliability.jitter())
            let why = retryAfter.map { _ in ", as Retry-After asked" } ?? ""
            earlier.append(CaseAttempt(kind: kind,
                                       message: redactor.redact("attempt \(retry) of \(policy.retries + 1): \(message); retried after \(DurationText.format(delay))\(why)"),
                                       type: type, transcript: redactor.redact(transcript)))
            if reliability.isStopping { return (transfer, true) }
            do { try await reliability.sleep(delay) } catch { return (transfer, true) }
            if reliability.isStopping { return (transfer, true) }
        }
    }

    static let methodsWithBody: Set<String> = ["POST", "PUT", "PATCH"]

    /// Why the body assertions of a case were not checked: the body went past `--max-body-size`.
    static func truncationFailure(_ truncation: BodyTruncation) -> AssertionFailure {
        AssertionFailure("body: not checked: the response body is \(truncation.totalBytes) bytes, over --max-body-size "
                         + "(\(ByteSize.format(truncation.keptBytes))); only the first \(truncation.keptBytes) bytes were kept "
                         + "(sha256 of the whole body \(truncation.sha256Hex)). Raise --max-body-size to check it.")
    }

    /// The request with the target's credentials added last (nothing changes without an authorizer). SigV4 may
    /// rewrite the URL into its wire form: the URL and headers returned are sent unchanged.
    func authorized(_ request: HTTPRequest) throws(AuthorizationError) -> HTTPRequest {
        guard let authorizer else { return request }
        var signable = SignableRequest(method: request.method, url: request.url, headers: request.headers, body: request.body ?? [])
        try authorizer.authorize(&signable)
        var signed = request
        signed.url = signable.url
        signed.headers = signable.headers
        return signed
    }

    /// Renders the request: base URL + path + query, suite default headers overridden by the case's,
    /// and the body (JSON adds `Content-Type: application/json` unless a Content-Type is given). An empty body is sent
    /// only on POST, PUT and PATCH (as `Content-Length: 0`). Redirects are not followed: the case sees the 3xx.
    func buildRequest(_ spec: RequestSpec, scope: VariableScope, base: String? = nil) throws(UndefinedVariableError) -> HTTPRequest {
        let path = try scope.render(spec.path)
        var query: [(String, String)] = []
        for parameter in spec.query { query.append((parameter.name, try scope.render(parameter.value))) }
        let url = URLEncoding.url(base: base ?? baseURL, path: path, query: query)

        var headers = HTTPHeaders()
        let caseNames = Set(spec.headers.map { $0.name.lowercased() })
        let suiteNames = caseNames.union(suite.defaults.headers.map { $0.name.lowercased() })
        for header in targetHeaders where !suiteNames.contains(header.name.lowercased()) {
            headers.add(name: header.name, value: header.value)
        }
        for header in suite.defaults.headers where !caseNames.contains(header.name.lowercased()) {
            headers.add(name: header.name, value: try scope.render(header.value))
        }
        for header in spec.headers { headers.add(name: header.name, value: try scope.render(header.value)) }
        // `auth: { jwt }`: the lowest layer, and only where the target's own credentials (profile, SigV4) do not apply.
        if let token = suite.authToken, authorizer == nil, !suiteNames.contains("authorization"), !headers.contains("Authorization"),
           let value = scope.suiteVariables[token.variableName]?.text {
            headers.add(name: "Authorization", value: "Bearer " + value)
        }

        var body: [UInt8] = []
        switch spec.body {
        case nil: break
        case let .text(template): body = Array(try scope.render(template).utf8)
        case let .bytes(bytes): body = bytes
        case let .json(template):
            body = Array(try scope.render(json: template).serialized(.compact).utf8)
            if !headers.contains("Content-Type") { headers.add(name: "Content-Type", value: "application/json") }
        }
        return HTTPRequest(method: spec.method, url: url, headers: headers,
                           body: body.isEmpty && !Self.methodsWithBody.contains(spec.method) ? nil : body, followRedirects: false)
    }

    /// Runs the case's captures; each one that produces no value is reported as a failure.
    func capture(_ captures: [CaptureSpec], from response: HTTPResponse, into scope: inout VariableScope,
                 redactor: inout Redactor) -> [AssertionFailure] {
        var failures: [AssertionFailure] = []
        var document: JSONValue??
        for capture in captures {
            let before = failures.count
            defer { for index in before..<failures.count { failures[index] = failures[index].at(capture.position) } }
            var text: String?
            var json: JSONValue?
            switch capture.source {
            case let .header(name):
                text = response.headers[name]
                if text == nil { failures.append(AssertionFailure("capture '\(capture.name)': no header '\(name)' in the response")) }
            case .body:
                text = String(decoding: response.body, as: UTF8.self)
            case let .jsonPath(path):
                if document == nil { document = .some(try? JSONValue.parse(bytes: response.body)) }
                guard let root = document! else {
                    failures.append(AssertionFailure("capture '\(capture.name)': the response body is not JSON"))
                    continue
                }
                if let value = path.isDefinite ? path.first(in: root) : .array(path.select(in: root)) {
                    json = value
                    text = AssertionEvaluator.text(of: value)
                } else {
                    failures.append(AssertionFailure("capture '\(capture.name)': \(path.expression) matched nothing"))
                }
            }
            if let regex = capture.regex, let subject = text {
                json = nil
                text = regex.firstMatch(in: subject)
                if text == nil {
                    failures.append(AssertionFailure("capture '\(capture.name)': \(regex) did not match \(AssertionEvaluator.preview(subject, redactor))"))
                }
            }
            guard let text else {
                scope.captures[capture.name] = nil
                continue
            }
            let secret = capture.secret || suite.secrets.contains(capture.name)
            scope.captures[capture.name] = VariableValue(text: text, json: json, secret: secret)
            if secret { redactor.add(text) }
        }
        return failures
    }
}

extension Suite {
    /// Every variable name used by any template of the suite (vars, requests, expectations).
    public var referencedVariableNames: Set<String> {
        var names: Set<String> = []
        func add(_ template: TemplateString) { names.formUnion(template.variableNames) }
        func add(json: JSONValue) {
            switch json {
            case let .string(text):
                if text.contains("{{"), let template = try? TemplateString(parsing: text) { add(template) }
            case let .array(items): items.forEach(add(json:))
            case let .object(members): members.values.forEach(add(json:))
            default: break
            }
        }
        variables.forEach { add($0.value) }
        defaults.headers.forEach { add($0.value) }
        for testCase in cases {
            add(testCase.request.path)
            testCase.request.query.forEach { add($0.value) }
            testCase.request.headers.forEach { add($0.value) }
            switch testCase.request.body {
            case let .text(template)?: add(template)
            case let .json(value)?: add(json: value)
            default: break
            }
            for header in testCase.expect.headers {
                for check in header.checks {
                    switch check {
                    case let .equals(template), let .contains(template): add(template)
                    case let .values(templates): templates.forEach(add)
                    default: break
                    }
                }
            }
            var bodies = testCase.expect.body
            for step in testCase.webSocket?.steps ?? [] {
                switch step.action {
                case let .send(.text(template)): add(template)
                case let .send(.json(value)): add(json: value)
                case let .expect(expected): bodies += expected.body
                case let .expectClose(expected): if let reason = expected.reason { add(reason) }
                default: break
                }
            }
            for body in bodies {
                switch body {
                case let .text(template): add(template)
                case let .contains(templates): templates.forEach(add)
                case let .json(value), let .jsonSubset(value): add(json: value)
                case let .jsonPath(_, checks):
                    for check in checks {
                        switch check {
                        case let .equals(value): add(json: value)
                        case let .contains(template): add(template)
                        default: break
                        }
                    }
                default: break
                }
            }
        }
        return names
    }
}
