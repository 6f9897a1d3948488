import CurlHTTP
import Foundation
import HTTPMessage
import Testing

/// A real `openssl s_server` on 127.0.0.1 with a throwaway self-signed certificate for `gatecheck.test`.
private final class OpenSSLTestServer {
    let directory: URL
    let certificatePath: String
    let port: Int
    private let process: Process

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        try Self.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "2",
            "-subj", "/CN=gatecheck.test", "-addext", "subjectAltName=DNS:gatecheck.test",
        ])
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", certificatePath, "-key", keyPath, "-www"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // s_server announces the bound port as "ACCEPT 127.0.0.1:PORT" before serving. A watchdog kills
        // it if that never happens, which ends the read below with end-of-file instead of hanging the test.
        let watchdog = Task { [process] in
            try await Task.sleep(for: .seconds(30))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        defer { watchdog.cancel() }
        var announced = ""
        var port: Int?
        while port == nil {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }  // exited
            announced += String(decoding: data, as: UTF8.self)
            if let line = announced.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
               let portText = line.split(separator: ":").last {
                port = Int(portText.trimmingCharacters(in: .whitespaces))
            }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl s_server did not start: \(announced)"])
        }
        self.port = port
    }

    /// SIGKILL, because the child inherits the test runner's signal mask, in which SIGTERM is blocked.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(path) \(arguments) exited with \(process.terminationStatus)"])
        }
    }
}

@Suite("TLS verification", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct TLSVerificationTests {
    @Test("verification is on by default, checks the host name, honours caBundlePath, and insecure turns it off")
    func verification() async throws {
        let server = try OpenSSLTestServer()
        defer { server.stop() }
        let localURL = "https://127.0.0.1:\(server.port)/"
        let namedURL = "https://gatecheck.test:\(server.port)/"
        let resolve = ["gatecheck.test:\(server.port):127.0.0.1"]

        // Self-signed and unknown to the system store: refused.
        let strict = CurlHTTPClient(configuration: HTTPClientConfiguration(resolve: resolve))
        defer { strict.shutdown() }
        guard case .failure(let untrusted) = await strict.send(HTTPRequest(url: namedURL, timeout: .seconds(20))) else {
            Issue.record("an untrusted certificate must be refused by default")
            return
        }
        #expect(untrusted.code == 60)
        #expect(untrusted.name == "CURLE_PEER_FAILED_VERIFICATION")

        // Trusted through caBundlePath, with the matching name: accepted.
        let trusting = CurlHTTPClient(configuration: HTTPClientConfiguration(resolve: resolve, caBundlePath: server.certificatePath))
        defer { trusting.shutdown() }
        let trusted = try await trusting.send(HTTPRequest(url: namedURL, timeout: .seconds(20))).get()
        #expect(trusted.status == 200)
        #expect(trusted.timings.tlsHandshake > .zero)
        #expect(trusted.timings.connect <= trusted.timings.tlsHandshake)
        #expect(trusted.timings.tlsHandshake <= trusted.timings.preTransfer)

        // Trusted CA but a name the certificate does not cover: refused (host name verification).
        guard case .failure(let mismatch) = await trusting.send(HTTPRequest(url: localURL, timeout: .seconds(20))) else {
            Issue.record("a certificate for another host name must be refused")
            return
        }
        #expect(mismatch.code == 60)

        // A CA bundle that does not exist is reported as such.
        let missingBundle = CurlHTTPClient(configuration: HTTPClientConfiguration(caBundlePath: "/nonexistent/ca.pem"))
        defer { missingBundle.shutdown() }
        guard case .failure(let badFile) = await missingBundle.send(HTTPRequest(url: localURL, timeout: .seconds(20))) else {
            Issue.record("a missing CA bundle must fail")
            return
        }
        #expect([77, 60].contains(badFile.code), "got \(badFile)")

        // insecure: anything goes.
        let insecure = CurlHTTPClient(configuration: HTTPClientConfiguration(insecure: true))
        defer { insecure.shutdown() }
        let accepted = try await insecure.send(HTTPRequest(url: localURL, timeout: .seconds(20))).get()
        #expect(accepted.status == 200)

        // Offering HTTP/2 to a server without h2 in ALPN falls back to HTTP/1.x.
        let offeringH2 = CurlHTTPClient(configuration: HTTPClientConfiguration(insecure: true, httpVersion: .http2))
        defer { offeringH2.shutdown() }
        let fallback = try await offeringH2.send(HTTPRequest(url: localURL, timeout: .seconds(20))).get()
        #expect(fallback.status == 200)
        #expect(fallback.httpVersion.hasPrefix("HTTP/1."))
    }
}
