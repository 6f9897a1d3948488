import Foundation
import HTTPMessage
import SourceDiagnostics
import Stages
import Testing

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-stages-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let file = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        return file
    }
}

struct ProfilesTests {
    static let example = """
        version: 1
        targets:
          staging:
            url: https://abc123.execute-api.eu-west-1.amazonaws.com/staging/
            headers:
              X-Team: payments
              Accept: [application/json, text/plain]
            auth:
              type: apiKey
              value: ${env:STAGING_API_KEY}
            timeout: 2.5s
            retries: 2
            concurrency: 4
            variables:
              tenant: acme
              password: ${env:TENANT_PASSWORD:-fallback}
          prod:
            url: https://api.example.com/v1
            resolve: [api.example.com:443:10.0.0.12]
            timeout: 500ms
            auth:
              type: sigv4
              region: eu-west-1
              profile: gatecheck-ci
          jwt:
            url: https://${env:API_HOST}/v1
            auth: { type: bearer, tokenEnv: JWT }
        """

    @Test func loadsEveryField() throws {
        let file = try ProfilesLoader.parse(Self.example, file: "gatecheck.yaml")
        #expect(file.targetNames == ["staging", "prod", "jwt"])
        let staging = try file.target(named: "staging", environment: ["STAGING_API_KEY": "k-123456"])
        #expect(staging.name == "staging")
        #expect(staging.baseURL == "https://abc123.execute-api.eu-west-1.amazonaws.com/staging")
        #expect(staging.headers.fields == [HTTPHeaderField(name: "X-Team", value: "payments"),
                                           HTTPHeaderField(name: "Accept", value: "application/json"),
                                           HTTPHeaderField(name: "Accept", value: "text/plain")])
        #expect(staging.auth == .apiKey(value: "k-123456", header: "x-api-key"))
        #expect(staging.timeout == .milliseconds(2500))
        #expect(staging.retries == 2)
        #expect(staging.concurrency == 4)
        #expect(staging.variables == ["tenant": "acme", "password": "fallback"])
        #expect(staging.secrets == ["k-123456"])
        #expect(staging.region == "eu-west-1")
        #expect(staging.url(forPath: "/items?limit=2") == "https://abc123.execute-api.eu-west-1.amazonaws.com/staging/items?limit=2")

        let prod = try file.target(named: "prod", environment: [:])
        #expect(prod.resolve == [ResolveEntry(host: "api.example.com", port: 443, address: "10.0.0.12")])
        #expect(prod.resolve.map(\.description) == ["api.example.com:443:10.0.0.12"])
        #expect(prod.timeout == .milliseconds(500))
        #expect(prod.auth == .sigv4(SigV4Configuration(region: "eu-west-1", service: "execute-api", credentials: .profile("gatecheck-ci"))))
        #expect(prod.url(forPath: "/orders/1") == "https://api.example.com/v1/orders/1")
        #expect(prod.junitProperties.map { "\($0.0)=\($0.1)" } == ["target=prod", "baseURL=https://api.example.com/v1", "auth=sigv4"])
    }

    @Test func environmentValuesAreSecretsAndRedacted() throws {
        let file = try ProfilesLoader.parse(Self.example, file: "gatecheck.yaml")
        let jwt = try file.target(named: "jwt", environment: ["API_HOST": "internal.example.com", "JWT": "eyJhbGciOi.payload.sig"])
        #expect(jwt.baseURL == "https://internal.example.com/v1")
        #expect(jwt.auth == .bearer(.environment("JWT")))
        #expect(jwt.secrets == ["internal.example.com", "eyJhbGciOi.payload.sig"])
        #expect(jwt.displayBaseURL == "https://***/v1")
        #expect(SecretRedactor(secrets: jwt.secrets).redact("Authorization: Bearer eyJhbGciOi.payload.sig") == "Authorization: Bearer ***")

        let staging = try file.target(named: "staging", environment: ["STAGING_API_KEY": "k-1", "TENANT_PASSWORD": "hunter2"])
        #expect(staging.variables["password"] == "hunter2")
        #expect(staging.secrets == ["k-1", "hunter2"])
    }

    @Test func substitutionSyntax() throws {
        let text = """
            targets:
              t:
                url: https://api.example.com/v1
                headers:
                  X-Literal: "$${env:NOT_SUBSTITUTED} costs $5"
                  X-Two: ${env:A}-${env:B}
                  X-Suite-Variable: "{{tenant}}"
            """
        let target = try ProfilesLoader.parse(text, file: "g.yaml").target(named: "t", environment: ["A": "1", "B": "2"])
        #expect(target.headers["X-Literal"] == "${env:NOT_SUBSTITUTED} costs $5")
        #expect(target.headers["X-Two"] == "1-2")
        #expect(target.headers["X-Suite-Variable"] == "{{tenant}}")
    }

    @Test func unsetVariableIsADiagnosticAtTheValue() throws {
        let file = try ProfilesLoader.parse(Self.example, file: "gatecheck.yaml")
        let error = #expect(throws: DiagnosticsError.self) { try file.target(named: "staging", environment: [:]) }
        #expect(error?.description == "gatecheck.yaml:10:14: error: environment variable STAGING_API_KEY is not set (needed by target 'staging'); export it or write ${env:STAGING_API_KEY:-default}")
    }

    @Test func unknownTargetSuggestsTheClosestName() throws {
        let file = try ProfilesLoader.parse(Self.example, file: "gatecheck.yaml")
        let error = #expect(throws: DiagnosticsError.self) { try file.target(named: "stagin", environment: [:]) }
        #expect(error?.description == "gatecheck.yaml: error: no target named 'stagin' (did you mean 'staging'?); targets: staging, prod, jwt")
    }

    /// Every diagnostic kind the loader reports, each at its file:line:col.
    @Test func diagnosticsPointIntoTheFile() {
        let text = """
            version: 2
            tragets: {}
            targets:
              a:
                url: ftp://example.com/x
                timout: 3
                retries: many
                concurrency: 0
                timeout: -1s
                headers:
                  X-Fine: ok
                  "Bad Header": x
                resolve: [api.example.com:https:10.0.0.1]
                auth:
                  type: api_key
              b:
                url: https://api.example.com
                auth:
                  type: bearer
                  token: abc
                  command: ./token.sh
              c:
                headers: []
                auth:
                  type: sigv4
                  credentials: vault
                  regoin: eu-west-1
              https://x.example.com: {url: https://x.example.com}
            """
        let error = #expect(throws: DiagnosticsError.self) { try ProfilesLoader.parse(text, file: "gatecheck.yaml") }
        let lines = error?.diagnostics.map(\.description) ?? []
        let expected = [
            "gatecheck.yaml:2:1: error: unknown key 'tragets' in the profiles file (did you mean 'targets'?)",
            "gatecheck.yaml:1:10: error: unsupported version 2: this gatecheck reads version 1",
            "gatecheck.yaml:6:5: error: unknown key 'timout' in targets.a (did you mean 'timeout'?)",
            "gatecheck.yaml:5:10: error: 'ftp://example.com/x' is not a base URL: expected https://{api-id}.execute-api.{region}.amazonaws.com/{stage} or https://{custom-domain}/{base-path}",
            "gatecheck.yaml:12:7: error: 'Bad Header' is not a valid HTTP header name",
            "gatecheck.yaml:9:14: error: 'targets.a.timeout' must be more than 0, found '-1s'",
            "gatecheck.yaml:7:14: error: expected an integer for 'targets.a.retries', found 'many'",
            "gatecheck.yaml:8:18: error: 'targets.a.concurrency' must be at least 1, found 0",
            "gatecheck.yaml:13:15: error: invalid resolve entry 'api.example.com:https:10.0.0.1': 'https' is not a port number (1-65535)",
            "gatecheck.yaml:15:13: error: unknown auth type 'api_key' in targets.a.auth (did you mean 'apiKey'?); expected one of none, apiKey, bearer, sigv4",
            "gatecheck.yaml:19:13: error: 'targets.b.auth' takes only one of 'token', 'command'",
            "gatecheck.yaml:23:14: error: expected a mapping for 'targets.c.headers', found a list",
            "gatecheck.yaml:22:3: error: missing required key 'url' in targets.c (or 'apis', one URL per API)",
            "gatecheck.yaml:27:7: error: unknown key 'regoin' in targets.c.auth (type sigv4) (did you mean 'region'?)",
            "gatecheck.yaml:26:20: error: 'targets.c.auth.credentials' must be 'env' (AWS_* variables only) or 'default' (variables, then the AWS_PROFILE/default profile), found 'vault'; use 'profile:' or 'credentialProcess:' for the others",
            "gatecheck.yaml:28:3: error: target name 'https://x.example.com' looks like a URL; name targets (e.g. 'staging') and put the URL under 'url'",
        ]
        #expect(Set(lines) == Set(expected), "missing: \(Set(expected).subtracting(lines).sorted())\nunexpected: \(Set(lines).subtracting(expected).sorted())")
    }

    @Test func fileLevelDiagnostics() throws {
        let directory = try TemporaryDirectory()
        let missing = #expect(throws: DiagnosticsError.self) { try ProfilesLoader.load(path: "\(directory.path)/nope.yaml") }
        #expect(missing?.description == "\(directory.path)/nope.yaml: error: no such file")

        let empty = try directory.write("empty.yaml", "")
        let emptyError = #expect(throws: DiagnosticsError.self) { try ProfilesLoader.load(path: empty) }
        #expect(emptyError?.description == "\(empty): error: the file is empty: expected 'targets:' with one entry per target")

        let broken = try directory.write("broken.yaml", "targets:\n  a: [unclosed\n")
        let brokenError = #expect(throws: DiagnosticsError.self) { try ProfilesLoader.load(path: broken) }
        #expect(brokenError?.diagnostics.first?.line != nil)
        #expect(brokenError?.description.contains("invalid YAML") == true)

        let noTargets = try directory.write("none.yaml", "version: 1\n")
        let noTargetsError = #expect(throws: DiagnosticsError.self) { try ProfilesLoader.load(path: noTargets) }
        #expect(noTargetsError?.description == "\(noTargets):1:1: error: missing required key 'targets' in the profiles file")
    }

    @Test func warnsAboutAnExecuteAPIURLWithoutStage() throws {
        let file = try ProfilesLoader.parse("targets:\n  a:\n    url: https://abc.execute-api.eu-west-1.amazonaws.com/\n", file: "g.yaml")
        let target = try file.target(named: "a", environment: [:])
        #expect(target.baseURL == "https://abc.execute-api.eu-west-1.amazonaws.com")
        #expect(target.warnings.map(\.description) == ["g.yaml:3:10: warning: 'https://abc.execute-api.eu-west-1.amazonaws.com' has no stage: an execute-api URL normally ends with the stage name (e.g. /prod), except for HTTP APIs using $default"])
        #expect(try ReportProperty.parse("git.sha=abc=def") == ("git.sha", "abc=def"))
        #expect(throws: ReportPropertyError.self) { try ReportProperty.parse("=x") }
    }

    @Test func targetSelection() throws {
        let directory = try TemporaryDirectory()
        #expect(try TargetSelection.select(nil, profilesPath: "\(directory.path)/gatecheck.yaml") == nil)
        let adHoc = try TargetSelection.select("https://abc.execute-api.eu-west-1.amazonaws.com/prod/", profilesPath: "\(directory.path)/gatecheck.yaml")
        #expect(adHoc?.baseURL == "https://abc.execute-api.eu-west-1.amazonaws.com/prod")
        #expect(adHoc?.auth == AuthConfiguration.none)

        let noFile = #expect(throws: DiagnosticsError.self) { try TargetSelection.select("staging", profilesPath: "\(directory.path)/gatecheck.yaml") }
        #expect(noFile?.description.contains("'--target staging' names a target profile") == true)

        let path = try directory.write("gatecheck.yaml", Self.example)
        let staging = try TargetSelection.select("staging", profilesPath: path, environment: ["STAGING_API_KEY": "abc"])
        #expect(staging?.auth == .apiKey(value: "abc", header: "x-api-key"))
    }

    @Test func resolveEntries() throws {
        #expect(try ResolveEntry.parse("api.example.com:443:[::1]").get() == ResolveEntry(host: "api.example.com", port: 443, address: "[::1]"))
        #expect(throws: ResolveEntryError.self) { try ResolveEntry.parse("api.example.com:443").get() }
        #expect(throws: ResolveEntryError.self) { try ResolveEntry.parse("api.example.com:443:::1").get() }
        #expect(throws: ResolveEntryError.self) { try ResolveEntry.parse("api.example.com:70000:10.0.0.1").get() }
    }
}
