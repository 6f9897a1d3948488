import OrderedCollections
import Testing
@testable import JSONCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test("scalars and containers")
    func validDocuments() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse("true") == .bool(true))
        #expect(try JSONValue.parse(" \n\t\r false \n") == .bool(false))
        #expect(try JSONValue.parse("\"hi\"") == .string("hi"))
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("{}") == .object([:]))
        #expect(try JSONValue.parse("[ ]") == .array([]))
        #expect(try JSONValue.parse("{ }") == .object([:]))
        #expect(try JSONValue.parse(#"[1, "a", null, [true], {"k": []}]"#)
            == .array([.int(1), .string("a"), .null, .array([.bool(true)]), .object(["k": .array([])])]))
    }

    @Test("object keys keep document order")
    func keyOrder() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue.map { Array($0.keys) } == ["z", "a", "m"])
    }

    @Test("duplicate keys: last value wins at the first key's position")
    func duplicateKeys() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue.map { Array($0.keys) } == ["a", "b"])
        #expect(value["a"] == .int(3))
        #expect(value.serialized() == #"{"a":3,"b":2}"#)
    }

    @Test("numbers", arguments: [
        ("0", JSONValue.int(0)),
        ("-0", .int(0)),
        ("42", .int(42)),
        ("-17", .int(-17)),
        ("9223372036854775807", .int(Int64.max)),
        ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .double(9223372036854775808.0)),
        ("-9223372036854775809", .double(-9223372036854775809.0)),
        ("123456789012345678901234567890", .double(1.2345678901234568e29)),
        ("1.0", .double(1.0)),
        ("-0.0", .double(-0.0)),
        ("1.5", .double(1.5)),
        ("1e3", .double(1000)),
        ("1E+3", .double(1000)),
        ("2.5e-3", .double(0.0025)),
        ("0.1", .double(0.1)),
        ("1e-400", .double(0)),
    ])
    func numbers(text: String, expected: JSONValue) throws {
        let value = try JSONValue.parse(text)
        #expect(value == expected)
    }

    @Test("escapes and unicode")
    func escapes() throws {
        #expect(try JSONValue.parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
        #expect(try JSONValue.parse(#""\u0041\u00e9\u4e2D""#) == .string("Aé中"))
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse("\"😀 é\"") == .string("😀 é"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        // Lone surrogates become U+FFFD.
        #expect(try JSONValue.parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try JSONValue.parse(#""\ude00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONValue.parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONValue.parse(#""\ud83d\ud83d\ude00""#) == .string("\u{FFFD}😀"))
        // Escapes after plain text and plain text after escapes.
        #expect(try JSONValue.parse(#""abc\ndef é""#) == .string("abc\ndef é"))
    }

    @Test("invalid documents report message, line and column", arguments: [
        ("", "unexpected end of input, expected a JSON value", 1, 1),
        ("   ", "unexpected end of input, expected a JSON value", 1, 4),
        (#"{"a":1 "b":2}"#, "expected ',' or '}' after object member, found '\"'", 1, 8),
        ("{\"a\":1,}", "trailing comma before '}'", 1, 8),
        ("[1,2,]", "trailing comma before ']'", 1, 6),
        ("[1 2]", "expected ',' or ']' after array element, found '2'", 1, 4),
        ("[1,\n  2,\n  x]", "expected a JSON value, found 'x'", 3, 3),
        ("{\"a\" 1}", "expected ':' after object key, found '1'", 1, 6),
        ("{a:1}", "expected a string key or '}', found 'a'", 1, 2),
        ("01", "leading zeros are not allowed in numbers", 1, 1),
        ("-", "expected a digit after '-'", 1, 2),
        ("1.", "expected a digit after the decimal point", 1, 3),
        ("1e", "expected a digit in the exponent", 1, 3),
        (".5", "expected a JSON value, found '.'", 1, 1),
        ("+1", "expected a JSON value, found '+'", 1, 1),
        ("1e400", "number 1e400 is out of range for a double", 1, 1),
        ("tru", "invalid literal, expected 'true'", 1, 1),
        ("nul", "invalid literal, expected 'null'", 1, 1),
        ("True", "expected a JSON value, found 'T'", 1, 1),
        ("\"abc", "unterminated string", 1, 1),
        ("\"a\tb\"", "unescaped control character U+0009 in string (write it as \\t)", 1, 3),
        ("\"a\nb\"", "unescaped control character U+000A in string (write it as \\n)", 1, 3),
        ("\"é\u{1F}\"", "unescaped control character U+001F in string (write it as \\u001f)", 1, 3),
        ("[\"x\\n\u{0}\"]", "unescaped control character U+0000 in string (write it as \\u0000)", 1, 6),
        ("\u{0}", "expected a JSON value, found control character U+0000", 1, 1),
        (#""\x""#, "invalid escape '\\x' in string", 1, 2),
        (#""\u12zz""#, "invalid \\u escape, expected 4 hex digits", 1, 2),
        (#""\u12"#, "incomplete \\u escape, expected 4 hex digits", 1, 2),
        ("1 2", "unexpected '2' after the JSON value", 1, 3),
        ("{} x", "unexpected 'x' after the JSON value", 1, 4),
        ("// c\n1", "expected a JSON value, found '/'", 1, 1),
        ("[1] /* c */", "unexpected '/' after the JSON value", 1, 5),
        ("NaN", "expected a JSON value, found 'N'", 1, 1),
        ("[", "unexpected end of input, expected a value", 1, 2),
        ("{\"a\":", "unexpected end of input, expected a value", 1, 6),
        ("[1", "unexpected end of input, expected ',' or ']' after array element", 1, 3),
        ("{\"é\":1 x", "expected ',' or '}' after object member, found 'x'", 1, 8),
        ("\r\n\r\n  x", "expected a JSON value, found 'x'", 3, 3),
    ])
    func invalidDocuments(text: String, message: String, line: Int, column: Int) {
        #expect {
            _ = try JSONValue.parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            #expect(error.message == message)
            #expect(error.line == line)
            #expect(error.column == column)
            return error.message == message && error.line == line && error.column == column
        }
    }

    @Test("error description is 'line L, column C: message'")
    func errorDescription() {
        do {
            _ = try JSONValue.parse(#"{"a":1 "b":2}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "line 1, column 8: expected ',' or '}' after object member, found '\"'")
            #expect(error.offset == 7)
        }
    }

    @Test("depth limit: 512 levels parse, 513 is an error, deep input never overflows the stack")
    func depthLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let okObjects = String(repeating: #"{"a":"#, count: 511) + "[]" + String(repeating: "}", count: 511)
        #expect(throws: Never.self) { try JSONValue.parse(okObjects) }
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(tooDeep) }
        do {
            _ = try JSONValue.parse(String(repeating: "[", count: 100_000))
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "nesting deeper than 512 levels")
            #expect(error.offset == 512)
        }
        let deepObjects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deepObjects) }
    }

    @Test("byte input: UTF-8 decoded, invalid UTF-8 rejected")
    func byteInput() throws {
        #expect(try JSONValue.parse(bytes: Array(#"{"k":"é😀"}"#.utf8)) == .object(["k": .string("é😀")]))
        #expect(try JSONValue.parse(bytes: ArraySlice(Array("[1,2]".utf8))) == .array([.int(1), .int(2)]))
        // A non-contiguous collection.
        #expect(try JSONValue.parse(bytes: "[true]".utf8.reversed().reversed()) == .array([.bool(true)]))
        let invalid: [[UInt8]] = [
            [0x22, 0xFF, 0x22],             // invalid byte
            [0x22, 0xC3, 0x22],             // truncated 2-byte sequence
            [0x22, 0xC0, 0xAF, 0x22],       // overlong '/'
            [0x22, 0xE0, 0x80, 0xAF, 0x22], // overlong 3-byte
            [0x22, 0xED, 0xA0, 0x80, 0x22], // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
            [0x22, 0x80, 0x22],             // lone continuation byte
            [0xEF, 0xBB, 0xBF, 0x31],       // byte order mark outside a string
        ]
        for bytes in invalid {
            #expect(throws: JSONParseError.self, "\(bytes)") { try JSONValue.parse(bytes: bytes) }
        }
        do {
            _ = try JSONValue.parse(bytes: [0x5B, 0x22, 0x61, 0xFF, 0x22, 0x5D])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "line 1, column 4: invalid UTF-8 byte 0xFF")
        }
    }
}
