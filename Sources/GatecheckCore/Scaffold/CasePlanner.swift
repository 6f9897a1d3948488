import Foundation
import Gateway
import JSONCore
import JSONSchema

/// One case `gatecheck init` writes: its request, the assumptions behind it, and (once sent) its assertions.
struct PlannedCase {
    var name: String
    var method: String
    /// Relative to the stage, concrete (path parameters filled in).
    var path: String
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: JSONValue?
    /// `# guess:` comments: what init assumed and could not check.
    var notes: [String] = []
    /// Plain comments (facts worth knowing, not guesses).
    var remarks: [String] = []
    var matchesDefinition = false
    /// The status the case is named after, when it aims at one.
    var intendedStatus: Int?

    func requestYAML(expect: Recorded?) -> String {
        var text = "\n"
        for note in notes { text += "  # guess: \(YAMLText.comment(note))\n" }
        for remark in remarks { text += "  # \(YAMLText.comment(remark))\n" }
        text += "  - name: \(YAMLText.quoted(name))\n"
        if matchesDefinition { text += "    matchesDefinition: true\n" }
        text += "    request:\n      method: \(method)\n      path: \(YAMLText.quoted(path, template: true))\n"
        if !query.isEmpty {
            text += "      query: { " + query.map { "\(YAMLText.quoted($0.name)): \(YAMLText.quoted($0.value, template: true))" }.joined(separator: ", ") + " }\n"
        }
        if !headers.isEmpty {
            text += "      headers: { " + headers.map { "\(YAMLText.quoted($0.name)): \(YAMLText.quoted($0.value, template: true))" }.joined(separator: ", ") + " }\n"
        }
        if let body { text += "      body: { json: \(YAMLText.flow(body)) }\n" }
        return text + (expect?.yaml ?? "")
    }
}

extension YAMLText {
    /// One comment line: line breaks folded.
    static func comment(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// Plans the cases of a definition and, when init stands in for the backends, the scripted rules that make each
/// planned outcome happen.
struct CasePlanner {
    let api: APIDefinition
    /// True when init writes the backends file (scripted stand-ins), so that it can script the outcomes.
    let scriptsBackends: Bool
    private(set) var cases: [PlannedCase] = []
    /// Scripted Lambda rules by function name, in order; the fallbacks are added when rendering.
    private var lambdaRules: [String: [String]] = [:]
    private var lambdaOrder: [String] = []
    private var proxyFunctions: Set<String> = []
    private var hostRules: [String: [String]] = [:]
    private var hostOrder: [String] = []
    private var errorCount = 0

    init(api: APIDefinition, scriptsBackends: Bool) {
        self.api = api
        self.scriptsBackends = scriptsBackends
    }

    mutating func planAll() {
        switch api {
        case let .rest(definition):
            for method in definition.allMethods { plan(method, models: definition.models) }
            add(PlannedCase(name: "unknown path -> 403 Missing Authentication Token", method: "GET", path: "/gatecheck-no-such-path", intendedStatus: 403))
        case let .http(definition):
            for route in definition.allRoutes { plan(route) }
            if definition.defaultRoute == nil {
                add(PlannedCase(name: "unknown path -> 404 Not Found", method: "GET", path: "/gatecheck-no-such-path", intendedStatus: 404))
            }
        }
        for function in api.referencedFunctions(stageVariables: [:]) where lambdaRules[function] == nil { registerFunction(function) }
    }

    private mutating func add(_ planned: PlannedCase) {
        var copy = planned
        var suffix = 2
        while cases.contains(where: { $0.name == copy.name }) {
            copy.name = "\(planned.name) (\(suffix))"
            suffix += 1
        }
        cases.append(copy)
    }

    // MARK: REST

    private mutating func plan(_ method: RESTMethod, models: [String: JSONValue]) {
        let key = "\(method.httpMethod) \(method.resourcePath)"
        var base = PlannedCase(name: key, method: method.httpMethod == "ANY" ? "GET" : method.httpMethod,
                               path: Self.concretePath(method.resourcePath))
        if method.httpMethod == "ANY" { base.notes.append("ANY accepts every method; GET is sent") }
        if base.path != method.resourcePath { base.notes.append("path parameter values are placeholders") }
        switch method.authorizationType {
        case .none: break
        case .awsIAM: base.notes.append("the method needs a SigV4 signature (AWS_IAM): add `auth: sigv4` to the suite and credentials")
        default: base.notes.append("the method needs its authorizer's identity source (\(method.authorizationType.rawValue)): add it to the request")
        }
        if method.apiKeyRequired { base.notes.append("the method requires an API key (x-api-key) of a usage plan: add it to the request") }
        if let validation = method.validation {
            for parameter in validation.requiredParameters {
                switch parameter.location {
                case .querystring: base.query.append((parameter.name, "example"))
                case .header: base.headers.append((parameter.name, "example"))
                case .path: break
                }
            }
            if !validation.requiredParameters.filter({ $0.location != .path }).isEmpty { base.notes.append("required parameter values are placeholders") }
            if let schema = validation.bodySchemas.first(where: { $0.contentType == "application/json" })?.schema ?? validation.bodySchemas.first?.schema {
                let example = SchemaExample(models: models).instance(of: schema)
                base.body = example
                if !JSONSchemaValidator(models: models).isValid(example, against: schema) {
                    base.notes.append("the request body is a placeholder that does not satisfy the request model")
                } else {
                    base.notes.append("the request body is the smallest instance of the request model")
                }
            }
        }
        let integration = method.integration
        let function = integration.lambdaFunctionName
        switch integration.kind {
        case .awsProxy, .httpProxy:
            let statuses = method.methodResponses.keys.compactMap(Int.init).sorted()
            var main = base
            main.name = "\(key) -> \(statuses.contains(200) || statuses.isEmpty ? "200" : String(statuses[0]))"
            add(main)
            if let function { registerFunction(function, proxy: true) }
            for status in statuses where status != 200 {
                var provoked = base
                provoked.name = "\(key) -> \(status)"
                provoked.intendedStatus = status
                provoked.headers.append((SuiteScaffold.statusHeader, String(status)))
                if scripts(function: function, kind: integration.kind) {
                    if let function {
                        appendLambdaRule(function, "      - when: { \"$.headers['\(SuiteScaffold.statusHeader)']\": \"\(status)\" }\n"
                            + "        returns: { statusCode: \(status), headers: { Content-Type: application/json }, body: '{\"status\": \(status)}' }\n")
                    } else if let host = Self.host(of: integration) {
                        appendHostRule(host, "      - when: { headers: { \(SuiteScaffold.statusHeader): \"\(status)\" } }\n        status: \(status)\n        json: { status: \(status) }\n")
                    }
                    provoked.remarks.append("the scripted stand-in answers status \(status) when asked with the \(SuiteScaffold.statusHeader) header")
                } else {
                    provoked.notes.append("the backend decides the status; the \(SuiteScaffold.statusHeader) header only works with init's scripted stand-ins")
                }
                add(provoked)
            }
            if function == nil, let host = Self.host(of: integration) { registerHost(host) }
        default:
            if let function { registerFunction(function, proxy: false) }
            if let host = Self.host(of: integration) { registerHost(host) }
            if integration.responses.isEmpty {
                var only = base
                only.name = "\(key) -> integration without responses"
                only.notes.append("the integration declares no integration responses")
                add(only)
            }
            for response in integration.responses {
                var planned = base
                let label = response.isDefault ? "default" : "'\(response.selectionPattern)'"
                planned.name = "\(key): \(label) -> \(response.statusCode)"
                planned.intendedStatus = Int(response.statusCode)
                if !response.isDefault {
                    provoke(&planned, response: response, integration: integration, function: function)
                }
                add(planned)
            }
        }
        // A request validator: a request without a required parameter, and a body that breaks the model.
        if let validation = method.validation {
            if validation.validatesParameters, let missing = validation.requiredParameters.first(where: { $0.location != .path }) {
                var planned = base
                planned.name = "\(key): missing required \(missing.location.rawValue) parameter '\(missing.name)' -> 400"
                planned.intendedStatus = 400
                planned.query.removeAll { missing.location == .querystring && $0.name == missing.name }
                planned.headers.removeAll { missing.location == .header && $0.name == missing.name }
                add(planned)
            }
            if validation.validatesBody, !validation.bodySchemas.isEmpty {
                var planned = base
                planned.name = "\(key): body that breaks the request model -> 400"
                planned.intendedStatus = 400
                planned.body = .array([])
                planned.notes.removeAll { $0.hasPrefix("the request body") }
                planned.notes.append("an empty JSON array, assumed not to satisfy the request model")
                add(planned)
            }
        }
    }

    /// Makes a request select `response` (a selection pattern) where the definition tells how.
    private mutating func provoke(_ planned: inout PlannedCase, response: IntegrationResponse, integration: Integration, function: String?) {
        switch integration.kind {
        case .aws where function != nil:
            guard let function, scriptsBackends else {
                planned.notes.append("the Lambda function must fail with an errorMessage matching '\(response.selectionPattern)' for this response; adjust the request")
                return
            }
            guard let message = PatternExample.example(for: response.selectionPattern) else {
                planned.notes.append("no example error message for '\(response.selectionPattern)' could be derived; edit the stand-in's errorMessage")
                return
            }
            errorCount += 1
            let marker = "e\(errorCount)"
            planned.body = Self.merging(planned.body, key: SuiteScaffold.errorKey, value: .string(marker))
            appendLambdaRule(function, "      - when: { \"$.\(SuiteScaffold.errorKey)\": \"\(marker)\" }\n"
                + "        raises: { errorMessage: \(YAMLText.quoted(message)), errorType: Exception }\n")
            planned.remarks.append("the scripted stand-in raises \(YAMLText.quoted(message)), which '\(response.selectionPattern)' matches as a whole")
            if integration.hasRequestTemplates {
                planned.notes.append("the request template must pass the body's \(SuiteScaffold.errorKey) to the function")
            }
        case .mock:
            planned.notes.append("the MOCK request template decides the status that '\(response.selectionPattern)' must match; adjust the request so it selects this response")
        case .http:
            planned.notes.append("the HTTP backend's status must match '\(response.selectionPattern)'; adjust the request or the backend")
        default:
            planned.notes.append("the service's answer must match '\(response.selectionPattern)'; adjust the request")
        }
    }

    // MARK: HTTP API

    private mutating func plan(_ route: HTTPAPIRoute) {
        let isDefault = route.routeKey == "$default"
        var base = PlannedCase(name: route.routeKey, method: route.method ?? "GET",
                               path: isDefault ? "/gatecheck-default-route" : Self.concretePath(route.path))
        if route.method == nil, !isDefault { base.notes.append("ANY accepts every method; GET is sent") }
        if isDefault { base.notes.append("any path no other route matches reaches $default") }
        if !isDefault, base.path != route.path { base.notes.append("path parameter values are placeholders") }
        switch route.authorizationType {
        case .none: break
        case .awsIAM: base.notes.append("the route needs a SigV4 signature (AWS_IAM): add `auth: sigv4` to the suite and credentials")
        default: base.notes.append("the route needs its authorizer's identity source (\(route.authorizationType.rawValue)): add it to the request")
        }
        guard let integration = route.integration else {
            var planned = base
            planned.name = "\(route.routeKey) -> no integration"
            add(planned)
            return
        }
        var function: String?
        var host: String?
        switch integration.target {
        case let .lambda(reference): function = reference.name
        case let .http(url): host = URLComponents(string: url)?.host.map { host in URLComponents(string: url)?.port.map { "\(host):\($0)" } ?? host }
        default: break
        }
        if let function { registerFunction(function, proxy: true) }
        if let host { registerHost(host) }
        var main = base
        main.name = "\(route.routeKey) -> 200"
        add(main)
        for status in integration.responseParameters.keys.sorted() where status != 200 {
            var provoked = base
            provoked.name = "\(route.routeKey): response mapping for \(status)"
            provoked.intendedStatus = status
            provoked.headers.append((SuiteScaffold.statusHeader, String(status)))
            if scriptsBackends, let function {
                appendLambdaRule(function, "      - when: { \"$.headers['\(SuiteScaffold.statusHeader)']\": \"\(status)\" }\n"
                    + "        returns: { statusCode: \(status), headers: { Content-Type: application/json }, body: '{\"status\": \(status)}' }\n")
            } else if scriptsBackends, let host, !host.contains("${") {
                appendHostRule(host, "      - when: { headers: { \(SuiteScaffold.statusHeader): \"\(status)\" } }\n        status: \(status)\n        json: { status: \(status) }\n")
            } else {
                provoked.notes.append("the backend must answer \(status) for this mapping to apply; adjust the request")
            }
            add(provoked)
        }
    }

    // MARK: Backends

    private func scripts(function: String?, kind: Integration.Kind) -> Bool {
        scriptsBackends && (function != nil || kind == .httpProxy)
    }

    private mutating func registerFunction(_ name: String, proxy: Bool = false) {
        guard !name.contains("${") else { return }
        if lambdaRules[name] == nil { lambdaRules[name] = []; lambdaOrder.append(name) }
        if proxy { proxyFunctions.insert(name) }
    }

    private mutating func appendLambdaRule(_ function: String, _ rule: String) {
        registerFunction(function)
        lambdaRules[function, default: []].append(rule)
    }

    private mutating func registerHost(_ host: String) {
        let key = host.lowercased()
        guard !key.contains("${"), hostRules[key] == nil else { return }
        hostRules[key] = []
        hostOrder.append(key)
    }

    private mutating func appendHostRule(_ host: String, _ rule: String) {
        registerHost(host)
        hostRules[host.lowercased(), default: []].append(rule)
    }

    /// The scripted stand-ins for every function and host the definition calls (docs/backends.md).
    func backendsYAML() -> String {
        var text = """
        # Generated by `gatecheck init`: scripted stand-ins for the API's backends, so the embedded emulator can answer
        # (docs/backends.md). Replace them with your real handlers (`python: file.py:handler`) when you have them.

        """
        let authorizerFunctions: Set<String> = {
            switch api {
            case let .rest(definition): return definition.authorizerFunctionNames
            case let .http(definition): return Set(definition.authorizers.values.map(\.functionName))
            }
        }()
        if !lambdaOrder.isEmpty {
            text += "lambdas:\n"
            for name in lambdaOrder {
                text += "  \(YAMLText.quoted(name)):\n    script:\n"
                text += (lambdaRules[name] ?? []).joined()
                if authorizerFunctions.contains(name) {
                    text += "      # an authorizer stand-in that allows every caller (REST policy and HTTP API simple response)\n"
                    text += "      - returns: { principalId: gatecheck, isAuthorized: true, policyDocument: { Version: \"2012-10-17\", Statement: [{ Action: \"execute-api:Invoke\", Effect: Allow, Resource: \"*\" }] } }\n"
                    continue
                }
                if proxyFunctions.contains(name) {
                    text += "      - when: { \"$.requestContext\": { exists: true } }\n"
                    text += "        returns: { statusCode: 200, headers: { Content-Type: application/json }, body: '{\"ok\": true}' }\n"
                }
                text += "      - returns: { ok: true }\n"
            }
        }
        if !hostOrder.isEmpty {
            text += "http:\n"
            for host in hostOrder {
                text += "  \(YAMLText.quoted(host)):\n    script:\n"
                text += (hostRules[host] ?? []).joined()
                text += "      - status: 200\n        json: { ok: true }\n"
            }
        }
        return text
    }

    // MARK: Helpers

    /// `/items/{id}` -> `/items/example-id`; `{proxy+}` -> `example/path`.
    static func concretePath(_ template: String) -> String {
        let segments = template.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return String(segment) }
            let name = segment.dropFirst().dropLast()
            return name.hasSuffix("+") ? "example/path" : "example-\(name)"
        }
        return segments.joined(separator: "/")
    }

    static func host(of integration: Integration) -> String? {
        guard case let .http(url)? = integration.target, let components = URLComponents(string: url), let host = components.host else { return nil }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    static func merging(_ body: JSONValue?, key: String, value: JSONValue) -> JSONValue {
        if case var .object(members)? = body {
            members[key] = value
            return .object(members)
        }
        return .object([key: value])
    }
}

/// The smallest instance of a JSON Schema draft 4 schema init can build: required properties only, the fewest
/// items, enum's first value, minimums; checked by the caller.
struct SchemaExample {
    let models: [String: JSONValue]

    func instance(of schema: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 16, case let .object(keywords) = schema else { return .object([:]) }
        if case let .string(reference)? = keywords["$ref"], let name = reference.split(separator: "/").last.map(String.init),
           let model = models[name] {
            return instance(of: model, depth: depth + 1)
        }
        if let example = keywords["example"] ?? keywords["default"] { return example }
        if case let .array(options)? = keywords["enum"], let first = options.first { return first }
        if case let .array(parts)? = keywords["allOf"] {
            var merged: [(String, JSONValue)] = []
            for part in parts {
                if case let .object(members) = instance(of: part, depth: depth + 1) {
                    for (key, value) in members where !merged.contains(where: { $0.0 == key }) { merged.append((key, value)) }
                }
            }
            return .object(.init(uniqueKeysWithValues: merged))
        }
        for combinator in ["anyOf", "oneOf"] {
            if case let .array(parts)? = keywords[combinator], let first = parts.first { return instance(of: first, depth: depth + 1) }
        }
        var type = "object"
        switch keywords["type"] {
        case let .string(name)?: type = name
        case let .array(names)?: type = names.compactMap { if case let .string(name) = $0, name != "null" { return name } else { return nil } }.first ?? "null"
        default: if keywords["items"] != nil { type = "array" }
        }
        switch type {
        case "string":
            if case let .string(pattern)? = keywords["pattern"], let text = PatternExample.example(for: pattern) { return .string(text) }
            return .string("example".padded(to: Self.int(keywords["minLength"]) ?? 0, max: Self.int(keywords["maxLength"])))
        case "integer", "number":
            var value = Self.number(keywords["minimum"]) ?? 1
            if keywords["exclusiveMinimum"] == .bool(true) { value += 1 }
            if let maximum = Self.number(keywords["maximum"]), value > maximum { value = maximum }
            if let step = Self.number(keywords["multipleOf"]), step > 0 { value = (value / step).rounded(.up) * step }
            return type == "integer" || value == value.rounded() ? .int(Int64(value)) : .double(value)
        case "boolean": return .bool(true)
        case "null": return .null
        case "array":
            let count = Self.int(keywords["minItems"]) ?? 0
            let item = keywords["items"].map { instance(of: $0, depth: depth + 1) } ?? .string("example")
            return .array(Array(repeating: item, count: count))
        default:
            var members: [(String, JSONValue)] = []
            let properties: [String: JSONValue] = {
                if case let .object(declared)? = keywords["properties"] { return Dictionary(uniqueKeysWithValues: declared.map { ($0.key, $0.value) }) }
                return [:]
            }()
            if case let .array(required)? = keywords["required"] {
                for case let .string(name) in required {
                    members.append((name, properties[name].map { instance(of: $0, depth: depth + 1) } ?? .string("example")))
                }
            }
            return .object(.init(uniqueKeysWithValues: members))
        }
    }

    static func int(_ value: JSONValue?) -> Int? {
        switch value {
        case let .int(number)?: return Int(number)
        case let .double(number)?: return Int(exactly: number)
        default: return nil
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case let .int(number)?: return Double(number)
        case let .double(number)?: return number
        default: return nil
        }
    }
}

private extension String {
    /// `example` lengthened with `x` to `minimum` characters and cut to `max`.
    func padded(to minimum: Int, max: Int?) -> String {
        var text = self
        if text.count < minimum { text += String(repeating: "x", count: minimum - text.count) }
        if let max, text.count > max { text = String(text.prefix(max)) }
        return text
    }
}
