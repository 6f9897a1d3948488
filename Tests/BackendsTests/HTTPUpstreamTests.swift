import Backends
import Foundation
import Gateway
import HTTPMessage
import JSONCore
import TestSupport
import Testing

@Suite("HTTP upstreams")
struct HTTPUpstreamTests {
    static let scripted = """
    http:
      Inventory.Example.com:
        script:
          - when: { method: GET, path: /items, query: { page: "2" } }
            status: 206
            headers: { X-Page: "2", Set-Cookie: [a=1, b=2] }
            json: { items: [3, 4] }
          - when: { method: [GET, HEAD], path: { matches: "^/items/[0-9]+$" }, headers: { x-api-key: { exists: true } } }
            status: 200
            body: found
          - when: { path: /gone }
            status: 404
            body: ""
          - when: { method: DELETE }
            status: 204
          - when: { path: /down }
            status: 503
            headers: { Retry-After: "30" }
            body: maintenance
    """

    func send(_ registry: BackendRegistry, host: String = "inventory.example.com", _ method: String, _ url: String,
              headers: HTTPHeaders = [:]) async throws -> Result<UpstreamResponse, UpstreamError> {
        let backend = try #require(registry.http(forHost: host))
        return await backend.send(UpstreamRequest(method: method, url: url, headers: headers))
    }

    @Test func scriptedRulesMatchMethodPathQueryAndHeaders() async throws {
        try await withBackends(Self.scripted) { registry, _ in
            let page = try await send(registry, "GET", "http://inventory.example.com/items?page=2&x=y").get()
            #expect(page.status == 206)
            // The rule's headers, then what a real server adds on the wire: Content-Length and Date.
            #expect(page.headers.fields.map(\.name) == ["X-Page", "Set-Cookie", "Set-Cookie", "Content-Type", "Content-Length", "Date"])
            #expect(page.headers.fields.prefix(4).map(\.description) == ["X-Page: 2", "Set-Cookie: a=1", "Set-Cookie: b=2", "Content-Type: application/json"])
            #expect(page.headers["Content-Length"] == "15")
            #expect(page.headers["Date"]?.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$"#, options: .regularExpression) != nil)
            #expect(String(decoding: page.body, as: UTF8.self) == #"{"items":[3,4]}"#)

            let found = try await send(registry, "HEAD", "http://inventory.example.com/items/42", headers: ["X-API-Key": "k"]).get()
            #expect(found.status == 200)
            #expect(found.body == Array("found".utf8))
            let withoutKey = try await send(registry, "GET", "http://inventory.example.com/items/42").get()
            #expect(withoutKey.status == 500, "no rule matches without the header")

            let gone = try await send(registry, "GET", "http://inventory.example.com/gone").get()
            #expect(gone.status == 404)
            let deleted = try await send(registry, "DELETE", "http://inventory.example.com/items/1").get()
            #expect(deleted.status == 204)
            #expect(!deleted.headers.contains("Content-Length"), "a 204 has no Content-Length on the wire")
            let down = try await send(registry, "GET", "http://inventory.example.com/down").get()
            #expect(down.status == 503)
            #expect(down.headers["Retry-After"] == "30")
        }
    }

    @Test func anUnmatchedRequestIsA500WithAnExplanation() async throws {
        try await withBackends(Self.scripted) { registry, _ in
            let response = try await send(registry, "POST", "http://inventory.example.com/nothing?a=1").get()
            #expect(response.status == 500)
            #expect(String(decoding: response.body, as: UTF8.self)
                == "gatecheck: no scripted rule of upstream 'inventory.example.com' matched POST /nothing?a=1\n")
        }
    }

    @Test func forwardingSendsTheRequestToARealServer() async throws {
        let server = try LoopbackHTTPServer { request in
            if request.path == "/base/empty" { return .http(status: 204, headers: ["X-Upstream": "yes"]) }
            return .http(status: 201, headers: ["Content-Type": "text/plain", "Set-Cookie": "a=1", "set-cookie": "b=2"],
                         body: Array("created \(request.method) \(request.target) \(request.bodyText)".utf8))
        }
        defer { server.stop() }
        let yaml = """
        http:
          api.example.com:
            forward: \(server.baseURL)/base
        """
        try await withBackends(yaml) { registry, _ in
            let empty = try await send(registry, host: "api.example.com", "GET", "http://api.example.com/empty").get()
            #expect(empty.status == 204)
            #expect(empty.headers["X-Upstream"] == "yes")
            #expect(empty.body.isEmpty)

            let backend = try #require(registry.http(forHost: "API.example.com"))
            let created = try await backend.send(UpstreamRequest(
                method: "POST", url: "http://api.example.com/items?x=1&y=a%20b",
                headers: ["Content-Type": "application/json", "X-Trace": "t1", "Content-Length": "999"],
                body: Array(#"{"id":1}"#.utf8))).get()
            #expect(created.status == 201)
            #expect(String(decoding: created.body, as: UTF8.self) == #"created POST /base/items?x=1&y=a%20b {"id":1}"#)
            #expect(created.headers.values(for: "set-cookie") == ["a=1", "b=2"])
            let recorded = try #require(server.requests.last)
            #expect(recorded.headers["X-Trace"] == "t1")
            #expect(recorded.headers["Content-Length"] == "8")
        }
    }

    @Test func forwardingFailuresAreTypedUpstreamErrors() async throws {
        let stalled = try LoopbackHTTPServer { _ in .stall }
        defer { stalled.stop() }
        let yaml = """
        http:
          slow.example.com: { forward: "\(stalled.baseURL)" }
          refused.example.com: { forward: "http://127.0.0.1:\(LoopbackHTTPServer.closedPort())" }
        """
        try await withBackends(yaml) { registry, _ in
            let slow = try #require(registry.http(forHost: "slow.example.com"))
            let timedOut = await slow.send(UpstreamRequest(method: "GET", url: "http://slow.example.com/x", timeoutMilliseconds: 200))
            guard case .failure(.timedOut) = timedOut else {
                Issue.record("expected a timeout, got \(timedOut)")
                return
            }
            let refused = try await send(registry, host: "refused.example.com", "GET", "http://refused.example.com/")
            guard case let .failure(.unreachable(message)) = refused else {
                Issue.record("expected unreachable, got \(refused)")
                return
            }
            #expect(message.contains("refused") || message.contains("connect"))
        }
    }
}
