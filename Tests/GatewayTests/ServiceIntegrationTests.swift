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

    @Test func restServiceIntegrationsLoadWithAWarningAndAnswer500WithTheReason() async throws {
        let api = try RESTAPILoader.load(text: Self.rest, file: "svc.yaml", parameters: ImportParameters(values: ["RemindersTable": "reminders"]))
        #expect(api.diagnostics.map(\.description) == [
            "svc.yaml:15:26: warning: not supported by the emulator yet: AWS service integration to dynamodb (action/GetItem) on GET /reminders/{id}; the method loads and requests to it answer 500 Internal server error",
            "svc.yaml:29:14: warning: not supported by the emulator yet: AWS service integration to s3 (path/my-bucket/{key}) on GET /objects/{key}; the method loads and requests to it answer 500 Internal server error",
        ])
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry())
        let dynamo = await gateway.handle(GatewayRequest(method: "GET", target: "/test/reminders/7"))
        #expect(dynamo.response.status == 500)
        #expect(String(decoding: dynamo.response.body, as: UTF8.self) == #"{"message": "Internal server error"}"#)
        #expect(dynamo.log.detail == "not supported by the emulator: AWS service integration to dynamodb (action/GetItem); nothing was sent")
        // An S3 integration with httpMethod GET is not mistaken for a Lambda one ("must use httpMethod POST").
        let s3 = await gateway.handle(GatewayRequest(method: "GET", target: "/test/objects/a.txt"))
        #expect(s3.response.status == 500)
        #expect(s3.log.detail == "not supported by the emulator: AWS service integration to s3 (path/my-bucket/{key}); nothing was sent")
    }

    @Test func httpAPIIntegrationSubtypesLoadWithAWarningAndAnswer500() async throws {
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
                payloadFormatVersion: "1.0"
                type: "aws_proxy"
                connectionType: "INTERNET"
        """
        let api = try HTTPAPILoader.load(text: text, file: "events.yaml")
        #expect(api.diagnostics.map(\.description) == [
            "events.yaml:7:29: warning: not supported by the emulator yet: AWS service integration to EventBridge (PutEvents, integrationSubtype EventBridge-PutEvents) on 'POST /'; the route loads and requests to it answer 500 Internal Server Error",
        ])
        let outcome = await HTTPAPIGateway(api: api, backends: BackendRegistry()).handle(GatewayRequest(method: "POST", target: "/", body: Array(#"{"Detail": {}}"#.utf8)))
        #expect(outcome.response.status == 500)
        #expect(String(decoding: outcome.response.body, as: UTF8.self) == #"{"message":"Internal Server Error"}"#)
        #expect(outcome.log.detail?.hasPrefix("not supported by the emulator: AWS service integration to EventBridge (PutEvents") == true)
    }
}
