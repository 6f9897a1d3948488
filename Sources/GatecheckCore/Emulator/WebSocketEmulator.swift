import Backends
import Foundation
import Gateway
import GatewayServer
import SigV4
import SourceDiagnostics

/// The WebSocket APIs of a template served on loopback (`gatecheck emulate --template`): one `WebSocketServer` per
/// API, sharing one set of backends. Stop it with `stop()` (it also stops handler worker processes).
public struct RunningWebSocketEmulator: Sendable {
    /// Each API with its server.
    public let servers: [(api: WebSocketAPIDefinition, server: WebSocketServer)]
    let pool: BackendPool
    /// Load-time warnings of the template's WebSocket resources and of the backends.
    public let warnings: [Diagnostic]

    /// One line per stage: `ws://127.0.0.1:PORT/prod (chat; @connections at http://127.0.0.1:PORT/prod)`.
    public var endpointLines: [String] {
        servers.flatMap { entry in
            entry.api.stages.map { "\(entry.server.baseURL)/\($0.name) -> WebSocket API \(entry.api.name) (@connections at \(entry.server.managementURL)/\($0.name))" }
        }
    }

    public func prewarm() async { await pool.prewarm() }

    public func stop() async {
        for entry in servers { await entry.server.shutdown() }
        await pool.shutdown()
    }
}

public enum WebSocketEmulatorLauncher {
    /// Serves the WebSocket APIs of the template at `templatePath`; nil when it declares none. Functions the backends
    /// do not map answer as missing (`ResourceNotFoundException`), as `gatecheck emulate` serves them for the other
    /// API kinds. `port` is used by the first API (0 picks a free one); others get free ports.
    public static func start(templatePath: String, backends: BackendsReference?, parameters: [String: String] = [:],
                             iamCredentials: [String: String] = [:], host: String = "127.0.0.1", port: Int = 0,
                             log: (@Sendable (String) -> Void)? = nil) async throws(EmulatorError) -> RunningWebSocketEmulator? {
        // Only a template that declares a WebSocket API is read here (its other APIs are the other loaders' business).
        guard declaresWebSocketAPI(templatePath: templatePath) else { return nil }
        let spec = EmulatorSpec(apiPath: templatePath, backends: backends)
        let loaded: BackendsConfiguration
        let template: WebSocketTemplate
        do {
            loaded = try EmulatorLauncher.loadBackends(spec)
            template = try WebSocketAPILoader.load(templatePath: templatePath,
                                                   parameters: ImportParameters(values: parameters, functionNames: loaded.functionNames))
        } catch {
            throw EmulatorError(error.description)
        }
        guard !template.apis.isEmpty else { return nil }
        let referenced = Set(template.apis.flatMap(\.referencedFunctions))
        let missing = referenced.subtracting(loaded.functionNames).sorted()
        let backendsConfiguration = loaded.addingMissingFunctions(missing)
        let registry: BackendRegistry, pool: BackendPool
        do {
            (registry, pool) = try backendsConfiguration.makeRegistry(log: log ?? { _ in }, directToUnmappedHosts: true)
        } catch {
            throw EmulatorError(error.message)
        }
        let verifier = iamCredentials.isEmpty ? nil : SigV4Verifier { iamCredentials[$0] }
        var servers: [(api: WebSocketAPIDefinition, server: WebSocketServer)] = []
        for (index, api) in template.apis.enumerated() {
            let gateway = WebSocketGateway(api: api, backends: registry, verifier: verifier, log: log)
            do {
                let server = try await WebSocketServer.start(gateway: gateway, configuration: .init(host: host, port: index == 0 ? port : 0, verifier: verifier))
                servers.append((api, server))
            } catch {
                for entry in servers { await entry.server.shutdown() }
                await pool.shutdown()
                throw EmulatorError("cannot start the WebSocket server on \(host):\(port): \(error)")
            }
        }
        let missingWarnings = EmulatorLauncher.missingFunctionWarnings(missing, spec: spec)
        return RunningWebSocketEmulator(servers: servers, pool: pool, warnings: template.diagnostics + loaded.diagnostics + missingWarnings)
    }
}

extension WebSocketEmulatorLauncher {
    /// Whether the template at `path` declares a WebSocket API and nothing else to serve: no REST or HTTP API
    /// (explicit, or SAM's implicit one from function `Events`) and no API mapping.
    public static func servesOnlyWebSockets(templatePath path: String) -> Bool {
        webSocketResources(templatePath: path) == .onlyWebSockets
    }

    /// Whether the template at `path` declares an `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`.
    public static func declaresWebSocketAPI(templatePath path: String) -> Bool {
        webSocketResources(templatePath: path) != .none
    }

    private enum WebSocketResources { case none, withOtherAPIs, onlyWebSockets }

    private static func webSocketResources(templatePath path: String) -> WebSocketResources {
        guard case let .success(text) = YAMLSource.readText(path: path), case let .success(root?) = YAMLSource.parse(text, file: path),
              case let .mapping(resources)? = root["Resources"] else { return .none }
        var webSocket = false, other = false
        for (_, resource) in resources {
            switch resource["Type"]?.scalar?.string {
            case "AWS::ApiGateway::BasePathMapping"?, "AWS::ApiGatewayV2::ApiMapping"?, "AWS::ApiGateway::RestApi"?,
                 "AWS::Serverless::Api"?, "AWS::Serverless::HttpApi"?:
                other = true
            case "AWS::ApiGatewayV2::Api"?:
                if resource["Properties"]?["ProtocolType"]?.scalar?.string == "WEBSOCKET" { webSocket = true } else { other = true }
            case "AWS::Serverless::Function"?:
                if case let .mapping(events)? = resource["Properties"]?["Events"],
                   events.contains(where: { ["Api", "HttpApi"].contains($0.value["Type"]?.scalar?.string ?? "") }) {
                    other = true
                }
            default: break
            }
        }
        return webSocket ? (other ? .withOtherAPIs : .onlyWebSockets) : .none
    }
}
