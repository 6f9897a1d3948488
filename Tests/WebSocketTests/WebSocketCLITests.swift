import Foundation
import JSONCore
import Testing

/// `gatecheck emulate --template` serves a template's WebSocket API: the user's path, through the real binary.
@Suite("gatecheck emulate --template with a WebSocket API", .enabled(if: WebSocketFixtures.pythonToolsAvailable, Comment(rawValue: WebSocketFixtures.skipReason)))
struct WebSocketCLITests {
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatecheck").path
    }

    @Test("the start-up lines name the ws:// URL and the @connections endpoint; a client is routed through real handlers")
    func emulateServesWebSocketTemplate() throws {
        // A python3 driver starts the binary, reads its start-up lines, connects, and stops it with SIGTERM.
        let script = """
        import json, re, signal, subprocess, sys, websocket
        process = subprocess.Popen([sys.argv[1], "emulate", "--template", sys.argv[2], "--backends", sys.argv[3], "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = [process.stdout.readline(), process.stdout.readline()]
        url = re.search(r"ws://[0-9.:]+/prod", lines[1]).group(0)
        ws = websocket.create_connection(url + "?token=letmein", timeout=10)
        ws.send('{"action":"echo","text":"from the CLI"}')
        reply = ws.recv()
        ws.close()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        print(json.dumps({"lines": lines, "reply": reply, "exit": process.returncode, "stderr": process.stderr.read()}))
        """
        let result = try WebSocketFixtures.run(["python3", "-c", script, Self.binary, WebSocketFixtures.template,
                                                WebSocketFixtures.directory + "/chat-backends.yaml"])
        let json = try JSONValue.parse(result.output)
        let lines = json["lines"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(lines.first?.contains("emulating the WebSocket APIs of") == true, "\(result.errors)")
        #expect(lines.last?.contains("-> WebSocket API chat (@connections at http://127.0.0.1:") == true)
        #expect(json["reply"] == .string(#"{"echo": "from the CLI", "route": "echo"}"#))
        #expect(json["exit"] == .int(0))
        #expect(json["stderr"]?.stringValue?.contains("DefaultRouteSettings is not emulated") == true)
    }
}
