import Foundation
import Stages
import Testing

struct ShardingTests {
    @Test func parsesShardSpecs() throws {
        #expect(try ShardSpec.parse("2/4") == ShardSpec(index: 2, count: 4))
        #expect(try ShardSpec.parse(" 1/1 ").description == "1/1")
        let messages: [(String, String)] = [
            ("0/4", "invalid shard '0/4': shards are numbered from 1, so the first of 4 is 1/4"),
            ("5/4", "invalid shard '5/4': there are only 4 shards, so K must be between 1 and 4"),
            ("x/y", "invalid shard 'x/y': expected K/N with whole numbers, e.g. --shard 2/4 for the second of four shards"),
            ("2", "invalid shard '2': expected K/N with whole numbers, e.g. --shard 2/4 for the second of four shards"),
            ("1/0", "invalid shard '1/0': the shard count must be at least 1"),
        ]
        for (text, message) in messages {
            let error = #expect(throws: ShardSpecError.self) { try ShardSpec.parse(text) }
            #expect(error?.description == message)
        }
    }

    @Test func roundRobinOverSortedNamesIsIndependentOfInputOrder() {
        let suites = ["suites/rest/b.yaml", "suites/http/a.yaml", "suites/rest/a.yaml", "suites/http/b.yaml", "suites/mock.yaml"]
        #expect(ShardPlanner.plan(suites: suites, shards: 2) == [
            ["suites/http/a.yaml", "suites/mock.yaml", "suites/rest/b.yaml"],
            ["suites/http/b.yaml", "suites/rest/a.yaml"],
        ])
        #expect(ShardPlanner.assign(suites: suites.reversed(), shard: 2, of: 2) == ["suites/http/b.yaml", "suites/rest/a.yaml"])
        #expect(ShardPlanner.assign(suites: suites, shard: 3, of: 2).isEmpty)
    }

    @Test func longestProcessingTimeFirstWithTimings() {
        let timings = ["a": 10.0, "b": 7, "c": 6, "d": 5, "e": 4, "f": 1]
        // a(10)->1, b(7)->2, c(6)->3, d(5)->3 (6 < 7), e(4)->2 (7 < 10, 11), f(1)->1 (10 < 11, 11)
        #expect(ShardPlanner.plan(suites: Array(timings.keys), shards: 3, timings: timings) == [["a", "f"], ["b", "e"], ["c", "d"]])
        // Unknown suites count as the median known time; ties go to the lower shard and the smaller name.
        #expect(ShardPlanner.plan(suites: ["x", "y", "known"], shards: 2, timings: ["known": 2]) == [["known", "y"], ["x"]])
    }

    @Test func loadsTimingsFromAPreviousReport() throws {
        let directory = try TemporaryDirectory()
        let report = try directory.write("previous.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites tests="3" failures="0" errors="0" time="9.5">
              <testsuite name="Orders" tests="2" failures="0" errors="0" time="1,200.250">
                <properties><property name="file" value="suites/orders.yaml"/></properties>
                <testcase classname="Orders" name="a" time="1"/>
                <testcase classname="Orders" name="b" time="1"/>
              </testsuite>
              <testsuite name="Health" tests="1" failures="0" errors="0" time="0.5" file="suites/health.yaml"/>
              <testsuite name="Health" tests="0" failures="0" errors="0" time="0.25"/>
            </testsuites>
            """)
        let timings = try ShardTimings.load(junitPath: report)
        #expect(timings == ["Orders": 1200.25, "suites/orders.yaml": 1200.25, "Health": 0.75, "suites/health.yaml": 0.5])
    }

    /// Property test: for random suite sets and shard counts, the shards are complete, pairwise disjoint,
    /// deterministic, and balanced (counts within one without timings; LPT's bound with timings).
    @Test func shardsAreCompleteDisjointAndStable() {
        var generator = SplitMix64(seed: 0x6A7E_C4EC)
        for _ in 0..<300 {
            let suiteCount = Int(generator.next() % 60)
            var suites: [String] = []
            for _ in 0..<suiteCount { suites.append("suites/\(generator.next() % 1000)/s\(generator.next() % 50).yaml") }
            let shardCount = Int(generator.next() % 7) + 1
            let useTimings = generator.next() % 2 == 0
            var timings: [String: Double]?
            if useTimings {
                var table: [String: Double] = [:]
                for suite in suites where generator.next() % 4 != 0 { table[suite] = Double(generator.next() % 10_000) / 100 }
                timings = table
            }
            let shards = (1...shardCount).map { ShardPlanner.assign(suites: suites, shard: $0, of: shardCount, timings: timings) }
            let union = shards.flatMap { $0 }
            #expect(Set(union) == Set(suites), "incomplete for \(suites) / \(shardCount)")
            #expect(union.count == Set(suites).count, "a suite is in two shards")
            #expect(shards == ShardPlanner.plan(suites: suites.shuffled(using: &generator), shards: shardCount, timings: timings))
            if timings == nil || timings!.isEmpty {
                let sizes = shards.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1)
            } else {
                let known = timings!.values.sorted()
                let fallback = known[known.count / 2]
                let weight = { (suite: String) in timings![suite] ?? fallback }
                let loads = shards.map { $0.reduce(0) { $0 + weight($1) } }
                let heaviest = Set(suites).map(weight).max() ?? 0
                // Greedy LPT: no shard exceeds the lightest by more than the heaviest single suite.
                #expect(loads.max()! - loads.min()! <= heaviest + 1e-9)
            }
        }
    }
}

/// A small deterministic generator so the property test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
