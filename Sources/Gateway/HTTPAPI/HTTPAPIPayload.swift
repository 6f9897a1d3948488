import Foundation
import HTTPMessage
import JSONCore

/// The request as the integration will see it: the client's request after API Gateway added its own
/// headers and after request parameter mapping.
struct HTTPAPIRequestView: Sendable {
    var method: String
    /// The full raw path the client used, stage prefix (or a custom domain's base path) included (what `rawPath` shows).
    var rawPath: String
    var rawQueryString: String
    /// Decoded query pairs in order.
    var queryPairs: [(name: String, value: String)]
    var headers: HTTPHeaders
    /// Percent-decoded path parameters, in route order.
    var pathParameters: [(name: String, value: String)]
    var body: [UInt8]
    var sourceIP: String
    var httpProtocol: String

    /// Headers API Gateway does not pass to the integration (rule book §10, assumed identical for HTTP APIs).
    static let droppedClientHeaders: Set<String> = [
        "connection", "content-md5", "expect", "max-forwards", "proxy-authenticate", "server", "te", "trailer",
        "transfer-encoding", "upgrade", "www-authenticate", "keep-alive",
    ]

    /// Builds the view of a client request, adding the headers API Gateway adds
    /// (`x-amzn-trace-id`, `x-forwarded-for`, `x-forwarded-port`, `x-forwarded-proto`).
    init(request: GatewayRequest, pathParameters: [(name: String, value: String)], traceID: String) {
        method = request.method
        rawPath = request.customDomainPath ?? request.path
        rawQueryString = request.rawQuery
        queryPairs = URLCoding.queryPairs(request.rawQuery, rules: .httpAPI)
        var headers = HTTPHeaders()
        for field in request.headers where !Self.droppedClientHeaders.contains(field.name.lowercased()) {
            headers.add(name: field.name, value: field.value)
        }
        if !headers.contains("x-amzn-trace-id") { headers.add(name: "x-amzn-trace-id", value: traceID) }
        let forwardedFor = headers.values(for: "x-forwarded-for")
        headers.remove(name: "x-forwarded-for")
        headers.add(name: "x-forwarded-for", value: (forwardedFor + [request.sourceIP]).joined(separator: ", "))
        var port = "80"
        if let host = request.headers["host"], let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            port = String(host[host.index(after: colon)...])
        }
        headers.replaceOrAdd(name: "x-forwarded-port", value: port)
        headers.replaceOrAdd(name: "x-forwarded-proto", value: "http")
        self.headers = headers
        self.pathParameters = pathParameters.map { ($0.name, URLCoding.percentDecode(Substring($0.value), plusAsSpace: false)) }
        body = request.body
        sourceIP = request.sourceIP
        httpProtocol = request.httpVersion
    }

    /// Whether the body goes to Lambda base64-encoded: every body except text ones (`text/*`, JSON, XML,
    /// JavaScript, and their `+json`/`+xml` variants) that are valid UTF-8.
    var bodyIsBinary: Bool {
        guard !body.isEmpty else { return false }
        guard let contentType = headers["content-type"]?.lowercased() else { return true }
        let mime = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let textual = mime.hasPrefix("text/") || ["application/json", "application/xml", "application/javascript"].contains(mime)
            || mime.hasSuffix("+json") || mime.hasSuffix("+xml")
        return !(textual && Array(String(decoding: body, as: UTF8.self).utf8) == body)
    }

    var bodyText: String {
        bodyIsBinary ? HTTPAPIEncoding.base64(body) : String(decoding: body, as: UTF8.self)
    }

    /// Values of `name` comma-joined, as the 2.0 event and `$request.querystring.x` show them.
    func queryValue(_ name: String) -> String? {
        let values = queryPairs.filter { $0.name == name }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}

/// Values that describe one request in events, context variables and headers.
struct HTTPAPIRequestContext: Sendable {
    var requestID: String
    var apiID: String
    var stage: String
    var routeKey: String
    /// The route path (`/items/{id}`), or the request path for `$default`.
    var resourcePath: String
    var clock: HTTPAPIClock
    var domainName: String
    var domainPrefix: String
    var userAgent: String
    /// `$context.authorizer.*` once a Lambda authorizer allowed the request (context, principalId, integrationLatency).
    var authorizerContext: [(String, JSONValue)]?
    /// The authorizer's own `context` map (payload 2.0 events carry it as `requestContext.authorizer.lambda`).
    var authorizerLambdaContext: [(String, JSONValue)] = []
    /// The verified token's claims once a JWT authorizer allowed the request (`$context.authorizer.claims.*`).
    var jwtClaims: [(String, JSONValue)]?
    /// The verified token's scopes (nil when it has none).
    var jwtScopes: [String]?

    init(requestID: String, apiID: String, stage: String, route: HTTPAPIRoute, requestPath: String,
         clock: HTTPAPIClock, host: String?, userAgent: String?) {
        self.requestID = requestID
        self.apiID = apiID
        self.stage = stage
        routeKey = route.routeKey
        resourcePath = route.isDefault ? requestPath : route.path
        self.clock = clock
        domainName = host ?? "\(apiID).execute-api.\(EmulatorEnvironment.region).amazonaws.com"
        domainPrefix = String(domainName.split(separator: ".").first ?? Substring(domainName))
        self.userAgent = userAgent ?? ""
    }
}

/// Builds the Lambda events of both payload formats.
enum HTTPAPIEvent {
    static func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(.init(uniqueKeysWithValues: pairs)) }

    static func stringMap(_ pairs: [(String, String)]) -> JSONValue {
        object(pairs.map { ($0.0, .string($0.1)) })
    }

    /// Groups (name, value) pairs by name (first-seen order) with a key function.
    static func grouped(_ pairs: [(String, String)], key: (String) -> String) -> [(String, [String])] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        var display: [String: String] = [:]
        for (name, value) in pairs {
            let k = key(name)
            if values[k] == nil {
                order.append(k)
                display[k] = name
            }
            values[k, default: []].append(value)
        }
        return order.map { (display[$0]!, values[$0]!) }
    }

    /// Payload format 2.0 (DG http-api-develop-integrations-lambda): lower-cased headers, repeated
    /// values comma-joined, cookies in their own array, absent keys instead of nulls.
    static func v2(_ view: HTTPAPIRequestView, context: HTTPAPIRequestContext, stageVariables: [String: String]) -> JSONValue {
        var cookies: [String] = []
        var headerPairs: [(String, String)] = []
        for field in view.headers {
            let name = field.name.lowercased()
            if name == "cookie" {
                cookies += field.value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else {
                headerPairs.append((name, field.value))
            }
        }
        let headers = grouped(headerPairs) { $0 }.map { ($0.0, $0.1.joined(separator: ",")) }
        let query = grouped(view.queryPairs.map { ($0.name, $0.value) }) { $0 }.map { ($0.0, $0.1.joined(separator: ",")) }

        var event: [(String, JSONValue)] = [
            ("version", .string("2.0")),
            ("routeKey", .string(context.routeKey)),
            ("rawPath", .string(view.rawPath)),
            ("rawQueryString", .string(view.rawQueryString)),
        ]
        if !cookies.isEmpty { event.append(("cookies", .array(cookies.map(JSONValue.string)))) }
        event.append(("headers", stringMap(headers)))
        if !query.isEmpty { event.append(("queryStringParameters", stringMap(query))) }
        event.append(("requestContext", object([
            ("accountId", .string(EmulatorEnvironment.accountID)),
            ("apiId", .string(context.apiID)),
        ] + (context.authorizerContext == nil ? [] : [("authorizer", object([("lambda", object(context.authorizerLambdaContext))]))])
          + (context.jwtClaims == nil ? [] : [("authorizer", object([("jwt", JWTClaimText.event(context))]))]) + [
            ("domainName", .string(context.domainName)),
            ("domainPrefix", .string(context.domainPrefix)),
            ("http", object([
                ("method", .string(view.method)),
                ("path", .string(view.rawPath)),
                ("protocol", .string(view.httpProtocol)),
                ("sourceIp", .string(view.sourceIP)),
                ("userAgent", .string(context.userAgent)),
            ])),
            ("requestId", .string(context.requestID)),
            ("routeKey", .string(context.routeKey)),
            ("stage", .string(context.stage)),
            ("time", .string(context.clock.requestTime)),
            ("timeEpoch", .int(context.clock.epochMilliseconds)),
        ])))
        if !view.body.isEmpty { event.append(("body", .string(view.bodyText))) }
        if !view.pathParameters.isEmpty {
            event.append(("pathParameters", stringMap(grouped(view.pathParameters.map { ($0.name, $0.value) }) { $0 }.map { ($0.0, $0.1.last!) })))
        }
        event.append(("isBase64Encoded", .bool(view.bodyIsBinary)))
        if !stageVariables.isEmpty { event.append(("stageVariables", stringMap(stageVariables.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))) }
        return object(event)
    }

    /// Payload format 1.0: the REST proxy event shape (rule book §10) with `version: "1.0"`. Header casing
    /// is kept, single-value maps take the last value, absent maps are `null`.
    static func v1(_ view: HTTPAPIRequestView, context: HTTPAPIRequestContext, stageVariables: [String: String]) -> JSONValue {
        let headerGroups = grouped(view.headers.map { ($0.name, $0.value) }) { $0.lowercased() }
        let queryGroups = grouped(view.queryPairs.map { ($0.name, $0.value) }) { $0 }
        func single(_ groups: [(String, [String])]) -> JSONValue {
            groups.isEmpty ? .null : stringMap(groups.map { ($0.0, $0.1.last!) })
        }
        func multi(_ groups: [(String, [String])]) -> JSONValue {
            groups.isEmpty ? .null : object(groups.map { ($0.0, .array($0.1.map(JSONValue.string))) })
        }
        let pathGroups = grouped(view.pathParameters.map { ($0.name, $0.value) }) { $0 }
        let nullValue = JSONValue.null
        return object([
            ("version", .string("1.0")),
            ("resource", .string(context.resourcePath)),
            ("path", .string(view.rawPath)),
            ("httpMethod", .string(view.method)),
            ("headers", single(headerGroups)),
            ("multiValueHeaders", multi(headerGroups)),
            ("queryStringParameters", single(queryGroups)),
            ("multiValueQueryStringParameters", multi(queryGroups)),
            ("requestContext", object([
                ("accountId", .string(EmulatorEnvironment.accountID)),
                ("apiId", .string(context.apiID)),
            ] + (context.authorizerContext.map { [("authorizer", object($0))] } ?? [])
              + (context.jwtClaims == nil ? [] : [("authorizer", JWTClaimText.event(context))]) + [
                ("domainName", .string(context.domainName)),
                ("domainPrefix", .string(context.domainPrefix)),
                ("extendedRequestId", .string(context.requestID)),
                ("httpMethod", .string(view.method)),
                ("identity", object([
                    ("accessKey", nullValue), ("accountId", nullValue), ("caller", nullValue),
                    ("cognitoAuthenticationProvider", nullValue), ("cognitoAuthenticationType", nullValue),
                    ("cognitoIdentityId", nullValue), ("cognitoIdentityPoolId", nullValue), ("principalOrgId", nullValue),
                    ("sourceIp", .string(view.sourceIP)), ("user", nullValue),
                    ("userAgent", .string(context.userAgent)), ("userArn", nullValue),
                ])),
                ("path", .string(view.rawPath)),
                ("protocol", .string(view.httpProtocol)),
                ("requestId", .string(context.requestID)),
                ("requestTime", .string(context.clock.requestTime)),
                ("requestTimeEpoch", .int(context.clock.epochMilliseconds)),
                ("resourceId", .string(context.routeKey)),
                ("resourcePath", .string(context.resourcePath)),
                ("stage", .string(context.stage)),
            ])),
            ("pathParameters", pathGroups.isEmpty ? .null : stringMap(pathGroups.map { ($0.0, $0.1.last!) })),
            ("stageVariables", stageVariables.isEmpty ? .null : stringMap(stageVariables.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
            ("body", view.body.isEmpty ? .null : .string(view.bodyText)),
            ("isBase64Encoded", .bool(view.bodyIsBinary)),
        ])
    }
}

/// Payload format version of a Lambda proxy integration.
public enum HTTPAPIPayloadFormat: String, Sendable, Hashable {
    case v1 = "1.0"
    case v2 = "2.0"
}


/// Why an integration's answer could not be turned into a response (logged as the outcome's detail).
struct HTTPAPIOutputProblem: Error, Sendable {
    var message: String
}

/// Interprets Lambda output as HTTP APIs do.
enum HTTPAPILambdaOutput {
    /// The content type API Gateway assumes for structured responses that set none (unverified, see docs).
    static let defaultStructuredContentType = "text/plain; charset=utf-8"

    /// Payload format 2.0: valid JSON without `statusCode` is a 200 `application/json` response whose body is
    /// the output (a JSON string is unquoted); an object with `statusCode` is structured.
    static func v2(_ payload: [UInt8]) -> Result<GatewayResponse, HTTPAPIOutputProblem> {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes: payload)
        } catch {
            return .failure(HTTPAPIOutputProblem(message: "function output is not valid JSON (\(error))"))
        }
        guard case let .object(fields) = json, fields["statusCode"] != nil else {
            let body: [UInt8]
            if case let .string(text) = json { body = Array(text.utf8) } else { body = payload }
            return .success(GatewayResponse(status: 200, headers: ["content-type": "application/json"], body: body))
        }
        return structured(fields.map { ($0.key, $0.value) }, allowMultiValueHeaders: false, allowCookies: true)
    }

    /// Payload format 1.0: a JSON object with a `statusCode` is required (unknown keys are ignored).
    static func v1(_ payload: [UInt8]) -> Result<GatewayResponse, HTTPAPIOutputProblem> {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes: payload)
        } catch {
            return .failure(HTTPAPIOutputProblem(message: "function output is not valid JSON (\(error))"))
        }
        guard case let .object(fields) = json else {
            return .failure(HTTPAPIOutputProblem(message: "payload format 1.0 needs a JSON object with statusCode, got a \(json.typeName)"))
        }
        guard fields["statusCode"] != nil else {
            return .failure(HTTPAPIOutputProblem(message: "payload format 1.0 output has no statusCode"))
        }
        return structured(fields.map { ($0.key, $0.value) }, allowMultiValueHeaders: true, allowCookies: false)
    }

    private static func structured(_ fields: [(String, JSONValue)], allowMultiValueHeaders: Bool,
                                   allowCookies: Bool) -> Result<GatewayResponse, HTTPAPIOutputProblem> {
        func field(_ name: String) -> JSONValue? {
            fields.first { $0.0 == name }?.1
        }
        let status: Int
        switch field("statusCode") {
        case let .int(value)?: status = Int(value)
        case let .double(value)? where value == value.rounded(): status = Int(value)
        case let .string(text)?:
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                return .failure(HTTPAPIOutputProblem(message: "statusCode '\(text)' is not a number"))
            }
            status = value
        default:
            return .failure(HTTPAPIOutputProblem(message: "statusCode must be an integer"))
        }
        guard (100...599).contains(status) else {
            return .failure(HTTPAPIOutputProblem(message: "statusCode \(status) is not between 100 and 599"))
        }

        var headers = HTTPHeaders()
        if allowMultiValueHeaders, let multi = field("multiValueHeaders"), !multi.isNull {
            guard case let .object(map) = multi else {
                return .failure(HTTPAPIOutputProblem(message: "multiValueHeaders must be an object"))
            }
            for (name, values) in map {
                guard case let .array(items) = values else {
                    if values.isNull { continue }
                    return .failure(HTTPAPIOutputProblem(message: "multiValueHeaders.\(name) must be an array"))
                }
                for item in items {
                    guard let text = headerText(item) else {
                        return .failure(HTTPAPIOutputProblem(message: "multiValueHeaders.\(name) has a \(item.typeName) value"))
                    }
                    if let text, !headers.values(for: name).contains(text) { headers.add(name: name, value: text) }
                }
            }
        }
        if let single = field("headers"), !single.isNull {
            guard case let .object(map) = single else {
                return .failure(HTTPAPIOutputProblem(message: "headers must be an object"))
            }
            for (name, value) in map {
                guard let text = headerText(value) else {
                    return .failure(HTTPAPIOutputProblem(message: "headers.\(name) has a \(value.typeName) value"))
                }
                guard let text else { continue }
                let existing = headers.values(for: name)
                if existing.contains(text) { continue }
                let casing = headers.fields.first { $0.name.lowercased() == name.lowercased() }?.name ?? name
                headers.add(name: casing, value: text)
            }
        }
        if allowCookies, let cookies = field("cookies"), !cookies.isNull {
            guard case let .array(items) = cookies else {
                return .failure(HTTPAPIOutputProblem(message: "cookies must be an array of strings"))
            }
            for item in items {
                guard case let .string(cookie) = item else {
                    return .failure(HTTPAPIOutputProblem(message: "cookies must be an array of strings"))
                }
                headers.add(name: "set-cookie", value: cookie)
            }
        }

        var body: [UInt8] = []
        switch field("body") {
        case nil, .null?: break
        case let .string(text)?: body = Array(text.utf8)
        case let other?:
            return .failure(HTTPAPIOutputProblem(message: "body must be a string, got a \(other.typeName)"))
        }
        if case .bool(true)? = field("isBase64Encoded") {
            guard let decoded = HTTPAPIEncoding.decodeBase64(String(decoding: body, as: UTF8.self)) else {
                return .failure(HTTPAPIOutputProblem(message: "isBase64Encoded is true but body is not valid base64"))
            }
            body = decoded
        }
        if !headers.contains("content-type") && !body.isEmpty {
            headers.add(name: "content-type", value: defaultStructuredContentType)
        }
        return .success(GatewayResponse(status: status, headers: headers, body: body))
    }

    /// Header value text: strings as is, numbers and booleans as JSON renders them; `.some(nil)` for null
    /// (the header is skipped); nil for arrays and objects (malformed).
    private static func headerText(_ value: JSONValue) -> String?? {
        switch value {
        case let .string(text): return .some(text)
        case .int, .double, .bool: return .some(value.serialized(.compact))
        case .null: return .some(nil)
        case .array, .object: return nil
        }
    }
}
