import ArgumentParser
import SourceDiagnostics

/// A numeric option and the sentence that says which values it takes.
enum NumericOption: String, CaseIterable {
    case jobs = "--jobs"
    case retries = "--retries"
    case maxRetryAfter = "--max-retry-after"
    case gracePeriod = "--grace-period"
    case port = "--port"

    /// The numeric options each subcommand has.
    static func options(of command: String) -> [NumericOption] {
        switch command {
        case "run": return [.jobs, .retries, .maxRetryAfter, .gracePeriod]
        case "emulate": return [.port]
        default: return []
        }
    }

    /// `--jobs must be a positive integer, got -1`.
    func message(got value: String) -> String {
        switch self {
        case .jobs: return "--jobs must be a positive integer, got \(value)"
        case .retries: return "--retries must be an integer from 0 to 10, got \(value)"
        case .maxRetryAfter, .gracePeriod: return "\(rawValue) must be a number of seconds, 0 or more, got \(value)"
        case .port: return "--port must be a port number from 0 to 65535 (0 picks a free port), got \(value)"
        }
    }
}

/// Command-line mistakes swift-argument-parser reports in a way that sends people the wrong way, caught
/// before it parses: an unknown subcommand (it says "Unexpected argument") gets the nearest command, and a
/// negative number after a numeric option (it reads `-1` as an option and says "Missing value") gets the
/// values the option takes.
enum CommandLineCheck {
    /// The subcommands `gatecheck` knows, plus ArgumentParser's `help`.
    static var commandNames: [String] {
        Gatecheck.configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The message for the first such mistake in `arguments` (without the program name), or nil.
    static func problem(in arguments: [String]) -> String? {
        if let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) {
            let commands = commandNames.filter { $0 != "help" }
            if let hint = closestMatch(to: first, among: commands) {
                return "unknown command '\(first)' (did you mean '\(hint)'?)"
            }
            return "unknown command '\(first)' (commands: \(commands.joined(separator: ", ")))"
        }
        let numeric = NumericOption.options(of: arguments.first ?? "")
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { break }
            guard let option = NumericOption(rawValue: argument), numeric.contains(option), index + 1 < arguments.count else { continue }
            let value = arguments[index + 1]
            if value.hasPrefix("-"), value.count > 1, Double(value) != nil { return option.message(got: value) }
        }
        return nil
    }
}
