import SourceDiagnostics
import Yams

/// The one place that words "the emulator does not do this": every loader warning about a feature the emulator
/// does not emulate, and the log detail of a request that reaches one, go through here, so the wording (which
/// users grep for, and tests assert) stays the same everywhere.
enum Unsupported {
    /// A load-time warning's text: `not supported by the emulator yet: <feature>[; <consequence>]`.
    static func message(_ feature: String, consequence: String? = nil) -> String {
        "not supported by the emulator yet: \(feature)" + (consequence.map { "; \($0)" } ?? "")
    }

    /// The request log detail when a request reaches an unsupported integration: `not supported by the emulator: <feature>`.
    static func requestDetail(_ feature: String) -> String {
        "not supported by the emulator: \(feature)"
    }
}

extension YAMLReader {
    /// Reports a feature the emulator does not emulate as a warning at `node` (never a silent difference).
    func unsupported(_ feature: String, consequence: String? = nil, at node: Node?) {
        warning(Unsupported.message(feature, consequence: consequence), at: node)
    }

    /// Reports a feature the emulator cannot load at all as an error at `node`, in the same wording as the warnings
    /// (for what has no sensible stand-in, such as an intrinsic function the import cannot evaluate).
    func unsupportedError(_ feature: String, consequence: String? = nil, at node: Node?) {
        error(Unsupported.message(feature, consequence: consequence), at: node)
    }
}
