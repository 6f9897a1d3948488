import SourceDiagnostics
import Yams

/// One API the emulator serves, of either kind: what GatecheckCore's emulator wiring, `gatecheck emulate` and the
/// tests hold, so that the REST / HTTP API choice is made here, once.
public enum APIDefinition: Sendable {
    case rest(RESTAPIDefinition)
    case http(HTTPAPIDefinition)

    /// Which kind of API a document describes.
    public enum Kind: String, Sendable, CaseIterable {
        case rest, http
    }

    public var kind: Kind {
        switch self {
        case .rest: return .rest
        case .http: return .http
        }
    }

    /// Loads the definition at `path`: `type` decides, otherwise the document's signals do (`HTTPAPIDocumentScan`:
    /// the kind with more distinct signals wins, with a warning naming them all when both kinds have some; a tie is
    /// settled by reading it both ways, the read with fewer errors winning, REST on a tie, so that a document API
    /// Gateway would import is never refused). When nothing tells and it loads either way, `undetermined()` is the
    /// error reported (after any syntax error in the file, which comes first). With `failOnWarnings` (the import
    /// API's `failOnWarnings=true`) every warning is an error. Every diagnostic keeps its file, line and column.
    /// `parameters` resolve CloudFormation references (`IntrinsicResolver`).
    public static func load(path: String, type: Kind?, parameters: ImportParameters = ImportParameters(), failOnWarnings: Bool = false,
                            undetermined: (_ readAs: Kind?) -> Diagnostic) throws(DiagnosticsError) -> APIDefinition {
        let definition = try load(path: path, type: type, parameters: parameters, undetermined: undetermined)
        guard failOnWarnings, !definition.diagnostics.isEmpty else { return definition }
        throw DiagnosticsError(definition.diagnostics.map { warning in
            var error = warning
            if error.severity == .warning {
                error.severity = .error
                error.message += " (an error with --fail-on-warnings)"
            }
            return error
        })
    }

    private static func load(path: String, type: Kind?, parameters: ImportParameters,
                             undetermined: (_ readAs: Kind?) -> Diagnostic) throws(DiagnosticsError) -> APIDefinition {
        if type == .http { return .http(try HTTPAPILoader.load(path: path, parameters: parameters)) }
        if type == .rest { return .rest(try RESTAPILoader.load(path: path, parameters: parameters)) }
        let text: String
        switch YAMLSource.readText(path: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(read): text = read
        }
        let document: Node?
        switch YAMLSource.parse(text, file: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(node): document = node
        }
        let scan = document.map(HTTPAPIDocumentScan.init)
        var note: Diagnostic?
        if let scan, scan.isConflicting, !scan.isSwagger {
            note = conflictWarning(scan, file: path)
        }
        func noted(_ definition: APIDefinition, because reason: String) -> APIDefinition {
            guard let note else { return definition }
            switch definition {
            case var .rest(api): api.diagnostics.insert(note.read(as: .rest, because: reason), at: 0); return .rest(api)
            case var .http(api): api.diagnostics.insert(note.read(as: .http, because: reason), at: 0); return .http(api)
            }
        }
        switch scan?.kind {
        case .httpAPI?: return noted(.http(try HTTPAPILoader.load(path: path, parameters: parameters)), because: "it has more HTTP API signals")
        case .restAPI?: return noted(.rest(try RESTAPILoader.load(path: path, parameters: parameters)), because: "it has more REST API signals")
        case .undetermined?, nil: break
        }
        // Nothing decisive: read it both ways.
        let asREST: Result<RESTAPIDefinition, DiagnosticsError>
        do { asREST = .success(try RESTAPILoader.load(path: path, parameters: parameters)) } catch { asREST = .failure(error) }
        let asHTTP: Result<HTTPAPIDefinition, DiagnosticsError>
        do { asHTTP = .success(try HTTPAPILoader.load(path: path, parameters: parameters)) } catch { asHTTP = .failure(error) }
        func errors<T>(_ result: Result<T, DiagnosticsError>) -> Int {
            if case let .failure(error) = result { return max(1, error.diagnostics.filter { $0.severity == .error }.count) }
            return 0
        }
        if note != nil {
            // Signals of both kinds, as many of each: the read that loads (REST when both do) wins, with the warning.
            let reason = "as many signals of each kind, and it loads as one"
            if case let .success(api) = asREST { return noted(.rest(api), because: reason) }
            if case let .success(api) = asHTTP { return noted(.http(api), because: reason) }
        } else if case .success = asREST, case .success = asHTTP {
            throw DiagnosticsError([undetermined(nil)])
        } else if case let .success(api) = asREST {
            return .rest(api)
        } else if case let .success(api) = asHTTP {
            return .http(api)
        }
        // A definition broken either way: its own diagnostics first (the read with fewer errors, REST on a tie),
        // with a note on how it was read.
        let readAs: Kind = errors(asHTTP) < errors(asREST) ? .http : .rest
        let diagnostics: [Diagnostic]
        switch (readAs, asREST, asHTTP) {
        case let (.http, _, .failure(error)): diagnostics = error.diagnostics
        case let (_, .failure(error), _): diagnostics = error.diagnostics
        default: diagnostics = []
        }
        let isOpenAPI = document?.mapping.map { $0.keys.contains { ["openapi", "swagger"].contains($0.string) } } ?? false
        throw DiagnosticsError(diagnostics + (isOpenAPI ? [undetermined(readAs)] : []))
    }

    /// The warning for a document with signals of both kinds (the read kind is filled in by `read(as:)`).
    private static func conflictWarning(_ scan: HTTPAPIDocumentScan, file: String) -> Diagnostic {
        func list(_ signals: [HTTPAPIDocumentScan.Signal]) -> String {
            signals.map { signal in signal.line.map { "\(signal.name) (line \($0))" } ?? signal.name }.joined(separator: ", ")
        }
        let first = (scan.httpSignals + scan.restSignals).min { ($0.line ?? .max) < ($1.line ?? .max) }
        return Diagnostic(.warning, file: file, line: first?.line, column: first?.column,
                          message: "this document has HTTP API signals (\(list(scan.httpSignals))) and REST API signals (\(list(scan.restSignals)))")
    }

    /// The loader's warnings (unsupported features, ...).
    public var diagnostics: [Diagnostic] {
        switch self {
        case let .rest(definition): return definition.diagnostics
        case let .http(definition): return definition.diagnostics
        }
    }

    /// The methods (`GET /items`) or routes (`GET /items`) that use `AWS_IAM` authorization.
    public var iamRoutes: [String] {
        switch self {
        case let .rest(definition):
            return definition.allMethods.filter { $0.authorizationType == .awsIAM }.map { "\($0.httpMethod) \($0.resourcePath)" }
        case let .http(definition):
            return definition.allRoutes.filter { $0.authorizationType == .awsIAM }.map(\.routeKey)
        }
    }

    /// The Lambda function names the integrations call (stage variables substituted where the kind allows it).
    public func referencedFunctions(stageVariables: [String: String]) -> Set<String> {
        switch self {
        case let .rest(definition): return definition.referencedFunctionNames(stageVariables: stageVariables)
        case let .http(definition): return definition.referencedFunctions
        }
    }

    /// The `host[:port]` keys of the HTTP integrations' URLs.
    public func referencedHosts(stageVariables: [String: String]) -> Set<String> {
        switch self {
        case let .rest(definition): return definition.referencedHTTPHosts(stageVariables: stageVariables)
        case let .http(definition): return definition.referencedHosts
        }
    }

    /// The pipeline that serves this API, and where it is mounted.
    public struct Served: Sendable {
        public let handler: any GatewayHandler
        /// The path the stage serves under (`/stage`, or "" for an HTTP API's `$default`).
        public let basePath: String
        /// "REST API" or "HTTP API", for messages.
        public let kindName: String
    }

    /// The pipeline for `stage` (nil: REST's default stage name, HTTP API's `$default`). REST APIs are always
    /// invoked under their stage (`https://{id}.execute-api.{region}.amazonaws.com/{stage}/...`); HTTP APIs serve
    /// `$default` at the root and any other stage under `/{stage}`.
    public func makeHandler(stage: String?, stageVariables: [String: String], backends: BackendRegistry,
                            iamCredentials: [String: String], usagePlans: UsagePlanSettings = UsagePlanSettings()) -> Served {
        switch self {
        case let .rest(definition):
            let settings = StageSettings(name: stage ?? StageSettings().name, variables: stageVariables)
            return Served(handler: RESTGateway(api: definition, stage: settings, backends: backends, iamCredentials: iamCredentials,
                                                      usagePlans: usagePlans),
                          basePath: "/" + settings.name, kindName: "REST API")
        case let .http(definition):
            let name = stage ?? "$default"
            return Served(handler: HTTPAPIGateway(api: definition, stage: name, stageVariables: stageVariables, backends: backends,
                                                  iamCredentials: iamCredentials),
                          basePath: name == "$default" ? "" : "/" + name, kindName: "HTTP API")
        }
    }
}

private extension Diagnostic {
    /// The type-conflict warning, completed with the kind the document is read as.
    func read(as kind: APIDefinition.Kind, because reason: String) -> Diagnostic {
        var completed = self
        let name = kind == .http ? "an HTTP API" : "a REST API"
        let other = kind == .http ? "rest" : "http"
        completed.message += "; read as \(name) (\(reason)); pass --api-type \(other) (apiType: \(other) in a suite) to read it the other way"
        return completed
    }
}
