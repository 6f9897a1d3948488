import Foundation
import HTTPMessage
import JSONCore
import SigV4

/// The WebSocket API pipeline as plain code (no networking): `$connect` for a handshake, routing of each message
/// by the route selection expression (falling back to `$default`), the route's integration, the answer of a
/// two-way route, and `$disconnect`. The server layer (`GatewayServer/WebSocket`) feeds it frames and writes back
/// what it returns.
public struct WebSocketGateway: Sendable {
    public let api: WebSocketAPIDefinition
    let backends: BackendRegistry
    let clock: GatewayClock
    /// Checks the handshake's SigV4 signature on an `AWS_IAM` `$connect` route; nil: such routes are not checked.
    let verifier: SigV4Verifier?
    /// Receives one line per failed integration (why the client got `Internal server error`).
    let log: (@Sendable (String) -> Void)?
    private let authorizerCache = AuthorizerCache()
    private var events: WebSocketEvents { WebSocketEvents(api: api) }

    public init(api: WebSocketAPIDefinition, backends: BackendRegistry, clock: GatewayClock = .system, verifier: SigV4Verifier? = nil,
                log: (@Sendable (String) -> Void)? = nil) {
        self.api = api
        self.verifier = verifier
        self.log = log
        self.backends = backends
        self.clock = clock
    }

    /// What `$connect` decided.
    public enum ConnectOutcome: Sendable {
        /// Upgrade: the connection is open. `subprotocol` is the `Sec-WebSocket-Protocol` the `$connect`
        /// integration answered with, if any (AWS echoes it in the 101 response).
        case accepted(WebSocketConnection, subprotocol: String?)
        /// The upgrade is refused with this HTTP status and body, as AWS refuses it.
        case refused(status: Int, body: [UInt8])
    }

    /// Whether the API has a stage named `name`.
    public func hasStage(_ name: String) -> Bool { api.stage(named: name) != nil }

    /// Runs `$connect` (its authorizer first) for a handshake.
    public func connect(_ handshake: WebSocketHandshake) async -> ConnectOutcome {
        let now = clock.now()
        var headers = HTTPHeaders()
        for field in handshake.headers where !["connection", "upgrade"].contains(field.name.lowercased()) {
            headers.add(name: field.name, value: field.value)
        }
        if !headers.contains("x-amzn-trace-id") { headers.add(name: "X-Amzn-Trace-Id", value: "Root=" + GatewayIdentifiers.traceRoot(now: now)) }
        if !headers.contains("x-forwarded-for") { headers.add(name: "X-Forwarded-For", value: handshake.sourceIP) }
        if !headers.contains("x-forwarded-port") { headers.add(name: "X-Forwarded-Port", value: "443") }
        if !headers.contains("x-forwarded-proto") { headers.add(name: "X-Forwarded-Proto", value: "https") }
        var connection = WebSocketConnection(id: GatewayIdentifiers.extendedRequestID(), stage: handshake.stage, connectedAt: now,
                                             sourceIP: handshake.sourceIP, userAgent: handshake.headers["user-agent"],
                                             handshakeHeaders: headers, authorizer: nil)
        let requestID = GatewayIdentifiers.extendedRequestID()
        var authorized = handshake
        authorized.headers = headers
        guard let route = api.routes["$connect"] else { return .accepted(connection, subprotocol: nil) }
        if route.requiresIAM, let verifier {
            let target = "/\(handshake.stage)" + (handshake.rawQuery.isEmpty ? "" : "?" + handshake.rawQuery)
            if case let .invalid(rejection) = verifier.verify(method: "GET", target: target, headers: handshake.headers, body: [], now: now) {
                return .refused(status: rejection.status, body: Array(jsonObject([("message", .string(rejection.awsMessage))]).serialized(.compact).utf8))
            }
        }
        if let authorizer = route.authorizer {
            switch await authorize(authorizer.authorizer, handshake: authorized, connection: connection, requestID: requestID, now: now) {
            case let .success(grant): connection.authorizer = grant
            case let .failure(refusal): return refusal.outcome
            }
        }
        guard let integration = route.integration else { return .accepted(connection, subprotocol: nil) }
        let event = events.connectEvent(authorized, connection: connection, requestID: requestID, now: now)
        let answer = await call(integration, event: event, body: [], routeKey: "$connect", connection: connection, requestID: requestID)
        switch answer {
        case let .proxy(status, responseHeaders, body):
            guard (200..<300).contains(status) else { return .refused(status: status, body: body) }
            return .accepted(connection, subprotocol: responseHeaders["sec-websocket-protocol"])
        case let .rendered(status, _):
            guard (200..<300).contains(status) else { return .refused(status: status, body: Self.messageBody("Forbidden")) }
            return .accepted(connection, subprotocol: nil)
        case .failed:
            return .refused(status: 502, body: Self.messageBody("Internal server error"))
        }
    }

    /// Routes one message and runs its integration; returns the frame to send back (the integration's answer for a
    /// two-way route, AWS's error frame when no route matches or the integration fails), or nil.
    public func receive(_ body: [UInt8], isBinary: Bool, on connection: WebSocketConnection) async -> [UInt8]? {
        let now = clock.now()
        let requestID = GatewayIdentifiers.extendedRequestID()
        let selected = isBinary ? nil : WebSocketSelection.select(api.routeSelectionExpression, body: body)
        let route = selected.flatMap { key in key.hasPrefix("$") ? nil : api.routes[key] } ?? api.routes["$default"]
        guard let route, let integration = route.integration else {
            return Self.errorFrame("Forbidden", connection: connection, requestID: requestID)
        }
        let event = events.messageEvent(body: body, isBinary: isBinary, routeKey: route.key, messageID: GatewayIdentifiers.extendedRequestID(),
                                        connection: connection, requestID: requestID, now: now)
        switch await call(integration, event: event, body: body, routeKey: route.key, connection: connection, requestID: requestID) {
        case .failed:
            return Self.errorFrame("Internal server error", connection: connection, requestID: requestID)
        case let .proxy(_, _, responseBody), let .rendered(_, responseBody):
            return route.isTwoWay ? responseBody : nil
        }
    }

    /// Runs `$disconnect` (best effort: its answer is discarded, as AWS discards it).
    public func disconnect(_ connection: WebSocketConnection, statusCode: Int, reason: String) async {
        guard let route = api.routes["$disconnect"], let integration = route.integration else { return }
        let requestID = GatewayIdentifiers.extendedRequestID()
        let event = events.disconnectEvent(connection: connection, statusCode: statusCode, reason: reason, requestID: requestID, now: clock.now())
        _ = await call(integration, event: event, body: [], routeKey: "$disconnect", connection: connection, requestID: requestID)
    }

    /// AWS's error frame: `{"message": "Forbidden", "connectionId":"...", "requestId":"..."}` (spacing as AWS writes it).
    static func errorFrame(_ message: String, connection: WebSocketConnection, requestID: String) -> [UInt8] {
        Array(#"{"message": "\#(message)", "connectionId":"\#(connection.id)", "requestId":"\#(requestID)"}"#.utf8)
    }

    static func messageBody(_ message: String) -> [UInt8] { Array(#"{"message":"\#(message)"}"#.utf8) }

    // MARK: - Authorizer

    private struct Refusal: Error {
        var outcome: ConnectOutcome
    }

    private func authorize(_ authorizer: LambdaAuthorizer, handshake: WebSocketHandshake, connection: WebSocketConnection,
                           requestID: String, now: Date) async -> Result<JSONValue, Refusal> {
        let query = URLCoding.queryPairs(handshake.rawQuery, rules: .restAPI)
        let variables = api.stage(named: connection.stage)?.variables ?? [:]
        let identity: [String?] = authorizer.identitySources.map { source in
            switch source {
            case let .header(name): return handshake.headers[name]
            case let .queryString(name): return query.last { $0.0 == name }?.1
            case let .stageVariable(name): return variables[name]
            case let .context(name): return name == "connectionId" ? connection.id : nil
            }
        }
        let arn = "arn:\(EmulatorEnvironment.partition):execute-api:\(EmulatorEnvironment.region):\(EmulatorEnvironment.accountID):\(api.apiID)/\(connection.stage)/$connect"
        let step = AuthorizeStep(backends: backends, cache: authorizerCache, clock: clock)
        let outcome = await step.authorize(authorizer, identity: identity, resourceARN: arn, restContext: true) {
            // The REQUEST authorizer event: the $connect event's fields behind `type` and `methodArn`, plus `stageVariables`.
            let connectEvent = events.connectEvent(handshake, connection: connection, requestID: requestID, now: now)
            var pairs: [(String, JSONValue)] = [("type", .string("REQUEST")), ("methodArn", .string(arn))]
            if case let .object(fields) = connectEvent {
                for (key, value) in fields where key != "isBase64Encoded" { pairs.append((key, value)) }
            }
            pairs.append(("stageVariables", jsonObject(variables.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
            return jsonObject(pairs)
        }
        switch outcome {
        case let .allowed(grant):
            var pairs: [(String, JSONValue)] = []
            if let principal = grant.principalID { pairs.append(("principalId", .string(principal))) }
            pairs += grant.context
            pairs.append(("integrationLatency", .int(Int64(grant.latencyMilliseconds))))
            return .success(jsonObject(pairs))
        case .unauthorized:
            return .failure(Refusal(outcome: .refused(status: 401, body: Self.messageBody("Unauthorized"))))
        case .denied:
            return .failure(Refusal(outcome: .refused(status: 403, body: Self.messageBody("Forbidden"))))
        case .configurationError, .failure:
            return .failure(Refusal(outcome: .refused(status: 500, body: Self.messageBody("Internal Server Error"))))
        }
    }

    // MARK: - Integrations

    enum IntegrationAnswer {
        /// A proxy integration's status, headers and body (a Lambda proxy result's `statusCode`/`headers`/`body`,
        /// an HTTP_PROXY response).
        case proxy(status: Int, headers: HTTPHeaders, body: [UInt8])
        /// A non-proxy integration's status and its integration response's rendered body.
        case rendered(status: Int, body: [UInt8])
        /// The integration could not be called or failed (the client gets `Internal server error`).
        case failed(String)
    }

    func call(_ integration: WebSocketIntegration, event: JSONValue, body: [UInt8], routeKey: String,
              connection: WebSocketConnection, requestID: String) async -> IntegrationAnswer {
        let answer = await callIntegration(integration, event: event, body: body, routeKey: routeKey, connection: connection, requestID: requestID)
        if case let .failed(reason) = answer {
            log?("WebSocket \(api.name) route \(routeKey) connection \(connection.id): integration \(integration.id) failed: \(reason)")
        }
        return answer
    }

    private func callIntegration(_ integration: WebSocketIntegration, event: JSONValue, body: [UInt8], routeKey: String,
                                 connection: WebSocketConnection, requestID: String) async -> IntegrationAnswer {
        let variables = api.stage(named: connection.stage)?.variables ?? [:]
        let invoker = LambdaInvoker(backends: backends)
        switch integration.kind {
        case let .lambdaProxy(function):
            let result = await invoker.invoke(functionName: substituteStageVariables(in: function.name, variables),
                                              qualifier: function.qualifier.map { substituteStageVariables(in: $0, variables) },
                                              payload: Array(event.serialized(.compact).utf8), timeoutMilliseconds: integration.timeoutMilliseconds)
            switch result {
            case let .failure(failure): return .failed("\(failure)")
            case let .success(.functionError(payload)): return .failed("the function failed: " + String(decoding: payload, as: UTF8.self))
            case let .success(.output(output)): return Self.proxyResult(output)
            }
        case let .lambda(function):
            guard let payload = render(integration, body: body, routeKey: routeKey, connection: connection, requestID: requestID, variables: variables) else {
                return .failed("the request template failed")
            }
            let result = await invoker.invoke(functionName: substituteStageVariables(in: function.name, variables), qualifier: function.qualifier,
                                              payload: payload, timeoutMilliseconds: integration.timeoutMilliseconds)
            switch result {
            case let .failure(failure): return .failed("\(failure)")
            case let .success(.functionError(payload)): return .failed("the function failed: " + String(decoding: payload, as: UTF8.self))
            case let .success(.output(output)):
                return respond(integration, status: 200, body: output, routeKey: routeKey, connection: connection, requestID: requestID, variables: variables)
            }
        case let .http(url, method, proxy):
            let payload: [UInt8]
            if proxy {
                payload = body
            } else {
                guard let rendered = render(integration, body: body, routeKey: routeKey, connection: connection, requestID: requestID, variables: variables) else {
                    return .failed("the request template failed")
                }
                payload = rendered
            }
            let request = UpstreamRequest(method: method, url: substituteStageVariables(in: url, variables),
                                          headers: ["Content-Type": "application/json"], body: payload,
                                          timeoutMilliseconds: integration.timeoutMilliseconds)
            switch await HTTPIntegrationCaller(backends: backends, rules: .httpAPI).send(request) {
            case let .failure(failure): return .failed("\(failure)")
            case let .success(response):
                if proxy { return .proxy(status: response.status, headers: response.headers, body: response.body) }
                return respond(integration, status: response.status, body: response.body, routeKey: routeKey, connection: connection,
                               requestID: requestID, variables: variables)
            }
        case .mock:
            guard let rendered = render(integration, body: body, routeKey: routeKey, connection: connection, requestID: requestID, variables: variables) else {
                return .failed("the request template failed")
            }
            var status = 200
            if let json = try? JSONValue.parse(bytes: rendered), let code = json["statusCode"]?.intValue { status = Int(code) }
            return respond(integration, status: status, body: [], routeKey: routeKey, connection: connection, requestID: requestID, variables: variables)
        }
    }

    /// A Lambda proxy result: `statusCode`, `headers`, `body` (base64-decoded when `isBase64Encoded`). Output
    /// that is not such an object is sent as it is, with status 200.
    static func proxyResult(_ output: [UInt8]) -> IntegrationAnswer {
        guard let json = try? JSONValue.parse(bytes: output), case let .object(object) = json,
              object["statusCode"] != nil || object["body"] != nil else {
            return .proxy(status: 200, headers: [:], body: output)
        }
        let status = object["statusCode"]?.intValue.map(Int.init) ?? 200
        var headers = HTTPHeaders()
        if case let .object(fields)? = object["headers"] {
            for (name, value) in fields { headers.add(name: name, value: headerText(value)) }
        }
        var body: [UInt8] = []
        if let value = object["body"], !value.isNull {
            let text = headerText(value)
            if object["isBase64Encoded"]?.boolValue == true, let data = Data(base64Encoded: text) { body = Array(data) } else { body = Array(text.utf8) }
        }
        return .proxy(status: status, headers: headers, body: body)
    }

    private func templateContext(routeKey: String, connection: WebSocketConnection, requestID: String) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("routeKey", .string(routeKey)), ("connectionId", .string(connection.id)),
            ("connectedAt", .int(Int64((connection.connectedAt.timeIntervalSince1970 * 1000).rounded(.down)))),
            ("requestId", .string(requestID)), ("stage", .string(connection.stage)), ("apiId", .string(api.apiID)),
            ("domainName", .string(events.domainName)), ("identity", jsonObject([("sourceIp", .string(connection.sourceIP))])),
        ]
        if let authorizer = connection.authorizer { pairs.append(("authorizer", authorizer)) }
        return jsonObject(pairs)
    }

    private func templateInput(body: [UInt8], routeKey: String, connection: WebSocketConnection, requestID: String,
                               variables: [String: String]) -> GatewayTemplate.Input {
        GatewayTemplate.Input(body: body, pathParameters: [], queryParameters: [], headers: [],
                               context: templateContext(routeKey: routeKey, connection: connection, requestID: requestID),
                               stageVariables: variables.sorted { $0.key < $1.key })
    }

    /// The template `expression` selects from `templates` for `body` (falling back to `$default`, then to the only one).
    private static func pick(_ templates: [String: GatewayTemplate], expression: String?, body: [UInt8]) -> GatewayTemplate? {
        if let expression, let key = WebSocketSelection.select(expression, body: body), let template = templates[key] { return template }
        if let template = templates["$default"] { return template }
        return templates.count == 1 ? templates.first?.value : nil
    }

    /// The request template's output (the message itself when the integration has no template).
    private func render(_ integration: WebSocketIntegration, body: [UInt8], routeKey: String, connection: WebSocketConnection,
                        requestID: String, variables: [String: String]) -> [UInt8]? {
        guard let template = Self.pick(integration.requestTemplates, expression: integration.templateSelectionExpression, body: body) else {
            return body
        }
        let input = templateInput(body: body, routeKey: routeKey, connection: connection, requestID: requestID, variables: variables)
        return (try? template.render(input)).map { Array($0.text.utf8) }
    }

    /// The integration response for `status` (`/regex/` keys, else `$default`) and its rendered template; with no
    /// template the integration's body goes back as it is.
    private func respond(_ integration: WebSocketIntegration, status: Int, body: [UInt8], routeKey: String,
                         connection: WebSocketConnection, requestID: String, variables: [String: String]) -> IntegrationAnswer {
        let response = integration.responses.first { $0.matches(status: status) } ?? integration.responses.first { $0.key == "$default" }
        guard let response, let template = Self.pick(response.templates, expression: response.templateSelectionExpression, body: body) else {
            return .rendered(status: status, body: body)
        }
        let input = templateInput(body: body, routeKey: routeKey, connection: connection, requestID: requestID, variables: variables)
        guard let output = try? template.render(input) else { return .failed("the response template failed") }
        return .rendered(status: status, body: Array(output.text.utf8))
    }
}
