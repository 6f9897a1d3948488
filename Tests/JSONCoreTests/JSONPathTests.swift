import OrderedCollections
import Testing
@testable import JSONCore

private let storeText = #"""
{ "store": {
    "book": [
      { "category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95 },
      { "category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99 },
      { "category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99 },
      { "category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99 }
    ],
    "bicycle": { "color": "red", "price": 19.95 }
  },
  "expensive": 10,
  "key with spaces": 1, "a.b": 2, "it's": 3, "quote\"d": 4
}
"""#

private let store: JSONValue = {
    do {
        return try JSONValue.parse(storeText)
    } catch {
        fatalError("invalid fixture: \(error)")
    }
}()

/// Selects with `expression` and returns the compact JSON of each match.
private func select(_ expression: String, in root: JSONValue = store) throws -> [String] {
    try JSONPath(expression).select(in: root).map { $0.serialized() }
}

@Suite("JSONPath")
struct JSONPathTests {
    @Test("root, dot and bracket names")
    func names() throws {
        #expect(try select("$") == [store.serialized()])
        #expect(try select("$.expensive") == ["10"])
        #expect(try select("$.store.bicycle.color") == [#""red""#])
        #expect(try select("$['store']['bicycle']['color']") == [#""red""#])
        #expect(try select(#"$["store"]["bicycle"].color"#) == [#""red""#])
        #expect(try select("$['key with spaces']") == ["1"])
        #expect(try select("$['a.b']") == ["2"])
        #expect(try select(#"$['it\'s']"#) == ["3"])
        #expect(try select(#"$["it's"]"#) == ["3"])
        #expect(try select(#"$["quote\"d"]"#) == ["4"])
        #expect(try select(#"$['quote"d']"#) == ["4"])
        #expect(try select("$.missing") == [])
        #expect(try select("$.store.book.title") == [])  // a name on an array selects nothing
        #expect(try select("$.expensive.x") == [])
        #expect(try select(" $.expensive ") == ["10"])
        #expect(try select("$[ 'expensive' ]") == ["10"])
    }

    @Test("indexes, negative indexes, wildcards")
    func indexesAndWildcards() throws {
        #expect(try select("$.store.book[0].author") == [#""Nigel Rees""#])
        #expect(try select("$.store.book[-1].author") == [#""J. R. R. Tolkien""#])
        #expect(try select("$.store.book[-4].author") == [#""Nigel Rees""#])
        #expect(try select("$.store.book[4]") == [])
        #expect(try select("$.store.book[-5]") == [])
        #expect(try select("$.store.book[*].author")
            == [#""Nigel Rees""#, #""Evelyn Waugh""#, #""Herman Melville""#, #""J. R. R. Tolkien""#])
        #expect(try select("$.store.bicycle.*") == [#""red""#, "19.95"])
        #expect(try select("$.store.bicycle[*]") == [#""red""#, "19.95"])
        #expect(try select("$.store.*").count == 2)
        #expect(try select("$.expensive.*") == [])
        #expect(try select("$.store[0]") == [])  // an index on an object selects nothing
    }

    @Test("recursive descent")
    func recursiveDescent() throws {
        #expect(try select("$..author")
            == [#""Nigel Rees""#, #""Evelyn Waugh""#, #""Herman Melville""#, #""J. R. R. Tolkien""#])
        #expect(try select("$.store..price") == ["8.95", "12.99", "8.99", "22.99", "19.95"])
        #expect(try select("$..book[2].title") == [#""Moby Dick""#])
        #expect(try select("$..[2].title") == [#""Moby Dick""#])
        #expect(try select("$..book[-1:].title") == [#""The Lord of the Rings""#])
        #expect(try select("$..*").count == 32)
        #expect(try select("$.store.bicycle..*") == [#""red""#, "19.95"])
        #expect(try select("$..nothing") == [])
        #expect(try select("$..['author','title']", in: try JSONValue.parse(#"[{"title":"t","author":"a"}]"#))
            == [#""a""#, #""t""#])
        // Descendants are visited in document order, nested matches included.
        let nested = try JSONValue.parse(#"{"id":1,"child":{"id":2,"child":{"id":3}},"list":[{"id":4}]}"#)
        #expect(try select("$..id", in: nested) == ["1", "2", "3", "4"])
    }

    @Test("unions")
    func unions() throws {
        #expect(try select("$.store.book[0,2].title") == [#""Sayings of the Century""#, #""Moby Dick""#])
        #expect(try select("$.store.book[2,0].title") == [#""Moby Dick""#, #""Sayings of the Century""#])
        #expect(try select("$.store.bicycle['color','price']") == [#""red""#, "19.95"])
        #expect(try select(#"$.store.bicycle["price", 'color', 'none']"#) == ["19.95", #""red""#])
        #expect(try select("$.store.book[0, -1].price") == ["8.95", "22.99"])
    }

    @Test("slices", arguments: [
        ("$[0:2]", "[0,1]"),
        ("$[:2]", "[0,1]"),
        ("$[2:]", "[2,3,4,5]"),
        ("$[-2:]", "[4,5]"),
        ("$[:-2]", "[0,1,2,3]"),
        ("$[1:5:2]", "[1,3]"),
        ("$[::2]", "[0,2,4]"),
        ("$[::-1]", "[5,4,3,2,1,0]"),
        ("$[4:1:-2]", "[4,2]"),
        ("$[:]", "[0,1,2,3,4,5]"),
        ("$[10:20]", "[]"),
        ("$[-100:2]", "[0,1]"),
        ("$[3:1]", "[]"),
        ("$[::0]", "[]"),
        ("$[ 1 : 3 ]", "[1,2]"),
    ])
    func slices(expression: String, expected: String) throws {
        let numbers = JSONValue.array((0...5).map { .int(Int64($0)) })
        #expect(JSONValue.array(try JSONPath(expression).select(in: numbers)).serialized() == expected)
    }

    @Test("filters: comparisons")
    func filterComparisons() throws {
        #expect(try select("$.store.book[?(@.price < 10)].title") == [#""Sayings of the Century""#, #""Moby Dick""#])
        #expect(try select("$.store.book[?(@.price <= 8.99)].price") == ["8.95", "8.99"])
        #expect(try select("$.store.book[?(@.price > 20)].price") == ["22.99"])
        #expect(try select("$.store.book[?(@.price >= 22.99)].price") == ["22.99"])
        #expect(try select("$.store.book[?(@.price == 8.95)].price") == ["8.95"])
        #expect(try select("$.store.book[?(@.category == 'reference')].author") == [#""Nigel Rees""#])
        #expect(try select(#"$.store.book[?(@.category == "reference")].author"#) == [#""Nigel Rees""#])
        #expect(try select("$.store.book[?(@.category != 'fiction')].author") == [#""Nigel Rees""#])
        #expect(try select("$.store.book[?(@.price < $.expensive)].price") == ["8.95", "8.99"])
        #expect(try select("$.store.book[?(@['price'] > 20)].price") == ["22.99"])
        #expect(try select("$.store.book[?(@.author > 'I')].author") == [#""J. R. R. Tolkien""#, #""Nigel Rees""#].reversed())
        #expect(try select("$.store.book[?(10 > @.price)].price") == ["8.95", "8.99"])
        #expect(try select("$.store.book[?(@.price<10)].price") == ["8.95", "8.99"])
        // Ordering needs two numbers or two strings.
        #expect(try select("$.store.book[?(@.price < '10')]") == [])
        #expect(try select("$.store.book[?(@.missing < 10)]") == [])
        // Integers and doubles compare numerically.
        let items = try JSONValue.parse(#"[{"n":1},{"n":1.0},{"n":2},{"n":"1"},{"n":true},{"n":null},{}]"#)
        #expect(try select("$[?(@.n == 1)]", in: items) == [#"{"n":1}"#, #"{"n":1.0}"#])
        #expect(try select("$[?(@.n == '1')]", in: items) == [#"{"n":"1"}"#])
        #expect(try select("$[?(@.n == true)]", in: items) == [#"{"n":true}"#])
        #expect(try select("$[?(@.n == null)]", in: items) == [#"{"n":null}"#])
        #expect(try select("$[?(@.n != null)]", in: items).count == 6)  // missing is not null
        #expect(try select("$[?(@.n >= -1.5e0)]", in: items).count == 3)
    }

    @Test("filters: existence, boolean operators, nesting, grouping")
    func filterLogic() throws {
        #expect(try select("$.store.book[?(@.isbn)].title") == [#""Moby Dick""#, #""The Lord of the Rings""#])
        #expect(try select("$.store.book[?(!@.isbn)].title") == [#""Sayings of the Century""#, #""Sword of Honour""#])
        #expect(try select("$.store.book[?(@.isbn && @.price < 10)].title") == [#""Moby Dick""#])
        // A missing member is not null (Jayway and RFC 9535 agree), so "Sword of Honour" matches.
        #expect(try select("$.store.book[?(@.category == 'fiction' && @.isbn != null)].title")
            == [#""Sword of Honour""#, #""Moby Dick""#, #""The Lord of the Rings""#])
        let people = try JSONValue.parse(#"[{"a":"x","b":1},{"a":"x","b":null},{"a":"y","b":2}]"#)
        #expect(try select("$[?(@.a == 'x' && @.b != null)].b", in: people) == ["1"])
        #expect(try select("$.store.book[?(@.price < 9 || @.price > 20)].price") == ["8.95", "8.99", "22.99"])
        #expect(try select("$.store.book[?(!(@.price < 9 || @.price > 20))].price") == ["12.99"])
        #expect(try select("$.store.book[?((@.price < 9) && (@.category == 'fiction'))].price") == ["8.99"])
        // && binds tighter than ||.
        #expect(try select("$.store.book[?(@.price > 20 || @.price < 9 && @.isbn)].price") == ["8.99", "22.99"])
        #expect(try select("$.store.book[?@.price > 20]") .count == 1)  // RFC 9535 style without parentheses
        let nested = try JSONValue.parse(#"[{"a":{"b":1}},{"a":{"b":2}},{"a":{}}]"#)
        #expect(try select("$[?(@.a.b == 2)]", in: nested) == [#"{"a":{"b":2}}"#])
        #expect(try select("$[?(@.a.b)]", in: nested).count == 2)
        #expect(try select("$[?(@.a['b'] >= 1)].a.b", in: nested) == ["1", "2"])
        // @ alone is the current element.
        let numbers = try JSONValue.parse("[1,5,10,\"x\"]")
        #expect(try select("$[?(@ > 2)]", in: numbers) == ["5", "10"])
        #expect(try select("$[?(@ == 'x')]", in: numbers) == [#""x""#])
        // $ in a filter refers to the document root.
        let limits = try JSONValue.parse(#"{"max":3,"items":[{"v":1},{"v":4}],"flag":true}"#)
        #expect(try select("$.items[?(@.v < $.max)].v", in: limits) == ["1"])
        #expect(try select("$.items[?($.flag)].v", in: limits) == ["1", "4"])
        #expect(try select("$.items[?($.nope)].v", in: limits) == [])
    }

    @Test("filters on objects test the object itself; after '..' every descendant is tested")
    func filterTargets() throws {
        #expect(try select("$.store.bicycle[?(@.color == 'red')].price") == ["19.95"])
        #expect(try select("$.store.bicycle[?(@.color == 'blue')]") == [])
        #expect(try select("$..[?(@.price > 19)].price") == ["22.99", "19.95"])
        #expect(try select("$..[?(@.isbn)].title") == [#""Moby Dick""#, #""The Lord of the Rings""#])
        #expect(try select("$.expensive[?(@ > 1)]") == [])
    }

    @Test("filters: regular expressions match the whole string")
    func filterRegex() throws {
        #expect(try select("$.store.book[?(@.author =~ /.*Rees/)].author") == [#""Nigel Rees""#])
        #expect(try select("$.store.book[?(@.author =~ /rees/)].author") == [])
        #expect(try select("$.store.book[?(@.author =~ /.*REES/i)].author") == [#""Nigel Rees""#])
        #expect(try select("$.store.book[?(@.author =~ /Rees/)].author") == [])  // not a whole match
        #expect(try select(#"$.store.book[?(@.isbn =~ /0-\d{3}-.*/)].title"#) == [#""Moby Dick""#, #""The Lord of the Rings""#])
        #expect(try select(#"$[?(@ =~ /a\/b/)]"#, in: try JSONValue.parse(#"["a/b","ab"]"#)) == [#""a/b""#])
        #expect(try select("$.store.book[?(@.price =~ /8.*/)]") == [])  // numbers never match
    }

    @Test("first(in:) and select on scalars")
    func firstMatch() throws {
        #expect(try JSONPath("$..price").first(in: store) == .double(8.95))
        #expect(try JSONPath("$.store.book[1].price").first(in: store) == .double(12.99))
        #expect(try JSONPath("$.nope").first(in: store) == nil)
        #expect(try JSONPath("$").first(in: .int(3)) == .int(3))
        #expect(try JSONPath("$[*]").select(in: .string("abc")) == [])
    }

    @Test("definiteness", arguments: [
        ("$", true), ("$.a", true), ("$['a'].b[0]", true), ("$.a[-1]", true), ("$[\"x y\"][2].z", true),
        ("$.*", false), ("$[*]", false), ("$..a", false), ("$.a[0,1]", false), ("$['a','b']", false),
        ("$[0:2]", false), ("$[?(@.a)]", false), ("$.a..b", false),
    ])
    func definiteness(expression: String, definite: Bool) throws {
        #expect(try JSONPath(expression).isDefinite == definite)
    }

    @Test("invalid expressions report message and offset", arguments: [
        ("", "empty expression, a JSONPath starts with '$'", 0),
        ("a.b", "a JSONPath must start with '$'", 0),
        ("@.a", "a JSONPath must start with '$'", 0),
        ("$.a[", "unexpected end of expression", 4),
        ("$.", "unexpected end of expression, expected a name or '*' after '.'", 2),
        ("$..", "unexpected end of expression, expected a name or '*' after '..'", 3),
        ("$.a.", "unexpected end of expression, expected a name or '*' after '.'", 4),
        ("$a", "unexpected character 'a'", 1),
        ("$.a b", "unexpected character 'b'", 4),
        ("$[]", "empty brackets, expected a name, index, slice, '*' or filter", 2),
        ("$['a'", "unexpected end of expression", 5),
        ("$['a]", "unterminated string", 2),
        ("$[a]", "unexpected character 'a', expected a name, index, slice, '*' or filter in brackets", 2),
        ("$[1 2]", "unexpected character '2', expected ',' or ']'", 4),
        ("$[-]", "unexpected character ']', expected a digit after '-'", 3),
        ("$[1:2:x]", "unexpected character 'x', expected ',' or ']'", 6),
        ("$[?(@.a ==)]", "unexpected character ')', expected '@', '$', a string, a number, true, false or null", 10),
        ("$[?(@.a == 1]", "unexpected character ']', expected ')'", 12),
        ("$[?(@.a == 1)", "unexpected end of expression", 13),
        ("$[?(@.a = 1)]", "unexpected character '=', expected ')'", 8),
        ("$[?(@.a === 1)]", "unexpected character '=', expected '@', '$', a string, a number, true, false or null", 10),
        ("$[?(@.a == tru)]", "unexpected character 't', expected '@', '$', a string, a number, true, false or null", 11),
        ("$[?(1)]", "expected a comparison after a literal", 4),
        ("$[?(@.a =~ 'x')]", "unexpected character ''', expected a regular expression like /pattern/ or /pattern/i", 11),
        ("$[?(@.a =~ /x)]", "unterminated regular expression", 11),
        ("$[?(@.a =~ /(/)]", "invalid regular expression '('", 11),
        ("$[?(@.a =~ /x/g)]", "unsupported regular expression flag 'g'", 14),
        ("$[?(@.a & @.b)]", "unexpected character '&', expected ')'", 8),
        ("$[?(@.a == 1.)]", "invalid number '1.'", 11),
        ("$['\\q']", "invalid escape '\\q' in string", 3),
        ("$[99999999999999999999]", "integer out of range", 2),
        ("$.a)", "unexpected character ')'", 3),
    ])
    func invalidExpressions(expression: String, message: String, offset: Int) {
        do {
            _ = try JSONPath(expression)
            Issue.record("expected '\(expression)' to be rejected")
        } catch {
            #expect(error.message == message, "\(expression)")
            #expect(error.offset == offset, "\(expression)")
            #expect(error.expression == expression)
        }
    }

    @Test("error description")
    func errorDescription() {
        do {
            _ = try JSONPath("$.a[")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "invalid JSONPath '$.a[': unexpected end of expression at offset 4")
        }
    }

    @Test("paths are Hashable by expression and describe themselves")
    func hashable() throws {
        let a = try JSONPath("$.a")
        #expect(a == (try JSONPath("$.a")))
        #expect(a != (try JSONPath("$['a']")))
        #expect(Set([a, try JSONPath("$.a")]).count == 1)
        #expect(a.description == "$.a")
        #expect(a.expression == "$.a")
    }

    @Test("names with unicode, dashes and digits")
    func unusualNames() throws {
        let value = try JSONValue.parse(#"{"x-id":1,"é":2,"1":3,"$ref":4,"a_b":5}"#)
        #expect(try select("$.x-id", in: value) == ["1"])
        #expect(try select("$.é", in: value) == ["2"])
        #expect(try select("$.1", in: value) == ["3"])
        #expect(try select("$['1']", in: value) == ["3"])
        #expect(try select("$.$ref", in: value) == ["4"])
        #expect(try select("$.a_b", in: value) == ["5"])
    }
}

@Suite("JSONPath limits")
struct JSONPathLimitTests {
    @Test("deeply nested filter expressions are rejected, not a stack overflow")
    func nestingLimit() throws {
        let ok = "$[?(" + String(repeating: "(", count: 30) + "@.a" + String(repeating: ")", count: 30) + ")]"
        #expect(throws: Never.self) { try JSONPath(ok) }
        let hostile = "$[?(" + String(repeating: "(", count: 100_000) + "@.a)]"
        #expect(throws: JSONPathError.self) { try JSONPath(hostile) }
        let negations = "$[?(" + String(repeating: "!", count: 100_000) + "@.a)]"
        do {
            _ = try JSONPath(negations)
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "expression nested more than 64 levels deep")
        }
        let nestedFilters = "$" + String(repeating: "[?(@", count: 1000)
        #expect(throws: JSONPathError.self) { try JSONPath(nestedFilters) }
    }

    @Test("512-level documents work with every operation")
    func deepDocuments() throws {
        let text = String(repeating: #"{"x":["#, count: 256) + "1" + String(repeating: "]}", count: 256)
        let value = try JSONValue.parse(text)
        #expect(value.serialized() == text)
        #expect(try JSONValue.parse(value.serialized(.pretty)) == value)
        #expect(value.semanticallyEquals(value))
        #expect(value.contains(subset: value))
        #expect(JSONDiff.differences(expected: value, actual: value).isEmpty)
        #expect(try JSONPath("$..x").select(in: value).count == 256)
        #expect(try JSONPath("$..[?(@ == 1)]").select(in: value) == [.int(1)])
    }
}
