import Foundation
import SourceDiagnostics
import Yams

extension SecurityScheme {
    /// Reads an HTTP API `type: jwt` authorizer (`identitySource`, `jwtConfiguration.issuer` / `audience`) or a REST
    /// `type: cognito_user_pools` one (`providerARNs`, token header from `identitySource` or the scheme's `name`).
    static func readJWT(name: String, authorizer: YAMLMapping, scheme: YAMLMapping, keyNode: Node, flavour: Flavour,
                        reader: YAMLReader, context: String) -> SecurityScheme {
        var ok = true
        var source = IdentitySource.header("Authorization")
        if let node = authorizer["identitySource"] {
            var texts: [String] = []
            if case .sequence = node { texts = reader.stringList(node, "\(context).identitySource") ?? [] }
            else if let text = reader.string(node, "\(context).identitySource") {
                texts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let parsed = texts.map { flavour == .rest ? IdentitySource.parseREST($0) : IdentitySource.parseHTTPAPI($0) }
            if texts.count == 1, let first = parsed[0], case .header = first {
                source = first
            } else if flavour == .httpAPI, texts.count == 1, let first = parsed[0], case .queryString = first {
                source = first
            } else if !texts.isEmpty {
                let expected = flavour == .rest ? "method.request.header.NAME" : "$request.header.NAME or $request.querystring.NAME"
                reader.error("authorizer '\(name)' needs exactly one header identity source (\(expected)); got '\(texts.joined(separator: ", "))'", at: node)
                ok = false
            }
        } else if flavour == .rest, let header = scheme["name"]?.scalar?.string, !header.isEmpty {
            source = .header(header)
        }
        if flavour == .rest {
            guard let node = reader.require(authorizer, "providerARNs", context), let arns = reader.stringList(node, "\(context).providerARNs") else {
                return .invalid
            }
            var issuers: [String] = []
            for arn in arns {
                guard let issuer = JWTAuthorizer.cognitoIssuer(providerARN: arn) else {
                    // Often a deployment-time placeholder (`${cognito_pool_arn}`): the authorizer is still enforced.
                    reader.warning("providerARNs entry '\(arn)' of authorizer '\(name)' is not a user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{userPoolId}); the emulator cannot tell its issuer and accepts a token of any issuer whose key set it trusts (jwtIssuers:, minted tokens)", at: node)
                    continue
                }
                issuers.append(issuer)
            }
            if arns.isEmpty {
                reader.error("authorizer '\(name)' has no providerARNs: a Cognito user pool authorizer names at least one user pool", at: node)
                ok = false
            }
            guard ok else { return .invalid }
            return .jwt(JWTAuthorizer(name: name, kind: .cognitoUserPools, identitySource: source, issuers: issuers, audiences: []))
        }
        let configContext = "\(context).jwtConfiguration"
        guard let configNode = reader.require(authorizer, "jwtConfiguration", context), let config = reader.mapping(configNode, configContext) else {
            return .invalid
        }
        _ = reader.checkKeys(config, allowed: ["issuer", "audience"], configContext)
        let issuer = reader.require(config, "issuer", configContext).flatMap { reader.string($0, "\(configContext).issuer") }
        var audiences: [String] = []
        if let node = config["audience"] {
            if case .sequence = node { audiences = reader.stringList(node, "\(configContext).audience") ?? [] }
            else if let text = reader.string(node, "\(configContext).audience") { audiences = [text] }
        }
        if audiences.isEmpty {
            reader.error("authorizer '\(name)' has no jwtConfiguration.audience: API Gateway requires at least one audience for a JWT authorizer", at: configNode)
            ok = false
        }
        guard ok, let issuer else { return .invalid }
        return .jwt(JWTAuthorizer(name: name, kind: .httpAPIJWT, identitySource: source, issuers: [issuer], audiences: audiences))
    }
}

/// The scopes a route's or method's `security` requirement lists for scheme `name` (`[{ name: [s1, s2] }]`).
func securityScopes(_ security: Node, scheme name: String) -> [String] {
    guard case let .sequence(requirements) = security else { return [] }
    for requirement in requirements {
        guard case let .mapping(fields) = requirement else { continue }
        for (key, value) in fields where key.string == name {
            guard case let .sequence(items) = value else { return [] }
            return items.compactMap(\.string)
        }
    }
    return []
}
