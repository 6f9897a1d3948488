import Foundation
import Gateway
import HTTPMessage
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// Serves one WebSocket API on loopback: `ws://127.0.0.1:PORT/{stage}` (the handshake runs `$connect`; a refusal
/// answers the upgrade request with `$connect`'s status) and, on the same port, the stage's `@connections`
/// management API (`POST|GET|DELETE /{stage}/@connections/{connectionId}`) for backends using the AWS SDK with
/// `endpoint_url=http://127.0.0.1:PORT/{stage}`.
public final class WebSocketServer: Sendable {
    public let port: Int
    /// `ws://HOST:PORT` (append `/{stage}`).
    public let baseURL: String
    /// `http://HOST:PORT`: the `@connections` endpoint is `{managementURL}/{stage}`.
    public let managementURL: String

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let state: WebSocketServerState
    private let isShutDown = Atomic<Bool>(false)

    private init(port: Int, host: String, group: MultiThreadedEventLoopGroup, serverChannel: any Channel, state: WebSocketServerState) {
        self.port = port
        let urlHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        baseURL = "ws://\(urlHost):\(port)"
        managementURL = "http://\(urlHost):\(port)"
        self.group = group
        self.serverChannel = serverChannel
        self.state = state
    }

    /// Starts serving `gateway`'s API. Throws `GatewayServerError` when the configuration is invalid or the
    /// address cannot be bound.
    public static func start(gateway: WebSocketGateway, configuration: WebSocketServerConfiguration = .init()) async throws -> WebSocketServer {
        guard (0...65_535).contains(configuration.port) else {
            throw GatewayServerError.invalidConfiguration("port \(configuration.port) is not between 0 and 65535")
        }
        guard configuration.maxFrameBytes > 0, configuration.maxMessageBytes >= configuration.maxFrameBytes,
              configuration.idleTimeoutSeconds > 0, configuration.maxConnectionSeconds > 0 else {
            throw GatewayServerError.invalidConfiguration("WebSocket limits must be positive, and the message limit at least the frame limit")
        }
        let management = WebSocketManagementAPI(stages: Set(gateway.api.stages.map(\.name)), verifier: configuration.verifier)
        let state = WebSocketServerState(gateway: gateway, management: management, configuration: configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard state.channels.register(channel) else {
                        channel.close(promise: nil)
                        return
                    }
                    try WebSocketChannelSetup.configure(channel, state: state)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw GatewayServerError.cannotListen(host: configuration.host, port: configuration.port, reason: String(describing: error))
        }
        return WebSocketServer(port: channel.localAddress?.port ?? configuration.port, host: configuration.host, group: group,
                               serverChannel: channel, state: state)
    }

    /// The ids of the open connections.
    public var openConnectionIDs: [String] { state.directory.openIDs }

    /// Closes every connection (their `$disconnect` runs), waits for the running integrations, stops the loops.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .sequentiallyConsistent) else { return }
        try? await serverChannel.close()
        for channel in state.channels.closeAll() { try? await channel.closeFuture.get() }
        state.inFlight.beginShutdown()
        await state.inFlight.waitUntilDrained()
        try? await group.shutdownGracefully()
    }
}

/// What every connection of one WebSocket server shares.
final class WebSocketServerState: Sendable {
    let gateway: WebSocketGateway
    let management: WebSocketManagementAPI
    let configuration: WebSocketServerConfiguration
    let channels = ConnectionRegistry()
    let directory = WebSocketDirectory()
    let inFlight = InFlightRequests()

    init(gateway: WebSocketGateway, management: WebSocketManagementAPI, configuration: WebSocketServerConfiguration) {
        self.gateway = gateway
        self.management = management
        self.configuration = configuration
    }

    /// Runs `work` as a tracked task (shutdown waits for it); skipped while shutting down.
    func run(_ work: @escaping @Sendable () async -> Void) {
        guard inFlight.begin() else { return }
        Task {
            await work()
            inFlight.end()
        }
    }
}

/// The open WebSocket connections by id, for `@connections` and the server's own bookkeeping.
final class WebSocketDirectory: WebSocketConnectionDirectory {
    private struct Entry {
        var channel: any Channel
        var connection: WebSocketConnection
        var lastActiveAt: Date
    }

    private let entries = Mutex<[String: Entry]>([:])

    var openIDs: [String] { entries.withLock { Array($0.keys) } }

    func add(_ connection: WebSocketConnection, channel: any Channel) {
        entries.withLock { $0[connection.id] = Entry(channel: channel, connection: connection, lastActiveAt: Date()) }
    }

    func remove(_ id: String) { _ = entries.withLock { $0.removeValue(forKey: id) } }

    func touch(_ id: String) { entries.withLock { $0[id]?.lastActiveAt = Date() } }

    private func channel(_ id: String) -> (any Channel)? { entries.withLock { $0[id]?.channel } }

    func send(_ data: [UInt8], to connectionID: String) async -> Bool {
        guard let channel = channel(connectionID), channel.isActive else { return false }
        let isText = String(validating: data, as: UTF8.self) != nil
        var buffer = channel.allocator.buffer(capacity: data.count)
        buffer.writeBytes(data)
        let frame = WebSocketFrame(fin: true, opcode: isText ? .text : .binary, data: buffer)
        do {
            try await channel.writeAndFlush(frame)
            return true
        } catch {
            return false
        }
    }

    func info(_ connectionID: String) -> (connection: WebSocketConnection, lastActiveAt: Date)? {
        entries.withLock { entries in entries[connectionID].map { ($0.connection, $0.lastActiveAt) } }
    }

    func close(_ connectionID: String) async -> Bool {
        guard let channel = channel(connectionID), channel.isActive else { return false }
        channel.pipeline.fireUserInboundEventTriggered(WebSocketCloseRequest(code: .normalClosure, reason: "Connection closed by the @connections API"))
        return true
    }
}

/// Asks a connection's frame handler to close it with a close frame.
struct WebSocketCloseRequest: Sendable {
    var code: WebSocketErrorCode
    var reason: String
}

/// What the handshake decided, passed from the upgrader to the handler that answers a refused upgrade.
final class HandshakeDecision: Sendable {
    enum Value: Sendable {
        case undecided
        case accepted(WebSocketConnection)
        case refused(status: Int, body: [UInt8])
    }

    private let value = Mutex<Value>(.undecided)

    func set(_ new: Value) { value.withLock { $0 = new } }
    func get() -> Value { value.withLock { $0 } }
}

enum WebSocketChannelSetup {
    static func configure(_ channel: any Channel, state: WebSocketServerState) throws {
        let decision = HandshakeDecision()
        let configuration = state.configuration
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.maxFrameBytes, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let promise = channel.eventLoop.makePromise(of: NIOHTTP1.HTTPHeaders?.self)
                let handshake = Self.handshake(head, channel: channel, state: state)
                guard let handshake else {
                    decision.set(.refused(status: 403, body: Array(#"{"message":"Forbidden"}"#.utf8)))
                    promise.succeed(nil)
                    return promise.futureResult
                }
                promise.completeWithTask {
                    switch await state.gateway.connect(handshake) {
                    case let .accepted(connection, subprotocol):
                        decision.set(.accepted(connection))
                        var headers = NIOHTTP1.HTTPHeaders()
                        if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                        return headers
                    case let .refused(status, body):
                        decision.set(.refused(status: status, body: body))
                        return nil
                    }
                }
                return promise.futureResult
            },
            upgradePipelineHandler: { channel, _ in
                guard case let .accepted(connection) = decision.get() else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: .nanoseconds(Int64(configuration.idleTimeoutSeconds * 1_000_000_000))))
                    try sync.addHandler(NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 4_096,
                                                                    maxAccumulatedFrameSize: configuration.maxMessageBytes))
                    try sync.addHandler(WebSocketFrameHandler(connection: connection, state: state))
                }
            })
        let sync = channel.pipeline.syncOperations
        let httpHandler = WebSocketHTTPHandler(state: state, decision: decision)
        // After an upgrade the connection speaks WebSocket frames only: the HTTP answering handler leaves.
        try sync.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
            context.pipeline.syncOperations.removeHandler(httpHandler, promise: nil)
        }), withErrorHandling: true)
        try sync.addHandler(httpHandler)
    }

    /// The handshake for `$connect`, or nil when the path names no stage of the API.
    static func handshake(_ head: HTTPRequestHead, channel: any Channel, state: WebSocketServerState) -> WebSocketHandshake? {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts.first ?? "")
        var stage = path.hasPrefix("/") ? String(path.dropFirst()) : path
        if stage.hasSuffix("/") { stage.removeLast() }
        guard state.gateway.hasStage(stage) else { return nil }
        var headers = HTTPMessage.HTTPHeaders()
        for (name, value) in head.headers { headers.add(name: name, value: value) }
        let sourceIP = channel.remoteAddress?.ipAddress ?? "127.0.0.1"
        return WebSocketHandshake(stage: stage, headers: headers, rawQuery: parts.count > 1 ? String(parts[1]) : "", sourceIP: sourceIP)
    }
}

/// Answers what is not an accepted upgrade: a refused handshake (with `$connect`'s status), the `@connections`
/// API, and anything else (403 `Forbidden`, as API Gateway answers a plain request to a WebSocket stage).
final class WebSocketHTTPHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: WebSocketServerState
    private let decision: HandshakeDecision
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(state: WebSocketServerState, decision: HandshakeDecision) {
        self.state = state
        self.decision = decision
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            self.head = head
            body = []
        case var .body(buffer):
            if body.count + buffer.readableBytes <= WebSocketManagementAPI.maximumPayloadBytes + 1 {
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(head, body: body, context: context)
        }
    }

    private func respond(_ head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        if case let .refused(status, refusal) = decision.get() {
            decision.set(.undecided)
            write(status: status, headers: ["Content-Type": "application/json", "x-amzn-RequestId": GatewayIdentifiers.requestID()],
                  body: refusal, close: true, context: context)
            return
        }
        var received = HTTPMessage.HTTPHeaders()
        for (name, value) in head.headers { received.add(name: name, value: value) }
        let headers = received
        let method = head.method.rawValue
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let state = self.state
        state.run {
            let response = await state.management.handle(method: method, target: head.uri, headers: headers, body: body,
                                                         directory: state.directory)
            bound.eventLoop.execute {
                let (handler, context) = bound.value
                if let response {
                    handler.write(status: response.status, headers: response.headers, body: response.body, close: false, context: context)
                } else {
                    handler.write(status: 403, headers: ["Content-Type": "application/json", "x-amzn-ErrorType": "ForbiddenException"],
                                  body: Array(#"{"message":"Forbidden"}"#.utf8), close: false, context: context)
                }
            }
        }
    }

    private func write(status: Int, headers: HTTPMessage.HTTPHeaders, body: [UInt8], close: Bool, context: ChannelHandlerContext) {
        var nioHeaders = NIOHTTP1.HTTPHeaders()
        for field in headers { nioHeaders.add(name: field.name, value: field.value) }
        nioHeaders.replaceOrAdd(name: "Content-Length", value: String(body.count))
        if close { nioHeaders.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: nioHeaders)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// One open connection: routes each message through the gateway, writes two-way answers back, answers pings,
/// enforces the idle timeout and the connection lifetime, and runs `$disconnect` when the connection ends.
final class WebSocketFrameHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let connection: WebSocketConnection
    private let state: WebSocketServerState
    private var closeCode = 1006
    private var closeReason = ""
    private var sentClose = false
    private var lifetimeTimer: Scheduled<Void>?

    init(connection: WebSocketConnection, state: WebSocketServerState) {
        self.connection = connection
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        state.directory.add(connection, channel: context.channel)
        let seconds = state.configuration.maxConnectionSeconds
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        lifetimeTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1_000_000_000))) {
            bound.value.0.close(context: bound.value.1, code: .goingAway, reason: "Going away")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            state.directory.touch(connection.id)
            let payload = frame.unmaskedData.readableBytesView.map { $0 }
            let isBinary = frame.opcode == .binary
            let connection = self.connection
            let state = self.state
            state.run {
                guard let reply = await state.gateway.receive(payload, isBinary: isBinary, on: connection) else { return }
                _ = await state.directory.send(reply, to: connection.id)
            }
        case .ping:
            state.directory.touch(connection.id)
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode()
            closeCode = code.map { Int(UInt16(webSocketErrorCode: $0)) } ?? 1005
            closeReason = data.readString(length: data.readableBytes) ?? ""
            if !sentClose {
                sentClose = true
                var echo = context.channel.allocator.buffer(capacity: 2)
                if let code { echo.write(webSocketErrorCode: code) }
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo))).whenComplete { _ in
                    context.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            close(context: context, code: .goingAway, reason: "Going away")
        } else if let request = event as? WebSocketCloseRequest {
            close(context: context, code: request.code, reason: request.reason)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketFrameAggregator.Error {
            close(context: context, code: .messageTooLarge, reason: "Message too big")
        } else {
            context.close(promise: nil)
        }
    }

    /// Sends a close frame with `code` and closes the connection.
    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String) {
        guard !sentClose else { return }
        sentClose = true
        closeCode = Int(UInt16(webSocketErrorCode: code))
        closeReason = reason
        var buffer = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        buffer.write(webSocketErrorCode: code)
        buffer.writeString(reason)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lifetimeTimer?.cancel()
        state.directory.remove(connection.id)
        let connection = self.connection, code = closeCode, reason = closeReason, gateway = state.gateway
        state.run { await gateway.disconnect(connection, statusCode: code, reason: reason) }
        context.fireChannelInactive()
    }
}
