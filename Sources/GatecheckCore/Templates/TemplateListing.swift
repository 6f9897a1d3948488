import Backends
import Foundation
import Gateway
import SourceDiagnostics

/// `gatecheck list --template FILE`: the APIs of a template with their stages and routes, and its functions with
/// the backend each becomes.
public enum TemplateListing {
    /// The listing of the template at `path`, and whether some API could not be read (its error is in the text).
    public static func render(path: String, parameters: [String: String]) -> (text: String, failed: Bool) {
        let stack: TemplateStack
        do { stack = try TemplateStack.load(path: path, parameters: parameters) } catch { return (error.description + "\n", true) }
        var lines: [String] = []
        var failed = false
        let form = stack.translation == nil ? "CloudFormation template" : "SAM template (through the AWS::Serverless transform)"
        lines.append("\(path): \(form), \(count(stack.stack.apis.count, "API")), \(count(stack.stack.functions.count, "function"))")
        for api in stack.stack.apis {
            let stages = api.stages.map { stage in stage.variables.isEmpty ? stage.name : "\(stage.name) (variables: \(stage.variables.keys.sorted().joined(separator: ", ")))" }
            let kind = api.kind == .rest ? "REST API" : api.kind == .http ? "HTTP API" : "WebSocket API"
            lines.append("\(api.logicalID)  \(kind)  stage\(stages.count == 1 ? "" : "s") \(stages.isEmpty ? "(none)" : stages.joined(separator: ", "))")
            guard api.kind != .websocket else { lines.append("  (not served: gatecheck emulates REST and HTTP APIs)"); continue }
            do {
                let definition = try stack.definition(of: api, parameters: parameters)
                for route in routes(definition) { lines.append("  \(route)") }
            } catch {
                failed = true
                lines.append(contentsOf: error.diagnostics.map { "  \($0)" })
            }
        }
        let (backends, unrunnable) = stack.functionBackends()
        if !stack.stack.functions.isEmpty { lines.append("functions:") }
        for function in stack.stack.functions {
            let runtime = function.runtime ?? "image"
            if let entry = backends.lambdas.first(where: { $0.name == function.logicalID }), case let .handler(spec) = entry.definition {
                lines.append("  \(function.logicalID)  \(runtime) \(function.handler ?? "")  -> \(spec.file):\(spec.function) (timeout \(function.timeout ?? 3) s, \(spec.memoryMB) MB)")
            } else if let reason = unrunnable[function.logicalID] {
                lines.append("  \(function.logicalID)  \(runtime)  -> not runnable: \(reason.message)")
            }
        }
        return (lines.joined(separator: "\n") + "\n", failed)
    }

    /// `METHOD /path` per REST method, the route key per HTTP API route.
    public static func routes(_ definition: APIDefinition) -> [String] {
        switch definition {
        case let .rest(rest): return rest.allMethods.map { "\($0.httpMethod) \($0.resourcePath)" }
        case let .http(http): return http.allRoutes.map(\.routeKey)
        }
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
