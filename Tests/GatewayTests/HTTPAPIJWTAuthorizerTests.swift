import Crypto
import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import JWTKit
import Testing
import _CryptoExtras
import TestSupport

/// Signs test tokens with jwt-kit and publishes the matching JWKS (one RSA key, `kid` "test-key").
struct TestTokenIssuer: Sendable {
    static let shared = TestTokenIssuer()
    let key: JWTKit.Insecure.RSA.PrivateKey
    let otherKey: JWTKit.Insecure.RSA.PrivateKey
    let jwks: String

    init() {
        let backing = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        key = try! JWTKit.Insecure.RSA.PrivateKey(backing: backing)
        otherKey = try! JWTKit.Insecure.RSA.PrivateKey(backing: try! _RSA.Signing.PrivateKey(keySize: .bits2048))
        let primitives = try! backing.publicKey.getKeyPrimitives()
        func b64(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        jwks = #"{"keys":[{"kty":"RSA","kid":"test-key","use":"sig","alg":"RS256","n":"\#(b64(primitives.modulus))","e":"\#(b64(primitives.publicExponent))"}]}"#
    }

    struct Claims: JWTPayload {
        var iss: String?
        var aud: String?
        var client_id: String?
        var sub: String?
        var exp: Int?
        var nbf: Int?
        var iat: Int?
        var scope: String?
        var token_use: String?
        var groups: [String]?
        func verify(using _: some JWTAlgorithm) throws {}
    }

    func token(_ claims: Claims, otherKey: Bool = false, kid: String = "test-key") async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(rsa: otherKey ? self.otherKey : key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }
}

/// HTTP API JWT authorizers through a real loopback socket: 401 with `www-authenticate` for a missing, malformed,
/// badly signed, expired or wrongly addressed token; 403 for missing scopes; claims and scopes in events (2.0 and
/// 1.0) and in parameter mappings. Time is the gateway's clock, moved by hand.
@Suite struct HTTPAPIJWTAuthorizerTests {
    static let issuer = "https://issuer.example.com"
    static let definition = """
    openapi: "3.0.1"
    info: {title: "jwt-http", version: "1"}
    x-amazon-apigateway-importexport-version: "1.0"
    paths:
      /me:
        get:
          security:
          - jwtAuth: []
    \(HTTPAPITestSupport.lambdaIntegration("Echo", extra: "requestParameters:\n  overwrite:header.x-subject: \"$context.authorizer.claims.sub\""))
      /orders:
        get:
          security:
          - jwtAuth: [orders/read, orders/admin]
    \(HTTPAPITestSupport.lambdaIntegration("Echo", version: "1.0"))
    components:
      securitySchemes:
        jwtAuth:
          type: oauth2
          flows: {}
          x-amazon-apigateway-authorizer:
            type: jwt
            identitySource: "$request.header.Authorization"
            jwtConfiguration:
              issuer: "\(issuer)"
              audience: [orders-api]
    """

    static let echo = FakeLambda { invocation in
        .success(payload: Array(JSONValue.object(["statusCode": .int(200), "body": .string(String(decoding: invocation.payload, as: UTF8.self))])
            .serialized(.compact).utf8))
    }

    static func gateway(clock: ManualClock) throws -> HTTPAPIGateway {
        let api = try HTTPAPITestSupport.load(definition)
        var backends = BackendRegistry(lambdas: ["Echo": echo])
        backends.jwtTrust = JWTTrust(keySetsByIssuer: [issuer: [TestTokenIssuer.shared.jwks]])
        return HTTPAPIGateway(api: api, backends: backends, clock: clock.gatewayClock)
    }

    static func claims(_ clock: ManualClock, aud: String? = "orders-api", iss: String = issuer, expiresIn: Int = 300,
                       scope: String? = nil) -> TestTokenIssuer.Claims {
        let now = Int(clock.now.timeIntervalSince1970)
        return TestTokenIssuer.Claims(iss: iss, aud: aud, sub: "alice", exp: now + expiresIn, iat: now, scope: scope, groups: ["admin", "dev"])
    }

    static func get(_ port: Int, _ path: String, token: String?) async throws -> WireResponse {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let token { request += "Authorization: \(token)\r\n" }
        return try WireResponse(try await rawExchange(port: port, request + "\r\n"))
    }

    static func invalid(_ description: String) -> String {
        #"Bearer scope="" error="invalid_token" error_description="\#(description)""#
    }

    @Test func validTokenReachesTheIntegrationWithItsClaims() async throws {
        let clock = ManualClock()
        let token = try await TestTokenIssuer.shared.token(Self.claims(clock))
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            for value in ["Bearer \(token)", token] {
                let response = try await Self.get(port, "/me", token: value)
                #expect(response.status == 200, "\(response.text)")
                let event = try JSONValue.parse(response.text)
                #expect(jsonPath("requestContext.authorizer.jwt.claims.sub", event) == "alice")
                #expect(jsonPath("requestContext.authorizer.jwt.claims.iss", event) == Self.issuer)
                // Numbers and arrays reach the event as strings, the way API Gateway flattens claims.
                #expect(jsonPath("requestContext.authorizer.jwt.claims.exp", event) == String(Int(clock.now.timeIntervalSince1970) + 300))
                #expect(jsonPath("requestContext.authorizer.jwt.claims.groups", event) == "[admin dev]")
                #expect(jsonValue("requestContext.authorizer.jwt.scopes", event) == .null)
                #expect(jsonPath("headers.x-subject", event) == "alice")
            }
        }
    }

    @Test func missingMalformedForgedAndMisaddressedTokensAre401() async throws {
        let clock = ManualClock()
        let forged = try await TestTokenIssuer.shared.token(Self.claims(clock), otherKey: true)
        let unknownKid = try await TestTokenIssuer.shared.token(Self.claims(clock), kid: "rotated-away")
        let wrongAudience = try await TestTokenIssuer.shared.token(Self.claims(clock, aud: "someone-else"))
        let wrongIssuer = try await TestTokenIssuer.shared.token(Self.claims(clock, iss: "https://evil.example.com"))
        let good = try await TestTokenIssuer.shared.token(Self.claims(clock))
        // The payload of another valid token (sub: mallory) under the good token's header and signature.
        var mallory = Self.claims(clock)
        mallory.sub = "mallory"
        let other = try await TestTokenIssuer.shared.token(mallory).split(separator: ".")
        var parts = good.split(separator: ".").map(String.init)
        parts[1] = String(other[1])
        let tampered = parts.joined(separator: ".")
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            let missing = try await Self.get(port, "/me", token: nil)
            #expect(missing.status == 401)
            #expect(missing.text == #"{"message":"Unauthorized"}"#)
            #expect(missing.value("www-authenticate") == "Bearer")
            let cases: [(String, String)] = [
                ("not-a-jwt", "the token is malformed"),
                (forged, "the token does not have a valid signature"),
                (tampered, "the token does not have a valid signature"),
                (unknownKid, "the token's kid matches no key of the issuer's key set"),
                (wrongAudience, "the token does not have a valid audience"),
                (wrongIssuer, "the token does not have a valid issuer"),
            ]
            for (token, description) in cases {
                let response = try await Self.get(port, "/me", token: "Bearer \(token)")
                #expect(response.status == 401, "\(description)")
                #expect(response.text == #"{"message":"Unauthorized"}"#)
                #expect(response.value("www-authenticate") == Self.invalid(description))
                #expect(response.value("content-type") == "application/json")
            }
        }
    }

    @Test func expiryIsMeasuredByTheGatewayClock() async throws {
        let clock = ManualClock()
        let token = try await TestTokenIssuer.shared.token(Self.claims(clock, expiresIn: 60))
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            #expect(try await Self.get(port, "/me", token: "Bearer \(token)").status == 200)
            clock.advance(seconds: 60)
            let expired = try await Self.get(port, "/me", token: "Bearer \(token)")
            #expect(expired.status == 401)
            #expect(expired.value("www-authenticate") == Self.invalid("the token has expired"))
        }
    }

    @Test func routeScopesNeedOneOfThemAndReachPayload10() async throws {
        let clock = ManualClock()
        let reader = try await TestTokenIssuer.shared.token(Self.claims(clock, scope: "profile orders/read"))
        let profileOnly = try await TestTokenIssuer.shared.token(Self.claims(clock, scope: "profile"))
        let noScope = try await TestTokenIssuer.shared.token(Self.claims(clock))
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            let allowed = try await Self.get(port, "/orders", token: "Bearer \(reader)")
            #expect(allowed.status == 200, "\(allowed.text)")
            let event = try JSONValue.parse(allowed.text)
            // Payload 1.0: requestContext.authorizer.claims / .scopes.
            #expect(jsonPath("requestContext.authorizer.claims.sub", event) == "alice")
            #expect(jsonValue("requestContext.authorizer.scopes", event) == .array([.string("profile"), .string("orders/read")]))
            for token in [profileOnly, noScope] {
                let denied = try await Self.get(port, "/orders", token: "Bearer \(token)")
                #expect(denied.status == 403)
                #expect(denied.text == #"{"message":"Forbidden"}"#)
                #expect(denied.value("www-authenticate")
                    == #"Bearer scope="orders/read orders/admin" error="insufficient_scope" error_description="expected scopes: [orders/read orders/admin]""#)
            }
        }
    }
}
