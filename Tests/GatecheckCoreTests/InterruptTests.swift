import Foundation
import GatecheckCore
import Synchronization
import Testing
import TestSupport

/// Waits for `condition`; the bound only guards against hangs (the machine running the tests may be busy).
func eventually(within seconds: Double = 60, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

@Suite struct InterruptTests {
    static let suite = """
    cases:
      - name: first
        request: { path: /text }
      - name: stalls
        request: { path: /stall, timeout: 60s }
      - name: never reached
        request: { path: /text }
    """

    @Test func cancellingARunAbortsTheRequestAndStillWritesTheReport() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let path = workspace.write("stall.yaml", Self.suite)
        let console = OutputBuffer(), errors = OutputBuffer()
        var configuration = RunConfiguration()
        configuration.paths = [path]
        configuration.target = server.baseURL
        configuration.junitPath = workspace.path + "/junit.xml"
        configuration.output = console.writer
        configuration.errorOutput = errors.writer
        let task = Task { [configuration] in await GatecheckRunner(configuration: configuration).run() }
        #expect(await eventually { server.requests.count == 2 }, "the stalling request reached the server")
        task.cancel()
        let summary = await task.value
        #expect(summary.exitStatus == .interrupted)
        #expect(summary.passed == 1)
        #expect(summary.skipped == 2)
        let junit = try #require(workspace.read("junit.xml"))
        #expect(junit.contains(#"<skipped message="interrupted"/>"#))
        #expect(errors.text.contains("gatecheck: interrupted"))
    }

    @Test func ctrlCInterruptsTheBinaryWhichExits130WithAReport() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatecheck").path
        try #require(FileManager.default.isExecutableFile(atPath: binary))
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let path = workspace.write("stall.yaml", Self.suite)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", path, "--target", server.baseURL, "--junit", workspace.path + "/junit.xml", "--grace-period", "0.2"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(await eventually { server.requests.count == 2 })
        process.interrupt()
        guard await eventually({ !process.isRunning }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("the binary did not stop after Ctrl-C")
            return
        }
        #expect(process.terminationStatus == 130)
        #expect(workspace.read("junit.xml")?.contains(#"<skipped message="interrupted"/>"#) == true)
    }

    @Test func requestsInFlightFinishWithinTheGracePeriodAndNothingNewStarts() async throws {
        let gate = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { request in
            if request.path == "/slow" { _ = gate.wait(timeout: .now() + 20) }
            return demoResponse(request)
        }
        defer { server.stop() }
        let suite = """
        cases:
          - name: first
            request: { path: /text }
          - name: in flight when interrupted
            request: { path: /slow }
            expect: { status: 404 }
          - name: not started
            request: { path: /text }
        """
        let workspace = Workspace()
        let path = workspace.write("grace.yaml", suite)
        let interruption = RunInterruption()
        var configuration = RunConfiguration()
        configuration.paths = [path]
        configuration.target = server.baseURL
        configuration.junitPath = workspace.path + "/junit.xml"
        configuration.output = OutputBuffer().writer
        configuration.errorOutput = OutputBuffer().writer
        configuration.interruption = interruption
        configuration.interruptGracePeriod = .seconds(30)
        let task = Task { [configuration] in await GatecheckRunner(configuration: configuration).run() }
        #expect(await eventually { server.requests.count == 2 })
        interruption.interrupt()
        gate.signal()  // the in-flight request completes after the interruption, well within the grace period
        let summary = await task.value
        #expect(summary.exitStatus == .interrupted)
        #expect(summary.suites.first?.cases.map(\.isPassed) == [true, true, false])
        guard case let .skipped(reason)? = summary.suites.first?.cases.last?.outcome else {
            Issue.record("the last case should be skipped")
            return
        }
        #expect(reason == "interrupted")
        #expect(server.requests.count == 2, "no case starts after the interruption")
        #expect(workspace.read("junit.xml")?.contains(#"<skipped message="interrupted"/>"#) == true)
    }

    @Test func sigtermExits143AndStillWritesTheReport() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let path = workspace.write("stall.yaml", Self.suite)
        let child = try SpawnedGatecheck(["run", path, "--target", server.baseURL, "--junit", workspace.path + "/junit.xml",
                                          "--grace-period", "0.2"])
        #expect(await eventually { server.requests.count == 2 })
        child.signal(SIGTERM)
        let status = await child.exitStatus()
        #expect(status == 143, "stderr: \(child.errors)")
        let junit = try #require(workspace.read("junit.xml"))
        #expect(junit.components(separatedBy: #"<skipped message="interrupted"/>"#).count - 1 == 2)
        #expect(child.errors.contains("gatecheck: SIGTERM received"))
        #expect(child.output.split(separator: "\n").last?.hasPrefix("1 passed, 0 failed, 0 errors, 2 skipped in ") == true, "\(child.output)")
    }

    @Test func aSecondSignalQuitsAtOnceAndLeavesThePreviousCompleteReport() async throws {
        let server = try makeDemoServer()
        defer { server.stop() }
        let workspace = Workspace()
        let path = workspace.write("stall.yaml", Self.suite)
        let previous = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"0\" failures=\"0\" errors=\"0\" time=\"0.000\">\n</testsuites>\n"
        workspace.write("reports/junit.xml", previous)
        let child = try SpawnedGatecheck(["run", path, "--target", server.baseURL, "--junit", workspace.path + "/reports/junit.xml",
                                          "--grace-period", "60"])
        #expect(await eventually { server.requests.count == 2 })
        child.signal(SIGINT)
        // Wait until the first signal is handled (the stalled request is now in its 60 s grace period).
        #expect(await eventually { child.errors.contains("interrupted (SIGINT) received") })
        child.signal(SIGTERM)
        let status = await child.exitStatus()
        #expect(status == 143, "stderr: \(child.errors)")
        #expect(workspace.read("reports/junit.xml") == previous, "the previous complete report is left as it was")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/reports")
        #expect(leftovers == ["junit.xml"], "no half-written temporary report is left behind")
        #expect(child.errors.contains("quitting at once"))
    }
}

/// The built `gatecheck` binary next to the test bundle.
func gatecheckBinary() -> String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatecheck").path
}

/// The `gatecheck` binary running in the background, its output collected as it comes.
final class SpawnedGatecheck: Sendable {
    private let process: Mutex<Process>
    private let pid: Int32
    private let stdout = OutputBuffer()
    private let stderr = OutputBuffer()
    /// How many of the two streams have reached their end (the child's last write has been collected).
    private let closedStreams = ClosedStreams()

    final class ClosedStreams: Sendable {
        let count = Mutex(0)
    }

    init(_ arguments: [String], environment: [String: String] = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gatecheckBinary())
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdout = self.stdout, stderr = self.stderr, closed = self.closedStreams
        for (pipe, buffer) in [(out, stdout), (err, stderr)] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                guard !data.isEmpty else {
                    handle.readabilityHandler = nil
                    closed.count.withLock { $0 += 1 }
                    return
                }
                buffer.writer(String(decoding: data, as: UTF8.self))
            }
        }
        try process.run()
        pid = process.processIdentifier
        self.process = Mutex(process)
    }

    var output: String { stdout.text }
    var errors: String { stderr.text }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits (at most `limit` seconds, 20 by default, then kills it) for the process to exit and returns its status.
    /// The limit is a hang guard, not a speed assertion.
    func exitStatus(limit: Double = 20) async -> Int32 {
        let running = { self.process.withLock { $0.isRunning } }
        if await !eventually(within: limit, { !running() }) {
            kill(pid, SIGKILL)
            Issue.record("gatecheck did not exit")
        }
        // The output handlers run on their own queue: wait until both streams are read to their end, so the
        // caller sees everything the child wrote just before it exited.
        _ = await eventually(within: 10) { closedStreams.count.withLock { $0 == 2 } }
        return process.withLock { process in
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}
