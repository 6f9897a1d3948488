import Foundation
import Gateway
import GatewayServer
import JSONCore
import SourceDiagnostics
import Testing

/// `CloudFormationStack`: a CloudFormation template's APIs (Body forms) and functions, with the warnings about
/// what it does not read, and the APIs answering real requests on loopback.
@Suite struct CloudFormationBodyFormTests {
    static func load(_ name: String, options: CloudFormationStack.Options = .init()) throws -> CloudFormationStack {
        try CloudFormationStack.load(path: Fixtures.path("cloudformation/\(name)"), displayName: name, options: options)
    }

    static func warnings(_ stack: CloudFormationStack, containing text: String) -> [Diagnostic] {
        stack.diagnostics.filter { $0.message.contains(text) }
    }

    @Test("every API is listed with its kind, form and stages; Parameters' defaults and Conditions decide; unread things are warnings with line:column")
    func listsAPIs() throws {
        let stack = try Self.load("body-forms.yaml")
        #expect(stack.apis.map(\.logicalID) == ["OrdersApi", "ItemsApi", "FileApi", "RemoteApi"])
        #expect(stack.apis.map(\.kind) == [.rest, .http, .rest, .rest])
        let orders = try #require(stack.api("OrdersApi"))
        #expect(orders.form == .body)
        #expect(orders.stages == [StackStage(logicalID: "OrdersStage", name: "dev", variables: ["color": "blue"])])
        #expect(orders.routeKeys == ["GET /orders", "POST /orders"])
        let items = try #require(stack.api("ItemsApi"))
        #expect(items.stages == [StackStage(logicalID: "ItemsStage", name: "$default", variables: ["mode": "fast"])])
        let file = try #require(stack.api("FileApi"))
        #expect(file.form == .file(Fixtures.path("cloudformation/file-api.yaml")))

        // The unread stage property, the unknown resource type, the remote body, the layer: warnings at their place.
        let tracing = try #require(Self.warnings(stack, containing: "OrdersStage (AWS::ApiGateway::Stage): property TracingEnabled").first)
        #expect(tracing.severity == .warning && tracing.file == "body-forms.yaml" && tracing.line == 98 && tracing.column == 7)
        #expect(Self.warnings(stack, containing: "Topic: resource type AWS::SNS::Topic is not emulated").first?.line == 139)
        #expect(Self.warnings(stack, containing: "RemoteApi (AWS::ApiGateway::RestApi): BodyS3Location s3://somewhere/remote.yaml is not a local file").count == 1)
        #expect(Self.warnings(stack, containing: "HelloFunction (AWS::Lambda::Function): property Layers is not emulated").count == 1)
        // Roles, permissions and CDK metadata change nothing a client sees: no warning.
        #expect(Self.warnings(stack, containing: "OrdersRole").isEmpty)
        // A REST API without a deployment stage of its own and a DynamoDB table are not silently dropped either.
        #expect(Self.warnings(stack, containing: "OrdersTable: resource type AWS::DynamoDB::Table is not emulated").count == 1)
    }

    @Test("functions: runtime, handler, inline / local / S3 code, timeout, memory, environment; a false Condition leaves a function out")
    func readsFunctions() throws {
        let stack = try Self.load("body-forms.yaml")
        #expect(stack.functions.map(\.logicalID) == ["OrdersFunction", "HelloFunction", "StoredFunction"])
        let orders = try #require(stack.function("OrdersFunction"))
        #expect(orders.runtime == "python3.12" && orders.handler == "index.handler")
        #expect(orders.timeout == 10 && orders.memorySize == 256)
        #expect(orders.environment == ["TABLE": "OrdersTable", "STAGE": "dev"])
        guard case let .inline(source) = orders.code else { Issue.record("expected inline code, got \(orders.code)"); return }
        #expect(source.hasPrefix("def handler(event, context):"))
        #expect(stack.function("HelloFunction")?.code == .local(Fixtures.path("cloudformation/src/hello")))
        #expect(stack.function("StoredFunction")?.code == .s3(S3Location(bucket: "my-artifacts", key: "stored.zip")))

        // The caller of the SAM transform (or a user) maps an S3 object back to a local folder.
        let mapped = try Self.load("body-forms.yaml", options: .init(localObjects: [S3Location(bucket: "my-artifacts", key: "stored.zip"): "src/hello"]))
        #expect(mapped.function("StoredFunction")?.code == .local(Fixtures.path("cloudformation/src/hello")))
        // With the condition true (a --parameter), the prod-only function is part of the stack and the POST goes to it.
        let prod = try Self.load("body-forms.yaml", options: .init(parameters: ImportParameters(values: ["Env": "prod"])))
        #expect(prod.functions.map(\.logicalID).contains("ProdOnlyFunction"))
        guard case let .rest(api) = try #require(prod.api("OrdersApi")).loadDefinition() else { Issue.record("expected a REST API"); return }
        #expect(api.allMethods.first { $0.httpMethod == "POST" }.map { "\($0.integration.target)" }?.contains("ProdOnlyFunction") == true)
    }

    @Test("a RestApi Body loads through the REST loader: Name is the title, BinaryMediaTypes apply, Fn::Sub of a function's Arn names the function")
    func restBody() throws {
        let stack = try Self.load("body-forms.yaml")
        guard case let .rest(api) = try #require(stack.api("OrdersApi")).loadDefinition() else { Issue.record("expected a REST API"); return }
        #expect(api.title == "orders-api")
        #expect(api.binaryMediaTypes == ["image/png"])
        #expect(api.referencedFunctionNames == ["OrdersFunction", "HelloFunction"])
        guard case let .rest(file) = try #require(stack.api("FileApi")).loadDefinition() else { Issue.record("expected a REST API"); return }
        #expect(file.title == "file-api")
        #expect(throws: DiagnosticsError.self) { try stack.api("RemoteApi")?.loadDefinition() }
    }

    @Test("an AWS::ApiGatewayV2::Api Body loads through the HTTP API loader, with the resource's CorsConfiguration replacing the body's")
    func httpBody() throws {
        let stack = try Self.load("body-forms.yaml")
        guard case let .http(api) = try #require(stack.api("ItemsApi")).loadDefinition() else { Issue.record("expected an HTTP API"); return }
        #expect(api.title == "items-api")
        #expect(api.referencedFunctions == ["HelloFunction"])
        #expect(api.cors?.allowOrigins == ["https://example.com"])
        #expect(api.cors?.allowMethods == ["GET"])
    }

    @Test("the Body-form APIs answer real requests on loopback, each reaching the function its integration names")
    func servesOverLoopback() async throws {
        let stack = try Self.load("body-forms.yaml")
        let backends = BackendRegistry(lambdas: Dictionary(uniqueKeysWithValues: stack.functions.map { function in
            (function.logicalID, ClosureLambda { _ in success(#"{"statusCode": 200, "body": "\#(function.logicalID)"}"#) } as any LambdaBackend)
        }))
        for (id, request, expected) in [("OrdersApi", "GET /dev/orders", "OrdersFunction"), ("OrdersApi", "POST /dev/orders", "HelloFunction"),
                                        ("ItemsApi", "GET /items", "HelloFunction")] {
            let api = try #require(stack.api(id))
            let stage = api.stages.first
            let served = try api.loadDefinition().makeHandler(stage: stage?.name, stageVariables: stage?.variables ?? [:], backends: backends, iamCredentials: [:])
            try await withGatewayServer(served.handler) { port in
                let response = try WireResponse(try await rawExchange(port: port, "\(request) HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
                #expect(response.statusLine == "HTTP/1.1 200 OK", "\(id) \(request)")
                #expect(text(response.body) == expected, "\(id) \(request)")
            }
        }
    }

    @Test("a template that is not CloudFormation, or refers to what nothing resolves, is an error with its position")
    func errors() throws {
        #expect(throws: DiagnosticsError.self) { try CloudFormationStack.load(text: "openapi: 3.0.1\npaths: {}\n", file: "t.yaml", directory: "/tmp") }
        let template = """
        Resources:
          Api:
            Type: AWS::ApiGateway::RestApi
            Properties:
              Body:
                openapi: 3.0.1
                info: { title: t }
                paths: {}
                x-note: !Ref Missing
        """
        do {
            _ = try CloudFormationStack.load(text: template, file: "t.yaml", directory: "/tmp")
            Issue.record("expected an error")
        } catch {
            let first = try #require(error.diagnostics.first)
            #expect(first.message.contains("cannot resolve Ref 'Missing'") && first.line == 9)
        }
    }
}
