import TestSupport
import Gateway
import GatewayServer

// The REST and HTTP API server tests talk to a real `GatewayServer` with TestSupport's raw wire client
// (`rawExchange`, `WireResponse`), so they see the response exactly as it was on the wire.

/// Runs `body` with the port of a real `GatewayServer` serving `handler` on loopback, and shuts the server down
/// whether `body` throws or not.
func withGatewayServer(_ handler: some GatewayHandler, _ body: (Int) async throws -> Void) async throws {
    let server = try await GatewayServer.start(handler: handler)
    do {
        try await body(server.port)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}
