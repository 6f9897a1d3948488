import Foundation
import Gateway
import JSONCore
import SourceDiagnostics
import Testing
import TestSupport

/// Swagger 2.0 REST definitions are read natively, into the same model the OpenAPI 3 loader builds.
@Suite struct Swagger2ImportTests {
    static let swagger = Fixtures.path("swagger/pets-swagger2.json")
    static let openAPI = Fixtures.path("swagger/pets-openapi3.yaml")

    @Test func swagger2AndOpenAPI3VersionsOfTheSameAPILoadIntoEqualModels() throws {
        let fromSwagger = try RESTAPILoader.load(path: Self.swagger)
        let fromOpenAPI = try RESTAPILoader.load(path: Self.openAPI)
        #expect(fromSwagger.diagnostics.isEmpty, "\(fromSwagger.diagnostics)")
        #expect(fromOpenAPI.diagnostics.isEmpty, "\(fromOpenAPI.diagnostics)")
        // Every stored property (routes, integrations, templates, validators, models, method responses, gateway
        // responses, binary media types, the exported stage), the file name aside.
        #expect(ModelDump.of(fromSwagger) == ModelDump.of(fromOpenAPI))
        // Spot checks, so that a change making both sides empty alike cannot pass.
        #expect(fromSwagger.resources.map(\.path) == ["/pets", "/pets/{petId}", "/{proxy+}"])
        #expect(fromSwagger.exportedStageName == "prod")
        #expect(fromSwagger.binaryMediaTypes == ["image/png"])
        #expect(fromSwagger.models.keys.sorted() == ["Empty", "Error", "Pet", "Pets"])  // Empty and Error: every REST API has them
        if case let .object(pets)? = fromSwagger.models["Pets"], case let .object(items)? = pets["items"] {
            #expect(items["$ref"] == .string("#/components/schemas/Pet"))
        } else {
            Issue.record("the Pets model is not an array schema: \(String(describing: fromSwagger.models["Pets"]))")
        }
        let post = try #require(fromSwagger.allMethods.first { $0.httpMethod == "POST" })
        #expect(post.validation?.validatorName == "all")
        #expect(post.validation?.bodySchemas.map(\.contentType) == ["application/json"])
        #expect(post.validation?.requiredParameters.map(\.name) == ["X-Owner"])
        #expect(post.methodResponses["201"]?.headers == ["X-Pet-Owner"])
        let get = try #require(fromSwagger.allMethods.first { $0.httpMethod == "GET" && $0.resourcePath == "/pets" })
        #expect(get.validation?.validatorName == "params-only")
        #expect(APIDefinition.rest(fromSwagger).iamRoutes == ["DELETE /pets/{petId}"])
        #expect(fromSwagger.referencedFunctionNames == ["GetPet", "DeletePet"])
        #expect(fromSwagger.referencedHTTPHosts == ["upstream.test"])
    }

    @Test func swagger2APIAnswersOnTheWireAsItsOpenAPI3Twin() async throws {
        func request(_ line: String, _ headers: [String] = [], body: String = "") -> (String, [UInt8]) {
            let head = ([line, "Host: h"] + headers + (body.isEmpty ? [] : ["Content-Type: application/json", "Content-Length: \(body.utf8.count)"])
                        + ["Connection: close"]).joined(separator: "\r\n")
            return (head + "\r\n\r\n", bytes(body))
        }
        let exchanges = [
            request("GET /prod/pets?type=dog HTTP/1.1"),
            request("GET /prod/pets HTTP/1.1"),
            request("POST /prod/pets HTTP/1.1", ["X-Owner: ann"], body: #"{"name": "rex", "type": "dog"}"#),
            request("POST /prod/pets HTTP/1.1", ["X-Owner: ann"], body: #"{"type": "cow"}"#),
            request("DELETE /prod/pets/7 HTTP/1.1"),
        ]
        var answers: [[String]] = []
        for path in [Self.swagger, Self.openAPI] {
            let api = try APIDefinition.load(path: path, type: nil) { _ in Diagnostic(file: path, message: "undetermined") }
            #expect(api.kind == .rest)
            let served = api.makeHandler(stage: "prod", stageVariables: [:], backends: BackendRegistry(lambdas: [:], httpHosts: [:]), iamCredentials: [:])
            var seen: [String] = []
            try await withGatewayServer(served.handler) { port in
                for (head, body) in exchanges {
                    let response = try WireResponse(try await rawExchange(port: port, head, body: body))
                    seen.append("\(response.statusLine) \(response.value("X-Pet-Owner") ?? "-") \(text(response.body))")
                }
            }
            answers.append(seen)
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0].count == 5)
        guard answers[0].count == 5 else { return }
        #expect(answers[0][0] == #"HTTP/1.1 200 OK - [{"type": "dog"}]"#)
        #expect(answers[0][1] == #"HTTP/1.1 400 Bad Request - {"message": "Missing required request parameters: [type]"}"#)
        #expect(answers[0][2] == #"HTTP/1.1 201 Created ann {"created": true}"#)
        #expect(answers[0][3].hasPrefix(#"HTTP/1.1 400 Bad Request - {"problem": "#), "\(answers[0][3])")
        #expect(answers[0][4] == #"HTTP/1.1 403 Forbidden - {"message":"Missing Authentication Token"}"#)
    }

    @Test func errorsInASwaggerDocumentPointIntoTheSwaggerFile() {
        let text = """
        swagger: "2.0"
        info: { title: Broken }
        paths:
          /items:
            get:
              parameters:
                - $ref: "#/parameters/Missing"
              x-amazon-apigateway-integration:
                type: mocky
        """
        do {
            _ = try RESTAPILoader.load(text: text, file: "broken.yaml")
            Issue.record("a broken Swagger document loaded")
        } catch {
            #expect(error.errors.map(\.description) == [
                "broken.yaml:7:17: error: dangling $ref '#/parameters/Missing': the document has no 'parameters'",
                "broken.yaml:9:15: error: unknown integration type 'mocky' in x-amazon-apigateway-integration of GET /items: expected one of aws, aws_proxy, http, http_proxy, mock (did you mean 'mock'?)",
            ])
        }
    }

    @Test func swaggerSpecificsAreConverted() throws {
        let text = """
        swagger: "2.0"
        info: { title: Conversions }
        consumes: [application/xml]
        securityDefinitions:
          basicAuth: { type: basic }
          cognito:
            type: apiKey
            name: Authorization
            in: header
            x-amazon-apigateway-authtype: cognito_user_pools
            x-amazon-apigateway-authorizer: { type: cognito_user_pools, providerARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_P"] }
        x-amazon-apigateway-request-validators:
          body: { validateRequestBody: true }
        paths:
          /upload:
            post:
              consumes: [application/json, text/plain]
              x-amazon-apigateway-request-validator: body
              security: [ { cognito: [] } ]
              parameters:
                - { in: body, name: payload, schema: { type: object, required: [a] } }
                - { in: formData, name: file, type: file }
              x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 200}' } }
        """
        let api = try RESTAPILoader.load(text: text, file: "conversions.yaml")
        let post = try #require(api.allMethods.first)
        // The operation's consumes wins over the document's; each media type gets the body model.
        #expect(post.validation?.bodySchemas.map(\.contentType) == ["application/json", "text/plain"])
        #expect(api.diagnostics.map(\.description) == [
            "conversions.yaml:22:17: warning: not supported by the emulator yet: formData parameter 'file' (Swagger 2.0); it is not validated or mapped",
        ])
        // The Cognito user pool authorizer of the Swagger security definition is enforced.
        #expect(post.authorizationType == .cognitoUserPools && post.authorizerName == "cognito")
    }

    @Test func theBuiltInEmptyAndErrorModelsNeedNoDeclaration() throws {
        // SAM bodies and exports reference API Gateway's own `Empty` / `Error` models without declaring them.
        let openAPI = """
        openapi: 3.0.1
        info: { title: t }
        paths:
          /:
            get:
              responses:
                "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Empty" } } } }
                "500": { description: no, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
              x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 200}' } }
        """
        let swagger = """
        swagger: "2.0"
        info: { title: t }
        paths:
          /:
            get:
              responses:
                "200": { description: ok, schema: { $ref: "#/definitions/Empty" } }
                "500": { description: no, schema: { $ref: "#/definitions/Error" } }
              x-amazon-apigateway-integration: { type: mock, requestTemplates: { application/json: '{"statusCode": 200}' } }
        """
        for (name, text) in [("openapi.yaml", openAPI), ("swagger.yaml", swagger)] {
            let api = try RESTAPILoader.load(text: text, file: name)
            #expect(api.diagnostics.isEmpty, "\(api.diagnostics)")
            #expect(api.models["Empty"] == .object(["$schema": .string("http://json-schema.org/draft-04/schema#"), "title": .string("Empty Schema"), "type": .string("object")]))
        }
        // A model that is neither declared nor built in is still a dangling reference.
        #expect(throws: DiagnosticsError.self) { try RESTAPILoader.load(text: openAPI.replacingOccurrences(of: "schemas/Error", with: "schemas/Eror"), file: "x.yaml") }
    }

    @Test func httpAPILoaderRefusesSwaggerWithTheReason() {
        do {
            _ = try APIDefinition.load(path: Self.swagger, type: .http) { _ in Diagnostic(file: "", message: "undetermined") }
            Issue.record("the HTTP API loader accepted Swagger 2.0")
        } catch {
            #expect(error.errors.first?.message.contains("this is an OpenAPI 2.0 (Swagger) document; HTTP APIs are exported as OpenAPI 3.0") == true, "\(error.errors)")
        }
    }
}

/// A deterministic rendering of every stored property of a value (dictionaries sorted, the source file name and
/// diagnostics left out), to compare two loaded models.
enum ModelDump {
    static func of(_ api: RESTAPIDefinition) -> String {
        var api = api
        api.file = ""
        api.diagnostics = []
        return render(api, depth: 0)
    }

    static func render(_ value: Any, depth: Int) -> String {
        guard depth < 40 else { return "…" }
        let mirror = Mirror(reflecting: value)
        if mirror.children.isEmpty { return String(describing: value) }
        let parts = mirror.children.map { child -> String in
            let rendered = render(child.value, depth: depth + 1)
            return child.label.map { "\($0): \(rendered)" } ?? rendered
        }
        switch mirror.displayStyle {
        case .dictionary?, .set?: return "{" + parts.sorted().joined(separator: ", ") + "}"
        default: return "\(mirror.subjectType)(" + parts.joined(separator: ", ") + ")"
        }
    }
}
