import NIOCore

/// Sits before the HTTP decoder and watches the raw bytes of each request head, so a client cannot hold a
/// connection by never finishing one:
///
/// - **Header-read timeout.** From the first byte of a request head (blank lines included) the whole head must
///   arrive within `timeout`; otherwise `RequestHeadEvent.timedOut` goes up the pipeline, and the connection
///   handler answers 408 and closes. A slowloris client that sends a byte every few seconds resets the idle timer
///   but not this one.
/// - **Blank lines.** RFC 9112 §2.2 lets a server ignore empty lines before a request line; more than
///   `maxLeadingBlankLines` of them (counted as CR and LF bytes, two per line) are garbage
///   (`RequestHeadEvent.tooManyBlankLines`: 400 and close), as in Apache.
///
/// The connection handler calls `headReceived()` when the decoder delivers a head and `awaitingHead()` when the
/// request's end has been read. The timer is lazy: one scheduled check per connection, re-armed only when it fires
/// while a head is still incomplete, so a request costs a clock read and no timer set-up.
final class RequestHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Why the guard gave up on the request head being received.
    enum RequestHeadEvent {
        case timedOut
        case tooManyBlankLines
    }

    /// Empty lines (CRLF or bare LF) tolerated before a request line.
    static let maxLeadingBlankLines = 10

    private let timeout: TimeAmount
    private var context: ChannelHandlerContext?
    /// True between the end of one request and the head of the next (and before the first).
    private var waitingForHead = true
    /// When the first byte of the head being received arrived; nil when no head is partly received.
    private var headStarted: NIODeadline?
    /// Still reading blank lines before the request line (only those bytes are inspected).
    private var inLeadingBlankLines = true
    private var leadingBlankBytes = 0
    private var check: Scheduled<Void>?
    /// Set once an event was sent or the connection stops taking requests: nothing more to watch.
    private var stopped = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if waitingForHead && !stopped {
            if headStarted == nil {
                let now = NIODeadline.now()
                headStarted = now
                if check == nil { scheduleCheck(at: now + timeout, context: context) }
            }
            if inLeadingBlankLines && !scanLeadingBlankLines(unwrapInboundIn(data)) {
                stop()
                context.fireUserInboundEventTriggered(RequestHeadEvent.tooManyBlankLines)
                return
            }
        }
        context.fireChannelRead(data)
    }

    // MARK: - Told by the connection handler

    /// The decoder delivered a complete head: its timer stops.
    func headReceived() {
        waitingForHead = false
        headStarted = nil
    }

    /// The request's end has been read; the next bytes start another head.
    func awaitingHead() {
        waitingForHead = true
        inLeadingBlankLines = true
        leadingBlankBytes = 0
    }

    /// The connection takes no more requests.
    func stop() {
        stopped = true
        headStarted = nil
        check?.cancel()
        check = nil
    }

    // MARK: - Internals

    /// Counts the CR/LF bytes that open the head; false when there are more blank lines than allowed.
    private func scanLeadingBlankLines(_ buffer: ByteBuffer) -> Bool {
        for byte in buffer.readableBytesView {
            guard byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") else {
                inLeadingBlankLines = false
                return true
            }
            leadingBlankBytes += 1
            if leadingBlankBytes > 2 * Self.maxLeadingBlankLines { return false }
        }
        return true
    }

    private func scheduleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.checkExpired() }
    }

    private func checkExpired() {
        check = nil
        guard !stopped, let started = headStarted, let context else { return }
        let deadline = started + timeout
        if deadline <= .now() {
            stop()
            context.fireUserInboundEventTriggered(RequestHeadEvent.timedOut)
        } else {
            scheduleCheck(at: deadline, context: context)
        }
    }
}
