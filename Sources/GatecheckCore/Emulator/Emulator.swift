import SourceDiagnostics

/// Starts the embedded API Gateway emulator for a suite (used when `gatecheck run` has no `--target`).
/// The runner calls `check` for every suite before anything runs (so a broken definition exits 2
/// without sending a request), then `start` when the suite begins and `stop` when it ends.
public protocol EmulatorProvider: Sendable {
    /// Static problems with the suite's API definition or backends, reported as diagnostics.
    func check(_ suite: Suite) -> [Diagnostic]
    /// Checks a file named on its own (`gatecheck validate api.yaml`) that is an API definition or a backends
    /// file: what it was checked as and its diagnostics, or nil when the provider does not check such files.
    func checkDefinition(path: String, text: String) -> DefinitionCheck?
    /// Serves the suite's API on loopback.
    func start(for suite: Suite) async throws(EmulatorError) -> any EmulatorInstance
}

extension EmulatorProvider {
    public func check(_ suite: Suite) -> [Diagnostic] { [] }
    public func checkDefinition(path: String, text: String) -> DefinitionCheck? { nil }
}

/// The result of checking an API definition or backends file named on its own (`gatecheck validate FILE`).
public struct DefinitionCheck: Sendable {
    /// What the file was checked as, for the error summary: "an API definition, Swagger 2.0", "a backends file".
    public var kind: String
    /// What was checked, for the success line: `REST API 'Pets' from Swagger 2.0: 3 resources, 5 methods`.
    public var summary: String
    /// Errors and warnings, with their positions.
    public var diagnostics: [Diagnostic]

    public init(kind: String, summary: String, diagnostics: [Diagnostic]) {
        self.kind = kind
        self.summary = summary
        self.diagnostics = diagnostics
    }
}

/// A running emulator serving one suite's API.
public protocol EmulatorInstance: Sendable {
    /// e.g. `http://127.0.0.1:49152/prod`: case paths are appended to it.
    var baseURL: String { get }
    /// Gateway coverage recorded while serving (nil when the instance does not record it).
    var coverage: CoverageRecording? { get }
    func stop() async
}

extension EmulatorInstance {
    public var coverage: CoverageRecording? { nil }
}

/// Why the emulator could not start; every case of the suite is then reported as an error.
public struct EmulatorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
