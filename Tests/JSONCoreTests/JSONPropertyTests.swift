import OrderedCollections
import Testing
@testable import JSONCore

/// SplitMix64: small, fast and deterministic, so failures reproduce from the seed.
struct SeededGenerator: RandomNumberGenerator {
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

private func randomString(_ rng: inout SeededGenerator) -> String {
    let pools: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x00...0x1F, 0x7F...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF,
    ]
    var scalars = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...12, using: &rng) {
        // Mostly ASCII, with every class of character represented.
        let pool = Bool.random(using: &rng) ? pools[0] : pools.randomElement(using: &rng)!
        if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &rng)) {
            scalars.append(scalar)
        }
    }
    if Int.random(in: 0..<10, using: &rng) == 0 { scalars.append(contentsOf: "\"\\/".unicodeScalars) }
    return String(scalars)
}

private func randomDouble(_ rng: inout SeededGenerator) -> Double {
    switch Int.random(in: 0..<4, using: &rng) {
    case 0:
        // Any finite bit pattern: subnormals, huge and tiny values.
        while true {
            let value = Double(bitPattern: rng.next())
            if value.isFinite { return value }
        }
    case 1: return Double(Int.random(in: -1_000_000...1_000_000, using: &rng))  // integral doubles keep ".0"
    case 2: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 100
    default: return Double.random(in: -1e25...1e25, using: &rng)
    }
}

private func randomValue(_ rng: inout SeededGenerator, depth: Int = 0) -> JSONValue {
    let kind = Int.random(in: 0..<(depth >= 4 ? 5 : 7), using: &rng)
    switch kind {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2:
        return Bool.random(using: &rng)
            ? .int(Int64(bitPattern: rng.next()))
            : .int(Int64.random(in: -1000...1000, using: &rng))
    case 3: return .double(randomDouble(&rng))
    case 4: return .string(randomString(&rng))
    case 5:
        return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var members = OrderedDictionary<String, JSONValue>()
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            members[randomString(&rng)] = randomValue(&rng, depth: depth + 1)
        }
        return .object(members)
    }
}

/// Structural identity that also distinguishes 0.0 from -0.0 (`==` on Double does not).
private func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(identical)
    case (.object(let x), .object(let y)):
        return x.keys == y.keys && zip(x.values, y.values).allSatisfy(identical)
    default: return a == b
    }
}

@Suite("JSON properties")
struct JSONPropertyTests {
    @Test("random values serialise and parse back identical (compact and pretty)")
    func roundTrip() throws {
        var rng = SeededGenerator(seed: 0x5EED_1234)
        for iteration in 0..<3000 {
            let value = randomValue(&rng)
            let compact = value.serialized()
            let parsed = try JSONValue.parse(compact)
            #expect(identical(parsed, value), "iteration \(iteration): \(compact)")
            #expect(try JSONValue.parse(bytes: Array(compact.utf8)) == value)
            #expect(try JSONValue.parse(value.serialized(.pretty)) == value, "iteration \(iteration)")
            #expect(parsed.semanticallyEquals(value))
            #expect(JSONDiff.differences(expected: value, actual: parsed).isEmpty)
            #expect(parsed.contains(subset: value))
            // Serialising the parsed value again gives the same bytes.
            #expect(parsed.serialized() == compact)
        }
    }

    @Test("doubles print in a form that parses back to the same bits")
    func doubleRoundTrip() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<5000 {
            let number = randomDouble(&rng)
            let text = JSONValue.double(number).serialized()
            guard case .double(let parsed) = try JSONValue.parse(text) else {
                Issue.record("\(text) did not parse as a double")
                continue
            }
            #expect(parsed.bitPattern == number.bitPattern, "\(text)")
        }
    }

    @Test("random bytes never crash the parser; errors point inside the input")
    func randomBytes() {
        var rng = SeededGenerator(seed: 7)
        let alphabet = Array(#"{}[],:"\/ ntrufalse0123456789.-+eE"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xFF, 0xED]
        for _ in 0..<5000 {
            let count = Int.random(in: 0...40, using: &rng)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let value = try JSONValue.parse(bytes: bytes)
                // Anything accepted serialises and parses back.
                #expect(try JSONValue.parse(value.serialized()) == value)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }

    @Test("mutated valid documents never crash the parser")
    func mutatedDocuments() {
        var rng = SeededGenerator(seed: 99)
        var accepted = 0
        var rejected = 0
        for _ in 0..<2000 {
            var bytes = Array(randomValue(&rng).serialized().utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: index)
                default: bytes.removeSubrange(index...)
                }
            }
            do {
                _ = try JSONValue.parse(bytes: bytes)
                accepted += 1
            } catch {
                #expect(error.offset <= bytes.count)
                rejected += 1
            }
        }
        #expect(accepted > 0 && rejected > 0)
    }

    @Test("random JSONPath expressions either compile or fail with an offset inside the expression")
    func randomPaths() throws {
        var rng = SeededGenerator(seed: 2024)
        let pieces = ["$", "@", ".", "..", "[", "]", "*", "'a'", "\"b\"", "a", "b", "0", "-1", ":", ",", "?(", ")", "(",
                      "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", " ", "1", "'x'", "=~", "/a.*/i", "true", "null", "\\"]
        let document = try JSONValue.parse(#"{"a":[{"a":1,"b":"x"},{"a":2}],"b":{"a":[1,2,3]}}"#)
        var compiled = 0
        for _ in 0..<5000 {
            var expression = Bool.random(using: &rng) ? "$" : ""
            for _ in 0..<Int.random(in: 0...8, using: &rng) { expression += pieces.randomElement(using: &rng)! }
            do {
                let path = try JSONPath(expression)
                _ = path.select(in: document)
                _ = path.first(in: document)
                compiled += 1
            } catch {
                #expect(error.offset >= 0 && error.offset <= expression.unicodeScalars.count, "\(expression)")
            }
        }
        #expect(compiled > 100)
    }
}
