import Foundation
import GatecheckCore
import Gateway
import SourceDiagnostics
import Testing
import TestSupport

/// SAM `Auth` through the real transform, served with real requests: Lambda TOKEN and REQUEST authorizers, a Cognito
/// user pool authorizer, `ApiKeyRequired` + `UsagePlan` on an `AWS::Serverless::Api`, and `Auth` on an implicit API's
/// function event. Without credentials API Gateway answers 401 (no identity source / token) or 403 (a Deny policy, no
/// API key); with them the request reaches the function.
@Suite(.serialized) struct TemplateAuthTests {
    static let pool = "us-east-1_TemplateAuth"
    static let partnerKey = "partner-key-0123456789abcdef"

    /// The SAM stack; `apiKeyValue` is the `Value` of an explicit `AWS::ApiGateway::ApiKey` (none: SAM's usage plan
    /// key, whose value AWS generates).
    static func writeStack(_ workspace: Workspace) -> String {
        workspace.write("src/echo.py", """
            import json, os
            def handler(event, context):
                authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
                return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                        "body": json.dumps({"fn": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "resource": event.get("resource"),
                                            "principal": authorizer.get("principalId"),
                                            "sub": (authorizer.get("claims") or {}).get("sub")})}
            """)
        workspace.write("src/auth.py", """
            def handler(event, context):
                token = event.get("authorizationToken") or (event.get("headers") or {}).get("X-Token")
                if token == "unauthorized":
                    raise Exception("Unauthorized")
                effect = "Allow" if token == "allow" else "Deny"
                return {"principalId": "user-" + event["type"].lower(),
                        "policyDocument": {"Version": "2012-10-17", "Statement": [
                            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
            """)
        return workspace.write("template.yaml", """
            AWSTemplateFormatVersion: "2010-09-09"
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function: { Runtime: python3.12, CodeUri: src }
            Resources:
              AuthFunction:
                Type: AWS::Serverless::Function
                Properties: { Handler: auth.handler }
              EchoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: echo.handler
                  Events:
                    Token: { Type: Api, Properties: { RestApiId: !Ref SecuredApi, Path: /token, Method: get } }
                    Request:
                      Type: Api
                      Properties: { RestApiId: !Ref SecuredApi, Path: /request, Method: get, Auth: { Authorizer: RequestAuth } }
                    Cognito:
                      Type: Api
                      Properties: { RestApiId: !Ref SecuredApi, Path: /cognito, Method: get, Auth: { Authorizer: CognitoAuth } }
                    Keyed:
                      Type: Api
                      Properties: { RestApiId: !Ref SecuredApi, Path: /keyed, Method: get, Auth: { Authorizer: NONE, ApiKeyRequired: true } }
                    Open:
                      Type: Api
                      Properties: { RestApiId: !Ref SecuredApi, Path: /open, Method: get, Auth: { Authorizer: NONE } }
                    ImplicitKeyed:
                      Type: Api
                      Properties: { Path: /implicit, Method: get, Auth: { ApiKeyRequired: true } }
                    ImplicitOpen:
                      Type: Api
                      Properties: { Path: /implicit-open, Method: get }
              SecuredApi:
                Type: AWS::Serverless::Api
                Properties:
                  StageName: v1
                  Auth:
                    DefaultAuthorizer: TokenAuth
                    Authorizers:
                      TokenAuth:
                        FunctionArn: !GetAtt AuthFunction.Arn
                      RequestAuth:
                        FunctionPayloadType: REQUEST
                        FunctionArn: !GetAtt AuthFunction.Arn
                        Identity: { Headers: [X-Token] }
                      CognitoAuth:
                        UserPoolArn: !Sub "arn:aws:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/\(pool)"
                    UsagePlan:
                      CreateUsagePlan: PER_API
                      Throttle: { RateLimit: 100, BurstLimit: 50 }
              PartnerKey:
                Type: AWS::ApiGateway::ApiKey
                Properties: { Enabled: true, Value: \(partnerKey) }
              PartnerPlan:
                Type: AWS::ApiGateway::UsagePlan
                DependsOn: SecuredApiv1Stage
                Properties:
                  ApiStages: [ { ApiId: !Ref SecuredApi, Stage: v1 } ]
                  Quota: { Limit: 1000, Period: DAY }
              PartnerPlanKey:
                Type: AWS::ApiGateway::UsagePlanKey
                Properties: { KeyId: !Ref PartnerKey, KeyType: API_KEY, UsagePlanId: !Ref PartnerPlan }
              DisabledKey:
                Type: AWS::ApiGateway::ApiKey
                Properties: { Value: disabled-key-0123456789ab }
              DisabledPlanKey:
                Type: AWS::ApiGateway::UsagePlanKey
                Properties: { KeyId: !Ref DisabledKey, KeyType: API_KEY, UsagePlanId: !Ref PartnerPlan }
            """)
    }

    static func failures(_ run: RunOutput) -> [String] {
        run.summary.suites.flatMap { suite in
            suite.cases.compactMap { result -> String? in
                switch result.outcome {
                case let .failed(failures): return "\(suite.name)/\(result.name): \(failures)"
                case let .errored(message, _): return "\(suite.name)/\(result.name): \(message)"
                default: return nil
                }
            }
        }
    }

    static let securedCases = """
        cases:
          - name: TOKEN authorizer, no Authorization -> 401
            request: { path: /token }
            expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
          - name: TOKEN authorizer, a Deny policy -> 403
            request: { path: /token, headers: { Authorization: deny } }
            expect: { status: 403, body: { text: '{"Message":"User is not authorized to access this resource with an explicit deny"}' } }
          - name: TOKEN authorizer, Allow -> the function, with the principal
            request: { path: /token, headers: { Authorization: allow } }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction, $.resource: /token, $.principal: user-token } } }
          - name: REQUEST authorizer, no X-Token -> 401
            request: { path: /request, headers: { Authorization: allow } }
            expect: { status: 401 }
          - name: REQUEST authorizer, Allow -> the function
            request: { path: /request, headers: { X-Token: allow } }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction, $.principal: user-request } } }
          - name: Cognito authorizer, no token -> 401
            request: { path: /cognito }
            expect: { status: 401, body: { text: '{"message":"Unauthorized"}' } }
          - name: Cognito authorizer, a token of the pool -> the function, with the claims
            request: { path: /cognito, headers: { Authorization: "{{jwt.pool}}" } }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction, $.sub: alice } } }
          - name: ApiKeyRequired, no key -> 403
            request: { path: /keyed }
            expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
          - name: ApiKeyRequired, a key of the API's usage plan -> the function
            request: { path: /keyed, headers: { x-api-key: "{{env.KEY}}" } }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction, $.resource: /keyed } } }
          - name: Authorizer NONE -> the function
            request: { path: /open }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction } } }
        """

    static let implicitCases = """
        cases:
          - name: implicit API, Auth ApiKeyRequired on the event, no key -> 403
            request: { path: /implicit }
            expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
          - name: implicit API, Auth ApiKeyRequired on the event, a key -> the function
            request: { path: /implicit, headers: { x-api-key: "{{env.KEY}}" } }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction, $.resource: /implicit } } }
          - name: implicit API, an event without Auth -> the function
            request: { path: /implicit-open }
            expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction } } }
        """

    static let jwt = """
        jwt:
          pool:
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/\(pool)"
            audience: template-client
            claims: { sub: alice, token_use: id }
        """

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: SAMTransformTests.absent)))
    func samAuthOnAnExplicitAndAnImplicitAPIIsEnforced() async throws {
        let workspace = Workspace()
        Self.writeStack(workspace)
        let key = "template-auth-key-0123456789"
        let backends = """
            backends:
              apiKeys: { client: \(key) }
              usagePlans: { ClientPlan: { apiKeys: [client] } }
            """
        let run = await runSuites(["secured.yaml": "name: secured\ntemplate: template.yaml\napi-resource: SecuredApi\n\(backends)\n\(Self.jwt)\n\(Self.securedCases)",
                                   "implicit.yaml": "name: implicit\ntemplate: template.yaml\napi-resource: ServerlessRestApi\n\(backends)\n\(Self.implicitCases)"],
                                  target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator()
            $0.environment = ["KEY": key]
        }
        #expect(!run.errors.contains("error:"), "\(run.errors)")
        #expect(Self.failures(run).isEmpty, "\(Self.failures(run))")
        #expect(run.summary.suites.flatMap(\.cases).count == 13)
    }

    /// The template's `AWS::ApiGateway::ApiKey` / `UsagePlan` / `UsagePlanKey` work without any `backends:` keys: the
    /// partner key (a `Value` in the template) opens the API its plan names, not the other API; a key without
    /// `Enabled: true` is refused (CloudFormation's default is disabled); SAM's `Auth.UsagePlan` key, whose value AWS
    /// generates, is warned about with how to supply it, and works once the suite gives it as a parameter.
    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: SAMTransformTests.absent)))
    func theTemplatesAPIKeysAndUsagePlansWorkWithoutBackendsConfiguration() async throws {
        let workspace = Workspace()
        let template = Self.writeStack(workspace)
        let stack = try TemplateStack.load(path: template)
        let warning = try #require(stack.stack.diagnostics.first { $0.message.contains("SecuredApiApiKey (AWS::ApiGateway::ApiKey): has no Value") },
                                   "\(stack.stack.diagnostics)")
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("--parameter SecuredApiApiKey.Value=VALUE"), "\(warning.message)")
        #expect(stack.stack.usagePlans.keys.map(\.name).sorted() == ["DisabledKey", "PartnerKey"])
        #expect(Set(stack.stack.usagePlans.plans.map(\.plan.name)) == ["PartnerPlan", "SecuredApiUsagePlan"])
        let generated = "generated-key-0123456789abcdef"
        let run = await runSuites(["secured.yaml": """
            name: secured
            template: template.yaml
            api-resource: SecuredApi
            parameters: { SecuredApiApiKey.Value: \(generated) }
            cases:
              - name: no key -> 403
                request: { path: /keyed }
                expect: { status: 403, body: { text: '{"message":"Forbidden"}' } }
              - name: the template's partner key -> the function
                request: { path: /keyed, headers: { x-api-key: \(Self.partnerKey) } }
                expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction } } }
              - name: a key the template does not enable -> 403
                request: { path: /keyed, headers: { x-api-key: disabled-key-0123456789ab } }
                expect: { status: 403 }
              - name: SAM's usage plan key, its value given as a parameter -> the function
                request: { path: /keyed, headers: { x-api-key: \(generated) } }
                expect: { status: 200, body: { jsonPath: { $.fn: EchoFunction } } }
              - name: an unknown key -> 403
                request: { path: /keyed, headers: { x-api-key: unknown-key-0123456789abc } }
                expect: { status: 403 }
            """, "implicit.yaml": """
            name: implicit
            template: template.yaml
            api-resource: ServerlessRestApi
            cases:
              - name: the partner plan names SecuredApi only -> 403 on the implicit API
                request: { path: /implicit, headers: { x-api-key: \(Self.partnerKey) } }
                expect: { status: 403 }
            """], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(!run.errors.contains("error:"), "\(run.errors)")
        #expect(Self.failures(run).isEmpty, "\(Self.failures(run))")
        #expect(run.summary.suites.flatMap(\.cases).count == 6)
    }
}

/// Warnings about a SAM template point into the user's SAM file (the resource, or the implicit API's event, the
/// translated resource was made from), not into the cached `.cfn.json`, which the message still names.
@Suite(.serialized) struct SAMWarningLocationTests {
    static func position(of key: String, in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: key + ":"), line[..<range.lowerBound].allSatisfy({ $0 == " " }) {
                return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: SAMTransformTests.absent)))
    func warningsPointAtTheSAMResourceTheyComeFrom() throws {
        let workspace = Workspace()
        let template = TemplateAuthTests.writeStack(workspace)
        let text = try String(contentsOfFile: template, encoding: .utf8)
        let stack = try TemplateStack.load(path: template)
        let key = try #require(stack.stack.diagnostics.first { $0.message.contains("SecuredApiApiKey (AWS::ApiGateway::ApiKey): has no Value") })
        let api = try #require(Self.position(of: "SecuredApi", in: text))
        #expect(key.file == template && key.line == api.line && key.column == api.column, "\(key)")
        #expect(key.message.contains("SAM transform output \(try #require(stack.translation).cloudFormationPath):"), "\(key.message)")
        #expect(key.message.contains("resource SecuredApiApiKey made from SecuredApi"), "\(key.message)")
        #expect(!stack.stack.diagnostics.contains { $0.file.hasSuffix(".cfn.json") }, "\(stack.stack.diagnostics)")
    }

    @Test(.enabled(if: SAMTransformTests.translatorAvailable, Comment(rawValue: SAMTransformTests.absent)))
    func aWarningAboutTheImplicitAPIPointsAtTheFunctionEventThatMadeIt() throws {
        let workspace = Workspace()
        workspace.write("src/echo.py", "def handler(event, context):\n    return {}\n")
        let template = workspace.write("template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Api:
                TracingEnabled: true
            Resources:
              EchoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: src
                  Handler: echo.handler
                  Events:
                    Items:
                      Type: Api
                      Properties: { Path: /items, Method: get }
            """)
        let text = try String(contentsOfFile: template, encoding: .utf8)
        let stack = try TemplateStack.load(path: template)
        let warning = try #require(stack.stack.diagnostics.first { $0.message.contains("TracingEnabled") }, "\(stack.stack.diagnostics)")
        let event = try #require(SAMWarningLocationTests.position(of: "Items", in: text))
        #expect(warning.file == template && warning.line == event.line && warning.column == event.column, "\(warning)")
        #expect(warning.message.contains("made from EchoFunction event Items"), "\(warning.message)")
        let listing = TemplateListing.render(path: template, parameters: [:])
        #expect(listing.text.contains("  GET /items"), "\(listing.text)")
    }
}
