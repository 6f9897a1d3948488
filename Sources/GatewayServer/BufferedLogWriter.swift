#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes log lines to a file descriptor from a thread of its own, so the request path never blocks on a write:
/// `write(_:)` appends the line to a buffer under a lock; the writer thread wakes at most every `batchInterval`,
/// takes whatever has accumulated and writes it in one system call. Lines keep their order and none is dropped.
///
/// Call `flush()` before the process exits (or the descriptor is closed) to write what is still buffered.
public final class BufferedLogWriter: @unchecked Sendable {
    // Everything below is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    /// Bytes taken by the writer and not yet written (so `flush` can wait for them too).
    private var writing = false
    private var writerParked = false
    private var isClosed = false

    private let descriptor: Int32
    private let batchInterval: TimeInterval
    /// Above this many buffered bytes a caller waits for the writer (the output is not being drained at all).
    private let maxBufferedBytes: Int

    /// - Parameters:
    ///   - fileDescriptor: where the lines go (not closed by the writer).
    ///   - batchInterval: how long the writer collects lines after the first one arrives; at most this delay
    ///     is added before a line appears.
    public init(fileDescriptor: Int32, batchInterval: TimeInterval = 0.002, maxBufferedBytes: Int = 16 << 20) {
        self.descriptor = fileDescriptor
        self.batchInterval = batchInterval
        self.maxBufferedBytes = maxBufferedBytes
        pending.reserveCapacity(64 << 10)
        let thread = Thread { [self] in run() }
        thread.name = "gatecheck-log"
        thread.start()
    }

    /// Queues `line` and a newline.
    public func write(_ line: String) {
        condition.lock()
        while pending.count >= maxBufferedBytes && !isClosed { condition.wait() }
        if isClosed {
            condition.unlock()
            writeAll(Array((line + "\n").utf8))
            return
        }
        pending.append(contentsOf: line.utf8)
        pending.append(UInt8(ascii: "\n"))
        // Only the first line of a batch wakes the writer; the rest ride along.
        let wake = writerParked
        writerParked = false
        condition.unlock()
        if wake { condition.broadcast() }
    }

    /// Returns once every line queued before the call has been written.
    public func flush() {
        condition.lock()
        while (!pending.isEmpty || writing) && !isClosed {
            if writerParked {
                writerParked = false
                condition.broadcast()
            }
            condition.wait()
        }
        condition.unlock()
    }

    /// Writes what is buffered and stops the writer thread; later lines are written directly.
    public func close() {
        flush()
        condition.lock()
        isClosed = true
        condition.unlock()
        condition.broadcast()
    }

    private func run() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 << 10)
        while true {
            condition.lock()
            while pending.isEmpty && !isClosed {
                writerParked = true
                condition.wait()
            }
            if isClosed && pending.isEmpty {
                condition.unlock()
                return
            }
            condition.unlock()
            // Let more lines arrive, so a busy server costs one wake-up and one write per batch, not per line.
            if batchInterval > 0 { Thread.sleep(forTimeInterval: batchInterval) }
            condition.lock()
            swap(&batch, &pending)
            writing = true
            condition.unlock()
            condition.broadcast()  // callers waiting for room

            writeAll(batch)
            batch.removeAll(keepingCapacity: batch.capacity <= 1 << 20)

            condition.lock()
            writing = false
            condition.unlock()
            condition.broadcast()  // flush() waiters
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // the output is gone (closed pipe, full disk): nothing sensible left to do with the lines
                }
            }
        }
    }
}

/// `write(2)`, named apart from `BufferedLogWriter.write(_:)`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
