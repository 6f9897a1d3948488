import Foundation
import SourceDiagnostics
import Yams

/// A CloudFormation template (YAML or JSON, as written or as CDK's `cdk.out/*.template.json` / the SAM transform
/// produce it) read for the emulator: every API in it and every Lambda function, with the warnings about what is
/// not read. Intrinsics go through the one `IntrinsicResolver` (with the template's `Parameters` defaults,
/// `Conditions` and `Mappings`, and `--parameter` values); `Ref` / `Fn::GetAtt ... Arn` of a function of the stack
/// is that function's logical id / ARN, so integration URIs name the backend by the function's logical id.
///
/// APIs come in two forms, both turned into the node tree the OpenAPI loaders read (so a definition does not tell
/// where it came from): a `Body` (inline, or a local `BodyS3Location` / `Fn::Transform AWS::Include`), or the
/// resource form CDK emits (`AWS::ApiGateway::Resource` / `Method` / ..., `AWS::ApiGatewayV2::Route` /
/// `Integration` / ...), from which an OpenAPI document with the `x-amazon-apigateway-*` extensions is built.
/// See docs/templates-cloudformation.md.
public struct CloudFormationStack: Sendable {
    /// The template file as named in diagnostics.
    public let file: String
    /// The directory relative paths (code folders, `BodyS3Location` files, CDK assets) are read from.
    public let directory: String
    /// The APIs, in the template's order.
    public var apis: [StackAPI]
    /// The Lambda functions, in the template's order.
    public var functions: [StackFunction]
    /// Warnings: everything of the template the emulator does not read, with file:line:column.
    public var diagnostics: [Diagnostic]
    /// The template's `Transform` names (`AWS::Serverless-2016-10-31` means it must go through the SAM transform first).
    public var transforms: [String]
    /// Its API keys and usage plans (`AWS::ApiGateway::ApiKey`, `UsagePlan`, `UsagePlanKey`).
    public var usagePlans = StackUsagePlans()

    /// The API with logical id `logicalID`.
    public func api(_ logicalID: String) -> StackAPI? { apis.first { $0.logicalID == logicalID } }

    /// The function with logical id `logicalID`.
    public func function(_ logicalID: String) -> StackFunction? { functions.first { $0.logicalID == logicalID } }

    /// How a template is read.
    public struct Options: Sendable {
        /// `--parameter KEY=VALUE` values (template parameters, conditions, `Logical.Attribute`, export names).
        public var parameters: ImportParameters
        /// S3 objects that stand for local files or folders (absolute, or relative to the template's directory):
        /// a function's `Code.S3Bucket`/`S3Key` or a `BodyS3Location`. The SAM transform's caller maps the
        /// `CodeUri` / `DefinitionUri` it uploaded nowhere back to the local path here.
        public var localObjects: [S3Location: String]

        public init(parameters: ImportParameters = ImportParameters(), localObjects: [S3Location: String] = [:]) {
            self.parameters = parameters
            self.localObjects = localObjects
        }
    }

    /// Reads the template at `path` (shown as `displayName`, or `path`); relative paths are resolved against
    /// its directory. Errors (unreadable template, unresolvable reference, broken resource links) are thrown.
    public static func load(path: String, displayName: String? = nil, options: Options = Options()) throws(DiagnosticsError) -> CloudFormationStack {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try DefinitionDocument.loadFile(path: path, displayName: displayName) { (text, file) throws(DiagnosticsError) in
            try load(text: text, file: file, directory: directory, options: options)
        }
    }

    /// Reads a template given as text; `file` names it in diagnostics, `directory` is where relative paths start.
    public static func load(text: String, file: String, directory: String, options: Options = Options()) throws(DiagnosticsError) -> CloudFormationStack {
        let root = try DefinitionDocument.root(of: text, file: file, emptyMessage: "empty document: expected a CloudFormation template")
        let sink = DiagnosticSink(file: file)
        let reader = YAMLReader(sink: sink)
        guard let template = StackTemplate(root: root, text: text, file: file, directory: directory, options: options, reader: reader) else {
            try sink.throwIfErrors()
            throw DiagnosticsError([Diagnostic(file: file, message: "not a CloudFormation template: no 'Resources' mapping")])
        }
        var stack = CloudFormationStack(file: file, directory: directory, apis: [], functions: [], diagnostics: [], transforms: template.transforms)
        stack.functions = template.resources.compactMap { StackFunctionReader(template: template).read($0) }
        for resource in template.resources {
            switch resource.type {
            case "AWS::ApiGateway::RestApi":
                if let api = RESTStackReader(template: template, api: resource).read() { stack.apis.append(api) }
            case "AWS::ApiGatewayV2::Api":
                if let api = HTTPStackReader(template: template, api: resource).read() { stack.apis.append(api) }
            default:
                break
            }
        }
        stack.usagePlans = UsagePlanStackReader(template: template).read()
        template.warnUnclaimed()
        try sink.throwIfErrors()
        var seen: Set<Diagnostic> = []
        stack.diagnostics = sink.diagnostics.filter { seen.insert($0).inserted }
        return stack
    }
}

/// An S3 object a template points at (`S3Bucket`/`S3Key`, `BodyS3Location`).
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var key: String
    public var version: String?

    public init(bucket: String, key: String, version: String? = nil) {
        self.bucket = bucket
        self.key = key
        self.version = version
    }

    public var description: String { "s3://\(bucket)/\(key)" + (version.map { "?versionId=\($0)" } ?? "") }
}

/// A stage of an API: `AWS::ApiGateway::Stage` / `Deployment.StageName`, `AWS::ApiGatewayV2::Stage`, or the
/// `$default` stage of an HTTP API's quick create.
public struct StackStage: Sendable, Equatable {
    /// The stage resource's logical id (nil for a stage a Deployment or quick create makes).
    public var logicalID: String?
    public var name: String
    public var variables: [String: String]

    public init(logicalID: String?, name: String, variables: [String: String]) {
        self.logicalID = logicalID
        self.name = name
        self.variables = variables
    }
}

/// One API of the stack.
public struct StackAPI: @unchecked Sendable {
    // @unchecked: `definition` holds an immutable Yams node tree, which is never mutated after reading.

    /// What the API is.
    public enum Kind: String, Sendable, CaseIterable {
        case rest, http, websocket
    }

    /// Where the definition comes from.
    public enum Form: Sendable, Equatable {
        /// `Body` written in the template.
        case body
        /// A local OpenAPI file (`BodyS3Location` / `Fn::Transform AWS::Include`), absolute path.
        case file(String)
        /// Built from `AWS::ApiGateway::Resource`/`Method` or `AWS::ApiGatewayV2::Route`/`Integration` resources.
        case resources
    }

    public var logicalID: String
    public var kind: Kind
    public var form: Form
    /// The template file (as named in diagnostics).
    public var file: String
    public var stages: [StackStage]
    /// The `CorsConfiguration` of an `AWS::ApiGatewayV2::Api`, applied over the body's `x-amazon-apigateway-cors`.
    public var cors: HTTPAPICorsOverride?
    /// The logical ids of the resources that make up the API (routes, integrations, methods, stages, ...), for a
    /// loader that reads them itself (WebSocket APIs).
    public var resourceIDs: [String]
    /// Where the API resource is written.
    public var line: Int?
    public var column: Int?

    /// The OpenAPI-shaped tree (`.body`, `.resources`), with positions in the template.
    let definition: Definition

    /// The OpenAPI-shaped tree of a `.body` or `.resources` API (intrinsics resolved, positions in the template), for
    /// static checks (`gatecheck lint`); nil for a `.file` API or one that could not be built.
    public var openAPITree: Node? {
        if case let .tree(root, _, _) = definition { return root }
        return nil
    }

    enum Definition {
        case tree(Node, file: String, text: String)
        case file(String)
        case unavailable(Diagnostic)
        /// A WebSocket API: `WebSocketAPILoader` reads it from the template.
        case webSocket(text: String, file: String, parameters: ImportParameters)
    }

    /// The routes as `METHOD /path` (`ANY /path`, `$default`), without loading the definition.
    public var routeKeys: [String] {
        guard case let .tree(root, _, _) = definition, let paths = root["paths"]?.mapping else { return [] }
        var keys: [String] = []
        for (path, item) in paths {
            guard let path = path.string, let operations = item.mapping else { continue }
            for (method, _) in operations {
                guard let method = method.string else { continue }
                if method == "x-amazon-apigateway-any-method" { keys.append(path == "/$default" ? "$default" : "ANY \(path)") }
                else if ["get", "put", "post", "delete", "options", "head", "patch"].contains(method) { keys.append("\(method.uppercased()) \(path)") }
            }
        }
        return keys
    }

    /// The WebSocket API, read by `WebSocketAPILoader` from the same template with the same parameters; an error for
    /// a REST or HTTP API.
    public func loadWebSocketDefinition() throws(DiagnosticsError) -> WebSocketAPIDefinition {
        guard case let .webSocket(text, file, parameters) = definition else {
            throw DiagnosticsError([Diagnostic(file: file, line: line, column: column, message: "\(logicalID) is not a WebSocket API: use loadDefinition()")])
        }
        let template = try WebSocketAPILoader.load(text: text, file: file, parameters: parameters)
        guard var api = template.apis.first(where: { $0.logicalID == logicalID }) else {
            throw DiagnosticsError(template.diagnostics + [Diagnostic(file: file, line: line, column: column, message: "WebSocket API \(logicalID): not found by the WebSocket loader")])
        }
        api.diagnostics = template.diagnostics + api.diagnostics
        return api
    }

    /// The definition as the emulator serves it, through the same loaders as an OpenAPI file (REST: `RESTAPILoader`,
    /// HTTP API: `HTTPAPILoader`, with `cors` applied). Errors are thrown with file:line:column; a WebSocket API is
    /// an error naming `loadWebSocketDefinition()`.
    public func loadDefinition(parameters: ImportParameters = ImportParameters()) throws(DiagnosticsError) -> APIDefinition {
        switch (definition, kind) {
        case let (.unavailable(reason), _):
            throw DiagnosticsError([reason])
        case (.webSocket, _), (_, .websocket):
            throw DiagnosticsError([Diagnostic(file: file, line: line, column: column,
                                               message: "\(logicalID) is a WebSocket API: load it with loadWebSocketDefinition() (WebSocketAPILoader)")])
        case let (.tree(root, file, text), .rest):
            return .rest(try RESTAPILoader.load(tree: root, file: file, sourceText: text))
        case let (.tree(root, file, _), .http):
            return try withCors(.http(try HTTPAPILoader.load(tree: root, file: file)), file: file)
        case let (.file(path), .rest):
            return .rest(try RESTAPILoader.load(path: path, parameters: parameters))
        case let (.file(path), .http):
            return try withCors(.http(try HTTPAPILoader.load(path: path, parameters: parameters)), file: path)
        }
    }

    private func withCors(_ api: APIDefinition, file: String) throws(DiagnosticsError) -> APIDefinition {
        guard let cors, case var .http(definition) = api else { return api }
        let served = cors.applied(to: definition.cors)
        if served.allowCredentials, served.allowOrigins.contains("*") {
            throw DiagnosticsError([Diagnostic(file: file, line: line, column: column,
                                               message: "\(logicalID): CorsConfiguration AllowCredentials true is not supported with the '*' origin: API Gateway refuses it; list the origins instead")])
        }
        definition.cors = served
        return .http(definition)
    }
}

/// A Lambda function of the stack (`AWS::Lambda::Function`).
public struct StackFunction: Sendable, Equatable {
    /// Where the function's code is.
    public enum Code: Sendable, Equatable {
        /// `Code.ZipFile`: the handler's source, written in the template.
        case inline(String)
        /// A local folder or file (absolute): a CDK asset (`Metadata.aws:asset:path`), a local `Code` string, or an
        /// S3 object mapped by `Options.localObjects`.
        case local(String)
        /// An S3 object the emulator cannot read; map it with `Options.localObjects` or the suite's `backends:`.
        case s3(S3Location)
        /// A container image (`Code.ImageUri`), which the emulator does not run.
        case image(String)
        /// No code the emulator can tell.
        case none
    }

    public var logicalID: String
    /// `Runtime` (`python3.12`, `nodejs20.x`, ...), nil for an image.
    public var runtime: String?
    /// `Handler` (`app.handler`).
    public var handler: String?
    public var code: Code
    /// `Timeout` in seconds (Lambda's default is 3).
    public var timeout: Int?
    /// `MemorySize` in MB (Lambda's default is 128).
    public var memorySize: Int?
    /// `Environment.Variables`.
    public var environment: [String: String]
    /// Where the resource is written.
    public var line: Int?
    public var column: Int?

    public init(logicalID: String, runtime: String?, handler: String?, code: Code, timeout: Int?, memorySize: Int?,
                environment: [String: String], line: Int?, column: Int?) {
        self.logicalID = logicalID
        self.runtime = runtime
        self.handler = handler
        self.code = code
        self.timeout = timeout
        self.memorySize = memorySize
        self.environment = environment
        self.line = line
        self.column = column
    }
}
