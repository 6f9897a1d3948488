import Foundation
import Testing
import TestSupport
import Yams

/// Gateway coverage of the bundled suites, through the CLI (`gatecheck run suites`): the figures are checked
/// against counts taken from the API definitions themselves, minus the three items suites/README.md explains.
@Suite("Bundled suites: gateway coverage")
struct BundledCoverageTests {
    /// The declared items no bundled case can reach (suites/README.md, "Gateway coverage of the bundled suites").
    static let knownGaps = [
        "suites/apis/rest-outcome.yaml: POST /errors/catch-all default -> 200",
        "suites/apis/rest-outcome.yaml: POST /errors/catch-all method response 200",
        "suites/apis/rest-outcome.yaml: GET /mock/override method response 200",
    ]

    @Test("gatecheck run reports the bundled suites' coverage: every declared item but the three explained gaps")
    func bundledSuitesCoverage() throws {
        let root = ReportValidation.packageRoot()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-coverage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try CLI.run(["run", "suites", "--junit", directory.appendingPathComponent("junit.xml").path], in: root)
        #expect(run.status == 0, "\(run.output.suffix(3000))")

        // What the definitions declare, counted from the YAML here (not by gatecheck's loaders).
        let declared = try DeclaredCounts(directory: root.appendingPathComponent("suites/apis"))
        let gapIntegrationResponses = Self.knownGaps.filter { $0.contains(" default -> ") || $0.contains(" pattern ") }.count
        let gapMethodResponses = Self.knownGaps.filter { $0.contains(" method response ") }.count
        let exercised = (methods: declared.methods, integrationResponses: declared.integrationResponses - gapIntegrationResponses,
                         methodResponses: declared.methodResponses - gapMethodResponses, gatewayResponses: declared.gatewayResponses)
        let percent = Double(exercised.methods + exercised.integrationResponses + exercised.methodResponses + exercised.gatewayResponses) * 100
            / Double(declared.methods + declared.integrationResponses + declared.methodResponses + declared.gatewayResponses)
        let expectedLine = "coverage: \(exercised.methods)/\(declared.methods) methods, "
            + "\(exercised.integrationResponses)/\(declared.integrationResponses) integration responses, "
            + "\(exercised.methodResponses)/\(declared.methodResponses) method responses, "
            + "\(exercised.gatewayResponses)/\(declared.gatewayResponses) gateway responses (\(String(format: "%.1f", percent))%); "
            + "never exercised: " + Self.knownGaps.joined(separator: ", ")
        #expect(run.output.contains(expectedLine + "\n"), "expected \(expectedLine)\nin\n\(run.output.suffix(1500))")

        // coverage.json beside the JUnit report, with the same figures.
        let data = try Data(contentsOf: directory.appendingPathComponent("coverage.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 1)
        #expect(json["source"] as? String == "embedded-emulator")
        #expect(json["neverExercised"] as? [String] == Self.knownGaps)
        let totals = try #require(json["totals"] as? [String: Any])
        #expect((totals["methods"] as? [String: Int]) == ["exercised": exercised.methods, "declared": declared.methods])
        #expect((totals["integrationResponses"] as? [String: Int]) == ["exercised": exercised.integrationResponses, "declared": declared.integrationResponses])
        #expect((totals["methodResponses"] as? [String: Int]) == ["exercised": exercised.methodResponses, "declared": declared.methodResponses])
        #expect((totals["gatewayResponses"] as? [String: Int]) == ["exercised": exercised.gatewayResponses, "declared": declared.gatewayResponses])
        let apis = try #require(json["apis"] as? [[String: Any]])
        #expect(Set(apis.compactMap { $0["file"] as? String }) == Set(declared.files.map { "suites/apis/" + $0 }))
        // HTTP API routes carry their route key, integration type and payload format version.
        let httpAPI = try #require(apis.first { $0["file"] as? String == "suites/apis/http-outcome.yaml" })
        #expect(httpAPI["kind"] as? String == "http")
        let routes = try #require(httpAPI["methods"] as? [[String: Any]])
        let v1 = try #require(routes.first { $0["key"] as? String == "GET /v1/items" })
        #expect(v1["payloadFormatVersion"] as? String == "1.0")
        #expect(v1["integrationType"] as? String == "AWS_PROXY")
        #expect((v1["requests"] as? Int ?? 0) > 0)
    }
}

/// What the API definitions of a directory declare, counted from their YAML: operations under `paths` (REST methods
/// and HTTP API routes), REST integration responses and method responses, HTTP API response mappings
/// (`responseParameters` per status), and customised gateway responses.
struct DeclaredCounts {
    var files: [String] = []
    var methods = 0, integrationResponses = 0, methodResponses = 0, gatewayResponses = 0

    static let verbs: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"]

    init(directory: URL) throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".yaml") {
            files.append(file)
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let document = try #require(try Yams.load(yaml: text) as? [String: Any])
            gatewayResponses += (document["x-amazon-apigateway-gateway-responses"] as? [String: Any])?.count ?? 0
            // The bundled HTTP APIs are the definitions with HTTP API-only keys (a payload format version, a CORS
            // configuration); HTTP APIs have no method responses.
            let isHTTPAPI = text.contains("payloadFormatVersion:") || document["x-amazon-apigateway-cors"] != nil
            for (_, item) in (document["paths"] as? [String: Any]) ?? [:] {
                for (verb, operation) in (item as? [String: Any]) ?? [:] where Self.verbs.contains(verb.lowercased()) {
                    let operation = operation as? [String: Any] ?? [:]
                    let integration = operation["x-amazon-apigateway-integration"] as? [String: Any] ?? [:]
                    methods += 1
                    if isHTTPAPI {
                        integrationResponses += (integration["responseParameters"] as? [String: Any])?.count ?? 0
                    } else {
                        integrationResponses += (integration["responses"] as? [String: Any])?.count ?? 0
                        // Method responses are the numeric statuses (an OpenAPI `default` response declares none).
                        methodResponses += ((operation["responses"] as? [String: Any]) ?? [:]).keys.filter { Int($0) != nil }.count
                    }
                }
            }
        }
    }
}

/// Runs the built `gatecheck` binary (next to the test bundle) in `directory`, colours off; stdout and stderr together.
enum CLI {
    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        return try ReportValidation.run(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatecheck").path, arguments,
                                        environment: environment, in: directory)
    }
}
