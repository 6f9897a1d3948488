/// The resource trie of a REST API. Matching order at each segment: literal child, then `{param}`, then greedy
/// `{proxy+}`; a resource only matches if it defines the verb or ANY, otherwise matching backtracks (so a sibling
/// or ancestor `{proxy+}` defining the verb serves it, as API Gateway does).
struct RESTRouter: Sendable {
    final class Node: Sendable {
        let literals: [String: Node]
        let parameter: (name: String, node: Node)?
        let greedy: (name: String, methods: [String: RESTMethod])?
        let methods: [String: RESTMethod]?

        init(literals: [String: Node], parameter: (name: String, node: Node)?, greedy: (name: String, methods: [String: RESTMethod])?, methods: [String: RESTMethod]?) {
            self.literals = literals
            self.parameter = parameter
            self.greedy = greedy
            self.methods = methods
        }
    }

    /// Mutable construction form, frozen into `Node`s.
    private struct Draft {
        var literals: [String: Draft] = [:]
        var parameterName: String?
        var parameter: [Draft] = []
        var greedy: (name: String, methods: [String: RESTMethod])?
        var methods: [String: RESTMethod]?

        func freeze() -> Node {
            Node(literals: literals.mapValues { $0.freeze() },
                 parameter: parameterName.map { ($0, parameter[0].freeze()) },
                 greedy: greedy, methods: methods)
        }
    }

    private var draft = Draft()
    private(set) var root = Node(literals: [:], parameter: nil, greedy: nil, methods: nil)

    struct Match {
        var method: RESTMethod
        /// Path parameters in path order (greedy value without leading/trailing slashes).
        var pathParameters: [(String, String)]
    }

    mutating func insert(_ resource: RESTResource) {
        var methods: [String: RESTMethod] = [:]
        for method in resource.methods { methods[method.httpMethod] = method }
        let segments = resource.path.split(separator: "/").map(String.init)
        Self.insert(&draft, segments[...], methods)
        root = draft.freeze()
    }

    private static func insert(_ node: inout Draft, _ segments: ArraySlice<String>, _ methods: [String: RESTMethod]) {
        guard let segment = segments.first else {
            node.methods = (node.methods ?? [:]).merging(methods) { _, new in new }
            return
        }
        if segment.hasPrefix("{"), segment.hasSuffix("+}") {
            node.greedy = (String(segment.dropFirst().dropLast(2)), methods)
        } else if segment.hasPrefix("{"), segment.hasSuffix("}") {
            // API Gateway allows one path-parameter child per resource; a second name at the same position is
            // routed through the first one's node (names differ only in what the method sees).
            if node.parameterName == nil { node.parameterName = String(segment.dropFirst().dropLast()); node.parameter = [Draft()] }
            insert(&node.parameter[0], segments.dropFirst(), methods)
        } else {
            insert(&node.literals[segment, default: Draft()], segments.dropFirst(), methods)
        }
    }

    /// Finds the method for `segments` (the path after the stage, split on `/` without empty segments);
    /// `rawRest` gives the raw remainder for each segment index, for greedy parameters.
    func match(verb: String, segments: [String], greedyValue: (Int) -> String) -> Match? {
        var parameters: [(String, String)] = []
        return Self.match(root, verb: verb, segments: segments, index: 0, parameters: &parameters, greedyValue: greedyValue)
    }

    private static func pick(_ methods: [String: RESTMethod]?, _ verb: String) -> RESTMethod? {
        guard let methods else { return nil }
        return methods[verb] ?? methods["ANY"]
    }

    private static func match(_ node: Node, verb: String, segments: [String], index: Int, parameters: inout [(String, String)],
                              greedyValue: (Int) -> String) -> Match? {
        if index == segments.count {
            if let method = pick(node.methods, verb) { return Match(method: method, pathParameters: parameters) }
            return nil
        }
        let segment = segments[index]
        if let child = node.literals[segment],
           let found = match(child, verb: verb, segments: segments, index: index + 1, parameters: &parameters, greedyValue: greedyValue) {
            return found
        }
        if let (name, child) = node.parameter {
            parameters.append((name, segment))
            if let found = match(child, verb: verb, segments: segments, index: index + 1, parameters: &parameters, greedyValue: greedyValue) {
                return found
            }
            parameters.removeLast()
        }
        if let (name, methods) = node.greedy, let method = pick(methods, verb) {
            return Match(method: method, pathParameters: parameters + [(name, greedyValue(index))])
        }
        return nil
    }
}
