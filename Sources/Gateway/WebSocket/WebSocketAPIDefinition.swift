import Foundation
import SourceDiagnostics

/// A WebSocket API (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`) as the emulator serves it: its route
/// selection, routes, integrations, route responses and stages, read from a CloudFormation template by
/// `WebSocketAPILoader`.
public struct WebSocketAPIDefinition: Sendable {
    /// The template's logical id of the `AWS::ApiGatewayV2::Api` resource.
    public var logicalID: String
    /// `Name`.
    public var name: String
    /// The API id the emulator gives it (`requestContext.apiId`, what `Ref` of the Api resolves to).
    public var apiID: String
    /// `RouteSelectionExpression`, e.g. `$request.body.action`.
    public var routeSelectionExpression: String
    /// `ApiKeySelectionExpression` (`$request.header.x-api-key` or `$context.authorizer.usageIdentifierKey`).
    public var apiKeySelectionExpression: String?
    /// Routes by route key (`$connect`, `$disconnect`, `$default`, custom keys).
    var routes: [String: WebSocketRoute]
    /// Stages by name; when the template declares none, one stage named `$default`... is never assumed: the loader
    /// reports it and serves the API under `prod`.
    public var stages: [WebSocketStage]
    /// Warnings found while loading (what is not emulated), with file, line and column.
    public var diagnostics: [Diagnostic]

    /// The route keys, sorted.
    public var routeKeys: [String] { routes.keys.sorted() }

    func stage(named name: String) -> WebSocketStage? { stages.first { $0.name == name } }
}

/// One stage of a WebSocket API (`AWS::ApiGatewayV2::Stage`).
public struct WebSocketStage: Sendable, Hashable {
    public var name: String
    /// `StageVariables`, for `${stageVariables.x}` in integration URIs and `$stageVariables` in templates.
    public var variables: [String: String]

    public init(name: String, variables: [String: String] = [:]) {
        self.name = name
        self.variables = variables
    }
}

/// A route (`AWS::ApiGatewayV2::Route`).
struct WebSocketRoute: Sendable {
    var key: String
    /// The integration the route's `Target` (`integrations/{id}`) names; nil: the route has none (AWS answers the
    /// client with an error frame).
    var integration: WebSocketIntegration?
    /// Whether a `RouteResponse` exists for the route (a two-way route: the integration's answer goes back).
    var isTwoWay: Bool
    /// `RouteResponseSelectionExpression` (only `$default` is meaningful for WebSocket APIs).
    var routeResponseSelectionExpression: String?
    /// `AuthorizationType: CUSTOM` with `AuthorizerId` (only on `$connect`, as AWS allows).
    var authorizer: WebSocketAuthorizer?
    /// `AuthorizationType: AWS_IAM` (SigV4 on the handshake).
    var requiresIAM: Bool
    /// `ApiKeyRequired`.
    var apiKeyRequired: Bool
}

/// A REQUEST Lambda authorizer of a WebSocket API (`AWS::ApiGatewayV2::Authorizer`, `AuthorizerType: REQUEST`),
/// run through the shared `AuthorizeStep`.
struct WebSocketAuthorizer: Sendable {
    var authorizer: LambdaAuthorizer
}

/// An integration (`AWS::ApiGatewayV2::Integration`).
struct WebSocketIntegration: Sendable {
    enum Kind: Sendable {
        /// `AWS_PROXY` to a Lambda function.
        case lambdaProxy(LambdaFunctionReference)
        /// `AWS` to a Lambda function (the request template's output is the event).
        case lambda(LambdaFunctionReference)
        /// `HTTP_PROXY` (the message body is sent as is) or `HTTP` (through the request template).
        case http(url: String, method: String, proxy: Bool)
        /// `MOCK`: the request template's `statusCode` picks the integration response.
        case mock
    }

    var id: String
    var kind: Kind
    /// `RequestTemplates` by template key (`$default`, or what `TemplateSelectionExpression` selects).
    var requestTemplates: [String: GatewayTemplate]
    /// `TemplateSelectionExpression` (e.g. `\$default`, `$request.body.action`).
    var templateSelectionExpression: String?
    /// `IntegrationResponse`s, by `IntegrationResponseKey` (`$default`, `/4\d\d/`).
    var responses: [WebSocketIntegrationResponse]
    /// `TimeoutInMillis` (50 to 29,000; default 29,000).
    var timeoutMilliseconds: Int
}

/// An integration response (`AWS::ApiGatewayV2::IntegrationResponse`) of a non-proxy integration.
struct WebSocketIntegrationResponse: Sendable {
    /// `IntegrationResponseKey`: `$default` or a status regex written between slashes (`/2\d\d/`).
    var key: String
    var templates: [String: GatewayTemplate]
    var templateSelectionExpression: String?

    /// Whether this response applies to an integration status.
    func matches(status: Int) -> Bool {
        guard key != "$default" else { return false }
        var pattern = key
        if pattern.hasPrefix("/") && pattern.hasSuffix("/") && pattern.count >= 2 {
            pattern = String(pattern.dropFirst().dropLast())
        }
        return (try? SelectionPattern(pattern))?.matches(String(status)) ?? false
    }
}
