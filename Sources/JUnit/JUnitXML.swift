#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Rendering of JUnit XML (the Jenkins xUnit schema, `junit-10.xsd`) and the text clean-up it relies on.
///
/// Text conventions, applied to every string written:
/// - Characters XML 1.0 cannot carry (C0 controls other than tab, line feed and carriage return; U+FFFE; U+FFFF)
///   are replaced by visible text: `\x00` ... `\x1F` (two upper-case hex digits), `\uFFFE`, `\uFFFF`.
///   Invalid UTF-8 bytes, converted with ``displayText(bytes:)``, use the same `\xNN` notation.
/// - Markup is escaped (`&amp;`, `&lt;`, `&gt;`, and `&quot;` in attributes), so `]]>` cannot end anything
///   (no CDATA is used). Carriage returns are written as `&#13;` so parsers do not normalise them away;
///   tabs and newlines inside attribute values are written as `&#9;` / `&#10;`.
/// - `message` attributes hold one line: the first line of the message, followed by ` …` when lines were dropped,
///   cut to 1000 characters. The full text is the element's content.
public enum JUnitXML {
    /// A complete report (`<testsuites>` with one `<testsuite>` per suite) as one string.
    /// For large runs prefer ``JUnitReportWriter``, which streams suites to disk.
    public static func document(_ suites: [JUnitTestSuite]) -> String {
        var output: [UInt8] = []
        output.append(contentsOf: xmlDeclaration.utf8)
        output.append(contentsOf: "<testsuites".utf8)
        var totals = Totals()
        for suite in suites { totals.add(suite) }
        output.append(contentsOf: totals.attributes.utf8)
        output.append(contentsOf: ">\n".utf8)
        for suite in suites { appendSuite(suite, to: &output) }
        output.append(contentsOf: closingRoot.utf8)
        return String(decoding: output, as: UTF8.self)
    }

    /// `text` with every character that XML 1.0 does not allow replaced by a visible escape (`\x00`, `\uFFFF`).
    /// Markup characters (`<`, `&`, ...) are left alone: this makes text *legal*, escaping is the writer's job.
    public static func xmlSafe(_ text: String) -> String {
        var output: [UInt8] = []
        appendEscaped(text, mode: .charactersOnly, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Bytes as text: valid UTF-8 is decoded, each byte that is not part of a valid sequence is shown as `\xNN`.
    public static func displayText(bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        decoding: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                output.append(contentsOf: encoded)
                offset += encoded.count
            case .error(let length):
                for byte in bytes[offset..<(offset + length)] { appendHexEscape(byte, to: &output) }
                offset += length
            case .emptyInput:
                break decoding
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: - Internals shared with the streaming writer

    static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    static let closingRoot = "</testsuites>\n"

    /// Running totals for the `<testsuites>` attributes (the schema has no `skipped` there).
    struct Totals {
        var tests = 0
        var failures = 0
        var errors = 0
        var time = 0.0

        mutating func add(_ suite: JUnitTestSuite) {
            tests += suite.tests
            failures += suite.failures
            errors += suite.errors
            time += sanitizedSeconds(suite.time)
        }

        /// ` tests="N" failures="N" errors="N" time="S.mmm"`: at most 113 bytes (counts are Ints, time is capped).
        var attributes: String {
            " tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(formatSeconds(time))\""
        }
    }

    static func appendSuite(_ suite: JUnitTestSuite, to output: inout [UInt8]) {
        let suiteName = suite.name.isEmpty ? "(unnamed suite)" : suite.name
        output.append(contentsOf: "  <testsuite name=\"".utf8)
        appendEscaped(suiteName, mode: .attribute, to: &output)
        output.append(contentsOf: "\" tests=\"\(suite.tests)\" failures=\"\(suite.failures)\" errors=\"\(suite.errors)\" skipped=\"\(suite.skipped)\" time=\"\(formatSeconds(suite.time))\" timestamp=\"\(formatTimestamp(suite.timestamp))\" hostname=\"".utf8)
        appendEscaped(suite.hostname, mode: .attribute, to: &output)
        output.append(contentsOf: "\">\n".utf8)

        if !suite.properties.isEmpty {
            output.append(contentsOf: "    <properties>\n".utf8)
            for (name, value) in suite.properties {
                output.append(contentsOf: "      <property name=\"".utf8)
                appendEscaped(name, mode: .attribute, to: &output)
                output.append(contentsOf: "\" value=\"".utf8)
                appendEscaped(value, mode: .attribute, to: &output)
                output.append(contentsOf: "\"/>\n".utf8)
            }
            output.append(contentsOf: "    </properties>\n".utf8)
        }

        for testCase in suite.cases { appendCase(testCase, suiteName: suiteName, to: &output) }
        output.append(contentsOf: "  </testsuite>\n".utf8)
    }

    private static func appendCase(_ testCase: JUnitTestCase, suiteName: String, to output: inout [UInt8]) {
        output.append(contentsOf: "    <testcase classname=\"".utf8)
        appendEscaped(testCase.classname.isEmpty ? suiteName : testCase.classname, mode: .attribute, to: &output)
        output.append(contentsOf: "\" name=\"".utf8)
        appendEscaped(testCase.name.isEmpty ? "(unnamed)" : testCase.name, mode: .attribute, to: &output)
        output.append(contentsOf: "\" time=\"\(formatSeconds(testCase.time))\"".utf8)

        let hasChildren: Bool
        switch testCase.result {
        case .passed:
            hasChildren = !testCase.flakyAttempts.isEmpty || testCase.systemOut != nil || testCase.systemErr != nil
        default:
            hasChildren = true
        }
        guard hasChildren else {
            output.append(contentsOf: "/>\n".utf8)
            return
        }
        output.append(contentsOf: ">\n".utf8)

        let finallyPassed: Bool
        switch testCase.result {
        case .passed:
            finallyPassed = true
        case .failure(let message, let type, let text):
            finallyPassed = false
            appendResult(element: "failure", message: message, type: type, text: text, to: &output)
        case .error(let message, let type, let text):
            finallyPassed = false
            appendResult(element: "error", message: message, type: type, text: text, to: &output)
        case .skipped(let message):
            finallyPassed = false
            output.append(contentsOf: "      <skipped".utf8)
            if let message {
                output.append(contentsOf: " message=\"".utf8)
                appendEscaped(oneLine(message), mode: .attribute, to: &output)
                output.append(UInt8(ascii: "\""))
            }
            output.append(contentsOf: "/>\n".utf8)
        }

        for attempt in testCase.flakyAttempts {
            let element: String
            switch (attempt.kind, finallyPassed) {
            case (.failure, true): element = "flakyFailure"
            case (.error, true): element = "flakyError"
            case (.failure, false): element = "rerunFailure"
            case (.error, false): element = "rerunError"
            }
            let type = attempt.type ?? (attempt.kind == .failure ? "failure" : "error")
            output.append(contentsOf: "      <\(element) message=\"".utf8)
            appendEscaped(oneLine(attempt.message), mode: .attribute, to: &output)
            output.append(contentsOf: "\" type=\"".utf8)
            appendEscaped(type, mode: .attribute, to: &output)
            if attempt.text.isEmpty {
                output.append(contentsOf: "\"/>\n".utf8)
            } else {
                output.append(contentsOf: "\"><stackTrace>".utf8)
                appendEscaped(attempt.text, mode: .text, to: &output)
                output.append(contentsOf: "</stackTrace></\(element)>\n".utf8)
            }
        }

        if let systemOut = testCase.systemOut {
            output.append(contentsOf: "      <system-out>".utf8)
            appendEscaped(systemOut, mode: .text, to: &output)
            output.append(contentsOf: "</system-out>\n".utf8)
        }
        if let systemErr = testCase.systemErr {
            output.append(contentsOf: "      <system-err>".utf8)
            appendEscaped(systemErr, mode: .text, to: &output)
            output.append(contentsOf: "</system-err>\n".utf8)
        }
        output.append(contentsOf: "    </testcase>\n".utf8)
    }

    private static func appendResult(element: String, message: String, type: String?, text: String,
                                     to output: inout [UInt8]) {
        output.append(contentsOf: "      <\(element) message=\"".utf8)
        appendEscaped(oneLine(message), mode: .attribute, to: &output)
        output.append(UInt8(ascii: "\""))
        if let type {
            output.append(contentsOf: " type=\"".utf8)
            appendEscaped(type, mode: .attribute, to: &output)
            output.append(UInt8(ascii: "\""))
        }
        if text.isEmpty {
            output.append(contentsOf: "/>\n".utf8)
        } else {
            output.append(UInt8(ascii: ">"))
            appendEscaped(text, mode: .text, to: &output)
            output.append(contentsOf: "</\(element)>\n".utf8)
        }
    }

    // MARK: - Text helpers

    static let maximumMessageLength = 1000

    /// The first line of `message` (` …` appended when more lines followed), at most 1000 characters.
    static func oneLine(_ message: String) -> String {
        var line = Substring(message)
        var truncated = false
        if let lineEnd = message.firstIndex(where: \.isNewline) {
            line = message[..<lineEnd]
            truncated = message[lineEnd...].contains { !$0.isWhitespace }
        }
        if line.count > maximumMessageLength {
            line = line.prefix(maximumMessageLength)
            truncated = true
        }
        return truncated ? line + " …" : String(line)
    }

    /// Non-negative, finite seconds, capped at 10^12 so formatted values stay short.
    static func sanitizedSeconds(_ seconds: Double) -> Double {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return min(seconds, 1e12)
    }

    /// Seconds with exactly three decimals (`0.420`), matching the schema's SUREFIRE_TIME pattern.
    static func formatSeconds(_ seconds: Double) -> String {
        let milliseconds = Int64((sanitizedSeconds(seconds) * 1000).rounded())
        let fraction = milliseconds % 1000
        let padding = fraction < 10 ? "00" : (fraction < 100 ? "0" : "")
        return "\(milliseconds / 1000).\(padding)\(fraction)"
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-21T12:09:37.123Z`.
    /// (The schema types `timestamp` as a plain string, so the zone is kept to stay unambiguous.)
    static func formatTimestamp(_ date: Date) -> String {
        let since1970 = date.timeIntervalSince1970
        let wholeSeconds = since1970.rounded(.down)
        var millisecond = Int(((since1970 - wholeSeconds) * 1000).rounded(.down))
        millisecond = min(max(millisecond, 0), 999)
        var time = time_t(wholeSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millisecond), 3))Z"
    }

    enum EscapeMode {
        /// Element content: markup escaped, CR as `&#13;`.
        case text
        /// Attribute value in double quotes: markup and `"` escaped, tab/LF/CR as character references.
        case attribute
        /// Only characters outside XML's `Char` production are replaced.
        case charactersOnly
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func appendHexEscape(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        output.append(UInt8(ascii: "x"))
        output.append(hexDigits[Int(byte >> 4)])
        output.append(hexDigits[Int(byte & 0x0F)])
    }

    /// Appends `text` to `output`, escaped for `mode`. Works on UTF-8 bytes: everything that needs attention is
    /// ASCII except U+FFFE/U+FFFF (EF BF BE / EF BF BF), so runs of ordinary bytes are copied in one go.
    static func appendEscaped(_ text: String, mode: EscapeMode, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            output.reserveCapacity(output.count + bytes.count)
            var runStart = 0
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                let replacement: String?
                var consumed = 1
                switch byte {
                case 0x26: replacement = mode == .charactersOnly ? nil : "&amp;"
                case 0x3C: replacement = mode == .charactersOnly ? nil : "&lt;"
                case 0x3E: replacement = mode == .charactersOnly ? nil : "&gt;"
                case 0x22: replacement = mode == .attribute ? "&quot;" : nil
                case 0x09: replacement = mode == .attribute ? "&#9;" : nil
                case 0x0A: replacement = mode == .attribute ? "&#10;" : nil
                case 0x0D: replacement = mode == .charactersOnly ? nil : "&#13;"
                case 0x00..<0x20: replacement = ""  // other C0 controls: \xNN, below
                case 0xEF where index + 2 < count && bytes[index + 1] == 0xBF
                    && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF):
                    replacement = bytes[index + 2] == 0xBE ? "\\uFFFE" : "\\uFFFF"
                    consumed = 3
                default: replacement = nil
                }
                guard let replacement else {
                    index += 1
                    continue
                }
                if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                if replacement.isEmpty {
                    appendHexEscape(byte, to: &output)
                } else {
                    output.append(contentsOf: replacement.utf8)
                }
                index += consumed
                runStart = index
            }
            if runStart < count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
        }
    }
}
