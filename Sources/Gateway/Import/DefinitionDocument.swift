import SourceDiagnostics
import Yams

/// A definition a loader compiles; the loader's warnings end up on it.
protocol LoadedDefinition {
    var diagnostics: [Diagnostic] { get set }
}

extension RESTAPIDefinition: LoadedDefinition {}
extension HTTPAPIDefinition: LoadedDefinition {}

/// Turns a source document into the node tree the loaders read. Today the one source format is an OpenAPI 3
/// document (YAML or JSON, as `aws apigateway get-export` / `aws apigatewayv2 export-api` write it), whose tree is
/// the document's own. An importer for another format (Swagger 2.0, a CloudFormation/SAM template with
/// intrinsics) produces the same OpenAPI 3 shaped tree, so the loaders do not change.
protocol DefinitionImporter {
    /// The tree a loader reads, built from the document's root; problems go to `reader` with their positions.
    func importTree(_ root: Node, reader: YAMLReader) -> Node?
}

/// OpenAPI 3.0 as exported by API Gateway: the tree is the document itself.
struct OpenAPI3Importer: DefinitionImporter {
    func importTree(_ root: Node, reader: YAMLReader) -> Node? { root }
}

/// The steps every loader (`RESTAPILoader`, `HTTPAPILoader`) takes with a document: read the file, parse the
/// YAML/JSON text, import it into the node tree, compile it, collect the diagnostics. Each failure is a
/// diagnostic with the file's display name, line and column.
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

    /// Parses `text`, resolves its CloudFormation intrinsics and import variables (`IntrinsicResolver`, with
    /// `parameters`), imports it with `importer`, and compiles the tree with `build`. Errors are thrown with every
    /// diagnostic; warnings are returned on the definition. An unresolvable reference stops the load before `build`
    /// (what the loader would say about the placeholder is noise).
    static func compile<Definition: LoadedDefinition>(text: String, file: String, emptyMessage: String,
                                                      parameters: ImportParameters = ImportParameters(),
                                                      importer: some DefinitionImporter = OpenAPI3Importer(),
                                                      _ build: (_ tree: Node, _ reader: YAMLReader) -> Definition?) throws(DiagnosticsError) -> Definition {
        let sink = DiagnosticSink(file: file)
        let reader = YAMLReader(sink: sink)
        let parsed = try root(of: text, file: file, emptyMessage: emptyMessage)
        let root = IntrinsicResolver.resolve(parsed, parameters: parameters, reader: reader)
        try sink.throwIfErrors()
        return try compile(resolvedTree: root, sink: sink, reader: reader, importer: importer, build)
    }

    /// Compiles a node tree whose intrinsics are already resolved (a CloudFormation template's `Body`, or the
    /// OpenAPI tree `CloudFormationStack` builds from resource-form resources); diagnostics name `file`.
    static func compile<Definition: LoadedDefinition>(tree: Node, file: String, importer: some DefinitionImporter = OpenAPI3Importer(),
                                                      _ build: (_ tree: Node, _ reader: YAMLReader) -> Definition?) throws(DiagnosticsError) -> Definition {
        let sink = DiagnosticSink(file: file)
        return try compile(resolvedTree: tree, sink: sink, reader: YAMLReader(sink: sink), importer: importer, build)
    }

    private static func compile<Definition: LoadedDefinition>(resolvedTree root: Node, sink: DiagnosticSink, reader: YAMLReader,
                                                              importer: some DefinitionImporter,
                                                              _ build: (_ tree: Node, _ reader: YAMLReader) -> Definition?) throws(DiagnosticsError) -> Definition {
        sink.append(contentsOf: JSONReferences.check(root, file: sink.file))
        let definition = importer.importTree(root, reader: reader).flatMap { build($0, reader) }
        try sink.throwIfErrors()
        guard var definition else { throw DiagnosticsError(sink.diagnostics) }
        // A shared piece read more than once (an HTTP API's `$ref`'d integration) warns once.
        var seen: Set<Diagnostic> = []
        definition.diagnostics = sink.diagnostics.filter { seen.insert($0).inserted }
        return definition
    }
}
