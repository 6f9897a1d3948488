import CurlHTTP
import Foundation
import Gateway
import HTTPMessage
import JSONCore
import JSONSchema
import SourceDiagnostics

/// What `gatecheck init` is asked to do.
public struct ScaffoldOptions: Sendable {
    /// The API definition (OpenAPI 3 / Swagger 2.0 with x-amazon-apigateway-*), or with `template` the SAM /
    /// CloudFormation template.
    public var apiPath: String
    /// The API of a template to write a suite for (`apiPath` is then the template): its logical id, or nil for the
    /// template's only REST/HTTP API.
    public var template: TemplateChoice?
    /// The suite file to write; nil: `suites/NAME.yaml`, NAME the definition's file name (a template: the API's
    /// logical id).
    public var outputPath: String?
    /// An existing backends file the suite uses; nil: init writes scripted stand-ins beside the suite.
    public var backendsPath: String?
    /// The REST stage the suite names (nil: the emulator's default).
    public var stage: String?
    /// Overwrite files that exist.
    public var force = false

    public init(apiPath: String, outputPath: String?, backendsPath: String? = nil, stage: String? = nil, force: Bool = false) {
        self.apiPath = apiPath
        self.outputPath = outputPath
        self.backendsPath = backendsPath
        self.stage = stage
        self.force = force
    }
}

extension ScaffoldOptions {
    /// A suite for an API of the SAM / CloudFormation template at `templatePath` (`gatecheck init --template`).
    public init(templatePath: String, apiResource: String?, outputPath: String?, backendsPath: String? = nil,
                stage: String? = nil, force: Bool = false) {
        self.init(apiPath: templatePath, outputPath: outputPath, backendsPath: backendsPath, stage: stage, force: force)
        template = TemplateChoice(apiResource: apiResource)
    }

    /// Which API of a template a suite is written for.
    public struct TemplateChoice: Sendable, Equatable {
        /// The API's logical id (`--api-resource`); nil: the template's only REST or HTTP API.
        public var apiResource: String?
    }
}

/// Why `gatecheck init` wrote nothing.
public struct ScaffoldError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `gatecheck init` wrote.
public struct ScaffoldResult: Sendable {
    /// As given (`ScaffoldOptions.outputPath`).
    public var suitePath: String
    /// Beside the suite, in the same form.
    public var backendsPath: String?
    public var cases: Int
    /// Cases carrying at least one `# guess:` comment.
    public var guesses: Int
}

/// `gatecheck init`: a first suite from an API definition. One case per method and per declared integration
/// response, with the request that provokes it where the definition makes that knowable: an error message matching
/// the selection pattern, raised by a scripted Lambda stand-in; a status asked of a scripted proxy backend; a
/// missing required parameter or an invalid body for a request validator; an unknown path for the gateway's
/// 403/404. Every request is sent to the embedded emulator (twice, to keep only what is stable), and the case
/// asserts what came back. Whatever init had to assume is marked with a `# guess:` comment.
public enum SuiteScaffold {
    /// The header a scripted proxy stand-in reads to answer with a given status.
    static let statusHeader = "x-gatecheck-status"
    /// The body key a scripted non-proxy Lambda stand-in reads to raise a given error.
    static let errorKey = "gatecheckError"

    public static func write(_ options: ScaffoldOptions, emulator: EmbeddedEmulator) async throws(ScaffoldError) -> ScaffoldResult {
        let fileManager = FileManager.default
        let flag = options.template == nil ? "--api" : "--template"
        guard fileManager.fileExists(atPath: options.apiPath) else { throw ScaffoldError("\(flag): no such file '\(options.apiPath)'") }
        let source = try loadSource(options, parameters: emulator.importParameters)
        let api = source.api
        let suiteURL = URL(fileURLWithPath: options.outputPath ?? "suites/\(source.name).yaml").standardizedFileURL
        let directory = suiteURL.deletingLastPathComponent()
        let baseName = suiteURL.deletingPathExtension().lastPathComponent
        let backendsURL = options.backendsPath == nil && source.templateAPI == nil ? directory.appendingPathComponent("\(baseName).backends.yaml") : nil
        for url in [suiteURL] + (backendsURL.map { [$0] } ?? []) where !options.force && fileManager.fileExists(atPath: url.path) {
            throw ScaffoldError("gatecheck init: \(url.path) exists; pass --force to overwrite it")
        }

        // A template's functions run as it declares them (its handlers), as a suite with `template:` runs them.
        var plan = CasePlanner(api: api, scriptsBackends: backendsURL != nil)
        plan.planAll()
        let backendsReference: String?
        do {
            try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
            if let backendsURL {
                try Data(plan.backendsYAML().utf8).write(to: backendsURL, options: .atomic)
                backendsReference = backendsURL.lastPathComponent
            } else {
                backendsReference = options.backendsPath.map { Self.relativePath(of: $0, from: directory) }
            }
        } catch {
            throw ScaffoldError("gatecheck init: cannot write beside \(suiteURL.path): \(error.localizedDescription)")
        }

        // Send every request to the embedded emulator, twice: only what is the same both times is asserted.
        let definitionReference = Self.relativePath(of: options.apiPath, from: directory)
        var header = SuiteHeader(name: baseName, api: source.templateAPI == nil ? definitionReference : nil,
                                 template: source.templateAPI == nil ? nil : definitionReference,
                                 apiResource: source.templateAPI?.resourceNamed, backends: backendsReference, stage: options.stage)
        let draft = header.yaml + plan.cases.map { $0.requestYAML(expect: nil) }.joined()
        let draftURL = directory.appendingPathComponent(".\(baseName).gatecheck-init-\(UUID().uuidString).yaml")
        defer { try? fileManager.removeItem(at: draftURL) }
        do { try Data(draft.utf8).write(to: draftURL) } catch {
            throw ScaffoldError("gatecheck init: cannot write in \(directory.path): \(error.localizedDescription)")
        }
        let loaded = SuiteLoader.load(paths: [draftURL.path], options: LoadOptions())
        guard !loaded.hasErrors, let suite = loaded.suites.first else {
            throw ScaffoldError("gatecheck init: internal error, the generated suite does not load:\n" + loaded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        // Two emulators, one after the other (so on other ports): what depends on the port, the time or a request
        // id differs between the two rounds and is left out.
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        var answers: [[HTTPResponse?]] = Array(repeating: [], count: plan.cases.count)
        for _ in 0..<2 {
            let instance: any EmulatorInstance
            do { instance = try await emulator.start(for: suite) } catch {
                throw ScaffoldError("gatecheck init: the embedded emulator could not start: \(error.message)")
            }
            for (index, planned) in plan.cases.enumerated() {
                answers[index].append(await send(planned, baseURL: instance.baseURL, client: client))
            }
            await instance.stop()
        }

        let contract = ResponseContract(api: api, file: options.apiPath)
        var guesses = 0
        var body = ""
        for (planned, pair) in zip(plan.cases, answers) {
            var testCase = planned
            let expect = Recorded(pair, notes: &testCase.notes, remarks: &testCase.remarks)
            if let intended = planned.intendedStatus, let answered = pair[0]?.status, answered != intended {
                testCase.notes.append("this request does not select the response it is named after: the emulator answered \(answered), not \(intended)")
            }
            if let first = pair[0] {
                let failures = contract.failures(method: planned.method, path: planned.path, response: first)
                if failures.isEmpty {
                    testCase.matchesDefinition = true
                } else {
                    testCase.remarks.append("the emulator's answer does not match the definition: " + failures.map(\.summary).joined(separator: "; ")
                        .replacingOccurrences(of: "matchesDefinition: ", with: ""))
                }
            }
            if !testCase.notes.isEmpty { guesses += 1 }
            body += testCase.requestYAML(expect: expect)
        }
        header.comment = """
        # Generated by `gatecheck init \(flag) \(options.apiPath)\(source.templateAPI.map { " (API \($0.logicalID))" } ?? "")`: one case per
        # method and per declared integration response, asserting what the embedded emulator answered. Lines starting with `# guess:` are assumptions init
        # could not check against the definition: review them (and the answers) before relying on this suite.

        """
        do { try Data((header.yaml + body).utf8).write(to: suiteURL, options: .atomic) } catch {
            throw ScaffoldError("gatecheck init: cannot write \(suiteURL.path): \(error.localizedDescription)")
        }
        let suitePath = options.outputPath ?? "suites/\(source.name).yaml"
        let besideSuite = (suitePath as NSString).deletingLastPathComponent
        return ScaffoldResult(suitePath: suitePath,
                              backendsPath: backendsURL.map { (besideSuite as NSString).appendingPathComponent($0.lastPathComponent) },
                              cases: plan.cases.count, guesses: guesses)
    }

    /// What init writes a suite for: the API, the suite's default name, and for a template which API it is.
    struct Source {
        var api: APIDefinition
        var name: String
        var templateAPI: (logicalID: String, resourceNamed: String?)?
    }

    /// Loads the definition (`--api`) or the chosen REST/HTTP API of the template (`--template`).
    static func loadSource(_ options: ScaffoldOptions, parameters: [String: String]) throws(ScaffoldError) -> Source {
        guard let choice = options.template else {
            do {
                let api = try APIDefinition.load(path: options.apiPath, type: nil, parameters: ImportParameters(values: parameters)) { readAs in
                    Diagnostic(file: options.apiPath, message: "cannot tell whether this is a REST API or an HTTP API"
                        + (readAs.map { " (read as \($0.rawValue))" } ?? ""))
                }
                return Source(api: api, name: URL(fileURLWithPath: options.apiPath).deletingPathExtension().lastPathComponent)
            } catch {
                throw ScaffoldError(error.diagnostics.map(\.description).joined(separator: "\n") + "\ngatecheck init: the API definition does not load; nothing written")
            }
        }
        func failure(_ diagnostics: [Diagnostic]) -> ScaffoldError {
            ScaffoldError(diagnostics.map(\.description).joined(separator: "\n") + "\ngatecheck init: the template does not load; nothing written")
        }
        let stack: TemplateStack
        do { stack = try TemplateStack.load(path: options.apiPath, parameters: parameters) } catch { throw failure(error.diagnostics) }
        let apis = stack.stack.apis
        let scaffoldable = apis.filter { $0.kind != .websocket }
        let chosen: StackAPI
        if let name = choice.apiResource {
            guard let api = stack.stack.api(name) else {
                throw ScaffoldError("gatecheck init: \(options.apiPath) has no API '\(name)' (its APIs: \(Self.describe(apis)))")
            }
            chosen = api
        } else if scaffoldable.count == 1 {
            chosen = scaffoldable[0]
        } else if scaffoldable.isEmpty {
            throw ScaffoldError("gatecheck init: \(options.apiPath) declares no REST or HTTP API (its APIs: \(Self.describe(apis)))"
                                + (apis.isEmpty ? "" : "; init does not write WebSocket cases: see docs/suite-format.md (WebSocket cases)"))
        } else {
            throw ScaffoldError("gatecheck init: \(options.apiPath) declares \(scaffoldable.count) REST/HTTP APIs (\(Self.describe(scaffoldable))): "
                                + "name the one to write a suite for with --api-resource")
        }
        guard chosen.kind != .websocket else {
            throw ScaffoldError("gatecheck init: \(chosen.logicalID) is a WebSocket API; init writes cases for REST and HTTP APIs only: "
                                + "write its `websocket:` cases by hand (docs/suite-format.md, WebSocket cases)")
        }
        do {
            let api = try chosen.loadDefinition(parameters: ImportParameters(values: parameters)).addingDiagnostics(stack.stack.diagnostics)
            // The suite names the API only when the template has several (as `api-resource:` must then).
            return Source(api: api, name: chosen.logicalID,
                          templateAPI: (chosen.logicalID, apis.count > 1 ? chosen.logicalID : nil))
        } catch {
            throw failure(error.diagnostics)
        }
    }

    static func describe(_ apis: [StackAPI]) -> String {
        apis.isEmpty ? "none" : apis.map { "\($0.logicalID) (\($0.kind == .http ? "HTTP" : $0.kind == .rest ? "REST" : "WebSocket"))" }.joined(separator: ", ")
    }

    static func send(_ planned: PlannedCase, baseURL: String, client: CurlHTTPClient) async -> HTTPResponse? {
        var url = baseURL + planned.path
        if !planned.query.isEmpty {
            var components = URLComponents()
            components.queryItems = planned.query.map { URLQueryItem(name: $0.name, value: $0.value) }
            url += "?" + (components.percentEncodedQuery ?? "")
        }
        var headers = HTTPHeaders(planned.headers.map { ($0.name, $0.value) })
        var bytes: [UInt8]?
        if let body = planned.body {
            headers.add(name: "Content-Type", value: "application/json")
            bytes = Array(body.serialized().utf8)
        }
        let request = HTTPRequest(method: planned.method, url: url, headers: headers, body: bytes, timeout: .seconds(30))
        guard case let .success(response) = await client.send(request) else { return nil }
        return response
    }

    /// `path` as the suite file in `directory` names it (relative when it is under the same root).
    static func relativePath(of path: String, from directory: URL) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let base = directory.standardizedFileURL.pathComponents
        var common = 0
        while common < min(target.count, base.count), target[common] == base[common] { common += 1 }
        guard common > 1 else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let ups = Array(repeating: "..", count: base.count - common)
        return (ups + target[common...]).joined(separator: "/")
    }
}

/// The top of the generated suite.
struct SuiteHeader {
    var name: String
    var api: String?
    var template: String?
    var apiResource: String?
    var backends: String?
    var stage: String?
    var comment = ""

    var yaml: String {
        var text = comment + "name: \(YAMLText.quoted(name))\n"
        if let api { text += "api: \(YAMLText.quoted(api))\n" }
        if let template { text += "template: \(YAMLText.quoted(template))\n" }
        if let apiResource { text += "api-resource: \(YAMLText.quoted(apiResource))\n" }
        if let backends { text += "backends: \(YAMLText.quoted(backends))\n" }
        if let stage { text += "stage: \(YAMLText.quoted(stage))\n" }
        return text + "cases:\n"
    }
}

/// What a case asserts, from the two answers the emulator gave.
struct Recorded {
    var status: Int?
    var contentType: String?
    var body: Body = .none

    enum Body {
        case none
        case empty
        case json(JSONValue)
        case jsonSubset(JSONValue)
        case text(String)
    }

    init(_ pair: [HTTPResponse?], notes: inout [String], remarks: inout [String]) {
        guard let first = pair[0] else {
            notes.append("the embedded emulator gave no response to this request")
            return
        }
        let second = pair.count > 1 ? pair[1] : nil
        status = first.status
        if let second, second.status != first.status {
            notes.append("the status changed between two requests (\(first.status), then \(second.status)); the first is asserted")
        }
        if let type = first.headers["Content-Type"], second?.headers["Content-Type"] == type { contentType = type }
        if first.body.isEmpty {
            body = second?.body.isEmpty ?? true ? .empty : .none
            return
        }
        if let document = try? JSONValue.parse(bytes: first.body) {
            let other = second.flatMap { try? JSONValue.parse(bytes: $0.body) }
            if let other, other.semanticallyEquals(document) {
                body = .json(document)
            } else if let other, let stable = Self.stablePart(document, other), case let .object(members) = stable, !members.isEmpty {
                body = .jsonSubset(stable)
                remarks.append("some values of the body change from request to request (ids, dates): only the stable ones are asserted")
            } else {
                remarks.append("the body changes from request to request: not asserted")
            }
            return
        }
        guard let text = String(bytes: first.body, encoding: .utf8), !text.contains("\u{0}") else {
            notes.append("the body is binary: not asserted")
            return
        }
        if second.map({ $0.body == first.body }) ?? false {
            body = .text(text)
        } else {
            remarks.append("the body changes from request to request: not asserted")
        }
    }

    /// The members of two objects that are equal in both (recursively); nil when nothing is.
    static func stablePart(_ a: JSONValue, _ b: JSONValue) -> JSONValue? {
        guard case let .object(left) = a, case let .object(right) = b else { return a.semanticallyEquals(b) ? a : nil }
        var kept = OrderedMembers()
        for (key, value) in left {
            guard let other = right[key] else { continue }
            if value.semanticallyEquals(other) {
                kept.append((key, value))
            } else if case .object = value, let inner = stablePart(value, other), case let .object(members) = inner, !members.isEmpty {
                kept.append((key, inner))
            }
        }
        return .object(.init(uniqueKeysWithValues: kept))
    }
    typealias OrderedMembers = [(String, JSONValue)]

    var yaml: String {
        var lines: [String] = []
        if let status { lines.append("      status: \(status)") }
        if let contentType { lines.append("      headers: { Content-Type: \(YAMLText.quoted(contentType)) }") }
        switch body {
        case .none: break
        case .empty: lines.append("      body: { empty: true }")
        case let .json(value): lines.append("      body: { json: \(YAMLText.flow(value)) }")
        case let .jsonSubset(value): lines.append("      body: { jsonSubset: \(YAMLText.flow(value)) }")
        case let .text(text): lines.append("      body: { text: \(YAMLText.quoted(text, template: true)) }")
        }
        return lines.isEmpty ? "" : "    expect:\n" + lines.joined(separator: "\n") + "\n"
    }
}

/// YAML text for generated suites: every string double-quoted (JSON escapes are YAML escapes), JSON in flow style.
enum YAMLText {
    /// A double-quoted YAML scalar; with `template`, a literal `{{` is written as gatecheck's `{{"{{"}}`.
    static func quoted(_ text: String, template: Bool = false) -> String {
        let escaped = JSONValue.string(text).serialized()
        return template ? escaped.replacingOccurrences(of: "{{", with: #"{{"{{"}}"#) : escaped
    }

    /// A JSON value as a YAML flow node (string leaves are templates in `json:` assertions).
    static func flow(_ value: JSONValue) -> String {
        switch value {
        case let .string(text): return quoted(text, template: true)
        case let .array(items): return "[" + items.map(flow).joined(separator: ", ") + "]"
        case let .object(members):
            return members.isEmpty ? "{}" : "{ " + members.map { "\(quoted($0.key)): \(flow($0.value))" }.joined(separator: ", ") + " }"
        default: return value.serialized()
        }
    }
}
