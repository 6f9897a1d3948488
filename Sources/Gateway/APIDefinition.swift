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

    /// Loads the definition at `path`: `type` decides, otherwise the document's features do
    /// (`HTTPAPILoader.detectKind`). When they do not tell, `undetermined()` is the error reported (after any
    /// syntax error in the file, which comes first). Every diagnostic keeps its file, line and column. `parameters`
    /// resolve CloudFormation references (`IntrinsicResolver`).
    public static func load(path: String, type: Kind?, parameters: ImportParameters = ImportParameters(),
                            undetermined: (_ readAs: Kind?) -> Diagnostic) throws(DiagnosticsError) -> APIDefinition {
        var type = type
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
                let document: Node?
                switch YAMLSource.parse(text, file: path) {
                case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
                case let .success(node): document = node
                }
                // A definition broken either way: its own diagnostics first (the read with fewer errors, REST on a
                // tie), with a note on how it was read; one that loads either way is undecided.
                let asREST: [Diagnostic]
                do { _ = try RESTAPILoader.load(path: path, parameters: parameters); asREST = [] } catch { asREST = error.diagnostics }
                let asHTTP: [Diagnostic]
                do { _ = try HTTPAPILoader.load(path: path, parameters: parameters); asHTTP = [] } catch { asHTTP = error.diagnostics }
                func errors(_ diagnostics: [Diagnostic]) -> Int { diagnostics.filter { $0.severity == .error }.count }
                guard errors(asREST) > 0, errors(asHTTP) > 0 else { throw DiagnosticsError([undetermined(nil)]) }
                let readAs: Kind = errors(asHTTP) < errors(asREST) ? .http : .rest
                let isOpenAPI = document?.mapping.map { $0.keys.contains { ["openapi", "swagger"].contains($0.string) } } ?? false
                throw DiagnosticsError((readAs == .http ? asHTTP : asREST) + (isOpenAPI ? [undetermined(readAs)] : []))
            }
        }
        if type == .http { return .http(try HTTPAPILoader.load(path: path, parameters: parameters)) }
        return .rest(try RESTAPILoader.load(path: path, parameters: parameters))
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
    /// True when a route or method is protected by a JWT or Cognito user pool authorizer.
    public var hasJWTAuthorizers: Bool {
        switch self {
        case let .rest(definition): return !definition.cognitoAuthorizers.isEmpty
        case let .http(definition): return !definition.jwtAuthorizers.isEmpty
        }
    }

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
