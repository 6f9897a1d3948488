import Foundation
import JSONCore
import SourceDiagnostics
import Yams

extension SuiteParser {
    static let tokenKeys = ["issuer", "audience", "claims", "scopes", "expiresIn", "key", "tamper"]

    /// Reads `jwt:`: token name -> `{ issuer, audience, claims, scopes, expiresIn, key, tamper }`.
    func tokenSpecs(_ node: Node) -> [TokenSpec] {
        guard let mapping = reader.mapping(node, "jwt") else { return [] }
        var specs: [TokenSpec] = []
        for entry in mapping.entries {
            let context = "jwt.\(entry.key)"
            guard TemplateString.isValidName("jwt." + entry.key) else {
                reader.error("invalid token name '\(entry.key)' (use letters, digits, '_', '-', '.')", at: entry.keyNode)
                continue
            }
            if let spec = tokenSpec(entry.value, name: entry.key, context: context) { specs.append(spec) }
        }
        return specs
    }

    /// Reads one token's fields (`{ issuer, audience, claims, scopes, expiresIn, key, tamper }`) named `name`.
    func tokenSpec(_ node: Node, name: String, context: String) -> TokenSpec? {
        guard let fields = reader.mapping(node, context) else { return nil }
        reader.checkKeys(fields, allowed: Self.tokenKeys, context)
        var spec = TokenSpec(name: name)
        spec.issuer = fields["issuer"].flatMap { reader.string($0, "\(context).issuer") }
        if let audience = fields["audience"] {
            if case .sequence = audience { spec.audience = reader.stringList(audience, "\(context).audience") ?? [] }
            else if let text = reader.string(audience, "\(context).audience") { spec.audience = [text] }
        }
        if let claims = fields["claims"], let value = reader.json(claims, "\(context).claims") {
            if case let .object(members) = value { spec.claims = members.map { ($0.key, $0.value) } }
            else { reader.error("\(context).claims must be a mapping of claim names to values", at: claims) }
        }
        if let scopes = fields["scopes"] { spec.scopes = reader.stringList(scopes, "\(context).scopes") ?? [] }
        if let expires = fields["expiresIn"], let seconds = reader.int(expires, "\(context).expiresIn") { spec.expiresIn = seconds }
        if let keyNode = fields["key"], let text = reader.string(keyNode, "\(context).key") {
            if let key = TokenSpec.Key(rawValue: text) { spec.key = key } else {
                reader.error("unknown key '\(text)' in \(context).key (expected gatecheck or untrusted)", at: keyNode)
            }
        }
        if let tamper = fields["tamper"], let flag = reader.bool(tamper, "\(context).tamper") { spec.tamper = flag }
        return spec
    }

    /// The name of the token `auth: { jwt: {...} }` mints (`{{jwt.auth}}`).
    static let authTokenName = "auth"

    /// Reads the mapping form of `auth:`, `{ jwt: { issuer, audience, claims, scopes, expiresIn, key, tamper } }`:
    /// one token, sent as `Authorization: Bearer ...` on every case that sets no Authorization header itself.
    func authToken(_ node: Node) -> TokenSpec? {
        guard let mapping = reader.mapping(node, "auth") else { return nil }
        reader.checkKeys(mapping, allowed: ["jwt"], "auth")
        guard let jwt = mapping["jwt"] else {
            reader.error("auth needs 'jwt: { issuer, audience, claims, scopes, expiresIn, key }' (or write auth: sigv4 / none)", at: node)
            return nil
        }
        return tokenSpec(jwt, name: Self.authTokenName, context: "auth.jwt")
    }
}
