import Foundation
import Testing
import TestSupport

/// Gateway coverage through the CLI (`gatecheck run`, embedded emulator), on a small REST API whose every item is
/// known: two methods, three integration responses, three method responses, two customised gateway responses.
@Suite(.serialized) struct CoverageTests {
    static let api = """
    openapi: 3.0.1
    info: { title: coverage, version: "1" }
    paths:
      /items:
        get:
          parameters:
            - { name: fail, in: query, schema: { type: string } }
          responses:
            "200": { description: ok }
            "500": { description: failed }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: |
                #if($input.params('fail') == "true")
                {"statusCode": 500}
                #else
                {"statusCode": 200}
                #end
            responses:
              default: { statusCode: "200", responseTemplates: { application/json: '{"items": []}' } }
              5\\d{2}: { statusCode: "500", responseTemplates: { application/json: '{"failed": true}' } }
      /orders:
        post:
          responses:
            "201": { description: created }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates: { application/json: '{"statusCode": 201}' }
            responses:
              default: { statusCode: "201", responseTemplates: { application/json: '{"created": true}' } }
    x-amazon-apigateway-gateway-responses:
      MISSING_AUTHENTICATION_TOKEN:
        statusCode: 404
        responseTemplates: { application/json: '{"message": "no such route"}' }
      DEFAULT_5XX:
        responseTemplates: { application/json: '{"message": "gateway failed"}' }

    """

    /// Two requests: GET /items (default -> 200) and an unknown path (the customised 404). Never exercised: POST
    /// /orders with its integration response and method response, GET /items' 5\\d{2} -> 500 and method response 500,
    /// DEFAULT_5XX.
    static let suite = """
    name: shop
    api: api.yaml
    stage: test
    cases:
      - name: items
        request: { path: /items }
        expect: { status: 200, body: { json: { items: [] } } }
      - name: unknown path
        request: { path: /nowhere }
        expect: { status: 404, body: { json: { message: no such route } } }

    """

    struct Workspace {
        let url: URL
        init(suite: String = CoverageTests.suite) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-coverage-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try Data(CoverageTests.api.utf8).write(to: url.appendingPathComponent("api.yaml"))
            try Data(suite.utf8).write(to: url.appendingPathComponent("shop.yaml"))
        }
        func read(_ name: String) -> String? {
            FileManager.default.contents(atPath: url.appendingPathComponent(name).path).map { String(decoding: $0, as: UTF8.self) }
        }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    @Test func aRunPrintsWritesAndReportsCoverage() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let run = try CoverageCLI.run(["run", "shop.yaml", "--junit", "reports/junit.xml", "--html", "reports/report.html"], in: workspace.url)
        #expect(run.status == 0, "\(run.output)")
        // 1/2 methods, 1/3 integration responses, 1/3 method responses, 1/2 gateway responses: 4 of 10.
        #expect(run.output.contains("coverage: 1/2 methods, 1/3 integration responses, 1/3 method responses, 1/2 gateway responses (40%); "
            + "never exercised: GET /items pattern '5\\d{2}' -> 500, GET /items method response 500, POST /orders, "
            + "POST /orders default -> 201, POST /orders method response 201, ... (1 more in reports/coverage.json)\n"), "\(run.output)")
        #expect(run.output.contains("Coverage report: reports/coverage.json"))

        let json = try #require(workspace.read("reports/coverage.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(document["neverExercised"] as? [String] == [
            "GET /items pattern '5\\d{2}' -> 500", "GET /items method response 500", "POST /orders",
            "POST /orders default -> 201", "POST /orders method response 201", "gateway response DEFAULT_5XX",
        ])
        let api = try #require((document["apis"] as? [[String: Any]])?.first)
        #expect(api["file"] as? String == "api.yaml")
        #expect(api["suites"] as? [String] == ["shop"])
        #expect(api["unmatchedRequests"] as? Int == 1)
        #expect(Self.rows(api["producedGatewayResponses"]) == [["type": "MISSING_AUTHENTICATION_TOKEN", "requests": "1"]])
        #expect(Self.rows(api["customizedGatewayResponses"]) == [
            ["type": "DEFAULT_5XX", "requests": "0"], ["type": "MISSING_AUTHENTICATION_TOKEN", "requests": "1"],
        ])
        let methods = try #require(api["methods"] as? [[String: Any]])
        let items = try #require(methods.first { $0["key"] as? String == "GET /items" })
        #expect(items["integrationType"] as? String == "MOCK")
        #expect(items["requests"] as? Int == 1)
        #expect(Self.rows(items["integrationResponses"]) == [
            ["selectionPattern": "default", "statusCode": "200", "requests": "1"],
            ["selectionPattern": "5\\d{2}", "statusCode": "500", "requests": "0"],
        ])
        #expect(Self.rows(items["methodResponses"]) == [["statusCode": "200", "requests": "1"], ["statusCode": "500", "requests": "0"]])

        // Each suite's JUnit <properties>, and the HTML report's section.
        let junit = try #require(workspace.read("reports/junit.xml"))
        #expect(junit.contains("<property name=\"coverage.source\" value=\"embedded-emulator\""))
        #expect(junit.contains("<property name=\"coverage.methods\" value=\"1/2\""))
        #expect(junit.contains("<property name=\"coverage.integrationResponses\" value=\"1/3\""))
        #expect(junit.contains("<property name=\"coverage.percent\" value=\"40.0\""))
        let html = try #require(workspace.read("reports/report.html"))
        #expect(html.contains("<section id=\"coverage\"><h2>Gateway coverage: 40%</h2>"))
        #expect(html.contains("<li><code>GET /items pattern &#39;5\\d{2}&#39; -&gt; 500</code></li>"))
        #expect(html.contains("<dt>Gateway coverage</dt><dd><a href=\"#coverage\">40%</a>"))
        #expect(!html.contains("<dt>coverage.percent</dt>"), "a suite's JUnit coverage properties are not the run's header facts")
    }

    @Test func minCoverageFailsARunBelowTheThreshold() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let below = try CoverageCLI.run(["run", "shop.yaml", "--min-coverage", "50"], in: workspace.url)
        #expect(below.status == 1, "\(below.output)")
        #expect(below.output.contains("gatecheck: gateway coverage 40% is below --min-coverage 50%"))
        #expect(below.output.contains("2 passed, 0 failed"), "the cases themselves passed")
        let met = try CoverageCLI.run(["run", "shop.yaml", "--min-coverage", "40"], in: workspace.url)
        #expect(met.status == 0, "\(met.output)")
        let bad = try CoverageCLI.run(["run", "shop.yaml", "--min-coverage", "120"], in: workspace.url)
        #expect(bad.status == 2)
        #expect(bad.output.contains("--min-coverage must be a percentage between 0 and 100"))
    }

    @Test func noCoverageReportsNone() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let run = try CoverageCLI.run(["run", "shop.yaml", "--no-coverage", "--junit", "reports/junit.xml"], in: workspace.url)
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("coverage:"))
        #expect(!workspace.exists("reports/coverage.json"))
        #expect(!(workspace.read("reports/junit.xml") ?? "").contains("coverage."))
        let conflicting = try CoverageCLI.run(["run", "shop.yaml", "--no-coverage", "--min-coverage", "10"], in: workspace.url)
        #expect(conflicting.status == 2)
    }

    @Test func aCoverageReportPathCanBeChosen() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let run = try CoverageCLI.run(["run", "shop.yaml", "--coverage-report", "out/gateway.json"], in: workspace.url)
        #expect(run.status == 0, "\(run.output)")
        #expect(workspace.read("out/gateway.json")?.contains("\"schemaVersion\" : 1") == true)
        #expect(!workspace.exists("reports/coverage.json"))
    }

    @Test func failingCasesCountTooAndTheErrorBranchIsRecorded() throws {
        // A failing case (the customised MISSING_AUTHENTICATION_TOKEN answers 404, not 403) still counts: coverage is
        // what the gateway did, whatever the assertions said.
        let workspace = try Workspace(suite: """
        name: shop
        api: api.yaml
        stage: test
        cases:
          - name: failing on purpose
            request: { path: /nowhere }
            expect: { status: 403 }
          - name: items fail
            request: { path: /items, query: { fail: "true" } }
            expect: { status: 500 }

        """)
        defer { workspace.remove() }
        let run = try CoverageCLI.run(["run", "shop.yaml"], in: workspace.url)
        #expect(run.status == 1)
        #expect(run.output.contains("coverage: 1/2 methods, 1/3 integration responses, 1/3 method responses, 1/2 gateway responses (40%); "
            + "never exercised: GET /items default -> 200, GET /items method response 200, POST /orders"), "\(run.output)")
    }
}

extension CoverageTests {
    @Test func aDeployedStageReportsTheMethodResponseStatusesObserved() async throws {
        // A stand-in for the deployed stage: /test/items answers 200, anything else 403.
        let stage = try LoopbackHTTPServer { request in
            switch request.path {
            case "/test/items": return .http(status: 200)
            default: return .http(status: 403)
            }
        }
        defer { stage.stop() }
        let workspace = try Workspace(suite: """
        name: shop
        api: api.yaml
        cases:
          - name: items
            request: { path: /items }
            expect: { status: 200 }
          - name: items again
            request: { path: /items, query: { page: "2" } }
            expect: { status: 200 }
          - name: unknown
            request: { path: /nowhere }
            expect: { status: 403 }

        """)
        defer { workspace.remove() }
        let target = stage.baseURL + "/test"
        // Off by default against a deployed stage.
        let quiet = try CoverageCLI.run(["run", "shop.yaml", "--target", target], in: workspace.url)
        #expect(quiet.status == 0, "\(quiet.output)")
        #expect(!quiet.output.contains("coverage"))
        #expect(!workspace.exists("reports/coverage.json"))

        let run = try CoverageCLI.run(["run", "shop.yaml", "--target", target, "--coverage"], in: workspace.url)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("coverage (deployed stage: declared method-response statuses observed in responses): 1/3 method responses (33.3%); "
            + "never exercised: GET /items method response 500, POST /orders method response 201\n"), "\(run.output)")
        let json = try #require(workspace.read("reports/coverage.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(document["source"] as? String == "deployed-stage")
        let totals = try #require(document["totals"] as? [String: Any])
        #expect(totals["methods"] is NSNull, "not knowable from outside")
        #expect(totals["integrationResponses"] is NSNull)
        #expect(totals["gatewayResponses"] is NSNull)
        let api = try #require((document["apis"] as? [[String: Any]])?.first)
        #expect(api["unmatchedRequests"] as? Int == 1, "/nowhere matches no declared method")
        let items = try #require((api["methods"] as? [[String: Any]])?.first { $0["key"] as? String == "GET /items" })
        #expect(Self.rows(items["methodResponses"]) == [["statusCode": "200", "requests": "2"], ["statusCode": "500", "requests": "0"]])
        #expect((items["integrationResponses"] as? [Any])?.isEmpty == true)
    }


    /// JSON rows with every value as text (JSONSerialization's numbers do not compare with Swift literals).
    static func rows(_ value: Any?) -> [[String: String]] {
        (value as? [[String: Any]] ?? []).map { $0.mapValues { "\($0)" } }
    }
}

/// Runs the built `gatecheck` binary (next to the test bundle) in `directory`, colours off; stdout and stderr together.
enum CoverageCLI {
    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        return try ReportValidation.run(gatecheckBinary(), arguments,
                                        environment: environment, in: directory)
    }
}
