import SourceDiagnostics
import Yams

/// Reads `AWS::Lambda::Function` resources: runtime, handler, where the code is, timeout, memory, environment.
struct StackFunctionReader {
    let template: StackTemplate

    static let readProperties: Set<String> = ["Runtime", "Handler", "Code", "Timeout", "MemorySize", "Environment", "FunctionName",
                                              "Role", "Architectures", "PackageType"]
    static let notes: [String: String] = [
        "Layers": "not emulated: the layers' code is not on the handler's path",
        "VpcConfig": "not emulated (the handler runs on this machine)",
        "ReservedConcurrentExecutions": "not emulated (no concurrency limit)",
        "DeadLetterConfig": "not emulated", "TracingConfig": "not emulated (no X-Ray)",
        "ImageConfig": "not emulated (container images do not run)",
        "EphemeralStorage": "not emulated", "SnapStart": "not emulated", "LoggingConfig": "not emulated",
        "KmsKeyArn": "not emulated", "FileSystemConfigs": "not emulated", "CodeSigningConfigArn": "not emulated",
        "RuntimeManagementConfig": "not emulated",
    ]

    func read(_ resource: TemplateResource) -> StackFunction? {
        guard resource.type == "AWS::Lambda::Function" else { return nil }
        template.claim(resource)
        template.warnUnread(resource, read: Self.readProperties, notes: Self.notes)
        let runtime = resource["Runtime"].flatMap { template.string($0, resource, "Runtime") }
        let handler = resource["Handler"].flatMap { template.string($0, resource, "Handler") }
        let timeout = resource["Timeout"].flatMap { template.int($0, resource, "Timeout") }
        let memory = resource["MemorySize"].flatMap { template.int($0, resource, "MemorySize") }
        var environment: [String: String] = [:]
        if let node = resource["Environment"], let fields = template.resolved(node) {
            if let variables = fields["Variables"] { environment = template.stringMap(variables, resource, "Environment.Variables") }
            for (key, _) in fields.mapping ?? [:] where key.string != "Variables" {
                template.warning("property Environment.\(key.string ?? "") is not read by the emulator; ignored", resource, at: key)
            }
        }
        return StackFunction(logicalID: resource.logicalID, runtime: runtime, handler: handler, code: code(resource),
                             timeout: timeout, memorySize: memory, environment: environment,
                             line: resource.keyNode.mark?.line, column: resource.keyNode.mark?.column)
    }

    /// The code: a CDK asset folder wins (its `Code` is the S3 object CDK uploads it to), then `ZipFile`, a local
    /// S3 object, `ImageUri`, a local path written as `Code` (what `aws cloudformation package` reads).
    private func code(_ resource: TemplateResource) -> StackFunction.Code {
        if let asset = template.assetPath(resource) { return .local(asset) }
        guard let node = resource["Code"] else {
            template.warning("has no Code: the emulator cannot run it (map it in the suite's backends:)", resource, at: resource.keyNode)
            return .none
        }
        if let path = node.scalar?.string, node.tag.rawValue.hasPrefix("!") == false { return .local(template.localPath(path)) }
        guard let fields = template.resolved(node), case .mapping = fields else {
            template.reader.error("\(resource.logicalID) (AWS::Lambda::Function): Code must be a mapping (ZipFile, S3Bucket/S3Key, ImageUri) or a local path", at: node)
            return .none
        }
        if let zip = fields["ZipFile"] {
            guard let source = zip.scalar?.string else {
                template.reader.error("\(resource.logicalID) (AWS::Lambda::Function): Code.ZipFile must be the handler's source text", at: zip)
                return .none
            }
            return .inline(source)
        }
        if let image = fields["ImageUri"]?.scalar?.string { return .image(image) }
        if let location = template.s3Location(bucket: fields["S3Bucket"], key: fields["S3Key"], version: fields["S3ObjectVersion"], resource, "Code") {
            if let local = template.localObject(location) { return .local(local) }
            return .s3(location)
        }
        template.warning("Code has none of ZipFile, S3Bucket/S3Key, ImageUri: the emulator cannot run it (map it in the suite's backends:)", resource, at: node)
        return .none
    }
}
