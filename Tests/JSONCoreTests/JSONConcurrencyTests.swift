import JSONCore
import Testing

/// The emulator parses request and response bodies on many tasks at once; an early parser crashed
/// (SIGSEGV) only under concurrent use, so this pins thread safety down with real concurrency.
@Suite("JSON under concurrency")
struct JSONConcurrencyTests {
    static let documents: [String] = [
        #"{"items":[1,2,3,4,5],"next":null,"nested":{"a":[{"b":"c"}],"d":1.5e3}}"#,
        #"[true,false,null,"\u00e9\ud83d\ude00",-0.0,123456789012345678901234]"#,
        #"{"text":"line\nbreak \"quoted\" \\ back","empty":{},"list":[]}"#,
        String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        "{" + (0..<300).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}",
    ]

    @Test("parsing, serialising and JSONPath from many tasks at once give the single-threaded results")
    func concurrentParsing() async throws {
        let expected = try Self.documents.map { try JSONValue.parse($0).serialized(.compact) }
        let path = try JSONPath("$..b")
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var failures = 0
                    for round in 0..<300 {
                        let index = (task + round) % Self.documents.count
                        guard let value = try? JSONValue.parse(bytes: Array(Self.documents[index].utf8)) else {
                            failures += 1
                            continue
                        }
                        if value.serialized(.compact) != expected[index] { failures += 1 }
                        _ = path.select(in: value)
                        if (try? JSONValue.parse("{\"broken\": [1, 2")) != nil { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
