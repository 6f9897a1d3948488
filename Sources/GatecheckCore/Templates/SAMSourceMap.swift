import Foundation
import SourceDiagnostics
import Yams

/// Maps a position in the SAM transform's output (the cached `<hash>.cfn.json`) back to the user's SAM template: the
/// output's resource that holds the position, then the SAM resource it was made from, by logical id lineage as the
/// transform names what it generates (`OrdersApi` -> `OrdersApiDeployment<hash>`, `OrdersApiv1Stage`, `OrdersApiApiKey`,
/// `OrdersApiUsagePlan`; `EchoFunction` -> `EchoFunctionRole`, `EchoFunctionItemsPermissionProd`; the implicit
/// `ServerlessRestApi` / `ServerlessHttpApi` -> the first function event of type `Api` / `HttpApi` without
/// `RestApiId` / `ApiId`). A diagnostic there is re-pointed at that resource (or event) in the SAM file, the output's
/// position kept in its message.
struct SAMSourceMap: Sendable {
    /// The SAM template's path and the transform output's path.
    let samPath: String
    let outputPath: String
    /// The output's resources by the line their key is on, ascending.
    let outputResources: [(line: Int, logicalID: String)]
    /// The SAM resources' key positions by logical id.
    let samResources: [String: (line: Int, column: Int)]
    /// The longest first: prefix lookup prefers `OrdersApiV2` over `OrdersApi`.
    let samIDsByLength: [String]
    /// Where the implicit APIs come from: the first `Api` / `HttpApi` event without an API reference.
    let implicitRest: (line: Int, column: Int, name: String)?
    let implicitHTTP: (line: Int, column: Int, name: String)?

    init(samRoot: Node, samPath: String, outputPath: String) {
        self.samPath = samPath
        self.outputPath = outputPath
        var sam: [String: (line: Int, column: Int)] = [:]
        var implicitRest: (line: Int, column: Int, name: String)?, implicitHTTP: (line: Int, column: Int, name: String)?
        if case let .mapping(resources)? = samRoot["Resources"] {
            for (key, resource) in resources {
                guard let id = key.string, let mark = key.mark else { continue }
                sam[id] = (mark.line, mark.column)
                guard case let .mapping(events)? = resource["Properties"]?["Events"] else { continue }
                for (eventKey, event) in events {
                    guard let eventMark = eventKey.mark, let type = event["Type"]?.string, let name = eventKey.string else { continue }
                    let properties = event["Properties"]
                    if type == "Api", implicitRest == nil, properties?["RestApiId"] == nil {
                        implicitRest = (eventMark.line, eventMark.column, "\(id) event \(name)")
                    }
                    if type == "HttpApi", implicitHTTP == nil, properties?["ApiId"] == nil {
                        implicitHTTP = (eventMark.line, eventMark.column, "\(id) event \(name)")
                    }
                }
            }
        }
        samResources = sam
        samIDsByLength = sam.keys.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
        self.implicitRest = implicitRest
        self.implicitHTTP = implicitHTTP
        var output: [(line: Int, logicalID: String)] = []
        if case let .success(text) = YAMLSource.readText(path: outputPath), case let .success(root?) = YAMLSource.parse(text, file: outputPath),
           case let .mapping(resources)? = root["Resources"] {
            for (key, _) in resources {
                if let id = key.string, let mark = key.mark { output.append((mark.line, id)) }
            }
        }
        outputResources = output.sorted { $0.line < $1.line }
    }

    /// The SAM resource (or implicit API's event) an output resource was made from, with its position.
    func source(of outputID: String) -> (line: Int, column: Int, name: String)? {
        if let own = samResources[outputID] { return (own.line, own.column, outputID) }
        if outputID.hasPrefix("ServerlessRestApi"), let implicitRest { return implicitRest }
        if outputID.hasPrefix("ServerlessHttpApi"), let implicitHTTP { return implicitHTTP }
        guard let parent = samIDsByLength.first(where: { outputID.hasPrefix($0) }), let position = samResources[parent] else { return nil }
        return (position.line, position.column, parent)
    }

    /// The output resource whose text holds `line`.
    func outputResource(at line: Int) -> String? { outputResources.last { $0.line <= line }?.logicalID }

    /// `diagnostic` re-pointed at the SAM template when it points into the transform's output; others unchanged.
    func mapped(_ diagnostic: Diagnostic) -> Diagnostic {
        guard diagnostic.file == outputPath else { return diagnostic }
        let outputLocation = diagnostic.location
        guard let line = diagnostic.line, let outputID = outputResource(at: line), let source = source(of: outputID) else {
            var kept = diagnostic
            kept.message += " (in the SAM transform's output)"
            return kept
        }
        let made = source.name == outputID ? "" : " made from \(source.name)"
        return Diagnostic(diagnostic.severity, file: samPath, line: source.line, column: source.column,
                          message: "\(diagnostic.message) (SAM transform output \(outputLocation), resource \(outputID)\(made))")
    }

    func mapped(_ error: DiagnosticsError) -> DiagnosticsError { DiagnosticsError(error.diagnostics.map(mapped)) }
}
