import Foundation
import Gateway
import JSONCore

/// A test on one value: equality, a regular expression, or presence.
public enum ValueTest: Sendable, Hashable {
    /// Equal as JSON (numbers compared numerically, object key order ignored).
    case equals(JSONValue)
    /// The regular expression is found somewhere in the value's string form (anchor with `^...$` for a full match).
    /// Strings are tested as they are, other values as compact JSON.
    case matches(String)
    /// The value is present (`true`) or absent (`false`).
    case exists(Bool)

    /// Whether `values` (every value found, empty when absent) pass the test.
    func accepts(_ values: [JSONValue]) -> Bool {
        switch self {
        case let .equals(expected): return values.contains { $0.semanticallyEquals(expected) }
        case let .matches(pattern):
            return values.contains { value in
                let text = value.stringValue ?? value.serialized(.compact)
                return RegexCache.search(pattern, in: text)
            }
        case let .exists(expected): return values.isEmpty != expected
        }
    }
}

enum RegexCache {
    /// Whether `pattern` (validated at load time) is found in `text`.
    static func search(_ pattern: String, in text: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.firstMatch(in: text)) != nil
    }

    /// The compile error of a pattern, nil when it is valid.
    static func problem(with pattern: String) -> String? {
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// One condition of a scripted Lambda rule: a JSONPath into the event and a test on what it selects.
public struct EventCondition: Sendable, Hashable {
    public var path: JSONPath
    public var test: ValueTest

    public init(path: JSONPath, test: ValueTest) {
        self.path = path
        self.test = test
    }

    func holds(for event: JSONValue) -> Bool { test.accepts(path.select(in: event)) }
}

/// What a scripted Lambda answers.
public enum LambdaAnswer: Sendable, Hashable {
    /// Return this value, serialised as the Python runtime does (`json.dumps`).
    case returns(JSONValue)
    /// Return these exact bytes (to provoke malformed outputs).
    case returnsRaw(String)
    /// Fail like a raised exception: the Python runtime's error payload with this message and type.
    case raises(errorMessage: String, errorType: String, stackTrace: [String])
    /// Lambda rejects API Gateway's Invoke call itself: the function never runs.
    case invokeError(LambdaInvokeError)
}

/// A rejection of the `Invoke` call by the Lambda service, before any function code runs. API Gateway answers every
/// one with 500 (Lambda Developer Guide, "Handling Lambda errors with an API Gateway API": "If the Lambda API rejects
/// the invocation request, API Gateway returns a 500 error code"); the exception only shows in the request log.
public enum LambdaInvokeError: String, Sendable, Hashable, CaseIterable {
    /// API Gateway has no permission to invoke the function (no resource-based policy allowing it).
    case accessDenied = "AccessDenied"
    /// The function's (or the account's) concurrency is exhausted: throttled.
    case tooManyRequests = "TooManyRequests"
    /// No such function (or alias/version).
    case resourceNotFound = "ResourceNotFound"
    /// The function is still being created or updated (`Pending` state).
    case resourceNotReady = "ResourceNotReady"
    /// Another operation is in progress on the function.
    case resourceConflict = "ResourceConflict"
    /// Lambda's own internal error.
    case service = "Service"

    /// `TooManyRequests` or `TooManyRequestsException`, as written in a backends file.
    public init?(name: String) {
        let base = name.hasSuffix("Exception") ? String(name.dropLast("Exception".count)) : name
        guard let known = Self.allCases.first(where: { $0.rawValue.lowercased() == base.lowercased() }) else { return nil }
        self = known
    }

    /// The Lambda API exception name, `TooManyRequestsException`.
    public var exceptionName: String { rawValue + "Exception" }

    /// The exception and its message, as the request log shows them.
    public func message(functionName: String) -> String {
        let detail: String
        switch self {
        case .accessDenied: detail = "API Gateway is not allowed to invoke function '\(functionName)' (Invalid permissions on Lambda function)"
        case .tooManyRequests: detail = "Rate Exceeded."
        case .resourceNotFound: detail = "Function not found: \(functionName)"
        case .resourceNotReady: detail = "The function '\(functionName)' is currently in the Pending state"
        case .resourceConflict: detail = "The operation cannot be performed at this time on function '\(functionName)'"
        case .service: detail = "Lambda was unable to process the request"
        }
        return "\(exceptionName): \(detail)"
    }
}

/// One rule: when every condition holds for the event, wait `sleep` then give the answer.
public struct LambdaRule: Sendable, Hashable {
    public var conditions: [EventCondition]
    public var answer: LambdaAnswer
    public var sleep: Duration?
    /// Where the rule was written (`file:line:col`), for logs.
    public var location: String

    public init(conditions: [EventCondition] = [], answer: LambdaAnswer, sleep: Duration? = nil, location: String = "") {
        self.conditions = conditions
        self.answer = answer
        self.sleep = sleep
        self.location = location
    }
}

/// A Lambda function whose behaviour is a list of rules: the first rule whose conditions hold answers.
/// No rule matching is a function error (`errorMessage: "no scripted rule matched the event"`).
/// A rule that sleeps past the function's `timeout` (default 3 s, as on Lambda) ends with Lambda's timeout error.
public struct ScriptedLambda: LambdaBackend {
    public var name: String
    public var rules: [LambdaRule]
    public var timeout: Duration

    public init(name: String, rules: [LambdaRule], timeout: Duration = .seconds(3)) {
        self.name = name
        self.rules = rules
        self.timeout = timeout
    }

    public func invoke(_ invocation: LambdaInvocation) async -> LambdaResult {
        let event: JSONValue
        if invocation.payload.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            event = .object([:])
        } else {
            do {
                event = try JSONValue.parse(bytes: invocation.payload)
            } catch {
                return .invokeFailed(message: "Could not parse request body into json: \(error)")
            }
        }
        guard let rule = rules.first(where: { rule in rule.conditions.allSatisfy { $0.holds(for: event) } }) else {
            return .functionError(payload: LambdaErrorPayloads.pythonStyleError(
                message: "no scripted rule matched the event", type: "Exception", requestID: invocation.requestID))
        }
        if let sleep = rule.sleep {
            try? await Task.sleep(for: min(sleep, timeout))
            if Task.isCancelled { return .invokeFailed(message: "the invocation was cancelled") }
            if sleep > timeout {
                return .functionError(payload: LambdaErrorPayloads.timeout(requestID: invocation.requestID, after: timeout))
            }
        }
        switch rule.answer {
        case let .returns(value):
            return .success(payload: Array(PythonJSON.dumps(value).utf8))
        case let .returnsRaw(text):
            return .success(payload: Array(text.utf8))
        case let .raises(message, type, stackTrace):
            return .functionError(payload: LambdaErrorPayloads.pythonStyleError(
                message: message, type: type, requestID: invocation.requestID, stackTrace: stackTrace))
        case let .invokeError(error):
            return .invokeFailed(message: error.message(functionName: name))
        }
    }
}
