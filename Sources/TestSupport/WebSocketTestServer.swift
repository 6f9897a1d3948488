import Foundation
import Synchronization

/// A WebSocket server on 127.0.0.1 for the runner's tests: a `python3` subprocess running the `websockets` package
/// (scripts/install-deps.sh --test installs it), over TLS when asked. Its endpoints:
/// - `/echo`: sends back every message (text as text, binary as binary); the text `whoami` is answered with a JSON
///   document of what the handshake carried (`path`, `query`, `authorization`, `token` from `X-Token`, `subprotocol`,
///   `amzDate` from `X-Amz-Date`); `fragments` is answered with `fragmented` in two frames; `close-me` makes the server
///   close with 4001 "bye"; `twice` is answered with `one` then `two`.
/// - `/welcome`: sends `{"type":"welcome"}` as soon as the connection opens.
/// - `/goodbye`: closes with 1008 "policy" as soon as the connection opens.
/// - `/refuse`: refuses the upgrade with 403 and `{"message":"Forbidden"}` (what API Gateway does when `$connect` denies).
/// - `/private`: refuses with 401 unless `Authorization: Bearer s3cret-token` is sent.
/// The subprotocol `chat` is accepted when offered.
public final class WebSocketTestServer: Sendable {
    public let port: Int
    /// With TLS: the PEM of the throwaway CA that signed the server's certificate.
    public let caCertificatePath: String?
    private let directory: String?
    private let process: Mutex<Process?>

    /// `ws://127.0.0.1:PORT` or `wss://127.0.0.1:PORT`.
    public var webSocketURL: String { "\(caCertificatePath == nil ? "ws" : "wss")://127.0.0.1:\(port)" }
    /// The same address as an HTTP base URL (`http://` / `https://`), as a suite's target is written.
    public var baseURL: String { "\(caCertificatePath == nil ? "http" : "https")://127.0.0.1:\(port)" }

    /// Whether python3 with the `websockets` package (and openssl, for TLS) is on this machine.
    public static var isAvailable: Bool { python != nil }

    /// The `python3` that PATH finds (as `scripts/install-deps.sh` installs into it), when it can import `websockets`.
    static let python: String? = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import sys, websockets.asyncio.server; print(sys.executable)"]
        let output = Pipe()
        probe.standardOutput = output
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }
        let path = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }()

    /// Starts the server; `tls` makes it serve `wss://` with a certificate of that kind.
    public init(tls: TLSTestServer.Certificate? = nil) throws {
        guard let python = Self.python else {
            throw TLSTestServerError(description: "the WebSocket test server needs python3 with the websockets package on PATH")
        }
        var arguments: [String] = []
        if let tls {
            guard let openssl = TLSTestServer.findExecutable("openssl") else {
                throw TLSTestServerError(description: "the wss:// test server needs openssl on PATH")
            }
            let directory = NSTemporaryDirectory() + "gatecheck-wss-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.directory = directory
            caCertificatePath = try TLSTestServer.makeCertificates(tls, in: directory, openssl: openssl)
            arguments = [directory + "/server.pem", directory + "/server.key"]
        } else {
            directory = nil
            caCertificatePath = nil
        }
        let (process, port) = try TLSTestServer.startPython(python, script: Self.script, arguments: arguments)
        self.port = port
        self.process = Mutex(process)
    }

    deinit { stop() }

    /// Stops the server process and removes its certificates. Idempotent.
    public func stop() {
        TLSTestServer.stopProcess(process)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let script = """
    import asyncio, json, ssl, sys, urllib.parse
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    def select_subprotocol(connection, offered):
        return "chat" if "chat" in offered else None

    def process_request(connection, request):
        path = urllib.parse.urlsplit(request.path).path
        if path == "/refuse":
            body = b'{"message":"Forbidden"}'
            return Response(403, "Forbidden", Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))]), body)
        if path == "/private" and request.headers.get("Authorization") != "Bearer s3cret-token":
            body = b'{"message":"Unauthorized"}'
            return Response(401, "Unauthorized", Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))]), body)
        return None

    async def handler(ws):
        parts = urllib.parse.urlsplit(ws.request.path)
        if parts.path == "/welcome":
            await ws.send('{"type":"welcome"}')
        if parts.path == "/goodbye":
            await ws.close(1008, "policy")
            return
        async for message in ws:
            if message == "whoami":
                headers = ws.request.headers
                await ws.send(json.dumps({"path": parts.path, "query": dict(urllib.parse.parse_qsl(parts.query)),
                                          "authorization": headers.get("Authorization"), "token": headers.get("X-Token"),
                                          "subprotocol": ws.subprotocol, "amzDate": headers.get("X-Amz-Date")}))
            elif message == "fragments":
                await ws.send(["frag", "mented"])
            elif message == "close-me":
                await ws.close(4001, "bye")
            elif message == "twice":
                await ws.send("one")
                await ws.send("two")
            else:
                await ws.send(message)

    async def main():
        context = None
        if len(sys.argv) > 2:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
        async with serve(handler, "127.0.0.1", 0, ssl=context, process_request=process_request,
                         select_subprotocol=select_subprotocol, ping_interval=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.get_running_loop().create_future()

    asyncio.run(main())
    """
}
