import Foundation
import SigV4

/// Where SigV4 credentials come from.
public enum AWSCredentialSource: Sendable, Hashable {
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else the profile named by `AWS_PROFILE`
    /// (or `default`) in the shared files: the order the AWS CLI uses, minus SSO and instance metadata.
    case standardChain
    /// Only the `AWS_*` environment variables.
    case environment
    /// A named profile: static keys in the credentials file, or `credential_process` in either file.
    case profile(String)
    /// Runs this command and reads its JSON output (the `credential_process` protocol).
    case credentialProcess(String)
}

/// Reads AWS credentials the way the AWS CLI does: environment variables, `~/.aws/credentials`
/// (`AWS_SHARED_CREDENTIALS_FILE`), `~/.aws/config` (`AWS_CONFIG_FILE`, sections `[profile NAME]`), and
/// `credential_process` commands.
public struct AWSCredentialResolver: Sendable {
    public var environment: [String: String]
    public var homeDirectory: String

    public init(environment: [String: String], homeDirectory: String) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    public var credentialsFilePath: String {
        environment["AWS_SHARED_CREDENTIALS_FILE"].map(expandTilde) ?? "\(homeDirectory)/.aws/credentials"
    }

    public var configFilePath: String {
        environment["AWS_CONFIG_FILE"].map(expandTilde) ?? "\(homeDirectory)/.aws/config"
    }

    private func expandTilde(_ path: String) -> String {
        path.hasPrefix("~/") ? homeDirectory + path.dropFirst() : path
    }

    public func resolve(_ source: AWSCredentialSource) throws(AuthorizationError) -> AWSCredentials {
        switch source {
        case .environment:
            guard let credentials = try fromEnvironment() else {
                throw .credentialsNotFound("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)")
            }
            return credentials
        case .standardChain:
            if let credentials = try fromEnvironment() { return credentials }
            let name = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            do {
                return try fromProfile(name)
            } catch .profileNotFound {
                throw .credentialsNotFound("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and there is no profile '\(name)' in \(credentialsFilePath) or \(configFilePath)")
            }
        case .profile(let name):
            return try fromProfile(name)
        case .credentialProcess(let command):
            return try runCredentialProcess(command)
        }
    }

    /// nil when neither key variable is set; an error when only one is.
    func fromEnvironment() throws(AuthorizationError) -> AWSCredentials? {
        let keyID = environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyID, secret) {
        case (nil, nil): return nil
        case (nil, _): throw .missingEnvironmentVariable("AWS_ACCESS_KEY_ID", purpose: "the access key id that goes with AWS_SECRET_ACCESS_KEY")
        case (_, nil): throw .missingEnvironmentVariable("AWS_SECRET_ACCESS_KEY", purpose: "the secret key that goes with AWS_ACCESS_KEY_ID")
        case let (keyID?, secret?):
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token)
        }
    }

    /// Static keys win over `credential_process`, as in the AWS CLI; the credentials file wins over the config file.
    func fromProfile(_ name: String) throws(AuthorizationError) -> AWSCredentials {
        let credentialsFile = readINI(credentialsFilePath)?[name]
        let configFile = readINI(configFilePath)?[name == "default" ? "default" : "profile \(name)"]
        guard credentialsFile != nil || configFile != nil else {
            throw .profileNotFound(name: name, searched: [credentialsFilePath, configFilePath])
        }
        for (settings, file) in [(credentialsFile, credentialsFilePath), (configFile, configFilePath)] {
            guard let settings else { continue }
            if let keyID = settings["aws_access_key_id"] {
                guard let secret = settings["aws_secret_access_key"], !secret.isEmpty else {
                    throw .incompleteProfile(name: name, file: file, missing: "aws_secret_access_key")
                }
                return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: settings["aws_session_token"])
            }
        }
        for settings in [credentialsFile, configFile] {
            if let command = settings?["credential_process"] { return try runCredentialProcess(command) }
        }
        throw .incompleteProfile(name: name, file: credentialsFile != nil ? credentialsFilePath : configFilePath,
                                 missing: "aws_access_key_id/aws_secret_access_key or credential_process (SSO and role profiles are not supported: export the credentials, e.g. with `aws configure export-credentials --format env`)")
    }

    /// Runs the command with `/bin/sh -c` and parses `{"Version": 1, "AccessKeyId", "SecretAccessKey",
    /// "SessionToken"?, "Expiration"? (ISO 8601)}`. Expired credentials are refused.
    func runCredentialProcess(_ command: String) throws(AuthorizationError) -> AWSCredentials {
        let result: CommandResult
        do { result = try ShellCommand.run(command, environment: environment) } catch { throw .commandFailed(command: command, reason: error.description) }
        guard result.status == 0 else {
            throw .commandFailed(command: command, reason: "exited with status \(result.status)" + result.stderrSummary)
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
                throw AuthorizationError.credentialProcessOutputInvalid(command: command, reason: "not a JSON object")
            }
            object = parsed
        } catch let error as AuthorizationError {
            throw error
        } catch {
            throw .credentialProcessOutputInvalid(command: command, reason: "not JSON")
        }
        guard (object["Version"] as? NSNumber)?.intValue == 1 else {
            throw .credentialProcessOutputInvalid(command: command, reason: "\"Version\" must be 1")
        }
        guard let keyID = object["AccessKeyId"] as? String, !keyID.isEmpty else {
            throw .credentialProcessOutputInvalid(command: command, reason: "\"AccessKeyId\" is missing")
        }
        guard let secret = object["SecretAccessKey"] as? String, !secret.isEmpty else {
            throw .credentialProcessOutputInvalid(command: command, reason: "\"SecretAccessKey\" is missing")
        }
        var expiration: Date?
        if let text = object["Expiration"] as? String {
            guard let date = Self.parseISO8601(text) else {
                throw .credentialProcessOutputInvalid(command: command, reason: "\"Expiration\" '\(text)' is not an ISO 8601 date")
            }
            if date <= Date() { throw .credentialsExpired(date) }
            expiration = date
        }
        let token = (object["SessionToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }

    static func parseISO8601(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// `[section]` -> key -> value; nil when the file cannot be read. Comments start with `#` or `;`.
    func readINI(_ path: String) -> [String: [String: String]]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                    .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section]?[key] = value
        }
        return sections
    }
}
