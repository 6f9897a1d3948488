import Foundation
import Gateway
import HTTPMessage
import JSONCore
import SourceDiagnostics
import Testing
import TestSupport

/// A function that never answers until it is cancelled, and reports that it was.
struct HTTPAPIHangingLambda: LambdaBackend {
    let probe = HTTPAPICancellationProbe()

    func invoke(_ invocation: LambdaInvocation) async -> LambdaResult {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await probe.markCancelled()
        return .success(payload: Array(#"{"late":true}"#.utf8))
    }
}

actor HTTPAPICancellationProbe {
    private var cancelled = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func markCancelled() {
        cancelled = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    /// Returns once the backend observed its cancellation.
    func waitUntilCancelled() async {
        if cancelled { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// An HTTP backend made of a closure, recording the upstream requests.
struct HTTPAPIClosureHTTPBackend: HTTPBackend {
    let recorder = HTTPAPIUpstreamRecorder()
    let answer: @Sendable (UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError>

    func send(_ request: UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError> {
        await recorder.record(request)
        return await answer(request)
    }
}

actor HTTPAPIUpstreamRecorder {
    private(set) var requests: [UpstreamRequest] = []
    func record(_ request: UpstreamRequest) { requests.append(request) }
}

enum HTTPAPITestSupport {
    /// A Lambda integration block (YAML, indented for an operation) with optional extra lines.
    static func lambdaIntegration(_ function: String, version: String = "2.0", indent: Int = 6, extra: String = "") -> String {
        let pad = String(repeating: " ", count: indent)
        var text = """
        \(pad)x-amazon-apigateway-integration:
        \(pad)  type: aws_proxy
        \(pad)  payloadFormatVersion: "\(version)"
        \(pad)  httpMethod: POST
        \(pad)  uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:\(function)/invocations"
        \(pad)  connectionType: INTERNET

        """
        for line in extra.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            text += "\(pad)  \(line)\n"
        }
        return text
    }

    /// One route per (method key, path, integration YAML) in an OpenAPI 3.0 HTTP API document.
    static func document(_ routes: [(String, String, String)], title: String = "test-http-api") -> String {
        var text = """
        openapi: "3.0.1"
        info:
          title: "\(title)"
          version: "1"
        paths:

        """
        var byPath: [(String, [(String, String)])] = []
        for (method, path, integration) in routes {
            if let index = byPath.firstIndex(where: { $0.0 == path }) {
                byPath[index].1.append((method, integration))
            } else {
                byPath.append((path, [(method, integration)]))
            }
        }
        for (path, operations) in byPath {
            text += "  \(path):\n"
            for (method, integration) in operations {
                text += "    \(method):\n"
                if path == "/$default" { text += "      isDefaultRoute: true\n" }
                text += integration
            }
        }
        text += "x-amazon-apigateway-importexport-version: \"1.0\"\n"
        return text
    }

    static func load(_ text: String, file: String = "api.yaml") throws -> HTTPAPIDefinition {
        do {
            return try HTTPAPILoader.load(text: text, file: file)
        } catch {
            Issue.record("load failed:\n\(error)")
            throw error
        }
    }

    /// The diagnostics of a definition that must fail to load.
    static func loadErrors(_ text: String, file: String = "api.yaml") -> [Diagnostic] {
        do {
            _ = try HTTPAPILoader.load(text: text, file: file)
            Issue.record("expected the definition to be rejected")
            return []
        } catch {
            return error.diagnostics
        }
    }

    static func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "") -> GatewayRequest {
        GatewayRequest(method: method, target: target, headers: HTTPHeaders(headers), body: Array(body.utf8), sourceIP: "198.51.100.7")
    }

    static func text(_ response: GatewayResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    static func json(_ response: GatewayResponse) throws -> JSONValue { try JSONValue.parse(bytes: response.body) }

    /// Checks the headers an HTTP API sends, exactly and in order: `date`, `content-type` (when given),
    /// `content-length`, `connection: keep-alive`, then `middle`, then `apigw-requestid`.
    static func expectHeaders(_ response: GatewayResponse, contentType: String?, middle: [(String, String)] = [],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        var expectedNames = ["date"]
        if contentType != nil { expectedNames.append("content-type") }
        expectedNames += ["content-length", "connection"] + middle.map(\.0) + ["apigw-requestid"]
        let fields = response.headers.fields
        #expect(fields.map(\.name) == expectedNames, sourceLocation: sourceLocation)
        guard fields.map(\.name) == expectedNames else { return }
        var index = 0
        let date = fields[index].value
        #expect(isIMFFixdate(date), "date '\(date)' is not an IMF-fixdate", sourceLocation: sourceLocation)
        index += 1
        if let contentType {
            #expect(fields[index].value == contentType, sourceLocation: sourceLocation)
            index += 1
        }
        #expect(fields[index].value == String(response.body.count), sourceLocation: sourceLocation)
        #expect(fields[index + 1].value == "keep-alive", sourceLocation: sourceLocation)
        index += 2
        for (name, value) in middle {
            #expect(fields[index].name == name && fields[index].value == value,
                    "expected \(name): \(value), got \(fields[index])", sourceLocation: sourceLocation)
            index += 1
        }
        let requestID = fields[index].value
        #expect(requestID.count == 16 && requestID.hasSuffix("=") && Data(base64Encoded: requestID) != nil,
                "apigw-requestid '\(requestID)' is not 16 characters of base64", sourceLocation: sourceLocation)
    }

    /// `Sat, 21 Nov 2026 12:09:34 GMT`, parsed back with a POSIX formatter and within a minute of now.
    static func isIMFFixdate(_ text: String) -> Bool {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text), formatter.string(from: date) == text else { return false }
        return abs(date.timeIntervalSinceNow) < 60
    }
}
