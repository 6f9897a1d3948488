import TestSupport
import Backends
import Foundation
import Gateway
import GatewayServer
import JSONCore
import SourceDiagnostics
import Testing
import TestSupport

/// `CloudFormationStack` over the resource form CDK emits: REST `Resource`/`Method`/`Authorizer`/... and v2
/// `Route`/`Integration`/`Authorizer`/`Stage`, into the same models as an OpenAPI export.
@Suite struct CloudFormationResourceFormTests {
    static func load(_ name: String) throws -> CloudFormationStack {
        try CloudFormationStack.load(path: Fixtures.path("cloudformation/\(name)"), displayName: name)
    }

    static func rest(_ stack: CloudFormationStack, _ id: String) throws -> RESTAPIDefinition {
        guard case let .rest(api) = try #require(stack.api(id)).loadDefinition() else { throw WireFailure(description: "\(id) is not a REST API") }
        return api
    }

    static func http(_ stack: CloudFormationStack, _ id: String) throws -> HTTPAPIDefinition {
        guard case let .http(api) = try #require(stack.api(id)).loadDefinition() else { throw WireFailure(description: "\(id) is not an HTTP API") }
        return api
    }

    @Test("a resource-form REST API and its OpenAPI export load into equal models")
    func restEqualsExport() throws {
        let stack = try Self.load("rest-resources.yaml")
        let fromTemplate = try Self.rest(stack, "PetsApi")
        let fromExport = try RESTAPILoader.load(path: Fixtures.path("cloudformation/rest-resources-export.yaml"))
        #expect(fromTemplate.allMethods.count == 6)
        #expect(fromTemplate.authorizers.keys.sorted() == ["token"] && fromTemplate.cognitoAuthorizers.keys.sorted() == ["users"])
        #expect(fromTemplate.models.keys.contains("Pet"))
        let update = try #require(fromTemplate.allMethods.first { $0.httpMethod == "PUT" })
        #expect(update.authorizationType == .cognitoUserPools && update.authorizationScopes == ["pets/write"])
        let template = ModelText.of(fromTemplate, ignoring: ["file", "diagnostics", "exportedStageName"])
        let export = ModelText.of(fromExport, ignoring: ["file", "diagnostics", "exportedStageName"])
        #expect(template.split(separator: "\n").count > 200, "the model text covers the whole definition")
        if template != export {
            let difference = zip(template.split(separator: "\n"), export.split(separator: "\n")).first { $0 != $1 }
            Issue.record("the models differ; first difference: template \(difference.map { "\($0.0)" } ?? "-") vs export \(difference.map { "\($0.1)" } ?? "-")")
        }
        // What CloudFormation adds on top of the model: the stage and its variables, the warnings.
        #expect(stack.api("PetsApi")?.stages == [StackStage(logicalID: nil, name: "v1", variables: ["flavour": "cfn"])])
        #expect(stack.diagnostics.contains { $0.message.contains("Deployment (AWS::ApiGateway::Deployment): property StageDescription.MetricsEnabled is not emulated") })
        // The usage plan is read into the emulator's model, bound to the API of its ApiStages.
        #expect(!stack.diagnostics.contains { $0.message.contains("Plan (AWS::ApiGateway::UsagePlan)") })
        #expect(stack.usagePlans.plans.map(\.apis) == [["PetsApi"]])
    }

    @Test("the resource tree, methods, authorizer, validator and model of the resource form answer over loopback as API Gateway does")
    func restServes() async throws {
        let stack = try Self.load("rest-resources.yaml")
        let api = try Self.rest(stack, "PetsApi")
        #expect(try #require(stack.api("PetsApi")).routeKeys.sorted() == ["ANY /", "DELETE /pets/{petId}", "GET /pets", "GET /pets/{petId}", "POST /pets", "PUT /pets/{petId}"])
        let pets = FakeLambda { invocation in
            let event = (try? JSONValue.parse(bytes: invocation.payload)) ?? .null
            if event["httpMethod"] != nil { return success(#"{"statusCode": 201, "body": "created"}"#) }
            return success(#"[{"name": "rex"}]"#)
        }
        let gateway = api.makeHandlerForTests(stage: "v1", backends: BackendRegistry(lambdas: ["PetsFunction": pets]))
        try await withGatewayServer(gateway) { port in
            func send(_ request: String, body: String = "") async throws -> WireResponse {
                try WireResponse(try await rawExchange(port: port, "\(request) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"))
            }
            // AWS integration: request template in, response template and mapped header out.
            let list = try await send("GET /v1/pets?limit=2")
            #expect(list.statusLine == "HTTP/1.1 200 OK")
            #expect(text(list.body) == #"{"pets": [{"name":"rex"}]}"#)
            #expect(list.value("X-Count") == "2")
            // The request validator and the model: a body without `name` is refused before the function runs.
            let invalid = try await send("POST /v1/pets", body: #"{"kind": "dog"}"#)
            #expect(invalid.statusLine == "HTTP/1.1 400 Bad Request")
            #expect(text(invalid.body).contains("Invalid request body"))
            let created = try await send("POST /v1/pets", body: #"{"name": "rex"}"#)
            #expect(created.statusLine == "HTTP/1.1 201 Created" && text(created.body) == "created")
            // The TOKEN authorizer guards GET /pets/{id}: no token, 401.
            #expect(try await send("GET /v1/pets/7").statusLine == "HTTP/1.1 401 Unauthorized")
            // ANY on the root (a mock), and the gateway response for a route that does not exist.
            #expect(text(try await send("PATCH /v1/").body) == #"{"root": true}"#)
            let missing = try await send("GET /v1/nowhere")
            #expect(missing.statusLine == "HTTP/1.1 404 Not Found")
            #expect(missing.value("X-Reason") == "no-route")
            #expect(text(missing.body) == #"{"message": "no such route"}"#)
        }
    }

    @Test("a resource-form HTTP API: routes, integrations, JWT / Lambda / IAM authorization, stage variables, CorsConfiguration; quick create; WebSocket through its loader")
    func httpResources() throws {
        let stack = try Self.load("http-resources.yaml")
        #expect(stack.apis.map(\.logicalID) == ["ItemsApi", "QuickApi", "ChatApi"])
        #expect(stack.apis.map(\.kind) == [.http, .http, .websocket])
        let items = try #require(stack.api("ItemsApi"))
        #expect(items.stages == [StackStage(logicalID: "ItemsStage", name: "live", variables: ["tier": "gold"])])
        #expect(items.routeKeys.sorted() == ["$default", "ANY /admin/{proxy+}", "GET /items", "GET /items/{id}", "POST /items"])
        let api = try Self.http(stack, "ItemsApi")
        #expect(api.title == "items")
        #expect(api.referencedFunctions == ["ItemsFunction", "AuthFunction"])
        #expect(api.referencedHosts == ["upstream.example"])
        #expect(api.jwtAuthorizers.keys.sorted() == ["jwt"])
        #expect(api.authorizers.keys.sorted() == ["lambda"])
        #expect(api.allRoutes.first { $0.routeKey == "ANY /admin/{proxy+}" }?.authorizationType == .awsIAM)
        #expect(api.allRoutes.first { $0.routeKey == "POST /items" }?.authorizationScopes == ["items/write"])
        #expect(api.defaultRoute != nil)
        #expect(api.cors?.allowOrigins == ["https://shop.example"] && api.cors?.maxAge == 600)
        #expect(stack.diagnostics.contains { $0.message.contains("ItemsStage (AWS::ApiGatewayV2::Stage): property DefaultRouteSettings is not emulated") })

        let quick = try #require(stack.api("QuickApi"))
        #expect(quick.stages == [StackStage(logicalID: nil, name: "$default", variables: [:])])
        #expect(quick.routeKeys == ["$default"])
        #expect(try Self.http(stack, "QuickApi").referencedFunctions == ["ItemsFunction"])

        let chat = try #require(stack.api("ChatApi"))
        #expect(Set(chat.resourceIDs) == ["ConnectRoute", "ChatIntegration", "ChatStage"])
        // The WebSocket API is read by the WebSocket loader, from the same template.
        let socket = try chat.loadWebSocketDefinition()
        #expect(socket.routeKeys == ["$connect"])
        #expect(socket.stages.map(\.name) == ["prod"])
        #expect(throws: DiagnosticsError.self) { try chat.loadDefinition() }
        #expect(throws: DiagnosticsError.self) { try items.loadWebSocketDefinition() }
    }

    @Test("the resource-form HTTP API answers over loopback: the route's integration, payload version and response parameters")
    func httpServes() async throws {
        let stack = try Self.load("http-resources.yaml")
        let api = try Self.http(stack, "ItemsApi")
        let received = ReceivedEvents()
        let function = FakeLambda { invocation in
            received.append(invocation.payload)
            return success(#"{"statusCode": 200, "body": "items"}"#)
        }
        let gateway = HTTPAPIGateway(api: api, stage: "live", stageVariables: ["tier": "gold"], backends: BackendRegistry(lambdas: ["ItemsFunction": function]))
        try await withGatewayServer(gateway) { port in
            let response = try WireResponse(try await rawExchange(port: port, "GET /live/items HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
            #expect(response.statusLine == "HTTP/1.1 200 OK")
            #expect(text(response.body) == "items")
            #expect(response.value("X-Served-By") == "cfn")
            let event = try JSONValue.parse(bytes: try #require(received.all.last))
            #expect(event["version"] == .string("2.0"))
            #expect(event["routeKey"] == .string("GET /items"))
            #expect(event["stageVariables"]?["tier"] == .string("gold"))
        }
    }

    @Test("broken resource links are errors naming the resource and the property's position")
    func brokenLinks() throws {
        let template = """
        Resources:
          Api:
            Type: AWS::ApiGateway::RestApi
          Orphan:
            Type: AWS::ApiGateway::Resource
            Properties:
              RestApiId: !Ref Api
              ParentId: NotAResource
              PathPart: x
          Method:
            Type: AWS::ApiGateway::Method
            Properties:
              RestApiId: !Ref Api
              ResourceId: !GetAtt Api.RootResourceId
              HttpMethod: GET
              AuthorizationType: CUSTOM
              AuthorizerId: Nobody
              Integration: { Type: MOCK }
        """
        do {
            _ = try CloudFormationStack.load(text: template, file: "t.yaml", directory: "/tmp")
            Issue.record("expected errors")
        } catch {
            let messages = error.diagnostics.filter { $0.severity == .error }.map { "\($0.line ?? 0): \($0.message)" }
            #expect(messages.contains { $0.hasPrefix("8: Orphan (AWS::ApiGateway::Resource): ParentId 'NotAResource'") })
            #expect(messages.contains { $0.hasPrefix("17: Method (AWS::ApiGateway::Method): AuthorizerId 'Nobody'") })
        }
    }
}

extension RESTAPIDefinition {
    func makeHandlerForTests(stage: String, backends: BackendRegistry) -> RESTGateway {
        RESTGateway(api: self, stage: StageSettings(name: stage), backends: backends)
    }
}
