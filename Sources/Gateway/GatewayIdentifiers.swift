import Foundation

/// Identifiers and dates API Gateway puts on every response, shared by the REST and HTTP API pipelines.
public enum GatewayIdentifiers {
    /// A request id as in `x-amzn-RequestId`: a lower-case UUID v4.
    public static func requestID() -> String { UUID().uuidString.lowercased() }

    /// An opaque id as in `x-amz-apigw-id` / `extendedRequestId`: 15 base64 letters and `=`, like `Q8k7fHlmoAMEbKA=`.
    public static func extendedRequestID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<15).map { _ in alphabet.randomElement()! }) + "="
    }

    /// An X-Ray trace root, `1-{8 hex epoch seconds}-{24 hex random}`.
    public static func traceRoot(now: Date = Date()) -> String {
        "1-" + String(format: "%08x", UInt32(truncatingIfNeeded: Int(now.timeIntervalSince1970))) + "-" + randomHex(24)
    }

    /// `count` random lower-case hex digits.
    public static func randomHex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits.randomElement()! })
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
