import Foundation
import GatecheckCore
import Testing
import TestSupport

/// What a user gives the import: `parameters:` in a suite and `--parameter` for CloudFormation references, the
/// backends' function names for `Ref Fn`, and what happens to an HTTP integration whose host is not mapped.
@Suite struct ImportOptionsTests {
    static let api = """
    openapi: 3.0.1
    info: {title: !Sub "${AWS::StackName}-orders", version: "1"}
    paths:
      /env:
        get:
          responses:
            "200": {description: ok}
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates:
              application/json: '{"statusCode": 200}'
            responses:
              default:
                statusCode: "200"
                responseTemplates:
                  application/json: !Sub '{"env": "${Env}", "region": "${AWS::Region}", "table": "${Table}"}'
      /orders:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: !Sub "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${OrdersFunction}/invocations"
    """

    static func suite(parameters: String) -> String {
        """
        api: apis/orders.yaml
        apiType: rest
        \(parameters)
        backends:
          lambdas:
            OrdersFunction:
              script:
                - returns: { statusCode: 200, body: "orders" }
        cases:
          - name: templated
            request: { path: /env }
            expect: { status: 200, body: { json: { env: prod, region: us-east-1, table: orders-table } } }
          - name: lambda named by Ref
            request: { path: /orders }
            expect: { status: 200, body: { text: orders } }
        """
    }

    @Test func suiteParametersAndCommandLineParametersResolveReferences() async {
        let workspace = Workspace()
        workspace.write("apis/orders.yaml", Self.api)
        let suite = Self.suite(parameters: "parameters: { Env: dev, Table: orders-table }")
        let fromSuite = await runSuites(["s.yaml": suite], target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(fromSuite.summary.exitCode == 1, "\(fromSuite.console)\(fromSuite.errors)")
        #expect(fromSuite.failures("templated").isEmpty == false)
        #expect(fromSuite.result("lambda named by Ref")?.isPassed == true, "\(fromSuite.console)")
        // `--parameter Env=prod` wins over the suite's `Env: dev`.
        let overridden = await runSuites(["s.yaml": suite], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator(importParameters: ["Env": "prod"])
        }
        #expect(overridden.summary.exitCode == 0, "\(overridden.console)\(overridden.errors)")
    }

    @Test func anUnresolvedReferenceIsReportedWithItsPositionAndTheParameterToPass() async {
        let workspace = Workspace()
        workspace.write("apis/orders.yaml", Self.api)
        let run = await runSuites(["s.yaml": Self.suite(parameters: "parameters: { Env: dev }")], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator()
        }
        #expect(run.summary.exitCode == 2)
        #expect(run.errors.contains("apis/orders.yaml:16:33: error: cannot resolve '${Table}' in Fn::Sub"), "\(run.errors)")
        #expect(run.errors.contains("--parameter Table=VALUE"))
        // `gatecheck validate` says the same, and `--parameter` fixes it.
        let out = OutputBuffer(), err = OutputBuffer()
        let path = workspace.path + "/s.yaml"
        #expect(GatecheckRunner.validate(paths: [path], emulator: EmbeddedEmulator(), output: out.writer, errorOutput: err.writer) == .invalidInput)
        #expect(err.text.contains("cannot resolve '${Table}' in Fn::Sub"), "\(err.text)")
        #expect(GatecheckRunner.validate(paths: [path], emulator: EmbeddedEmulator(importParameters: ["Table": "t"]),
                                         output: out.writer, errorOutput: err.writer) == .passed)
    }

    @Test func theCommandLineTakesParametersOnValidate() async throws {
        let workspace = Workspace()
        workspace.write("apis/orders.yaml", Self.api)
        let path = workspace.write("s.yaml", Self.suite(parameters: "parameters: { Env: dev }"))
        let missing = try SpawnedGatecheck(["validate", path])
        #expect(await missing.exitStatus() == 2)
        #expect(missing.errors.contains("cannot resolve '${Table}' in Fn::Sub"), "\(missing.errors)")
        let given = try SpawnedGatecheck(["validate", path, "--parameter", "Table=orders-table"])
        #expect(await given.exitStatus() == 0, "\(given.output)\(given.errors)")
    }

    @Test func parameterItemsMustBeKeyEqualsValue() throws {
        #expect(try EmulatorSpec.parseParameters(["A=1", "B=x=y", "C="]) == ["A": "1", "B": "x=y", "C": ""])
        #expect(throws: EmulatorError.self) { try EmulatorSpec.parseParameters(["=1"]) }
        do { _ = try EmulatorSpec.parseParameters(["novalue"]) } catch { #expect(error.message == "--parameter expects KEY=VALUE, got 'novalue'") }
    }
}

/// HTTP integrations to a host the backends do not map: `gatecheck run` refuses unless the suite says
/// `backends: { http: { "*": direct } }`; `gatecheck emulate` calls the real host unless `--offline`.
@Suite struct UnmappedHostTests {
    static func api(upstream: String) -> String {
        """
        openapi: 3.0.1
        info: {title: proxy, version: "1"}
        paths:
          /{proxy+}:
            x-amazon-apigateway-any-method:
              parameters:
                - {name: proxy, in: path, required: true, schema: {type: string}}
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: ANY
                uri: \(upstream)/{proxy}
                requestParameters:
                  integration.request.path.proxy: method.request.path.proxy
        """
    }

    static func upstream() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in .http(status: 200, headers: ["Content-Type": "text/plain"], body: Array("real host saw \(request.target)".utf8)) }
    }

    @Test func runRefusesAnUnmappedHostUnlessTheSuiteSaysDirect() async throws {
        let server = try Self.upstream()
        defer { server.stop() }
        let workspace = Workspace()
        workspace.write("apis/proxy.yaml", Self.api(upstream: server.baseURL))
        let cases = "cases:\n  - name: through\n    request: { path: /items }\n    expect: { status: 200, body: { text: real host saw /items } }\n"
        let hermetic = await runSuites(["h.yaml": "api: apis/proxy.yaml\napiType: rest\n" + cases], target: nil, workspace: workspace) {
            $0.emulator = EmbeddedEmulator()
        }
        #expect(hermetic.summary.exitCode == 2)
        #expect(hermetic.errors.contains("HTTP integration host '\(server.baseURL.dropFirst(7))' used by the API is not mapped in suite 'h'"), "\(hermetic.errors)")
        #expect(hermetic.errors.contains(#"or `"*": direct` there to call the real hosts"#))
        #expect(server.requests.isEmpty)
        let direct = await runSuites(["d.yaml": "api: apis/proxy.yaml\napiType: rest\nbackends: { http: { \"*\": direct } }\n" + cases],
                                     target: nil, workspace: workspace) { $0.emulator = EmbeddedEmulator() }
        #expect(direct.summary.exitCode == 0, "\(direct.console)\(direct.errors)")
        #expect(server.requests.map(\.target) == ["/items"])
    }

    @Test func emulateCallsTheRealHostWithANoticeAndOfflineRefuses() async throws {
        let server = try Self.upstream()
        defer { server.stop() }
        let workspace = Workspace()
        let apiPath = workspace.write("proxy.yaml", Self.api(upstream: server.baseURL))
        let host = String(server.baseURL.dropFirst(7))

        let offline = try SpawnedGatecheck(["emulate", "--api", apiPath, "--api-type", "rest", "--offline"])
        #expect(await offline.exitStatus() == 2)
        #expect(offline.errors.contains("HTTP integration host '\(host)' used by the API is not mapped"), "\(offline.errors)")

        let emulator = try SpawnedGatecheck(["emulate", "--api", apiPath, "--api-type", "rest", "--quiet"])
        #expect(await eventually(within: 30) { emulator.output.contains("(Ctrl-C to stop)") }, "\(emulator.output)\(emulator.errors)")
        #expect(emulator.errors.contains("note: HTTP integration host '\(host)' not mapped in the backends: requests go to the real host (--offline refuses unmapped hosts)"),
                "\(emulator.errors)")
        let baseURL = emulator.output.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init) ?? ""
        let cases = "cases:\n  - name: through\n    request: { path: /orders/7 }\n    expect: { status: 200, body: { text: real host saw /orders/7 } }\n"
        let run = await runSuites(["c.yaml": cases], target: baseURL)
        #expect(run.summary.exitCode == 0, "\(run.console)\(run.errors)")
        emulator.signal(SIGTERM)
        _ = await emulator.exitStatus()
    }
}
