import Foundation

/// Counts requests against throttles (token buckets) and quotas (requests per calendar period, UTC), by the
/// gateway's clock. One meter per served stage; every request of the stage goes through it.
///
/// `@unchecked Sendable`: the dictionaries are read and written only while holding `lock`.
final class UsageMeter: @unchecked Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private struct Count {
        var periodStart: Date
        var used: Int
    }

    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    private var counts: [String: Count] = [:]

    /// Takes one token from the bucket `key` (full at first: `burstLimit` tokens, refilled at `rateLimit` per
    /// second). False when the bucket is empty: the request is throttled.
    func take(_ key: String, _ throttle: UsagePlanSettings.Throttle, now: Date) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let capacity = Double(max(0, throttle.burstLimit))
        var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        bucket.tokens = min(capacity, bucket.tokens + elapsed * max(0, throttle.rateLimit))
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        return allowed
    }

    /// Counts one request against the quota `key` for the current period. False when the period's limit is used up.
    func count(_ key: String, _ quota: UsagePlanSettings.Quota, now: Date) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let start = Self.periodStart(quota.period, containing: now)
        var count = counts[key] ?? Count(periodStart: start, used: 0)
        if count.periodStart != start { count = Count(periodStart: start, used: 0) }
        guard count.used < quota.limit else {
            counts[key] = count
            return false
        }
        count.used += 1
        counts[key] = count
        return true
    }

    /// The start (UTC) of the day, ISO week (Monday) or month that contains `date`.
    static func periodStart(_ period: UsagePlanSettings.Quota.Period, containing date: Date) -> Date {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let component: Calendar.Component = switch period {
        case .day: .day
        case .week: .weekOfYear
        case .month: .month
        }
        return calendar.dateInterval(of: component, for: date)?.start ?? date
    }
}
