import Foundation
import Testing
import TestSupport

/// `gatecheck init`: a first suite from a definition, through the CLI; then `gatecheck run` on what it wrote.
@Suite(.serialized) struct InitTests {
    /// A Lambda non-proxy method with a selection pattern, a request validator with a required query parameter and a
    /// body model, and a Lambda proxy method declaring 200 and 404.
    static let api = """
    openapi: 3.0.1
    info: { title: init, version: "1" }
    x-amazon-apigateway-request-validators:
      all: { validateRequestParameters: true, validateRequestBody: true }
    paths:
      /items:
        post:
          x-amazon-apigateway-request-validator: all
          parameters:
            - { name: q, in: query, required: true, schema: { type: string } }
          requestBody:
            content: { application/json: { schema: { $ref: "#/components/schemas/NewItem" } } }
          responses:
            "200": { description: ok }
            "404": { description: not found }
          x-amazon-apigateway-integration:
            type: aws
            httpMethod: POST
            uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Items/invocations
            responses:
              default: { statusCode: "200" }
              ".*Not Found.*": { statusCode: "404", responseTemplates: { application/json: '{"missing": true}' } }
      /items/{id}:
        get:
          responses:
            "200": { description: ok }
            "404": { description: not found }
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Items/invocations
    components:
      schemas:
        NewItem:
          type: object
          required: [name, price]
          properties:
            name: { type: string, minLength: 2 }
            price: { type: number, minimum: 1 }

    """

    static func workspace() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("apis"), withIntermediateDirectories: true)
        try Data(api.utf8).write(to: url.appendingPathComponent("apis/items.yaml"))
        return url
    }

    /// The block of the generated suite for the case named `name` (its comments above it included).
    static func block(_ suite: String, _ name: String) -> String? {
        let parts = suite.components(separatedBy: "\n\n")
        return parts.first { $0.contains("- name: \"\(name)\"") }
    }

    @Test func initWritesACasePerMethodAndIntegrationResponseThatRunGreen() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let initialised = try CoverageCLI.run(["init", "--api", "apis/items.yaml"], in: directory)
        #expect(initialised.status == 0, "\(initialised.output)")
        #expect(initialised.output.contains("suites/items.yaml: 7 cases"), "\(initialised.output)")
        let suite = try String(contentsOf: directory.appendingPathComponent("suites/items.yaml"), encoding: .utf8)
        let backends = try String(contentsOf: directory.appendingPathComponent("suites/items.backends.yaml"), encoding: .utf8)
        #expect(suite.contains("api: \"../apis/items.yaml\"\nbackends: \"items.backends.yaml\"\n"), "\(suite)")

        // The default response: the smallest valid body, a placeholder for the required parameter.
        let success = try #require(Self.block(suite, "POST /items: default -> 200"), "\(suite)")
        #expect(success.contains(#"query: { "q": "example" }"#))
        #expect(success.contains(#"body: { json: { "name": "example", "price": 1 } }"#), "\(success)")
        #expect(success.contains("# guess: required parameter values are placeholders"))
        #expect(success.contains("matchesDefinition: true"))
        #expect(success.contains("status: 200"))
        // The selection pattern: the stand-in raises a message the pattern matches as a whole.
        let notFound = try #require(Self.block(suite, "POST /items: '.*Not Found.*' -> 404"), "\(suite)")
        #expect(notFound.contains(#""gatecheckError": "e1""#), "\(notFound)")
        #expect(notFound.contains("status: 404"), "\(notFound)")
        #expect(notFound.contains(#"body: { json: { "missing": true } }"#), "\(notFound)")
        #expect(!notFound.contains("does not select"), "\(notFound)")
        #expect(backends.contains(#"raises: { errorMessage: "Not Found", errorType: Exception }"#), "\(backends)")
        // The validator: a missing required parameter and a body that breaks the model.
        let missing = try #require(Self.block(suite, "POST /items: missing required querystring parameter 'q' -> 400"), "\(suite)")
        #expect(!missing.contains("query:"))
        #expect(missing.contains("status: 400"))
        #expect(missing.contains(#"body: { json: { "message": "Missing required request parameters: [q]" } }"#), "\(missing)")
        let invalid = try #require(Self.block(suite, "POST /items: body that breaks the request model -> 400"), "\(suite)")
        #expect(invalid.contains(#"body: { json: { "message": "Invalid request body" } }"#), "\(invalid)")
        // The proxy method: each declared status asked of the stand-in.
        let proxy404 = try #require(Self.block(suite, "GET /items/{id} -> 404"), "\(suite)")
        #expect(proxy404.contains(#"headers: { "x-gatecheck-status": "404" }"#))
        #expect(proxy404.contains("# guess: path parameter values are placeholders"))
        #expect(proxy404.contains("status: 404"), "\(proxy404)")
        let unknown = try #require(Self.block(suite, "unknown path -> 403 Missing Authentication Token"))
        #expect(unknown.contains("status: 403"))

        let run = try CoverageCLI.run(["run", "suites/items.yaml"], in: directory)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("7 passed, 0 failed"), "\(run.output)")
        #expect(run.output.contains("coverage: 2/2 methods, 2/2 integration responses, 4/4 method responses"), "\(run.output)")

        let again = try CoverageCLI.run(["init", "--api", "apis/items.yaml"], in: directory)
        #expect(again.status == 2)
        #expect(again.output.contains("suites/items.yaml exists; pass --force to overwrite it"), "\(again.output)")
        #expect(try CoverageCLI.run(["init", "--api", "apis/items.yaml", "--force"], in: directory).status == 0)
        let nothing = try CoverageCLI.run(["init", "--api", "apis/none.yaml"], in: directory)
        #expect(nothing.status == 2)
        #expect(nothing.output.contains("--api: no such file 'apis/none.yaml'"), "\(nothing.output)")
    }

    @Test(arguments: ["rest-outcome", "rest-edge-cases", "rest-authorizers", "rest-services", "rest-custom-errors", "rest-custom-domain",
                      "rest-cors", "rest-cognito", "http-outcome", "http-authorizers", "http-cors", "http-jwt"])
    func initOnABundledDefinitionThenRunPasses(_ name: String) throws {
        let root = ReportValidation.packageRoot()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-init-bundled-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let definition = root.appendingPathComponent("suites/apis/\(name).yaml").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let initialised = try CoverageCLI.run(["init", "--api", definition, "-o", "\(name).yaml"], in: directory)
        #expect(initialised.status == 0, "\(initialised.output)")
        let run = try CoverageCLI.run(["run", "\(name).yaml", "--no-coverage"], in: directory)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains(" 0 failed, 0 errors"), "\(run.output)")
    }

    @Test func initWithTheBundledBackendsRunsTheRealHandlers() throws {
        let root = ReportValidation.packageRoot()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-init-backends-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let initialised = try CoverageCLI.run(["init", "--api", root.appendingPathComponent("suites/apis/rest-outcome.yaml").path,
                                               "--backends", root.appendingPathComponent("suites/backends.yaml").path, "-o", "outcome.yaml"], in: directory)
        #expect(initialised.status == 0, "\(initialised.output)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("outcome.backends.yaml").path), "no stand-ins with --backends")
        let suite = try String(contentsOf: directory.appendingPathComponent("outcome.yaml"), encoding: .utf8)
        #expect(suite.contains("# guess: the Lambda function must fail with an errorMessage matching '.*400.*' for this response; adjust the request"), "\(suite)")
        let run = try CoverageCLI.run(["run", "outcome.yaml", "--no-coverage"], in: directory)
        #expect(run.status == 0, "\(run.output)")
    }
}
