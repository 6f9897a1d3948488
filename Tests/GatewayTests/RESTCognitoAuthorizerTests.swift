import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import Testing

/// REST Cognito user pool authorizers through a real loopback socket: ID and access tokens of the pool, method
/// `authorizationScopes`, claims in `$context.authorizer.claims` (templates) and proxy events, and the 401 bodies.
@Suite struct RESTCognitoAuthorizerTests {
    static let issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
    static let definition = """
        openapi: 3.0.1
        info: {title: cognito-rest}
        paths:
          /me:
            get:
              security:
              - pool: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
          /orders:
            get:
              security:
              - pool: [orders/read]
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
                      application/json: '{"sub":"$context.authorizer.claims.sub"}'
        components:
          securitySchemes:
            pool:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: cognito_user_pools
              x-amazon-apigateway-authorizer:
                type: cognito_user_pools
                providerARNs:
                - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_TestPool
        """

    static func gateway(clock: ManualClock) throws -> RESTGateway {
        let api = try RESTAPILoader.load(text: definition, file: "cognito.yaml")
        var backends = BackendRegistry(lambdas: ["Echo": AuthorizerFixtures.echoAuthorizerContext])
        backends.jwtTrust = JWTTrust(keySetsByIssuer: [issuer: [TestTokenIssuer.shared.jwks]])
        return RESTGateway(api: api, stage: StageSettings(name: "test"), backends: backends, clock: clock.gatewayClock)
    }

    static func token(_ clock: ManualClock, use: String, scope: String? = nil, expiresIn: Int = 300, iss: String = issuer) async throws -> String {
        let now = Int(clock.now.timeIntervalSince1970)
        return try await TestTokenIssuer.shared.token(TestTokenIssuer.Claims(
            iss: iss, aud: use == "id" ? "app-client" : nil, client_id: use == "access" ? "app-client" : nil, sub: "alice",
            exp: now + expiresIn, iat: now, scope: scope, token_use: use))
    }

    @Test func idAndAccessTokensPassAndClaimsReachTheEvent() async throws {
        let clock = ManualClock()
        let idToken = try await Self.token(clock, use: "id")
        let accessToken = try await Self.token(clock, use: "access", scope: "aws.cognito.signin.user.admin")
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            for token in [idToken, accessToken] {
                let response = try await RESTLambdaAuthorizerTests.get(port, "/test/me", token: token)
                #expect(response.status == 200, "\(response.text)")
                let authorizer = try JSONValue.parse(response.text)
                #expect(jsonPath("claims.sub", authorizer) == "alice")
                #expect(jsonPath("claims.iss", authorizer) == Self.issuer)
            }
        }
    }

    @Test func scopesNeedAnAccessTokenWithOneOfThem() async throws {
        let clock = ManualClock()
        let reader = try await Self.token(clock, use: "access", scope: "orders/read")
        let idToken = try await Self.token(clock, use: "id")
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            let allowed = try await RESTLambdaAuthorizerTests.get(port, "/test/orders", token: reader)
            #expect(allowed.status == 200)
            #expect(allowed.text == #"{"sub":"alice"}"#)
            let denied = try await RESTLambdaAuthorizerTests.get(port, "/test/orders", token: idToken)
            #expect(denied.status == 401)
            #expect(denied.text == #"{"message":"Unauthorized"}"#)
        }
    }

    @Test func missingForeignForgedAndExpiredTokensAre401() async throws {
        let clock = ManualClock()
        let foreign = try await Self.token(clock, use: "id", iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
        let forgedClaims = TestTokenIssuer.Claims(iss: Self.issuer, aud: "app-client", sub: "x", exp: Int(clock.now.timeIntervalSince1970) + 300, token_use: "id")
        let forged = try await TestTokenIssuer.shared.token(forgedClaims, otherKey: true)
        let expiring = try await Self.token(clock, use: "id", expiresIn: 10)
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            for token in [nil, "garbage", foreign, forged] {
                let response = try await RESTLambdaAuthorizerTests.get(port, "/test/me", token: token)
                #expect(response.status == 401, "\(token ?? "none")")
                #expect(response.text == #"{"message":"Unauthorized"}"#)
                #expect(response.value("x-amzn-ErrorType") == "UnauthorizedException")
            }
            clock.advance(seconds: 10)
            let expired = try await RESTLambdaAuthorizerTests.get(port, "/test/me", token: expiring)
            #expect(expired.status == 401)
            #expect(expired.text == #"{"message":"The incoming token has expired"}"#)
        }
    }
}
