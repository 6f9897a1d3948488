import HTTPMessage

/// An HTTP/1.1 (optionally HTTP/2) client over libcurl that reports responses exactly as received.
///
/// All transfers of one client run on a single dedicated thread driving a `curl_multi` handle,
/// so `send` never blocks Swift's cooperative thread pool, any number of tasks may call it at once,
/// and connections are reused from the multi handle's connection cache.
public final class CurlHTTPClient: Sendable {
    private let loop: MultiLoop

    /// Starts the client's transfer thread.
    public init(configuration: HTTPClientConfiguration = .init()) {
        loop = MultiLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Performs one request. Returns the final response (any status, 4xx/5xx included) or a
    /// `TransportError` when no complete response arrived. Cancelling the calling task aborts the
    /// transfer with `CURLE_ABORTED_BY_CALLBACK`.
    public func send(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportError> {
        let loop = self.loop
        let id = loop.reserveID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                loop.submit(Submission(id: id, request: request, continuation: continuation))
            }
        } onCancel: {
            loop.cancel(id)
        }
    }

    /// Stops the client: requests queued or running complete with a `CURLE_ABORTED_BY_CALLBACK`
    /// error, later `send` calls fail the same way. Idempotent; returns without waiting.
    public func shutdown() {
        loop.shutdown()
    }
}
