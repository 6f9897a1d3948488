import SourceDiagnostics
import Yams

/// What the REST and HTTP API readers share: the `Body` / `BodyS3Location` forms.
struct BodyForm {
    let template: StackTemplate
    let api: TemplateResource

    /// The definition from `Body` (inline, or `Fn::Transform AWS::Include` of a local file) or `BodyS3Location`
    /// (a local object), with its form; nil when the API has neither.
    func read() -> (StackAPI.Form, StackAPI.Definition)? {
        if let body = api["Body"] {
            if let location = includeLocation(body) {
                guard !location.hasPrefix("s3://") else {
                    return unavailable("Body includes \(location) (Fn::Transform AWS::Include), which is not a local file", at: body)
                }
                let path = template.localPath(location)
                return (.file(path), .file(path))
            }
            guard let tree = template.resolved(body) else { return nil }
            guard case .mapping = tree else {
                template.reader.error("\(api.logicalID) (\(api.type)): Body must be an OpenAPI document (a mapping)", at: body)
                return nil
            }
            return (.body, .tree(tree, file: template.file, text: template.text))
        }
        if let node = api["BodyS3Location"] {
            if let asset = template.assetPath(api) { return (.file(asset), .file(asset)) }
            guard let fields = template.resolved(node), case .mapping = fields,
                  let location = template.s3Location(bucket: fields["Bucket"], key: fields["Key"], version: fields["Version"], api, "BodyS3Location") else {
                template.reader.error("\(api.logicalID) (\(api.type)): BodyS3Location must have Bucket and Key", at: node)
                return nil
            }
            if let local = template.localObject(location) { return (.file(local), .file(local)) }
            return unavailable("BodyS3Location \(location) is not a local file (map it to one, or write the definition as Body)", at: node)
        }
        return nil
    }

    /// The `Location` of `Fn::Transform: {Name: AWS::Include, Parameters: {Location}}`.
    private func includeLocation(_ node: Node) -> String? {
        let transform = node.tag.rawValue == "!Transform" ? node : node["Fn::Transform"]
        guard let transform, transform["Name"]?.string == "AWS::Include", let location = transform["Parameters"]?["Location"] else { return nil }
        return template.string(location, api, "Body.Fn::Transform.Parameters.Location")
    }

    private func unavailable(_ message: String, at node: Node) -> (StackAPI.Form, StackAPI.Definition) {
        template.warning("\(message); the API cannot be served", api, at: node)
        let diagnostic = Diagnostic(file: template.file, line: node.mark?.line, column: node.mark?.column,
                                    message: "\(api.logicalID) (\(api.type)): \(message)")
        return (.body, .unavailable(diagnostic))
    }
}

extension StackAPI {
    /// An API read from `resource`.
    init(resource: TemplateResource, file: String, kind: Kind, form: Form, definition: Definition, stages: [StackStage], cors: HTTPAPICorsOverride? = nil,
         resourceIDs: [String] = []) {
        self.init(logicalID: resource.logicalID, kind: kind, form: form, file: file, stages: stages, cors: cors, resourceIDs: resourceIDs,
                  line: resource.keyNode.mark?.line, column: resource.keyNode.mark?.column, definition: definition)
    }
}
