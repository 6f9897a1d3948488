import Foundation
import GatecheckCore
import Gateway
import JSONCore
import SourceDiagnostics
import Testing
import TestSupport

/// SAM templates served through the real transform and the one CloudFormation reader: suites with `template:`,
/// functions as real handlers, `gatecheck list --template`, and the SAM translator's own test inputs.
@Suite(.serialized) struct TemplateStackTests {
    static let absent = SAMTransformTests.absent

    /// A SAM stack with every construct the emulator reads: an explicit REST API (inline body, Variables,
    /// BinaryMediaTypes, GatewayResponses, Cors, an API key), implicit APIs from Events (RestApiId, RequestParameters,
    /// Auth), an HTTP API from DefinitionUri, Globals, Parameters with a default overridden, a Condition in Fn::If,
    /// InlineCode, and a Java function the suite maps itself.
    static func writeStack(_ workspace: Workspace) -> String {
        workspace.write("src/echo.py", """
            import json, os
            def handler(event, context):
                return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                        "body": json.dumps({"fn": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "flavour": os.environ.get("FLAVOUR"),
                                            "tier": os.environ.get("TIER"), "memory": context.memory_limit_in_mb,
                                            "path": event.get("path") or event.get("rawPath"), "resource": event.get("resource"),
                                            "method": event.get("httpMethod") or event.get("requestContext", {}).get("http", {}).get("method"),
                                            "stage": event.get("requestContext", {}).get("stage"),
                                            "stageVariables": event.get("stageVariables"), "version": event.get("version")})}
            """)
        workspace.write("api/http.yaml", """
            openapi: "3.0.1"
            info: { title: webhooks, version: "1" }
            paths:
              /hooks:
                post:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    payloadFormatVersion: "2.0"
                    uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${EchoFunction.Arn}/invocations"
            """)
        return workspace.write("template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Tier: { Type: String, Default: free }
            Conditions:
              IsPaid: !Equals [!Ref Tier, paid]
            Globals:
              Function:
                Runtime: python3.12
                CodeUri: src
                MemorySize: 256
                Environment:
                  Variables: { FLAVOUR: globals }
            Resources:
              EchoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: echo.handler
                  Environment:
                    Variables: { TIER: !If [IsPaid, paid-tier, free-tier] }
                  Events:
                    Items:
                      Type: Api
                      Properties:
                        RestApiId: !Ref OrdersApi
                        Path: /items/{id}
                        Method: get
                        RequestParameters: [method.request.querystring.verbose]
                    Implicit:
                      Type: Api
                      Properties: { Path: /implicit, Method: post }
              InlineFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: index.handler
                  InlineCode: |
                    def handler(event, context):
                        return {"statusCode": 200, "body": "inline " + event["path"]}
                  Events:
                    Inline:
                      Type: Api
                      Properties: { RestApiId: !Ref OrdersApi, Path: /inline, Method: get }
              JavaFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: java21
                  Handler: example.Handler::handleRequest
                  Events:
                    Java:
                      Type: Api
                      Properties: { RestApiId: !Ref OrdersApi, Path: /java, Method: get }
              OrdersApi:
                Type: AWS::Serverless::Api
                Properties:
                  StageName: v1
                  Variables: { colour: blue }
                  BinaryMediaTypes: [image~1png]
                  Cors: "'https://shop.example'"
                  GatewayResponses:
                    MISSING_AUTHENTICATION_TOKEN:
                      StatusCode: 404
                      ResponseTemplates: { application/json: '{"error": "no such route"}' }
              WebhookApi:
                Type: AWS::Serverless::HttpApi
                Properties:
                  DefinitionUri: api/http.yaml
            """)
    }

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: absent)))
    func aSuiteWithTemplateReachesTheTemplatesHandlersWithTheRightEvent() async throws {
        let workspace = Workspace()
        Self.writeStack(workspace)
        let run = await runSuites(["orders.yaml": """
            name: orders
            template: template.yaml
            api-resource: OrdersApi
            parameters: { Tier: paid }
            backends:
              lambdas:
                JavaFunction: { script: [ { returns: { statusCode: 200, body: '{"from": "script"}' } } ] }
            cases:
              - name: explicit API, event route with a path parameter
                request: { method: GET, path: /items/42 }
                expect:
                  status: 200
                  body:
                   jsonPath:
                    $.fn: EchoFunction
                    $.path: /items/42
                    $.resource: /items/{id}
                    $.method: GET
                    $.stage: v1
                    $.stageVariables.colour: blue
                    $.flavour: globals
                    $.tier: paid-tier
                    $.memory: "256"
              - name: InlineCode runs as written
                request: { method: GET, path: /inline }
                expect: { status: 200, body: { text: "inline /inline" } }
              - name: the suite's backends override a function gatecheck cannot run
                request: { method: GET, path: /java }
                expect: { status: 200, body: { jsonPath: { "$.from": script } } }
              - name: GatewayResponses of the template
                request: { method: GET, path: /nowhere }
                expect: { status: 404, body: { jsonPath: { "$.error": no such route } } }
              - name: Cors of the template (SAM's OPTIONS method)
                request: { method: OPTIONS, path: /items/42, headers: { Origin: "https://shop.example" } }
                expect: { status: 200, headers: { Access-Control-Allow-Origin: "https://shop.example" } }
            """, "implicit.yaml": """
            name: implicit
            template: template.yaml
            api-resource: ServerlessRestApi
            cases:
              - name: the implicit API from Events, SAM's Prod stage
                request: { method: POST, path: /implicit }
                expect: { status: 200, body: { jsonPath: { "$.path": /implicit, "$.stage": Prod, "$.tier": free-tier } } }
            """, "webhooks.yaml": """
            name: webhooks
            template: template.yaml
            api-resource: WebhookApi
            cases:
              - name: HTTP API from DefinitionUri, payload 2.0
                request: { method: POST, path: /hooks }
                expect: { status: 200, body: { jsonPath: { "$.version": "2.0", "$.path": /hooks, "$.method": POST, "$.stage": $default } } }
            """], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(!run.errors.contains("error:"), "\(run.errors)")
        for suite in run.summary.suites {
            for result in suite.cases {
                if case let .failed(failures) = result.outcome { Issue.record("\(suite.name)/\(result.name): \(failures)") }
                if case let .errored(message, _) = result.outcome { Issue.record("\(suite.name)/\(result.name): \(message)") }
            }
        }
        #expect(run.summary.suites.flatMap(\.cases).count == 7)
    }

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: absent)))
    func aFunctionGatecheckCannotRunIsAStartUpErrorThatSaysToMapIt() async throws {
        let workspace = Workspace()
        Self.writeStack(workspace)
        let run = await runSuites(["java.yaml": """
            name: java
            template: template.yaml
            api-resource: OrdersApi
            cases:
              - name: java
                request: { method: GET, path: /java }
                expect: { status: 200 }
            """], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        let text = run.errors + run.console + (run.junit ?? "")
        #expect(text.contains("function JavaFunction: runtime java21 does not run in gatecheck"), "\(text)")
        #expect(text.contains("map it in the suite's `backends:`"))
    }

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: absent)))
    func theListingShowsAPIsStagesRoutesAndFunctions() throws {
        let workspace = Workspace()
        let template = Self.writeStack(workspace)
        let listing = TemplateListing.render(path: template, parameters: [:])
        #expect(!listing.failed, "\(listing.text)")
        for expected in ["OrdersApi  REST API", "v1 (variables: colour)", "  GET /items/{id}", "  GET /inline", "ServerlessRestApi  REST API",
                         "  POST /implicit", "WebhookApi  HTTP API", "  POST /hooks", "EchoFunction  python3.12 echo.handler",
                         "JavaFunction  java21  -> not runnable: function JavaFunction: runtime java21"] {
            #expect(listing.text.contains(expected), "missing \(expected) in\n\(listing.text)")
        }
    }
}

/// The SAM translator's own test inputs (`../shared/realworld/templates/*.template.yaml`) with the CloudFormation the
/// transform makes of each (`.cfn.json`): read from there, never copied into the repository.
@Suite struct RealWorldSAMTemplateTests {
    static let directory: String? = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            folder.deleteLastPathComponent()
            let candidate = folder.appendingPathComponent("shared/realworld/templates").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }()
    static let absent = "../shared/realworld/templates is absent (a clone outside this repository's CI): the SAM templates are not checked"
    static let templates: [String] = directory.map { dir in
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".template.yaml") }.sorted()
    } ?? []
    static var enabled: Bool { directory != nil && SAMTransformTests.translatorAvailable }

    /// What is compared of an API: its kind, stages, and the whole loaded model (or its errors, without the file name).
    static func summary(_ stack: CloudFormationStack) -> [String] {
        var lines: [String] = []
        for api in stack.apis {
            lines.append("api \(api.logicalID) \(api.kind) stages \(api.stages.map { "\($0.name)\($0.variables.sorted { $0.key < $1.key })" })")
            do {
                let definition = try api.loadDefinition()
                lines.append(ModelText.of(definition, ignoring: ["file", "diagnostics", "line", "column", "sourceText"]))
            } catch {
                lines += error.diagnostics.map { "error \($0.message)" }
            }
        }
        for function in stack.functions {
            lines.append("function \(function.logicalID) \(function.runtime ?? "-") \(function.handler ?? "-") \(function.code) \(function.timeout ?? 3) \(function.memorySize ?? 128) \(function.environment.sorted { $0.key < $1.key })")
        }
        return lines
    }

    @Test(.enabled(if: enabled, Comment(rawValue: absent)), arguments: templates)
    func theSAMTemplateReadsIntoTheSameModelAsItsTranslationAndListsItsRoutes(_ name: String) throws {
        let directory = try #require(Self.directory)
        let samPath = directory + "/" + name
        let cfnPath = directory + "/" + name.replacingOccurrences(of: ".template.yaml", with: ".cfn.json")
        let fromSAM = try TemplateStack.load(path: samPath)
        #expect(fromSAM.translation != nil, "\(name) goes through the SAM transform")
        #expect(!fromSAM.stack.apis.isEmpty, "\(name) has APIs")
        let fromCFN = try CloudFormationStack.load(path: cfnPath)
        // Differences between the two that come from the translator's version and how the .cfn.json files were written,
        // none of them in what the emulator serves, so the comparison leaves them out:
        // - the .cfn.json files are written with sorted keys, while aws-sam-translator 1.110.0 emits paths, methods and
        //   gateway responses in the order of the template: the model keeps document order (routes, methods, response
        //   parameters, the order of the errors found), so the lines of the two models are compared as sorted lists;
        // - the Deployment's logical id hash (`ServerlessRestApiDeployment<hash>`) changes with the translator's version
        //   and is not part of the model (the stage is read by name).
        // Everything else the emulator reads (every field of every method/route/integration/authorizer/gateway response,
        // the stages and their variables, the functions) must be equal.
        let sam = Self.summary(fromSAM.stack).joined(separator: "\n").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.sorted()
        let cfn = Self.summary(fromCFN).joined(separator: "\n").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.sorted()
        #expect(sam.count > 5, "the model text covers the definitions")
        if sam != cfn {
            let onlySAM = Set(sam).subtracting(cfn).sorted().prefix(5), onlyCFN = Set(cfn).subtracting(sam).sorted().prefix(5)
            Issue.record("\(name): SAM and .cfn.json models differ; only from SAM: \(Array(onlySAM)); only from .cfn.json: \(Array(onlyCFN))")
        }
        let listing = TemplateListing.render(path: samPath, parameters: [:])
        for api in fromSAM.stack.apis { #expect(listing.text.contains("\(api.logicalID)  ")) }
    }
}

/// `fixtures/outcome/template.yaml` (the staging stack of the bundled suites) runs as is: the bundled suites give the
/// same result per case with `template:` (its APIs, its functions as handlers) as with their `api:` + `backends:`.
@Suite(.serialized) struct OutcomeTemplateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// Suite file -> the template API its `api:` file is included by.
    static let suites = ["lambda-proxy-format.yaml": ("apis/rest-outcome.yaml", "RestOutcomeApi"),
                         "lambda-error-mapping.yaml": ("apis/rest-outcome.yaml", "RestOutcomeApi"),
                         "http-status-mapping.yaml": ("apis/rest-outcome.yaml", "RestOutcomeApi"),
                         "http-api-payload-versions.yaml": ("apis/http-outcome.yaml", "HttpOutcomeApi"),
                         "authorizers.yaml": ("apis/rest-authorizers.yaml", "RestAuthorizersApi")]

    static func outcomes(_ run: RunOutput) -> [String] {
        run.summary.suites.flatMap { suite in suite.cases.map { "\(suite.name)/\($0.name): \(String(describing: $0.outcome).prefix(60))" } }.sorted()
    }

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: SAMTransformTests.absent)))
    func theBundledSuitesGiveTheSameResultsThroughTheTemplate() async throws {
        let workspace = Workspace()
        // The backends without the two functions the template provides (OutcomeFunction, AuthorizerFunction): the rest
        // is what a template cannot say (refusing functions, the HTTP upstream, API keys).
        var backends = try String(contentsOfFile: Self.root + "/suites/backends.yaml", encoding: .utf8)
        for function in ["OutcomeFunction", "AuthorizerFunction"] {
            let pattern = "\n  \(function):\n    python: [^\n]*"
            let before = backends
            backends = backends.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
            #expect(backends != before, "suites/backends.yaml maps \(function) with python:")
        }
        let backendsPath = workspace.write("template-backends.yaml", backends)
        var direct: [String: String] = [:], throughTemplate: [String: String] = [:]
        for (file, (api, resource)) in Self.suites {
            let text = try String(contentsOfFile: Self.root + "/suites/" + file, encoding: .utf8)
            direct[file] = text.replacingOccurrences(of: "api: \(api)", with: "api: \(Self.root)/suites/\(api)")
                .replacingOccurrences(of: "backends: backends.yaml", with: "backends: \(Self.root)/suites/backends.yaml")
            let templated = text.replacingOccurrences(of: "api: \(api)", with: """
                template: \(Self.root)/fixtures/outcome/template.yaml
                api-resource: \(resource)
                parameters: { OutcomeFunctionUrl.FunctionUrl: "https://upstream.internal/" }
                """).replacingOccurrences(of: "backends: backends.yaml", with: "backends: \(backendsPath)")
            #expect(templated.contains("template:") && templated.contains(backendsPath), "\(file) names \(api) and backends.yaml")
            throughTemplate[file] = templated
        }
        let first = await runSuites(direct, target: nil) { $0.emulator = EmbeddedEmulator() }
        let second = await runSuites(throughTemplate, target: nil) { $0.emulator = EmbeddedEmulator() }
        #expect(!second.errors.contains("error:"), "\(second.errors)")
        let expected = Self.outcomes(first), got = Self.outcomes(second)
        #expect(expected.count > 40, "the suites ran: \(first.errors)")
        // The one difference is the template's: it deploys HttpOutcomeApi at the named stage `test` (StageName), where
        // a 2.0 event's rawPath carries the stage (`/test/v2/items`), as on API Gateway; the suite's `api:` run serves
        // the `$default` stage, whose rawPath has none.
        let stageCase = "http-api-payload-versions/the 2.0 event a handler receives"
        #expect(expected.contains("\(stageCase): passed"))
        #expect(got.contains { $0.hasPrefix("\(stageCase): failed") && $0.contains("/test/v2/items") })
        let rest = { (list: [String]) in list.filter { !$0.hasPrefix(stageCase) } }
        #expect(rest(got) == rest(expected), "differences: \(Set(rest(got)).symmetricDifference(rest(expected)).sorted().prefix(6))")
    }
}
