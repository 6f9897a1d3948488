import Foundation
import GatecheckCore
import SourceDiagnostics
import Testing
import TestSupport

/// `websocket:` cases run against a real WebSocket server (python3 `websockets`, TestSupport/WebSocketTestServer.swift).
@Suite(.enabled(if: WebSocketTestServer.isAvailable, "needs python3 with the websockets package (scripts/install-deps.sh --test)"))
struct WebSocketCaseTests {
    @Test func aConversationSendsTextAndJSONAssertsMessagesCapturesAndClosesCleanly() async throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let suite = """
        name: chat
        vars: { room: lobby }
        cases:
          - name: round trip
            websocket:
              path: /echo
              query: { room: "{{room}}" }
              headers: { X-Token: abc }
              subprotocols: [chat]
              steps:
                - send: whoami
                - expect:
                    jsonPath:
                      $.path: /echo
                      $.query.room: lobby
                      $.token: abc
                      $.subprotocol: chat
                - send: { json: { action: echo, room: "{{room}}" } }
                - expect: { json: { action: echo, room: lobby } }
                  capture: { echoed: $.room }
                - send: "again {{echoed}}"
                - expect: again lobby
                - send: fragments
                - expect: fragmented
                - send: twice
                - expect: one
                - expect: { text: two, }
                - noMessage: 150ms
                - close: { code: 1000, reason: done }
                - expectClose: 1000
            expect:
              status: 101
              headers: { Sec-WebSocket-Protocol: chat }
          - name: the capture carries to the next case
            websocket:
              path: /echo
              steps:
                - send: "{{echoed}}"
                - expect: lobby
        """
        let run = await runSuites(["chat.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(run.summary.passed == 2)
        _ = try checkReport(run)
    }

    @Test func aMessageArrivingRightAfterTheUpgradeAndAServerCloseAreSeen() async throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let suite = """
        cases:
          - name: welcome
            websocket:
              path: /welcome
              steps:
                - expect: { jsonPath: { $.type: welcome } }
          - name: server closes
            websocket:
              path: /goodbye
              steps:
                - expectClose: { code: 1008, reason: policy }
          - name: asked to close
            websocket:
              path: /echo
              steps:
                - send: close-me
                - expectClose: 4001
        """
        let run = await runSuites(["server.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(run.summary.passed == 3)
    }

    @Test func aRefusedUpgradeIsAssertedLikeAResponse() async throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let suite = """
        cases:
          - name: refused as expected
            websocket: { path: /refuse }
            expect:
              status: 403
              headers: { Content-Type: application/json }
              body: { json: { message: Forbidden } }
          - name: refused unexpectedly
            websocket:
              path: /refuse
              steps:
                - send: hello
          - name: upgraded but refusal expected
            websocket: { path: /echo }
            expect: { status: 403 }
        """
        let run = await runSuites(["refuse.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 1)
        #expect(run.result("refused as expected")?.isPassed == true, "\(run.console)")
        let unexpected = run.failures("refused unexpectedly")
        #expect(unexpected.map(\.summary) == ["status: expected 101 (the WebSocket upgrade), got 403"])
        // The failure points at the case (there is no status: key to point at), compiler-style.
        #expect(unexpected.first?.position?.line == 8)
        let transcript = try #require(run.result("refused unexpectedly")?.reportTranscript)
        #expect(transcript.contains("> GET ws://127.0.0.1:\(server.port)/refuse"), "\(transcript)")
        #expect(transcript.contains("< HTTP/1.1 403 Forbidden"), "\(transcript)")
        #expect(transcript.contains(#"{"message":"Forbidden"}"#), "\(transcript)")
        #expect(run.failures("upgraded but refusal expected").map(\.summary) == ["status: expected 403, got 101"])
    }

    @Test func failedStepsPointAtTheStepAndTheTranscriptHasEveryFrameRedacted() async throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let suite = """
        vars: { password: hunter2-secret }
        secrets: [password]
        cases:
          - name: wrong message
            websocket:
              path: /echo
              steps:
                - send: "login {{password}}"
                - expect: { contains: logout }
          - name: silence broken
            websocket:
              path: /echo
              steps:
                - send: ping
                - noMessage: 2s
          - name: nothing comes
            websocket:
              path: /echo
              steps:
                - expect: anything
                  timeout: 200ms
          - name: wrong close code
            websocket:
              path: /goodbye
              steps:
                - expectClose: 1000
          - name: message instead of close
            websocket:
              path: /welcome
              steps:
                - expectClose: 1000
        """
        let workspace = Workspace()
        let htmlPath = workspace.path + "/reports/report.html"
        let run = await runSuites(["steps.yaml": suite], target: server.baseURL, workspace: workspace) { $0.htmlPath = htmlPath }
        #expect(run.summary.failed == 5, "\(run.console)")
        // The HTML report shows the case and its frames like any other case, redacted.
        let html = try String(contentsOfFile: htmlPath, encoding: .utf8)
        #expect(html.contains("wrong message") && html.contains("[text] login ***"), "the HTML report lacks the WebSocket transcript")
        #expect(!html.contains("hunter2"))

        let wrong = run.failures("wrong message")
        #expect(wrong.count == 1)
        #expect(wrong.first?.summary == "step 2 (expect): message: expected to contain 'logout', got 'login ***'")
        #expect(wrong.first?.position == SourcePosition(line: 9, column: 21))
        let transcript = try #require(run.result("wrong message")?.reportTranscript)
        #expect(transcript.contains("> [text] login ***"), "\(transcript)")
        #expect(transcript.contains("< [text] login ***"), "\(transcript)")
        #expect(transcript.contains("> [close 1000]"), "\(transcript)")
        #expect(!transcript.contains("hunter2"))
        #expect(!(run.junit ?? "").contains("hunter2"))
        #expect(!run.console.contains("hunter2"))

        #expect(run.failures("silence broken").map(\.summary) == ["step 2 (noMessage): expected no message within 2.00 s, got text message 'ping'"])
        #expect(run.failures("nothing comes").map(\.summary) == ["step 1 (expect): no message within 200 ms"])
        #expect(run.failures("wrong close code").map(\.summary) == ["step 1 (expectClose): close code: expected 1000, got 1008"])
        #expect(run.failures("message instead of close").first?.summary.hasPrefix("step 1 (expectClose): expected the close, got text message") == true)
        _ = try checkReport(run)
    }

    @Test func theTargetProfilesBearerTokenIsSentOnTheHandshakeAndMasked() async throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", "targets:\n  staging:\n    url: \(server.baseURL)\n    auth: { type: bearer, tokenEnv: WS_TOKEN }\n")
        let suite = """
        cases:
          - name: private
            websocket:
              path: /private
              steps:
                - send: whoami
                - expect: { jsonPath: { $.authorization: "Bearer s3cret-token" } }
                - send: fail on purpose
                - expect: nope
        """
        let run = await runSuites(["private.yaml": suite], target: "staging", workspace: workspace) {
            $0.environment = ["WS_TOKEN": "s3cret-token"]
            $0.profilesPath = profiles
        }
        let failures = run.failures("private")
        #expect(failures.map(\.summary).first?.hasPrefix("step 4 (expect)") == true, "\(run.console)")
        let transcript = try #require(run.result("private")?.reportTranscript)
        #expect(transcript.contains("> Authorization: Bearer ***"), "\(transcript)")
        #expect(!transcript.contains("s3cret-token"))
        #expect(!(run.junit ?? "").contains("s3cret-token"))
    }

    @Test func wssIsVerifiedUnlessInsecureAndTrustsACABundle() async throws {
        let server = try WebSocketTestServer(tls: .selfSigned)
        defer { server.stop() }
        let trusted = try WebSocketTestServer(tls: .signedByTestCA)
        defer { trusted.stop() }
        let suite = "cases:\n  - name: echo\n    websocket:\n      path: /echo\n      steps:\n        - send: hi\n        - expect: hi\n"
        let refused = await runSuites(["wss.yaml": suite], target: server.baseURL)
        let error = try #require(errorOf(refused, "echo"), "\(refused.console)")
        #expect(error.type == "WS_TLS_ERROR", "\(error)")
        let insecure = await runSuites(["wss.yaml": suite], target: server.baseURL) { $0.insecure = true }
        #expect(insecure.summary.exitCode == 0, "\(insecure.console)")
        let withCA = await runSuites(["wss.yaml": suite], target: trusted.baseURL) { $0.caBundlePath = trusted.caCertificatePath }
        #expect(withCA.summary.exitCode == 0, "\(withCA.console)")
    }

    @Test func sigV4SignsTheHandshake() async throws {
        let server = try WebSocketTestServer()
        defer { server.stop() }
        let suite = """
        auth: sigv4
        cases:
          - name: signed
            websocket:
              path: /echo
              steps:
                - send: whoami
                - expect:
                    jsonPath:
                      $.authorization: { matches: "^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\\\d{8}/eu-west-1/execute-api/aws4_request, SignedHeaders=[a-z;-]*host[a-z;-]*, Signature=[0-9a-f]{64}$" }
                      $.amzDate: { matches: "^\\\\d{8}T\\\\d{6}Z$" }
        """
        let workspace = Workspace()
        let run = await runSuites(["signed.yaml": suite], target: server.baseURL, workspace: workspace) {
            $0.environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                              "AWS_REGION": "eu-west-1"]
            $0.homeDirectory = workspace.path
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
    }

    @Test func anUnreachableServerIsAnErrorAndTheRunGoesOn() async throws {
        let server = try WebSocketTestServer()
        let port = server.port
        server.stop()
        let suite = "cases:\n  - name: nobody\n    websocket: { path: /echo }\n"
        let run = await runSuites(["down.yaml": suite], target: "http://127.0.0.1:\(port)")
        let error = try #require(errorOf(run, "nobody"))
        #expect(error.type == "WS_COULDNT_CONNECT")
        #expect(run.summary.exitCode == 1)
        _ = try checkReport(run)
    }
}

/// Bad `websocket:` input is reported with file:line:col, like every other key (no server needed).
@Suite struct WebSocketSuiteLoadingTests {
    func diagnostics(_ text: String) -> [String] {
        SuiteLoader.parse(text: text, file: "ws.yaml", options: LoadOptions(environment: [:])).1.map(\.description)
    }

    @Test func badStepsAreErrorsAtTheirPosition() {
        let found = diagnostics("""
        cases:
          - name: bad
            websocket:
              path: /chat
              subprotocl: [chat]
              steps:
                - send: hi
                  expect: hi
                - recieve: hi
                - close: 1006
                - noMessage: soon
                - expectClose: { code: 99 }
                - send: "{{later}}"
                - expect: x
                  capture: { later: { header: X-A } }
          - name: both
            request: { path: / }
            websocket: { path: / }
          - name: retried
            websocket: { path: / }
            retries: 2
        """)
        #expect(found.contains("ws.yaml:5:7: error: unknown key 'subprotocl' in websocket (did you mean 'subprotocols'?)"), "\(found)")
        #expect(found.contains("ws.yaml:8:11: error: a websocket step does one thing: found 'send' and 'expect'; split it into steps"), "\(found)")
        #expect(found.contains { $0.hasPrefix("ws.yaml:9:11: error: unknown key 'recieve' in websocket step") }, "\(found)")
        #expect(found.contains("ws.yaml:10:18: error: close code 1006 is never sent in a close frame (RFC 6455 7.4.1); send 1000 or a code of 3000-4999"), "\(found)")
        #expect(found.contains { $0.hasPrefix("ws.yaml:11:22: error: invalid duration 'soon'") }, "\(found)")
        #expect(found.contains("ws.yaml:12:32: error: close code 99 is not a WebSocket close code (1000-4999)"), "\(found)")
        #expect(found.contains { $0.hasPrefix("ws.yaml:13:17: error: undefined variable 'later'") }, "\(found)")
        #expect(found.contains("ws.yaml:15:20: error: a WebSocket message has no headers: capture with 'jsonPath' or 'body'"), "\(found)")
        #expect(found.contains("ws.yaml:18:5: error: a case has either 'request' (HTTP) or 'websocket', not both"), "\(found)")
        #expect(found.contains { $0.hasPrefix("ws.yaml:21:5: error: 'retries' is not supported on a websocket case") }, "\(found)")
    }

    @Test func stepsAfterAnExpectedRefusalAreAnError() {
        let found = diagnostics("""
        cases:
          - websocket:
              path: /deny
              steps: [{ send: hi }]
            expect: { status: 403 }
        """)
        #expect(found.contains { $0.hasPrefix("ws.yaml:4:14: error: the case expects the upgrade to be refused (status 403)") }, "\(found)")
    }

    @Test func aWellFormedCaseLoadsWithItsSteps() throws {
        let (suite, found) = SuiteLoader.parse(text: """
        cases:
          - websocket:
              path: /chat
              subprotocols: chat
              steps:
                - send: { json: { action: join } }
                - expect: { jsonSubset: { ok: true } }
                  timeout: 2s
                  capture: { id: $.id }
                - send: "{{id}}"
                - noMessage: 300ms
                - close:
                - expectClose: { code: 1000, timeout: 1s }
        """, file: "ws.yaml", options: LoadOptions(environment: [:]))
        #expect(found.isEmpty, "\(found)")
        let testCase = try #require(suite?.cases.first)
        #expect(testCase.name == "WEBSOCKET /chat")
        #expect(testCase.webSocket?.subprotocols == ["chat"])
        #expect(testCase.webSocket?.steps.map(\.keyword) == ["send", "expect", "send", "noMessage", "close", "expectClose"])
        if case let .close(code, reason)? = testCase.webSocket?.steps[4].action {
            #expect(code == 1000 && reason.isEmpty)
        } else {
            Issue.record("step 5 is not a close")
        }
    }
}
