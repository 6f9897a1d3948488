import Foundation
import HTTPMessage
import SigV4
import Stages
import Testing

struct AuthorizerTests {
    static let url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/items"

    @Test func apiKeyIsSetAndReplacesACaseValue() throws {
        let authorizer = try Authorizers.make(for: .apiKey(value: "k-123", header: "x-api-key"), baseURL: Self.url, environment: [:])
        var request = SignableRequest(method: "GET", url: Self.url, headers: ["X-API-Key": "stale", "Accept": "application/json"])
        try authorizer.authorize(&request)
        #expect(request.headers.fields == [HTTPHeaderField(name: "x-api-key", value: "k-123"), HTTPHeaderField(name: "Accept", value: "application/json")])
        #expect(authorizer.secrets == ["k-123"])
    }

    @Test func bearerTokenFromTheEnvironment() throws {
        let authorizer = try Authorizers.make(for: .bearer(.environment("JWT")), baseURL: Self.url, environment: ["JWT": "eyJ.a.b"])
        var request = SignableRequest(method: "GET", url: Self.url)
        try authorizer.authorize(&request)
        #expect(request.headers["Authorization"] == "Bearer eyJ.a.b")
        #expect(authorizer.secrets == ["eyJ.a.b"])
    }

    @Test func bearerTokenFromACommandRunsItOnce() throws {
        let directory = try TemporaryDirectory()
        let counter = "\(directory.path)/count"
        let script = try directory.write("token.sh", """
            #!/bin/sh
            echo run >> "\(counter)"
            printf '  %s.payload.sig\\n' "$TOKEN_PREFIX"
            """, executable: true)
        let authorizer = try Authorizers.make(for: .bearer(.command(script)), baseURL: Self.url, environment: ["TOKEN_PREFIX": "eyJhbGci"])
        for _ in 0..<3 {
            var request = SignableRequest(method: "GET", url: Self.url)
            try authorizer.authorize(&request)
            #expect(request.headers["Authorization"] == "Bearer eyJhbGci.payload.sig")
        }
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "run\n")
    }

    @Test func aCaseThatSetsAuthorizationKeepsIt() throws {
        let authorizer = BearerAuthorizer(token: "good")
        var request = SignableRequest(method: "GET", url: Self.url, headers: ["authorization": "Bearer deliberately-wrong"])
        try authorizer.authorize(&request)
        #expect(request.headers.values(for: "Authorization") == ["Bearer deliberately-wrong"])
    }

    @Test func bearerFailuresExplainThemselves() {
        #expect(throws: AuthorizationError.missingEnvironmentVariable("JWT", purpose: "the bearer token")) {
            try Authorizers.make(for: .bearer(.environment("JWT")), baseURL: Self.url, environment: [:])
        }
        let failing = #expect(throws: AuthorizationError.self) {
            try Authorizers.make(for: .bearer(.command("echo 'token service unreachable' >&2; exit 3")), baseURL: Self.url, environment: [:])
        }
        #expect(failing?.description == "command 'echo 'token service unreachable' >&2; exit 3' failed: exited with status 3: token service unreachable")
        let silent = #expect(throws: AuthorizationError.self) {
            try Authorizers.make(for: .bearer(.command("true")), baseURL: Self.url, environment: [:])
        }
        #expect(silent?.description == "command 'true' failed: printed no token on standard output")
    }

    @Test func sigv4FromEnvironmentVariablesWithRegionFromTheURL() throws {
        let environment = ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"]
        let fixed = Date(timeIntervalSince1970: 1_714_558_830)
        let authorizer = try Authorizers.make(for: .sigv4(SigV4Configuration()), baseURL: Self.url, environment: environment,
                                              homeDirectory: "/nonexistent", clock: { fixed })
        var request = SignableRequest(method: "GET", url: Self.url)
        try authorizer.authorize(&request)
        #expect(request.headers["Authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAENV/20240501/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=") == true)
        #expect(request.headers["X-Amz-Security-Token"] == "env-token")
        #expect(Set(authorizer.secrets) == ["env-secret", "env-token"])
        let verifier = SigV4Verifier(region: "eu-west-1") { $0 == "AKIAENV" ? "env-secret" : nil }
        var received = request.headers
        received.add(name: "Host", value: "abc123.execute-api.eu-west-1.amazonaws.com")
        #expect(verifier.verify(method: "GET", target: "/prod/items", headers: received, body: [], now: fixed) == .valid(accessKeyID: "AKIAENV"))
    }

    @Test func sigv4NeedsARegionForCustomDomains() {
        #expect(throws: AuthorizationError.regionUnknown("https://api.example.com/v1")) {
            try Authorizers.make(for: .sigv4(SigV4Configuration()), baseURL: "https://api.example.com/v1",
                                 environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"], homeDirectory: "/nonexistent")
        }
    }

    @Test func staticProfileFromTheSharedCredentialsFile() throws {
        let home = try TemporaryDirectory()
        try home.write(".aws/credentials", """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            # the CI profile
            [gatecheck-ci]
            aws_access_key_id=AKIACI
            aws_secret_access_key=ci/secret+value
            aws_session_token = ci-token
            """)
        let resolver = AWSCredentialResolver(environment: [:], homeDirectory: home.path)
        #expect(try resolver.resolve(.profile("gatecheck-ci")) == AWSCredentials(accessKeyID: "AKIACI", secretAccessKey: "ci/secret+value", sessionToken: "ci-token"))
        #expect(try resolver.resolve(.standardChain) == AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "default-secret"))
        let chosen = AWSCredentialResolver(environment: ["AWS_PROFILE": "gatecheck-ci"], homeDirectory: home.path)
        #expect(try chosen.resolve(.standardChain).accessKeyID == "AKIACI")
        // Environment variables win in the standard chain.
        let fromEnvironment = AWSCredentialResolver(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"], homeDirectory: home.path)
        #expect(try fromEnvironment.resolve(.standardChain).accessKeyID == "AKIAENV")
        #expect(throws: AuthorizationError.profileNotFound(name: "nope", searched: ["\(home.path)/.aws/credentials", "\(home.path)/.aws/config"])) {
            try resolver.resolve(.profile("nope"))
        }
    }

    @Test func credentialsFileLocationFromTheEnvironment() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("creds.ini", "[x]\naws_access_key_id = AKIAX\naws_secret_access_key = sx\n")
        let resolver = AWSCredentialResolver(environment: ["AWS_SHARED_CREDENTIALS_FILE": file], homeDirectory: "/nonexistent")
        #expect(try resolver.resolve(.profile("x")).accessKeyID == "AKIAX")
        let incomplete = try directory.write("half.ini", "[y]\naws_access_key_id = AKIAY\n")
        #expect(throws: AuthorizationError.incompleteProfile(name: "y", file: incomplete, missing: "aws_secret_access_key")) {
            try AWSCredentialResolver(environment: ["AWS_SHARED_CREDENTIALS_FILE": incomplete], homeDirectory: "/nonexistent").resolve(.profile("y"))
        }
    }

    @Test func credentialProcessInTheConfigFile() throws {
        let home = try TemporaryDirectory()
        let helper = try home.write("bin/creds.sh", """
            #!/bin/sh
            cat <<JSON
            {"Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": "process/secret", "SessionToken": "process-token", "Expiration": "2999-01-01T00:00:00Z"}
            JSON
            """, executable: true)
        try home.write(".aws/config", """
            [default]
            region = eu-west-1

            [profile deploy]
            credential_process = \(helper) --profile deploy
            """)
        let resolver = AWSCredentialResolver(environment: [:], homeDirectory: home.path)
        let credentials = try resolver.resolve(.profile("deploy"))
        #expect(credentials.accessKeyID == "ASIAPROCESS")
        #expect(credentials.secretAccessKey == "process/secret")
        #expect(credentials.sessionToken == "process-token")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 32_472_144_000))
        #expect(try resolver.resolve(.credentialProcess(helper)).accessKeyID == "ASIAPROCESS")
    }

    @Test func credentialProcessErrors() {
        let resolver = AWSCredentialResolver(environment: [:], homeDirectory: "/nonexistent")
        let cases: [(String, String)] = [
            ("echo not json", "credential_process 'echo not json' printed unusable output: not JSON"),
            (#"echo '{"Version": 2, "AccessKeyId": "a", "SecretAccessKey": "b"}'"#, "\"Version\" must be 1"),
            (#"echo '{"Version": 1, "SecretAccessKey": "b"}'"#, "\"AccessKeyId\" is missing"),
            (#"echo '{"Version": 1, "AccessKeyId": "a", "SecretAccessKey": "b", "Expiration": "yesterday"}'"#, "\"Expiration\" 'yesterday' is not an ISO 8601 date"),
            (#"echo '{"Version": 1, "AccessKeyId": "a", "SecretAccessKey": "b", "Expiration": "2001-01-01T00:00:00Z"}'"#, "the AWS credentials expired at 2001-01-01T00:00:00Z"),
            ("exit 255", "exited with status 255"),
        ]
        for (command, fragment) in cases {
            let error = #expect(throws: AuthorizationError.self) { try resolver.resolve(.credentialProcess(command)) }
            #expect(error?.description.contains(fragment) == true, "\(command): \(error?.description ?? "no error")")
        }
    }

    @Test func environmentWithOnlyOneKeyIsAnError() {
        let resolver = AWSCredentialResolver(environment: ["AWS_ACCESS_KEY_ID": "AKIA"], homeDirectory: "/nonexistent")
        let error = #expect(throws: AuthorizationError.self) { try resolver.resolve(.environment) }
        #expect(error?.description == "environment variable AWS_SECRET_ACCESS_KEY is not set (it provides the secret key that goes with AWS_ACCESS_KEY_ID)")
        let none = #expect(throws: AuthorizationError.self) {
            try AWSCredentialResolver(environment: [:], homeDirectory: "/nonexistent").resolve(.standardChain)
        }
        #expect(none?.description == "no AWS credentials found: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and there is no profile 'default' in /nonexistent/.aws/credentials or /nonexistent/.aws/config")
    }

    @Test func expiredCredentialsStopSigning() {
        let credentials = AWSCredentials(accessKeyID: "a", secretAccessKey: "b", expiration: Date(timeIntervalSince1970: 1000))
        let authorizer = SigV4Authorizer(signer: SigV4Signer(credentials: credentials, region: "eu-west-1"), clock: { Date(timeIntervalSince1970: 2000) })
        var request = SignableRequest(method: "GET", url: Self.url)
        #expect(throws: AuthorizationError.credentialsExpired(Date(timeIntervalSince1970: 1000))) { try authorizer.authorize(&request) }
    }
}
