import Foundation
import HTTPMessage
import JSONCore
import SourceDiagnostics
import Yams

/// What `gatecheck record` does with the snapshots.
public enum SnapshotRecording: Sendable {
    /// Write every case's snapshot (printing how it changed first).
    case write
    /// Print what would change, write nothing.
    case dryRun
}

/// Snapshot files: what the client received for one case, normalised, stored next to the suite as
/// `<suite file without extension>.snapshots/<case-slug>.yaml`.
public enum Snapshots {
    /// The directory holding a suite's snapshots: `suites/items.yaml` -> `suites/items.snapshots`.
    public static func directory(forSuiteFile file: String) -> String {
        let base = (file as NSString).deletingPathExtension
        return base + ".snapshots"
    }

    /// The file name of each case's snapshot, in case order: a slug of the name (`create an item` ->
    /// `create-an-item.yaml`); a slug already taken by an earlier case gets a hash of the name appended.
    public static func fileNames(for caseNames: [String]) -> [String: String] {
        var taken: Set<String> = []
        var result: [String: String] = [:]
        for name in caseNames {
            var slug = slugify(name)
            if taken.contains(slug) { slug += "-" + hash(name) }
            taken.insert(slug)
            result[name] = slug + ".yaml"
        }
        return result
    }

    static func slugify(_ name: String) -> String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "case-" + hash(name) }
        return String(slug.prefix(80))
    }

    /// FNV-1a of the UTF-8 bytes, 8 hex digits: stable across runs and machines.
    static func hash(_ text: String) -> String {
        var value: UInt32 = 2_166_136_261
        for byte in text.utf8 { value = (value ^ UInt32(byte)) &* 16_777_619 }
        return String(format: "%08x", value)
    }

    /// The path of one case's snapshot.
    public static func path(suite: Suite, caseName: String) -> String {
        let names = fileNames(for: suite.cases.map(\.name))
        return directory(forSuiteFile: suite.file) + "/" + (names[caseName] ?? slugify(caseName) + ".yaml")
    }

    /// The snapshot text: readable YAML, headers sorted by name, volatile and ignored headers left out,
    /// the body as JSON when it is JSON, else text, else base64.
    public static func render(_ response: HTTPResponse, suite: String, caseName: String, settings: ParitySettings) -> String {
        func quoted(_ text: String) -> String { JSONValue.string(text).serialized() }
        var lines = [
            "# gatecheck snapshot of suite \(quoted(suite)), case \(quoted(caseName)).",
            "# Written by `gatecheck record`; request ids, dates and other volatile headers are left out.",
            "case: \(quoted(caseName))",
            "status: \(response.status)",
        ]
        let headers = ParityComparison.comparedHeaders(response.headers, settings: settings)
        var order: [String] = []
        var grouped: [String: (name: String, values: [String])] = [:]
        for field in headers {
            let key = field.name.lowercased()
            if grouped[key] == nil { order.append(key); grouped[key] = (field.name, []) }
            grouped[key]?.values.append(field.value)
        }
        if order.isEmpty {
            lines.append("headers: {}")
        } else {
            lines.append("headers:")
            for key in order.sorted() {
                guard let entry = grouped[key] else { continue }
                let value = entry.values.count == 1 ? quoted(entry.values[0]) : "[" + entry.values.map(quoted).joined(separator: ", ") + "]"
                lines.append("  \(quoted(entry.name)): \(value)")
            }
        }
        lines.append("body:")
        if response.body.isEmpty {
            lines.append("  text: \"\"")
        } else if let json = try? JSONValue.parse(bytes: response.body) {
            let pretty = json.serialized(.pretty).split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  json: " + (pretty.first.map(String.init) ?? "null"))
            for line in pretty.dropFirst() { lines.append("    " + line) }
        } else if let text = String(validating: response.body, as: UTF8.self), !text.contains("\0") {
            lines.append("  text: " + quoted(text))
        } else {
            lines.append("  base64: " + quoted(Data(response.body).base64EncodedString()))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Why a snapshot file cannot be used.
    public struct SnapshotError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads a snapshot back as the response it describes.
    public static func load(path: String) throws(SnapshotError) -> HTTPResponse {
        let text: String
        switch YAMLSource.readText(path: path) {
        case let .success(read): text = read
        case let .failure(diagnostic): throw SnapshotError(description: diagnostic.description)
        }
        return try parse(text: text, file: path)
    }

    static func parse(text: String, file: String) throws(SnapshotError) -> HTTPResponse {
        let sink = DiagnosticSink(file: file)
        let reader = YAMLReader(sink: sink)
        var node: Node?
        switch YAMLSource.parse(text, file: file) {
        case let .success(parsed): node = parsed
        case let .failure(diagnostic): throw SnapshotError(description: diagnostic.description)
        }
        var response = HTTPResponse(status: 0)
        if let node, let mapping = reader.mapping(node, "snapshot") {
            reader.checkKeys(mapping, allowed: ["case", "status", "headers", "body"], "snapshot")
            if let statusNode = reader.require(mapping, "status", "snapshot"), let status = reader.int(statusNode, "status") {
                response.status = status
            }
            if let headersNode = mapping["headers"], let headers = reader.mapping(headersNode, "headers") {
                for entry in headers.entries {
                    if case .sequence = entry.value, let values = reader.stringList(entry.value, "headers.\(entry.key)") {
                        for value in values { response.headers.add(name: entry.key, value: value) }
                    } else if let value = reader.string(entry.value, "headers.\(entry.key)") {
                        response.headers.add(name: entry.key, value: value)
                    }
                }
            }
            if let bodyNode = reader.require(mapping, "body", "snapshot"), let body = reader.mapping(bodyNode, "body") {
                reader.checkKeys(body, allowed: ["json", "text", "base64"], "snapshot body")
                if let json = body["json"], let value = reader.json(json, "body.json") {
                    response.body = Array(value.serialized().utf8)
                } else if let textNode = body["text"], let value = reader.string(textNode, "body.text") {
                    response.body = Array(value.utf8)
                } else if let base64 = body["base64"], let value = reader.string(base64, "body.base64") {
                    if let data = Data(base64Encoded: value) { response.body = Array(data) } else { reader.error("invalid base64", at: base64) }
                }
            }
        } else if node == nil {
            throw SnapshotError(description: "\(file): error: the snapshot is empty")
        }
        if sink.hasErrors { throw SnapshotError(description: sink.diagnostics.map(\.description).joined(separator: "\n")) }
        return response
    }

    /// The snapshot assertion: nothing when the response matches the recorded one (same normalisation as `--compare`).
    /// Both sides are compared redacted: snapshots are stored with echoed secrets replaced (unless `--record-secrets`).
    static func check(_ response: HTTPResponse, suite: Suite, caseName: String, redactor: Redactor = Redactor()) -> [AssertionFailure] {
        let path = path(suite: suite, caseName: caseName)
        guard FileManager.default.fileExists(atPath: path) else {
            return [AssertionFailure("no snapshot at \(path)", details: ["record one with: gatecheck record --target TARGET \(suite.file)"])]
        }
        let recorded: HTTPResponse
        do { recorded = try load(path: path) } catch {
            return [AssertionFailure("cannot read the snapshot \(path)", details: error.description.split(separator: "\n").map(String.init))]
        }
        let differences = ParityComparison.differences(left: recorded.redacted(by: redactor), right: response.redacted(by: redactor),
                                                       settings: suite.parity)
        guard !differences.isEmpty else { return [] }
        let labels = differences.map(\.label)
        return [AssertionFailure("the response differs from the snapshot \(path): "
                                 + (labels.count > 4 ? labels.prefix(4).joined(separator: ", ") + ", …" : labels.joined(separator: ", ")),
                                 details: ParityComparison.sideBySide(differences, leftTitle: "snapshot", rightTitle: "response"))]
    }

    /// `gatecheck record`: writes (or, dry, only describes) each case's snapshot; returns a note per case.
    /// A secret echoed by the server is stored as `***` (with a note saying so) unless `keepSecrets` (`--record-secrets`);
    /// the "changed" table always compares the redacted forms, so it never shows a secret.
    static func record(_ cases: [CaseResult], suite: Suite, mode: SnapshotRecording, redactor: Redactor,
                       keepSecrets: Bool = false) -> [String: [String]] {
        var notes: [String: [String]] = [:]
        let directory = directory(forSuiteFile: suite.file)
        let names = fileNames(for: suite.cases.map(\.name))
        for result in cases {
            guard let received = result.response, let fileName = names[result.name] else { continue }
            let path = directory + "/" + fileName
            let echoesSecret = received.containsSecret(redactor)
            let response = keepSecrets ? received : received.redacted(by: redactor)
            let text = render(response, suite: suite.name, caseName: result.name, settings: suite.parity)
            var caseNotes: [String] = []
            let existing = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
            let old = existing == nil ? nil : try? load(path: path)
            // What the comparison ignores (JSON formatting, Content-Length then) does not rewrite a snapshot.
            let new = (try? parse(text: text, file: path)) ?? response
            let differences = old.map { ParityComparison.differences(left: $0, right: new, settings: suite.parity) }
            if existing == text || differences?.isEmpty == true {
                caseNotes.append("snapshot unchanged: \(path)")
            } else {
                if let old, let differences {
                    caseNotes.append("snapshot \(mode == .dryRun ? "would change" : "changed"): \(path)")
                    var shown = ParityComparison.differences(left: old.redacted(by: redactor), right: new.redacted(by: redactor),
                                                             settings: suite.parity)
                    if shown.isEmpty { shown = differences.map { ParityDifference(kind: $0.kind, left: "***", right: "***") } }
                    caseNotes += ParityComparison.sideBySide(shown, leftTitle: "recorded", rightTitle: "now").map { "  " + $0 }
                } else {
                    caseNotes.append("snapshot \(mode == .dryRun ? "would be written" : "written"): \(path)")
                }
                if mode == .write {
                    do {
                        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                    } catch {
                        caseNotes.append("cannot write the snapshot \(path): \(error.localizedDescription)")
                    }
                }
            }
            if echoesSecret {
                caseNotes.append(keepSecrets
                    ? "warning: the response echoes a secret and --record-secrets stores it in \(path) as is"
                    : "warning: the response echoes a secret; it is stored as *** in \(path) (--record-secrets keeps it)")
            }
            notes[result.name] = caseNotes.map(redactor.redact)
        }
        return notes
    }
}
