import Foundation
import Yams

/// The method request locations a `method.request.*` expression names, and the OpenAPI `in:` values declaring them.
enum MethodRequestLocation {
    static let openAPILocations: [String: String] = [
        "path": "path", "querystring": "query", "multivaluequerystring": "query",
        "header": "header", "multivalueheader": "header",
    ]

    /// Is `name` declared at `location` (an OpenAPI `in:` value)? Header names compare case-insensitively.
    static func isDeclared(_ name: String, in location: String?, _ declared: [(location: String, name: String)]) -> Bool {
        declared.contains { parameter in
            (location == nil || parameter.location == location)
                && (parameter.location == "header" ? parameter.name.lowercased() == name.lowercased() : parameter.name == name)
        }
    }
}

/// `method.request.{path|querystring|header}.x` in an integration's `requestParameters` (or `cacheKeyParameters`)
/// naming a parameter the method does not declare. API Gateway refuses the mapping ("Invalid mapping expression
/// specified: method.request.querystring.x"), so the import or deployment fails.
struct UndeclaredMethodRequestParameter: LintRule {
    let id = "undeclared-method-request-parameter"
    let severity = LintSeverity.error
    let summary = "a method.request.* mapping names a parameter the method does not declare; API Gateway rejects the mapping"

    static let expression = try! NSRegularExpression(pattern: #"^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.(.+)$"#)

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI }.flatMap { operation -> [LintFinding] in
            var sources: [Node] = []
            if case .mapping(let map)? = operation.integration["requestParameters"] { sources += map.values }
            if case .sequence(let items)? = operation.integration["cacheKeyParameters"] { sources += items }
            let declared = operation.endpoint.declaredParameters
            return sources.compactMap { node -> LintFinding? in
                guard let text = node.scalar?.string,
                      let match = Self.expression.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)),
                      let locationRange = Range(match.range(at: 1), in: text), let nameRange = Range(match.range(at: 2), in: text) else { return nil }
                let location = String(text[locationRange]), name = String(text[nameRange])
                let openAPILocation = MethodRequestLocation.openAPILocations[location]
                guard !MethodRequestLocation.isDeclared(name, in: openAPILocation, declared) else { return nil }
                return finding(document, at: node,
                    "'\(text)' in the integration of \(operation.place) names a \(location) parameter the method does not declare; API Gateway rejects the mapping (Invalid mapping expression specified)",
                    fix: "declare it under the method's parameters (name: \(name), in: \(openAPILocation ?? location)), or map a parameter the method declares")
            }
        }
    }
}

/// `$input.params('x')` (or `$input.params().querystring.get('x')`, `.path.x`, ...) in a mapping template naming a
/// parameter the method does not declare. API Gateway still reads it from the request when a client sends it, but
/// request validation cannot require it and clients generated from the definition do not know to send it, so the
/// template usually renders an empty value.
struct UndeclaredTemplateParameter: LintRule {
    let id = "undeclared-template-parameter"
    let severity = LintSeverity.warning
    let summary = "a mapping template reads $input.params('x') for a parameter the method does not declare"

    static let anywhere = try! NSRegularExpression(pattern: #"\$\{?input\.params\(\s*['"]([^'"]+)['"]\s*\)"#)
    static let located = try! NSRegularExpression(
        pattern: #"\$\{?input\.params\(\s*\)\.(path|querystring|header)(?:\.get\(\s*['"]([^'"]+)['"]\s*\)|\.(?!get\()([A-Za-z0-9_]+))"#)

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI && !$0.isProxy }.flatMap { operation -> [LintFinding] in
            let declared = operation.endpoint.declaredParameters
            var seen: Set<String> = []
            var findings: [LintFinding] = []
            for template in operation.templates {
                let text = template.text
                let range = NSRange(text.startIndex..<text.endIndex, in: text)
                var references: [(expression: String, name: String, location: String?)] = []
                for match in Self.anywhere.matches(in: text, range: range) {
                    guard let whole = Range(match.range, in: text), let name = Range(match.range(at: 1), in: text) else { continue }
                    references.append((String(text[whole]), String(text[name]), nil))
                }
                for match in Self.located.matches(in: text, range: range) {
                    guard let whole = Range(match.range, in: text), let location = Range(match.range(at: 1), in: text) else { continue }
                    guard let name = Range(match.range(at: 2), in: text) ?? Range(match.range(at: 3), in: text) else { continue }
                    references.append((String(text[whole]), String(text[name]), String(text[location])))
                }
                for reference in references {
                    let openAPILocation = reference.location.flatMap { MethodRequestLocation.openAPILocations[$0] }
                    guard !MethodRequestLocation.isDeclared(reference.name, in: openAPILocation, declared),
                          seen.insert("\(reference.location ?? "")/\(reference.name)").inserted else { continue }
                    findings.append(finding(document, at: template.node,
                        "a mapping template of \(operation.place) reads \(reference.expression), but the method declares no \(reference.location.map { "\($0) " } ?? "")parameter '\(reference.name)': it is empty unless a client happens to send it, and no validator can require it",
                        fix: "declare '\(reference.name)' under the method's parameters (in: \(openAPILocation ?? "path, query or header"))"))
                }
            }
            return findings
        }
    }
}

/// A REST integration request parameter mapped to a header API Gateway will not send: the request fails with
/// `500 {"message": "Internal server error"}`. Content-Length and Transfer-Encoding for every integration type;
/// for AWS and AWS_PROXY integrations also Authorization, Connection, Expect, Proxy-Authenticate and TE.
struct ReservedIntegrationRequestHeader: LintRule {
    let id = "reserved-integration-request-header"
    let severity = LintSeverity.error
    let summary = "an integration request header mapping to a reserved header (Content-Length, Transfer-Encoding; for AWS types also Authorization, Connection, Expect, Proxy-Authenticate, TE): every request gets 500"

    static let everyType: Set<String> = ["content-length", "transfer-encoding"]
    static let awsTypes: Set<String> = ["authorization", "connection", "expect", "proxy-authenticate", "te"]

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI }.flatMap { operation -> [LintFinding] in
            guard case .mapping(let map)? = operation.integration["requestParameters"] else { return [] }
            let isAWS = operation.type == "aws" || operation.type == "aws_proxy"
            return map.keys.compactMap { key -> LintFinding? in
                guard let target = key.scalar?.string, target.lowercased().hasPrefix("integration.request.header.") else { return nil }
                let header = String(target.dropFirst("integration.request.header.".count))
                guard Self.everyType.contains(header.lowercased()) || (isAWS && Self.awsTypes.contains(header.lowercased())) else { return nil }
                return finding(document, at: key,
                    "\(operation.place) maps the integration request header \(header), which API Gateway reserves for \(Self.everyType.contains(header.lowercased()) ? "every integration type" : "\(operation.type.uppercased()) integrations"): every request gets 500 Internal server error",
                    fix: "map the value to another header name (e.g. X-Original-\(header)), or remove the mapping")
            }
        }
    }
}

/// A method response header mapping (`method.response.header.X` in an integration response's `responseParameters`)
/// to a header API Gateway reserves: the client gets `x-amzn-Remapped-X` instead (Transfer-Encoding is dropped).
struct RemappedMethodResponseHeader: LintRule {
    let id = "remapped-method-response-header"
    let severity = LintSeverity.warning
    let summary = "a method response header mapping to a reserved header: the client gets x-amzn-Remapped-<name> (Transfer-Encoding: nothing)"

    static let remapped: Set<String> = [
        "authorization", "connection", "content-length", "content-md5", "date", "expect", "host", "max-forwards",
        "proxy-authenticate", "server", "trailer", "upgrade", "user-agent", "www-authenticate",
    ]

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter { !$0.isHTTPAPI && !$0.isProxy }.flatMap { operation -> [LintFinding] in
            guard case .mapping(let responses)? = operation.integration["responses"] else { return [] }
            return responses.values.flatMap { response -> [LintFinding] in
                guard case .mapping(let map)? = response["responseParameters"] else { return [] }
                return map.keys.compactMap { key -> LintFinding? in
                    guard let target = key.scalar?.string, target.lowercased().hasPrefix("method.response.header.") else { return nil }
                    let header = String(target.dropFirst("method.response.header.".count))
                    if header.lowercased() == "transfer-encoding" {
                        return finding(document, at: key,
                            "\(operation.place) maps the response header Transfer-Encoding, which API Gateway drops: the client never receives it",
                            fix: "remove the mapping")
                    }
                    guard Self.remapped.contains(header.lowercased()) else { return nil }
                    return finding(document, at: key,
                        "\(operation.place) maps the response header \(header), which API Gateway reserves: the client receives it as x-amzn-Remapped-\(header), not \(header)",
                        fix: "use another header name, or expect x-amzn-Remapped-\(header) in the client")
                }
            }
        }
    }
}

/// An HTTP API parameter mapping (`append|overwrite|remove:header.X` in an integration's `requestParameters` or
/// `responseParameters`) to a header HTTP APIs reserve; API Gateway rejects the mapping.
struct HTTPAPIReservedHeaderMapping: LintRule {
    let id = "http-api-reserved-header-mapping"
    let severity = LintSeverity.error
    let summary = "an HTTP API parameter mapping that changes a reserved header (Authorization, Content-Length, x-amz-*, ...); API Gateway rejects it"

    static let reserved: Set<String> = [
        "authorization", "connection", "content-encoding", "content-length", "content-location", "forwarded",
        "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding",
        "upgrade", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via",
    ]
    static let reservedPrefixes = ["access-control-", "apigw-", "x-amz-", "x-amzn-"]

    static func isReserved(_ header: String) -> Bool {
        let lower = header.lowercased()
        return reserved.contains(lower) || reservedPrefixes.contains { lower.hasPrefix($0) }
    }

    func check(_ document: LintDocument) -> [LintFinding] {
        DefinitionWalk.operations(document).filter(\.isHTTPAPI).flatMap { operation -> [LintFinding] in
            var keys: [Node] = []
            if case .mapping(let map)? = operation.integration["requestParameters"] { keys += map.keys }
            if case .mapping(let byStatus)? = operation.integration["responseParameters"] {
                for mapping in byStatus.values { if case .mapping(let map) = mapping { keys += map.keys } }
            }
            return keys.compactMap { key -> LintFinding? in
                guard let text = key.scalar?.string, let colon = text.firstIndex(of: ":") else { return nil }
                let target = text[text.index(after: colon)...]
                guard target.lowercased().hasPrefix("header.") else { return nil }
                let header = String(target.dropFirst("header.".count))
                guard Self.isReserved(header) else { return nil }
                return finding(document, at: key,
                    "\(operation.place) maps '\(text)', but \(header) is a reserved header HTTP APIs do not let parameter mappings change; API Gateway rejects the mapping",
                    fix: "map the value to a header that is not reserved (e.g. x-app-\(header.lowercased())), or remove the mapping")
            }
        }
    }
}
