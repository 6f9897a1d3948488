import Foundation
import HTTPMessage
import JSONCore
import SigV4
import Yams

/// How a method (REST) or route (HTTP API) authorises callers: API Gateway's `authorizationType`.
/// Only the types the emulator enforces are listed; Cognito user pool and JWT authorizers are still load-time warnings.
public enum AuthorizationType: String, Sendable, Hashable {
    /// Anyone may call.
    case none = "NONE"
    /// Callers sign with AWS Signature Version 4 (`x-amazon-apigateway-authtype: awsSigv4`); the emulator checks
    /// the signature against the gateway's `iamCredentials`.
    case awsIAM = "AWS_IAM"
    /// A Lambda authorizer (`x-amazon-apigateway-authtype: custom`, `x-amazon-apigateway-authorizer`) decides; see
    /// Authorization/AuthorizeStep.swift.
    case custom = "CUSTOM"
}

/// Reading IAM authorisation out of an OpenAPI export (shared by the REST and HTTP API loaders).
///
/// API Gateway exports an `AWS_IAM` method as a security scheme
/// `sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}` under
/// `components.securitySchemes`, referenced by the operation's `security: [{sigv4: []}]`.
enum IAMSecurityDefinition {
    /// True for a security scheme with `x-amazon-apigateway-authtype: awsSigv4` (any case) and no authorizer.
    static func isSigV4Scheme(_ node: Node) -> Bool {
        guard case let .mapping(fields) = node else { return false }
        var isSigV4 = false
        for (key, value) in fields {
            switch key.string {
            case "x-amazon-apigateway-authtype": isSigV4 = value.string?.lowercased() == "awssigv4"
            case "x-amazon-apigateway-authorizer": return false
            default: continue
            }
        }
        return isSigV4
    }

    /// Every scheme name an operation's `security` list mentions, in document order (duplicates removed).
    static func schemeNames(in security: Node) -> [String] {
        guard case let .sequence(requirements) = security else { return [] }
        var names: [String] = []
        for requirement in requirements {
            guard case let .mapping(schemes) = requirement else { continue }
            for (key, _) in schemes {
                if let name = key.string, !names.contains(name) { names.append(name) }
            }
        }
        return names
    }
}

/// Verifies SigV4 on requests to `AWS_IAM` methods and routes with the emulator's accepted credentials.
///
/// Any known access key is allowed to call any IAM-authorised method (no IAM policies are evaluated). The region of
/// the credential scope is not checked (the emulator has none); the service must be `execute-api`; the host signed is
/// the request's `Host` header; the date may be at most 5 minutes off, as on AWS.
struct IAMRequestAuthenticator: Sendable {
    /// Access key id -> secret access key.
    let credentials: [String: String]

    func verify(_ request: GatewayRequest, now: Date) -> SigV4Verification {
        let credentials = self.credentials
        let verifier = SigV4Verifier(service: "execute-api") { credentials[$0] }
        return verifier.verify(method: request.method, target: request.clientTarget, headers: request.headers, body: request.body, now: now)
    }

    /// A one-line reason for the emulator's request log (the canonical request AWS would show is in the body).
    static func logDetail(_ rejection: SigV4Rejection) -> String {
        var detail = "AWS_IAM: \(rejection.message)"
        if let canonical = rejection.canonicalRequest {
            detail += " The emulator's canonical request: '\(canonical.replacingOccurrences(of: "\n", with: "\\n"))'"
        }
        return detail
    }
}

extension RESTGateway {
    /// Checks the signature of a request to an `AWS_IAM` method (after routing, before request validation), and
    /// records the caller's access key in `$context.identity.accessKey`.
    ///
    /// Failures are gateway responses: no `Authorization` header -> MISSING_AUTHENTICATION_TOKEN 403
    /// `{"message":"Missing Authentication Token"}`; everything else (signature mismatch, expired or future date,
    /// unknown access key, malformed `Authorization`) -> INVALID_SIGNATURE 403 with AWS's message (a mismatch
    /// carries AWS's "The Canonical String for this request should have been ..." explanation) and the
    /// `x-amzn-ErrorType` AWS sends (`InvalidSignatureException`, `UnrecognizedClientException`,
    /// `IncompleteSignatureException`).
    func authorizeIAM(_ exchange: inout Exchange) throws(GatewayError) {
        guard let method = exchange.method, method.authorizationType == .awsIAM else { return }
        switch IAMRequestAuthenticator(credentials: iamCredentials).verify(exchange.request, now: exchange.receivedAt) {
        case let .valid(accessKeyID):
            exchange.context = jsonSetting(.string(accessKeyID), at: ["identity", "accessKey"], in: exchange.context)
        case let .invalid(rejection):
            let type = GatewayResponseType(rawValue: rejection.gatewayResponseType) ?? .invalidSignature
            throw GatewayError(type, message: rejection.awsMessage, detail: IAMRequestAuthenticator.logDetail(rejection),
                               errorTypeOverride: rejection.errorType)
        }
    }
}
