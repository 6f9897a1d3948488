import Foundation
import Gateway
import HTTPMessage
import Testing

/// AWS service integrations (REST `aws` to DynamoDB, S3, Kinesis, SQS, ...; HTTP API `integrationSubtype`) load
/// with a warning that names the service, and a request to one answers 500 with a log reason that says why.
@Suite struct ServiceIntegrationTests {
    static let rest = """
    openapi: 3.0.1
    info: {title: reminders, version: "1"}
    paths:
      /reminders/{id}:
        get:
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: ok}
          x-amazon-apigateway-integration:
            type: aws
            httpMethod: POST
            credentials:
              Fn::GetAtt: [ApiDynamoDBRole, Arn]
            uri: {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/GetItem"}
            requestTemplates:
              application/json: {"Fn::Sub": "{\\"TableName\\": \\"${RemindersTable}\\", \\"Key\\": {\\"id\\": {\\"S\\": \\"$input.params('id')\\"}}}"}
            responses:
              default: {statusCode: "200"}
      /objects/{key}:
        get:
          parameters:
            - {name: key, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: ok}
          x-amazon-apigateway-integration:
            type: aws
            httpMethod: GET
            uri: arn:aws:apigateway:us-east-1:s3:path/my-bucket/{key}
            responses:
              default: {statusCode: "200"}
    """

    /// Records each service request and answers a fixed response.
    final class RecordingService: ServiceBackend, @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [ServiceRequest] = []
        var requests: [ServiceRequest] { lock.withLock { stored } }
        func send(_ request: ServiceRequest) async -> Result<UpstreamResponse, UpstreamError> {
            lock.withLock { stored.append(request) }
            return .success(UpstreamResponse(status: 200, headers: ["Content-Type": "application/x-amz-json-1.0"], body: Array(#"{"Item":{}}"#.utf8)))
        }
    }

    @Test func restServiceIntegrationsLoadWithoutWarningAndNeedAServicesBackend() async throws {
        let api = try RESTAPILoader.load(text: Self.rest, file: "svc.yaml", parameters: ImportParameters(values: ["RemindersTable": "reminders"]))
        #expect(api.diagnostics.isEmpty)
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry())
        let dynamo = await gateway.handle(GatewayRequest(method: "GET", target: "/test/reminders/7"))
        #expect(dynamo.response.status == 500)
        #expect(String(decoding: dynamo.response.body, as: UTF8.self) == #"{"message": "Internal server error"}"#)
        #expect(dynamo.log.detail == "Execution failed due to configuration error: no backend is registered for service 'dynamodb' (add it under 'backends: services:')")
        // An S3 integration with httpMethod GET is not mistaken for a Lambda one ("must use httpMethod POST").
        let s3 = await gateway.handle(GatewayRequest(method: "GET", target: "/test/objects/a.txt"))
        #expect(s3.response.status == 500)
        #expect(s3.log.detail == "Execution failed due to configuration error: no backend is registered for service 's3' (add it under 'backends: services:')")
    }

    @Test func restServiceRequestsFollowEachServiceProtocol() async throws {
        let api = try RESTAPILoader.load(text: Self.rest, file: "svc.yaml", parameters: ImportParameters(values: ["RemindersTable": "reminders"]))
        let dynamo = RecordingService(), s3 = RecordingService()
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry(services: ["dynamodb": dynamo, "s3": s3]))
        #expect(await gateway.handle(GatewayRequest(method: "GET", target: "/test/reminders/7")).response.status == 200)
        let request = try #require(dynamo.requests.first)
        #expect(request.service == "dynamodb")
        #expect(request.action == "GetItem")
        #expect(request.region == "us-east-1")
        #expect(request.method == "POST")
        #expect(request.pathAndQuery == "/")
        #expect(request.headers["X-Amz-Target"] == "DynamoDB_20120810.GetItem")
        #expect(request.headers["Content-Type"] == "application/x-amz-json-1.0")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"TableName": "reminders", "Key": {"id": {"S": "7"}}}"#)
        // path/ integrations address the resource by path, placeholders filled from the method's path parameters.
        #expect(await gateway.handle(GatewayRequest(method: "GET", target: "/test/objects/a.txt")).response.status == 200)
        let object = try #require(s3.requests.first)
        #expect(object.method == "GET")
        #expect(object.action == nil)
        #expect(object.pathAndQuery == "/my-bucket/a.txt")
        #expect(object.headers["X-Amz-Target"] == nil)
    }

    @Test func queryProtocolActionsCarryTheActionInTheQueryString() throws {
        let request = try #require(ServiceIntegrationCaller.restRequest(
            uri: "arn:aws:apigateway:eu-west-1:sqs:action/SendMessage", method: "POST", headers: [], query: [("QueueUrl", "https://sqs.eu-west-1.amazonaws.com/1/q"), ("MessageBody", "a b")],
            path: [:], body: [], contentType: nil, timeoutMilliseconds: 1000))
        #expect(request.region == "eu-west-1")
        #expect(request.pathAndQuery == "/?Action=SendMessage&QueueUrl=https%3A%2F%2Fsqs.eu-west-1.amazonaws.com%2F1%2Fq&MessageBody=a%20b")
    }

    @Test func httpAPIIntegrationSubtypesBuildTheServiceCall() async throws {
        let text = """
        openapi: "3.0.1"
        info: {title: events, version: "1"}
        paths:
          /:
            post:
              x-amazon-apigateway-integration:
                integrationSubtype: "EventBridge-PutEvents"
                credentials:
                  Fn::GetAtt: [MyHttpApiRole, Arn]
                requestParameters:
                  Detail: "$request.body.Detail"
                  DetailType: MyDetailType
                  Source: WebApp
                  Region: eu-west-1
                payloadFormatVersion: "1.0"
                type: "aws_proxy"
                connectionType: "INTERNET"
        """
        let api = try HTTPAPILoader.load(text: text, file: "events.yaml")
        #expect(api.diagnostics.isEmpty, "\(api.diagnostics)")
        let unmapped = await HTTPAPIGateway(api: api, backends: BackendRegistry()).handle(GatewayRequest(method: "POST", target: "/", body: Array(#"{"Detail": {}}"#.utf8)))
        #expect(unmapped.response.status == 500)
        #expect(String(decoding: unmapped.response.body, as: UTF8.self) == #"{"message":"Internal Server Error"}"#)
        #expect(unmapped.log.detail == "no backend is registered for service 'events' (add it under 'backends: services:')")

        let events = RecordingService()
        let outcome = await HTTPAPIGateway(api: api, backends: BackendRegistry(services: ["events": events]))
            .handle(GatewayRequest(method: "POST", target: "/", body: Array(#"{"Detail": {"id": 1}}"#.utf8)))
        #expect(outcome.response.status == 200)
        let request = try #require(events.requests.first)
        #expect(request.region == "eu-west-1")
        #expect(request.headers["X-Amz-Target"] == "AWSEvents.PutEvents")
        #expect(request.headers["Content-Type"] == "application/x-amz-json-1.1")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"Entries":[{"Detail":"{\"id\":1}","DetailType":"MyDetailType","Source":"WebApp"}]}"#)
    }
}
