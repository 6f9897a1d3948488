import Foundation
import GatecheckCore
import JSONCore
import VTL

// Fuzz entry points for the parsers. Each takes arbitrary bytes, must return normally for every input, and stops the
// process (`fatalError`, via `invariant`) only when an invariant that must hold for all inputs is broken; libFuzzer and the
// smoke tests then report the input. Errors the parsers throw for bad input are the expected outcome, not failures.

/// Stops the process with `message` when `condition` is false. Unlike `precondition`, the message survives
/// optimised builds, so libFuzzer's log says which invariant broke.
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant broken: " + message()) }
}

func invariantFailure(_ message: String) -> Never {
    fatalError("fuzz invariant broken: " + message)
}

/// Render limits for fuzzing: API Gateway's, with smaller step and size budgets so one input renders in milliseconds
/// (the engine must stop at the limits with an error, never crash or hang).
let fuzzVTLLimits = VTLLimits(maximumForeachIterations: 1000, maximumMacroDepth: 20, maximumOutputBytes: 256 * 1024,
                              maximumSteps: 200_000, maximumCollectionSize: 10_000, maximumRenderDepth: 128)

/// The request a fuzzed mapping template sees when the input carries no body of its own.
private let defaultTemplateBody = Array(#"{"name":"gatecheck","items":[{"id":1,"tags":["a","b"]},{"id":2,"price":9.5}],"empty":{},"nothing":null,"text":"l\u00e9\"quoted\"\n"}"#.utf8)

/// The `$context` tree of the fuzzed render (a subset of API Gateway's).
private let templateContext: JSONValue = .object([
    "requestId": .string("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
    "stage": .string("test"),
    "httpMethod": .string("POST"),
    "resourcePath": .string("/items/{id}"),
    "identity": .object(["sourceIp": .string("127.0.0.1"), "userAgent": .string("fuzz")]),
    "authorizer": .object(["principalId": .string("user"), "claims": .object(["sub": .string("42")])]),
])

/// Parses the input as an API Gateway mapping template and renders it.
///
/// Bytes up to the first NUL are the template; bytes after it are the request body (`$input.body`, `$input.json`,
/// `$input.path`). Without a NUL the body is a fixed JSON document. Syntax and runtime errors are fine; a crash, a
/// hang past the render limits, or an output above the output limit is a bug.
public func fuzzVTL(_ bytes: [UInt8]) {
    _ = renderFuzzedTemplate(bytes)
}

/// What `fuzzVTL` does, returning the rendered text (nil on a syntax or runtime error), so tests can check that
/// seeds get through.
public func renderFuzzedTemplate(_ bytes: [UInt8]) -> String? {
    let split = bytes.firstIndex(of: 0)
    let templateBytes = split.map { bytes[..<$0] } ?? bytes[...]
    let body = split.map { Array(bytes[($0 + 1)...]) } ?? defaultTemplateBody
    let source = String(decoding: templateBytes, as: UTF8.self)
    guard let template = try? MappingTemplate(source: source, name: "fuzz template") else { return nil }
    let input = TemplateInput(
        body: body,
        pathParameters: [("id", "42"), ("proxy", "a/b c")],
        queryParameters: [("q", "x y"), ("q", "z"), ("empty", "")],
        headers: [("Content-Type", "application/json"), ("X-Trace", "t'\"<>&")],
        context: templateContext,
        stageVariables: [("env", "test"), ("url", "http://upstream.test")])
    do {
        let output = try template.render(input, limits: fuzzVTLLimits)
        invariant(output.text.utf8.count <= fuzzVTLLimits.maximumOutputBytes,
                     "VTL output of \(output.text.utf8.count) bytes exceeds the \(fuzzVTLLimits.maximumOutputBytes)-byte limit")
        return output.text
    } catch {
        _ = error.description
        return nil
    }
}

/// The document fuzzed JSONPath expressions select from: nesting, arrays, every scalar type, awkward keys.
private let jsonPathDocument: JSONValue = {
    let text = #"""
    {"store":{"book":[{"category":"reference","author":"Nigel Rees","title":"Sayings","price":8.95},
    {"category":"fiction","author":"Evelyn Waugh","title":"Sword","price":12.99,"isbn":"0-553-21311-3"},
    {"category":"fiction","author":"Herman Melville","price":8,"tags":["sea","whale"]}],
    "bicycle":{"color":"red","price":19.95}},"a.b":{"c d":[0,-1,1e300,null,true,"",[],{}]},
    "unicodé":"✓","deep":{"deep":{"deep":{"deep":[[[1]]]}}},"":{"":""}}
    """#
    return (try? JSONValue.parse(text)) ?? .null
}()

/// Compiles the input as a JSONPath expression and, when it compiles, selects from a fixed document.
/// Invariant: a definite path (no wildcards, slices, filters or descent) selects at most one value.
public func fuzzJSONPath(_ bytes: [UInt8]) {
    let expression = String(decoding: bytes, as: UTF8.self)
    let path: JSONPath
    do {
        path = try JSONPath(expression)
    } catch {
        _ = error.description
        return
    }
    let selected = path.select(in: jsonPathDocument)
    _ = path.first(in: jsonPathDocument)
    if path.isDefinite {
        invariant(selected.count <= 1, "definite JSONPath \(String(reflecting: expression)) selected \(selected.count) values")
    }
    // The expression a path reports must compile to the same path again.
    invariant((try? JSONPath(path.expression)) != nil, "JSONPath expression \(String(reflecting: path.expression)) does not recompile")
}

/// Parses the input as JSON; a document that parses must survive the serialise/parse round trip unchanged.
///
/// Invariants: `parse(serialized(v)) == v` in both styles, serialising is stable (`serialized` of the re-parsed value
/// is the same text), and parsing the bytes or the same text as a `String` agree when the bytes are valid UTF-8.
public func fuzzJSON(_ bytes: [UInt8]) {
    let value: JSONValue
    do {
        value = try JSONValue.parse(bytes: bytes)
    } catch {
        _ = error.description
        if let text = String(validating: bytes, as: UTF8.self) {
            invariant((try? JSONValue.parse(text)) == nil, "JSON bytes are rejected but the same text parses")
        }
        return
    }
    if let text = String(validating: bytes, as: UTF8.self) {
        invariant((try? JSONValue.parse(text)) == value, "JSON text and bytes parse differently")
    }
    let compact = value.serialized(.compact)
    guard let reparsed = try? JSONValue.parse(compact) else {
        invariantFailure("serialised JSON does not parse again: \(compact.prefix(500))")
    }
    invariant(reparsed == value, "JSON round trip changed the value: \(compact.prefix(500))")
    invariant(reparsed.serialized(.compact) == compact, "JSON serialisation is not stable: \(compact.prefix(500))")
    let pretty = value.serialized(.pretty)
    invariant((try? JSONValue.parse(pretty)) == value, "pretty JSON does not round-trip: \(pretty.prefix(500))")
}

/// Options for fuzzed suites: no `--var`s and a fixed, tiny environment (never the real one).
private let suiteLoaderOptions = LoadOptions(variables: ["base": "http://127.0.0.1"], environment: ["TOKEN": "secret"],
                                             requireAPI: false)

/// Parses the input as a suite file. Invariant: no suite comes back exactly when an error diagnostic does,
/// and every diagnostic names the file with a line and column inside the text.
public func fuzzSuiteLoader(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let (suite, diagnostics) = SuiteLoader.parse(text: text, file: "fuzz/suite.yaml", options: suiteLoaderOptions)
    let hasError = diagnostics.contains { $0.severity == .error }
    invariant((suite == nil) == hasError,
                 "suite loader returned \(suite == nil ? "no suite" : "a suite") with \(diagnostics.count) diagnostics: \(diagnostics.map(\.description))")
    // YAML breaks lines at LF, CR (CRLF counts twice here: an upper bound is enough), NEL, LS and PS.
    let lineCount = text.unicodeScalars.reduce(1) { count, scalar in
        count + (["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) ? 1 : 0)
    }
    for diagnostic in diagnostics {
        if let line = diagnostic.line {
            invariant(line >= 1 && line <= lineCount + 1 && (diagnostic.column ?? 1) >= 1,
                         "diagnostic position outside the \(lineCount)-line text: \(diagnostic.description)")
        }
        _ = diagnostic.description
    }
}
