import Foundation
import HTTPMessage
import SigV4
import SourceDiagnostics
import Yams

/// A text value from `gatecheck.yaml` that may contain `${env:NAME}`, with where it was written.
struct TemplatedText: Sendable, Hashable {
    var text: String
    var line: Int?
    var column: Int?

    init(_ text: String, at node: Node?) {
        self.text = text
        self.line = node?.mark?.line
        self.column = node?.mark?.column
    }
}

/// A target as written, before environment substitution.
struct TargetDefinition: Sendable {
    enum Auth: Sendable {
        case none
        case apiKey(value: TemplatedText, header: String)
        case bearerLiteral(TemplatedText)
        case bearerEnvironment(String)
        case bearerCommand(TemplatedText)
        case sigv4(region: TemplatedText?, service: String, credentials: Credentials)
    }

    enum Credentials: Sendable {
        case standardChain, environment
        case profile(TemplatedText)
        case credentialProcess(TemplatedText)
    }

    var name: String
    var url: TemplatedText
    var headers: [(String, TemplatedText)]
    var auth: Auth
    var timeout: Duration?
    var retries: Int?
    var concurrency: Int?
    var variables: [(String, TemplatedText)]
    var resolve: [TemplatedText]
    /// `apis:`: one stage per API, in file order.
    var apis: [APITargetDefinition] = []
}

/// One entry of a target's `apis:` as written: which suites it takes and where they go.
struct APITargetDefinition: Sendable {
    var name: String
    /// `api:` files, relative to the profiles file.
    var apiFiles: [String]
    /// Where `api:` was written (for the "no such file" warning).
    var apiPosition: TemplatedText?
    var tags: [String]
    var suites: [String]
    var url: TemplatedText
    var headers: [(String, TemplatedText)]
    var resolve: [TemplatedText]
}

/// A loaded `gatecheck.yaml`: its targets, checked for shape; environment values are substituted when a target is picked.
public struct ProfilesFile: Sendable {
    /// The file as named in diagnostics.
    public let path: String
    let definitions: [TargetDefinition]

    /// Target names in file order.
    public var targetNames: [String] { definitions.map(\.name) }

    /// The target `name` with `${env:NAME}` substituted from `environment`. Unknown names (with a did-you-mean
    /// hint) and unset variables are diagnostics pointing into the file.
    public func target(named name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(DiagnosticsError) -> TargetProfile {
        guard let definition = definitions.first(where: { $0.name == name }) else {
            var message = "no target named '\(name)'"
            if let hint = closestMatch(to: name, among: targetNames) { message += " (did you mean '\(hint)'?)" }
            message += targetNames.isEmpty ? "; the file defines no targets" : "; targets: \(targetNames.joined(separator: ", "))"
            throw DiagnosticsError([Diagnostic(file: path, message: message)])
        }
        let sink = DiagnosticSink(file: path)
        var substitution = EnvironmentSubstitution(environment: environment, sink: sink, target: name)
        func resolvedURL(_ text: TemplatedText) -> String {
            guard !text.text.isEmpty else { return "" }  // a target with `apis:` only has no `url`
            let before = sink.diagnostics.count
            let url = substitution.resolve(text).map(ProfilesLoader.trimmedBaseURL) ?? ""
            if sink.diagnostics.count == before { ProfilesLoader.checkBaseURL(url, at: text, sink: sink) }
            return url
        }
        func resolvedHeaders(_ pairs: [(String, TemplatedText)]) -> HTTPHeaders {
            var headers = HTTPHeaders()
            for (headerName, value) in pairs {
                if let resolved = substitution.resolve(value) { headers.add(name: headerName, value: resolved) }
            }
            return headers
        }
        func resolvedEntries(_ entries: [TemplatedText]) -> [ResolveEntry] {
            var resolve: [ResolveEntry] = []
            for entry in entries {
                guard let text = substitution.resolve(entry) else { continue }
                switch ResolveEntry.parse(text) {
                case .success(let parsed): resolve.append(parsed)
                case .failure(let error): sink.report(.error, error.description, line: entry.line, column: entry.column)
                }
            }
            return resolve
        }
        let baseURL = resolvedURL(definition.url)
        let headers = resolvedHeaders(definition.headers)
        var variables: [String: String] = [:]
        for (variable, value) in definition.variables { variables[variable] = substitution.resolve(value) ?? "" }
        let resolve = resolvedEntries(definition.resolve)
        let directory = (path as NSString).deletingLastPathComponent
        for entry in definition.apis {
            for file in entry.apiFiles where !FileManager.default.fileExists(atPath: APITarget.standardizedPath(file, relativeTo: directory)) {
                sink.report(.warning, "targets.\(name).apis.\(entry.name): API definition '\(file)' not found (looked for \(APITarget.standardizedPath(file, relativeTo: directory)); paths are relative to \(path)): no suite can match it",
                            line: entry.apiPosition?.line, column: entry.apiPosition?.column)
            }
        }
        let apis = definition.apis.map { entry in
            APITarget(name: entry.name, apiFiles: entry.apiFiles.map { APITarget.standardizedPath($0, relativeTo: directory) },
                      tags: entry.tags, suites: entry.suites, baseURL: resolvedURL(entry.url),
                      headers: resolvedHeaders(entry.headers), resolve: resolvedEntries(entry.resolve))
        }
        let auth: AuthConfiguration
        switch definition.auth {
        case .none:
            auth = .none
        case let .apiKey(value, header):
            let key = substitution.resolve(value) ?? ""
            substitution.secrets.insert(key)
            auth = .apiKey(value: key, header: header)
        case .bearerLiteral(let token):
            let value = substitution.resolve(token) ?? ""
            substitution.secrets.insert(value)
            auth = .bearer(.literal(value))
        case .bearerEnvironment(let variable):
            if let value = environment[variable], !value.isEmpty { substitution.secrets.insert(value) }
            auth = .bearer(.environment(variable))
        case .bearerCommand(let command):
            auth = .bearer(.command(substitution.resolve(command) ?? ""))
        case let .sigv4(region, service, credentials):
            let source: AWSCredentialSource
            switch credentials {
            case .standardChain: source = .standardChain
            case .environment: source = .environment
            case .profile(let profile): source = .profile(substitution.resolve(profile) ?? "")
            case .credentialProcess(let command): source = .credentialProcess(substitution.resolve(command) ?? "")
            }
            auth = .sigv4(SigV4Configuration(region: region.flatMap { substitution.resolve($0) }, service: service, credentials: source))
        }
        try sink.throwIfErrors()
        var profile = TargetProfile(name: name, baseURL: baseURL, headers: headers, auth: auth, timeout: definition.timeout,
                                    retries: definition.retries, concurrency: definition.concurrency, variables: variables,
                                    resolve: resolve, secrets: substitution.secrets.filter { !$0.isEmpty })
        profile.apis = apis
        profile.profilesFile = path
        let redactor = SecretRedactor(secrets: profile.secrets)
        profile.warnings = sink.diagnostics.map { warning in
            var redacted = warning
            redacted.message = redactor.redact(warning.message)
            return redacted
        }
        return profile
    }
}

/// How `gatecheck run --target X` picks what to run against.
public enum TargetSelection {
    /// The default profiles file, relative to the project root.
    public static let defaultProfilesPath = "gatecheck.yaml"

    /// `nil` argument: nil (the embedded emulator). An `http://`/`https://` argument: an ad-hoc profile for that
    /// URL (the profiles file is not read). Anything else: the target of that name in `profilesPath`.
    public static func select(_ argument: String?, profilesPath: String = defaultProfilesPath,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws(DiagnosticsError) -> TargetProfile? {
        guard let argument else { return nil }
        let lowered = argument.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") { return TargetProfile.adHoc(url: argument) }
        if !FileManager.default.fileExists(atPath: profilesPath) {
            throw DiagnosticsError([Diagnostic(file: profilesPath, message: "no such file: '--target \(argument)' names a target profile, which is read from \(profilesPath) (use --profiles PATH for another file, or give a URL such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod)")])
        }
        return try ProfilesLoader.load(path: profilesPath).target(named: argument, environment: environment)
    }
}

/// Reads `gatecheck.yaml`. See `docs/stages.md` for the format.
public enum ProfilesLoader {
    static let topLevelKeys = ["version", "targets"]
    static let targetKeys = ["url", "description", "headers", "auth", "timeout", "retries", "concurrency", "variables", "resolve", "apis"]
    static let apiTargetKeys = ["url", "description", "api", "tags", "suites", "headers", "resolve"]
    static let authTypes = ["none", "apiKey", "bearer", "sigv4"]

    /// Loads and checks the whole file; every problem found is reported, each with file:line:col.
    public static func load(path: String) throws(DiagnosticsError) -> ProfilesFile {
        let text: String
        switch YAMLSource.readText(path: path) {
        case .success(let value): text = value
        case .failure(let diagnostic): throw DiagnosticsError([diagnostic])
        }
        return try parse(text, file: path)
    }

    /// Parses profiles from text (`file` names it in diagnostics).
    public static func parse(_ text: String, file: String) throws(DiagnosticsError) -> ProfilesFile {
        let sink = DiagnosticSink(file: file)
        let reader = YAMLReader(sink: sink)
        let root: Node?
        switch YAMLSource.parse(text, file: file) {
        case .success(let node): root = node
        case .failure(let diagnostic): throw DiagnosticsError([diagnostic])
        }
        guard let root else {
            throw DiagnosticsError([Diagnostic(file: file, message: "the file is empty: expected 'targets:' with one entry per target")])
        }
        guard let top = reader.mapping(root, "the profiles file") else { throw DiagnosticsError(sink.diagnostics) }
        reader.checkKeys(top, allowed: topLevelKeys, "the profiles file")
        if let version = top["version"], let number = reader.int(version, "version"), number != 1 {
            reader.error("unsupported version \(number): this gatecheck reads version 1", at: version)
        }
        var definitions: [TargetDefinition] = []
        if let targetsNode = reader.require(top, "targets", "the profiles file"), let targets = reader.mapping(targetsNode, "targets") {
            if targets.entries.isEmpty { reader.error("'targets' is empty: define at least one target", at: targetsNode) }
            for entry in targets.entries {
                if entry.key.contains("://") {
                    reader.error("target name '\(entry.key)' looks like a URL; name targets (e.g. 'staging') and put the URL under 'url'", at: entry.keyNode)
                    continue
                }
                if let definition = target(entry.key, keyNode: entry.keyNode, entry.value, reader) { definitions.append(definition) }
            }
        }
        try sink.throwIfErrors()
        return ProfilesFile(path: file, definitions: definitions)
    }

    static func target(_ name: String, keyNode: Node, _ node: Node, _ reader: YAMLReader) -> TargetDefinition? {
        let context = "targets.\(name)"
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: targetKeys, context)
        var apis: [APITargetDefinition] = []
        if let apisNode = mapping["apis"], let apisMapping = reader.mapping(apisNode, "\(context).apis") {
            if apisMapping.entries.isEmpty { reader.error("'\(context).apis' is empty: map at least one API to its stage URL", at: apisNode) }
            for entry in apisMapping.entries {
                if let api = apiTarget(entry.key, keyNode: entry.keyNode, entry.value, context: "\(context).apis.\(entry.key)", reader) {
                    apis.append(api)
                }
            }
        }
        var url = TemplatedText("", at: node)
        if mapping["url"] == nil, mapping["apis"] == nil {
            reader.error("missing required key 'url' in \(context) (or 'apis', one URL per API)", at: keyNode)
        }
        if let urlNode = mapping["url"] { url = baseURLText(urlNode, "\(context).url", reader) }
        let headers = headerTexts(mapping["headers"], "\(context).headers", reader)
        var timeout: Duration?
        if let timeoutNode = mapping["timeout"] { timeout = duration(timeoutNode, "\(context).timeout", reader) }
        var retries: Int?
        if let retriesNode = mapping["retries"], let value = reader.int(retriesNode, "\(context).retries") {
            if value < 0 || value > 10 { reader.error("'\(context).retries' must be between 0 and 10, found \(value)", at: retriesNode) } else { retries = value }
        }
        var concurrency: Int?
        if let node = mapping["concurrency"], let value = reader.int(node, "\(context).concurrency") {
            if value < 1 { reader.error("'\(context).concurrency' must be at least 1, found \(value)", at: node) } else { concurrency = value }
        }
        if let node = mapping["description"] { _ = reader.string(node, "\(context).description") }
        var variables: [(String, TemplatedText)] = []
        if let node = mapping["variables"], let variablesMapping = reader.mapping(node, "\(context).variables") {
            for entry in variablesMapping.entries {
                if let value = reader.string(entry.value, "\(context).variables.\(entry.key)") {
                    variables.append((entry.key, TemplatedText(value, at: entry.value)))
                }
            }
        }
        let resolve = resolveTexts(mapping["resolve"], "\(context).resolve", reader)
        var auth: TargetDefinition.Auth = .none
        if let node = mapping["auth"] { auth = authDefinition(node, "\(context).auth", reader) ?? .none }
        return TargetDefinition(name: name, url: url, headers: headers, auth: auth, timeout: timeout, retries: retries,
                                concurrency: concurrency, variables: variables, resolve: resolve, apis: apis)
    }

    /// One entry of `apis:`: `url` and at least one of `api`, `tags`, `suites`; `headers` and `resolve` optional.
    static func apiTarget(_ name: String, keyNode: Node, _ node: Node, context: String, _ reader: YAMLReader) -> APITargetDefinition? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: apiTargetKeys, context)
        guard let urlNode = reader.require(mapping, "url", context) else { return nil }
        let url = baseURLText(urlNode, "\(context).url", reader)
        func list(_ key: String) -> [String] {
            guard let listNode = mapping[key], let items = reader.stringList(listNode, "\(context).\(key)") else { return [] }
            if items.isEmpty || items.contains(where: \.isEmpty) { reader.error("'\(context).\(key)' must not be empty", at: listNode) }
            return items
        }
        let apiFiles = list("api"), tags = list("tags"), suites = list("suites")
        if mapping["api"] == nil, mapping["tags"] == nil, mapping["suites"] == nil {
            reader.error("'\(context)' says which suites go to this URL with 'api' (the suites' API definition file, relative to this file), 'tags' or 'suites' (suite names)", at: keyNode)
        }
        if let node = mapping["description"] { _ = reader.string(node, "\(context).description") }
        return APITargetDefinition(name: name, apiFiles: apiFiles, apiPosition: mapping["api"].map { TemplatedText("", at: $0) },
                                   tags: tags, suites: suites, url: url,
                                   headers: headerTexts(mapping["headers"], "\(context).headers", reader),
                                   resolve: resolveTexts(mapping["resolve"], "\(context).resolve", reader))
    }

    static func baseURLText(_ node: Node, _ context: String, _ reader: YAMLReader) -> TemplatedText {
        guard let text = reader.string(node, context) else { return TemplatedText("", at: node) }
        let url = TemplatedText(text, at: node)
        if text.isEmpty { reader.error("'\(context)' is empty", at: node) }
        if !text.contains("${"), !text.isEmpty { checkBaseURL(trimmedBaseURL(text), at: url, sink: reader.sink) }
        return url
    }

    static func headerTexts(_ node: Node?, _ context: String, _ reader: YAMLReader) -> [(String, TemplatedText)] {
        guard let node, let pairs = reader.stringPairs(node, context) else { return [] }
        if let headerMapping = reader.mapping(node, context) {
            for entry in headerMapping.entries where !isHeaderName(entry.key) {
                reader.error("'\(entry.key)' is not a valid HTTP header name", at: entry.keyNode)
            }
        }
        return pairs.map { ($0.0, TemplatedText($0.1, at: $0.2)) }
    }

    static func resolveTexts(_ node: Node?, _ context: String, _ reader: YAMLReader) -> [TemplatedText] {
        guard let node, let items = reader.stringList(node, context) else { return [] }
        let itemNodes: [Node] = { if case .sequence(let sequence) = node { return Array(sequence) } else { return [node] } }()
        var resolve: [TemplatedText] = []
        for (item, itemNode) in zip(items, itemNodes) {
            if !item.contains("${"), case .failure(let error) = ResolveEntry.parse(item) {
                reader.error(error.description, at: itemNode)
            }
            resolve.append(TemplatedText(item, at: itemNode))
        }
        return resolve
    }

    static func authDefinition(_ node: Node, _ context: String, _ reader: YAMLReader) -> TargetDefinition.Auth? {
        if case .scalar(let scalar) = node {
            if scalar.string == "none" { return TargetDefinition.Auth.none }
            reader.error("expected a mapping with 'type: apiKey|bearer|sigv4' for '\(context)' (or 'none'), found '\(scalar.string)'", at: node)
            return nil
        }
        guard let mapping = reader.mapping(node, context), let typeNode = reader.require(mapping, "type", context),
              let type = reader.string(typeNode, "\(context).type") else { return nil }
        func allow(_ keys: [String]) { reader.checkKeys(mapping, allowed: ["type"] + keys, "\(context) (type \(type))") }
        func text(_ key: String) -> TemplatedText? {
            guard let valueNode = mapping[key], let value = reader.string(valueNode, "\(context).\(key)") else { return nil }
            if value.isEmpty { reader.error("'\(context).\(key)' is empty", at: valueNode); return nil }
            return TemplatedText(value, at: valueNode)
        }
        switch type {
        case "none":
            allow([])
            return TargetDefinition.Auth.none
        case "apiKey":
            allow(["value", "header"])
            guard reader.require(mapping, "value", context) != nil, let value = text("value") else { return nil }
            let header = text("header")?.text ?? "x-api-key"
            if !isHeaderName(header) { reader.error("'\(header)' is not a valid HTTP header name", at: mapping["header"]) }
            return .apiKey(value: value, header: header)
        case "bearer":
            allow(["token", "tokenEnv", "command"])
            let given = ["token", "tokenEnv", "command"].filter { mapping.contains($0) }
            guard given.count == 1 else {
                reader.error(given.isEmpty ? "'\(context)' needs one of 'token', 'tokenEnv' or 'command'"
                                           : "'\(context)' takes only one of \(given.map { "'\($0)'" }.joined(separator: ", "))", at: typeNode)
                return nil
            }
            if let token = text("token") { return .bearerLiteral(token) }
            if let variable = text("tokenEnv") {
                if !EnvironmentSubstitution.isVariableName(variable.text) {
                    reader.error("'\(variable.text)' is not an environment variable name", at: mapping["tokenEnv"])
                }
                return .bearerEnvironment(variable.text)
            }
            if let command = text("command") { return .bearerCommand(command) }
            return nil
        case "sigv4":
            allow(["region", "service", "credentials", "profile", "credentialProcess"])
            let sources = ["credentials", "profile", "credentialProcess"].filter { mapping.contains($0) }
            if sources.count > 1 {
                reader.error("'\(context)' takes only one of \(sources.map { "'\($0)'" }.joined(separator: ", "))", at: typeNode)
                return nil
            }
            var credentials: TargetDefinition.Credentials = .standardChain
            if let node = mapping["credentials"], let value = reader.string(node, "\(context).credentials") {
                switch value {
                case "env", "environment": credentials = .environment
                case "default": credentials = .standardChain
                default:
                    reader.error("'\(context).credentials' must be 'env' (AWS_* variables only) or 'default' (variables, then the AWS_PROFILE/default profile), found '\(value)'; use 'profile:' or 'credentialProcess:' for the others", at: node)
                }
            } else if let profile = text("profile") {
                credentials = .profile(profile)
            } else if let command = text("credentialProcess") {
                credentials = .credentialProcess(command)
            }
            let service = text("service")?.text ?? "execute-api"
            return .sigv4(region: text("region"), service: service, credentials: credentials)
        default:
            var message = "unknown auth type '\(type)' in \(context)"
            if let hint = closestMatch(to: type, among: authTypes) { message += " (did you mean '\(hint)'?)" }
            reader.error(message + "; expected one of \(authTypes.joined(separator: ", "))", at: typeNode)
            return nil
        }
    }

    /// Seconds as a number (`30`, `2.5`) or text with a unit (`500ms`, `30s`, `2m`); must be positive.
    static func duration(_ node: Node, _ context: String, _ reader: YAMLReader) -> Duration? {
        guard let text = reader.string(node, context)?.trimmingCharacters(in: .whitespaces) else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var seconds: Double?
        if let number = Double(text) {
            seconds = number
        } else {
            for (suffix, scale) in units where text.hasSuffix(suffix) {
                if let number = Double(text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)) { seconds = number * scale }
                break
            }
        }
        guard let seconds, seconds.isFinite else {
            reader.error("expected a duration for '\(context)' such as 30, 2.5s, 500ms or 2m, found '\(text)'", at: node)
            return nil
        }
        guard seconds > 0 else {
            reader.error("'\(context)' must be more than 0, found '\(text)'", at: node)
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func trimmedBaseURL(_ url: String) -> String {
        var base = url.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    static func checkBaseURL(_ url: String, at position: TemplatedText, sink: DiagnosticSink) {
        func report(_ message: String) { sink.report(.error, message, line: position.line, column: position.column) }
        guard let target = RequestTarget(url: url) else {
            report("'\(url)' is not a base URL: expected https://{api-id}.execute-api.{region}.amazonaws.com/{stage} or https://{custom-domain}/{base-path}")
            return
        }
        if target.query != nil || url.contains("#") {
            report("the base URL '\(url)' has a query or fragment; put query parameters in the cases")
        }
        if url.contains(" ") { report("the base URL '\(url)' contains a space; write it as %20") }
        if let warning = ExecuteAPIStage.missingStageWarning(url) {
            sink.report(.warning, warning, line: position.line, column: position.column)
        }
    }

    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            URIEncoding.isUnreserved(byte) || "!#$%&'*+^`|".utf8.contains(byte)
        }
    }
}

/// `${env:NAME}` (and `${env:NAME:-fallback}`) substitution. `$${` writes a literal `${`. Every value taken from
/// the environment is recorded in `secrets`.
struct EnvironmentSubstitution {
    let environment: [String: String]
    let sink: DiagnosticSink
    let target: String
    var secrets: Set<String> = []

    init(environment: [String: String], sink: DiagnosticSink, target: String) {
        self.environment = environment
        self.sink = sink
        self.target = target
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// The substituted text, or nil after reporting a diagnostic at the value's position.
    mutating func resolve(_ value: TemplatedText) -> String? {
        func fail(_ message: String) -> String? {
            sink.report(.error, message, line: value.line, column: value.column)
            return nil
        }
        var output = ""
        var rest = Substring(value.text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let afterDollar = rest[rest.index(after: dollar)...]
            if afterDollar.hasPrefix("${") {
                output += "${"
                rest = afterDollar.dropFirst(2)
                continue
            }
            guard afterDollar.hasPrefix("{") else {
                output += "$"
                rest = afterDollar
                continue
            }
            guard let close = afterDollar.firstIndex(of: "}") else {
                return fail("unterminated '${' in '\(value.text)' (write $${ for a literal ${)")
            }
            let expression = afterDollar[afterDollar.index(after: afterDollar.startIndex)..<close]
            rest = afterDollar[afterDollar.index(after: close)...]
            guard expression.hasPrefix("env:") else {
                return fail("unsupported substitution '${\(expression)}': gatecheck.yaml supports ${env:NAME} (suite variables use {{name}})")
            }
            var name = String(expression.dropFirst(4))
            var fallback: String?
            if let separator = name.range(of: ":-") {
                fallback = String(name[separator.upperBound...])
                name = String(name[..<separator.lowerBound])
            }
            guard Self.isVariableName(name) else { return fail("'\(name)' is not an environment variable name in '${\(expression)}'") }
            if let environmentValue = environment[name] {
                secrets.insert(environmentValue)
                output += environmentValue
            } else if let fallback {
                output += fallback
            } else {
                return fail("environment variable \(name) is not set (needed by target '\(target)'); export it or write ${env:\(name):-default}")
            }
        }
        output += rest
        return output
    }
}
