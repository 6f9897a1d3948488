import Foundation
import Gateway
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// Request and response parameter mapping (DG http-api-parameter-mapping; seeds 000 and 003).
@Suite struct HTTPAPIMappingTests {
    typealias Support = HTTPAPITestSupport

    func gateway(_ extra: String, function: FakeLambda, version: String = "2.0", method: String = "get",
                 path: String = "/items/{id}", stageVariables: [String: String] = [:]) throws -> HTTPAPIGateway {
        let api = try Support.load(Support.document([(method, path, Support.lambdaIntegration("fn", version: version, extra: extra))]))
        return HTTPAPIGateway(api: api, stageVariables: stageVariables, backends: BackendRegistry(lambdas: ["fn": function]))
    }

    /// Seed 000/003: the function answers `{"message": "partial"}` (payload 2.0 assumes 200) and
    /// `overwrite:statuscode` keyed by that 200 turns it into 206.
    @Test func overwriteStatusCode200To206() async throws {
        let gateway = try gateway("""
        responseParameters:
          "200":
            overwrite:statuscode: "206"
        """, function: .returning(#"{"message": "partial"}"#))
        let outcome = await gateway.handle(Support.request("GET", "/items/1"))
        #expect(outcome.response.status == 206)
        Support.expectHeaders(outcome.response, contentType: "application/json")
        #expect(Support.text(outcome.response) == #"{"message": "partial"}"#)
        #expect(outcome.log.selectedResponse == "responseParameters.200")
    }

    /// Seed 001/003: a 200 with body "customerror" rewritten to 400.
    @Test func overwriteStatusCode200To400WithPayload1() async throws {
        let gateway = try gateway("""
        responseParameters:
          "200":
            overwrite:statusCode: "400"
        """, function: .returning(#"{"statusCode": 200, "body": "customerror"}"#), version: "1.0")
        let outcome = await gateway.handle(Support.request("GET", "/items/1"))
        #expect(outcome.response.status == 400)
        Support.expectHeaders(outcome.response, contentType: "text/plain; charset=utf-8")
        #expect(Support.text(outcome.response) == "customerror")
    }

    @Test func responseMappingsApplyOnlyToTheirIntegrationStatus() async throws {
        let mapping = """
        responseParameters:
          "201":
            overwrite:statuscode: "202"
            append:header.x-created: "yes"
          "404":
            overwrite:statuscode: "410"
        """
        let created = try gateway(mapping, function: .returning(#"{"statusCode": 201}"#))
        let createdOutcome = await created.handle(Support.request("GET", "/items/1"))
        #expect(createdOutcome.response.status == 202)
        Support.expectHeaders(createdOutcome.response, contentType: nil, middle: [("x-created", "yes")])

        let ok = try gateway(mapping, function: .returning(#"{"statusCode": 200, "body": "fine"}"#))
        let okOutcome = await ok.handle(Support.request("GET", "/items/1"))
        #expect(okOutcome.response.status == 200)
        #expect(okOutcome.log.selectedResponse == nil)
        Support.expectHeaders(okOutcome.response, contentType: "text/plain; charset=utf-8")
    }

    @Test func headerAppendOverwriteRemove() async throws {
        let output = """
        {"statusCode": 200, "headers": {"content-type": "application/json", "X-Keep": "k1", "X-Replace": "old",
         "X-Drop": "gone", "X-Source": "from-function"}, "body": "{\\"meta\\":{\\"page\\":3,\\"tags\\":[\\"a\\"]}}"}
        """
        let gateway = try gateway("""
        responseParameters:
          "200":
            append:header.X-Keep: "k2"
            overwrite:header.x-replace: "new"
            remove:header.x-drop: "''"
            append:header.x-copied: "$response.header.X-Source"
            overwrite:header.x-page: "$response.body.meta.page"
            overwrite:header.x-tags: "$response.body.meta.tags"
            overwrite:header.x-missing: "$response.body.nothing.here"
            append:header.x-context: "${context.routeKey}|$stageVariables.env|$context.integrationStatus"
            append:header.x-static: "static value"
        """, function: .returning(output), stageVariables: ["env": "qa"])
        let outcome = await gateway.handle(Support.request("GET", "/items/1"))
        #expect(outcome.response.status == 200)
        Support.expectHeaders(outcome.response, contentType: "application/json", middle: [
            ("X-Keep", "k1"), ("x-replace", "new"), ("X-Source", "from-function"), ("X-Keep", "k2"),
            ("x-copied", "from-function"), ("x-page", "3"), ("x-tags", #"["a"]"#), ("x-missing", ""),
            ("x-context", "GET /items/{id}|qa|200"), ("x-static", "static value"),
        ])
    }

    @Test func requestIDContextVariableMatchesTheResponseHeader() async throws {
        let gateway = try gateway("""
        responseParameters:
          "200":
            overwrite:header.x-request-id: "$context.requestId"
        """, function: .returning("{}"))
        let response = await gateway.handle(Support.request("GET", "/items/1")).response
        #expect(response.headers["x-request-id"] == response.headers["apigw-requestid"])
    }

    @Test func statusCodeFromTheResponseBody() async throws {
        let mapping = """
        responseParameters:
          "200":
            overwrite:statuscode: "$response.body.code"
        """
        let fromBody = try gateway(mapping, function: .returning(#"{"code": 418}"#))
        #expect(await fromBody.handle(Support.request("GET", "/items/1")).response.status == 418)

        let invalid = try gateway(mapping, function: .returning(#"{"code": "teapot"}"#))
        let outcome = await invalid.handle(Support.request("GET", "/items/1"))
        #expect(outcome.response.status == 500)
        #expect(Support.text(outcome.response) == #"{"message":"Internal Server Error"}"#)
        #expect(outcome.log.detail == "overwrite:statuscode produced 'teapot', not a status code")
    }

    @Test func requestParameterMappingChangesWhatTheFunctionReceives() async throws {
        let echo = FakeLambda { .success(payload: $0.payload) }
        let gateway = try gateway("""
        requestParameters:
          append:header.x-added: "static"
          overwrite:header.X-Replaced: "$request.querystring.q"
          remove:header.x-secret: "''"
          append:querystring.extra: "$request.path.id"
          overwrite:querystring.q: "fixed value"
          remove:querystring.drop: "''"
          overwrite:header.x-name: "$request.body.name"
          overwrite:path: "/rewritten/$request.path.id"
        """, function: echo, method: "post")
        let outcome = await gateway.handle(Support.request("POST", "/items/9?q=first&q=second&drop=1&keep=k", headers: [
            ("Content-Type", "application/json"), ("X-Replaced", "original"), ("X-Secret", "s3cr3t"),
        ], body: #"{"name":"widget"}"#))
        #expect(outcome.response.status == 200)
        let event = try Support.json(outcome.response)
        let headers = try #require(event["headers"])
        #expect(headers["x-added"] == .string("static"))
        #expect(headers["x-replaced"] == .string("first,second"))
        #expect(headers["x-secret"] == nil)
        #expect(headers["x-name"] == .string("widget"))
        #expect(event["queryStringParameters"] == Support.object([("keep", "k"), ("extra", "9"), ("q", "fixed value")]))
        #expect(event["rawQueryString"] == .string("keep=k&extra=9&q=fixed%20value"))
        #expect(event["rawPath"] == .string("/rewritten/9"))
        #expect(event["pathParameters"] == Support.object([("id", "9")]))
        #expect(event["routeKey"] == .string("POST /items/{id}"))
    }
}
