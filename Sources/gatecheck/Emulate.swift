import ArgumentParser
import Dispatch
import Foundation
import GatecheckCore
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

        @Option(help: ArgumentHelp("OpenAPI 3.0 or Swagger 2.0 definition with x-amazon-apigateway-* extensions (YAML or JSON).", valueName: "file"))
        var api: String

        @Option(help: ArgumentHelp("rest or http (default: detected from the document).", valueName: "type"))
        var apiType: String?

        @Option(help: ArgumentHelp("Backends file mapping Lambda function names and HTTP hosts to backends (and API keys, usage plans, throttling).", valueName: "file"))
        var backends: String?

        @Option(help: ArgumentHelp("Stage name (REST default: test; HTTP APIs default: $default at the root).", valueName: "name"))
        var stage: String?

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
            var spec = EmulatorSpec(apiPath: api, apiType: type, backends: backends.map { .file(path: $0) },
                                    stage: stage, stageVariables: variables, iamCredentials: try acceptedIAMCredentials())
            spec.failOnWarnings = failOnWarnings
            spec.unmappedFunctions = .answerAsMissing
            spec.parameters = try ImportParameterOptions.parse(parameters)
            spec.unmappedHosts = offline ? .refuse : .callRealHost
            // One line per request: buffered and written by a thread of its own, never on the request path.
            let output = BufferedLogWriter(fileDescriptor: STDOUT_FILENO)
            let log: @Sendable (String) -> Void = { line in output.write(line) }
            let emulator: RunningEmulator
            do {
                emulator = try await EmulatorLauncher.start(spec, host: host, port: port, log: quiet ? nil : log)
            } catch {
                output.close()
                FileHandle.standardError.write(Data("gatecheck emulate: \(error.message)\n".utf8))
                throw ExitCode(2)
            }
            for warning in emulator.warnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
            await emulator.prewarm()
            log("gatecheck \(GatecheckVersion.string) emulating \(emulator.kind) \(api) at \(emulator.baseURL) (Ctrl-C to stop)")
            await Self.waitForTermination()
            await emulator.stop()
            output.close()
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

        /// Suspends until SIGINT or SIGTERM.
        static func waitForTermination() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let once = ResumeOnce(continuation)
                var sources: [DispatchSourceSignal] = []
                for number in [SIGINT, SIGTERM] {
                    signal(number, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                    source.setEventHandler { once.resume() }
                    source.resume()
                    sources.append(source)
                }
                once.keep(sources)
            }
        }
    }
}

/// Resumes a continuation at most once and keeps the signal sources alive until then.
private final class ResumeOnce: @unchecked Sendable {
    // Guarded by `lock`: the signal handlers run on a Dispatch queue.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    func keep(_ sources: [DispatchSourceSignal]) {
        lock.lock(); self.sources = sources; lock.unlock()
    }

    func resume() {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume()
    }
}
