import Foundation
import SourceDiagnostics
import Yams

/// One resource of the template, as written (its properties not resolved yet).
struct TemplateResource {
    let logicalID: String
    let type: String
    let keyNode: Node
    let node: Node
    /// `Properties`, nil when absent or not a mapping (reported).
    let properties: YAMLMapping?
    let metadata: Node?

    subscript(property: String) -> Node? { properties?[property] }
}

/// The template being read, shared by the readers of its APIs and functions: its resources (those whose
/// `Condition` holds), the one `IntrinsicResolver`, the diagnostics, and which resources a reader has read (the
/// others are warned about at the end).
final class StackTemplate {
    let file: String
    let directory: String
    let text: String
    let reader: YAMLReader
    let options: CloudFormationStack.Options
    let resolver: IntrinsicResolver
    let resources: [TemplateResource]
    let byID: [String: TemplateResource]
    let transforms: [String]
    /// The resources some reader has read.
    private var claimed: Set<String> = []

    /// Resources that change nothing a client of the API sees (permissions, roles, CDK bookkeeping, logging):
    /// read as no-ops, without a warning.
    static let inertTypes: Set<String> = [
        "AWS::CDK::Metadata", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Permission",
        "AWS::ApiGateway::Account", "AWS::Logs::LogGroup", "AWS::Lambda::Version", "AWS::Lambda::Alias",
        "AWS::ApiGateway::DocumentationPart", "AWS::ApiGateway::DocumentationVersion",
    ]

    /// Properties that change nothing a client sees, read without a warning on any resource.
    static let inertProperties: Set<String> = ["Description", "Tags"]

    init?(root: Node, text: String, file: String, directory: String, options: CloudFormationStack.Options, reader: YAMLReader) {
        self.file = file
        self.directory = directory
        self.text = text
        self.reader = reader
        self.options = options
        guard let top = reader.mapping(root, "the template"), let resourcesNode = top["Resources"],
              let resourceMap = reader.mapping(resourcesNode, "Resources") else { return nil }
        switch top["Transform"] {
        case let node?:
            transforms = node.sequence.map { $0.compactMap(\.string) } ?? node.string.map { [$0] } ?? []
        case nil:
            transforms = []
        }
        var list: [TemplateResource] = []
        for entry in resourceMap.entries {
            guard let fields = reader.mapping(entry.value, "Resources.\(entry.key)") else { continue }
            guard let typeNode = reader.require(fields, "Type", "Resources.\(entry.key)"), let type = reader.string(typeNode, "Resources.\(entry.key).Type") else { continue }
            var properties: YAMLMapping?
            if let node = fields["Properties"] { properties = reader.mapping(node, "Resources.\(entry.key).Properties") }
            list.append(TemplateResource(logicalID: entry.key, type: type, keyNode: entry.keyNode, node: entry.value,
                                         properties: properties, metadata: fields["Metadata"]))
        }
        // `Ref` of a resource is its logical id and `Fn::GetAtt [RestApi, RootResourceId]` names the API's root, unless
        // a --parameter gives a physical value; functions are the backends' names; a role's Arn is an IAM role ARN.
        var parameters = options.parameters
        for resource in list {
            if parameters.values[resource.logicalID] == nil {
                if resource.type == "AWS::ApiGateway::Model", let name = resource["Name"]?.string { parameters.values[resource.logicalID] = name }
                else { parameters.values[resource.logicalID] = resource.logicalID }
            }
            if resource.type == "AWS::ApiGateway::RestApi" { parameters.values["\(resource.logicalID).RootResourceId"] = Self.rootMarker(resource.logicalID) }
            if resource.type == "AWS::Lambda::Function" { parameters.functionNames.insert(resource.logicalID) }
            if resource.type == "AWS::IAM::Role", parameters.values["\(resource.logicalID).Arn"] == nil {
                parameters.values["\(resource.logicalID).Arn"] = "arn:\(EmulatorEnvironment.partition):iam::\(EmulatorEnvironment.accountID):role/\(resource.logicalID)"
            }
        }
        let resolver = IntrinsicResolver(template: root, parameters: parameters, reader: reader)
        self.resolver = resolver
        // A resource whose `Condition` does not hold is not created.
        resources = list.filter { resource in
            guard let conditionNode = resource.node["Condition"] else { return true }
            guard let name = conditionNode.string else {
                reader.error("\(resource.logicalID): Condition must be the name of a Conditions entry", at: conditionNode)
                return false
            }
            return resolver.holds(condition: name, at: conditionNode) ?? false
        }
        byID = Dictionary(resources.map { ($0.logicalID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What `Fn::GetAtt [api, RootResourceId]` resolves to.
    static func rootMarker(_ api: String) -> String { "\(api).RootResourceId" }

    // MARK: - Reading

    /// Marks `resource` as read.
    func claim(_ resource: TemplateResource) { claimed.insert(resource.logicalID) }

    /// The resources of `type` whose `property` refers (`Ref`) to `logicalID`, in the template's order; claimed.
    func children(of logicalID: String, type: String, through property: String) -> [TemplateResource] {
        let found = resources.filter { $0.type == type && $0[property].flatMap { reference($0) } == logicalID }
        found.forEach(claim)
        return found
    }

    /// The node with its intrinsics resolved; nil for `AWS::NoValue`.
    func resolved(_ node: Node) -> Node? { resolver.resolve(node) }

    /// A property's value as text (intrinsics resolved); an error names the resource and property.
    func string(_ node: Node, _ resource: TemplateResource, _ property: String) -> String? {
        guard let value = resolved(node) else { return nil }
        guard let text = value.scalar?.string else {
            reader.error("\(resource.logicalID) (\(resource.type)): \(property) must be a string, found \(YAMLReader.kind(of: value))", at: node)
            return nil
        }
        return text
    }

    /// A property that names another resource (`Ref X`, `Fn::GetAtt [Api, RootResourceId]`, a literal id): its value.
    func reference(_ node: Node) -> String? { resolved(node)?.scalar?.string }

    /// A property's integer value.
    func int(_ node: Node, _ resource: TemplateResource, _ property: String) -> Int? {
        guard let text = string(node, resource, property) else { return nil }
        guard let value = Int(text) else {
            reader.error("\(resource.logicalID) (\(resource.type)): \(property) must be an integer, found '\(text)'", at: node)
            return nil
        }
        return value
    }

    /// A property's boolean value.
    func bool(_ node: Node, _ resource: TemplateResource, _ property: String) -> Bool? {
        guard let text = string(node, resource, property) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            reader.error("\(resource.logicalID) (\(resource.type)): \(property) must be true or false, found '\(text)'", at: node)
            return nil
        }
    }

    /// A mapping of strings (`Variables`, `Environment.Variables`), intrinsics resolved.
    func stringMap(_ node: Node, _ resource: TemplateResource, _ property: String) -> [String: String] {
        guard let value = resolved(node) else { return [:] }
        guard case let .mapping(mapping) = value else {
            reader.error("\(resource.logicalID) (\(resource.type)): \(property) must be a mapping of strings", at: node)
            return [:]
        }
        var result: [String: String] = [:]
        for (key, item) in mapping {
            guard let name = key.string, let text = item.scalar?.string else {
                reader.error("\(resource.logicalID) (\(resource.type)): \(property) must be a mapping of strings", at: item)
                continue
            }
            result[name] = text
        }
        return result
    }

    /// A path relative to the template's directory, made absolute.
    func localPath(_ path: String) -> String {
        URL(fileURLWithPath: path.hasPrefix("/") ? path : directory + "/" + path).standardizedFileURL.path
    }

    /// The CDK asset folder or file a resource's `Metadata.aws:asset:path` names, absolute.
    func assetPath(_ resource: TemplateResource) -> String? {
        resource.metadata?["aws:asset:path"]?.string.map(localPath)
    }

    /// An `S3Bucket`/`S3Key`(/`S3ObjectVersion`) pair, or a `BodyS3Location` (`Bucket`/`Key`/`Version`).
    func s3Location(bucket: Node?, key: Node?, version: Node?, _ resource: TemplateResource, _ property: String) -> S3Location? {
        guard let bucket, let key, let bucketName = string(bucket, resource, property), let keyName = string(key, resource, property) else { return nil }
        return S3Location(bucket: bucketName, key: keyName, version: version.flatMap { string($0, resource, property) })
    }

    /// The local file an S3 location stands for: `Options.localObjects`, else a CDK asset of the template's asset
    /// manifest (`Stack.assets.json` beside `Stack.template.json`: an object key -> its `source.path`), else the
    /// file or folder the key names relative to the template's directory, when there is one.
    func localObject(_ location: S3Location) -> String? {
        if let path = options.localObjects[location] ?? options.localObjects[S3Location(bucket: location.bucket, key: location.key)] { return localPath(path) }
        if let asset = cdkAssets[location.key] { return localPath(asset) }
        let beside = localPath(location.key)
        return FileManager.default.fileExists(atPath: beside) ? beside : nil
    }

    /// The CDK asset manifest's files: object key -> source path (relative to the template's directory).
    private(set) lazy var cdkAssets: [String: String] = {
        guard file.hasSuffix(".template.json") else { return [:] }
        let manifest = localPath(URL(fileURLWithPath: file).lastPathComponent.replacingOccurrences(of: ".template.json", with: ".assets.json"))
        guard case let .success(text) = YAMLSource.readText(path: manifest), case let .success(root?) = YAMLSource.parse(text, file: manifest),
              case let .mapping(files)? = root["files"] else { return [:] }
        var keys: [String: String] = [:]
        for (_, asset) in files {
            guard let source = asset["source"]?["path"]?.string, case let .mapping(destinations)? = asset["destinations"] else { continue }
            for (_, destination) in destinations {
                if let key = destination["objectKey"]?.string { keys[key] = source }
            }
        }
        return keys
    }()

    // MARK: - Warnings

    /// A warning at `node` naming the resource.
    func warning(_ message: String, _ resource: TemplateResource, at node: Node?) {
        reader.warning("\(resource.logicalID) (\(resource.type)): \(message)", at: node ?? resource.keyNode)
    }

    /// A warning for each property of `resource` that is neither read (`read`) nor inert.
    func warnUnread(_ resource: TemplateResource, read: Set<String>, notes: [String: String] = [:]) {
        for entry in resource.properties?.entries ?? [] where !read.contains(entry.key) && !Self.inertProperties.contains(entry.key) {
            let note = notes[entry.key] ?? "not read by the emulator; ignored"
            warning("property \(entry.key) is \(note)", resource, at: entry.keyNode)
        }
    }

    /// The stages the `Stage` resources of API `apiID` declare (`type` linked through `apiKey`): each one's `StageName` and
    /// the variables under `variablesKey` (`Variables` for `AWS::ApiGateway::Stage`, `StageVariables` for
    /// `AWS::ApiGatewayV2::Stage`). Properties outside `read` warn with their `notes`; a stage without a name is an error.
    func stageResources(of apiID: String, type: String, through apiKey: String, variablesKey: String,
                        read: Set<String>, notes: [String: String]) -> [StackStage] {
        children(of: apiID, type: type, through: apiKey).compactMap { resource in
            warnUnread(resource, read: read.union([apiKey, "StageName", variablesKey]), notes: notes)
            guard let nameNode = resource["StageName"], let name = string(nameNode, resource, "StageName") else {
                reader.error("\(resource.logicalID) (\(resource.type)): StageName is required", at: resource.keyNode)
                return nil
            }
            let variables = resource[variablesKey].map { stringMap($0, resource, variablesKey) } ?? [:]
            return StackStage(logicalID: resource.logicalID, name: name, variables: variables)
        }
    }

    /// A warning for each resource no reader read, except the inert types.
    func warnUnclaimed() {
        for resource in resources where !claimed.contains(resource.logicalID) && !Self.inertTypes.contains(resource.type) {
            let node = resource.node["Type"] ?? resource.keyNode
            if resource.type.hasPrefix("AWS::Serverless::") {
                reader.warning("\(resource.logicalID): \(resource.type) is a SAM resource: read the template through the SAM transform (gatecheck emulate --template does); ignored here", at: node)
            } else if resource.type.hasPrefix("AWS::ApiGateway") {
                reader.warning("\(resource.logicalID) (\(resource.type)): not attached to an API of this template, or not emulated; ignored", at: node)
            } else {
                reader.warning("\(resource.logicalID): resource type \(resource.type) is not emulated; ignored", at: node)
            }
        }
    }
}

/// Building the OpenAPI-shaped node tree: keys and structure are new nodes carrying the position of the template
/// node they come from, values are the template's own (resolved) nodes, so the loaders' messages point into the template.
enum TreeNodes {
    static func scalar(_ text: String, at mark: Mark?) -> Node { .scalar(.init(text, Tag(.str), .plain, mark)) }

    static func mapping(_ pairs: [(String, Node)], at mark: Mark?) -> Node {
        .mapping(.init(pairs.map { (scalar($0.0, at: mark), $0.1) }, Tag(.map), .any, mark))
    }

    static func sequence(_ items: [Node], at mark: Mark?) -> Node { .sequence(.init(items, Tag(.seq), .any, mark)) }

    static func bool(_ value: Bool, at mark: Mark?) -> Node { .scalar(.init(value ? "true" : "false", Tag(.bool), .plain, mark)) }
}
