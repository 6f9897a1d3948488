import Foundation
import HTTPMessage
import JSONCore

/// Answers requests the way an HTTP API (API Gateway v2) stage does: routes, Lambda proxy payload
/// formats 1.0 and 2.0, HTTP proxy, request/response parameter mapping, integration timeout.
/// No networking of its own: a server feeds it `GatewayRequest`s; integrations go through `backends`.
public struct HTTPAPIGateway: GatewayHandler {
    public let api: HTTPAPIDefinition
    /// `$default` serves at the root; any other name serves under `/{stage}`.
    public let stage: String
    public let stageVariables: [String: String]
    public let backends: BackendRegistry
    /// Access key id -> secret access key accepted on `AWS_IAM` routes (see HTTPAPIIAMAuthorization.swift).
    public let iamCredentials: [String: String]
    /// The clock authorizer caching is measured by.
    public let clock: GatewayClock
    let authorizerCache = AuthorizerCache()
    /// Verifies the tokens of JWT routes against `backends.jwtTrust`.
    let jwtVerifier: JWTVerifier
    let router: HTTPAPIRouter
    /// The steps every request goes through (`standardPipeline`; tests may insert steps).
    var pipeline = HTTPAPIGateway.standardPipeline

    public init(api: HTTPAPIDefinition, stage: String = "$default", stageVariables: [String: String] = [:], backends: BackendRegistry,
                iamCredentials: [String: String] = [:], clock: GatewayClock = .system) {
        self.clock = clock
        self.api = api
        self.stage = stage
        self.stageVariables = stageVariables
        self.backends = backends
        self.iamCredentials = iamCredentials
        router = HTTPAPIRouter(routes: api.routes, defaultRoute: api.defaultRoute)
        jwtVerifier = JWTVerifier(trust: backends.jwtTrust)
    }

    /// Error bodies exactly as HTTP APIs send them (sources in docs/emulator.md, "HTTP APIs").
    enum ErrorBody {
        static let notFound = #"{"message":"Not Found"}"#
        static let internalServerError = #"{"message":"Internal Server Error"}"#
        static let serviceUnavailable = #"{"message":"Service Unavailable"}"#
        static let requestEntityTooLarge = #"{"message":"Request Entity Too Large"}"#
        static let headerFieldsTooLarge = #"{"message":"Request Header Fields Too Large"}"#
        static let uriTooLong = #"{"message":"URI Too Long"}"#
    }

    public func rejection(_ reason: RequestRejection) -> GatewayResponse {
        let clock = HTTPAPIClock.now()
        let requestID = GatewayIdentifiers.httpAPIRequestID()
        switch reason {
        case .bodyTooLarge: return Self.errorResponse(413, ErrorBody.requestEntityTooLarge, requestID: requestID, clock: clock)
        case .headersTooLarge: return Self.errorResponse(431, ErrorBody.headerFieldsTooLarge, requestID: requestID, clock: clock)
        case .uriTooLong: return Self.errorResponse(414, ErrorBody.uriTooLong, requestID: requestID, clock: clock)
        }
    }

    public func handle(_ request: GatewayRequest) async -> GatewayOutcome {
        guard let cors = api.cors else { return await run(request) }
        if HTTPAPICors.isPreflight(request), let answer = preflightAnswer(request, cors: cors) { return answer }
        var outcome = await run(request)
        outcome.response.headers = cors.decorate(outcome.response.headers, origin: request.headers["origin"])
        return outcome
    }

    /// API Gateway's own answer to a CORS preflight: 204, no body, the configured CORS headers (none when the origin
    /// is not allowed). nil when a route takes the request instead: an `OPTIONS` or `ANY` route, or `$default`, that
    /// matches the path (Developer Guide, "Configuring CORS for an HTTP API with a $default route and an authorizer").
    private func preflightAnswer(_ request: GatewayRequest, cors: HTTPAPICors) -> GatewayOutcome? {
        guard let innerPath = stagePath(of: request.path), router.match(method: "OPTIONS", path: innerPath) == nil else { return nil }
        let clock = HTTPAPIClock.now()
        var headers = HTTPHeaders()
        headers.add(name: "date", value: clock.imfFixdate)
        for field in cors.preflightHeaders(origin: request.headers["origin"] ?? "") { headers.add(name: field.name, value: field.value) }
        headers.add(name: "apigw-requestid", value: GatewayIdentifiers.httpAPIRequestID())
        return GatewayOutcome(response: GatewayResponse(status: 204, headers: headers),
                              log: GatewayLogEntry(route: nil, integrationType: nil, detail: "CORS preflight answered by the gateway"))
    }

    /// The HTTP API's steps, in the order API Gateway applies them (HTTP APIs do not validate requests). A new step is
    /// one line here. CORS wraps the pipeline (`handle`): a preflight is answered before routing.
    static let standardPipeline = Pipeline<HTTPAPIGateway>([
        HTTPAPIRouteStep(),
        HTTPAPIAuthorizeStep(),
        HTTPAPIIntegrationRequestStep(),
        HTTPAPIIntegrationStep(),
        HTTPAPIIntegrationResponseStep(),
        HTTPAPIMethodResponseStep(),
    ], gatewayResponse: HTTPAPIGatewayResponseStep())

    /// One request through the HTTP API pipeline.
    typealias Exchange = Gateway.Exchange<HTTPAPIRequestState>

    /// Runs the pipeline (every step except CORS).
    private func run(_ request: GatewayRequest) async -> GatewayOutcome {
        var exchange = Exchange(request: request, state: HTTPAPIRequestState(clock: HTTPAPIClock.now(), requestID: GatewayIdentifiers.httpAPIRequestID()))
        return await pipeline.run(&exchange, self)
    }

    /// The path inside the stage, or nil when the request is not under this stage.
    func stagePath(of path: String) -> String? {
        let path = path.isEmpty ? "/" : path
        guard stage != "$default" else { return path }
        let prefix = "/" + stage
        if path == prefix { return "/" }
        guard path.hasPrefix(prefix + "/") else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// `scheme://authority` of an absolute URL.
    static func origin(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        return String(url[..<end])
    }

    /// The path of an absolute URL (without query).
    static func pathPart(of url: String) -> String {
        guard let origin = origin(of: url) else { return "" }
        let rest = url.dropFirst(origin.count)
        let end = rest.firstIndex { $0 == "?" || $0 == "#" } ?? rest.endIndex
        return String(rest[..<end])
    }

    // MARK: Responses

    /// Builds the response with the headers an HTTP API adds, in its order: `date`, `content-type`,
    /// `content-length`, `connection: keep-alive`, the integration's headers, `apigw-requestid`.
    static func finalize(status: Int, headers: HTTPHeaders, body: [UInt8], requestID: String, clock: HTTPAPIClock) -> GatewayResponse {
        var fields = HTTPHeaders()
        fields.add(name: "date", value: clock.imfFixdate)
        if let contentType = headers["content-type"] { fields.add(name: "content-type", value: contentType) }
        fields.add(name: "content-length", value: String(body.count))
        fields.add(name: "connection", value: "keep-alive")
        let managed: Set<String> = ["date", "content-type", "content-length", "connection", "transfer-encoding", "apigw-requestid"]
        for field in headers where !managed.contains(field.name.lowercased()) {
            fields.add(name: field.name, value: field.value)
        }
        fields.add(name: "apigw-requestid", value: requestID)
        return GatewayResponse(status: status, headers: fields, body: body)
    }

    static func errorResponse(_ status: Int, _ body: String, requestID: String, clock: HTTPAPIClock) -> GatewayResponse {
        finalize(status: status, headers: ["content-type": "application/json"], body: Array(body.utf8), requestID: requestID, clock: clock)
    }
}

extension String {
    /// The string without one trailing `/`.
    var dropTrailingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}

/// Evaluates parameter mapping values and applies request/response mappings.
struct HTTPAPIMappingEvaluator: Sendable {
    let request: HTTPAPIRequestView
    let context: HTTPAPIRequestContext
    let stageVariables: [String: String]
    /// The request body parsed as JSON (nil when it is not JSON).
    let requestJSON: JSONValue?

    init(request: HTTPAPIRequestView, context: HTTPAPIRequestContext, stageVariables: [String: String]) {
        self.request = request
        self.context = context
        self.stageVariables = stageVariables
        requestJSON = try? JSONValue.parse(bytes: request.body)
    }

    /// Renders a JSON selection as mapping text: strings raw, everything else compact JSON, missing -> "".
    static func text(of selection: JSONValue?) -> String {
        selection.map(headerText) ?? ""
    }

    func evaluate(_ value: HTTPAPIMappingValue, response: GatewayResponse? = nil, responseJSON: JSONValue? = nil) -> String {
        var output = ""
        for part in value.parts {
            switch part {
            case let .literal(text): output += text
            case let .variable(variable): output += resolve(variable, response: response, responseJSON: responseJSON)
            }
        }
        return output
    }

    private func resolve(_ variable: HTTPAPIMappingVariable, response: GatewayResponse?, responseJSON: JSONValue?) -> String {
        switch variable {
        case let .requestHeader(name): return request.headers.values(for: name).joined(separator: ",")
        case let .requestQueryString(name): return request.queryValue(name) ?? ""
        case let .requestPathParameter(name): return request.pathParameters.last { $0.name == name }?.value ?? ""
        case .requestPath: return request.rawPath
        case let .requestBody(path): return requestJSON.flatMap { Self.text(of: path.first(in: $0)) } ?? ""
        case let .responseHeader(name): return response?.headers.values(for: name).joined(separator: ",") ?? ""
        case let .responseBody(path): return responseJSON.flatMap { Self.text(of: path.first(in: $0)) } ?? ""
        case let .stageVariable(name): return stageVariables[name] ?? ""
        case let .context(name): return contextValue(name, response: response)
        }
    }

    private func contextValue(_ name: String, response: GatewayResponse?) -> String {
        switch name {
        case "accountId": return EmulatorEnvironment.accountID
        case "apiId": return context.apiID
        case "domainName": return context.domainName
        case "domainPrefix": return context.domainPrefix
        case "requestId", "extendedRequestId": return context.requestID
        case "httpMethod": return request.method
        case "identity.sourceIp": return request.sourceIP
        case "identity.userAgent": return context.userAgent
        case "path": return request.rawPath
        case "protocol": return request.httpProtocol
        case "requestTime": return context.clock.requestTime
        case "requestTimeEpoch": return String(context.clock.epochMilliseconds)
        case "routeKey": return context.routeKey
        case "stage": return context.stage
        case "integrationStatus": return response.map { String($0.status) } ?? ""
        default:
            if name.hasPrefix("authorizer.claims."), let claims = context.jwtClaims {
                let key = String(name.dropFirst("authorizer.claims.".count))
                return claims.last { $0.0 == key }.map { JWTClaimText.text($0.1) } ?? ""
            }
            if name.hasPrefix("authorizer."), let values = context.authorizerContext {
                let key = String(name.dropFirst("authorizer.".count))
                return values.last { $0.0 == key }.map { headerText($0.1) } ?? ""
            }
            return ""
        }
    }

    /// Applies request mappings in order; values are computed from the original request.
    /// Returns the mapped view and the overwritten path, if any.
    func applyRequestMappings(_ mappings: [HTTPAPIParameterMapping], to original: HTTPAPIRequestView) -> (HTTPAPIRequestView, String?) {
        guard !mappings.isEmpty else { return (original, nil) }
        var view = original
        var queryChanged = false
        var pathOverride: String?
        for mapping in mappings {
            let value = evaluate(mapping.value)
            switch (mapping.target, mapping.action) {
            case let (.header(name), .append): view.headers.add(name: name, value: value)
            case let (.header(name), .overwrite): view.headers.replaceOrAdd(name: name, value: value)
            case let (.header(name), .remove): view.headers.remove(name: name)
            case let (.queryString(name), action):
                queryChanged = true
                if action != .append { view.queryPairs.removeAll { $0.name == name } }
                if action != .remove { view.queryPairs.append((name, value)) }
            case (.path, _):
                let path = value.hasPrefix("/") ? value : "/" + value
                pathOverride = path
                view.rawPath = path
            case (.statusCode, _):
                break
            }
        }
        if queryChanged {
            view.rawQueryString = view.queryPairs.map { "\(URLCoding.encodeQueryComponent($0.name, rules: .httpAPI))=\(URLCoding.encodeQueryComponent($0.value, rules: .httpAPI))" }
                .joined(separator: "&")
        }
        return (view, pathOverride)
    }

    /// Applies the response mappings selected by the integration status; values are computed from the
    /// integration's response before any change.
    func applyResponseMappings(_ mappings: [HTTPAPIParameterMapping], to output: GatewayResponse)
        -> Result<GatewayResponse, HTTPAPIOutputProblem> {
        let responseJSON = try? JSONValue.parse(bytes: output.body)
        var mapped = output
        for mapping in mappings {
            let value = evaluate(mapping.value, response: output, responseJSON: responseJSON)
            switch (mapping.target, mapping.action) {
            case let (.header(name), .append): mapped.headers.add(name: name, value: value)
            case let (.header(name), .overwrite): mapped.headers.replaceOrAdd(name: name, value: value)
            case let (.header(name), .remove): mapped.headers.remove(name: name)
            case (.statusCode, _):
                guard let code = Int(value.trimmingCharacters(in: .whitespaces)), (100...599).contains(code) else {
                    return .failure(HTTPAPIOutputProblem(message: "overwrite:statuscode produced '\(value)', not a status code"))
                }
                mapped.status = code
            case (.queryString, _), (.path, _):
                break
            }
        }
        return .success(mapped)
    }
}
