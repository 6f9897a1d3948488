import Backends
import Crypto
import Foundation
import Gateway
import SourceDiagnostics
import Yams

/// A SAM or CloudFormation template read for the emulator (`gatecheck emulate --template`, a suite's `template:`,
/// `gatecheck list --template`). A SAM template (`Transform: AWS::Serverless-2016-10-31`) goes through the real
/// transform first (``SAMTransform``); the CloudFormation, written or translated, is read by the one CloudFormation
/// reader (`CloudFormationStack`), so SAM and CDK/CloudFormation take the same path. Functions with code gatecheck
/// can run (python3.x, nodejsNN.x) become real-handler backends named by their logical id.
public struct TemplateStack: Sendable {
    /// The template as given.
    public let path: String
    /// The CloudFormation read (after the SAM transform for a SAM template).
    public let stack: CloudFormationStack
    /// The SAM transform's output, for a SAM template.
    public let translation: SAMTranslation?
    /// For a SAM template: positions in the transform's output mapped back to the SAM file.
    var sourceMap: SAMSourceMap?

    /// Reads the template at `path` with `parameters` (`--parameter`, a suite's `parameters:`: template parameters,
    /// conditions, `Logical.Attribute` values).
    public static func load(path: String, parameters: [String: String] = [:]) throws(DiagnosticsError) -> TemplateStack {
        let text: String
        switch YAMLSource.readText(path: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(read): text = read
        }
        let root: Node
        switch YAMLSource.parse(text, file: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case .success(nil): throw DiagnosticsError([Diagnostic(file: path, message: "empty document: expected a SAM or CloudFormation template")])
        case let .success(node?): root = node
        }
        let importParameters = ImportParameters(values: parameters)
        guard SAMTransform.declaresTransform(root) else {
            let stack = try CloudFormationStack.load(path: path, options: .init(parameters: importParameters))
            return TemplateStack(path: path, stack: stack, translation: nil)
        }
        let translation = try SAMTransform.translate(root: root, path: path, parameters: parameters)
        var localObjects: [S3Location: String] = [:]
        for object in translation.localObjects { localObjects[S3Location(bucket: object.bucket, key: object.key)] = object.folder }
        let sourceMap = SAMSourceMap(samRoot: root, samPath: path, outputPath: translation.cloudFormationPath)
        var stack: CloudFormationStack
        do {
            stack = try CloudFormationStack.load(path: translation.cloudFormationPath,
                                                 options: .init(parameters: importParameters, localObjects: localObjects))
        } catch {
            throw sourceMap.mapped(error)
        }
        // Warnings point at the user's SAM file (the resource they come from), not into the cached translation.
        stack.diagnostics = stack.diagnostics.map(sourceMap.mapped)
        // Other macros next to the SAM transform (AWS::LanguageExtensions, a stack's own) are not run.
        let others = (root["Transform"]?.sequence ?? []).compactMap { $0.scalar?.string }.filter { $0 != SAMTransform.transformName }
        if !others.isEmpty, let node = root["Transform"] {
            stack.diagnostics.insert(Diagnostic(.warning, file: path, line: node.mark?.line, column: node.mark?.column,
                                                message: "Transform \(others.joined(separator: ", ")) is not run by gatecheck (only \(SAMTransform.transformName) is); the template is read without it"), at: 0)
        }
        return TemplateStack(path: path, stack: stack, translation: translation, sourceMap: sourceMap)
    }

    /// The definition of `api` as the emulator serves it (``StackAPI/loadDefinition(parameters:)``), the template's
    /// warnings first; for a SAM template every diagnostic (and error) points into the SAM file.
    public func definition(of api: StackAPI, parameters: [String: String]) throws(DiagnosticsError) -> APIDefinition {
        do {
            let definition = try api.loadDefinition(parameters: ImportParameters(values: parameters))
            return definition.mappingDiagnostics { $0.map { sourceMap?.mapped($0) ?? $0 } }.addingDiagnostics(stack.diagnostics)
        } catch {
            throw sourceMap?.mapped(error) ?? error
        }
    }

    /// The API to serve: the one named (`--api-resource`, `api-resource:`), or the only one.
    public func api(named logicalID: String?) throws(DiagnosticsError) -> StackAPI {
        let ids = stack.apis.map(\.logicalID)
        if let logicalID {
            if let api = stack.api(logicalID) { return api }
            throw DiagnosticsError([Diagnostic(file: path, message: "the template has no API '\(logicalID)' (its APIs: \(ids.isEmpty ? "none" : ids.joined(separator: ", ")))")])
        }
        guard let only = stack.apis.first else {
            throw DiagnosticsError([Diagnostic(file: path, message: "the template declares no API (AWS::Serverless::Api / HttpApi, a function's Api/HttpApi event, AWS::ApiGateway::RestApi, AWS::ApiGatewayV2::Api)")])
        }
        guard stack.apis.count == 1 else {
            throw DiagnosticsError([Diagnostic(file: path, message: "the template declares \(ids.count) APIs (\(ids.joined(separator: ", "))): name the one to serve with `api-resource:` (a suite) or --api-resource")])
        }
        return only
    }

    /// The functions as backends: each one gatecheck can run becomes a real handler named by its logical id; the
    /// others are listed in `unrunnable` with why (a start-up error when the API invokes them and `backends:` does not
    /// map them).
    public func functionBackends() -> (backends: BackendsConfiguration, unrunnable: [String: Diagnostic]) {
        var lambdas: [(name: String, definition: LambdaDefinition)] = []
        var unrunnable: [String: Diagnostic] = [:]
        for function in stack.functions {
            switch Self.handlerSpec(function, inlineDirectory: SAMTransform.cacheDirectory + "/../inline-code") {
            case let .success(spec): lambdas.append((function.logicalID, .handler(spec)))
            case let .failure(reason):
                let diagnostic = Diagnostic(file: stack.file, line: function.line, column: function.column,
                                            message: "function \(function.logicalID): \(reason.message); map it in the suite's `backends:` "
                                                + "(e.g. `lambdas: { \(function.logicalID): { script: [...] } }`) or in --backends")
                unrunnable[function.logicalID] = sourceMap?.mapped(diagnostic) ?? diagnostic
            }
        }
        return (BackendsConfiguration(lambdas: lambdas, source: path), unrunnable)
    }

    /// Why a function cannot run here.
    public struct Unrunnable: Error, Sendable {
        public var message: String
    }

    /// The backends of the template for serving the API `logicalID` (nil: the only one): its functions
    /// (``functionBackends()``) and the API keys and usage plans of that API (`AWS::ApiGateway::ApiKey` / `UsagePlan` /
    /// `UsagePlanKey`, SAM's `Auth.UsagePlan`). A suite's `backends:` is merged over them (its `apiKeys:` / `usagePlans:`
    /// replace the template's).
    public func backends(forAPI logicalID: String?) -> BackendsConfiguration {
        var backends = functionBackends().backends
        if let id = logicalID ?? (stack.apis.count == 1 ? stack.apis.first?.logicalID : nil) {
            backends.usagePlans = stack.usagePlans.settings(forAPI: id)
        }
        return backends
    }

    /// The handler spec of a function: python3.x / nodejsNN.x, a handler `module.function` in its code folder (or
    /// `ZipFile` source written to `inlineDirectory`), its timeout, memory size and environment variables.
    static func handlerSpec(_ function: StackFunction, inlineDirectory: String) -> Result<HandlerSpec, Unrunnable> {
        guard let runtimeName = function.runtime else {
            if case let .image(uri) = function.code { return .failure(Unrunnable(message: "it is a container image (\(uri)), which gatecheck does not run")) }
            return .failure(Unrunnable(message: "it has no Runtime"))
        }
        let runtime: HandlerSpec.Runtime
        if runtimeName.hasPrefix("python3") { runtime = .python } else if runtimeName.hasPrefix("nodejs") { runtime = .node } else {
            return .failure(Unrunnable(message: "runtime \(runtimeName) does not run in gatecheck (it runs python3.x and nodejsNN.x handlers)"))
        }
        guard let handler = function.handler, let dot = runtime == .python ? handler.lastIndex(of: ".") : handler.firstDot(afterLastSlash: true) else {
            return .failure(Unrunnable(message: "Handler '\(function.handler ?? "")' is not module.function"))
        }
        let module = String(handler[..<dot]), name = String(handler[handler.index(after: dot)...])
        let relative = runtime == .python ? module.replacingOccurrences(of: ".", with: "/") : module
        let extensions = runtime == .python ? ["py"] : ["js", "mjs", "cjs"]
        let folder: String
        switch function.code {
        case let .local(path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                return .failure(Unrunnable(message: "its code folder \(path) does not exist"))
            }
            guard isDirectory.boolValue else { return .failure(Unrunnable(message: "its code \(path) is a file (an archive?); gatecheck runs handlers from a folder")) }
            folder = path
        case let .inline(source):
            var hasher = SHA256()
            hasher.update(data: Array(source.utf8))
            let key = hasher.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
            folder = URL(fileURLWithPath: inlineDirectory + "/" + key).standardizedFileURL.path
            let file = folder + "/" + relative + "." + (runtime == .python ? "py" : "js")
            try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if FileManager.default.contents(atPath: file) != Data(source.utf8) {
                guard FileManager.default.createFile(atPath: file, contents: Data(source.utf8)) else {
                    return .failure(Unrunnable(message: "its InlineCode cannot be written to \(file)"))
                }
            }
        case let .s3(location):
            return .failure(Unrunnable(message: "its code is in S3 (\(location)), which gatecheck does not download"))
        case let .image(uri):
            return .failure(Unrunnable(message: "it is a container image (\(uri)), which gatecheck does not run"))
        case .none:
            return .failure(Unrunnable(message: "it has no code gatecheck can find"))
        }
        guard let file = extensions.map({ folder + "/" + relative + "." + $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            return .failure(Unrunnable(message: "Handler '\(handler)': no \(relative).\(extensions.joined(separator: "/")) in \(folder)"))
        }
        return .success(HandlerSpec(runtime: runtime, file: file, function: name, timeout: .seconds(function.timeout ?? 3),
                                    environment: function.environment, memoryMB: function.memorySize ?? 128))
    }
}

extension String {
    /// Node's handler split point: the first `.` after the last `/` (`src/index.handler` -> `src/index`, `handler`).
    fileprivate func firstDot(afterLastSlash: Bool) -> String.Index? {
        let start = lastIndex(of: "/").map { index(after: $0) } ?? startIndex
        return self[start...].firstIndex(of: ".")
    }
}

extension StackAPI {
    /// The stage the emulator serves: the first stage resource (SAM's `{Api}{StageName}Stage`), else the first stage
    /// a Deployment or quick create makes.
    public var servedStage: StackStage? { stages.first { $0.logicalID != nil } ?? stages.first }
}

extension APIDefinition {
    /// The definition with `extra` warnings first (the template's, before the API's own).
    func addingDiagnostics(_ extra: [Diagnostic]) -> APIDefinition {
        guard !extra.isEmpty else { return self }
        return mappingDiagnostics { extra + $0 }
    }

    /// The definition with its diagnostics transformed.
    func mappingDiagnostics(_ transform: ([Diagnostic]) -> [Diagnostic]) -> APIDefinition {
        switch self {
        case var .rest(definition):
            definition.diagnostics = transform(definition.diagnostics)
            return .rest(definition)
        case var .http(definition):
            definition.diagnostics = transform(definition.diagnostics)
            return .http(definition)
        }
    }
}
