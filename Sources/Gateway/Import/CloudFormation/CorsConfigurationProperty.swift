import Foundation
import SourceDiagnostics
import Yams

/// The `CorsConfiguration` property of an `AWS::Serverless::HttpApi` (a mapping merged over the body's
/// configuration, or `true` for `AllowOrigins: ['*']`; `false` adds nothing) or of an `AWS::ApiGatewayV2::Api` (a
/// mapping that replaces it), checked as API Gateway checks `x-amazon-apigateway-cors`. The one reader of it, for
/// `CloudFormationStack` and the API mappings of `gatecheck emulate --template`.
public enum CorsConfigurationProperty {
    /// A problem in a `CorsConfiguration`, at its node.
    public struct Problem {
        public var message: String
        public var node: Node
    }

    /// The problems of one `CorsConfiguration`.
    public struct Problems: Error {
        public var list: [Problem]
    }

    static let keys = ["AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "MaxAge", "AllowCredentials"]

    /// Reads `node`, the `CorsConfiguration` of the resource `resource` of type `type`.
    public static func read(_ node: Node, resource: String, type: String) -> Result<HTTPAPICorsOverride?, Problems> {
        let isSAM = type == "AWS::Serverless::HttpApi"
        guard isSAM || type == "AWS::ApiGatewayV2::Api" else {
            return .failure(Problems(list: [Problem(message: "\(resource): CorsConfiguration is a property of HTTP APIs (AWS::Serverless::HttpApi, "
                                             + "AWS::ApiGatewayV2::Api), not of \(type)", node: node)]))
        }
        if isSAM, let flag = node.scalar.flatMap({ Bool.construct(from: $0) }) {
            return .success(flag ? HTTPAPICorsOverride(allowOrigins: ["*"]) : nil)
        }
        guard let fields = node.mapping else {
            return .failure(Problems(list: [Problem(message: "\(resource): CorsConfiguration must be a mapping of \(keys.joined(separator: ", "))"
                                             + (isSAM ? ", or true" : ""), node: node)]))
        }
        var problems: [Problem] = []
        func say(_ message: String, _ at: Node) { problems.append(Problem(message: "\(resource): CorsConfiguration.\(message)", node: at)) }
        var override = HTTPAPICorsOverride()
        for (keyNode, value) in fields {
            let key = keyNode.scalar?.string ?? ""
            switch key {
            case "AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders":
                guard let items = value.sequence?.map({ $0.scalar?.string }), !items.contains(nil), value.tag.rawValue.hasPrefix("!") == false else {
                    say("\(key) must be a list of strings", value); continue
                }
                let list = items.compactMap { $0 }
                switch key {
                case "AllowOrigins": override.allowOrigins = list
                case "AllowMethods":
                    for method in list where !HTTPAPICors.allowedMethods.contains(method.uppercased()) { say("AllowMethods entry '\(method)' is not an HTTP method or '*'", value) }
                    override.allowMethods = list
                case "AllowHeaders": override.allowHeaders = list
                default: override.exposeHeaders = list
                }
            case "MaxAge":
                guard let scalar = value.scalar, let seconds = Int.construct(from: scalar) else { say("MaxAge must be an integer, found '\(render(value))'", value); continue }
                guard HTTPAPICors.maxAgeRange.contains(seconds) else { say("MaxAge must be between -1 and 86400 seconds, found \(seconds)", value); continue }
                override.maxAge = .some(seconds)
            case "AllowCredentials":
                guard let scalar = value.scalar, let flag = Bool.construct(from: scalar) else { say("AllowCredentials must be true or false, found '\(render(value))'", value); continue }
                override.allowCredentials = flag
            default:
                say("\(key): unknown key (expected \(keys.joined(separator: ", ")))", keyNode)
            }
        }
        if !problems.isEmpty { return .failure(Problems(list: problems)) }
        if !isSAM { override = .replacing(with: override.applied(to: nil)) }
        return .success(override)
    }

    private static func render(_ node: Node) -> String {
        node.scalar?.string ?? (try? Yams.serialize(node: node).trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    }
}
