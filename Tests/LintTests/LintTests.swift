import Foundation
import JSONCore
import Lint
import Testing

/// `gatecheck lint`: the rule registry, findings with positions and fixes, output formats, exit statuses.
@Suite struct LintTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let colliding = """
    openapi: 3.0.1
    info: {title: t, version: "1"}
    paths:
      /http/status/{code}:
        get:
          responses: {"200": {description: ok}, "400": {description: bad}}
          x-amazon-apigateway-integration:
            type: http
            uri: https://example.com/status/{code}
            responses:
              2\\d{2}: {statusCode: "200"}
              4\\d{2}: {statusCode: "400"}
              default: {statusCode: "200"}
    """

    func write(_ text: String, name: String = "api.yaml") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func twoResponsesForOneStatusAreAnErrorAtTheDroppedPattern() throws {
        let path = try write(Self.colliding)
        let report = Linter().lint(paths: [path])
        #expect(report.findings.count == 1)
        let finding = try #require(report.findings.first)
        #expect(finding.ruleID == "integration-response-status-collision")
        #expect(finding.severity == .error)
        #expect(finding.location == "\(path):11:11")
        #expect(finding.message == "integration response '2\\d{2}' of GET /http/status/{code} maps to status 200, as 'default' does; API Gateway keeps one integration response per status code, so '2\\d{2}' is dropped on import")
        #expect(finding.fix.hasPrefix("give '2\\d{2}' or 'default' its own status code"))
        #expect(report.exitStatus(failOn: .warning) == 1)
        #expect(report.exitStatus(failOn: .error) == 1)
        #expect(report.text().contains("\(path):11:11: error: integration response '2\\d{2}'"))
        #expect(report.text().hasSuffix("1 file linted: 1 error\n"))
    }

    @Test func distinctStatusCodesHaveNoFindings() throws {
        let path = try write(Self.colliding.replacingOccurrences(of: "default: {statusCode: \"200\"}", with: "default: {statusCode: \"502\"}")
            .replacingOccurrences(of: "\"400\": {description: bad}}", with: "\"400\": {description: bad}, \"502\": {description: upstream}}"))
        let report = Linter().lint(paths: [path])
        #expect(report.findings.isEmpty)
        #expect(report.exitStatus(failOn: .note) == 0)
        #expect(report.text() == "1 file linted: no findings\n")
    }

    @Test func aFileCanDisableTheRule() throws {
        let path = try write("x-gatecheck-lint: { disable: [integration-response-status-collision] }\n" + Self.colliding)
        #expect(Linter().lint(paths: [path]).findings.isEmpty)
    }

    @Test func cloudFormationMethodsAndInlineBodiesAreChecked() throws {
        // A REST API in resource form (read by the emulator's CloudFormation reader, as `emulate --template` does)
        // and a SAM API with an inline DefinitionBody.
        let template = """
        Resources:
          Api:
            Type: AWS::ApiGateway::RestApi
            Properties: {Name: orders}
          Items:
            Type: AWS::ApiGateway::Resource
            Properties:
              RestApiId: {Ref: Api}
              ParentId: {"Fn::GetAtt": [Api, RootResourceId]}
              PathPart: items
          Method:
            Type: AWS::ApiGateway::Method
            Properties:
              RestApiId: {Ref: Api}
              ResourceId: {Ref: Items}
              HttpMethod: GET
              AuthorizationType: NONE
              MethodResponses: [{StatusCode: "200"}]
              Integration:
                Type: MOCK
                RequestTemplates: {application/json: '{"statusCode": 200}'}
                IntegrationResponses:
                  - { StatusCode: "200", SelectionPattern: "2\\\\d{2}" }
                  - { StatusCode: "200" }
          SamApi:
            Type: AWS::Serverless::Api
            Properties:
              DefinitionBody:
        """ + "\n" + Self.colliding.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n") + "\n"
        let path = try write(template, name: "template.yaml")
        let report = Linter().lint(paths: [path])
        #expect(report.findings.map(\.ruleID) == ["integration-response-status-collision", "integration-response-status-collision"], "\(report.text())")
        let method = try #require(report.findings.first { $0.message.contains("of GET /items of Api maps to status 200") }, "\(report.text())")
        #expect((13...26).contains(method.line ?? 0), "\(method)")
        #expect(report.findings.contains { $0.message.contains("of GET /http/status/{code} of SamApi") })
        // A template the reader refuses is a note, and its inline definitions are still linted.
        let broken = try write(template.replacingOccurrences(of: "ResourceId: {Ref: Items}", with: "ResourceId: {Ref: Nowhere}"), name: "template.yaml")
        let partial = Linter().lint(paths: [broken])
        #expect(partial.findings.map(\.ruleID).sorted() == ["integration-response-status-collision", "template-not-read"], "\(partial.text())")
    }

    @Test func jsonOutputCarriesEveryField() throws {
        let path = try write(Self.colliding)
        let json = try JSONValue.parse(bytes: Array(Linter().lint(paths: [path]).json().utf8))
        let finding = try #require(json["findings"]?[0])
        #expect(finding["rule"] == .string("integration-response-status-collision"))
        #expect(finding["severity"] == .string("error"))
        #expect(finding["file"] == .string(path))
        #expect(finding["line"] == .int(11))
        #expect(finding["column"] == .int(11))
        #expect(finding["fix"]?.stringValue?.isEmpty == false)
        #expect(json["files"] == .array([.string(path)]))
    }

    @Test func unreadableInputIsExitStatus2() throws {
        let broken = try write("openapi: 3.0.1\npaths: [unclosed\n")
        let report = Linter().lint(paths: [broken, "/nonexistent/api.yaml"])
        #expect(report.unreadable.count == 2)
        #expect(report.exitStatus(failOn: .error) == 2)
    }

    @Test func theBundledDefinitionsHaveOnlyTheirDeliberateFindings() throws {
        let suites = Self.repositoryRoot.appendingPathComponent("suites").path
        let report = Linter().lint(paths: [suites])
        #expect(report.unreadable.isEmpty, "\(report.unreadable)")
        // Each is a behaviour a bundled suite pins down on purpose (docs/lint.md, "The bundled definitions"):
        // lambda-error-mapping: the 500 of an undeclared status, and `.*` capturing successes;
        // http-status-mapping: a status no pattern matches (503) without a default -> 500;
        // partial-content and mock-integrations: 206 from a response override with no 206 method response.
        #expect(report.findings.map { "\($0.ruleID) \(URL(fileURLWithPath: $0.file).lastPathComponent):\($0.line ?? 0)" } == [
            "response-override-undeclared-status rest-outcome.yaml:75",
            "selection-pattern-captures-success rest-outcome.yaml:164",
            "integration-response-without-method-response rest-outcome.yaml:182",
            "integration-response-no-default rest-outcome.yaml:212",
            "response-override-undeclared-status rest-outcome.yaml:294",
        ], "\(report.text())")
        // The suites lead to the twelve bundled API definitions.
        #expect(Set(report.files.map { URL(fileURLWithPath: $0).lastPathComponent })
                == ["rest-outcome.yaml", "http-outcome.yaml", "rest-custom-errors.yaml", "rest-cors.yaml", "http-cors.yaml", "rest-edge-cases.yaml",
                   "rest-authorizers.yaml", "http-authorizers.yaml", "rest-custom-domain.yaml", "http-jwt.yaml", "rest-services.yaml",
                   "rest-cognito.yaml"])
        let template = Self.repositoryRoot.appendingPathComponent("fixtures/outcome/template.yaml").path
        #expect(Linter().lint(paths: [template]).exitStatus(failOn: .note) == 0)
    }

    // MARK: the integration-response rules (each: a definition that triggers it, one that does not)

    /// A Lambda non-proxy method with the given integration responses and declared method-response statuses.
    static func lambda(_ responses: String, declared: String = #""200": {description: ok}, "400": {description: bad}"#,
                       type: String = "aws") -> String {
        """
        openapi: 3.0.1
        info: {title: t, version: "1"}
        paths:
          /orders:
            post:
              responses: {\(declared)}
              x-amazon-apigateway-integration:
                type: \(type)
                httpMethod: POST
                uri: arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:orders/invocations
                responses:
        \(responses.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n"))
        """
    }

    func findings(_ text: String, rule: String) throws -> [LintFinding] {
        Linter().lint(paths: [try write(text)]).findings.filter { $0.ruleID == rule }
    }

    @Test func anIntegrationResponseWithoutAMethodResponseIsAnError() throws {
        let found = try findings(Self.lambda(#"""
        default: {statusCode: "200"}
        .*Not Found.*: {statusCode: "404"}
        """#), rule: "integration-response-without-method-response")
        #expect(found.count == 1)
        #expect(found.first?.severity == .error)
        #expect(found.first?.line == 13)
        #expect(found.first?.message == "integration response '.*Not Found.*' of POST /orders maps to status 404, which the method declares no response for; a request that selects it gets 500 Internal server error")
        #expect(found.first?.fix == "add \"404\" under the method's responses, or map '.*Not Found.*' to a status it declares (200, 400)")
        #expect(try findings(Self.lambda(#"""
        default: {statusCode: "200"}
        .*Not Found.*: {statusCode: "404"}
        """#, declared: #""200": {description: ok}, "404": {description: missing}"#), rule: "integration-response-without-method-response").isEmpty)
    }

    @Test func integrationResponsesOnAProxyIntegrationAreReportedAsIgnored() throws {
        let found = try findings(Self.lambda(#"default: {statusCode: "200"}"#, type: "aws_proxy"), rule: "proxy-integration-responses-ignored")
        #expect(found.map(\.severity) == [.warning])
        #expect(found.first?.message.hasPrefix("POST /orders is an AWS_PROXY integration: API Gateway passes the backend's response through and ignores its 1 integration response") == true)
        // Nor is a proxy's missing method response an error: nothing is selected.
        #expect(try findings(Self.lambda(#"default: {statusCode: "201"}"#, type: "aws_proxy"), rule: "integration-response-without-method-response").isEmpty)
        #expect(try findings(Self.lambda(#"default: {statusCode: "200"}"#), rule: "proxy-integration-responses-ignored").isEmpty)
    }

    @Test func aPatternMatchingTheEmptyStringCapturesSuccesses() throws {
        let found = try findings(Self.lambda(#"""
        default: {statusCode: "200"}
        (\n|.)*: {statusCode: "400"}
        """#), rule: "selection-pattern-captures-success")
        #expect(found.count == 1)
        #expect(found.first?.message == "selection pattern '(\\n|.)*' of POST /orders matches the empty selection value of a successful Lambda invocation, so successes get status 400 and the default response is never used")
        #expect(try findings(Self.lambda(#"""
        default: {statusCode: "200"}
        (\n|.)+: {statusCode: "400"}
        """#), rule: "selection-pattern-captures-success").isEmpty)
        // Only Lambda's selection value is empty on success; an HTTP integration matches the status code.
        #expect(try findings(Self.lambda(#".*: {statusCode: "400"}"#, type: "http"), rule: "selection-pattern-captures-success").isEmpty)
    }

    @Test func aLiteralLambdaPatternOnlyMatchesTheWholeMessage() throws {
        let found = try findings(Self.lambda(#"""
        default: {statusCode: "200"}
        "400": {statusCode: "400"}
        """#), rule: "lambda-selection-pattern-literal")
        #expect(found.count == 1)
        #expect(found.first?.message == "selection pattern '400' of POST /orders is matched against the whole errorMessage, so it only applies when the message is exactly '400'")
        #expect(found.first?.fix == "write '.*400.*' to match messages containing it")
        #expect(try findings(Self.lambda(#"""
        default: {statusCode: "200"}
        .*400.*: {statusCode: "400"}
        """#), rule: "lambda-selection-pattern-literal").isEmpty)
        // For an HTTP integration the selection value is the status code, so `400` is the natural pattern.
        #expect(try findings(Self.lambda(#""400": {statusCode: "400"}"#, type: "http"), rule: "lambda-selection-pattern-literal").isEmpty)
    }
}
