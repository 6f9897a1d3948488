import Foundation
import Gateway
import HTTPMessage
import JSONCore
import Testing

/// `x-amazon-apigateway-gateway-responses` customisations and response-template choice.
@Suite struct RESTGatewayResponseTests {
    func gateway() throws -> RESTGateway {
        RESTGateway(api: try RESTAPILoader.load(path: Fixtures.path("gateway-responses.yaml")), backends: BackendRegistry())
    }

    @Test func customisedMissingAuthenticationToken() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "POST", target: "/test/only-get", headers: ["X-Client": "abc"]))
        #expect(outcome.response.status == 404)
        let requestID = try #require(outcome.response.headers["x-amzn-RequestId"])
        #expect(text(outcome.response.body) == #"{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","id":"\#(requestID)"}"#)
        expectHeaders(outcome.response, errorType: "MissingAuthenticationTokenException",
                      mapped: [("Access-Control-Allow-Origin", "*"), ("X-Client", "abc")], trace: .none)
    }

    @Test func unknownStageIsNotAnAPIGatewayResponse() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/prod/only-get"))
        #expect(outcome.response.status == 403)
        #expect(text(outcome.response.body) == #"{"message":"Forbidden"}"#)
        expectHeaders(outcome.response, errorType: "ForbiddenException", trace: .none)
    }

    @Test func default5XXCustomisationAppliesToConfigurationErrors() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "GET", target: "/test/broken"))
        #expect(outcome.response.status == 500)
        #expect(text(outcome.response.body) == #"{"message": "Internal server error"}"#)
        expectHeaders(outcome.response, errorType: "InternalServerErrorException", mapped: [("X-Failure", "yes")], trace: .none)
    }

    @Test func default4XXCustomisationAppliesToUnsupportedMediaType() async throws {
        let outcome = try await gateway().handle(GatewayRequest(method: "POST", target: "/test/strict", headers: ["Content-Type": "text/csv"], body: bytes("a,b")))
        #expect(outcome.response.status == 400)
        #expect(text(outcome.response.body) == #"{"clientError":"Unsupported Media Type"}"#)
        expectHeaders(outcome.response, errorType: "UnsupportedMediaTypeException", trace: .none)
    }

    @Test func responseTemplateIsChosenByAccept() async throws {
        let gateway = try gateway()
        let html = await gateway.handle(GatewayRequest(method: "GET", target: "/test/only-get", headers: ["Accept": "text/html,application/xhtml+xml"]))
        #expect(text(html.response.body) == "<p>html</p>")
        // The Content-Type stays application/json unless a response parameter maps it (rule book §7).
        expectHeaders(html.response, trace: .none)
        let none = await gateway.handle(GatewayRequest(method: "GET", target: "/test/only-get"))
        #expect(text(none.response.body) == #"{"format":"json"}"#)
        let unknown = await gateway.handle(GatewayRequest(method: "GET", target: "/test/only-get", headers: ["Accept": "image/png"]))
        #expect(text(unknown.response.body) == #"{"format":"json"}"#)
    }

    @Test func everyTypeHasItsDocumentedDefaultStatus() {
        let expected: [GatewayResponseType: Int?] = [
            .accessDenied: 403, .apiConfigurationError: 500, .authorizerConfigurationError: 500, .authorizerFailure: 500,
            .badRequestBody: 400, .badRequestParameters: 400, .default4XX: nil, .default5XX: nil, .expiredToken: 403,
            .integrationFailure: 504, .integrationTimeout: 504, .invalidAPIKey: 403, .invalidSignature: 403,
            .missingAuthenticationToken: 403, .quotaExceeded: 429, .requestTooLarge: 413, .resourceNotFound: 404,
            .throttled: 429, .unauthorized: 401, .unsupportedMediaType: 415, .wafFiltered: 403,
        ]
        #expect(GatewayResponseType.allCases.count == expected.count)
        for type in GatewayResponseType.allCases {
            #expect(type.defaultStatus == expected[type] ?? nil, "\(type)")
        }
    }
}
