import Foundation
import SourceDiagnostics
import Yams

/// Resolves CloudFormation intrinsic functions and API Gateway's import variables in a definition's node tree,
/// before a loader reads it, so every place a string is expected (title, uri, credentials, request templates,
/// request parameters, policies, ...) sees plain text. The one place the emulator does this.
///
/// - Intrinsics, in their long (`{"Fn::Sub": ...}`) and YAML tag (`!Sub ...`) forms: `Fn::Sub` (string and
///   `[string, {variables}]`), `Ref`, `Fn::GetAtt` (`[Logical, Attribute]` and `Logical.Attribute`), `Fn::Join`,
///   `Fn::Select`, `Fn::Split`, `Fn::If` (conditions from `--parameter NAME=true|false` or a `Conditions:` section
///   with `Fn::Equals`/`Fn::And`/`Fn::Or`/`Fn::Not`/`Condition`), `Fn::ImportValue`, `Fn::FindInMap` (a
///   `Mappings:` section), `Fn::Base64`, and `Ref AWS::NoValue` (which removes the key or list item).
/// - Names, in this order: `ImportParameters.values` (`--parameter`, a suite's `parameters:`), the pseudo
///   parameters of `EmulatorEnvironment`, a `Parameters:` section's `Default`, the backends' function names (`Ref Fn`
///   is `Fn`); `Logical.Arn` is the ARN of a Lambda function named `Logical` (what the backends file maps).
/// - In plain strings (API Gateway's import, Developer Guide "import-api-aws-variables"): `${AWS::Region}`,
///   `${AWS::AccountId}`, `${AWS::Partition}` are substituted; `${stageVariables.x}` is kept for request time, as is
///   every other `${...}` (a mapping template's own).
///
/// Problems are reported to the reader with the position of the node that holds them; a reference nothing resolves
/// is an error naming it and the `--parameter` that would resolve it.
struct IntrinsicResolver {
    let reader: YAMLReader
    let parameters: ImportParameters
    /// A `Conditions:` section's entries (for a whole template; an OpenAPI body gets conditions from parameters).
    private var conditions: [String: Node] = [:]
    /// A `Parameters:` section's `Default`s.
    private var defaults: [String: String] = [:]
    /// A `Mappings:` section.
    private var mappings: Node?

    /// The CloudFormation sections a definition may carry; read here and removed from the tree the loaders see.
    static let templateSections: Set<String> = ["Conditions", "Parameters", "Mappings"]

    /// Names the long form and the tag form (`!Name`) are known by.
    static let functionNames: Set<String> = [
        "Ref", "Condition", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::If", "Fn::ImportValue",
        "Fn::FindInMap", "Fn::Base64", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::GetAZs", "Fn::Cidr",
        "Fn::Length", "Fn::ToJsonString", "Fn::Transform",
    ]

    /// Import variables API Gateway substitutes in plain strings.
    static let importVariables = ["AWS::Region": EmulatorEnvironment.region, "AWS::AccountId": EmulatorEnvironment.accountID,
                                  "AWS::Partition": EmulatorEnvironment.partition]
    /// CloudFormation pseudo parameters (`Ref` and `${...}` in `Fn::Sub`).
    static let pseudoParameters = importVariables.merging([
        "AWS::URLSuffix": EmulatorEnvironment.urlSuffix, "AWS::StackName": EmulatorEnvironment.stackName,
        "AWS::StackId": "arn:\(EmulatorEnvironment.partition):cloudformation:\(EmulatorEnvironment.region):\(EmulatorEnvironment.accountID):stack/\(EmulatorEnvironment.stackName)/00000000-0000-0000-0000-000000000000",
        "AWS::NotificationARNs": "",
    ]) { old, _ in old }

    init(reader: YAMLReader, parameters: ImportParameters) {
        self.reader = reader
        self.parameters = parameters
    }

    /// A resolver that knows the `Conditions:`, `Parameters:` and `Mappings:` sections of `template` (a whole
    /// CloudFormation template, or a definition that carries them).
    init(template: Node, parameters: ImportParameters, reader: YAMLReader) {
        self.init(reader: reader, parameters: parameters)
        guard case let .mapping(top) = template else { return }
        for (key, value) in top {
            guard let name = key.scalar?.string, Self.templateSections.contains(name), case let .mapping(section) = value else { continue }
            switch name {
            case "Conditions":
                for (condition, body) in section { if let text = condition.scalar?.string { conditions[text] = body } }
            case "Parameters":
                for (parameter, body) in section {
                    guard let text = parameter.scalar?.string, case let .mapping(fields) = body,
                          let value = fields.first(where: { $0.key.scalar?.string == "Default" })?.value.scalar?.string else { continue }
                    defaults[text] = value
                }
            default:
                mappings = value
            }
        }
    }

    /// The document with every intrinsic resolved and the template sections removed.
    static func resolve(_ root: Node, parameters: ImportParameters, reader: YAMLReader) -> Node {
        let resolver = IntrinsicResolver(template: root, parameters: parameters, reader: reader)
        guard case let .mapping(top) = root else { return resolver.resolve(root) ?? root }
        let kept = top.filter { key, value in
            guard let name = key.scalar?.string, templateSections.contains(name), case .mapping = value else { return true }
            return false
        }
        let document = Node.mapping(.init(kept.map { ($0.key, $0.value) }, top.tag, top.style, top.mark))
        return resolver.resolve(document) ?? document
    }

    /// Whether the condition `name` (a resource's `Condition:`) holds; nil after an error reported at `node`.
    func holds(condition name: String, at node: Node) -> Bool? {
        condition(named: name, at: node)
    }

    // MARK: - Walking the tree

    /// The node with its intrinsics resolved; nil for `Ref AWS::NoValue` (the caller drops the key or item).
    func resolve(_ node: Node) -> Node? {
        if let call = Self.call(in: node) { return evaluate(call) }
        switch node {
        case let .scalar(scalar):
            guard scalar.string.contains("${AWS::") else { return node }
            return .scalar(.init(substituteImportVariables(scalar.string), scalar.tag, scalar.style, scalar.mark))
        case let .mapping(mapping):
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping {
                if let resolved = resolve(value) { pairs.append((key, resolved)) }
            }
            return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
        case let .sequence(sequence):
            return .sequence(.init(sequence.compactMap { resolve($0) }, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    /// An intrinsic function call: its name (long form), argument, and the node written.
    struct Call {
        var name: String
        var argument: Node
        var node: Node
    }

    /// The call `node` is: a one-key mapping `{Fn::X: argument}` / `{Ref: name}`, or a node tagged `!X`.
    static func call(in node: Node) -> Call? {
        let tag = node.tag.rawValue
        if tag.hasPrefix("!"), !tag.hasPrefix("!!") {
            let short = String(tag.dropFirst())
            let name = ["Ref", "Condition"].contains(short) ? short : "Fn::" + short
            guard functionNames.contains(name) else { return nil }
            return Call(name: name, argument: untagged(node), node: node)
        }
        guard case let .mapping(mapping) = node, mapping.count == 1, let (key, value) = mapping.first,
              let name = key.scalar?.string, functionNames.contains(name), name != "Condition" else { return nil }
        // `Ref` is a common property name in JSON schemas: only a scalar argument makes it the intrinsic.
        if name == "Ref", value.scalar == nil, call(in: value) == nil { return nil }
        return Call(name: name, argument: value, node: node)
    }

    /// The node without its tag (the argument of `!Sub ...`).
    static func untagged(_ node: Node) -> Node {
        switch node {
        case let .scalar(scalar): return .scalar(.init(scalar.string, .implicit, scalar.style, scalar.mark))
        case let .mapping(mapping): return .mapping(.init(Array(mapping).map { ($0.key, $0.value) }, .implicit, mapping.style, mapping.mark))
        case let .sequence(sequence): return .sequence(.init(Array(sequence), .implicit, sequence.style, sequence.mark))
        case .alias: return node
        }
    }

    // MARK: - Functions

    /// The value of one call; nil for `AWS::NoValue`. After an error, an empty string stands for the value (the
    /// load fails with the error reported).
    func evaluate(_ call: Call) -> Node? {
        let at = call.argument
        switch call.name {
        case "Ref":
            guard let name = string(at, call) else { return failed(call) }
            if name == "AWS::NoValue" { return nil }
            guard let value = reference(name) else {
                unresolved(name, in: "Ref", at: at)
                return failed(call)
            }
            return text(value, call)
        case "Fn::Sub":
            return sub(call).map { text($0, call) } ?? failed(call)
        case "Fn::GetAtt":
            guard let (logical, attribute) = getAttArguments(call) else { return failed(call) }
            guard let value = attributeValue(logical, attribute) else {
                unresolved("\(logical).\(attribute)", in: "Fn::GetAtt", at: at)
                return failed(call)
            }
            return text(value, call)
        case "Fn::Join":
            guard let items = arguments(call, count: 2, shape: "[delimiter, [values]]"),
                  let delimiter = string(items[0], call), let values = list(items[1], call) else { return failed(call) }
            var parts: [String] = []
            for value in values {
                guard let part = string(value, call) else { return failed(call) }
                parts.append(part)
            }
            return text(parts.joined(separator: delimiter), call)
        case "Fn::Select":
            guard let items = arguments(call, count: 2, shape: "[index, [values]]"),
                  let indexText = string(items[0], call), let values = list(items[1], call) else { return failed(call) }
            guard let index = Int(indexText), values.indices.contains(index) else {
                reader.error("Fn::Select index '\(indexText)' is out of range: the list has \(values.count) item(s) (indexes start at 0)", at: items[0])
                return failed(call)
            }
            return values[index]
        case "Fn::Split":
            guard let items = arguments(call, count: 2, shape: "[delimiter, string]"),
                  let delimiter = string(items[0], call), let source = string(items[1], call) else { return failed(call) }
            guard !delimiter.isEmpty else {
                reader.error("Fn::Split needs a non-empty delimiter", at: items[0])
                return failed(call)
            }
            let parts = source.components(separatedBy: delimiter).map { text($0, call) }
            return .sequence(.init(parts, .implicit, .any, call.node.mark))
        case "Fn::If":
            guard let items = arguments(call, count: 3, shape: "[condition, value if true, value if false]"),
                  let name = string(items[0], call), let holds = condition(named: name, at: items[0]) else { return failed(call) }
            return resolve(holds ? items[1] : items[2])
        case "Fn::ImportValue":
            guard let name = string(at, call) else { return failed(call) }
            if let value = parameters.values[name] { return text(value, call) }
            reader.warning("Fn::ImportValue '\(name)': no --parameter \(name)=VALUE (or `parameters:` in the suite) gives the exported value, so the export name itself is used", at: at)
            return text(name, call)
        case "Fn::FindInMap":
            guard let items = arguments(call, count: 3, shape: "[map, top-level key, second-level key]"),
                  let map = string(items[0], call), let top = string(items[1], call), let second = string(items[2], call) else { return failed(call) }
            guard let value = mappings?[map]?[top]?[second] else {
                reader.error("Fn::FindInMap cannot find \(map).\(top).\(second): the document has no such entry in a `Mappings:` section", at: at)
                return failed(call)
            }
            return resolve(value)
        case "Fn::Base64":
            guard let value = string(at, call) else { return failed(call) }
            return text(Data(value.utf8).base64EncodedString(), call)
        case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
            reader.error("\(call.name) is a condition function: use it in a `Conditions:` entry and refer to it with Fn::If", at: call.node)
            return failed(call)
        default:
            reader.unsupportedError("intrinsic function \(call.name)", consequence: "replace it with its value (the import evaluates Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::ImportValue, Fn::FindInMap, Fn::Base64)", at: call.node)
            return failed(call)
        }
    }

    /// `Fn::Sub`'s text: `${Name}` is a reference (`Ref`), `${Logical.Attribute}` an attribute (`Fn::GetAtt`),
    /// `${!Literal}` stands for `${Literal}`, `${stageVariables.x}` is kept for request time.
    private func sub(_ call: Call) -> String? {
        var template: String
        var variables: [String: String] = [:]
        var templateNode = call.argument
        if case let .sequence(items) = call.argument {
            guard items.count == 2, case .mapping = items[1] else {
                reader.error("Fn::Sub takes a string or a list [string, {variables}]", at: call.argument)
                return nil
            }
            templateNode = items[0]
            guard let text = string(items[0], call), case let .mapping(mapping) = items[1] else { return nil }
            template = text
            for (key, value) in mapping {
                guard let name = key.scalar?.string, let resolved = string(value, call) else { return nil }
                variables[name] = resolved
            }
        } else {
            guard let text = string(call.argument, call) else { return nil }
            template = text
        }
        var result = ""
        var ok = true
        var rest = Substring(template)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                reader.error("Fn::Sub string has an unclosed '${' (write '${!' for a literal '${')", at: templateNode)
                return nil
            }
            let name = String(rest[open.upperBound..<close])
            rest = rest[rest.index(after: close)...]
            if name.hasPrefix("!") {
                result += "${" + name.dropFirst() + "}"
            } else if let value = variables[name] {
                result += value
            } else if name.hasPrefix("stageVariables.") {
                result += "${\(name)}"
            } else if let value = reference(name) {
                result += value
            } else if let dot = name.firstIndex(of: "."), let value = attributeValue(String(name[..<dot]), String(name[name.index(after: dot)...])) {
                result += value
            } else {
                unresolved(name, in: "Fn::Sub", at: templateNode)
                ok = false
            }
        }
        result += rest
        return ok ? result : nil
    }

    /// `Ref name`: a parameter, a pseudo parameter, a `Parameters:` default, a mapped function's name.
    private func reference(_ name: String) -> String? {
        if let value = parameters.values[name] { return value }
        if let value = Self.pseudoParameters[name] { return value }
        if let value = defaults[name] { return value }
        if parameters.functionNames.contains(name) { return name }
        return nil
    }

    /// `Fn::GetAtt [logical, attribute]`: a `logical.attribute` parameter, else for `Arn` the ARN of the Lambda
    /// function named `logical` (the name the backends file maps).
    private func attributeValue(_ logical: String, _ attribute: String) -> String? {
        if let value = parameters.values["\(logical).\(attribute)"] { return value }
        if attribute == "Arn", !logical.isEmpty, !logical.contains("::") { return EmulatorEnvironment.lambdaFunctionARN(Substring(logical)) }
        return nil
    }

    private func getAttArguments(_ call: Call) -> (String, String)? {
        if case .scalar = call.argument, let text = string(call.argument, call), let dot = text.firstIndex(of: ".") {
            return (String(text[..<dot]), String(text[text.index(after: dot)...]))
        }
        guard let items = arguments(call, count: 2, shape: "[LogicalId, Attribute] or LogicalId.Attribute"),
              let logical = string(items[0], call), let attribute = string(items[1], call) else { return nil }
        return (logical, attribute)
    }

    // MARK: - Conditions

    /// Whether the condition `name` holds: a `--parameter NAME=true|false`, else the `Conditions:` entry.
    private func condition(named name: String, at node: Node, visiting: Set<String> = []) -> Bool? {
        if let value = parameters.values[name] {
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default:
                reader.error("condition '\(name)' must be true or false, --parameter gives '\(value)'", at: node)
                return nil
            }
        }
        guard let body = conditions[name] else {
            reader.error("unknown condition '\(name)': pass --parameter \(name)=true (or false), or `parameters:` in the suite", at: node)
            return nil
        }
        guard !visiting.contains(name) else {
            reader.error("condition '\(name)' refers to itself", at: body)
            return nil
        }
        return evaluateCondition(body, visiting: visiting.union([name]))
    }

    private func evaluateCondition(_ node: Node, visiting: Set<String>) -> Bool? {
        let call: Call
        if case let .mapping(mapping) = node, mapping.count == 1, let (key, value) = mapping.first, key.scalar?.string == "Condition" {
            call = Call(name: "Condition", argument: value, node: node)
        } else if let found = Self.call(in: node) {
            call = found
        } else {
            reader.error("a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition", at: node)
            return nil
        }
        switch call.name {
        case "Condition":
            guard let name = string(call.argument, call) else { return nil }
            return condition(named: name, at: call.argument, visiting: visiting)
        case "Fn::Equals":
            guard let items = arguments(call, count: 2, shape: "[value, value]"),
                  let left = string(items[0], call), let right = string(items[1], call) else { return nil }
            return left == right
        case "Fn::Not":
            guard let items = arguments(call, count: 1, shape: "[condition]"),
                  let value = evaluateCondition(items[0], visiting: visiting) else { return nil }
            return !value
        case "Fn::And", "Fn::Or":
            guard case let .sequence(items) = call.argument, (2...10).contains(items.count) else {
                reader.error("\(call.name) takes a list of 2 to 10 conditions", at: call.argument)
                return nil
            }
            var values: [Bool] = []
            for item in items {
                guard let value = evaluateCondition(item, visiting: visiting) else { return nil }
                values.append(value)
            }
            return call.name == "Fn::And" ? !values.contains(false) : values.contains(true)
        default:
            reader.error("\(call.name) is not a condition function (use Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition)", at: call.node)
            return nil
        }
    }

    // MARK: - Arguments

    /// The argument as text, intrinsics inside resolved; nil (silently) when resolving it already failed.
    private func string(_ node: Node, _ call: Call) -> String? {
        let resolved = resolve(node)
        if let resolved, Self.isFailure(resolved) { return nil }
        guard case let .scalar(scalar)? = resolved else {
            if resolved != nil { reader.error("\(call.name) expects a string here, found \(YAMLReader.kind(of: node))", at: node) }
            else { reader.error("\(call.name) expects a string here, found AWS::NoValue", at: node) }
            return nil
        }
        return scalar.string
    }

    /// The argument as a list, intrinsics inside resolved.
    private func list(_ node: Node, _ call: Call) -> [Node]? {
        let resolved = resolve(node)
        if let resolved, Self.isFailure(resolved) { return nil }
        guard case let .sequence(items)? = resolved else {
            reader.error("\(call.name) expects a list here, found \(YAMLReader.kind(of: node))", at: node)
            return nil
        }
        return Array(items)
    }

    /// The argument as a list of exactly `count` items (not resolved yet).
    private func arguments(_ call: Call, count: Int, shape: String) -> [Node]? {
        guard case let .sequence(items) = call.argument, items.count == count else {
            reader.error("\(call.name) takes \(shape)", at: call.argument)
            return nil
        }
        return Array(items)
    }

    private func text(_ value: String, _ call: Call) -> Node {
        .scalar(.init(value, .implicit, .doubleQuoted, call.argument.mark ?? call.node.mark))
    }

    /// What stands for a value that could not be computed (its error is reported): an empty string, tagged so an
    /// enclosing call fails quietly instead of reporting a consequence (`Fn::Select` of an empty split) as well.
    private func failed(_ call: Call) -> Node {
        .scalar(.init("", Tag(Tag.Name(rawValue: Self.failureTagName)), .doubleQuoted, call.argument.mark ?? call.node.mark))
    }

    private static let failureTagName = "!gatecheck-unresolved"

    private static func isFailure(_ node: Node) -> Bool { node.tag.rawValue == failureTagName }

    private func unresolved(_ name: String, in function: String, at node: Node) {
        let shown = function == "Fn::Sub" ? "'${\(name)}' in Fn::Sub" : "\(function) '\(name)'"
        reader.error("cannot resolve \(shown): it is not an AWS pseudo parameter, a --parameter, or a function of the backends file "
                     + "(pass --parameter \(name)=VALUE, or `parameters:` in the suite)", at: node)
    }

    /// Substitutes the import variables API Gateway knows in a plain string; every other `${...}` stays.
    func substituteImportVariables(_ text: String) -> String {
        var result = text
        for (name, value) in Self.importVariables { result = result.replacingOccurrences(of: "${\(name)}", with: value) }
        return result
    }
}
