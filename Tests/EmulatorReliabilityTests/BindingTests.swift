import Foundation
import Gateway
import GatewayServer
import Testing

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// This machine's IPv4 addresses outside 127.0.0.0/8 (e.g. the container's eth0 address).
func nonLoopbackIPv4Addresses() -> [String] {
    var first: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&first) == 0 else { return [] }
    defer { freeifaddrs(first) }
    var addresses: [String] = []
    var cursor = first
    while let entry = cursor {
        defer { cursor = entry.pointee.ifa_next }
        guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        var copy = ipv4
        guard inet_ntop(AF_INET, &copy, &text, socklen_t(text.count)) != nil else { continue }
        let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if !name.hasPrefix("127.") { addresses.append(name) }
    }
    return addresses
}

/// Whether a TCP connection to `host:port` is accepted.
func canConnect(host: String, port: Int) -> Bool {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr(host)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// A handler that is never reached by these tests' connections.
struct NeverCalledHandler: GatewayHandler {
    func handle(_ request: GatewayRequest) async -> GatewayOutcome { GatewayOutcome(response: GatewayResponse(status: 204)) }
    func rejection(_ reason: RequestRejection) -> GatewayResponse { GatewayResponse(status: 400) }
}

@Suite("Emulator binding")
struct BindingTests {
    // The warning for non-loopback hosts is tested in GatewayServerTests; this checks the default is really loopback-only.
    @Test("by default the emulator listens on 127.0.0.1 only: other addresses of this machine refuse connections",
          .enabled(if: !nonLoopbackIPv4Addresses().isEmpty, "needs a non-loopback IPv4 address"))
    func defaultIsLoopbackOnly() async throws {
        let configuration = GatewayServerConfiguration()
        #expect(configuration.host == "127.0.0.1")
        let server = try await GatewayServer.start(handler: NeverCalledHandler(), log: { _ in })
        let port = server.port
        let reachable = try await runBlocking { () -> (loopback: Bool, others: [String: Bool]) in
            var others: [String: Bool] = [:]
            for address in nonLoopbackIPv4Addresses() { others[address] = canConnect(host: address, port: port) }
            return (canConnect(host: "127.0.0.1", port: port), others)
        }
        await server.shutdown()
        #expect(reachable.loopback)
        for (address, connected) in reachable.others {
            #expect(!connected, "the emulator accepted a connection on \(address):\(port)")
        }
    }
}
