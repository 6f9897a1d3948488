#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A started runtime process: its pid and the emulator's ends of its pipes.
package struct WorkerProcess: Sendable {
    package var pid: pid_t
    /// Write end of the worker's stdin (protocol requests).
    package var requestFD: Int32
    /// Read end of the worker's stdout (protocol responses).
    package var responseFD: Int32
    /// Read end of the worker's stderr (handler output, forwarded to the log).
    package var logFD: Int32
}

/// Why a process could not be started.
package struct SpawnError: Error, CustomStringConvertible {
    package var description: String
}

package enum ProcessSpawner {
    /// Writing to a pipe whose reader died must fail with EPIPE, not kill the emulator: ignore SIGPIPE
    /// process-wide once (servers do the same; SwiftNIO and libcurl expect it too).
    private static let ignoreSIGPIPE: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Starts `executable arguments...` with the given environment, stdin/stdout/stderr on fresh pipes.
    /// The executable is searched in PATH when it contains no slash.
    package static func spawn(executable: String, arguments: [String], environment: [String: String]) throws(SpawnError) -> WorkerProcess {
        _ = ignoreSIGPIPE
        return try spawnLock.withLock { _ throws(SpawnError) in
            try spawnLocked(executable: executable, arguments: arguments, environment: environment)
        }
    }

    private static func spawnLocked(executable: String, arguments: [String], environment: [String: String]) throws(SpawnError) -> WorkerProcess {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard makePipe(&stdinPipe), makePipe(&stdoutPipe), makePipe(&stderrPipe) else {
            let reason = String(cString: strerror(errno))
            for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            throw SpawnError(description: "cannot create pipes for the worker: \(reason)")
        }

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling in the child (SIGPIPE is ignored in the emulator) and an empty mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }

        var pid: pid_t = 0
        let status = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard status == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw SpawnError(description: "cannot start '\(executable)': \(String(cString: strerror(status)))")
        }
        return WorkerProcess(pid: pid, requestFD: stdinPipe[1], responseFD: stdoutPipe[0], logFD: stderrPipe[0])
    }

    /// A close-on-exec pipe, so one worker never inherits another worker's pipe ends (which would hide its
    /// EOF when the other worker dies). `pipe2` is not exported by the Glibc module, so `spawn` holds
    /// `spawnLock` from pipe creation to `posix_spawn`: no other worker can fork in between.
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard fds.withUnsafeMutableBufferPointer({ pipe($0.baseAddress!) }) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    private static let spawnLock = Mutex(())

    /// Waits for the process to end; kills it when it has not ended within `grace`. Returns Lambda's
    /// description of the exit (`exit status 1`, `signal: killed`).
    package static func reap(_ pid: pid_t, grace: Duration = .seconds(1)) -> String {
        var status: Int32 = 0
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return describeExit(status) }
            if result < 0 && errno != EINTR { return "exit status unknown" }
            if clock.now >= deadline { break }
            usleep(2_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return "signal: killed" }
        }
        return describeExit(status)
    }

    /// Kills the process and waits for it.
    static func kill9AndReap(_ pid: pid_t) -> String {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return "signal: killed" }
        }
        return describeExit(status)
    }

    /// The wording of Go's `os.ProcessState.String()`, which Lambda's Runtime.ExitError messages use.
    static func describeExit(_ status: Int32) -> String {
        let signalNumber = status & 0x7f
        if signalNumber == 0 { return "exit status \((status >> 8) & 0xff)" }
        let names: [Int32: String] = [
            SIGKILL: "killed", SIGSEGV: "segmentation fault", SIGABRT: "aborted", SIGTERM: "terminated",
            SIGBUS: "bus error", SIGILL: "illegal instruction", SIGFPE: "floating point exception",
            SIGINT: "interrupt", SIGHUP: "hangup", SIGPIPE: "broken pipe", SIGQUIT: "quit",
        ]
        return "signal: \(names[signalNumber] ?? "signal \(signalNumber)")"
    }
}

/// Blocking frame I/O on the worker's pipes. Used only from the worker's dedicated thread.
enum FrameIO {
    enum ReadOutcome {
        case frame(kind: UInt8, payload: [UInt8])
        case endOfFile
        case timedOut
    }

    /// Writes `[length][bytes]` completely; false when the pipe is broken (the worker died).
    static func writeFrame(_ fd: Int32, _ body: [UInt8]) -> Bool {
        var data = [UInt8]()
        data.reserveCapacity(body.count + 4)
        let length = UInt32(body.count)
        data.append(UInt8(length >> 24)); data.append(UInt8((length >> 16) & 0xff))
        data.append(UInt8((length >> 8) & 0xff)); data.append(UInt8(length & 0xff))
        data.append(contentsOf: body)
        var offset = 0
        return data.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Reads one `[length][kind][payload]` frame, waiting at most until `deadline` (nil: forever).
    static func readFrame(_ fd: Int32, buffer: inout [UInt8], deadline: ContinuousClock.Instant?) -> ReadOutcome {
        while true {
            if buffer.count >= 4 {
                let length = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
                if length >= 1, buffer.count >= 4 + length {
                    let kind = buffer[4]
                    let payload = Array(buffer[5 ..< 4 + length])
                    buffer.removeFirst(4 + length)
                    return .frame(kind: kind, payload: payload)
                }
            }
            var timeoutMilliseconds: Int32 = -1
            if let deadline {
                let remaining = deadline - ContinuousClock().now
                if remaining <= .zero { return .timedOut }
                let (seconds, attoseconds) = remaining.components
                let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                timeoutMilliseconds = Int32(clamping: milliseconds)
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return .endOfFile
            }
            if ready == 0 { continue } // the loop re-checks the deadline
            let count = withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { chunk -> Int in
                let count = read(fd, chunk.baseAddress!, chunk.count)
                if count > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0 ..< count])) }
                return count
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .endOfFile
            }
            if count == 0 { return .endOfFile }
        }
    }
}
