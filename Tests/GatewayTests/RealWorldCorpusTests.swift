import Foundation
import Gateway
import SourceDiagnostics
import Testing
import TestSupport

/// The real-world corpus: 25 definitions people wrote for API Gateway (Developer Guide, aws-samples/serverless-patterns,
/// the SAM translator's tests, LocalStack's tests; `SOURCES.md` there says where each comes from). They are public
/// reference data read from `../shared/realworld/` next to the repository, never copied into it: every file loads
/// (or is listed below as refused, like API Gateway's import refuses it, with the reason), its warnings are asserted, and a few requests
/// per file are answered on a real socket as API Gateway answers them.
@Suite struct RealWorldCorpusTests {
    /// `shared/realworld` in the package's folder or any folder above it (`/work/shared` for `/work/wt-x`).
    static let directory: String? = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("shared/realworld")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("SOURCES.md").path) { return candidate.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }()

    static let absent = "../shared/realworld is absent (a clone outside this repository's CI): the real-world corpus is not checked"

    /// One request and what API Gateway answers: the status line and the body (exactly, or its start with `prefix`).
    struct Exchange: Sendable {
        var request: String
        var body: String = ""
        var contentType: String = "application/json"
        var status: String
        var response: String
        var prefix = false
    }

    enum Expectation: Sendable {
        /// Loads as `kind` (with these `--parameter` values for its CloudFormation references), with warnings
        /// containing these texts (in order; each warning matched by one text), and answers these requests on the
        /// stage `stage`.
        case loads(APIDefinition.Kind, stage: String? = nil, parameters: [String: String] = [:], warnings: [String], exchanges: [Exchange])
        /// Refused as API Gateway's import refuses it (the reason), with a text of the first error.
        case refused(reason: String, error: String)
    }

    static let missingToken = #"{"message":"Missing Authentication Token"}"#
    static let notFound = #"{"message":"Not Found"}"#

    // AWS service integrations (Kinesis, S3, DynamoDB, EventBridge and SQS subtypes below) load without a warning:
    // they are served by `services:` backends (none here, so a request to one answers 500, never a silent 200).

    static let corpus: [String: Expectation] = [
        "dg-api-as-kinesis-proxy-export-swagger-with-extensions__0.json": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/nowhere", status: "403 Forbidden", response: missingToken),
            Exchange(request: "PATCH /test/streams", status: "403 Forbidden", response: missingToken),
        ]),
        "dg-api-as-lambda-proxy-export-swagger-with-extensions__0.json": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/calc", status: "400 Bad Request",
                     response: #"{"message": "Missing required request parameters: [operand2, operator, operand1]"}"#),
            Exchange(request: "GET /test/calc?operand1=1&operand2=2", status: "400 Bad Request",
                     response: #"{"message": "Missing required request parameters: [operator]"}"#),
            Exchange(request: "POST /test/calc", body: #"{"a": 1, "b": 2}"#, status: "400 Bad Request", response: #"{"message": "Invalid request body"}"#),
            Exchange(request: "GET /test/nowhere", status: "403 Forbidden", response: missingToken),
        ]),
        "dg-api-gateway-content-encodings-examples-image-lambda__0.json": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/", status: "403 Forbidden", response: missingToken),
            Exchange(request: "POST /test/lambda", status: "403 Forbidden", response: missingToken),
        ]),
        "dg-api-gateway-extensions-integrations__0.json": .loads(.http, warnings: [
            "this document has HTTP API signals (components.x-amazon-apigateway-integrations (line 57), payloadFormatVersion (line 65)) and REST API signals (passthroughBehavior (line 64)); read as an HTTP API",
            "'passthroughBehavior' is a REST API integration key, ignored by an HTTP API",
            "'passthroughBehavior' is a REST API integration key, ignored by an HTTP API",
        ], exchanges: [
            Exchange(request: "GET /nowhere", status: "404 Not Found", response: notFound),
            Exchange(request: "DELETE /pets", status: "404 Not Found", response: notFound),
        ]),
        "dg-api-gateway-request-validation-sample-api-swagger__0.json": .refused(
            reason: "its integration response 'default' maps a header onto status 400, which declares no method response; API Gateway's import fails with "
                + "'Errors found during import: Unable to put integration response ... Invalid mapping expression parameter specified' (rule book section 7)",
            error: "invalid mapping expression parameter: 'method.response.header.test-method-response-header' in integration response 'default' of POST /validation"),
        "dg-http-api-open-api__4.json": .loads(.http, warnings: [], exchanges: [
            Exchange(request: "GET /nowhere", status: "404 Not Found", response: notFound),
            Exchange(request: "DELETE /pets", status: "404 Not Found", response: notFound),
        ]),
        // API Gateway's import variables (${AWS::Region}, ...) in a plain-string uri.
        "dg-import-api-aws-variables__0.yaml": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/nowhere", status: "403 Forbidden", response: missingToken),
        ]),
        "dg-set-up-lambda-proxy-integrations__0.json": .loads(.rest, warnings: [], exchanges: [
            // `/{proxy+}` does not match the root, which has no method.
            Exchange(request: "GET /test", status: "403 Forbidden", response: missingToken),
        ]),
        "dg-setup-http-integrations__0.json": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/", status: "403 Forbidden", response: missingToken),
        ]),
        "dg-simple-calc-lambda-api-swagger-definition__0.json": .loads(.rest, warnings: [], exchanges: [
            // The MOCK `ANY /{a}` answers 404 with its response template.
            Exchange(request: "GET /test/seven", status: "404 Not Found", response: #"{ "Message" : "Can't GET /{a}" }"#),
            Exchange(request: "DELETE /test/seven/eight", status: "404 Not Found", response: #"{ "Message" : "Can't DELETE /{a}/{b}" }"#),
        ]),
        "ls-openapi-mock.json": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/echo/hello", status: "200 OK", response: #"{"echo": "hello", "response": "mocked"}"#),
            Exchange(request: "GET /test/echo", status: "403 Forbidden", response: missingToken),
        ]),
        "ls-openapi.cognito-auth.json": .loads(.rest, warnings: [
            "this document has HTTP API signals (payloadFormatVersion (line 120)) and REST API signals (responses (line 20), passthroughBehavior (line 26), integration type 'http' (line 28)); read as a REST API",
            // The Cognito authorizers are enforced; their pool ARNs are deployment placeholders.
            "providerARNs entry '${cognito_pool_arn}' of authorizer 'cognito-test-identity-source' is not a user pool ARN",
            "providerARNs entry '${cognito_pool_arn}' of authorizer 'extra-test-identity-source' is not a user pool ARN",
            "payloadFormatVersion is an HTTP API (v2) setting and is ignored by a REST API integration",
        ], exchanges: [
            Exchange(request: "GET /test/nowhere", status: "403 Forbidden", response: missingToken),
        ]),
        "ls-openapi.spec.stage-variables.json": .loads(.http, warnings: [], exchanges: [
            Exchange(request: "GET /nowhere", status: "404 Not Found", response: notFound),
        ]),
        "ls-swagger-mock-cors.json": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "OPTIONS /test/product", status: "200 OK", response: "{}\n"),
            Exchange(request: "OPTIONS /test/product/42", status: "200 OK", response: "{}\n"),
            Exchange(request: "DELETE /test/product", status: "403 Forbidden", response: missingToken),
        ]),
        // `title: {Ref: AWS::StackName}`, Fn::Sub ${X.Arn} uris, and the `$default` path as SAM writes it.
        "sam-http_api_existing_openapi.body.yaml": .loads(.http, warnings: [
            // The JWT authorizers (query string identity sources) are enforced.
            "unknown key 'openIdConnectUrl' in securitySchemes.OpenIdAuth.x-amazon-apigateway-authorizer is ignored",
            "route 'GET /get/{something}/with/{params}' has no x-amazon-apigateway-integration",
            "route '$default' has no x-amazon-apigateway-integration",
        ], exchanges: [
            // Unmatched requests go to the $default route, which has no integration.
            Exchange(request: "GET /nowhere", status: "404 Not Found", response: notFound),
        ]),
        "sam-sp-apigw-direct-s3-lambda-dotnet.body.yaml": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/", status: "403 Forbidden", response: missingToken),
        ]),
        "sam-sp-apigw-lambda-authorizer-custom-header.body.yaml": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "POST /test/", status: "403 Forbidden", response: missingToken),
        ]),
        "sam-sp-apigw-lambda-json-xml-vtl-transformation.body.yaml": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/", status: "403 Forbidden", response: missingToken),
        ]),
        "sam-sp-private-apigw-custom-domain.body.yaml": .loads(.rest, parameters: ["VpcEndpointDNSName": "vpce-0a1b2c3d4e5f67890-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"], warnings: ["resource policies (x-amazon-apigateway-policy)"], exchanges: [
            // The template is single-quoted YAML, so its backslashes are in the template, and VTL keeps them.
            Exchange(request: "GET /test/", status: "200 OK", response: #"{\"message\":\"Hello from Amazon Private API Gateway\"\}"#),
            Exchange(request: "GET /test/other", status: "403 Forbidden", response: missingToken),
        ]),
        // Fn::Sub request templates naming the table, DynamoDB service integrations, a validator and a gateway response.
        "sp-apigw-dynamodb-lambda-scheduler-ses-auto-deletion-sam.yaml": .loads(.rest, parameters: ["RemindersTable": "reminders"],
                                                                               warnings: [], exchanges: [
            Exchange(request: "POST /test/reminders", body: #"{"description": "call mum"}"#, status: "400 Bad Request",
                     response: "{\n\"Invalid Request Body\": \"", prefix: true),
            Exchange(request: "GET /test/nowhere", status: "403 Forbidden", response: missingToken),
        ]),
        "sp-apigw-http-api-eventbridge.yaml": .loads(.http, warnings: [], exchanges: [
            Exchange(request: "GET /nowhere", status: "404 Not Found", response: notFound),
        ]),
        "sp-apigw-mappingtemplate-lambda.yaml": .loads(.rest, warnings: [], exchanges: [
            Exchange(request: "GET /test/nowhere", status: "403 Forbidden", response: missingToken),
        ]),
        "sp-apigw-openapi-lambda-dynamodb-xray-terraform.yaml": .refused(
            reason: "its uris are Terraform templatefile placeholders (${openapi_demo_lambda_uri}) that Terraform fills in before API Gateway sees the file; as written, API Gateway refuses the uri too",
            error: "integration uri '${openapi_demo_lambda_uri}' of POST /customers is not a Lambda invocation ARN"),
        // Fn::Sub of other resources (their ids given as parameters) and the list form in requestParameters.
        "sp-apigw-rest-apigw-rest.yaml": .loads(.rest, parameters: ["ReportingApi": "rep0123456", "UserManagementApi": "usr0123456", "ApiKeyValue": "secret-key"],
                                                warnings: [], exchanges: [
            Exchange(request: "GET /test/admin", status: "403 Forbidden", response: missingToken),
        ]),
        "sp-apigw-sqs-lambda.yaml": .loads(.http, parameters: ["MySqsQueue": "https://sqs.us-east-1.amazonaws.com/123456789012/my-queue"],
                                           warnings: [], exchanges: [
            Exchange(request: "GET /nowhere", status: "404 Not Found", response: notFound),
        ]),
    ]

    @Test(.enabled(if: directory != nil, Comment(rawValue: absent)))
    func everyFileIsInTheTable() throws {
        let directory = try #require(Self.directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") }
        #expect(files.count == 25)
        #expect(Set(files) == Set(Self.corpus.keys), "files without an expectation: \(Set(files).subtracting(Self.corpus.keys).sorted())")
    }

    @Test(.enabled(if: directory != nil, Comment(rawValue: absent)), arguments: corpus.keys.sorted())
    func loadsAndAnswersAsAPIGateway(file: String) async throws {
        let directory = try #require(Self.directory)
        let path = directory + "/" + file
        let expectation = try #require(Self.corpus[file])
        let loaded: Result<APIDefinition, DiagnosticsError>
        do {
            var parameters: [String: String] = [:]
            if case let .loads(_, _, values, _, _) = expectation { parameters = values }
            loaded = .success(try APIDefinition.load(path: path, type: nil, parameters: ImportParameters(values: parameters)) { _ in
                Diagnostic(file: file, message: "undetermined kind")
            })
        } catch {
            loaded = .failure(error)
        }
        switch (expectation, loaded) {
        case let (.refused(_, text), .failure(error)):
            #expect(error.errors.first?.message.contains(text) == true, "\(error.errors)")
        case let (.refused(reason, _), .success):
            Issue.record("\(file) loads, but API Gateway refuses it: \(reason)")
        case let (.loads, .failure(error)):
            Issue.record("\(file) does not load: \(error.diagnostics.map(\.description))")
        case let (.loads(kind, stage, _, warnings, exchanges), .success(api)):
            #expect(api.kind == kind)
            let found = api.diagnostics.map(\.message)
            #expect(found.count == warnings.count, "\(api.diagnostics.map(\.description))")
            for (index, text) in warnings.enumerated() where index < found.count {
                #expect(found[index].contains(text), "warning \(index): \(found[index]) does not contain \(text)")
            }
            let served = api.makeHandler(stage: stage, stageVariables: [:], backends: BackendRegistry(lambdas: [:], httpHosts: [:]), iamCredentials: [:])
            try await withGatewayServer(served.handler) { port in
                for exchange in exchanges {
                    var head = exchange.request + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    if !exchange.body.isEmpty { head += "Content-Type: \(exchange.contentType)\r\nContent-Length: \(exchange.body.utf8.count)\r\n" }
                    let response = try WireResponse(try await rawExchange(port: port, head + "\r\n", body: bytes(exchange.body)))
                    #expect(response.statusLine == "HTTP/1.1 " + exchange.status, "\(file): \(exchange.request)")
                    let body = text(response.body)
                    #expect(exchange.prefix ? body.hasPrefix(exchange.response) : body == exchange.response, "\(file): \(exchange.request) answered \(body)")
                }
            }
        }
    }
}
