import Foundation
import HTTPMessage
import JSONCore

extension HTTPAPIGateway {
    /// What the "authorize" step decided for a route with a JWT authorizer.
    enum JWTAuthorization {
        /// The route has no JWT authorizer, or the token passed (its claims and scopes).
        case proceed(JWTGrant?)
        /// 401 / 403 with the `www-authenticate` challenge API Gateway sends.
        case reject(status: Int, body: String, challenge: String, detail: String)
    }

    /// Runs the route's JWT authorizer: a missing token -> 401 `{"message":"Unauthorized"}` with
    /// `www-authenticate: Bearer`; an invalid, expired or badly signed one -> 401 with
    /// `Bearer scope="" error="invalid_token" error_description="..."`; a valid token without any of the route's
    /// `authorizationScopes` -> 403 `{"message":"Forbidden"}` with an `insufficient_scope` challenge.
    func authorizeJWT(_ route: HTTPAPIRoute, view: HTTPAPIRequestView) async -> JWTAuthorization {
        guard route.authorizationType == .jwt, let name = route.authorizerName, let authorizer = api.jwtAuthorizers[name] else { return .proceed(nil) }
        var token: String?
        switch authorizer.identitySource {
        case let .header(header):
            let values = view.headers.values(for: header)
            token = values.isEmpty ? nil : values.joined(separator: ",")
        case let .queryString(name):
            token = view.queryPairs.last { $0.name == name }?.value
        case .stageVariable, .context:
            break
        }
        switch await jwtVerifier.verify(token, for: authorizer, requiredScopes: route.authorizationScopes, now: clock.now()) {
        case let .success(grant):
            return .proceed(grant)
        case .failure(.missing):
            return .reject(status: 401, body: AuthorizerErrorBody.unauthorized, challenge: "Bearer",
                           detail: "JWT authorizer '\(name)': no token in \(authorizer.identitySource)")
        case let .failure(.insufficientScope(required)):
            let challenge = "Bearer scope=\"\(required.joined(separator: " "))\" error=\"insufficient_scope\" error_description=\"\(JWTRejection.insufficientScope(required: required).description)\""
            return .reject(status: 403, body: AuthorizerErrorBody.forbidden, challenge: challenge,
                           detail: "JWT authorizer '\(name)': the token holds none of the route's scopes \(required)")
        case let .failure(rejection):
            return .reject(status: 401, body: AuthorizerErrorBody.unauthorized,
                           challenge: "Bearer scope=\"\" error=\"invalid_token\" error_description=\"\(rejection.description)\"",
                           detail: "JWT authorizer '\(name)': \(rejection.description)")
        }
    }
}

extension HTTPAPIRequestContext {
    /// `$context.authorizer.claims.*` and the events' `authorizer` after a JWT authorizer accepted the token.
    mutating func record(_ grant: JWTGrant) {
        jwtClaims = grant.claims
        jwtScopes = grant.scopes
    }
}

/// How claims reach events and mappings: each claim as a string (numbers and booleans as their JSON text, arrays as
/// `[a b]`, objects as compact JSON), the way API Gateway flattens them.
enum JWTClaimText {
    static func text(_ value: JSONValue) -> String {
        switch value {
        case let .string(text): return text
        case let .array(items): return "[" + items.map(text).joined(separator: " ") + "]"
        case .object: return value.serialized(.compact)
        default: return value.serialized(.compact)
        }
    }

    /// `{"claims": {...}, "scopes": [...] | null}` (payload 2.0 `authorizer.jwt`, payload 1.0 `authorizer`).
    static func event(_ context: HTTPAPIRequestContext) -> JSONValue {
        let claims = (context.jwtClaims ?? []).map { ($0.0, JSONValue.string(text($0.1))) }
        return jsonObject([("claims", jsonObject(claims)), ("scopes", context.jwtScopes.map { .array($0.map(JSONValue.string)) } ?? .null)])
    }
}
