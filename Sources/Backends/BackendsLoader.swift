import Foundation
import Gateway
import HTTPMessage
import JSONCore
import SourceDiagnostics
import Yams

/// Reads backends files (`lambdas:` and `http:`), or the same mapping inline under a suite's `backends:`.
/// Every problem is a `Diagnostic` with file:line:col; all of them are reported at once.
public enum BackendsLoader {
    static let topLevelKeys = ["lambdas", "http", "services", "jwtIssuers"] + UsagePlansLoader.topLevelKeys
    static let serviceKeys = ["endpoint", "script"]
    static let serviceRuleKeys = ["when", "status", "headers", "body", "json"]
    static let serviceWhenKeys = ["action", "path", "body"]
    static let lambdaKeys = ["script", "python", "node", "timeout", "env", "pool", "memory", "interpreter"]
    static let lambdaRuleKeys = ["when", "returns", "returnsRaw", "raises", "invokeError", "sleep"]
    static let raisesKeys = ["errorMessage", "errorType", "stackTrace"]
    static let testKeys = ["equals", "matches", "exists"]
    static let httpKeys = ["script", "forward"]
    static let httpRuleKeys = ["when", "status", "headers", "body", "json", "sleep"]
    static let httpWhenKeys = ["method", "path", "query", "headers"]

    /// Loads a backends file. Paths inside it are relative to its directory.
    public static func load(path: String, displayName: String? = nil) throws(DiagnosticsError) -> BackendsConfiguration {
        let name = displayName ?? path
        let text: String
        switch YAMLSource.readText(path: path, displayName: name) {
        case let .success(contents): text = contents
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        }
        return try load(text: text, file: name, baseDirectory: directory(of: path))
    }

    /// Loads backends from YAML text; `file` names it in diagnostics, `baseDirectory` (default: the directory
    /// of `file`) resolves handler paths.
    public static func load(text: String, file: String, baseDirectory: String? = nil) throws(DiagnosticsError) -> BackendsConfiguration {
        let node: Node?
        switch YAMLSource.parse(text, file: file) {
        case let .success(parsed): node = parsed
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        }
        guard let node else {
            return BackendsConfiguration(source: file, diagnostics: [Diagnostic(.warning, file: file, message: "the backends file is empty")])
        }
        return try load(node: node, file: file, baseDirectory: baseDirectory)
    }

    /// Loads backends from a YAML node: a mapping with `lambdas:`/`http:` (inline in a suite), or a string,
    /// the path of a backends file relative to `baseDirectory` (default: the directory of `file`).
    public static func load(node: Node, file: String, baseDirectory: String? = nil) throws(DiagnosticsError) -> BackendsConfiguration {
        let base = baseDirectory ?? directory(of: file)
        if case let .scalar(scalar) = node {
            let path = resolve(scalar.string, against: base)
            guard FileManager.default.fileExists(atPath: path) else {
                throw DiagnosticsError([Diagnostic(file: file, line: node.mark?.line, column: node.mark?.column,
                                                   message: "backends file '\(scalar.string)' not found (looked for \(path))")])
            }
            return try load(path: path, displayName: displayPath(scalar.string, relativeTo: file))
        }
        let sink = DiagnosticSink(file: file)
        let reader = YAMLReader(sink: sink)
        var configuration = BackendsConfiguration(source: file)
        guard let root = reader.mapping(node, "backends") else { throw DiagnosticsError(sink.diagnostics) }
        reader.checkKeys(root, allowed: topLevelKeys, "backends")
        if let lambdas = root["lambdas"], let functions = reader.mapping(lambdas, "lambdas") {
            for entry in functions.entries {
                if let definition = lambdaDefinition(entry.value, name: entry.key, reader: reader, base: base) {
                    configuration.lambdas.append((entry.key, definition))
                }
            }
        }
        if let services = root["services"], let entries = reader.mapping(services, "services") {
            for entry in entries.entries {
                if let definition = serviceDefinition(entry.value, service: entry.key.lowercased(), reader: reader) {
                    configuration.services.append((entry.key.lowercased(), definition))
                }
            }
        }
        if let http = root["http"], let hosts = reader.mapping(http, "http") {
            for entry in hosts.entries {
                let host = entry.key.lowercased()
                if host.contains("://") || host.contains("/") {
                    reader.error("'\(entry.key)' in http is not a host: write the host (and port) of the integration URI, e.g. 'api.example.com' or '127.0.0.1:8080'", at: entry.keyNode)
                    continue
                }
                if let definition = httpDefinition(entry.value, host: host, reader: reader) {
                    configuration.http.append((host, definition))
                }
            }
        }
        configuration.usagePlans = UsagePlansLoader.read(root, reader: reader)
        configuration.jwtTrust = JWTTrustLoader.read(root, reader: reader, base: base)
        if !root.contains("lambdas") && !root.contains("http") && root.entries.isEmpty {
            reader.warning("no backends defined: add 'lambdas:' and/or 'http:'", at: node)
        }
        try sink.throwIfErrors()
        configuration.diagnostics = sink.diagnostics
        return configuration
    }

    // MARK: Lambda functions

    private static func lambdaDefinition(_ node: Node, name: String, reader: YAMLReader, base: String) -> LambdaDefinition? {
        let context = "lambdas.\(name)"
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: lambdaKeys, context)
        let kinds = ["script", "python", "node"].filter { mapping.contains($0) }
        guard kinds.count == 1 else {
            if kinds.isEmpty {
                reader.error("\(context) needs one of 'script:', 'python: file.py:function' or 'node: file.js:function'", at: node)
            } else {
                reader.error("\(context) has both '\(kinds[0])' and '\(kinds[1])': choose one", at: mapping.keyNode(kinds[1]))
            }
            return nil
        }
        var timeout = Duration.seconds(3)
        if let node = mapping["timeout"], let value = duration(node, "\(context).timeout", plainUnit: .seconds(1), reader: reader) {
            if value <= .zero || value > .seconds(900) {
                reader.error("\(context).timeout must be between 1ms and 900s (Lambda's maximum), found \(describe(node))", at: node)
            } else {
                timeout = value
            }
        }
        if kinds[0] == "script" {
            for key in ["env", "pool", "memory", "interpreter"] where mapping.contains(key) {
                reader.error("'\(key)' applies to python/node handlers, not to a scripted function", at: mapping.keyNode(key))
            }
            guard let rulesNode = mapping["script"], let items = reader.sequence(rulesNode, "\(context).script") else { return nil }
            var rules: [LambdaRule] = []
            for (index, item) in items.enumerated() {
                if let rule = lambdaRule(item, "\(context).script[\(index)]", reader: reader) { rules.append(rule) }
            }
            if items.isEmpty { reader.warning("\(context).script has no rules: every invocation will fail", at: rulesNode) }
            return .scripted(rules, timeout: timeout)
        }

        let runtime: HandlerSpec.Runtime = kinds[0] == "python" ? .python : .node
        guard let specNode = mapping[kinds[0]], let spec = reader.string(specNode, "\(context).\(kinds[0])") else { return nil }
        guard let colon = spec.lastIndex(of: ":"), colon != spec.startIndex, spec.index(after: colon) != spec.endIndex else {
            let example = runtime == .python ? "handlers/app.py:handler" : "handlers/app.js:handler"
            reader.error("\(context).\(kinds[0]) must be 'path/to/file:function', e.g. '\(example)', found '\(spec)'", at: specNode)
            return nil
        }
        let relativePath = String(spec[..<colon])
        let function = String(spec[spec.index(after: colon)...])
        let extensions = runtime == .python ? ["py"] : ["js", "mjs", "cjs"]
        let fileExtension = URL(fileURLWithPath: relativePath).pathExtension
        if !extensions.contains(fileExtension) {
            reader.error("\(context).\(kinds[0]): '\(relativePath)' should end in \(extensions.map { ".\($0)" }.joined(separator: ", "))", at: specNode)
        }
        let path = resolve(relativePath, against: base)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue {
            reader.error("\(context).\(kinds[0]): handler file '\(relativePath)' not found (looked for \(path))", at: specNode)
        }

        var handler = HandlerSpec(runtime: runtime, file: path, function: function, timeout: timeout)
        if let envNode = mapping["env"], let pairs = reader.mapping(envNode, "\(context).env") {
            for entry in pairs.entries {
                if let value = reader.string(entry.value, "\(context).env.\(entry.key)") { handler.environment[entry.key] = value }
            }
        }
        if let poolNode = mapping["pool"], let pool = reader.int(poolNode, "\(context).pool") {
            if (1 ... 64).contains(pool) { handler.poolSize = pool } else {
                reader.error("\(context).pool must be between 1 and 64 worker processes, found \(pool)", at: poolNode)
            }
        }
        if let memoryNode = mapping["memory"], let memory = reader.int(memoryNode, "\(context).memory") {
            if (128 ... 10240).contains(memory) { handler.memoryMB = memory } else {
                reader.error("\(context).memory must be between 128 and 10240 (MB, as on Lambda), found \(memory)", at: memoryNode)
            }
        }
        if let interpreterNode = mapping["interpreter"], let interpreter = reader.string(interpreterNode, "\(context).interpreter") {
            handler.interpreter = interpreter.contains("/") ? resolve(interpreter, against: base) : interpreter
        }
        let executable = handler.interpreterExecutable
        if !executableExists(executable) {
            let hint = runtime == .python ? "install python3, or set GATECHECK_PYTHON or 'interpreter:'" : "install Node.js, or set GATECHECK_NODE or 'interpreter:'"
            reader.error("\(context): the \(runtime.rawValue) interpreter '\(executable)' was not found (\(hint))", at: mapping.keyNode(kinds[0]))
        }
        return .handler(handler)
    }

    private static func lambdaRule(_ node: Node, _ context: String, reader: YAMLReader) -> LambdaRule? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: lambdaRuleKeys, context)
        let location = "\(reader.file):\(node.mark?.line ?? 0):\(node.mark?.column ?? 0)"
        var conditions: [EventCondition] = []
        if let when = mapping["when"], let tests = reader.mapping(when, "\(context).when") {
            for entry in tests.entries {
                let path: JSONPath
                do {
                    path = try JSONPath(entry.key)
                } catch {
                    reader.error("\(context).when: \(error) (keys of 'when' are JSONPaths into the event, e.g. '$.outcome')", at: entry.keyNode)
                    continue
                }
                if let test = valueTest(entry.value, "\(context).when.\(entry.key)", reader: reader) {
                    conditions.append(EventCondition(path: path, test: test))
                }
            }
        }
        let answers = ["returns", "returnsRaw", "raises", "invokeError"].filter { mapping.contains($0) }
        guard answers.count == 1 else {
            if answers.isEmpty {
                reader.error("\(context) needs exactly one of 'returns:', 'returnsRaw:', 'raises:' or 'invokeError:'", at: node)
            } else {
                reader.error("\(context) has both '\(answers[0])' and '\(answers[1])': a rule gives one answer", at: mapping.keyNode(answers[1]))
            }
            return nil
        }
        var sleep: Duration?
        if let sleepNode = mapping["sleep"] {
            sleep = duration(sleepNode, "\(context).sleep", plainUnit: .milliseconds(1), reader: reader)
        }
        let answer: LambdaAnswer
        switch answers[0] {
        case "returns":
            guard let value = reader.json(mapping["returns"]!, "\(context).returns") else { return nil }
            answer = .returns(value)
        case "returnsRaw":
            guard let text = reader.string(mapping["returnsRaw"]!, "\(context).returnsRaw") else { return nil }
            answer = .returnsRaw(text)
        case "invokeError":
            let errorNode = mapping["invokeError"]!
            guard let name = reader.string(errorNode, "\(context).invokeError") else { return nil }
            guard let error = LambdaInvokeError(name: name) else {
                let known = LambdaInvokeError.allCases.map(\.rawValue)
                var message = "\(context).invokeError: unknown Invoke error '\(name)'; expected one of \(known.joined(separator: ", "))"
                if let hint = closestMatch(to: name, among: known) { message += " (did you mean '\(hint)'?)" }
                reader.error(message, at: errorNode)
                return nil
            }
            answer = .invokeError(error)
        default:
            let raisesNode = mapping["raises"]!
            if case .scalar = raisesNode {
                guard let message = reader.string(raisesNode, "\(context).raises") else { return nil }
                answer = .raises(errorMessage: message, errorType: "Exception", stackTrace: [])
            } else {
                guard let raises = reader.mapping(raisesNode, "\(context).raises") else { return nil }
                reader.checkKeys(raises, allowed: raisesKeys, "\(context).raises")
                guard let messageNode = reader.require(raises, "errorMessage", "\(context).raises"),
                      let message = reader.string(messageNode, "\(context).raises.errorMessage") else { return nil }
                let type = raises["errorType"].flatMap { reader.string($0, "\(context).raises.errorType") } ?? "Exception"
                let trace = raises["stackTrace"].flatMap { reader.stringList($0, "\(context).raises.stackTrace") } ?? []
                answer = .raises(errorMessage: message, errorType: type, stackTrace: trace)
            }
        }
        return LambdaRule(conditions: conditions, answer: answer, sleep: sleep, location: location)
    }

    /// `{ equals: X }`, `{ matches: "re" }` or `{ exists: true }` (one test per condition), or a scalar/list
    /// meaning `equals`.
    private static func valueTest(_ node: Node, _ context: String, reader: YAMLReader) -> ValueTest? {
        guard case .mapping = node else {
            return reader.json(node, context).map(ValueTest.equals)
        }
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: testKeys, context)
        let present = testKeys.filter { mapping.contains($0) }
        guard present.count == 1 else {
            reader.error(present.isEmpty
                ? "\(context) needs one of 'equals:', 'matches:' or 'exists:' (to compare with an object, write 'equals: {...}')"
                : "\(context) has both '\(present[0])' and '\(present[1])': write one test per condition", at: node)
            return nil
        }
        let valueNode = mapping[present[0]]!
        switch present[0] {
        case "equals":
            return reader.json(valueNode, "\(context).equals").map(ValueTest.equals)
        case "matches":
            guard let pattern = reader.string(valueNode, "\(context).matches") else { return nil }
            if let problem = RegexCache.problem(with: pattern) {
                reader.error("\(context).matches: invalid regular expression '\(pattern)': \(problem)", at: valueNode)
                return nil
            }
            return .matches(pattern)
        default:
            return reader.bool(valueNode, "\(context).exists").map(ValueTest.exists)
        }
    }

    // MARK: HTTP upstreams

    /// The answer of a scripted HTTP or service rule: `status` (default 200), `headers`, and `body` (text) or `json`
    /// (with `jsonContentType` unless the headers set a Content-Type).
    private static func scriptedResponse(_ mapping: YAMLMapping, _ context: String, jsonContentType: String, reader: YAMLReader) -> UpstreamResponse {
        var response = UpstreamResponse(status: 200)
        if let statusNode = mapping["status"], let status = reader.int(statusNode, "\(context).status") {
            if (100 ... 599).contains(status) { response.status = status } else {
                reader.error("\(context).status must be an HTTP status between 100 and 599, found \(status)", at: statusNode)
            }
        }
        if let headersNode = mapping["headers"], let pairs = reader.stringPairs(headersNode, "\(context).headers") {
            response.headers = HTTPHeaders(pairs.map { ($0.0, $0.1) })
        }
        if mapping.contains("body") && mapping.contains("json") {
            reader.error("\(context) has both 'body' and 'json': choose one", at: mapping.keyNode("json"))
        } else if let bodyNode = mapping["body"], let body = reader.string(bodyNode, "\(context).body") {
            response.body = Array(body.utf8)
        } else if let jsonNode = mapping["json"], let json = reader.json(jsonNode, "\(context).json") {
            response.body = Array(json.serialized(.compact).utf8)
            if !response.headers.contains("Content-Type") {
                response.headers.add(name: "Content-Type", value: jsonContentType)
            }
        }
        return response
    }

    private static func serviceDefinition(_ node: Node, service: String, reader: YAMLReader) -> ServiceDefinition? {
        let context = "services.\(service)"
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: serviceKeys, context)
        if mapping.contains("script") && mapping.contains("endpoint") {
            reader.error("\(context) has both 'script' and 'endpoint': choose one", at: mapping.keyNode("endpoint"))
            return nil
        }
        if let endpointNode = mapping["endpoint"] {
            guard let endpoint = reader.string(endpointNode, "\(context).endpoint") else { return nil }
            let lowered = endpoint.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), endpoint.count > 8,
                  !endpoint.contains("?"), !endpoint.contains("#") else {
                reader.error("\(context).endpoint must be an http:// or https:// URL without query, e.g. 'http://127.0.0.1:5000' (moto's server), found '\(endpoint)'", at: endpointNode)
                return nil
            }
            return .endpoint(endpoint)
        }
        guard let scriptNode = mapping["script"] else {
            reader.error("\(context) needs 'endpoint: http://host:port' (an AWS-compatible endpoint such as moto's server) or 'script:' (rules)", at: node)
            return nil
        }
        guard let items = reader.sequence(scriptNode, "\(context).script") else { return nil }
        var rules: [ServiceRule] = []
        for (index, item) in items.enumerated() {
            if let rule = serviceRule(item, "\(context).script[\(index)]", reader: reader) { rules.append(rule) }
        }
        return .scripted(rules)
    }

    private static func serviceRule(_ node: Node, _ context: String, reader: YAMLReader) -> ServiceRule? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: serviceRuleKeys, context)
        var rule = ServiceRule(response: UpstreamResponse(status: 200), location: "\(reader.file):\(node.mark?.line ?? 0):\(node.mark?.column ?? 0)")
        if let when = mapping["when"], let conditions = reader.mapping(when, "\(context).when") {
            for entry in conditions.entries {
                let where_ = "\(context).when.\(entry.key)"
                switch entry.key {
                case "action": rule.action = stringTest(entry.value, where_, reader: reader)
                case "path": rule.path = stringTest(entry.value, where_, reader: reader)
                case "body": rule.body = stringTest(entry.value, where_, reader: reader)
                default:
                    guard entry.key.hasPrefix("$") else {
                        reader.error("unknown key '\(entry.key)' in \(context).when: expected action, path, body or a JSONPath into the JSON body such as '$.TableName'", at: entry.keyNode)
                        continue
                    }
                    do {
                        let path = try JSONPath(entry.key)
                        if let test = valueTest(entry.value, where_, reader: reader) { rule.json.append((path, test)) }
                    } catch {
                        reader.error("\(context).when: \(error)", at: entry.keyNode)
                    }
                }
            }
        }
        rule.response = scriptedResponse(mapping, context, jsonContentType: "application/x-amz-json-1.0", reader: reader)
        rule.response.headers.replaceOrAdd(name: "Content-Length", value: String(rule.response.body.count))
        return rule
    }

    private static func httpDefinition(_ node: Node, host: String, reader: YAMLReader) -> HTTPDefinition? {
        let context = "http.\(host)"
        if case let .scalar(scalar) = node, scalar.string == "direct" { return .direct }
        if host == BackendsConfiguration.anyHost {
            reader.error("http.\"*\" can only be `direct` (call every host not listed at its real address)", at: node)
            return nil
        }
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: httpKeys, context)
        if mapping.contains("script") && mapping.contains("forward") {
            reader.error("\(context) has both 'script' and 'forward': choose one", at: mapping.keyNode("forward"))
            return nil
        }
        if let forwardNode = mapping["forward"] {
            guard let target = reader.string(forwardNode, "\(context).forward") else { return nil }
            let lowered = target.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), target.count > 8 else {
                reader.error("\(context).forward must be an http:// or https:// URL, e.g. 'http://127.0.0.1:8080', found '\(target)'", at: forwardNode)
                return nil
            }
            if target.contains("?") || target.contains("#") {
                reader.error("\(context).forward must not contain a query or fragment: the request's own are appended", at: forwardNode)
                return nil
            }
            return .forward(target)
        }
        guard let scriptNode = mapping["script"] else {
            reader.error("\(context) needs 'script:' (rules), 'forward: http://host:port', or `direct` (the real host)", at: node)
            return nil
        }
        guard let items = reader.sequence(scriptNode, "\(context).script") else { return nil }
        var rules: [HTTPRule] = []
        for (index, item) in items.enumerated() {
            if let rule = httpRule(item, "\(context).script[\(index)]", reader: reader) { rules.append(rule) }
        }
        return .scripted(rules)
    }

    private static func httpRule(_ node: Node, _ context: String, reader: YAMLReader) -> HTTPRule? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: httpRuleKeys, context)
        var rule = HTTPRule(response: UpstreamResponse(status: 200), location: "\(reader.file):\(node.mark?.line ?? 0):\(node.mark?.column ?? 0)")
        if let when = mapping["when"], let conditions = reader.mapping(when, "\(context).when") {
            reader.checkKeys(conditions, allowed: httpWhenKeys, "\(context).when")
            if let methodNode = conditions["method"], let methods = reader.stringList(methodNode, "\(context).when.method") {
                rule.methods = methods.map { $0.uppercased() }
            }
            if let pathNode = conditions["path"] {
                rule.path = stringTest(pathNode, "\(context).when.path", reader: reader)
            }
            for (key, target) in [("query", \HTTPRule.query), ("headers", \HTTPRule.headers)] {
                guard let tableNode = conditions[key], let table = reader.mapping(tableNode, "\(context).when.\(key)") else { continue }
                for entry in table.entries {
                    if let test = stringTest(entry.value, "\(context).when.\(key).\(entry.key)", reader: reader) {
                        rule[keyPath: target].append((entry.key, test))
                    }
                }
            }
        }
        rule.response = scriptedResponse(mapping, context, jsonContentType: "application/json", reader: reader)
        if let sleepNode = mapping["sleep"] {
            rule.sleep = duration(sleepNode, "\(context).sleep", plainUnit: .milliseconds(1), reader: reader)
        }
        return rule
    }

    /// A scalar means "equals this text"; a mapping is `{equals|matches|exists}`.
    private static func stringTest(_ node: Node, _ context: String, reader: YAMLReader) -> ValueTest? {
        if case .scalar = node { return reader.string(node, context).map { .equals(.string($0)) } }
        guard let test = valueTest(node, context, reader: reader) else { return nil }
        if case let .equals(value) = test, value.stringValue == nil {
            return .equals(.string(value.serialized(.compact)))
        }
        return test
    }

    // MARK: helpers

    /// `1500ms`, `1.5s`, `2m`, or a plain number in `plainUnit`.
    static func duration(_ node: Node, _ context: String, plainUnit: Duration, reader: YAMLReader) -> Duration? {
        guard let text = reader.string(node, context)?.trimmingCharacters(in: .whitespaces) else { return nil }
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Double(number), value >= 0, value.isFinite {
                return .milliseconds(Int64((value * seconds * 1000).rounded()))
            }
        }
        if let value = Double(text), value >= 0, value.isFinite {
            let (seconds, attoseconds) = plainUnit.components
            let unitMilliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
            return .milliseconds(Int64((value * unitMilliseconds).rounded()))
        }
        reader.error("expected a duration for '\(context)' like 1500ms or 1.5s, found '\(text)'", at: node)
        return nil
    }

    static func directory(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path
    }

    static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
    }

    /// A path for messages: relative to the referencing file's directory when that file was named relatively.
    private static func displayPath(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }

    private static func describe(_ node: Node) -> String {
        if case let .scalar(scalar) = node { return "'\(scalar.string)'" }
        return YAMLReader.kind(of: node)
    }

    /// Whether `name` is an executable path, or found in PATH.
    static func executableExists(_ name: String) -> Bool {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }
}
