import Backends
import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// REST API keys and usage plans through a real loopback socket: HEADER and AUTHORIZER key sources, 403 for
/// missing / unknown / disabled / plan-less keys, throttling and quotas (429) measured by the gateway's clock.
@Suite struct APIKeyUsagePlanTests {
    static func definition(keySource: String = "HEADER") -> String {
        """
        openapi: 3.0.1
        info: {title: keys-rest}
        x-amazon-apigateway-api-key-source: \(keySource)
        paths:
          /items:
            get:
              security:
              - api_key: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
          /open:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
          /partner:
            get:
              security:
              - api_key: []
                partnerAuth: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: \(AuthorizerFixtures.lambdaURI("Echo"))
        components:
          securitySchemes:
            api_key:
              type: apiKey
              name: x-api-key
              in: header
            partnerAuth:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: custom
              x-amazon-apigateway-authorizer:
                type: token
                authorizerResultTtlInSeconds: 0
                authorizerUri: \(AuthorizerFixtures.lambdaURI("PartnerAuth"))
        """
    }

    static let backends = """
        apiKeys:
          gold: gold-key-0123456789abcdef
          bronze: bronze-key-0123456789abcd
          retired: { value: retired-key-0123456789ab, enabled: false }
          orphan: orphan-key-0123456789abcd
        usagePlans:
          Gold:
            throttle: { rateLimit: 1, burstLimit: 2 }
            apiKeys: [gold]
          Bronze:
            quota: { limit: 3, period: DAY }
            apiKeys: [bronze]
        """

    /// A proxy function answering the event's `requestContext.identity.apiKey`.
    static let echoAPIKey = FakeLambda { invocation in
        let key = (try? JSONValue.parse(bytes: invocation.payload)).flatMap { jsonPath("requestContext.identity.apiKey", $0) } ?? "none"
        return success(#"{"statusCode":200,"body":"\#(key)"}"#)
    }

    /// Allows any token and hands it back as the usage identifier key.
    static let partnerAuthorizer = FakeLambda { invocation in
        let token = AuthorizerFixtures.field("authorizationToken", of: invocation.payload) ?? ""
        let arn = AuthorizerFixtures.field("methodArn", of: invocation.payload) ?? ""
        return success(AuthorizerFixtures.policy("Allow", [arn], usageKey: token))
    }

    static func gateway(keySource: String = "HEADER", backendsYAML: String = backends, clock: ManualClock) throws -> RESTGateway {
        let api = try RESTAPILoader.load(text: definition(keySource: keySource), file: "keys.yaml")
        let configuration = try BackendsLoader.load(text: backendsYAML, file: "backends.yaml")
        return RESTGateway(api: api, backends: BackendRegistry(lambdas: ["Echo": echoAPIKey, "PartnerAuth": partnerAuthorizer]),
                           usagePlans: configuration.usagePlans, clock: clock.gatewayClock)
    }

    static func get(_ port: Int, _ path: String, key: String? = nil, token: String? = nil) async throws -> WireResponse {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let key { request += "x-api-key: \(key)\r\n" }
        if let token { request += "Authorization: \(token)\r\n" }
        return try WireResponse(try await rawExchange(port: port, request + "\r\n"))
    }

    @Test func missingUnknownDisabledOrPlanlessKeysAre403() async throws {
        try await withGatewayServer(try Self.gateway(clock: ManualClock())) { port in
            for key in [nil, "", "no-such-key-0123456789", "retired-key-0123456789ab", "orphan-key-0123456789abcd"] as [String?] {
                let response = try await Self.get(port, "/test/items", key: key)
                #expect(response.status == 403, "key \(key ?? "none")")
                #expect(response.text == #"{"message":"Forbidden"}"#)
                #expect(response.value("x-amzn-ErrorType") == "ForbiddenException")
            }
            let ok = try await Self.get(port, "/test/items", key: "gold-key-0123456789abcdef")
            #expect(ok.status == 200)
            #expect(ok.text == "gold-key-0123456789abcdef")
            // Methods without api_key security need none.
            #expect(try await Self.get(port, "/test/open").status == 200)
        }
    }

    @Test func throttleIsATokenBucketOnTheGatewayClock() async throws {
        let clock = ManualClock()
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            let key = "gold-key-0123456789abcdef"
            #expect(try await Self.get(port, "/test/items", key: key).status == 200)
            #expect(try await Self.get(port, "/test/items", key: key).status == 200)
            let throttled = try await Self.get(port, "/test/items", key: key)
            #expect(throttled.status == 429)
            #expect(throttled.text == #"{"message":"Too Many Requests"}"#)
            #expect(throttled.value("x-amzn-ErrorType") == "TooManyRequestsException")
            clock.advance(seconds: 1)  // rate 1/s refills one token
            #expect(try await Self.get(port, "/test/items", key: key).status == 200)
            #expect(try await Self.get(port, "/test/items", key: key).status == 429)
        }
    }

    @Test func quotaCountsPerDayUTC() async throws {
        let clock = ManualClock()
        try await withGatewayServer(try Self.gateway(clock: clock)) { port in
            let key = "bronze-key-0123456789abcd"
            for _ in 0..<3 { #expect(try await Self.get(port, "/test/items", key: key).status == 200) }
            let exceeded = try await Self.get(port, "/test/items", key: key)
            #expect(exceeded.status == 429)
            #expect(exceeded.text == #"{"message":"Limit Exceeded"}"#)
            clock.advance(seconds: 23 * 3600)
            #expect(try await Self.get(port, "/test/items", key: key).status == 429)
            clock.advance(seconds: 3600)  // the next UTC day
            #expect(try await Self.get(port, "/test/items", key: key).status == 200)
        }
    }

    @Test func authorizerKeySourceMetersTheUsageIdentifierKey() async throws {
        try await withGatewayServer(try Self.gateway(keySource: "AUTHORIZER", clock: ManualClock())) { port in
            // The x-api-key header does not count with AUTHORIZER: the authorizer's usageIdentifierKey does.
            let fromAuthorizer = try await Self.get(port, "/test/partner", key: "ignored", token: "gold-key-0123456789abcdef")
            #expect(fromAuthorizer.status == 200)
            #expect(fromAuthorizer.text == "gold-key-0123456789abcdef")
            let unknown = try await Self.get(port, "/test/partner", key: "gold-key-0123456789abcdef", token: "made-up-key-0123456789")
            #expect(unknown.status == 403)
        }
    }

    @Test func stageAndMethodThrottling() async throws {
        let yaml = Self.backends + """

            throttling:
              stage: { rateLimit: 0, burstLimit: 3 }
              methods:
                "GET /open": { rateLimit: 0, burstLimit: 1 }
            """
        try await withGatewayServer(try Self.gateway(backendsYAML: yaml, clock: ManualClock())) { port in
            #expect(try await Self.get(port, "/test/open").status == 200)
            let method = try await Self.get(port, "/test/open")
            #expect(method.status == 429)
            #expect(method.text == #"{"message":"Too Many Requests"}"#)
            #expect(try await Self.get(port, "/test/items", key: "gold-key-0123456789abcdef").status == 200)
            #expect(try await Self.get(port, "/test/items", key: "gold-key-0123456789abcdef").status == 200)
            // The stage's bucket of 3 is used up (the method-throttled request did not take from it).
            #expect(try await Self.get(port, "/test/items", key: "gold-key-0123456789abcdef").status == 429)
        }
    }

    @Test func keyAndUsageGatewayResponsesCanBeCustomised() async throws {
        let api = try RESTAPILoader.load(text: Self.definition() + """

            x-amazon-apigateway-gateway-responses:
              INVALID_API_KEY:
                statusCode: 401
                responseTemplates:
                  application/json: '{"error":"$context.error.responseType","message":$context.error.messageString}'
              QUOTA_EXCEEDED:
                responseParameters:
                  gatewayresponse.header.Retry-After: "'86400'"
                responseTemplates:
                  application/json: '{"error":"$context.error.responseType","key":"$context.identity.apiKey"}'
            """, file: "keys.yaml")
        let configuration = try BackendsLoader.load(text: Self.backends, file: "backends.yaml")
        let gateway = RESTGateway(api: api, backends: BackendRegistry(lambdas: ["Echo": Self.echoAPIKey]),
                                  usagePlans: configuration.usagePlans, clock: ManualClock().gatewayClock)
        try await withGatewayServer(gateway) { port in
            let missing = try await Self.get(port, "/test/items")
            #expect(missing.status == 401)
            #expect(missing.text == #"{"error":"INVALID_API_KEY","message":"Forbidden"}"#)
            for _ in 0..<3 { _ = try await Self.get(port, "/test/items", key: "bronze-key-0123456789abcd") }
            let exceeded = try await Self.get(port, "/test/items", key: "bronze-key-0123456789abcd")
            #expect(exceeded.status == 429)
            #expect(exceeded.value("Retry-After") == "86400")
            #expect(exceeded.text == #"{"error":"QUOTA_EXCEEDED","key":"bronze-key-0123456789abcd"}"#)
        }
    }

    @Test func backendsFileReportsBadKeysAndPlans() {
        let yaml = """
            apiKeys:
              short: abc
              a: same-value-0123456789abc
              b: same-value-0123456789abc
            usagePlans:
              p:
                quota: { limit: 10, period: YEAR }
                apiKeys: [a, c]
            """
        do {
            _ = try BackendsLoader.load(text: yaml, file: "backends.yaml")
            Issue.record("expected errors")
        } catch {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.contains("backends.yaml:2:10: error: apiKeys.short: an API key value must be at least 20 characters (API Gateway refuses shorter ones)"), "\(messages)")
            #expect(messages.contains { $0.contains("apiKeys.b has the same value as apiKeys.a") })
            #expect(messages.contains { $0.contains("usagePlans.p.quota.period 'YEAR': expected DAY, WEEK or MONTH") })
            #expect(messages.contains { $0.contains("usagePlans.p.apiKeys names 'c', which apiKeys does not declare") })
        }
    }
}
