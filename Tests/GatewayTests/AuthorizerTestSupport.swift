import Foundation
import Gateway
import JSONCore
import TestSupport

/// A clock tests move by hand: authorizer TTLs, throttles and quotas are measured by it, never by sleeping.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) { current = start }  // 2026-01-01T00:00:00Z

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(seconds: TimeInterval) {
        lock.lock()
        current.addTimeInterval(seconds)
        lock.unlock()
    }

    var gatewayClock: GatewayClock { GatewayClock { [self] in now } }
}

/// Counts calls (thread-safe), e.g. how often an authorizer function ran.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}

enum AuthorizerFixtures {
    static func lambdaURI(_ function: String) -> String {
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:\(function)/invocations"
    }

    /// An IAM policy document answer.
    static func policy(_ effect: String, _ resources: [String], principal: String? = "user-1", context: String? = nil,
                       usageKey: String? = nil) -> String {
        var fields: [String] = []
        if let principal { fields.append("\"principalId\":\"\(principal)\"") }
        let resourceList = resources.map { "\"\($0)\"" }.joined(separator: ",")
        fields.append("\"policyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"execute-api:Invoke\",\"Effect\":\"\(effect)\",\"Resource\":[\(resourceList)]}]}")
        if let context { fields.append("\"context\":\(context)") }
        if let usageKey { fields.append("\"usageIdentifierKey\":\"\(usageKey)\"") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The string field `name` of a JSON event.
    static func field(_ name: String, of payload: [UInt8]) -> String? {
        guard case let .object(object)? = try? JSONValue.parse(bytes: payload), case let .string(value)? = object[name] else { return nil }
        return value
    }

    /// A proxy function answering 200 with the event's `requestContext.authorizer` as its body.
    static let echoAuthorizerContext = FakeLambda { invocation in
        var body = "null"
        if case let .object(event)? = try? JSONValue.parse(bytes: invocation.payload), case let .object(context)? = event["requestContext"],
           let authorizer = context["authorizer"] {
            body = authorizer.serialized(.compact)
        }
        let output = JSONValue.object(["statusCode": .int(200), "body": .string(body)])
        return .success(payload: Array(output.serialized(.compact).utf8))
    }
}
