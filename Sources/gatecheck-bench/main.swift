// gatecheck-bench: in-process micro-benchmarks for the figures `make bench` cannot take from outside
// (the VTL render time of issue 9) and for profiling hot paths under callgrind without a network.
//
//   gatecheck-bench vtl      [--template FILE] [--body FILE] [--iterations N] [--runs R]
//   gatecheck-bench json     [--body FILE] [--iterations N] [--runs R]
//   gatecheck-bench pipeline [--api FILE] [--backends FILE] [--path /test/mock?id=42] [--iterations N] [--runs R]
//
// Each benchmark runs R batches of N iterations after a warm-up and prints one line:
//   vtl median_us=12.34 min_us=11.90 iterations=2000 runs=7 ...
// where the per-iteration time of a batch is its wall time / N, and median/min are taken over batches.
// Defaults read the inputs in ./bench (run it from the repository root, as scripts/bench.sh does).

import Backends
import Foundation
import Gateway
import HTTPMessage
import JSONCore
import VTL

/// A usage or input problem, reported on stderr with exit status 2.
struct BenchError: Error, CustomStringConvertible {
    var description: String
}

/// Command-line options: `--name value` pairs after the benchmark name.
struct BenchOptions {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>, allowed: Set<String>) throws(BenchError) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard argument.hasPrefix("--") else { throw BenchError(description: "unexpected argument '\(argument)'") }
            let name = String(argument.dropFirst(2))
            guard allowed.contains(name) else {
                throw BenchError(description: "unknown option '--\(name)' (expected one of: \(allowed.sorted().map { "--" + $0 }.joined(separator: ", ")))")
            }
            guard let value = iterator.next() else { throw BenchError(description: "option '--\(name)' needs a value") }
            values[name] = value
        }
    }

    func string(_ name: String, default fallback: String) -> String { values[name] ?? fallback }

    func positiveInt(_ name: String, default fallback: Int) throws(BenchError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), value > 0 else {
            throw BenchError(description: "--\(name) expects a positive integer, got '\(text)'")
        }
        return value
    }
}

/// Timing of R batches of N iterations.
struct BatchTiming {
    var perIterationNanoseconds: [Double]
    var iterations: Int

    var medianMicroseconds: Double {
        let sorted = perIterationNanoseconds.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return median / 1000
    }

    var minimumMicroseconds: Double { (perIterationNanoseconds.min() ?? 0) / 1000 }

    func line(_ name: String, extra: String = "") -> String {
        let fields = [
            name,
            "median_us=" + String(format: "%.2f", medianMicroseconds),
            "min_us=" + String(format: "%.2f", minimumMicroseconds),
            "iterations=\(iterations)",
            "runs=\(perIterationNanoseconds.count)",
        ] + (extra.isEmpty ? [] : [extra])
        return fields.joined(separator: " ")
    }
}

func nanosecondsNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Runs `body` once per iteration: a warm-up batch, then `runs` timed batches.
func measure(iterations: Int, runs: Int, _ body: () throws -> Void) rethrows -> BatchTiming {
    for _ in 0..<max(1, iterations / 10) { try body() }
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = nanosecondsNow()
        for _ in 0..<iterations { try body() }
        samples.append(Double(nanosecondsNow() - start) / Double(iterations))
    }
    return BatchTiming(perIterationNanoseconds: samples, iterations: iterations)
}

/// Async variant for the gateway pipeline.
func measureAsync(iterations: Int, runs: Int, _ body: () async -> Void) async -> BatchTiming {
    for _ in 0..<max(1, iterations / 10) { await body() }
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = nanosecondsNow()
        for _ in 0..<iterations { await body() }
        samples.append(Double(nanosecondsNow() - start) / Double(iterations))
    }
    return BatchTiming(perIterationNanoseconds: samples, iterations: iterations)
}

func readBytes(_ path: String) throws(BenchError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchError(description: "cannot read \(path) (run gatecheck-bench from the repository root, or pass the file)")
    }
    return [UInt8](data)
}

/// The `$context` a REST request template sees (the fields the benchmark template reads, plus the usual ones).
func benchContext() -> JSONValue {
    .object([
        "accountId": .string("123456789012"),
        "apiId": .string("benchapi01"),
        "httpMethod": .string("POST"),
        "requestId": .string("c0ffee00-0000-4000-8000-000000000001"),
        "resourcePath": .string("/orders"),
        "stage": .string("test"),
        "identity": .object(["sourceIp": .string("127.0.0.1"), "userAgent": .string("gatecheck-bench")]),
    ])
}

/// `vtl`: renders the 30-line template over the ~10 KB body (parsed per render, as API Gateway does).
func benchVTL(_ options: BenchOptions) throws -> String {
    let templatePath = options.string("template", default: "bench/vtl-template.vtl")
    let bodyPath = options.string("body", default: "bench/vtl-body.json")
    let iterations = try options.positiveInt("iterations", default: 2000)
    let runs = try options.positiveInt("runs", default: 7)
    let source = String(decoding: try readBytes(templatePath), as: UTF8.self)
    let body = try readBytes(bodyPath)
    let template: MappingTemplate
    do {
        template = try MappingTemplate(source: source, name: templatePath)
    } catch {
        throw BenchError(description: "\(templatePath): \(error)")
    }
    let input = TemplateInput(body: body, queryParameters: [("id", "42")], headers: [("Content-Type", "application/json")],
                              context: benchContext(), stageVariables: [("env", "bench")])
    var outputBytes = 0
    // Check once that the output is what the template means (valid JSON), so the figure is for a correct render.
    let first = try template.render(input)
    do {
        _ = try JSONValue.parse(first.text)
    } catch {
        throw BenchError(description: "the benchmark template rendered invalid JSON (\(error)):\n\(first.text.prefix(400))")
    }
    let timing = try measure(iterations: iterations, runs: runs) {
        outputBytes = try template.render(input).text.utf8.count
    }
    return timing.line("vtl", extra: "template_lines=\(source.split(separator: "\n", omittingEmptySubsequences: false).count - 1) body_bytes=\(body.count) output_bytes=\(outputBytes)")
}

/// `json`: parses the ~10 KB body and serialises it back.
func benchJSON(_ options: BenchOptions) throws -> String {
    let bodyPath = options.string("body", default: "bench/vtl-body.json")
    let iterations = try options.positiveInt("iterations", default: 2000)
    let runs = try options.positiveInt("runs", default: 7)
    let body = try readBytes(bodyPath)
    var parsed: JSONValue = .null
    let parse = try measure(iterations: iterations, runs: runs) {
        parsed = try JSONValue.parse(bytes: body)
    }
    var written = 0
    let serialize = measure(iterations: iterations, runs: runs) {
        written = parsed.serialized().utf8.count
    }
    return parse.line("json-parse", extra: "body_bytes=\(body.count)") + "\n"
        + serialize.line("json-serialize", extra: "output_bytes=\(written)")
}

/// `pipeline`: the REST gateway answering one request in-process (no sockets): routing, templates,
/// scripted backends, response assembly. Handler-code (Python/Node) functions are left out.
func benchPipeline(_ options: BenchOptions) async throws -> String {
    let apiPath = options.string("api", default: "bench/api.yaml")
    let backendsPath = options.string("backends", default: "bench/backends.yaml")
    let target = options.string("path", default: "/test/mock?id=42")
    let iterations = try options.positiveInt("iterations", default: 5000)
    let runs = try options.positiveInt("runs", default: 7)
    let api = try RESTAPILoader.load(path: apiPath)
    var configuration = try BackendsLoader.load(path: backendsPath)
    configuration.lambdas = configuration.lambdas.filter {
        if case .scripted = $0.definition { return true }
        return false
    }
    let (registry, _) = try configuration.makeRegistry()
    let gateway = RESTGateway(api: api, stage: StageSettings(name: "test"), backends: registry)
    let request = GatewayRequest(method: "GET", target: target,
                                 headers: ["Host": "127.0.0.1", "User-Agent": "gatecheck-bench", "Accept": "*/*"])
    let first = await gateway.handle(request)
    var status = first.response.status
    let timing = await measureAsync(iterations: iterations, runs: runs) {
        status = await gateway.handle(request).response.status
    }
    return timing.line("pipeline", extra: "path=\(target) status=\(status) body_bytes=\(first.response.body.count)")
}

let usage = """
usage: gatecheck-bench vtl      [--template FILE] [--body FILE] [--iterations N] [--runs R]
       gatecheck-bench json     [--body FILE] [--iterations N] [--runs R]
       gatecheck-bench pipeline [--api FILE] [--backends FILE] [--path TARGET] [--iterations N] [--runs R]
"""

let arguments = CommandLine.arguments.dropFirst()
guard let command = arguments.first else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
do {
    let rest = arguments.dropFirst()
    let output: String
    switch command {
    case "vtl":
        output = try benchVTL(BenchOptions(rest, allowed: ["template", "body", "iterations", "runs"]))
    case "json":
        output = try benchJSON(BenchOptions(rest, allowed: ["body", "iterations", "runs"]))
    case "pipeline":
        output = try await benchPipeline(BenchOptions(rest, allowed: ["api", "backends", "path", "iterations", "runs"]))
    case "-h", "--help", "help":
        output = usage
    default:
        throw BenchError(description: "unknown benchmark '\(command)'\n\(usage)")
    }
    print(output)
} catch {
    FileHandle.standardError.write(Data("gatecheck-bench: \(error)\n".utf8))
    exit(2)
}
