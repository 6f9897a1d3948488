import CurlHTTP
import Crypto
import HTTPMessage
import Synchronization
import Testing
import TestSupport

/// Lower-case hex of a digest, computed here independently of the client.
private func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

@Suite("Bounded transfers: kept body size, whole-exchange deadline, per-transfer error text")
struct BoundedTransferTests {
    @Test("a body over the limit keeps its first bytes, counts and hashes the whole, and says it was truncated")
    func truncatedBody() async throws {
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let server = try LoopbackHTTPServer { _ in .http(status: 200, headers: ["Content-Type": "application/octet-stream"], body: body) }
        defer { server.stop() }
        let client = CurlHTTPClient(configuration: .init(maxResponseBodyBytes: 65_536))
        defer { client.shutdown() }
        let response = try await client.send(HTTPRequest(url: server.baseURL + "/big", timeout: .seconds(30))).get()
        #expect(response.status == 200)
        #expect(response.body == Array(body.prefix(65_536)))
        let truncation = try #require(response.bodyTruncation)
        #expect(truncation.totalBytes == 300_000)
        #expect(truncation.keptBytes == 65_536)
        #expect(truncation.sha256Hex == hex(SHA256.hash(data: body)))
        #expect(response.bodyByteCount == 300_000)

        // Without a limit the body is whole and not marked.
        let unlimited = CurlHTTPClient(configuration: .init(maxResponseBodyBytes: nil))
        defer { unlimited.shutdown() }
        let whole = try await unlimited.send(HTTPRequest(url: server.baseURL + "/big", timeout: .seconds(30))).get()
        #expect(whole.body == body)
        #expect(whole.bodyTruncation == nil)
        #expect(whole.bodyByteCount == 300_000)
    }

    @Test("the default limit is 10 MiB")
    func defaultLimit() {
        #expect(HTTPClientConfiguration().maxResponseBodyBytes == 10 * 1024 * 1024)
    }

    @Test("an endless chunked body ends at the request's timeout, with only the limit kept", .timeLimit(.minutes(1)))
    func endlessBodyTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in
            .endlessChunkedBody(headers: ["Content-Type": "text/plain"], chunk: Array(repeating: UInt8(ascii: "x"), count: 16_384))
        }
        defer { server.stop() }
        let client = CurlHTTPClient(configuration: .init(maxResponseBodyBytes: 1_024))
        defer { client.shutdown() }
        // Without a deadline for the whole exchange this never returns (the hang guard above fails the test).
        let error = try #require(await client.send(HTTPRequest(url: server.baseURL + "/endless", timeout: .milliseconds(500))).failure)
        #expect(error.code == 28, "\(error)")
        #expect(error.name == "CURLE_OPERATION_TIMEDOUT")
    }

    @Test("an endless body kept whole still ends at the timeout, reported as a timeout", .timeLimit(.minutes(1)))
    func endlessUnlimitedBodyTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in
            .endlessChunkedBody(headers: ["Content-Type": "text/plain"], chunk: Array(repeating: UInt8(ascii: "y"), count: 16_384))
        }
        defer { server.stop() }
        let client = CurlHTTPClient(configuration: .init(maxResponseBodyBytes: nil))
        defer { client.shutdown() }
        let error = try #require(await client.send(HTTPRequest(url: server.baseURL + "/endless", timeout: .milliseconds(300))).failure)
        // Whichever sees the deadline first (libcurl's timer or the client's check as bytes arrive), the user sees
        // a timeout, never the write error libcurl reports for a transfer its callback stopped.
        #expect(error.code == 28 && error.name == "CURLE_OPERATION_TIMEDOUT", "\(error)")
        #expect(error.detail.hasPrefix("Operation timed out after"), "\(error)")
    }

    @Test("two faults in a row on one reused connection each report their own detail text")
    func errorTextIsPerTransfer() async throws {
        // Connection 1 answers /ok, then resets when asked for /fault: libcurl retries /fault on a fresh connection,
        // which answers with a 200 KB header line (libcurl 7.88 gives up with CURLE_OUT_OF_MEMORY and no text of its own).
        let giantHeader = Array("HTTP/1.1 200 OK\r\nX-Huge: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 200_000) + Array("\r\n\r\n".utf8)
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/ok": return .http(status: 200, body: Array("ok".utf8))
            case "/fault" where request.connectionID == 1: return .resetWithoutResponse
            default: return .raw(giantHeader)
            }
        }
        defer { server.stop() }
        let client = CurlHTTPClient()
        defer { client.shutdown() }
        _ = try await client.send(HTTPRequest(url: server.baseURL + "/ok", timeout: .seconds(10))).get()
        let first = try #require(await client.send(HTTPRequest(url: server.baseURL + "/fault", timeout: .seconds(10))).failure)
        #expect(!first.detail.contains("Connection reset"), "detail left over from the retried attempt: \(first)")
        #expect(!first.description.contains("Connection reset"), "\(first)")
        #expect(first.code == 27 && first.detail.contains("header line longer than"), "\(first)")
        // A second fault right after: its text is its own too.
        let refused = LoopbackHTTPServer.closedPort()
        let second = try #require(await client.send(HTTPRequest(url: "http://127.0.0.1:\(refused)/", timeout: .seconds(10))).failure)
        #expect(second.code == 7, "\(second)")
        #expect(second.detail.contains("\(refused)"), "\(second)")
        #expect(!second.detail.contains("Connection reset"), "\(second)")
    }
}

extension Result {
    /// The error of a failed result, nil for a success.
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
