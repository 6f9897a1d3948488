import OrderedCollections
import Testing
@testable import JSONCore

@Suite("JSON serializer")
struct JSONSerializerTests {
    @Test("compact output has no whitespace and keeps key order")
    func compact() {
        let value = JSONValue.object(["b": .int(1), "a": .array([.int(1), .int(2)]), "c": .object([:]), "d": .array([])])
        #expect(value.serialized() == #"{"b":1,"a":[1,2],"c":{},"d":[]}"#)
        #expect(value.serialized(.compact) == #"{"b":1,"a":[1,2],"c":{},"d":[]}"#)
        #expect(JSONValue.null.serialized() == "null")
        #expect(JSONValue.bool(true).serialized() == "true")
        #expect(JSONValue.bool(false).serialized() == "false")
    }

    @Test("pretty output: two-space indent, \"key\": value, empty containers inline")
    func pretty() {
        let value = JSONValue.object([
            "a": .int(1), "b": .array([.int(1), .object(["c": .null])]), "e": .array([]), "f": .object([:]),
        ])
        let expected = """
        {
          "a": 1,
          "b": [
            1,
            {
              "c": null
            }
          ],
          "e": [],
          "f": {}
        }
        """
        #expect(value.serialized(.pretty) == expected)
        #expect(JSONValue.string("x").serialized(.pretty) == "\"x\"")
    }

    @Test("string escaping matches JSON.stringify")
    func escaping() {
        let text = "q\" b\\ s/ n\n r\r t\t b\u{08} f\u{0C} nul\u{0} us\u{1F} del\u{7F} é 😀 \u{2028}"
        #expect(JSONValue.string(text).serialized()
            == #""q\" b\\ s/ n\n r\r t\t b\b f\f nul\u0000 us\u001f del"# + "\u{7F} é 😀 \u{2028}\"")
        #expect(JSONValue.object(["k\"ey\n": .string("")]).serialized() == #"{"k\"ey\n":""}"#)
        #expect(JSONValue.string("\u{1B}[0m").serialized() == #""\u001b[0m""#)
    }

    @Test("integers and doubles", arguments: [
        (JSONValue.int(0), "0"),
        (.int(-42), "-42"),
        (.int(Int64.max), "9223372036854775807"),
        (.int(Int64.min), "-9223372036854775808"),
        (.double(1.0), "1.0"),
        (.double(0), "0.0"),
        (.double(-0.0), "-0.0"),
        (.double(1.5), "1.5"),
        (.double(-2.25), "-2.25"),
        (.double(0.1), "0.1"),
        (.double(0.1 + 0.2), "0.30000000000000004"),
        (.double(100), "100.0"),
        (.double(1e20), "100000000000000000000.0"),
        (.double(1e21), "1e+21"),
        (.double(1.5e300), "1.5e+300"),
        (.double(123456789.125), "123456789.125"),
        (.double(0.000001), "0.000001"),
        (.double(1.5e-7), "1.5e-7"),
        (.double(1e-7), "1e-7"),
        (.double(.leastNonzeroMagnitude), "5e-324"),
        (.double(1.7976931348623157e308), "1.7976931348623157e+308"),
        (.double(9_007_199_254_740_992), "9007199254740992.0"),
        (.double(.nan), "null"),
        (.double(.infinity), "null"),
        (.double(-.infinity), "null"),
    ])
    func numbers(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
    }

    @Test("parse then serialize gives the expected bytes", arguments: [
        (#"{"a":1,"b":1.0,"c":-0.0,"d":[true,false,null],"e":"x\ny","f":{"g":[]}}"#,
         #"{"a":1,"b":1.0,"c":-0.0,"d":[true,false,null],"e":"x\ny","f":{"g":[]}}"#),
        (#"[1.5,2.25e-7,1e+21,"\u001f","\/","é","\u00e9"]"#,
         #"[1.5,2.25e-7,1e+21,"\u001f","/","é","é"]"#),
        (#" { "z" : { } , "y" : [ [ ] ] , "x" : "" } "#, #"{"z":{},"y":[[]],"x":""}"#),
        ("[1E2, 0.5e1, 12345678901234567890, 1.10]", "[100.0,5.0,12345678901234567000.0,1.1]"),
    ])
    func parseThenSerialize(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text).serialized() == expected)
    }

    @Test("pretty output parses back to the same value")
    func prettyRoundTrip() throws {
        let text = #"{"a":[1,{"b":"c","d":[1.0,2]}],"e":{"f":null},"g":[]}"#
        let value = try JSONValue.parse(text)
        #expect(try JSONValue.parse(value.serialized(.pretty)) == value)
    }

    @Test("strings with escapes round-trip exactly")
    func escapedRoundTrip() throws {
        let text = "\u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f}\"\\/ é😀\u{FFFD}"
        let value = JSONValue.string(text)
        #expect(try JSONValue.parse(value.serialized()) == value)
    }
}
