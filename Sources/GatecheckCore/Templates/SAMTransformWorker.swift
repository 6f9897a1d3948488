#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Backends
import Foundation

/// Runs `aws-sam-translator` (the library behind CloudFormation's `AWS::Serverless-2016-10-31` transform and SAM CLI)
/// in a Python process: one JSON request on its stdin, one JSON answer on its stdout. No AWS call is made: the
/// managed-policy map is the one bundled with the translator and the region is the emulator's.
enum SAMTransformWorker {
    /// The translator version scripts/install-deps.sh installs; part of the cache key.
    static let pinnedTranslatorVersion = "1.110.0"

    /// What the worker answered: the CloudFormation template, or the translator's messages.
    enum Answer {
        case translated(template: [UInt8])
        case rejected([(resource: String?, message: String)])
    }

    struct Failure: Error {
        var message: String
    }

    /// The interpreter: `$GATECHECK_PYTHON`, else `python3` from PATH (as for Python handlers).
    static var interpreter: String {
        ProcessInfo.processInfo.environment["GATECHECK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    }

    /// Sends `request` (the JSON text of `{"template", "parameters", "region"}`) to a fresh worker and returns its answer.
    static func run(request: [UInt8], timeout: Duration = .seconds(120)) throws(Failure) -> [UInt8] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        let process: WorkerProcess
        do {
            process = try ProcessSpawner.spawn(executable: interpreter, arguments: ["-c", script], environment: environment)
        } catch {
            throw Failure(message: "cannot run the SAM transform: \(error.description) (python3 with aws-sam-translator is needed: run scripts/install-deps.sh)")
        }
        let writer = Thread { writeAll(process.requestFD, request) }
        writer.start()
        let (output, errors, timedOut) = readBoth(stdout: process.responseFD, stderr: process.logFD, timeout: timeout)
        if timedOut { kill(process.pid, SIGKILL) }
        let exit = ProcessSpawner.reap(process.pid)
        if timedOut { throw Failure(message: "the SAM transform did not answer within \(timeout)") }
        guard !output.isEmpty else {
            let detail = String(decoding: errors.suffix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(message: "the SAM transform worker ended (\(exit)) without an answer\(detail.isEmpty ? "" : ": \(detail)")")
        }
        return output
    }

    /// Writes everything, then closes the pipe (the worker reads to end of file).
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    break
                }
                offset += written
            }
        }
        close(fd)
    }

    /// Reads both pipes to end of file (so neither fills up and blocks the worker), at most until `timeout`.
    private static func readBoth(stdout: Int32, stderr: Int32, timeout: Duration) -> (output: [UInt8], errors: [UInt8], timedOut: Bool) {
        var output: [UInt8] = [], errors: [UInt8] = []
        var open: [Int32] = [stdout, stderr]
        let deadline = ContinuousClock().now.advanced(by: timeout)
        defer { close(stdout); close(stderr) }
        while !open.isEmpty {
            let remaining = deadline - ContinuousClock().now
            if remaining <= .zero { return (output, errors, true) }
            var descriptors = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(clamping: remaining.components.seconds * 1000 + 1))
            if ready < 0 { if errno == EINTR { continue } else { break } }
            for descriptor in descriptors where descriptor.revents != 0 {
                let count = withUnsafeTemporaryAllocation(byteCount: 64 * 1024, alignment: 1) { chunk -> Int in
                    let count = read(descriptor.fd, chunk.baseAddress!, chunk.count)
                    if count > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: chunk[0 ..< count])
                        if descriptor.fd == stdout { output.append(contentsOf: bytes) } else { errors.append(contentsOf: bytes) }
                    }
                    return count
                }
                if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) { open.removeAll { $0 == descriptor.fd } }
            }
        }
        return (output, errors, false)
    }

    /// The worker's program (`python3 -c`).
    static let script = #"""
import json
import os
import sys

request = json.load(sys.stdin)
os.environ["AWS_DEFAULT_REGION"] = request.get("region", "us-east-1")
for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
    os.environ.pop(name, None)


def answer(value):
    sys.stdout.write(json.dumps(value))
    sys.stdout.flush()


try:
    import samtranslator
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.transform import transform
except ImportError as error:
    answer({"errors": [{"resource": None, "message": "aws-sam-translator cannot be imported by %s (%s): run scripts/install-deps.sh" % (sys.executable, error)}]})
    sys.exit(0)

ArnGenerator.BOTO_SESSION_REGION_NAME = os.environ["AWS_DEFAULT_REGION"]


class LocalManagedPolicies:
    """The managed-policy names the translator resolves, from its own bundled map: never a call to IAM."""

    def load(self):
        partition = ArnGenerator.get_partition_name(os.environ["AWS_DEFAULT_REGION"])
        return get_bundled_managed_policy_map(partition) or {}


def cause(error):
    logical_id = getattr(error, "_logical_id", None)
    if isinstance(logical_id, list):
        logical_id = ",".join(logical_id)
    return {"resource": logical_id, "message": error.message}


try:
    output = transform(request["template"], request.get("parameters", {}), LocalManagedPolicies())
    answer({"template": output, "translator": samtranslator.__version__})
except InvalidDocumentException as error:
    answer({"errors": [cause(c) for c in error.causes] or [{"resource": None, "message": error.message}]})
except ExceptionWithMessage as error:
    answer({"errors": [cause(error)]})
except Exception as error:
    answer({"errors": [{"resource": None, "message": "the SAM transform failed: %s: %s" % (type(error).__name__, error)}]})
"""#
}
