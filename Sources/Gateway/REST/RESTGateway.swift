import Foundation
import HTTPMessage
import JSONCore
import JSONSchema

/// The REST API (API Gateway v1) pipeline: routing, method request, integration request, integration,
/// integration-response selection, response mapping, method-response check and gateway responses.
/// No networking inside: backends are reached through `BackendRegistry`, the server feeds requests in.
public struct RESTGateway: GatewayHandler {
    public let api: RESTAPIDefinition
    public let stage: StageSettings
    public let backends: BackendRegistry
    /// Access key id -> secret access key accepted on `AWS_IAM` methods (see RESTIAMAuthorization.swift).
    public let iamCredentials: [String: String]
    /// API keys, usage plans, stage and method throttling (see RESTAuthorization.swift).
    public let usagePlans: UsagePlanSettings
    /// The clock authorizer caching, throttling and quotas are measured by.
    public let clock: GatewayClock
    let authorizerCache = AuthorizerCache()
    /// Verifies the tokens of Cognito user pool methods against `backends.jwtTrust`.
    let jwtVerifier: JWTVerifier
    let usageMeter = UsageMeter()

    /// The account id shown in `$context.accountId` and `requestContext.accountId`.
    public static let accountID = EmulatorEnvironment.accountID

    public init(api: RESTAPIDefinition, stage: StageSettings = StageSettings(), backends: BackendRegistry,
                iamCredentials: [String: String] = [:], usagePlans: UsagePlanSettings = UsagePlanSettings(), clock: GatewayClock = .system) {
        jwtVerifier = JWTVerifier(trust: backends.jwtTrust)
        self.api = api
        self.stage = stage
        self.backends = backends
        self.iamCredentials = iamCredentials
        self.usagePlans = usagePlans
        self.clock = clock
    }

    public func handle(_ request: GatewayRequest) async -> GatewayOutcome {
        var exchange = Exchange(request: request, api: api, stage: stage)
        do {
            return try await process(&exchange)
        } catch {
            return gatewayErrorOutcome(error, exchange: exchange)
        }
    }

    public func rejection(_ reason: RequestRejection) -> GatewayResponse {
        let exchange = Exchange(request: GatewayRequest(method: "GET", target: "/"), api: api, stage: stage)
        let error: GatewayError
        switch reason {
        case .bodyTooLarge: error = GatewayError(.requestTooLarge, message: "Request Too Long", detail: "request body above the 10 MB payload limit")
        case .headersTooLarge: error = GatewayError(.default4XX, status: 431, message: "Request Header Fields Too Large")
        case .uriTooLong: error = GatewayError(.default4XX, status: 414, message: "Request-URI Too Long")
        }
        return gatewayErrorOutcome(error, exchange: exchange).response
    }

    // MARK: - Per-request state

    /// Everything known about one request as it moves through the pipeline.
    struct Exchange {
        let request: GatewayRequest
        let requestID = GatewayIdentifiers.requestID()
        let extendedRequestID = GatewayIdentifiers.extendedRequestID()
        let receivedAt = Date()
        let stageName: String
        let stageVariables: [String: String]
        let queryParameters: [(String, String)]
        var match: RESTRouter.Match?
        var context: JSONValue = .object([:])
        var log = GatewayLogEntry()
        /// Path after the stage, with a doubled leading slash collapsed (event `path`).
        var resourceRequestPath = "/"

        init(request: GatewayRequest, api: RESTAPIDefinition, stage: StageSettings) {
            self.request = request
            self.stageName = stage.name
            self.stageVariables = stage.variables
            self.queryParameters = URLCoding.queryPairs(request.rawQuery, rules: .restAPI)
        }

        var method: RESTMethod? { match?.method }
        var pathParameters: [(String, String)] { match?.pathParameters ?? [] }
        /// The proxy event's `path`: the path after the stage, or through a custom domain the client's path with its
        /// base path (API Gateway does not strip the base path there; `pathParameters` and `resource` are the same).
        var eventPath: String {
            guard var path = request.customDomainPath else { return resourceRequestPath }
            while path.hasPrefix("//") { path.removeFirst() }
            return path.isEmpty ? "/" : path
        }
        var sortedStageVariables: [(String, String)] { stageVariables.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    private func process(_ exchange: inout Exchange) async throws(GatewayError) -> GatewayOutcome {
        try route(&exchange)
        exchange.context = makeContext(exchange)
        try authorizeIAM(&exchange)
        let authorizerKey = try await authorizeLambda(&exchange)
        try await authorizeCognito(&exchange)
        try meterUsage(&exchange, authorizerKey: authorizerKey)
        guard let method = exchange.method else { throw GatewayError.internalError("no method") }
        let integration = method.integration
        exchange.log.integrationType = integration.kind.rawValue
        if let validation = method.validation { try validate(exchange, validation) }
        try checkRequestParameterTargets(integration)
        switch integration.kind {
        case .awsProxy: return try await lambdaProxy(&exchange, integration)
        case .httpProxy: return try await httpProxy(&exchange, integration)
        case .aws, .http, .mock: return try await nonProxy(&exchange, integration)
        }
    }

    // MARK: - Routing

    private func route(_ exchange: inout Exchange) throws(GatewayError) {
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

    // MARK: - Context

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

    // MARK: - Method request validation

    /// Required parameters first (header, path, querystring order, as recorded), then the body model (rule book §3).
    private func validate(_ exchange: Exchange, _ validation: RequestValidation) throws(GatewayError) {
        if validation.validatesParameters {
            var missing: [String] = []
            for location in [RequestValidation.Location.header, .path, .querystring] {
                for (kind, name) in validation.requiredParameters where kind == location {
                    let present: Bool = switch kind {
                    case .header: exchange.request.headers.contains(name)
                    case .path: exchange.pathParameters.contains { $0.0 == name }
                    case .querystring: exchange.queryParameters.contains { $0.0 == name }
                    }
                    if !present { missing.append(name) }
                }
            }
            if !missing.isEmpty {
                var error = GatewayError(.badRequestParameters, message: "Missing required request parameters: [\(missing.joined(separator: ", "))]",
                                         detail: "request validator '\(validation.validatorName)': missing required parameters \(missing)")
                error.validationError = error.message
                throw error
            }
        }
        guard validation.validatesBody, !validation.bodySchemas.isEmpty else { return }
        let contentType = exchange.request.headers["Content-Type"].map(mediaType) ?? "application/json"
        guard let (_, schema) = validation.bodySchemas.first(where: { $0.contentType == contentType }) else { return }
        let problem: String?
        if exchange.request.body.isEmpty {
            problem = JSONSchemaValidator(models: api.models).firstViolation(of: schema, by: .null)?.message
        } else if let body = try? JSONValue.parse(bytes: exchange.request.body) {
            problem = JSONSchemaValidator(models: api.models).firstViolation(of: schema, by: body)?.message
        } else {
            problem = "the body is not valid JSON"
        }
        if let problem {
            var error = GatewayError(.badRequestBody, message: "Invalid request body",
                                     detail: "request validator '\(validation.validatorName)': \(problem)")
            error.validationError = "[\(problem)]"
            throw error
        }
    }

    // MARK: - Integration request

    /// Header targets API Gateway refuses at request time (rule book §4).
    private func checkRequestParameterTargets(_ integration: Integration) throws(GatewayError) {
        var forbidden: Set<String> = ["content-length", "transfer-encoding"]
        if integration.kind == .aws || integration.kind == .awsProxy {
            forbidden.formUnion(["authorization", "connection", "expect", "proxy-authenticate", "te"])
        }
        for (target, _) in integration.requestParameters where target.hasPrefix("integration.request.header.") {
            let name = String(target.dropFirst("integration.request.header.".count)).lowercased()
            if forbidden.contains(name) {
                throw GatewayError.internalError("Execution failed due to configuration error: the integration request maps the reserved header \(name)")
            }
        }
    }

    /// Resolves a `method.request.*` / `'static'` / `context.*` / `stageVariables.*` source.
    func requestSourceValue(_ source: String, _ exchange: Exchange) -> String? {
        if source.count >= 2, source.hasPrefix("'"), source.hasSuffix("'") { return String(source.dropFirst().dropLast()) }
        if source.hasPrefix("method.request.header.") { return exchange.request.headers[String(source.dropFirst("method.request.header.".count))] }
        if source.hasPrefix("method.request.multivalueheader.") {
            let values = exchange.request.headers.values(for: String(source.dropFirst("method.request.multivalueheader.".count)))
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        if source.hasPrefix("method.request.querystring.") {
            let name = String(source.dropFirst("method.request.querystring.".count))
            return exchange.queryParameters.last { $0.0 == name }?.1
        }
        if source.hasPrefix("method.request.multivaluequerystring.") {
            let name = String(source.dropFirst("method.request.multivaluequerystring.".count))
            let values = exchange.queryParameters.filter { $0.0 == name }.map(\.1)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        if source.hasPrefix("method.request.path.") {
            let name = String(source.dropFirst("method.request.path.".count))
            return exchange.pathParameters.first { $0.0 == name }?.1
        }
        if source == "method.request.body" { return String(decoding: exchange.request.body, as: UTF8.self) }
        if source.hasPrefix("method.request.body.") {
            guard let json = try? JSONValue.parse(bytes: exchange.request.body),
                  let path = try? JSONPath("$." + source.dropFirst("method.request.body.".count)),
                  let value = path.first(in: json) else { return nil }
            return headerText(value)
        }
        if source.hasPrefix("context.") { return jsonLookup(String(source.dropFirst("context.".count)), in: exchange.context).map(headerText) }
        if source.hasPrefix("stageVariables.") { return exchange.stageVariables[String(source.dropFirst("stageVariables.".count))] ?? "" }
        return nil
    }

    private func templateInput(_ exchange: Exchange, body: [UInt8], context: JSONValue) -> CompiledTemplate.Input {
        CompiledTemplate.Input(body: body, pathParameters: exchange.pathParameters, queryParameters: exchange.queryParameters,
                               headers: exchange.request.headers.fields.map { ($0.name, $0.value) }, context: context,
                               stageVariables: exchange.sortedStageVariables)
    }

    private func render(_ template: CompiledTemplate, _ input: CompiledTemplate.Input) throws(GatewayError) -> (text: String, context: JSONValue) {
        do {
            return try template.render(input)
        } catch {
            throw GatewayError.internalError("Execution failed due to a mapping template error in \(template.name) at line \(error.line), column \(error.column): \(error.message)")
        }
    }

    /// Applies the request template (chosen by Content-Type) or the passthrough rules; returns the integration
    /// request body and the context the template left (requestOverride, responseOverride, custom keys).
    private func integrationRequestBody(_ exchange: Exchange, _ integration: Integration) throws(GatewayError) -> (body: [UInt8], context: JSONValue) {
        let contentType = exchange.request.headers["Content-Type"].map(mediaType) ?? "application/json"
        let isBinary = isBinaryMediaType(contentType, binaryMediaTypes: api.binaryMediaTypes)
        if let (_, template) = integration.requestTemplates.first(where: { $0.contentType == contentType }) {
            // A binary payload reaches a mapping template base64-encoded.
            let body = isBinary ? Array(Data(exchange.request.body).base64EncodedString().utf8) : exchange.request.body
            let output = try render(template, templateInput(exchange, body: body, context: exchange.context))
            let text = Array(output.text.utf8)
            return (integration.contentHandling == .convertToBinary ? try convert(text, isBinary: false, .convertToBinary) : text, output.context)
        }
        switch integration.passthroughBehavior {
        case .whenNoMatch: break
        case .whenNoTemplates where integration.requestTemplates.isEmpty: break
        case .whenNoTemplates, .never:
            throw GatewayError(.unsupportedMediaType, message: "Unsupported Media Type",
                               detail: "no request template for Content-Type \(contentType) and passthroughBehavior \(integration.passthroughBehavior.rawValue)")
        }
        return (try convert(exchange.request.body, isBinary: isBinary, integration.contentHandling), exchange.context)
    }

    /// `contentHandling` (API Gateway's content type conversion table): text with CONVERT_TO_BINARY is base64-decoded
    /// (a JSON string is unquoted first, as a Lambda function returns one), binary with CONVERT_TO_TEXT is
    /// base64-encoded, everything else passes unchanged.
    private func convert(_ payload: [UInt8], isBinary: Bool, _ handling: Integration.ContentHandling?) throws(GatewayError) -> [UInt8] {
        switch (isBinary, handling) {
        case (false, .convertToBinary?):
            var text = String(decoding: payload, as: UTF8.self)
            if case let .string(inner)? = try? JSONValue.parse(text) { text = inner }
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw GatewayError.internalError("Execution failed due to configuration error: unable to base64-decode the payload for CONVERT_TO_BINARY")
            }
            return Array(data)
        case (true, .convertToText?):
            return Array(Data(payload).base64EncodedString().utf8)
        default:
            return payload
        }
    }

    // MARK: - Integration calls

    private func timeoutError(_ integration: Integration) -> GatewayError {
        GatewayError(.integrationTimeout, message: "Endpoint request timed out",
                     detail: "the integration did not answer within \(integration.timeoutMilliseconds) ms")
    }

    /// Sends the AWS service request the integration describes (through `ServiceIntegrationCaller`).
    private func callService(_ exchange: Exchange, _ integration: Integration, body: [UInt8],
                             mapped: (headers: [(String, String)], query: [(String, String)], path: [String: String])) async throws(GatewayError) -> UpstreamResponse {
        guard case let .awsService(uri)? = integration.target else { throw GatewayError.internalError("AWS service integration without uri") }
        let resolved = substituteStageVariables(in: uri, exchange.stageVariables)
        var path = mapped.path
        for (name, value) in exchange.pathParameters where path[name] == nil { path[name] = value }
        guard let request = ServiceIntegrationCaller.restRequest(
            uri: resolved, method: integration.httpMethod ?? "POST", headers: mapped.headers, query: mapped.query, path: path,
            body: body, contentType: exchange.request.headers["Content-Type"], timeoutMilliseconds: integration.timeoutMilliseconds) else {
            throw GatewayError.internalError("Execution failed due to configuration error: invalid AWS service integration uri '\(resolved)'")
        }
        switch await ServiceIntegrationCaller(backends: backends).send(request) {
        case let .success(response): return response
        case .failure(.timedOut): throw timeoutError(integration)
        case let .failure(.noBackend(message)):
            throw GatewayError.internalError("Execution failed due to configuration error: \(message)", type: .integrationFailure)
        case let .failure(.unreachable(reason)), let .failure(.invokeFailed(reason)), let .failure(.invalidURL(reason)):
            throw GatewayError.internalError("Execution failed due to an integration error: \(reason)", type: .integrationFailure)
        }
    }

    /// Invokes the Lambda function named by the integration uri (through the shared `LambdaInvoker`).
    private func invokeLambda(_ exchange: Exchange, _ integration: Integration, payload: [UInt8]) async throws(GatewayError) -> LambdaAnswer {
        guard integration.httpMethod == "POST" else {
            throw GatewayError.internalError("Execution failed due to configuration error: Lambda integrations must use httpMethod POST, not \(integration.httpMethod ?? "none")")
        }
        guard case let .lambda(uri)? = integration.target else {
            throw GatewayError.internalError("Execution failed due to configuration error: the integration has no Lambda function uri")
        }
        let resolved = substituteStageVariables(in: uri, exchange.stageVariables)
        guard let function = LambdaFunctionReference.parse(invocationURI: resolved) else {
            throw GatewayError.internalError("Execution failed due to configuration error: invalid Lambda function ARN in '\(resolved)'")
        }
        let result = await LambdaInvoker(backends: backends).invoke(functionName: function.name, qualifier: function.qualifier, payload: payload,
                                                                    timeoutMilliseconds: integration.timeoutMilliseconds)
        switch result {
        case let .success(answer): return answer
        case .failure(.timedOut): throw timeoutError(integration)
        case let .failure(.noBackend(message)), let .failure(.invokeFailed(message)), let .failure(.unreachable(message)),
             let .failure(.invalidURL(message)):
            throw GatewayError.internalError("Lambda invoke failed: \(message)", type: .integrationFailure)
        }
    }

    /// Sends an upstream request to the HTTP backend registered for the URL's host (through `HTTPIntegrationCaller`).
    private func callHTTP(_ upstream: UpstreamRequest, _ integration: Integration) async throws(GatewayError) -> UpstreamResponse {
        switch await HTTPIntegrationCaller(backends: backends, rules: .restAPI).send(upstream) {
        case let .success(response): return response
        case .failure(.timedOut): throw timeoutError(integration)
        case let .failure(.invalidURL(url)):
            throw GatewayError.internalError("Execution failed due to configuration error: invalid endpoint address '\(url)'")
        case let .failure(.noBackend(host)):
            throw GatewayError.internalError("Execution failed due to configuration error: no HTTP backend is registered for host '\(host)'", type: .integrationFailure)
        case let .failure(.unreachable(reason)), let .failure(.invokeFailed(reason)):
            throw GatewayError.internalError("Execution failed due to an integration error: \(reason)", type: .integrationFailure)
        }
    }

    /// The integration URL: stage variables, then `{name}` path placeholders, then query parameters.
    private func upstreamURL(_ exchange: Exchange, _ integration: Integration, mappedPath: [String: String], query: [(String, String)],
                             rawClientQuery: String? = nil) throws(GatewayError) -> String {
        guard case let .http(uri)? = integration.target else { throw GatewayError.internalError("HTTP integration without uri") }
        var url = substituteStageVariables(in: uri, exchange.stageVariables)
        for (name, value) in mappedPath { url = url.replacingOccurrences(of: "{\(name)}", with: value) }
        for (name, value) in exchange.pathParameters { url = url.replacingOccurrences(of: "{\(name)}", with: value) }
        var parts: [String] = []
        if let rawClientQuery, !rawClientQuery.isEmpty { parts.append(rawClientQuery) }
        parts += query.map { "\(URLCoding.encodeQueryComponent($0.0, rules: .restAPI))=\(URLCoding.encodeQueryComponent($0.1, rules: .restAPI))" }
        if !parts.isEmpty { url += (url.contains("?") ? "&" : "?") + parts.joined(separator: "&") }
        return url
    }

    /// Evaluates `integration.request.*` mappings (plus `$context.requestOverride` from the request template).
    private func mappedRequestParameters(_ exchange: Exchange, _ integration: Integration, context: JSONValue)
        -> (headers: [(String, String)], query: [(String, String)], path: [String: String]) {
        var headers: [(String, String)] = []
        var query: [(String, String)] = []
        var path: [String: String] = [:]
        for (target, source) in integration.requestParameters {
            guard let value = requestSourceValue(source, exchange) else { continue }
            if target.hasPrefix("integration.request.header.") {
                headers.append((String(target.dropFirst("integration.request.header.".count)), value))
            } else if target.hasPrefix("integration.request.querystring.") {
                query.append((String(target.dropFirst("integration.request.querystring.".count)), value))
            } else if target.hasPrefix("integration.request.multivaluequerystring.") {
                let name = String(target.dropFirst("integration.request.multivaluequerystring.".count))
                for item in value.split(separator: ",") { query.append((name, String(item))) }
            } else if target.hasPrefix("integration.request.path.") {
                path[String(target.dropFirst("integration.request.path.".count))] = value
            }
        }
        if case let .object(overrides)? = jsonLookup("requestOverride", in: context) {
            if case let .object(items)? = overrides["header"] {
                for (name, value) in items {
                    headers.removeAll { $0.0.lowercased() == name.lowercased() }
                    headers.append((name, headerText(value)))
                }
            }
            if case let .object(items)? = overrides["querystring"] {
                for (name, value) in items {
                    query.removeAll { $0.0 == name }
                    query.append((name, headerText(value)))
                }
            }
            if case let .object(items)? = overrides["path"] {
                for (name, value) in items { path[name] = headerText(value) }
            }
        }
        return (headers, query, path)
    }

    // MARK: - AWS_PROXY

    private func lambdaProxy(_ exchange: inout Exchange, _ integration: Integration) async throws(GatewayError) -> GatewayOutcome {
        let event = RESTProxyEvent.make(exchange, api: api, context: exchange.context)
        let result = try await invokeLambda(exchange, integration, payload: Array(event.serialized(.compact).utf8))
        guard case let .output(payload) = result else {
            throw GatewayError(.default5XX, status: 502, message: "Internal server error", detail: "the Lambda function failed (function error)")
        }
        let output: RESTProxyOutput
        do {
            output = try RESTProxyOutput.parse(payload)
        } catch {
            throw GatewayError(.default5XX, status: 502, message: "Internal server error",
                               detail: "Execution failed due to configuration error: Malformed Lambda proxy response: \(error.reason)")
        }
        var body = Array(output.body.utf8)
        if output.isBase64Encoded,
           let firstAccepted = acceptedMediaTypes(exchange.request.headers["Accept"]).first,
           isBinaryMediaType(firstAccepted, binaryMediaTypes: api.binaryMediaTypes) {
            guard let decoded = Data(base64Encoded: output.body) else {
                throw GatewayError.internalError("Execution failed due to configuration error: unable to base64-decode the Lambda proxy body")
            }
            body = Array(decoded)
        }
        var headers = HTTPHeaders()
        var contentType: String?
        for field in output.headers {
            let lowered = field.name.lowercased()
            if lowered == "content-type", contentType == nil { contentType = field.value; continue }
            if lowered == "transfer-encoding" { continue }
            if remappedResponseHeaders.contains(lowered) {
                headers.add(name: "x-amzn-Remapped-\(field.name)", value: field.value)
            } else {
                headers.add(name: field.name, value: field.value)
            }
        }
        let response = finish(exchange, status: output.statusCode, contentType: contentType ?? "application/json", headers: headers,
                              body: body, trace: traceHeader(exchange))
        exchange.log.methodResponseStatus = response.status
        return GatewayOutcome(response: response, log: exchange.log)
    }

    // MARK: - HTTP_PROXY

    private func httpProxy(_ exchange: inout Exchange, _ integration: Integration) async throws(GatewayError) -> GatewayOutcome {
        let mapped = mappedRequestParameters(exchange, integration, context: exchange.context)
        var headers = HTTPHeaders()
        for field in exchange.request.headers where !headersDroppedFromHTTPProxy.contains(field.name.lowercased()) {
            if mapped.headers.contains(where: { $0.0.lowercased() == field.name.lowercased() }) { continue }
            headers.add(name: field.name, value: field.value)
        }
        for (name, value) in mapped.headers { headers.add(name: name, value: value) }
        var clientQuery = exchange.request.rawQuery
        if !mapped.query.isEmpty {
            let mappedNames = Set(mapped.query.map(\.0))
            clientQuery = exchange.request.rawQuery.split(separator: "&").filter { pair in
                let name = URLCoding.decodeQueryComponent(pair.split(separator: "=", maxSplits: 1).first ?? "", rules: .restAPI)
                return !mappedNames.contains(name)
            }.joined(separator: "&")
        }
        let url = try upstreamURL(exchange, integration, mappedPath: mapped.path, query: mapped.query, rawClientQuery: clientQuery)
        let upstream = UpstreamRequest(method: integration.httpMethod == "ANY" ? exchange.request.method : (integration.httpMethod ?? exchange.request.method),
                                       url: url, headers: headers, body: exchange.request.body,
                                       timeoutMilliseconds: integration.timeoutMilliseconds)
        let answer = try await callHTTP(upstream, integration)
        var passed = HTTPHeaders()
        var contentType: String?
        for field in answer.headers {
            let lowered = field.name.lowercased()
            if lowered == "content-type", contentType == nil { contentType = field.value; continue }
            if lowered == "transfer-encoding" { continue }
            if remappedProxyHeaders.contains(lowered) {
                passed.add(name: "x-amzn-Remapped-\(field.name)", value: field.value)
            } else {
                passed.add(name: field.name, value: field.value)
            }
        }
        let trace = answer.headers["X-Amzn-Trace-Id"]
        passed.remove(name: "X-Amzn-Trace-Id")
        let response = finish(exchange, status: answer.status, contentType: contentType ?? "application/json", headers: passed,
                              body: answer.body, trace: trace)
        exchange.log.methodResponseStatus = response.status
        return GatewayOutcome(response: response, log: exchange.log)
    }

    // MARK: - AWS / HTTP / MOCK (non-proxy)

    /// What the integration answered, before integration-response selection.
    struct IntegrationResult {
        var selectionValue: String
        var body: [UInt8]
        var headers: HTTPHeaders
        /// True for a Lambda function error: `integration.response.body.errorMessage.x` header mappings then read
        /// into the `errorMessage` string parsed as JSON.
        var isLambdaError = false
    }

    private func nonProxy(_ exchange: inout Exchange, _ integration: Integration) async throws(GatewayError) -> GatewayOutcome {
        let (requestBody, templateContext) = try integrationRequestBody(exchange, integration)
        let mapped = mappedRequestParameters(exchange, integration, context: templateContext)
        let result: IntegrationResult
        switch integration.kind {
        case .mock:
            result = IntegrationResult(selectionValue: String(mockStatus(requestBody)), body: [], headers: [:])
        case .aws where integration.isServiceIntegration:
            let answer = try await callService(exchange, integration, body: requestBody, mapped: mapped)
            result = IntegrationResult(selectionValue: String(answer.status), body: answer.body, headers: answer.headers)
        case .aws:
            let payload = requestBody.isEmpty ? Array("{}".utf8) : requestBody
            switch try await invokeLambda(exchange, integration, payload: payload) {
            case let .output(output):
                result = IntegrationResult(selectionValue: "", body: output, headers: [:])
            case let .functionError(output):
                var message = ""
                if case let .object(object)? = try? JSONValue.parse(bytes: output), let value = object["errorMessage"] {
                    message = headerText(value)
                }
                result = IntegrationResult(selectionValue: message, body: output, headers: [:], isLambdaError: true)
            }
        default:
            var headers = HTTPHeaders([("Accept", "application/json"), ("User-Agent", "AmazonAPIGateway_\(api.apiID)"),
                                       ("x-amzn-apigateway-api-id", api.apiID)])
            if !requestBody.isEmpty {
                headers.add(name: "Content-Type", value: exchange.request.headers["Content-Type"] ?? "application/json")
            }
            for (name, value) in mapped.headers { headers.replaceOrAdd(name: name, value: value) }
            let url = try upstreamURL(exchange, integration, mappedPath: mapped.path, query: mapped.query)
            let upstream = UpstreamRequest(method: integration.httpMethod == "ANY" ? exchange.request.method : (integration.httpMethod ?? "GET"),
                                           url: url, headers: headers, body: requestBody, timeoutMilliseconds: integration.timeoutMilliseconds)
            let answer = try await callHTTP(upstream, integration)
            result = IntegrationResult(selectionValue: String(answer.status), body: answer.body, headers: answer.headers)
        }
        return try integrationResponse(&exchange, integration, result, templateContext: templateContext)
    }

    /// MOCK: the request template's `statusCode` (strict JSON, or the lenient `{statusCode: 200}` form); 200 without one.
    private func mockStatus(_ body: [UInt8]) -> Int {
        if case let .object(object)? = try? JSONValue.parse(bytes: body), let value = object["statusCode"] {
            switch value {
            case let .int(code): return Int(code)
            case let .string(text): if let code = Int(text) { return code }
            case let .double(code): if let exact = Int(exactly: code) { return exact }
            default: break
            }
        }
        let text = String(decoding: body, as: UTF8.self)
        if let range = text.range(of: #"statusCode["']?\s*:\s*["']?(\d{3})"#, options: .regularExpression) {
            let digits = text[range].filter(\.isNumber).suffix(3)
            if let code = Int(String(digits)) { return code }
        }
        return 200
    }

    private func integrationResponse(_ exchange: inout Exchange, _ integration: Integration, _ result: IntegrationResult,
                                     templateContext: JSONValue) throws(GatewayError) -> GatewayOutcome {
        // Selection: first pattern (document order) that matches the whole value, else the default response.
        let selected = integration.responses.first { $0.pattern?.matches(result.selectionValue) ?? false }
            ?? integration.responses.first { $0.isDefault }
        guard let selected else {
            throw GatewayError.internalError("Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: \(result.selectionValue.isEmpty ? "200" : result.selectionValue)")
        }
        exchange.log.selectedResponse = selected.selectionPattern
        exchange.log.integrationResponseStatus = selected.statusCode
        let methodResponse = exchange.method?.methodResponses[selected.statusCode]

        // Response template chosen by Accept; contentHandling converts the payload (a binary integration payload,
        // i.e. an HTTP backend answering a binary media type, reaches a template base64-encoded).
        let isBinary = result.headers["Content-Type"].map { isBinaryMediaType(mediaType($0), binaryMediaTypes: api.binaryMediaTypes) } ?? false
        var body = integration.kind == .mock ? [] : result.body
        var context = templateContext
        let accepted = acceptedMediaTypes(exchange.request.headers["Accept"] ?? "application/json")
        if let (_, template) = chooseTemplate(selected.responseTemplates, for: accepted.isEmpty ? ["application/json"] : accepted) {
            let templateBody = isBinary ? Array(Data(result.body).base64EncodedString().utf8) : result.body
            let output = try render(template, templateInput(exchange, body: templateBody, context: context))
            body = Array(output.text.utf8)
            context = output.context
            if selected.contentHandling == .convertToBinary { body = try convert(body, isBinary: false, .convertToBinary) }
        } else if integration.kind != .mock {
            body = try convert(body, isBinary: isBinary, selected.contentHandling)
        }
        var status = Int(selected.statusCode) ?? 200
        var overridden = false
        if let value = jsonLookup("responseOverride.status", in: context) {
            let code: Int? = switch value {
            case let .int(number): Int(number)
            case let .string(text): Int(text.trimmingCharacters(in: .whitespaces))
            case let .double(number): Int(exactly: number)
            default: nil
            }
            if let code, (100...599).contains(code) {
                status = code
                overridden = true
            }
        }
        if !overridden, methodResponse == nil {
            throw GatewayError.internalError("Execution failed due to configuration error: Output mapping refers to an invalid method response: \(selected.statusCode)")
        }

        // Response parameters.
        var headers = HTTPHeaders()
        var contentType = "application/json"
        func set(_ name: String, _ value: String) {
            let lowered = name.lowercased()
            if lowered == "content-type" { contentType = value; return }
            if lowered == "transfer-encoding" { return }
            if remappedResponseHeaders.contains(lowered) {
                headers.replaceOrAdd(name: "x-amzn-Remapped-\(name)", value: value)
            } else {
                headers.replaceOrAdd(name: name, value: value)
            }
        }
        for (target, source) in selected.responseParameters {
            guard let value = responseSourceValue(source, result, exchange) else { continue }
            set(String(target.dropFirst("method.response.header.".count)), value)
        }
        if case let .object(overrides)? = jsonLookup("responseOverride.header", in: context) {
            for (name, value) in overrides { set(name, headerText(value)) }
        }
        let trace: String? = integration.kind == .mock ? nil : traceHeader(exchange)
        let response = finish(exchange, status: status, contentType: contentType, headers: headers, body: body, trace: trace)
        exchange.log.methodResponseStatus = response.status
        return GatewayOutcome(response: response, log: exchange.log)
    }

    /// Resolves an integration response parameter source.
    private func responseSourceValue(_ source: String, _ result: IntegrationResult, _ exchange: Exchange) -> String? {
        if source.count >= 2, source.hasPrefix("'"), source.hasSuffix("'") { return String(source.dropFirst().dropLast()) }
        if source.hasPrefix("integration.response.header.") {
            return result.headers[String(source.dropFirst("integration.response.header.".count))]
        }
        if source.hasPrefix("integration.response.multivalueheader.") {
            let values = result.headers.values(for: String(source.dropFirst("integration.response.multivalueheader.".count)))
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
        if source == "integration.response.body" { return String(decoding: result.body, as: UTF8.self) }
        if source.hasPrefix("integration.response.body.") {
            let pathText = String(source.dropFirst("integration.response.body.".count))
            guard var json = try? JSONValue.parse(bytes: result.body) else { return nil }
            // A Lambda custom error whose errorMessage is itself JSON: header mappings read into it.
            if result.isLambdaError, pathText.hasPrefix("errorMessage."), case let .object(object) = json,
               case let .string(message)? = object["errorMessage"], let inner = try? JSONValue.parse(message) {
                json = jsonSetting(inner, at: ["errorMessage"], in: json)
            }
            guard let path = try? JSONPath("$." + pathText), let value = path.first(in: json) else { return nil }
            return headerText(value)
        }
        if source.hasPrefix("context.") { return jsonLookup(String(source.dropFirst("context.".count)), in: exchange.context).map(headerText) }
        if source.hasPrefix("stageVariables.") { return exchange.stageVariables[String(source.dropFirst("stageVariables.".count))] ?? "" }
        return nil
    }

    // MARK: - Response assembly

    /// `X-Amzn-Trace-Id` for the response: the client's Root (and Parent) if it sent one, else a new Root.
    private func traceHeader(_ exchange: Exchange) -> String {
        guard let client = exchange.request.headers["X-Amzn-Trace-Id"] else {
            return "Root=" + GatewayIdentifiers.traceRoot(now: exchange.receivedAt)
        }
        let parts = client.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let root = parts.first(where: { $0.hasPrefix("Root=") }) else {
            return "Root=" + GatewayIdentifiers.traceRoot(now: exchange.receivedAt)
        }
        let parent = parts.first { $0.hasPrefix("Parent=") } ?? "Parent=" + GatewayIdentifiers.randomHex(16)
        return "\(root);\(parent)"
    }

    /// Puts the standard headers around the mapped ones, in the order AWS sends them:
    /// Date, Content-Type, Content-Length, Connection, x-amzn-RequestId, [x-amzn-ErrorType], mapped..., x-amz-apigw-id, X-Amzn-Trace-Id.
    /// `Connection` is `keep-alive` as AWS sends it, or `close` when the client asked to close.
    func finish(_ exchange: Exchange, status: Int, contentType: String, headers: HTTPHeaders, body: [UInt8], trace: String?,
                errorType: String? = nil) -> GatewayResponse {
        // 1xx, 204 and 304 responses carry no body on the wire, so none is announced either.
        let body = (100..<200).contains(status) || status == 204 || status == 304 ? [] : body
        var all = HTTPHeaders([
            ("Date", GatewayIdentifiers.httpDate()),
            ("Content-Type", contentType),
            ("Content-Length", String(body.count)),
            ("Connection", exchange.request.headers.values(for: "Connection").contains { $0.lowercased().contains("close") } ? "close" : "keep-alive"),
            ("x-amzn-RequestId", exchange.requestID),
        ])
        if let errorType { all.add(name: "x-amzn-ErrorType", value: errorType) }
        for field in headers { all.add(name: field.name, value: field.value) }
        all.add(name: "x-amz-apigw-id", value: exchange.extendedRequestID)
        if let trace { all.add(name: "X-Amzn-Trace-Id", value: trace) }
        return GatewayResponse(status: status, headers: all, body: body)
    }

    // MARK: - Gateway responses

    private func gatewayErrorOutcome(_ error: GatewayError, exchange: Exchange) -> GatewayOutcome {
        var log = exchange.log
        log.detail = error.detail ?? error.message
        let customType: GatewayResponseType? = !error.appliesCustomizations ? nil
            : api.gatewayResponses[error.type] != nil ? error.type : error.status >= 500 ? .default5XX : .default4XX
        let custom = customType.flatMap { api.gatewayResponses[$0] }
        log.gatewayResponseType = error.type.rawValue
        log.gatewayResponseCustomization = custom == nil ? nil : customType?.rawValue
        let status = custom?.statusCode ?? error.status
        var context = jsonLookup("requestId", in: exchange.context) != nil ? exchange.context : makeContext(exchange)
        let messageString = error.messageIsNull ? "null" : JSONValue.string(error.message).serialized(.compact)
        context = jsonSetting(jsonObject([("message", .string(error.message)), ("messageString", .string(messageString)),
                                      ("responseType", .string(error.type.rawValue)), ("validationErrorString", .string(error.validationError ?? ""))]),
                          at: ["error"], in: context)
        var body = Array(error.defaultBody.utf8)
        var headers = HTTPHeaders()
        if let custom {
            let accepted = acceptedMediaTypes(exchange.request.headers["Accept"] ?? "application/json")
            if let (_, template) = chooseTemplate(custom.responseTemplates, for: accepted.isEmpty ? ["application/json"] : accepted) {
                do {
                    body = Array(try template.render(templateInput(exchange, body: exchange.request.body, context: context)).text.utf8)
                } catch {
                    log.detail = (log.detail ?? "") + "; the gateway response template \(template.name) failed at line \(error.line), column \(error.column): \(error.message)"
                }
            }
            var withContext = exchange
            withContext.context = context
            for (target, source) in custom.responseParameters {
                guard let value = requestSourceValue(source, withContext) else { continue }
                headers.replaceOrAdd(name: String(target.dropFirst("gatewayresponse.header.".count)), value: value)
            }
        }
        var contentType = "application/json"
        if let mapped = headers["Content-Type"] {
            contentType = mapped
            headers.remove(name: "Content-Type")
        }
        let response = finish(exchange, status: status, contentType: contentType, headers: headers, body: body, trace: nil,
                              errorType: error.errorTypeOverride ?? error.type.errorType)
        return GatewayOutcome(response: response, log: log)
    }
}
