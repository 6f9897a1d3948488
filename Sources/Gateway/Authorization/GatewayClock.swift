import Foundation

/// The gateway's notion of "now", for everything that depends on elapsed time: authorizer result caching,
/// usage-plan throttling and quotas. Servers use `.system`; tests inject a clock they advance by hand, so no test
/// has to sleep to see a TTL expire.
public struct GatewayClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// The wall clock.
    public static let system = GatewayClock { Date() }
}
