import Backends
import Foundation
import Gateway
import GatewayServer
import Testing
import TestSupport

/// The reliability fixture as an HTTP API (payload 2.0, `$default` stage, so paths have no stage prefix).
func withHTTPAPIEmulator<T>(log: CollectedLog = CollectedLog(), _ body: (Int) async throws -> T) async throws -> T {
    let api = try HTTPAPILoader.load(path: Fixtures.path("http-api.yaml"))
    let backends = try BackendsLoader.load(path: Fixtures.path("backends.yaml"))
    let (registry, pool) = try backends.makeRegistry(log: log.callback)
    let gateway = HTTPAPIGateway(api: api, backends: registry)
    let server: GatewayServer
    do {
        server = try await GatewayServer.start(handler: gateway, log: log.callback)
    } catch {
        await pool.shutdown()
        throw error
    }
    do {
        let result = try await body(server.port)
        await server.shutdown()
        await pool.shutdown()
        return result
    } catch {
        await server.shutdown()
        await pool.shutdown()
        throw error
    }
}

/// A raw request without a stage prefix.
func rawRequest(_ method: String, _ target: String, headers: [(String, String)] = []) -> [UInt8] {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    return Array((text + "\r\n").utf8)
}

@Suite("Emulator reliability, HTTP API", .serialized)
struct HTTPAPIReliabilityTests {
    @Test("HTTP API: malformed -> 400, over 10 MB -> 413, slow integration -> 503, crashed worker -> 500 then recovers")
    func faults() async throws {
        try await withHTTPAPIEmulator { port in
            let malformed = try await exchange(port: port, "GET /echo HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")
            #expect(malformed.statusLine == "HTTP/1.1 400 Bad Request")

            let tooLarge = try await exchange(port: port, rawRequest("POST", "/echo", headers: [("Content-Length", "10485761")]))
            #expect(tooLarge.statusLine == "HTTP/1.1 413 Payload Too Large")
            #expect(tooLarge.text == #"{"message":"Request Entity Too Large"}"#)

            // HTTP APIs answer an integration timeout with 503 Service Unavailable (REST APIs: 504).
            let slow = try await exchange(port: port, rawRequest("GET", "/slow?seconds=3"))
            #expect(slow.statusLine == "HTTP/1.1 503 Service Unavailable")
            #expect(slow.text == #"{"message":"Service Unavailable"}"#)

            let before = try await exchange(port: port, rawRequest("GET", "/flaky"))
            #expect(before.status == 200, "\(before.statusLine) \(before.text)")
            let crashed = try await exchange(port: port, rawRequest("GET", "/flaky?mode=crash"))
            #expect(crashed.statusLine == "HTTP/1.1 500 Internal Server Error")
            #expect(crashed.text == #"{"message":"Internal Server Error"}"#)
            let after = try await exchange(port: port, rawRequest("GET", "/flaky"))
            #expect(after.status == 200, "\(after.statusLine) \(after.text)")
            #expect(pid(before) != nil && pid(before) != pid(after), "the crashed worker must have been replaced")

            let echo = try await exchange(port: port, rawRequest("GET", "/echo?n=7"))
            #expect(echo.status == 200)
            #expect(echo.text.contains(#""n": "7""#), "\(echo.text)")
        }
    }
}
