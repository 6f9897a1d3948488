import Foundation
import Gateway
import SourceDiagnostics
import Testing

@Suite struct RESTAPILoaderTests {
    @Test func loadsTheFixtureWithItsBackends() throws {
        let api = try RESTAPILoader.load(path: Fixtures.path("rest-api.yaml"), displayName: "rest-api.yaml")
        #expect(api.title == "gatecheck-rest-fixture")
        #expect(api.file == "rest-api.yaml")
        #expect(api.diagnostics.isEmpty, "\(api.diagnostics)")
        #expect(api.apiID.count == 10)
        #expect(api.binaryMediaTypes == ["image/png", "application/octet-stream"])
        #expect(api.referencedFunctionNames == ["ItemsFunction", "StatusFunction", "PartialFunction", "SlowFunction", "ImageFunction"])
        #expect(api.referencedFunctionNames(stageVariables: ["fn": "Other"])
                == ["ItemsFunction", "StatusFunction", "PartialFunction", "SlowFunction", "ImageFunction", "Other"])
        #expect(api.referencedHTTPHosts == ["upstream.test"])
        let proxy = try #require(api.resources.first { $0.path == "/{proxy+}" })
        #expect(proxy.methods.map(\.httpMethod) == ["ANY"])
        #expect(proxy.methods[0].integration.kind == .httpProxy)
        let http = try #require(api.allMethods.first { $0.resourcePath == "/http" })
        #expect(http.integration.responses.map(\.selectionPattern) == [#"2\d{2}"#, #"4\d{2}"#])
        #expect(http.methodResponses["200"]?.headers == ["X-Backend", "Server"])
        // Fn::Sub resolved to a Lambda invocation ARN.
        let items = try #require(api.allMethods.first { $0.resourcePath == "/items" })
        #expect(items.integration.target == .lambda("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:ItemsFunction/invocations"))
    }

    @Test func everyImportErrorIsReportedWithItsPosition() throws {
        do {
            _ = try RESTAPILoader.load(path: Fixtures.path("invalid-api.yaml"), displayName: "invalid-api.yaml")
            Issue.record("the invalid definition loaded")
        } catch {
            let found = error.errors.map { "\($0.line ?? 0):\($0.column ?? 0)" }
            let expected: [(String, String)] = [
                ("9:15", "unknown integration type 'lambda_proxy' in x-amazon-apigateway-integration of GET /unknown-type: expected one of aws, aws_proxy, http, http_proxy, mock"),
                ("23:15", "invalid mapping expression parameter: 'method.response.header.X-Missing' in integration response 'default' of GET /undeclared-header maps to header 'X-Missing', which the method response 200 does not declare"),
                ("33:13", "malformed mapping template (POST /bad-template request template application/json): line 1, column 1 of the template: "),
                ("48:11", #"invalid selection pattern '4\d{2}(' in GET /bad-regex: not a valid regular expression"#),
                ("51:5", "GET /no-integration has no x-amazon-apigateway-integration"),
                ("60:14", "integration uri 'arn:aws:lambda:us-east-1:123456789012:function:F' of POST /not-lambda is not a Lambda invocation ARN"),
                ("65:9", "unknown key 'passthroughBehaviour' in x-amazon-apigateway-integration of GET /typo (did you mean 'passthroughBehavior'?)"),
                ("70:30", "invalid passthroughBehavior 'SOMETIMES'"),
                ("77:25", "statusCode '2000' in integration response 'default' of GET /bad-status is not an HTTP status code"),
                ("93:43", "invalid mapping expression 'integration.response.payload.a'"),
                ("99:14", "integration uri 'backend.test/path' of GET /bad-http-uri is not an absolute http(s) URL"),
                ("100:3", "resource path '/{proxy+}/tail': the greedy parameter '{proxy+}' must be the last segment"),
                ("105:3", "unknown gateway response type 'MISSING_AUTH_TOKEN'"),
            ]
            #expect(found == expected.map(\.0), "\(error)")
            for (diagnostic, (_, message)) in zip(error.errors, expected) {
                #expect(diagnostic.message.hasPrefix(message), "\(diagnostic)")
                #expect(diagnostic.file == "invalid-api.yaml")
            }
        }
    }

    @Test func unsupportedFeaturesAreWarnings() throws {
        let text = """
        openapi: 3.0.1
        info: {title: warnings, version: "1"}
        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true, validateRequestParameters: true}
        x-amazon-apigateway-something-new: true
        components:
          securitySchemes:
            MyAuthorizer:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: [arn]}
        paths:
          /s3:
            get:
              security:
                - MyAuthorizer: []
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: GET
                uri: arn:aws:apigateway:us-east-1:s3:path/bucket/key
                contentHandling: CONVERT_TO_TEXT
                responses:
                  default: {statusCode: "200"}
        """
        let api = try RESTAPILoader.load(text: text, file: "warnings.yaml")
        let warnings = api.diagnostics.map { "\($0.location): \($0.severity.rawValue)" }
        #expect(warnings == ["warnings.yaml:5:1: warning", "warnings.yaml:8:5: warning",
                             "warnings.yaml:16:7: warning", "warnings.yaml:21:14: warning"], "\(api.diagnostics)")
        #expect(api.diagnostics.allSatisfy { $0.message.hasPrefix("not supported by the emulator yet: ") })
        #expect(api.diagnostics[1].message.contains("Cognito user pool authorizer 'MyAuthorizer'"))
        #expect(api.diagnostics[2].message.contains("Cognito user pool authorizer 'MyAuthorizer' on GET /s3"))
        #expect(api.diagnostics[3].message.contains("AWS service integration"))
    }

    @Test func yamlSyntaxErrorsAndWrongDocumentsArePositioned() {
        #expect(throws: DiagnosticsError.self) { try RESTAPILoader.load(text: "openapi: 3.0.1\npaths: [unclosed\n", file: "bad.yaml") }
        do {
            _ = try RESTAPILoader.load(text: "swagger: '1.2'\npaths: {}\n", file: "swagger.yaml")
            Issue.record("a Swagger 1.2 document loaded")
        } catch {
            #expect(error.errors.map(\.description) == [#"swagger.yaml:1:10: error: unsupported Swagger version '1.2': expected "2.0" (or an OpenAPI 3.0 document)"#])
        }
        do {
            _ = try RESTAPILoader.load(path: "/nonexistent/api.yaml")
        } catch {
            #expect(error.errors.map(\.description) == ["/nonexistent/api.yaml: error: no such file"])
        }
    }

    @Test func templateErrorsPointIntoTheTemplate() {
        let text = """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200} #foreach($x in $list) $x'
                responses:
                  default: {statusCode: "200"}
        """
        do {
            _ = try RESTAPILoader.load(text: text, file: "t.yaml")
            Issue.record("a template without #end loaded")
        } catch {
            #expect(error.errors.count == 1)
            // The quote is at column 29, so the template starts at column 30; `#foreach` is at column 21 of the template.
            #expect(error.errors.first?.location == "t.yaml:10:50", "\(error)")
            #expect(error.errors.first?.message.hasPrefix("malformed mapping template (GET /a request template application/json): line 1, column 21 of the template: ") == true, "\(error)")
        }
    }

    @Test func invalidContentHandlingIsAnError() {
        let text = """
        openapi: 3.0.1
        info: {title: c, version: "1"}
        paths:
          /a:
            get:
              x-amazon-apigateway-integration:
                type: mock
                contentHandling: CONVERT_TO_JSON
        """
        do {
            _ = try RESTAPILoader.load(text: text, file: "c.yaml")
            Issue.record("an invalid contentHandling loaded")
        } catch {
            #expect(error.errors.map(\.description) == ["c.yaml:8:26: error: invalid contentHandling 'CONVERT_TO_JSON' in x-amazon-apigateway-integration of GET /a: expected CONVERT_TO_TEXT or CONVERT_TO_BINARY"])
        }
    }

    @Test func jsonDocumentsLoadToo() throws {
        let json = #"""
        {"openapi": "3.0.1", "info": {"title": "json", "version": "1"},
         "paths": {"/ping": {"get": {"responses": {"200": {"description": "ok"}},
           "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
             "responses": {"default": {"statusCode": "200"}}}}}}}
        """#
        let api = try RESTAPILoader.load(text: json, file: "api.json")
        #expect(api.allMethods.map { "\($0.httpMethod) \($0.resourcePath)" } == ["GET /ping"])
        #expect(api.exportedStageName == nil)
        let exported = json.replacingOccurrences(of: #""paths":"#, with: #""servers": [{"url": "https://abc.execute-api.us-east-1.amazonaws.com/{basePath}", "variables": {"basePath": {"default": "/prod"}}}], "paths":"#)
        #expect(try RESTAPILoader.load(text: exported, file: "api.json").exportedStageName == "prod")
    }

    @Test func fnSubWithPseudoParametersAndSubTag() throws {
        let text = """
        openapi: 3.0.1
        info: {title: sub, version: "1"}
        paths:
          /a:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Name}/invocations"
          /b:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri:
                  Fn::Sub:
                    - arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn}/invocations
                    - Fn: arn:aws:lambda:us-east-1:123456789012:function:Listed
        """
        do {
            _ = try RESTAPILoader.load(text: text, file: "sub.yaml")
            Issue.record("an unresolvable ${Name} loaded")
        } catch {
            #expect(error.errors.map(\.location) == ["sub.yaml:9:14"], "\(error)")
            #expect(error.errors.first?.message.hasPrefix("cannot resolve '${Name}' in Fn::Sub") == true)
        }
        let fixed = text.replacingOccurrences(of: "${Name}", with: "${Named.Arn}").replacingOccurrences(of: "function:${Named.Arn}", with: "function:Named")
        let api = try RESTAPILoader.load(text: fixed, file: "sub.yaml")
        #expect(api.referencedFunctionNames == ["Named", "Listed"])
    }
}

/// A document as `aws apigateway get-export --export-type oas30 --parameters extensions=integrations` writes it.
@Suite struct RESTExportedAPITests {
    @Test func petStoreExportLoadsAndServes() async throws {
        let api = try RESTAPILoader.load(path: Fixtures.path("petstore-export.json"), displayName: "petstore-export.json")
        #expect(api.diagnostics.isEmpty, "\(api.diagnostics)")
        #expect(api.exportedStageName == "prod")
        #expect(api.referencedHTTPHosts == ["petstore.execute-api.us-east-1.amazonaws.com"])
        let seen = Recorder<UpstreamRequest>()
        let upstream = ClosureUpstream { request in
            await seen.record(request)
            return .success(UpstreamResponse(status: 200, headers: ["Content-Type": "application/json"], body: bytes(#"{"id":1,"type":"dog","price":249.99}"#)))
        }
        let gateway = RESTGateway(api: api, stage: StageSettings(name: api.exportedStageName ?? "test"),
                                  backends: BackendRegistry(httpHosts: ["petstore.execute-api.us-east-1.amazonaws.com": upstream]))
        let pet = await gateway.handle(GatewayRequest(method: "GET", target: "/prod/pets/1"))
        #expect(pet.response.status == 200)
        #expect(text(pet.response.body) == #"{"id":1,"type":"dog","price":249.99}"#)
        expectHeaders(pet.response, mapped: [("Access-Control-Allow-Origin", "*")], trace: .generated)
        #expect(try #require(await seen.last).url == "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets/1")
        _ = await gateway.handle(GatewayRequest(method: "GET", target: "/prod/pets?type=dog&page=2&ignored=x"))
        #expect(try #require(await seen.last).url == "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets?page=2&type=dog")
        let preflight = await gateway.handle(GatewayRequest(method: "OPTIONS", target: "/prod/pets"))
        #expect(preflight.response.status == 200)
        #expect(preflight.response.body.isEmpty)
        expectHeaders(preflight.response, mapped: [("Access-Control-Allow-Methods", "POST,GET,OPTIONS"),
                                                   ("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key"),
                                                   ("Access-Control-Allow-Origin", "*")], trace: .none)
    }
}
