import Foundation
import SourceDiagnostics
import Yams

/// The API keys and usage plans a template deploys (`AWS::ApiGateway::ApiKey`, `UsagePlan`, `UsagePlanKey`, and what
/// SAM's `Auth.UsagePlan` emits), for the emulator's usage-plan model: a key is named by its logical id, a plan keeps
/// the APIs of its `ApiStages`.
public struct StackUsagePlans: Sendable {
    /// A usage plan and the logical ids of the APIs its `ApiStages` name.
    public struct Plan: Sendable {
        public var plan: UsagePlanSettings.Plan
        public var apis: [String]
    }

    public var keys: [UsagePlanSettings.APIKey] = []
    public var plans: [Plan] = []

    public var isEmpty: Bool { keys.isEmpty && plans.isEmpty }

    /// What the emulator serving `api` enforces: the plans of that API, and the keys.
    public func settings(forAPI api: String) -> UsagePlanSettings {
        UsagePlanSettings(keys: keys, plans: plans.filter { $0.apis.contains(api) }.map(\.plan))
    }
}

/// Reads the usage-plan resources of a template (see ``StackUsagePlans``).
struct UsagePlanStackReader {
    let template: StackTemplate

    /// The parameter that supplies the value of a key whose `Value` AWS generates.
    static func valueParameter(_ logicalID: String) -> String { "\(logicalID).Value" }

    func read() -> StackUsagePlans {
        var result = StackUsagePlans()
        for resource in template.resources where resource.type == "AWS::ApiGateway::ApiKey" {
            template.claim(resource)
            template.warnUnread(resource, read: ["Value", "Enabled", "Name", "StageKeys", "GenerateDistinctId", "CustomerId"])
            let enabled = resource["Enabled"].flatMap { template.bool($0, resource, "Enabled") } ?? false
            let given = template.options.parameters.values[Self.valueParameter(resource.logicalID)]
            guard let value = resource["Value"].flatMap({ template.string($0, resource, "Value") }) ?? given else {
                template.warning("has no Value: AWS generates the key's value at deployment, so the emulator has none and a request cannot "
                                 + "present this key; give it one with --parameter \(Self.valueParameter(resource.logicalID))=VALUE (a suite's "
                                 + "parameters: { \(Self.valueParameter(resource.logicalID)): ... }; 20 characters or more, as the deployed key), "
                                 + "or declare the keys and plans in the backends (apiKeys:, usagePlans:, which replace the template's)",
                                 resource, at: resource.node["Type"])
                continue
            }
            guard value.count >= 20 else {
                template.reader.error("\(resource.logicalID) (\(resource.type)): Value must be at least 20 characters (API Gateway refuses shorter keys)",
                                      at: resource["Value"] ?? resource.keyNode)
                continue
            }
            result.keys.append(UsagePlanSettings.APIKey(name: resource.logicalID, value: value, enabled: enabled))
        }
        let keyIDs = Set(result.keys.map(\.name))
        var subscribed: [String: [String]] = [:]
        for resource in template.resources where resource.type == "AWS::ApiGateway::UsagePlanKey" {
            template.claim(resource)
            template.warnUnread(resource, read: ["KeyId", "UsagePlanId", "KeyType"])
            guard let key = resource["KeyId"].flatMap({ template.reference($0) }),
                  let plan = resource["UsagePlanId"].flatMap({ template.reference($0) }) else {
                template.warning("needs KeyId and UsagePlanId; ignored", resource, at: resource.node["Type"])
                continue
            }
            if keyIDs.contains(key) { subscribed[plan, default: []].append(key) }
        }
        for resource in template.resources where resource.type == "AWS::ApiGateway::UsagePlan" {
            template.claim(resource)
            template.warnUnread(resource, read: ["ApiStages", "Throttle", "Quota", "UsagePlanName"],
                                notes: [:])
            var apis: [String] = []
            if let stages = resource["ApiStages"].flatMap({ template.resolved($0) })?.sequence {
                for stage in stages {
                    if let api = stage["ApiId"].flatMap({ template.reference($0) }) { apis.append(api) }
                    if let throttle = stage["Throttle"] {
                        template.warning("ApiStages[].Throttle (per-method throttling of a plan) is not emulated; the plan's Throttle applies", resource, at: throttle)
                    }
                }
            }
            var throttle: UsagePlanSettings.Throttle?
            if let node = resource["Throttle"].flatMap({ template.resolved($0) }) {
                let rate = node["RateLimit"].flatMap { template.string($0, resource, "Throttle.RateLimit") }.flatMap(Double.init)
                let burst = node["BurstLimit"].flatMap { template.int($0, resource, "Throttle.BurstLimit") }
                if rate != nil || burst != nil {
                    // API Gateway: an unset limit is unlimited.
                    throttle = UsagePlanSettings.Throttle(rateLimit: rate ?? Double(Int32.max), burstLimit: burst ?? Int(Int32.max))
                }
            }
            var quota: UsagePlanSettings.Quota?
            if let node = resource["Quota"].flatMap({ template.resolved($0) }), let limit = node["Limit"].flatMap({ template.int($0, resource, "Quota.Limit") }) {
                let periodText = node["Period"].flatMap { template.string($0, resource, "Quota.Period") } ?? ""
                if let period = UsagePlanSettings.Quota.Period(rawValue: periodText.uppercased()) {
                    quota = UsagePlanSettings.Quota(limit: limit, period: period)
                } else {
                    template.reader.error("\(resource.logicalID) (\(resource.type)): Quota.Period '\(periodText)': expected DAY, WEEK or MONTH", at: node["Period"] ?? node)
                }
                if let offset = node["Offset"], template.int(offset, resource, "Quota.Offset") != 0 {
                    template.warning("Quota.Offset is not emulated (the quota period starts at 00:00 UTC)", resource, at: offset)
                }
            }
            result.plans.append(.init(plan: UsagePlanSettings.Plan(name: resource.logicalID, throttle: throttle, quota: quota,
                                                                  keyNames: subscribed[resource.logicalID] ?? []), apis: apis))
        }
        return result
    }
}
