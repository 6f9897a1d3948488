import Foundation
import JSONCore
import OrderedCollections
import SourceDiagnostics
import Yams

/// `gatecheck lint`: runs every registered rule over API definitions and templates.
public struct Linter: Sendable {
    /// The outcome of linting some files.
    public struct Report: Sendable {
        public var findings: [LintFinding] = []
        /// Files that could not be read or parsed (exit status 2).
        public var unreadable: [Diagnostic] = []
        /// Files linted.
        public var files: [String] = []

        public init() {}
    }

    public var rules: [any LintRule]

    public init(rules: [any LintRule] = LintRegistry.rules) { self.rules = rules }

    /// Lints files and directories. A directory is searched for `*.yaml`, `*.yml` and `*.json`; a suite file
    /// (`cases:` at the top) is followed to its `api:` definition; other files that are neither an OpenAPI
    /// document nor a template are skipped when found in a directory and reported when named.
    public func lint(paths: [String]) -> Report {
        var report = Report()
        var seen: Set<String> = []
        for (file, named) in Self.expand(paths) {
            lint(file: file, named: named, scriptedLambdas: [:], report: &report, seen: &seen)
        }
        return report
    }

    func lint(file: String, named: Bool, scriptedLambdas: [String: [ScriptedLambdaAnswer]], report: inout Report, seen: inout Set<String>) {
        let key = URL(fileURLWithPath: file).standardizedFileURL.path
        guard seen.insert(key).inserted else { return }
        let text: String
        switch YAMLSource.readText(path: file) {
        case .success(let value): text = value
        case .failure(let diagnostic): report.unreadable.append(diagnostic); return
        }
        let root: Node
        switch YAMLSource.parse(text, file: file) {
        case .success(let node?): root = node
        case .success(nil):
            if named { report.unreadable.append(Diagnostic(file: file, message: "the file is empty")) }
            return
        case .failure(let diagnostic): report.unreadable.append(diagnostic); return
        }
        if root["cases"] != nil {
            // A suite: lint the definition it runs against, knowing what its scripted Lambda functions answer.
            if let api = root["api"]?.scalar?.string {
                let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
                let resolved = api.hasPrefix("/") ? api : directory.appendingPathComponent(api).path
                lint(file: Self.display(resolved), named: true, scriptedLambdas: Self.scriptedLambdas(root["backends"], suite: file),
                     report: &report, seen: &seen)
            }
            return
        }
        let kind: LintDocument.Kind
        if root["openapi"] != nil || root["swagger"] != nil {
            kind = .openAPI
        } else if root["Resources"] != nil || root["AWSTemplateFormatVersion"] != nil {
            kind = .template
        } else {
            if named {
                report.unreadable.append(Diagnostic(file: file, message: "not an API definition (no 'openapi'/'swagger') or template (no 'Resources'), nor a suite with 'api:'"))
            }
            return
        }
        report.files.append(file)
        var document = LintDocument(file: file, kind: kind, root: root, scriptedLambdas: scriptedLambdas)
        if kind == .template { (document.stackAPIs, document.stackProblem) = DefinitionWalk.stackAPIs(root, text: text, file: file) }
        let disabled = Self.disabledRules(root)
        var findings: [LintFinding] = []
        for rule in rules where !disabled.contains(rule.id) {
            findings += rule.check(document)
        }
        // In file order, as a compiler reports (the sort is stable: one place keeps the rules' order).
        report.findings += findings.enumerated().sorted { a, b in
            (a.element.line ?? 0, a.element.column ?? 0, a.offset) < (b.element.line ?? 0, b.element.column ?? 0, b.offset)
        }.map(\.element)
    }

    /// The scripted answers of each Lambda function in a suite's `backends:` (a file relative to the suite, or the
    /// mapping inline). A backends file that does not read is left to `gatecheck validate`.
    static func scriptedLambdas(_ backends: Node?, suite: String) -> [String: [ScriptedLambdaAnswer]] {
        var node = backends
        var file = suite
        if let path = backends?.scalar?.string {
            file = display(path.hasPrefix("/") ? path : URL(fileURLWithPath: suite).deletingLastPathComponent().appendingPathComponent(path).path)
            guard case .success(let text) = YAMLSource.readText(path: file), case .success(let parsed?) = YAMLSource.parse(text, file: file) else { return [:] }
            node = parsed
        }
        guard case .mapping(let lambdas)? = node?["lambdas"] else { return [:] }
        var result: [String: [ScriptedLambdaAnswer]] = [:]
        for (name, function) in lambdas {
            guard let name = name.scalar?.string, case .sequence(let steps)? = function["script"] else { continue }
            result[name] = steps.compactMap { step -> ScriptedLambdaAnswer? in
                if let value = step["returns"] {
                    let shape: ScriptedLambdaAnswer.Shape
                    switch value {
                    case .mapping(let map): shape = map.keys.contains { $0.scalar?.string == "statusCode" } ? .proxyResponse : .objectWithoutStatusCode
                    default: shape = .bareValue
                    }
                    return ScriptedLambdaAnswer(shape: shape, file: file, line: value.mark?.line)
                }
                if let raw = step["returnsRaw"], let text = raw.scalar?.string {
                    let parsed = try? JSONValue.parse(bytes: Array(text.utf8))
                    let shape: ScriptedLambdaAnswer.Shape
                    switch parsed {
                    case .object(let object)?: shape = object["statusCode"] == nil ? .objectWithoutStatusCode : .proxyResponse
                    default: shape = .bareValue
                    }
                    return ScriptedLambdaAnswer(shape: shape, file: file, line: raw.mark?.line)
                }
                return nil
            }
        }
        return result
    }

    /// `x-gatecheck-lint: { disable: [rule-id, ...] }` at the top of a file.
    static func disabledRules(_ root: Node) -> Set<String> {
        guard let disable = root["x-gatecheck-lint"]?["disable"] else { return [] }
        if case .sequence(let items) = disable { return Set(items.compactMap { $0.scalar?.string }) }
        return disable.scalar.map { [$0.string] } ?? []
    }

    /// Files to lint, in a stable order: `(path, named on the command line)`.
    static func expand(_ paths: [String]) -> [(String, Bool)] {
        var result: [(String, Bool)] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                result.append((path, true))
                continue
            }
            let enumerator = FileManager.default.enumerator(atPath: path)
            var found: [String] = []
            while let relative = enumerator?.nextObject() as? String {
                let lower = relative.lowercased()
                if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") {
                    found.append((path as NSString).appendingPathComponent(relative))
                }
            }
            result += found.sorted().map { ($0, false) }
        }
        return result
    }

    /// A path relative to the current directory when it lies inside it.
    static func display(_ path: String) -> String {
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        let current = FileManager.default.currentDirectoryPath + "/"
        return standardized.hasPrefix(current) ? String(standardized.dropFirst(current.count)) : standardized
    }
}

/// How `gatecheck lint` prints findings.
public enum LintFormat: String, Sendable, CaseIterable {
    case text, json, sarif
}

extension Linter.Report {
    /// The exit status: 2 when a file was unreadable, 1 when a finding is at or above `failOn`, else 0.
    public func exitStatus(failOn: LintSeverity) -> Int32 {
        if !unreadable.isEmpty { return 2 }
        return findings.contains { $0.severity >= failOn } ? 1 : 0
    }

    /// Compiler-style lines, then a one-line summary.
    public func text() -> String {
        var lines = unreadable.map(\.description)
        lines += findings.map(\.description)
        let counts = LintSeverity.allCases.reversed().compactMap { severity -> String? in
            let count = findings.filter { $0.severity == severity }.count
            return count == 0 ? nil : "\(count) \(severity.rawValue)\(count == 1 ? "" : "s")"
        }
        let summary = "\(files.count) file\(files.count == 1 ? "" : "s") linted: "
            + (counts.isEmpty ? "no findings" : counts.joined(separator: ", "))
            + (unreadable.isEmpty ? "" : ", \(unreadable.count) unreadable")
        return (lines + [summary]).joined(separator: "\n") + "\n"
    }

    /// `{"version": 1, "files": [...], "findings": [{rule, severity, file, line, column, message, fix}], "errors": [...]}`.
    public func json() -> String {
        func number(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
        let findingValues: [JSONValue] = findings.map { finding in
            .object([
                "rule": .string(finding.ruleID), "severity": .string(finding.severity.rawValue),
                "file": .string(finding.file), "line": number(finding.line), "column": number(finding.column),
                "message": .string(finding.message), "fix": .string(finding.fix),
            ])
        }
        let errorValues: [JSONValue] = unreadable.map { diagnostic in
            .object(["file": .string(diagnostic.file), "line": number(diagnostic.line), "column": number(diagnostic.column),
                     "message": .string(diagnostic.message)])
        }
        let document = JSONValue.object([
            "version": .int(1), "files": .array(files.map { .string($0) }),
            "findings": .array(findingValues), "errors": .array(errorValues),
        ])
        return document.serialized() + "\n"
    }
}

extension Linter.Report {
    /// SARIF 2.1.0 (what GitHub code scanning uploads): one run, the registered rules as `tool.driver.rules`, a
    /// result per finding with its file (a relative URI, resolved against `%SRCROOT%`) and line/column, the fix in
    /// the message; unreadable files are `toolExecutionNotifications` and make `executionSuccessful` false.
    public func sarif(rules: [any LintRule] = LintRegistry.rules, toolVersion: String) -> String {
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        func level(_ severity: LintSeverity) -> JSONValue { .string(severity.rawValue) }
        func location(file: String, line: Int?, column: Int?) -> JSONValue {
            var physical: OrderedDictionary<String, JSONValue> = ["artifactLocation": Self.artifactLocation(file)]
            if let line, line >= 1 {
                var region: OrderedDictionary<String, JSONValue> = ["startLine": .int(Int64(line))]
                if let column, column >= 1 { region["startColumn"] = .int(Int64(column)) }
                physical["region"] = .object(region)
            }
            return .object(["physicalLocation": .object(physical)])
        }
        let ruleValues: [JSONValue] = rules.map { rule in
            .object([
                "id": .string(rule.id),
                "shortDescription": .object(["text": .string(rule.summary)]),
                "help": .object(["text": .string("gatecheck docs/lint.md, rule \(rule.id)")]),
                "defaultConfiguration": .object(["level": level(rule.severity)]),
            ])
        }
        let results: [JSONValue] = findings.map { finding in
            var result: OrderedDictionary<String, JSONValue> = ["ruleId": .string(finding.ruleID)]
            if let index = ruleIndex[finding.ruleID] { result["ruleIndex"] = .int(Int64(index)) }
            result["level"] = level(finding.severity)
            result["message"] = .object(["text": .string("\(finding.message). Fix: \(finding.fix)")])
            result["locations"] = .array([location(file: finding.file, line: finding.line, column: finding.column)])
            return .object(result)
        }
        let notifications: [JSONValue] = unreadable.map { diagnostic in
            .object([
                "level": .string("error"),
                "message": .object(["text": .string(diagnostic.message)]),
                "locations": .array([location(file: diagnostic.file, line: diagnostic.line, column: diagnostic.column)]),
            ])
        }
        let run: JSONValue = .object([
            "tool": .object(["driver": .object([
                "name": .string("gatecheck"),
                "version": .string(toolVersion),
                "rules": .array(ruleValues),
            ])]),
            "invocations": .array([.object([
                "executionSuccessful": .bool(unreadable.isEmpty),
                "toolExecutionNotifications": .array(notifications),
            ])]),
            "originalUriBaseIds": .object(["%SRCROOT%": .object(["uri": .string(Self.currentDirectoryURI())])]),
            "artifacts": .array(files.map { .object(["location": Self.artifactLocation($0)]) }),
            "results": .array(results),
        ])
        let document: JSONValue = .object([
            "$schema": .string("https://json.schemastore.org/sarif-2.1.0.json"),
            "version": .string("2.1.0"),
            "runs": .array([run]),
        ])
        return document.serialized() + "\n"
    }

    /// A relative path as a relative URI against `%SRCROOT%` (what code scanning maps to the repository), an
    /// absolute one as a `file:` URI.
    static func artifactLocation(_ file: String) -> JSONValue {
        if file.hasPrefix("/") { return .object(["uri": .string(URL(fileURLWithPath: file).absoluteString)]) }
        let encoded = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
        return .object(["uri": .string(encoded), "uriBaseId": .string("%SRCROOT%")])
    }

    static func currentDirectoryURI() -> String {
        let uri = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true).absoluteString
        return uri.hasSuffix("/") ? uri : uri + "/"
    }
}
