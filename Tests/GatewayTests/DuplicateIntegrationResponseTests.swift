import Foundation
import Gateway
import HTTPMessage
import Testing

/// Two integration responses for one status code: API Gateway keeps one per status code (the later one in the
/// document, as its import puts them in order), and the emulator says at load time which one it dropped.
@Suite struct DuplicateIntegrationResponseTests {
    static let definition = """
    openapi: 3.0.1
    info: {title: dup, version: "1"}
    paths:
      /mock/{code}:
        get:
          parameters:
            - {name: code, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: ok, headers: {X-Pattern: {schema: {type: string}}}}
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": $input.params(''code'')}'
            responses:
              2\\d{2}:
                statusCode: "200"
                responseParameters:
                  method.response.header.X-Pattern: "'2xx'"
                responseTemplates: {application/json: '{"chosen": "2xx"}'}
              default:
                statusCode: "200"
                responseTemplates: {application/json: '{"chosen": "default"}'}
    """

    @Test func theLaterResponseForAStatusSurvivesWithAWarningNamingTheDroppedOne() async throws {
        let api = try RESTAPILoader.load(text: Self.definition, file: "dup.yaml")
        let warnings = api.diagnostics.map(\.description)
        #expect(warnings == ["dup.yaml:15:11: warning: integration response '2\\d{2}' of GET /mock/{code} is dropped: 'default' also maps to status 200, and API Gateway keeps one integration response per status code (the later one, as an import does); give each pattern its own status code"])
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry())
        // 201 would match 2\d{2}, but that response no longer exists: the default answers, without its header.
        let outcome = try await gateway.handle(GatewayRequest(method: "GET", target: "/test/mock/201"))
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == #"{"chosen": "default"}"#)
        #expect(!outcome.response.headers.contains("X-Pattern"))
        #expect(outcome.log.selectedResponse == "default")
    }

    @Test func distinctStatusCodesKeepEveryResponseWithoutWarnings() async throws {
        let text = Self.definition.replacingOccurrences(of: "      default:\n            statusCode: \"200\"", with: "      default:\n            statusCode: \"500\"")
            .replacingOccurrences(of: "\"200\": {description: ok,", with: "\"500\": {description: other}\n        \"200\": {description: ok,")
        let api = try RESTAPILoader.load(text: text, file: "dup.yaml")
        #expect(api.diagnostics.isEmpty, "\(api.diagnostics)")
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry())
        let outcome = try await gateway.handle(GatewayRequest(method: "GET", target: "/test/mock/201"))
        #expect(outcome.response.status == 200)
        #expect(outcome.response.headers.values(for: "X-Pattern") == ["2xx"])
    }
}
