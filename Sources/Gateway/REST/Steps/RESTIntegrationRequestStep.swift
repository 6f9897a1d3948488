import Foundation
import HTTPMessage
import JSONCore

/// What the integration request step prepared for the integration step.
enum RESTIntegrationCall: Sendable {
    /// `AWS` / `AWS_PROXY` to Lambda: the function and the event (proxy event or the templated body).
    case lambda(LambdaFunctionReference, payload: [UInt8])
    /// `HTTP` / `HTTP_PROXY`.
    case http(UpstreamRequest)
    /// `AWS` to another service (`services:` backends).
    case service(ServiceRequest)
    /// `MOCK`: the status the request template chose.
    case mock(status: Int)
}

/// REST step "integration request": refuses reserved header targets, then builds what the integration is sent:
/// the proxy event, the client's request (HTTP_PROXY), or the request template's output (or passthrough body) with
/// the `integration.request.*` parameter mappings.
struct RESTIntegrationRequestStep: PipelineStep {
    var name: StepName { .integrationRequest }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) throws(GatewayError) {
        guard let integration = exchange.method?.integration else { throw GatewayError.internalError("no method") }
        try gateway.checkRequestParameterTargets(integration)
        exchange.templateContext = exchange.context
        switch integration.kind {
        case .awsProxy:
            let event = RESTProxyEvent.make(exchange, api: gateway.api, context: exchange.context)
            exchange.integrationCall = .lambda(try gateway.lambdaFunction(exchange, integration), payload: Array(event.serialized(.compact).utf8))
        case .httpProxy:
            exchange.integrationCall = .http(try gateway.httpProxyRequest(exchange, integration))
        case .aws, .http, .mock:
            try gateway.nonProxyRequest(&exchange, integration)
        }
    }
}

extension RESTGateway {
    /// `AWS` / `HTTP` / `MOCK`: the request template (or passthrough) and the mapped parameters, as the call the
    /// integration step makes.
    func nonProxyRequest(_ exchange: inout Exchange, _ integration: Integration) throws(GatewayError) {
        let (requestBody, templateContext) = try integrationRequestBody(exchange, integration)
        exchange.templateContext = templateContext
        let mapped = mappedRequestParameters(exchange, integration, context: templateContext)
        switch integration.kind {
        case .mock:
            exchange.integrationCall = .mock(status: mockStatus(requestBody))
        case .aws where integration.isServiceIntegration:
            exchange.integrationCall = .service(try serviceRequest(exchange, integration, body: requestBody, mapped: mapped))
        case .aws:
            let payload = requestBody.isEmpty ? Array("{}".utf8) : requestBody
            exchange.integrationCall = .lambda(try lambdaFunction(exchange, integration), payload: payload)
        default:
            var headers = HTTPHeaders([("Accept", "application/json"), ("User-Agent", "AmazonAPIGateway_\(api.apiID)"),
                                       ("x-amzn-apigateway-api-id", api.apiID)])
            if !requestBody.isEmpty {
                headers.add(name: "Content-Type", value: exchange.request.headers["Content-Type"] ?? "application/json")
            }
            for (name, value) in mapped.headers { headers.replaceOrAdd(name: name, value: value) }
            let url = try upstreamURL(exchange, integration, mappedPath: mapped.path, query: mapped.query)
            exchange.integrationCall = .http(UpstreamRequest(method: integration.httpMethod == "ANY" ? exchange.request.method : (integration.httpMethod ?? "GET"),
                                                             url: url, headers: headers, body: requestBody, timeoutMilliseconds: integration.timeoutMilliseconds))
        }
    }

    /// `HTTP_PROXY`: the client's request with the mapped headers and query, to the integration URL.
    func httpProxyRequest(_ exchange: Exchange, _ integration: Integration) throws(GatewayError) -> UpstreamRequest {
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
        return upstream
    }

    /// The Lambda function an `AWS` / `AWS_PROXY` integration names (stage variables substituted), or the
    /// configuration error API Gateway answers with.
    func lambdaFunction(_ exchange: Exchange, _ integration: Integration) throws(GatewayError) -> LambdaFunctionReference {
        guard integration.httpMethod == "POST" else {
            throw GatewayError.internalError("Execution failed due to configuration error: Lambda integrations must use httpMethod POST, not \(integration.httpMethod ?? "none")")
        }
        guard case let .lambda(uri)? = integration.target else {
            throw GatewayError.internalError("Execution failed due to configuration error: the integration has no Lambda function uri")
        }
        if let parsedAtLoad = integration.invokedFunction { return parsedAtLoad }
        let resolved = substituteStageVariables(in: uri, exchange.stageVariables)
        guard let function = LambdaFunctionReference.parse(invocationURI: resolved) else {
            throw GatewayError.internalError("Execution failed due to configuration error: invalid Lambda function ARN in '\(resolved)'")
        }
        return function
    }

    /// The AWS service request the integration describes (sent by `ServiceIntegrationCaller`).
    func serviceRequest(_ exchange: Exchange, _ integration: Integration, body: [UInt8],
                        mapped: (headers: [(String, String)], query: [(String, String)], path: [String: String])) throws(GatewayError) -> ServiceRequest {
        guard case let .awsService(uri)? = integration.target else { throw GatewayError.internalError("AWS service integration without uri") }
        let resolved = substituteStageVariables(in: uri, exchange.stageVariables)
        var path = mapped.path
        for (name, value) in exchange.pathParameters where path[name] == nil { path[name] = value }
        guard let request = ServiceIntegrationCaller.restRequest(
            uri: resolved, method: integration.httpMethod ?? "POST", headers: mapped.headers, query: mapped.query, path: path,
            body: body, contentType: exchange.request.headers["Content-Type"], timeoutMilliseconds: integration.timeoutMilliseconds) else {
            throw GatewayError.internalError("Execution failed due to configuration error: invalid AWS service integration uri '\(resolved)'")
        }
        return request
    }

    /// Header targets API Gateway refuses at request time (rule book §4).
    func checkRequestParameterTargets(_ integration: Integration) throws(GatewayError) {
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

    func templateInput(_ exchange: Exchange, body: [UInt8], context: JSONValue) -> GatewayTemplate.Input {
        GatewayTemplate.Input(body: body, pathParameters: exchange.pathParameters, queryParameters: exchange.queryParameters,
                               headers: exchange.request.headers.fields.map { ($0.name, $0.value) }, context: context,
                               stageVariables: exchange.sortedStageVariables)
    }

    func render(_ template: GatewayTemplate, _ input: GatewayTemplate.Input) throws(GatewayError) -> (text: String, context: JSONValue) {
        do {
            return try template.render(input)
        } catch {
            throw GatewayError.internalError("Execution failed due to a mapping template error in \(template.name) at line \(error.line), column \(error.column): \(error.message)")
        }
    }

    /// Applies the request template (chosen by Content-Type) or the passthrough rules; returns the integration
    /// request body and the context the template left (requestOverride, responseOverride, custom keys).
    func integrationRequestBody(_ exchange: Exchange, _ integration: Integration) throws(GatewayError) -> (body: [UInt8], context: JSONValue) {
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
    func convert(_ payload: [UInt8], isBinary: Bool, _ handling: Integration.ContentHandling?) throws(GatewayError) -> [UInt8] {
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

    /// The integration URL: stage variables, then `{name}` path placeholders, then query parameters.
    func upstreamURL(_ exchange: Exchange, _ integration: Integration, mappedPath: [String: String], query: [(String, String)],
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
    func mappedRequestParameters(_ exchange: Exchange, _ integration: Integration, context: JSONValue)
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

    /// MOCK: the request template's `statusCode` (strict JSON, or the lenient `{statusCode: 200}` form); 200 without one.
    func mockStatus(_ body: [UInt8]) -> Int {
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
}
