import Backends
import Foundation
import Gateway
import GatewayServer
import SourceDiagnostics
import Yams

/// What an emulator instance serves: one API definition, its backends and a stage. Built from a
/// suite (`gatecheck run` without `--target`) or from command-line options (`gatecheck emulate`).
public struct EmulatorSpec: Sendable {
    /// Path of the OpenAPI definition.
    public var apiPath: String
    /// REST or HTTP API; nil detects it from the document.
    public var apiType: APIType?
    /// Where the backends come from; nil means none (MOCK-only APIs).
    public var backends: BackendsReference?
    /// Stage name; nil means `test` for REST APIs and `$default` for HTTP APIs.
    public var stage: String?
    public var stageVariables: [String: String]
    /// Shown in diagnostics that concern the whole spec (the suite file, or the API file).
    public var origin: String
    /// A label for "function X is not mapped in <owner>" diagnostics (the suite name).
    public var owner: String?
    /// Access key id -> secret access key the emulator accepts on `AWS_IAM` methods and routes (SigV4 is
    /// verified with them); empty refuses every request to those routes.
    public var iamCredentials: [String: String]
    /// Every warning about the API definition is an error (API Gateway import's `failOnWarnings=true`; `--fail-on-warnings`).
    public var failOnWarnings = false
    /// Record what the gateway does with each request, for gateway coverage (`RunningEmulator.coverage`).
    public var recordsCoverage = false
    /// Lambda functions the API names but no backend maps: `.refuse` (`gatecheck run`: suites stay hermetic) or
    /// `.answerAsMissing` (`gatecheck emulate`: a start-up warning, and invoking them answers as for a function that
    /// does not exist).
    public var unmappedFunctions: UnmappedFunctionPolicy = .refuse
    /// Values for the definition's CloudFormation references (`--parameter`, a suite's `parameters:`).
    public var parameters: [String: String] = [:]
    /// What happens to an HTTP integration whose host the backends do not map.
    public var unmappedHosts: UnmappedHostPolicy = .refuse
    /// A custom domain's API mappings (`gatecheck emulate --base-path` / `--mount`). When not empty the server acts
    /// as the custom domain: each mapping's stage answers under its base path, a path no mapping takes answers 403
    /// `{"message":"Forbidden"}`, and the stage-prefixed execute-api paths are not served.
    public var apiMappings: [APIMappingSpec] = []
    /// Serve an API of a SAM / CloudFormation template instead of the file at `apiPath` (a suite's `template:`,
    /// `gatecheck emulate --template`): its definition, its stage and stage variables (unless `stage` /
    /// `stageVariables` say otherwise), and the template's functions as backends (`backends` overrides any of them).
    public var template: TemplateAPISelection?
    /// How the "cannot tell REST or HTTP" diagnostic tells the user to name the API type.
    var apiTypeAdvice = "say `apiType: rest` or `apiType: http` (or --api-type)"

    public init(apiPath: String, apiType: APIType? = nil, backends: BackendsReference? = nil, stage: String? = nil,
                stageVariables: [String: String] = [:], origin: String? = nil, owner: String? = nil,
                iamCredentials: [String: String] = [:]) {
        self.apiPath = apiPath
        self.apiType = apiType
        self.backends = backends
        self.stage = stage
        self.stageVariables = stageVariables
        self.origin = origin ?? apiPath
        self.owner = owner
        self.iamCredentials = iamCredentials
    }
}

/// The API of a template an emulator serves: the template file and the API's logical id (nil: the template's only API).
public struct TemplateAPISelection: Sendable, Equatable {
    public var path: String
    public var apiResource: String?

    public init(path: String, apiResource: String? = nil) {
        self.path = path
        self.apiResource = apiResource
    }
}

/// One API mapping of the emulated custom domain: a base path, the API definition (nil: the spec's own) and stage
/// (nil: the spec's stage for its own API, else the API's default stage).
public struct APIMappingSpec: Sendable, Equatable {
    public var basePath: APIMappingKey
    public var apiPath: String?
    public var stage: String?
    /// The `CorsConfiguration` of the template's API resource, applied over the body's `x-amazon-apigateway-cors`.
    public var cors: TemplateCors?

    public init(basePath: APIMappingKey, apiPath: String? = nil, stage: String? = nil, cors: TemplateCors? = nil) {
        self.basePath = basePath
        self.apiPath = apiPath
        self.stage = stage
        self.cors = cors
    }
}

/// A template API resource's `CorsConfiguration` and where it is written (for errors found once the body is loaded).
public struct TemplateCors: Sendable, Equatable {
    public var override: HTTPAPICorsOverride
    public var resource: String
    public var file: String
    public var line: Int?
    public var column: Int?

    public init(override: HTTPAPICorsOverride, resource: String, file: String, line: Int?, column: Int?) {
        (self.override, self.resource, self.file, self.line, self.column) = (override, resource, file, line, column)
    }
}

/// What the emulator does about a Lambda function the API names but no backend maps.
public enum UnmappedFunctionPolicy: Sendable, Equatable {
    /// Refuse to start, naming each unmapped function.
    case refuse
    /// Start with a warning per function; invoking one is rejected by Lambda with `ResourceNotFoundException`, which
    /// API Gateway answers with 500 (REST `{"message": "Internal server error"}`, HTTP APIs
    /// `{"message":"Internal Server Error"}`).
    case answerAsMissing
}

extension EmulatorSpec {
    /// Parses `--parameter KEY=VALUE` items (the error names the item without `=` or with an empty key).
    public static func parseParameters(_ items: [String]) throws(EmulatorError) -> [String: String] {
        switch ImportParameters.parse(items) {
        case let .success(values): return values
        case let .failure(error): throw EmulatorError(error.message)
        }
    }
}

/// What the emulator does with an HTTP integration whose host the backends do not map.
public enum UnmappedHostPolicy: Sendable {
    /// A start-up error (`gatecheck run`, whose suites are hermetic unless `backends: { http: { "*": direct } }`;
    /// `gatecheck emulate --offline`).
    case refuse
    /// Call the real host, as API Gateway does, with a one-line notice at start-up (`gatecheck emulate`).
    case callRealHost
}

/// Loads what an `EmulatorSpec` names and starts emulator servers for it.
public enum EmulatorLauncher {
    /// Loads the API definition (`APIDefinition.load`): `apiType` decides, otherwise the document's features do.
    /// CloudFormation references resolve with the spec's parameters and the backends' function names.
    static func loadAPI(_ spec: EmulatorSpec) throws(DiagnosticsError) -> APIDefinition {
        if let template = spec.template {
            let stack = try TemplateStack.load(path: template.path, parameters: spec.parameters)
            let api = try stack.api(named: template.apiResource)
            return try stack.definition(of: api, parameters: spec.parameters)
        }
        let functionNames = (try? loadBackends(spec))?.functionNames ?? []
        return try APIDefinition.load(path: spec.apiPath, type: spec.apiType.map { $0 == .http ? .http : .rest },
                                      parameters: ImportParameters(values: spec.parameters, functionNames: functionNames),
                                      failOnWarnings: spec.failOnWarnings) { readAs in
            guard let readAs else {
                return Diagnostic(file: spec.origin, message: "cannot tell whether \(spec.apiPath) is a REST API or an HTTP API: \(spec.apiTypeAdvice)")
            }
            return Diagnostic(.note, file: spec.origin,
                              message: "\(spec.apiPath) is read as a \(readAs == .http ? "HTTP" : "REST") API above; if that is wrong, \(spec.apiTypeAdvice)")
        }
    }

    /// The API at `path` with the `CorsConfiguration` of the template resource a mapping names it by applied over its
    /// body's `x-amazon-apigateway-cors` (an HTTP API only; API Gateway refuses credentials with the `*` origin).
    static func applyTemplateCors(_ mappings: [APIMappingSpec], to api: APIDefinition, path: String) throws(DiagnosticsError) -> APIDefinition {
        guard let cors = mappings.first(where: { $0.apiPath == path && $0.cors != nil })?.cors else { return api }
        func problem(_ message: String) -> DiagnosticsError {
            DiagnosticsError([Diagnostic(file: cors.file, line: cors.line, column: cors.column, message: "\(cors.resource): \(message)")])
        }
        guard case var .http(definition) = api else {
            throw problem("CorsConfiguration is supported only for HTTP APIs, and \(path) is a REST API (configure REST CORS with OPTIONS methods "
                          + "and gateway responses)")
        }
        let served = cors.override.applied(to: definition.cors)
        if served.allowCredentials, served.allowOrigins.contains("*") {
            throw problem("AllowCredentials true is not supported with the '*' origin (with the body's x-amazon-apigateway-cors of \(path)): "
                          + "API Gateway refuses it (\"allow-credentials is not supported if 'allow-origin' is *\"); list the origins instead")
        }
        definition.cors = served
        return .http(definition)
    }

    /// Loads the backends; an inline mapping is re-read from the suite file so positions stay exact.
    static func loadBackends(_ spec: EmulatorSpec) throws(DiagnosticsError) -> BackendsConfiguration {
        let own = try loadOwnBackends(spec)
        guard let template = spec.template else { return own }
        return try TemplateStack.load(path: template.path, parameters: spec.parameters).backends(forAPI: template.apiResource).merging(own)
    }

    /// The spec with the template API's stage name and variables (a spec's own `stage` / `stageVariables` win).
    static func applyingTemplateStage(_ spec: EmulatorSpec) throws(DiagnosticsError) -> EmulatorSpec {
        guard let template = spec.template else { return spec }
        let api = try TemplateStack.load(path: template.path, parameters: spec.parameters).api(named: template.apiResource)
        var spec = spec
        if let stage = api.servedStage {
            if spec.stage == nil { spec.stage = stage.name }
            if spec.stage == stage.name { spec.stageVariables = stage.variables.merging(spec.stageVariables) { _, own in own } }
        }
        return spec
    }

    /// A start-up error for each function the API invokes that the template gives no code gatecheck can run for
    /// (java, dotnet, go, provided runtimes, container images, S3 code) and the backends do not map.
    static func templateFunctionProblems(_ spec: EmulatorSpec, referenced: Set<String>, backends: BackendsConfiguration) throws(DiagnosticsError) -> [Diagnostic] {
        guard let template = spec.template else { return [] }
        let unrunnable = try TemplateStack.load(path: template.path, parameters: spec.parameters).functionBackends().unrunnable
        return referenced.subtracting(backends.functionNames).sorted().compactMap { unrunnable[$0] }
    }

    /// The backends the spec itself names (a file or a suite's inline mapping).
    static func loadOwnBackends(_ spec: EmulatorSpec) throws(DiagnosticsError) -> BackendsConfiguration {
        switch spec.backends {
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

    /// Every diagnostic about the spec (API warnings, backend problems, unmapped functions and hosts),
    /// without starting anything.
    public static func check(_ spec: EmulatorSpec) -> [Diagnostic] {
        do {
            let spec = try applyingTemplateStage(spec)
            let api = try loadAPI(spec)
            let backends = try loadBackends(spec)
            let referenced = api.referencedFunctions(stageVariables: spec.stageVariables)
            if case let problems = try templateFunctionProblems(spec, referenced: referenced, backends: backends), !problems.isEmpty {
                return api.diagnostics + problems
            }
            return api.diagnostics + backends.diagnostics + unmapped(api: api, backends: backends, spec: spec)
        } catch {
            return error.diagnostics
        }
    }

    /// Every diagnostic about the spec but the API definition's own warnings (what `gatecheck run` shows before
    /// running a suite).
    static func checkBackends(_ spec: EmulatorSpec) -> [Diagnostic] {
        do {
            let spec = try applyingTemplateStage(spec)
            let api = try loadAPI(spec)
            let backends = try loadBackends(spec)
            let referenced = api.referencedFunctions(stageVariables: spec.stageVariables)
            if case let problems = try templateFunctionProblems(spec, referenced: referenced, backends: backends), !problems.isEmpty { return problems }
            return backends.diagnostics + unmapped(api: api, backends: backends, spec: spec)
        } catch {
            return error.diagnostics
        }
    }

    static func unmapped(api: APIDefinition, backends: BackendsConfiguration, spec: EmulatorSpec) -> [Diagnostic] {
        let hosts = api.referencedHosts(stageVariables: spec.stageVariables)
        var diagnostics = backends.unmappedDiagnostics(functions: api.referencedFunctions(stageVariables: spec.stageVariables),
                                                       hosts: spec.unmappedHosts == .refuse ? hosts : [],
                                                       suite: spec.owner ?? spec.apiPath, file: spec.origin)
        let direct = backends.callsUnmappedHostsDirectly ? [] : hosts.map { $0.lowercased() }.filter { !backends.hosts.contains($0) }.sorted()
        if spec.unmappedHosts == .callRealHost, !direct.isEmpty {
            let list = direct.map { "'\($0)'" }.joined(separator: ", ")
            diagnostics.append(Diagnostic(.note, file: spec.origin,
                                          message: "HTTP integration host\(direct.count > 1 ? "s" : "") \(list) not mapped in the backends: "
                                              + "requests go to the real host\(direct.count > 1 ? "s" : "") (--offline refuses unmapped hosts)"))
        }
        return diagnostics
    }

    /// Loads the spec and serves it on `host:port` (port 0 picks a free one).
    public static func start(_ spec: EmulatorSpec, host: String = "127.0.0.1", port: Int = 0,
                             log: (@Sendable (String) -> Void)? = nil) async throws(EmulatorError) -> RunningEmulator {
        try await start(spec, host: host, port: port, log: log, iamCredentialsWhenNeeded: nil)
    }

    /// `start`, where `iamCredentialsWhenNeeded` (when `spec.iamCredentials` is empty) is asked for the accepted
    /// credentials only if the API has `AWS_IAM` methods or routes.
    static func start(_ spec: EmulatorSpec, host: String = "127.0.0.1", port: Int = 0, log: (@Sendable (String) -> Void)?,
                      iamCredentialsWhenNeeded: (@Sendable () -> [String: String])?) async throws(EmulatorError) -> RunningEmulator {
        var spec = spec
        do { spec = try applyingTemplateStage(spec) } catch { throw EmulatorError(error.description) }
        let api: APIDefinition, loadedBackends: BackendsConfiguration
        // The spec's own API first, then each other API file the custom domain mounts (loaded once each).
        var mounted: [(spec: EmulatorSpec, api: APIDefinition)] = []
        do {
            api = try applyTemplateCors(spec.apiMappings, to: loadAPI(spec), path: spec.apiPath)
            loadedBackends = try loadBackends(spec)
            mounted.append((spec, api))
            for path in spec.apiMappings.compactMap(\.apiPath) where !mounted.contains(where: { $0.spec.apiPath == path }) {
                var other = spec
                other.apiPath = path
                other.origin = path
                other.apiType = nil
                other.stage = nil
                mounted.append((other, try applyTemplateCors(spec.apiMappings, to: loadAPI(other), path: path)))
            }
        } catch {
            throw EmulatorError(error.description)
        }
        if spec.iamCredentials.isEmpty, let iamCredentialsWhenNeeded, mounted.contains(where: { !$0.api.iamRoutes.isEmpty }) {
            spec.iamCredentials = iamCredentialsWhenNeeded()
        }
        let referenced = mounted.reduce(into: Set<String>()) { $0.formUnion($1.api.referencedFunctions(stageVariables: spec.stageVariables)) }
        let templateProblems: [Diagnostic]
        do { templateProblems = try templateFunctionProblems(spec, referenced: referenced, backends: loadedBackends) } catch {
            throw EmulatorError(error.description)
        }
        if !templateProblems.isEmpty { throw EmulatorError(DiagnosticsError(templateProblems).description) }
        let missingFunctions = spec.unmappedFunctions == .answerAsMissing ? referenced.subtracting(loadedBackends.functionNames).sorted() : []
        let backends = loadedBackends.addingMissingFunctions(missingFunctions)
        let problems = mounted.flatMap { unmapped(api: $0.api, backends: backends, spec: $0.spec) }.filter { $0.severity == .error }
        if !problems.isEmpty { throw EmulatorError(DiagnosticsError(problems).description) }
        var registry: BackendRegistry, pool: BackendPool
        do {
            (registry, pool) = try backends.makeRegistry(log: log ?? { _ in }, directToUnmappedHosts: spec.unmappedHosts == .callRealHost)
        } catch {
            throw EmulatorError(error.message)
        }
        // Tokens a suite mints (`jwt:`) verify on the embedded emulator whatever their issuer.
        if mounted.contains(where: { $0.api.hasJWTAuthorizers }) {
            registry.jwtTrust = registry.jwtTrust.merging(JWTTrust(keySetsForEveryIssuer: [LocalTokenMinter.trustedKeySet]))
        }
        func serve(_ api: APIDefinition, stage: String?) -> APIDefinition.Served {
            api.makeHandler(stage: stage, stageVariables: spec.stageVariables, backends: registry,
                            iamCredentials: spec.iamCredentials, usagePlans: backends.usagePlans)
        }
        let served = serve(api, stage: spec.stage)
        // The URL cases are relative to: the stage's, or through a custom domain the first mapping's base path.
        let handler: any GatewayHandler, basePath: String, kind: String
        if spec.apiMappings.isEmpty {
            (handler, basePath, kind) = (served.handler, served.basePath, served.kindName)
        } else {
            let mappings = spec.apiMappings.map { mapping in
                let entry = mounted.first { $0.spec.apiPath == (mapping.apiPath ?? spec.apiPath) } ?? mounted[0]
                let stage = mapping.stage ?? (mapping.apiPath == nil || mapping.apiPath == spec.apiPath ? spec.stage : nil)
                let stageServed = serve(entry.api, stage: stage)
                return CustomDomainRouter.Mapping(key: mapping.basePath, handler: stageServed.handler, stagePrefix: stageServed.basePath)
            }
            (handler, basePath, kind) = (CustomDomainRouter(mappings: mappings), spec.apiMappings[0].basePath.urlPath, "custom domain")
        }
        do {
            let configuration = GatewayServerConfiguration(host: host, port: port)
            // Coverage records what the stages answered (through a custom domain too: the router returns their log).
            let recorder = spec.recordsCoverage ? GatewayRecorder() : nil
            let recorded: any GatewayHandler = recorder.map { RecordingGatewayHandler(handler, recorder: $0) } ?? handler
            let server = try await GatewayServer.start(handler: recorded, configuration: configuration, log: log)
            func notices(_ entry: (spec: EmulatorSpec, api: APIDefinition)) -> [Diagnostic] {
                unmapped(api: entry.api, backends: backends, spec: entry.spec).filter { $0.severity != .error }
                    + iamWarnings(api: entry.api, spec: entry.spec) + usagePlanWarnings(api: entry.api, backends: backends, spec: entry.spec)
            }
            let warnings = api.diagnostics + backends.diagnostics + notices(mounted[0])
                + mounted.dropFirst().flatMap { $0.api.diagnostics + notices($0) }
            return RunningEmulator(server: server, pool: pool, domainURL: server.baseURL, baseURL: server.baseURL + basePath, kind: kind,
                                   warnings: warnings + missingFunctionWarnings(missingFunctions, spec: spec),
                                   recorder: recorder, declared: recorder == nil ? nil : api.declaredSurface)
        } catch {
            await pool.shutdown()
            throw EmulatorError("cannot start the emulator's server on \(host):\(port): \(error)")
        }
    }
}

extension EmulatorLauncher {
    /// A warning when usage plans are declared for an HTTP API (a REST API feature) or a REST API's methods require
    /// API keys but no key is declared (every request to them is refused with 403).
    static func usagePlanWarnings(api: APIDefinition, backends: BackendsConfiguration, spec: EmulatorSpec) -> [Diagnostic] {
        switch api {
        case .http:
            guard !backends.usagePlans.isEmpty else { return [] }
            return [Diagnostic(.warning, file: backends.source.isEmpty ? spec.origin : backends.source,
                               message: "apiKeys/usagePlans/throttling are REST API features; the HTTP API \(spec.apiPath) ignores them")]
        case let .rest(definition):
            let keyed = definition.allMethods.filter(\.apiKeyRequired)
            guard let first = keyed.first, backends.usagePlans.keys.isEmpty else { return [] }
            let subject = keyed.count > 1 ? "\(first.httpMethod) \(first.resourcePath) and \(keyed.count - 1) more require" : "\(first.httpMethod) \(first.resourcePath) requires"
            return [Diagnostic(.warning, file: spec.apiPath,
                               message: "\(subject) an API key but the backends declare no apiKeys/usagePlans, so every request to them is refused with 403")]
        }
    }

    /// One warning per unmapped function `gatecheck emulate` serves as missing.
    static func missingFunctionWarnings(_ names: [String], spec: EmulatorSpec) -> [Diagnostic] {
        let place = spec.backends.map { _ in "the backends file does not map it" } ?? "no backends file is given"
        return names.map { name in
            Diagnostic(.warning, file: spec.origin,
                       message: "Lambda function '\(name)' used by the API is not mapped (\(place)); requests to it answer 500, "
                           + "as API Gateway does when the function does not exist (ResourceNotFoundException)")
        }
    }

    /// A warning when the API has `AWS_IAM` routes but no credentials were given: every request to them gets 403.
    static func iamWarnings(api: APIDefinition, spec: EmulatorSpec) -> [Diagnostic] {
        guard spec.iamCredentials.isEmpty else { return [] }
        let iamRoutes = api.iamRoutes
        guard let first = iamRoutes.first else { return [] }
        let subject = iamRoutes.count > 1 ? "\(first) and \(iamRoutes.count - 1) more use" : "\(first) uses"
        return [Diagnostic(.warning, file: spec.apiPath,
                           message: "\(subject) AWS_IAM authorization but the emulator has no IAM credentials, so every request to "
                               + "them is refused with 403 (gatecheck emulate: --iam-credentials-from-env or --iam-credential KEY_ID=SECRET)")]
    }
}

/// An emulator serving on a socket. Stop it with `stop()` (it also stops handler worker processes).
public struct RunningEmulator: EmulatorInstance {
    let server: GatewayServer
    let pool: BackendPool
    /// The server's root URL (`http://127.0.0.1:PORT`): a custom domain's mappings are under it.
    public let domainURL: String
    /// The URL cases are relative to, stage prefix included (`http://127.0.0.1:PORT/test`); for a custom domain the
    /// first mapping's base path (`http://127.0.0.1:PORT/v1`).
    public let baseURL: String
    /// "REST API" or "HTTP API".
    public let kind: String
    /// Load-time warnings (unsupported features) worth showing at start-up.
    public let warnings: [Diagnostic]
    let recorder: GatewayRecorder?
    let declared: DeclaredSurface?

    /// What the gateway did with the requests so far against what the API declares (when the spec recorded it).
    public var coverage: CoverageRecording? {
        guard let recorder, let declared else { return nil }
        return .emulator(declared: declared, recorder: recorder)
    }

    /// Starts the worker processes of real-code backends now rather than on the first request.
    public func prewarm() async { await pool.prewarm() }

    public func stop() async {
        await server.shutdown()
        await pool.shutdown()
    }
}
