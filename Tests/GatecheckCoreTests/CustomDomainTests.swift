import Foundation
import Gateway
@testable import GatecheckCore
import Testing

/// Custom domain names with API mappings (`gatecheck emulate --base-path` / `--mount`), through real sockets: the
/// emulator as a spawned process or started by the launcher, the bundled APIs and their real python3 Lambda, and
/// suites run with `--target https-like-custom-domain/base --resolve` as against a real stage.
@Suite struct CustomDomainTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let restAPI = root + "/suites/apis/rest-outcome.yaml"
    static let httpAPI = root + "/suites/apis/http-outcome.yaml"
    static let backends = root + "/suites/backends.yaml"

    /// `gatecheck emulate --base-path v1=prod --base-path orders/v1=prod --mount v2=http-outcome.yaml`: one port serves
    /// a REST stage under two base paths and an HTTP API under a third; the suite's target is a custom-domain URL with
    /// its base path, connected with `--resolve`, so the Host is the custom domain's as on AWS.
    @Test func emulateServesBasePathMappingsOfTwoAPIsOnOnePort() async throws {
        let child = try SpawnedGatecheck(["emulate", "--api", Self.restAPI, "--backends", Self.backends, "--port", "0",
                                          "--base-path", "v1=prod", "--base-path", "orders/v1=prod", "--mount", "v2=\(Self.httpAPI)"])
        let started = await eventually { child.output.contains("emulating a custom domain at http://127.0.0.1:") }
        #expect(started, "stdout: \(child.output)\nstderr: \(child.errors)")
        guard started else { child.signal(SIGTERM); _ = await child.exitStatus(); return }
        let url = try #require(child.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        let port = try #require(url.split(separator: ":").last.map(String.init))
        #expect(child.output.contains("\(url)/orders/v1/ -> \(Self.restAPI) stage prod"), "\(child.output)")
        let domain = "api.example.test"
        let rest = """
        cases:
          - name: the REST stage behind base path v1 sees the custom domain; the event keeps the base path in path
            request: { path: /proxy/items, query: { outcome: echo } }
            expect:
              status: 200
              body:
                jsonPath:
                  "$.path": /v1/proxy/items
                  "$.resource": /proxy/items
                  "$.headers.Host": \(domain):\(port)
                  "$.requestContext.path": /v1/proxy/items
                  "$.requestContext.resourcePath": /proxy/items
                  "$.requestContext.stage": prod
                  "$.requestContext.domainName": \(domain):\(port)
                  "$.requestContext.domainPrefix": api
          - name: the stage's own resources answer as usual under the base path
            request: { path: /proxy/items }
            expect: { status: 200, body: { json: { items: [1, 2, 3, 4, 5] } } }
          - name: a path the API has no resource for is the API's own 403
            request: { path: /no/such/resource }
            expect: { status: 403, body: { text: '{"message":"Missing Authentication Token"}' } }
        """
        let viaV1 = await runSuites(["custom-domain-v1.yaml": rest], target: "http://\(domain):\(port)/v1") {
            $0.resolve = ["\(domain):\(port):127.0.0.1"]
        }
        #expect(viaV1.summary.exitCode == 0 && viaV1.summary.passed == 3, "\(viaV1.console)\(viaV1.errors)")

        let domainRoot = """
        cases:
          - name: the HTTP API mounted at v2 routes the path after the base path; rawPath keeps the base path
            request: { path: /v2/v2/items, query: { outcome: echo } }
            expect:
              status: 200
              body:
                jsonPath:
                  "$.rawPath": /v2/v2/items
                  "$.routeKey": GET /v2/items
                  "$.requestContext.http.path": /v2/v2/items
                  "$.requestContext.stage": $default
                  "$.requestContext.domainName": \(domain):\(port)
          - name: a multi-level base path (orders/v1) wins over nothing shorter and strips both segments
            request: { path: /orders/v1/proxy/items, query: { outcome: echo } }
            expect:
              status: 200
              body: { jsonPath: { "$.path": /orders/v1/proxy/items, "$.resource": /proxy/items } }
          - name: a path no API mapping takes -> 403 Forbidden, as API Gateway answers for an unmapped base path
            request: { path: /v3/items }
            expect:
              status: 403
              headers: { x-amzn-ErrorType: ForbiddenException, Content-Type: application/json }
              body: { text: '{"message":"Forbidden"}' }
          - name: the execute-api form (stage in the path) is not served by the custom domain
            request: { path: /prod/proxy/items }
            expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
          - name: a base path matches whole segments only (v1x is not v1)
            request: { path: /v1x/proxy/items }
            expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
          - name: orders alone is not mapped (only orders/v1 is)
            request: { path: /orders/proxy/items }
            expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
        """
        let viaRoot = await runSuites(["custom-domain-root.yaml": domainRoot], target: "http://\(domain):\(port)") {
            $0.resolve = ["\(domain):\(port):127.0.0.1"]
        }
        #expect(viaRoot.summary.exitCode == 0 && viaRoot.summary.passed == 6, "\(viaRoot.console)\(viaRoot.errors)")
        #expect(await eventually { child.output.contains("no API mapping of the custom domain takes the path '/v3/items'") }, "\(child.output)")
        child.signal(SIGTERM)
        #expect(await child.exitStatus() == 0)
    }

    /// The launcher with `(none)` and a longer mapping: the longest base path wins, everything else goes to the
    /// API mapped to the empty path (Developer Guide, "Map API stages to a custom domain name for REST APIs").
    @Test func theEmptyMappingTakesWhatNoLongerBasePathTakes() async throws {
        var spec = EmulatorSpec(apiPath: Self.restAPI, backends: .file(path: Self.backends), stage: "prod")
        spec.apiMappings = [APIMappingSpec(basePath: APIMappingKey(segments: []), stage: "prod"),
                            APIMappingSpec(basePath: APIMappingKey(segments: ["orders"]), apiPath: Self.httpAPI)]
        let emulator = try await EmulatorLauncher.start(spec)
        let suite = """
        cases:
          - name: (none) serves the REST stage at the root; the event path has no prefix
            request: { path: /proxy/items, query: { outcome: echo } }
            expect: { status: 200, body: { jsonPath: { "$.path": /proxy/items, "$.requestContext.path": /proxy/items, "$.requestContext.stage": prod } } }
          - name: orders goes to the HTTP API
            request: { path: /orders/v2/items, query: { outcome: echo } }
            expect: { status: 200, body: { jsonPath: { "$.rawPath": /orders/v2/items, "$.routeKey": GET /v2/items } } }
          - name: ordersandmore is not the orders mapping; (none) takes it and the REST API has no such resource
            request: { path: /ordersandmore/v2/items }
            expect: { status: 403, body: { text: '{"message":"Missing Authentication Token"}' } }
        """
        let run = await runSuites(["none-mapping.yaml": suite], target: emulator.baseURL)
        #expect(run.summary.exitCode == 0 && run.summary.passed == 3, "\(run.console)\(run.errors)")
        await emulator.stop()
    }

    /// Option parsing: multi-level and `(none)` base paths, `file:stage`, and the errors a user can make.
    @Test func mappingOptionsParseAndRefuseMistakes() throws {
        let parsed = try APIMappingSpec.parseOptions(basePaths: ["/v1/", "(none)=test", "orders/v1=prod"].map { $0.contains("=") ? $0 : $0 + "=prod" },
                                                     mounts: ["v2=api.yaml:$default", "v3=dir/other.yaml"]).get()
        #expect(parsed.map(\.basePath.description) == ["v1", "(none)", "orders/v1", "v2", "v3"])
        #expect(parsed[3].apiPath == "api.yaml" && parsed[3].stage == "$default")
        #expect(parsed[4].apiPath == "dir/other.yaml" && parsed[4].stage == nil)
        func message(_ basePaths: [String], _ mounts: [String] = []) -> String? {
            if case let .failure(error) = APIMappingSpec.parseOptions(basePaths: basePaths, mounts: mounts) { return error.message }
            return nil
        }
        #expect(message(["v1"]) == "--base-path expects BASE=STAGE (e.g. v1=prod, (none)=prod), got 'v1'")
        #expect(message(["v1="]) == "--base-path 'v1=' names no stage after '='")
        #expect(message(["a//b=prod"]) == "--base-path: base path 'a//b' has an empty segment")
        #expect(message(["v 1=prod"])?.contains("has ' ': API Gateway allows letters, digits and $-_.+!*'() in a base path") == true)
        #expect(message(["v1=prod"], ["v1=other.yaml"]) == "base path 'v1' is mapped twice; a custom domain maps each base path to one stage")
        #expect(message([], ["v2"]) == "--mount expects BASE=FILE[:STAGE] (e.g. v2=orders.yaml:prod), got 'v2'")
    }

    /// The emulate command's usage errors for mappings name the fix.
    @Test func emulateRefusesMappingOptionsThatCannotServe() async throws {
        let cases: [([String], String)] = [
            (["--api", Self.restAPI, "--mount", "v2=\(Self.httpAPI)"], "map --api too with --base-path BASE=STAGE"),
            (["--base-path", "v1=prod"], "give --api FILE, or --mount BASE=FILE[:STAGE] for each API"),
            (["--api", Self.restAPI, "--base-path", "v1=prod", "--base-path", "/v1/=test"], "base path 'v1' is mapped twice"),
        ]
        for (arguments, expected) in cases {
            let child = try SpawnedGatecheck(["emulate", "--port", "0"] + arguments)
            let status = await child.exitStatus()
            #expect(status != 0, "\(arguments)")
            #expect(child.errors.contains(expected), "\(arguments): \(child.errors)")
        }
    }

    /// A suite's `basePath:` is checked like the option: a bad one is an error with its position, nothing runs.
    @Test func aSuiteWithABadBasePathIsRefusedWithItsPosition() async throws {
        let workspace = Workspace()
        let suite = """
        api: \(Self.restAPI)
        backends: \(Self.backends)
        basePath: "v1//items"
        cases:
          - { name: never sent, request: { path: /proxy/items } }
        """
        let run = await runSuites(["bad-base-path.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("bad-base-path.yaml:3:11: error: base path 'v1//items' has an empty segment"), "\(run.errors)")
    }

    /// `gatecheck emulate --template`: the staging template's `AWS::ApiGateway::BasePathMapping` (v1 -> prod of the
    /// API whose DefinitionBody includes rest-custom-domain.yaml) is served as it would be deployed.
    @Test func emulateServesTheBasePathMappingsOfATemplate() async throws {
        let template = Self.root + "/fixtures/outcome/template.yaml"
        let child = try SpawnedGatecheck(["emulate", "--template", template, "--backends", Self.backends, "--port", "0"])
        let started = await eventually { child.output.contains("emulating a custom domain at http://127.0.0.1:") }
        #expect(started, "stdout: \(child.output)\nstderr: \(child.errors)")
        guard started else { child.signal(SIGTERM); _ = await child.exitStatus(); return }
        #expect(child.output.contains("/v1/ -> \(Self.root)/suites/apis/rest-custom-domain.yaml stage prod"), "\(child.output)")
        let url = try #require(child.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        let suite = """
        cases:
          - name: the template's mapping v1 -> prod
            request: { path: /v1/context, headers: { Host: api-staging.example.com } }
            expect:
              status: 200
              body: { json: { path: /v1/context, resourcePath: /context, stage: prod, domainName: api-staging.example.com, domainPrefix: api-staging } }
          - name: no other base path is mapped
            request: { path: /test/context }
            expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
        """
        let run = await runSuites(["template-domain.yaml": suite], target: url)
        #expect(run.summary.exitCode == 0 && run.summary.passed == 2, "\(run.console)\(run.errors)")
        child.signal(SIGTERM)
        #expect(await child.exitStatus() == 0)
    }

    /// What a template reader cannot serve is an error naming the resource and its position.
    @Test func templateMappingsThatCannotBeServedAreErrorsWithPositions() throws {
        let workspace = Workspace()
        workspace.write("api.yaml", "openapi: 3.0.1\ninfo: { title: t, version: '1' }\npaths: {}\n")
        let template = workspace.write("template.yaml", """
        Resources:
          FileApi:
            Type: AWS::Serverless::Api
            Properties: { StageName: live, DefinitionUri: api.yaml }
          InlineApi:
            Type: AWS::ApiGateway::RestApi
            Properties: { Body: { openapi: 3.0.1, paths: {} } }
          Good:
            Type: AWS::ApiGateway::BasePathMapping
            Properties: { DomainName: api.example.com, BasePath: orders/v1, RestApiId: !Ref FileApi, Stage: !Ref FileApi.Stage }
          Inline:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: api.example.com, ApiMappingKey: v2, ApiId: !Ref InlineApi, Stage: prod }
          Dangling:
            Type: AWS::ApiGateway::BasePathMapping
            Properties: { DomainName: api.example.com, RestApiId: !Ref Nowhere, Stage: prod }
        """)
        do {
            _ = try TemplateAPIMappings.read(path: template)
            Issue.record("expected errors")
        } catch {
            let text = error.description
            #expect(text.contains("template.yaml:6:5: error: Inline: the API InlineApi has no definition file gatecheck can load"), "\(text)")
            #expect(text.contains("template.yaml:16:59: error: Dangling: RestApiId must be a Ref to an API resource of this template"), "\(text)")
        }
        let good = workspace.write("good.yaml", """
        Resources:
          FileApi:
            Type: AWS::Serverless::Api
            Properties: { StageName: live, DefinitionUri: api.yaml }
          Good:
            Type: AWS::ApiGateway::BasePathMapping
            Properties: { DomainName: api.example.com, BasePath: orders/v1, RestApiId: !Ref FileApi, Stage: !Ref FileApi.Stage }
          Root:
            Type: AWS::ApiGatewayV2::ApiMapping
            Properties: { DomainName: api.example.com, ApiId: { Ref: FileApi }, Stage: !Ref FileApiliveStage }
        """)
        let mappings = try TemplateAPIMappings.read(path: good)
        #expect(mappings.map(\.basePath.description) == ["orders/v1", "(none)"])
        #expect(mappings.allSatisfy { $0.stage == "live" && $0.apiPath == URL(fileURLWithPath: workspace.path + "/api.yaml").standardizedFileURL.path })
    }

    /// A SigV4-signed request through a custom domain is verified against the path the client signed (base path
    /// included), not the stage-relative path the pipeline routes on.
    @Test func aSignedRequestThroughACustomDomainIsVerifiedAgainstTheClientsPath() async throws {
        let workspace = Workspace()
        workspace.write("apis/iam.yaml", StagesWiringTests.iamAPI)
        let suite = StagesWiringTests.signedSuite.replacingOccurrences(of: "auth: sigv4\n", with: "auth: sigv4\nbasePath: orders/v1\n")
        #expect(suite != StagesWiringTests.signedSuite)
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYGATECHECK"
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDGATECHECKEXAMPLE", "AWS_SECRET_ACCESS_KEY": secret]
        let run = await runSuites(["signed.yaml": suite], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator(environment: environment, homeDirectory: workspace.path)
            $0.environment = environment
            $0.homeDirectory = workspace.path
        }
        #expect(run.summary.exitCode == 0 && run.summary.passed == 2, "\(run.console)\(run.errors)")
        #expect(run.console.contains("/orders/v1"), "\(run.console)")
    }
}
