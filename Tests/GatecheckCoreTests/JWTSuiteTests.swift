import Foundation
import GatecheckCore
import Testing

/// Suites with minted tokens (`jwt:`) against the embedded emulator: a REST Cognito user pool authorizer trusts the
/// minting key, good tokens pass, expired / foreign / tampered ones get AWS's 401 bodies; bad `jwt:` specs are
/// load errors with positions; tokens never show in reports.
@Suite struct JWTSuiteTests {
    static let api = """
    openapi: 3.0.1
    info: {title: cognito}
    paths:
      /me:
        get:
          security:
          - pool: []
          responses:
            "200": {description: ok}
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"sub":"$context.authorizer.claims.sub","groups":"$context.authorizer.claims[''cognito:groups'']"}'
    components:
      securitySchemes:
        pool:
          type: apiKey
          name: Authorization
          in: header
          x-amazon-apigateway-authtype: cognito_user_pools
          x-amazon-apigateway-authorizer:
            type: cognito_user_pools
            providerARNs: [arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Pool]
    """

    static let suite = """
    api: apis/cognito.yaml
    apiType: rest
    jwt:
      id: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", audience: app-client, claims: { sub: alice, token_use: id, "cognito:groups": [admin] } }
      expired: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", audience: app-client, claims: { token_use: id }, expiresIn: -5 }
      otherPool: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other", audience: app-client, claims: { token_use: id } }
      tampered: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", audience: app-client, claims: { token_use: id }, tamper: true }
    cases:
      - name: an ID token of the pool
        request: { path: /me, headers: { Authorization: "{{jwt.id}}" } }
        expect: { status: 200, body: { text: '{"sub":"alice","groups":"[admin]"}' } }
      - name: expired
        request: { path: /me, headers: { Authorization: "{{jwt.expired}}" } }
        expect: { status: 401, body: { text: '{"message":"The incoming token has expired"}' } }
      - name: another pool
        request: { path: /me, headers: { Authorization: "{{jwt.otherPool}}" } }
        expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
      - name: tampered
        request: { path: /me, headers: { Authorization: "{{jwt.tampered}}" } }
        expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
      - name: shows the token in a failure message
        request: { path: /me, headers: { Authorization: "{{jwt.id}}" } }
        expect: { status: 200, body: { text: "{{jwt.id}}" } }
    """

    @Test func mintedTokensAgainstACognitoAuthorizer() async throws {
        let workspace = Workspace()
        workspace.write("apis/cognito.yaml", Self.api)
        let run = await runSuites(["cognito.yaml": Self.suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.passed == 4, "\(run.console)\(run.errors)")
        #expect(run.summary.failed == 1)
        // The failing case quotes its expectation; the minted token is redacted there and in the JUnit file.
        let junit = try #require(run.junit)
        #expect(junit.contains("***"))
        #expect(!junit.contains("eyJ"), "a minted token leaked into the report")
        #expect(!run.console.contains("eyJ"), "a minted token leaked into the console")
    }

    @Test func badTokenSpecsAreLoadErrors() async throws {
        let workspace = Workspace()
        workspace.write("apis/cognito.yaml", Self.api)
        let suite = """
        api: apis/cognito.yaml
        jwt:
          a: { issuer: x, key: mine, expiresIn: soon }
        cases:
          - name: uses an undeclared token
            request: { path: /me, headers: { Authorization: "{{jwt.b}}" } }
        """
        let run = await runSuites(["bad.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode != 0)
        let output = run.console + run.errors
        #expect(output.contains("bad.yaml:3:24: error: unknown key 'mine' in jwt.a.key (expected gatecheck or untrusted)"), "\(output)")
        #expect(output.contains("jwt.a.expiresIn"), "\(output)")
        #expect(output.contains("jwt.b"), "\(output)")
    }

    /// `auth: { jwt: {...} }` mints one token and sends it as `Authorization: Bearer ...` on every case; a case's
    /// own Authorization header (here a tampered token) or one in `defaults` wins.
    @Test func suiteLevelAuthJWTSendsTheTokenOnEveryCase() async throws {
        let workspace = Workspace()
        workspace.write("apis/cognito.yaml", Self.api)
        let suite = """
        api: apis/cognito.yaml
        apiType: rest
        auth:
          jwt: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", audience: app-client, claims: { sub: carol, token_use: id, "cognito:groups": [ops] }, expiresIn: 600 }
        jwt:
          tampered: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", audience: app-client, claims: { token_use: id }, tamper: true }
        cases:
          - name: the suite token is sent
            request: { path: /me }
            expect: { status: 200, body: { text: '{"sub":"carol","groups":"[ops]"}' } }
          - name: the suite token is sent on the next case too
            request: { path: /me, query: { again: "1" } }
            expect: { status: 200, body: { jsonPath: { "$.sub": carol } } }
          - name: a case header wins
            request: { path: /me, headers: { authorization: "Bearer {{jwt.tampered}}" } }
            expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
          - name: the suite token is a variable too
            request: { path: /me, headers: { Authorization: "{{jwt.auth}}" } }
            expect: { status: 200 }
        """
        let run = await runSuites(["auth.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 4, "\(run.console)\(run.errors)")
        #expect(!(run.junit ?? "").contains("eyJ"), "the suite token leaked into the report")

        // An Authorization header in `defaults` wins over the suite token as well.
        let withDefaults = """
        api: apis/cognito.yaml
        apiType: rest
        auth:
          jwt: { issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool", audience: app-client, claims: { token_use: id } }
        defaults: { headers: { Authorization: not-a-token } }
        cases:
          - name: the defaults header is sent
            request: { path: /me }
            expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
        """
        let second = await runSuites(["defaults.yaml": withDefaults], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(second.summary.passed == 1 && second.summary.exitCode == 0, "\(second.console)\(second.errors)")
    }

    @Test func badAuthFormsAreLoadErrors() async throws {
        let workspace = Workspace()
        workspace.write("apis/cognito.yaml", Self.api)
        let suite = """
        api: apis/cognito.yaml
        auth:
          jwt: { issuer: x, lifetime: 5 }
        cases:
          - name: one
            request: { path: /me }
        """
        let run = await runSuites(["bad-auth.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode != 0)
        let output = run.console + run.errors
        #expect(output.contains("bad-auth.yaml:3:") && output.contains("lifetime"), "\(output)")
        let other = """
        api: apis/cognito.yaml
        auth: { bearer: x }
        cases:
          - name: one
            request: { path: /me }
        """
        let second = await runSuites(["other-auth.yaml": other], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(second.summary.exitCode != 0)
        #expect((second.console + second.errors).contains("other-auth.yaml:2:"), "\(second.console)\(second.errors)")
    }
}
