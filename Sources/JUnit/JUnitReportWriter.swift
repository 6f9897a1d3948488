#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Why a JUnit report could not be written.
public enum JUnitWriteError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The temporary file next to the destination could not be created (missing permissions, read-only disk, ...).
    case cannotCreate(path: String, reason: String)
    /// Writing to the temporary file failed (disk full, ...).
    case writeFailed(path: String, reason: String)
    /// Flushing or moving the finished report into place failed.
    case cannotFinish(path: String, reason: String)
    /// `write` or `finish` was called after `finish()` or `abandon()`.
    case alreadyClosed(path: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "cannot create the JUnit report \(path): \(reason) (check that its directory is writable)"
        case .writeFailed(let path, let reason):
            return "cannot write the JUnit report \(path): \(reason)"
        case .cannotFinish(let path, let reason):
            return "cannot complete the JUnit report \(path): \(reason)"
        case .alreadyClosed(let path):
            return "the JUnit report \(path) was already finished or abandoned"
        }
    }

    public var errorDescription: String? { description }
}

/// Streams suites to a temporary file next to the destination and renames it into place on `finish()`,
/// so a reader never sees half a report: before `finish()` the destination is absent or still the previous report.
///
/// Memory does not grow with the number of suites written: each suite is rendered and written as it comes.
/// The `<testsuites>` totals are written at `finish()` into space reserved in the root start tag
/// (padding inside a start tag is plain XML whitespace), so no second pass over the file is needed.
/// Not thread-safe: use it from one task at a time.
public final class JUnitReportWriter {
    /// The destination path.
    public let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var totals = JUnitXML.Totals()
    private var isClosed = false
    /// Where the reserved space for the root totals starts, and how long it is.
    private let totalsOffset: Int
    private static let totalsSpace = 128

    /// Creates the temporary file (and any missing parent directories of `path`) and writes the document's opening.
    public init(path: String) throws(JUnitWriteError) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporaryPath = directory + "/." + url.lastPathComponent + ".\(getpid()).\(suffix).tmp"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        let opening = JUnitXML.xmlDeclaration + "<testsuites"
        totalsOffset = opening.utf8.count
        let header = Array(opening.utf8) + [UInt8](repeating: UInt8(ascii: " "), count: Self.totalsSpace)
            + Array(">\n".utf8)
        do {
            try writeAll(header)
        } catch {
            abandon()
            throw error
        }
    }

    deinit {
        if !isClosed { abandon() }
    }

    /// Appends one `<testsuite>`.
    public func write(_ suite: JUnitTestSuite) throws(JUnitWriteError) {
        guard !isClosed else { throw .alreadyClosed(path: path) }
        var buffer: [UInt8] = []
        JUnitXML.appendSuite(suite, to: &buffer)
        try writeAll(buffer)
        totals.add(suite)
    }

    /// Closes the document, fills in the totals, flushes it to disk and renames it onto `path` atomically.
    public func finish() throws(JUnitWriteError) {
        guard !isClosed else { throw .alreadyClosed(path: path) }
        try writeAll(Array(JUnitXML.closingRoot.utf8))
        var attributes = Array(totals.attributes.utf8)
        precondition(attributes.count <= Self.totalsSpace, "root totals exceed the reserved space")
        attributes += [UInt8](repeating: UInt8(ascii: " "), count: Self.totalsSpace - attributes.count)
        let written = attributes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(totalsOffset)) }
        guard written == attributes.count else { throw failFinish("writing the totals: \(lastErrorText())") }
        guard fsync(descriptor) == 0 else { throw failFinish("fsync: \(lastErrorText())") }
        guard close(descriptor) == 0 else {
            descriptor = -1
            throw failFinish("close: \(lastErrorText())")
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw failFinish("rename: \(lastErrorText())") }
        isClosed = true
        // Make the rename itself durable.
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            _ = close(directoryDescriptor)
        }
    }

    /// Discards the report: the temporary file is removed and `path` is left as it was. Safe to call more than once.
    public func abandon() {
        guard !isClosed else { return }
        isClosed = true
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
        _ = unlink(temporaryPath)
    }

    private func failFinish(_ reason: String) -> JUnitWriteError {
        abandon()
        return .cannotFinish(path: path, reason: reason)
    }

    private func lastErrorText() -> String { String(cString: strerror(errno)) }

    private func writeAll(_ bytes: [UInt8]) throws(JUnitWriteError) {
        let failure: String? = bytes.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let count = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return lastErrorText()
                }
                offset += count
            }
            return nil
        }
        if let failure { throw .writeFailed(path: path, reason: failure) }
    }
}

/// POSIX `write(2)`, named apart from `JUnitReportWriter.write(_:)`.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(descriptor, buffer, count)
    #else
    return Darwin.write(descriptor, buffer, count)
    #endif
}
