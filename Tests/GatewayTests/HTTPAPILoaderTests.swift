import Foundation
import Gateway
import HTTPMessage
import JSONCore
import SourceDiagnostics
import Testing
import TestSupport

/// Loading HTTP API definitions: the model, warnings, and load-time errors with positions.
@Suite struct HTTPAPILoaderTests {
    typealias Support = HTTPAPITestSupport

    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/HTTPAPI/outcome-http-api.yaml").path

    /// 1-based line and column of the first occurrence of `needle` in `text`.
    static func position(of needle: String, in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) {
                return (index + 1, line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }

    /// Expects exactly one error containing `message`, at the position of `needle`.
    func expectError(_ text: String, _ message: String, at needle: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let errors = Support.loadErrors(text).filter { $0.severity == .error }
        #expect(errors.count == 1, "errors: \(errors)", sourceLocation: sourceLocation)
        guard let error = errors.first else { return }
        #expect(error.message.contains(message), "message: \(error.message)", sourceLocation: sourceLocation)
        let expected = Self.position(of: needle, in: text)
        #expect(expected != nil, "'\(needle)' not in the document", sourceLocation: sourceLocation)
        #expect(error.line == expected?.line && error.column == expected?.column,
                "\(error.location) is not at '\(needle)' (\(expected.map { "\($0.line):\($0.column)" } ?? "?"))", sourceLocation: sourceLocation)
        #expect(error.file == "api.yaml", sourceLocation: sourceLocation)
    }

    // MARK: The export fixture

    @Test func loadsAnExportedHTTPAPI() throws {
        let api = try HTTPAPILoader.load(path: Self.fixturePath, displayName: "outcome-http-api.yaml")
        #expect(api.title == "outcome-http-api")
        #expect(api.file == "outcome-http-api.yaml")
        #expect(api.apiID.count == 10)
        #expect(api.routes.map(\.routeKey) == ["GET /v2/outcome", "POST /v1/outcome/{id}", "ANY /proxy/{proxy+}", "GET /legacy"])
        #expect(api.defaultRoute?.routeKey == "$default")
        #expect(api.referencedFunctions == ["OutcomeFunction", "OutcomeV1", "CatchAll"])
        #expect(api.referencedHosts == ["legacy.example.com:8080"])

        let v2 = try #require(api.routes.first?.integration)
        #expect(v2.target == .lambda(HTTPAPILambdaFunction(name: "OutcomeFunction")))
        #expect(v2.payloadFormat == .v2)
        #expect(v2.timeoutMilliseconds == 30_000)
        #expect(v2.responseParameters[200] == [HTTPAPIParameterMapping(action: .overwrite, target: .statusCode, value: .literal("206"))])
        #expect(api.routes[1].integration?.payloadFormat == .v1)
        #expect(api.routes[1].segments == [.literal("v1"), .literal("outcome"), .parameter("id")])
        #expect(api.routes[2].segments == [.literal("proxy"), .greedy("proxy")])
        #expect(api.routes[2].method == nil)
        #expect(api.defaultRoute?.integration?.target == .lambda(HTTPAPILambdaFunction(name: "CatchAll", qualifier: "live")))
        #expect(api.cors == HTTPAPICors(allowOrigins: ["*"]))

        let warnings = api.diagnostics.map { "\($0.location): \($0.severity.rawValue): \($0.message)" }
        // The JWT authorizer is enforced (no warning; see HTTPAPIJWTAuthorizerTests).
        #expect(warnings == [])
        #expect(api.routes[2].authorizationType == .jwt)
        #expect(api.routes[2].authorizerName == "jwt-authorizer")
    }

    @Test func servesTheExportedAPI() async throws {
        let api = try HTTPAPILoader.load(path: Self.fixturePath)
        let lambdas: [String: any LambdaBackend] = [
            "OutcomeFunction": FakeLambda.returning(#"{"message": "partial"}"#),
            "CatchAll": FakeLambda.returning(#""caught""#),
        ]
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: lambdas))
        let partial = await gateway.handle(Support.request("GET", "/v2/outcome"))
        #expect(partial.response.status == 206)
        #expect(Support.text(partial.response) == #"{"message": "partial"}"#)
        let caught = await gateway.handle(Support.request("DELETE", "/anything"))
        #expect(caught.response.status == 200)
        #expect(Support.text(caught.response) == "caught")
    }

    @Test func loadsJSONExportsAndFnSubListForm() throws {
        let json = """
        {"openapi": "3.0.1", "info": {"title": "json-api", "version": "1"},
         "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {
           "type": "aws_proxy", "payloadFormatVersion": "1.0",
           "uri": {"Fn::Sub": ["arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Name}", {"Name": "ListFn"}]}}}}},
         "x-amazon-apigateway-importexport-version": "1.0"}
        """
        let api = try Support.load(json, file: "api.json")
        #expect(api.title == "json-api")
        #expect(api.referencedFunctions == ["ListFn"])
        #expect(api.routes.first?.integration?.payloadFormat == .v1)
        #expect(api.diagnostics.isEmpty)
    }

    @Test func missingFileIsADiagnostic() {
        do {
            _ = try HTTPAPILoader.load(path: "/nonexistent/api.yaml", displayName: "apis/missing.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "apis/missing.yaml: error: no such file")
        }
    }

    // MARK: Detection

    @Test func detectsHTTPAPIsFromTheirExtensions() {
        let exported = Support.document([("get", "/x", Support.lambdaIntegration("fn"))])
        #expect(HTTPAPILoader.looksLikeHTTPAPI(text: exported))
        #expect(HTTPAPILoader.detectKind(text: exported) == .httpAPI)

        let payloadOnly = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, payloadFormatVersion: "1.0", uri: "arn:aws:lambda:us-east-1:1:function:f"}
        """
        #expect(HTTPAPILoader.looksLikeHTTPAPI(text: payloadOnly))

        let rest = """
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: aws
                uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"
                responses: {default: {statusCode: "200"}}
        """
        #expect(!HTTPAPILoader.looksLikeHTTPAPI(text: rest))
        #expect(HTTPAPILoader.detectKind(text: rest) == .restAPI)

        let ambiguous = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:lambda:us-east-1:1:function:f"}
        """
        #expect(!HTTPAPILoader.looksLikeHTTPAPI(text: ambiguous))
        #expect(HTTPAPILoader.detectKind(text: ambiguous) == .undetermined)
        #expect(!HTTPAPILoader.looksLikeHTTPAPI(text: "{{{ not yaml"))
        #expect(HTTPAPILoader.detectKind(path: Self.fixturePath) == .httpAPI)
        #expect(HTTPAPILoader.detectKind(path: "/nonexistent.yaml") == .undetermined)
    }

    // MARK: Load-time errors

    @Test func reservedHeaderMappingIsALoadTimeError() {
        for header in ["Content-Length", "x-amzn-RequestId", "Access-Control-Allow-Origin", "apigw-requestid", "Via"] {
            let text = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
            responseParameters:
              "200":
                overwrite:header.\(header): "x"
            """))])
            expectError(text, "header '\(header)' is reserved: HTTP APIs do not allow mapping it", at: "overwrite:header.\(header)")
        }
        let request = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        requestParameters:
          append:header.Authorization: "Bearer x"
        """))])
        expectError(request, "header 'Authorization' is reserved", at: "append:header.Authorization")
    }

    @Test func missingPayloadFormatVersion() {
        let text = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                uri: "arn:aws:lambda:us-east-1:123456789012:function:f"
        """
        expectError(text, "missing required key 'payloadFormatVersion'", at: "type: aws_proxy")
    }

    @Test func invalidPayloadFormatVersion() {
        let text = Support.document([("get", "/x", Support.lambdaIntegration("fn", version: "3.0"))])
        expectError(text, #"payloadFormatVersion must be "1.0" or "2.0", found '3.0'"#, at: "\"3.0\"")
    }

    @Test func misspeltIntegrationKeyHasAHint() {
        let text = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: "timeoutInMilis: 100"))])
        expectError(text, "unknown key 'timeoutInMilis' in x-amazon-apigateway-integration of 'GET /x' (did you mean 'timeoutInMillis'?)",
                    at: "timeoutInMilis")
    }

    @Test func restOnlyIntegrationTypeAndKeys() throws {
        let mock = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: mock
                payloadFormatVersion: "1.0"
                uri: "http://x"
        """
        expectError(mock, "integration type 'mock' is not available in HTTP APIs", at: "mock")
        let responses = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: "responses: {default: {statusCode: \"200\"}}"))])
        // Like API Gateway's import without failOnWarnings: a warning, and the key is ignored.
        let api = try HTTPAPILoader.load(text: responses, file: "api.yaml")
        #expect(api.diagnostics.map(\.description) == [
            "api.yaml:\(Self.position(of: "responses:", in: responses).map { "\($0.line):\($0.column)" } ?? "?"): warning: 'responses' is a REST API integration key, "
                + "ignored by an HTTP API as API Gateway's import ignores it: HTTP APIs have no integration responses; use responseParameters keyed by status code",
        ])
        #expect(api.allRoutes.map(\.routeKey) == ["GET /x"])
    }

    @Test("a $context variable the emulator does not fill is a load-time warning in the one 'not supported' wording")
    func unknownContextVariableInAMappingWarnsThroughTheUnsupportedFactory() throws {
        let text = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        requestParameters:
          append:header.x-vpc: "$context.vpcEndpointId"
        """))])
        let api = try HTTPAPILoader.load(text: text, file: "api.yaml")
        let position = Self.position(of: "\"$context.vpcEndpointId\"", in: text).map { "\($0.line):\($0.column)" } ?? "?"
        #expect(api.diagnostics.map(\.description) == [
            "api.yaml:\(position): warning: not supported by the emulator yet: context variable '$context.vpcEndpointId'; it renders empty",
        ])
    }

    @Test func anUnknownAuthorizerKeyIsAWarningAsHTTPAPIImportTreatsIt() throws {
        // SAM bodies carry `openIdConnectUrl` inside the JWT authorizer; API Gateway's HTTP API import warns and goes on.
        let text = Support.document([("get", "/x", Support.lambdaIntegration("fn"))]) + """
        components:
          securitySchemes:
            oidc:
              type: openIdConnect
              x-amazon-apigateway-authorizer:
                type: jwt
                identitySource: $request.header.Authorization
                jwtConfiguration: { audience: [api], issuer: "https://issuer.example.com" }
                openIdConnectUrl: https://issuer.example.com/.well-known/openid-configuration
        """
        let api = try HTTPAPILoader.load(text: text, file: "api.yaml")
        #expect(api.diagnostics.map(\.message).contains {
            $0.hasPrefix("unknown key 'openIdConnectUrl' in securitySchemes.oidc.x-amazon-apigateway-authorizer is ignored, as API Gateway's HTTP API import ignores it")
        }, "\(api.diagnostics)")
    }

    @Test func timeoutAboveThirtySeconds() {
        let text = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: "timeoutInMillis: 60000"))])
        expectError(text, "timeoutInMillis must be between 50 and 30000 for HTTP APIs, found 60000", at: "60000")
    }

    @Test func uriThatIsNotALambdaARN() {
        let text = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: "arn:aws:s3:::my-bucket"
        """
        expectError(text, "uri 'arn:aws:s3:::my-bucket' is not a Lambda function ARN", at: "\"arn:aws:s3")
    }

    @Test func unsupportedFnSubReference() {
        let text = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:${AWS::NoSuchThing}:function:f"}
        """
        expectError(text, "cannot resolve '${AWS::NoSuchThing}' in Fn::Sub", at: "\"arn:aws:lambda:${AWS")
    }

    @Test func malformedRoutePaths() {
        let greedy = Support.document([("get", "/files/{path+}/meta", Support.lambdaIntegration("fn"))])
        expectError(greedy, "the greedy variable '{path+}' must be the last segment", at: "/files/{path+}/meta:")
        let partial = Support.document([("get", "/files/v{version}", Support.lambdaIntegration("fn"))])
        expectError(partial, "a path variable must be a whole segment", at: "/files/v{version}:")
        let noSlash = Support.document([("get", "files", Support.lambdaIntegration("fn"))])
        expectError(noSlash, "route path 'files' must start with '/'", at: "files:")
    }

    @Test func conflictingRoutes() {
        let text = Support.document([
            ("get", "/items/{id}", Support.lambdaIntegration("fn")),
            ("get", "/items/{itemId}", Support.lambdaIntegration("fn")),
        ])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let firstGet = lines.firstIndex { $0.contains("/items/{id}:") }! + 2
        let errors = Support.loadErrors(text)
        #expect(errors.map(\.message) == ["route 'GET /items/{itemId}' conflicts with 'GET /items/{id}' (line \(firstGet)): the paths differ only in variable names"])
    }

    @Test func mappingTargetsAndValuesInTheWrongPlace() {
        let statusInRequest = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        requestParameters:
          overwrite:statuscode: "200"
        """))])
        expectError(statusInRequest, "the status code can only be mapped in responseParameters", at: "overwrite:statuscode")

        let responseInRequest = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        requestParameters:
          overwrite:header.x-a: "$response.header.x"
        """))])
        expectError(responseInRequest, "'$response.header.x' is not available in requestParameters", at: "\"$response.header.x\"")

        let badStatus = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        responseParameters:
          "200":
            overwrite:statuscode: "2OO"
        """))])
        expectError(badStatus, "overwrite:statuscode needs a status code between 100 and 599, found '2OO'", at: "\"2OO\"")

        let badKey = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        responseParameters:
          "2xx":
            overwrite:statuscode: "200"
        """))])
        expectError(badKey, "responseParameters are keyed by the integration's status code (100-599), found '2xx'", at: "\"2xx\"")

        let badAction = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        responseParameters:
          "200":
            ovewrite:header.x-a: "1"
        """))])
        expectError(badAction, "unknown mapping action 'ovewrite' in 'ovewrite:header.x-a': use append, overwrite or remove (did you mean 'overwrite'?)",
                    at: "ovewrite:header.x-a")

        let appendStatus = Support.document([("get", "/x", Support.lambdaIntegration("fn", extra: """
        responseParameters:
          "200":
            append:statuscode: "201"
        """))])
        expectError(appendStatus, "the status code can only be overwritten", at: "append:statuscode")
    }

    @Test func swaggerDocumentIsRejectedWithAHint() {
        let text = """
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths: {}
        """
        expectError(text, "this is an OpenAPI 2.0 (Swagger) document", at: "swagger")
    }

    @Test func invalidYAMLIsADiagnosticWithAPosition() {
        let diagnostics = Support.loadErrors("openapi: \"3.0.1\"\npaths:\n  /x: [unclosed\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("invalid YAML") == true)
        #expect(diagnostics.first?.line != nil)
    }

    @Test func everyErrorIsReportedAtOnce() {
        let text = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        pahts: {}
        paths:
          /a:
            gett: {}
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                uri: "not an arn"
                timeoutInMillis: 10
        """
        let messages = Support.loadErrors(text).map(\.description)
        #expect(messages == [
            "api.yaml:3:1: error: unknown key 'pahts' in the document (did you mean 'paths'?)",
            "api.yaml:6:5: error: unknown key 'gett' in paths./a (did you mean 'get'?)",
            "api.yaml:9:9: error: missing required key 'payloadFormatVersion' in x-amazon-apigateway-integration of 'GET /a': Lambda integrations of HTTP APIs need \"1.0\" or \"2.0\"",
            "api.yaml:10:14: error: uri 'not an arn' is not a Lambda function ARN (arn:aws:lambda:{region}:{account}:function:{name}) or invocation ARN (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations)",
            "api.yaml:11:26: error: timeoutInMillis must be between 50 and 30000 for HTTP APIs, found 10",
        ])
    }

    // MARK: Warnings

    @Test func unsupportedFeaturesAreWarnings() async throws {
        let text = """
        openapi: "3.0.1"
        info: {title: t, version: "1"}
        paths:
          /svc:
            post:
              x-amazon-apigateway-integration:
                type: aws
                integrationSubtype: AppConfig-GetConfiguration
                payloadFormatVersion: "1.0"
                credentials: "arn:aws:iam::123456789012:role/r"
                requestParameters:
                  Application: "$request.header.app"
          /vpc:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                payloadFormatVersion: "1.0"
                connectionType: VPC_LINK
                connectionId: abc123
                uri: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/y/z"
          /get-lambda:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                httpMethod: GET
                uri: "arn:aws:lambda:us-east-1:123456789012:function:f"
                responseParameters:
                  "200":
                    overwrite:header.x-a: "$context.authorizer.claims.sub"
        x-amazon-apigateway-policy: {}
        """
        let api = try Support.load(text)
        let warnings = api.diagnostics.map(\.description)
        #expect(warnings == [
            "api.yaml:31:1: warning: not supported by the emulator yet: x-amazon-apigateway-policy",
            "api.yaml:8:29: warning: not supported by the emulator yet: AWS service integration to AppConfig (GetConfiguration, integrationSubtype AppConfig-GetConfiguration) on 'POST /svc'; the route loads and requests to it answer 500 Internal Server Error",
            "api.yaml:18:25: warning: not supported by the emulator yet: VPC link integrations ('GET /vpc'); the emulator answers 500",
            "api.yaml:26:21: warning: Lambda is always invoked with POST; httpMethod 'GET' is ignored",
        ])
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry())
        let outcome = await gateway.handle(Support.request("POST", "/svc"))
        #expect(outcome.response.status == 500)
        #expect(outcome.log.detail == "not supported by the emulator: AWS service integration to AppConfig (GetConfiguration, integrationSubtype AppConfig-GetConfiguration) on 'POST /svc'")
    }
}
