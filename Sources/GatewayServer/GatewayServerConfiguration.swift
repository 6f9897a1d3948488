#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// How the emulator's HTTP server listens and what it accepts.
public struct GatewayServerConfiguration: Sendable {
    /// Address to listen on. Anything other than a loopback address makes the emulator reachable from the network.
    public var host: String
    /// TCP port; 0 picks a free one (read it back from `GatewayServer.port`).
    public var port: Int
    /// Largest request body accepted; larger bodies get `rejection(.bodyTooLarge)`. API Gateway's payload limit is 10 MB.
    public var maxBodyBytes: Int
    /// Largest header block (`name: value\r\n` lines) accepted; larger blocks get `rejection(.headersTooLarge)`.
    /// API Gateway documents 10,240 bytes.
    public var maxHeaderBytes: Int
    /// Longest request-target accepted; longer ones get `rejection(.uriTooLong)`. API Gateway documents 8,192.
    public var maxURIBytes: Int
    /// A connection with no traffic for this long (and no request being answered) is closed.
    public var idleTimeoutSeconds: Double
    /// A request head (request line and header fields) must be complete this long after its first byte arrived;
    /// otherwise the client gets 408 and the connection closes (a slowloris client keeps the idle timer from firing).
    public var headerTimeoutSeconds: Double
    /// Number of event-loop threads. Requests are handled on their connection's loop; work that waits for real I/O
    /// (handler workers, HTTP forwarding) suspends there without blocking it.
    public var eventLoopThreads: Int

    public init(host: String = "127.0.0.1", port: Int = 0, maxBodyBytes: Int = 10_485_760,
                maxHeaderBytes: Int = 10_240, maxURIBytes: Int = 8_192, idleTimeoutSeconds: Double = 60,
                headerTimeoutSeconds: Double = 10, eventLoopThreads: Int = System.coreCount) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.eventLoopThreads = eventLoopThreads
    }

    /// Whether `host` only accepts connections from this machine.
    var isLoopback: Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered == "ip6-localhost" { return true }
        var address = in_addr()
        if inet_pton(AF_INET, host, &address) == 1 {
            return UInt32(bigEndian: address.s_addr) >> 24 == 127
        }
        return false
    }
}

/// Why the server could not start.
public enum GatewayServerError: Error, Sendable, CustomStringConvertible {
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// Binding the listening socket failed (port in use, address not on this machine, permission denied).
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let problem):
            return "invalid emulator server configuration: \(problem)"
        case .cannotListen(let host, let port, let reason):
            return "the emulator cannot listen on \(host):\(port): \(reason)"
                + (port == 0 ? "" : " (choose another port, or 0 to pick a free one)")
        }
    }
}
