import CurlHTTP
import Foundation
import Gateway
import GatewayServer
import HTTPMessage
import JSONCore
import SigV4
import Testing
import TestSupport

/// `AWS_IAM` methods and routes: the emulator verifies SigV4 signatures made by `SigV4Signer`.
@Suite struct IAMAuthorizationTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIAEMULATOREXAMPLE", secretAccessKey: "emulator/Secret+Key/EXAMPLE0123456789abcd")
    static let accepted = [credentials.accessKeyID: credentials.secretAccessKey]
    static let mismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

    static let sigV4Scheme = """
        components:
          securitySchemes:
            sigv4:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: awsSigv4
        """

    /// A REST API as `get-export --export-type oas30` writes an IAM-authorised API: a Lambda proxy behind `sigv4`,
    /// and one open method.
    static let restDefinition = """
        openapi: 3.0.1
        info: {title: iam-rest}
        paths:
          /{proxy+}:
            x-amazon-apigateway-any-method:
              security:
              - sigv4: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations
          /open:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations
        \(sigV4Scheme)
        """

    static let httpDefinition = """
        openapi: 3.0.1
        info: {title: iam-http}
        x-amazon-apigateway-importexport-version: "1.0"
        paths:
          /{proxy+}:
            x-amazon-apigateway-any-method:
              security:
              - sigv4: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations
          /open:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Echo/invocations
        \(sigV4Scheme)
        """

    /// Answers with what it saw: the event's path, caller access key and body.
    static func echoLambda(calls: Recorder<String>) -> FakeLambda {
        FakeLambda { invocation in
            let event = (try? JSONValue.parse(bytes: invocation.payload)) ?? .null
            guard case let .object(fields) = event else { return success(#"{"statusCode":500}"#) }
            var path = ""
            if case let .string(text)? = fields["path"] ?? fields["rawPath"] { path = text }
            var accessKey = "none"
            if case let .object(context)? = fields["requestContext"], case let .object(identity)? = context["identity"],
               case let .string(key)? = identity["accessKey"] {
                accessKey = key
            }
            await calls.record(path)
            let seen = "\(path) \(accessKey)"
            return success("{\"statusCode\":200,\"body\":\(JSONValue.string(seen).serialized(.compact))}")
        }
    }

    static func restGateway(calls: Recorder<String>, accepted: [String: String] = accepted) throws -> RESTGateway {
        let api = try RESTAPILoader.load(text: restDefinition, file: "iam-rest.yaml")
        return RESTGateway(api: api, stage: StageSettings(name: "test"), backends: BackendRegistry(lambdas: ["Echo": echoLambda(calls: calls)]),
                           iamCredentials: accepted)
    }

    static func httpGateway(calls: Recorder<String>) throws -> HTTPAPIGateway {
        let api = try HTTPAPILoader.load(text: httpDefinition, file: "iam-http.yaml")
        return HTTPAPIGateway(api: api, backends: BackendRegistry(lambdas: ["Echo": echoLambda(calls: calls)]), iamCredentials: accepted)
    }

    /// Signs `url` and returns the request as the gateway receives it (Host header first, then the signed headers).
    static func signed(_ url: String, method: String = "GET", headers: HTTPHeaders = [:], body: String = "",
                       credentials: AWSCredentials = credentials, date: Date = Date()) throws -> GatewayRequest {
        var request = SignableRequest(method: method, url: url, headers: headers, body: Array(body.utf8))
        try SigV4Signer(credentials: credentials, region: "us-east-1").sign(&request, date: date)
        let target = try #require(RequestTarget(url: request.url))
        var received = HTTPHeaders([("Host", target.hostHeader)])
        for field in request.headers { received.add(name: field.name, value: field.value) }
        received.add(name: "User-Agent", value: "gatecheck-tests")
        return GatewayRequest(method: method, target: target.path + (target.query.map { "?" + $0 } ?? ""), headers: received,
                              body: request.body)
    }

    static func message(_ response: GatewayResponse) throws -> String {
        guard case let .object(fields) = try JSONValue.parse(bytes: response.body), case let .string(message)? = fields["message"] else {
            throw JSONShapeError(body: text(response.body))
        }
        return message
    }

    struct JSONShapeError: Error { var body: String }

    // MARK: - Loading

    @Test func sigV4SchemesMarkMethodsAWSIAMWithoutWarnings() throws {
        let rest = try RESTAPILoader.load(text: Self.restDefinition, file: "iam-rest.yaml")
        #expect(rest.diagnostics.isEmpty, "\(rest.diagnostics)")
        #expect(rest.allMethods.map { "\($0.httpMethod) \($0.resourcePath) \($0.authorizationType.rawValue)" }
            == ["ANY /{proxy+} AWS_IAM", "GET /open NONE"])
        let http = try HTTPAPILoader.load(text: Self.httpDefinition, file: "iam-http.yaml")
        #expect(http.diagnostics.isEmpty, "\(http.diagnostics)")
        #expect(http.routes.map { "\($0.routeKey) \($0.authorizationType.rawValue)" } == ["ANY /{proxy+} AWS_IAM", "GET /open NONE"])
    }

    @Test func otherSecuritySchemesAreStillReportedAsUnsupported() throws {
        let definition = Self.restDefinition.replacingOccurrences(of: "      - sigv4: []", with: "      - sigv4: []\n        api_key: []")
        let rest = try RESTAPILoader.load(text: definition, file: "iam-rest.yaml")
        #expect(rest.diagnostics.map(\.message) == ["not supported by the emulator yet: security requirements 'api_key' on ANY /{proxy+} (no such emulated security scheme); served without them"])
        #expect(rest.allMethods[0].authorizationType == .awsIAM)
    }

    // MARK: - REST pipeline

    @Test func signedRequestReachesTheIntegrationWithTheCallersAccessKey() async throws {
        let calls = Recorder<String>()
        let gateway = try Self.restGateway(calls: calls)
        let request = try Self.signed("http://abc123.execute-api.us-east-1.amazonaws.com/test/orders?b=2&a=1", method: "POST",
                                      headers: ["Content-Type": "application/json"], body: #"{"id":1}"#)
        let outcome = await gateway.handle(request)
        #expect(outcome.response.status == 200)
        #expect(text(outcome.response.body) == "/orders AKIAEMULATOREXAMPLE")
    }

    @Test func unsignedRequestIsMissingAuthenticationToken() async throws {
        let calls = Recorder<String>()
        let gateway = try Self.restGateway(calls: calls)
        let outcome = await gateway.handle(GatewayRequest(method: "GET", target: "/test/orders", headers: ["Host": "127.0.0.1"]))
        #expect(outcome.response.status == 403)
        #expect(text(outcome.response.body) == #"{"message":"Missing Authentication Token"}"#)
        expectHeaders(outcome.response, errorType: "MissingAuthenticationTokenException", trace: .none)
        #expect(await calls.values.isEmpty)
        // The open method needs no signature.
        let open = await gateway.handle(GatewayRequest(method: "GET", target: "/test/open", headers: ["Host": "127.0.0.1"]))
        #expect(open.response.status == 200)
        #expect(text(open.response.body) == "/open none")
    }

    @Test func tamperedHeaderBodyPathOrQueryIsASignatureMismatch() async throws {
        let calls = Recorder<String>()
        let gateway = try Self.restGateway(calls: calls)
        let original = try Self.signed("http://abc123.execute-api.us-east-1.amazonaws.com/test/orders?b=2&a=1", method: "POST",
                                       headers: ["Content-Type": "application/json"], body: #"{"id":1}"#)
        var header = original
        header.headers.replaceOrAdd(name: "Content-Type", value: "text/plain")
        var body = original
        body.body = Array(#"{"id":2}"#.utf8)
        var path = original
        path.target = "/test/orders2?b=2&a=1"
        var query = original
        query.target = "/test/orders?b=3&a=1"
        for (what, request) in [("header", header), ("body", body), ("path", path), ("query", query)] {
            let response = await gateway.handle(request).response
            #expect(response.status == 403, "tampered \(what)")
            let message = try Self.message(response)
            #expect(message.hasPrefix(Self.mismatchMessage + "\n\nThe Canonical String for this request should have been\n'POST\n/test/orders"),
                    "tampered \(what): \(message)")
            #expect(message.contains("\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n"), "tampered \(what)")
            expectHeaders(response, errorType: "InvalidSignatureException", trace: .none)
        }
        #expect(await calls.values.isEmpty)
        // The explanation is AWS's: the canonical request the gateway computed from what it received.
        let response = await gateway.handle(header).response
        #expect(try Self.message(response).contains("content-type:text/plain\nhost:abc123.execute-api.us-east-1.amazonaws.com\nx-amz-date:"))
    }

    @Test func wrongSecretUnknownKeyAndExpiredDate() async throws {
        let calls = Recorder<String>()
        let gateway = try Self.restGateway(calls: calls)
        let url = "http://127.0.0.1:3000/test/orders"

        let wrongSecret = AWSCredentials(accessKeyID: Self.credentials.accessKeyID, secretAccessKey: "not-the-secret")
        let mismatch = await gateway.handle(try Self.signed(url, credentials: wrongSecret)).response
        #expect(mismatch.status == 403)
        #expect(try Self.message(mismatch).hasPrefix(Self.mismatchMessage + "\n\n"))

        let unknown = AWSCredentials(accessKeyID: "AKIAUNKNOWNEXAMPLE", secretAccessKey: "whatever")
        let unrecognized = await gateway.handle(try Self.signed(url, credentials: unknown)).response
        #expect(unrecognized.status == 403)
        #expect(text(unrecognized.body) == #"{"message":"The security token included in the request is invalid."}"#)
        expectHeaders(unrecognized, errorType: "UnrecognizedClientException", trace: .none)

        let expired = await gateway.handle(try Self.signed(url, date: Date().addingTimeInterval(-600))).response
        #expect(expired.status == 403)
        #expect(matches(try Self.message(expired), #"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)"#))
        expectHeaders(expired, errorType: "InvalidSignatureException", trace: .none)

        let future = await gateway.handle(try Self.signed(url, date: Date().addingTimeInterval(600))).response
        #expect(future.status == 403)
        #expect(try Self.message(future).hasPrefix("Signature not yet current: "))

        let bearer = await gateway.handle(GatewayRequest(method: "GET", target: "/test/orders", headers: ["Host": "127.0.0.1:3000", "Authorization": "Bearer abc"])).response
        #expect(bearer.status == 403)
        #expect(try Self.message(bearer).hasPrefix("Authorization header requires 'Credential' parameter."))
        #expect(await calls.values.isEmpty)
    }

    @Test func noAcceptedCredentialsRefusesEverySignature() async throws {
        let calls = Recorder<String>()
        let gateway = try Self.restGateway(calls: calls, accepted: [:])
        let response = await gateway.handle(try Self.signed("http://127.0.0.1/test/orders")).response
        #expect(response.status == 403)
        #expect(text(response.body) == #"{"message":"The security token included in the request is invalid."}"#)
    }

    @Test func invalidSignatureGatewayResponseCanBeCustomised() async throws {
        let definition = Self.restDefinition + """

            x-amazon-apigateway-gateway-responses:
              INVALID_SIGNATURE:
                statusCode: 401
                responseTemplates:
                  application/json: '{"error":"$context.error.responseType"}'
            """
        let api = try RESTAPILoader.load(text: definition, file: "iam-rest.yaml")
        let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"),
                                  backends: BackendRegistry(lambdas: ["Echo": Self.echoLambda(calls: Recorder())]), iamCredentials: Self.accepted)
        let wrong = AWSCredentials(accessKeyID: Self.credentials.accessKeyID, secretAccessKey: "nope")
        let response = await gateway.handle(try Self.signed("http://127.0.0.1/test/orders", credentials: wrong)).response
        #expect(response.status == 401)
        #expect(text(response.body) == #"{"error":"INVALID_SIGNATURE"}"#)
    }

    // MARK: - HTTP API pipeline

    @Test func httpAPIRoutesCheckSignaturesInTheirOwnStyle() async throws {
        let calls = Recorder<String>()
        let gateway = try Self.httpGateway(calls: calls)
        let good = await gateway.handle(try Self.signed("http://127.0.0.1:3000/orders/7?x=1")).response
        #expect(good.status == 200)
        #expect(text(good.body) == "/orders/7 none")

        let unsigned = await gateway.handle(GatewayRequest(method: "GET", target: "/orders/7", headers: ["Host": "127.0.0.1:3000"])).response
        #expect(unsigned.status == 403)
        #expect(text(unsigned.body) == #"{"message":"Forbidden"}"#)
        #expect(unsigned.headers.fields.map(\.name) == ["date", "content-type", "content-length", "connection", "apigw-requestid"])

        var tampered = try Self.signed("http://127.0.0.1:3000/orders/7?x=1")
        tampered.target = "/orders/8?x=1"
        let mismatch = await gateway.handle(tampered).response
        #expect(mismatch.status == 403)
        #expect(try Self.message(mismatch).hasPrefix(Self.mismatchMessage + "\n\nThe Canonical String for this request should have been\n'GET\n/orders/8\nx=1\n"))

        let unknown = AWSCredentials(accessKeyID: "AKIAUNKNOWNEXAMPLE", secretAccessKey: "whatever")
        let unrecognized = await gateway.handle(try Self.signed("http://127.0.0.1:3000/orders/7", credentials: unknown)).response
        #expect(text(unrecognized.body) == #"{"message":"The security token included in the request is invalid."}"#)
        #expect(await calls.values == ["/orders/7"])

        let open = await gateway.handle(GatewayRequest(method: "GET", target: "/open", headers: ["Host": "127.0.0.1:3000"])).response
        #expect(open.status == 200)
    }

    // MARK: - Through the real server and libcurl

    /// The signer rewrites the URL into its wire form, libcurl sends it as is, the NIO server hands the raw
    /// request-target to the gateway, and the verifier recomputes the canonical request from it.
    @Test(arguments: ["rest", "http"])
    func signedRequestsWithAwkwardPathsVerifyEndToEnd(kind: String) async throws {
        let calls = Recorder<String>()
        let handler: any GatewayHandler = kind == "rest" ? try Self.restGateway(calls: calls) : try Self.httpGateway(calls: calls)
        let prefix = kind == "rest" ? "/test" : ""
        let server = try await GatewayServer.start(handler: handler)
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        do {
            let paths = [
                "/files/my report*v1:final?tag=b&tag=a&empty&q=a%20b",
                "/files/a:b/*/c%2Fd?x=1&x=1&x=0",
                "/files/caf%C3%A9 (1)?emoji=%E2%9C%93&plus=1%2B1",
            ]
            for path in paths {
                var request = SignableRequest(method: "PUT", url: server.baseURL + prefix + path,
                                              headers: ["Content-Type": "application/json", "X-Note": "  spaced   out "], body: Array(#"{"n":1}"#.utf8))
                try SigV4Signer(credentials: Self.credentials, region: "eu-west-1").sign(&request, date: Date())
                let signed = HTTPRequest(method: request.method, url: request.url, headers: request.headers, body: request.body)
                let response = try await client.send(signed).get()
                #expect(response.status == 200, "\(path): \(text(response.body))")

                var tampered = signed
                tampered.headers.replaceOrAdd(name: "X-Note", value: "changed")
                let refused = try await client.send(tampered).get()
                #expect(refused.status == 403, "\(path)")
                #expect(try Self.message(GatewayResponse(status: refused.status, body: refused.body)).hasPrefix(Self.mismatchMessage), "\(path)")
            }
            #expect(await calls.values.count == paths.count)
            let unsigned = try await client.send(HTTPRequest(url: server.baseURL + prefix + "/files/x")).get()
            #expect(unsigned.status == 403)
            #expect(text(unsigned.body) == (kind == "rest" ? #"{"message":"Missing Authentication Token"}"# : #"{"message":"Forbidden"}"#))
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}
