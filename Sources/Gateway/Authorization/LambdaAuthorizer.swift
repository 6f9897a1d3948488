import Foundation

/// A Lambda authorizer as an API definition declares it (`x-amazon-apigateway-authorizer` of a security scheme):
/// REST `token` / `request` authorizers and HTTP API `request` authorizers. Cognito user pool and JWT authorizers
/// will be further kinds of `AuthorizerDefinition`.
public struct LambdaAuthorizer: Sendable {
    /// REST `TOKEN` (one header, `identityValidationExpression`) or `REQUEST` (any identity sources).
    public enum Kind: String, Sendable {
        case token = "TOKEN"
        case request = "REQUEST"
    }

    /// How an HTTP API authorizer's answer is read (`enableSimpleResponses`, payload 2.0 only).
    public enum ResponseFormat: Sendable {
        /// `principalId` + `policyDocument` (+ `context`, `usageIdentifierKey`): evaluated against the method ARN.
        case iamPolicy
        /// `{"isAuthorized": true|false, "context": {...}}`.
        case simple
    }

    /// The security scheme name (what a method's `security` refers to).
    public var name: String
    public var kind: Kind
    var function: LambdaFunctionReference
    /// Where the identity comes from, in declaration order; also the cache key.
    public var identitySources: [IdentitySource]
    /// `identityValidationExpression` of a TOKEN authorizer: a token that does not match it as a whole is refused
    /// with 401 without calling the function.
    var validationExpression: SelectionPattern?
    /// `authorizerResultTtlInSeconds`: 0 disables caching.
    public var resultTTLSeconds: Int
    /// HTTP API `authorizerPayloadFormatVersion` (`1.0` / `2.0`); nil for REST authorizers.
    public var payloadFormatVersion: String?
    public var responseFormat: ResponseFormat

    /// The Lambda function the authorizer invokes.
    public var functionName: String { function.name }
}

/// One identity source of a Lambda authorizer: where a request value comes from.
public enum IdentitySource: Sendable, Hashable, CustomStringConvertible {
    /// REST `method.request.header.X`, HTTP API `$request.header.X` (case-insensitive).
    case header(String)
    /// REST `method.request.querystring.X`, HTTP API `$request.querystring.X` (case-sensitive).
    case queryString(String)
    /// `stageVariables.X` / `$stageVariables.X`.
    case stageVariable(String)
    /// `context.X` / `$context.X`.
    case context(String)

    public var description: String {
        switch self {
        case let .header(name): return "header \(name)"
        case let .queryString(name): return "query string \(name)"
        case let .stageVariable(name): return "stage variable \(name)"
        case let .context(name): return "context variable \(name)"
        }
    }

    /// Parses a REST identity source (`method.request.header.Auth`, `method.request.querystring.q`,
    /// `stageVariables.v`, `context.x`); nil when it is none of them.
    static func parseREST(_ text: String) -> IdentitySource? {
        let text = text.trimmingCharacters(in: .whitespaces)
        for (prefix, make) in [("method.request.header.", IdentitySource.header), ("method.request.querystring.", IdentitySource.queryString),
                               ("stageVariables.", IdentitySource.stageVariable), ("context.", IdentitySource.context)] as [(String, (String) -> IdentitySource)]
            where text.hasPrefix(prefix) && text.count > prefix.count {
            return make(String(text.dropFirst(prefix.count)))
        }
        return nil
    }

    /// Parses an HTTP API identity source selection expression (`$request.header.Auth`, `$request.querystring.q`,
    /// `$stageVariables.v`, `$context.x`); nil when it is none of them.
    static func parseHTTPAPI(_ text: String) -> IdentitySource? {
        let text = text.trimmingCharacters(in: .whitespaces)
        for (prefix, make) in [("$request.header.", IdentitySource.header), ("$request.querystring.", IdentitySource.queryString),
                               ("$stageVariables.", IdentitySource.stageVariable), ("$context.", IdentitySource.context)] as [(String, (String) -> IdentitySource)]
            where text.hasPrefix(prefix) && text.count > prefix.count {
            return make(String(text.dropFirst(prefix.count)))
        }
        return nil
    }
}
