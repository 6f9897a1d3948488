import Foundation
import Synchronization

/// The outcome of a finished command.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// `: <first line of stderr>` or nothing, for error messages.
    var stderrSummary: String {
        let line = stderr.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? "" : ": \(line.prefix(300))"
    }
}

/// Why a command could not be started.
struct CommandLaunchError: Error, CustomStringConvertible {
    var description: String
}

/// Runs token and credential helper commands (`/bin/sh -c COMMAND`), capturing both output streams.
enum ShellCommand {
    static func run(_ command: String, environment: [String: String]) throws(CommandLaunchError) -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw CommandLaunchError(description: "cannot start /bin/sh: \(error.localizedDescription)") }
        // Read stderr on another thread so a chatty command cannot block on a full pipe.
        let errorReader = PipeReader(handle: stderr.fileHandleForReading)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = errorReader.finish()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                             stderr: String(decoding: errorOutput, as: UTF8.self))
    }
}

/// Drains a pipe on a background thread. The data is handed over through a lock-protected box
/// and the reader is joined with a semaphore before the data is read.
private final class PipeReader: Sendable {
    private let data = LockedData()
    private let done = DispatchSemaphore(value: 0)

    init(handle: FileHandle) {
        let data = self.data, done = self.done
        Thread.detachNewThread {
            data.set(handle.readDataToEndOfFile())
            done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data.get()
    }
}

private final class LockedData: Sendable {
    private let value = Mutex<Data>(Data())

    func set(_ newValue: Data) { value.withLock { $0 = newValue } }
    func get() -> Data { value.withLock { $0 } }
}
