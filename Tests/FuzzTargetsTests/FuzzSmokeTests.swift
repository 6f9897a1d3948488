import Foundation
import FuzzTargets
import GatecheckCore
import JSONCore
import Synchronization
import Testing

/// The seed corpus of `Fuzz/corpus/<target>/`, found from this source file.
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    /// Every file of one target's corpus, sorted by name so runs are reproducible.
    static func inputs(_ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let directory = root.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { name in
            (name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    static func input(_ target: FuzzTarget, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(target.rawValue).appendingPathComponent(name)))
    }
}

/// SplitMix64: a small, seeded generator so every smoke run feeds the same mutations.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// libFuzzer-style mutations of corpus inputs: bit flips, byte edits, duplicated or removed ranges, splices of two
/// inputs, and tokens of the target's grammar inserted at random places.
struct Mutator {
    var generator: SeededGenerator
    let corpus: [[UInt8]]
    let tokens: [[UInt8]]

    init(seed: UInt64, corpus: [[UInt8]], tokens: [String]) {
        generator = SeededGenerator(seed: seed)
        self.corpus = corpus
        self.tokens = tokens.map { Array($0.utf8) }
    }

    mutating func next() -> [UInt8] {
        var bytes = corpus.randomElement(using: &generator) ?? []
        for _ in 0..<Int.random(in: 1...4, using: &generator) { mutate(&bytes) }
        return bytes
    }

    private mutating func position(in bytes: [UInt8]) -> Int { Int.random(in: 0...bytes.count, using: &generator) }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        switch Int.random(in: 0..<7, using: &generator) {
        case 0 where !bytes.isEmpty:
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
        case 1 where !bytes.isEmpty:
            bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
        case 2 where !bytes.isEmpty:
            let start = Int.random(in: 0..<bytes.count, using: &generator)
            let end = min(bytes.count, start + Int.random(in: 1...16, using: &generator))
            bytes.removeSubrange(start..<end)
        case 3 where !bytes.isEmpty:
            let start = Int.random(in: 0..<bytes.count, using: &generator)
            let end = min(bytes.count, start + Int.random(in: 1...32, using: &generator))
            let copy = Array(bytes[start..<end])
            let times = Int.random(in: 1...8, using: &generator)
            bytes.insert(contentsOf: Array(repeating: copy, count: times).joined(), at: position(in: bytes))
        case 4:
            let other = corpus.randomElement(using: &generator) ?? []
            let cut = position(in: bytes)
            let otherCut = Int.random(in: 0...other.count, using: &generator)
            bytes = Array(bytes[..<cut]) + Array(other[otherCut...])
        case 5 where !tokens.isEmpty:
            bytes.insert(contentsOf: tokens.randomElement(using: &generator)!, at: position(in: bytes))
        default:
            bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position(in: bytes))
        }
    }
}

/// Tokens of each target's input language, for the mutator.
func grammarTokens(_ target: FuzzTarget) -> [String] {
    switch target {
    case .vtl:
        return ["#set(", "#if(", "#elseif(", "#else", "#end", "#foreach(", " in ", "#macro(", "#break", "#stop", "$", "$!",
                "${", "}", "(", ")", "[", "]", "{", "\"", "'", "==", "!=", "&&", "||", "!", "..", ".size()",
                "$input.path('$", "$input.json('", "$input.params(", "$util.parseJson(", "$util.escapeJavaScript(",
                "$context.", "$foreach.index", "##", "#*", "*#", "\\", "\u{0}", "-2147483648", "9223372036854775807", "1.5e308"]
    case .jsonpath:
        return ["$", ".", "..", "*", "[", "]", "[?(", ")]", "@", "'", "\"", ":", ",", "-1", "==", "<", "&&", "||",
                "length()", "\\u00", "9223372036854775808"]
    case .json:
        return ["{", "}", "[", "]", ",", ":", "\"", "\\u", "\\ud83d", "\\udc00", "true", "false", "null", "-", "0.",
                "e+", "E-999", "1e309", "9223372036854775808", String(repeating: "[", count: 600), "\u{7f}"]
    case .suiteLoader:
        return ["\n", "  ", "- ", ": ", "cases:", "name:", "request:", "expect:", "status:", "vars:", "{{", "}}", "&a ", "*a",
                "<<: ", "!!binary ", "---\n", "...\n", "\t", "[", "{", "'", "\"", "jsonPath:", "matches: ", "$..", "%YAML 1.1\n"]
    case .request:
        return ["\r\n", "\r\n\r\n", ": ", "HTTP/1.1", "HTTP/1.0", "Content-Length: ", "Transfer-Encoding: chunked",
                "Connection: close", "Expect: 100-continue", "Upgrade: h2c", "GET ", "POST ", "%", "?", "&", "=",
                "\n", "\u{0}", "ffffffffffffffff\r\n", "0\r\n\r\n", " "]
    }
}

/// Runs `body` on a thread of its own: the request target blocks while the server's handler needs the task pool.
func onDedicatedThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let thread = Thread {
            body()
            continuation.resume()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

@Suite("Fuzz targets: corpus and seeded mutations (smoke run, no libFuzzer)")
struct FuzzSmokeTests {
    /// Mutations per target; the request target crosses a real socket per input, so it gets fewer.
    static func mutationCount(_ target: FuzzTarget) -> Int {
        target == .request ? 600 : 2000
    }

    @Test("every entry point survives its corpus and seeded mutations", arguments: FuzzTarget.allCases)
    func corpusAndMutations(_ target: FuzzTarget) async throws {
        let inputs = try Corpus.inputs(target)
        #expect(inputs.count >= 5, "the \(target.rawValue) corpus should hold a handful of seeds")
        let run = target.run
        let count = Self.mutationCount(target)
        await onDedicatedThread {
            for input in inputs { run(input.bytes) }
            var mutator = Mutator(seed: 0x6A7E_C4EC_0000 &+ UInt64(target.rawValue.utf8.count), corpus: inputs.map(\.bytes),
                                  tokens: grammarTokens(target))
            for _ in 0..<count { run(mutator.next()) }
        }
    }

    @Test("the request target reaches the REST pipeline: a valid request gets 200, garbage gets 400")
    func requestTargetServes() async throws {
        // `Connection: close`: the server answers, then closes (without it the connection would stay open).
        let valid = Array("GET /fuzz/items/1?q=a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        let garbage = try Corpus.input(.request, "malformed.http")
        let answers = ResultsBox()
        await onDedicatedThread {
            answers.valid = (try? RequestFuzzServer.shared.exchange(valid, closeSendingSide: false)) ?? []
            answers.garbage = (try? RequestFuzzServer.shared.exchange(garbage)) ?? []
        }
        let validText = String(decoding: answers.valid, as: UTF8.self)
        #expect(validText.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(validText)")
        #expect(validText.contains(#"{"id":"1","params":""#), "\(validText)")
        let garbageText = String(decoding: answers.garbage, as: UTF8.self)
        #expect(garbageText.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(garbageText)")
        #expect(garbageText.hasSuffix(#"{"message":"Bad Request: malformed HTTP request"}"#))
    }

    @Test("the VTL target renders the seeds it is meant to render")
    func vtlSeedsRender() throws {
        // A harness that rejected everything would fuzz nothing: the seeds must get through parsing and rendering.
        #expect(renderFuzzedTemplate(try Corpus.input(.vtl, "foreach.vtl")) == #"[{"id": 1},{"id": 2}]"#)
        #expect(renderFuzzedTemplate(try Corpus.input(.vtl, "body-after-nul.vtl"))?.hasPrefix("xé [") == true)
        let seeds = try Corpus.inputs(.vtl)
        let failed = seeds.filter { renderFuzzedTemplate($0.bytes) == nil }.map(\.name)
        #expect(failed.isEmpty, "seeds that did not render: \(failed)")
    }

    @Test("the JSON round trip holds for the seeds and rejects the broken ones")
    func jsonSeeds() throws {
        for input in try Corpus.inputs(.json) {
            let parsed = try? JSONValue.parse(bytes: input.bytes)
            #expect((parsed == nil) == input.name.hasPrefix("bad-"), "\(input.name)")
            if let parsed {
                let reparsed = try JSONValue.parse(parsed.serialized())
                #expect(reparsed == parsed, "\(input.name)")
            }
        }
    }
}

/// Answers written on the dedicated thread and read by the test.
final class ResultsBox: Sendable {
    private let answers = Mutex<(valid: [UInt8], garbage: [UInt8])>(([], []))
    var valid: [UInt8] {
        get { answers.withLock { $0.valid } }
        set { answers.withLock { $0.valid = newValue } }
    }
    var garbage: [UInt8] {
        get { answers.withLock { $0.garbage } }
        set { answers.withLock { $0.garbage = newValue } }
    }
}

/// Inputs libFuzzer found that once broke an invariant, each kept in the corpus and checked here by name.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test("a suite with bare CR line breaks: diagnostics point at lines that exist (YAML counts CR as a line break)")
    func carriageReturnLineBreaks() throws {
        let input = try Corpus.input(.suiteLoader, "regression-cr-line-breaks.yaml")
        fuzzSuiteLoader(input)
    }
}

extension FuzzRegressionTests {
    @Test("a duration too long for Duration is a diagnostic, not a crash (GatecheckCore DurationText.parse)")
    func durationOverflow() throws {
        for name in ["regression-duration-overflow.yaml", "regression-duration-overflow-fuzzed.yaml"] {
            let text = String(decoding: try Corpus.input(.suiteLoader, name), as: UTF8.self)
            let (suite, diagnostics) = SuiteLoader.parse(text: text, file: name, options: LoadOptions(environment: [:]))
            #expect(suite == nil, "\(name)")
            #expect(diagnostics.contains { $0.message.hasPrefix("invalid duration '") && $0.line == 3 }, "\(name): \(diagnostics)")
        }
        #expect(DurationText.parse("99999999999999999999s") == nil)
        #expect(DurationText.parse("9300000000000s") == nil)  // 9.3e18 µs: just above Int64.max
        #expect(DurationText.parse("9000000000000") == .seconds(9_000_000_000_000))  // just below: still fine
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
    }
}
