import Foundation

/// Why reports could not be merged or read. Each message names the file.
public struct JUnitMergeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// Merges the JUnit reports of several shards into one `<testsuites>` document (valid against the Jenkins
/// `junit-10.xsd`).
///
/// Every `<testsuite>` is copied byte for byte with all its children (properties, cases, output); a report whose
/// root is a single `<testsuite>` is accepted too. A suite missing a required `tests`/`failures`/`errors`
/// attribute gets it, counted from its cases. The root totals (`tests`, `failures`, `errors`, `time`) are the sums
/// over the suites; the root `name` is kept when every input has the same one.
/// A suite name found in two different files means the shards overlapped (or one report was passed twice): that is
/// an error unless `allowDuplicateSuites` is set, in which case both are kept.
public enum JUnitMerge {
    public static func merge(files: [String], allowDuplicateSuites: Bool = false) throws(JUnitMergeError) -> String {
        guard !files.isEmpty else { throw JUnitMergeError(file: "merge-reports", message: "no input reports given") }
        var body: [UInt8] = []
        var totals = (tests: 0, failures: 0, errors: 0, time: 0.0)
        var rootNames: Set<String?> = []
        var firstFileOfSuite: [String: String] = [:]
        for file in files {
            let document = try read(file)
            let rootElement = document.elements[document.root]
            rootNames.insert(rootElement.name == "testsuites" ? rootElement.attribute("name") : nil)
            for suite in suites(of: document) {
                let element = document.elements[suite]
                guard let name = element.attribute("name") else {
                    throw JUnitMergeError(file: file, message: "a <testsuite> has no name attribute")
                }
                if let earlier = firstFileOfSuite[name], earlier != file, !allowDuplicateSuites {
                    throw JUnitMergeError(file: file, message: "suite '\(name)' is also in \(earlier): the shards overlap, or a report was given twice (pass --allow-duplicates to keep both)")
                }
                if firstFileOfSuite[name] == nil { firstFileOfSuite[name] = file }
                let counts = try self.counts(of: suite, in: document, file: file)
                totals.tests += counts.tests
                totals.failures += counts.failures
                totals.errors += counts.errors
                totals.time += counts.time
                body.append(contentsOf: "  ".utf8)
                body.append(contentsOf: startTag(of: element, in: document, adding: counts.missingAttributes))
                body.append(contentsOf: document.bytes[element.startTagEnd..<element.end])
                body.append(UInt8(ascii: "\n"))
            }
        }
        var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"
        if rootNames.count == 1, let name = rootNames.first!, !name.isEmpty { output += " name=\"\(escapeAttribute(name))\"" }
        output += " tests=\"\(totals.tests)\" failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" time=\"\(formatSeconds(totals.time))\">\n"
        return output + String(decoding: body, as: UTF8.self) + "</testsuites>\n"
    }

    /// Merges and writes `output` atomically (a temporary file in the same directory, then renamed).
    public static func merge(files: [String], writingTo output: String, allowDuplicateSuites: Bool = false) throws(JUnitMergeError) {
        let document = try merge(files: files, allowDuplicateSuites: allowDuplicateSuites)
        let url = URL(fileURLWithPath: output)
        do {
            try Data(document.utf8).write(to: url, options: .atomic)
        } catch {
            throw JUnitMergeError(file: output, message: "cannot write the merged report: \(error.localizedDescription)")
        }
    }

    static func read(_ file: String) throws(JUnitMergeError) -> MiniXML {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw JUnitMergeError(file: file, message: "no such file (did that shard's job fail before writing its report?)")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: file) else {
            throw JUnitMergeError(file: file, message: isDirectory.boolValue ? "is a directory, expected a JUnit XML file" : "cannot be read")
        }
        let document: MiniXML
        do { document = try MiniXML(bytes: Array(data)) } catch {
            throw JUnitMergeError(file: file, message: "not a valid XML file: line \(error.line), column \(error.column): \(error.message)")
        }
        let rootName = document.elements[document.root].name
        guard rootName == "testsuites" || rootName == "testsuite" else {
            throw JUnitMergeError(file: file, message: "the root element is <\(rootName)>, expected <testsuites> or <testsuite>: not a JUnit report")
        }
        return document
    }

    /// The top-level suites of a report.
    static func suites(of document: MiniXML) -> [Int] {
        document.elements[document.root].name == "testsuite" ? [document.root] : document.children(of: document.root, named: "testsuite")
    }

    struct SuiteCounts {
        var tests: Int
        var failures: Int
        var errors: Int
        var time: Double
        var missingAttributes: [(String, String)]
    }

    static func counts(of suite: Int, in document: MiniXML, file: String) throws(JUnitMergeError) -> SuiteCounts {
        let element = document.elements[suite]
        let cases = document.descendants(of: suite, named: "testcase")
        func counted(_ resultName: String) -> Int {
            cases.filter { !document.children(of: $0, named: resultName).isEmpty }.count
        }
        var missing: [(String, String)] = []
        func value(_ attribute: String, _ count: () -> Int) throws(JUnitMergeError) -> Int {
            guard let text = element.attribute(attribute) else {
                let computed = count()
                missing.append((attribute, String(computed)))
                return computed
            }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), number >= 0 else {
                throw JUnitMergeError(file: file, message: "suite '\(element.attribute("name") ?? "")' has \(attribute)=\"\(text)\", expected a count")
            }
            return number
        }
        let tests = try value("tests") { cases.count }
        let failures = try value("failures") { counted("failure") }
        let errors = try value("errors") { counted("error") }
        return SuiteCounts(tests: tests, failures: failures, errors: errors, time: parseSeconds(element.attribute("time")) ?? 0,
                           missingAttributes: missing)
    }

    /// The start tag as written, with the missing attributes inserted before its end.
    static func startTag(of element: MiniXML.Element, in document: MiniXML, adding attributes: [(String, String)]) -> [UInt8] {
        var tag = Array(document.bytes[element.start..<element.startTagEnd])
        guard !attributes.isEmpty else { return tag }
        let closingLength = element.selfClosing ? 2 : 1
        let insertion = attributes.map { " \($0.0)=\"\(escapeAttribute($0.1))\"" }.joined()
        tag.insert(contentsOf: Array(insertion.utf8), at: tag.count - closingLength)
        return tag
    }

    /// Surefire times may use `,` as a thousands separator.
    static func parseSeconds(_ text: String?) -> Double? {
        guard let text else { return nil }
        guard let value = Double(text.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else { return nil }
        return value
    }

    static func formatSeconds(_ seconds: Double) -> String {
        let milliseconds = Int64((max(0, seconds) * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    static func escapeAttribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
