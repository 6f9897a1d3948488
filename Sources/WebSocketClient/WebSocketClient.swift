import Foundation
import HTTPMessage
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization

/// How to reach a WebSocket endpoint: the `ws://` or `wss://` URL, the handshake's headers and subprotocols.
public struct WebSocketRequest: Sendable {
    /// `ws://host[:port]/path?query` or `wss://...`.
    public var url: String
    /// Extra handshake headers (credentials, `Sec-WebSocket-Protocol` is added from `subprotocols`).
    public var headers: HTTPMessage.HTTPHeaders
    /// Offered in `Sec-WebSocket-Protocol`, in order.
    public var subprotocols: [String]
    /// How long the TCP connect, TLS and upgrade may take together.
    public var timeout: Duration

    public init(url: String, headers: HTTPMessage.HTTPHeaders = HTTPMessage.HTTPHeaders(), subprotocols: [String] = [], timeout: Duration = .seconds(10)) {
        self.url = url
        self.headers = headers
        self.subprotocols = subprotocols
        self.timeout = timeout
    }
}

/// TLS settings for `wss://` (the same choices as the HTTP client's `--insecure` / `--cacert`).
public struct WebSocketTLS: Sendable {
    /// Skip certificate and host name verification (`--insecure`).
    public var insecure: Bool
    /// A PEM file of CA certificates trusted instead of the system store.
    public var caBundlePath: String?

    public init(insecure: Bool = false, caBundlePath: String? = nil) {
        self.insecure = insecure
        self.caBundlePath = caBundlePath
    }
}

/// The HTTP response to the upgrade request: `101` when it succeeded, the refusal otherwise.
public struct WebSocketHandshakeResponse: Sendable {
    public var status: Int
    public var reasonPhrase: String
    public var headers: HTTPMessage.HTTPHeaders
    /// The refusal's body (empty after a 101).
    public var body: [UInt8]

    public init(status: Int, reasonPhrase: String, headers: HTTPMessage.HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.reasonPhrase = reasonPhrase
        self.headers = headers
        self.body = body
    }
}

/// What arrives on an open connection.
public enum WebSocketEvent: Sendable, Equatable {
    /// A whole text message (fragments joined), as UTF-8 bytes.
    case text([UInt8])
    /// A whole binary message.
    case binary([UInt8])
    /// The connection ended: `code` from the peer's close frame (nil when the frame carried none, or when the
    /// connection dropped without one: then `clean` is false, RFC 6455's 1006).
    case closed(code: UInt16?, reason: String, clean: Bool)
}

/// Why a WebSocket could not be opened or used.
public struct WebSocketError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The URL is not `ws://` / `wss://` with a host.
        case invalidURL = "WS_INVALID_URL"
        /// TCP connect failed (refused, unreachable, DNS).
        case couldNotConnect = "WS_COULDNT_CONNECT"
        /// The TLS handshake or certificate verification failed.
        case tls = "WS_TLS_ERROR"
        /// Connect + handshake took longer than the request's timeout.
        case timeout = "WS_TIMEOUT"
        /// The server answered 101 but broke the protocol (bad `Sec-WebSocket-Accept`, garbage...).
        case protocolError = "WS_PROTOCOL_ERROR"
        /// Writing to a connection that is already closed.
        case closed = "WS_CLOSED"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Opens WebSocket connections on one shared event loop group.
public enum WebSocketClient {
    /// The largest frame accepted from a server (API Gateway sends frames of at most 32 KB, messages of 128 KB).
    public static let maxFrameSize = 1 << 20

    /// The outcome of an upgrade request that got an HTTP answer.
    public enum ConnectResult: Sendable {
        /// The server switched protocols: the connection is open.
        case upgraded(WebSocketConnection, WebSocketHandshakeResponse)
        /// The server answered something other than 101 (e.g. `$connect` refused with 403).
        case refused(WebSocketHandshakeResponse)
    }

    /// Connects, sends the upgrade request and waits for its answer (at most `request.timeout`).
    public static func connect(_ request: WebSocketRequest, tls: WebSocketTLS = WebSocketTLS()) async throws(WebSocketError) -> ConnectResult {
        let target = try WebSocketTarget(url: request.url)
        let sslContext: NIOSSLContext?
        if target.secure {
            do {
                var configuration = TLSConfiguration.makeClientConfiguration()
                if tls.insecure { configuration.certificateVerification = .none }
                if let path = tls.caBundlePath { configuration.trustRoots = .file(path) }
                sslContext = try NIOSSLContext(configuration: configuration)
            } catch {
                throw WebSocketError(.tls, "cannot set up TLS for \(request.url): \(error)")
            }
        } else {
            sslContext = nil
        }

        let group = MultiThreadedEventLoopGroup.singleton
        let outcome = group.next().makePromise(of: ConnectResult.self)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.requestTarget)
        head.headers.add(name: "Host", value: target.hostHeader)
        if !request.subprotocols.isEmpty {
            head.headers.add(name: "Sec-WebSocket-Protocol", value: request.subprotocols.joined(separator: ", "))
        }
        for field in request.headers where field.name.lowercased() != "host" {
            head.headers.add(name: field.name, value: field.value)
        }
        let requestHead = head
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(request.timeout.nanosecondsForNIO))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: target.isIPAddress ? nil : target.host)
                        try sync.addHandler(handler)
                    }
                    let refusal = HandshakeRefusalCollector(head: requestHead, outcome: outcome)
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize, automaticErrorHandling: false) { channel, response in
                        channel.eventLoop.makeCompletedFuture {
                            let connection = WebSocketConnection(channel: channel)
                            try channel.pipeline.syncOperations.addHandler(WebSocketFrameHandler(inbox: connection.inbox))
                            outcome.succeed(.upgraded(connection, WebSocketHandshakeResponse(response)))
                        }
                    }
                    let configuration: NIOHTTPClientUpgradeConfiguration = (upgraders: [upgrader], completionHandler: { context in
                        context.pipeline.syncOperations.removeHandler(name: HandshakeRefusalCollector.name, promise: nil)
                    })
                    try sync.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, withClientUpgrade: configuration)
                    try sync.addHandler(refusal, name: HandshakeRefusalCollector.name)
                }
            }

        let timeout = group.next().scheduleTask(in: .nanoseconds(request.timeout.nanosecondsForNIO)) {
            outcome.fail(WebSocketError(.timeout, "no WebSocket upgrade from \(request.url) within \(request.timeout)"))
        }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            timeout.cancel()
            outcome.fail(error)
            throw WebSocketError(.couldNotConnect, "cannot connect to \(target.host):\(target.port) for \(request.url): \(error)")
        }
        do {
            let result = try await outcome.futureResult.get()
            timeout.cancel()
            if case .refused = result { channel.close(promise: nil) }
            return result
        } catch let error as WebSocketError {
            channel.close(promise: nil)
            throw error
        } catch let error as NIOSSLError {
            channel.close(promise: nil)
            throw WebSocketError(.tls, "TLS handshake with \(target.host) failed: \(error)")
        } catch let error as BoringSSLError {
            channel.close(promise: nil)
            throw WebSocketError(.tls, "TLS handshake with \(target.host) failed: \(error)")
        } catch {
            channel.close(promise: nil)
            throw WebSocketError(.protocolError, "WebSocket upgrade with \(request.url) failed: \(error)")
        }
    }
}

extension WebSocketHandshakeResponse {
    init(_ head: HTTPResponseHead, body: [UInt8] = []) {
        self.init(status: Int(head.status.code), reasonPhrase: head.status.reasonPhrase,
                  headers: HTTPMessage.HTTPHeaders(head.headers.map { HTTPHeaderField(name: $0.name, value: $0.value) }), body: body)
    }
}

/// The parts of a `ws://` / `wss://` URL the connection needs.
struct WebSocketTarget: Sendable {
    var secure: Bool
    var host: String
    var port: Int
    /// Path and query, as sent in the request line.
    var requestTarget: String
    var hostHeader: String
    var isIPAddress: Bool

    init(url: String) throws(WebSocketError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              ["ws", "wss"].contains(scheme), let host = components.host, !host.isEmpty else {
            throw WebSocketError(.invalidURL, "'\(url)' is not a ws:// or wss:// URL with a host")
        }
        secure = scheme == "wss"
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (secure ? 443 : 80)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        requestTarget = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        hostHeader = components.port.map { "\(host):\($0)" } ?? host
        isIPAddress = host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
    }
}

/// Sends the upgrade request once the channel is active, and collects a non-101 answer (head, body, end).
/// Removed from the pipeline when the upgrade succeeds.
final class HandshakeRefusalCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    static let name = "gatecheck-websocket-handshake"

    private let head: HTTPRequestHead
    private let outcome: EventLoopPromise<WebSocketClient.ConnectResult>
    private var response: HTTPResponseHead?
    private var body: [UInt8] = []

    init(head: HTTPRequestHead, outcome: EventLoopPromise<WebSocketClient.ConnectResult>) {
        self.head = head
        self.outcome = outcome
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            response = head
        case var .body(buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            if let response { outcome.succeed(.refused(WebSocketHandshakeResponse(response, body: body))) }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A refusal without a body length ends when the server closes; anything else is a protocol error.
        if let response {
            outcome.succeed(.refused(WebSocketHandshakeResponse(response, body: body)))
        } else {
            outcome.fail(WebSocketError(.protocolError, "the server closed the connection before answering the upgrade request"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        outcome.fail(error)
        context.close(promise: nil)
    }
}
