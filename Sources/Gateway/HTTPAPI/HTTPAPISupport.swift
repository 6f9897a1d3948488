import Foundation

// Small helpers the HTTP API pipeline needs. Some of them (Lambda ARN parsing, `Fn::Sub`, ids,
// IMF-fixdate) overlap with the REST pipeline's; they are kept private to this folder so the two
// pipelines can be written independently, and can be merged later.

/// The fixed account and region the emulator pretends to run in (same values as `Fn::Sub` resolution).
enum HTTPAPIEnvironment {
    static let region = "us-east-1"
    static let accountID = "123456789012"
    static let partition = "aws"
}

/// Substitutes `${stageVariables.name}` references (undefined variables become empty, as in API Gateway).
func httpAPISubstituteStageVariables(_ text: String, _ variables: [String: String]) -> String {
    guard text.contains("${stageVariables.") else { return text }
    var result = ""
    var rest = Substring(text)
    while let start = rest.range(of: "${stageVariables.") {
        result += rest[..<start.lowerBound]
        let afterPrefix = rest[start.upperBound...]
        guard let close = afterPrefix.firstIndex(of: "}") else {
            result += rest[start.lowerBound...]
            return result
        }
        result += variables[String(afterPrefix[..<close])] ?? ""
        rest = afterPrefix[afterPrefix.index(after: close)...]
    }
    result += rest
    return result
}

/// A Lambda function reference taken from an integration URI.
struct HTTPAPILambdaReference: Sendable, Hashable {
    /// Function name; may still contain `${stageVariables.x}`.
    var name: String
    /// Alias or version (`function:name:alias`), may contain `${stageVariables.x}`.
    var qualifier: String?
}

enum HTTPAPILambdaARN {
    /// Parses `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]` or the API Gateway
    /// invocation form `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`.
    /// Returns nil for anything else.
    static func parse(_ uri: String) -> HTTPAPILambdaReference? {
        if uri.hasPrefix("arn:") && uri.contains(":apigateway:") {
            guard let marker = uri.range(of: ":lambda:path/2015-03-31/functions/"),
                  uri.hasSuffix("/invocations") else { return nil }
            let inner = uri[marker.upperBound..<uri.index(uri.endIndex, offsetBy: -"/invocations".count)]
            guard !inner.isEmpty else { return nil }
            return parseFunctionARN(String(inner))
        }
        return parseFunctionARN(uri)
    }

    private static func parseFunctionARN(_ arn: String) -> HTTPAPILambdaReference? {
        // Split on ':' outside `${...}` so `${stageVariables.fn}` stays one piece.
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in arn {
            if character == "{" { depth += 1 }
            if character == "}" { depth = max(0, depth - 1) }
            if character == ":" && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        guard parts.count == 7 || parts.count == 8,
              parts[0] == "arn", parts[2] == "lambda", parts[5] == "function", !parts[6].isEmpty else { return nil }
        let qualifier = parts.count == 8 ? parts[7] : nil
        if let qualifier, qualifier.isEmpty { return nil }
        return HTTPAPILambdaReference(name: parts[6], qualifier: qualifier)
    }
}

/// Resolves CloudFormation `Fn::Sub` strings the way the emulator's fixed environment defines them.
enum HTTPAPIFnSub {
    enum Failure: Error, Equatable {
        case unclosedReference
        case unsupported(String)
    }

    /// `${AWS::Region}` -> us-east-1, `${AWS::AccountId}` -> 123456789012, `${AWS::Partition}` -> aws,
    /// `${Logical.Arn}` -> the function ARN of `Logical`, `${Logical}` -> `Logical`,
    /// `${stageVariables.x}` kept for request time, `${!Literal}` -> `${Literal}`, explicit `variables` first.
    static func resolve(_ template: String, variables: [String: String] = [:]) -> Result<String, Failure> {
        var output = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            let next = template.index(after: index)
            guard character == "$", next < template.endIndex, template[next] == "{" else {
                output.append(character)
                index = next
                continue
            }
            guard let close = template[next...].firstIndex(of: "}") else { return .failure(.unclosedReference) }
            let name = String(template[template.index(after: next)..<close])
            index = template.index(after: close)
            if name.hasPrefix("!") {
                output += "${" + name.dropFirst() + "}"
            } else if let value = variables[name] {
                output += value
            } else if name.hasPrefix("stageVariables.") {
                output += "${\(name)}"
            } else if name == "AWS::Region" {
                output += HTTPAPIEnvironment.region
            } else if name == "AWS::AccountId" {
                output += HTTPAPIEnvironment.accountID
            } else if name == "AWS::Partition" {
                output += HTTPAPIEnvironment.partition
            } else if name == "AWS::URLSuffix" {
                output += "amazonaws.com"
            } else if name.hasSuffix(".Arn"), !name.contains("::") {
                let logical = name.dropLast(4)
                output += "arn:\(HTTPAPIEnvironment.partition):lambda:\(HTTPAPIEnvironment.region):\(HTTPAPIEnvironment.accountID):function:\(logical)"
            } else if !name.contains("."), !name.contains("::"), !name.isEmpty {
                output += name
            } else {
                return .failure(.unsupported(name))
            }
        }
        return .success(output)
    }
}

/// Identifiers in the formats an HTTP API uses.
enum HTTPAPIIdentifiers {
    /// `apigw-requestid` / `requestContext.requestId`: 16 characters of base64, e.g. `JTHoQiQDIAMESHw=`.
    static func requestID() -> String {
        // Two 64-bit draws instead of a system call per byte.
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        let bytes = (0..<11).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64((index % 8) * 8)) }
        return Data(bytes).base64EncodedString()
    }

    /// Lambda's request id (`context.aws_request_id`): a lower-case UUID v4.
    static func lambdaRequestID() -> String { GatewayIdentifiers.requestID() }

    /// `Root=1-{8 hex epoch seconds}-{24 hex}` as X-Ray writes it.
    static func traceID(epochSeconds: Int) -> String {
        "Root=1-\(String(format: "%08x", epochSeconds))-\(GatewayIdentifiers.randomHex(24))"
    }

    /// A stable 10-character API id (lower-case letters and digits) derived from a seed such as the title.
    static func apiID(seed: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var id = ""
        for _ in 0..<10 {
            id.append(alphabet[Int(hash % 36)])
            hash /= 36
            if hash == 0 { hash = 0x9e37_79b9_7f4a_7c15 }
        }
        return id
    }
}

/// Date renderings used in responses and events, computed without locale-dependent formatters.
struct HTTPAPIClock: Sendable {
    /// Milliseconds since the Unix epoch.
    var epochMilliseconds: Int64

    static func now() -> HTTPAPIClock {
        HTTPAPIClock(epochMilliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    var epochSeconds: Int { Int(epochMilliseconds / 1000) }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        let seconds = epochSeconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 7) % 7
        return (year, month, day, secondOfDay / 3600, (secondOfDay % 3600) / 60, secondOfDay % 60, weekday)
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// IMF-fixdate (RFC 9110 §5.6.7): `Sat, 21 Nov 2026 12:09:34 GMT`.
    var imfFixdate: String {
        let c = civil
        return "\(Self.weekdays[c.weekday]), \(Self.two(c.day)) \(Self.months[c.month - 1]) \(c.year) \(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second)) GMT"
    }

    /// `requestContext.time` / `requestTime`: `21/Nov/2026:12:09:34 +0000`.
    var requestTime: String {
        let c = civil
        return "\(Self.two(c.day))/\(Self.months[c.month - 1])/\(c.year):\(Self.two(c.hour)):\(Self.two(c.minute)):\(Self.two(c.second)) +0000"
    }
}

enum HTTPAPIEncoding {
    /// Percent-decodes `text`; with `plusAsSpace`, `+` means a space (form encoding). Invalid escapes are kept.
    static func percentDecode(_ text: Substring, plusAsSpace: Bool) -> String {
        guard text.contains("%") || (plusAsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else if byte == UInt8(ascii: "+") && plusAsSpace {
                bytes.append(UInt8(ascii: " "))
                index += 1
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (for rebuilt query strings).
    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    /// Splits a raw query string into decoded (name, value) pairs, in order. `a` alone gives ("a", "").
    static func queryPairs(_ raw: String) -> [(String, String)] {
        guard !raw.isEmpty else { return [] }
        return raw.split(separator: "&", omittingEmptySubsequences: true).map { part in
            if let equals = part.firstIndex(of: "=") {
                return (percentDecode(part[..<equals], plusAsSpace: true),
                        percentDecode(part[part.index(after: equals)...], plusAsSpace: true))
            }
            return (percentDecode(part, plusAsSpace: true), "")
        }
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// Strict base64 decoding (standard alphabet, padding optional); nil when invalid.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var padded = text
        let remainder = padded.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { padded += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: padded).map { [UInt8]($0) }
    }
}
