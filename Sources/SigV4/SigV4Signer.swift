import Crypto
import Foundation
import HTTPMessage

/// A request about to be sent, in the form authorizers and the signer work on. `url` is absolute
/// (`https://host/stage/path?query`).
public struct SignableRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// AWS credentials used to sign requests. `sessionToken` is set for temporary credentials (STS, SSO, roles).
public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working (from `credential_process`), if known.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }
}

/// Everything a SigV4 signature is computed from, with the intermediate values exposed for debugging and tests.
public struct SigV4Signature: Sendable, Hashable {
    public var canonicalRequest: String
    public var stringToSign: String
    /// Lower-case hex HMAC-SHA256 signature.
    public var signature: String
    /// `host;x-amz-date`-style list of the signed header names.
    public var signedHeaders: String
    /// `20150830/us-east-1/service/aws4_request`.
    public var credentialScope: String
    /// The complete `Authorization` header value.
    public var authorizationHeader: String
}

/// AWS Signature Version 4 (header-based), as the AWS SDKs compute it for every service except S3.
///
/// - Canonical URI: the request path as sent on the wire, with dot segments and empty segments removed
///   (RFC 3986 §5.2.4, as botocore does), then URI-encoded once more (`%` becomes `%25`, `*` `%2A`, `:` `%3A`).
///   Because the wire path is itself percent-encoded, a space ends up as `%2520`: the "encode twice" rule for
///   non-S3 services. ``canonicalURI(path:)`` takes the path exactly as given, so the AWS test-suite cases whose
///   raw request lines contain a literal space (`get-space`) canonicalise to `%20`.
/// - Canonical query: every parameter percent-decoded (a `+` is a literal plus), re-encoded with RFC 3986
///   (unreserved characters kept, everything else `%XX` upper-case), sorted by key then value; a parameter without
///   `=` becomes `key=`.
/// - Canonical headers: names lower-cased, values trimmed with inner runs of spaces collapsed, repeated headers
///   joined with `,` in the order received, sorted by name. `host` is taken from the URL when no `Host` header is
///   given (with the port when it is not the scheme's default).
/// - Not signed (their values are changed by proxies or by the HTTP client): `expect`, `transfer-encoding`,
///   `user-agent`, `x-amzn-trace-id` (the same list as botocore), and `authorization` itself.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// When true, `X-Amz-Content-Sha256` is added and signed (S3 style). API Gateway does not need it: default false.
    public var addsContentSHA256Header: Bool

    public init(credentials: AWSCredentials, region: String, service: String = "execute-api", addsContentSHA256Header: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.addsContentSHA256Header = addsContentSHA256Header
    }

    public static let algorithm = "AWS4-HMAC-SHA256"
    /// Header names never signed (see the type's documentation).
    public static let unsignedHeaderNames: Set<String> = ["authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"]

    /// Signs `request` in place: sets `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials),
    /// optionally `X-Amz-Content-Sha256`, and `Authorization`. The URL is first rewritten to its wire form
    /// (characters that may not appear in a URL are percent-encoded, query parameters re-encoded in the
    /// canonical form, order kept) so that what is sent is exactly what was signed.
    @discardableResult
    public func sign(_ request: inout SignableRequest, date: Date) throws(SigV4Error) -> SigV4Signature {
        guard var target = RequestTarget(url: request.url) else { throw .invalidURL(request.url) }
        target.normalizeForWire()
        request.url = target.url
        let amzDate = SigV4Time.amzDate(date)
        request.headers.remove(name: "Authorization")
        request.headers.replaceOrAdd(name: "X-Amz-Date", value: amzDate)
        if let token = credentials.sessionToken, !token.isEmpty {
            request.headers.replaceOrAdd(name: "X-Amz-Security-Token", value: token)
        } else {
            request.headers.remove(name: "X-Amz-Security-Token")
        }
        let payloadHash = SigV4Crypto.sha256Hex(request.body)
        if addsContentSHA256Header { request.headers.replaceOrAdd(name: "X-Amz-Content-Sha256", value: payloadHash) }

        var headers = request.headers
        if !headers.contains("host") { headers.add(name: "host", value: target.hostHeader) }
        let signedNames = Self.signableHeaderNames(headers)
        let signature = Self.signature(method: request.method, path: target.path, query: target.query,
                                       headers: headers, signedHeaderNames: signedNames, payloadHash: payloadHash,
                                       amzDate: amzDate, region: region, service: service,
                                       accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey)
        request.headers.add(name: "Authorization", value: signature.authorizationHeader)
        return signature
    }

    /// Lower-case hex SHA-256 of the body, as used in the canonical request.
    public static func payloadHash(_ body: [UInt8]) -> String { SigV4Crypto.sha256Hex(body) }

    /// The lower-cased, sorted, de-duplicated names of the headers that get signed.
    public static func signableHeaderNames(_ headers: HTTPHeaders) -> [String] {
        Array(Set(headers.map { $0.name.lowercased() }).subtracting(unsignedHeaderNames)).sorted()
    }

    /// Computes a signature from already-separated parts; shared by the signer, the verifier and the tests.
    /// `path` and `query` are taken as they appear on the wire (see ``canonicalURI(path:)``).
    public static func signature(method: String, path: String, query: String?, headers: HTTPHeaders,
                                 signedHeaderNames: [String], payloadHash: String, amzDate: String,
                                 region: String, service: String, accessKeyID: String, secretAccessKey: String) -> SigV4Signature {
        let canonical = canonicalRequest(method: method, path: path, query: query, headers: headers,
                                         signedHeaderNames: signedHeaderNames, payloadHash: payloadHash)
        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = [algorithm, amzDate, scope, SigV4Crypto.sha256Hex(Array(canonical.utf8))].joined(separator: "\n")
        let key = signingKey(secretAccessKey: secretAccessKey, day: day, region: region, service: service)
        let signature = SigV4Crypto.hex(SigV4Crypto.hmac(key: key, Array(toSign.utf8)))
        let signed = signedHeaderNames.joined(separator: ";")
        let authorization = "\(algorithm) Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signed), Signature=\(signature)"
        return SigV4Signature(canonicalRequest: canonical, stringToSign: toSign, signature: signature,
                              signedHeaders: signed, credentialScope: scope, authorizationHeader: authorization)
    }

    /// `METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED\nPAYLOAD_HASH`.
    public static func canonicalRequest(method: String, path: String, query: String?, headers: HTTPHeaders,
                                        signedHeaderNames: [String], payloadHash: String) -> String {
        let canonicalHeaderLines = signedHeaderNames.map { name in
            let values = headers.values(for: name).map(canonicalHeaderValue)
            return "\(name):\(values.joined(separator: ","))\n"
        }.joined()
        return [method.uppercased(), canonicalURI(path: path), canonicalQuery(query),
                canonicalHeaderLines, signedHeaderNames.joined(separator: ";"), payloadHash].joined(separator: "\n")
    }

    /// The path with dot segments and empty segments removed, URI-encoded (everything but unreserved characters
    /// and `/`). An empty path is `/`.
    public static func canonicalURI(path: String) -> String {
        let normalized = removeDotSegments(path.isEmpty ? "/" : path)
        return URIEncoding.encode(normalized, keepingSlash: true)
    }

    /// RFC 3986 §5.2.4 dot-segment removal that also drops empty segments (`//`), as botocore does.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !output.isEmpty { output.removeLast() }; continue }
            output.append(segment)
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return leading + output.joined(separator: "/") + trailing
    }

    /// Sorted `key=value` pairs joined by `&` (see the type's documentation).
    public static func canonicalQuery(_ query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        let pairs: [(String, String)] = query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = URIEncoding.encode(URIEncoding.decode(String(parts[0])), keepingSlash: false)
            let value = parts.count > 1 ? URIEncoding.encode(URIEncoding.decode(String(parts[1])), keepingSlash: false) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Trimmed, with runs of spaces collapsed to one (outside and inside quotes alike, as the test suite does).
    public static func canonicalHeaderValue(_ value: String) -> String {
        var result = ""
        var previousWasSpace = false
        for character in value.trimmingCharacters(in: .whitespaces) {
            if character == " " || character == "\t" {
                if !previousWasSpace { result.append(" ") }
                previousWasSpace = true
            } else {
                result.append(character)
                previousWasSpace = false
            }
        }
        return result
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    public static func signingKey(secretAccessKey: String, day: String, region: String, service: String) -> [UInt8] {
        var key = SigV4Crypto.hmac(key: Array("AWS4\(secretAccessKey)".utf8), Array(day.utf8))
        key = SigV4Crypto.hmac(key: key, Array(region.utf8))
        key = SigV4Crypto.hmac(key: key, Array(service.utf8))
        return SigV4Crypto.hmac(key: key, Array("aws4_request".utf8))
    }
}

/// Why a request could not be signed.
public enum SigV4Error: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidURL(String)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            return "cannot sign a request for '\(url)': expected an absolute http:// or https:// URL with a host"
        }
    }
}

/// Hashing helpers over swift-crypto.
enum SigV4Crypto {
    static func sha256Hex(_ bytes: [UInt8]) -> String { hex(Array(SHA256.hash(data: bytes))) }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Compares without stopping at the first difference.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// `20150830T123600Z` timestamps (always UTC).
public enum SigV4Time {
    public static func amzDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }

    /// Parses `yyyyMMdd'T'HHmmss'Z'`; nil when malformed.
    public static func parseAmzDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// RFC 3986 percent-encoding as SigV4 defines it.
public enum URIEncoding {
    /// RFC 3986 unreserved characters: `A-Z a-z 0-9 - _ . ~`.
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func appendPercent(_ byte: UInt8, to output: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        output.append(UInt8(ascii: "%"))
        output.append(digits[Int(byte >> 4)])
        output.append(digits[Int(byte & 0x0F)])
    }

    /// Every byte of the UTF-8 text except unreserved characters (and `/` when asked) as `%XX`.
    public static func encode(_ text: String, keepingSlash: Bool) -> String {
        var output: [UInt8] = []
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                appendPercent(byte, to: &output)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Percent-decodes (`%XX` only; `+` stays a plus). Malformed escapes are kept literally.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes the bytes that may not appear in a URL path (space, non-ASCII, `"<>\^`{|}`, and `%` not
    /// starting a valid escape), leaving every character a URL path may carry as it is.
    static func wirePath(_ path: String) -> String {
        let bytes = Array(path.utf8)
        var output: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "%") {
                if index + 2 < bytes.count, hexValue(bytes[index + 1]) != nil, hexValue(bytes[index + 2]) != nil {
                    output.append(byte)
                } else {
                    appendPercent(byte, to: &output)
                }
            } else if isUnreserved(byte) || "/!$&'()*+,;=:@".utf8.contains(byte) {
                output.append(byte)
            } else {
                appendPercent(byte, to: &output)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// An absolute URL split into the parts SigV4 needs, without any re-encoding by Foundation.
public struct RequestTarget: Sendable, Hashable {
    public var scheme: String
    /// Host as written (IPv6 literals keep their brackets), lower-cased.
    public var host: String
    public var port: Int?
    /// Path as written (`/` when the URL has none).
    public var path: String
    /// Query without the `?`, nil when the URL has none.
    public var query: String?

    /// Parses `scheme://[userinfo@]host[:port][/path][?query][#fragment]`; the fragment is dropped.
    public init?(url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = Substring(url[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = String(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = String(authority[..<colon])
            let portText = authority[authority.index(after: colon)...]
            if !portText.isEmpty {
                guard let value = Int(portText), (1...65535).contains(value) else { return nil }
                port = value
            }
        }
        guard !host.isEmpty else { return nil }
        let pathAndQuery = rest[authorityEnd...]
        if let questionMark = pathAndQuery.firstIndex(of: "?") {
            path = String(pathAndQuery[..<questionMark])
            query = String(pathAndQuery[pathAndQuery.index(after: questionMark)...])
        } else {
            path = String(pathAndQuery)
            query = nil
        }
        if path.isEmpty { path = "/" }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
    }

    /// `host` or `host:port` when the port is not the scheme's default, as a `Host` header carries it.
    public var hostHeader: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        return "\(host):\(port)"
    }

    /// The URL rebuilt from the parts (user info and fragment are not kept).
    public var url: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)\(query.map { "?\($0)" } ?? "")"
    }

    /// Rewrites the path and query into the exact form that is sent and signed (see ``SigV4Signer``).
    mutating func normalizeForWire() {
        path = URIEncoding.wirePath(path)
        if let current = query {
            query = current.split(separator: "&", omittingEmptySubsequences: true).map { item -> String in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = URIEncoding.encode(URIEncoding.decode(String(parts[0])), keepingSlash: false)
                guard parts.count > 1 else { return key }
                return key + "=" + URIEncoding.encode(URIEncoding.decode(String(parts[1])), keepingSlash: false)
            }.joined(separator: "&")
        }
    }
}
