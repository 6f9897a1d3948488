import Foundation
import Synchronization

/// Why the TLS test server could not start.
public struct TLSTestServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// An HTTPS server on 127.0.0.1 for tests of certificate verification: throwaway certificates made at test
/// time with the `openssl` CLI, served by a small `python3` `ssl` server subprocess. Every `GET` answers
/// `200 OK` with the body `tls ok`.
public final class TLSTestServer: Sendable {
    /// Which certificate the server presents (all for `127.0.0.1` and `localhost`).
    public enum Certificate: Sendable {
        /// Signed by the throwaway CA in `caCertificatePath`: trusted when that file is the CA bundle.
        case signedByTestCA
        /// Self-signed: never trusted.
        case selfSigned
        /// Signed by the test CA but already expired.
        case expired
    }

    /// The port the server listens on.
    public let port: Int
    /// PEM file of the throwaway CA (pass it as the client's CA bundle to trust `.signedByTestCA`).
    public let caCertificatePath: String
    private let directory: String
    private let process: Mutex<Process?>

    /// `https://127.0.0.1:PORT`.
    public var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Whether `openssl` and `python3` are on this machine.
    public static var isAvailable: Bool {
        findExecutable("openssl") != nil && findExecutable("python3") != nil
    }

    /// Makes the certificates and starts the server; throws when a tool fails.
    public init(certificate: Certificate) throws {
        guard let openssl = Self.findExecutable("openssl"), let python = Self.findExecutable("python3") else {
            throw TLSTestServerError(description: "the TLS test server needs openssl and python3 on PATH")
        }
        let directory = NSTemporaryDirectory() + "gatecheck-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        caCertificatePath = try Self.makeCertificates(certificate, in: directory, openssl: openssl)
        let script = """
        import http.server, ssl, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                body = b"tls ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
        let (process, port) = try Self.startPython(python, script: script, arguments: [directory + "/server.pem", directory + "/server.key"])
        self.port = port
        self.process = Mutex(process)
    }

    deinit { stop() }

    /// Stops the server process and removes the certificates. Idempotent.
    public func stop() {
        Self.stopProcess(process)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Makes the throwaway CA and the server certificate `server.pem` / `server.key` in `directory`; returns the CA's path.
    static func makeCertificates(_ certificate: Certificate, in directory: String, openssl: String) throws -> String {
        let caCertificatePath = directory + "/ca.pem"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let san = "subjectAltName=IP:127.0.0.1,DNS:localhost"
        try Self.run(openssl, ["req", "-x509"] + ec + ["-keyout", directory + "/ca.key", "-out", caCertificatePath,
                                                       "-days", "2", "-subj", "/CN=gatecheck throwaway test CA"])
        switch certificate {
        case .selfSigned:
            try Self.run(openssl, ["req", "-x509"] + ec + ["-keyout", directory + "/server.key", "-out", directory + "/server.pem",
                                                           "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", san])
        case .signedByTestCA, .expired:
            try Self.run(openssl, ["req"] + ec + ["-keyout", directory + "/server.key", "-out", directory + "/server.csr",
                                                  "-subj", "/CN=127.0.0.1"])
            try san.write(toFile: directory + "/ext.cnf", atomically: true, encoding: .utf8)
            // A negative validity makes notAfter fall before now: an expired certificate, no clock tricks needed.
            let days = certificate == .expired ? "-1" : "2"
            try Self.run(openssl, ["x509", "-req", "-in", directory + "/server.csr", "-CA", caCertificatePath,
                                   "-CAkey", directory + "/ca.key", "-CAcreateserial", "-out", directory + "/server.pem",
                                   "-days", days, "-extfile", directory + "/ext.cnf"])
        }
        return caCertificatePath
    }

    /// Kills the server process held by `process` (once: it is taken out) and waits for it.
    static func stopProcess(_ process: borrowing Mutex<Process?>) {
        guard let process = process.withLock({ current -> Process? in defer { current = nil }; return current }) else { return }
        // SIGKILL, not terminate(): a child spawned from a Dispatch worker thread inherits its blocked
        // signal mask, so SIGTERM may never be delivered.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Starts `python3 -c script arguments...`, whose first line of output is the port it listens on.
    static func startPython(_ python: String, script: String, arguments: [String]) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port; read byte by byte so nothing after it is consumed.
        var line: [UInt8] = []
        let handle = output.fileHandleForReading
        while line.last != UInt8(ascii: "\n") {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(contentsOf: byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TLSTestServerError(description: "the python3 test server did not report its port")
        }
        return (process, port)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSTestServerError(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: text, as: UTF8.self))")
        }
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
