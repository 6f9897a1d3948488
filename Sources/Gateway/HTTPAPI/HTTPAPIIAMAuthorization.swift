import Foundation
import JSONCore
import SigV4
import Yams

extension HTTPAPIGateway {
    /// Error bodies of `AWS_IAM` routes.
    enum IAMErrorBody {
        /// An unsigned request (no `Authorization` header).
        static let forbidden = #"{"message":"Forbidden"}"#
    }

    /// Checks the signature of a request to an `AWS_IAM` route (right after routing). Returns the 403 body and the
    /// log detail when the request is refused, nil when it may proceed (or the route is not IAM-authorised).
    ///
    /// HTTP APIs answer an unsigned request with `{"message":"Forbidden"}`; a request whose signature fails gets the
    /// SigV4 message of AWS's signature check (`The request signature we calculated does not match ...` with the
    /// canonical string and string to sign, `Signature expired: ...`, `The security token included in the request
    /// is invalid.`), like a REST API, but without `x-amzn-ErrorType` (HTTP API error responses carry none).
    func iamRejection(_ route: HTTPAPIRoute, _ request: GatewayRequest, now: Date) -> (body: String, detail: String)? {
        guard route.authorizationType == .awsIAM else { return nil }
        switch IAMRequestAuthenticator(credentials: iamCredentials).verify(request, now: now) {
        case .valid:
            return nil
        case let .invalid(rejection):
            let detail = IAMRequestAuthenticator.logDetail(rejection)
            if rejection.kind == .missingAuthenticationToken { return (IAMErrorBody.forbidden, detail) }
            return ("{\"message\":\(JSONValue.string(rejection.awsMessage).serialized(.compact))}", detail)
        }
    }
}

extension HTTPAPIDefinitionBuilder {
    /// `AWS_IAM` when the operation's `security` names a scheme with `x-amazon-apigateway-authtype: awsSigv4`;
    /// `CUSTOM` (with the scheme name) when it names a Lambda authorizer.
    func routeAuthorization(of operation: Node) -> (AuthorizationType, String?) {
        guard case let .mapping(fields) = operation,
              let security = fields.first(where: { $0.key.string == "security" })?.value else { return (.none, nil) }
        let names = IAMSecurityDefinition.schemeNames(in: security)
        if names.contains(where: iamSchemes.contains) { return (.awsIAM, nil) }
        if let name = names.first(where: { authorizers[$0] != nil }) { return (.custom, name) }
        if let name = names.first(where: { jwtAuthorizers[$0] != nil }) { return (.jwt, name) }
        return (.none, nil)
    }

    /// The `authorizationScopes` a route's `security` lists for its JWT authorizer.
    func routeScopes(of operation: Node, authorizer: String?) -> [String] {
        guard let authorizer, case let .mapping(fields) = operation,
              let security = fields.first(where: { $0.key.string == "security" })?.value else { return [] }
        return securityScopes(security, scheme: authorizer)
    }
}
