import Foundation
import HTTPMessage
import JSONCore

/// The method response the integration response step chose, before the method response step adds the standard
/// headers.
struct RESTMethodResponseParts: Sendable {
    var status: Int
    var contentType: String
    var headers: HTTPHeaders
    var body: [UInt8]
    /// `X-Amzn-Trace-Id`, when the response carries one.
    var trace: String?
}

/// REST step "integration response": the proxy answers as they come (reserved headers remapped), or for non-proxy
/// integrations the integration response selected by pattern, its template (chosen by Accept), `contentHandling`,
/// `responseOverride` and response parameters; a missing method response is a configuration error.
struct RESTIntegrationResponseStep: PipelineStep {
    var name: StepName { .integrationResponse }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) throws(GatewayError) {
        guard let integration = exchange.method?.integration, let answer = exchange.integrationAnswer else {
            throw GatewayError.internalError("no integration answer")
        }
        switch (integration.kind, answer) {
        case let (.awsProxy, .lambda(answer)):
            exchange.methodResponse = try gateway.lambdaProxyResponse(exchange, answer)
        case let (.httpProxy, .http(answer)):
            exchange.methodResponse = gateway.httpProxyResponse(answer)
        default:
            try gateway.integrationResponse(&exchange, integration, IntegrationResult(answer), templateContext: exchange.templateContext)
        }
    }
}

/// What the integration answered, before integration-response selection.
struct IntegrationResult: Sendable {
    var selectionValue: String
    var body: [UInt8]
    var headers: HTTPHeaders
    /// True for a Lambda function error: `integration.response.body.errorMessage.x` header mappings then read
    /// into the `errorMessage` string parsed as JSON.
    var isLambdaError = false
}

extension IntegrationResult {
    /// The value selection patterns match (the status, or a Lambda function error's `errorMessage`), body and headers.
    init(_ answer: RESTIntegrationAnswer) {
        switch answer {
        case let .mock(status):
            self.init(selectionValue: String(status), body: [], headers: [:])
        case let .http(response):
            self.init(selectionValue: String(response.status), body: response.body, headers: response.headers)
        case let .lambda(.output(output)):
            self.init(selectionValue: "", body: output, headers: [:])
        case let .lambda(.functionError(output)):
            var message = ""
            if case let .object(object)? = try? JSONValue.parse(bytes: output), let value = object["errorMessage"] {
                message = headerText(value)
            }
            self.init(selectionValue: message, body: output, headers: [:], isLambdaError: true)
        }
    }
}

extension RESTGateway {
    /// `AWS_PROXY`: the function's `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}` answer.
    func lambdaProxyResponse(_ exchange: Exchange, _ answer: LambdaAnswer) throws(GatewayError) -> RESTMethodResponseParts {
        guard case let .output(payload) = answer else {
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
        let (headers, contentType) = Self.passedHeaders(output.headers, remapping: remappedResponseHeaders)
        return RESTMethodResponseParts(status: output.statusCode, contentType: contentType ?? "application/json", headers: headers,
                                       body: body, trace: traceHeader(exchange))
    }

    /// `HTTP_PROXY`: the endpoint's answer, its reserved headers remapped.
    func httpProxyResponse(_ answer: UpstreamResponse) -> RESTMethodResponseParts {
        var (passed, contentType) = Self.passedHeaders(answer.headers, remapping: remappedProxyHeaders)
        let trace = answer.headers["X-Amzn-Trace-Id"]
        passed.remove(name: "X-Amzn-Trace-Id")
        return RESTMethodResponseParts(status: answer.status, contentType: contentType ?? "application/json", headers: passed,
                                       body: answer.body, trace: trace)
    }

    /// A proxy answer's headers as the client gets them: the first `Content-Type` apart (nil when none),
    /// `Transfer-Encoding` dropped, the names in `remapped` renamed `x-amzn-Remapped-<name>`.
    static func passedHeaders(_ headers: some Sequence<HTTPHeaderField>, remapping remapped: Set<String>) -> (HTTPHeaders, String?) {
        var passed = HTTPHeaders()
        var contentType: String?
        for field in headers {
            let lowered = field.name.lowercased()
            if lowered == "content-type", contentType == nil { contentType = field.value; continue }
            if lowered == "transfer-encoding" { continue }
            passed.add(name: remapped.contains(lowered) ? "x-amzn-Remapped-\(field.name)" : field.name, value: field.value)
        }
        return (passed, contentType)
    }

    /// `AWS` / `HTTP` / `MOCK`: selects the integration response, renders its template and response parameters.
    func integrationResponse(_ exchange: inout Exchange, _ integration: Integration, _ result: IntegrationResult,
                                     templateContext: JSONValue) throws(GatewayError) {
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
        exchange.methodResponse = RESTMethodResponseParts(status: status, contentType: contentType, headers: headers, body: body,
                                                          trace: integration.kind == .mock ? nil : traceHeader(exchange))
    }

    /// Resolves an integration response parameter source.
    func responseSourceValue(_ source: String, _ result: IntegrationResult, _ exchange: Exchange) -> String? {
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

    /// `X-Amzn-Trace-Id` for the response: the client's Root (and Parent) if it sent one, else a new Root.
    func traceHeader(_ exchange: Exchange) -> String {
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
}
