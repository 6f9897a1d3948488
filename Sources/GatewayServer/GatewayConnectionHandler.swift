import Gateway
import HTTPMessage
import NIOCore
import NIOHTTP1

/// One client connection: assembles requests from NIO's decoder, hands them to the `GatewayHandler` one at a time
/// (pipelined requests wait in a short queue and are answered in order), and writes the responses as raw bytes.
///
/// Everything here runs on the connection's event loop. The handler call runs in a `Task` that prefers the loop as
/// its executor (`EventLoopTaskExecutor`), so a request that never waits for real I/O is handled and answered on
/// this thread; one that does resumes here when its I/O completes.
final class GatewayConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A complete request waiting for (or being handled by) the gateway.
    private struct PendingRequest {
        var request: GatewayRequest
        var keepAlive: Bool
        var isHead: Bool
        var started: NIODeadline
        /// The server closes although the client did not ask for it, so the response says `Connection: close`.
        var closeAnnounced = false
    }

    /// A response the server produces itself (rejection, malformed request) after which the connection closes.
    private struct FinalResponse {
        var response: GatewayResponse
        var logSummary: String
        var started: NIODeadline
    }

    /// At most this many complete requests wait behind the one being handled; beyond that the socket is not read.
    private static let maxQueuedRequests = 16

    private let shared: SharedServerState
    private let maxBodyBytes: Int
    private let maxHeaderBytes: Int
    private let maxURIBytes: Int

    private var context: ChannelHandlerContext?
    private var executor: EventLoopTaskExecutor?
    /// Times each request head and polices blank lines before it; told when a head is complete.
    var headGuard: RequestHeadGuard?
    private var sourceIP = "127.0.0.1"

    // The request being received.
    private var currentHead: HTTPRequestHead?
    private var currentBody: [UInt8] = []
    private var currentStarted = NIODeadline.uptimeNanoseconds(0)

    private var queue = CircularBuffer<PendingRequest>(initialCapacity: 4)
    private var inFlight: (request: PendingRequest, task: Task<Void, Never>)?
    /// Set once the connection must end: further input is read and ignored.
    private var discardingInput = false
    private var finalResponse: FinalResponse?
    private var readHeld = false
    private var isActive = true

    init(shared: SharedServerState) {
        self.shared = shared
        self.maxBodyBytes = shared.configuration.maxBodyBytes
        self.maxHeaderBytes = shared.configuration.maxHeaderBytes
        self.maxURIBytes = shared.configuration.maxURIBytes
    }

    // MARK: - Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.executor = EventLoopTaskExecutor(eventLoop: context.eventLoop)
        if let address = context.channel.remoteAddress?.ipAddress { sourceIP = address }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress?.ipAddress { sourceIP = address }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        queue.removeAll()
        // A client that hangs up does not stop the integration (API Gateway finishes it too); a server shutdown does.
        if shared.inFlight.isShuttingDown { inFlight?.task.cancel() }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Idle: nothing received or sent for the timeout. Keep connections whose request is still being handled.
            if inFlight == nil && queue.isEmpty { context.close(promise: nil) }
            return
        }
        if let headEvent = event as? RequestHeadGuard.RequestHeadEvent {
            guard !discardingInput else { return }
            let response: GatewayResponse, summary: String
            switch headEvent {
            case .timedOut:
                response = ResponseWriter.requestTimeout()
                summary = "request head not complete within the header timeout"
            case .tooManyBlankLines:
                response = ResponseWriter.badRequest()
                summary = "malformed request (more than \(RequestHeadGuard.maxLeadingBlankLines) blank lines before the request line)"
            }
            finish(with: FinalResponse(response: response, logSummary: summary, started: .now()), context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: - Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receiveHead(head, context: context)
        case .body(let buffer):
            guard currentHead != nil, !discardingInput else { return }
            guard currentBody.count + buffer.readableBytes <= maxBodyBytes else {
                rejectCurrentRequest(.bodyTooLarge, context: context)
                return
            }
            currentBody.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head = currentHead, !discardingInput else { return }
            currentHead = nil
            headGuard?.awaitingHead()
            let request = GatewayRequest(method: head.method.rawValue, target: head.uri,
                                         headers: Self.gatewayHeaders(head.headers), body: currentBody,
                                         sourceIP: sourceIP, httpVersion: Self.versionString(head.version))
            currentBody = []
            // NIO's decoder stops parsing after a request that asks for a protocol upgrade (none is offered here),
            // so such a connection cannot carry another request: answer, then close.
            let keepAlive = head.isKeepAlive && !Self.asksForUpgrade(head)
            queue.append(PendingRequest(request: request, keepAlive: keepAlive, isHead: head.method == .HEAD,
                                        started: currentStarted, closeAnnounced: !keepAlive && head.isKeepAlive))
            advance(context: context)
        }
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard !discardingInput else { return }
        headGuard?.headReceived()
        currentHead = head
        currentStarted = .now()
        if head.uri.utf8.count > maxURIBytes {
            rejectCurrentRequest(.uriTooLong, context: context)
            return
        }
        var headerBytes = 0
        for (name, value) in head.headers { headerBytes += name.utf8.count + value.utf8.count + 4 }
        if headerBytes > maxHeaderBytes {
            rejectCurrentRequest(.headersTooLarge, context: context)
            return
        }
        var declaredLength = 0
        if let lengthText = head.headers.first(name: "content-length") {
            // The decoder has validated the value; an unparsable one here can only be too large for Int.
            guard let length = Int(lengthText), length <= maxBodyBytes else {
                rejectCurrentRequest(.bodyTooLarge, context: context)
                return
            }
            declaredLength = length
        }
        currentBody = []
        // Bounded so a client that announces a large body and never sends it cannot make us hold the memory.
        currentBody.reserveCapacity(min(declaredLength, 1 << 20))
        if head.version.major == 1, head.version.minor >= 1, queue.isEmpty, inFlight == nil,
           let expectation = head.headers.first(name: "expect"), expectation.lowercased() == "100-continue" {
            // Only when no earlier response is pending, so the interim response cannot land inside another one.
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(staticString:
                "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError {
            guard !discardingInput else { return }
            if case .headerOverflow = parserError {
                rejectCurrentRequest(.headersTooLarge, context: context)
            } else {
                finish(with: FinalResponse(response: ResponseWriter.badRequest(), logSummary: "malformed request (\(parserError))",
                                           started: .now()), context: context)
            }
            return
        }
        if error is ByteToMessageDecoderError {
            return  // bytes after a parse error: already answered, being discarded
        }
        // I/O errors (connection reset, ...): nothing more can be said to this client.
        context.close(promise: nil)
    }

    /// Answers the request being received with the handler's rejection and ends the connection.
    private func rejectCurrentRequest(_ reason: RequestRejection, context: ChannelHandlerContext) {
        let head = currentHead
        let target = head.map { $0.uri.utf8.count > 200 ? String($0.uri.prefix(200)) + "…" : $0.uri } ?? "-"
        let summary = "\(head?.method.rawValue ?? "-") \(target) rejected (\(reason))"
        finish(with: FinalResponse(response: shared.handler.rejection(reason), logSummary: summary, started: currentStarted),
               context: context)
    }

    /// Stops taking requests; once every earlier request is answered, `final` is written and the connection closes.
    private func finish(with final: FinalResponse, context: ChannelHandlerContext) {
        discardingInput = true
        headGuard?.stop()
        currentHead = nil
        currentBody = []
        finalResponse = final
        advance(context: context)
    }

    // MARK: - Back-pressure

    func read(context: ChannelHandlerContext) {
        if queue.count >= Self.maxQueuedRequests {
            readHeld = true
        } else {
            context.read()
        }
    }

    private func resumeReadingIfHeld(context: ChannelHandlerContext) {
        if readHeld && queue.count < Self.maxQueuedRequests {
            readHeld = false
            context.read()
        }
    }

    // MARK: - Handling and writing

    /// Starts the next queued request, or writes the final response, when nothing is being handled.
    private func advance(context: ChannelHandlerContext) {
        guard isActive, inFlight == nil else { return }
        if let next = queue.popFirst() {
            dispatch(next, context: context)
            resumeReadingIfHeld(context: context)
        } else if let final = finalResponse {
            finalResponse = nil
            writeFinal(final, context: context)
        } else {
            resumeReadingIfHeld(context: context)
        }
    }

    private func dispatch(_ pending: PendingRequest, context: ChannelHandlerContext) {
        let tracker = shared.inFlight
        guard tracker.begin() else {
            context.close(promise: nil)
            return
        }
        let handler = shared.handler
        let eventLoop = context.eventLoop
        let boundSelf = NIOLoopBound(self, eventLoop: eventLoop)
        let request = pending.request
        let executor = executor
        let task = Task(executorPreference: executor) {
            let outcome = await GatewayExecution.$preferredExecutor.withValue(executor) {
                await handler.handle(request)
            }
            if eventLoop.inEventLoop {
                boundSelf.value.handlerFinished(outcome)
                tracker.end()
            } else {
                eventLoop.execute {
                    boundSelf.value.handlerFinished(outcome)
                    // Counted down on the loop, so shutdown cannot stop the loop before this closure has run.
                    tracker.end()
                }
            }
        }
        inFlight = (pending, task)
    }

    private func handlerFinished(_ outcome: GatewayOutcome) {
        guard let (pending, _) = inFlight else { return }
        inFlight = nil
        guard isActive, let context else { return }

        let extraConnectionHeader: String?
        if pending.closeAnnounced {
            extraConnectionHeader = "close"
        } else if pending.keepAlive && pending.request.httpVersion == "HTTP/1.0" {
            extraConnectionHeader = "keep-alive"  // HTTP/1.0 clients assume the connection closes unless told otherwise
        } else {
            extraConnectionHeader = nil
        }
        let written = ResponseWriter.serialize(outcome.response, includeBody: !pending.isHead,
                                               extraConnectionHeader: extraConnectionHeader,
                                               allocator: context.channel.allocator)
        if let problem = written.problem { shared.warn("warning: \(pending.request.method) \(pending.request.target): \(problem)") }
        if let log = shared.log {
            log(ResponseWriter.logLine(method: pending.request.method, target: pending.request.target,
                                       status: outcome.response.status, entry: outcome.log,
                                       nanoseconds: (NIODeadline.now() - pending.started).nanoseconds))
        }

        if pending.keepAlive && !written.closeAfter {
            context.writeAndFlush(wrapOutboundOut(written.bytes), promise: nil)
            advance(context: context)
        } else {
            // Requests pipelined after this one are dropped, as HTTP/1.1 requires after `Connection: close`.
            discardingInput = true
            queue.removeAll()
            finalResponse = nil
            writeThenClose(written.bytes, context: context)
        }
    }

    private func writeFinal(_ final: FinalResponse, context: ChannelHandlerContext) {
        // The connection closes after this response whatever the handler said, so say so (keeping the field's casing).
        var response = final.response
        if let name = response.headers.fields.first(where: { $0.name.lowercased() == "connection" })?.name {
            response.headers.replaceOrAdd(name: name, value: "close")
        }
        let written = ResponseWriter.serialize(response, includeBody: true, extraConnectionHeader: "close",
                                               allocator: context.channel.allocator)
        if let log = shared.log {
            log("\(final.logSummary) -> \(final.response.status) \(ResponseWriter.formatDuration(nanoseconds: (NIODeadline.now() - final.started).nanoseconds))")
        }
        writeThenClose(written.bytes, context: context)
    }

    /// Writes the last response, then closes our sending side only. The client may still be sending (a body over
    /// the limit, pipelined requests): its bytes are read and dropped, so it sees the whole response and then the end
    /// of the stream, instead of a reset that could destroy the response in flight. The connection closes fully when
    /// the client closes its side (or after the idle timeout).
    private func writeThenClose(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
    }

    // MARK: - Conversions

    private static func gatewayHeaders(_ headers: NIOHTTP1.HTTPHeaders) -> HTTPMessage.HTTPHeaders {
        var fields: [HTTPHeaderField] = []
        fields.reserveCapacity(headers.count)
        for (name, value) in headers { fields.append(HTTPHeaderField(name: name, value: value)) }
        return HTTPMessage.HTTPHeaders(fields)
    }

    /// `Connection: upgrade` together with an `Upgrade` field (e.g. curl's `h2c` attempt).
    private static func asksForUpgrade(_ head: HTTPRequestHead) -> Bool {
        guard head.headers.contains(name: "upgrade") else { return false }
        return head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }

    private static func versionString(_ version: HTTPVersion) -> String {
        switch (version.major, version.minor) {
        case (1, 1): return "HTTP/1.1"
        case (1, 0): return "HTTP/1.0"
        default: return "HTTP/\(version.major).\(version.minor)"
        }
    }
}
