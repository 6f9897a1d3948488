import JSONCore
import VTL

/// The one place the gateway talks to the VTL engine: every mapping template (request, response,
/// gateway response) is compiled and rendered through this adapter.
struct GatewayTemplate: Sendable {
    /// e.g. `GET /items response 200 application/json`.
    let name: String
    let source: String
    private let template: MappingTemplate

    struct SyntaxError: Error, Sendable {
        var line: Int
        var column: Int
        var message: String
    }

    struct RenderError: Error, Sendable {
        var line: Int
        var column: Int
        var message: String
    }

    /// The inputs a template sees: `$input`, `$context`, `$stageVariables`, `$util`.
    struct Input: Sendable {
        var body: [UInt8]
        var pathParameters: [(String, String)]
        var queryParameters: [(String, String)]
        var headers: [(String, String)]
        var context: JSONValue
        var stageVariables: [(String, String)]
    }

    init(source: String, name: String) throws(SyntaxError) {
        self.name = name
        self.source = source
        do {
            template = try MappingTemplate(source: source, name: name)
        } catch {
            throw SyntaxError(line: error.line, column: error.column, message: error.message)
        }
    }

    /// Renders the template; returns the text and `$context` as the template left it
    /// (`responseOverride`, `requestOverride` and custom keys).
    func render(_ input: Input) throws(RenderError) -> (text: String, context: JSONValue) {
        let vtlInput = TemplateInput(body: input.body, pathParameters: input.pathParameters, queryParameters: input.queryParameters,
                                     headers: input.headers, context: input.context, stageVariables: input.stageVariables)
        do {
            let output = try template.render(vtlInput)
            return (output.text, output.context)
        } catch {
            throw RenderError(line: error.line, column: error.column, message: error.message)
        }
    }
}
