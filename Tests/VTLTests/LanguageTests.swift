import JSONCore
import Testing
@testable import VTL

@Suite("References and literals")
struct ReferenceTests {
    @Test func plainFormalAndQuietReferences() throws {
        let variables: [String: V] = ["name": "World", "n": 3]
        #expect(try render("Hello $name!", variables) == "Hello World!")
        #expect(try render("${name}ly $!name $!{name}", variables) == "Worldly World World")
        #expect(try render("[$missing][$!missing][${missing}]") == "[][][]")
    }

    @Test func propertyMethodAndIndexChains() throws {
        let variables: [String: V] = [
            "a": ["b": ["c": "deep"], "list": [10, 20, 30], "key": "b"],
        ]
        #expect(try render("$a.b.c", variables) == "deep")
        #expect(try render("$a.get('b').get(\"c\")", variables) == "deep")
        #expect(try render("$a.list[0] $a.list[2] $a.list[-1]", variables) == "10 30 30")
        #expect(try render("$a[\"b\"][\"c\"] $a[$a.key].c", variables) == "deep deep")
        #expect(try render("$a.list.size() $a.missing.size()", variables) == "3 ")
    }

    @Test func identifiersMayContainDashes() throws {
        #expect(try render("$x-y", ["x-y": "dash", "x": "no"]) == "dash")
        #expect(try render("#set($h = {\"X-Name\": \"v\"})$h.X-Name") == "v")
    }

    @Test func dollarAndHashThatAreNotSyntaxStayLiteral() throws {
        #expect(try render("costs $5 or $ 6, color #fff, # alone, $!, ${ x") == "costs $5 or $ 6, color #fff, # alone, $!, ${ x")
        #expect(try render("$name.", ["name": "a"]) == "a.")
        #expect(try render("#foo(1, 2) stays") == "#foo(1, 2) stays")
    }

    @Test func stringLiterals() throws {
        let variables: [String: V] = ["name": "Ann"]
        #expect(try render("#set($s = \"Hi $name\")$s", variables) == "Hi Ann")
        #expect(try render("#set($s = 'Hi $name')$s", variables) == "Hi $name")
        #expect(try render("#set($s = \"say \"\"hi\"\"\")$s") == "say \"hi\"")
        #expect(try render("#set($s = 'it''s')$s") == "it's")
        #expect(try render("#set($s = \"a\\\"b\")$s") == "a\\\"b")
    }

    @Test func numbersBooleansListsRangesMaps() throws {
        #expect(try render("#set($x = 42)$x|#set($y = -1.5)$y|#set($b = true)$b") == "42|-1.5|true")
        #expect(try render("#set($l = [1, \"a\", true, 2.5])$l") == "[1, a, true, 2.5]")
        #expect(try render("#set($r = [1..4])$r|#set($d = [3..1])$d") == "[1, 2, 3, 4]|[3, 2, 1]")
        #expect(try render("#set($m = {\"k\": \"v\", \"n\": 2, \"l\": [1, 2]})$m") == "{k=v, n=2, l=[1, 2]}")
        #expect(try render("#set($e = {})$e|#set($f = [])$f") == "{}|[]")
    }
}

@Suite("Expressions")
struct ExpressionTests {
    @Test func integerAndDecimalArithmetic() throws {
        #expect(try render("#set($a = 7 / 2)$a|#set($b = 7 % 3)$b|#set($c = 2 * 3 + 1)$c") == "3|1|7")
        #expect(try render("#set($a = 1 + 1.5)$a|#set($b = 7.0 / 2)$b|#set($c = 1.0 + 1.0)$c") == "2.5|3.5|2.0")
        #expect(try render("#set($a = -7 / 2)$a|#set($p = (1 + 2) * 3)$p") == "-3|9")
        #expect(try render("#set($a = 1)#set($a = 10 / 0)$a") == "1")
        #expect(try render("#set($big = 9223372036854775807 + 1)$big") == "9.223372036854776E18")
    }

    @Test func javaDoubleRendering() {
        #expect(javaDoubleString(1.0) == "1.0")
        #expect(javaDoubleString(0.001) == "0.001")
        #expect(javaDoubleString(0.0001) == "1.0E-4")
        #expect(javaDoubleString(1234567.5) == "1234567.5")
        #expect(javaDoubleString(1e7) == "1.0E7")
        #expect(javaDoubleString(-2.5e-5) == "-2.5E-5")
        #expect(javaDoubleString(100.25) == "100.25")
    }

    @Test func stringConcatenation() throws {
        #expect(try render("#set($s = \"a\" + 1 + 2)$s") == "a12")
        #expect(try render("#set($s = 1 + 2 + \"a\")$s") == "3a")
        #expect(try render("#set($s = \"a\" + $missing)$s") == "a$missing")
    }

    @Test func comparisons() throws {
        let cases: [(String, String)] = [
            ("1 == 1.0", "T"), ("\"1\" == 1", "T"), ("1 != 2", "T"), ("2 > 1", "T"), ("2 >= 2", "T"),
            ("1 < 0.5", "F"), ("\"a\" < \"b\"", "F"), ("\"a\" == \"a\"", "T"), ("true == \"true\"", "T"),
            ("$missing == $null", "T"), ("$missing == \"\"", "T"), ("$missing == 0", "F"),
            ("2 gt 1 and 1 lt 2", "T"), ("1 eq 1 && 2 ne 2", "F"), ("not false", "T"), ("!true || 1 le 1", "T"),
            ("[1, 2] == [1, 2]", "T"), ("{\"a\": 1} == {\"a\": 1}", "T"), ("[1] == [1.0]", "F"),
        ]
        for (expression, expected) in cases {
            let output = try render("#if(\(expression))T#{else}F#end")
            #expect(output == expected, "\(expression)")
        }
    }

    @Test func truthinessFollowsVelocity17() throws {
        #expect(try render("#if(\"\")T#{else}F#end") == "T")
        #expect(try render("#if([])T#{else}F#end") == "T")
        #expect(try render("#if(0)T#{else}F#end") == "T")
        #expect(try render("#if($missing)T#{else}F#end") == "F")
        #expect(try render("#if(!$missing)T#{else}F#end") == "T")
        #expect(try render("#if($f)T#{else}F#end", ["f": false]) == "F")
    }

    @Test func shortCircuitSkipsFailingRightSide() throws {
        #expect(try render("#if(true || $x.nope())T#end") == "T")
        #expect(try render("#if(false && $util.nope())T#{else}F#end") == "F")
    }
}

@Suite("Directives")
struct DirectiveTests {
    @Test func setWithPropertiesAndIndexes() throws {
        #expect(try render("#set($m = {})#set($m.a = 1)#set($m[\"b\"] = 2)#set($k = \"c\")#set($m[$k] = 3)$m") == "{a=1, b=2, c=3}")
        #expect(try render("#set($l = [1, 2])#set($l[0] = 9)$l") == "[9, 2]")
        #expect(try render("#set($m = {\"in\": {}})#set($m.in.deep = \"x\")$m") == "{in={deep=x}}")
    }

    @Test func setWithNullRightSideKeepsOldValue() throws {
        #expect(try render("#set($a = 1)#set($a = $missing)$a") == "1")
        #expect(try render("#set($a = $missing)[$a]") == "[]")
    }

    @Test func ifElseIfElse() throws {
        let template = "#if($n == 1)one#elseif($n == 2)two#elseif($n > 2)many#{else}none#end"
        #expect(try render(template, ["n": 1]) == "one")
        #expect(try render(template, ["n": 2]) == "two")
        #expect(try render(template, ["n": 5]) == "many")
        #expect(try render(template, ["n": 0]) == "none")
    }

    @Test func foreachWithLoopVariables() throws {
        let template = "#foreach($x in $list)$foreach.index:$foreach.count:$velocityCount:$x#if($foreach.hasNext),#end#end"
        #expect(try render(template, ["list": ["a", "b", "c"]]) == "0:1:1:a,1:2:2:b,2:3:3:c")
        #expect(try render("#foreach($i in [1..3])$i#end") == "123")
        #expect(try render("#foreach($v in $m)$v;#end", ["m": ["a": 1, "b": 2]]) == "1;2;")
        #expect(try render("#foreach($x in $missing)never#end") == "")
        #expect(try render("#foreach($x in [])never#end") == "")
    }

    @Test func foreachRestoresLoopVariableAndSupportsNesting() throws {
        #expect(try render("#set($x = \"out\")#foreach($x in [1, 2])$x#end $x") == "12 out")
        let nested = "#foreach($a in [1, 2])#foreach($b in [\"x\", \"y\"])$a$b$foreach.parent.index #end#end"
        #expect(try render(nested) == "1x0 1y0 2x1 2y1 ")
    }

    @Test func breakAndStop() throws {
        #expect(try render("#foreach($i in [1..10])#if($i == 3)#break#end$i#end!") == "12!")
        #expect(try render("#foreach($i in [1..3])#foreach($j in [1..3])#if($j == 2)#break#end$i$j #end#end") == "11 21 31 ")
        #expect(try render("#foreach($i in [1..5])$i#if($i == 2)#break($foreach)#end#end.") == "12.")
        #expect(try render("a#stop b") == "a")
        #expect(try render("#foreach($i in [1..5])$i#if($i == 2)#stop#end#end after") == "12")
    }

    @Test func macrosWithArguments() throws {
        let template = """
        #macro(greet $who $punct)Hello, $who$punct#end
        #greet("Ann" "!") #greet('Bob', '?')
        """
        #expect(try render(template) == "Hello, Ann! Hello, Bob?")
        #expect(try render("#macro(twice $x)$x$x#end#twice(\"ab\")#twice([1])") == "abab[1][1]")
        #expect(try render("#early(1)#macro(early $n)<$n>#end") == "<1>")
        let recursive = "#macro(count $n)$n#if($n > 0)#set($m = $n - 1)#count($m)#end#end#count(3)"
        #expect(try render(recursive) == "3210")
    }

    @Test func commentsAndUnparsedBlocks() throws {
        #expect(try render("a## comment $x\nb") == "ab")
        #expect(try render("a#* multi\nline $x *#b") == "ab")
        #expect(try render("#[[ $x #if( ]]#") == " $x #if( ")
    }

    @Test func escapedReferencesAndDirectives() throws {
        #expect(try render("\\$name \\$missing", ["name": "x"]) == "$name \\$missing")
        #expect(try render("\\\\$name", ["name": "x"]) == "\\x")
        #expect(try render("\\#if(true)") == "#if(true)")
        #expect(try render("a\\nb\\\"c") == "a\\nb\\\"c")
    }
}

@Suite("Whitespace (Velocity 1.7 gobbling)")
struct WhitespaceTests {
    @Test func setLineDisappearsIncludingIndentation() throws {
        #expect(try render("#set($a = 1)\nx$a\n") == "x1\n")
        #expect(try render("{\n  #set($a = 1)\n  \"a\": $a\n}") == "{\n  \"a\": 1\n}")
        #expect(try render("a \t#set($a = 1)b") == "ab")
        #expect(try render("#set($a = 1)  \r\nb") == "b")
        #expect(try render("#set($a = 1)  b") == "  b")
    }

    @Test func blockDirectivesEatTheirNewlineButKeepIndentation() throws {
        let template = "#if($t)\nyes\n#else\nno\n#end\ndone"
        #expect(try render(template, ["t": true]) == "yes\ndone")
        #expect(try render(template, ["t": false]) == "no\ndone")
        let list = "<ul>\n    #foreach($a in [1, 2])\n    <li>$a</li>\n    #end\n</ul>"
        #expect(try render(list) == "<ul>\n        <li>1</li>\n        <li>2</li>\n    </ul>")
    }

    @Test func bracedEndAndElseKeepTheNewline() throws {
        #expect(try render("#if(true)a#{end}\nb") == "a\nb")
        #expect(try render("#if(false)a#{else}\nb#end") == "\nb")
        #expect(try render("#if(true)a#end  \nb") == "ab")
        #expect(try render("#if(true)  x#end") == "  x")
    }

    @Test func windowsLineEndingsAreGobbledToo() throws {
        #expect(try render("#if(true)\r\n  a\r\n#end\r\nb\r\n") == "  a\r\nb\r\n")
        #expect(try render("x\r\n  #set($a = 1)\r\ny") == "x\r\ny")
    }

    @Test func macroDefinitionsAndCallsEatTheirNewline() throws {
        #expect(try render("#macro(m)M#end\n#m()\nz") == "Mz")
    }

    @Test func typicalJSONTemplateRendersExactBytes() throws {
        let template = """
        #set($inputRoot = $input.path('$'))
        {
          "name": "$inputRoot.name",
          "items": [
        #foreach($item in $inputRoot.items)
            {"id": $item.id}#if($foreach.hasNext),#end

        #end
          ]
        }
        """
        let body = #"{"name": "x", "items": [{"id": 1}, {"id": 2}]}"#
        let expected = "{\n  \"name\": \"x\",\n  \"items\": [\n    {\"id\": 1},\n    {\"id\": 2}\n  ]\n}"
        #expect(try renderMapping(template, body: body) == expected)
    }
}

@Suite("Java-like methods")
struct MethodTests {
    @Test func stringMethods() throws {
        let variables: [String: V] = ["s": "Hello World"]
        #expect(try render("$s.length() $s.substring(1,3) $s.substring(6)", variables) == "11 el World")
        #expect(try render("$s.replace('o', '0') $s.toLowerCase() $s.toUpperCase()", variables) == "Hell0 W0rld hello world HELLO WORLD")
        #expect(try render("$s.contains('World') $s.startsWith('He') $s.endsWith('x') $s.indexOf('o') $s.lastIndexOf('o')", variables) == "true true false 4 7")
        #expect(try render("$s.split(' ') $s.replaceAll('o(.)', '0$1$1') $s.matches('H.*d')", variables) == "[Hello, World] Hell0  W0rrld true")
        #expect(try render("#set($t = '  pad  ')[$t.trim()] $s.isEmpty() $s.charAt(0) $s.equals('Hello World')", variables) == "[pad] false H true")
        #expect(try render("#set($e = 'é😀')$e.length()") == "3")
    }

    @Test func listMethods() throws {
        let template = "#set($l = [])#set($ok = $l.add('a'))$l.add('b')$l.size() $l.get(1) $l.contains('a') $l.indexOf('b') $l.isEmpty() $l"
        #expect(try render(template) == "true2 b true 1 false [a, b]")
    }

    @Test func mapMethods() throws {
        let template = "#set($m = {})$m.put('a', 1)$m.put('a', 2)|$m.containsKey('a') $m.containsKey('z') $m.keySet() $m.values() $m.size() $m.get('a')"
        #expect(try render(template) == "1|true false [a] [2] 1 2")
        #expect(try render("#foreach($e in $m.entrySet())$e.key=$e.value;#end", ["m": ["x": 1, "y": "z"]]) == "x=1;y=z;")
        #expect(try render("#foreach($k in $m.keySet())$k:$m.get($k) #end", ["m": ["x": 1, "y": "z"]]) == "x:1 y:z ")
    }
}

@Suite("Sharing a compiled template")
struct SharingTests {
    @Test func concurrentRendersOfOneTemplateAreIndependent() async throws {
        let template = try MappingTemplate(
            source: "#set($l = [])#foreach($i in [1..50])#set($ok = $l.add(\"${context.requestId}-$i\"))#end$l.size() $l.get(49) $foreach.first$foreach.last",
            name: "shared")
        let results = await withTaskGroup(of: String?.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let input = TemplateInput(context: .object(["requestId": .string("r\(task)")]))
                    return try? template.render(input).text
                }
            }
            var collected: [String?] = []
            for await result in group { collected.append(result) }
            return collected
        }
        #expect(Set(results.compactMap { $0 }) == Set((0..<8).map { "50 r\($0)-50 " }))
    }

    @Test func foreachFirstLastAndHasNextAliases() throws {
        #expect(try render("#foreach($i in [1..3])$foreach.first/$foreach.last/$velocityHasNext #end") == "true/false/true false/false/true false/true/false ")
    }
}
