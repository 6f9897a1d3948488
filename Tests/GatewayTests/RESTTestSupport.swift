import Foundation
import Gateway
import HTTPMessage
import JSONCore
import Testing
import TestSupport

/// An HTTP upstream answering from a closure.
struct ClosureUpstream: HTTPBackend {
    let answer: @Sendable (UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError>
    init(_ answer: @escaping @Sendable (UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError>) { self.answer = answer }
    func send(_ request: UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError> { await answer(request) }
}

/// Keeps the last value a backend saw, for assertions on what the gateway sent.
actor Recorder<Value: Sendable> {
    private(set) var values: [Value] = []
    func record(_ value: Value) { values.append(value) }
    var last: Value? { values.last }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

func success(_ json: String) -> LambdaResult { .success(payload: Array(json.utf8)) }
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Matches `value` against an anchored regular expression.
func matches(_ value: String?, _ pattern: String) -> Bool {
    guard let value else { return false }
    return value.range(of: "^" + pattern + "$", options: .regularExpression) != nil
}

enum Trace { case none, generated, exactly(String) }

/// Asserts every header of a REST response, in order: the standard ones (checked by format) around `mapped`.
func expectHeaders(_ response: GatewayResponse, contentType: String = "application/json", errorType: String? = nil,
                   mapped: [(String, String)] = [], trace: Trace, sourceLocation: SourceLocation = #_sourceLocation) {
    var expectedNames = ["Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId"]
    if errorType != nil { expectedNames.append("x-amzn-ErrorType") }
    expectedNames += mapped.map(\.0)
    expectedNames.append("x-amz-apigw-id")
    if case .none = trace {} else { expectedNames.append("X-Amzn-Trace-Id") }
    #expect(response.headers.fields.map(\.name) == expectedNames, sourceLocation: sourceLocation)
    let fields = response.headers.fields
    guard fields.count == expectedNames.count else { return }
    #expect(matches(fields[0].value, #"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT"#), "Date: \(fields[0].value)", sourceLocation: sourceLocation)
    #expect(fields[1].value == contentType, sourceLocation: sourceLocation)
    #expect(fields[2].value == String(response.body.count), sourceLocation: sourceLocation)
    #expect(fields[3].value == "keep-alive", sourceLocation: sourceLocation)
    #expect(matches(fields[4].value, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), "x-amzn-RequestId: \(fields[4].value)", sourceLocation: sourceLocation)
    var index = 5
    if let errorType {
        #expect(fields[index].value == errorType, sourceLocation: sourceLocation)
        index += 1
    }
    for (name, value) in mapped {
        #expect(fields[index].name == name && fields[index].value == value, "\(fields[index]) != \(name): \(value)", sourceLocation: sourceLocation)
        index += 1
    }
    #expect(matches(fields[index].value, "[A-Za-z0-9]{15}="), "x-amz-apigw-id: \(fields[index].value)", sourceLocation: sourceLocation)
    switch trace {
    case .none: break
    case .generated: #expect(matches(fields[index + 1].value, "Root=1-[0-9a-f]{8}-[0-9a-f]{24}"), "trace: \(fields[index + 1].value)", sourceLocation: sourceLocation)
    case let .exactly(value): #expect(fields[index + 1].value == value, sourceLocation: sourceLocation)
    }
}

/// Suspends callers until `open()`, ignoring task cancellation (a backend that does not cooperate).
actor Gate {
    private var continuations: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    private(set) var waiters = 0

    func wait() async {
        if isOpen { return }
        waiters += 1
        await withCheckedContinuation { continuations.append($0) }
    }

    func open() {
        isOpen = true
        for continuation in continuations { continuation.resume() }
        continuations = []
    }
}
