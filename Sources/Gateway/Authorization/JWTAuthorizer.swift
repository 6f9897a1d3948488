import Foundation
import JSONCore
import JWTKit

/// A JWT authorizer: HTTP API `type: jwt` (`jwtConfiguration.issuer` / `audience`) or REST `cognito_user_pools`
/// (`providerARNs`, issuer `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`). The emulator verifies tokens
/// against the key sets it trusts for the issuer (`JWTTrust`), never by fetching the issuer's `jwks_uri`.
public struct JWTAuthorizer: Sendable {
    /// HTTP API JWT (audience / client_id checked) or REST Cognito user pool (ID or access token of the pool).
    public enum Kind: Sendable {
        case httpAPIJWT
        case cognitoUserPools
    }

    /// The security scheme name (what a route's or method's `security` refers to).
    public var name: String
    public var kind: Kind
    /// Where the token is read (HTTP API default `$request.header.Authorization`).
    public var identitySource: IdentitySource
    /// Accepted `iss` values: one for an HTTP API JWT authorizer, one per user pool of a Cognito authorizer. Empty
    /// when no `providerARNs` entry is a user pool ARN: then any issuer whose key set the emulator trusts.
    public var issuers: [String]
    /// Accepted `aud` (or `client_id`) values of an HTTP API JWT authorizer; empty for Cognito (any app client).
    public var audiences: [String]

    /// The Cognito user pool issuer of a `providerARNs` entry (`arn:aws:cognito-idp:{region}:{account}:userpool/{id}`).
    public static func cognitoIssuer(providerARN: String) -> String? {
        let parts = providerARN.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "cognito-idp", parts[5].hasPrefix("userpool/") else { return nil }
        let pool = parts[5].dropFirst("userpool/".count)
        guard !pool.isEmpty else { return nil }
        return "https://cognito-idp.\(parts[3]).amazonaws.com/\(pool)"
    }
}

/// The JSON Web Key Sets the emulator trusts, per issuer (declared under `jwtIssuers:` of a backends file), plus
/// key sets trusted for every issuer (the key gatecheck mints suite tokens with, added by the embedded emulator).
public struct JWTTrust: Sendable {
    /// Issuer (`iss`, exactly) -> JWKS documents (JSON text).
    public var keySetsByIssuer: [String: [String]]
    /// JWKS documents trusted whatever the issuer.
    public var keySetsForEveryIssuer: [String]

    public init(keySetsByIssuer: [String: [String]] = [:], keySetsForEveryIssuer: [String] = []) {
        self.keySetsByIssuer = keySetsByIssuer
        self.keySetsForEveryIssuer = keySetsForEveryIssuer
    }

    public var isEmpty: Bool { keySetsByIssuer.isEmpty && keySetsForEveryIssuer.isEmpty }

    /// The key sets a token claiming `issuer` is verified with.
    func keySets(for issuer: String) -> [String] { (keySetsByIssuer[issuer] ?? []) + keySetsForEveryIssuer }

    /// Both trusts together (key sets of the same issuer are all trusted).
    public func merging(_ other: JWTTrust) -> JWTTrust {
        JWTTrust(keySetsByIssuer: keySetsByIssuer.merging(other.keySetsByIssuer) { $0 + $1 },
                 keySetsForEveryIssuer: keySetsForEveryIssuer + other.keySetsForEveryIssuer)
    }
}

/// The verified claims of an accepted token.
struct JWTGrant: Sendable {
    /// Every claim of the token, in name order.
    var claims: [(String, JSONValue)]
    /// The token's `scope` (space-separated) or `scp` values; nil when it has neither.
    var scopes: [String]?
}

/// Why a token was refused; `description` is the `error_description` of the `www-authenticate` challenge.
enum JWTRejection: Error, Sendable, Equatable {
    case missing
    case malformed
    case badSignature
    case unknownKey
    case invalidIssuer
    case invalidAudience
    case expired
    case notYetValid
    case issuedInFuture
    /// Cognito: an ID token whose `aud` is none of the pool's app clients is not checked; an access token used where
    /// scopes other than `aws.cognito.signin.user.admin` are required and missing.
    case insufficientScope(required: [String])

    var description: String {
        switch self {
        case .missing: return "no token in the identity source"
        case .malformed: return "the token is malformed"
        case .badSignature: return "the token does not have a valid signature"
        case .unknownKey: return "the token's kid matches no key of the issuer's key set"
        case .invalidIssuer: return "the token does not have a valid issuer"
        case .invalidAudience: return "the token does not have a valid audience"
        case .expired: return "the token has expired"
        case .notYetValid: return "the token is not valid yet"
        case .issuedInFuture: return "the token was issued in the future"
        case let .insufficientScope(required): return "expected scopes: [\(required.joined(separator: " "))]"
        }
    }
}

/// Verifies tokens for JWT and Cognito authorizers with jwt-kit (RS256/384/512 and the other JWS algorithms jwt-kit
/// supports), using the gateway's clock for `exp`, `nbf` and `iat`. Key collections are built once per issuer.
///
/// `@unchecked Sendable`: `collections` and `keyIDSets` are read and written only while holding `lock`.
final class JWTVerifier: @unchecked Sendable {
    let trust: JWTTrust
    private let lock = NSLock()
    private var collections: [String: JWTKeyCollection] = [:]
    private var keyIDSets: [String: Set<String>] = [:]

    init(trust: JWTTrust) { self.trust = trust }

    /// The `kid`s of the keys trusted for `issuer` (the key sets are parsed once per issuer, not per request).
    private func keyIDs(for issuer: String) -> Set<String> {
        if let cached = lock.withLock({ keyIDSets[issuer] }) { return cached }
        var ids: Set<String> = []
        for document in trust.keySets(for: issuer) {
            guard case let .object(set)? = try? JSONValue.parse(bytes: Array(document.utf8)), case let .array(keys)? = set["keys"] else { continue }
            for case let .object(key) in keys { if case let .string(id)? = key["kid"] { ids.insert(id) } }
        }
        lock.withLock { keyIDSets[issuer] = ids }
        return ids
    }

    private func keys(for issuer: String) async -> JWTKeyCollection {
        let cached = lock.withLock { collections[issuer] }
        if let cached { return cached }
        let collection = JWTKeyCollection()
        for document in trust.keySets(for: issuer) {
            // Unusable key sets were reported when the backends file was read; a bad one here only adds no keys.
            _ = try? await collection.add(jwksJSON: document)
        }
        return lock.withLock {
            if let other = collections[issuer] { return other }
            collections[issuer] = collection
            return collection
        }
    }

    /// Verifies `token` (with or without a `Bearer ` prefix) for `authorizer`; `requiredScopes` empty means any.
    /// Order of checks as the Developer Guide lists them: signature (kid, algorithm), iss, aud/client_id, exp, nbf,
    /// iat, then scopes.
    func verify(_ identity: String?, for authorizer: JWTAuthorizer, requiredScopes: [String], now: Date) async -> Result<JWTGrant, JWTRejection> {
        guard var token = identity?.trimmingCharacters(in: .whitespaces), !token.isEmpty else { return .failure(.missing) }
        if token.count > 7, token.prefix(7).lowercased() == "bearer " { token = String(token.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard token.split(separator: ".", omittingEmptySubsequences: false).count == 3 else { return .failure(.malformed) }
        // API Gateway picks the key by the token's `kid`: a token without one, or naming a key the issuer's key set
        // does not hold, is refused even when another key of the set would verify it.
        guard let parsed = try? DefaultJWTParser().parse(Array(token.utf8), as: RawClaims.self) else { return .failure(.malformed) }
        var accepted = authorizer.issuers
        if accepted.isEmpty, case let .string(claimed)? = parsed.payload.values["iss"] { accepted = [claimed] }
        guard let kid = parsed.header.kid, accepted.contains(where: { keyIDs(for: $0).contains(kid) }) else { return .failure(.unknownKey) }
        var payload: RawClaims?
        var lastRejection = JWTRejection.unknownKey
        for issuer in accepted {
            do {
                payload = try await keys(for: issuer).verify(token, as: RawClaims.self)
                break
            } catch let error as JWTError {
                switch error.errorType {
                case .malformedToken: return .failure(.malformed)
                case .signatureVerificationFailed: lastRejection = .badSignature
                case .missingKIDHeader, .unknownKID, .noKeyProvided: lastRejection = lastRejection == .badSignature ? .badSignature : .unknownKey
                default: lastRejection = .badSignature
                }
            } catch {
                return .failure(.malformed)
            }
        }
        guard let claims = payload?.values else { return .failure(lastRejection) }
        func string(_ name: String) -> String? {
            if case let .string(text)? = claims[name] { return text }
            return nil
        }
        func seconds(_ name: String) -> Double? {
            switch claims[name] {
            case let .int(value)?: return Double(value)
            case let .double(value)?: return value
            default: return nil
            }
        }
        guard let issuer = string("iss"), accepted.contains(issuer) else { return .failure(.invalidIssuer) }
        switch authorizer.kind {
        case .httpAPIJWT:
            // `aud` when present, else `client_id`.
            var audiences: [String] = []
            switch claims["aud"] {
            case let .string(text)?: audiences = [text]
            case let .array(values)?: audiences = values.compactMap { if case let .string(text) = $0 { return text } else { return nil } }
            default: if let client = string("client_id") { audiences = [client] }
            }
            guard audiences.contains(where: authorizer.audiences.contains) else { return .failure(.invalidAudience) }
        case .cognitoUserPools:
            // ID tokens (`token_use: id`, `aud` the app client) and access tokens (`token_use: access`).
            guard let use = string("token_use"), use == "id" || use == "access" else { return .failure(.invalidAudience) }
        }
        let epoch = now.timeIntervalSince1970
        guard let expires = seconds("exp"), expires > epoch else { return .failure(.expired) }
        if let notBefore = seconds("nbf"), notBefore > epoch { return .failure(.notYetValid) }
        if let issuedAt = seconds("iat"), issuedAt > epoch + 1 { return .failure(.issuedInFuture) }
        var scopes: [String]?
        if let text = string("scope") {
            scopes = text.split(separator: " ").map(String.init)
        } else if let scp = claims["scp"] {
            switch scp {
            case let .string(text): scopes = text.split(separator: " ").map(String.init)
            case let .array(values): scopes = values.compactMap { if case let .string(text) = $0 { return text } else { return nil } }
            default: break
            }
        }
        if !requiredScopes.isEmpty {
            guard let held = scopes, requiredScopes.contains(where: held.contains) else {
                return .failure(.insufficientScope(required: requiredScopes))
            }
        }
        return .success(JWTGrant(claims: claims.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, scopes: scopes))
    }
}

/// Every claim of a token, as JSON values; verification of the claims is the verifier's, by the gateway's clock.
private struct RawClaims: JWTPayload {
    var values: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JWTClaimValue.Key.self)
        var values: [String: JSONValue] = [:]
        for key in container.allKeys { values[key.stringValue] = try container.decode(JWTClaimValue.self, forKey: key).json }
        self.values = values
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JWTClaimValue.Key.self)
        for (key, value) in values { try container.encode(JWTClaimValue(value), forKey: JWTClaimValue.Key(stringValue: key)) }
    }

    func verify(using _: some JWTAlgorithm) throws {}
}

/// A claim value through Codable, to and from `JSONValue` (the verifier's claims, the minter's payloads).
public struct JWTClaimValue: Codable, Sendable {
    public var json: JSONValue

    public init(_ json: JSONValue) { self.json = json }

    /// Any claim name as a coding key.
    public struct Key: CodingKey {
        public var stringValue: String
        public var intValue: Int? { nil }
        public init(stringValue: String) { self.stringValue = stringValue }
        public init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: Key.self) {
            var pairs: [(String, JSONValue)] = []
            for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                pairs.append((key.stringValue, try container.decode(JWTClaimValue.self, forKey: key).json))
            }
            json = jsonObject(pairs)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !container.isAtEnd { items.append(try container.decode(JWTClaimValue.self).json) }
            json = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { json = .null }
        else if let value = try? single.decode(Bool.self) { json = .bool(value) }
        else if let value = try? single.decode(Int64.self) { json = .int(value) }
        else if let value = try? single.decode(Double.self) { json = .double(value) }
        else { json = .string(try single.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch json {
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(JWTClaimValue(value)) }
        case .object(let object):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in object { try container.encode(JWTClaimValue(value), forKey: Key(stringValue: key)) }
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .int(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .double(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        }
    }
}
