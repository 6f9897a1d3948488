import NIOCore
import NIOWebSocket
import Synchronization

/// An open WebSocket connection: send messages, wait for the next one, close.
/// Messages are queued as they arrive, so none is lost between two waits.
public final class WebSocketConnection: Sendable {
    let channel: Channel
    let inbox = WebSocketInbox()

    init(channel: Channel) {
        self.channel = channel
    }

    /// Sends one text message (a single masked frame).
    public func send(text: String) async throws(WebSocketError) {
        try await send(opcode: .text, bytes: Array(text.utf8))
    }

    /// Sends one binary message.
    public func send(binary: [UInt8]) async throws(WebSocketError) {
        try await send(opcode: .binary, bytes: binary)
    }

    /// Sends a close frame with `code` and `reason` (the peer answers with its own, delivered as `.closed`).
    public func close(code: UInt16 = 1000, reason: String = "") async throws(WebSocketError) {
        guard inbox.markCloseSent() else { return }
        var payload = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        payload.writeInteger(code)
        payload.writeString(reason)
        try await write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: payload))
    }

    /// The next message or the close, waiting at most `timeout`; nil when nothing arrived in time.
    public func next(timeout: Duration) async -> WebSocketEvent? {
        await inbox.next(timeout: timeout, on: channel.eventLoop)
    }

    /// Closes the TCP connection without a close handshake (after a test, or when it is already closed).
    public func abort() {
        channel.close(promise: nil)
    }

    private func send(opcode: WebSocketOpcode, bytes: [UInt8]) async throws(WebSocketError) {
        guard !inbox.isClosed else { throw WebSocketError(.closed, "the WebSocket connection is closed") }
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await write(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: buffer))
    }

    private func write(_ frame: WebSocketFrame) async throws(WebSocketError) {
        do {
            try await channel.writeAndFlush(frame)
        } catch {
            throw WebSocketError(.closed, "cannot send on the WebSocket connection: \(error)")
        }
    }
}

/// Received events, queued until asked for; at most one waiter at a time.
final class WebSocketInbox: Sendable {
    private struct State {
        var queue: [WebSocketEvent] = []
        var waiter: (id: UInt64, continuation: CheckedContinuation<WebSocketEvent?, Never>)?
        var nextWaiterID: UInt64 = 0
        var closed = false
        var closeSent = false
    }

    private let state = Mutex(State())

    var isClosed: Bool { state.withLock { $0.closed } }

    /// True the first time: a close frame may be sent.
    func markCloseSent() -> Bool {
        state.withLock { state in
            defer { state.closeSent = true }
            return !state.closeSent && !state.closed
        }
    }

    var closeWasSent: Bool { state.withLock { $0.closeSent } }

    /// Queues an event (or hands it to the waiter). Nothing is queued after the close.
    func deliver(_ event: WebSocketEvent) {
        let waiter: CheckedContinuation<WebSocketEvent?, Never>? = state.withLock { state in
            guard !state.closed else { return nil }
            if case .closed = event { state.closed = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    func next(timeout: Duration, on eventLoop: EventLoop) async -> WebSocketEvent? {
        await withCheckedContinuation { (continuation: CheckedContinuation<WebSocketEvent?, Never>) in
            let id: UInt64? = state.withLock { state in
                if !state.queue.isEmpty {
                    continuation.resume(returning: state.queue.removeFirst())
                    return nil
                }
                state.nextWaiterID += 1
                state.waiter = (state.nextWaiterID, continuation)
                return state.nextWaiterID
            }
            guard let id else { return }
            eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsForNIO)) {
                let expired: CheckedContinuation<WebSocketEvent?, Never>? = self.state.withLock { state in
                    guard let waiter = state.waiter, waiter.id == id else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
    }
}

/// Turns frames into messages: joins fragments, answers pings, completes the close handshake.
final class WebSocketFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let inbox: WebSocketInbox
    private var fragments: (opcode: WebSocketOpcode, bytes: [UInt8])?

    init(inbox: WebSocketInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var payload = frame.unmaskedData
        let bytes = payload.readBytes(length: payload.readableBytes) ?? []
        switch frame.opcode {
        case .text, .binary:
            fragments = (frame.opcode, bytes)
            if frame.fin { flushMessage() }
        case .continuation:
            fragments?.bytes += bytes
            if frame.fin { flushMessage() }
        case .ping:
            var pong = context.channel.allocator.buffer(capacity: bytes.count)
            pong.writeBytes(bytes)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: pong)), promise: nil)
        case .connectionClose:
            var reader = frame.unmaskedData
            let code = reader.readInteger(as: UInt16.self)
            let reason = reader.readString(length: reader.readableBytes) ?? ""
            let answer = inbox.markCloseSent()
            inbox.deliver(.closed(code: code, reason: reason, clean: true))
            if answer {
                // Echo the code, as RFC 6455 section 5.5.1 asks, then close the TCP connection.
                var echo = context.channel.allocator.buffer(capacity: 2)
                if let code { echo.writeInteger(code) }
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)), promise: nil)
            }
            context.close(promise: nil)
        default:
            break
        }
    }

    private func flushMessage() {
        guard let message = fragments else { return }
        fragments = nil
        inbox.deliver(message.opcode == .text ? .text(message.bytes) : .binary(message.bytes))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.deliver(.closed(code: nil, reason: "the connection dropped without a close frame", clean: false))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        inbox.deliver(.closed(code: nil, reason: "protocol error: \(error)", clean: false))
        context.close(promise: nil)
    }
}

extension Duration {
    /// Whole nanoseconds, saturated, for NIO's `TimeAmount`.
    var nanosecondsForNIO: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return Int64.max }
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
