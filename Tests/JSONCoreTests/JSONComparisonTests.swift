import OrderedCollections
import Testing
@testable import JSONCore

private func json(_ text: String) -> JSONValue {
    do {
        return try JSONValue.parse(text)
    } catch {
        Issue.record("invalid test JSON \(text): \(error)")
        return .null
    }
}

@Suite("JSON accessors, equality, subset and diff")
struct JSONComparisonTests {
    @Test("accessors")
    func accessors() {
        let value = json(#"{"s":"x","i":3,"d":2.5,"di":4.0,"b":true,"n":null,"a":[1,2],"o":{"k":1}}"#)
        #expect(value.typeName == "object")
        #expect(value["s"]?.stringValue == "x")
        #expect(value["s"]?.typeName == "string")
        #expect(value["i"]?.intValue == 3)
        #expect(value["i"]?.doubleValue == 3.0)
        #expect(value["i"]?.typeName == "number")
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["d"]?.intValue == nil)
        #expect(value["di"]?.intValue == 4)
        #expect(value["b"]?.boolValue == true)
        #expect(value["b"]?.typeName == "boolean")
        #expect(value["n"]?.isNull == true)
        #expect(value["n"]?.typeName == "null")
        #expect(value["a"]?.arrayValue == [.int(1), .int(2)])
        #expect(value["a"]?.typeName == "array")
        #expect(value["a"]?[1] == .int(2))
        #expect(value["a"]?[2] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["o"]?.objectValue == ["k": .int(1)])
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)
        #expect(JSONValue.string("x")["k"] == nil)
        #expect(value["s"]?.intValue == nil)
        #expect(value["i"]?.stringValue == nil)
        #expect(value["i"]?.isNull == false)
    }

    @Test("semantic equality: numbers numerically, key order ignored, array order kept")
    func semanticEquality() {
        #expect(json("1").semanticallyEquals(json("1.0")))
        #expect(json("1.0").semanticallyEquals(json("1")))
        #expect(json("1e2").semanticallyEquals(json("100")))
        #expect(!json("1").semanticallyEquals(json("1.5")))
        #expect(!json("9007199254740993").semanticallyEquals(.double(9007199254740992)))
        #expect(json("9007199254740992").semanticallyEquals(.double(9007199254740992)))
        #expect(json(#"{"a":1,"b":[1,2]}"#).semanticallyEquals(json(#"{"b":[1,2.0],"a":1}"#)))
        #expect(!json(#"{"a":1}"#).semanticallyEquals(json(#"{"a":1,"b":2}"#)))
        #expect(!json(#"{"a":1,"b":2}"#).semanticallyEquals(json(#"{"a":1}"#)))
        #expect(!json("[1,2]").semanticallyEquals(json("[2,1]")))
        #expect(!json("\"1\"").semanticallyEquals(json("1")))
        #expect(!json("null").semanticallyEquals(json("false")))
        #expect(!json("0").semanticallyEquals(json("false")))
        #expect(json("\"é\"").semanticallyEquals(json(#""\u00e9""#)))
        // Composed and decomposed forms are different strings in JSON.
        #expect(!JSONValue.string("\u{E9}").semanticallyEquals(.string("e\u{301}")))
    }

    @Test("subset containment")
    func subset() {
        let actual = json(#"{"id":7,"name":"x","tags":["a","b"],"meta":{"n":1,"m":2}}"#)
        #expect(actual.contains(subset: json(#"{"id":7}"#)))
        #expect(actual.contains(subset: json(#"{"id":7.0,"meta":{"m":2}}"#)))
        #expect(actual.contains(subset: json(#"{"tags":["a","b"]}"#)))
        #expect(actual.contains(subset: json("{}")))
        #expect(!actual.contains(subset: json(#"{"tags":["a"]}"#)))
        #expect(!actual.contains(subset: json(#"{"id":8}"#)))
        #expect(!actual.contains(subset: json(#"{"other":null}"#)))
        #expect(!actual.contains(subset: json(#"{"meta":{"x":1}}"#)))
        #expect(json(#"[{"a":1,"b":2},{"a":3}]"#).contains(subset: json(#"[{"a":1},{}]"#)))
        #expect(!json(#"[{"a":1,"b":2}]"#).contains(subset: json(#"[{"a":2}]"#)))
        #expect(json("3").contains(subset: json("3.0")))
        #expect(!json("[1]").contains(subset: json(#"{"0":1}"#)))
    }

    @Test("diff: paths and messages")
    func diffMessages() {
        let expected = json(#"{"items":[{"id":1},{"id":2}],"name":"a","count":3,"weird key":"x","flag":true}"#)
        let actual = json(#"{"items":[{"id":1},{"id":3}],"name":5,"count":3.0,"weird key":"y","extra":[1]}"#)
        let differences = JSONDiff.differences(expected: expected, actual: actual)
        #expect(differences.map(\.description) == [
            "$.items[1].id: expected 2, got 3",
            "$.name: expected string \"a\", got number 5",
            "$['weird key']: expected \"x\", got \"y\"",
            "$.flag: missing, expected true",
            "$.extra: unexpected key with value [1]",
        ])
        #expect(differences.map(\.path) == ["$.items[1].id", "$.name", "$['weird key']", "$.flag", "$.extra"])
        #expect(differences[0].kind == .valueMismatch(expected: .int(2), actual: .int(3)))
        #expect(differences[1].kind == .typeMismatch(expected: .string("a"), actual: .int(5)))
        #expect(differences[3].kind == .missing(expected: .bool(true)))
        #expect(differences[4].kind == .unexpected(actual: .array([.int(1)])))
    }

    @Test("diff: subset mode ignores extra keys; arrays report length and compare the common prefix")
    func diffSubsetAndArrays() {
        let expected = json(#"{"a":[1,2,3]}"#)
        let actual = json(#"{"a":[1,5],"b":true}"#)
        let subset = JSONDiff.differences(expected: expected, actual: actual, subset: true)
        #expect(subset.map(\.description) == ["$.a: expected 3 elements, got 2", "$.a[1]: expected 2, got 5"])
        #expect(subset[0].kind == .lengthMismatch(expected: 3, actual: 2))
        let full = JSONDiff.differences(expected: expected, actual: actual)
        #expect(full.count == 3)
        #expect(full.last?.description == "$.b: unexpected key with value true")
        #expect(JSONDiff.differences(expected: json("[1]"), actual: json("[]")).map(\.description)
            == ["$: expected 1 element, got 0"])
    }

    @Test("diff: equal values have no differences, root scalars use '$'")
    func diffEqual() {
        #expect(JSONDiff.differences(expected: json(#"{"a":1,"b":[1.0]}"#), actual: json(#"{"b":[1],"a":1.0}"#)).isEmpty)
        #expect(JSONDiff.differences(expected: json("1"), actual: json("2")).map(\.description) == ["$: expected 1, got 2"])
        #expect(JSONDiff.differences(expected: json("null"), actual: json("{}")).map(\.description)
            == ["$: expected null null, got object {}"])
        #expect(JSONDiff.differences(expected: json("1"), actual: json("1.0")).isEmpty)
    }

    @Test("diff: limit caps the number of differences")
    func diffLimit() {
        let expected = JSONValue.array((0..<100).map { .int(Int64($0)) })
        let actual = JSONValue.array((0..<100).map { .int(Int64($0) + 1) })
        #expect(JSONDiff.differences(expected: expected, actual: actual).count == 50)
        #expect(JSONDiff.differences(expected: expected, actual: actual, limit: 3).map(\.path) == ["$[0]", "$[1]", "$[2]"])
        #expect(JSONDiff.differences(expected: expected, actual: actual, limit: 0).isEmpty)
    }

    @Test("diff: keys that are not identifiers are quoted and escaped")
    func diffKeyQuoting() {
        let expected = JSONValue.object(["a.b": .int(1), "it's": .int(1), "": .int(1), "1x": .int(1), "ok_1": .int(1)])
        let actual = JSONValue.object([:])
        #expect(JSONDiff.differences(expected: expected, actual: actual).map(\.path)
            == ["$['a.b']", "$['it\\'s']", "$['']", "$['1x']", "$.ok_1"])
    }

    @Test("diff: long values are shortened in messages")
    func diffTruncation() {
        let long = String(repeating: "x", count: 500)
        let description = JSONDiff.differences(expected: .string(long), actual: .string("y"))[0].description
        #expect(description.count < 200)
        #expect(description.hasSuffix("…, got \"y\""))
    }
}
