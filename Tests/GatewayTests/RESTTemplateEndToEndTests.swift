import Foundation
import Gateway
import GatewayServer
import JSONCore
import Synchronization
import Testing
import TestSupport

/// Mapping templates end to end: a real request over loopback, the SwiftNIO server, the REST pipeline and the
/// VTL engine; the Lambda echoes the event it received so the test sees exactly what the template built.
@Suite struct RESTTemplateEndToEndTests {
    static let api = #"""
    openapi: 3.0.1
    info: { title: templates, version: "1" }
    paths:
      /orders/{id}:
        get:
          parameters:
            - { name: id, in: path, required: true, schema: { type: string } }
          responses:
            "200": { description: ok }
          x-amazon-apigateway-integration:
            type: aws
            httpMethod: POST
            uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations
            passthroughBehavior: when_no_templates
            requestTemplates:
              application/json: |
                {
                  "orderId": "$input.params('id')",
                  "view": "$input.params('view')",
                  "client": "$input.params().header.get('X-Client')",
                  "allQuery": "$input.params().querystring",
                  "stage": "$context.stage",
                  "method": "$context.httpMethod",
                  "resource": "$context.resourcePath"
                }
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: |
                    #set($event = $input.path('$'))
                    #set($context.responseOverride.status = 206)
                    #set($context.responseOverride.header.X-Order = $event.orderId)
                    {"order": "$event.orderId", "seenBy": "$event.client"}
    """#

    @Test("a request template builds the Lambda event from path, query and headers; the response template overrides status and header")
    func requestAndResponseTemplates() async throws {
        let definition = try RESTAPILoader.load(text: Self.api, file: "templates.yaml")
        let received = ReceivedEvents()
        let echo = FakeLambda { invocation in
            received.append(invocation.payload)
            return .success(payload: invocation.payload)
        }
        let gateway = RESTGateway(api: definition, stage: StageSettings(name: "prod"), backends: BackendRegistry(lambdas: ["Echo": echo]))
        let server = try await GatewayServer.start(handler: gateway)
        defer { Task { await server.shutdown() } }

        let bytes = try await rawExchange(port: server.port,
            "GET /prod/orders/o-42?view=full&page=2 HTTP/1.1\r\nHost: localhost\r\nX-Client: mobile\r\nConnection: close\r\n\r\n")
        let response = try WireResponse(bytes)

        // What the function received: the template's output, exactly.
        let event = try JSONValue.parse(bytes: try #require(received.all.first))
        #expect(event["orderId"] == .string("o-42"))
        #expect(event["view"] == .string("full"))
        #expect(event["client"] == .string("mobile"))
        #expect(event["allQuery"] == .string("{view=full, page=2}"))
        #expect(event["stage"] == .string("prod"))
        #expect(event["method"] == .string("GET"))
        #expect(event["resource"] == .string("/orders/{id}"))

        // What the client received: the override's status and header, the response template's body.
        #expect(response.statusLine == "HTTP/1.1 206 Partial Content")
        #expect(response.value("X-Order") == "o-42")
        #expect(response.value("Content-Type") == "application/json")
        // (The `|` block is the last line of the document, which has no final newline, so neither has the template.)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"order": "o-42", "seenBy": "mobile"}"#)
        #expect(response.value("Content-Length") == String(response.body.count))
    }
}

/// Events a test Lambda received, from whatever task invoked it.
final class ReceivedEvents: Sendable {
    private let storage = Mutex<[[UInt8]]>([])
    func append(_ payload: [UInt8]) { storage.withLock { $0.append(payload) } }
    var all: [[UInt8]] { storage.withLock { $0 } }
}
