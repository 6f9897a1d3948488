import Foundation
import HTTPMessage
import JSONCore
import SigV4

/// What the `@connections` API needs from the server: the open connections.
public protocol WebSocketConnectionDirectory: Sendable {
    /// Sends `data` as one frame (text when it is valid UTF-8, binary otherwise); false when the connection is gone.
    func send(_ data: [UInt8], to connectionID: String) async -> Bool
    /// The connection and when it last saw traffic; nil when it is gone.
    func info(_ connectionID: String) -> (connection: WebSocketConnection, lastActiveAt: Date)?
    /// Closes the connection (close code 1000 from the server's side); false when it is gone.
    func close(_ connectionID: String) async -> Bool
}

/// The `@connections` management API of a WebSocket stage, as plain code (`POST|GET|DELETE
/// /{stage}/@connections/{connectionId}`): what backends call through the AWS SDK (`ApiGatewayManagementApi`
/// `PostToConnection`, `GetConnection`, `DeleteConnection`) with the endpoint pointed at the emulator.
/// Answers as API Gateway does: 200 empty (POST), 200 JSON (GET), 204 (DELETE), 410 `GoneException` for a closed
/// or unknown connection, 413 `PayloadTooLargeException` above 128 KB, 403 when SigV4 is required and fails.
public struct WebSocketManagementAPI: Sendable {
    /// The largest payload `PostToConnection` accepts (the message payload limit of WebSocket APIs, 128 KB).
    public static let maximumPayloadBytes = 128 * 1024

    public let stages: Set<String>
    /// When set, every call must be signed (SigV4, service `execute-api`) with a key it knows.
    public let verifier: SigV4Verifier?

    public init(stages: Set<String>, verifier: SigV4Verifier?) {
        self.stages = stages
        self.verifier = verifier
    }

    /// The stage and connection id of a `@connections` path, or nil when the path is not one.
    public func route(path: String) -> (stage: String, connectionID: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[2] == "@connections", stages.contains(String(parts[1])), !parts[3].isEmpty else {
            return nil
        }
        return (String(parts[1]), URLCoding.percentDecode(parts[3], plusAsSpace: false))
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
    }

    /// Answers one management call. `target` is the request-target as sent (path and query), for SigV4.
    public func handle(method: String, target: String, headers: HTTPHeaders, body: [UInt8],
                       directory: any WebSocketConnectionDirectory) async -> Response? {
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        guard let (_, connectionID) = route(path: path) else { return nil }
        if let verifier {
            if case let .invalid(rejection) = verifier.verify(method: method, target: target, headers: headers, body: body) {
                return error(403, "ForbiddenException", rejection.awsMessage)
            }
        }
        switch method {
        case "POST":
            guard body.count <= Self.maximumPayloadBytes else {
                return error(413, "PayloadTooLargeException", "Message too long")
            }
            guard await directory.send(body, to: connectionID) else { return gone() }
            return Response(status: 200, headers: requestHeaders(), body: [])
        case "GET":
            guard let (connection, lastActive) = directory.info(connectionID) else { return gone() }
            // The wire names of the service model (`connectedAt`, `identity.sourceIp`, ...), which SDKs map to
            // `ConnectedAt`, `Identity.SourceIp`, ...
            let identity: [(String, JSONValue)] = [("sourceIp", .string(connection.sourceIP)),
                                                   ("userAgent", .string(connection.userAgent ?? ""))]
            let json = jsonObject([("connectedAt", .string(Self.isoDate(connection.connectedAt))),
                                   ("identity", jsonObject(identity)),
                                   ("lastActiveAt", .string(Self.isoDate(lastActive)))])
            var headers = requestHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            return Response(status: 200, headers: headers, body: Array(json.serialized(.compact).utf8))
        case "DELETE":
            guard await directory.close(connectionID) else { return gone() }
            return Response(status: 204, headers: requestHeaders(), body: [])
        default:
            return error(403, "ForbiddenException", "Missing Authentication Token")
        }
    }

    private func requestHeaders() -> HTTPHeaders {
        ["x-amzn-RequestId": GatewayIdentifiers.requestID()]
    }

    private func gone() -> Response {
        var headers = requestHeaders()
        headers.add(name: "x-amzn-ErrorType", value: "GoneException")
        headers.add(name: "Content-Type", value: "application/json")
        return Response(status: 410, headers: headers, body: Array(#"{"message":null}"#.utf8))
    }

    private func error(_ status: Int, _ type: String, _ message: String) -> Response {
        var headers = requestHeaders()
        headers.add(name: "x-amzn-ErrorType", value: type)
        headers.add(name: "Content-Type", value: "application/json")
        return Response(status: status, headers: headers, body: Array(jsonObject([("message", .string(message))]).serialized(.compact).utf8))
    }

    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
