import JSONCore
import OrderedCollections

/// A template that does not parse. API Gateway rejects such templates when the API is imported.
public struct VTLSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in words a template author can act on.
    public var message: String
    /// 1-based line in the template source.
    public var line: Int
    /// 1-based column (in characters) in the template source.
    public var column: Int

    public init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A failure while rendering (unknown method, index out of bounds, a limit exceeded...).
/// API Gateway answers such requests with 500 `{"message": "Internal server error"}`.
public struct VTLRuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// 1-based line of the construct that failed.
    public var line: Int
    /// 1-based column of the construct that failed.
    public var column: Int
    /// The name given to the template (for logs: which template failed).
    public var templateName: String

    public init(message: String, line: Int, column: Int, templateName: String) {
        self.message = message
        self.line = line
        self.column = column
        self.templateName = templateName
    }

    public var description: String { "\(templateName):\(line):\(column): \(message)" }
}

/// Bounds that keep a render finite. The defaults follow API Gateway's quotas where documented.
public struct VTLLimits: Sendable, Hashable {
    /// Iterations of one `#foreach` loop (API Gateway quota: 1,000).
    public var maximumForeachIterations: Int
    /// Nested macro calls (Velocity's `velocimacro.max.depth` default: 20).
    public var maximumMacroDepth: Int
    /// Bytes of output, and of any single string built while rendering (10 MB, API Gateway's payload limit).
    public var maximumOutputBytes: Int
    /// Evaluation steps (nodes, expressions, iterations, method calls) per render; stops nested-loop blowups.
    public var maximumSteps: Int
    /// Elements a range literal or list operation may produce.
    public var maximumCollectionSize: Int
    /// Nested block bodies, macro calls and interpolated strings at run time (macro recursion
    /// multiplies the parser's nesting limit); keeps the native stack under ~512 KB in release builds.
    public var maximumRenderDepth: Int

    public init(
        maximumForeachIterations: Int = 1000,
        maximumMacroDepth: Int = 20,
        maximumOutputBytes: Int = 10 * 1024 * 1024,
        maximumSteps: Int = 5_000_000,
        maximumCollectionSize: Int = 1_000_000,
        maximumRenderDepth: Int = 128
    ) {
        self.maximumForeachIterations = maximumForeachIterations
        self.maximumMacroDepth = maximumMacroDepth
        self.maximumOutputBytes = maximumOutputBytes
        self.maximumSteps = maximumSteps
        self.maximumCollectionSize = maximumCollectionSize
        self.maximumRenderDepth = maximumRenderDepth
    }

    /// API Gateway's limits.
    public static let apiGateway = VTLLimits()
}

/// What a mapping template sees of the request (or of the integration response).
public struct TemplateInput: Sendable {
    /// Raw body bytes: `$input.body` (an empty body renders as `{}`), and the JSON document for
    /// `$input.path` / `$input.json`.
    public var body: [UInt8]
    /// Path parameters in order (`$input.params().path`).
    public var pathParameters: [(String, String)]
    /// Query parameters in order; for a repeated name the LAST value is the one templates see
    /// (as in the REST proxy event's `queryStringParameters`).
    public var queryParameters: [(String, String)]
    /// Request headers in order; a repeated name keeps the last value. Lookups by name
    /// (`$input.params('x')`, `.header.get('x')`) are case-insensitive.
    public var headers: [(String, String)]
    /// The `$context` tree (an object), including `requestOverride` / `responseOverride` from earlier templates.
    public var context: JSONValue
    /// `$stageVariables` (an undefined name renders as empty).
    public var stageVariables: [(String, String)]

    public init(
        body: [UInt8] = [],
        pathParameters: [(String, String)] = [],
        queryParameters: [(String, String)] = [],
        headers: [(String, String)] = [],
        context: JSONValue = .object([:]),
        stageVariables: [(String, String)] = []
    ) {
        self.body = body
        self.pathParameters = pathParameters
        self.queryParameters = queryParameters
        self.headers = headers
        self.context = context
        self.stageVariables = stageVariables
    }
}

/// The result of rendering a mapping template.
public struct TemplateOutput: Sendable {
    /// The rendered body.
    public var text: String
    /// `$context` after the template ran: `responseOverride.status`, `responseOverride.header.X`,
    /// `requestOverride.header/querystring/path.X` and anything else the template `#set`.
    public var context: JSONValue

    public init(text: String, context: JSONValue) {
        self.text = text
        self.context = context
    }
}

/// A compiled API Gateway mapping template: parsed once when the API is loaded, rendered per
/// request. Immutable, so one instance can be shared by concurrent requests.
public struct MappingTemplate: Sendable {
    /// The template source as written.
    public let source: String
    /// The name used in error messages (e.g. `GET /pets 200 application/json response template`).
    public let name: String
    let compiled: CompiledTemplate

    /// Parses `source`; a syntax error carries the line and column.
    public init(source: String, name: String) throws(VTLSyntaxError) {
        var parser = TemplateParser(source: source)
        self.compiled = try parser.parseTemplate()
        self.source = source
        self.name = name
    }

    /// Renders the template with API Gateway's `$input`, `$util`, `$context` and `$stageVariables`.
    public func render(_ input: TemplateInput, limits: VTLLimits = .apiGateway) throws(VTLRuntimeError) -> TemplateOutput {
        let renderer = Renderer(template: compiled, limits: limits, gateway: GatewayRequest(input))
        renderer.globals["input"] = .input
        renderer.globals["util"] = .util
        let context = Renderer.prepareContext(input.context)
        renderer.globals["context"] = .map(context)
        var stage = OrderedDictionary<String, Value>()
        for (key, value) in input.stageVariables { stage[key] = .string(value) }
        renderer.globals["stageVariables"] = .map(MapObject(stage))
        let text = try renderer.renderTemplate(name: name)
        let finalContext: JSONValue
        if case .map(let map)? = renderer.globals["context"],
           let converted = try? renderer.json(of: .map(map), depth: 0) {
            finalContext = converted
        } else {
            finalContext = (try? renderer.json(of: .map(context), depth: 0)) ?? input.context
        }
        return TemplateOutput(text: text, context: finalContext)
    }
}

/// A general-purpose Velocity template over plain variables (for unit tests and the runner).
/// `$util` is always available; JSON objects become maps, arrays JSON-style lists.
public struct VTLTemplate: Sendable {
    /// The template source as written.
    public let source: String
    /// The name used in runtime error messages.
    public let name: String
    let compiled: CompiledTemplate

    public init(source: String, name: String = "template") throws(VTLSyntaxError) {
        var parser = TemplateParser(source: source)
        self.compiled = try parser.parseTemplate()
        self.source = source
        self.name = name
    }

    /// Renders with `variables` as the context (`["name": .string("x")]` is `$name`).
    public func render(variables: [String: JSONValue], limits: VTLLimits = .apiGateway) throws(VTLRuntimeError) -> String {
        let renderer = Renderer(template: compiled, limits: limits, gateway: nil)
        renderer.globals["util"] = .util
        for (key, value) in variables { renderer.globals[key] = Value(json: value) }
        return try renderer.renderTemplate(name: name)
    }
}
