import Foundation
import HTTPMessage
import JSONCore

/// REST step "route": the stage (first path segment), then the resource and method (`RESTRouter`); builds
/// `$context` once the method is known.
struct RESTRouteStep: PipelineStep {
    var name: StepName { .route }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) throws(GatewayError) {
        try gateway.route(&exchange)
        exchange.context = gateway.makeContext(exchange)
    }
}

extension RESTGateway {
    func route(_ exchange: inout Exchange) throws(GatewayError) {
        let rawPath = exchange.request.path
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let first = segments.first, first == stage.name else {
            // execute-api answers 403 {"message":"Forbidden"} when the first segment names no deployed stage.
            var error = GatewayError(.missingAuthenticationToken, status: 403, message: "Forbidden",
                                     detail: "the first path segment is not the stage '\(stage.name)'", errorTypeOverride: "ForbiddenException")
            error.appliesCustomizations = false
            throw error
        }
        // The path after the stage segment, raw.
        guard let stageRange = rawPath.range(of: "/" + first) else { throw GatewayError.internalError("path") }
        var rest = String(rawPath[stageRange.upperBound...])
        while rest.hasPrefix("//") { rest.removeFirst() }
        exchange.resourceRequestPath = rest.isEmpty ? "/" : rest
        let resourceSegments = Array(segments.dropFirst())
        // Raw remainder (for greedy parameters) starting at segment `index`: trailing slash stripped, inner `//` kept.
        let resourcePath = exchange.resourceRequestPath
        let greedyValue: (Int) -> String = { index in
            var remainder = Substring(resourcePath)
            for _ in 0..<index {
                while remainder.hasPrefix("/") { remainder = remainder.dropFirst() }
                if let slash = remainder.firstIndex(of: "/") { remainder = remainder[slash...] } else { remainder = "" }
            }
            while remainder.hasPrefix("/") { remainder = remainder.dropFirst() }
            while remainder.hasSuffix("/") { remainder = remainder.dropLast() }
            return String(remainder)
        }
        guard let match = api.router.match(verb: exchange.request.method.uppercased(), segments: resourceSegments, greedyValue: greedyValue) else {
            throw GatewayError(.missingAuthenticationToken, message: "Missing Authentication Token",
                               detail: "no resource and method match \(exchange.request.method) \(exchange.resourceRequestPath)")
        }
        exchange.match = match
        exchange.log.route = "\(match.method.httpMethod) \(match.method.resourcePath)"
    }

    private func domainName(_ request: GatewayRequest) -> String {
        request.headers["Host"] ?? "\(api.apiID).execute-api.\(EmulatorEnvironment.region).\(EmulatorEnvironment.urlSuffix)"
    }

    private func identity(_ request: GatewayRequest) -> JSONValue {
        jsonObject([
            ("cognitoIdentityPoolId", .null), ("accountId", .null), ("cognitoIdentityId", .null), ("caller", .null),
            ("sourceIp", .string(request.sourceIP)), ("principalOrgId", .null), ("accessKey", .null),
            ("cognitoAuthenticationType", .null), ("cognitoAuthenticationProvider", .null), ("userArn", .null),
            ("userAgent", request.headers["User-Agent"].map(JSONValue.string) ?? .null), ("user", .null),
        ])
    }

    /// `$context` for templates and parameter mappings; also the proxy event's `requestContext`.
    func makeContext(_ exchange: Exchange) -> JSONValue {
        let request = exchange.request
        let domain = domainName(request)
        let domainPrefix = domain.split(separator: ".").first.map(String.init) ?? domain
        return jsonObject([
            ("resourceId", .string(exchange.method?.resourceID ?? "")),
            ("resourcePath", .string(exchange.method?.resourcePath ?? "")),
            ("httpMethod", .string(request.method)),
            ("extendedRequestId", .string(exchange.extendedRequestID)),
            ("requestTime", .string(GatewayIdentifiers.requestTime(exchange.receivedAt))),
            ("path", .string(request.customDomainPath ?? request.path)),
            ("accountId", .string(Self.accountID)),
            ("protocol", .string(request.httpVersion)),
            ("stage", .string(stage.name)),
            ("domainPrefix", .string(domainPrefix)),
            ("requestTimeEpoch", .int(Int64(exchange.receivedAt.timeIntervalSince1970 * 1000))),
            ("requestId", .string(exchange.requestID)),
            ("identity", identity(request)),
            ("domainName", .string(domain)),
            ("deploymentId", .string(GatewayIdentifiers.stableID(api.apiID + stage.name, length: 6, rules: .restAPI))),
            ("apiId", .string(api.apiID)),
        ])
    }
}
