import Foundation

// Small helpers only the HTTP API pipeline needs. Those it shares with the REST pipeline (stage variables,
// Lambda ARNs, URL coding, ids and dates, the emulator's environment) are under `Shared/`; CloudFormation
// intrinsics are resolved before either loader reads a document (`Import/IntrinsicResolver.swift`).

/// The moment a request arrived, with the renderings responses and events use.
struct HTTPAPIClock: Sendable {
    /// Milliseconds since the Unix epoch.
    var epochMilliseconds: Int64

    static func now() -> HTTPAPIClock {
        HTTPAPIClock(epochMilliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    var epochSeconds: Int { Int(epochMilliseconds / 1000) }

    private var wholeSeconds: Date { Date(timeIntervalSince1970: TimeInterval(epochSeconds)) }

    /// IMF-fixdate (RFC 9110 §5.6.7): `Sat, 21 Nov 2026 12:09:34 GMT`.
    var imfFixdate: String { GatewayIdentifiers.httpDate(wholeSeconds) }

    /// `requestContext.time` / `requestTime`: `21/Nov/2026:12:09:34 +0000`.
    var requestTime: String { GatewayIdentifiers.requestTime(wholeSeconds) }

    /// `X-Amzn-Trace-Id` as X-Ray writes it: `Root=1-{8 hex epoch seconds}-{24 hex}`.
    var traceID: String { "Root=" + GatewayIdentifiers.traceRoot(now: wholeSeconds) }
}

enum HTTPAPIEncoding {
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
