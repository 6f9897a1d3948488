import Foundation
import Gateway
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The emulator's HTTP/1.1 server: feeds requests from the wire to a `GatewayHandler` and writes its responses back
/// byte for byte (header order and case kept, `Content-Length` added only when the handler left it out).
///
/// Keep-alive and pipelining are supported (pipelined requests are handled one after another and answered in order);
/// idle connections are closed after `idleTimeoutSeconds`, and a request head not complete `headerTimeoutSeconds`
/// after its first byte gets 408 and the connection closes. The handler runs in a Swift task whose executor is the
/// connection's event loop, so a request that never waits for real I/O stays on one thread from read to write.
public final class GatewayServer: Sendable {
    /// The port actually bound (useful when the configuration asked for port 0).
    public let port: Int
    /// `http://HOST:PORT`, with IPv6 hosts in brackets.
    public let baseURL: String

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let shared: SharedServerState
    private let isShutDown = Atomic<Bool>(false)

    private init(port: Int, baseURL: String, group: MultiThreadedEventLoopGroup, serverChannel: any Channel,
                 shared: SharedServerState) {
        self.port = port
        self.baseURL = baseURL
        self.group = group
        self.serverChannel = serverChannel
        self.shared = shared
    }

    /// Starts listening. Throws `GatewayServerError` when the configuration is invalid or the address cannot be bound.
    /// - Parameter log: receives one line per request (`GET /prod/items -> 206 AWS integration=default 0.42ms`)
    ///   and warnings; when nil, warnings go to standard error and requests are not logged.
    public static func start(handler: any GatewayHandler, configuration: GatewayServerConfiguration = .init(),
                             log: (@Sendable (String) -> Void)? = nil) async throws -> GatewayServer {
        guard (0...65_535).contains(configuration.port) else {
            throw GatewayServerError.invalidConfiguration("port \(configuration.port) is not between 0 and 65535")
        }
        guard configuration.maxBodyBytes >= 0, configuration.maxHeaderBytes > 0, configuration.maxURIBytes > 0 else {
            throw GatewayServerError.invalidConfiguration("size limits must be positive")
        }
        guard configuration.idleTimeoutSeconds > 0 else {
            throw GatewayServerError.invalidConfiguration("idleTimeoutSeconds must be positive")
        }
        guard configuration.headerTimeoutSeconds > 0 else {
            throw GatewayServerError.invalidConfiguration("headerTimeoutSeconds must be positive")
        }

        let shared = SharedServerState(handler: handler, configuration: configuration, log: log)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        // NIO counts the request-target and header names/values together; our own, finer checks run on the head.
        let decoderLimits: NIOHTTPDecoderLimitConfiguration = {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.maxHeaderBytes + configuration.maxURIBytes
            limits.maxHeaderListSize = configuration.maxHeaderBytes + configuration.maxURIBytes
            return limits
        }()
        let idleTimeout = TimeAmount.nanoseconds(Int64(configuration.idleTimeoutSeconds * 1_000_000_000))
        let headerTimeout = TimeAmount.nanoseconds(Int64(configuration.headerTimeoutSeconds * 1_000_000_000))

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard shared.connections.register(channel) else {
                        channel.close(promise: nil)
                        return
                    }
                    let sync = channel.pipeline.syncOperations
                    let headGuard = RequestHeadGuard(timeout: headerTimeout)
                    try sync.addHandler(headGuard)
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes,
                                                                                limitConfiguration: decoderLimits)))
                    try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    let connection = GatewayConnectionHandler(shared: shared)
                    connection.headGuard = headGuard
                    try sync.addHandler(connection)
                }
            }

        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw GatewayServerError.cannotListen(host: configuration.host, port: configuration.port,
                                                  reason: describe(error))
        }
        let boundPort = channel.localAddress?.port ?? configuration.port
        let urlHost = configuration.host.contains(":") && !configuration.host.hasPrefix("[")
            ? "[\(configuration.host)]" : configuration.host
        let server = GatewayServer(port: boundPort, baseURL: "http://\(urlHost):\(boundPort)", group: group,
                                   serverChannel: channel, shared: shared)
        if !configuration.isLoopback {
            shared.warn("warning: the emulator listens on \(configuration.host):\(boundPort) and is reachable from the "
                        + "network; use 127.0.0.1 unless other machines must reach it")
        }
        return server
    }

    /// Stops accepting connections, closes open ones (cancelling requests still being handled),
    /// waits for those handlers to return, and stops the event loops. Safe to call more than once.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .sequentiallyConsistent) else { return }
        shared.inFlight.beginShutdown()
        try? await serverChannel.close()
        for channel in shared.connections.closeAll() {
            try? await channel.closeFuture.get()
        }
        await shared.inFlight.waitUntilDrained()
        try? await group.shutdownGracefully()
    }

    private static func describe(_ error: any Error) -> String {
        if let ioError = error as? IOError { return String(cString: strerror(ioError.errnoCode)) }
        return String(describing: error)
    }
}

/// What every connection of one server shares. Immutable apart from the two synchronised registries.
final class SharedServerState: Sendable {
    let handler: any GatewayHandler
    let configuration: GatewayServerConfiguration
    let log: (@Sendable (String) -> Void)?
    let connections = ConnectionRegistry()
    let inFlight = InFlightRequests()

    init(handler: any GatewayHandler, configuration: GatewayServerConfiguration, log: (@Sendable (String) -> Void)?) {
        self.handler = handler
        self.configuration = configuration
        self.log = log
    }

    /// A warning goes to the log when there is one, otherwise to standard error: it must not be lost.
    func warn(_ line: String) {
        if let log {
            log(line)
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}

/// Open connections, so `shutdown()` can close them. Touched once per connection, never per request.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Records `channel` until it closes; false when the server is shutting down (the caller closes it).
    func register(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.isClosed else { return false }
            state.channels[key] = channel
            return true
        }
        if accepted {
            channel.closeFuture.whenComplete { [self] _ in
                _ = state.withLock { $0.channels.removeValue(forKey: key) }
            }
        }
        return accepted
    }

    /// Refuses further connections, closes the open ones and returns them (to await their closing).
    func closeAll() -> [any Channel] {
        let channels = state.withLock { state -> [any Channel] in
            state.isClosed = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
        return channels
    }
}

/// Counts handler tasks still running so shutdown can wait for them before stopping the event loops
/// (a task finishing after that would try to schedule onto a dead loop). The per-request path uses atomics only;
/// the mutex is taken by a request only while the server is shutting down.
final class InFlightRequests: Sendable {
    private let count = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)

    var isShuttingDown: Bool { shuttingDown.load(ordering: .sequentiallyConsistent) }

    /// Call before starting a handler task; false when the server is shutting down (do not start it then).
    func begin() -> Bool {
        count.add(1, ordering: .sequentiallyConsistent)
        if shuttingDown.load(ordering: .sequentiallyConsistent) {
            end()
            return false
        }
        return true
    }

    /// Call when a handler task has delivered its result.
    func end() {
        let remaining = count.subtract(1, ordering: .sequentiallyConsistent).newValue
        if remaining == 0 && shuttingDown.load(ordering: .sequentiallyConsistent) {
            let continuation = waiter.withLock { waiter -> CheckedContinuation<Void, Never>? in
                defer { waiter = nil }
                return waiter
            }
            continuation?.resume()
        }
    }

    func beginShutdown() {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
    }

    /// Returns once every started task has called `end()`. Only one caller may wait.
    func waitUntilDrained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = waiter.withLock { waiter -> Bool in
                if count.load(ordering: .sequentiallyConsistent) == 0 { return true }
                waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
