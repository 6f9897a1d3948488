import Foundation
import GatecheckCore
import Testing

/// A suite's `template:` with a WebSocket API, run on the embedded emulator: what the emulator does not act on is a
/// warning before the run, as for REST and HTTP APIs (never a silent difference).
struct WebSocketEmbeddedTests {
    static let template = """
    Resources:
      ChatApi:
        Type: AWS::ApiGatewayV2::Api
        Properties:
          Name: chat
          ProtocolType: WEBSOCKET
          RouteSelectionExpression: $request.body.action
          FooBar: 1
      PingRoute:
        Type: AWS::ApiGatewayV2::Route
        Properties:
          ApiId: !Ref ChatApi
          RouteKey: ping
          RouteResponseSelectionExpression: $default
          Target: !Sub integrations/${PingIntegration}
      PingRouteResponse:
        Type: AWS::ApiGatewayV2::RouteResponse
        Properties:
          ApiId: !Ref ChatApi
          RouteId: !Ref PingRoute
          RouteResponseKey: $default
      PingIntegration:
        Type: AWS::ApiGatewayV2::Integration
        Properties:
          ApiId: !Ref ChatApi
          IntegrationType: MOCK
          TemplateSelectionExpression: \\$default
          RequestTemplates:
            $default: '{"statusCode": 200}'
      PingIntegrationResponse:
        Type: AWS::ApiGatewayV2::IntegrationResponse
        Properties:
          ApiId: !Ref ChatApi
          IntegrationId: !Ref PingIntegration
          IntegrationResponseKey: $default
          TemplateSelectionExpression: \\$default
          ResponseTemplates:
            $default: '{"pong": true}'
      ProdStage:
        Type: AWS::ApiGatewayV2::Stage
        Properties:
          ApiId: !Ref ChatApi
          StageName: prod
    """

    @Test func unreadTemplatePropertiesAreWarnedBeforeTheRun() async throws {
        let workspace = Workspace()
        workspace.write("template.yaml", Self.template)
        let suite = """
        template: template.yaml
        cases:
          - name: ping
            websocket:
              path: /
              steps:
                - send: { json: { action: ping } }
                - expect: { json: { pong: true } }
        """
        let run = await runSuites(["chat.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        #expect(run.summary.passed == 1)
        #expect(run.errors.contains("template.yaml:8:7: warning: ChatApi.FooBar is not emulated (WebSocket APIs)"), "\(run.errors)")
    }
}
