import Foundation
import GatecheckCore
import HTTPMessage
import Stages
import Testing
import TestSupport

/// Target profiles, auth, `--resolve`, sharding, `merge-reports` and `--property`, through the in-process runner
/// (the code path of `gatecheck run`) against real loopback servers and the embedded emulator.
@Suite struct StagesWiringTests {
    static let echoSuite = """
    name: echo
    cases:
      - name: items under the base path
        request: { path: /items, headers: { X-Overridden: case } }
        expect: { status: 200 }
      - name: echo shows what was sent
        request: { path: /echo }
        expect: { status: 200, body: { contains: "this is not in the body" } }
    """

    // MARK: profiles

    @Test func aProfileNamePicksItsBaseURLHeadersAndVariables() async throws {
        let server = try makeDemoServer()  // answers /prod/items like /items
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        version: 1
        targets:
          staging:
            url: \(server.baseURL)/prod/
            headers:
              X-Team: payments
              X-Overridden: profile
              X-Suite-Default: profile
            variables:
              tenant: acme
              overridden: by-profile
        """)
        let suite = """
        name: profiled
        defaults: { headers: { X-Suite-Default: suite } }
        cases:
          - name: items
            request: { path: "/items", headers: { X-Overridden: case, X-Tenant: "{{tenant}}", X-Var: "{{overridden}}" } }
            expect: { status: 200 }
        """
        let run = await runSuites(["profiled.yaml": suite], target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.variables = ["overridden": "by-command-line"]
            $0.properties = [NamedValue(name: "git.sha", value: "0123abc"), NamedValue(name: "deployment.id", value: "d-42")]
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let request = try #require(server.requests.first)
        #expect(request.target == "/prod/items")
        #expect(request.headers["X-Team"] == "payments")
        #expect(request.headers["X-Overridden"] == "case")
        #expect(request.headers["X-Suite-Default"] == "suite")
        #expect(request.headers["X-Tenant"] == "acme")
        #expect(request.headers["X-Var"] == "by-command-line")
        #expect(request.headers.values(for: "X-Overridden").count == 1)

        let xml = try #require(run.junit)
        for (name, value) in [("target", "staging"), ("baseURL", server.baseURL + "/prod"), ("auth", "none"),
                              ("gatecheck.version", GatecheckVersion.string), ("git.sha", "0123abc"), ("deployment.id", "d-42")] {
            #expect(xml.contains(#"<property name="\#(name)" value="\#(value)"/>"#), "\(name) missing in \(xml)")
        }
        #expect(run.console.contains("profiled (\(run.summary.suites[0].file) -> \(server.baseURL)/prod)"), "\(run.console)")
        let schema = try #require(ReportValidation.junitSchemaPath())
        #expect(try ReportValidation.xmllint(run.junitPath, schema: schema).status == 0)
    }

    @Test func aCustomDomainWithABasePathIsReachedThroughTheProfilesResolveEntry() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          custom-domain:
            url: http://api.example.test:\(server.port)/v1
            resolve: ["api.example.test:\(server.port):127.0.0.1"]
        """)
        let run = await runSuites(["c.yaml": "cases:\n  - name: a\n    request: { path: /orders/1 }\n    expect: { status: 404 }\n"],
                                  target: "custom-domain", workspace: workspace) { $0.profilesPath = profiles }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let request = try #require(server.requests.first)
        #expect(request.target == "/v1/orders/1")
        #expect(request.headers["Host"] == "api.example.test:\(server.port)")
    }

    @Test func commandLineResolveAimsAMadeUpHostnameAtLoopback() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let run = await runSuites(["r.yaml": "cases:\n  - name: a\n    request: { path: /items }\n    expect: { status: 200 }\n"],
                                  target: "http://api.example.test:\(server.port)") {
            $0.resolve = ["api.example.test:\(server.port):127.0.0.1"]
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(server.requests.first?.headers["Host"] == "api.example.test:\(server.port)")

        // Without the entry the made-up name does not resolve; a malformed entry is invalid input.
        let unresolved = await runSuites(["r.yaml": "cases:\n  - name: a\n    request: { path: /items }\n"],
                                         target: "http://api.example.test:\(server.port)")
        #expect(unresolved.summary.exitCode == 1)
        let malformed = await runSuites(["r.yaml": "cases:\n  - name: a\n    request: { path: /items }\n"],
                                        target: server.baseURL) { $0.resolve = ["api.example.test:443"] }
        #expect(malformed.summary.exitCode == 2)
        #expect(malformed.errors.contains("--resolve: invalid resolve entry 'api.example.test:443'"), "\(malformed.errors)")
    }

    @Test func userInfoInATargetURLIsNeitherRecordedNorPrinted() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let target = "http://deployer:hunter2-pw@127.0.0.1:\(server.port)"
        let run = await runSuites(["u.yaml": Self.echoSuite], target: target)
        #expect(run.summary.exitCode == 1)
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<property name="baseURL" value="\#(server.baseURL)"/>"#), "\(xml)")
        #expect(!xml.contains("hunter2-pw") && !run.console.contains("hunter2-pw"))
    }

    @Test func profileProblemsStopTheRunBeforeAnythingIsSent() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          staging:
            url: \(server.baseURL)
            auth: { type: apiKey, value: "${env:GC_MISSING_KEY}" }
        """)
        let missing = await runSuites(["a.yaml": Self.echoSuite], target: "staging", workspace: workspace) { $0.profilesPath = profiles }
        #expect(missing.summary.exitCode == 2)
        #expect(missing.errors.contains("environment variable GC_MISSING_KEY is not set"), "\(missing.errors)")
        let unknown = await runSuites(["a.yaml": Self.echoSuite], target: "stagign", workspace: workspace) { $0.profilesPath = profiles }
        #expect(unknown.summary.exitCode == 2)
        #expect(unknown.errors.contains("no target named 'stagign' (did you mean 'staging'?)"), "\(unknown.errors)")
        let noFile = await runSuites(["a.yaml": Self.echoSuite], target: "staging", workspace: workspace) {
            $0.profilesPath = workspace.path + "/nope.yaml"
        }
        #expect(noFile.summary.exitCode == 2)
        #expect(server.requests.isEmpty)
    }

    @Test func theProfilesTimeoutAndRetriesApplyUnlessTheCommandLineSetsThem() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          slow:
            url: \(server.baseURL)
            timeout: 150ms
            retries: 1
        """)
        let suite = "cases:\n  - name: stalls\n    request: { path: /stall }\n"
        let run = await runSuites(["t.yaml": suite], target: "slow", workspace: workspace) {
            $0.profilesPath = profiles
            $0.timeout = nil
            $0.retryBackoff = .milliseconds(1)
        }
        let result = try #require(run.result("stalls"))
        guard case let .errored(_, type) = result.outcome else { Issue.record("expected a timeout: \(run.console)"); return }
        #expect(type == "CURLE_OPERATION_TIMEDOUT")
        #expect(result.attempts == 2, "retries: 1 from the profile")
        let overridden = await runSuites(["t.yaml": suite], target: "slow", workspace: workspace) {
            $0.profilesPath = profiles
            $0.timeout = .milliseconds(100)
            $0.retries = 0
        }
        #expect(overridden.result("stalls")?.attempts == 1)
    }

    // MARK: API keys and bearer tokens

    /// Runs the echo suite against `auth` and returns the run and the server's recorded requests.
    func runWithAuth(_ auth: String, environment: [String: String]) async throws -> (RunOutput, [RecordedRequest]) {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", "targets:\n  staging:\n    url: \(server.baseURL)\n    auth: \(auth)\n")
        let run = await runSuites(["echo.yaml": Self.echoSuite], target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.environment = environment
        }
        return (run, server.requests)
    }

    func expectRedacted(_ secret: String, in run: RunOutput, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let xml = try #require(run.junit, sourceLocation: sourceLocation)
        #expect(run.summary.exitCode == 1, "the echo case fails on purpose: \(run.console)\(run.errors)", sourceLocation: sourceLocation)
        // The echoed body is in the failure transcript, with the secret replaced.
        #expect(run.console.contains("***"), sourceLocation: sourceLocation)
        #expect(!run.console.contains(secret), "console shows the secret: \(run.console)", sourceLocation: sourceLocation)
        #expect(!run.errors.contains(secret), sourceLocation: sourceLocation)
        #expect(!xml.contains(secret), "JUnit shows the secret", sourceLocation: sourceLocation)
    }

    @Test func anAPIKeyFromTheEnvironmentIsSentAndRedacted() async throws {
        let key = "gc-key-7c1d9e0f5a"
        let (run, requests) = try await runWithAuth(#"{ type: apiKey, value: "${env:GC_API_KEY}" }"#, environment: ["GC_API_KEY": key])
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.headers["x-api-key"] == key })
        try expectRedacted(key, in: run)
        #expect(run.junit?.contains(#"<property name="auth" value="apiKey"/>"#) == true)
    }

    /// `auth: { jwt }` in a suite: against a plain URL the minted token is sent; against a profile with its own
    /// bearer token, the profile's (real) token is sent instead, so the same suite runs on a stage.
    @Test func aSuiteAuthTokenGivesWayToTheProfilesCredentials() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let suite = """
        name: minted
        auth:
          jwt: { issuer: "https://issuer.example.com", audience: orders-api }
        cases:
          - name: items
            request: { path: /items }
            expect: { status: 200 }
        """
        let plain = await runSuites(["minted.yaml": suite], target: server.baseURL)
        #expect(plain.summary.exitCode == 0, "\(plain.console)\(plain.errors)")
        let minted = try #require(server.requests.last?.headers["Authorization"])
        #expect(minted.hasPrefix("Bearer eyJ") && minted.split(separator: ".").count == 3, "\(minted)")
        #expect(!plain.console.contains(String(minted.dropFirst(7))), "the minted token leaked into the console")

        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", "targets:\n  staging:\n    url: \(server.baseURL)\n    auth: { type: bearer, tokenEnv: GC_TOKEN }\n")
        let staged = await runSuites(["minted.yaml": suite], target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.environment = ["GC_TOKEN": "real-stage-token"]
        }
        #expect(staged.summary.exitCode == 0, "\(staged.console)\(staged.errors)")
        #expect(server.requests.last?.headers["Authorization"] == "Bearer real-stage-token")
    }

    @Test func aBearerTokenFromAnEnvironmentVariableIsSentAndRedacted() async throws {
        let token = "eyJhbGciOiJIUzI1NiJ9.e30.env-token-signature"
        let (run, requests) = try await runWithAuth("{ type: bearer, tokenEnv: GC_TOKEN }", environment: ["GC_TOKEN": token])
        #expect(requests.first?.headers["Authorization"] == "Bearer \(token)")
        try expectRedacted(token, in: run)
        #expect(run.junit?.contains(#"<property name="auth" value="bearer"/>"#) == true)
    }

    @Test func aBearerTokenFromACommandIsSentAndRedacted() async throws {
        let (run, requests) = try await runWithAuth(#"{ type: bearer, command: "printf 'cmd-token-%s' 4242" }"#,
                                                    environment: ["PATH": "/usr/bin:/bin"])
        #expect(requests.first?.headers["Authorization"] == "Bearer cmd-token-4242")
        try expectRedacted("cmd-token-4242", in: run)
    }

    @Test func aFailingTokenCommandIsInvalidInput() async throws {
        let (run, requests) = try await runWithAuth(#"{ type: bearer, command: "exit 3" }"#, environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("target 'staging'"), "\(run.errors)")
        #expect(requests.isEmpty)
    }

    // MARK: SigV4 against the embedded emulator

    static let iamAPI = """
    openapi: 3.0.1
    info: { title: iam, version: "1" }
    paths:
      /private/{item}:
        get:
          security:
          - sigv4: []
          parameters:
          - { name: item, in: path, required: true, schema: { type: string } }
          responses:
            "200": { description: ok }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"ok": true, "caller": "$context.identity.accessKey"}'
        post:
          security:
          - sigv4: []
          parameters:
          - { name: item, in: path, required: true, schema: { type: string } }
          responses:
            "200": { description: ok }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: '{"posted": true}'
    components:
      securitySchemes:
        sigv4:
          type: apiKey
          name: Authorization
          in: header
          x-amazon-apigateway-authtype: awsSigv4
    """

    static let signedSuite = """
    name: signed
    api: apis/iam.yaml
    apiType: rest
    auth: sigv4
    cases:
      - name: a signed GET with a space, a star and repeated query keys
        request: { path: "/private/a b*:c?b=2&b=1&flag", query: { a: "x y" } }
        expect: { status: 200, body: { jsonPath: { "$.ok": true, "$.caller": AKIDGATECHECKEXAMPLE } } }
      - name: a signed POST with a JSON body
        request: { method: POST, path: /private/item, body: { json: { n: 7 } } }
        expect: { status: 200, body: { json: { posted: true } } }
    """

    static let unsignedSuite = """
    name: unsigned
    api: apis/iam.yaml
    apiType: rest
    cases:
      - name: no signature
        request: { path: /private/item }
        expect: { status: 403, body: { json: { message: Missing Authentication Token } } }
    """

    func runAgainstIAMEmulator(emulatorSecret: String, runnerSecret: String) async -> RunOutput {
        let workspace = Workspace()
        workspace.write("apis/iam.yaml", Self.iamAPI)
        let emulatorEnvironment = ["AWS_ACCESS_KEY_ID": "AKIDGATECHECKEXAMPLE", "AWS_SECRET_ACCESS_KEY": emulatorSecret]
        return await runSuites(["signed.yaml": Self.signedSuite, "unsigned.yaml": Self.unsignedSuite], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator(environment: emulatorEnvironment, homeDirectory: workspace.path)
            $0.environment = ["AWS_ACCESS_KEY_ID": "AKIDGATECHECKEXAMPLE", "AWS_SECRET_ACCESS_KEY": runnerSecret]
            $0.homeDirectory = workspace.path
        }
    }

    @Test func aSignedSuitePassesAgainstTheEmulatorsIAMRoutes() async throws {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYGATECHECK"
        let run = await runAgainstIAMEmulator(emulatorSecret: secret, runnerSecret: secret)
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 3)
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<property name="target" value="embedded emulator"/>"#))
        #expect(xml.contains(#"<property name="auth" value="sigv4"/>"#))
        #expect(!xml.contains(secret))
    }

    @Test func aWrongSecretGetsTheSignatureMismatch403() async throws {
        let run = await runAgainstIAMEmulator(emulatorSecret: "the-secret-the-emulator-accepts-000000",
                                              runnerSecret: "a-different-secret-the-runner-signs-with")
        #expect(run.summary.exitCode == 1)
        let failures = run.failures("a signed POST with a JSON body")
        #expect(failures.first?.summary == "status: expected 200, got 403", "\(run.console)")
        #expect(run.console.contains(#""message":"The request signature we calculated does not match the signature you provided."#), "\(run.console)")
        #expect(run.result("no signature")?.isPassed == true)
        #expect(!run.console.contains("a-different-secret-the-runner-signs-with"))
        #expect(!(run.junit ?? "").contains("a-different-secret-the-runner-signs-with"))
    }

    @Test func theSigV4FlagSignsSuitesThatDoNotAskForIt() async throws {
        let secret = "flag-secret-0123456789abcdefghijklmnop"
        let workspace = Workspace()
        workspace.write("apis/iam.yaml", Self.iamAPI)
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDGATECHECKEXAMPLE", "AWS_SECRET_ACCESS_KEY": secret]
        let suite = Self.signedSuite.replacingOccurrences(of: "auth: sigv4\n", with: "")
        #expect(suite != Self.signedSuite)
        let run = await runSuites(["signed.yaml": suite], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator(environment: environment, homeDirectory: workspace.path)
            $0.environment = environment
            $0.homeDirectory = workspace.path
            $0.sigv4 = true
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let unsigned = await runSuites(["signed.yaml": suite], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator(environment: environment, homeDirectory: workspace.path)
            $0.environment = environment
        }
        #expect(unsigned.failures("a signed POST with a JSON body").first?.summary == "status: expected 200, got 403")
    }

    @Test func aSignedSuiteWithoutCredentialsIsInvalidInput() async throws {
        let workspace = Workspace()
        workspace.write("apis/iam.yaml", Self.iamAPI)
        let run = await runSuites(["signed.yaml": Self.signedSuite], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator(environment: [:], homeDirectory: workspace.path)
            $0.homeDirectory = workspace.path
        }
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("suite 'signed' (auth: sigv4) needs AWS credentials to sign with"), "\(run.errors)")
        #expect(run.errors.contains("AWS_IAM authorization, but no AWS credentials were found for the emulator to accept"), "\(run.errors)")
    }

    // MARK: sharding

    /// Seven one-case suites in a workspace that is also the working directory (so suite ids are `sN.yaml`).
    static func shardedWorkspace() -> (Workspace, [String]) {
        let workspace = Workspace()
        var ids: [String] = []
        for index in 1...7 {
            let name = "suites/s\(index).yaml"
            var text = "cases:\n  - name: ok\n    request: { path: /text }\n    expect: { status: 200 }\n"
            if index == 3 { text += "  - name: fails\n    request: { path: /text }\n    expect: { status: 201 }\n" }
            if index == 5 { text += "  - name: skipped\n    skip: not today\n    request: { path: /text }\n" }
            workspace.write(name, text)
            ids.append(name)
        }
        return (workspace, ids)
    }

    func runShard(_ spec: String, in workspace: Workspace, server: LoopbackHTTPServer, timings: String? = nil,
                  report: String = "junit.xml") async throws -> RunOutput {
        let shard = try ShardSpec.parse(spec)
        let console = OutputBuffer(), errors = OutputBuffer()
        var configuration = RunConfiguration()
        configuration.paths = [workspace.path + "/suites"]
        configuration.target = server.baseURL
        configuration.junitPath = workspace.path + "/reports/" + report
        configuration.environment = [:]
        configuration.output = console.writer
        configuration.errorOutput = errors.writer
        configuration.workingDirectory = workspace.path
        configuration.shard = shard
        configuration.shardTimingsPath = timings
        let summary = await GatecheckRunner(configuration: configuration).run()
        return RunOutput(summary: summary, console: console.text, errors: errors.text,
                         junit: FileManager.default.contents(atPath: configuration.junitPath!).map { String(decoding: $0, as: UTF8.self) },
                         junitPath: configuration.junitPath!, workspace: workspace)
    }

    func ids(of run: RunOutput, workspace: Workspace) -> [String] {
        run.summary.suites.map { SuiteIdentity.id(forFile: $0.file, workingDirectory: workspace.path) }
    }

    @Test func everySuiteRunsInExactlyOneShardForEveryShardCount() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let (workspace, all) = Self.shardedWorkspace()
        for count in 1...4 {
            var seen: [String] = []
            for index in 1...count {
                let run = try await runShard("\(index)/\(count)", in: workspace, server: server)
                #expect(run.errors.isEmpty, "\(run.errors)")
                let shardIDs = ids(of: run, workspace: workspace)
                #expect(shardIDs == ShardPlanner.assign(suites: all, shard: index, of: count), "shard \(index)/\(count)")
                let again = try await runShard("\(index)/\(count)", in: workspace, server: server)
                #expect(ids(of: again, workspace: workspace) == shardIDs, "shard \(index)/\(count) is not stable")
                seen += shardIDs
            }
            #expect(seen.sorted() == all.sorted(), "\(count) shards: \(seen)")
        }
        // More shards than suites: the extra shards run nothing and still succeed with an empty report.
        let empty = try await runShard("9/9", in: workspace, server: server)
        #expect(empty.summary.exitCode == 0 && empty.summary.suites.isEmpty, "\(empty.console)\(empty.errors)")
        #expect(empty.console.contains("shard 9/9: 0 of 7 suites"))
    }

    @Test func shardTimingsKeyOnTheSameSuiteIdsAndBalanceTheShards() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let (workspace, all) = Self.shardedWorkspace()
        // A report of a whole run is keyed by the very ids the shards use.
        let whole = try await runShard("1/1", in: workspace, server: server, report: "previous.xml")
        let timings = try ShardTimings.load(junitPath: whole.junitPath)
        #expect(Set(all).isSubset(of: Set(timings.keys)), "\(timings.keys.sorted())")
        #expect(whole.junit?.contains(#"<property name="file" value="suites/s1.yaml"/>"#) == true)

        // s4 took 60 s last time, the others 1 s: it gets a shard to itself.
        var previous = "<testsuites>\n"
        for id in all {
            previous += #"<testsuite name="\#(id)-renamed" tests="1" failures="0" errors="0" time="\#(id.hasSuffix("s4.yaml") ? "60" : "1")"><properties><property name="file" value="\#(id)"/></properties></testsuite>"# + "\n"
        }
        let timingsFile = workspace.write("reports/timings.xml", previous + "</testsuites>\n")
        let first = try await runShard("1/2", in: workspace, server: server, timings: timingsFile)
        let second = try await runShard("2/2", in: workspace, server: server, timings: timingsFile)
        #expect(ids(of: first, workspace: workspace) == ["suites/s4.yaml"])
        #expect(ids(of: second, workspace: workspace).count == 6)
        #expect(first.console.contains("balanced by the timings"))
        let broken = try await runShard("1/2", in: workspace, server: server, timings: workspace.path + "/missing.xml")
        #expect(broken.summary.exitCode == 2)
        #expect(broken.errors.contains("--shard-timings: "), "\(broken.errors)")
    }

    @Test func mergedShardReportsAreValidAndCountEverything() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let (workspace, _) = Self.shardedWorkspace()
        var reports: [String] = []
        for index in 1...3 {
            let run = try await runShard("\(index)/3", in: workspace, server: server, report: "junit-\(index).xml")
            reports.append(run.junitPath)
        }
        let merged = workspace.path + "/reports/merged/junit.xml"
        let out = OutputBuffer(), err = OutputBuffer()
        #expect(GatecheckRunner.mergeReports(reports, into: merged, output: out.writer, errorOutput: err.writer) == .passed, "\(err.text)")
        #expect(out.text == "merged 3 reports into \(merged)\n")

        let schema = try #require(ReportValidation.junitSchemaPath())
        let lint = try ReportValidation.xmllint(merged, schema: schema)
        #expect(lint.status == 0, "\(lint.output)")
        let parsed = try ReportValidation.junitparser(merged)
        #expect(parsed.status == 0, "\(parsed.output)")
        let suiteLines = parsed.output.split(separator: "\n").filter { $0.hasPrefix("suite ") }.sorted()
        #expect(suiteLines == (1...7).map { index -> Substring in
            switch index {
            case 3: return "suite s3 tests=2 failures=1 errors=0 skipped=0"
            case 5: return "suite s5 tests=2 failures=0 errors=0 skipped=1"
            default: return Substring("suite s\(index) tests=1 failures=0 errors=0 skipped=0")
            }
        }.sorted())
        let xml = try String(contentsOfFile: merged, encoding: .utf8)
        #expect(xml.contains(#"<testsuites tests="9" failures="1" errors="0""#), "\(xml.prefix(300))")

        // The same report twice, or two reports with the same suite, is an overlap unless allowed.
        let twice = OutputBuffer()
        #expect(GatecheckRunner.mergeReports([reports[0], reports[0]], into: merged, output: out.writer, errorOutput: twice.writer) == .invalidInput)
        #expect(twice.text.contains("is given twice"), "\(twice.text)")
        let copy = workspace.path + "/reports/copy-of-1.xml"
        try FileManager.default.copyItem(atPath: reports[0], toPath: copy)
        let overlap = OutputBuffer()
        #expect(GatecheckRunner.mergeReports([reports[0], copy], into: merged, output: out.writer, errorOutput: overlap.writer) == .invalidInput)
        #expect(overlap.text.contains("the shards overlap"), "\(overlap.text)")
        #expect(GatecheckRunner.mergeReports([reports[0], copy], into: merged, allowDuplicates: true,
                                             output: out.writer, errorOutput: overlap.writer) == .passed)
        func suiteCount(_ path: String) throws -> Int {
            try ReportValidation.junitparser(path).output.split(separator: "\n").filter { $0.hasPrefix("suite ") }.count
        }
        #expect(try suiteCount(merged) == 2 * suiteCount(reports[0]))
        let missing = OutputBuffer()
        #expect(GatecheckRunner.mergeReports([workspace.path + "/none.xml"], into: merged, output: out.writer, errorOutput: missing.writer) == .invalidInput)
        #expect(missing.text.contains("none.xml: no such file"), "\(missing.text)")
    }

    @Test func suiteIdsArePathsRelativeToTheWorkingDirectory() {
        #expect(SuiteIdentity.id(forFile: "/work/p/suites/a.yaml", workingDirectory: "/work/p") == "suites/a.yaml")
        #expect(SuiteIdentity.id(forFile: "./suites/../suites/a.yaml", workingDirectory: "/work/p") == "suites/a.yaml")
        #expect(SuiteIdentity.id(forFile: "suites/a.yaml", workingDirectory: "/work/p/") == "suites/a.yaml")
        #expect(SuiteIdentity.id(forFile: "/elsewhere/a.yaml", workingDirectory: "/work/p") == "/elsewhere/a.yaml")
        #expect(SuiteIdentity.id(forFile: "/work/pp/a.yaml", workingDirectory: "/work/p") == "/work/pp/a.yaml")
    }

    // MARK: the CLI

    @Test func theCommandLineWiresProfilesShardsPropertiesAndMergeReports() throws {
        let binary = gatecheckBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "gatecheck binary not found next to the tests at \(binary)")
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("config/gatecheck.yaml", """
        targets:
          staging:
            url: http://staging.example.test:\(server.port)
            auth: { type: apiKey, value: "${env:GC_API_KEY}" }
        """)
        let suites = workspace.path + "/suites"
        workspace.write("suites/a.yaml", "cases:\n  - name: ok\n    request: { path: /items }\n    expect: { status: 200 }\n")
        workspace.write("suites/b.yaml", "cases:\n  - name: ok\n    request: { path: /text }\n    expect: { status: 200 }\n")
        let environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1", "GC_API_KEY": "cli-key-5e6f", "HOME": workspace.path]
        var reports: [String] = []
        for index in 1...2 {
            let report = workspace.path + "/reports/junit-\(index).xml"
            let run = try ReportValidation.run(binary, ["run", suites, "--target", "staging", "--profiles", profiles,
                                                        "--resolve", "staging.example.test:\(server.port):127.0.0.1",
                                                        "--shard", "\(index)/2", "--property", "git.sha=feedbeef", "--junit", report],
                                               environment: environment)
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("shard \(index)/2: 1 of 2 suites"))
            #expect(!run.output.contains("cli-key-5e6f"))
            reports.append(report)
        }
        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.headers["x-api-key"] == "cli-key-5e6f" })
        let merged = workspace.path + "/reports/junit.xml"
        let merge = try ReportValidation.run(binary, ["merge-reports"] + reports + ["-o", merged], environment: environment)
        #expect(merge.status == 0, "\(merge.output)")
        let xml = try String(contentsOfFile: merged, encoding: .utf8)
        #expect(xml.contains(#"<testsuites tests="2" failures="0" errors="0""#))
        #expect(xml.components(separatedBy: #"<property name="git.sha" value="feedbeef"/>"#).count == 3)
        #expect(xml.contains(#"<property name="target" value="staging"/>"#))

        for bad in [["--shard", "0/4"], ["--shard", "x/y"], ["--property", "=v"], ["--property", "novalue"],
                    ["--resolve", "nope"], ["--shard-timings", merged]] {
            let run = try ReportValidation.run(binary, ["run", suites, "--target", server.baseURL] + bad, environment: environment)
            #expect(run.status == 2, "\(bad): \(run.output)")
        }
        let overlap = try ReportValidation.run(binary, ["merge-reports", reports[0], reports[0], "-o", merged], environment: environment)
        #expect(overlap.status == 2)
        #expect(try ReportValidation.run(binary, ["merge-reports", reports[0], reports[0], "-o", merged, "--allow-duplicates"],
                                         environment: environment).status == 0)
        #expect(try ReportValidation.run(binary, ["merge-reports", "-o", merged], environment: environment).status == 2)
        let unknownTarget = try ReportValidation.run(binary, ["run", suites, "--target", "prod", "--profiles", profiles], environment: environment)
        #expect(unknownTarget.status == 2)
        #expect(unknownTarget.output.contains("no target named 'prod'"), "\(unknownTarget.output)")
    }
}
