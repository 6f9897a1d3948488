import SourceDiagnostics
import Yams

/// The first steps both loaders (`RESTAPILoader`, `HTTPAPILoader`) take with an OpenAPI document: read the file,
/// parse the YAML/JSON text into its root node, each failure a diagnostic with the file's display name.
enum DefinitionDocument {
    /// Reads the file at `path` (shown as `displayName`, or `path`) and hands its text and display name to `load`.
    static func loadFile<Definition>(path: String, displayName: String?,
                                     _ load: (_ text: String, _ file: String) throws(DiagnosticsError) -> Definition) throws(DiagnosticsError) -> Definition {
        let file = displayName ?? path
        switch YAMLSource.readText(path: path, displayName: file) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(text): return try load(text, file)
        }
    }

    /// The root node of `text`; a parse error, or `emptyMessage` for an empty document, is thrown as a diagnostic.
    static func root(of text: String, file: String, emptyMessage: String) throws(DiagnosticsError) -> Node {
        switch YAMLSource.parse(text, file: file) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case .success(nil): throw DiagnosticsError([Diagnostic(file: file, message: emptyMessage)])
        case let .success(node?): return node
        }
    }
}
