import Foundation
import GatecheckCore
import HTTPMessage
import Synchronization
import TestSupport

/// A temporary directory removed when released.
final class ReportWorkspace: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "gatecheck-html-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

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

final class Collected: Sendable {
    private let storage = Mutex("")
    var text: String { storage.withLock { $0 } }
    var writer: @Sendable (String) -> Void { { text in self.storage.withLock { $0 += text } } }
}

/// A real run, on loopback servers, with every kind of result the HTML report shows: passes, failures (one with a
/// `<script>` response body, one with a body too large to show whole), an error (the connection closed without an answer), a skip, a flaky case (503 then 200)
/// and a parity difference (`--compare` against a second server that answers one path differently). A secret is sent
/// in the query, a header and the body, and echoed back in the response.
struct MixedRun {
    static let secret = "s3cr3t-key-value-42"

    let workspace = ReportWorkspace()
    var summary: RunSummary!
    var console: String
    var html: String
    var junit: String
    var htmlPath: String { workspace.path + "/reports/report.html" }
    var junitPath: String { workspace.path + "/reports/junit.xml" }

    static let suite = """
    name: shop
    tags: [smoke]
    secrets: [apiKey]
    cases:
      - name: health is up
        tags: [health]
        request: { path: /ok }
        expect: { status: 200, body: { json: { ok: true } } }
      - name: order echoes the key
        tags: [orders]
        request:
          method: POST
          path: /echo
          query: { key: "{{apiKey}}" }
          headers: { X-Api-Key: "{{apiKey}}" }
          body: { json: { key: "{{apiKey}}", item: "<b>book</b>" } }
        expect: { status: 201, body: { json: { key: "other", item: "<b>book</b>" } } }
      - name: script in the body
        request: { path: /script }
        expect: { status: 200, body: { contains: "safe" } }
      - name: large body
        request: { path: /large }
        expect: { status: 200 }
      - name: connection dropped
        request: { path: /drop }
        expect: { status: 200 }
      - name: not on this stage
        skip: "needs the payments sandbox"
        request: { path: /ok }
        expect: { status: 200 }
      - name: flaky once
        tags: [orders]
        retries: 2
        request: { path: /flaky }
        expect: { status: 200 }
    """

    static func handler(variant: Bool) -> @Sendable (RecordedRequest) -> LoopbackResponse {
        let flakyCalls = Mutex(0)
        return { request in
            let json: HTTPHeaders = ["Content-Type": "application/json"]
            switch request.path {
            case "/ok":
                return .http(status: 200, headers: json, body: Array((variant ? #"{"ok":true,"version":2}"# : #"{"ok":true}"#).utf8))
            case "/echo":
                return .http(status: 200, headers: json, body: request.body)
            case "/script":
                return .http(status: 500, headers: ["Content-Type": "text/html"], body: Array("<script>alert('owned')</script>".utf8))
            case "/large":
                return .http(status: 502, headers: json, body: Array(("[" + (0..<3000).map { "\"item-\($0)\"" }.joined(separator: ",") + "]").utf8))
            case "/drop":
                return .closeWithoutResponse
            case "/flaky":
                let call = flakyCalls.withLock { count -> Int in count += 1; return count }
                return call == 1 ? .http(status: 503, headers: json, body: Array(#"{"message":"Service Unavailable"}"#.utf8))
                    : .http(status: 200, headers: json, body: Array(#"{"ok":true}"#.utf8))
            default:
                return .http(status: 404)
            }
        }
    }

    /// Runs the suite against two loopback servers (`--target A --compare B`) writing JUnit and HTML.
    static func make(previous: String? = nil, configure: (inout RunConfiguration) -> Void = { _ in }) async throws -> MixedRun {
        let left = try LoopbackHTTPServer(handler: handler(variant: false))
        let right = try LoopbackHTTPServer(handler: handler(variant: true))
        defer { left.stop(); right.stop() }
        let run = MixedRun(summary: nil, console: "", html: "", junit: "")
        let path = run.workspace.write("shop.yaml", suite)
        let console = Collected()
        var configuration = RunConfiguration()
        configuration.paths = [path]
        configuration.target = left.baseURL
        configuration.compare = right.baseURL
        configuration.workingDirectory = run.workspace.path
        configuration.junitPath = run.junitPath
        configuration.htmlPath = run.htmlPath
        configuration.htmlPreviousPath = previous
        configuration.variables = ["apiKey": secret]
        configuration.properties = [NamedValue(name: "git.sha", value: "abc1234")]
        configuration.environment = [:]
        configuration.timeout = .seconds(10)
        configuration.retryBackoff = .milliseconds(1)
        configuration.sleep = { _ in }
        configuration.jobs = 1
        configuration.output = console.writer
        configuration.errorOutput = console.writer
        configure(&configuration)
        let summary = await GatecheckRunner(configuration: configuration).run()
        var result = run
        result.summary = summary
        result.console = console.text
        result.html = run.workspace.read("reports/report.html") ?? ""
        result.junit = run.workspace.read("reports/junit.xml") ?? ""
        return result
    }
}
