import Foundation
import GatecheckCore
import Testing

/// Issue 19 §3, through the path a user meets: suites run by `gatecheck run` against the embedded emulator
/// (a real HTTP server on loopback), and `gatecheck emulate` as a process answering real requests.
@Suite struct FidelityGapTests {
    static let lambdaURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:"

    /// A REST API: one Lambda proxy method per function, a doubled-slash uri, and a MOCK whose response template
    /// URL-encodes a missing value.
    static let restAPI = """
    openapi: 3.0.1
    info: { title: fidelity, version: "1" }
    paths:
      /throttled:
        get:
          x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "\(lambdaURI)Throttled/invocations" }
      /denied:
        get:
          x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "\(lambdaURI)Denied/invocations" }
      /gone:
        get:
          x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, uri: "\(lambdaURI)Gone/invocations" }
      /double:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: "arn:aws:apigateway:us-east-1:lambda:path//2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations"
      /encode:
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
                  application/json: '{"encoded": "$util.urlEncode($input.path(''$.missing''))", "b64": "$util.base64Encode($input.params(''nope''))"}'
    """

    static let httpAPI = """
    openapi: 3.0.1
    info: { title: fidelity-http, version: "1" }
    x-amazon-apigateway-importexport-version: "1.0"
    paths:
      /throttled:
        get:
          x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: "2.0", uri: "\(lambdaURI)Throttled/invocations" }
      /double:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            payloadFormatVersion: "2.0"
            uri: "arn:aws:apigateway:us-east-1:lambda:path//2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations"
    """

    static let backends = """
    backends:
      lambdas:
        Throttled: { script: [ { invokeError: TooManyRequests } ] }
        Denied: { script: [ { invokeError: AccessDeniedException } ] }
        Gone: { script: [ { invokeError: ResourceNotFound } ] }
        Hello: { script: [ { returns: { statusCode: 200, body: "hello" } } ] }
    """

    @Test func invokeErrorsDoubledSlashesAndNullArgumentsOnARESTAPI() async throws {
        let workspace = Workspace()
        workspace.write("apis/fidelity.yaml", Self.restAPI)
        let suite = """
        api: apis/fidelity.yaml
        apiType: rest
        \(Self.backends)
        cases:
          - name: throttled invoke -> 500
            request: { path: /throttled }
            expect:
              status: 500
              headers: { x-amzn-ErrorType: InternalServerErrorException }
              body: { text: '{"message": "Internal server error"}' }
          - name: denied invoke -> 500
            request: { path: /denied }
            expect: { status: 500, body: { text: '{"message": "Internal server error"}' } }
          - name: missing function -> 500
            request: { path: /gone }
            expect: { status: 500, body: { text: '{"message": "Internal server error"}' } }
          - name: a doubled slash in the uri still invokes the function
            request: { path: /double }
            expect: { status: 200, body: { text: hello } }
          - name: null arguments render empty
            request: { path: /encode }
            expect: { status: 200, body: { json: { encoded: "", b64: "" } } }
        """
        let run = await runSuites(["fidelity.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 5)
    }

    @Test func invokeErrorsAndDoubledSlashesOnAnHTTPAPI() async throws {
        let workspace = Workspace()
        workspace.write("apis/fidelity-http.yaml", Self.httpAPI)
        let suite = """
        api: apis/fidelity-http.yaml
        apiType: http
        \(Self.backends)
        cases:
          - name: throttled invoke -> 500
            request: { path: /throttled }
            expect: { status: 500, body: { text: '{"message":"Internal Server Error"}' } }
          - name: a doubled slash in the uri still invokes the function
            request: { path: /double }
            expect: { status: 200, body: { text: hello } }
        """
        let run = await runSuites(["fidelity-http.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 2)
    }

    /// On REST APIs a refused Invoke is the INTEGRATION_FAILURE gateway response (status 500 unless customised), so
    /// a team that wants throttling to reach clients as 429 customises that type.
    @Test func aRefusedInvokeGoesThroughTheIntegrationFailureGatewayResponse() async throws {
        let workspace = Workspace()
        workspace.write("apis/fidelity.yaml", Self.restAPI + """

        x-amazon-apigateway-gateway-responses:
          INTEGRATION_FAILURE:
            statusCode: "429"
            responseTemplates:
              application/json: '{"retry": true, "type": "$context.error.responseType"}'
        """)
        let suite = """
        api: apis/fidelity.yaml
        apiType: rest
        \(Self.backends)
        cases:
          - name: throttled invoke -> the customised INTEGRATION_FAILURE
            request: { path: /throttled }
            expect: { status: 429, body: { json: { retry: true, type: INTEGRATION_FAILURE } } }
        """
        let run = await runSuites(["customised.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0 && run.summary.passed == 1, "\(run.console)\(run.errors)")
    }

    @Test func anUnknownInvokeErrorIsALoadError() async throws {
        let workspace = Workspace()
        workspace.write("apis/fidelity.yaml", Self.restAPI)
        let suite = """
        api: apis/fidelity.yaml
        apiType: rest
        backends:
          lambdas:
            Throttled: { script: [ { invokeError: TooManyRequest } ] }
        cases:
          - name: a
            request: { path: /throttled }
        """
        let run = await runSuites(["bad.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("unknown Invoke error 'TooManyRequest'; expected one of AccessDenied, TooManyRequests, ResourceNotFound"), "\(run.errors)")
        #expect(run.errors.contains("(did you mean 'TooManyRequests'?)"), "\(run.errors)")
    }

    /// `gatecheck emulate` starts although `Gone` and `Throttled`... are not mapped, warns about each, and answers
    /// them as API Gateway answers for a function that does not exist; a mapped function still works.
    @Test func emulateServesUnmappedFunctionsAsMissing() async throws {
        let workspace = Workspace()
        let api = workspace.write("api.yaml", Self.restAPI)
        let backends = workspace.write("backends.yaml", "lambdas:\n  Hello: { script: [ { returns: { statusCode: 200, body: hello } } ] }\n")
        let child = try SpawnedGatecheck(["emulate", "--api", api, "--backends", backends, "--port", "0"])
        let started = await eventually { child.output.contains(" at http://127.0.0.1:") }
        #expect(started, "stdout: \(child.output)\nstderr: \(child.errors)")
        if started {
            #expect(child.errors.contains("warning: Lambda function 'Gone' used by the API is not mapped (the backends file does not map it); "
                                          + "requests to it answer 500, as API Gateway does when the function does not exist (ResourceNotFoundException)"),
                    "\(child.errors)")
            for name in ["Denied", "Throttled"] { #expect(child.errors.contains("Lambda function '\(name)' used by the API is not mapped")) }
            // A suite run against the emulator's URL (`gatecheck run --target`), as a user would check it.
            let url = try #require(child.output.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
            let suite = """
            cases:
              - name: unmapped function -> 500 as for a function that does not exist
                request: { path: /gone }
                expect: { status: 500, body: { text: '{"message": "Internal server error"}' } }
              - name: a mapped function still answers
                request: { path: /double }
                expect: { status: 200, body: { text: hello } }
            """
            let run = await runSuites(["against-emulate.yaml": suite], target: url)
            #expect(run.summary.exitCode == 0 && run.summary.passed == 2, "\(run.console)\(run.errors)")
            #expect(await eventually { child.output.contains("ResourceNotFoundException") }, "the request log names the Invoke error: \(child.output)")
        }
        child.signal(SIGTERM)
        _ = await child.exitStatus()
    }
}
