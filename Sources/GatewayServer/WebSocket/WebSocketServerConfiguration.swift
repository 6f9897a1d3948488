import Gateway
import SigV4

/// How the emulator serves a WebSocket API, with API Gateway's limits (Developer Guide, "Amazon API Gateway quotas
/// for configuring and running a WebSocket API"): each can be lowered for tests.
public struct WebSocketServerConfiguration: Sendable {
    /// Address to listen on (loopback by default).
    public var host: String
    /// TCP port; 0 picks a free one.
    public var port: Int
    /// "WebSocket frame size: 32 KB". A larger frame closes the connection with 1009 (message too big).
    public var maxFrameBytes: Int
    /// "Message payload size: 128 KB" (a message may span several frames). Larger: closed with 1009.
    public var maxMessageBytes: Int
    /// "Idle Connection Timeout: 10 minutes". A connection with no frame for this long is closed with 1001.
    public var idleTimeoutSeconds: Double
    /// "Connection duration for WebSocket API: 2 hours". After this the server closes the connection with 1001.
    public var maxConnectionSeconds: Double
    /// When set, `@connections` calls must be SigV4-signed with a key it knows, and `AWS_IAM` `$connect` routes
    /// check the handshake's signature. When nil, `@connections` calls are not checked.
    public var verifier: SigV4Verifier?
    /// Event-loop threads.
    public var eventLoopThreads: Int

    public init(host: String = "127.0.0.1", port: Int = 0, maxFrameBytes: Int = 32 * 1024, maxMessageBytes: Int = 128 * 1024,
                idleTimeoutSeconds: Double = 600, maxConnectionSeconds: Double = 7_200, verifier: SigV4Verifier? = nil,
                eventLoopThreads: Int = 1) {
        self.host = host
        self.port = port
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnectionSeconds = maxConnectionSeconds
        self.verifier = verifier
        self.eventLoopThreads = eventLoopThreads
    }
}
