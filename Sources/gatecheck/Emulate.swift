import ArgumentParser
import Dispatch
import Foundation
import GatecheckCore
import Gateway
import GatewayServer
import SigV4
import Stages

extension Gatecheck {
    /// `gatecheck emulate`: serve one API definition with the embedded emulator until interrupted.
    struct Emulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve an API definition with the embedded API Gateway emulator until interrupted.",
            discussion: """
            Prints the URL it serves on, then one line per request (method, path, status, integration type, \
            selected integration response, time). Binds to 127.0.0.1 unless --host says otherwise.
            """
        )

        @Option(help: ArgumentHelp("OpenAPI 3.0 or Swagger 2.0 definition with x-amazon-apigateway-* extensions (YAML or JSON); optional with --mount or --template.", valueName: "file"))
        var api: String?

        @Option(help: ArgumentHelp("rest or http (default: detected from the document).", valueName: "type"))
        var apiType: String?

        @Option(help: ArgumentHelp("Backends file mapping Lambda function names and HTTP hosts to backends (and API keys, usage plans, throttling).", valueName: "file"))
        var backends: String?

        @Option(help: ArgumentHelp("Stage name (REST default: test; HTTP APIs default: $default at the root).", valueName: "name"))
        var stage: String?

        @Option(name: .customLong("base-path"),
                help: ArgumentHelp("""
                    Serve as a custom domain: map a base path (v1, orders/v1, or (none) for the empty one) to a stage of \
                    --api (repeatable). A path no mapping takes answers 403 {"message":"Forbidden"}.
                    """, valueName: "base=stage"))
        var basePaths: [String] = []

        @Option(name: .customLong("mount"),
                help: ArgumentHelp("""
                    Serve another API definition on the same custom domain under a base path (repeatable; stage: REST \
                    test, HTTP API $default, unless :STAGE is given). Shares --backends and --stage-var.
                    """, valueName: "base=file[:stage]"))
        var mounts: [String] = []

        @Option(help: ArgumentHelp("""
                    Serve the APIs of this SAM/CloudFormation template, its functions as real handlers (SAM goes through \
                    the real AWS::Serverless transform). Every API is served on its own port unless --api-resource names \
                    one; a template with AWS::ApiGateway::BasePathMapping / AWS::ApiGatewayV2::ApiMapping resources is \
                    served as that custom domain.
                    """, valueName: "file"))
        var template: String?

        @Option(name: .customLong("api-resource"),
                help: ArgumentHelp("The logical id of the --template API to serve (default: every API of the template).", valueName: "id"))
        var apiResource: String?

        @Option(name: .customLong("stage-var"), help: ArgumentHelp("Stage variable (repeatable).", valueName: "name=value"))
        var stageVariables: [String] = []

        @Option(help: "Address to bind (a non-loopback address makes the emulator reachable from the network).")
        var host = "127.0.0.1"

        @Option(help: "Port to listen on (0 picks a free port).")
        var port = 0

        @Flag(help: "Refuse to start when an HTTP integration's host is not mapped in the backends (by default its requests go to the real host, as on API Gateway).")
        var offline = false

        @Option(name: .customLong("parameter"),
                help: ArgumentHelp("A value for the definition's CloudFormation references: Ref, ${X} in Fn::Sub, X.Attr for Fn::GetAtt, an export for Fn::ImportValue, a condition as true/false (repeatable).", valueName: "key=value"))
        var parameters: [String] = []

        @Flag(help: "Do not log requests or handler output (the start-up line is still printed); for load tests.")
        var quiet = false

        @Flag(help: ArgumentHelp("""
            Accept SigV4 signatures made with your AWS credentials on AWS_IAM routes: AWS_ACCESS_KEY_ID / \
            AWS_SECRET_ACCESS_KEY, else the profile AWS_PROFILE (or default) of ~/.aws/credentials or ~/.aws/config.
            """))
        var iamCredentialsFromEnv = false

        @Flag(help: "Refuse to start when the API definition has warnings (like API Gateway import's failOnWarnings=true).")
        var failOnWarnings = false

        @Option(name: .customLong("iam-credential"),
                help: ArgumentHelp("An access key the emulator accepts on AWS_IAM routes (repeatable).", valueName: "key-id=secret"))
        var iamCredentials: [String] = []

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError(NumericOption.port.message(got: "\(port)")) }
            guard api != nil || !mounts.isEmpty || template != nil else {
                throw ValidationError("give --api FILE, or --mount BASE=FILE[:STAGE] for each API (or --template FILE)")
            }
            if api != nil, basePaths.isEmpty, !mounts.isEmpty || template != nil {
                throw ValidationError("--mount and --template make the emulator a custom domain: map --api too with --base-path BASE=STAGE (e.g. (none)=test), or drop --api")
            }
            if api == nil, !basePaths.isEmpty { throw ValidationError("--base-path maps stages of --api: give --api FILE too (or use --mount)") }
            if apiResource != nil, template == nil { throw ValidationError("--api-resource names an API of --template: give --template FILE too") }
            if apiResource != nil, api != nil || !mounts.isEmpty { throw ValidationError("--api-resource serves one API of --template on its own: drop --api and --mount") }
            if case let .failure(error) = APIMappingSpec.parseOptions(basePaths: basePaths, mounts: mounts) { throw ValidationError(error.message) }
        }

        func run() async throws {
            var type: APIType?
            if let apiType {
                guard let parsed = APIType(rawValue: apiType.lowercased()) else {
                    throw ValidationError("--api-type must be 'rest' or 'http', got '\(apiType)'")
                }
                type = parsed
            }
            var variables: [String: String] = [:]
            for item in stageVariables {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                    throw ValidationError("--stage-var expects name=value, got '\(item)'")
                }
                variables[String(item[..<equals])] = String(item[item.index(after: equals)...])
            }
            var mappings = try APIMappingSpec.parseOptions(basePaths: basePaths, mounts: mounts).get()
            // A template without API mappings (or with --api-resource): its APIs, as the stack deploys them.
            if let template, api == nil, mounts.isEmpty, apiResource != nil || !TemplateAPIMappings.declaresMappings(path: template) {
                try await serveStack(template, variables: variables, type: type)
                return
            }
            if let template {
                do {
                    mappings += try TemplateAPIMappings.read(path: template)
                } catch {
                    FileHandle.standardError.write(Data("\(error.description)\ngatecheck emulate: cannot serve the API mappings of \(template)\n".utf8))
                    throw ExitCode(2)
                }
                if let duplicate = APIMappingSpec.duplicate(in: mappings) { throw ValidationError(duplicate.message) }
            }
            // Without --api the first mount is the spec's own API (its type and stage options then apply to it).
            let apiPath = api ?? mappings.first?.apiPath ?? ""
            var spec = EmulatorSpec(apiPath: apiPath, apiType: type, backends: backends.map { .file(path: $0) },
                                    stage: stage, stageVariables: variables, iamCredentials: try acceptedIAMCredentials())
            spec.failOnWarnings = failOnWarnings
            spec.unmappedFunctions = .answerAsMissing
            spec.apiMappings = mappings
            spec.parameters = try ImportParameterOptions.parse(parameters)
            spec.unmappedHosts = offline ? .refuse : .callRealHost
            // One line per request: buffered and written by a thread of its own, never on the request path.
            let output = BufferedLogWriter(fileDescriptor: STDOUT_FILENO)
            let log: @Sendable (String) -> Void = { line in output.write(line) }
            // With API mappings, the template's WebSocket APIs get a server of their own (docs/websocket.md).
            let webSockets = try await startWebSockets(log: quiet ? nil : log, port: 0, output: output)
            let emulator: RunningEmulator
            do {
                emulator = try await EmulatorLauncher.start(spec, host: host, port: port, log: quiet ? nil : log)
            } catch {
                await webSockets?.stop()
                output.close()
                FileHandle.standardError.write(Data("gatecheck emulate: \(error.message)\n".utf8))
                throw ExitCode(2)
            }
            for warning in emulator.warnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
            await emulator.prewarm()
            // The handlers are in place before the line that tells a script the emulator is up, so a SIGTERM sent
            // as soon as it reads the line is never lost.
            let termination = TerminationSignals()
            if mappings.isEmpty {
                log("gatecheck \(GatecheckVersion.string) emulating \(emulator.kind) \(apiPath) at \(emulator.baseURL) (Ctrl-C to stop)")
            } else {
                log("gatecheck \(GatecheckVersion.string) emulating a custom domain at \(emulator.domainURL) (Ctrl-C to stop)")
                for mapping in mappings {
                    let stage = mapping.stage.map { " stage \($0)" } ?? " default stage"
                    log("  \(emulator.domainURL)\(mapping.basePath.urlPath)/ -> \(mapping.apiPath ?? apiPath)\(stage)")
                }
            }
            for line in webSockets?.endpointLines ?? [] { log("  " + line) }
            await termination.wait()
            await emulator.stop()
            await webSockets?.stop()
            output.close()
        }

        /// Serves the APIs of `template` (the one --api-resource names, or every one, each on its own port) until
        /// interrupted, its functions as backends (--backends overrides them).
        func serveStack(_ template: String, variables: [String: String], type: APIType?) async throws {
            let parameterValues = try ImportParameterOptions.parse(parameters)
            let stack: TemplateStack
            do {
                stack = try TemplateStack.load(path: template, parameters: parameterValues)
            } catch {
                FileHandle.standardError.write(Data("\(error.description)\ngatecheck emulate: cannot read \(template)\n".utf8))
                throw ExitCode(2)
            }
            var selected: [StackAPI] = []
            do {
                selected = apiResource == nil ? stack.stack.apis : [try stack.api(named: apiResource)]
            } catch {
                FileHandle.standardError.write(Data("\(error.description)\n".utf8))
                throw ExitCode(2)
            }
            let webSocketAPIs = selected.filter { $0.kind == .websocket }.count
            let servesWebSockets = webSocketAPIs > 0
            selected.removeAll { $0.kind == .websocket }
            guard !selected.isEmpty || servesWebSockets else {
                FileHandle.standardError.write(Data("\(template): error: the template declares no API to serve\n".utf8))
                throw ExitCode(2)
            }
            let output = BufferedLogWriter(fileDescriptor: STDOUT_FILENO)
            let log: @Sendable (String) -> Void = { line in output.write(line) }
            // The WebSocket APIs get a server of their own (docs/websocket.md), on the port after the others'.
            let webSockets = servesWebSockets
                ? try await startWebSockets(log: quiet ? nil : log, port: port == 0 ? 0 : port + selected.count, output: output) : nil
            let credentials = try acceptedIAMCredentials()
            var running: [(api: StackAPI, emulator: RunningEmulator)] = []
            for (index, stackAPI) in selected.enumerated() {
                var spec = EmulatorSpec(apiPath: template, apiType: type, backends: backends.map { .file(path: $0) }, stage: stage,
                                        stageVariables: variables, origin: template, iamCredentials: credentials)
                spec.template = TemplateAPISelection(path: template, apiResource: stackAPI.logicalID)
                spec.failOnWarnings = failOnWarnings
                spec.unmappedFunctions = .answerAsMissing
                spec.parameters = parameterValues
                spec.unmappedHosts = offline ? .refuse : .callRealHost
                do {
                    let emulator = try await EmulatorLauncher.start(spec, host: host, port: port == 0 ? 0 : port + index, log: quiet ? nil : log)
                    running.append((stackAPI, emulator))
                } catch {
                    for (_, emulator) in running { await emulator.stop() }
                    await webSockets?.stop()
                    output.close()
                    FileHandle.standardError.write(Data("gatecheck emulate: \(stackAPI.logicalID): \(error.message)\n".utf8))
                    throw ExitCode(2)
                }
            }
            var seen: Set<String> = []
            for (_, emulator) in running {
                for warning in emulator.warnings where seen.insert(warning.description).inserted {
                    FileHandle.standardError.write(Data("\(warning)\n".utf8))
                }
                await emulator.prewarm()
            }
            let termination = TerminationSignals()
            let webSocketLines = webSockets?.endpointLines ?? []
            if running.isEmpty {
                log("gatecheck \(GatecheckVersion.string) emulating the WebSocket APIs of \(template) (Ctrl-C to stop)")
            } else {
                let count = running.count + webSocketAPIs
                log("gatecheck \(GatecheckVersion.string) emulating \(count) API\(count == 1 ? "" : "s") of \(template) (Ctrl-C to stop)")
            }
            let width = running.map(\.api.logicalID.count).max() ?? 0
            for (stackAPI, emulator) in running {
                log("  \(stackAPI.logicalID.padding(toLength: width, withPad: " ", startingAt: 0))  \(emulator.kind)  \(emulator.baseURL)")
            }
            for line in webSocketLines { log("  " + line) }
            await termination.wait()
            for (_, emulator) in running { await emulator.stop() }
            await webSockets?.stop()
            output.close()
        }

        /// Starts the WebSocket APIs of `--template` (nil without a template or when it declares none); their
        /// warnings go to standard error.
        func startWebSockets(log: (@Sendable (String) -> Void)?, port: Int, output: BufferedLogWriter) async throws -> RunningWebSocketEmulator? {
            guard let template else { return nil }
            let running: RunningWebSocketEmulator?
            do {
                running = try await WebSocketEmulatorLauncher.start(
                    templatePath: template, backends: backends.map { .file(path: $0) },
                    parameters: try ImportParameterOptions.parse(parameters), iamCredentials: try acceptedIAMCredentials(),
                    host: host, port: port, log: log)
            } catch let error as EmulatorError {
                output.close()
                FileHandle.standardError.write(Data("gatecheck emulate: \(error.message)\n".utf8))
                throw ExitCode(2)
            }
            for warning in running?.warnings ?? [] { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
            await running?.prewarm()
            return running
        }

        /// `--iam-credential` pairs plus, with `--iam-credentials-from-env`, the key the AWS CLI's chain resolves.
        func acceptedIAMCredentials() throws -> [String: String] {
            var accepted: [String: String] = [:]
            for item in iamCredentials {
                guard let equals = item.firstIndex(of: "="), equals != item.startIndex, item.index(after: equals) != item.endIndex else {
                    // Never echo a secret: show the part before '=' only.
                    let shown = item.contains("=") ? "'\(item.prefix { $0 != "=" })=...'" : "a value without '='"
                    throw ValidationError("--iam-credential expects ACCESS_KEY_ID=SECRET_ACCESS_KEY, got \(shown)")
                }
                accepted[String(item[..<equals])] = String(item[item.index(after: equals)...])
            }
            if iamCredentialsFromEnv {
                let resolver = AWSCredentialResolver(environment: ProcessInfo.processInfo.environment, homeDirectory: NSHomeDirectory())
                let credentials: AWSCredentials
                do {
                    credentials = try resolver.resolve(.standardChain)
                } catch {
                    throw ValidationError("--iam-credentials-from-env: \(error)")
                }
                accepted[credentials.accessKeyID] = credentials.secretAccessKey
            }
            return accepted
        }
    }
}

/// SIGINT and SIGTERM, caught from the moment this is made (the default action, ending the process at once, is
/// replaced); `wait()` returns at the first one received since.
private final class TerminationSignals {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let sources: [any DispatchSourceSignal]

    init() {
        (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)  // as the run command does: the dispatch source then receives it
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [continuation] in continuation.yield() }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func wait() async {
        for await _ in stream { break }
        for source in sources { source.cancel() }
    }
}
