import Foundation
import SourceDiagnostics
import Yams

/// Reading `components.securitySchemes` (OpenAPI 3) / `securityDefinitions` (Swagger 2) for the REST and HTTP API
/// loaders: which scheme is SigV4, which a Lambda authorizer, which an API key, which is not emulated yet.
enum SecurityScheme {
    case sigV4
    case lambda(LambdaAuthorizer)
    /// `type: apiKey`, `name: x-api-key`, `in: header`: the method requires an API key.
    case apiKey
    /// Cognito user pool or JWT authorizers (a load-time warning; the methods are served without them).
    case notEmulated
    /// The scheme could not be read (errors reported).
    case invalid

    /// Which API flavour reads the scheme (the authorizer keys and identity source syntax differ).
    enum Flavour {
        case rest
        case httpAPI
    }

    private static let restAuthorizerKeys = ["type", "authorizerUri", "authorizerCredentials", "identitySource",
                                             "identityValidationExpression", "authorizerResultTtlInSeconds", "providerARNs"]
    private static let httpAuthorizerKeys = ["type", "authorizerUri", "authorizerCredentials", "identitySource",
                                             "authorizerPayloadFormatVersion", "authorizerResultTtlInSeconds",
                                             "enableSimpleResponses", "jwtConfiguration"]

    /// Reads scheme `name`. `readURI` turns an `authorizerUri` node (string or `Fn::Sub`) into text.
    static func read(name: String, node: Node, keyNode: Node, flavour: Flavour, reader: YAMLReader,
                     readURI: (Node) -> String?) -> SecurityScheme? {
        guard case .mapping = node, let scheme = reader.mapping(node, "securitySchemes.\(name)") else { return nil }
        if IAMSecurityDefinition.isSigV4Scheme(node) { return .sigV4 }
        guard let authorizerNode = scheme["x-amazon-apigateway-authorizer"] else {
            if scheme["type"]?.scalar?.string == "apiKey", scheme["name"]?.scalar?.string.lowercased() == "x-api-key" { return .apiKey }
            return nil
        }
        let context = "securitySchemes.\(name).x-amazon-apigateway-authorizer"
        guard let authorizer = reader.mapping(authorizerNode, context) else { return .invalid }
        if flavour == .rest {
            _ = reader.checkKeys(authorizer, allowed: restAuthorizerKeys, context)
        } else {
            // HTTP API import: a property the authorizer does not take (SAM bodies carry `openIdConnectUrl` here) is a
            // warning, not a refusal (Developer Guide http-api-open-api, "Import validation information").
            for entry in authorizer.entries where !httpAuthorizerKeys.contains(entry.key) {
                var message = "unknown key '\(entry.key)' in \(context) is ignored, as API Gateway's HTTP API import ignores it"
                if let hint = closestMatch(to: entry.key, among: httpAuthorizerKeys) { message += " (did you mean '\(hint)'?)" }
                reader.warning(message, at: entry.keyNode)
            }
        }
        guard let typeNode = reader.require(authorizer, "type", context), let typeText = reader.string(typeNode, "\(context).type") else { return .invalid }
        let type = typeText.lowercased()
        switch (flavour, type) {
        case (.rest, "cognito_user_pools"), (.httpAPI, "jwt"):
            reader.unsupported("\(flavour == .rest ? "Cognito user pool" : "JWT") authorizer '\(name)'",
                               consequence: flavour == .rest ? "methods using it are served without authorization" : "requests are not authorized", at: keyNode)
            return .notEmulated
        case (.rest, "token"), (.rest, "request"), (.httpAPI, "request"):
            break
        default:
            let expected = flavour == .rest ? "token, request or cognito_user_pools" : "request or jwt"
            reader.error("unknown authorizer type '\(typeText)' in \(context): expected \(expected)", at: typeNode)
            return .invalid
        }
        var ok = true
        var function: LambdaFunctionReference?
        if let uriNode = reader.require(authorizer, "authorizerUri", context), let uri = readURI(uriNode) {
            function = flavour == .rest ? LambdaFunctionReference.parse(invocationURI: uri) : LambdaFunctionReference.parse(functionOrInvocationARN: uri)
            if function == nil {
                reader.error("authorizerUri '\(uri)' of authorizer '\(name)' is not a Lambda invocation ARN: expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations", at: uriNode)
                ok = false
            }
        } else {
            ok = false
        }
        let kind: LambdaAuthorizer.Kind = type == "token" ? .token : .request
        var sources: [IdentitySource] = []
        if let sourceNode = authorizer["identitySource"] {
            var texts: [String] = []
            if case .sequence = sourceNode { texts = reader.stringList(sourceNode, "\(context).identitySource") ?? [] }
            else if let text = reader.string(sourceNode, "\(context).identitySource") {
                texts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            for text in texts {
                guard let source = flavour == .rest ? IdentitySource.parseREST(text) : IdentitySource.parseHTTPAPI(text) else {
                    let expected = flavour == .rest ? "method.request.header|querystring.NAME, stageVariables.NAME or context.NAME"
                        : "$request.header|querystring.NAME, $stageVariables.NAME or $context.NAME"
                    reader.error("invalid identity source '\(text)' of authorizer '\(name)': expected \(expected)", at: sourceNode)
                    ok = false
                    continue
                }
                sources.append(source)
            }
        } else if kind == .token {
            // A TOKEN authorizer's token header is the scheme's `name` (`in: header`).
            if let header = scheme["name"]?.scalar?.string, !header.isEmpty { sources = [.header(header)] }
        }
        if kind == .token {
            guard sources.count == 1, case .header = sources[0] else {
                reader.error("TOKEN authorizer '\(name)' needs exactly one header identity source (method.request.header.NAME, or the scheme's name)", at: keyNode)
                return .invalid
            }
        }
        var validation: SelectionPattern?
        if let node = authorizer["identityValidationExpression"], let text = reader.string(node, "\(context).identityValidationExpression") {
            if kind != .token {
                reader.warning("identityValidationExpression applies to TOKEN authorizers only; '\(name)' is a REQUEST authorizer and ignores it", at: node)
            } else if let pattern = try? SelectionPattern(text) {
                validation = pattern
            } else {
                reader.error("identityValidationExpression '\(text)' of authorizer '\(name)' is not a valid regular expression", at: node)
                ok = false
            }
        }
        // REST: caching is on (300 s) unless set; HTTP API: off (0) unless set.
        var ttl = flavour == .rest ? 300 : 0
        if let node = authorizer["authorizerResultTtlInSeconds"], let value = reader.int(node, "\(context).authorizerResultTtlInSeconds") {
            if (0...3600).contains(value) { ttl = value } else {
                reader.error("authorizerResultTtlInSeconds \(value) of authorizer '\(name)' is outside API Gateway's range 0-3600", at: node)
                ok = false
            }
        }
        if ttl > 0, sources.isEmpty {
            if authorizer["authorizerResultTtlInSeconds"] != nil {
                reader.error("authorizer '\(name)' caches results (authorizerResultTtlInSeconds \(ttl)) but has no identity source: API Gateway needs one as the cache key", at: keyNode)
                ok = false
            }
            ttl = 0
        }
        var version: String?
        var format = LambdaAuthorizer.ResponseFormat.iamPolicy
        if flavour == .httpAPI {
            if let node = authorizer["authorizerPayloadFormatVersion"], let text = reader.string(node, "\(context).authorizerPayloadFormatVersion") {
                guard text == "1.0" || text == "2.0" else {
                    reader.error("authorizerPayloadFormatVersion '\(text)' of authorizer '\(name)': expected 1.0 or 2.0", at: node)
                    return .invalid
                }
                version = text
            } else {
                reader.error("authorizer '\(name)' has no authorizerPayloadFormatVersion: API Gateway requires 1.0 or 2.0 for an HTTP API Lambda authorizer", at: keyNode)
                ok = false
            }
            if let node = authorizer["enableSimpleResponses"], let simple = reader.bool(node, "\(context).enableSimpleResponses"), simple {
                if version == "2.0" { format = .simple } else {
                    reader.error("enableSimpleResponses of authorizer '\(name)' needs authorizerPayloadFormatVersion 2.0", at: node)
                    ok = false
                }
            }
        }
        guard ok, let function else { return .invalid }
        return .lambda(LambdaAuthorizer(name: name, kind: kind, function: function, identitySources: sources, validationExpression: validation,
                                        resultTTLSeconds: ttl, payloadFormatVersion: version, responseFormat: format))
    }
}
