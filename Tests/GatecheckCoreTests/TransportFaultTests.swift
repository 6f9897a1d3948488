import Foundation
import GatecheckCore
import HTTPMessage
import Synchronization
import Testing
import TestSupport

/// The outcome of a case as `(type, message)` when it is an error.
func errorOf(_ run: RunOutput, _ name: String) -> (type: String, message: String)? {
    if case let .errored(message, type)? = run.result(name)?.outcome { return (type, message) }
    return nil
}

/// Checks a report with the Jenkins schema and junitparser; returns junitparser's view.
func checkReport(_ run: RunOutput) throws -> String {
    let schema = try #require(ReportValidation.junitSchemaPath(), "junit-10.xsd not found; set GATECHECK_JUNIT_XSD")
    let lint = try ReportValidation.xmllint(run.junitPath, schema: schema)
    #expect(lint.status == 0, "xmllint: \(lint.output)")
    let parsed = try ReportValidation.junitparser(run.junitPath)
    #expect(parsed.status == 0, "junitparser: \(parsed.output)")
    return parsed.output
}

@Suite struct TransportFaultTests {
    @Test func everyFaultIsAnErrorWithItsCurlCodeAndTheOtherCasesStillRun() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/garbage": return .raw(Array("SSH-2.0-OpenSSH_9.2\r\n\u{0}\u{1}garbage, not HTTP\r\n\r\n".utf8))
            case "/reset": return .resetMidBody(headers: ["Content-Type": "text/plain"], partialBody: Array("half a bo".utf8), declaredLength: 1000)
            case "/close": return .closeWithoutResponse
            case "/stall": return .stall
            default: return demoResponse(request)
            }
        }
        defer { server.stop() }
        let suite = """
        name: faults
        cases:
          - name: garbage instead of HTTP
            request: { path: /garbage }
          - name: reset mid-body
            request: { path: /reset }
          - name: closed without a response
            request: { path: /close }
          - name: stalls past the timeout
            request: { path: /stall, timeout: 300ms }
          - name: still runs
            request: { path: /text }
            expect: { status: 200 }
        """
        let run = await runSuites(["faults.yaml": suite], target: server.baseURL)
        #expect(run.summary.exitCode == 1)
        #expect(run.summary.errors == 4)
        #expect(run.result("still runs")?.isPassed == true)
        let expectations: [(String, Set<String>)] = [
            ("garbage instead of HTTP", ["CURLE_UNSUPPORTED_PROTOCOL", "CURLE_WEIRD_SERVER_REPLY"]),
            ("reset mid-body", ["CURLE_PARTIAL_FILE", "CURLE_RECV_ERROR"]),
            ("closed without a response", ["CURLE_GOT_NOTHING"]),
            ("stalls past the timeout", ["CURLE_OPERATION_TIMEDOUT"]),
        ]
        for (name, types) in expectations {
            let error = try #require(errorOf(run, name), "\(name) should be an error")
            #expect(types.contains(error.type), "\(name): \(error.type)")
            #expect(error.message.hasPrefix("curl error "), "\(name): \(error.message)")
        }
        // The transcript shows what was sent even though nothing usable came back.
        #expect(run.console.contains("> GET \(server.baseURL)/reset"))
        let parsed = try checkReport(run)
        #expect(parsed.hasPrefix("suite faults tests=5 failures=0 errors=4 skipped=0\n"), "\(parsed)")
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<error message="curl error 28 (CURLE_OPERATION_TIMEDOUT): "#))
        #expect(xml.contains(#"type="CURLE_GOT_NOTHING""#))
    }

    @Test func anUnresolvableHostIsAnError() async throws {
        // RFC 6761: names under .invalid never resolve.
        let suite = "cases:\n  - name: dns\n    request: { path: /a }\n"
        let run = await runSuites(["dns.yaml": suite], target: "http://gatecheck-test.invalid")
        let error = try #require(errorOf(run, "dns"))
        #expect(error.type == "CURLE_COULDNT_RESOLVE_HOST")
        #expect(error.message.hasPrefix("curl error 6 (CURLE_COULDNT_RESOLVE_HOST): "))
        #expect(error.message.contains("gatecheck-test.invalid"))
        #expect(run.summary.exitCode == 1)
        _ = try checkReport(run)
    }

    @Test func aServerClosingKeepAliveConnectionsIsRetriedTransparentlyByCurl() async throws {
        // Each connection answers its first request, then closes when the next request arrives on it,
        // without ever saying `Connection: close`: the race of a server timing out an idle keep-alive connection.
        let served = Mutex<[Int: Int]>([:])
        let server = try LoopbackHTTPServer { request in
            let count = served.withLock { served -> Int in
                served[request.connectionID, default: 0] += 1
                return served[request.connectionID]!
            }
            return count == 1 ? demoResponse(request) : .closeWithoutResponse
        }
        defer { server.stop() }
        let suite = (1...5).map { "  - name: c\($0)\n    request: { path: /text }\n    expect: { status: 200 }\n" }.joined()
        let run = await runSuites(["keepalive.yaml": "cases:\n" + suite], target: server.baseURL)
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(run.summary.passed == 5)
        #expect(run.summary.flaky == 0, "curl's own reconnect is not a gatecheck retry")
        #expect(server.acceptedConnections == 5, "each request after the first needed a fresh connection")
    }

    @Test func aServerClosingAfterEveryResponseWithoutSayingSoIsHandled() async throws {
        // A raw server: full response without `Connection: close`, then it closes the socket.
        let script = """
        import socket, sys
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(listener.getsockname()[1], flush=True)
        while True:
            connection, _ = listener.accept()
            data = b""
            while b"\\r\\n\\r\\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
            if data:
                connection.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 2\\r\\n\\r\\nok")
            connection.close()
        """
        let server = try PythonServer(script: script)
        defer { server.stop() }
        let suite = (1...4).map { "  - name: c\($0)\n    request: { path: /x }\n    expect: { status: 200, body: ok }\n" }.joined()
        let run = await runSuites(["closing.yaml": "cases:\n" + suite], target: "http://127.0.0.1:\(server.port)")
        #expect(run.summary.exitCode == 0, "\(run.console)")
        #expect(run.summary.passed == 4)
    }

    @Test(.enabled(if: TLSTestServer.isAvailable, "needs openssl and python3"))
    func untrustedAndExpiredCertificatesAreErrorsUnlessInsecure() async throws {
        let selfSigned = try TLSTestServer(certificate: .selfSigned)
        defer { selfSigned.stop() }
        let expired = try TLSTestServer(certificate: .expired)
        defer { expired.stop() }
        let trusted = try TLSTestServer(certificate: .signedByTestCA)
        defer { trusted.stop() }
        let suite = "name: tls\ncases:\n  - name: hello\n    request: { path: /hello }\n    expect: { status: 200, body: tls ok }\n"

        let untrusted = await runSuites(["tls.yaml": suite], target: selfSigned.baseURL)
        let untrustedError = try #require(errorOf(untrusted, "hello"))
        #expect(untrustedError.type == "CURLE_PEER_FAILED_VERIFICATION")
        #expect(untrustedError.message.hasPrefix("curl error 60 (CURLE_PEER_FAILED_VERIFICATION): "))
        #expect(untrustedError.message.contains("self-signed") || untrustedError.message.contains("self signed"), "\(untrustedError.message)")
        #expect(untrusted.summary.exitCode == 1)
        _ = try checkReport(untrusted)

        let expiredRun = await runSuites(["tls.yaml": suite], target: expired.baseURL) { $0.caBundlePath = expired.caCertificatePath }
        let expiredError = try #require(errorOf(expiredRun, "hello"))
        #expect(expiredError.type == "CURLE_PEER_FAILED_VERIFICATION")
        #expect(expiredError.message.contains("expired"), "\(expiredError.message)")
        // A certificate problem is not transient: it is never retried.
        let retried = await runSuites(["tls.yaml": suite], target: expired.baseURL) {
            $0.caBundlePath = expired.caCertificatePath
            $0.retries = 3
            $0.sleep = SleepRecorder().sleep
        }
        #expect(retried.result("hello")?.attempts == 1)

        let trustedRun = await runSuites(["tls.yaml": suite], target: trusted.baseURL) { $0.caBundlePath = trusted.caCertificatePath }
        #expect(trustedRun.summary.exitCode == 0, "\(trustedRun.console)")

        for server in [selfSigned, expired] {
            let insecure = await runSuites(["tls.yaml": suite], target: server.baseURL) { $0.insecure = true }
            #expect(insecure.summary.exitCode == 0, "--insecure: \(insecure.console)")
        }
    }
}

/// A python3 server script that prints its port on the first line of stdout, run as a subprocess.
final class PythonServer: Sendable {
    let port: Int
    private let process: Mutex<Process>

    init(script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while line.last != UInt8(ascii: "\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(contentsOf: byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
        self.process = Mutex(process)
    }

    func stop() {
        process.withLock { process in
            // SIGKILL: a child started from a Dispatch worker inherits its blocked signal mask (SIGTERM included).
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }
}
