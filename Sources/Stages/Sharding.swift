import Foundation

/// `--shard K/N`: run the K-th of N parts (1-based).
public struct ShardSpec: Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(ShardSpecError) {
        guard count >= 1 else { throw ShardSpecError(text: "\(index)/\(count)", reason: "the shard count must be at least 1") }
        guard index >= 1 else { throw ShardSpecError(text: "\(index)/\(count)", reason: "shards are numbered from 1, so the first of \(count) is 1/\(count)") }
        guard index <= count else { throw ShardSpecError(text: "\(index)/\(count)", reason: "there are only \(count) shards, so K must be between 1 and \(count)") }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`.
    public static func parse(_ text: String) throws(ShardSpecError) -> ShardSpec {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardSpecError(text: text, reason: "expected K/N with whole numbers, e.g. --shard 2/4 for the second of four shards")
        }
        return try ShardSpec(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}

/// A malformed `--shard` value.
public struct ShardSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "invalid shard '\(text)': \(reason)" }
}

/// Splits suites across CI jobs, the same way on every machine.
///
/// - Without timings: the suite ids are sorted and dealt round-robin (suite i goes to shard i mod N), so shards
///   differ in size by at most one suite.
/// - With timings (seconds per suite id, e.g. from the previous run's JUnit report): longest processing time
///   first. Suites are taken by decreasing time (ties by id) and each goes to the shard with the least total so
///   far (ties to the lowest shard number). Suites missing from the timings count as the median known time
///   (1 s when nothing is known).
/// Duplicate ids are ignored. Every suite lands in exactly one shard.
public enum ShardPlanner {
    /// The suites of shard `shard` (1-based) of `count`, in sorted order.
    public static func assign(suites: [String], shard: Int, of count: Int, timings: [String: Double]? = nil) -> [String] {
        guard count >= 1, (1...count).contains(shard) else { return [] }
        return plan(suites: suites, shards: count, timings: timings)[shard - 1]
    }

    /// The suites of `spec`'s shard.
    public static func assign(suites: [String], spec: ShardSpec, timings: [String: Double]? = nil) -> [String] {
        assign(suites: suites, shard: spec.index, of: spec.count, timings: timings)
    }

    /// All shards at once (index 0 is shard 1), each sorted.
    public static func plan(suites: [String], shards count: Int, timings: [String: Double]? = nil) -> [[String]] {
        guard count >= 1 else { return [] }
        let ids = Array(Set(suites)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var shards = [[String]](repeating: [], count: count)
        guard let timings, !timings.isEmpty else {
            for (position, id) in ids.enumerated() { shards[position % count].append(id) }
            return shards
        }
        let known = ids.compactMap { timings[$0] }.filter { $0.isFinite && $0 >= 0 }.sorted()
        let fallback = known.isEmpty ? 1.0 : known[known.count / 2]
        let weighted = ids.map { id -> (String, Double) in
            let time = timings[id].flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? fallback
            return (id, time)
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        var loads = [Double](repeating: 0, count: count)
        for (id, time) in weighted {
            var lightest = 0
            for index in 1..<count where loads[index] < loads[lightest] { lightest = index }
            shards[lightest].append(id)
            loads[lightest] += time
        }
        return shards.map { $0.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
    }
}

/// Suite durations from a previous JUnit report, for ``ShardPlanner``.
public enum ShardTimings {
    /// Seconds per suite, summed over `<testsuite>` elements with the same key. Each suite is recorded under its
    /// `name`, and also under its `file` attribute and its `file` property when present (gatecheck writes the suite's
    /// path there), so suite ids that are paths match.
    public static func load(junitPath: String) throws(JUnitMergeError) -> [String: Double] {
        let document = try JUnitMerge.read(junitPath)
        var timings: [String: Double] = [:]
        for suite in JUnitMerge.suites(of: document) {
            let element = document.elements[suite]
            let time = JUnitMerge.parseSeconds(element.attribute("time")) ?? 0
            var keys: Set<String> = []
            if let name = element.attribute("name") { keys.insert(name) }
            if let file = element.attribute("file") { keys.insert(file) }
            for properties in document.children(of: suite, named: "properties") {
                for property in document.children(of: properties, named: "property")
                where document.elements[property].attribute("name") == "file" {
                    if let value = document.elements[property].attribute("value") { keys.insert(value) }
                }
            }
            for key in keys { timings[key, default: 0] += time }
        }
        return timings
    }
}
