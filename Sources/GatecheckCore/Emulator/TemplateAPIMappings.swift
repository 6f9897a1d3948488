import Foundation
import Gateway
import SourceDiagnostics
import Yams

/// The API mappings a SAM / CloudFormation template declares: `AWS::ApiGateway::BasePathMapping` (`BasePath`,
/// `RestApiId`, `Stage`) and `AWS::ApiGatewayV2::ApiMapping` (`ApiMappingKey`, `ApiId`, `Stage`), for
/// `gatecheck emulate --template`. Each mapping's API must be a resource of the template whose definition is a file:
/// `DefinitionUri` (SAM), or `DefinitionBody` / `Body` through `Fn::Transform: AWS::Include` with a local `Location`.
/// Conditions are not evaluated: a conditional mapping is served.
public enum TemplateAPIMappings {
    static let apiTypes: Set<String> = ["AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"]

    /// Reads the mappings of the template at `path` (API files resolved relative to it), in the template's order.
    public static func read(path: String) throws(DiagnosticsError) -> [APIMappingSpec] {
        let text: String
        switch YAMLSource.readText(path: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(read): text = read
        }
        let root: Node?
        switch YAMLSource.parse(text, file: path) {
        case let .failure(diagnostic): throw DiagnosticsError([diagnostic])
        case let .success(node): root = node
        }
        func problem(_ message: String, at node: Node?) -> Diagnostic {
            Diagnostic(file: path, line: node?.mark.map { $0.line }, column: node?.mark.map { $0.column }, message: message)
        }
        guard let resources = root?["Resources"]?.mapping else {
            throw DiagnosticsError([problem("not a SAM/CloudFormation template: no 'Resources' mapping", at: root)])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var byID: [String: Node] = [:]
        for (key, value) in resources { if let id = key.scalar?.string { byID[id] = value } }

        var mappings: [APIMappingSpec] = []
        var problems: [Diagnostic] = []
        var domains: [String] = []
        for (key, resource) in resources {
            guard let id = key.scalar?.string, let type = resource["Type"]?.scalar?.string,
                  type == "AWS::ApiGateway::BasePathMapping" || type == "AWS::ApiGatewayV2::ApiMapping" else { continue }
            let isV2 = type == "AWS::ApiGatewayV2::ApiMapping"
            let properties = resource["Properties"]
            let basePathKey = isV2 ? "ApiMappingKey" : "BasePath"
            let apiKey = isV2 ? "ApiId" : "RestApiId"
            // The base path: absent or empty is the (none) mapping.
            let basePathNode = properties?[basePathKey]
            let key: APIMappingKey
            switch APIMappingKey.parse(basePathNode?.scalar?.string ?? "") {
            case let .success(parsed): key = parsed
            case let .failure(failure): problems.append(problem("\(id): \(failure.message)", at: basePathNode)); continue
            }
            // The API: a Ref to an API resource of this template whose definition is a file.
            let apiNode = properties?[apiKey]
            guard let apiID = reference(apiNode), let api = byID[apiID], let apiType = api["Type"]?.scalar?.string, apiTypes.contains(apiType) else {
                problems.append(problem("\(id): \(apiKey) must be a Ref to an API resource of this template (\(apiTypes.sorted().joined(separator: ", ")))",
                                        at: apiNode ?? resource))
                continue
            }
            guard let file = definitionFile(api) else {
                problems.append(problem("\(id): the API \(apiID) has no definition file gatecheck can load (DefinitionUri, or DefinitionBody/Body "
                                            + "through Fn::Transform AWS::Include with a local Location)", at: api))
                continue
            }
            let apiPath = URL(fileURLWithPath: file.hasPrefix("/") ? file : directory + "/" + file).standardizedFileURL.path
            // The stage: a name, a Ref to an AWS::ApiGateway::Stage / AWS::ApiGatewayV2::Stage, or SAM's `Api.Stage`.
            let stageNode = properties?["Stage"]
            var stage: String?
            if let name = stageNode?.scalar?.string, stageNode?.tag.rawValue.hasPrefix("!") != true {
                stage = name
            } else if let target = reference(stageNode) {
                let samStage = api["Properties"]?["StageName"]?.scalar?.string
                if target == apiID + ".Stage" || (samStage.map { target == apiID + $0 + "Stage" } ?? false) {
                    stage = samStage    // SAM's `Api.Stage` or its generated `{Api}{StageName}Stage`
                } else {
                    stage = byID[target]?["Properties"]?["StageName"]?.scalar?.string
                }
            }
            if stageNode != nil, stage == nil {
                problems.append(problem("\(id): cannot tell the stage name from Stage (give a name, or a Ref to a stage resource with StageName)", at: stageNode))
                continue
            }
            // The API's CorsConfiguration (HTTP API resources), applied over the body's x-amazon-apigateway-cors.
            var cors: TemplateCors?
            if let corsNode = api["Properties"]?["CorsConfiguration"] {
                switch CorsConfigurationProperty.read(corsNode, resource: apiID, type: apiType) {
                case let .failure(found): problems += found.list.map { problem($0.message, at: $0.node) }; continue
                case let .success(override):
                    cors = override.map { TemplateCors(override: $0, resource: apiID, file: path, line: corsNode.mark?.line, column: corsNode.mark?.column) }
                }
            }
            domains.append(properties?["DomainName"].map(render) ?? "")
            mappings.append(APIMappingSpec(basePath: key, apiPath: apiPath, stage: stage, cors: cors))
        }
        if Set(domains).count > 1 {
            problems.append(problem("the template maps \(Set(domains).count) custom domains (\(Set(domains).sorted().joined(separator: ", "))); "
                                        + "gatecheck emulate serves one: use --base-path/--mount for the one you need", at: root?["Resources"]))
        }
        if mappings.isEmpty, problems.isEmpty {
            problems.append(problem("the template declares no AWS::ApiGateway::BasePathMapping or AWS::ApiGatewayV2::ApiMapping", at: root?["Resources"]))
        }
        if !problems.isEmpty { throw DiagnosticsError(problems) }
        return mappings
    }

    /// The logical id of `!Ref X` or `{Ref: X}`.
    static func reference(_ node: Node?) -> String? {
        guard let node else { return nil }
        if node.tag.rawValue == "!Ref" { return node.scalar?.string }
        if let mapping = node.mapping, mapping.count == 1, let target = mapping["Ref"]?.scalar?.string { return target }
        return nil
    }

    /// The local file an API resource's definition comes from.
    static func definitionFile(_ api: Node) -> String? {
        guard let properties = api["Properties"] else { return nil }
        if let uri = properties["DefinitionUri"]?.scalar?.string, !uri.hasPrefix("s3://") { return uri }
        for key in ["DefinitionBody", "Body"] {
            guard let body = properties[key] else { continue }
            let transform = body.tag.rawValue == "!Transform" ? body : body["Fn::Transform"]
            if let transform, transform["Name"]?.scalar?.string == "AWS::Include",
               let location = transform["Parameters"]?["Location"]?.scalar?.string, !location.hasPrefix("s3://") {
                return location
            }
        }
        return nil
    }

    /// A short text for a node (`Ref X`, a literal), to tell domain names apart.
    static func render(_ node: Node) -> String {
        if let target = reference(node) { return "Ref \(target)" }
        return node.scalar?.string ?? (try? Yams.serialize(node: node).trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    }
}
