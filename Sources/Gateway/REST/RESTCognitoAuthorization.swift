import Foundation
import HTTPMessage
import JSONCore

/// REST API Cognito user pool authorizers, the "authorize" step for `COGNITO_USER_POOLS` methods.
extension RESTGateway {
    /// The 401 body of an expired Cognito token (the UNAUTHORIZED gateway response with this message).
    static let expiredTokenMessage = "The incoming token has expired"

    /// Verifies the method's token (ID or access token of one of the `providerARNs` pools) and puts its claims in
    /// `$context.authorizer.claims`. Missing, malformed, badly signed, foreign or (with `authorizationScopes`)
    /// scope-less tokens: UNAUTHORIZED 401 `{"message":"Unauthorized"}`; expired ones: 401
    /// `{"message":"The incoming token has expired"}`.
    func authorizeCognito(_ exchange: inout Exchange) async throws(GatewayError) {
        guard let method = exchange.method, method.authorizationType == .cognitoUserPools, let name = method.authorizerName,
              let authorizer = api.cognitoAuthorizers[name] else { return }
        var token: String?
        if case let .header(header) = authorizer.identitySource { token = exchange.request.headers[header] }
        switch await jwtVerifier.verify(token, for: authorizer, requiredScopes: method.authorizationScopes, now: clock.now()) {
        case let .success(grant):
            let claims = grant.claims.map { ($0.0, JSONValue.string(JWTClaimText.text($0.1))) }
            exchange.context = jsonSetting(jsonObject([("claims", jsonObject(claims))]), at: ["authorizer"], in: exchange.context)
        case .failure(.expired):
            throw GatewayError(.unauthorized, message: Self.expiredTokenMessage, detail: "Cognito authorizer '\(name)': the token has expired")
        case let .failure(rejection):
            throw GatewayError(.unauthorized, message: "Unauthorized", detail: "Cognito authorizer '\(name)': \(rejection.description)")
        }
    }
}
