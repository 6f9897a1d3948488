import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// REST Lambda authorizers (TOKEN and REQUEST) through a real loopback socket: identity checks, policy evaluation,
/// context in templates and proxy events, the error answers, and caching by the gateway's clock.
@Suite struct RESTLambdaAuthorizerTests {
    static let definition = """
        openapi: 3.0.1
        info: {title: authorizer-rest}
        paths:
          /pets:
            get:
              security:
              - tokenAuth: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
          /pets/{id}:
            get:
              security:
              - tokenAuth: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
          /profile:
            get:
              security:
              - tokenAuth: []
              responses:
                "200": {description: ok}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200}'
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates:
                      application/json: '{"principal":"$context.authorizer.principalId","tier":"$context.authorizer.tier","count":$context.authorizer.count}'
          /tenants/{tenant}:
            get:
              security:
              - requestAuth: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
        components:
          securitySchemes:
            tokenAuth:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: custom
              x-amazon-apigateway-authorizer:
                type: token
                authorizerUri: \(AuthorizerFixtures.lambdaURI("TokenAuth"))
                identityValidationExpression: "Bearer [a-z-]+"
            requestAuth:
              type: apiKey
              name: Unused
              in: header
              x-amazon-apigateway-authtype: custom
              x-amazon-apigateway-authorizer:
                type: request
                identitySource: method.request.header.X-User, method.request.querystring.region, stageVariables.realm
                authorizerResultTtlInSeconds: 0
                authorizerUri: \(AuthorizerFixtures.lambdaURI("RequestAuth"))
        """

    static let arnPrefix = "arn:aws:execute-api:us-east-1:123456789012:"

    /// TOKEN authorizer: decides by token. Records every call.
    static func tokenAuthorizer(_ calls: CallCounter, events: Recorder<String>? = nil) -> FakeLambda {
        FakeLambda { invocation in
            calls.increment()
            await events?.record(String(decoding: invocation.payload, as: UTF8.self))
            let token = AuthorizerFixtures.field("authorizationToken", of: invocation.payload) ?? ""
            let methodARN = AuthorizerFixtures.field("methodArn", of: invocation.payload) ?? ""
            let apiAndStage = methodARN.split(separator: "/").prefix(2).joined(separator: "/")
            switch token {
            case "Bearer allow":
                return success(AuthorizerFixtures.policy("Allow", [methodARN], context: #"{"tier":"gold","count":3,"admin":true}"#))
            case "Bearer wildcard":
                return success(AuthorizerFixtures.policy("Allow", ["\(apiAndStage)/GET/pets*"]))
            case "Bearer deny":
                return success(AuthorizerFixtures.policy("Deny", ["\(apiAndStage)/*/*"], principal: "bad-user", context: #"{"reason":"banned"}"#))
            case "Bearer mixed":
                // Allow everything, deny one path: the explicit deny wins where it applies.
                return success(#"{"principalId":"m","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:*","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"\#(apiAndStage)/GET/pets/secret"}]}}"#)
            case "Bearer elsewhere":
                return success(AuthorizerFixtures.policy("Allow", ["\(apiAndStage)/POST/pets"]))
            case "Bearer unauthorized":
                return .functionError(payload: bytes(#"{"errorMessage":"Unauthorized","errorType":"Error"}"#))
            case "Bearer crash":
                return .functionError(payload: bytes(#"{"errorMessage":"database down","errorType":"RuntimeError"}"#))
            case "Bearer junk":
                return success("this is not json")
            case "Bearer nested":
                return success(AuthorizerFixtures.policy("Allow", [methodARN], context: #"{"roles":["a","b"]}"#))
            case "Bearer nopolicy":
                return success(#"{"principalId":"x"}"#)
            default:
                return .functionError(payload: bytes(#"{"errorMessage":"unexpected token"}"#))
            }
        }
    }

    static func gateway(calls: CallCounter, clock: ManualClock = ManualClock(), events: Recorder<String>? = nil,
                        requestAuthorizer: FakeLambda? = nil, definition: String = definition) throws -> RESTGateway {
        let api = try RESTAPILoader.load(text: definition, file: "authorizer.yaml")
        let backends = BackendRegistry(lambdas: [
            "Echo": AuthorizerFixtures.echoAuthorizerContext,
            "TokenAuth": tokenAuthorizer(calls, events: events),
            "RequestAuth": requestAuthorizer ?? tokenAuthorizer(calls),
        ])
        return RESTGateway(api: api, stage: StageSettings(name: "test", variables: ["realm": "north"]), backends: backends,
                           clock: clock.gatewayClock)
    }

    static func get(_ port: Int, _ path: String, token: String? = nil, headers: [(String, String)] = []) async throws -> WireResponse {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let token { request += "Authorization: \(token)\r\n" }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return try WireResponse(try await rawExchange(port: port, request + "\r\n"))
    }

    @Test func allowedTokenReachesTheIntegrationWithContextAndPrincipal() async throws {
        let calls = CallCounter()
        let events = Recorder<String>()
        try await withGatewayServer(try Self.gateway(calls: calls, events: events)) { port in
            let response = try await Self.get(port, "/test/pets", token: "Bearer allow")
            #expect(response.status == 200)
            // REST proxy events carry context values as strings, then principalId and integrationLatency.
            #expect(response.text == #"{"tier":"gold","count":"3","admin":"true","principalId":"user-1","integrationLatency":0}"#)
            let event = try #require(await events.last)
            let apiID = try RESTAPILoader.load(text: Self.definition, file: "a.yaml").apiID
            #expect(event == #"{"type":"TOKEN","authorizationToken":"Bearer allow","methodArn":"\#(Self.arnPrefix)\#(apiID)/test/GET/pets"}"#)
        }
    }

    @Test func contextReachesMappingTemplates() async throws {
        try await withGatewayServer(try Self.gateway(calls: CallCounter())) { port in
            let response = try await Self.get(port, "/test/profile", token: "Bearer allow")
            #expect(response.status == 200)
            #expect(response.text == #"{"principal":"user-1","tier":"gold","count":3}"#)
        }
    }

    @Test func missingOrInvalidTokenIs401WithoutCallingTheFunction() async throws {
        let calls = CallCounter()
        try await withGatewayServer(try Self.gateway(calls: calls)) { port in
            for token in [nil, "", "Basic abc", "Bearer UPPER"] as [String?] {
                let response = try await Self.get(port, "/test/pets", token: token)
                #expect(response.status == 401, "token \(token ?? "none")")
                #expect(response.text == #"{"message":"Unauthorized"}"#)
                #expect(response.value("x-amzn-ErrorType") == "UnauthorizedException")
            }
            #expect(calls.count == 0)
        }
    }

    @Test func functionRaisingUnauthorizedIs401() async throws {
        try await withGatewayServer(try Self.gateway(calls: CallCounter())) { port in
            let response = try await Self.get(port, "/test/pets", token: "Bearer unauthorized")
            #expect(response.status == 401)
            #expect(response.text == #"{"message":"Unauthorized"}"#)
        }
    }

    @Test func explicitAndImplicitDenyAre403WithAWSBodies() async throws {
        try await withGatewayServer(try Self.gateway(calls: CallCounter())) { port in
            let denied = try await Self.get(port, "/test/pets", token: "Bearer deny")
            #expect(denied.status == 403)
            #expect(denied.text == #"{"Message":"User is not authorized to access this resource with an explicit deny"}"#)
            #expect(denied.value("x-amzn-ErrorType") == "AccessDeniedException")
            let notCovered = try await Self.get(port, "/test/pets", token: "Bearer elsewhere")
            #expect(notCovered.status == 403)
            #expect(notCovered.text == #"{"Message":"User is not authorized to access this resource"}"#)
        }
    }

    @Test func wildcardsAndSeveralStatements() async throws {
        try await withGatewayServer(try Self.gateway(calls: CallCounter())) { port in
            #expect(try await Self.get(port, "/test/pets", token: "Bearer wildcard").status == 200)
            #expect(try await Self.get(port, "/test/pets/7", token: "Bearer wildcard").status == 200)
            #expect(try await Self.get(port, "/test/profile", token: "Bearer wildcard").status == 403)
            #expect(try await Self.get(port, "/test/pets/7", token: "Bearer mixed").status == 200)
            let secret = try await Self.get(port, "/test/pets/secret", token: "Bearer mixed")
            #expect(secret.status == 403)
            #expect(secret.text.contains("explicit deny"))
        }
    }

    @Test func brokenAuthorizersAre500WithNullMessage() async throws {
        try await withGatewayServer(try Self.gateway(calls: CallCounter())) { port in
            for token in ["Bearer crash", "Bearer junk", "Bearer nested", "Bearer nopolicy"] {
                let response = try await Self.get(port, "/test/pets", token: token)
                #expect(response.status == 500, "\(token)")
                #expect(response.text == #"{"message": null}"#, "\(token)")
                #expect(response.value("x-amzn-ErrorType") == "AuthorizerConfigurationException", "\(token)")
            }
        }
    }

    @Test func cachedPolicyForOneMethodDeniesTheNextUntilTheTTLPasses() async throws {
        let calls = CallCounter()
        let clock = ManualClock()
        try await withGatewayServer(try Self.gateway(calls: calls, clock: clock)) { port in
            // "allow" grants exactly the method ARN of the first call; the answer is cached for 300 s.
            #expect(try await Self.get(port, "/test/pets", token: "Bearer allow").status == 200)
            #expect(try await Self.get(port, "/test/pets", token: "Bearer allow").status == 200)
            #expect(calls.count == 1)
            let next = try await Self.get(port, "/test/pets/1", token: "Bearer allow")
            #expect(next.status == 403)
            #expect(next.text == #"{"Message":"User is not authorized to access this resource"}"#)
            #expect(calls.count == 1)
            clock.advance(seconds: 299)
            #expect(try await Self.get(port, "/test/pets/1", token: "Bearer allow").status == 403)
            clock.advance(seconds: 1)
            // TTL passed: the function runs again, now for /pets/1.
            #expect(try await Self.get(port, "/test/pets/1", token: "Bearer allow").status == 200)
            #expect(calls.count == 2)
        }
    }

    @Test func requestAuthorizerGetsTheRequestAndNeedsEveryIdentitySource() async throws {
        let calls = CallCounter()
        let events = Recorder<String>()
        let requestAuthorizer = FakeLambda { invocation in
            calls.increment()
            await events.record(String(decoding: invocation.payload, as: UTF8.self))
            let user = try? JSONValue.parse(bytes: invocation.payload)
            let allowed = user.flatMap { jsonPath("headers.X-User", $0) } == "alice"
            let arn = AuthorizerFixtures.field("methodArn", of: invocation.payload) ?? ""
            return success(AuthorizerFixtures.policy(allowed ? "Allow" : "Deny", [arn], principal: "p"))
        }
        try await withGatewayServer(try Self.gateway(calls: calls, requestAuthorizer: requestAuthorizer)) { port in
            let missing = try await Self.get(port, "/test/tenants/acme", headers: [("X-User", "alice")])
            #expect(missing.status == 401)
            #expect(calls.count == 0)
            let ok = try await Self.get(port, "/test/tenants/acme?region=eu", headers: [("X-User", "alice")])
            #expect(ok.status == 200)
            let denied = try await Self.get(port, "/test/tenants/acme?region=eu", headers: [("X-User", "bob")])
            #expect(denied.status == 403)
            // TTL 0: no caching, each request calls the function.
            #expect(calls.count == 2)
            let event = try JSONValue.parse(try #require(await events.values.first))
            #expect(jsonPath("type", event) == "REQUEST")
            #expect(jsonPath("resource", event) == "/tenants/{tenant}")
            #expect(jsonPath("path", event) == "/tenants/acme")
            #expect(jsonPath("httpMethod", event) == "GET")
            #expect(jsonPath("queryStringParameters.region", event) == "eu")
            #expect(jsonPath("pathParameters.tenant", event) == "acme")
            #expect(jsonPath("stageVariables.realm", event) == "north")
            #expect(jsonPath("requestContext.stage", event) == "test")
            #expect(jsonPath("methodArn", event)?.hasSuffix("/test/GET/tenants/acme") == true)
            if case let .object(fields) = event { #expect(fields["body"] == nil) }
        }
    }

    @Test func gatewayResponseCustomisationsSeeAuthorizerAndErrorContext() async throws {
        let custom = Self.definition + """

            x-amazon-apigateway-gateway-responses:
              ACCESS_DENIED:
                statusCode: 403
                responseParameters:
                  gatewayresponse.header.X-Principal: context.authorizer.principalId
                responseTemplates:
                  application/json: '{"denied":$context.error.messageString,"who":"$context.authorizer.principalId","why":"$context.authorizer.reason","type":"$context.error.responseType"}'
              UNAUTHORIZED:
                statusCode: 401
                responseParameters:
                  gatewayresponse.header.WWW-Authenticate: "'Bearer realm=\\"pets\\"'"
                responseTemplates:
                  application/json: '{"error":"login required"}'
              AUTHORIZER_CONFIGURATION_ERROR:
                statusCode: 502
                responseTemplates:
                  application/json: '{"error":"authorizer broken","message":$context.error.messageString}'
            """
        try await withGatewayServer(try Self.gateway(calls: CallCounter(), definition: custom)) { port in
            let denied = try await Self.get(port, "/test/pets", token: "Bearer deny")
            #expect(denied.status == 403)
            #expect(denied.value("X-Principal") == "bad-user")
            #expect(denied.text == #"{"denied":"User is not authorized to access this resource with an explicit deny","who":"bad-user","why":"banned","type":"ACCESS_DENIED"}"#)
            let unauthorized = try await Self.get(port, "/test/pets")
            #expect(unauthorized.status == 401)
            #expect(unauthorized.value("WWW-Authenticate") == #"Bearer realm="pets""#)
            #expect(unauthorized.text == #"{"error":"login required"}"#)
            let broken = try await Self.get(port, "/test/pets", token: "Bearer crash")
            #expect(broken.status == 502)
            #expect(broken.text == #"{"error":"authorizer broken","message":null}"#)
        }
    }

    @Test func loaderReportsBrokenAuthorizerDefinitions() throws {
        let bad = """
            openapi: 3.0.1
            info: {title: bad}
            paths: {}
            components:
              securitySchemes:
                a:
                  type: apiKey
                  name: Authorization
                  in: header
                  x-amazon-apigateway-authorizer:
                    type: token
                    authorizerUri: not-an-arn
                b:
                  type: apiKey
                  name: X
                  in: header
                  x-amazon-apigateway-authorizer:
                    type: request
                    identitySource: header.X
                    authorizerUri: \(AuthorizerFixtures.lambdaURI("F"))
                c:
                  type: apiKey
                  name: X
                  in: header
                  x-amazon-apigateway-authorizer:
                    type: request
                    authorizerResultTtlInSeconds: 60
                    authorizerUri: \(AuthorizerFixtures.lambdaURI("F"))
            """
        do {
            _ = try RESTAPILoader.load(text: bad, file: "bad.yaml")
            Issue.record("expected errors")
        } catch {
            let messages = error.diagnostics.map(\.message)
            #expect(messages.contains { $0.contains("authorizerUri 'not-an-arn' of authorizer 'a'") })
            #expect(messages.contains { $0.contains("invalid identity source 'header.X' of authorizer 'b'") })
            #expect(messages.contains { $0.contains("authorizer 'c' caches results") })
        }
    }
}

/// The string at a dotted path of a JSON value.
func jsonPath(_ path: String, _ value: JSONValue) -> String? {
    var current = value
    for key in path.split(separator: ".") {
        guard case let .object(object) = current, let next = object[String(key)] else { return nil }
        current = next
    }
    if case let .string(text) = current { return text }
    return nil
}
