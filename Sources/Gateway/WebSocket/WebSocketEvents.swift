import Foundation
import HTTPMessage
import JSONCore

/// One open WebSocket connection as the pipeline knows it: what later events and `@connections` GET show.
public struct WebSocketConnection: Sendable {
    /// `requestContext.connectionId`, e.g. `Ab3dEf5hIj7lMn9=` (16 characters, like AWS's).
    public var id: String
    public var stage: String
    /// When `$connect` succeeded.
    public var connectedAt: Date
    public var sourceIP: String
    public var userAgent: String?
    /// The handshake's headers (shown again in the `$disconnect` event, as AWS does).
    public var handshakeHeaders: HTTPHeaders
    /// `requestContext.authorizer` of every later event: the authorizer's principal and context.
    var authorizer: JSONValue?
}

/// The handshake (`GET /{stage}` with `Upgrade: websocket`) `$connect` runs for.
public struct WebSocketHandshake: Sendable {
    public var stage: String
    public var headers: HTTPHeaders
    /// The raw query string, without `?`.
    public var rawQuery: String
    public var sourceIP: String

    public init(stage: String, headers: HTTPHeaders, rawQuery: String, sourceIP: String) {
        self.stage = stage
        self.headers = headers
        self.rawQuery = rawQuery
        self.sourceIP = sourceIP
    }
}

/// The Lambda proxy events of WebSocket APIs, field for field as API Gateway sends them (Developer Guide,
/// "apigateway-websocket-api-route-keys-connect-disconnect" and the event samples of "services-apigateway" in
/// the Lambda Developer Guide): `requestContext` with `routeKey`, `eventType`, `connectionId`, `connectedAt`,
/// `messageId` (messages only), `domainName`, `stage`, `apiId`, ...; `headers` on CONNECT and DISCONNECT;
/// `body` and `isBase64Encoded` on MESSAGE.
struct WebSocketEvents {
    let api: WebSocketAPIDefinition

    var domainName: String { "\(api.apiID).execute-api.\(EmulatorEnvironment.region).\(EmulatorEnvironment.urlSuffix)" }

    enum Kind {
        case connect
        case message(messageID: String, routeKey: String)
        case disconnect(statusCode: Int, reason: String)
    }

    /// `requestContext` of one event.
    func requestContext(_ kind: Kind, connection: WebSocketConnection, requestID: String, now: Date) -> JSONValue {
        var context: [(String, JSONValue)] = []
        let millis = JSONValue.int(Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
        switch kind {
        case .connect:
            context.append(("routeKey", .string("$connect")))
            context.append(("eventType", .string("CONNECT")))
        case let .message(messageID, routeKey):
            context.append(("routeKey", .string(routeKey)))
            context.append(("messageId", .string(messageID)))
            context.append(("eventType", .string("MESSAGE")))
        case let .disconnect(statusCode, reason):
            context.append(("routeKey", .string("$disconnect")))
            context.append(("disconnectStatusCode", .int(Int64(statusCode))))
            context.append(("eventType", .string("DISCONNECT")))
            context.append(("disconnectReason", .string(reason)))
        }
        if let authorizer = connection.authorizer { context.append(("authorizer", authorizer)) }
        var identity: [(String, JSONValue)] = []
        if let agent = connection.userAgent { identity.append(("userAgent", .string(agent))) }
        identity.append(("sourceIp", .string(connection.sourceIP)))
        context += [
            ("extendedRequestId", .string(requestID)),
            ("requestTime", .string(GatewayIdentifiers.requestTime(now))),
            ("messageDirection", .string("IN")),
            ("stage", .string(connection.stage)),
            ("connectedAt", .int(Int64((connection.connectedAt.timeIntervalSince1970 * 1000).rounded(.down)))),
            ("requestTimeEpoch", millis),
            ("identity", object(identity)),
            ("requestId", .string(requestID)),
            ("domainName", .string(domainName)),
            ("connectionId", .string(connection.id)),
            ("apiId", .string(api.apiID)),
        ]
        return object(context)
    }

    /// The `$connect` event: headers, query string parameters, request context.
    func connectEvent(_ handshake: WebSocketHandshake, connection: WebSocketConnection, requestID: String, now: Date) -> JSONValue {
        var fields = headerFields(handshake.headers)
        let query = URLCoding.queryPairs(handshake.rawQuery, rules: .restAPI)
        if !query.isEmpty {
            var single: [(String, JSONValue)] = []
            var multi: [(String, [JSONValue])] = []
            for (name, value) in query {
                if let index = single.firstIndex(where: { $0.0 == name }) {
                    single[index].1 = .string(value)
                    if let m = multi.firstIndex(where: { $0.0 == name }) { multi[m].1.append(.string(value)) }
                } else {
                    single.append((name, .string(value)))
                    multi.append((name, [.string(value)]))
                }
            }
            fields.append(("queryStringParameters", object(single)))
            fields.append(("multiValueQueryStringParameters", object(multi.map { ($0.0, JSONValue.array($0.1)) })))
        }
        fields.append(("requestContext", requestContext(.connect, connection: connection, requestID: requestID, now: now)))
        fields.append(("isBase64Encoded", .bool(false)))
        return object(fields)
    }

    /// A message's event: request context, `body` (base64 for a binary frame) and `isBase64Encoded`.
    func messageEvent(body: [UInt8], isBinary: Bool, routeKey: String, messageID: String, connection: WebSocketConnection,
                      requestID: String, now: Date) -> JSONValue {
        object([
            ("requestContext", requestContext(.message(messageID: messageID, routeKey: routeKey), connection: connection,
                                              requestID: requestID, now: now)),
            ("body", .string(isBinary ? Data(body).base64EncodedString() : String(decoding: body, as: UTF8.self))),
            ("isBase64Encoded", .bool(isBinary)),
        ])
    }

    /// The `$disconnect` event: the handshake's headers again, the close code and reason.
    func disconnectEvent(connection: WebSocketConnection, statusCode: Int, reason: String, requestID: String, now: Date) -> JSONValue {
        var fields = headerFields(connection.handshakeHeaders)
        fields.append(("requestContext", requestContext(.disconnect(statusCode: statusCode, reason: reason), connection: connection,
                                                        requestID: requestID, now: now)))
        fields.append(("isBase64Encoded", .bool(false)))
        return object(fields)
    }

    /// `headers` (last value wins) and `multiValueHeaders`, names as the client wrote them.
    private func headerFields(_ headers: HTTPHeaders) -> [(String, JSONValue)] {
        var single: [(String, JSONValue)] = []
        var multi: [(String, [JSONValue])] = []
        for field in headers {
            if let index = single.firstIndex(where: { $0.0.lowercased() == field.name.lowercased() }) {
                single[index].1 = .string(field.value)
                multi[index].1.append(.string(field.value))
            } else {
                single.append((field.name, .string(field.value)))
                multi.append((field.name, [.string(field.value)]))
            }
        }
        return [("headers", object(single)), ("multiValueHeaders", object(multi.map { ($0.0, JSONValue.array($0.1)) }))]
    }

    private func object(_ pairs: [(String, JSONValue)]) -> JSONValue { jsonObject(pairs) }
}

