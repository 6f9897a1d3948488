import Foundation
import HTTPMessage
import SigV4
import TestSupport
import Testing

struct SigV4VerifierTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIAGATECHECKEXAMPLE", secretAccessKey: "gatecheck/Secret+Key/EXAMPLE0123456789abcd")
    static let signedAt = Date(timeIntervalSince1970: 1_714_558_830) // 2024-05-01T10:20:30Z
    static let verifier = SigV4Verifier(region: "eu-west-1") { keyID in
        keyID == credentials.accessKeyID ? credentials.secretAccessKey : nil
    }

    /// A signed request as a server receives it: target, headers with Host, body.
    static func signedRequest(url: String = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/files/my report*v1:final?tag=b&tag=a&empty",
                              method: String = "POST", headers: HTTPHeaders = ["Content-Type": "application/json"],
                              body: String = #"{"a":1}"#, credentials: AWSCredentials = credentials) throws -> (target: String, headers: HTTPHeaders, body: [UInt8]) {
        var request = SignableRequest(method: method, url: url, headers: headers, body: Array(body.utf8))
        try SigV4Signer(credentials: credentials, region: "eu-west-1").sign(&request, date: signedAt)
        let afterScheme = request.url.range(of: "://")!.upperBound
        let slash = request.url[afterScheme...].firstIndex(of: "/")!
        var received = HTTPHeaders([("Host", String(request.url[afterScheme..<slash]))])
        for field in request.headers { received.add(name: field.name, value: field.value) }
        received.add(name: "User-Agent", value: "curl/7.88.1")
        return (String(request.url[slash...]), received, request.body)
    }

    @Test func acceptsAValidSignatureWithinFiveMinutes() throws {
        let request = try Self.signedRequest()
        for offset in [-299.0, 0, 299] {
            let result = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body,
                                              now: Self.signedAt.addingTimeInterval(offset))
            #expect(result == .valid(accessKeyID: "AKIAGATECHECKEXAMPLE"))
        }
    }

    @Test func rejectsATamperedSignedHeader() throws {
        var request = try Self.signedRequest()
        request.headers.replaceOrAdd(name: "Content-Type", value: "text/plain")
        let result = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt)
        guard case .invalid(let rejection) = result else { Issue.record("accepted a tampered request"); return }
        #expect(rejection.kind == .signatureMismatch)
        #expect(rejection.message == "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
        #expect(rejection.status == 403)
        #expect(rejection.gatewayResponseType == "INVALID_SIGNATURE")
        #expect(rejection.errorType == "InvalidSignatureException")
        #expect(rejection.canonicalRequest?.contains("content-type:text/plain\n") == true)
        #expect(rejection.awsMessage.hasPrefix(rejection.message + "\n\nThe Canonical String for this request should have been\n'POST\n/prod/files/my%2520report%2Av1%3Afinal\n"))
    }

    @Test func rejectsATamperedBodyPathAndQuery() throws {
        let request = try Self.signedRequest()
        let variants: [(String, String, [UInt8])] = [
            ("POST", request.target, Array(#"{"a":2}"#.utf8)),
            ("PUT", request.target, request.body),
            ("POST", request.target.replacingOccurrences(of: "tag=b", with: "tag=c"), request.body),
            ("POST", request.target.replacingOccurrences(of: "/prod/", with: "/test/"), request.body),
        ]
        for (method, target, body) in variants {
            let result = Self.verifier.verify(method: method, target: target, headers: request.headers, body: body, now: Self.signedAt)
            guard case .invalid(let rejection) = result else { Issue.record("accepted \(method) \(target)"); continue }
            #expect(rejection.kind == .signatureMismatch)
        }
    }

    @Test func unsignedHeadersMayChange() throws {
        var request = try Self.signedRequest()
        request.headers.replaceOrAdd(name: "User-Agent", value: "something else")
        request.headers.add(name: "X-Forwarded-For", value: "10.0.0.1")
        #expect(Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt) == .valid(accessKeyID: "AKIAGATECHECKEXAMPLE"))
    }

    @Test func rejectsAWrongSecret() throws {
        let wrong = AWSCredentials(accessKeyID: Self.credentials.accessKeyID, secretAccessKey: "not-the-secret")
        let request = try Self.signedRequest(credentials: wrong)
        let result = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt)
        guard case .invalid(let rejection) = result else { Issue.record("accepted a wrong secret"); return }
        #expect(rejection.kind == .signatureMismatch)
    }

    @Test func rejectsAnUnknownAccessKey() throws {
        let unknown = AWSCredentials(accessKeyID: "AKIAUNKNOWN", secretAccessKey: "whatever")
        let request = try Self.signedRequest(credentials: unknown)
        let result = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt)
        #expect(result == .invalid(SigV4Rejection(kind: .unknownAccessKey, message: "The security token included in the request is invalid.")))
    }

    @Test func rejectsExpiredAndFutureDates() throws {
        let request = try Self.signedRequest()
        let late = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body,
                                        now: Self.signedAt.addingTimeInterval(301))
        #expect(late == .invalid(SigV4Rejection(kind: .signatureExpired, message: "Signature expired: 20240501T102030Z is now earlier than 20240501T102031Z (20240501T102531Z - 5 min.)")))
        let early = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body,
                                         now: Self.signedAt.addingTimeInterval(-301))
        #expect(early == .invalid(SigV4Rejection(kind: .signatureExpired, message: "Signature not yet current: 20240501T102030Z is still later than 20240501T102029Z (20240501T101529Z + 5 min.)")))
    }

    @Test func missingAuthorizationIsMissingAuthenticationToken() throws {
        var request = try Self.signedRequest()
        request.headers.remove(name: "Authorization")
        let result = Self.verifier.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt)
        guard case .invalid(let rejection) = result else { Issue.record("accepted an unsigned request"); return }
        #expect(rejection.message == "Missing Authentication Token")
        #expect(rejection.errorType == "MissingAuthenticationTokenException")
        #expect(rejection.gatewayResponseType == "MISSING_AUTHENTICATION_TOKEN")
    }

    @Test func aBearerTokenIsAnIncompleteSignature() {
        let headers: HTTPHeaders = ["Host": "abc123.execute-api.eu-west-1.amazonaws.com", "Authorization": "Bearer abc"]
        let result = Self.verifier.verify(method: "GET", target: "/prod/items", headers: headers, body: [], now: Self.signedAt)
        #expect(result == .invalid(SigV4Rejection(kind: .incompleteSignature, message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer abc")))
    }

    @Test func wrongRegionOrServiceInTheScope() throws {
        let request = try Self.signedRequest()
        let otherRegion = SigV4Verifier(region: "us-east-1") { _ in Self.credentials.secretAccessKey }
        guard case .invalid(let regionRejection) = otherRegion.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt) else {
            Issue.record("accepted a signature scoped to another region"); return
        }
        #expect(regionRejection.message == "Credential should be scoped to a valid region. ")
        let otherService = SigV4Verifier(service: "lambda") { _ in Self.credentials.secretAccessKey }
        guard case .invalid(let serviceRejection) = otherService.verify(method: "POST", target: request.target, headers: request.headers, body: request.body, now: Self.signedAt) else {
            Issue.record("accepted a signature scoped to another service"); return
        }
        #expect(serviceRejection.message == "Credential should be scoped to correct service: 'lambda'. ")
    }

    /// End to end: the signer signs, the real curl binary sends the request over a socket, and a loopback
    /// server checks what it received with the verifier (answering like API Gateway).
    @Test func signedRequestSentByCurlVerifiesOnTheServer() throws {
        let server = try LoopbackHTTPServer { received in
            let verifier = SigV4Verifier(region: "eu-west-1") { $0 == "AKIAGATECHECKEXAMPLE" ? "gatecheck/Secret+Key/EXAMPLE0123456789abcd" : nil }
            switch verifier.verify(method: received.method, target: received.target, headers: received.headers, body: received.body) {
            case .valid: return .text("signed ok")
            case .invalid(let rejection):
                return .http(status: rejection.status, headers: ["Content-Type": "application/json", "x-amzn-ErrorType": rejection.errorType],
                             body: Array("{\"message\":\"\(rejection.message)\"}".utf8))
            }
        }
        defer { server.stop() }
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1")
        var request = SignableRequest(method: "POST", url: server.baseURL + "/prod/files/my report*v1:final?tag=b&tag=a&empty&q=a%20b",
                                      headers: ["Content-Type": "application/json", "X-Note": "  spaced   out "], body: Array(#"{"id":7}"#.utf8))
        try signer.sign(&request, date: Date())
        let good = try curl(request)
        #expect(good.status == 200)
        #expect(good.body == "signed ok")

        // The same request with a header changed after signing gets API Gateway's 403.
        request.headers.replaceOrAdd(name: "X-Note", value: "changed")
        let bad = try curl(request)
        #expect(bad.status == 403)
        #expect(bad.body == #"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#)
        #expect(server.requests.count == 2)
    }
}

/// Sends a request with the curl binary exactly as given; returns the status and body.
func curl(_ request: SignableRequest) throws -> (status: Int, body: String) {
    let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-sigv4-\(UUID().uuidString)")
    try Data(request.body).write(to: bodyFile)
    defer { try? FileManager.default.removeItem(at: bodyFile) }
    var arguments = ["-sS", "--path-as-is", "-o", "-", "-w", "\n%{http_code}", "-X", request.method, "-H", "Expect:", "-H", "Accept:"]
    for field in request.headers { arguments += ["-H", "\(field.name): \(field.value)"] }
    if !request.body.isEmpty { arguments += ["--data-binary", "@\(bodyFile.path)"] }
    arguments.append(request.url)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
        throw CurlOutputError(output: text)
    }
    return (status, String(text[..<newline]))
}

struct CurlOutputError: Error { var output: String }
