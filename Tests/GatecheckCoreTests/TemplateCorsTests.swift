import Foundation
@testable import GatecheckCore
import Testing

/// `gatecheck emulate --template` with a `CorsConfiguration` on the template's HTTP API resource: the property is
/// applied over the body's `x-amazon-apigateway-cors` (SAM merges, the property winning; `AWS::ApiGatewayV2::Api`
/// replaces it) and the spawned emulator answers preflights with the result, through real sockets.
@Suite struct TemplateCorsTests {
    static let body = """
    openapi: 3.0.1
    info: { title: cors, version: '1' }
    paths: {}
    x-amazon-apigateway-cors:
      allowOrigins: ["https://body.example"]
      allowHeaders: [x-from-body]
      maxAge: 10

    """

    /// Spawns `gatecheck emulate --template` on `template`, runs `suite` against it and stops it.
    func serve(_ template: String, suite: String) async throws -> (passed: Int, exit: Int32, console: String) {
        let child = try SpawnedGatecheck(["emulate", "--template", template, "--port", "0", "--offline"])
        let started = await eventually { child.output.contains("emulating a custom domain at http://127.0.0.1:") }
        #expect(started, "stdout: \(child.output)\nstderr: \(child.errors)")
        guard started else { child.signal(SIGTERM); _ = await child.exitStatus(); return (0, -1, child.errors) }
        let url = try #require(child.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        let run = await runSuites(["cors.yaml": suite], target: url)
        child.signal(SIGTERM)
        #expect(await child.exitStatus() == 0)
        return (run.summary.passed, run.summary.exitCode, run.console + run.errors)
    }

    @Test func samHttpApiCorsConfigurationIsMergedOverTheBodysAndAnswersPreflights() async throws {
        let workspace = Workspace()
        workspace.write("api.yaml", Self.body)
        let template = workspace.write("template.yaml", """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties:
              DefinitionUri: api.yaml
              CorsConfiguration:
                AllowOrigins: ["https://app.example.com"]
                AllowMethods: [GET, POST]
                AllowCredentials: true
          Mapping:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: api.example.com, ApiMappingKey: v1, ApiId: !Ref Api, Stage: "$default" }
        """)
        let suite = """
        cases:
          - name: the template's origins, methods and credentials; the body's headers and max age
            request:
              method: OPTIONS
              path: /v1/items
              headers: { Origin: "https://app.example.com", Access-Control-Request-Method: POST }
            expect:
              status: 204
              headers:
                access-control-allow-origin: "https://app.example.com"
                access-control-allow-credentials: "true"
                access-control-allow-methods: "GET,POST"
                access-control-allow-headers: "x-from-body"
                access-control-max-age: "10"
              body: { text: "" }
          - name: the body's origin is overridden -> no CORS headers
            request:
              method: OPTIONS
              path: /v1/items
              headers: { Origin: "https://body.example", Access-Control-Request-Method: GET }
            expect:
              status: 204
              headers: { access-control-allow-origin: { absent: true } }
        """
        let result = try await serve(template, suite: suite)
        #expect(result.exit == 0 && result.passed == 2, "\(result.console)")
    }

    @Test func cloudFormationCorsConfigurationReplacesTheBodysAndSamTrueAllowsEveryOrigin() async throws {
        let workspace = Workspace()
        workspace.write("api.yaml", Self.body)
        workspace.write("open.yaml", "openapi: 3.0.1\ninfo: { title: open, version: '1' }\npaths: {}\nx-amazon-apigateway-importexport-version: '1.0'\n")
        let template = workspace.write("template.yaml", """
        Resources:
          Api:
            Type: AWS::ApiGatewayV2::Api
            Properties:
              Body: { "Fn::Transform": { Name: AWS::Include, Parameters: { Location: api.yaml } } }
              CorsConfiguration: { AllowOrigins: ["https://cfn.example"], ExposeHeaders: [x-total] }
          Open:
            Type: AWS::Serverless::HttpApi
            Properties: { DefinitionUri: open.yaml, CorsConfiguration: true }
          Mapping:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: api.example.com, ApiMappingKey: v1, ApiId: !Ref Api, Stage: "$default" }
          OpenMapping:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: api.example.com, ApiMappingKey: open, ApiId: !Ref Open, Stage: "$default" }
        """)
        let suite = """
        cases:
          - name: CloudFormation's CorsConfiguration replaces the body's (no headers, no max age from it)
            request:
              method: OPTIONS
              path: /v1/items
              headers: { Origin: "https://cfn.example", Access-Control-Request-Method: GET }
            expect:
              status: 204
              headers:
                access-control-allow-origin: "https://cfn.example"
                access-control-allow-headers: { absent: true }
                access-control-max-age: { absent: true }
          - name: SAM's CorsConfiguration true allows every origin
            request:
              method: OPTIONS
              path: /open/items
              headers: { Origin: "https://anyone.example", Access-Control-Request-Method: GET }
            expect:
              status: 204
              headers: { access-control-allow-origin: "*" }
        """
        let result = try await serve(template, suite: suite)
        #expect(result.exit == 0 && result.passed == 2, "\(result.console)")
    }

    /// Bad values are errors at their file:line:column, and `gatecheck emulate --template` exits 2 with them.
    @Test func badCorsConfigurationValuesAreErrorsWithPositions() async throws {
        let workspace = Workspace()
        workspace.write("api.yaml", Self.body)
        workspace.write("rest.yaml", "openapi: 3.0.1\ninfo: { title: r, version: '1' }\npaths: {}\n")
        let template = workspace.write("template.yaml", """
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties:
              DefinitionUri: api.yaml
              CorsConfiguration:
                AllowOrigins: https://app.example.com
                AllowMethods: [GET, FETCH]
                MaxAge: 90000
                AllowCredential: true
          Cfn:
            Type: AWS::ApiGatewayV2::Api
            Properties: { Body: { "Fn::Transform": { Name: AWS::Include, Parameters: { Location: api.yaml } } }, CorsConfiguration: true }
          Rest:
            Type: AWS::Serverless::Api
            Properties: { StageName: prod, DefinitionUri: rest.yaml, CorsConfiguration: { AllowOrigins: ["*"] } }
          A:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: d, ApiMappingKey: a, ApiId: !Ref Api, Stage: "$default" }
          B:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: d, ApiMappingKey: b, ApiId: !Ref Cfn, Stage: "$default" }
          C:
            Type: AWS::ApiGateway::BasePathMapping
            Properties: { DomainName: d, BasePath: c, RestApiId: !Ref Rest, Stage: prod }
        """)
        let child = try SpawnedGatecheck(["emulate", "--template", template, "--port", "0"])
        #expect(await child.exitStatus() == 2)
        let text = child.errors
        #expect(text.contains("template.yaml:7:23: error: Api: CorsConfiguration.AllowOrigins must be a list of strings"), "\(text)")
        #expect(text.contains("template.yaml:8:23: error: Api: CorsConfiguration.AllowMethods entry 'FETCH' is not an HTTP method or '*'"), "\(text)")
        #expect(text.contains("template.yaml:9:17: error: Api: CorsConfiguration.MaxAge must be between -1 and 86400 seconds, found 90000"), "\(text)")
        #expect(text.contains("template.yaml:10:9: error: Api: CorsConfiguration.AllowCredential: unknown key"), "\(text)")
        #expect(text.contains("template.yaml:13:125: error: Cfn: CorsConfiguration must be a mapping of AllowOrigins"), "\(text)")
        #expect(text.contains("template.yaml:16:81: error: Rest: CorsConfiguration is a property of HTTP APIs (AWS::Serverless::HttpApi, AWS::ApiGatewayV2::Api), not of AWS::Serverless::Api"), "\(text)")
    }

    /// Credentials with the `*` origin, after the merge with the body's configuration, are refused at the property.
    @Test func credentialsWithTheBodysWildcardOriginAreRefused() async throws {
        let workspace = Workspace()
        workspace.write("api.yaml", "openapi: 3.0.1\ninfo: { title: w, version: '1' }\npaths: {}\nx-amazon-apigateway-cors: { allowOrigins: ['*'] }\n")
        let template = workspace.write("template.yaml", """
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties: { DefinitionUri: api.yaml, CorsConfiguration: { AllowCredentials: true } }
          A:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: d, ApiMappingKey: a, ApiId: !Ref Api, Stage: "$default" }
        """)
        let child = try SpawnedGatecheck(["emulate", "--template", template, "--port", "0"])
        #expect(await child.exitStatus() == 2)
        #expect(child.errors.contains("template.yaml:4:63: error: Api: AllowCredentials true is not supported with the '*' origin"), "\(child.errors)")
    }
}
