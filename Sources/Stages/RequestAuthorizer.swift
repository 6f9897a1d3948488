import Foundation
import HTTPMessage
import SigV4

/// Adds credentials to each request of a run. Created once per run (tokens and AWS credentials are resolved
/// when it is made), then shared by every concurrent request.
public protocol RequestAuthorizer: Sendable {
    /// Adds the credentials. May rewrite `request.url` into its wire form (SigV4 does, see ``SigV4Signer``):
    /// send the URL found in the request afterwards.
    func authorize(_ request: inout SignableRequest) throws(AuthorizationError)
    /// Values that must never appear in logs or reports (tokens, keys, secrets).
    var secrets: [String] { get }
}

/// No credentials.
public struct NoAuthorizer: RequestAuthorizer {
    public init() {}
    public func authorize(_ request: inout SignableRequest) throws(AuthorizationError) {}
    public var secrets: [String] { [] }
}

/// Sets an API key header (`x-api-key` by default, as API Gateway usage plans expect).
public struct APIKeyAuthorizer: RequestAuthorizer {
    public var key: String
    public var headerName: String

    public init(key: String, headerName: String = "x-api-key") {
        self.key = key
        self.headerName = headerName
    }

    /// Replaces any header of the same name the case already set.
    public func authorize(_ request: inout SignableRequest) throws(AuthorizationError) {
        request.headers.replaceOrAdd(name: headerName, value: key)
    }

    public var secrets: [String] { [key] }
}

/// Sets `Authorization: Bearer <token>` unless the case set its own `Authorization` header
/// (so a suite can still test a wrong or missing token).
public struct BearerAuthorizer: RequestAuthorizer {
    public var token: String

    public init(token: String) { self.token = token }

    /// Obtains the token once: from the literal, the environment variable, or the command's standard output
    /// (trimmed; the command runs with `/bin/sh -c`).
    public init(source: BearerTokenSource, environment: [String: String]) throws(AuthorizationError) {
        let token: String
        switch source {
        case .literal(let value):
            token = value
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else { throw .missingEnvironmentVariable(name, purpose: "the bearer token") }
            token = value
        case .command(let command):
            let result: CommandResult
            do { result = try ShellCommand.run(command, environment: environment) } catch { throw .commandFailed(command: command, reason: error.description) }
            guard result.status == 0 else {
                throw .commandFailed(command: command, reason: "exited with status \(result.status)" + result.stderrSummary)
            }
            token = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw .commandFailed(command: command, reason: "printed no token on standard output") }
        }
        guard !token.contains(where: \.isNewline) else { throw .invalidToken("the bearer token contains a line break") }
        self.token = token.hasPrefix("Bearer ") ? String(token.dropFirst(7)) : token
    }

    public func authorize(_ request: inout SignableRequest) throws(AuthorizationError) {
        if request.headers.contains("Authorization") { return }
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
    }

    public var secrets: [String] { [token] }
}

/// Signs every request with AWS SigV4 (see ``SigV4Signer``) at the time it is sent.
public struct SigV4Authorizer: RequestAuthorizer {
    public var signer: SigV4Signer
    /// The signing time; the system clock unless a test sets one.
    public var clock: @Sendable () -> Date

    public init(signer: SigV4Signer, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.clock = clock
    }

    public func authorize(_ request: inout SignableRequest) throws(AuthorizationError) {
        if let expiration = signer.credentials.expiration, expiration <= clock() {
            throw .credentialsExpired(expiration)
        }
        do { try signer.sign(&request, date: clock()) } catch { throw .signing(error) }
    }

    public var secrets: [String] { [signer.credentials.secretAccessKey] + (signer.credentials.sessionToken.map { [$0] } ?? []) }
}

/// Builds the authorizer a target profile asks for.
public enum Authorizers {
    /// Resolves tokens and credentials now (env variables, commands, credential files), so failures are
    /// reported once before the run starts.
    /// - Parameters:
    ///   - baseURL: used to find the SigV4 region (`{id}.execute-api.{region}.amazonaws.com`) when the
    ///     profile sets none.
    ///   - environment: the process environment (tests pass their own).
    ///   - homeDirectory: where `~/.aws` is looked up (tests pass a temporary directory).
    public static func make(for auth: AuthConfiguration, baseURL: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            homeDirectory: String = NSHomeDirectory(),
                            clock: @escaping @Sendable () -> Date = { Date() }) throws(AuthorizationError) -> any RequestAuthorizer {
        switch auth {
        case .none:
            return NoAuthorizer()
        case let .apiKey(value, header):
            return APIKeyAuthorizer(key: value, headerName: header)
        case .bearer(let source):
            return try BearerAuthorizer(source: source, environment: environment)
        case .sigv4(let configuration):
            guard let region = configuration.region ?? ExecuteAPIHost.region(fromURL: baseURL) ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] else {
                throw .regionUnknown(baseURL)
            }
            let resolver = AWSCredentialResolver(environment: environment, homeDirectory: homeDirectory)
            let credentials = try resolver.resolve(configuration.credentials)
            return SigV4Authorizer(signer: SigV4Signer(credentials: credentials, region: region, service: configuration.service), clock: clock)
        }
    }
}

/// Recognises API Gateway's default endpoints.
public enum ExecuteAPIHost {
    /// The region in `{id}.execute-api.{region}.amazonaws.com` (also `.amazonaws.com.cn` and private
    /// `{id}-{vpce}.execute-api.{region}.vpce.amazonaws.com` hosts); nil for custom domains.
    public static func region(fromURL url: String) -> String? {
        guard let host = RequestTarget(url: url)?.host else { return nil }
        let labels = host.split(separator: ".").map(String.init)
        guard let index = labels.firstIndex(of: "execute-api"), index + 2 < labels.count, labels[index + 2] == "amazonaws" || labels[index + 2] == "vpce" else { return nil }
        let region = labels[index + 1]
        return region.isEmpty ? nil : region
    }
}

/// Why credentials could not be obtained or applied. Every message says what to fix.
public enum AuthorizationError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingEnvironmentVariable(String, purpose: String)
    case commandFailed(command: String, reason: String)
    case invalidToken(String)
    case credentialsNotFound(String)
    case profileNotFound(name: String, searched: [String])
    case incompleteProfile(name: String, file: String, missing: String)
    case credentialProcessOutputInvalid(command: String, reason: String)
    case credentialsExpired(Date)
    case regionUnknown(String)
    case signing(SigV4Error)

    public var description: String {
        switch self {
        case let .missingEnvironmentVariable(name, purpose):
            return "environment variable \(name) is not set (it provides \(purpose))"
        case let .commandFailed(command, reason):
            return "command '\(command)' failed: \(reason)"
        case .invalidToken(let reason):
            return "invalid token: \(reason)"
        case .credentialsNotFound(let details):
            return "no AWS credentials found: \(details)"
        case let .profileNotFound(name, searched):
            return "AWS profile '\(name)' not found in \(searched.joined(separator: " or "))"
        case let .incompleteProfile(name, file, missing):
            return "AWS profile '\(name)' in \(file) has no \(missing)"
        case let .credentialProcessOutputInvalid(command, reason):
            return "credential_process '\(command)' printed unusable output: \(reason) (expected JSON {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ..., \"SessionToken\": ..., \"Expiration\": ...})"
        case .credentialsExpired(let date):
            return "the AWS credentials expired at \(ISO8601DateFormatter().string(from: date)); refresh them (e.g. aws sso login) and run again"
        case .regionUnknown(let url):
            return "cannot tell the AWS region for SigV4: '\(url)' is not an execute-api URL; set auth.region in the target profile (or AWS_REGION)"
        case .signing(let error):
            return error.description
        }
    }
}
