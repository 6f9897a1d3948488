import Foundation
import Gateway
import SourceDiagnostics
import Yams

/// Reads the API keys, usage plans and throttling a backends file declares for the emulator (what
/// `AWS::ApiGateway::ApiKey`, `UsagePlan`, `UsagePlanKey` and the stage's `MethodSettings` deploy on AWS):
///
/// ```yaml
/// apiKeys:
///   partner: partner-key-0123456789abcdef        # name: value (20+ characters, as API Gateway requires)
///   retired: { value: retired-key-0123456789ab, enabled: false }
/// usagePlans:
///   basic:
///     throttle: { rateLimit: 5, burstLimit: 2 }   # requests per second, bucket size
///     quota: { limit: 1000, period: DAY }          # DAY, WEEK or MONTH (UTC)
///     apiKeys: [partner]
/// throttling:
///   stage: { rateLimit: 100, burstLimit: 50 }      # every method of the stage
///   methods:
///     "GET /items/{id}": { rateLimit: 1, burstLimit: 1 }
/// ```
enum UsagePlansLoader {
    static let topLevelKeys = ["apiKeys", "usagePlans", "throttling"]
    static let keyFields = ["value", "enabled"]
    static let planFields = ["throttle", "quota", "apiKeys"]
    static let throttleFields = ["rateLimit", "burstLimit"]
    static let quotaFields = ["limit", "period"]
    /// API Gateway refuses API key values shorter than this.
    static let minimumKeyLength = 20

    static func read(_ root: YAMLMapping, reader: YAMLReader) -> UsagePlanSettings {
        var settings = UsagePlanSettings()
        if let node = root["apiKeys"], let keys = reader.mapping(node, "apiKeys") {
            for entry in keys.entries {
                let context = "apiKeys.\(entry.key)"
                var value: String?
                var enabled = true
                if case .mapping = entry.value, let fields = reader.mapping(entry.value, context) {
                    reader.checkKeys(fields, allowed: keyFields, context)
                    value = reader.require(fields, "value", context).flatMap { reader.string($0, "\(context).value") }
                    if let flag = fields["enabled"], let bool = reader.bool(flag, "\(context).enabled") { enabled = bool }
                } else {
                    value = reader.string(entry.value, context)
                }
                guard let value else { continue }
                guard value.count >= minimumKeyLength else {
                    reader.error("\(context): an API key value must be at least \(minimumKeyLength) characters (API Gateway refuses shorter ones)", at: entry.value)
                    continue
                }
                if let other = settings.keys.first(where: { $0.value == value }) {
                    reader.error("\(context) has the same value as apiKeys.\(other.name): API key values are unique", at: entry.value)
                    continue
                }
                settings.keys.append(UsagePlanSettings.APIKey(name: entry.key, value: value, enabled: enabled))
            }
        }
        if let node = root["usagePlans"], let plans = reader.mapping(node, "usagePlans") {
            for entry in plans.entries {
                let context = "usagePlans.\(entry.key)"
                guard let fields = reader.mapping(entry.value, context) else { continue }
                reader.checkKeys(fields, allowed: planFields, context)
                let throttle = fields["throttle"].flatMap { readThrottle($0, "\(context).throttle", reader: reader) }
                var quota: UsagePlanSettings.Quota?
                if let quotaNode = fields["quota"], let quotaFields = reader.mapping(quotaNode, "\(context).quota") {
                    reader.checkKeys(quotaFields, allowed: Self.quotaFields, "\(context).quota")
                    if let limitNode = reader.require(quotaFields, "limit", "\(context).quota"), let limit = reader.int(limitNode, "\(context).quota.limit"),
                       let periodNode = reader.require(quotaFields, "period", "\(context).quota"), let text = reader.string(periodNode, "\(context).quota.period") {
                        if limit < 0 {
                            reader.error("\(context).quota.limit must not be negative", at: limitNode)
                        } else if let period = UsagePlanSettings.Quota.Period(rawValue: text.uppercased()) {
                            quota = UsagePlanSettings.Quota(limit: limit, period: period)
                        } else {
                            reader.error("\(context).quota.period '\(text)': expected DAY, WEEK or MONTH", at: periodNode)
                        }
                    }
                }
                var names: [String] = []
                if let keysNode = fields["apiKeys"], let list = reader.sequence(keysNode, "\(context).apiKeys") {
                    for item in list {
                        guard let name = reader.string(item, "\(context).apiKeys") else { continue }
                        guard settings.keys.contains(where: { $0.name == name }) else {
                            var message = "\(context).apiKeys names '\(name)', which apiKeys does not declare"
                            if let hint = closestMatch(to: name, among: settings.keys.map(\.name)) { message += " (did you mean '\(hint)'?)" }
                            reader.error(message, at: item)
                            continue
                        }
                        names.append(name)
                    }
                }
                settings.plans.append(UsagePlanSettings.Plan(name: entry.key, throttle: throttle, quota: quota, keyNames: names))
            }
        }
        if let node = root["throttling"], let throttling = reader.mapping(node, "throttling") {
            reader.checkKeys(throttling, allowed: ["stage", "methods"], "throttling")
            settings.stageThrottle = throttling["stage"].flatMap { readThrottle($0, "throttling.stage", reader: reader) }
            if let methodsNode = throttling["methods"], let methods = reader.mapping(methodsNode, "throttling.methods") {
                for entry in methods.entries {
                    let parts = entry.key.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2, parts[1].hasPrefix("/") else {
                        reader.error("throttling.methods key '\(entry.key)' must be 'VERB /resource/path', e.g. 'GET /items/{id}'", at: entry.keyNode)
                        continue
                    }
                    let key = "\(parts[0].uppercased()) \(parts[1])"
                    if let throttle = readThrottle(entry.value, "throttling.methods.\(entry.key)", reader: reader) { settings.methodThrottles[key] = throttle }
                }
            }
        }
        return settings
    }

    private static func readThrottle(_ node: Node, _ context: String, reader: YAMLReader) -> UsagePlanSettings.Throttle? {
        guard let fields = reader.mapping(node, context) else { return nil }
        reader.checkKeys(fields, allowed: throttleFields, context)
        guard let rateNode = reader.require(fields, "rateLimit", context), let rate = reader.double(rateNode, "\(context).rateLimit"),
              let burstNode = reader.require(fields, "burstLimit", context), let burst = reader.int(burstNode, "\(context).burstLimit") else { return nil }
        guard rate >= 0, burst >= 0 else {
            reader.error("\(context): rateLimit and burstLimit must not be negative", at: node)
            return nil
        }
        return UsagePlanSettings.Throttle(rateLimit: rate, burstLimit: burst)
    }
}
