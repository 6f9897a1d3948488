import Backends
import Foundation
import Gateway
import SigV4
import SourceDiagnostics
import Stages
import Synchronization

/// The embedded emulator: serves a suite's OpenAPI definition on loopback through the `Gateway`
/// pipeline, with the suite's backends. It is used by `gatecheck run` when there is no `--target`.
/// It builds an ``EmulatorSpec`` from the suite and lets ``EmulatorLauncher`` load and start it.
///
/// When the API has `AWS_IAM` methods or routes, the emulator accepts SigV4 signatures made with the
/// credentials the standard AWS chain resolves (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, then the
/// `AWS_PROFILE` or `default` profile of `~/.aws`): the same ones `auth: sigv4` signs with.
public struct EmbeddedEmulator: EmulatorProvider {
    /// Receives the server's per-request log lines and backend output (nil: not shown).
    public var log: (@Sendable (String) -> Void)?
    /// Where the IAM credentials are looked up (the process environment by default).
    public var environment: [String: String]
    /// Where `~/.aws/credentials` and `~/.aws/config` are looked up.
    public var homeDirectory: String
    /// Every API definition warning is an error (`--fail-on-warnings`, API Gateway import's `failOnWarnings=true`).
    public var failOnWarnings = false
    /// `--parameter` values for the definitions' CloudFormation references; they win over a suite's `parameters:`.
    public var importParameters: [String: String]
    private let credentials = IAMCredentialCache()

    public init(log: (@Sendable (String) -> Void)? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                homeDirectory: String = NSHomeDirectory(), importParameters: [String: String] = [:]) {
        self.log = log
        self.importParameters = importParameters
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// The emulator's view of a suite: its API, backends, stage and stage variables.
    func spec(for suite: Suite) throws(DiagnosticsError) -> EmulatorSpec {
        guard let path = suite.api ?? suite.template else {
            throw DiagnosticsError([Diagnostic(file: suite.file, message: "the embedded emulator needs an API definition: add `api:` to the suite or pass --target (or `template:` for a SAM/CloudFormation template)")])
        }
        var spec = EmulatorSpec(apiPath: path, apiType: suite.apiType, backends: suite.backends, stage: suite.stage,
                                stageVariables: Dictionary(suite.stageVariables.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                                origin: suite.file, owner: suite.name)
        spec.apiTypeAdvice = "add `apiType: rest` or `apiType: http` to the suite"
        if let template = suite.template { spec.template = TemplateAPISelection(path: template, apiResource: suite.apiResource) }
        if let basePath = suite.basePath, case let .success(key) = APIMappingKey.parse(basePath) {
            spec.apiMappings = [APIMappingSpec(basePath: key, stage: suite.stage)]
        }
        spec.failOnWarnings = failOnWarnings
        spec.recordsCoverage = true
        spec.parameters = Dictionary(suite.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
            .merging(importParameters) { _, command in command }
        return spec
    }

    /// The credentials accepted on `AWS_IAM` routes: access key id -> secret (resolved once, then reused).
    func iamCredentials() -> Result<[String: String], AuthorizationError> {
        credentials.value {
            let resolver = AWSCredentialResolver(environment: environment, homeDirectory: homeDirectory)
            return Result { () throws(AuthorizationError) -> [String: String] in
                let resolved = try resolver.resolve(.standardChain)
                return [resolved.accessKeyID: resolved.secretAccessKey]
            }
        }
    }

    public func check(_ suite: Suite) -> [Diagnostic] {
        let spec: EmulatorSpec
        do { spec = try self.spec(for: suite) } catch { return error.diagnostics }
        if let template = suite.template, WebSocketEmulatorLauncher.servesOnlyWebSockets(templatePath: template) {
            // Only WebSocket APIs: the template is read as the WebSocket server reads it.
            return webSocketDiagnostics(spec, template: template, backendErrorsOnly: true)
        }
        var diagnostics = EmulatorLauncher.checkBackends(spec)
        if let template = suite.template, suite.cases.contains(where: { $0.webSocket != nil }),
           WebSocketEmulatorLauncher.declaresWebSocketAPI(templatePath: template) {
            // A template with REST/HTTP and WebSocket APIs: the WebSocket side's warnings too.
            diagnostics += webSocketDiagnostics(spec, template: template, backendErrorsOnly: false)
        }
        if !diagnostics.contains(where: { $0.severity == .error }), let api = try? EmulatorLauncher.loadAPI(spec),
           let first = api.iamRoutes.first, case let .failure(problem) = iamCredentials() {
            let subject = api.iamRoutes.count > 1 ? "\(first) and \(api.iamRoutes.count - 1) more use" : "\(first) uses"
            diagnostics.append(Diagnostic(.warning, file: suite.file,
                                          message: "\(subject) AWS_IAM authorization, but no AWS credentials were found for the emulator to accept (\(problem)), so every request to them gets 403"))
        }
        return diagnostics
    }

    /// What the WebSocket emulator says about `template` (every property it does not act on is a warning, as for the
    /// other kinds), plus the backends' errors when `backendErrorsOnly` (the other branch has them from `checkBackends`).
    private func webSocketDiagnostics(_ spec: EmulatorSpec, template: String, backendErrorsOnly: Bool) -> [Diagnostic] {
        do {
            let loaded = try EmulatorLauncher.loadBackends(spec)
            let webSockets = try WebSocketAPILoader.load(templatePath: template,
                                                         parameters: ImportParameters(values: spec.parameters, functionNames: loaded.functionNames))
            return (backendErrorsOnly ? loaded.diagnostics.filter { $0.severity == .error } : []) + webSockets.diagnostics
        } catch {
            return error.diagnostics
        }
    }

    public func checkDefinition(path: String, text: String) -> DefinitionCheck? {
        guard case let .success(node?) = YAMLSource.parse(text, file: path), case let .mapping(mapping) = node else { return nil }
        let keys = Set(mapping.keys.compactMap(\.scalar?.string))
        if keys.contains("openapi") || keys.contains("swagger") {
            let format = keys.contains("swagger") && !keys.contains("openapi") ? "Swagger 2.0" : "OpenAPI 3"
            do {
                let api = try APIDefinition.load(path: path, type: nil, parameters: ImportParameters(values: importParameters),
                                                 failOnWarnings: failOnWarnings) { readAs in
                    readAs == nil
                        ? Diagnostic(file: path, message: "cannot tell whether this is a REST API or an HTTP API: pass it with a suite that says `apiType: rest` or `apiType: http`, or check it with `gatecheck emulate --api-type`")
                        : Diagnostic(.note, file: path, message: "nothing in it tells a REST API from an HTTP API, so the errors above are from reading it as \(readAs == .http ? "an HTTP" : "a REST") API; a suite can say `apiType: \(readAs == .http ? "rest" : "http")`")
                }
                return DefinitionCheck(kind: "an API definition, \(format)", summary: Self.summary(of: api, format: format), diagnostics: api.diagnostics)
            } catch {
                return DefinitionCheck(kind: "an API definition, \(format)", summary: "", diagnostics: error.diagnostics)
            }
        }
        if !keys.contains("cases"), !keys.isDisjoint(with: ["lambdas", "http", "services"]) {
            do {
                let backends = try BackendsLoader.load(path: path)
                func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
                return DefinitionCheck(kind: "a backends file", summary: "backends file: \(count(backends.lambdas.count, "function")), \(count(backends.http.count, "HTTP host"))\(backends.services.isEmpty ? "" : ", " + count(backends.services.count, "AWS service"))",
                                       diagnostics: backends.diagnostics)
            } catch {
                return DefinitionCheck(kind: "a backends file", summary: "", diagnostics: error.diagnostics)
            }
        }
        return nil
    }

    /// `REST API 'Pets' from Swagger 2.0: 3 resources, 5 methods`, `HTTP API 'x' from OpenAPI 3: 4 routes`.
    static func summary(of api: APIDefinition, format: String) -> String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        switch api {
        case let .rest(definition):
            return "REST API '\(definition.title)' from \(format): \(count(definition.resources.count, "resource")), \(count(definition.allMethods.count, "method"))"
        case let .http(definition):
            return "HTTP API '\(definition.title)' from \(format): \(count(definition.allRoutes.count, "route"))"
        }
    }

    public func start(for suite: Suite) async throws(EmulatorError) -> any EmulatorInstance {
        let spec: EmulatorSpec
        do { spec = try self.spec(for: suite) } catch { throw EmulatorError(error.description) }
        let emulator = self
        return try await EmulatorLauncher.start(spec, log: log, iamCredentialsWhenNeeded: {
            (try? emulator.iamCredentials().get()) ?? [:]
        })
    }
}

/// The standard chain's credentials, resolved at most once per emulator provider (a `credential_process` may be slow).
final class IAMCredentialCache: Sendable {
    private let stored = Mutex<Result<[String: String], AuthorizationError>?>(nil)

    func value(_ resolve: () -> Result<[String: String], AuthorizationError>) -> Result<[String: String], AuthorizationError> {
        stored.withLock { cached in
            if let cached { return cached }
            let resolved = resolve()
            cached = resolved
            return resolved
        }
    }
}

extension EmbeddedEmulator {
    /// Starts the WebSocket APIs of the suite's `template:` with the suite's backends (nil when it declares none).
    func startWebSockets(for suite: Suite, templatePath: String) async throws(EmulatorError) -> RunningWebSocketEmulator? {
        let spec: EmulatorSpec
        do { spec = try self.spec(for: suite) } catch { throw EmulatorError(error.description) }
        let running = try await WebSocketEmulatorLauncher.start(templatePath: templatePath, backends: suite.backends,
                                                                parameters: spec.parameters, log: log)
        await running?.prewarm()
        return running
    }
}
