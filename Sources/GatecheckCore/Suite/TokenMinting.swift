import Crypto
import Foundation
import Gateway
import JSONCore
import JWTKit
import _CryptoExtras

/// A token a suite mints (`jwt:` at the top of a suite; used as `{{jwt.NAME}}`):
///
/// ```yaml
/// jwt:
///   reader: { issuer: "https://issuer.example.com", audience: orders-api, claims: { sub: alice }, scopes: [orders/read], expiresIn: 300 }
///   expired: { issuer: "https://issuer.example.com", audience: orders-api, expiresIn: -60 }
///   forged: { issuer: "https://issuer.example.com", audience: orders-api, key: untrusted }
///   tampered: { issuer: "https://issuer.example.com", audience: orders-api, tamper: true }
/// ```
public struct TokenSpec: Sendable, Hashable {
    /// Which key signs the token.
    public enum Key: String, Sendable, CaseIterable {
        /// The run's local RSA key, whose key set the embedded emulator trusts for every issuer.
        case gatecheck
        /// Another RSA key nobody trusts (a token with a valid shape and a bad signature).
        case untrusted
    }

    public var name: String
    public var issuer: String?
    /// `aud` (one value, or several).
    public var audience: [String]
    /// Further claims, as written (`sub`, `token_use`, `client_id`, `cognito:groups`, ...).
    public var claims: [(String, JSONValue)]
    /// Joined with spaces into the `scope` claim.
    public var scopes: [String]
    /// Seconds from now to `exp` (negative: already expired). Default 3600.
    public var expiresIn: Int
    public var key: Key
    /// Changes the payload after signing, so the signature no longer matches.
    public var tamper: Bool

    public init(name: String, issuer: String? = nil, audience: [String] = [], claims: [(String, JSONValue)] = [], scopes: [String] = [],
                expiresIn: Int = 3600, key: Key = .gatecheck, tamper: Bool = false) {
        self.name = name
        self.issuer = issuer
        self.audience = audience
        self.claims = claims
        self.scopes = scopes
        self.expiresIn = expiresIn
        self.key = key
        self.tamper = tamper
    }

    public static func == (lhs: TokenSpec, rhs: TokenSpec) -> Bool {
        lhs.name == rhs.name && lhs.issuer == rhs.issuer && lhs.audience == rhs.audience && lhs.scopes == rhs.scopes
            && lhs.expiresIn == rhs.expiresIn && lhs.key == rhs.key && lhs.tamper == rhs.tamper
            && lhs.claims.map(\.0) == rhs.claims.map(\.0) && lhs.claims.map(\.1) == rhs.claims.map(\.1)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// The variable a case references the token by.
    public var variableName: String { "jwt." + name }
}

/// Signs suite tokens (RS256, jwt-kit) with keys made for this process; `trustedKeySet` is the JWKS of the
/// `gatecheck` key, which the embedded emulator trusts for every issuer. Keys are made on first use only.
public enum LocalTokenMinter {
    /// The `kid` of the trusted local key.
    public static let keyID = "gatecheck-local"

    private struct Keys: Sendable {
        let trusted: JWTKit.Insecure.RSA.PrivateKey
        let untrusted: JWTKit.Insecure.RSA.PrivateKey
        let trustedKeySet: String
    }

    private static let keys: Keys = {
        // RSA key generation cannot fail for 2048 bits with BoringSSL; a failure here is a broken crypto library.
        let trusted = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let untrusted = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try! trusted.publicKey.getKeyPrimitives()
        let jwk = jsonObject([("kty", .string("RSA")), ("kid", .string(keyID)), ("use", .string("sig")), ("alg", .string("RS256")),
                              ("n", .string(base64URL(primitives.modulus))), ("e", .string(base64URL(primitives.publicExponent)))])
        return Keys(trusted: try! JWTKit.Insecure.RSA.PrivateKey(backing: trusted), untrusted: try! JWTKit.Insecure.RSA.PrivateKey(backing: untrusted),
                    trustedKeySet: jsonObject([("keys", .array([jwk]))]).serialized(.compact))
    }()

    /// The JWKS (`{"keys":[...]}`) of the key `gatecheck` tokens are signed with.
    public static var trustedKeySet: String { keys.trustedKeySet }

    /// A compact JWS for `spec`, issued at `now`.
    public static func mint(_ spec: TokenSpec, now: Date = Date()) async throws -> String {
        let collection = JWTKeyCollection()
        await collection.add(rsa: spec.key == .gatecheck ? keys.trusted : keys.untrusted, digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        let issued = Int64(now.timeIntervalSince1970)
        var pairs: [(String, JSONValue)] = []
        if let issuer = spec.issuer { pairs.append(("iss", .string(issuer))) }
        if spec.audience.count == 1 { pairs.append(("aud", .string(spec.audience[0]))) }
        else if spec.audience.count > 1 { pairs.append(("aud", .array(spec.audience.map(JSONValue.string)))) }
        if !spec.scopes.isEmpty { pairs.append(("scope", .string(spec.scopes.joined(separator: " ")))) }
        pairs.append(("iat", .int(issued)))
        pairs.append(("exp", .int(issued + Int64(spec.expiresIn))))
        for (name, value) in spec.claims {
            pairs.removeAll { $0.0 == name }
            pairs.append((name, value))
        }
        var token = try await collection.sign(MintedClaims(pairs: pairs), kid: JWKIdentifier(string: keyID))
        if spec.tamper {
            // Re-encode the payload with one more claim and keep the old signature.
            let parts = token.split(separator: ".").map(String.init)
            let tampered = jsonObject(pairs + [("tampered", .bool(true))]).serialized(.compact)
            token = [parts[0], base64URL(Data(tampered.utf8)), parts[2]].joined(separator: ".")
        }
        return token
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The claims of a minted token, in the order the spec gives them.
private struct MintedClaims: JWTPayload {
    var pairs: [(String, JSONValue)]

    init(pairs: [(String, JSONValue)]) { self.pairs = pairs }

    init(from decoder: any Decoder) throws { pairs = [] }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JWTClaimValue.Key.self)
        for (name, value) in pairs { try container.encode(JWTClaimValue(value), forKey: JWTClaimValue.Key(stringValue: name)) }
    }

    func verify(using _: some JWTAlgorithm) throws {}
}

/// A JSON object from pairs in order.
private func jsonObject(_ pairs: [(String, JSONValue)]) -> JSONValue {
    guard case var .object(object) = JSONValue.object([:]) else { return .null }
    for (key, value) in pairs { object[key] = value }
    return .object(object)
}
