import Foundation
import HTTPMessage
import JSONCore
import Stages
import WebSocketClient

/// Running `websocket:` cases: the upgrade (asserted like a response), then the steps in order, with a transcript of
/// every frame both ways.
extension SuiteExecutor {
    /// How long the client waits for the server's answer to its own close when no `expectClose` step does.
    static let closeAnswerWait: Duration = .seconds(1)

    func runWebSocketCase(_ testCase: TestCase, session: WebSocketSession, scope: inout VariableScope,
                          redactor: inout Redactor) async -> CaseResult {
        let clock = ContinuousClock()
        let start = clock.now
        var sent: HTTPRequest
        do {
            sent = try buildRequest(testCase.request, scope: scope, base: webSocketBaseURL ?? baseURL)
            sent = try authorized(sent)
        } catch let error as UndefinedVariableError {
            return CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact(AssertionEvaluator.undefinedMessage(error)), type: "EvaluationError"),
                              duration: clock.now - start)
        } catch let error as AuthorizationError {
            return CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact(error.description), type: "AuthorizationError"),
                              duration: clock.now - start)
        } catch {
            return CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact("\(error)"), type: "EvaluationError"),
                              duration: clock.now - start)
        }
        let timeout = testCase.request.timeout ?? suite.defaults.timeout ?? defaultTimeout
        let url = Self.webSocketURL(sent.url)
        var transcript = WebSocketTranscript(request: HTTPRequest(method: "GET", url: url, headers: sent.headers))
        // The offered subprotocols are part of the request as sent.
        if !session.subprotocols.isEmpty {
            transcript.request.headers.add(name: "Sec-WebSocket-Protocol", value: session.subprotocols.joined(separator: ", "))
        }

        let connected: WebSocketClient.ConnectResult
        do {
            connected = try await WebSocketClient.connect(WebSocketRequest(url: url, headers: sent.headers, subprotocols: session.subprotocols,
                                                                           timeout: timeout), tls: webSocketTLS)
        } catch {
            var result = CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact(error.description), type: error.kind.rawValue),
                                    duration: clock.now - start)
            transcript.attach(to: &result, redactor: redactor)
            return result
        }

        let handshake: WebSocketHandshakeResponse
        var connection: WebSocketConnection?
        switch connected {
        case let .upgraded(open, response):
            handshake = response
            connection = open
        case let .refused(response):
            handshake = response
        }
        defer { connection?.abort() }
        transcript.response = handshake
        let observed = HTTPResponse(status: handshake.status, reasonPhrase: handshake.reasonPhrase, headers: handshake.headers, body: handshake.body,
                                    timings: HTTPTimings(total: clock.now - start))
        observedExchanges?.append(ObservedExchange(method: "GET", url: sent.url, status: handshake.status))

        // The upgrade's answer: captured, then asserted (a 101 is expected unless the case says otherwise).
        var attemptScope = scope
        var attemptRedactor = redactor
        var failures = capture(testCase.captures, from: observed, into: &attemptScope, redactor: &attemptRedactor)
        var expectation = testCase.expect
        if expectation.status == nil {
            expectation.status = .exact(101)
            expectation.statusPosition = SourcePosition(line: testCase.line, column: max(1, testCase.column))
        }
        var evaluationError: String?
        do {
            failures += try AssertionEvaluator(scope: attemptScope, redactor: attemptRedactor).evaluate(expectation, response: observed)
                .map { failure in
                    guard failure.summary.hasPrefix("status: expected 101,") else { return failure }
                    var copy = failure
                    copy.summary = "status: expected 101 (the WebSocket upgrade), got \(handshake.status)"
                    return copy
                }
        } catch {
            evaluationError = error.message
        }

        if let connection, failures.isEmpty, evaluationError == nil {
            do {
                failures += try await runSteps(session.steps, on: connection, timeout: timeout, scope: &attemptScope,
                                               redactor: &attemptRedactor, transcript: &transcript)
            } catch {
                evaluationError = error.message
            }
            await finish(connection, transcript: &transcript)
        }

        scope = attemptScope
        redactor = attemptRedactor
        var result: CaseResult
        if let evaluationError {
            result = CaseResult(name: testCase.name, outcome: .errored(message: redactor.redact(evaluationError), type: "EvaluationError"),
                                duration: clock.now - start)
        } else if failures.isEmpty {
            result = CaseResult(name: testCase.name, outcome: .passed, duration: clock.now - start)
        } else {
            result = CaseResult(name: testCase.name, outcome: .failed(failures.map { $0.mapTexts(redactor.redact) }), duration: clock.now - start)
        }
        result.response = observed
        if !result.isPassed || transcribesPassingCases { transcript.attach(to: &result, redactor: redactor) }
        return result
    }

    /// Runs the steps until one fails (later steps would only report what follows from it).
    private func runSteps(_ steps: [WebSocketStep], on connection: WebSocketConnection, timeout: Duration, scope: inout VariableScope,
                          redactor: inout Redactor, transcript: inout WebSocketTranscript) async throws(CaseEvaluationError) -> [AssertionFailure] {
        for (index, step) in steps.enumerated() {
            let label = "step \(index + 1) (\(step.keyword))"
            func failure(_ text: String) -> [AssertionFailure] { [AssertionFailure("\(label): \(text)", position: step.position)] }
            switch step.action {
            case let .send(message):
                let event: WebSocketEvent
                do {
                    switch message {
                    case let .text(template):
                        let text = try scope.render(template)
                        event = .text(Array(text.utf8))
                        try await connection.send(text: text)
                    case let .json(template):
                        let text = try scope.render(json: template).serialized(.compact)
                        event = .text(Array(text.utf8))
                        try await connection.send(text: text)
                    case let .bytes(bytes):
                        event = .binary(bytes)
                        try await connection.send(binary: bytes)
                    }
                } catch let error as UndefinedVariableError {
                    throw CaseEvaluationError("\(label): " + AssertionEvaluator.undefinedMessage(error))
                } catch {
                    return failure("cannot send: \(error)")
                }
                transcript.frames.append(.init(outgoing: true, event: event))
            case let .expect(expected):
                let wait = expected.timeout ?? timeout
                guard let event = await connection.next(timeout: wait) else {
                    return failure("no message within \(DurationText.format(wait))")
                }
                transcript.frames.append(.init(outgoing: false, event: event))
                let bytes: [UInt8]
                switch event {
                case let .text(payload), let .binary(payload): bytes = payload
                case .closed:
                    return failure("expected a message, but the connection closed (\(WebSocketTranscript.describe(event)))")
                }
                let message = HTTPResponse(status: 101, body: bytes)
                var assertions = Expectation()
                assertions.body = expected.body
                assertions.bodyPositions = expected.bodyPositions
                var found = capture(expected.captures, from: message, into: &scope, redactor: &redactor)
                do {
                    found += try AssertionEvaluator(scope: scope, redactor: redactor).evaluate(assertions, response: message)
                } catch {
                    throw CaseEvaluationError("\(label): \(error.message)")
                }
                if !found.isEmpty {
                    return found.map { failure in
                        var copy = failure
                        copy.summary = "\(label): " + copy.summary.replacingOccurrences(of: "body: ", with: "message: ", options: .anchored)
                        return copy.at(step.position)
                    }
                }
            case let .noMessage(within):
                if let event = await connection.next(timeout: within) {
                    transcript.frames.append(.init(outgoing: false, event: event))
                    return failure("expected no message within \(DurationText.format(within)), got \(WebSocketTranscript.describe(event, redactor: redactor))")
                }
            case let .close(code, reason):
                do {
                    try await connection.close(code: code, reason: reason)
                } catch {
                    return failure("cannot send the close frame: \(error)")
                }
                transcript.frames.append(.init(outgoing: true, event: .closed(code: code, reason: reason, clean: true)))
            case let .expectClose(expected):
                let wait = expected.timeout ?? timeout
                guard let event = await connection.next(timeout: wait) else {
                    return failure("the connection was not closed within \(DurationText.format(wait))")
                }
                transcript.frames.append(.init(outgoing: false, event: event))
                guard case let .closed(code, reason, clean) = event else {
                    return failure("expected the close, got \(WebSocketTranscript.describe(event, redactor: redactor))")
                }
                let shownCode = code.map(String.init) ?? (clean ? "no code (1005)" : "no close frame (1006)")
                if let expectedCode = expected.code {
                    let actual = code ?? (clean ? 1005 : 1006)
                    if actual != expectedCode { return failure("close code: expected \(expectedCode), got \(shownCode)") }
                }
                if let template = expected.reason {
                    let wanted: String
                    do { wanted = try scope.render(template) } catch { throw CaseEvaluationError("\(label): " + AssertionEvaluator.undefinedMessage(error)) }
                    if reason != wanted, clean {
                        return failure("close reason: expected \(AssertionEvaluator.quote(wanted)), got \(AssertionEvaluator.quote(reason))")
                    }
                    if !clean { return failure("close reason: expected \(AssertionEvaluator.quote(wanted)), got no close frame (1006)") }
                }
            }
        }
        return []
    }

    /// Closes cleanly when the steps left the connection open, waiting briefly for the server's close frame.
    private func finish(_ connection: WebSocketConnection, transcript: inout WebSocketTranscript) async {
        if transcript.frames.contains(where: { if case .closed = $0.event, !$0.outgoing { true } else { false } }) { return }
        if !transcript.frames.contains(where: { if case .closed = $0.event { $0.outgoing } else { false } }) {
            guard (try? await connection.close(code: 1000, reason: "")) != nil else { return }
            transcript.frames.append(.init(outgoing: true, event: .closed(code: 1000, reason: "", clean: true)))
        }
        // Messages still in flight are shown too, up to the server's close.
        let deadline = ContinuousClock.now + Self.closeAnswerWait
        while ContinuousClock.now < deadline, let event = await connection.next(timeout: deadline - ContinuousClock.now) {
            transcript.frames.append(.init(outgoing: false, event: event))
            if case .closed = event { return }
        }
    }

    /// `http(s)://` base URLs become `ws(s)://` (a `ws://` / `wss://` target is kept as given).
    static func webSocketURL(_ url: String) -> String {
        if url.lowercased().hasPrefix("https://") { return "wss://" + url.dropFirst(8) }
        if url.lowercased().hasPrefix("http://") { return "ws://" + url.dropFirst(7) }
        return url
    }
}

/// The upgrade request and answer, then every frame both ways, in the order they happened.
struct WebSocketTranscript {
    struct Frame {
        var outgoing: Bool
        var event: WebSocketEvent
    }

    var request: HTTPRequest
    var response: WebSocketHandshakeResponse?
    var frames: [Frame] = []

    init(request: HTTPRequest) {
        self.request = request
    }

    /// Curl-style `>`/`<` lines for the upgrade, then `> [text] ...` / `< [close 1000] ...` lines for the frames.
    func render(bodyLimit: Int, redactor: Redactor) -> String {
        let received = response.map {
            HTTPResponse(status: $0.status, httpVersion: "HTTP/1.1", reasonPhrase: $0.reasonPhrase, headers: $0.headers, body: $0.body)
        }
        var text = Transcript.render(request: request, response: received, bodyLimit: bodyLimit, redactor: redactor)
        if received?.status == 101, let last = text.split(separator: "\n", omittingEmptySubsequences: false).last, last == "(empty body)" {
            text = String(text.dropLast("\n(empty body)".count))
        }
        for frame in frames {
            let arrow = frame.outgoing ? ">" : "<"
            switch frame.event {
            case let .text(bytes):
                text += "\n\(arrow) [text] " + Transcript.body(bytes, limit: bodyLimit, redactor: redactor)
            case let .binary(bytes):
                text += "\n\(arrow) [binary, \(bytes.count) bytes] " + Transcript.body(bytes, limit: bodyLimit, redactor: redactor)
            case let .closed(code, reason, clean):
                text += "\n\(arrow) " + (clean ? "[close \(code.map(String.init) ?? "(no code)")]" + (reason.isEmpty ? "" : " " + redactor.redact(reason))
                                            : "[connection dropped without a close frame]")
            }
        }
        return text
    }

    func attach(to result: inout CaseResult, redactor: Redactor) {
        result.consoleTranscript = redactor.redact(render(bodyLimit: Transcript.consoleBodyLimit, redactor: redactor))
        result.reportTranscript = redactor.redact(render(bodyLimit: Transcript.reportBodyLimit, redactor: redactor))
    }

    /// One line for a failure message: `text "..."`, `binary (12 bytes)`, `the close (1000 "bye")`.
    static func describe(_ event: WebSocketEvent, redactor: Redactor = Redactor()) -> String {
        switch event {
        case let .text(bytes): return "text message " + AssertionEvaluator.preview(String(decoding: bytes, as: UTF8.self), redactor)
        case let .binary(bytes): return "binary message (\(bytes.count) bytes)"
        case let .closed(code?, reason, _): return "close code \(code)" + (reason.isEmpty ? "" : " \(AssertionEvaluator.quote(redactor.redact(reason)))")
        case .closed(nil, _, true): return "close frame without a code (1005)"
        case .closed(nil, _, false): return "the connection dropped without a close frame (1006)"
        }
    }
}
