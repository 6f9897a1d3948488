import Foundation
import Gateway
import SourceDiagnostics
import Testing

@Suite("WebSocket API loading from CloudFormation")
struct WebSocketLoaderTests {
    @Test("the chat template's WEBSOCKET Api, routes and stage are read; what is not emulated warns with its position")
    func readsTemplate() throws {
        let template = try WebSocketAPILoader.load(templatePath: WebSocketFixtures.template)
        let api = try #require(template.apis.first)
        #expect(template.apis.count == 1)
        #expect(api.name == "chat")
        #expect(api.routeSelectionExpression == "$request.body.action")
        #expect(api.routeKeys == ["$connect", "$disconnect", "broadcast", "echo", "ping"])
        #expect(api.stages == [WebSocketStage(name: "prod", variables: ["flavour": "vanilla"])])
        #expect(api.apiID == WebSocketAPILoader.apiID(forLogicalID: "ChatApi"))
        #expect(api.apiID.count == 10)
        let warning = try #require(template.diagnostics.first { $0.message.contains("DefaultRouteSettings") })
        #expect(warning.severity == .warning)
        #expect(warning.line != nil && warning.column != nil)
    }

    @Test("a route whose Target names no integration is an error with its position")
    func unknownTarget() throws {
        let text = """
        Resources:
          Api:
            Type: AWS::ApiGatewayV2::Api
            Properties: {Name: a, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
          Route:
            Type: AWS::ApiGatewayV2::Route
            Properties:
              ApiId: !Ref Api
              RouteKey: $default
              Target: integrations/Missing
        """
        #expect {
            _ = try WebSocketAPILoader.load(text: text, file: "t.yaml")
        } throws: { error in
            guard let error = error as? DiagnosticsError else { return false }
            return error.diagnostics.contains { $0.message.contains("integrations/Missing") && $0.line == 10 }
        }
    }

    @Test("an HTTP API in the same template is not read as a WebSocket API")
    func ignoresHTTPAPIs() throws {
        let text = """
        Resources:
          Http:
            Type: AWS::ApiGatewayV2::Api
            Properties: {Name: h, ProtocolType: HTTP}
        """
        #expect(try WebSocketAPILoader.load(text: text, file: "t.yaml").apis.isEmpty)
    }
}
