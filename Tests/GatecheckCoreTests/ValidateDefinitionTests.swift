import Foundation
import GatecheckCore
import Testing

/// `gatecheck validate FILE` on an API definition or a backends file says what it checked (issue 17 item 6).
@Suite struct ValidateDefinitionTests {
    static let swagger = """
    swagger: "2.0"
    info: { title: Orders, version: "1" }
    x-amazon-apigateway-documentation: { version: "1" }
    paths:
      /orders:
        get:
          x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 200}' } }
        post:
          x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 201}' } }
      /orders/{id}:
        get:
          x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 200}' } }
    """

    func validate(_ paths: [String], failOnWarnings: Bool = false) -> (status: Int32, output: String, errors: String) {
        let output = OutputBuffer(), errors = OutputBuffer()
        var emulator = EmbeddedEmulator(environment: ["HOME": "/nonexistent"])
        emulator.failOnWarnings = failOnWarnings
        let status = GatecheckRunner.validate(paths: paths, environment: [:], emulator: emulator, output: output.writer, errorOutput: errors.writer)
        return (status.rawValue, output.text, errors.text)
    }

    @Test func aValidDefinitionSaysWhatWasRead() {
        let workspace = Workspace()
        let api = workspace.write("orders.yaml", Self.swagger)
        let backends = workspace.write("backends.yaml", "lambdas:\n  Fn: { script: [{ returns: 1 }] }\nhttp:\n  upstream.test: { script: [{ status: 200 }] }\n")
        let result = validate([api, backends])
        #expect(result.status == 0)
        #expect(result.output == """
            \(api): REST API 'Orders' from Swagger 2.0: 2 resources, 3 methods (1 warning above)
            \(backends): backends file: 1 function, 1 HTTP host
            2 definition files: valid

            """)
        #expect(result.errors.contains("orders.yaml:3:1: warning: not supported by the emulator yet: documentation parts"), "\(result.errors)")
    }

    @Test func errorsNameTheFileAndWhatItWasCheckedAs() {
        let workspace = Workspace()
        let api = workspace.write("orders.yaml", Self.swagger.replacingOccurrences(of: "type: mock, requestTemplates: { application/json: '{\"statusCode\": 201}' }", with: "type: mocky"))
        let result = validate([api])
        #expect(result.status == 2)
        #expect(result.errors.hasSuffix("gatecheck: 1 error in \(api) (checked as an API definition, Swagger 2.0)\n"), "\(result.errors)")
    }

    @Test func failOnWarningsMakesTheWarningAnError() {
        let workspace = Workspace()
        let api = workspace.write("orders.yaml", Self.swagger)
        let result = validate([api], failOnWarnings: true)
        #expect(result.status == 2)
        #expect(result.errors.contains("orders.yaml:3:1: error: not supported by the emulator yet: documentation parts (x-amazon-apigateway-documentation); ignored (an error with --fail-on-warnings)"), "\(result.errors)")
        #expect(result.errors.hasSuffix("gatecheck: 1 error in \(api) (checked as an API definition, Swagger 2.0)\n"))
    }
}
