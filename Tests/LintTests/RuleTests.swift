import Foundation
import Lint
import Testing

/// Each rule of `gatecheck lint` (beyond LintTests' first five): a definition that triggers it and one that does not.
@Suite struct RuleTests {
    /// A REST API with one non-proxy method: its integration block and its declared responses/parameters.
    static func rest(path: String = "/orders", method: String = "post", declared: String = #""200": {description: ok}"#,
                     parameters: String = "[]", integration: String) -> String {
        """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          \(path):
            \(method):
              parameters: \(parameters)
              responses: {\(declared)}
              x-amazon-apigateway-integration:
        \(integration.split(separator: "\n", omittingEmptySubsequences: false).map { "          " + $0 }.joined(separator: "\n"))
        """
    }

    static let lambdaURI = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:orders/invocations"

    func lint(_ text: String, name: String = "api.yaml") throws -> [LintFinding] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        let report = Linter().lint(paths: [url.path])
        #expect(report.unreadable.isEmpty, "\(report.unreadable)")
        return report.findings
    }

    func findings(_ text: String, rule: String) throws -> [LintFinding] {
        try lint(text).filter { $0.ruleID == rule }
    }

    // MARK: selection patterns

    @Test func anInvalidRegexIsAnError() throws {
        let found = try findings(Self.rest(declared: #""200": {description: ok}, "400": {description: bad}"#, integration: #"""
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        responses:
          default: {statusCode: "200"}
          '4(\d{2}': {statusCode: "400"}
        """#), rule: "selection-pattern-invalid-regex")
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.line == 14)
        #expect(found.first?.message == "selection pattern '4(\\d{2}' of POST /orders is not a valid regular expression; API Gateway rejects the integration response")
        #expect(try findings(Self.rest(declared: #""200": {description: ok}, "400": {description: bad}"#, integration: #"""
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        responses:
          default: {statusCode: "200"}
          '4\(\d{2}': {statusCode: "400"}
        """#), rule: "selection-pattern-invalid-regex").isEmpty)
    }

    @Test func anHTTPPatternMatchingNoStatusCodeIsNeverSelected() throws {
        let integration = #"""
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        responses:
          default: {statusCode: "200"}
          PATTERN: {statusCode: "404"}
        """#
        let declared = #""200": {description: ok}, "404": {description: missing}"#
        let found = try findings(Self.rest(declared: declared, integration: integration.replacingOccurrences(of: "PATTERN", with: ".*Not Found.*")),
                                 rule: "selection-pattern-matches-no-status")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("selection pattern '.*Not Found.*' of POST /orders matches no HTTP status code, but a HTTP integration's selection value is the status code") == true)
        #expect(try findings(Self.rest(declared: declared, integration: integration.replacingOccurrences(of: "PATTERN", with: "404")),
                             rule: "selection-pattern-matches-no-status").isEmpty)
        // A Lambda's selection value is the errorMessage: the same pattern is right there.
        let lambda = integration.replacingOccurrences(of: "PATTERN", with: ".*Not Found.*")
            .replacingOccurrences(of: "type: http\nhttpMethod: GET\nuri: https://example.com/orders", with: "type: aws\nhttpMethod: POST\nuri: \(Self.lambdaURI)")
        #expect(try findings(Self.rest(declared: declared, integration: lambda), rule: "selection-pattern-matches-no-status").isEmpty)
    }

    @Test func noDefaultResponseGives500ForUnmatchedOutcomes() throws {
        let lambda = try findings(Self.rest(declared: #""400": {description: bad}"#, integration: """
        type: aws
        httpMethod: POST
        uri: \(Self.lambdaURI)
        responses:
          .*Invalid.*: {statusCode: "400"}
        """), rule: "integration-response-no-default")
        #expect(lambda.map(\.severity) == [.error])
        #expect(lambda.first?.message == "POST /orders has no default integration response, and a successful Lambda invocation's selection value is empty, which none of its patterns matches: every success gets 500 Internal server error")
        let http = try findings(Self.rest(declared: #""404": {description: missing}"#, integration: """
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        responses:
          "404": {statusCode: "404"}
        """), rule: "integration-response-no-default")
        #expect(http.map(\.severity) == [.warning])
        let none = try findings(Self.rest(integration: "type: mock\nrequestTemplates: {application/json: '{\"statusCode\": 200}'}"), rule: "integration-response-no-default")
        #expect(none.map(\.severity) == [.error])
        #expect(none.first?.message.contains("without any integration response, so every request gets 500") == true)
        #expect(try findings(Self.rest(declared: #""200": {description: ok}, "400": {description: bad}"#, integration: """
        type: aws
        httpMethod: POST
        uri: \(Self.lambdaURI)
        responses:
          default: {statusCode: "200"}
          .*Invalid.*: {statusCode: "400"}
        """), rule: "integration-response-no-default").isEmpty)
        // A proxy selects nothing.
        #expect(try findings(Self.rest(integration: "type: aws_proxy\nhttpMethod: POST\nuri: \(Self.lambdaURI)"), rule: "integration-response-no-default").isEmpty)
    }

    // MARK: method responses and overrides

    @Test func aMethodResponseNothingProducesIsANote() throws {
        let integration = #"""
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        responses:
          default:
            statusCode: "200"
        """#
        let found = try findings(Self.rest(declared: #""200": {description: ok}, "404": {description: missing}"#, integration: integration),
                                 rule: "method-response-never-produced")
        #expect(found.map(\.severity) == [.note])
        #expect(found.first?.message.hasPrefix("method response 404 of POST /orders is declared, but no integration response maps to 404") == true)
        #expect(found.first?.line == 7)
        // A template overriding the status to 404 produces it.
        let overriding = integration + "\n    responseTemplates:\n      application/json: '#if($input.path(\"$.missing\"))#set($context.responseOverride.status = 404)#end'"
        #expect(try findings(Self.rest(declared: #""200": {description: ok}, "404": {description: missing}"#, integration: overriding),
                             rule: "method-response-never-produced").isEmpty)
    }

    @Test func anOverrideToAnUndeclaredStatusIsReturnedButUndocumented() throws {
        let integration = #"""
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '#set($context.responseOverride.status = 202){"accepted": true}'
        """#
        let found = try findings(Self.rest(integration: integration), rule: "response-override-undeclared-status")
        #expect(found.map(\.severity) == [.note])
        #expect(found.first?.message == "a template of POST /orders sets $context.responseOverride.status to 202, which the method declares no response for; API Gateway returns 202 anyway, but the definition does not document it")
        #expect(try findings(Self.rest(declared: #""200": {description: ok}, "202": {description: accepted}"#, integration: integration),
                             rule: "response-override-undeclared-status").isEmpty)
    }

    // MARK: parameters and headers

    @Test func aMethodRequestMappingToAnUndeclaredParameterIsAnError() throws {
        let integration = """
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        requestParameters:
          integration.request.querystring.page: method.request.querystring.page
          integration.request.header.X-Tenant: method.request.header.x-tenant
        responses:
          default: {statusCode: "200"}
        """
        let found = try findings(Self.rest(parameters: "[{name: X-Tenant, in: header}]", integration: integration), rule: "undeclared-method-request-parameter")
        #expect(found.count == 1)
        #expect(found.first?.message == "'method.request.querystring.page' in the integration of POST /orders names a querystring parameter the method does not declare; API Gateway rejects the mapping (Invalid mapping expression specified)")
        #expect(found.first?.fix == "declare it under the method's parameters (name: page, in: query), or map a parameter the method declares")
        #expect(found.first?.line == 13)
        #expect(try findings(Self.rest(parameters: "[{name: X-Tenant, in: header}, {name: page, in: query}]", integration: integration),
                             rule: "undeclared-method-request-parameter").isEmpty)
        // A $ref'd parameter counts as declared, and a path template's {name} declares a path parameter.
        let referenced = Self.rest(path: "/orders/{id}", parameters: ##"[{$ref: "#/components/parameters/Page"}, {name: X-Tenant, in: header}]"##,
                                   integration: integration.replacingOccurrences(of: "requestParameters:\n", with: "requestParameters:\n  integration.request.path.id: method.request.path.id\n"))
            + "\ncomponents:\n  parameters:\n    Page: {name: page, in: query}\n"
        #expect(try findings(referenced, rule: "undeclared-method-request-parameter").isEmpty)
    }

    @Test func aTemplateReadingAnUndeclaredParameterIsAWarning() throws {
        let integration = #"""
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200, "page": "$input.params(''page'')", "tenant": "$input.params().header.get(''X-Tenant'')"}'
        responses:
          default: {statusCode: "200"}
        """#
        let found = try findings(Self.rest(integration: integration), rule: "undeclared-template-parameter")
        #expect(found.count == 2)
        #expect(found.first?.message == "a mapping template of POST /orders reads $input.params('page'), but the method declares no parameter 'page': it is empty unless a client happens to send it, and no validator can require it")
        #expect(found.last?.message.contains("reads $input.params().header.get('X-Tenant'), but the method declares no header parameter 'X-Tenant'") == true)
        #expect(try findings(Self.rest(parameters: "[{name: page, in: query}, {name: x-tenant, in: header}]", integration: integration),
                             rule: "undeclared-template-parameter").isEmpty)
    }

    @Test func mappingAReservedIntegrationRequestHeaderIsAnError() throws {
        func integration(_ type: String, _ header: String) -> String {
            """
            type: \(type)
            httpMethod: POST
            uri: \(type == "aws" ? Self.lambdaURI : "https://example.com/orders")
            requestParameters:
              integration.request.header.\(header): "'value'"
            responses:
              default: {statusCode: "200"}
            """
        }
        let found = try findings(Self.rest(integration: integration("http", "Content-Length")), rule: "reserved-integration-request-header")
        #expect(found.map(\.severity) == [.error])
        #expect(found.first?.message == "POST /orders maps the integration request header Content-Length, which API Gateway reserves for every integration type: every request gets 500 Internal server error")
        #expect(try findings(Self.rest(integration: integration("aws", "Authorization")), rule: "reserved-integration-request-header").count == 1)
        // Authorization is reserved only for the AWS types; an HTTP backend receives it.
        #expect(try findings(Self.rest(integration: integration("http", "Authorization")), rule: "reserved-integration-request-header").isEmpty)
        #expect(try findings(Self.rest(integration: integration("http", "X-Original-Length")), rule: "reserved-integration-request-header").isEmpty)
    }

    @Test func aReservedMethodResponseHeaderArrivesRemapped() throws {
        func integration(_ header: String) -> String {
            """
            type: http
            httpMethod: GET
            uri: https://example.com/orders
            responses:
              default:
                statusCode: "200"
                responseParameters:
                  method.response.header.\(header): integration.response.header.\(header)
            """
        }
        let found = try findings(Self.rest(integration: integration("Server")), rule: "remapped-method-response-header")
        #expect(found.map(\.message) == ["POST /orders maps the response header Server, which API Gateway reserves: the client receives it as x-amzn-Remapped-Server, not Server"])
        #expect(try findings(Self.rest(integration: integration("Content-Type")), rule: "remapped-method-response-header").isEmpty)
    }

    @Test func anHTTPAPIMappingOfAReservedHeaderIsAnError() throws {
        func api(_ key: String) -> String {
            """
            openapi: 3.0.1
            info: {title: t, version: "1"}
            paths:
              /orders:
                get:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    payloadFormatVersion: "2.0"
                    uri: \(Self.lambdaURI)
                    requestParameters:
                      "\(key)": "$request.header.x-user"
            """
        }
        let found = try findings(api("overwrite:header.x-amzn-trace-id"), rule: "http-api-reserved-header-mapping")
        #expect(found.map(\.severity) == [.error])
        #expect(found.first?.line == 11)
        #expect(try findings(api("append:header.Authorization"), rule: "http-api-reserved-header-mapping").count == 1)
        #expect(try findings(api("append:header.x-user-id"), rule: "http-api-reserved-header-mapping").isEmpty)
    }

    // MARK: paths

    @Test func aRESTOperationWithoutIntegrationIsAnError() throws {
        let text = """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /orders:
            get:
              responses: {"200": {description: ok}}
            post:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200"}}
        """
        let found = try findings(text, rule: "missing-integration")
        #expect(found.count == 1)
        #expect(found.first?.line == 5)
        #expect(found.first?.message.hasPrefix("GET /orders has no x-amazon-apigateway-integration") == true)
        #expect(try findings(text.replacingOccurrences(of: "    get:\n      responses: {\"200\": {description: ok}}\n", with: ""), rule: "missing-integration").isEmpty)
    }

    static func paths(_ paths: [String], verbs: String = "get") -> String {
        """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
        \(paths.map { """
          \($0):
            \(verbs):
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "https://example.com/"}
        """ }.joined(separator: "\n"))
        """
    }

    @Test func aGreedyVariableMustBeTheLastSegment() throws {
        let found = try findings(Self.paths(["/files/{proxy+}/meta"]), rule: "greedy-path-variable-not-last")
        #expect(found.map(\.severity) == [.error])
        #expect(found.first?.line == 4)
        #expect(try findings(Self.paths(["/files/{proxy+}"]), rule: "greedy-path-variable-not-last").isEmpty)
    }

    @Test func siblingVariablesMustShareOneName() throws {
        let found = try findings(Self.paths(["/items/{id}", "/items/{itemId}/tags"]), rule: "path-parameter-name-clash")
        #expect(found.count == 1)
        #expect(found.first?.message == "path /items/{itemId}/tags puts the variable {itemId} under /items, where /items/{id} already has {id}; a REST API resource can have only one variable child, so the import fails")
        #expect(try findings(Self.paths(["/a/{id}/b/{id}"]), rule: "path-parameter-name-clash").count == 1)
        #expect(try findings(Self.paths(["/items/{id}", "/items/{id}/tags", "/items/new"]), rule: "path-parameter-name-clash").isEmpty)
    }

    @Test func aGreedySiblingServesTheVerbsALiteralResourceLacks() throws {
        let text = Self.paths(["/items"]) + "\n" + Self.paths(["/{proxy+}"], verbs: "x-amazon-apigateway-any-method")
            .split(separator: "\n").dropFirst(3).joined(separator: "\n")
        let found = try findings(text, rule: "greedy-resource-serves-missing-method")
        #expect(found.map(\.severity) == [.note])
        #expect(found.first?.message == "/items defines only GET; DELETE, HEAD, OPTIONS, PATCH, POST, PUT /items go to /{proxy+}'s integration (ANY), not to 403 Missing Authentication Token")
        #expect(try findings(Self.paths(["/items", "/other"]), rule: "greedy-resource-serves-missing-method").isEmpty)
    }

    // MARK: HTTP API payload 1.0 and the suite's backends

    /// A suite with an HTTP API payload-`version` route calling the scripted function `Orders`, which `returns:` `answer`.
    func suite(version: String, answer: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /orders:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                payloadFormatVersion: "\(version)"
                uri: arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:Orders/invocations
        """.write(to: directory.appendingPathComponent("api.yaml"), atomically: true, encoding: .utf8)
        try "lambdas:\n  Orders:\n    script:\n      - returns: \(answer)\n".write(to: directory.appendingPathComponent("backends.yaml"), atomically: true, encoding: .utf8)
        let suite = directory.appendingPathComponent("orders.yaml")
        try "api: api.yaml\nbackends: backends.yaml\ncases:\n  - name: list\n    request: { path: /orders }\n    expect: { status: 200 }\n"
            .write(to: suite, atomically: true, encoding: .utf8)
        return suite.path
    }

    @Test func payload1WithAFunctionReturningABareStringIsAnError() throws {
        let report = Linter().lint(paths: [try suite(version: "1.0", answer: "\"hello\"")])
        let found = report.findings.filter { $0.ruleID == "payload-v1-reply-without-status-code" }
        #expect(found.map(\.severity) == [.error], "\(report.text())")
        #expect(found.first?.line == 9)
        #expect(found.first?.message.hasPrefix("GET /orders uses payload format 1.0, and its function Orders returns a bare value (not a JSON object) (") == true)
        #expect(found.first?.message.contains("backends.yaml:4)") == true, "\(found)")
        let object = Linter().lint(paths: [try suite(version: "1.0", answer: "{items: []}")]).findings.filter { $0.ruleID == "payload-v1-reply-without-status-code" }
        #expect(object.first?.message.contains("returns an object without statusCode") == true)
        // A proxy response, or payload 2.0 (a bare value becomes the body), is fine.
        #expect(Linter().lint(paths: [try suite(version: "1.0", answer: "{statusCode: 200, body: hello}")]).findings.isEmpty)
        #expect(Linter().lint(paths: [try suite(version: "2.0", answer: "\"hello\"")]).findings.isEmpty)
    }

    // MARK: integration request and validation

    @Test func aLambdaIntegrationMustBeInvokedWithPost() throws {
        func integration(_ method: String) -> String {
            "type: aws_proxy\nhttpMethod: \(method)\nuri: \(Self.lambdaURI)"
        }
        let found = try findings(Self.rest(method: "get", integration: integration("GET")), rule: "lambda-integration-method-not-post")
        #expect(found.map(\.severity) == [.error])
        #expect(found.first?.line == 10)
        #expect(found.first?.message == "the Lambda integration of GET /orders uses httpMethod GET, but Lambda is invoked with POST: every request gets 500 Internal server error")
        #expect(try findings(Self.rest(method: "get", integration: integration("POST")), rule: "lambda-integration-method-not-post").isEmpty)
        // An HTTP backend takes any method.
        #expect(try findings(Self.rest(method: "get", integration: "type: http_proxy\nhttpMethod: GET\nuri: https://example.com/"),
                             rule: "lambda-integration-method-not-post").isEmpty)
    }

    @Test func passthroughNeverWithoutTemplatesRejectsRequests() throws {
        func integration(_ templates: String) -> String {
            "type: http\nhttpMethod: POST\nuri: https://example.com/orders\npassthroughBehavior: never\n\(templates)responses:\n  default: {statusCode: \"200\"}"
        }
        let none = try findings(Self.rest(integration: integration("")), rule: "passthrough-never-rejects-requests")
        #expect(none.map(\.severity) == [.error])
        #expect(none.first?.message == "POST /orders has passthroughBehavior never and no request template, so every request gets 415 Unsupported Media Type")
        let xmlOnly = try findings(Self.rest(integration: integration("requestTemplates: {application/xml: '<a/>'}\n")), rule: "passthrough-never-rejects-requests")
        #expect(xmlOnly.map(\.severity) == [.warning])
        #expect(try findings(Self.rest(integration: integration("requestTemplates: {application/json: '{}'}\n")), rule: "passthrough-never-rejects-requests").isEmpty)
    }

    static func validated(_ validator: String, top: String = "") -> String {
        """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        \(top)x-amazon-apigateway-request-validators:
          params: {validateRequestParameters: true, validateRequestBody: false}
          body: {validateRequestParameters: false, validateRequestBody: true}
        paths:
          /orders:
            get:
              \(validator)parameters:
                - {name: page, in: query, required: true}
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "https://example.com/"}
        """
    }

    @Test func requiredParametersNeedAValidator() throws {
        let found = try findings(Self.validated(""), rule: "required-parameter-not-validated")
        #expect(found.map(\.severity) == [.warning])
        #expect(found.first?.line == 10)
        #expect(found.first?.message == "GET /orders marks page (query) required, but no request validator is attached, so API Gateway passes requests without it on instead of answering 400")
        let bodyOnly = try findings(Self.validated("x-amazon-apigateway-request-validator: body\n      "), rule: "required-parameter-not-validated")
        #expect(bodyOnly.first?.message.contains("its request validator 'body' does not validate parameters") == true)
        #expect(try findings(Self.validated("x-amazon-apigateway-request-validator: params\n      "), rule: "required-parameter-not-validated").isEmpty)
        // The API-wide default validator counts.
        #expect(try findings(Self.validated("", top: "x-amazon-apigateway-request-validator: params\n"), rule: "required-parameter-not-validated").isEmpty)
    }

    @Test func anUnknownRequestValidatorIsAnError() throws {
        let found = try findings(Self.validated("x-amazon-apigateway-request-validator: all\n      "), rule: "unknown-request-validator")
        #expect(found.map(\.severity) == [.error])
        #expect(found.first?.message == "request validator 'all' of GET /orders is not defined under x-amazon-apigateway-request-validators; API Gateway's import fails")
        #expect(found.first?.fix == "use one of params, body, or define 'all'")
        #expect(try findings(Self.validated("", top: "x-amazon-apigateway-request-validator: everything\n"), rule: "unknown-request-validator").count == 1)
        #expect(try findings(Self.validated("x-amazon-apigateway-request-validator: params\n      "), rule: "unknown-request-validator").isEmpty)
    }

    @Test func aMappedResponseHeaderMustBeDeclared() throws {
        let integration = """
        type: http
        httpMethod: GET
        uri: https://example.com/orders
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Request-Id: integration.response.header.X-Request-Id
        """
        let found = try findings(Self.rest(integration: integration), rule: "undeclared-method-response-header")
        #expect(found.map(\.severity) == [.error])
        #expect(found.first?.line == 16)
        #expect(found.first?.message == "the integration response for 200 of POST /orders maps method.response.header.X-Request-Id, but method response 200 declares no header X-Request-Id; API Gateway rejects the mapping (Invalid mapping expression parameter specified)")
        #expect(try findings(Self.rest(declared: #""200": {description: ok, headers: {x-request-id: {schema: {type: string}}}}"#, integration: integration),
                             rule: "undeclared-method-response-header").isEmpty)
    }
}
