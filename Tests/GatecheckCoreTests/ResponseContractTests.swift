import Foundation
import Testing
import TestSupport

/// Responses checked against the definition (`matchesDefinition: true`, `--check-definition`, `--api`), through the
/// CLI, against the embedded emulator and against a deployed stage stood in for by a loopback server.
@Suite(.serialized) struct ResponseContractTests {
    /// GET /items/{id} declares 200 (header X-Request-Id, model Item) and 404 (model Error); the mock answers by id:
    /// `good` a valid item, `bad` an item whose id is a number and whose price is missing, `gone` a 404, `boom` a 500
    /// (no method response for it). GET /plain declares 200 with the Empty model and a header the integration never sets.
    static let api = """
    openapi: 3.0.1
    info: { title: contract, version: "1" }
    paths:
      /items/{id}:
        get:
          parameters:
            - { name: id, in: path, required: true, schema: { type: string } }
          responses:
            "200":
              description: an item
              headers: { X-Request-Id: { schema: { type: string } } }
              content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } }
            "404":
              description: no such item
              content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: |
                #set($id = $input.params('id'))
                #if($id == "gone")
                {"statusCode": 404}
                #elseif($id == "boom")
                {"statusCode": 500}
                #else
                {"statusCode": 200}
                #end
            responses:
              default:
                statusCode: "200"
                responseParameters: { method.response.header.X-Request-Id: "'req-1'" }
                responseTemplates:
                  application/json: |
                    #if($input.params('id') == "bad")
                    {"id": 7, "tags": ["a", 2]}
                    #else
                    {"id": "$input.params('id')", "price": 9.5, "tags": ["a"]}
                    #end
              "404": { statusCode: "404", responseTemplates: { application/json: '{"message": "not found"}' } }
              "5\\\\d{2}": { statusCode: "500", responseTemplates: { application/json: '{"message": "boom"}' } }
      /plain:
        get:
          responses:
            "200":
              description: anything
              headers: { X-Trace: { schema: { type: string } } }
              content: { application/json: { schema: { $ref: "#/components/schemas/Empty" } } }
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates: { application/json: '{"statusCode": 200}' }
            responses:
              default: { statusCode: "200", responseTemplates: { application/json: '[1, 2]' } }
    components:
      schemas:
        Item:
          type: object
          required: [id, price]
          properties:
            id: { type: string }
            price: { type: number, minimum: 0 }
            tags: { type: array, items: { type: string } }

    """

    static func workspace(_ suite: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(api.utf8).write(to: url.appendingPathComponent("api.yaml"))
        try Data(suite.utf8).write(to: url.appendingPathComponent("shop.yaml"))
        return url
    }

    @Test func responsesThatMatchTheDefinitionPass() throws {
        let directory = try Self.workspace("""
        name: shop
        api: api.yaml
        stage: test
        cases:
          - name: an item
            matchesDefinition: true
            request: { path: /items/good }
            expect: { status: 200 }
          - name: a missing item
            matchesDefinition: true
            request: { path: /items/gone }
            expect: { status: 404 }
          - name: the Empty model checks no body
            matchesDefinition: false
            request: { path: /plain }

        """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try CoverageCLI.run(["run", "shop.yaml"], in: directory)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("3 passed, 0 failed"), "\(run.output)")
    }

    @Test func eachBreachIsAFailureAtTheMatchesDefinitionKey() throws {
        let directory = try Self.workspace("""
        name: shop
        api: api.yaml
        stage: test
        cases:
          - name: a malformed item
            matchesDefinition: true
            request: { path: /items/bad }
          - name: an undeclared status
            matchesDefinition: true
            request: { path: /items/boom }
          - name: a missing header
            matchesDefinition: true
            request: { path: /plain }
          - name: no such method
            matchesDefinition: true
            request: { path: /nowhere }

        """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try CoverageCLI.run(["run", "shop.yaml", "--no-coverage"], in: directory)
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("0 passed, 4 failed"), "\(run.output)")
        for expected in [
            "shop.yaml:6:5: matchesDefinition: the body does not match the application/json model Item of GET /items/{id} response 200",
            #"object at / has missing required properties (["price"])"#,
            #"instance type (integer) at /id does not match any allowed primitive type (allowed: ["string"])"#,
            #"instance type (integer) at /tags/1 does not match any allowed primitive type (allowed: ["string"])"#,
            "shop.yaml:9:5: matchesDefinition: status 500 is not a declared method response of GET /items/{id}",
            "declared: 200, 404",
            "shop.yaml:12:5: matchesDefinition: GET /plain response 200 declares the header X-Trace, missing from the response",
            "shop.yaml:15:5: matchesDefinition: no method of api.yaml matches GET /nowhere; got status 403",
        ] {
            #expect(run.output.contains(expected), "missing: \(expected)\n\(run.output)")
        }
        let junit = try String(contentsOf: directory.appendingPathComponent("reports/junit.xml"), encoding: .utf8)
        #expect(junit.contains("matchesDefinition: status 500 is not a declared method response of GET /items/{id}"))
    }

    @Test func checkDefinitionChecksEveryCaseThatDoesNotOptOut() throws {
        let directory = try Self.workspace("""
        name: shop
        api: api.yaml
        stage: test
        cases:
          - name: an item
            request: { path: /items/good }
          - name: a malformed item
            request: { path: /items/bad }
          - name: a malformed item, on purpose
            matchesDefinition: false
            request: { path: /items/bad }

        """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try CoverageCLI.run(["run", "shop.yaml"], in: directory)
        #expect(plain.status == 0, "without --check-definition nothing is checked: \(plain.output)")
        let checked = try CoverageCLI.run(["run", "shop.yaml", "--check-definition"], in: directory)
        #expect(checked.status == 1, "\(checked.output)")
        #expect(checked.output.contains("2 passed, 1 failed"), "\(checked.output)")
        // A case without the key is located at the case itself.
        #expect(checked.output.contains("shop.yaml:7:5: matchesDefinition: the body does not match"), "\(checked.output)")
    }

    @Test func aDeployedStageIsCheckedAgainstTheSuitesDefinitionOrApi() async throws {
        // The stage has drifted: its item has no price, and it answers 201 where the contract says 200.
        let stage = try LoopbackHTTPServer { request in
            switch request.path {
            case "/prod/items/good": return .http(status: 200, headers: ["Content-Type": "application/json", "X-Request-Id": "r"], body: Array(#"{"id": "good"}"#.utf8))
            case "/prod/items/new": return .http(status: 201, headers: ["Content-Type": "application/json"], body: Array("{}".utf8))
            default: return .http(status: 403, headers: ["Content-Type": "application/json"], body: Array(#"{"message": "Missing Authentication Token"}"#.utf8))
            }
        }
        defer { stage.stop() }
        let suite = """
        name: shop
        cases:
          - name: an item
            request: { path: /items/good }
          - name: a new item
            request: { path: /items/new }

        """
        let directory = try Self.workspace(suite)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = stage.baseURL + "/prod"
        let missing = try CoverageCLI.run(["run", "shop.yaml", "--target", target, "--check-definition"], in: directory)
        #expect(missing.status == 1, "\(missing.output)")
        #expect(missing.output.contains("the suite has no API definition to check the response against: add `api:` (or `template:`) to the suite or pass --api FILE"), "\(missing.output)")

        let run = try CoverageCLI.run(["run", "shop.yaml", "--target", target, "--check-definition", "--api", "api.yaml"], in: directory)
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("0 passed, 2 failed"), "\(run.output)")
        #expect(run.output.contains(#"object at / has missing required properties (["price"])"#), "\(run.output)")
        #expect(run.output.contains("matchesDefinition: status 201 is not a declared method response of GET /items/{id}"), "\(run.output)")

        let unreadable = try CoverageCLI.run(["run", "shop.yaml", "--target", target, "--api", "nope.yaml"], in: directory)
        #expect(unreadable.status == 2, "\(unreadable.output)")
        #expect(unreadable.output.contains("--api: no such file 'nope.yaml'"), "\(unreadable.output)")
    }

    /// An HTTP API has no method responses: its route's OpenAPI `responses` (with `default`) are the contract.
    @Test func anHTTPAPIIsCheckedAgainstItsRoutesOpenAPIResponses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-contract-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("""
        openapi: 3.0.1
        info: { title: contract-http, version: "1" }
        paths:
          /things/{id}:
            get:
              responses:
                "200":
                  description: a thing
                  content: { application/json: { schema: { $ref: "#/components/schemas/Thing" } } }
                default:
                  description: an error
                  content: { application/json: { schema: { type: object, required: [message] } } }
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Things/invocations
          /plain:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Things/invocations
        components:
          schemas:
            Thing: { type: object, required: [id], properties: { id: { type: string } } }

        """.utf8).write(to: directory.appendingPathComponent("api.yaml"))
        try Data("""
        name: things
        api: api.yaml
        backends:
          lambdas:
            Things:
              script:
                - when: { "$.pathParameters.id": good }
                  returns: { statusCode: 200, headers: { Content-Type: application/json }, body: '{"id": "good"}' }
                - when: { "$.pathParameters.id": bad }
                  returns: { statusCode: 200, headers: { Content-Type: application/json }, body: '{"id": 1}' }
                - when: { "$.pathParameters.id": gone }
                  returns: { statusCode: 404, headers: { Content-Type: application/json }, body: '{"message": "gone"}' }
                - when: { "$.pathParameters.id": odd }
                  returns: { statusCode: 418, headers: { Content-Type: application/json }, body: '{}' }
                - returns: { statusCode: 200, body: ok }
        cases:
          - name: good
            request: { path: /things/good }
          - name: gone, by the default response
            request: { path: /things/gone }
          - name: bad
            request: { path: /things/bad }
          - name: odd, breaking the default response
            request: { path: /things/odd }
          - name: a route that declares no responses
            request: { path: /plain }

        """.utf8).write(to: directory.appendingPathComponent("things.yaml"))
        let run = try CoverageCLI.run(["run", "things.yaml", "--check-definition", "--no-coverage"], in: directory)
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("2 passed, 3 failed"), "\(run.output)")
        for expected in [
            "things.yaml:21:5: matchesDefinition: the body does not match the application/json model Thing of GET /things/{id} response 200",
            #"instance type (integer) at /id does not match any allowed primitive type (allowed: ["string"])"#,
            "things.yaml:23:5: matchesDefinition: the body does not match the application/json schema of GET /things/{id} response default (418)",
            #"object at / has missing required properties (["message"])"#,
            "things.yaml:25:5: matchesDefinition: status 200 is not a declared response of GET /plain",
            "api.yaml declares no responses for it",
        ] {
            #expect(run.output.contains(expected), "missing: \(expected)\n\(run.output)")
        }
    }
}
