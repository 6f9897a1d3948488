import Foundation
import JSONCore

/// Error payloads Lambda itself produces (not the function's runtime), byte for byte as Invoke returns them.
public enum LambdaErrorPayloads {
    /// The function ran past its timeout:
    /// `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00 seconds"}`.
    public static func timeout(requestID: String, after timeout: Duration) -> [UInt8] {
        let message = "RequestId: \(requestID) Error: Task timed out after \(secondsText(timeout)) seconds"
        return object([("errorType", "Sandbox.Timedout"), ("errorMessage", message)])
    }

    /// The runtime process exited during an invocation:
    /// `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: <id> Error: Runtime exited with error: exit status 1"}`.
    /// An exit with status 0 is "Runtime exited without providing a reason", as Lambda words it.
    public static func runtimeExit(requestID: String, reason: String) -> [UInt8] {
        let message = reason == "exit status 0"
            ? "RequestId: \(requestID) Error: Runtime exited without providing a reason"
            : "RequestId: \(requestID) Error: Runtime exited with error: \(reason)"
        return object([("errorType", "Runtime.ExitError"), ("errorMessage", message)])
    }

    /// The runtime process could not start or never became ready.
    public static func runtimeUnavailable(requestID: String, reason: String) -> [UInt8] {
        let message = "RequestId: \(requestID) Error: \(reason)"
        return object([("errorType", "Runtime.Unknown"), ("errorMessage", message)])
    }

    /// An error raised by a function, in the Python runtime's format (`json.dumps` spacing, as on python3.12):
    /// `{"errorMessage": "...", "errorType": "...", "requestId": "...", "stackTrace": [...]}`.
    public static func pythonStyleError(message: String, type: String, requestID: String, stackTrace: [String] = []) -> [UInt8] {
        let value = JSONValue.object([
            "errorMessage": .string(message),
            "errorType": .string(type),
            "requestId": .string(requestID),
            "stackTrace": .array(stackTrace.map(JSONValue.string)),
        ])
        return Array(PythonJSON.dumps(value).utf8)
    }

    /// `3.00`, `0.20`: Lambda prints the configured timeout with two decimals.
    static func secondsText(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return String(format: "%.2f", value)
    }

    private static func object(_ pairs: [(String, String)]) -> [UInt8] {
        let value = JSONValue.object(.init(uniqueKeysWithValues: pairs.map { ($0.0, JSONValue.string($0.1)) }))
        return Array(value.serialized(.compact).utf8)
    }
}

/// JSON text exactly as Python's `json.dumps(value, ensure_ascii=False)` writes it (`", "` and `": "`
/// separators), so scripted functions answer with the same bytes as the Python fixture does on AWS.
public enum PythonJSON {
    public static func dumps(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output)
        return output
    }

    private static func write(_ value: JSONValue, into output: inout String) {
        switch value {
        case .null: output += "null"
        case let .bool(flag): output += flag ? "true" : "false"
        case let .int(number): output += String(number)
        case let .double(number): output += pythonRepr(number)
        case let .string(text): writeString(text, into: &output)
        case let .array(items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += ", " }
                write(item, into: &output)
            }
            output += "]"
        case let .object(members):
            output += "{"
            for (index, (key, item)) in members.enumerated() {
                if index > 0 { output += ", " }
                writeString(key, into: &output)
                output += ": "
                write(item, into: &output)
            }
            output += "}"
        }
    }

    /// Python's `float.__repr__`: shortest round-trip digits, `1e+16` style exponents, `NaN`/`Infinity`.
    private static func pythonRepr(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        // Swift's description is the shortest round-trip form too; it agrees with Python on the exponent
        // threshold (1e16) and on `1e-05`.
        return number.description
    }

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    output += String(format: "\\u%04x", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
