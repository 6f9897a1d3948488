import Backends
import Foundation
import Gateway
import GatewayServer
import JSONCore
import SigV4
import Testing

/// Paths and tools of the WebSocket tests.
enum WebSocketFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let template = directory + "/chat-template.yaml"

    /// Whether python3 with `websocket-client` and boto3 is here (scripts/install-deps.sh --test installs them).
    static let pythonToolsAvailable: Bool = {
        (try? run(["python3", "-c", "import websocket, boto3"]))?.status == 0
    }()
    static let skipReason = "python3 with websocket-client and boto3 is needed (scripts/install-deps.sh --test installs them)"

    static let accessKey = "AKIDWEBSOCKETTEST"
    static let secretKey = "websocket-test-secret"

    /// Runs a process to completion; its standard output and status.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe(), errors = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = standardInput
        try process.run()
        let writer = standardInput.fileHandleForWriting
        let inputData = Data(input.utf8)
        // Written on another thread so a large plan cannot dead-lock against the child's output.
        let feeding = Thread { writer.write(inputData); try? writer.close() }
        feeding.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// What the python client saw.
struct ClientTranscript {
    var status: Int
    var body: String
    var frames: [String?]
    var closeCode: Int?
    var closeReason: String
    var subprotocol: String?
}

/// A running WebSocket emulator for the chat template, with real python3 handlers.
final class ChatEmulator: @unchecked Sendable {
    let server: WebSocketServer
    let pool: BackendPool
    let eventsDirectory: String
    let api: WebSocketAPIDefinition

    static func start(configuration: WebSocketServerConfiguration = .init(), signed: Bool = true) async throws -> ChatEmulator {
        let template = try WebSocketAPILoader.load(templatePath: WebSocketFixtures.template)
        let api = try #require(template.apis.first)
        let events = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-ws-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: events, withIntermediateDirectories: true)
        let environment = ["EVENTS_DIR": events, "AWS_ACCESS_KEY_ID": WebSocketFixtures.accessKey,
                           "AWS_SECRET_ACCESS_KEY": WebSocketFixtures.secretKey, "AWS_DEFAULT_REGION": "us-east-1"]
        func handler(_ function: String) -> LambdaDefinition {
            .handler(HandlerSpec(runtime: .python, file: WebSocketFixtures.directory + "/handlers.py", function: function,
                                 timeout: .seconds(10), environment: environment))
        }
        let backends = BackendsConfiguration(lambdas: [
            ("AuthorizerFunction", handler("authorize")), ("ConnectFunction", handler("connect")),
            ("DisconnectFunction", handler("disconnect")), ("EchoFunction", handler("echo")),
            ("BroadcastFunction", handler("broadcast")),
        ])
        let log: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data(("emulator: " + line + "\n").utf8)) }
        let (registry, pool) = try backends.makeRegistry(log: log)
        var configuration = configuration
        if signed {
            configuration.verifier = SigV4Verifier(region: "us-east-1") { $0 == WebSocketFixtures.accessKey ? WebSocketFixtures.secretKey : nil }
        }
        let server = try await WebSocketServer.start(gateway: WebSocketGateway(api: api, backends: registry, log: log), configuration: configuration)
        // The handlers read the @connections endpoint from here (it is known once the server listens).
        try server.managementURL.write(toFile: events + "/management-url", atomically: true, encoding: String.Encoding.utf8)
        return ChatEmulator(server: server, pool: pool, eventsDirectory: events, api: api)
    }

    private init(server: WebSocketServer, pool: BackendPool, eventsDirectory: String, api: WebSocketAPIDefinition) {
        self.server = server
        self.pool = pool
        self.eventsDirectory = eventsDirectory
        self.api = api
    }

    /// Shuts the server down (waiting for running `$disconnect` integrations) and the handler workers.
    func stop() async {
        await server.shutdown()
        await pool.shutdown()
    }

    /// Runs the python client with `steps` against `/{stage}{query}`.
    func client(stage: String = "prod", query: String = "?token=letmein", headers: [String] = [],
                steps: [[String: Any]]) throws -> ClientTranscript {
        let plan: [String: Any] = ["url": "\(server.baseURL)/\(stage)\(query)", "headers": headers, "steps": steps]
        let planText = String(decoding: try JSONSerialization.data(withJSONObject: plan), as: UTF8.self)
        let result = try WebSocketFixtures.run(["python3", WebSocketFixtures.directory + "/wsclient.py"], input: planText)
        guard result.status == 0, let data = result.output.data(using: .utf8),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ClientFailure(message: "the python client failed (\(result.status)): \(result.errors)")
        }
        let close = json["close"] as? [Any]
        return ClientTranscript(status: json["status"] as? Int ?? 0, body: json["body"] as? String ?? "",
                                frames: (json["frames"] as? [Any] ?? []).map { $0 as? String },
                                closeCode: close?.first as? Int, closeReason: close?.last as? String ?? "",
                                subprotocol: json["subprotocol"] as? String)
    }

    /// An event a handler recorded (`connect`, `disconnect`, `echo`) for a connection.
    func recordedEvent(_ name: String, connectionID: String) throws -> JSONValue {
        let path = eventsDirectory + "/\(name)-\(connectionID).json"
        return try JSONValue.parse(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}

struct ClientFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
