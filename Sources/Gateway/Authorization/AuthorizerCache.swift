import Foundation

/// Authorizer results cached by identity (authorizer name + identity source values) for
/// `authorizerResultTtlInSeconds`, measured by the gateway's clock. What is cached is the function's answer, not a
/// decision for one method: a policy cached for one method ARN is evaluated again for the next method, so a policy
/// that only covered the first one denies the second (API Gateway's classic caching surprise).
///
/// `@unchecked Sendable`: `entries` is read and written only while holding `lock`; requests share one cache.
final class AuthorizerCache: @unchecked Sendable {
    private struct Entry {
        var output: AuthorizerOutput
        var expires: Date
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Above this many entries, expired ones are dropped (and, if still full, everything).
    private let capacity = 10_000

    static func key(authorizer: String, identity: [String]) -> String {
        ([authorizer] + identity).joined(separator: "\u{1F}")
    }

    func lookup(_ key: String, now: Date) -> AuthorizerOutput? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[key] else { return nil }
        if entry.expires <= now {
            entries[key] = nil
            return nil
        }
        return entry.output
    }

    func store(_ output: AuthorizerOutput, under key: String, now: Date, ttlSeconds: Int) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity {
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity { entries.removeAll() }
        }
        entries[key] = Entry(output: output, expires: now.addingTimeInterval(TimeInterval(ttlSeconds)))
    }
}
