import Foundation
import HTTPMessage
import SigV4
import SourceDiagnostics

/// A named place to run suites against, read from `gatecheck.yaml`, with every `${env:NAME}` already substituted.
public struct TargetProfile: Sendable {
    public var name: String
    /// `https://{id}.execute-api.{region}.amazonaws.com/{stage}` or `https://api.example.com/{basePath}`,
    /// without a trailing slash. Case paths are appended to it (see ``url(forPath:)``).
    public var baseURL: String
    /// Sent with every request; a header the case sets itself wins.
    public var headers: HTTPHeaders
    public var auth: AuthConfiguration
    /// Per-request timeout for cases that set none.
    public var timeout: Duration?
    /// How many times a request that failed at the transport level is tried again.
    public var retries: Int?
    /// The most requests in flight at once against this target.
    public var concurrency: Int?
    /// Suite variables the profile provides (as if given with `--var`).
    public var variables: [String: String]
    /// `host:port:address` entries for libcurl's `CURLOPT_RESOLVE`.
    public var resolve: [ResolveEntry]
    /// Every value that came from the environment (and literal credentials in the profile): redact them.
    /// Tokens fetched later (bearer commands, AWS credentials) are in the authorizer's ``RequestAuthorizer/secrets``.
    public var secrets: Set<String>
    /// Warnings noticed while reading the target (e.g. an execute-api URL without a stage); print them.
    public var warnings: [Diagnostic] = []
    /// The profiles file the target was read from; nil for `--target https://...`.
    public var profilesFile: String?
    /// `apis:`: the stage of each API of the environment; a suite goes to the first entry that takes it
    /// (see ``route(suiteName:apiFile:tags:)``). Empty: every suite goes to ``baseURL``.
    public var apis: [APITarget] = []
    /// The `apis:` entry this profile was narrowed to for one suite (see ``route(suiteName:apiFile:tags:)``).
    public var apiName: String?

    public init(name: String, baseURL: String, headers: HTTPHeaders = HTTPHeaders(), auth: AuthConfiguration = .none,
                timeout: Duration? = nil, retries: Int? = nil, concurrency: Int? = nil, variables: [String: String] = [:],
                resolve: [ResolveEntry] = [], secrets: Set<String> = []) {
        self.name = name
        self.baseURL = baseURL
        self.headers = headers
        self.auth = auth
        self.timeout = timeout
        self.retries = retries
        self.concurrency = concurrency
        self.variables = variables
        self.resolve = resolve
        self.secrets = secrets
    }

    /// The profile for `--target https://...`: that base URL, nothing else (an execute-api URL without a stage
    /// gets the same warning as in a profile, located at `--target`).
    public static func adHoc(url: String, option: String = "--target") -> TargetProfile {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        var profile = TargetProfile(name: base, baseURL: base)
        if let warning = ExecuteAPIStage.missingStageWarning(base) {
            profile.warnings = [Diagnostic(.warning, file: option, message: warning)]
        }
        return profile
    }

    /// Where one suite runs: for a profile with `apis:`, the first entry that takes the suite (by its API definition
    /// file, a tag or its name), narrowed to that entry's URL, headers and resolve entries; without a match, the
    /// profile's own `url` when it has one, else nothing. Without `apis:`, the profile itself.
    public func route(suiteName: String, apiFile: String?, tags: [String]) -> TargetRoute {
        guard !apis.isEmpty else { return .profile(self) }
        let file = apiFile.map { APITarget.standardizedPath($0, relativeTo: "") }
        if let entry = apis.first(where: { $0.takes(suiteName: suiteName, apiFile: file, tags: tags) }) {
            var narrowed = self
            narrowed.baseURL = entry.baseURL
            for name in Set(entry.headers.map { $0.name.lowercased() }) { narrowed.headers.remove(name: name) }
            for field in entry.headers { narrowed.headers.add(name: field.name, value: field.value) }
            narrowed.resolve += entry.resolve
            narrowed.apiName = entry.name
            narrowed.apis = []
            return .api(narrowed)
        }
        let what = apiFile.map { "its API (\($0))" } ?? "the suite (no api:)"
        let reason = "no entry of target '\(name)' apis: takes \(what)"
            + (tags.isEmpty ? "" : ", its tags (\(tags.joined(separator: ", ")))") + " or its name '\(suiteName)'"
        if !baseURL.isEmpty { return .unlistedDefault(self, reason: reason) }
        return .unmapped(reason: reason + ", and the target has no url")
    }

    /// The URL SigV4 finds its region in: the base URL, else the first `apis:` entry's.
    public var regionURL: String { baseURL.isEmpty ? apis.first?.baseURL ?? "" : baseURL }

    /// The base URL joined with a case path: `https://api.example.com/v1` + `/items?x=1`.
    public func url(forPath path: String) -> String {
        if path.isEmpty { return baseURL }
        return baseURL + (path.hasPrefix("/") || path.hasPrefix("?") ? path : "/" + path)
    }

    /// The AWS region SigV4 signs for: the profile's, else the one in an execute-api host.
    public var region: String? {
        if case .sigv4(let configuration) = auth, let region = configuration.region { return region }
        return ExecuteAPIHost.region(fromURL: baseURL)
    }

    /// The base URL safe to print or record: user info dropped and every secret replaced by `***`.
    public var displayBaseURL: String {
        var url = baseURL
        if let schemeEnd = url.range(of: "://") {
            let afterScheme = url[schemeEnd.upperBound...]
            let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
            if let at = afterScheme[..<authorityEnd].lastIndex(of: "@") {
                url.removeSubrange(schemeEnd.upperBound...at)
            }
        }
        return SecretRedactor(secrets: secrets).redact(url)
    }

    /// `<properties>` for the JUnit report: `target`, `baseURL` (redacted), `auth` (the kind, never a value).
    /// The runner adds `gatecheck.version` and the `--property` pairs.
    public var junitProperties: [(String, String)] {
        [("target", name), ("baseURL", displayBaseURL), ("auth", auth.kind)]
    }
}

/// Where a profile sends one suite.
public enum TargetRoute: Sendable {
    /// A profile without `apis:`: everything goes to its `url`.
    case profile(TargetProfile)
    /// The `apis:` entry that takes the suite (the profile narrowed to it; ``TargetProfile/apiName`` names it).
    case api(TargetProfile)
    /// No `apis:` entry takes the suite; the profile's own `url` is used (an error with `--strict-targets`).
    case unlistedDefault(TargetProfile, reason: String)
    /// No `apis:` entry takes the suite and the profile has no `url`: the suite is skipped (an error with
    /// `--strict-targets`), never sent to another API.
    case unmapped(reason: String)
}

/// One entry of a profile's `apis:`: the stage URL of one API, and which suites it takes.
public struct APITarget: Sendable {
    /// The entry's key, e.g. `rest` (recorded as the `profile.api` report property).
    public var name: String
    /// Suites whose `api:` is one of these files (absolute, standardized paths).
    public var apiFiles: [String]
    /// Suites with one of these tags.
    public var tags: [String]
    /// Suites of these names.
    public var suites: [String]
    public var baseURL: String
    /// Sent with every request of these suites, replacing the profile's header of the same name.
    public var headers: HTTPHeaders
    /// Added to the profile's `resolve` entries.
    public var resolve: [ResolveEntry]

    public init(name: String, apiFiles: [String] = [], tags: [String] = [], suites: [String] = [], baseURL: String,
                headers: HTTPHeaders = HTTPHeaders(), resolve: [ResolveEntry] = []) {
        self.name = name
        self.apiFiles = apiFiles
        self.tags = tags
        self.suites = suites
        self.baseURL = baseURL
        self.headers = headers
        self.resolve = resolve
    }

    /// Whether a suite goes here: its API definition file (standardized), one of its tags or its name is listed.
    public func takes(suiteName: String, apiFile: String?, tags suiteTags: [String]) -> Bool {
        if let apiFile, apiFiles.contains(apiFile) { return true }
        if suites.contains(suiteName) { return true }
        return suiteTags.contains { tags.contains($0) }
    }

    /// `path` made absolute (relative to `directory`, itself relative to the current directory) with `.`/`..` removed.
    public static func standardizedPath(_ path: String, relativeTo directory: String) -> String {
        let joined = path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}

/// The check that a base URL names its stage.
public enum ExecuteAPIStage {
    /// The warning for an execute-api URL (AWS's `{id}.execute-api.{region}.amazonaws.com`, or LocalStack's
    /// `{id}.execute-api.localhost.localstack.cloud`) whose path is empty: the stage is missing. Nil otherwise.
    public static func missingStageWarning(_ url: String) -> String? {
        guard let target = RequestTarget(url: url), target.host.contains(".execute-api."), target.path == "/" else { return nil }
        return "'\(url)' has no stage: an execute-api URL normally ends with the stage name (e.g. /prod), except for HTTP APIs using $default"
    }
}

/// `--property k=v` values for the JUnit `<properties>` (e.g. the deployment id or the git SHA being promoted).
public enum ReportProperty {
    /// Splits `name=value` at the first `=`; the name must not be empty.
    public static func parse(_ argument: String) throws(ReportPropertyError) -> (name: String, value: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw ReportPropertyError(argument: argument)
        }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}

/// A `--property` argument without `name=`.
public struct ReportPropertyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var argument: String
    public var description: String { "invalid --property '\(argument)': expected NAME=VALUE, e.g. --property git.sha=$GITHUB_SHA" }
}

/// How requests to a target are authorised.
public enum AuthConfiguration: Sendable, Hashable {
    case none
    /// An API Gateway API key, sent in `header` (`x-api-key`).
    case apiKey(value: String, header: String)
    case bearer(BearerTokenSource)
    case sigv4(SigV4Configuration)

    /// `none`, `apiKey`, `bearer` or `sigv4`.
    public var kind: String {
        switch self {
        case .none: return "none"
        case .apiKey: return "apiKey"
        case .bearer: return "bearer"
        case .sigv4: return "sigv4"
        }
    }
}

/// Where a bearer token (usually a JWT) comes from.
public enum BearerTokenSource: Sendable, Hashable {
    case literal(String)
    /// The value of this environment variable.
    case environment(String)
    /// The standard output of this shell command, trimmed.
    case command(String)
}

/// SigV4 settings of a target.
public struct SigV4Configuration: Sendable, Hashable {
    /// nil: taken from the execute-api host, else `AWS_REGION`/`AWS_DEFAULT_REGION`.
    public var region: String?
    public var service: String
    public var credentials: AWSCredentialSource

    public init(region: String? = nil, service: String = "execute-api", credentials: AWSCredentialSource = .standardChain) {
        self.region = region
        self.service = service
        self.credentials = credentials
    }
}

/// One `--resolve`/`resolve:` entry: requests for `host:port` connect to `address`.
public struct ResolveEntry: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// An IPv4 address, or an IPv6 address in brackets.
    public var address: String

    public init(host: String, port: Int, address: String) {
        self.host = host
        self.port = port
        self.address = address
    }

    /// Parses `host:port:address` (libcurl's `CURLOPT_RESOLVE` syntax); nil with a reason otherwise.
    public static func parse(_ text: String) -> Result<ResolveEntry, ResolveEntryError> {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else {
            return .failure(ResolveEntryError(entry: text, reason: "expected host:port:address, e.g. api.example.com:443:10.0.0.12"))
        }
        guard let port = Int(parts[1]), (1...65535).contains(port) else {
            return .failure(ResolveEntryError(entry: text, reason: "'\(parts[1])' is not a port number (1-65535)"))
        }
        let address = parts[2]
        if address.contains(":") && !(address.hasPrefix("[") && address.hasSuffix("]")) {
            return .failure(ResolveEntryError(entry: text, reason: "write an IPv6 address in brackets, e.g. [::1]"))
        }
        return .success(ResolveEntry(host: parts[0], port: port, address: address))
    }

    /// `host:port:address`, ready for `CURLOPT_RESOLVE`.
    public var description: String { "\(host):\(port):\(address)" }
}

/// A malformed resolve entry.
public struct ResolveEntryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var entry: String
    public var reason: String
    public var description: String { "invalid resolve entry '\(entry)': \(reason)" }
}

/// Replaces secret values in text before it is printed or written to a report.
public struct SecretRedactor: Sendable {
    public static let mask = "***"
    private let secrets: [String]

    /// Empty strings are ignored; longer secrets are replaced first so one containing another is fully hidden.
    public init<S: Sequence>(secrets: S) where S.Element == String {
        self.secrets = Set(secrets).filter { !$0.isEmpty }.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return result
    }
}
