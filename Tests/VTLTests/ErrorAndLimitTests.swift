import JSONCore
import Testing
@testable import VTL

@Suite("Syntax errors")
struct SyntaxErrorTests {
    @Test func missingEndPointsAtTheOpeningDirective() {
        let error = syntaxError("line one\n  #foreach($x in $list)\n$x\n")
        #expect(error?.line == 2)
        #expect(error?.column == 3)
        #expect(error?.message.contains("#foreach") == true)
        #expect(syntaxError("#if($a)x")?.message.contains("#end") == true)
    }

    @Test func strayEndAndElse() {
        #expect(syntaxError("a\n#end")?.line == 2)
        #expect(syntaxError("#else")?.message.contains("#else") == true)
        #expect(syntaxError("#if(true)#else#else#end") != nil)
    }

    @Test func malformedDirectiveArguments() {
        let setError = syntaxError("ok\n  #set($a = )")
        #expect(setError?.line == 2)
        #expect(setError?.column == 13)
        #expect(syntaxError("#set(a = 1)")?.message.contains("reference") == true)
        #expect(syntaxError("#set($a.b() = 1)")?.message.contains("method") == true)
        #expect(syntaxError("#foreach($x $list)#end")?.message.contains("'in'") == true)
        #expect(syntaxError("#if $a)x#end")?.message.contains("'('") == true)
        #expect(syntaxError("$a.b(1, ") != nil)
        #expect(syntaxError("#set($s = \"unterminated)") != nil)
        #expect(syntaxError("#* never closed") != nil)
        #expect(syntaxError("#include('x')")?.message.contains("not supported") == true)
    }

    @Test func errorsInsideInterpolatedStringsKeepAbsolutePositions() {
        let error = syntaxError("\n#set($s = \"x #if(\")")
        #expect(error?.line == 2)
        #expect(error != nil && error!.column > 12)
    }

    @Test func excessiveNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(syntaxError("#set($a = \(deep))")?.message.contains("nesting") == true)
        let blocks = String(repeating: "#if(true)", count: 500) + String(repeating: "#end", count: 500)
        #expect(syntaxError(blocks)?.message.contains("nesting") == true)
    }

    @Test func syntaxErrorDescriptionIsActionable() {
        let error = VTLSyntaxError(message: "expected ')'", line: 3, column: 7)
        #expect(error.description == "line 3, column 7: expected ')'")
    }
}

@Suite("Runtime errors and limits")
struct RuntimeErrorTests {
    @Test func unknownMethodReportsTemplateLineAndColumn() throws {
        let error = try runtimeError("{\n  \"a\": \"$input.path('$').nope()\"\n}")
        #expect(error?.templateName == "test-template")
        #expect(error?.line == 2)
        #expect(error?.column == 26)
        #expect(error?.message.contains("no method nope()") == true)
        #expect(error?.description.hasPrefix("test-template:2:26: ") == true)
        #expect(try runtimeError("$input.foo()")?.message.contains("$input") == true)
        #expect(try runtimeError("#set($s = 'abc')$s.substring(2, 9)")?.message.contains("out of range") == true)
        #expect(try runtimeError("#set($l = [1])$l.get(3)")?.message.contains("out of bounds") == true)
    }

    @Test func invalidJSONBodyFailsOnlyWhenTheTemplateReadsIt() throws {
        let input = TemplateInput(body: Array("not json".utf8))
        #expect(try runtimeError("$input.path('$.a')", input)?.message.contains("not valid JSON") == true)
        #expect(try runtimeError("$input.body", input) == nil)
    }

    @Test func foreachIsCappedAtOneThousandIterations() throws {
        #expect(try render("#set($n = 0)#foreach($i in [1..1000])#set($n = $n + 1)#end$n") == "1000")
        let error = try runtimeError("\n#foreach($i in [1..100000000])$i#end")
        #expect(error?.message.contains("1000 iterations") == true)
        #expect(error?.line == 2)
        #expect(try runtimeError("#set($l = [1..1001])#foreach($i in $l)#end")?.message.contains("1000 iterations") == true)
    }

    @Test func recursiveMacrosAreStopped() throws {
        let error = try runtimeError("#macro(loop $n)#loop($n)#end#loop(1)")
        #expect(error?.message.contains("macro #loop") == true)
    }

    @Test func nestedLoopsAreBoundedBySteps() throws {
        let template = "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end"
        let limits = VTLLimits(maximumSteps: 200_000)
        let compiled = try MappingTemplate(source: template, name: "t")
        var error: VTLRuntimeError?
        do throws(VTLRuntimeError) {
            _ = try compiled.render(TemplateInput(), limits: limits)
        } catch let caught {
            error = caught
        }
        #expect(error?.message.contains("steps") == true)
    }

    @Test func outputAndStringGrowthAreCapped() throws {
        let limits = VTLLimits(maximumOutputBytes: 1000)
        let doubling = "#set($s = 'ab')#foreach($i in [1..40])#set($s = \"$s$s\")#end"
        #expect(throws: VTLRuntimeError.self) {
            try MappingTemplate(source: doubling, name: "t").render(TemplateInput(), limits: limits)
        }
        #expect(throws: VTLRuntimeError.self) {
            try MappingTemplate(source: "#foreach($i in [1..900])xx#end", name: "t").render(TemplateInput(), limits: limits)
        }
    }

    @Test func cyclicStructuresDoNotCrash() throws {
        #expect(try render("#set($m = {})$m.put('self', $m)$m") == "{self=(this Map)}")
        #expect(try runtimeError("#set($a = {})#set($b = {'a': $a})$a.put('b', $b)$a") != nil)
    }
}

@Suite("Worst-case nesting")
struct NestingTests {
    static func recursiveTemplate(blocks: Int, calls: Int) -> String {
        let opening = String(repeating: "#if(true)", count: blocks)
        let closing = String(repeating: "#end", count: blocks)
        let expression = String(repeating: "(", count: 5) + "$n - 1" + String(repeating: ")", count: 5)
        return "#macro(deep $n)\(opening)$n#if($n > 0)#deep(\(expression))#end\(closing)#end#deep(\(calls - 1))"
    }

    @Test func macroRecursionTimesBlockNestingIsBounded() throws {
        // 20 calls x 6 levels fits the default render depth (128).
        #expect(try render(Self.recursiveTemplate(blocks: 4, calls: 20)) == (0...19).reversed().map(String.init).joined())
        // 21 calls exceed the macro depth.
        #expect(try runtimeError(Self.recursiveTemplate(blocks: 1, calls: 21))?.message.contains("nested deeper than 20") == true)
        // 20 calls x 42 levels would need megabytes of stack in debug builds: an error instead.
        #expect(try runtimeError(Self.recursiveTemplate(blocks: 40, calls: 20))?.message.contains("deep while rendering") == true)
    }
}
