import Foundation
import GatecheckCore
import Testing

/// Suites with Lambda authorizers and API keys, run by the runner against the embedded emulator: scripted
/// authorizers and inline usage plans from a suite's `backends:`.
@Suite struct AuthorizerSuiteTests {
    static let api = """
    openapi: 3.0.1
    info: {title: scripted-authorizers}
    paths:
      /orders:
        get:
          security:
          - orderAuth: []
            api_key: []
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Orders/invocations
    components:
      securitySchemes:
        api_key: {type: apiKey, name: x-api-key, in: header}
        orderAuth:
          type: apiKey
          name: Authorization
          in: header
          x-amazon-apigateway-authtype: custom
          x-amazon-apigateway-authorizer:
            type: token
            authorizerResultTtlInSeconds: 0
            authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:OrderAuth/invocations
    """

    static let suite = """
    api: apis/orders.yaml
    apiType: rest
    backends:
      lambdas:
        Orders:
          script:
            - returns: { statusCode: 200, body: "orders" }
        OrderAuth:
          timeout: 1s
          script:
            - when: { "$.authorizationToken": alice }
              returns:
                principalId: alice
                policyDocument:
                  Version: "2012-10-17"
                  Statement: [{ Action: "execute-api:Invoke", Effect: Allow, Resource: "arn:aws:execute-api:*" }]
            - when: { "$.authorizationToken": slow }
              sleep: 2s
              returns: {}
            - raises: { errorMessage: Unauthorized }
      apiKeys:
        alice: alice-key-0123456789abcdef
      usagePlans:
        Plan:
          quota: { limit: 1, period: MONTH }
          apiKeys: [alice]
    cases:
      - name: scripted authorizer allows, the key is in the plan
        request: { path: /orders, headers: { Authorization: alice, x-api-key: alice-key-0123456789abcdef } }
        expect: { status: 200, body: { text: orders } }
      - name: the monthly quota of 1 is used up
        request: { path: /orders, headers: { Authorization: alice, x-api-key: alice-key-0123456789abcdef } }
        expect: { status: 429, body: { text: '{"message":"Limit Exceeded"}' } }
      - name: scripted authorizer raises Unauthorized
        request: { path: /orders, headers: { Authorization: mallory } }
        expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
      - name: an authorizer slower than its function timeout
        request: { path: /orders, headers: { Authorization: slow } }
        expect: { status: 500, headers: { x-amzn-ErrorType: AuthorizerConfigurationException }, body: { text: '{"message": null}' } }
    """

    @Test func scriptedAuthorizersAndInlineUsagePlansRunInASuite() async throws {
        let workspace = Workspace()
        workspace.write("apis/orders.yaml", Self.api)
        let run = await runSuites(["orders.yaml": Self.suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 4)
    }

    @Test func anUnmappedAuthorizerFunctionIsAStartError() async throws {
        let workspace = Workspace()
        workspace.write("apis/orders.yaml", Self.api)
        let suite = "api: apis/orders.yaml\napiType: rest\nbackends:\n  lambdas:\n    Orders:\n      script:\n        - returns: {}\ncases:\n  - name: a\n    request: { path: /orders }\n"
        let run = await runSuites(["orders.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode != 0)
        #expect((run.console + run.errors).contains("Lambda function 'OrderAuth' used by the API is not mapped"), "\(run.console)\(run.errors)")
    }

    @Test func keyedMethodsWithoutDeclaredKeysAreAStartUpWarning() async throws {
        let workspace = Workspace()
        let api = workspace.write("apis/orders.yaml", Self.api)
        let backends = workspace.write("backends.yaml", "lambdas:\n  Orders:\n    script:\n      - returns: {}\n  OrderAuth:\n    script:\n      - returns: {}\n")
        let emulator = try await EmulatorLauncher.start(EmulatorSpec(apiPath: api, apiType: .rest, backends: .file(path: backends)))
        let warnings = emulator.warnings.map(\.message)
        await emulator.stop()
        #expect(warnings.contains("GET /orders requires an API key but the backends declare no apiKeys/usagePlans, so every request to them is refused with 403"), "\(warnings)")
    }

    /// An HTTP API with a real Node.js authorizer (payload 2.0, simple responses) whose identity sources include
    /// `$context.routeKey`, so its cached answer is per route.
    @Test func nodeAuthorizerWithPerRouteCaching() async throws {
        let workspace = Workspace()
        workspace.write("auth.js", """
            let calls = 0;
            exports.handler = async (event) => {
              calls += 1;
              const token = event.headers.authorization;
              if (token === "boom") { throw new Error("authorizer broke"); }
              return { isAuthorized: token === "secretToken", context: { calls: calls, route: event.routeKey } };
            };
            """)
        workspace.write("echo.js", """
            exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer.lambda) });
            """)
        workspace.write("apis/http.yaml", """
            openapi: 3.0.1
            info: {title: node-authorizer, version: "1"}
            x-amazon-apigateway-importexport-version: "1.0"
            paths:
              /a:
                get:
                  security: [{ nodeAuth: [] }]
                  x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: "2.0", uri: "arn:aws:lambda:us-east-1:123456789012:function:Echo" }
              /b:
                get:
                  security: [{ nodeAuth: [] }]
                  x-amazon-apigateway-integration: { type: aws_proxy, payloadFormatVersion: "2.0", uri: "arn:aws:lambda:us-east-1:123456789012:function:Echo" }
            components:
              securitySchemes:
                nodeAuth:
                  type: apiKey
                  name: Authorization
                  in: header
                  x-amazon-apigateway-authorizer:
                    type: request
                    identitySource: "$request.header.Authorization, $context.routeKey"
                    authorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:NodeAuth/invocations"
                    authorizerPayloadFormatVersion: "2.0"
                    enableSimpleResponses: true
                    authorizerResultTtlInSeconds: 300
            """)
        let suite = """
            api: apis/http.yaml
            apiType: http
            backends:
              lambdas:
                NodeAuth: { node: auth.js:handler }
                Echo: { node: echo.js:handler }
            cases:
              - name: first call on /a runs the authorizer
                request: { path: /a, headers: { Authorization: secretToken } }
                expect: { status: 200, body: { json: { calls: 1, route: GET /a } } }
              - name: the same token on /a is answered from the cache
                request: { path: /a, headers: { Authorization: secretToken } }
                expect: { status: 200, body: { json: { calls: 1, route: GET /a } } }
              - name: /b has its own cache entry (routeKey is an identity source)
                request: { path: /b, headers: { Authorization: secretToken } }
                expect: { status: 200, body: { json: { calls: 2, route: GET /b } } }
              - name: a wrong token -> 403
                request: { path: /a, headers: { Authorization: wrong } }
                expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
              - name: a throwing authorizer -> 500
                request: { path: /a, headers: { Authorization: boom } }
                expect: { status: 500, body: { text: '{"message":"Internal Server Error"}' } }
            """
        let run = await runSuites(["http.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 5)
    }
}
