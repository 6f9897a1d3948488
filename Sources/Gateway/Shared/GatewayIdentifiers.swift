import Foundation
import Synchronization

/// Identifiers and dates API Gateway puts on every response, shared by the REST and HTTP API pipelines.
public enum GatewayIdentifiers {
    // Random identifiers are built from whole 64-bit draws of `IdentifierRandom`, which asks the kernel for a seed
    // once: `SystemRandomNumberGenerator` costs a `getrandom` system call per draw, `UUID()` one per id.

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let idLetters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A request id as in `x-amzn-RequestId`: a lower-case UUID v4.
    public static func requestID() -> String {
        var generator = IdentifierRandom()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000                      // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)         // variant 10xx
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        for index in 0..<16 {
            let word = index < 8 ? high : low
            let byte = UInt8(truncatingIfNeeded: word >> UInt64((7 - index % 8) * 8))
            if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An HTTP API's `apigw-requestid` / `requestContext.requestId`: 16 characters of base64 (11 random bytes),
    /// e.g. `JTHoQiQDIAMESHw=`.
    static func httpAPIRequestID() -> String {
        // Two 64-bit draws instead of a system call per byte.
        var generator = IdentifierRandom()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        let bytes = (0..<11).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64((index % 8) * 8)) }
        return Data(bytes).base64EncodedString()
    }

    /// An opaque id as in `x-amz-apigw-id` / `extendedRequestId`: 15 base64 letters and `=`, like `Q8k7fHlmoAMEbKA=`.
    public static func extendedRequestID() -> String {
        var generator = IdentifierRandom()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var word: UInt64 = 0
        for index in 0..<15 {
            if index % 7 == 0 { word = generator.next() }
            // 62 letters: `UInt64.random(in:)` would cost a system call per letter; 9 bits per letter keep the bias tiny.
            bytes.append(idLetters[Int((word & 0x1FF) % UInt64(idLetters.count))])
            word >>= 9
        }
        bytes.append(UInt8(ascii: "="))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An X-Ray trace root, `1-{8 hex epoch seconds}-{24 hex random}`.
    public static func traceRoot(now: Date = Date()) -> String {
        "1-" + String(format: "%08x", UInt32(truncatingIfNeeded: Int(now.timeIntervalSince1970))) + "-" + randomHex(24)
    }

    /// `count` random lower-case hex digits.
    public static func randomHex(_ count: Int) -> String {
        var generator = IdentifierRandom()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var word: UInt64 = 0
        for index in 0..<max(0, count) {
            if index % 16 == 0 { word = generator.next() }
            bytes.append(hexDigits[Int(word & 0x0F)])
            word >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A short lower-case alphanumeric id derived from `text` (FNV-1a, then base 36), stable across runs: API ids,
    /// resource ids, deployment ids. After each digit REST remixes the hash, HTTP API divides it by 36 and reseeds
    /// it when it runs out, so the same text gives different ids in the two pipelines (`PipelineRules`).
    static func stableID(_ text: String, length: Int, rules: PipelineRules) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var result = ""
        for _ in 0..<length {
            result.append(alphabet[Int(hash % 36)])
            switch rules {
            case .restAPI:
                hash = hash / 36 &+ (hash &* 0x9e37_79b9_7f4a_7c15 >> 7)
            case .httpAPI:
                hash /= 36
                if hash == 0 { hash = 0x9e37_79b9_7f4a_7c15 }
            }
        }
        return result
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func utcFields(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var fields = tm()
        gmtime_r(&seconds, &fields)
        return fields
    }

    private static func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// The HTTP `Date` header format (IMF-fixdate): `Sat, 21 Nov 2026 12:00:00 GMT`.
    public static func httpDate(_ date: Date = Date()) -> String {
        let t = utcFields(date)
        return "\(weekdays[Int(t.tm_wday)]), \(pad(t.tm_mday)) \(months[Int(t.tm_mon)]) \(Int(t.tm_year) + 1900) "
            + "\(pad(t.tm_hour)):\(pad(t.tm_min)):\(pad(t.tm_sec)) GMT"
    }

    /// `$context.requestTime` format: `21/Nov/2026:12:00:00 +0000`.
    public static func requestTime(_ date: Date = Date()) -> String {
        let t = utcFields(date)
        return "\(pad(t.tm_mday))/\(months[Int(t.tm_mon)])/\(Int(t.tm_year) + 1900):\(pad(t.tm_hour)):\(pad(t.tm_min)):\(pad(t.tm_sec)) +0000"
    }
}

/// Random numbers for identifiers (request ids, trace ids): unique and unpredictable enough for that, cheap, not
/// for secrets. SplitMix64 over one process-wide atomic counter seeded from the system generator once; any thread
/// may draw, no lock and no system call per draw.
struct IdentifierRandom: RandomNumberGenerator {
    private static let counter = Atomic<UInt64>({
        var system = SystemRandomNumberGenerator()
        return system.next()
    }())

    mutating func next() -> UInt64 {
        var z = Self.counter.wrappingAdd(0x9e37_79b9_7f4a_7c15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
