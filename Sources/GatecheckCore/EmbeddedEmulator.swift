import Backends
import Foundation
import Gateway
import GatewayServer
import SourceDiagnostics
import Yams

/// The embedded emulator: serves a suite's OpenAPI definition on loopback through the `Gateway`
/// pipeline, with the suite's backends. It is used by `gatecheck run` when there is no `--target`.
public struct EmbeddedEmulator: EmulatorProvider {
    /// Receives the server's per-request log lines and backend output (nil: not shown).
    public var log: (@Sendable (String) -> Void)?

    public init(log: (@Sendable (String) -> Void)? = nil) { self.log = log }

    enum LoadedAPI {
        case rest(RESTAPIDefinition)
        case http(HTTPAPIDefinition)
    }

    /// Loads the API definition: `apiType` decides, otherwise the document's features do.
    func loadAPI(_ suite: Suite) throws(DiagnosticsError) -> LoadedAPI {
        guard let path = suite.api else {
            throw DiagnosticsError([Diagnostic(file: suite.file, message: "the embedded emulator needs an API definition: add `api:` to the suite or pass --target")])
        }
        var type = suite.apiType
        if type == nil {
            let text: String
            switch YAMLSource.readText(path: path) {
            case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
            case let .success(read): text = read
            }
            switch HTTPAPILoader.detectKind(text: text) {
            case .httpAPI: type = .http
            case .restAPI: type = .rest
            case .undetermined:
                if case let .failure(diagnostic) = YAMLSource.parse(text, file: path) { throw DiagnosticsError([diagnostic]) }
                throw DiagnosticsError([Diagnostic(file: suite.file, message: "cannot tell whether \(path) is a REST API or an HTTP API: add `apiType: rest` or `apiType: http` to the suite")])
            }
        }
        if type == .http { return .http(try HTTPAPILoader.load(path: path)) }
        return .rest(try RESTAPILoader.load(path: path))
    }

    /// Loads `backends:`, re-reading an inline mapping from the suite file so positions stay exact.
    func loadBackends(_ suite: Suite) throws(DiagnosticsError) -> BackendsConfiguration {
        switch suite.backends {
        case nil:
            return BackendsConfiguration()
        case let .file(path)?:
            return try BackendsLoader.load(path: path)
        case let .inline(suiteFile, _, yaml)?:
            if case let .success(text) = YAMLSource.readText(path: suiteFile),
               case let .success(root?) = YAMLSource.parse(text, file: suiteFile),
               case let .mapping(mapping) = root,
               let node = mapping.first(where: { $0.key.scalar?.string == "backends" })?.value {
                return try BackendsLoader.load(node: node, file: suiteFile)
            }
            return try BackendsLoader.load(text: yaml, file: suiteFile)
        }
    }

    var stageVariablesOf: (Suite) -> [String: String] {
        { suite in Dictionary(suite.stageVariables.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }) }
    }

    public func check(_ suite: Suite) -> [Diagnostic] {
        for path in [suite.api, suite.backends.flatMap { if case let .file(path) = $0 { path } else { nil } }].compactMap({ $0 }) {
            if let tooBig = Self.budgetProblem(path: path) { return [tooBig] }
        }
        do {
            let api = try loadAPI(suite)
            let backends = try loadBackends(suite)
            let variables = stageVariablesOf(suite)
            let functions: Set<String>, hosts: Set<String>
            switch api {
            case let .rest(definition):
                functions = definition.referencedFunctionNames(stageVariables: variables)
                hosts = definition.referencedHTTPHosts(stageVariables: variables)
            case let .http(definition):
                functions = definition.referencedFunctions
                hosts = definition.referencedHosts
            }
            return backends.diagnostics + backends.unmappedDiagnostics(functions: functions, hosts: hosts, suite: suite.name, file: suite.file)
        } catch {
            return error.diagnostics
        }
    }

    /// An alias bomb in an API definition or backends file, found before the loaders walk it.
    static func budgetProblem(path: String) -> Diagnostic? {
        guard case let .success(text) = YAMLSource.readText(path: path), case let .success(node?) = YAMLSource.parse(text, file: path) else {
            return nil  // the loaders report unreadable files themselves
        }
        return YAMLBudget.check(node, file: path)
    }

    public func checkDefinition(path: String, text: String) -> [Diagnostic]? {
        guard case let .success(node?) = YAMLSource.parse(text, file: path), case let .mapping(mapping) = node else { return nil }
        if let tooBig = YAMLBudget.check(node, file: path) { return [tooBig] }
        let keys = Set(mapping.keys.compactMap(\.scalar?.string))
        do {
            if keys.contains("openapi") || keys.contains("swagger") {
                if HTTPAPILoader.detectKind(node) == .httpAPI {
                    _ = try HTTPAPILoader.load(path: path)
                } else {
                    _ = try RESTAPILoader.load(path: path)
                }
                return []
            }
            if !keys.contains("cases"), !keys.isDisjoint(with: ["lambdas", "http"]) {
                return try BackendsLoader.load(path: path).diagnostics
            }
        } catch {
            return error.diagnostics
        }
        return nil
    }

    public func start(for suite: Suite) async throws(EmulatorError) -> any EmulatorInstance {
        let api: LoadedAPI, backends: BackendsConfiguration
        do {
            api = try loadAPI(suite)
            backends = try loadBackends(suite)
        } catch {
            throw EmulatorError(error.description)
        }
        let registry: BackendRegistry, pool: BackendPool
        do {
            (registry, pool) = try backends.makeRegistry(log: log ?? { _ in })
        } catch {
            throw EmulatorError(error.message)
        }
        let handler: any GatewayHandler
        let basePath: String
        let variables = stageVariablesOf(suite)
        switch api {
        case let .rest(definition):
            // REST APIs are always invoked under their stage: https://{id}.execute-api.{region}.amazonaws.com/{stage}/...
            let stage = StageSettings(name: suite.stage ?? StageSettings().name, variables: variables)
            handler = RESTGateway(api: definition, stage: stage, backends: registry)
            basePath = "/" + stage.name
        case let .http(definition):
            // HTTP APIs serve `$default` at the root and any other stage under /{stage}.
            let stage = suite.stage ?? "$default"
            handler = HTTPAPIGateway(api: definition, stage: stage, stageVariables: variables, backends: registry)
            basePath = stage == "$default" ? "" : "/" + stage
        }
        do {
            let server = try await GatewayServer.start(handler: handler, configuration: GatewayServerConfiguration(), log: log)
            return Instance(server: server, pool: pool, baseURL: server.baseURL + basePath)
        } catch {
            await pool.shutdown()
            throw EmulatorError("cannot start the emulator's server: \(error)")
        }
    }

    struct Instance: EmulatorInstance {
        let server: GatewayServer
        let pool: BackendPool
        let baseURL: String

        func stop() async {
            await server.shutdown()
            await pool.shutdown()
        }
    }
}
