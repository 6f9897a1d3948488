import Foundation

/// Where a REST API reads the API key of a method that requires one (`x-amazon-apigateway-api-key-source`).
public enum APIKeySource: String, Sendable {
    /// The client sends it in `x-api-key`.
    case header = "HEADER"
    /// The Lambda authorizer returns it as `usageIdentifierKey`.
    case authorizer = "AUTHORIZER"
}

/// The API keys and usage plans the emulator enforces on REST methods that require an API key, plus stage and
/// method throttling: what `AWS::ApiGateway::ApiKey`, `UsagePlan` and `UsagePlanKey` (and the stage's
/// `MethodSettings`) deploy on AWS. Declared for the emulator under `apiKeys:` / `usagePlans:` / `throttling:` of a
/// backends file (see docs/emulator.md, "API keys and usage plans").
public struct UsagePlanSettings: Sendable {
    public struct APIKey: Sendable, Hashable {
        public var name: String
        public var value: String
        public var enabled: Bool

        public init(name: String, value: String, enabled: Bool = true) {
            self.name = name
            self.value = value
            self.enabled = enabled
        }
    }

    /// A token bucket: `rateLimit` requests per second on average, bursts of up to `burstLimit`.
    public struct Throttle: Sendable, Hashable {
        public var rateLimit: Double
        public var burstLimit: Int

        public init(rateLimit: Double, burstLimit: Int) {
            self.rateLimit = rateLimit
            self.burstLimit = burstLimit
        }
    }

    public struct Quota: Sendable, Hashable {
        public enum Period: String, Sendable, CaseIterable {
            case day = "DAY"
            case week = "WEEK"
            case month = "MONTH"
        }

        public var limit: Int
        public var period: Period

        public init(limit: Int, period: Period) {
            self.limit = limit
            self.period = period
        }
    }

    public struct Plan: Sendable {
        public var name: String
        public var throttle: Throttle?
        public var quota: Quota?
        /// Names of the keys (`APIKey.name`) subscribed to the plan.
        public var keyNames: [String]

        public init(name: String, throttle: Throttle? = nil, quota: Quota? = nil, keyNames: [String]) {
            self.name = name
            self.throttle = throttle
            self.quota = quota
            self.keyNames = keyNames
        }
    }

    public var keys: [APIKey]
    public var plans: [Plan]
    /// The stage's default method throttling (`MethodSettings` `*/*`), every method.
    public var stageThrottle: Throttle?
    /// Per-method throttling by `VERB /resource/path` (e.g. `GET /items/{id}`).
    public var methodThrottles: [String: Throttle]

    public init(keys: [APIKey] = [], plans: [Plan] = [], stageThrottle: Throttle? = nil, methodThrottles: [String: Throttle] = [:]) {
        self.keys = keys
        self.plans = plans
        self.stageThrottle = stageThrottle
        self.methodThrottles = methodThrottles
    }

    public var isEmpty: Bool { keys.isEmpty && plans.isEmpty && stageThrottle == nil && methodThrottles.isEmpty }

    /// The key with this value, if declared.
    func key(withValue value: String) -> APIKey? { keys.first { $0.value == value } }

    /// The first plan the key is subscribed to.
    func plan(forKey name: String) -> Plan? { plans.first { $0.keyNames.contains(name) } }
}
