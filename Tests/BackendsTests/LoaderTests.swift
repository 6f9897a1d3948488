import Backends
import Foundation
import SourceDiagnostics
import Testing
import Yams

@Suite("Backends files")
struct LoaderTests {
    func diagnostics(_ yaml: String) -> [String] {
        do {
            _ = try BackendsLoader.load(text: yaml, file: "suites/backends.yaml", baseDirectory: Paths.fixtures)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func loadsEveryKindOfDefinition() throws {
        let configuration = try BackendsLoader.load(text: """
        lambdas:
          Scripted:
            script:
              - returns: 1
          Py: { python: handlers.py:ok, timeout: 1.5s, pool: 3, env: { A: "1" }, memory: 512 }
          Js: { node: handlers.js:ok, timeout: 2 }
        http:
          Upstream.example.com:8080: { forward: "http://127.0.0.1:9000/" }
          scripted.example.com: { script: [ { status: 204 } ] }
        """, file: "b.yaml", baseDirectory: Paths.fixtures)
        #expect(configuration.lambdas.map(\.name) == ["Scripted", "Py", "Js"])
        #expect(configuration.hosts == ["upstream.example.com:8080", "scripted.example.com"])
        guard case let .handler(python) = configuration.lambdas[1].definition else {
            Issue.record("Py should be a handler")
            return
        }
        #expect(python.runtime == .python)
        #expect(python.file == URL(fileURLWithPath: Paths.fixtures + "/handlers.py").standardizedFileURL.path)
        #expect(python.function == "ok")
        #expect(python.timeout == .milliseconds(1500))
        #expect(python.poolSize == 3)
        #expect(python.memoryMB == 512)
        #expect(python.environment == ["A": "1"])
        guard case let .handler(node) = configuration.lambdas[2].definition else {
            Issue.record("Js should be a handler")
            return
        }
        #expect(node.timeout == .seconds(2))
    }

    @Test func unknownKeysAreReportedWithPositionAndASuggestion() {
        let found = diagnostics("""
        lambdas:
          Orders:
            script:
              - when: { "$.a": { equals: 1 } }
                retruns: 1
        htp: {}
        """)
        #expect(found.contains("suites/backends.yaml:6:1: error: unknown key 'htp' in backends (did you mean 'http'?)"))
        #expect(found.contains("suites/backends.yaml:5:9: error: unknown key 'retruns' in lambdas.Orders.script[0] (did you mean 'returns'?)"))
        #expect(found.contains("suites/backends.yaml:4:9: error: lambdas.Orders.script[0] needs exactly one of 'returns:', 'returnsRaw:', 'raises:' or 'invokeError:'"))
    }

    @Test func handlerProblemsPointAtTheSpec() {
        let found = diagnostics("""
        lambdas:
          A: { python: missing.py:handler }
          B: { python: handlers.py }
          C: { node: handlers.py:ok }
          D: { python: handlers.py:ok, node: handlers.js:ok }
          E: { python: handlers.py:ok, timeout: 20m }
          F: { python: handlers.py:ok, pool: 0 }
          G: {}
        """)
        #expect(found.contains { $0.hasPrefix("suites/backends.yaml:2:16: error: lambdas.A.python: handler file 'missing.py' not found (looked for ") })
        #expect(found.contains("suites/backends.yaml:3:16: error: lambdas.B.python must be 'path/to/file:function', e.g. 'handlers/app.py:handler', found 'handlers.py'"))
        #expect(found.contains("suites/backends.yaml:4:14: error: lambdas.C.node: 'handlers.py' should end in .js, .mjs, .cjs"))
        #expect(found.contains("suites/backends.yaml:5:32: error: lambdas.D has both 'python' and 'node': choose one"))
        #expect(found.contains("suites/backends.yaml:6:41: error: lambdas.E.timeout must be between 1ms and 900s (Lambda's maximum), found '20m'"))
        #expect(found.contains("suites/backends.yaml:7:38: error: lambdas.F.pool must be between 1 and 64 worker processes, found 0"))
        #expect(found.contains("suites/backends.yaml:8:6: error: lambdas.G needs one of 'script:', 'python: file.py:function' or 'node: file.js:function'"))
    }

    @Test func ruleProblemsAreDiagnostics() {
        let found = diagnostics("""
        lambdas:
          S:
            script:
              - when: { "outcome": complete }
                returns: 1
              - when: { "$.a": { matches: "(" } }
                returns: 1
              - returns: 1
                raises: boom
              - sleep: soon
                returns: 1
        http:
          "http://x.example.com": { forward: "http://127.0.0.1:1" }
          y.example.com: { forward: "ftp://y" }
          z.example.com: { script: [ { status: 999, body: a, json: {} } ] }
        """)
        #expect(found.contains { $0.hasPrefix("suites/backends.yaml:4:17: error: lambdas.S.script[0].when: invalid JSONPath 'outcome'") })
        #expect(found.contains { $0.hasPrefix("suites/backends.yaml:6:35: error: lambdas.S.script[1].when.$.a.matches: invalid regular expression '('") })
        #expect(found.contains("suites/backends.yaml:9:9: error: lambdas.S.script[2] has both 'returns' and 'raises': a rule gives one answer"))
        #expect(found.contains("suites/backends.yaml:10:16: error: expected a duration for 'lambdas.S.script[3].sleep' like 1500ms or 1.5s, found 'soon'"))
        #expect(found.contains("suites/backends.yaml:13:3: error: 'http://x.example.com' in http is not a host: write the host (and port) of the integration URI, e.g. 'api.example.com' or '127.0.0.1:8080'"))
        #expect(found.contains("suites/backends.yaml:14:29: error: http.y.example.com.forward must be an http:// or https:// URL, e.g. 'http://127.0.0.1:8080', found 'ftp://y'"))
        #expect(found.contains("suites/backends.yaml:15:40: error: http.z.example.com.script[0].status must be an HTTP status between 100 and 599, found 999"))
        #expect(found.contains("suites/backends.yaml:15:54: error: http.z.example.com.script[0] has both 'body' and 'json': choose one"))
    }

    @Test func invalidYAMLAndMissingFiles() {
        #expect(diagnostics("lambdas: [\n") .first?.hasPrefix("suites/backends.yaml:") == true)
        do {
            _ = try BackendsLoader.load(path: "/nonexistent/backends.yaml")
            Issue.record("expected a diagnostic")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["/nonexistent/backends.yaml: error: no such file"])
        }
    }

    @Test func aSuiteCanReferenceABackendsFileByPath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("shared"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "def handler(event, context):\n    return 1\n".write(to: directory.appendingPathComponent("shared/app.py"), atomically: true, encoding: .utf8)
        try "lambdas:\n  Fn: { python: app.py:handler }\n".write(to: directory.appendingPathComponent("shared/backends.yaml"), atomically: true, encoding: .utf8)
        let suite = directory.appendingPathComponent("suite.yaml").path
        let node = try #require(try Yams.compose(yaml: "shared/backends.yaml"))
        let configuration = try BackendsLoader.load(node: node, file: suite)
        guard case let .handler(spec) = try #require(configuration.lambdas.first).definition else {
            Issue.record("expected a handler")
            return
        }
        #expect(spec.file == directory.appendingPathComponent("shared/app.py").standardizedFileURL.path,
                "handler paths are relative to the backends file, not the suite")

        let missing = try #require(try Yams.compose(yaml: "nope.yaml"))
        #expect(throws: DiagnosticsError.self) { try BackendsLoader.load(node: missing, file: suite) }
    }

    @Test func directHostsAndTheAnyHostKey() throws {
        let configuration = try BackendsLoader.load(text: """
        http:
          api.example.com: direct
          "*": direct
        """, file: "b.yaml")
        #expect(configuration.callsUnmappedHostsDirectly)
        #expect(configuration.unmapped(functions: [], hosts: ["api.example.com", "elsewhere.example.com"]).isEmpty)
        do {
            _ = try BackendsLoader.load(text: "http:\n  \"*\": { forward: http://127.0.0.1:1 }\n", file: "b.yaml")
            Issue.record("'*' with forward loaded")
        } catch {
            #expect(error.errors.map(\.description) == [#"b.yaml:2:8: error: http."*" can only be `direct` (call every host not listed at its real address)"#])
        }
    }

    @Test func unmappedFunctionsAndHostsAreNamed() throws {
        let configuration = try BackendsLoader.load(text: """
        lambdas:
          Mapped: { script: [ { returns: 1 } ] }
        http:
          known.example.com: { script: [ { status: 200 } ] }
        """, file: "b.yaml")
        let messages = configuration.unmapped(functions: ["Mapped", "OutcomeFunction", "Audit"], hosts: ["known.example.com", "Other.example.com:8443"], suite: "orders")
        #expect(messages == [
            "Lambda function 'Audit' used by the API is not mapped in suite 'orders' (add it under 'backends: lambdas:')",
            "Lambda function 'OutcomeFunction' used by the API is not mapped in suite 'orders' (add it under 'backends: lambdas:')",
            "HTTP integration host 'other.example.com:8443' used by the API is not mapped in suite 'orders' (add it under 'backends: http:', or `\"*\": direct` there to call the real hosts)",
        ])
        #expect(configuration.unmapped(functions: ["Mapped"], hosts: ["KNOWN.example.com"]).isEmpty)
        let diagnostics = configuration.unmappedDiagnostics(functions: ["X"], hosts: [], suite: "orders", file: "suites/orders.yaml")
        #expect(diagnostics.map(\.description) == ["suites/orders.yaml: error: Lambda function 'X' used by the API is not mapped in suite 'orders' (add it under 'backends: lambdas:')"])
    }
}

@Suite("SAM template")
struct TemplateTests {
    @Test func cfnLintAcceptsTheTemplate() throws {
        let template = Paths.outcomeFixture + "/template.yaml"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cfn-lint", template]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "cfn-lint reported:\n\(text)")
    }
}
