import CurlHTTP
import Foundation

/// The retry rules of one case, after merging the case, the suite's `defaults` and the command line.
///
/// A request is sent again when it failed in transport (no complete response) or answered with a gateway
/// error (502, 503, 504 by default) that the case does not expect, at most `retries` more times, and only
/// for idempotent methods unless the case opts in. Assertion failures are never retried (see `eventually:`).
public struct RetryPolicy: Sendable, Hashable {
    /// Extra attempts after the first.
    public var retries: Int
    public var triggers: Set<RetryTrigger>
    /// The delay before the first retry; each further retry doubles it (exponential backoff).
    public var backoff: Duration
    /// The exponential delay never grows past this.
    public var maxBackoff: Duration
    /// A `Retry-After` longer than this is cut to it (so a server cannot park the run).
    public var maxRetryAfter: Duration
    /// Retries POST, PATCH and other methods that are not idempotent.
    public var nonIdempotent: Bool

    public init(retries: Int = 0, triggers: Set<RetryTrigger> = RetryTrigger.defaults, backoff: Duration = .milliseconds(200),
                maxBackoff: Duration = .seconds(10), maxRetryAfter: Duration = .seconds(30), nonIdempotent: Bool = false) {
        self.retries = retries
        self.triggers = triggers
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
        self.nonIdempotent = nonIdempotent
    }

    /// Methods that RFC 9110 defines as idempotent: sending them twice has the effect of sending them once.
    public static let idempotentMethods: Set<String> = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]

    /// Transport failures another attempt cannot fix: a local problem, an aborted transfer, or a TLS
    /// certificate that is not trusted (that is a configuration problem, not a blip).
    public static let permanentCurlCodes: Set<Int> = [2, 3, 4, 27, 42, 43, 48, 49, 51, 53, 54, 58, 60, 66, 77, 83, 90, 91]

    /// Whether this method may be sent again.
    public func allowsRetry(method: String) -> Bool {
        retries > 0 && (nonIdempotent || Self.idempotentMethods.contains(method))
    }

    /// Whether a transport failure is worth another attempt.
    public func shouldRetry(_ error: TransportError) -> Bool {
        triggers.contains(.transport) && !Self.permanentCurlCodes.contains(error.code)
    }

    /// Whether a response with `status` is worth another attempt: it is one of the trigger statuses and the
    /// case does not expect it (a case that asserts `status: 503` is never retried on a 503).
    public func shouldRetry(status: Int, expected: StatusExpectation?) -> Bool {
        guard triggers.contains(.status(status)) else { return false }
        return !(expected?.matches(status) ?? false)
    }

    /// The pause before retry number `retry` (1 for the first retry): `backoff * 2^(retry-1)`, capped at
    /// `maxBackoff`, with "equal jitter" (a uniformly random point in the upper half, `jitter` in 0...1) so
    /// that many clients do not retry in lockstep. A `Retry-After` that asks for longer wins, capped at
    /// `maxRetryAfter`.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, jitter: Double) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let base = min(backoff.seconds * Double(1 << exponent), maxBackoff.seconds)
        let fraction = min(max(jitter, 0), 1)
        var seconds = base / 2 + base / 2 * fraction
        if let retryAfter {
            seconds = max(seconds, min(retryAfter.seconds, maxRetryAfter.seconds))
        }
        return .microseconds(Int64((seconds * 1_000_000).rounded()))
    }

    /// Parses a `Retry-After` value: delay-seconds (`120`) or an HTTP-date (`Fri, 31 Dec 1999 23:59:59 GMT`),
    /// relative to `now`. A date in the past means no wait. Nil when the value is neither.
    public static func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let seconds = Int64(text) else { return .seconds(Int64.max / 1_000_000_000_000) }
            return .seconds(seconds)
        }
        for format in httpDateFormats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                let seconds = max(0, date.timeIntervalSince(now))
                return .milliseconds(Int64((seconds * 1000).rounded()))
            }
        }
        return nil
    }

    /// IMF-fixdate, then the obsolete RFC 850 and asctime forms that RFC 9110 says recipients must accept.
    static let httpDateFormats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
}
