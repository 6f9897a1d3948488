import Foundation
import HTTPMessage

/// Why API Gateway refuses a request on an `AWS_IAM` route. The emulator answers with `status` and
/// `{"message":"<message>"}` plus the `x-amzn-ErrorType: <errorType>` header.
///
/// Message sources: `Missing Authentication Token` is recorded in the rule book (§2, §11). The other texts are the
/// ones AWS's SigV4 front end returns (AWS Signature Version 4 documentation and observed responses, not in the rule
/// book): on AWS the signature-mismatch message is followed by the canonical string and string to sign the service
/// computed; they are kept here in `canonicalRequest`/`stringToSign` and appended by ``awsMessage``.
public struct SigV4Rejection: Sendable, Hashable, Error {
    public enum Kind: Sendable, Hashable {
        case missingAuthenticationToken
        case incompleteSignature
        case unknownAccessKey
        case signatureMismatch
        case signatureExpired
    }

    public var kind: Kind
    public var message: String
    /// The expected canonical request and string to sign, for a signature mismatch.
    public var canonicalRequest: String?
    public var stringToSign: String?

    public init(kind: Kind, message: String, canonicalRequest: String? = nil, stringToSign: String? = nil) {
        self.kind = kind
        self.message = message
        self.canonicalRequest = canonicalRequest
        self.stringToSign = stringToSign
    }

    /// 403 for every kind.
    public var status: Int { 403 }

    /// The gateway response type (both 403 by default): `MISSING_AUTHENTICATION_TOKEN` without an `Authorization`
    /// header, `INVALID_SIGNATURE` for everything else. (Which type AWS uses for an unknown access key is not
    /// recorded; INVALID_SIGNATURE is the closest documented one.)
    public var gatewayResponseType: String {
        switch kind {
        case .missingAuthenticationToken: return "MISSING_AUTHENTICATION_TOKEN"
        case .unknownAccessKey, .signatureMismatch, .signatureExpired, .incompleteSignature: return "INVALID_SIGNATURE"
        }
    }

    /// The `x-amzn-ErrorType` header value.
    public var errorType: String {
        switch kind {
        case .missingAuthenticationToken: return "MissingAuthenticationTokenException"
        case .incompleteSignature: return "IncompleteSignatureException"
        case .unknownAccessKey: return "UnrecognizedClientException"
        case .signatureMismatch, .signatureExpired: return "InvalidSignatureException"
        }
    }

    /// The message with, for a mismatch, AWS's explanation of what it computed.
    public var awsMessage: String {
        guard let canonicalRequest, let stringToSign else { return message }
        return "\(message)\n\nThe Canonical String for this request should have been\n'\(canonicalRequest)'\n\nThe String-to-Sign should have been\n'\(stringToSign)'\n"
    }

    public static let mismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
}

/// The result of checking a request's signature.
public enum SigV4Verification: Sendable, Hashable {
    /// Signed by this access key id.
    case valid(accessKeyID: String)
    case invalid(SigV4Rejection)
}

/// Checks SigV4 `Authorization` headers the way API Gateway does for `AWS_IAM` routes: recomputes the signature
/// from the request as received with the secret of the access key id, and compares.
public struct SigV4Verifier: Sendable {
    /// Access key id -> secret access key; nil for unknown keys.
    public var secretForAccessKey: @Sendable (String) -> String?
    /// The service in the credential scope (`execute-api`).
    public var service: String
    /// When set, the credential scope's region must be this one.
    public var region: String?
    /// How far the request date may be from now: AWS allows 5 minutes.
    public var allowedClockSkew: TimeInterval

    public init(service: String = "execute-api", region: String? = nil, allowedClockSkew: TimeInterval = 300,
                secretForAccessKey: @escaping @Sendable (String) -> String?) {
        self.service = service
        self.region = region
        self.allowedClockSkew = allowedClockSkew
        self.secretForAccessKey = secretForAccessKey
    }

    /// - Parameters:
    ///   - target: the request target as received (`/stage/path?query`, still percent-encoded).
    ///   - headers: the received headers (must include `Host`).
    ///   - now: the time to check the request date against.
    public func verify(method: String, target: String, headers: HTTPHeaders, body: [UInt8], now: Date = Date()) -> SigV4Verification {
        func reject(_ kind: SigV4Rejection.Kind, _ message: String) -> SigV4Verification {
            .invalid(SigV4Rejection(kind: kind, message: message))
        }
        guard let authorization = headers["Authorization"], !authorization.isEmpty else {
            return reject(.missingAuthenticationToken, "Missing Authentication Token")
        }
        let amzDate = headers["X-Amz-Date"]
        var parameters: [String: String] = [:]
        let prefix = SigV4Signer.algorithm + " "
        if authorization.hasPrefix(prefix) {
            for part in authorization.dropFirst(prefix.count).split(separator: ",") {
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                parameters[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
            }
        }
        var missing: [String] = []
        for name in ["Credential", "Signature", "SignedHeaders"] where parameters[name] == nil {
            missing.append("Authorization header requires '\(name)' parameter.")
        }
        if amzDate == nil && headers["Date"] == nil {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        if !missing.isEmpty {
            return reject(.incompleteSignature, missing.joined(separator: " ") + " Authorization=" + authorization)
        }
        let credential = parameters["Credential"]!.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard credential.count == 5, credential[4] == "aws4_request" else {
            return reject(.incompleteSignature, "Credential should be scoped to a valid region. ")
        }
        let (accessKeyID, day, scopeRegion, scopeService) = (credential[0], credential[1], credential[2], credential[3])
        guard scopeService == service else {
            return reject(.signatureMismatch, "Credential should be scoped to correct service: '\(service)'. ")
        }
        if let region, scopeRegion != region {
            return reject(.signatureMismatch, "Credential should be scoped to a valid region. ")
        }
        guard let secret = secretForAccessKey(accessKeyID) else {
            return reject(.unknownAccessKey, "The security token included in the request is invalid.")
        }
        guard let dateText = amzDate, let requestDate = SigV4Time.parseAmzDate(dateText) else {
            return reject(.incompleteSignature, "Date must be in ISO-8601 'basic format'. Got '\(amzDate ?? headers["Date"] ?? "")'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        guard dateText.hasPrefix(day) else {
            return reject(.signatureMismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(day)' != '\(dateText.prefix(8))', from '\(dateText)'.")
        }
        if requestDate < now.addingTimeInterval(-allowedClockSkew) {
            return reject(.signatureExpired, "Signature expired: \(dateText) is now earlier than \(SigV4Time.amzDate(now.addingTimeInterval(-allowedClockSkew))) (\(SigV4Time.amzDate(now)) - 5 min.)")
        }
        if requestDate > now.addingTimeInterval(allowedClockSkew) {
            return reject(.signatureExpired, "Signature not yet current: \(dateText) is still later than \(SigV4Time.amzDate(now.addingTimeInterval(allowedClockSkew))) (\(SigV4Time.amzDate(now)) + 5 min.)")
        }
        let signedHeaderNames = parameters["SignedHeaders"]!.split(separator: ";").map { $0.lowercased() }
        if !signedHeaderNames.contains("host") {
            return reject(.signatureMismatch, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        }
        let path: String, query: String?
        if let questionMark = target.firstIndex(of: "?") {
            path = String(target[..<questionMark])
            query = String(target[target.index(after: questionMark)...])
        } else {
            path = target
            query = nil
        }
        let payloadHash = SigV4Crypto.sha256Hex(body)
        let expected = SigV4Signer.signature(method: method, path: path, query: query, headers: headers,
                                             signedHeaderNames: signedHeaderNames, payloadHash: payloadHash, amzDate: dateText,
                                             region: scopeRegion, service: scopeService, accessKeyID: accessKeyID, secretAccessKey: secret)
        guard SigV4Crypto.constantTimeEquals(expected.signature, parameters["Signature"]!) else {
            return .invalid(SigV4Rejection(kind: .signatureMismatch, message: SigV4Rejection.mismatchMessage,
                                           canonicalRequest: expected.canonicalRequest, stringToSign: expected.stringToSign))
        }
        return .valid(accessKeyID: accessKeyID)
    }
}
