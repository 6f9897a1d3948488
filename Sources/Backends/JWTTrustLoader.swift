import Foundation
import Gateway
import JSONCore
import SourceDiagnostics
import Yams

/// Reads the key sets JWT and Cognito authorizers trust, per issuer (what the issuer's `jwks_uri` serves on AWS):
///
/// ```yaml
/// jwtIssuers:
///   "https://issuer.example.com":
///     jwksFile: keys/issuer-jwks.json          # relative to the backends file
///   "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf":
///     jwks: { keys: [ { kty: RSA, kid: k1, use: sig, alg: RS256, n: "...", e: AQAB } ] }
/// ```
enum JWTTrustLoader {
    static let issuerKeys = ["jwks", "jwksFile"]

    static func read(_ root: YAMLMapping, reader: YAMLReader, base: String) -> JWTTrust {
        var trust = JWTTrust()
        guard let node = root["jwtIssuers"], let issuers = reader.mapping(node, "jwtIssuers") else { return trust }
        for entry in issuers.entries {
            let context = "jwtIssuers.\(entry.key)"
            guard let fields = reader.mapping(entry.value, context) else { continue }
            reader.checkKeys(fields, allowed: issuerKeys, context)
            var documents: [(String, Node)] = []
            if let inline = fields["jwks"] {
                if let value = reader.json(inline, "\(context).jwks") { documents.append((value.serialized(.compact), inline)) }
            }
            if let fileNode = fields["jwksFile"], let file = reader.string(fileNode, "\(context).jwksFile") {
                let path = file.hasPrefix("/") ? file : base + "/" + file
                if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                    documents.append((text, fileNode))
                } else {
                    reader.error("\(context).jwksFile: cannot read '\(file)' (looked for \(path))", at: fileNode)
                }
            }
            if documents.isEmpty, fields["jwks"] == nil, fields["jwksFile"] == nil {
                reader.error("\(context) needs 'jwks:' (the key set inline) or 'jwksFile:' (a JSON file)", at: entry.value)
            }
            for (text, at) in documents {
                if let problem = keySetProblem(text) {
                    reader.error("\(context): \(problem)", at: at)
                } else {
                    trust.keySetsByIssuer[entry.key, default: []].append(text)
                }
            }
        }
        return trust
    }

    /// Why `text` is not a JSON Web Key Set (`{"keys": [{"kty": ..., ...}]}`); nil when it is one.
    static func keySetProblem(_ text: String) -> String? {
        guard case let .object(object)? = try? JSONValue.parse(bytes: Array(text.utf8)) else { return "not a JSON object" }
        guard case let .array(keys)? = object["keys"] else { return "a JSON Web Key Set has a 'keys' array" }
        for (index, key) in keys.enumerated() {
            guard case let .object(fields) = key, case .string? = fields["kty"] else { return "keys[\(index)] has no 'kty'" }
            if case .string? = fields["kid"] {} else { return "keys[\(index)] has no 'kid': API Gateway picks the key by the token's kid" }
        }
        return nil
    }
}
