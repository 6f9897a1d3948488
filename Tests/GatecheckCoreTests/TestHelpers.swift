import Foundation
import GatecheckCore
import HTTPMessage
import JSONCore
import Synchronization
import TestSupport

/// A temporary directory for suite files and reports, removed when the value is released.
final class Workspace: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "gatecheck-core-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` (relative) and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let full = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(text.utf8))
        return full
    }

    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: path + "/" + name).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Collects what the runner prints (it writes from one task at a time, but the closure must be Sendable).
final class OutputBuffer: Sendable {
    private let storage = Mutex("")
    var text: String { storage.withLock { $0 } }
    var writer: @Sendable (String) -> Void { { text in self.storage.withLock { $0 += text } } }
}

/// The outcome of an in-process run, with everything it printed and the report it wrote.
struct RunOutput {
    var summary: RunSummary
    var console: String
    var errors: String
    var junit: String?
    var junitPath: String
    /// Kept so the files stay on disk while the test looks at them.
    var workspace: Workspace

    func result(_ caseName: String) -> CaseResult? {
        summary.suites.lazy.flatMap(\.cases).first { $0.name == caseName }
    }

    func failures(_ caseName: String) -> [AssertionFailure] {
        if case let .failed(failures)? = result(caseName)?.outcome { return failures }
        return []
    }
}

/// Runs the suite texts in a fresh workspace against `target`.
func runSuites(_ suites: [String: String], target: String?, workspace: Workspace = Workspace(),
               configure: (inout RunConfiguration) -> Void = { _ in }) async -> RunOutput {
    var paths: [String] = []
    for (name, text) in suites.sorted(by: { $0.key < $1.key }) { paths.append(workspace.write(name, text)) }
    let console = OutputBuffer(), errors = OutputBuffer()
    var configuration = RunConfiguration()
    configuration.paths = paths
    configuration.target = target
    configuration.junitPath = workspace.path + "/reports/junit.xml"
    configuration.environment = [:]
    configuration.output = console.writer
    configuration.errorOutput = errors.writer
    configuration.timeout = .seconds(10)
    configure(&configuration)
    let summary = await GatecheckRunner(configuration: configuration).run()
    let junitPath = configuration.junitPath ?? ""
    return RunOutput(summary: summary, console: console.text, errors: errors.text,
                     junit: FileManager.default.contents(atPath: junitPath).map { String(decoding: $0, as: UTF8.self) },
                     junitPath: junitPath, workspace: workspace)
}

/// A small scripted API on a real loopback socket, used by most runner tests.
func makeDemoServer() throws -> LoopbackHTTPServer {
    try LoopbackHTTPServer { request in demoResponse(request) }
}

func json(_ text: String, status: Int = 200, headers: HTTPHeaders = ["Content-Type": "application/json"]) -> LoopbackResponse {
    .http(status: status, headers: headers, body: Array(text.utf8))
}

func demoResponse(_ request: RecordedRequest) -> LoopbackResponse {
    let components = URLComponents(string: "http://x" + request.target)
    let path = components?.path ?? request.target
    let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    switch path {
    case "/prod/items", "/items":
        if query["cursor"] == "abc123" { return json(#"{"items":[3],"next":null}"#) }
        if query["limit"] == "2" { return json(#"{"items":[1,2],"next":"abc123"}"#, status: 206) }
        return json(#"{"items":[1,2,3],"next":null}"#)
    case "/cookies":
        return .http(status: 200, headers: HTTPHeaders([("Set-Cookie", "a=1; Path=/"), ("X-Custom-Header", "MiXeD"), ("Set-Cookie", "b=2; HttpOnly")]), body: Array("ok".utf8))
    case "/binary":
        return .http(status: 200, headers: ["Content-Type": "application/octet-stream"], body: (0...255).map { UInt8($0) })
    case "/redirect":
        return .http(status: 302, headers: ["Location": "/items"], body: [])
    case "/text":
        return .text("hello world")
    case "/empty":
        return .http(status: 204)
    case "/control":
        return .http(status: 500, headers: ["Content-Type": "text/plain"], body: Array("bad \u{0}\u{1}\u{1B}[31m ]]> <tag> & \"end\"".utf8) + [0xFF, 0xFE])
    case "/login":
        return json(#"{"token":"s3cr3t-token-value","user":{"id":42,"name":"ada"}}"#)
    case "/echo":
        var object: [(String, JSONValue)] = [
            ("method", .string(request.method)),
            ("target", .string(request.target)),
            ("body", .string(String(decoding: request.body, as: UTF8.self))),
        ]
        object.append(("headers", .array(request.headers.map { .string("\($0.name): \($0.value)") })))
        return json(JSONValue.object(.init(uniqueKeysWithValues: object)).serialized())
    case "/stall":
        return .stall
    default:
        return json(#"{"message":"Not Found"}"#, status: 404)
    }
}
