import Foundation
import GatecheckCore
import HTTPMessage
import Stages
import Testing
import TestSupport

/// What only a deployed stage shows (issue 25): the default User-Agent, the stage warning of a `--target` URL, the
/// report properties of a profile run, through the in-process runner against real loopback servers.
@Suite struct RealStageTests {
    static let oneCase = "cases:\n  - name: a\n    request: { path: /items }\n    expect: { status: 200 }\n"

    // MARK: User-Agent, stage warning, properties

    @Test func everyRequestCarriesTheGatecheckUserAgentUnlessACaseOrProfileSetsOne() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          waf:
            url: \(server.baseURL)
            headers: { User-Agent: nightly-bot/7 }
        """)
        let suite = """
        cases:
          - name: default agent
            request: { path: /items }
            expect: { status: 200 }
          - name: own agent
            request: { path: /items, headers: { User-Agent: curl/8.5.0 } }
            expect: { status: 200 }
        """
        let plain = await runSuites(["ua.yaml": suite], target: server.baseURL)
        #expect(plain.summary.exitCode == 0, "\(plain.console)\(plain.errors)")
        #expect(server.requests.map { $0.headers.values(for: "User-Agent") } == [["gatecheck/\(GatecheckVersion.string)"], ["curl/8.5.0"]])

        let profiled = await runSuites(["ua.yaml": suite], target: "waf", workspace: workspace) { $0.profilesPath = profiles }
        #expect(profiled.summary.exitCode == 0, "\(profiled.console)\(profiled.errors)")
        #expect(server.requests.dropFirst(2).map { $0.headers.values(for: "User-Agent") } == [["nightly-bot/7"], ["curl/8.5.0"]])
    }

    @Test func aTargetURLWithoutAStageGetsTheProfilesWarningAndResolveIsRecorded() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let host = "abc123.execute-api.eu-west-1.amazonaws.com"
        let run = await runSuites(["s.yaml": Self.oneCase], target: "http://\(host):\(server.port)/") {
            $0.resolve = ["\(host):\(server.port):127.0.0.1"]
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.errors.contains("--target: warning: 'http://\(host):\(server.port)' has no stage: an execute-api URL normally ends with the stage name"),
                "\(run.errors)")
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<property name="resolve" value="\#(host):\#(server.port):127.0.0.1"/>"#), "\(xml)")
        #expect(!xml.contains(#"<property name="profile""#), "a URL target is not a profile: \(xml)")

        // With the stage there is no warning.
        let staged = await runSuites(["s.yaml": Self.oneCase], target: "http://\(host):\(server.port)/prod") {
            $0.resolve = ["\(host):\(server.port):127.0.0.1"]
        }
        #expect(staged.summary.exitCode == 0, "\(staged.console)\(staged.errors)")
        #expect(!staged.errors.contains("has no stage"), "\(staged.errors)")
    }

    @Test func theReportRecordsTheProfileItsFileAndItsResolveEntries() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          staging:
            url: http://api.example.test:\(server.port)
            resolve: ["api.example.test:\(server.port):127.0.0.1"]
        """)
        let run = await runSuites(["p.yaml": Self.oneCase], target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.resolve = ["other.example.test:443:127.0.0.2"]
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let xml = try #require(run.junit)
        for (name, value) in [("target", "staging"), ("profile", "staging"), ("profile.file", profiles),
                              ("resolve", "api.example.test:\(server.port):127.0.0.1, other.example.test:443:127.0.0.2")] {
            #expect(xml.contains(#"<property name="\#(name)" value="\#(value)"/>"#), "\(name) missing in \(xml)")
        }
        let schema = try #require(ReportValidation.junitSchemaPath())
        #expect(try ReportValidation.xmllint(run.junitPath, schema: schema).status == 0)
    }

    // MARK: parity against a stage stand-in that adds infrastructure headers

    /// The same small API twice: `plain` as the emulator answers, and a stand-in stage that adds what CloudFront,
    /// API Gateway and LocalStack add (server, request and trace ids, CloudFront headers, its own date); on
    /// `/changed` the stand-in's body and `X-Version` really differ.
    static func parityServers() throws -> (plain: LoopbackHTTPServer, stage: LoopbackHTTPServer) {
        @Sendable func answer(_ request: RecordedRequest, stage: Bool) -> LoopbackResponse {
            var headers: HTTPHeaders = ["Content-Type": "application/json", "X-Version": stage && request.target.hasSuffix("/changed") ? "3" : "2"]
            if stage {
                for (name, value) in [("Date", "Fri, 04 Dec 2026 03:00:00 GMT"), ("Server", "hypercorn-h11"), ("x-localstack", "true"),
                                      ("Via", "1.1 0a1b.cloudfront.net (CloudFront)"), ("X-Cache", "Miss from cloudfront"),
                                      ("X-Amz-Cf-Pop", "FRA56-P1"), ("X-Amz-Cf-Id", "kK3r-id=="), ("x-amzn-RequestId", "6c9f-4d1e"),
                                      ("x-amz-apigw-id", "Xy12AbCdEF="), ("X-Amzn-Trace-Id", "Root=1-6750-abc"), ("Connection", "keep-alive")] {
                    headers.add(name: name, value: value)
                }
            }
            let body = stage && request.target.hasSuffix("/changed") ? #"{"item":{"price":"12.5"}}"# : #"{"item":{"price":12.5}}"#
            return .http(status: 200, headers: headers, body: Array(body.utf8))
        }
        return (try LoopbackHTTPServer { answer($0, stage: false) }, try LoopbackHTTPServer { answer($0, stage: true) })
    }

    static let paritySuite = """
    name: items
    cases:
      - name: same item
        request: { path: /same }
        expect: { status: 200 }
      - name: changed item
        request: { path: /changed }
        expect: { status: 200 }
    """

    @Test func infrastructureHeadersAreIgnoredByDefaultShownAsSuchAndARealDifferenceStillFails() async throws {
        let (plain, stage) = try Self.parityServers()
        defer { plain.stop(); stage.stop() }
        let run = await runSuites(["items.yaml": Self.paritySuite], target: stage.baseURL + "/prod") { $0.compare = plain.baseURL }
        #expect(run.summary.exitCode == 1, "\(run.console)\(run.errors)")
        let cases = run.summary.suites[0].cases
        let same = try #require(cases.first { $0.name == "parity: same item" })
        #expect(same.isPassed, "\(run.console)")
        let ignoredNote = "differs, not compared (infrastructure headers, ignored by default): Date, Server, x-localstack, Via, X-Cache, "
            + "X-Amz-Cf-Pop, X-Amz-Cf-Id, x-amzn-RequestId, x-amz-apigw-id, X-Amzn-Trace-Id, Connection (--compare-header NAME compares one)"
        #expect(same.notes == [ignoredNote], "\(same.notes)")
        #expect(run.console.contains(ignoredNote))
        #expect(try #require(run.junit).contains("not compared (infrastructure headers, ignored by default): Date, Server"))

        // The real differences fail (the longer body's Content-Length with them), and only they are in the table.
        let changed = try #require(cases.first { $0.name == "parity: changed item" })
        guard case let .failed(failures) = changed.outcome else { Issue.record("expected a failure: \(run.console)"); return }
        #expect(failures[0].summary.hasSuffix("differ: header X-Version, header Content-Length, body $.item.price (3 differences)"), "\(failures[0].summary)")
        #expect(!failures[0].details.joined().contains("Server") && !failures[0].details.joined().contains("x-localstack"))
    }

    @Test func compareIgnoreHeaderAndCompareHeaderAdjustTheListForTheWholeRun() async throws {
        let (plain, stage) = try Self.parityServers()
        defer { plain.stop(); stage.stop() }
        let ignoring = await runSuites(["items.yaml": Self.paritySuite], target: stage.baseURL) {
            $0.compare = plain.baseURL
            $0.compareIgnoreHeaders = ["x-version"]
            $0.filter = "changed"
        }
        let changed = try #require(ignoring.summary.suites[0].cases.first { $0.name == "parity: changed item" })
        guard case let .failed(failures) = changed.outcome else { Issue.record("expected a failure: \(ignoring.console)"); return }
        #expect(failures[0].summary.hasSuffix("differ: header Content-Length, body $.item.price (2 differences)"), "\(failures[0].summary)")
        #expect(changed.notes.contains("differs, not compared (parity.ignoreHeaders, --compare-ignore-header): X-Version"), "\(changed.notes)")

        let comparingServer = await runSuites(["items.yaml": Self.paritySuite], target: stage.baseURL) {
            $0.compare = plain.baseURL
            $0.compareHeaders = ["SERVER"]
            $0.filter = "same"
        }
        #expect(comparingServer.summary.exitCode == 1)
        let same = try #require(comparingServer.summary.suites[0].cases.first { $0.name == "parity: same item" })
        guard case let .failed(sameFailures) = same.outcome else { Issue.record("expected a failure: \(comparingServer.console)"); return }
        #expect(sameFailures[0].summary.hasSuffix("differ: header Server (1 difference)"), "\(sameFailures[0].summary)")
    }

    // MARK: one profile, several APIs

    /// Three suites of three APIs (`apis/orders.yaml`, `apis/users.yaml`, none) in a workspace, with the API files.
    static func environmentWorkspace() -> (Workspace, [String: String]) {
        let workspace = Workspace()
        let definition = "openapi: 3.0.1\ninfo: { title: t, version: '1' }\npaths: {}\n"
        workspace.write("apis/orders.yaml", definition)
        workspace.write("apis/users.yaml", definition)
        let suites = [
            "orders.yaml": "name: orders\napi: apis/orders.yaml\n" + Self.oneCase,
            "users.yaml": "name: users\napi: apis/users.yaml\ntags: [users]\n" + Self.oneCase,
            "health.yaml": "name: health\n" + Self.oneCase,
        ]
        return (workspace, suites)
    }

    @Test func aProfileWithApisSendsEachSuiteToItsAPIsStageAndSkipsTheOthers() async throws {
        let orders = try makeDemoServer(), users = try makeDemoServer()
        defer { orders.stop(); users.stop() }
        let (workspace, suites) = Self.environmentWorkspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          staging:
            headers: { X-Team: payments, X-Stage: shared }
            apis:
              orders:
                api: apis/orders.yaml              # relative to this file
                url: \(orders.baseURL)/prod
                headers: { X-Stage: orders }
              users:
                tags: [users]
                url: \(users.baseURL)/prod/
        """)
        let run = await runSuites(suites, target: "staging", workspace: workspace) { $0.profilesPath = profiles }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(orders.requests.map(\.target) == ["/prod/items"])
        #expect(orders.requests.first?.headers["X-Stage"] == "orders")
        #expect(orders.requests.first?.headers["X-Team"] == "payments")
        #expect(users.requests.map(\.target) == ["/prod/items"])
        #expect(users.requests.first?.headers["X-Stage"] == "shared")

        // The suite without a stage is skipped with the reason, never sent to another API's stage.
        let health = try #require(run.summary.suites.first { $0.name == "health" })
        let reason = "no entry of target 'staging' apis: takes the suite (no api:) or its name 'health', and the target has no url"
        #expect(health.cases.allSatisfy { if case .skipped(reason) = $0.outcome { true } else { false } }, "\(health.cases)")
        #expect(run.console.contains(reason), "\(run.console)")
        let xml = try #require(run.junit)
        #expect(xml.contains(#"<property name="profile.api" value="orders"/>"#) && xml.contains(#"<property name="baseURL" value="\#(users.baseURL)/prod"/>"#))

        // --strict-targets: the same run is refused before anything is sent.
        let sent = orders.requests.count + users.requests.count
        let strict = await runSuites(suites, target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.strictTargets = true
        }
        #expect(strict.summary.exitCode == 2)
        #expect(strict.errors.contains("gatecheck: error: --strict-targets: nothing was run:"), "\(strict.errors)")
        #expect(strict.errors.contains("suite 'health' (\(workspace.path)/health.yaml), --target: \(reason)"), "\(strict.errors)")
        #expect(orders.requests.count + users.requests.count == sent)
    }

    @Test func compareWithTwoEnvironmentsSendsEachSuiteToItsAPIsStageOnBothSides() async throws {
        let stagingOrders = try makeDemoServer(), stagingUsers = try makeDemoServer()
        let productionOrders = try makeDemoServer(), productionUsers = try makeDemoServer()
        defer { [stagingOrders, stagingUsers, productionOrders, productionUsers].forEach { $0.stop() } }
        let (workspace, suites) = Self.environmentWorkspace()
        func environment(_ orders: LoopbackHTTPServer, _ users: LoopbackHTTPServer, host: String) -> String {
            """
                apis:
                  orders: { api: apis/orders.yaml, url: "http://\(host):\(orders.port)/prod", resolve: ["\(host):\(orders.port):127.0.0.1"] }
                  users: { suites: [users], url: "\(users.baseURL)/prod" }
            """
        }
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          staging:
        \(environment(stagingOrders, stagingUsers, host: "orders.staging.test"))
          production:
        \(environment(productionOrders, productionUsers, host: "orders.production.test"))
        """)
        let run = await runSuites(suites.filter { $0.key != "health.yaml" }, target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.compare = "production"
            $0.strictTargets = true
        }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        for server in [stagingOrders, stagingUsers, productionOrders, productionUsers] {
            #expect(server.requests.map(\.target) == ["/prod/items"], "each stage gets exactly its API's suite")
        }
        #expect(stagingOrders.requests.first?.headers["Host"] == "orders.staging.test:\(stagingOrders.port)")
        #expect(productionOrders.requests.first?.headers["Host"] == "orders.production.test:\(productionOrders.port)")
        let parityCases = run.summary.suites.flatMap(\.cases).filter { $0.name.hasPrefix("parity: ") }
        #expect(parityCases.count == 2)
        #expect(parityCases.allSatisfy { $0.isPassed }, "\(run.console)")
    }

    @Test func theProfilesOwnURLTakesUnlistedSuitesExceptUnderStrictTargets() async throws {
        let orders = try makeDemoServer(), other = try makeDemoServer()
        defer { orders.stop(); other.stop() }
        let (workspace, suites) = Self.environmentWorkspace()
        let profiles = workspace.write("gatecheck.yaml", """
        targets:
          staging:
            url: \(other.baseURL)/prod
            apis:
              orders: { suites: [orders], url: "\(orders.baseURL)/prod" }
        """)
        let run = await runSuites(suites, target: "staging", workspace: workspace) { $0.profilesPath = profiles }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(orders.requests.count == 1 && other.requests.count == 2)
        let strict = await runSuites(suites, target: "staging", workspace: workspace) {
            $0.profilesPath = profiles
            $0.strictTargets = true
        }
        #expect(strict.summary.exitCode == 2)
        #expect(strict.errors.contains("suite 'users'") && strict.errors.contains("the target's own url is not used for it"), "\(strict.errors)")
    }

    @Test func oneTargetURLForSuitesOfSeveralAPIsIsAWarningOrWithStrictTargetsAnError() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let (workspace, suites) = Self.environmentWorkspace()
        let run = await runSuites(suites, target: server.baseURL, workspace: workspace)
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        let warning = "gatecheck: warning: --target \(server.baseURL) is one URL for suites of 2 different APIs"
        #expect(run.errors.contains(warning), "\(run.errors)")
        let strict = await runSuites(suites, target: server.baseURL, workspace: workspace) { $0.strictTargets = true }
        #expect(strict.summary.exitCode == 2)
        #expect(strict.errors.contains("--target \(server.baseURL) is one URL for suites of 2 different APIs"), "\(strict.errors)")
        // Suites of one API on one URL are fine, strict or not.
        let single = await runSuites(["orders.yaml": suites["orders.yaml"] ?? ""], target: server.baseURL, workspace: workspace) { $0.strictTargets = true }
        #expect(single.summary.exitCode == 0, "\(single.errors)")
        #expect(!single.errors.contains("different APIs"))
    }

    @Test func apisEntriesAreCheckedWhenTheProfileIsRead() throws {
        let workspace = Workspace()
        let path = workspace.write("gatecheck.yaml", """
        targets:
          staging:
            apis:
              orders: { api: apis/missing.yaml, url: "https://abc.execute-api.eu-west-1.amazonaws.com" }
              nothing: { url: "https://example.com/v1" }
              typo: { api: a.yaml, url: "https://example.com/v1", header: { X: y } }
          neither:
            headers: { X: y }
        """)
        do {
            _ = try ProfilesLoader.load(path: path)
            Issue.record("expected diagnostics")
        } catch {
            let text = error.description
            #expect(text.contains("gatecheck.yaml:5:7: error: 'targets.staging.apis.nothing' says which suites go to this URL with 'api'"), "\(text)")
            #expect(text.contains("gatecheck.yaml:6:59: error: unknown key 'header' in targets.staging.apis.typo (did you mean 'headers'?)"), "\(text)")
            #expect(text.contains("gatecheck.yaml:7:3: error: missing required key 'url' in targets.neither (or 'apis', one URL per API)"), "\(text)")
        }
        let good = workspace.write("good.yaml", """
        targets:
          staging:
            apis:
              orders: { api: apis/missing.yaml, url: "https://abc.execute-api.eu-west-1.amazonaws.com" }
        """)
        let profile = try ProfilesLoader.load(path: good).target(named: "staging")
        let warnings = profile.warnings.map(\.description)
        #expect(warnings.contains { $0.hasPrefix("\(good):4:22: warning: targets.staging.apis.orders: API definition 'apis/missing.yaml' not found") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("has no stage") }, "\(warnings)")
    }

    // MARK: x-amzn-Remapped-* through the emulator, on real sockets

    @Test func theEmulatorRemapsTheReservedHeadersABackendSendsAsAStageDoes() async throws {
        // A real HTTP server behind HTTP_PROXY: its Server, Connection, Date and x-amzn-RequestId come back renamed.
        let upstream = try LoopbackHTTPServer { _ in
            .http(status: 200, headers: ["Content-Type": "application/json", "Server": "upstream/1.0", "Connection": "keep-alive",
                                         "Date": "Mon, 01 Jan 2024 00:00:00 GMT", "x-amzn-RequestId": "backend-id", "X-Custom": "kept"],
                  body: Array(#"{"ok":true}"#.utf8))
        }
        defer { upstream.stop() }
        let workspace = Workspace()
        workspace.write("apis/remap.yaml", """
        openapi: 3.0.1
        info: { title: remap, version: "1" }
        paths:
          /forwarded:
            get:
              responses: { "200": { description: passthrough } }
              x-amazon-apigateway-integration: { type: http_proxy, httpMethod: GET, uri: "http://real.backend/x" }
          /scripted:
            get:
              responses: { "200": { description: passthrough } }
              x-amazon-apigateway-integration: { type: http_proxy, httpMethod: GET, uri: "http://scripted.backend/x" }
          /function:
            get:
              responses: { "200": { description: proxy } }
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Reserved/invocations
        """)
        workspace.write("reserved.py", """
        def handler(event, context):
            return {"statusCode": 200, "headers": {"WWW-Authenticate": "Basic realm=x", "Server": "fn", "Content-Length": "2",
                                                   "Authorization": "t", "X-Own": "kept"}, "body": "{}"}
        """)
        workspace.write("backends.yaml", """
        lambdas:
          Reserved: { python: reserved.py:handler }
        http:
          real.backend: { forward: "\(upstream.baseURL)" }
          scripted.backend:
            script:
              - status: 200
                headers: { Content-Type: application/json }
                json: { scripted: true }
        """)
        let suite = """
        name: remapping
        api: apis/remap.yaml
        apiType: rest
        backends: backends.yaml
        cases:
          - name: a real backend's reserved headers
            request: { path: /forwarded }
            expect:
              status: 200
              headers:
                x-amzn-Remapped-Server: upstream/1.0
                x-amzn-Remapped-Connection: keep-alive
                x-amzn-Remapped-Date: "Mon, 01 Jan 2024 00:00:00 GMT"
                x-amzn-Remapped-x-amzn-RequestId: backend-id
                x-amzn-Remapped-Content-Length: "11"
                X-Custom: kept
                Server: { absent: true }
          - name: a scripted backend answers like a real server
            request: { path: /scripted }
            expect:
              status: 200
              headers:
                x-amzn-Remapped-Content-Length: "17"          # {"scripted":true}
                x-amzn-Remapped-Date: { matches: "^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$" }
              body: { json: { scripted: true } }
          - name: a Lambda proxy's reserved headers
            request: { path: /function }
            expect:
              status: 200
              headers:
                x-amzn-Remapped-WWW-Authenticate: Basic realm=x
                x-amzn-Remapped-Server: fn
                x-amzn-Remapped-Content-Length: "2"
                x-amzn-Remapped-Authorization: t
                X-Own: kept
                WWW-Authenticate: { absent: true }
        """
        let run = await runSuites(["remapping.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 3)
    }
}
