import Foundation
import GatecheckCore
import Testing

/// `gatecheck run` without `--target`: suites run against the embedded emulator.
@Suite struct EmulatorTests {
    static let api = """
    openapi: 3.0.1
    info: { title: embedded, version: "1" }
    paths:
      /ping:
        get:
          responses:
            "200": { description: ok }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"pong": true}'
      /echo:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations
    """

    @Test func suitesRunAgainstTheEmbeddedEmulator() async throws {
        let workspace = Workspace()
        workspace.write("apis/embedded.yaml", Self.api)
        let suite = """
        api: apis/embedded.yaml
        apiType: rest
        stage: prod
        backends:
          lambdas:
            Echo:
              script:
                - returns: { statusCode: 201, headers: { X-From: lambda }, body: "hello from Echo" }
        cases:
          - name: mock integration
            request: { path: /ping }
            expect: { status: 200, body: { jsonPath: { "$.pong": true } } }
          - name: lambda proxy through a scripted backend
            request: { path: /echo }
            expect: { status: 201, headers: { X-From: lambda }, body: { text: hello from Echo } }
        """
        let run = await runSuites(["embedded.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.suites.first?.target.hasSuffix("/prod") == true)
    }

    @Test func anUnmappedFunctionStopsTheRunBeforeAnythingIsSent() async throws {
        let workspace = Workspace()
        workspace.write("apis/embedded.yaml", Self.api)
        let suite = "api: apis/embedded.yaml\napiType: rest\ncases:\n  - name: a\n    request: { path: /ping }\n"
        let run = await runSuites(["unmapped.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("unmapped.yaml: error: Lambda function 'Echo' used by the API is not mapped in suite 'unmapped'"), "\(run.errors)")
    }
}

extension EmulatorTests {
    @Test func validateChecksTheAPIAndBackendsOfSuitesWithAnAPI() {
        let workspace = Workspace()
        workspace.write("apis/embedded.yaml", Self.api)
        let path = workspace.write("v.yaml", "api: apis/embedded.yaml\napiType: rest\ncases:\n  - name: a\n    request: { path: /ping }\n")
        let out = OutputBuffer(), err = OutputBuffer()
        #expect(GatecheckRunner.validate(paths: [path], output: out.writer, errorOutput: err.writer) == .passed)
        #expect(GatecheckRunner.validate(paths: [path], emulator: EmbeddedEmulator(), output: out.writer, errorOutput: err.writer) == .invalidInput)
        #expect(err.text.contains("v.yaml: error: Lambda function 'Echo' used by the API is not mapped in suite 'v'"))
    }
}
