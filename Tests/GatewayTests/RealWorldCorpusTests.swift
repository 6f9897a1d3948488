import Foundation
import Gateway
import SourceDiagnostics
import Testing

/// The real-world corpus: 25 definitions people wrote for API Gateway (Developer Guide, aws-samples/serverless-patterns,
/// the SAM translator's tests, LocalStack's tests; `SOURCES.md` there says where each comes from). They are public
/// reference data read from `../shared/realworld/` next to the repository, never copied into it: every file loads
/// (or is listed below as expected to fail for now, with the reason), its warnings are asserted, and a few requests
/// per file are answered on a real socket as API Gateway answers them.
@Suite struct RealWorldCorpusTests {
    /// `shared/realworld` in the package's folder or any folder above it (`/work/shared` for `/work/wt-x`).
    static let directory: String? = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("shared/realworld")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("SOURCES.md").path) { return candidate.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }()

    static let absent = "../shared/realworld is absent (a clone outside this repository's CI): the real-world corpus is not checked"

    /// One request and what API Gateway answers: the status line and the body (exactly, or its start with `prefix`).
    struct Exchange: Sendable {
        var request: String
        var body: String = ""
        var contentType: String = "application/json"
        var status: String
        var response: String
        var prefix = false
    }

    enum Expectation: Sendable {
        /// Loads as `kind`, with warnings containing these texts (in order; each warning matched by one text), and
        /// answers these requests on the stage `stage`.
        case loads(APIDefinition.Kind, stage: String? = nil, warnings: [String], exchanges: [Exchange])
        /// Does not load yet: the reason, and a text of the first error.
        case failsForNow(reason: String, error: String)
    }

    static let missingToken = #"{"message":"Missing Authentication Token"}"#
    static let notFound = #"{"message":"Not Found"}"#

    static let corpus: [String: Expectation] = [:]

    @Test(.enabled(if: directory != nil, Comment(rawValue: absent)))
    func everyFileIsInTheTable() throws {
        let directory = try #require(Self.directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") || $0.hasSuffix(".yaml") }
        #expect(files.count == 25)
        #expect(Set(files) == Set(Self.corpus.keys), "files without an expectation: \(Set(files).subtracting(Self.corpus.keys).sorted())")
    }

    @Test(.enabled(if: directory != nil, Comment(rawValue: absent)), arguments: corpus.keys.sorted())
    func loadsAndAnswersAsAPIGateway(file: String) async throws {
        let directory = try #require(Self.directory)
        let path = directory + "/" + file
        let expectation = try #require(Self.corpus[file])
        let loaded: Result<APIDefinition, DiagnosticsError>
        do {
            loaded = .success(try APIDefinition.load(path: path, type: nil) { _ in Diagnostic(file: file, message: "undetermined kind") })
        } catch {
            loaded = .failure(error)
        }
        switch (expectation, loaded) {
        case let (.failsForNow(_, text), .failure(error)):
            #expect(error.errors.first?.message.contains(text) == true, "\(error.errors)")
        case let (.failsForNow(reason, _), .success):
            Issue.record("\(file) loads now: flip its entry from failsForNow (\(reason)) to loads")
        case let (.loads, .failure(error)):
            Issue.record("\(file) does not load: \(error.diagnostics.map(\.description))")
        case let (.loads(kind, stage, warnings, exchanges), .success(api)):
            #expect(api.kind == kind)
            let found = api.diagnostics.map(\.message)
            #expect(found.count == warnings.count, "\(api.diagnostics.map(\.description))")
            for (index, text) in warnings.enumerated() where index < found.count {
                #expect(found[index].contains(text), "warning \(index): \(found[index]) does not contain \(text)")
            }
            let served = api.makeHandler(stage: stage, stageVariables: [:], backends: BackendRegistry(lambdas: [:], httpHosts: [:]), iamCredentials: [:])
            try await withGatewayServer(served.handler) { port in
                for exchange in exchanges {
                    var head = exchange.request + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    if !exchange.body.isEmpty { head += "Content-Type: \(exchange.contentType)\r\nContent-Length: \(exchange.body.utf8.count)\r\n" }
                    let response = try WireResponse(try await rawExchange(port: port, head + "\r\n", body: bytes(exchange.body)))
                    #expect(response.statusLine == "HTTP/1.1 " + exchange.status, "\(file): \(exchange.request)")
                    let body = text(response.body)
                    #expect(exchange.prefix ? body.hasPrefix(exchange.response) : body == exchange.response, "\(file): \(exchange.request) answered \(body)")
                }
            }
        }
    }
}
