import Foundation
import Gateway
import SourceDiagnostics
import Testing

/// REST API or HTTP API, told from the document's signals (issue 17 item 3), as a user meets it through
/// `APIDefinition.load` (what `gatecheck emulate`, `run` and `validate` call).
@Suite struct TypeDetectionTests {
    static let head = "openapi: 3.0.1\ninfo: { title: t, version: '1' }\n"
    static let lambda = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"

    static func kind(_ body: String) -> HTTPAPIDocumentKind { HTTPAPILoader.detectKind(text: head + body) }

    /// Writes `text` to a temporary file and loads it as a user would (no --api-type).
    static func load(_ text: String, failOnWarnings: Bool = false) throws(DiagnosticsError) -> APIDefinition {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("detect-\(UUID().uuidString).yaml").path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try APIDefinition.load(path: path, type: nil, failOnWarnings: failOnWarnings) { _ in Diagnostic(file: "api.yaml", message: "undetermined") }
    }

    static let httpSignals: [(String, String)] = [
        ("x-amazon-apigateway-importexport-version", "x-amazon-apigateway-importexport-version: '1.0'\npaths: {}\n"),
        ("x-amazon-apigateway-cors", "x-amazon-apigateway-cors: { allowOrigins: ['*'] }\npaths: {}\n"),
        ("components.x-amazon-apigateway-integrations", "paths: {}\ncomponents:\n  x-amazon-apigateway-integrations:\n    i: { type: aws_proxy, uri: \(lambda) }\n"),
        ("payloadFormatVersion", "paths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: '2.0', uri: \(lambda) }\n"),
        ("payloadFormatVersion in components", "paths: {}\ncomponents:\n  x-amazon-apigateway-integrations:\n    i: { type: aws_proxy, payloadFormatVersion: '2.0', uri: \(lambda) }\n"),
        ("$default path", "paths:\n  /$default:\n    x-amazon-apigateway-any-method:\n      isDefaultRoute: true\n"),
        ("integrationSubtype", "paths:\n  /x:\n    post:\n      x-amazon-apigateway-integration: { type: aws_proxy, integrationSubtype: SQS-SendMessage }\n"),
    ]

    static let restSignals: [(String, String)] = [
        ("x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validators: { all: { validateRequestBody: true } }\npaths: {}\n"),
        ("x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-gateway-responses: { DEFAULT_4XX: { statusCode: 400 } }\npaths: {}\n"),
        ("x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-binary-media-types: [image/png]\npaths: {}\n"),
        ("non-proxy responses", "paths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, uri: \(lambda), responses: { default: { statusCode: '200' } } }\n"),
        ("requestTemplates", "paths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, uri: \(lambda), requestTemplates: { application/json: '{}' } }\n"),
        ("passthroughBehavior", "paths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: aws_proxy, uri: \(lambda), passthroughBehavior: never }\n"),
        ("integration type mock", "paths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n"),
    ]

    @Test(arguments: httpSignals.map(\.0))
    func eachHTTPAPISignalMeansHTTPAPI(signal: String) {
        let body = Self.httpSignals.first { $0.0 == signal }!.1
        #expect(Self.kind(body) == .httpAPI, "\(signal)")
    }

    @Test(arguments: restSignals.map(\.0))
    func eachRESTAPISignalMeansRESTAPI(signal: String) {
        let body = Self.restSignals.first { $0.0 == signal }!.1
        #expect(Self.kind(body) == .restAPI, "\(signal)")
    }

    @Test func swaggerIsAlwaysREST() {
        #expect(HTTPAPILoader.detectKind(text: "swagger: '2.0'\ninfo: { title: t }\nx-amazon-apigateway-cors: {}\npaths: {}\n") == .restAPI)
    }

    @Test func conflictingSignalsTakeTheMajorityWithAWarningNamingThem() throws {
        // Two HTTP API signals (cors, payloadFormatVersion) against one REST signal (requestTemplates).
        let text = Self.head + """
        x-amazon-apigateway-cors: { allowOrigins: ['*'] }
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: '2.0'
                uri: \(Self.lambda)
                requestTemplates: { application/json: '{}' }
        """
        let api = try Self.load(text)
        #expect(api.kind == .http)
        let warning = try #require(api.diagnostics.first)
        #expect(warning.severity == .warning)
        #expect((warning.line, warning.column) == (3, 1))
        #expect(warning.message == "this document has HTTP API signals (x-amazon-apigateway-cors (line 3), payloadFormatVersion (line 9)) and REST API signals "
                + "(requestTemplates (line 11)); read as an HTTP API (it has more HTTP API signals); pass --api-type rest (apiType: rest in a suite) to read it the other way")
        // The REST-only key is ignored with a warning, as API Gateway's HTTP API import does.
        #expect(api.diagnostics.dropFirst().map(\.message).contains { $0.hasPrefix("'requestTemplates' is a REST API integration key, ignored by an HTTP API") })
    }

    @Test func aTieIsNotRefusedWhenTheDocumentLoadsAsOneKind() throws {
        // One signal of each kind (x-amazon-apigateway-cors, integration type mock): only the REST read loads it.
        let tie = Self.head + """
        x-amazon-apigateway-cors: { allowOrigins: ['*'] }
        paths:
          /y:
            get:
              x-amazon-apigateway-integration: { type: mock }
        """
        #expect(HTTPAPILoader.detectKind(text: tie) == .undetermined)
        let api = try Self.load(tie)
        #expect(api.kind == .rest)
        #expect(api.diagnostics.first?.message.hasSuffix("read as a REST API (as many signals of each kind, and it loads as one); pass --api-type http (apiType: http in a suite) to read it the other way") == true,
                "\(api.diagnostics)")
    }

    @Test func failOnWarningsTurnsEveryWarningIntoAnError() throws {
        let text = Self.head + "x-amazon-apigateway-documentation: {}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n"
        let lenient = try Self.load(text)
        #expect(lenient.diagnostics.count == 1)
        do {
            _ = try Self.load(text, failOnWarnings: true)
            Issue.record("--fail-on-warnings loaded a definition with a warning")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors.first?.message.hasSuffix("(an error with --fail-on-warnings)") == true, "\(error.errors)")
            #expect(error.errors.first?.line == 3)
        }
    }
}
