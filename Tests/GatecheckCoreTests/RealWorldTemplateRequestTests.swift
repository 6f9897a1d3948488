import Foundation
import GatecheckCore
import Gateway
import Testing
import TestSupport

/// Requests to the SAM translator's test inputs in `../shared/realworld/templates/` (and to the CloudFormation the
/// transform makes of each, `.cfn.json`), served as a suite's `template:`. Their functions' code is not in the corpus
/// (S3 `CodeUri`s), so the suite maps every function in `backends:` to one python3 handler the test writes: it answers
/// an authorizer event with an Allow policy and any other event with the function's name and the event's
/// resource/path/routeKey/httpMethod. Every route with a Lambda integration gets a request (with the credentials its
/// authorizer, Cognito pool or API key asks for) that must reach the function the route names, with the right event;
/// a route behind an authorizer or an API key also gets one request without credentials (401 / 403).
@Suite(.serialized) struct RealWorldTemplateRequestTests {
    static let templates: [String] = RealWorldSAMTemplateTests.directory.map { dir in
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".template.yaml") || $0.hasSuffix(".cfn.json") }.sorted()
    } ?? []

    /// `Logical.Attr` values the templates reference that the emulator does not create (a Cognito user pool's ARN).
    static let parameters = ["MyUserPool.Arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_RealWorld"]
    static let poolIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_RealWorld"
    static let apiKey = "realworld-template-key-0123456789"

    /// APIs of the corpus that cannot be served, as API Gateway could not deploy them: the template (without its
    /// `.template.yaml` / `.cfn.json` ending) -> the API and a text of its load error. The stack's other APIs are served.
    static let refused: [String: (apis: [String], error: String, reason: String)] = [
        "sam-api_with_binary_media_types": (["ExplicitApi"], "BodyS3Location s3://sam-demo-bucket/webpage_swagger.json",
                                            "its definition is in S3 (DefinitionUri s3://...), which gatecheck does not download"),
        // Globals.Api.Cors is an unquoted list for both APIs (SAM writes it as the mapping expression
        // `www.amazon.com,www.google.com`), and ExplicitApi's own Cors values are unquoted too (AllowHeaders: headers).
        "sam-api_with_cors": (["ServerlessRestApi", "ExplicitApi"], "invalid mapping expression",
                              "its Cors values are unquoted, which SAM writes as mapping expressions API Gateway's "
                                  + "PutIntegrationResponse rejects (the stack has no API that deploys)"),
    ]

    static let echo = """
        import json, os
        def handler(event, context):
            name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
            if event.get("type") in ("TOKEN", "REQUEST") and ("methodArn" in event or "routeArn" in event):
                return {"principalId": "user", "isAuthorized": True,
                        "policyDocument": {"Version": "2012-10-17", "Statement": [
                            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
            context_ = event.get("requestContext") or {}
            body = {"fn": name, "resource": event.get("resource"), "path": event.get("path"), "rawPath": event.get("rawPath"),
                    "httpMethod": event.get("httpMethod") or (context_.get("http") or {}).get("method"),
                    "routeKey": event.get("routeKey") or context_.get("routeKey"), "version": event.get("version")}
            return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
        """

    /// One request per Lambda route: the suite case and what it checks.
    struct RouteCase {
        var name: String
        var method: String
        var path: String
        var headers: [String: String]
        var function: String
        var event: [String: String]
        var unauthenticated: Int?
    }

    /// A concrete path for a route path: `{x}` -> `x1`, `{x+}` -> `x1/x2`, the `$default` route -> an unrouted path.
    static func concretePath(_ path: String) -> String {
        guard path != "$default" else { return "/gatecheck-unrouted" }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return String(segment) }
            let name = segment.dropFirst().dropLast()
            return name.hasSuffix("+") ? "\(name.dropLast())1/\(name.dropLast())2" : "\(name)1"
        }
        return segments.joined(separator: "/")
    }

    static func cases(_ definition: APIDefinition) -> [RouteCase] {
        var cases: [RouteCase] = []
        switch definition {
        case let .rest(rest):
            for method in rest.allMethods {
                guard let function = method.integration.lambdaFunctionName else { continue }
                let verb = method.httpMethod == "ANY" ? "PATCH" : method.httpMethod
                var headers: [String: String] = [:], unauthenticated: Int?
                switch method.authorizationType {
                case .custom:
                    // The TOKEN authorizer's Authorization, or the REQUEST authorizer's identity headers.
                    let sources = rest.authorizers[method.authorizerName ?? ""]?.identitySources ?? []
                    for case let .header(name) in sources { headers[name] = "allow" }
                    if sources.isEmpty { headers["Authorization"] = "allow" }
                    unauthenticated = sources.isEmpty ? nil : 401
                case .cognitoUserPools:
                    headers["Authorization"] = "{{jwt.pool}}"
                    unauthenticated = 401
                default: break
                }
                if method.apiKeyRequired {
                    headers["x-api-key"] = apiKey
                    unauthenticated = unauthenticated ?? 403
                }
                let path = concretePath(method.resourcePath)
                cases.append(RouteCase(name: "\(method.httpMethod) \(method.resourcePath)", method: verb, path: path, headers: headers,
                                       function: function, event: ["$.resource": method.resourcePath, "$.path": path, "$.httpMethod": verb],
                                       unauthenticated: unauthenticated))
            }
        case let .http(http):
            for route in http.allRoutes {
                guard case let .lambda(reference)? = route.integration?.target else { continue }
                let verb = route.method ?? "PATCH"
                var headers: [String: String] = [:], unauthenticated: Int?
                if route.authorizationType == .custom {
                    let sources = http.authorizers[route.authorizerName ?? ""]?.identitySources ?? []
                    for case let .header(name) in sources { headers[name] = "allow" }
                    if sources.isEmpty { headers["Authorization"] = "allow" }
                    unauthenticated = sources.isEmpty ? nil : 401
                }
                let path = concretePath(route.path)
                let version = route.integration?.payloadFormat.rawValue ?? "2.0"
                let event: [String: String] = version == "1.0"
                    ? ["$.path": path, "$.httpMethod": verb, "$.routeKey": route.routeKey, "$.version": "1.0"]
                    : ["$.rawPath": path, "$.httpMethod": verb, "$.routeKey": route.routeKey, "$.version": "2.0"]
                cases.append(RouteCase(name: route.routeKey, method: verb, path: path, headers: headers, function: reference.name,
                                       event: event, unauthenticated: unauthenticated))
            }
        }
        return cases
    }

    @Test(.enabled(if: RealWorldSAMTemplateTests.enabled, Comment(rawValue: RealWorldSAMTemplateTests.absent)), arguments: templates)
    func eachLambdaRouteOfTheTemplateReachesItsFunctionWithTheRightEvent(_ name: String) async throws {
        let directory = try #require(RealWorldSAMTemplateTests.directory)
        let path = directory + "/" + name
        let stack = try TemplateStack.load(path: path, parameters: Self.parameters)
        let listing = TemplateListing.render(path: path, parameters: Self.parameters)
        let workspace = Workspace()
        let handler = workspace.write("echo.py", Self.echo)
        let lambdas = Dictionary(uniqueKeysWithValues: stack.stack.functions.map { ($0.logicalID, ["python": handler + ":handler"]) })
        var suites: [String: String] = [:], expectedCases = 0
        for api in stack.stack.apis where api.kind != .websocket {
            let stem = name.replacingOccurrences(of: ".template.yaml", with: "").replacingOccurrences(of: ".cfn.json", with: "")
            let definition: APIDefinition
            do { definition = try api.loadDefinition(parameters: ImportParameters(values: Self.parameters)) } catch {
                let refusal = Self.refused[stem]
                #expect(refusal?.apis.contains(api.logicalID) == true && error.description.contains(refusal?.error ?? "-"),
                        "\(name): \(api.logicalID) is not listed as refused, or fails otherwise: \(error.description.prefix(400))")
                continue
            }
            for route in TemplateListing.routes(definition) { #expect(listing.text.contains("  \(route)\n"), "\(name): \(route) listed") }
            let routes = Self.cases(definition)
            var cases: [[String: Any]] = []
            for route in routes {
                var expect: [String: Any] = ["status": 200, "body": ["jsonPath": ["$.fn": route.function].merging(route.event) { a, _ in a }]]
                expect["headers"] = ["Content-Type": "application/json"]
                cases.append(["name": "\(route.name) reaches \(route.function)",
                              "request": ["method": route.method, "path": route.path, "headers": route.headers], "expect": expect])
                if let status = route.unauthenticated {
                    cases.append(["name": "\(route.name) without credentials", "request": ["method": route.method, "path": route.path],
                                  "expect": ["status": status]])
                }
            }
            guard !cases.isEmpty else { continue }
            expectedCases += cases.count
            let suite: [String: Any] = [
                "name": "\(name) \(api.logicalID)", "template": path, "api-resource": api.logicalID, "parameters": Self.parameters,
                "backends": ["lambdas": lambdas, "apiKeys": ["realworld": Self.apiKey],
                             "usagePlans": ["RealWorldPlan": ["apiKeys": ["realworld"]]]],
                "jwt": ["pool": ["issuer": Self.poolIssuer, "audience": "realworld-client", "claims": ["sub": "alice", "token_use": "id"]]],
                "cases": cases,
            ]
            let json = try JSONSerialization.data(withJSONObject: suite, options: [.sortedKeys, .prettyPrinted])
            suites["\(api.logicalID).yaml"] = String(decoding: json, as: UTF8.self)
        }
        guard expectedCases > 0 else {
            #expect(Self.refused[name.replacingOccurrences(of: ".template.yaml", with: "").replacingOccurrences(of: ".cfn.json", with: "")] != nil,
                    "\(name) has no Lambda route")
            return
        }
        let run = await runSuites(suites, target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(!run.errors.contains("error:"), "\(name): \(run.errors)")
        for suite in run.summary.suites {
            for result in suite.cases {
                if case let .failed(failures) = result.outcome { Issue.record("\(suite.name) / \(result.name): \(failures)") }
                if case let .errored(message, _) = result.outcome { Issue.record("\(suite.name) / \(result.name): \(message)") }
            }
        }
        #expect(run.summary.suites.flatMap(\.cases).count == expectedCases, "\(name): \(run.errors)")
    }
}
