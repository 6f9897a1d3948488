import Crypto
import Foundation
import Gateway
import JSONCore
import OrderedCollections
import SourceDiagnostics
import Yams

/// A SAM template turned into CloudFormation by the real `AWS::Serverless` transform (`aws-sam-translator`).
public struct SAMTranslation: Sendable {
    /// The CloudFormation template the transform made (JSON).
    public var cloudFormation: JSONValue
    /// Where that template is stored (the cache file), for readers that take a path.
    public var cloudFormationPath: String
    /// Function logical id (`AWS::Lambda::Function` of the output) -> absolute path of its local code folder
    /// (the `CodeUri` it was written with, `Globals` applied).
    public var localCode: [String: String]
    /// The placeholder S3 objects of the output's `Code` -> the local folders they stand for.
    public var localObjects: [(bucket: String, key: String, folder: String)]
    /// True when the answer came from the cache.
    public var fromCache: Bool
}

/// Runs a SAM template through `aws-sam-translator` in a Python worker (``SAMTransformWorker``), offline:
///
/// - Before the transform, what the transform would fetch from S3 is read from disk: `Fn::Transform: AWS::Include`
///   with a local `Location` is replaced by that file, an `AWS::Serverless::Api` / `HttpApi`'s local `DefinitionUri`
///   becomes its `DefinitionBody`, and each local `CodeUri` (of a function or of `Globals.Function`) is replaced by a
///   placeholder S3 location, mapped back to the folder in the output's `Code` (``SAMTranslation/localCode``).
/// - YAML short forms (`!Ref`, `!Sub`, `!GetAtt A.B`, ...) are sent in their long form.
/// - The answer is cached by the hash of what was sent (the prepared template, the parameters, the translator version
///   gatecheck pins) in `$GATECHECK_CACHE_DIR/sam-transform/` (default `~/.cache/gatecheck/sam-transform/`).
/// - A template the translator rejects is a diagnostic per message, at the resource it names.
public enum SAMTransform {
    static let transformName = "AWS::Serverless-2016-10-31"
    /// The S3 bucket of the placeholder locations local `CodeUri` folders are sent as.
    static let placeholderBucket = "gatecheck-local-code"

    /// True when the template is a SAM template: it declares the SAM transform (`Transform: AWS::Serverless-2016-10-31`,
    /// alone or in a list), or it has `AWS::Serverless::*` resources (SAM CLI translates those without the line too).
    public static func declaresTransform(_ root: Node) -> Bool {
        if let transform = root["Transform"] {
            if transform.scalar?.string == transformName { return true }
            if transform.sequence?.contains(where: { $0.scalar?.string == transformName }) == true { return true }
        }
        return root["Resources"]?.mapping?.contains { $0.value["Type"]?.scalar?.string.hasPrefix("AWS::Serverless::") == true } ?? false
    }

    /// The cache directory: `$GATECHECK_CACHE_DIR/sam-transform`, else `$XDG_CACHE_HOME/gatecheck/sam-transform`,
    /// else `~/.cache/gatecheck/sam-transform`.
    public static var cacheDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let root = environment["GATECHECK_CACHE_DIR"], !root.isEmpty { return root + "/sam-transform" }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/gatecheck/sam-transform" }
        return NSHomeDirectory() + "/.cache/gatecheck/sam-transform"
    }

    /// Reads the template at `path` and translates it (see `translate(root:path:parameters:cacheDirectory:)`).
    public static func translate(path: String, parameters: [String: String] = [:],
                                 cacheDirectory: String = SAMTransform.cacheDirectory) throws(DiagnosticsError) -> SAMTranslation {
        let text: String
        switch YAMLSource.readText(path: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(read): text = read
        }
        switch YAMLSource.parse(text, file: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case .success(nil): throw DiagnosticsError([Diagnostic(file: path, message: "empty document: expected a SAM template")])
        case let .success(root?): return try translate(root: root, path: path, parameters: parameters, cacheDirectory: cacheDirectory)
        }
    }

    /// Translates the SAM template `root` (read from `path`) with `parameters` (`--parameter`, a suite's `parameters:`).
    public static func translate(root: Node, path: String, parameters: [String: String],
                                 cacheDirectory: String = SAMTransform.cacheDirectory) throws(DiagnosticsError) -> SAMTranslation {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var preparation = Preparation(directory: directory, file: path)
        let prepared = preparation.template(root)
        if !preparation.problems.isEmpty { throw DiagnosticsError(preparation.problems) }

        var parameterValues = OrderedDictionary<String, JSONValue>()
        for (name, value) in EmulatedAWSEnvironment.pseudoParameters.sorted(by: { $0.key < $1.key }) { parameterValues[name] = .string(value) }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) { parameterValues[name] = .string(value) }
        let request = JSONValue.object(["template": prepared, "parameters": .object(parameterValues), "region": .string(EmulatedAWSEnvironment.region)])
        let requestText = request.serialized()
        var hasher = SHA256()
        hasher.update(data: Array(SAMTransformWorker.pinnedTranslatorVersion.utf8))
        hasher.update(data: Array(SAMTransformWorker.script.utf8))
        hasher.update(data: Array(requestText.utf8))
        let key = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let cachePath = cacheDirectory + "/\(key).cfn.json"

        var fromCache = true
        let cloudFormation: JSONValue
        if let data = FileManager.default.contents(atPath: cachePath), let cached = try? JSONValue.parse(bytes: [UInt8](data)) {
            cloudFormation = cached
        } else {
            fromCache = false
            let output: [UInt8]
            do { output = try SAMTransformWorker.run(request: Array(requestText.utf8)) } catch {
                throw DiagnosticsError([Diagnostic(file: path, message: error.message)])
            }
            let answer: JSONValue
            do { answer = try JSONValue.parse(bytes: output) } catch {
                throw DiagnosticsError([Diagnostic(file: path, message: "the SAM transform answered something that is not JSON (\(error.message))")])
            }
            if case let .array(errors)? = answer["errors"] {
                throw DiagnosticsError(errors.map { entry in
                    let resource = entry["resource"]?.stringValue
                    let at = resource.flatMap { id in root["Resources"]?.mapping?.first(where: { $0.key.scalar?.string == id })?.key.mark }
                    return Diagnostic(file: path, line: at?.line, column: at?.column,
                                      message: "the SAM transform rejects the template: \(entry["message"]?.stringValue ?? "(no message)")")
                })
            }
            guard let template = answer["template"] else {
                throw DiagnosticsError([Diagnostic(file: path, message: "the SAM transform answered without a template")])
            }
            cloudFormation = template
        }
        let localCode = localCode(in: cloudFormation, folders: preparation.codeFolders)
        if !fromCache {
            // A cache that cannot be written only costs the next run the transform again.
            try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: cachePath, contents: Data(cloudFormation.serialized(.pretty).utf8))
        }
        return SAMTranslation(cloudFormation: cloudFormation, cloudFormationPath: cachePath, localCode: localCode,
                              localObjects: preparation.codeFolders.sorted { $0.key < $1.key }.map { (placeholderBucket, $0.key, $0.value) }, fromCache: fromCache)
    }

    /// The functions whose `Code` is a placeholder location, with their folders.
    static func localCode(in template: JSONValue, folders: [String: String]) -> [String: String] {
        guard case let .object(resources)? = template["Resources"] else { return [:] }
        var localCode: [String: String] = [:]
        for (id, resource) in resources where resource["Type"]?.stringValue == "AWS::Lambda::Function" {
            guard resource["Properties"]?["Code"]?["S3Bucket"]?.stringValue == placeholderBucket,
                  let key = resource["Properties"]?["Code"]?["S3Key"]?.stringValue, let folder = folders[key] else { continue }
            localCode[id] = folder
        }
        return localCode
    }

    /// Builds the JSON the transform reads from the YAML tree, doing what the transform would do with S3 locally.
    struct Preparation {
        let directory: String
        let file: String
        var problems: [Diagnostic] = []
        /// Placeholder S3 key -> absolute code folder.
        var codeFolders: [String: String] = [:]
        /// Files being included (to refuse an include cycle).
        var including: [String] = []

        init(directory: String, file: String) {
            self.directory = directory
            self.file = file
        }

        mutating func problem(_ message: String, at node: Node?) {
            problems.append(Diagnostic(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message))
        }

        mutating func template(_ root: Node) -> JSONValue {
            guard case let .mapping(top) = root else { return json(root) }
            var result = OrderedDictionary<String, JSONValue>()
            for (keyNode, value) in top {
                let key = keyNode.scalar?.string ?? ""
                switch key {
                case "Resources": result[key] = resources(value)
                case "Globals": result[key] = globals(value)
                default: result[key] = json(value)
                }
            }
            return .object(result)
        }

        mutating func resources(_ node: Node) -> JSONValue {
            guard case let .mapping(entries) = node else { return json(node) }
            var result = OrderedDictionary<String, JSONValue>()
            for (keyNode, resource) in entries {
                let id = keyNode.scalar?.string ?? ""
                let type = resource["Type"]?.scalar?.string ?? ""
                guard case var .object(fields) = json(resource), case var .object(properties)? = fields["Properties"] else {
                    result[id] = json(resource)
                    continue
                }
                switch type {
                case "AWS::Serverless::Function":
                    if let uri = resource["Properties"]?["CodeUri"] { properties["CodeUri"] = codeLocation(uri, owner: id) }
                case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
                    if let uri = resource["Properties"]?["DefinitionUri"], let path = uri.scalar?.string, !path.hasPrefix("s3://"),
                       uri.tag.rawValue.hasPrefix("!") == false {
                        if let body = include(path, at: uri, what: "\(id).DefinitionUri") {
                            properties.removeValue(forKey: "DefinitionUri")
                            properties["DefinitionBody"] = body
                        }
                    }
                default:
                    break
                }
                fields["Properties"] = .object(properties)
                result[id] = .object(fields)
            }
            return .object(result)
        }

        mutating func globals(_ node: Node) -> JSONValue {
            guard case var .object(sections) = json(node) else { return json(node) }
            if case var .object(function)? = sections["Function"], let uri = node["Function"]?["CodeUri"] {
                function["CodeUri"] = codeLocation(uri, owner: "Globals.Function")
                sections["Function"] = .object(function)
            }
            return .object(sections)
        }

        /// A local `CodeUri` folder as a placeholder S3 location; an S3 one as written.
        mutating func codeLocation(_ node: Node, owner: String) -> JSONValue {
            guard let path = node.scalar?.string, node.tag.rawValue.hasPrefix("!") == false, !path.hasPrefix("s3://") else { return json(node) }
            let folder = URL(fileURLWithPath: path.hasPrefix("/") ? path : directory + "/" + path).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
                problem("\(owner): CodeUri '\(path)' does not exist (looked for \(folder))", at: node)
            } else if !isDirectory.boolValue {
                problem("\(owner): CodeUri '\(path)' is a file; gatecheck runs handlers from a code folder (give the folder, not a .zip)", at: node)
            }
            let key = "code-\(codeFolders.count + 1)"
            codeFolders[key] = folder
            return .string("s3://\(SAMTransform.placeholderBucket)/\(key)")
        }

        /// The parsed content of a local file named by `AWS::Include` or `DefinitionUri` (relative to the template).
        mutating func include(_ location: String, at node: Node, what: String) -> JSONValue? {
            let path = URL(fileURLWithPath: location.hasPrefix("/") ? location : directory + "/" + location).standardizedFileURL.path
            if including.contains(path) { problem("\(what): \(location) includes itself", at: node); return nil }
            let text: String
            switch YAMLSource.readText(path: path, displayName: location) {
            case let .failure(diagnostic): problem("\(what): cannot read \(location): \(diagnostic.message)", at: node); return nil
            case let .success(read): text = read
            }
            switch YAMLSource.parse(text, file: path) {
            case let .failure(diagnostic): problems.append(diagnostic); return nil
            case .success(nil): problem("\(what): \(location) is empty", at: node); return nil
            case let .success(included?):
                including.append(path)
                defer { including.removeLast() }
                return json(included)
            }
        }

        /// The JSON of a node: YAML short forms in their long form, a local `AWS::Include` inlined.
        mutating func json(_ node: Node) -> JSONValue {
            let tag = node.tag.rawValue
            if tag.hasPrefix("!"), !tag.hasPrefix("!!") {
                let short = String(tag.dropFirst())
                let name = short == "Ref" || short == "Condition" ? short : "Fn::" + short
                var argument = untaggedJSON(node)
                if name == "Fn::GetAtt", case let .string(dotted) = argument, let dot = dotted.firstIndex(of: ".") {
                    argument = .array([.string(String(dotted[..<dot])), .string(String(dotted[dotted.index(after: dot)...]))])
                }
                if name == "Fn::Transform", let inlined = localInclude(argument, at: node) { return inlined }
                return .object([name: argument])
            }
            switch node {
            case let .scalar(scalar): return Self.scalarJSON(scalar)
            case let .sequence(items): return .array(items.map { json($0) })
            case let .mapping(entries):
                if entries.count == 1, entries.first?.key.scalar?.string == "Fn::Transform",
                   let value = entries.first?.value, let inlined = localInclude(json(value), at: value) {
                    return inlined
                }
                var result = OrderedDictionary<String, JSONValue>()
                for (key, value) in entries { result[key.scalar?.string ?? ""] = json(value) }
                return .object(result)
            case .alias: return .null
            }
        }

        mutating func untaggedJSON(_ node: Node) -> JSONValue {
            switch node {
            case let .scalar(scalar): return .string(scalar.string)
            case let .sequence(items): return .array(items.map { json($0) })
            case let .mapping(entries):
                var result = OrderedDictionary<String, JSONValue>()
                for (key, value) in entries { result[key.scalar?.string ?? ""] = json(value) }
                return .object(result)
            case .alias: return .null
            }
        }

        /// `{Name: AWS::Include, Parameters: {Location: local}}` inlined; nil for anything else (sent as written).
        mutating func localInclude(_ argument: JSONValue, at node: Node) -> JSONValue? {
            guard argument["Name"]?.stringValue == "AWS::Include", let location = argument["Parameters"]?["Location"]?.stringValue,
                  !location.hasPrefix("s3://") else { return nil }
            return include(location, at: node, what: "Fn::Transform AWS::Include")
        }

        static func scalarJSON(_ scalar: Node.Scalar) -> JSONValue {
            if scalar.style == .plain {
                switch scalar.tag.rawValue {
                case "tag:yaml.org,2002:null": return .null
                case "tag:yaml.org,2002:bool": if let flag = Bool.construct(from: scalar) { return .bool(flag) }
                case "tag:yaml.org,2002:int": if let number = Int.construct(from: scalar) { return .int(Int64(number)) }
                case "tag:yaml.org,2002:float": if let number = Double.construct(from: scalar), number.isFinite { return .double(number) }
                default: break
                }
            }
            return .string(scalar.string)
        }
    }
}
