import Foundation
import Synchronization
import Gateway
import JSONCore
import SourceDiagnostics
import Yams

/// What the loader needs to know about the run to check a suite statically.
public struct LoadOptions: Sendable {
    /// `--var` values (only their names matter for checking; values are used when running).
    public var variables: [String: String]
    /// The environment `{{env.NAME}}` reads.
    public var environment: [String: String]
    /// True when there is no `--target`: every suite then needs `api:` for the embedded emulator.
    public var requireAPI: Bool

    public init(variables: [String: String] = [:],
                environment: [String: String] = ProcessInfo.processInfo.environment,
                requireAPI: Bool = false) {
        self.variables = variables
        self.environment = environment
        self.requireAPI = requireAPI
    }
}

/// Suites loaded from files plus every diagnostic found (errors and warnings).
public struct LoadResult: Sendable {
    public var suites: [Suite]
    public var diagnostics: [Diagnostic]
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
}

/// Finds suite files and turns them into checked `Suite` values, reporting every problem
/// compiler-style (`suites/x.yaml:12:5: error: ...`) instead of stopping at the first.
public enum SuiteLoader {
    /// Expands `paths`: files are taken as given; directories are searched recursively for
    /// `*.yaml`/`*.yml` (sorted). In directories, OpenAPI definitions and backends files are skipped.
    public static func load(paths: [String], options: LoadOptions) -> LoadResult {
        var diagnostics: [Diagnostic] = []
        var seenFiles: Set<String> = []
        let files = discover(paths, diagnostics: &diagnostics).filter { file, _ in
            seenFiles.insert(URL(fileURLWithPath: file).standardizedFileURL.path).inserted
        }
        // Files are read and parsed in parallel (parsing is most of a large run's start-up), then taken in file
        // order, so diagnostics and the duplicate-name check come out as a sequential load would give them.
        let outcomes = FileOutcomes(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            outcomes.set(index, loadFile(files[index].0, explicit: files[index].1, options: options))
        }
        var suites: [Suite] = []
        var seenNames: [String: String] = [:]
        for (index, (file, _)) in files.enumerated() {
            guard let outcome = outcomes.get(index) else { continue }
            diagnostics.append(contentsOf: outcome.diagnostics)
            guard var suite = outcome.suite else { continue }
            if let other = seenNames[suite.name] {
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1,
                                              message: "suite name '\(suite.name)' is already used by \(other); suite names must be unique (set 'name:')"))
                continue
            }
            seenNames[suite.name] = file
            suite.file = file
            suites.append(suite)
        }
        return LoadResult(suites: suites, diagnostics: diagnostics)
    }

    /// What loading one file gave: its suite (nil when it is not one or is broken) and its diagnostics.
    private struct FileOutcome: Sendable {
        var suite: Suite?
        var diagnostics: [Diagnostic]
    }

    /// One slot per file, filled from `concurrentPerform`'s threads.
    private final class FileOutcomes: Sendable {
        private let slots: Mutex<[FileOutcome?]>
        init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }
        func set(_ index: Int, _ outcome: FileOutcome) { slots.withLock { $0[index] = outcome } }
        func get(_ index: Int) -> FileOutcome? { slots.withLock { $0[index] } }
    }

    private static func loadFile(_ file: String, explicit: Bool, options: LoadOptions) -> FileOutcome {
        switch YAMLSource.readText(path: file) {
        case let .failure(diagnostic):
            return FileOutcome(suite: nil, diagnostics: [diagnostic])
        case let .success(text):
            // Parsed once: the same tree tells whether this is a suite and, if so, is read as one.
            let parsed = YAMLSource.parse(text, file: file)
            if case let .success(node?) = parsed, isNotASuite(node) {
                guard explicit else { return FileOutcome(suite: nil, diagnostics: []) }
                return FileOutcome(suite: nil, diagnostics: [Diagnostic(file: file, line: 1, column: 1,
                    message: "this is an API definition or a backends file, not a suite: name it in a suite's 'api:' or 'backends:' ('gatecheck validate' checks it on its own)")])
            }
            let (suite, found) = parse(parsed, file: file, options: options)
            return FileOutcome(suite: suite, diagnostics: found)
        }
    }

    /// The files to load, each flagged `explicit` when named directly (always loaded as a suite).
    static func discover(_ paths: [String], diagnostics: inout [Diagnostic]) -> [(String, Bool)] {
        var result: [(String, Bool)] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(Diagnostic(file: path, message: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                result.append((path, true))
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            var found: [String] = []
            if let enumerator = manager.enumerator(atPath: path) {
                while let relative = enumerator.nextObject() as? String {
                    if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
                        let full = base + "/" + relative
                        var isDir: ObjCBool = false
                        if manager.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { found.append(full) }
                    }
                }
            }
            if found.isEmpty {
                diagnostics.append(Diagnostic(.warning, file: path, message: "no *.yaml or *.yml files in this directory"))
            }
            result.append(contentsOf: found.sorted().map { ($0, false) })
        }
        return result
    }

    /// API definitions (`openapi:`/`swagger:`) and backends files (`lambdas:`/`http:` without `cases:`)
    /// found while searching a directory are not suites.
    static func isNotASuite(_ text: String, file: String) -> Bool {
        guard case let .success(node?) = YAMLSource.parse(text, file: file) else { return false }
        return isNotASuite(node)
    }

    static func isNotASuite(_ node: Node) -> Bool {
        guard case let .mapping(mapping) = node else { return false }
        let keys = Set(mapping.keys.compactMap(\.scalar?.string))
        if keys.contains("cases") { return false }
        return !keys.isDisjoint(with: ["openapi", "swagger", "lambdas", "http", "x-amazon-apigateway-policy"])
    }

    /// Parses one suite text. Returns the suite only when no error was found.
    public static func parse(text: String, file: String, options: LoadOptions) -> (Suite?, [Diagnostic]) {
        parse(YAMLSource.parse(text, file: file), file: file, options: options)
    }

    /// Reads a suite from an already parsed YAML document.
    static func parse(_ parsed: Result<Node?, Diagnostic>, file: String, options: LoadOptions) -> (Suite?, [Diagnostic]) {
        let sink = DiagnosticSink(file: file)
        let node: Node
        switch parsed {
        case let .failure(diagnostic):
            return (nil, [diagnostic])
        case .success(nil):
            return (nil, [Diagnostic(file: file, line: 1, column: 1, message: "the suite is empty: expected a mapping with 'cases'")])
        case let .success(parsed?):
            node = parsed
        }
        var parser = SuiteParser(reader: YAMLReader(sink: sink), options: options, file: file)
        let suite = parser.suite(node)
        return (sink.hasErrors ? nil : suite, sink.diagnostics)
    }
}

/// The recursive-descent reader of one suite document. Reports into the reader's sink and keeps going.
struct SuiteParser {
    let reader: YAMLReader
    let options: LoadOptions
    let file: String
    /// Variables a template may use at this point of the file (suite vars, --var, earlier captures).
    var known: Set<String> = []
    /// Capture names of each case, to explain references to a later capture.
    var laterCaptures: [String: String] = [:]

    init(reader: YAMLReader, options: LoadOptions, file: String) {
        self.reader = reader
        self.options = options
        self.file = file
    }

    static let suiteKeys = ["name", "description", "tags", "vars", "secrets", "api", "apiType", "stage",
                            "stageVariables", "backends", "defaults", "cases", "auth", "parity", "snapshot", "parameters", "basePath", "jwt",
                            "template", "api-resource"]
    static let caseKeys = ["name", "description", "tags", "skip", "request", "websocket", "expect", "capture",
                           "retries", "retry", "retryNonIdempotent", "eventually", "matchesDefinition"]
    static let requestKeys = ["method", "path", "query", "headers", "body", "timeout"]
    static let requestBodyKeys = ["text", "json", "base64"]
    static let expectKeys = ["status", "headers", "body", "maxTime", "snapshot"]
    static let headerCheckKeys = ["equals", "matches", "contains", "present", "absent", "values"]
    static let bodyKeys = ["text", "empty", "contains", "matches", "json", "jsonSubset", "jsonPath", "base64"]
    static let jsonPathCheckKeys = ["equals", "matches", "exists", "absent", "length", "type", "contains"]
    static let captureKeys = ["jsonPath", "header", "body", "regex", "secret"]
    static let defaultsKeys = ["headers", "timeout", "retries", "retry", "retryNonIdempotent"]
    static let retryKeys = ["count", "on", "backoff", "nonIdempotent"]
    static let eventuallyKeys = ["within", "every"]
    static let jsonTypes = ["object", "array", "string", "number", "boolean", "null"]

    var directory: String { (file as NSString).deletingLastPathComponent }

    mutating func suite(_ node: Node) -> Suite? {
        guard let top = reader.mapping(node, "suite") else { return nil }
        reader.checkKeys(top, allowed: Self.suiteKeys, "suite")

        let defaultName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var name = defaultName
        if let nameNode = top["name"], let value = nonEmptyString(nameNode, "name") { name = value }
        let description = top["description"].flatMap { reader.string($0, "description") }
        let tags = top["tags"].flatMap { self.tags($0, "tags") } ?? []

        known = Set(options.variables.keys)
        var tokens = top["jwt"].map { tokenSpecs($0) } ?? []
        // `auth: { jwt: {...} }` mints one more token, `jwt.auth`, sent on every case (SuiteExecutor.buildRequest).
        var authToken: TokenSpec?
        if let authNode = top["auth"], case .mapping = authNode, let spec = self.authToken(authNode) {
            if tokens.contains(where: { $0.name == spec.name }) {
                reader.error("jwt.\(spec.name) is the token auth: { jwt } mints; rename that jwt: entry", at: authNode)
            } else {
                tokens.append(spec)
                authToken = spec
            }
        }
        known.formUnion(tokens.map(\.variableName))
        var variables: [VariableDefinition] = []
        if let varsNode = top["vars"], let mapping = reader.mapping(varsNode, "vars") {
            for entry in mapping.entries {
                guard TemplateString.isValidName(entry.key), !entry.key.hasPrefix("env.") else {
                    reader.error("invalid variable name '\(entry.key)' (use letters, digits, '_', '-', '.'; 'env.' is reserved)", at: entry.keyNode)
                    continue
                }
                if let template = template(entry.value, "vars.\(entry.key)") {
                    variables.append(VariableDefinition(name: entry.key, value: template))
                }
                known.insert(entry.key)
            }
        }

        var secrets: Set<String> = []
        var secretNodes: [(String, Node)] = []
        if let secretsNode = top["secrets"], let items = reader.sequence(secretsNode, "secrets") {
            for (index, item) in items.enumerated() {
                if let value = reader.string(item, "secrets[\(index)]") {
                    secrets.insert(value)
                    secretNodes.append((value, item))
                }
            }
        }

        var api: String?
        if let apiNode = top["api"], let value = nonEmptyString(apiNode, "api") {
            let resolved = value.hasPrefix("/") ? value : (directory.isEmpty ? value : directory + "/" + value)
            if FileManager.default.fileExists(atPath: resolved) {
                api = resolved
            } else {
                reader.error("API definition '\(value)' not found (looked for \(resolved); paths are relative to the suite file)", at: apiNode)
            }
        }
        var template: String?
        if let templateNode = top["template"], let value = nonEmptyString(templateNode, "template") {
            let resolved = value.hasPrefix("/") ? value : (directory.isEmpty ? value : directory + "/" + value)
            if top["api"] != nil {
                reader.error("give either `api:` (an OpenAPI file) or `template:` (a SAM/CloudFormation template), not both", at: templateNode)
            } else if FileManager.default.fileExists(atPath: resolved) {
                template = resolved
            } else {
                reader.error("template '\(value)' not found (looked for \(resolved); paths are relative to the suite file)", at: templateNode)
            }
        }
        let apiResource = top["api-resource"].flatMap { nonEmptyString($0, "api-resource") }
        if let resourceNode = top["api-resource"], top["template"] == nil {
            reader.error("`api-resource:` names an API of the suite's `template:`; add `template:`", at: resourceNode)
        }
        if options.requireAPI, top["api"] == nil, top["template"] == nil {
            reader.error("the embedded emulator needs an API definition: add `api:` to the suite or pass --target (or `template:` for a SAM/CloudFormation template)", at: node)
        }
        var apiType: APIType?
        if let typeNode = top["apiType"], let value = reader.string(typeNode, "apiType") {
            if let type = APIType(rawValue: value) { apiType = type } else {
                reader.error("unknown apiType '\(value)' (expected 'rest' or 'http')", at: typeNode)
            }
        }
        let stage = top["stage"].flatMap { nonEmptyString($0, "stage") }
        var stageVariables: [NamedValue] = []
        if let node = top["stageVariables"], let pairs = reader.stringPairs(node, "stageVariables") {
            stageVariables = pairs.map { NamedValue(name: $0.0, value: $0.1) }
        }
        var backends: BackendsReference?
        if let backendsNode = top["backends"] {
            switch backendsNode {
            case .scalar:
                if let value = nonEmptyString(backendsNode, "backends") {
                    let resolved = value.hasPrefix("/") ? value : (directory.isEmpty ? value : directory + "/" + value)
                    if FileManager.default.fileExists(atPath: resolved) {
                        backends = .file(path: resolved)
                    } else {
                        reader.error("backends file '\(value)' not found (looked for \(resolved); paths are relative to the suite file)", at: backendsNode)
                    }
                }
            case .mapping:
                let yaml = (try? Yams.serialize(node: backendsNode)) ?? ""
                backends = .inline(suiteFile: file, line: backendsNode.mark?.line ?? 1, yaml: yaml)
            default:
                reader.error("expected a file path or a mapping for 'backends', found \(YAMLReader.kind(of: backendsNode))", at: backendsNode)
            }
        }

        var defaults = RequestDefaults()
        if let defaultsNode = top["defaults"], let mapping = reader.mapping(defaultsNode, "defaults") {
            reader.checkKeys(mapping, allowed: Self.defaultsKeys, "defaults")
            if let headersNode = mapping["headers"] { defaults.headers = headers(headersNode, "defaults.headers") }
            if let timeoutNode = mapping["timeout"] { defaults.timeout = duration(timeoutNode, "defaults.timeout") }
            defaults.retry = retrySettings(mapping, context: "defaults")
        }

        // Capture names by case, so that a reference to a later capture gets a precise message.
        var cases: [TestCase] = []
        if let casesNode = reader.require(top, "cases", "suite"), let items = reader.sequence(casesNode, "cases") {
            if items.isEmpty { reader.warning("the suite has no cases", at: casesNode) }
            laterCaptures = Self.captureOwners(items)
            var names: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                guard let testCase = testCase(item, index: index) else { continue }
                if let previous = names[testCase.name] {
                    reader.error("duplicate case name '\(testCase.name)' (first used on line \(previous)); case names must be unique in a suite", at: caseNameNode(item) ?? item)
                } else {
                    names[testCase.name] = testCase.line
                }
                cases.append(testCase)
            }
        }

        for (secret, node) in secretNodes where !known.contains(secret) && !secret.hasPrefix("env.") {
            reader.warning("secret '\(secret)' is not a variable of this suite (define it in vars, a capture, or --var)", at: node)
        }

        var auth = SuiteAuth.none
        if let authNode = top["auth"], authNode.mapping == nil, let value = reader.string(authNode, "auth") {
            if let parsed = SuiteAuth(rawValue: value) { auth = parsed } else {
                reader.error("unknown auth '\(value)' (expected 'sigv4', 'none' or a mapping 'jwt: {...}'; API keys and bearer tokens of a deployed stage belong in a target profile of gatecheck.yaml)", at: authNode)
            }
        }

        var parity = ParitySettings()
        if let parityNode = top["parity"] { parity = paritySettings(parityNode) }
        let snapshot = top["snapshot"].flatMap { reader.bool($0, "snapshot") } ?? false

        var suite = Suite(name: name, file: file, description: description, tags: tags, variables: variables,
                          secrets: secrets, api: api, apiType: apiType, stage: stage, stageVariables: stageVariables,
                          backends: backends, defaults: defaults, cases: cases, auth: auth, parity: parity, snapshot: snapshot)
        suite.tokens = tokens
        suite.authToken = authToken
        suite.template = template
        suite.apiResource = apiResource
        if let node = top["parameters"], let pairs = reader.stringPairs(node, "parameters") {
            suite.parameters = pairs.map { NamedValue(name: $0.0, value: $0.1) }
        }
        if let node = top["basePath"], let value = reader.string(node, "basePath") {
            switch APIMappingKey.parse(value) {
            case let .success(key): suite.basePath = key.description
            case let .failure(problem): reader.error(problem.message, at: node)
            }
        }
        return suite
    }

    /// Which case (by display name) captures each variable, read leniently (errors come later).
    static func captureOwners(_ items: [Node]) -> [String: String] {
        var owners: [String: String] = [:]
        for (index, item) in items.enumerated() {
            guard case let .mapping(mapping) = item else { continue }
            let name = mapping["name"]?.scalar?.string ?? "#\(index + 1)"
            if case let .mapping(captures)? = mapping["capture"] {
                for key in captures.keys { if let key = key.scalar?.string, owners[key] == nil { owners[key] = name } }
            }
        }
        return owners
    }

    func caseNameNode(_ node: Node) -> Node? {
        if case let .mapping(mapping) = node { return mapping["name"] }
        return nil
    }

    // MARK: Cases

    mutating func testCase(_ node: Node, index: Int) -> TestCase? {
        let context = "cases[\(index)]"
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: Self.caseKeys, "case")
        let line = node.mark?.line ?? 0
        let description = mapping["description"].flatMap { reader.string($0, "\(context).description") }
        let tags = mapping["tags"].flatMap { self.tags($0, "\(context).tags") } ?? []
        var skipReason: String?
        if let skipNode = mapping["skip"] {
            if let flag = skipNode.bool, case .scalar = skipNode, skipNode.scalar?.style == .plain {
                skipReason = flag ? "skipped in the suite" : nil
            } else if let reason = reader.string(skipNode, "\(context).skip") {
                skipReason = reason.isEmpty ? "skipped in the suite" : reason
            }
        }

        var request: RequestSpec?
        var webSocketNode: Node?
        if let node = mapping["websocket"] {
            webSocketNode = node
            if mapping["request"] != nil {
                reader.error("a case has either 'request' (HTTP) or 'websocket', not both", at: mapping.keyNode("websocket"))
            }
            for key in ["retries", "retry", "retryNonIdempotent", "eventually", "matchesDefinition"] where mapping[key] != nil {
                reader.error("'\(key)' is not supported on a websocket case (a WebSocket conversation is not re-sent)", at: mapping.keyNode(key))
            }
            request = webSocketUpgrade(node, context: "\(context).websocket")
        } else if let requestNode = reader.require(mapping, "request", "case") {
            request = self.request(requestNode, context: "\(context).request")
        }
        let expect = mapping["expect"].map { expectation($0, context: "\(context).expect") } ?? Expectation()
        var captures: [CaptureSpec] = []
        if let captureNode = mapping["capture"] { captures = self.captures(captureNode, context: "\(context).capture") }
        for capture in captures { known.insert(capture.name) }
        // The steps come after the upgrade's captures: they may use them.
        let webSocket = webSocketNode.flatMap { webSocketSession($0, context: "\(context).websocket", expect: expect) }

        var name: String
        if let nameNode = mapping["name"] {
            name = nonEmptyString(nameNode, "\(context).name") ?? "#\(index + 1)"
        } else {
            name = request.map { webSocketNode == nil ? "\($0.method) \($0.path.raw)" : "WEBSOCKET \($0.path.raw)" } ?? "#\(index + 1)"
        }
        name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let retry = retrySettings(mapping, context: context)
        var eventually: Polling?
        if let eventuallyNode = mapping["eventually"] { eventually = polling(eventuallyNode, context: "\(context).eventually") }
        let matchesDefinition = mapping["matchesDefinition"].flatMap { reader.bool($0, "\(context).matchesDefinition") }
        guard let request else { return nil }
        if webSocketNode != nil, webSocket == nil { return nil }
        var testCase = TestCase(name: name, description: description, tags: tags, skipReason: skipReason, request: request,
                                expect: expect, captures: captures, line: line, retry: retry, eventually: eventually,
                                column: node.mark?.column ?? 0)
        testCase.webSocket = webSocket
        testCase.matchesDefinition = matchesDefinition
        testCase.matchesDefinitionPosition = Self.position(of: mapping.keyNode("matchesDefinition"))
        return testCase
    }

    /// `retries: N`, `retry: { count, on, backoff, nonIdempotent }` and `retryNonIdempotent: true` of a case or of `defaults`.
    func retrySettings(_ mapping: YAMLMapping, context: String) -> RetrySettings? {
        var settings = RetrySettings()
        var found = false
        func count(_ node: Node, _ here: String) -> Int? {
            guard let value = reader.int(node, here) else { return nil }
            guard (0...10).contains(value) else {
                reader.error("'\(here)' must be between 0 and 10, found \(value)", at: node)
                return nil
            }
            return value
        }
        if let node = mapping["retries"] {
            found = true
            settings.count = count(node, "\(context).retries")
        }
        if let node = mapping["retry"], let retry = reader.mapping(node, "\(context).retry") {
            found = true
            reader.checkKeys(retry, allowed: Self.retryKeys, "retry")
            if let node = retry["count"] {
                if mapping["retries"] != nil {
                    reader.error("'retries' and 'retry.count' say the same thing; keep one", at: node)
                } else {
                    settings.count = count(node, "\(context).retry.count")
                }
            }
            if let node = retry["on"], let items = reader.stringList(node, "\(context).retry.on") {
                var triggers: Set<RetryTrigger> = []
                let listed = (node.sequence.map(Array.init) ?? [node])
                for (index, item) in items.enumerated() {
                    let itemNode = index < listed.count ? listed[index] : node
                    if item == "transport" {
                        triggers.insert(.transport)
                    } else if let code = Int(item), (100...599).contains(code) {
                        triggers.insert(.status(code))
                    } else {
                        reader.error("unknown retry trigger '\(item)' (use 'transport' or an HTTP status such as 503)", at: itemNode)
                    }
                }
                settings.triggers = triggers
            }
            if let node = retry["backoff"] { settings.backoff = duration(node, "\(context).retry.backoff") }
            if let node = retry["nonIdempotent"] { settings.nonIdempotent = reader.bool(node, "\(context).retry.nonIdempotent") }
        }
        if let node = mapping["retryNonIdempotent"] {
            found = true
            settings.nonIdempotent = reader.bool(node, "\(context).retryNonIdempotent")
        }
        return found ? settings : nil
    }

    /// `eventually: { within: 10s, every: 500ms }`.
    func polling(_ node: Node, context: String) -> Polling? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: Self.eventuallyKeys, "eventually")
        guard let withinNode = reader.require(mapping, "within", "eventually"),
              let within = duration(withinNode, "\(context).within") else { return nil }
        var every: Duration = .milliseconds(500)
        if let everyNode = mapping["every"] {
            guard let value = duration(everyNode, "\(context).every") else { return nil }
            guard value > .zero else {
                reader.error("'\(context).every' must be more than 0", at: everyNode)
                return nil
            }
            every = value
        }
        guard within > .zero else {
            reader.error("'\(context).within' must be more than 0", at: withinNode)
            return nil
        }
        return Polling(within: within, every: every)
    }

    func request(_ node: Node, context: String) -> RequestSpec? {
        guard let mapping = reader.mapping(node, "request") else { return nil }
        reader.checkKeys(mapping, allowed: Self.requestKeys, "request")
        var method = "GET"
        if let methodNode = mapping["method"], let value = reader.string(methodNode, "\(context).method") {
            if value.isEmpty || !value.unicodeScalars.allSatisfy(Self.isTokenCharacter) {
                reader.error("invalid HTTP method '\(value)'", at: methodNode)
            } else if value != value.uppercased(), Self.standardMethods.contains(value.uppercased()) {
                reader.warning("method '\(value)' is sent as written; HTTP methods are case-sensitive (did you mean '\(value.uppercased())'?)", at: methodNode)
            }
            method = value
        }
        let path = requestPath(reader.require(mapping, "path", "request"), context: context)
        let query = requestQuery(mapping, context: context)
        let headerList = mapping["headers"].map { headers($0, "\(context).headers") } ?? []
        var body: RequestBody?
        if let bodyNode = mapping["body"] { body = requestBody(bodyNode, context: "\(context).body") }
        let timeout = mapping["timeout"].flatMap { duration($0, "\(context).timeout") }
        return RequestSpec(method: method, path: path, query: query, headers: headerList, body: body, timeout: timeout)
    }

    /// `path:` of a request or a WebSocket upgrade (`/` when absent or invalid, the error reported).
    func requestPath(_ node: Node?, context: String) -> TemplateString {
        guard let node, let template = template(node, "\(context).path") else { return TemplateString(literal: "/") }
        if !(template.raw.hasPrefix("/") || template.raw.hasPrefix("{{")) {
            reader.error("path '\(template.raw)' must start with '/' (it is appended to the target's base URL)", at: node)
        }
        return template
    }

    /// `query:` of a request or a WebSocket upgrade, in order (a list value repeats the key).
    func requestQuery(_ mapping: YAMLMapping, context: String) -> [QueryTemplate] {
        var query: [QueryTemplate] = []
        if let queryNode = mapping["query"], let pairs = reader.stringPairs(queryNode, "\(context).query") {
            for (name, _, valueNode) in pairs {
                if let template = template(valueNode, "\(context).query.\(name)") { query.append(QueryTemplate(name: name, value: template)) }
            }
        }
        return query
    }

    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]

    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII, scalar.value > 32, scalar.value < 127 else { return false }
        return !"()<>@,;:\\\"/[]?={}".unicodeScalars.contains(scalar)
    }

    func headers(_ node: Node, _ context: String) -> [HeaderTemplate] {
        guard let pairs = reader.stringPairs(node, context) else { return [] }
        var result: [HeaderTemplate] = []
        for (name, _, valueNode) in pairs {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
                reader.error("invalid header name '\(name)' in \(context)", at: valueNode)
                continue
            }
            if let template = template(valueNode, "\(context).\(name)") {
                if template.raw.contains("\n") || template.raw.contains("\r") {
                    reader.error("header '\(name)' contains a line break", at: valueNode)
                    continue
                }
                result.append(HeaderTemplate(name: name, value: template))
            }
        }
        return result
    }

    func requestBody(_ node: Node, context: String) -> RequestBody? {
        if case .scalar = node {
            return template(node, context).map { .text($0) }
        }
        guard let mapping = reader.mapping(node, "request.body") else { return nil }
        reader.checkKeys(mapping, allowed: Self.requestBodyKeys, "request.body")
        let kinds = mapping.keys.filter { Self.requestBodyKeys.contains($0) }
        if kinds.count > 1 {
            reader.error("request.body takes exactly one of 'text', 'json' or 'base64', found \(kinds.map { "'\($0)'" }.joined(separator: " and "))", at: mapping.keyNode(kinds[1]))
            return nil
        }
        if let textNode = mapping["text"] { return template(textNode, "\(context).text").map { .text($0) } }
        if let jsonNode = mapping["json"] {
            checkTemplates(in: jsonNode)
            return reader.json(jsonNode, "\(context).json").map { .json($0) }
        }
        if let base64Node = mapping["base64"] { return base64(base64Node, "\(context).base64").map { .bytes($0) } }
        if kinds.isEmpty { reader.error("request.body needs one of 'text', 'json' or 'base64'", at: node) }
        return nil
    }

    /// `parity: { ignoreHeaders: [...], ignoreJSONPaths: [...] }`.
    func paritySettings(_ node: Node) -> ParitySettings {
        var settings = ParitySettings()
        guard let mapping = reader.mapping(node, "parity") else { return settings }
        reader.checkKeys(mapping, allowed: Self.parityKeys, "parity")
        if let headersNode = mapping["ignoreHeaders"], let names = reader.stringList(headersNode, "parity.ignoreHeaders") {
            settings.ignoreHeaders = names
        }
        if let pathsNode = mapping["ignoreJSONPaths"], let items = reader.sequence(pathsNode, "parity.ignoreJSONPaths") {
            for (index, item) in items.enumerated() {
                guard let text = reader.string(item, "parity.ignoreJSONPaths[\(index)]") else { continue }
                do throws(ParityPathError) { settings.ignoreJSONPaths.append(try ParityPathPattern(text)) } catch { reader.error(error.description, at: item) }
            }
        }
        return settings
    }

    static let parityKeys = ["ignoreHeaders", "ignoreJSONPaths"]

    // MARK: Expectations

    func expectation(_ node: Node, context: String) -> Expectation {
        var result = Expectation()
        guard let mapping = reader.mapping(node, "expect") else { return result }
        reader.checkKeys(mapping, allowed: Self.expectKeys, "expect")
        if let statusNode = mapping["status"] {
            result.status = status(statusNode, "\(context).status")
            result.statusPosition = Self.position(of: mapping.keyNode("status"))
        }
        if let headersNode = mapping["headers"], let headers = reader.mapping(headersNode, "expect.headers") {
            for entry in headers.entries {
                if let checks = headerChecks(entry.value, name: entry.key) {
                    result.headers.append(HeaderExpectation(name: entry.key, checks: checks, position: Self.position(of: entry.keyNode)))
                }
            }
        }
        if let bodyNode = mapping["body"] {
            let body = bodyExpectations(bodyNode, context: "\(context).body", keyNode: mapping.keyNode("body"))
            result.body = body.map(\.0)
            result.bodyPositions = body.map(\.1)
        }
        if let maxTimeNode = mapping["maxTime"] {
            result.maxTime = duration(maxTimeNode, "\(context).maxTime")
            result.maxTimePosition = Self.position(of: mapping.keyNode("maxTime"))
        }
        if let snapshotNode = mapping["snapshot"] {
            result.snapshot = reader.bool(snapshotNode, "\(context).snapshot") ?? false
            result.snapshotPosition = Self.position(of: mapping.keyNode("snapshot"))
        }
        return result
    }

    func status(_ node: Node, _ context: String) -> StatusExpectation? {
        func code(_ node: Node) -> Int? {
            guard case let .scalar(scalar) = node, let value = Int(scalar.string) else {
                reader.error("expected a status code (e.g. 200), a list of codes or a class like \"2xx\" for 'status', found \(YAMLReader.kind(of: node) == "a scalar" ? "'\(node.scalar?.string ?? "")'" : YAMLReader.kind(of: node))", at: node)
                return nil
            }
            guard (100...599).contains(value) else {
                reader.error("status \(value) is not an HTTP status code (100-599)", at: node)
                return nil
            }
            return value
        }
        switch node {
        case let .scalar(scalar):
            let text = scalar.string.lowercased()
            if text.count == 3, text.hasSuffix("xx"), let digit = Int(String(text.first!)) {
                guard (1...5).contains(digit) else {
                    reader.error("status class '\(scalar.string)' is not an HTTP status class (1xx-5xx)", at: node)
                    return nil
                }
                return .statusClass(digit)
            }
            return code(node).map { .exact($0) }
        case let .sequence(items):
            let codes = items.compactMap(code)
            guard codes.count == items.count else { return nil }
            if codes.isEmpty { reader.error("'status' list is empty", at: node); return nil }
            return .anyOf(codes)
        default:
            return code(node).map { .exact($0) }
        }
    }

    func headerChecks(_ node: Node, name: String) -> [HeaderCheck]? {
        let context = "expect.headers.\(name)"
        switch node {
        case .scalar:
            return template(node, context).map { [.equals($0)] }
        case .sequence:
            guard let items = reader.sequence(node, context) else { return nil }
            return [.values(items.enumerated().compactMap { template($1, "\(context)[\($0)]") })]
        case .mapping:
            guard let mapping = reader.mapping(node, context) else { return nil }
            reader.checkKeys(mapping, allowed: Self.headerCheckKeys, "expect.headers.\(name)")
            var checks: [HeaderCheck] = []
            for entry in mapping.entries {
                switch entry.key {
                case "equals": if let value = template(entry.value, "\(context).equals") { checks.append(.equals(value)) }
                case "contains": if let value = template(entry.value, "\(context).contains") { checks.append(.contains(value)) }
                case "matches": if let value = pattern(entry.value, "\(context).matches") { checks.append(.matches(value)) }
                case "present": if let flag = reader.bool(entry.value, "\(context).present") { checks.append(flag ? .present : .absent) }
                case "absent": if let flag = reader.bool(entry.value, "\(context).absent") { checks.append(flag ? .absent : .present) }
                case "values":
                    if let items = reader.sequence(entry.value, "\(context).values") {
                        checks.append(.values(items.enumerated().compactMap { template($1, "\(context).values[\($0)]") }))
                    }
                default: break
                }
            }
            if checks.isEmpty, mapping.entries.isEmpty { reader.error("no check for header '\(name)' (use equals, matches, contains, present, absent or values)", at: node) }
            if let presentNode = mapping["present"], let absentNode = mapping["absent"],
               let present = presentNode.bool, let absent = absentNode.bool {
                if present == absent {
                    reader.error("'present: \(present)' and 'absent: \(absent)' contradict each other for header '\(name)'; keep one", at: mapping.keyNode("absent"))
                } else {
                    reader.error("'present: \(present)' and 'absent: \(absent)' say the same thing for header '\(name)'; keep one", at: mapping.keyNode("absent"))
                }
            } else if let flagKey = ["present", "absent"].first(where: { mapping.contains($0) }),
                      let flag = mapping[flagKey]?.bool, flag == (flagKey == "absent"),
                      let valueKey = ["equals", "contains", "matches", "values"].first(where: { mapping.contains($0) }) {
                reader.error("header '\(name)' is expected absent ('\(flagKey): \(flag)') and to have a value ('\(valueKey)'); keep one", at: mapping.keyNode(valueKey))
            }
            return checks
        case .alias:
            reader.error("YAML aliases are not supported in '\(context)'", at: node)
            return nil
        }
    }

    /// The body assertions, each with the position of its key (`body:` itself for `body: "text"`).
    func bodyExpectations(_ node: Node, context: String, keyNode: Node?) -> [(BodyExpectation, SourcePosition?)] {
        if case .scalar = node { return template(node, context).map { [(.text($0), Self.position(of: keyNode))] } ?? [] }
        guard let mapping = reader.mapping(node, "expect.body") else { return [] }
        reader.checkKeys(mapping, allowed: Self.bodyKeys, "expect.body")
        var result: [(BodyExpectation, SourcePosition?)] = []
        for entry in mapping.entries {
            let here = "\(context).\(entry.key)"
            let before = result.count
            defer {
                for index in before..<result.count where result[index].1 == nil { result[index].1 = Self.position(of: entry.keyNode) }
            }
            switch entry.key {
            case "text": if let value = template(entry.value, here) { result.append((.text(value), nil)) }
            case "empty":
                if let flag = reader.bool(entry.value, here) {
                    if flag { result.append((.empty, nil)) } else { reader.error("'empty: false' asserts nothing; remove it or use 'matches: \".\"'", at: entry.value) }
                }
            case "contains":
                if case .sequence = entry.value, let items = reader.sequence(entry.value, here) {
                    result.append((.contains(items.enumerated().compactMap { template($1, "\(here)[\($0)]") }), nil))
                } else if let value = template(entry.value, here) {
                    result.append((.contains([value]), nil))
                }
            case "matches": if let value = pattern(entry.value, here) { result.append((.matches(value), nil)) }
            case "json":
                checkTemplates(in: entry.value)
                if let value = reader.json(entry.value, here) { result.append((.json(value), nil)) }
            case "jsonSubset":
                checkTemplates(in: entry.value)
                if let value = reader.json(entry.value, here) { result.append((.jsonSubset(value), nil)) }
            case "jsonPath":
                guard let paths = reader.mapping(entry.value, "expect.body.jsonPath") else { continue }
                for pathEntry in paths.entries {
                    guard let path = jsonPath(pathEntry.key, at: pathEntry.keyNode) else { continue }
                    if let checks = jsonPathChecks(pathEntry.value, path: pathEntry.key) {
                        result.append((.jsonPath(path: path, checks: checks), Self.position(of: pathEntry.keyNode)))
                    }
                }
            case "base64": if let bytes = base64(entry.value, here) { result.append((.bytes(bytes), nil)) }
            default: break
            }
        }
        return result
    }

    func jsonPathChecks(_ node: Node, path: String) -> [JSONPathCheck]? {
        let context = "expect.body.jsonPath['\(path)']"
        guard case .mapping = node else {
            checkTemplates(in: node)
            return reader.json(node, context).map { [.equals($0)] }
        }
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: Self.jsonPathCheckKeys, "jsonPath check (compare with an object using 'equals: {...}')")
        var checks: [JSONPathCheck] = []
        for entry in mapping.entries {
            let here = "\(context).\(entry.key)"
            switch entry.key {
            case "equals":
                checkTemplates(in: entry.value)
                if let value = reader.json(entry.value, here) { checks.append(.equals(value)) }
            case "matches": if let value = pattern(entry.value, here) { checks.append(.matches(value)) }
            case "contains": if let value = template(entry.value, here) { checks.append(.contains(value)) }
            case "exists": if let flag = reader.bool(entry.value, here) { checks.append(.exists(flag)) }
            case "absent": if let flag = reader.bool(entry.value, here) { checks.append(.exists(!flag)) }
            case "length":
                if let value = reader.int(entry.value, here) {
                    if value < 0 { reader.error("length must not be negative", at: entry.value) } else { checks.append(.length(value)) }
                }
            case "type":
                if let value = reader.string(entry.value, here) {
                    if Self.jsonTypes.contains(value) { checks.append(.type(value)) } else {
                        var message = "unknown JSON type '\(value)' (expected one of \(Self.jsonTypes.joined(separator: ", ")))"
                        if let hint = closestMatch(to: value, among: Self.jsonTypes) { message += " (did you mean '\(hint)'?)" }
                        reader.error(message, at: entry.value)
                    }
                }
            default: break
            }
        }
        if mapping.entries.isEmpty { reader.error("no check for JSONPath '\(path)'", at: node) }
        if let existsNode = mapping["exists"], let absentNode = mapping["absent"], let exists = existsNode.bool, let absent = absentNode.bool {
            let relation = exists == absent ? "contradict each other" : "say the same thing"
            reader.error("'exists: \(exists)' and 'absent: \(absent)' \(relation) for JSONPath '\(path)'; keep one", at: mapping.keyNode("absent"))
        }
        return checks
    }

    // MARK: Captures

    func captures(_ node: Node, context: String) -> [CaptureSpec] {
        guard let mapping = reader.mapping(node, "capture") else { return [] }
        var result: [CaptureSpec] = []
        for entry in mapping.entries {
            let here = "\(context).\(entry.key)"
            guard TemplateString.isValidName(entry.key), !entry.key.hasPrefix("env.") else {
                reader.error("invalid capture name '\(entry.key)' (use letters, digits, '_', '-', '.'; 'env.' is reserved)", at: entry.keyNode)
                continue
            }
            if case .scalar = entry.value {
                guard let text = reader.string(entry.value, here), let path = jsonPath(text, at: entry.value) else { continue }
                result.append(CaptureSpec(name: entry.key, source: .jsonPath(path), regex: nil, secret: false, position: Self.position(of: entry.keyNode)))
                continue
            }
            guard let spec = reader.mapping(entry.value, "capture.\(entry.key)") else { continue }
            reader.checkKeys(spec, allowed: Self.captureKeys, "capture.\(entry.key)")
            let sources = spec.keys.filter { ["jsonPath", "header", "body"].contains($0) }
            guard sources.count == 1 else {
                if sources.isEmpty {
                    reader.error("capture '\(entry.key)' needs one of 'jsonPath', 'header' or 'body: true'", at: entry.value)
                } else {
                    reader.error("capture '\(entry.key)' takes exactly one of 'jsonPath', 'header' or 'body', found \(sources.map { "'\($0)'" }.joined(separator: " and "))", at: spec.keyNode(sources[1]))
                }
                continue
            }
            var source: CaptureSpec.Source?
            if let pathNode = spec["jsonPath"], let text = reader.string(pathNode, "\(here).jsonPath") {
                source = jsonPath(text, at: pathNode).map { .jsonPath($0) }
            } else if let headerNode = spec["header"] {
                source = nonEmptyString(headerNode, "\(here).header").map { .header($0) }
            } else if let bodyNode = spec["body"], let flag = reader.bool(bodyNode, "\(here).body") {
                if flag { source = .body } else { reader.error("'body: false' captures nothing", at: bodyNode) }
            }
            let regex = spec["regex"].flatMap { pattern($0, "\(here).regex") }
            let secret = spec["secret"].flatMap { reader.bool($0, "\(here).secret") } ?? false
            if let source { result.append(CaptureSpec(name: entry.key, source: source, regex: regex, secret: secret, position: Self.position(of: entry.keyNode))) }
        }
        return result
    }

    // MARK: Scalars

    /// A node's position in the file, for assertions reported when they fail.
    static func position(of node: Node?) -> SourcePosition? {
        guard let mark = node?.mark else { return nil }
        return SourcePosition(line: mark.line, column: mark.column)
    }

    /// `tags: smoke` or `tags: [smoke, slow]`. An empty list, a null (`tags:` with nothing after it) and an empty
    /// tag are errors: each would make `--tag` select differently from what the file seems to say.
    func tags(_ node: Node, _ context: String) -> [String]? {
        if case let .scalar(scalar) = node, scalar.style == .plain, node.null != nil {
            reader.error("'\(context)' is empty (null): list the tags, e.g. 'tags: [smoke]', or remove the key", at: node)
            return nil
        }
        if case let .sequence(items) = node, items.isEmpty {
            reader.error("'\(context)' is an empty list: list the tags, e.g. 'tags: [smoke]', or remove the key", at: node)
            return nil
        }
        let items: [Node] = node.sequence.map(Array.init) ?? [node]
        guard let tags = reader.stringList(node, context) else { return nil }
        var result: [String] = []
        for (index, tag) in tags.enumerated() {
            let item = index < items.count ? items[index] : node
            let isNull = item.scalar?.style == .plain && item.null != nil
            if isNull || tag.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("\(node.sequence == nil ? "'\(context)'" : "'\(context)[\(index)]'") is an empty tag\(isNull ? " (null)" : ""): write a name or remove it", at: item)
                continue
            }
            result.append(tag)
        }
        return result
    }

    func nonEmptyString(_ node: Node, _ context: String) -> String? {
        guard let value = reader.string(node, context) else { return nil }
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            reader.error("'\(context)' must not be empty", at: node)
            return nil
        }
        return value
    }

    func duration(_ node: Node, _ context: String) -> Duration? {
        guard let text = reader.string(node, context) else { return nil }
        guard let value = DurationText.parse(text) else {
            reader.error("invalid duration '\(text)' for '\(context)' (write e.g. 5s, 500ms, 1.5s, 2m or a number of seconds)", at: node)
            return nil
        }
        return value
    }

    func pattern(_ node: Node, _ context: String) -> Pattern? {
        guard let text = reader.string(node, context) else { return nil }
        do {
            return try Pattern(text)
        } catch {
            reader.error("invalid regular expression '\(text)' in '\(context)'", at: node)
            return nil
        }
    }

    func jsonPath(_ text: String, at node: Node) -> JSONPath? {
        do {
            return try JSONPath(text)
        } catch {
            reader.error("\(error)", at: node)
            return nil
        }
    }

    func base64(_ node: Node, _ context: String) -> [UInt8]? {
        guard let text = reader.string(node, context) else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            reader.error("invalid base64 in '\(context)'", at: node)
            return nil
        }
        return [UInt8](data)
    }

    /// A scalar parsed as a template, with every variable checked against what is defined at this point.
    func template(_ node: Node, _ context: String) -> TemplateString? {
        guard let text = reader.string(node, context) else { return nil }
        return checkedTemplate(text, at: node)
    }

    func checkedTemplate(_ text: String, at node: Node) -> TemplateString? {
        let template: TemplateString
        do {
            template = try TemplateString(parsing: text)
        } catch {
            reader.error(error.message, at: node)
            return nil
        }
        var ok = true
        for name in template.variableNames where !isDefined(name) {
            ok = false
            reader.error(undefinedMessage(name), at: node)
        }
        return ok ? template : nil
    }

    /// Checks every scalar of a JSON-valued subtree that contains `{{`.
    func checkTemplates(in node: Node) {
        switch node {
        case let .scalar(scalar):
            if scalar.string.contains("{{") { _ = checkedTemplate(scalar.string, at: node) }
        case let .sequence(items):
            for item in items { checkTemplates(in: item) }
        case let .mapping(mapping):
            for (_, value) in mapping { checkTemplates(in: value) }
        case .alias:
            break
        }
    }

    func isDefined(_ name: String) -> Bool {
        if name.hasPrefix("env.") { return options.environment[String(name.dropFirst(4))] != nil }
        return known.contains(name)
    }

    func undefinedMessage(_ name: String) -> String {
        if name.hasPrefix("env.") {
            return "environment variable '\(name.dropFirst(4))' is not set (referenced as {{\(name)}})"
        }
        if let owner = laterCaptures[name] {
            return "variable '\(name)' is used before it is captured (by case '\(owner)'); cases run in order"
        }
        var message = "undefined variable '\(name)'"
        if let hint = closestMatch(to: name, among: known.sorted()) {
            message += " (did you mean '\(hint)'?)"
        } else {
            message += " (define it in 'vars', capture it in an earlier case, or pass --var \(name)=...)"
        }
        return message
    }
}
