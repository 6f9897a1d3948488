import JSONCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import VTL

/// Deterministic PRNG so a failing fuzz case can be reproduced from its index.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

@Suite("Fuzzing the parser and evaluator")
struct FuzzTests {
    static let fragments: [String] = [
        "#set($a = 1)", "#set($b = \"x$a\")", "#set($m = {\"k\": [1, 2]})", "#set($m[$a] = [1..3])",
        "#set($l = [])", "$l.add($a)", "#if($a)", "#if($a == $b || !$c)", "#elseif($b > 2)", "#else", "#end",
        "#{end}", "#{else}", "#foreach($i in [1..5])", "#foreach($x in $m)", "#foreach($i in [1..100000])",
        "#foreach($i in $l)", "$a", "$!b", "${c.d}", "$m.k[0]", "$m.get('k')", "$m.put('k', $a)", "$m.keySet()",
        "#macro(mac $p)$p#end", "#mac($a)", "#mac()", "#macro(rec $n)#rec($n)#end", "#rec(1)", "#break", "#stop",
        "## comment\n", "#* block *#", "#[[ raw $x ]]#", "\n", "  ", "\t", "text", "\"", "'", "(", ")", "[", "]",
        "{", "}", "$", "#", "\\", "!", "=", ",", ".", "..", "$input.path('$.a')", "$input.json('$')",
        "$input.path('$..*')", "$input.params('id')", "$input.params()", "$input.body", "$input.nope()",
        "$util.escapeJavaScript($a)", "$util.parseJson('[1,2]')", "$util.base64Decode('###')", "$util.urlEncode($b)",
        "$a.substring(1)", "$b.length()", "$foreach.index", "$foreach.hasNext", "$velocityCount",
        "$context.responseOverride.status", "#set($context.responseOverride.status = 200)",
        "#set($context.responseOverride.header.X-A = $a)", "#set($s = \"$s$s\")", "$a + 1", "$a / 0",
        "$stageVariables.env", "#set($a = $a * 2)", "\\$a", "\\#if", "$l[-1]", "#set($m.self = $m)", "$m",
    ]

    static let corpus: [String] = [
        "#set($inputRoot = $input.path('$'))\n{\n  \"a\": \"$inputRoot.a\",\n#foreach($i in $inputRoot.list)\n  \"$i\"#if($foreach.hasNext),#end\n#end\n}",
        "#if($input.params('id') == \"\")none#elseif($input.params('id').length() > 3)long#{else}short#end",
        "#macro(row $k $v)<$k>$v</$k>#end\n#foreach($e in $input.path('$').entrySet())#row($e.key $e.value)\n#end",
        "#set($context.responseOverride.status = 206)\n$util.escapeJavaScript($input.body)",
        "#set($m = {})#foreach($i in [1..20])#set($m[\"k$i\"] = $i * 2)#end$m $m.size()",
    ]

    static let input = TemplateInput(
        body: Array(#"{"a": "value", "list": [1, "two", {"three": 3}], "n": 1.5}"#.utf8),
        pathParameters: [("id", "1234")],
        queryParameters: [("q", "x")],
        headers: [("Accept", "application/json")],
        context: .object(["requestId": .string("r")]),
        stageVariables: [("env", "test")])

    static func mutate(_ source: String, _ random: inout SplitMix64) -> String {
        var scalars = Array(source.unicodeScalars)
        for _ in 0..<(1 + random.below(4)) {
            switch random.below(5) {
            case 0 where !scalars.isEmpty:
                let start = random.below(scalars.count)
                let end = min(scalars.count, start + 1 + random.below(8))
                scalars.removeSubrange(start..<end)
            case 1:
                let fragment = Array(random.pick(fragments).unicodeScalars)
                scalars.insert(contentsOf: fragment, at: random.below(scalars.count + 1))
            case 2 where !scalars.isEmpty:
                scalars[random.below(scalars.count)] = random.pick(Array("$#(){}[]\"'\\!.,=\n *".unicodeScalars))
            case 3 where !scalars.isEmpty:
                scalars.removeLast(random.below(scalars.count))
            default:
                if !scalars.isEmpty {
                    let start = random.below(scalars.count)
                    let end = min(scalars.count, start + random.below(16))
                    scalars.insert(contentsOf: scalars[start..<end], at: random.below(scalars.count + 1))
                }
            }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    @Test func randomAndMutatedTemplatesNeverCrashOrHang() {
        // VTL_FUZZ_SEED / VTL_FUZZ_CASES widen a local run; the defaults keep CI fast and reproducible.
        let seed = environmentValue("VTL_FUZZ_SEED").flatMap { UInt64($0) } ?? 0x5EED_1234
        let caseCount = environmentValue("VTL_FUZZ_CASES").flatMap { Int($0) } ?? 4000
        var random = SplitMix64(state: seed)
        let limits = VTLLimits(maximumSteps: 50_000, maximumCollectionSize: 100_000)
        var syntaxErrors = 0
        var rendered = 0
        var runtimeErrors = 0
        for caseIndex in 0..<caseCount {
            let source: String
            switch caseIndex % 3 {
            case 0:
                source = (0..<(1 + random.below(24))).map { _ in random.pick(Self.fragments) }.joined()
            case 1:
                source = Self.mutate(random.pick(Self.corpus), &random)
            default:
                let alphabet = Array("$#(){}[]\"'\\!.,=:+-*/%<>&| \n\tabcxyz019ifsetendforeach".unicodeScalars)
                var scalars = String.UnicodeScalarView()
                for _ in 0..<random.below(60) { scalars.append(random.pick(alphabet)) }
                source = String(scalars)
            }
            let lineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
            let template: MappingTemplate
            do {
                template = try MappingTemplate(source: source, name: "fuzz-\(caseIndex)")
            } catch {
                syntaxErrors += 1
                #expect(error.line >= 1 && error.line <= lineCount + 1, "seed \(seed) case \(caseIndex): \(error) in \(source.debugDescription)")
                #expect(error.column >= 1, "case \(caseIndex)")
                continue
            }
            do {
                let first = try template.render(Self.input, limits: limits)
                let second = try template.render(Self.input, limits: limits)
                #expect(first.text == second.text, "case \(caseIndex) is not deterministic")
                rendered += 1
            } catch {
                runtimeErrors += 1
                #expect(error.line >= 1 && error.column >= 1, "case \(caseIndex): \(error)")
                #expect(error.templateName == "fuzz-\(caseIndex)")
            }
        }
        // The generator must exercise all three outcomes, or the fuzzing proves nothing.
        #expect(syntaxErrors > caseCount / 20)
        #expect(rendered > caseCount / 20)
        #expect(runtimeErrors > caseCount / 200)
    }
}

/// An environment variable, without Foundation.
func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
