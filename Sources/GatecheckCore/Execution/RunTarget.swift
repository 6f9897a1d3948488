import Foundation
import HTTPMessage
import SigV4
import SourceDiagnostics
import Stages

/// What a run sends its requests to, resolved once before anything is sent: the target profile (or the
/// embedded emulator), the authorizers, the secrets to redact, host overrides and report properties.
struct RunTarget: Sendable {
    /// The profile of `--target NAME|URL`; nil for the embedded emulator.
    var profile: TargetProfile?
    /// The profile's auth (API key, bearer, SigV4), applied to every suite; nil when the profile has none.
    var profileAuthorizer: (any RequestAuthorizer)?
    /// SigV4 with the standard chain, for suites with `auth: sigv4` (or every suite with `--sigv4`) when the
    /// target has no auth of its own.
    var sigv4Authorizer: (any RequestAuthorizer)?
    /// `--sigv4`: sign every suite.
    var signEverySuite = false
    /// Profile secrets, authorizer secrets and the base URL's password: redacted everywhere.
    var secrets: [String] = []
    /// `host:port:address` entries for libcurl (profile first, then `--resolve`).
    var resolve: [String] = []
    /// `--property` pairs, after the built-in ones.
    var extraProperties: [NamedValue] = []
    /// `--strict-targets`: a suite the profile does not map to its API is an error, not skipped or sent elsewhere.
    var strictTargets = false

    /// Where one suite of the run goes.
    enum Placement {
        /// Run it against this target (the profile narrowed to the suite's `apis:` entry, when it has one).
        case run(RunTarget)
        /// Report its cases as skipped with this reason: the profile has no stage for the suite's API.
        case skip(String)
        /// `--strict-targets` and the suite is not mapped: the run must not start.
        case refuse(String)
    }

    /// Where `suite` goes (see `TargetProfile.route`).
    func placement(for suite: Suite) -> Placement {
        guard let profile else { return .run(self) }
        switch profile.route(suiteName: suite.name, apiFile: suite.api, tags: suite.tags) {
        case .profile:
            return .run(self)
        case let .api(narrowed):
            var copy = self
            copy.profile = narrowed
            return .run(copy)
        case let .unlistedDefault(_, reason):
            return strictTargets ? .refuse(reason + " (--strict-targets: the target's own url is not used for it)") : .run(self)
        case let .unmapped(reason):
            return strictTargets ? .refuse(reason) : .skip(reason)
        }
    }

    /// With one URL for every suite (a `--target` URL or a profile without `apis:`): the API definitions of the
    /// suites when there are several, which cannot all be deployed at that one URL. Nil otherwise.
    func sharedURLAPIs(_ suites: [Suite]) -> [String]? {
        guard let profile, profile.apis.isEmpty else { return nil }
        var seen: Set<String> = []
        var files: [String] = []
        for suite in suites {
            guard let api = suite.api else { continue }
            if seen.insert(APITarget.standardizedPath(api, relativeTo: "")).inserted { files.append(api) }
        }
        return files.count > 1 ? files : nil
    }

    /// The authorizer for one suite's requests, or nil.
    func authorizer(for suite: Suite) -> (any RequestAuthorizer)? {
        if let profileAuthorizer { return profileAuthorizer }
        return signEverySuite || suite.auth == .sigv4 ? sigv4Authorizer : nil
    }

    /// The `auth` property of a suite's report: `none`, `apiKey`, `bearer` or `sigv4`.
    func authKind(for suite: Suite) -> String {
        if let profile, profile.auth != .none { return profile.auth.kind }
        return authorizer(for: suite) == nil ? "none" : "sigv4"
    }

    /// The JUnit `<properties>` of a suite: target, baseURL (no user info, no secrets), auth, file, version, the
    /// profile and its file (when the target is a profile of `gatecheck.yaml`), the `resolve` entries (profile's
    /// and `--resolve`, when any), then every `--property`.
    func reportProperties(for suite: Suite, baseURL: String, shardID: String, redactor: Redactor) -> [NamedValue] {
        let targetName: String
        let shownBaseURL: String
        if let profile {
            let display = profile.displayBaseURL
            targetName = profile.name == profile.baseURL ? display : profile.name
            shownBaseURL = display
        } else {
            targetName = "embedded emulator"
            shownBaseURL = baseURL
        }
        var properties = [
            NamedValue(name: "target", value: redactor.redact(targetName)),
            NamedValue(name: "baseURL", value: redactor.redact(shownBaseURL)),
            NamedValue(name: "auth", value: authKind(for: suite)),
            NamedValue(name: "file", value: shardID),
            NamedValue(name: "gatecheck.version", value: GatecheckVersion.string),
        ]
        if let profile, let file = profile.profilesFile {
            properties.append(NamedValue(name: "profile", value: redactor.redact(profile.name)))
            properties.append(NamedValue(name: "profile.file", value: file))
            if let api = profile.apiName { properties.append(NamedValue(name: "profile.api", value: redactor.redact(api))) }
        }
        if !resolve.isEmpty {
            properties.append(NamedValue(name: "resolve", value: redactor.redact(resolve.joined(separator: ", "))))
        }
        properties += extraProperties.map { NamedValue(name: $0.name, value: redactor.redact($0.value)) }
        return properties
    }

    /// Why the run cannot start, as the message printed before exiting with status 2.
    struct Problem: Error {
        var diagnostics: [Diagnostic] = []
        var message: String?
    }

    /// The profile `--target` names (nil: the embedded emulator): a URL, or a target of the profiles file.
    static func selectProfile(_ config: RunConfiguration) throws(Problem) -> TargetProfile? {
        guard let argument = config.target else { return nil }
        if argument.contains("://"), let problem = GatecheckRunner.targetProblem(argument) {
            throw Problem(message: "gatecheck: error: invalid --target '\(argument)': \(problem)")
        }
        do {
            return try TargetSelection.select(argument, profilesPath: config.profilesPath, environment: config.environment)
        } catch {
            throw Problem(diagnostics: error.diagnostics, message: "gatecheck: error: cannot use --target '\(argument)'; nothing was run")
        }
    }

    /// Resolves credentials for the chosen profile and suites, and checks `--resolve`/`--property`. Nothing is sent.
    static func prepare(_ config: RunConfiguration, profile: TargetProfile?, suites: [Suite]) throws(Problem) -> RunTarget {
        var target = RunTarget()
        target.profile = profile
        var secrets: [String] = []
        if let profile = target.profile {
            secrets += profile.secrets
            if let password = userInfoPassword(profile.baseURL) { secrets.append(password) }
            if profile.auth != .none {
                do {
                    target.profileAuthorizer = try Authorizers.make(for: profile.auth, baseURL: profile.regionURL, environment: config.environment,
                                                                    homeDirectory: config.homeDirectory)
                } catch {
                    let redactor = Redactor(secrets: secrets)
                    throw Problem(message: "gatecheck: error: target '\(redactor.redact(profile.name))': \(redactor.redact(error.description))")
                }
            }
            target.resolve += profile.resolve.map(\.description)
            for entry in profile.apis.flatMap(\.resolve) where !target.resolve.contains(entry.description) {
                target.resolve.append(entry.description)
            }
        }
        target.strictTargets = config.strictTargets
        target.signEverySuite = config.sigv4
        if target.profileAuthorizer == nil, config.sigv4 || suites.contains(where: { $0.auth == .sigv4 }) {
            // Against the emulator any region verifies; against a URL, the execute-api host (or AWS_REGION) says.
            let region = target.profile == nil
                ? config.environment["AWS_REGION"] ?? config.environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
                : nil
            do {
                target.sigv4Authorizer = try Authorizers.make(for: .sigv4(SigV4Configuration(region: region)),
                                                              baseURL: target.profile?.regionURL ?? "", environment: config.environment,
                                                              homeDirectory: config.homeDirectory)
            } catch {
                let who = config.sigv4 ? "--sigv4" : "suite '\(suites.first { $0.auth == .sigv4 }?.name ?? "")' (auth: sigv4)"
                throw Problem(message: "gatecheck: error: \(who) needs AWS credentials to sign with: \(Redactor(secrets: secrets).redact(error.description))")
            }
        }
        secrets += target.profileAuthorizer?.secrets ?? []
        secrets += target.sigv4Authorizer?.secrets ?? []
        target.secrets = secrets.filter { !$0.isEmpty }

        for entry in config.resolve {
            switch ResolveEntry.parse(entry) {
            case let .success(parsed): target.resolve.append(parsed.description)
            case let .failure(error): throw Problem(message: "gatecheck: error: --resolve: \(error)")
            }
        }
        for property in config.properties {
            guard !property.name.isEmpty else {
                throw Problem(message: "gatecheck: error: invalid --property '=\(property.value)': expected NAME=VALUE, e.g. --property git.sha=$GITHUB_SHA")
            }
            target.extraProperties.append(property)
        }
        return target
    }

    /// The password of `https://user:password@host/...`, which must not be printed.
    static func userInfoPassword(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let password = components.password, !password.isEmpty else { return nil }
        return password
    }
}

/// How suites are identified for sharding and in the JUnit `file` property (which `--shard-timings` reads back).
public enum SuiteIdentity {
    /// The suite file relative to `workingDirectory` when it lies inside it (`suites/rest/items.yaml`), else the
    /// path as given; `./` prefixes and `..` segments are normalised away. The same on every machine that checks
    /// the project out and runs from its root.
    public static func id(forFile file: String, workingDirectory: String) -> String {
        let standardized = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))
            .standardizedFileURL.path
        var root = URL(fileURLWithPath: workingDirectory, isDirectory: true).standardizedFileURL.path
        if !root.hasSuffix("/") { root += "/" }
        if standardized.hasPrefix(root) { return String(standardized.dropFirst(root.count)) }
        return standardized
    }
}
