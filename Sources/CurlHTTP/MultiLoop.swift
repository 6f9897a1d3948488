import CCurl
import Foundation
import HTTPMessage
import Synchronization

/// `curl_global_init` runs exactly once per process (Swift initializes globals lazily and thread-safely).
private let curlGlobalInitResult: CURLcode = curl_global_init(gc_global_all)

/// Owns one `curl_multi` handle and the dedicated thread that drives it. Callers only touch the
/// lock-protected queue and wake the loop with `curl_multi_wakeup`; every other libcurl call
/// (easy handles, perform, poll, info_read) happens on the loop thread.
final class MultiLoop: Sendable {
    private struct Shared {
        var pending: [Submission] = []
        /// IDs handed out and not yet completed (queued or running).
        var inFlight: Set<UInt64> = []
        /// IDs whose task was cancelled; the loop aborts them on its next turn.
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
        var isShutDown = false
        /// Address of the multi handle while the loop runs, nil once it is being cleaned up.
        /// Kept as a bit pattern because the handle may only be used under this lock from other
        /// threads (for `curl_multi_wakeup`); the lock makes sure the handle is never woken after cleanup.
        var multiAddress: UInt?
    }

    private let shared = Mutex(Shared())
    private let configuration: HTTPClientConfiguration
    /// Set when libcurl could not be initialized; every request then fails with it.
    private let startupFailure: TransportError?

    init(configuration: HTTPClientConfiguration) {
        self.configuration = configuration
        guard curlGlobalInitResult == CURLE_OK, let multi = curl_multi_init() else {
            startupFailure = TransportError(
                code: Int(CURLE_FAILED_INIT.rawValue),
                detail: curlGlobalInitResult == CURLE_OK ? "curl_multi_init failed" : "curl_global_init failed"
            )
            shared.withLock { $0.isShutDown = true }
            return
        }
        startupFailure = nil
        _ = gc_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, configuration.maxConnectionsPerHost))
        _ = gc_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(0, configuration.maxTotalConnections))
        // Idle connections kept for reuse.
        let cacheSize = max(64, configuration.maxTotalConnections)
        _ = gc_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, cacheSize)
        let address = UInt(bitPattern: multi)
        shared.withLock { $0.multiAddress = address }
        let thread = Thread { [self] in
            run(multiAddress: address)
        }
        thread.name = "gatecheck.curl-multi"
        thread.start()
    }

    /// Reserves an ID for a request about to be submitted (so a cancellation can find it even before submission).
    func reserveID() -> UInt64 {
        shared.withLock { state in
            state.nextID += 1
            state.inFlight.insert(state.nextID)
            return state.nextID
        }
    }

    /// Queues a request for the loop; completes it at once with an error when the client is shut down.
    func submit(_ submission: Submission) {
        let accepted = shared.withLock { state -> Bool in
            guard !state.isShutDown else {
                state.inFlight.remove(submission.id)
                state.cancelled.remove(submission.id)
                return false
            }
            state.pending.append(submission)
            Self.wakeUp(state)
            return true
        }
        if !accepted { submission.complete(.failure(startupFailure ?? Self.shutDownError)) }
    }

    /// Asks the loop to abort a request whose task was cancelled.
    func cancel(_ id: UInt64) {
        shared.withLock { state in
            guard state.inFlight.contains(id) else { return }
            state.cancelled.insert(id)
            Self.wakeUp(state)
        }
    }

    /// Stops accepting requests and makes the loop fail everything queued or running, then exit.
    func shutdown() {
        shared.withLock { state in
            guard !state.isShutDown else { return }
            state.isShutDown = true
            Self.wakeUp(state)
        }
    }

    private static func wakeUp(_ state: borrowing Shared) {
        guard let address = state.multiAddress, let multi = UnsafeMutableRawPointer(bitPattern: address) else { return }
        _ = curl_multi_wakeup(multi)
    }

    static let shutDownError = TransportError(
        code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue),
        detail: "the HTTP client was shut down before the request completed"
    )

    static let cancelledError = TransportError(
        code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue),
        detail: "the request's task was cancelled"
    )

    // MARK: The loop thread

    private func run(multiAddress: UInt) {
        guard let multi = UnsafeMutableRawPointer(bitPattern: multiAddress) else { return }
        let resolveList = makeResolveList()
        defer { curl_slist_free_all(resolveList) }
        var running: [UInt: Transfer] = [:]  // by easy handle address
        var runningIDs: [UInt64: UInt] = [:]

        func key(_ easy: UnsafeMutableRawPointer) -> UInt { UInt(bitPattern: easy) }

        func finish(_ transfer: Transfer, _ result: Result<HTTPResponse, TransportError>) {
            curl_multi_remove_handle(multi, transfer.easy)
            running[key(transfer.easy)] = nil
            runningIDs[transfer.submission.id] = nil
            shared.withLock { state in
                state.inFlight.remove(transfer.submission.id)
                state.cancelled.remove(transfer.submission.id)
            }
            transfer.submission.complete(result)
        }

        func fail(_ submission: Submission, _ error: TransportError) {
            shared.withLock { state in
                state.inFlight.remove(submission.id)
                state.cancelled.remove(submission.id)
            }
            submission.complete(.failure(error))
        }

        while true {
            let (newWork, cancelledIDs, isShutDown) = shared.withLock { state in
                let work = (state.pending, state.cancelled, state.isShutDown)
                state.pending = []
                if state.isShutDown { state.multiAddress = nil }  // no wakeups from now on: the handle goes away
                return work
            }
            if isShutDown {
                for transfer in Array(running.values) { finish(transfer, .failure(Self.shutDownError)) }
                for submission in newWork { fail(submission, Self.shutDownError) }
                break
            }
            for id in cancelledIDs {
                if let address = runningIDs[id], let transfer = running[address] {
                    finish(transfer, .failure(Self.cancelledError))
                }
            }
            for submission in newWork {
                if cancelledIDs.contains(submission.id) {
                    fail(submission, Self.cancelledError)
                    continue
                }
                do {
                    let transfer = try Transfer(submission: submission, configuration: configuration, resolveList: resolveList)
                    let added = curl_multi_add_handle(multi, transfer.easy)
                    guard added == CURLM_OK else {
                        let message = String(cString: curl_multi_strerror(added))
                        fail(submission, TransportError(code: Int(CURLE_FAILED_INIT.rawValue), detail: "curl_multi_add_handle: \(message)"))
                        continue
                    }
                    running[key(transfer.easy)] = transfer
                    runningIDs[submission.id] = key(transfer.easy)
                } catch {
                    fail(submission, error)
                }
            }

            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi, &stillRunning)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard gc_msg_is_done(message) != 0, let easy = gc_msg_easy_handle(message),
                      let transfer = running[key(easy)] else { continue }
                finish(transfer, transfer.result(code: gc_msg_result(message)))
            }
            // Sleeps until socket activity, a libcurl timer (timeouts, retries) or curl_multi_wakeup.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        curl_multi_cleanup(multi)
    }

    private func makeResolveList() -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for entry in configuration.resolve {
            if let extended = curl_slist_append(list, entry) { list = extended }
        }
        return list
    }
}
