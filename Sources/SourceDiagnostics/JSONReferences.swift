import Yams

/// Checks every `$ref` of an API definition when it is loaded, so that a reference that leads nowhere is an error
/// at its line and column rather than a surprise on the first request:
/// - a local reference (`#/components/schemas/Item`) must name a node of the document (JSON Pointer, RFC 6901);
/// - an API Gateway model URL (`https://apigateway.amazonaws.com/restapis/{id}/models/Item`) must name a model
///   of `components.schemas` (or Swagger 2.0 `definitions`), as API Gateway resolves it among the API's models;
/// - a chain of references that only refer on (`A: {$ref: B}`, `B: {$ref: A}`) never reaches a schema: cyclic.
///   Recursion through a schema's content (`children: {items: {$ref: Node}}`) is ordinary JSON Schema and allowed.
/// References to other files are not followed by the emulator: a warning says so.
public enum JSONReferences {
    public static func check(_ root: Node, file: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var reported = Set<String>()
        var cycles = Set<[String]>()
        visit(root) { reference, node in
            if let problem = problem(with: reference, in: root) {
                let key = "\(node.mark?.line ?? 0):\(node.mark?.column ?? 0)"
                guard reported.insert(key).inserted else { return }
                // A cycle is reported once, at the first reference (in document order) that runs into it.
                if let members = problem.cycle, !cycles.insert(members.sorted()).inserted { return }
                diagnostics.append(Diagnostic(problem.severity, file: file, line: node.mark?.line, column: node.mark?.column,
                                              message: problem.message))
            }
        }
        return diagnostics
    }

    /// Calls `body` with each `$ref` string and its value node, in document order.
    static func visit(_ node: Node, _ body: (String, Node) -> Void) {
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                // Integration references of HTTP APIs are checked by their loader, with its own message.
                if key.scalar?.string == "$ref", case let .scalar(scalar) = value,
                   !scalar.string.hasPrefix("#/components/x-amazon-apigateway-integrations/") {
                    body(scalar.string, value)
                }
                visit(value, body)
            }
        case let .sequence(items):
            for item in items { visit(item, body) }
        case .scalar, .alias:
            break
        }
    }

    /// What is wrong with `reference`, and for a cycle its members (the references that refer on in a loop).
    static func problem(with reference: String, in root: Node) -> (severity: Diagnostic.Severity, message: String, cycle: [String]?)? {
        var seen: [String] = []
        var current = reference
        while true {
            seen.append(current)
            let target: Node
            switch resolve(current, in: root) {
            case let .found(node): target = node
            case let .missing(message): return (.error, seen.count == 1 ? message : message + " (reached from '\(reference)')", nil)
            case .external:
                return seen.count == 1 ? (.warning, "$ref '\(reference)' refers to another document, which the emulator does not read; inline it or move it to components.schemas", nil) : nil
            }
            guard case let .mapping(mapping) = target, let next = mapping["$ref"]?.scalar?.string else { return nil }
            if let start = seen.firstIndex(of: next) {
                let chain = (seen + [next]).map { "'\($0)'" }.joined(separator: " -> ")
                return (.error, "cyclic $ref: \(chain) refers on forever without reaching a schema", Array(seen[start...]))
            }
            current = next
        }
    }

    enum Resolution {
        case found(Node)
        case missing(String)
        case external
    }

    /// The models every REST API has without declaring them (API Gateway creates `Empty` and `Error` with the API),
    /// which SAM and exported definitions reference without a `components.schemas` entry.
    public static let builtInModels: [String: String] = [
        "Empty": #"{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}"#,
        "Error": #"{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema", "type": "object", "properties": {"message": {"type": "string"}}}"#,
    ]

    static func resolve(_ reference: String, in root: Node) -> Resolution {
        let resolution = resolveDeclared(reference, in: root)
        guard case .missing = resolution else { return resolution }
        for prefix in ["#/components/schemas/", "#/definitions/"] where reference.hasPrefix(prefix) {
            if let model = builtInModels[String(reference.dropFirst(prefix.count))], let node = try? Yams.compose(yaml: model) { return .found(node) }
        }
        if reference.hasPrefix("https://apigateway.amazonaws.com/restapis/"), let name = reference.split(separator: "/").last,
           let model = builtInModels[String(name)], let node = try? Yams.compose(yaml: model) {
            return .found(node)
        }
        return resolution
    }

    private static func resolveDeclared(_ reference: String, in root: Node) -> Resolution {
        if reference.hasPrefix("#") {
            let pointer = reference.dropFirst()
            guard pointer.isEmpty || pointer.hasPrefix("/") else {
                return .missing("$ref '\(reference)' is not a JSON Pointer (write '#/components/schemas/Name')")
            }
            var node = root
            var walked = "#"
            for token in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
                let decoded = (String(token).removingPercentEncoding ?? String(token))
                    .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                let child: Node?
                switch node {
                case let .mapping(mapping): child = mapping[Node(decoded)]
                case let .sequence(items): child = Int(decoded).flatMap { $0 >= 0 && $0 < items.count ? items[$0] : nil }
                default: child = nil
                }
                guard let child else {
                    var message = "dangling $ref '\(reference)': \(walked == "#" ? "the document" : "'\(walked)'") has no '\(decoded)'"
                    if case let .mapping(mapping) = node {
                        let names = Array(mapping.keys.compactMap(\.scalar?.string))
                        if let hint = closestMatch(to: decoded, among: names) { message += " (did you mean '\(hint)'?)" }
                    }
                    return .missing(message)
                }
                node = child
                walked += "/" + token
            }
            return .found(node)
        }
        if reference.hasPrefix("https://apigateway.amazonaws.com/restapis/"), reference.contains("/models/") {
            let name = String(reference.split(separator: "/").last ?? "")
            let decoded = name.removingPercentEncoding ?? name
            let models = root.mapping?["components"]?.mapping?["schemas"]?.mapping ?? root.mapping?["definitions"]?.mapping
            if let model = models?[Node(decoded)] { return .found(model) }
            var message = "dangling $ref '\(reference)': no model '\(decoded)' in components.schemas"
            if let names = models.map({ Array($0.keys.compactMap(\.scalar?.string)) }), let hint = closestMatch(to: decoded, among: names) {
                message += " (did you mean '\(hint)'?)"
            }
            return .missing(message)
        }
        return .external
    }
}
