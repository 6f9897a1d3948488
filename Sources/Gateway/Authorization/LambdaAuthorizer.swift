import Foundation

/// A Lambda authorizer as an API definition declares it (`x-amazon-apigateway-authorizer` of a security scheme):
/// REST `token` / `request` authorizers and HTTP API `request` authorizers. Cognito user pool and JWT authorizers
/// are recognised by `SecurityScheme.read` (`.notEmulated`, a load-time warning) and are the next kinds of
/// authorizer: they plug in as another definition read there and another case of `AuthorizeStep.authorize`,
/// returning the same `AuthorizeStep.Outcome`s the gateways already map to their answers.
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
        parse(text, prefixes: ["method.request.header.", "method.request.querystring.", "stageVariables.", "context."])
    }

    /// Parses an HTTP API identity source selection expression (`$request.header.Auth`, `$request.querystring.q`,
    /// `$stageVariables.v`, `$context.x`); nil when it is none of them.
    static func parseHTTPAPI(_ text: String) -> IdentitySource? {
        parse(text, prefixes: ["$request.header.", "$request.querystring.", "$stageVariables.", "$context."])
    }

    /// `prefixes` name the header, query string, stage variable and context forms, in that order.
    private static func parse(_ text: String, prefixes: [String]) -> IdentitySource? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let makers: [(String) -> IdentitySource] = [IdentitySource.header, IdentitySource.queryString, IdentitySource.stageVariable, IdentitySource.context]
        for (prefix, make) in zip(prefixes, makers) where text.hasPrefix(prefix) && text.count > prefix.count {
            return make(String(text.dropFirst(prefix.count)))
        }
        return nil
    }
}
