import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// HTTP API Lambda authorizers through a real loopback socket: payload 1.0 (IAM policy) and 2.0 (simple
/// responses), identity sources, the 401 / 403 / 500 bodies, context in events and parameter mappings, caching.
@Suite struct HTTPAPILambdaAuthorizerTests {
    static func definition(ttl: Int = 300) -> String {
        """
        openapi: "3.0.1"
        info: {title: "authorizer-http", version: "1"}
        x-amazon-apigateway-importexport-version: "1.0"
        paths:
          /simple:
            get:
              security:
              - simpleAuth: []
        \(HTTPAPITestSupport.lambdaIntegration("Echo", extra: "requestParameters:\n  overwrite:header.x-tier: \"$context.authorizer.tier\""))
          /simple/other:
            get:
              security:
              - simpleAuth: []
        \(HTTPAPITestSupport.lambdaIntegration("Echo"))
          /policy/{id}:
            get:
              security:
              - policyAuth: []
        \(HTTPAPITestSupport.lambdaIntegration("Echo", version: "1.0"))
        components:
          securitySchemes:
            simpleAuth:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authorizer:
                type: request
                identitySource: "$request.header.Authorization"
                authorizerUri: "\(AuthorizerFixtures.lambdaURI("SimpleAuth"))"
                authorizerPayloadFormatVersion: "2.0"
                authorizerResultTtlInSeconds: \(ttl)
                enableSimpleResponses: true
            policyAuth:
              type: apiKey
              name: X-Token
              in: header
              x-amazon-apigateway-authorizer:
                type: request
                identitySource: "$request.header.X-Token, $request.querystring.tenant"
                authorizerUri: "\(AuthorizerFixtures.lambdaURI("PolicyAuth"))"
                authorizerPayloadFormatVersion: "1.0"
        """
    }

    static let echo = FakeLambda { invocation in
        .success(payload: Array(JSONValue.object(["statusCode": .int(200), "body": .string(String(decoding: invocation.payload, as: UTF8.self))])
            .serialized(.compact).utf8))
    }

    static func simpleAuthorizer(_ calls: CallCounter, events: Recorder<String>) -> FakeLambda {
        FakeLambda { invocation in
            calls.increment()
            await events.record(String(decoding: invocation.payload, as: UTF8.self))
            let event = try? JSONValue.parse(bytes: invocation.payload)
            switch event.flatMap({ jsonPath("headers.authorization", $0) }) {
            case "yes": return .success(payload: bytes(#"{"isAuthorized":true,"context":{"tier":"gold","n":2,"roles":["a"]}}"#))
            case "no": return .success(payload: bytes(#"{"isAuthorized":false}"#))
            case "raise": return .functionError(payload: bytes(#"{"errorMessage":"Unauthorized"}"#))
            case "junk": return .success(payload: bytes(#"{"allowed":true}"#))
            default: return .functionError(payload: bytes(#"{"errorMessage":"boom"}"#))
            }
        }
    }

    static func policyAuthorizer(events: Recorder<String>) -> FakeLambda {
        FakeLambda { invocation in
            await events.record(String(decoding: invocation.payload, as: UTF8.self))
            let token = AuthorizerFixtures.field("identitySource", of: invocation.payload) ?? ""
            let arn = AuthorizerFixtures.field("methodArn", of: invocation.payload) ?? ""
            return .success(payload: bytes(AuthorizerFixtures.policy(token.hasPrefix("good") ? "Allow" : "Deny", [arn], principal: "pp",
                                                                     context: #"{"tenant":"acme"}"#)))
        }
    }

    struct Harness {
        let gateway: HTTPAPIGateway
        let calls: CallCounter
        let simpleEvents: Recorder<String>
        let policyEvents: Recorder<String>
        let clock: ManualClock
    }

    static func harness(ttl: Int = 300) throws -> Harness {
        let api = try HTTPAPITestSupport.load(definition(ttl: ttl))
        let calls = CallCounter(), simpleEvents = Recorder<String>(), policyEvents = Recorder<String>(), clock = ManualClock()
        let gateway = HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: [
            "Echo": echo, "SimpleAuth": simpleAuthorizer(calls, events: simpleEvents), "PolicyAuth": policyAuthorizer(events: policyEvents),
        ]), clock: clock.gatewayClock)
        return Harness(gateway: gateway, calls: calls, simpleEvents: simpleEvents, policyEvents: policyEvents, clock: clock)
    }

    static func get(_ port: Int, _ path: String, headers: [(String, String)] = []) async throws -> WireResponse {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        return try WireResponse(try await rawExchange(port: port, request + "\r\n"))
    }

    @Test func simpleResponsesAllowDenyAndFail() async throws {
        let harness = try Self.harness(ttl: 0)
        try await withGatewayServer(harness.gateway) { port in
            let allowed = try await Self.get(port, "/simple", headers: [("Authorization", "yes")])
            #expect(allowed.status == 200)
            let event = try JSONValue.parse(allowed.text)
            // Payload 2.0 integration events carry the authorizer's context under requestContext.authorizer.lambda.
            if case let .object(context)? = jsonValue("requestContext.authorizer", event) {
                #expect(context["lambda"] == JSONValue.object(["tier": .string("gold"), "n": .int(2), "roles": .array([.string("a")])]))
            } else {
                Issue.record("no requestContext.authorizer in \(allowed.text)")
            }
            // $context.authorizer.tier in a parameter mapping.
            #expect(jsonPath("headers.x-tier", event) == "gold")

            let denied = try await Self.get(port, "/simple", headers: [("Authorization", "no")])
            #expect(denied.status == 403)
            #expect(denied.text == #"{"message":"Forbidden"}"#)
            let missing = try await Self.get(port, "/simple")
            #expect(missing.status == 401)
            #expect(missing.text == #"{"message":"Unauthorized"}"#)
            let raised = try await Self.get(port, "/simple", headers: [("Authorization", "raise")])
            #expect(raised.status == 401)
            for token in ["junk", "crash"] {
                let broken = try await Self.get(port, "/simple", headers: [("Authorization", token)])
                #expect(broken.status == 500, "\(token)")
                #expect(broken.text == #"{"message":"Internal Server Error"}"#)
            }
            #expect(harness.calls.count == 5)  // the missing header never reached the function

            let authorizerEvent = try JSONValue.parse(try #require(await harness.simpleEvents.values.first))
            #expect(jsonPath("version", authorizerEvent) == "2.0")
            #expect(jsonPath("type", authorizerEvent) == "REQUEST")
            #expect(jsonPath("routeKey", authorizerEvent) == "GET /simple")
            #expect(jsonPath("routeArn", authorizerEvent) == "arn:aws:execute-api:us-east-1:123456789012:\(harness.gateway.api.apiID)/$default/GET/simple")
            #expect(jsonValue("identitySource", authorizerEvent) == .array([.string("yes")]))
            #expect(jsonValue("body", authorizerEvent) == nil)
        }
    }

    @Test func simpleResponsesAreCachedPerIdentityForEveryRoute() async throws {
        let harness = try Self.harness(ttl: 300)
        try await withGatewayServer(harness.gateway) { (port: Int) async throws in
            let first = try await Self.get(port, "/simple", headers: [("Authorization", "yes")])
            let otherRoute = try await Self.get(port, "/simple/other", headers: [("Authorization", "yes")])
            #expect(first.status == 200 && otherRoute.status == 200)
            #expect(harness.calls.count == 1)
            harness.clock.advance(seconds: 300)
            let afterTTL = try await Self.get(port, "/simple/other", headers: [("Authorization", "yes")])
            #expect(afterTTL.status == 200)
            #expect(harness.calls.count == 2)
        }
    }

    @Test func payload1PolicyIsEvaluatedAgainstTheRouteARN() async throws {
        let harness = try Self.harness()
        try await withGatewayServer(harness.gateway) { port in
            let missingTenant = try await Self.get(port, "/policy/7", headers: [("X-Token", "good")])
            #expect(missingTenant.status == 401)
            let allowed = try await Self.get(port, "/policy/7?tenant=acme", headers: [("X-Token", "good")])
            #expect(allowed.status == 200)
            let event = try JSONValue.parse(allowed.text)
            #expect(jsonPath("requestContext.authorizer.tenant", event) == "acme")
            #expect(jsonPath("requestContext.authorizer.principalId", event) == "pp")
            let denied = try await Self.get(port, "/policy/7?tenant=acme", headers: [("X-Token", "bad")])
            #expect(denied.status == 403)
            #expect(denied.text == #"{"message":"Forbidden"}"#)

            let authorizerEvent = try JSONValue.parse(try #require(await harness.policyEvents.values.first))
            #expect(jsonPath("version", authorizerEvent) == "1.0")
            #expect(jsonPath("identitySource", authorizerEvent) == "good,acme")
            #expect(jsonPath("authorizationToken", authorizerEvent) == "good,acme")
            #expect(jsonPath("methodArn", authorizerEvent)?.hasSuffix("/$default/GET/policy/7") == true)
            #expect(jsonPath("resource", authorizerEvent) == "/policy/{id}")
        }
    }

    @Test func loaderNeedsAPayloadFormatVersion() {
        let text = Self.definition().replacingOccurrences(of: "\n        authorizerPayloadFormatVersion: \"1.0\"", with: "")
        let errors = HTTPAPITestSupport.loadErrors(text)
        #expect(errors.contains { $0.message.contains("authorizer 'policyAuth' has no authorizerPayloadFormatVersion") }, "\(errors)")
    }
}

/// The value at a dotted path of a JSON value.
func jsonValue(_ path: String, _ value: JSONValue) -> JSONValue? {
    var current = value
    for key in path.split(separator: ".") {
        guard case let .object(object) = current, let next = object[String(key)] else { return nil }
        current = next
    }
    return current
}
