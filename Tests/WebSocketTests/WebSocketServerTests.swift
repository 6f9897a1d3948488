import Foundation
import Gateway
import GatewayServer
import JSONCore
import Testing

/// The WebSocket emulator through real sockets: a python3 websocket-client connects to `ws://127.0.0.1:PORT/prod`,
/// the template's Lambda handlers run in real python3 workers and call `@connections` with boto3.
@Suite("WebSocket API emulation", .serialized, .enabled(if: WebSocketFixtures.pythonToolsAvailable, Comment(rawValue: WebSocketFixtures.skipReason)))
struct WebSocketServerTests {
    private func connectionID(fromPong frame: String?) throws -> String {
        let pong = try JSONValue.parse(try #require(frame))
        return try #require(pong["connectionId"]?.stringValue)
    }

    @Test("a message is routed by $request.body.action and a two-way route answers with the Lambda's body")
    func routingAndTwoWayResponse() async throws {
        let emulator = try await ChatEmulator.start()
        let transcript = try emulator.client(steps: [
            ["send": #"{"action":"echo","text":"hi there"}"#], ["recv": 10],
            ["send": #"{"action":"ping"}"#], ["recv": 10],
            ["close": 1000],
        ])
        await emulator.stop()
        #expect(transcript.status == 101)
        #expect(transcript.frames.first == #"{"echo": "hi there", "route": "echo"}"#)
        // MOCK integration: request template picks the status, the integration response's template is sent back,
        // with $context and $stageVariables.
        let id = try connectionID(fromPong: transcript.frames.last ?? nil)
        #expect(transcript.frames.last == #"{"pong": "ping", "stage": "vanilla", "connectionId": "\#(id)"}"#)
        #expect(id.count == 16 && id.hasSuffix("="))
    }

    @Test("a message that selects no route, with no $default route, gets AWS's Forbidden error frame")
    func unmatchedRouteGetsErrorFrame() async throws {
        let emulator = try await ChatEmulator.start()
        let transcript = try emulator.client(steps: [
            ["send": #"{"action":"ping"}"#], ["recv": 10],
            ["send": #"{"action":"nosuchroute"}"#], ["recv": 10],
            ["send": "not json at all"], ["recv": 10],
            ["close": 1000],
        ])
        await emulator.stop()
        let id = try connectionID(fromPong: transcript.frames.first ?? nil)
        for frame in transcript.frames.dropFirst() {
            let text = try #require(frame)
            #expect(text.hasPrefix(#"{"message": "Forbidden", "connectionId":"\#(id)", "requestId":""#))
            #expect(text.hasSuffix(#""}"#))
        }
        #expect(transcript.frames.count == 3)
    }

    @Test("$connect refuses the upgrade: authorizer without identity 401, authorizer deny 403, Lambda's own status")
    func connectRefusals() async throws {
        let emulator = try await ChatEmulator.start()
        let missing = try emulator.client(query: "", steps: [])
        let denied = try emulator.client(query: "?token=wrong", steps: [])
        let refused = try emulator.client(query: "?token=letmein&refuse=429", steps: [])
        let noStage = try emulator.client(stage: "nostage", steps: [])
        await emulator.stop()
        #expect(missing.status == 401)
        #expect(missing.body == #"{"message":"Unauthorized"}"#)
        #expect(denied.status == 403)
        #expect(denied.body == #"{"message":"Forbidden"}"#)
        #expect(refused.status == 429)
        #expect(refused.body == "refused by $connect")
        #expect(noStage.status == 403)
    }

    @Test("Lambda events carry what AWS sends: CONNECT with headers and query, MESSAGE with body, DISCONNECT with the close code")
    func lambdaEvents() async throws {
        let emulator = try await ChatEmulator.start()
        let transcript = try emulator.client(headers: ["X-Client: tests"], steps: [
            ["send": #"{"action":"ping"}"#], ["recv": 10],
            ["send": #"{"action":"echo","text":"x"}"#], ["recv": 10],
            ["close": 1000],
        ])
        // Shutting down waits for the $disconnect integration the close started.
        await emulator.stop()
        let id = try connectionID(fromPong: transcript.frames.first ?? nil)
        let apiID = emulator.api.apiID

        let connect = try emulator.recordedEvent("connect", connectionID: id)
        let context = try #require(connect["requestContext"])
        #expect(context["routeKey"] == .string("$connect"))
        #expect(context["eventType"] == .string("CONNECT"))
        #expect(context["connectionId"] == .string(id))
        #expect(context["stage"] == .string("prod"))
        #expect(context["apiId"] == .string(apiID))
        #expect(context["domainName"] == .string("\(apiID).execute-api.us-east-1.amazonaws.com"))
        #expect(context["messageDirection"] == .string("IN"))
        #expect(context["connectedAt"]?.intValue != nil)
        #expect(context["identity"]?["sourceIp"] == .string("127.0.0.1"))
        #expect(context["authorizer"]?["principalId"] == .string("user-1"))
        #expect(context["authorizer"]?["team"] == .string("blue"))
        #expect(connect["headers"]?["X-Client"] == .string("tests"))
        #expect(connect["headers"]?["Sec-WebSocket-Key"] != nil)
        #expect(connect["queryStringParameters"]?["token"] == .string("letmein"))
        #expect(connect["multiValueQueryStringParameters"]?["token"] == .array([.string("letmein")]))
        #expect(connect["isBase64Encoded"] == .bool(false))

        let message = try emulator.recordedEvent("echo", connectionID: id)
        #expect(message["requestContext"]?["routeKey"] == .string("echo"))
        #expect(message["requestContext"]?["eventType"] == .string("MESSAGE"))
        #expect(message["requestContext"]?["messageId"]?.stringValue?.count == 16)
        #expect(message["requestContext"]?["connectedAt"] == context["connectedAt"])
        #expect(message["requestContext"]?["authorizer"]?["team"] == .string("blue"))
        #expect(message["body"] == .string(#"{"action":"echo","text":"x"}"#))
        #expect(message["isBase64Encoded"] == .bool(false))
        #expect(message["headers"] == nil)

        let disconnect = try emulator.recordedEvent("disconnect", connectionID: id)
        #expect(disconnect["requestContext"]?["routeKey"] == .string("$disconnect"))
        #expect(disconnect["requestContext"]?["eventType"] == .string("DISCONNECT"))
        #expect(disconnect["requestContext"]?["disconnectStatusCode"] == .int(1000))
        #expect(disconnect["headers"]?["X-Client"] == .string("tests"))
    }

    @Test("a handler pushes to its caller through @connections with boto3 (GET info, POST data) and sees GoneException for a closed connection")
    func connectionsAPIThroughBoto3() async throws {
        let emulator = try await ChatEmulator.start()
        let first = try emulator.client(steps: [["send": #"{"action":"ping"}"#], ["recv": 10], ["close": 1000]])
        let goneID = try connectionID(fromPong: first.frames.first ?? nil)
        let second = try emulator.client(steps: [["send": #"{"action":"broadcast","gone":"\#(goneID)"}"#], ["recv": 15], ["close": 1000]])
        await emulator.stop()
        #expect(second.frames.first == #"{"pushed": {"sourceIp": "127.0.0.1", "gone": "GoneException 410"}}"#)
    }

    @Test("@connections calls without a valid SigV4 signature are refused with 403 when credentials are configured")
    func connectionsAPIRequiresSignature() async throws {
        let emulator = try await ChatEmulator.start()
        let url = "\(emulator.server.managementURL)/prod/@connections/AAAAAAAAAAAAAAA%3D"
        let script = """
        import urllib.request, urllib.error
        request = urllib.request.Request("\(url)", data=b"hi", method="POST")
        try:
            urllib.request.urlopen(request)
            print("200")
        except urllib.error.HTTPError as error:
            print(error.code, error.headers.get("x-amzn-ErrorType"))
        """
        let result = try WebSocketFixtures.run(["python3", "-c", script])
        await emulator.stop()
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "403 ForbiddenException")
    }

    @Test("@connections DELETE closes the connection from the server side; an unknown id is 410 GoneException")
    func connectionsDelete() async throws {
        let emulator = try await ChatEmulator.start(signed: false)
        let management = emulator.server.managementURL
        // The client asks for its id (ping), then a second process deletes it while the client waits for a close.
        let script = """
        import json, sys, threading, urllib.request, urllib.error, websocket
        ws = websocket.create_connection("\(emulator.server.baseURL)/prod?token=letmein", timeout=10)
        ws.send('{"action":"ping"}')
        me = json.loads(ws.recv())["connectionId"]
        def call(method, id):
            request = urllib.request.Request("\(management)/prod/@connections/" + urllib.parse.quote(id, safe=""), method=method)
            try:
                return urllib.request.urlopen(request).status
            except urllib.error.HTTPError as error:
                return f"{error.code} {error.headers.get('x-amzn-ErrorType')}"
        info = json.loads(urllib.request.urlopen("\(management)/prod/@connections/" + urllib.parse.quote(me, safe="")).read())
        deleted = call("DELETE", me)
        frame = ws.recv_frame()
        code = int.from_bytes(frame.data[:2], "big")
        print(json.dumps({"info": sorted(info), "deleted": deleted, "close": code, "again": call("DELETE", me)}))
        """
        let result = try WebSocketFixtures.run(["python3", "-c", script])
        await emulator.stop()
        let json = try JSONValue.parse(result.output)
        #expect(json["info"] == .array([.string("connectedAt"), .string("identity"), .string("lastActiveAt")]), "\(result.errors)")
        #expect(json["deleted"] == .int(204))
        #expect(json["close"] == .int(1000))
        #expect(json["again"] == .string("410 GoneException"))
    }

    @Test("limits: a frame above 32 KB and a message above 128 KB close with 1009; 96 KB in 32 KB frames is routed")
    func payloadLimits() async throws {
        let emulator = try await ChatEmulator.start()
        let bigFrame = try emulator.client(steps: [["send": String(repeating: "a", count: 33 * 1024)], ["expectClose": 10]])
        let padding = String(repeating: "p", count: 96 * 1024)
        let framed = try emulator.client(steps: [
            ["sendFrames": ["text": #"{"action":"ping","pad":"\#(padding)"}"#, "size": 32 * 1024]], ["recv": 10], ["close": 1000],
        ])
        let tooLong = String(repeating: "q", count: 129 * 1024)
        let bigMessage = try emulator.client(steps: [
            ["sendFrames": ["text": #"{"action":"ping","pad":"\#(tooLong)"}"#, "size": 32 * 1024]], ["expectClose": 10],
        ])
        await emulator.stop()
        #expect(bigFrame.closeCode == 1009)
        #expect(framed.frames.first??.hasPrefix(#"{"pong": "ping""#) == true)
        #expect(bigMessage.closeCode == 1009)
    }

    @Test("an idle connection is closed with 1001 after the idle timeout (lowered for the test)")
    func idleTimeout() async throws {
        let emulator = try await ChatEmulator.start(configuration: .init(idleTimeoutSeconds: 0.2))
        let transcript = try emulator.client(steps: [["expectClose": 10]])
        await emulator.stop()
        #expect(transcript.closeCode == 1001)
    }

    @Test("a connection is closed with 1001 at the end of its lifetime even when it is busy (lowered for the test)")
    func connectionLifetime() async throws {
        let emulator = try await ChatEmulator.start(configuration: .init(idleTimeoutSeconds: 60, maxConnectionSeconds: 0.3))
        let transcript = try emulator.client(steps: [["send": #"{"action":"ping"}"#], ["recv": 10], ["expectClose": 10]])
        await emulator.stop()
        #expect(transcript.frames.count == 1)
        #expect(transcript.closeCode == 1001)
    }
}
