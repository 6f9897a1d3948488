import CurlHTTP
import Foundation
import Gateway
import SourceDiagnostics

/// How one Lambda function is provided.
public enum LambdaDefinition: Sendable {
    /// Declarative rules (`script:`), with the function timeout (default 3 s).
    case scripted([LambdaRule], timeout: Duration)
    /// Real handler code in a persistent Python or Node.js worker (`python:` / `node:`).
    case handler(HandlerSpec)
}

/// How one HTTP integration host is provided.
public enum HTTPDefinition: Sendable {
    /// Declarative rules (`script:`).
    case scripted([HTTPRule])
    /// Forward to a real service (`forward: http://127.0.0.1:8080`).
    case forward(String)
    /// Call the integration's own URL, as API Gateway does (`direct`; with the host `"*"`: every host not
    /// otherwise mapped).
    case direct
}

/// A loaded backends file (or inline `backends:` mapping): which backend serves each Lambda function
/// name and each HTTP integration host. A pure description; `makeRegistry` brings it to life.
public struct BackendsConfiguration: Sendable {
    /// Lambda function name -> definition, in file order.
    public var lambdas: [(name: String, definition: LambdaDefinition)]
    /// HTTP host (`host` or `host:port`, lower-cased) -> definition, in file order.
    public var http: [(host: String, definition: HTTPDefinition)]
    /// AWS service (`sqs`, `dynamodb`, lower-cased) -> definition, in file order, for `AWS` service integrations.
    public var services: [(name: String, definition: ServiceDefinition)] = []
    /// API keys, usage plans and throttling the emulator enforces (`apiKeys:`, `usagePlans:`, `throttling:`).
    public var usagePlans = UsagePlanSettings()
    /// JSON Web Key Sets trusted per issuer by JWT and Cognito authorizers (`jwtIssuers:`).
    public var jwtTrust = JWTTrust()
    /// Where the configuration came from (a file path), for messages.
    public var source: String
    /// Warnings found while loading (errors are thrown instead).
    public var diagnostics: [Diagnostic]

    public init(lambdas: [(name: String, definition: LambdaDefinition)] = [], http: [(host: String, definition: HTTPDefinition)] = [],
                source: String = "", diagnostics: [Diagnostic] = []) {
        self.lambdas = lambdas
        self.http = http
        self.source = source
        self.diagnostics = diagnostics
    }

    /// Mapped Lambda function names.
    public var functionNames: Set<String> { Set(lambdas.map(\.name)) }
    /// Mapped HTTP hosts (lower-cased).
    public var hosts: Set<String> { Set(http.map(\.host)) }
    /// The host key that maps every host not listed (`"*": direct`).
    public static let anyHost = "*"
    /// True when `http: { "*": direct }` sends unmapped hosts to the real host.
    public var callsUnmappedHostsDirectly: Bool { http.contains { $0.host == Self.anyHost } }

    /// A configuration with `other`'s entries added; an entry of `other` replaces one with the same name here.
    public func merging(_ other: BackendsConfiguration) -> BackendsConfiguration {
        var merged = self
        for entry in other.lambdas {
            merged.lambdas.removeAll { $0.name == entry.name }
            merged.lambdas.append(entry)
        }
        for entry in other.http {
            merged.http.removeAll { $0.host == entry.host }
            merged.http.append(entry)
        }
        for entry in other.services {
            merged.services.removeAll { $0.name == entry.name }
            merged.services.append(entry)
        }
        if !other.usagePlans.isEmpty { merged.usagePlans = other.usagePlans }
        merged.jwtTrust = merged.jwtTrust.merging(other.jwtTrust)
        merged.diagnostics += other.diagnostics
        return merged
    }

    /// One message per function or host the API uses that this configuration does not map, e.g.
    /// `Lambda function 'Orders' used by the API is not mapped in suite 'orders' (add it under 'backends: lambdas:')`.
    /// Empty when everything is mapped. Names are sorted so the output is stable.
    public func unmapped(functions: Set<String>, hosts: Set<String>, suite: String? = nil) -> [String] {
        let place = suite.map { " in suite '\($0)'" } ?? (source.isEmpty ? "" : " in \(source)")
        let mappedHosts = self.hosts
        let hosts = callsUnmappedHostsDirectly ? [] : hosts
        var messages: [String] = []
        for name in functions.subtracting(functionNames).sorted() {
            messages.append("Lambda function '\(name)' used by the API is not mapped\(place) (add it under 'backends: lambdas:')")
        }
        for host in hosts.map({ $0.lowercased() }).filter({ !mappedHosts.contains($0) }).sorted() {
            messages.append("HTTP integration host '\(host)' used by the API is not mapped\(place) (add it under 'backends: http:', "
                            + "or `\"*\": direct` there to call the real hosts)")
        }
        return messages
    }

    /// This configuration with each of `names` mapped to a function Lambda does not have: every invocation is
    /// rejected with `ResourceNotFoundException` (what `gatecheck emulate` serves for unmapped functions).
    public func addingMissingFunctions(_ names: [String]) -> BackendsConfiguration {
        var result = self
        for name in names where !functionNames.contains(name) {
            result.lambdas.append((name: name, definition: .scripted([LambdaRule(answer: .invokeError(.resourceNotFound))], timeout: .seconds(3))))
        }
        return result
    }

    /// The same as `unmapped`, as error diagnostics located at `file` (the suite).
    public func unmappedDiagnostics(functions: Set<String>, hosts: Set<String>, suite: String, file: String) -> [Diagnostic] {
        unmapped(functions: functions, hosts: hosts, suite: suite).map { Diagnostic(.error, file: file, message: $0) }
    }

    /// Creates the backends: scripted ones in process, handler workers (started lazily, on the first
    /// invocation; call `BackendPool.prewarm()` to start them now) and forwarders sharing one HTTP client.
    /// `log` receives each line handlers print and worker restarts. Shut the pool down when done.
    /// With `directToUnmappedHosts`, every host not mapped is called at its real address (`gatecheck emulate`).
    public func makeRegistry(log: @escaping @Sendable (String) -> Void = { _ in },
                             directToUnmappedHosts: Bool = false) throws(BackendStartError) -> (BackendRegistry, BackendPool) {
        var bootstrapDirectory: String?
        func bootstrap(for runtime: HandlerSpec.Runtime) throws(BackendStartError) -> String {
            let directory: String
            if let existing = bootstrapDirectory {
                directory = existing
            } else {
                directory = FileManager.default.temporaryDirectory
                    .appendingPathComponent("gatecheck-workers-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))").path
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw BackendStartError(message: "cannot create the worker bootstrap directory \(directory): \(error.localizedDescription)")
                }
                bootstrapDirectory = directory
            }
            let (fileName, source) = runtime == .python
                ? (PythonBootstrap.fileName, PythonBootstrap.source)
                : (NodeBootstrap.fileName, NodeBootstrap.source)
            let path = directory + "/" + fileName
            if !FileManager.default.fileExists(atPath: path) {
                do {
                    try source.write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    throw BackendStartError(message: "cannot write the \(runtime.rawValue) bootstrap \(path): \(error.localizedDescription)")
                }
            }
            return path
        }

        var lambdas: [String: any LambdaBackend] = [:]
        var functions: [HandlerFunction] = []
        for (name, definition) in self.lambdas {
            switch definition {
            case let .scripted(rules, timeout):
                lambdas[name] = ScriptedLambda(name: name, rules: rules, timeout: timeout)
            case let .handler(spec):
                let function = HandlerFunction(name: name, spec: spec, bootstrapPath: try bootstrap(for: spec.runtime), log: log)
                functions.append(function)
                lambdas[name] = function
            }
        }

        var hosts: [String: any HTTPBackend] = [:]
        var otherHosts: (any HTTPBackend)?
        var client: CurlHTTPClient?
        func sharedClient() -> CurlHTTPClient {
            let shared = client ?? CurlHTTPClient(configuration: HTTPClientConfiguration())
            client = shared
            return shared
        }
        for (host, definition) in http {
            let backend: any HTTPBackend
            switch definition {
            case let .scripted(rules): backend = ScriptedHTTPUpstream(host: host, rules: rules)
            case let .forward(target): backend = ForwardingHTTPBackend(target: target, client: sharedClient())
            case .direct: backend = ForwardingHTTPBackend.direct(client: sharedClient())
            }
            if host == Self.anyHost { otherHosts = backend } else { hosts[host.lowercased()] = backend }
        }
        if directToUnmappedHosts, otherHosts == nil { otherHosts = ForwardingHTTPBackend.direct(client: sharedClient()) }
        var services: [String: any ServiceBackend] = [:]
        for (name, definition) in self.services {
            switch definition {
            case let .endpoint(endpoint):
                services[name] = ServiceEndpointBackend(endpoint: endpoint, credentials: ServiceCredentials.resolve(), client: sharedClient())
            case let .scripted(rules):
                services[name] = ScriptedService(service: name, rules: rules)
            }
        }
        let pool = BackendPool(functions: functions, httpClient: client, bootstrapDirectory: bootstrapDirectory)
        var registry = BackendRegistry(lambdas: lambdas, httpHosts: hosts, otherHosts: otherHosts, services: services)
        registry.jwtTrust = jwtTrust
        return (registry, pool)
    }
}

/// Backends could not be created (e.g. the temporary directory is not writable).
public struct BackendStartError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Owns what the backends hold on to: worker processes and the forwarding HTTP client.
public final class BackendPool: Sendable {
    /// The real-handler functions, for `prewarm` and introspection.
    public let functions: [HandlerFunction]
    private let httpClient: CurlHTTPClient?
    private let bootstrapDirectory: String?

    init(functions: [HandlerFunction], httpClient: CurlHTTPClient?, bootstrapDirectory: String?) {
        self.functions = functions
        self.httpClient = httpClient
        self.bootstrapDirectory = bootstrapDirectory
    }

    /// Starts one worker process per real-handler function now (otherwise it starts on the function's first
    /// invocation); more start when invocations of a function overlap.
    public func prewarm() async {
        await withTaskGroup(of: Void.self) { group in
            for function in functions { group.addTask { await function.prewarm() } }
        }
    }

    /// Stops every worker process and the HTTP client, and removes the bootstrap scripts. Idempotent.
    public func shutdown() async {
        await withTaskGroup(of: Void.self) { group in
            for function in functions { group.addTask { await function.shutdown() } }
        }
        httpClient?.shutdown()
        if let bootstrapDirectory { try? FileManager.default.removeItem(atPath: bootstrapDirectory) }
    }
}
