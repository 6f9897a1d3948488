import Yams

/// Plain-scalar tag resolution without its cost on every mapping key.
///
/// Yams checks each mapping for duplicate keys while it parses, by hashing the key nodes, and hashing a plain
/// scalar resolves its tag: up to seven `NSRegularExpression` matches (bool, int, float, merge, null, timestamp,
/// value) per key. On the 10,000 generated cases of `make bench` that was a quarter of the runner's CPU. So the
/// document is parsed with `Resolver.basic` (no rules: a plain key hashes as the string it is, which is also how
/// gatecheck's own duplicate-key check compares keys), and the parsed tree then gets back the default resolver,
/// lazily as Yams always resolves: a plain scalar's type (null, bool, int, float) is resolved only when someone asks.
enum YAMLTags {
    /// The resolver the parse runs with: the duplicate-key check compares plain keys as strings.
    static let parseResolver = Resolver.basic

    /// `node` with every tag pointing at Yams' default resolver again. Run after `YAMLBudget.check`: the walk visits
    /// the expanded document (an alias's content once per alias).
    static func rearm(_ node: Node) -> Node {
        rearm(node, isKey: false)
    }

    private static func rearm(_ node: Node, isKey: Bool) -> Node {
        switch node {
        case let .scalar(scalar):
            // A key's tag was resolved (to str) by the duplicate check; a plain key was implicit before it. A value's
            // tag is untouched, so an explicit `!!str` on a plain value stays a string.
            let wasImplicit = isKey && scalar.style == .plain && scalar.tag.rawValue == Tag.Name.str.rawValue
            let tag = scalar.tag.copy(with: wasImplicit ? .implicit : nil, resolver: .default)
            return .scalar(.init(scalar.string, tag, scalar.style, scalar.mark, scalar.anchor))
        case let .mapping(mapping):
            let pairs = mapping.map { (rearm($0.key, isKey: true), rearm($0.value, isKey: false)) }
            return .mapping(.init(pairs, mapping.tag.copy(resolver: .default), mapping.style, mapping.mark, mapping.anchor))
        case let .sequence(sequence):
            let nodes = sequence.map { rearm($0, isKey: false) }
            return .sequence(.init(nodes, sequence.tag.copy(resolver: .default), sequence.style, sequence.mark, sequence.anchor))
        case .alias:
            return node
        }
    }
}
