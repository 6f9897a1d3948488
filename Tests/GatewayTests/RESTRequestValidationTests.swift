import Foundation
import Gateway
import HTTPMessage
import Testing

/// `x-amazon-apigateway-request-validators`: required parameters, then the body model (rule book §3).
@Suite struct RESTRequestValidationTests {
    let gateway: RESTGateway

    init() throws {
        gateway = RESTGateway(api: try RESTAPILoader.load(path: Fixtures.path("validated-api.yaml")), backends: BackendRegistry())
    }

    func post(_ target: String, headers: HTTPHeaders = ["X-Api-Version": "1", "Content-Type": "application/json"], body: String) async -> GatewayResponse {
        await gateway.handle(GatewayRequest(method: "POST", target: target, headers: headers, body: bytes(body))).response
    }

    @Test func missingParametersAreListedHeaderPathQuerystring() async {
        let response = await post("/test/items/1", headers: [:], body: "")
        #expect(response.status == 400)
        #expect(text(response.body) == #"{"message": "Missing required request parameters: [X-Api-Version, dryRun, limit]"}"#)
        expectHeaders(response, errorType: "BadRequestException", trace: .none)
        let one = await post("/test/items/1?dryRun=1", body: #"{"name":"a","price":1}"#)
        #expect(text(one.body) == #"{"message": "Missing required request parameters: [limit]"}"#)
    }

    @Test func bodyIsValidatedAgainstTheModel() async {
        let target = "/test/items/1?dryRun=1&limit=5"
        let valid = await post(target, body: #"{"name":"pen","price":1.5,"tags":["a"],"pet":{"bark":true}}"#)
        #expect(valid.status == 200)
        #expect(text(valid.body) == #"{"accepted":true}"#)
        for invalid in [
            #"{"name":"pen"}"#,                                  // required price missing
            #"{"name":"","price":1}"#,                           // minLength
            #"{"name":"pen","price":-1}"#,                       // minimum
            #"{"name":"pen","price":"1"}"#,                      // type
            #"{"name":"pen","price":1,"colour":"red"}"#,         // additionalProperties: false
            #"{"name":"pen","price":1,"tags":[1]}"#,             // items
            #"{"name":"pen","price":1,"pet":{}}"#,               // oneOf: none
            #"{"name":"pen","price":1,"pet":{"bark":true,"meow":true}}"#, // oneOf: both
            #"[1]"#,
            "not json",
        ] {
            let response = await post(target, body: invalid)
            #expect(response.status == 400, "\(invalid)")
            #expect(text(response.body) == #"{"message": "Invalid request body"}"#, "\(invalid)")
        }
    }

    @Test func emptyBodyWithoutContentTypeFailsAnObjectModel() async {
        let response = await post("/test/items/1?dryRun=1&limit=5", headers: ["X-Api-Version": "1"], body: "")
        #expect(response.status == 400)
        #expect(text(response.body) == #"{"message": "Invalid request body"}"#)
        expectHeaders(response, errorType: "BadRequestException", trace: .none)
    }

    @Test func aParametersOnlyValidatorIgnoresTheBody() async {
        let response = await gateway.handle(GatewayRequest(method: "PUT", target: "/test/items/1", headers: ["X-Api-Version": "1"], body: bytes("{}"))).response
        #expect(response.status == 200)
        let missing = await gateway.handle(GatewayRequest(method: "PUT", target: "/test/items/1")).response
        #expect(text(missing.body) == #"{"message": "Missing required request parameters: [X-Api-Version]"}"#)
    }

    @Test func unknownValidatorNameIsALoadError() {
        let text = """
        openapi: 3.0.1
        info: {title: v, version: "1"}
        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true, validateRequestParameters: true}
        paths:
          /a:
            get:
              x-amazon-apigateway-request-validator: everything
              x-amazon-apigateway-integration: {type: mock}
        """
        do {
            _ = try RESTAPILoader.load(text: text, file: "v.yaml")
            Issue.record("an unknown validator loaded")
        } catch {
            #expect(error.errors.map(\.description) == ["v.yaml:8:46: error: unknown request validator 'everything' on GET /a: x-amazon-apigateway-request-validators declares 'all'"])
        }
    }
}
