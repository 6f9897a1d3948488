import Backends
import Foundation
import Gateway
import SourceDiagnostics
import Testing

/// `jwtIssuers:` of a backends file: key sets inline or from a file, with positioned errors for bad ones.
@Suite struct JWTTrustLoaderTests {
    static let keySet = #"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":"sXch","e":"AQAB"}]}"#

    @Test func readsInlineAndFileKeySetsPerIssuer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-jwks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.keySet.write(toFile: directory + "/jwks.json", atomically: true, encoding: .utf8)
        let configuration = try BackendsLoader.load(text: """
        jwtIssuers:
          "https://a.example.com":
            jwksFile: jwks.json
          "https://b.example.com":
            jwks: { keys: [ { kty: RSA, kid: k2, n: sXch, e: AQAB } ] }
        """, file: "b.yaml", baseDirectory: directory)
        #expect(configuration.jwtTrust.keySetsByIssuer["https://a.example.com"] == [Self.keySet])
        #expect(configuration.jwtTrust.keySetsByIssuer["https://b.example.com"] == [#"{"keys":[{"kty":"RSA","kid":"k2","n":"sXch","e":"AQAB"}]}"#])
    }

    @Test func badKeySetsAreErrorsWithPositions() {
        do {
            _ = try BackendsLoader.load(text: """
            jwtIssuers:
              "https://a.example.com":
                jwksFile: missing.json
              "https://b.example.com":
                jwks: { keys: [ { kty: RSA, n: x, e: AQAB } ] }
              "https://c.example.com": {}
            """, file: "b.yaml", baseDirectory: "/nonexistent")
            Issue.record("expected errors")
        } catch {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.count == 3, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("b.yaml:3:15: error: jwtIssuers.https://a.example.com.jwksFile: cannot read 'missing.json'") }, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("b.yaml:5:11: error: jwtIssuers.https://b.example.com: keys[0] has no 'kid'") }, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("b.yaml:6:28: error: jwtIssuers.https://c.example.com needs 'jwks:'") }, "\(messages)")
        }
    }
}
