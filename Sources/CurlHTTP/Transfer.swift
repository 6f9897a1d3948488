import CCurl
import Crypto
import HTTPMessage

/// What a caller hands to the multi loop: the request and where to deliver the outcome.
struct Submission: Sendable {
    let id: UInt64
    let request: HTTPRequest
    let continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>

    func complete(_ result: Result<HTTPResponse, TransportError>) {
        continuation.resume(returning: result)
    }
}

/// One transfer in flight: its easy handle and everything libcurl writes into while it runs.
/// Lives on the multi-loop thread only (created, driven and finished there), so it needs no locking.
final class Transfer {
    let submission: Submission
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var head = ResponseHeadParser()
    private var body: [UInt8] = []
    /// Most body bytes kept; nil keeps all.
    private let bodyLimit: Int?
    /// Body bytes received in all (kept or not).
    private var bodyBytesReceived = 0
    /// Started when the body first goes past `bodyLimit`: the digest of every byte received.
    private var bodyHasher: SHA256?
    /// When the request's timeout runs out, counted from when the transfer was created (as libcurl counts it).
    /// Checked as each piece of the response arrives, so a server that never stops sending cannot keep the
    /// exchange alive past its timeout however fast the bytes come.
    private let deadline: ContinuousClock.Instant?
    /// Set when a callback stopped the transfer because `deadline` passed: it ends as a timeout (28), not as the
    /// write error (23) libcurl reports for a callback that refuses data.
    private var stoppedAtDeadline = false

    /// Creates the easy handle and applies every option; throws when libcurl refuses one.
    init(submission: Submission, configuration: HTTPClientConfiguration, resolveList: UnsafeMutablePointer<curl_slist>?) throws(TransportError) {
        guard let easy = curl_easy_init() else {
            throw TransportError(code: Int(CURLE_FAILED_INIT.rawValue), detail: "curl_easy_init failed")
        }
        self.submission = submission
        self.easy = easy
        self.bodyLimit = configuration.maxResponseBodyBytes
        self.deadline = submission.request.timeout.map { ContinuousClock.now + $0 }
        self.errorBuffer = .allocate(capacity: Int(gc_error_size))
        errorBuffer.initialize(repeating: 0, count: Int(gc_error_size))
        do {
            try configure(configuration: configuration, resolveList: resolveList)
        } catch {
            releaseResources()
            throw error
        }
    }

    deinit {
        releaseResources()
    }

    private var released = false

    private func releaseResources() {
        guard !released else { return }
        released = true
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Methods for which an empty body means "no body".
    private static let bodilessMethods: Set<String> = ["GET", "HEAD", "DELETE", "OPTIONS", "TRACE"]

    private func configure(configuration: HTTPClientConfiguration, resolveList: UnsafeMutablePointer<curl_slist>?) throws(TransportError) {
        let request = submission.request
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, string: request.url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PATH_AS_IS, 1)  // send "/a/../b" as given, do not squash dot segments
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_HTTP09_ALLOWED, 0)
        switch configuration.httpVersion {
        case .http1_1: try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        case .http2: try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        }

        // Response capture: raw header lines and body bytes, never decoded (no CURLOPT_ACCEPT_ENCODING).
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(gc_easy_setopt_header_callback(easy) { buffer, size, count, userData in
            let length = size * count
            guard let userData else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userData).takeUnretainedValue()
            guard !transfer.isPastDeadline() else { return 0 }
            transfer.head.consume(line: UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }, option: "CURLOPT_HEADERFUNCTION")
        try set(CURLOPT_HEADERDATA, pointer: context)
        try check(gc_easy_setopt_write_callback(easy) { buffer, size, count, userData in
            let length = size * count
            guard let userData else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userData).takeUnretainedValue()
            guard !transfer.isPastDeadline() else { return 0 }
            transfer.receive(UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }, option: "CURLOPT_WRITEFUNCTION")
        try set(CURLOPT_WRITEDATA, pointer: context)
        // Each attempt starts with an empty error text: when libcurl retries on a fresh connection (a reused one
        // was found dead), the text of the failed attempt must not describe how the retry ended.
        try check(gc_easy_setopt_prereq_callback(easy) { userData, _, _, _, _ in
            guard let userData else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userData).takeUnretainedValue()
            transfer.errorBuffer[0] = 0
            return 0  // CURL_PREREQFUNC_OK
        }, option: "CURLOPT_PREREQFUNCTION")
        try set(CURLOPT_PREREQDATA, pointer: context)

        // Method and body.
        let method = request.method
        let body = request.body.flatMap { bytes in
            bytes.isEmpty && Self.bodilessMethods.contains(method) ? nil : bytes
        }
        var sendsPostFields = false
        if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else if let body {
            try setPostFields(body)
            sendsPostFields = true
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, string: method) }
        } else if method == "POST" {
            try setPostFields([])  // "Content-Length: 0" instead of reading a body from stdin
            sendsPostFields = true
        } else if method != "GET" {
            try set(CURLOPT_CUSTOMREQUEST, string: method)
        }

        // Request headers: the caller's, exactly, minus what libcurl would add on its own.
        var list: UnsafeMutablePointer<curl_slist>?
        func append(_ line: String) throws(TransportError) {
            guard let extended = curl_slist_append(list, line) else {
                throw TransportError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), detail: "curl_slist_append failed")
            }
            list = extended
        }
        defer { headerList = list }
        for field in request.headers {
            // "Name:" would tell libcurl to remove the header; "Name;" sends it with an empty value.
            try append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        if !request.headers.contains("Expect") { try append("Expect:") }
        if sendsPostFields && !request.headers.contains("Content-Type") { try append("Content-Type:") }
        try set(CURLOPT_HTTPHEADER, list: list)
        if let userAgent = configuration.userAgent, !request.headers.contains("User-Agent") {
            try set(CURLOPT_USERAGENT, string: userAgent)
        }

        // Limits and redirects.
        if let timeout = request.timeout { try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout)) }
        if let connectTimeout = request.connectTimeout { try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout)) }
        if request.followRedirects {
            try set(CURLOPT_FOLLOWLOCATION, 1)
            try set(CURLOPT_MAXREDIRS, 30)
        }

        // TLS and name resolution.
        if configuration.insecure {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            try set(CURLOPT_SSL_VERIFYPEER, 1)
            try set(CURLOPT_SSL_VERIFYHOST, 2)
        }
        if let caBundlePath = configuration.caBundlePath { try set(CURLOPT_CAINFO, string: caBundlePath) }
        if let resolveList { try set(CURLOPT_RESOLVE, list: resolveList) }
    }

    /// Whether the request's timeout has run out; records it so the transfer ends as a timeout.
    private func isPastDeadline() -> Bool {
        guard let deadline, ContinuousClock.now >= deadline else { return false }
        stoppedAtDeadline = true
        return true
    }

    /// Keeps body bytes up to the limit; past it, counts and hashes them only.
    private func receive(_ bytes: UnsafeRawBufferPointer) {
        bodyBytesReceived += bytes.count
        guard let bodyLimit, bodyHasher != nil || body.count + bytes.count > bodyLimit else {
            body.append(contentsOf: bytes)
            return
        }
        if bodyHasher == nil {
            var hasher = SHA256()
            hasher.update(data: body)
            bodyHasher = hasher
            let room = max(0, bodyLimit - body.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes.prefix(room)))
        }
        bodyHasher?.update(bufferPointer: bytes)
    }

    /// The truncation record once the body went past the limit.
    private var truncation: BodyTruncation? {
        guard let bodyHasher else { return nil }
        let digest = bodyHasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return BodyTruncation(totalBytes: bodyBytesReceived, keptBytes: body.count, sha256Hex: digest)
    }

    private func setPostFields(_ body: [UInt8]) throws(TransportError) {
        try check(gc_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), option: "CURLOPT_POSTFIELDSIZE_LARGE")
        // COPYPOSTFIELDS copies exactly POSTFIELDSIZE bytes, binary safe, so the array need not outlive this call.
        var placeholder: UInt8 = 0
        if body.isEmpty {
            try check(gc_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, &placeholder), option: "CURLOPT_COPYPOSTFIELDS")
            return
        }
        let code = body.withUnsafeBufferPointer { buffer in
            gc_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
        }
        try check(code, option: "CURLOPT_COPYPOSTFIELDS")
    }

    /// The outcome once libcurl reports the transfer done with `code`.
    func result(code: CURLcode) -> Result<HTTPResponse, TransportError> {
        if stoppedAtDeadline, code == CURLE_WRITE_ERROR, let timeout = submission.request.timeout {
            return .failure(TransportError(
                code: Int(CURLE_OPERATION_TIMEDOUT.rawValue),
                detail: "Operation timed out after \(Self.milliseconds(timeout)) milliseconds with \(bodyBytesReceived) bytes received"
            ))
        }
        guard code == CURLE_OK else { return .failure(transportError(code: Int(code.rawValue))) }
        var responseCode = 0
        _ = gc_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &responseCode)
        var connects = -1
        let connectsKnown = gc_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects >= 0
        let timings = HTTPTimings(
            nameLookup: duration(CURLINFO_NAMELOOKUP_TIME_T),
            connect: duration(CURLINFO_CONNECT_TIME_T),
            tlsHandshake: duration(CURLINFO_APPCONNECT_TIME_T),
            preTransfer: duration(CURLINFO_PRETRANSFER_TIME_T),
            startTransfer: duration(CURLINFO_STARTTRANSFER_TIME_T),
            total: duration(CURLINFO_TOTAL_TIME_T),
            redirect: duration(CURLINFO_REDIRECT_TIME_T)
        )
        var response = HTTPResponse(
            status: head.status ?? responseCode,
            httpVersion: head.httpVersion ?? "HTTP/1.1",
            reasonPhrase: head.reasonPhrase,
            headers: HTTPHeaders(head.fields),
            body: body,
            timings: timings,
            connectionReused: connectsKnown ? connects == 0 : nil,
            bodyTruncation: truncation
        )
        response.nonUTF8HeaderFields = head.nonUTF8Fields
        return .success(response)
    }

    /// A `TransportError` for `code` with the error buffer's text for this transfer.
    func transportError(code: Int) -> TransportError {
        var detail = String(cString: errorBuffer)
        if detail.isEmpty, code == Int(CURLE_OUT_OF_MEMORY.rawValue) {
            // libcurl 7.88 reports a response header line longer than CURL_MAX_HTTP_HEADER this way, without text.
            detail = "out of memory, or a response header line longer than libcurl's limit of 100 KB"
        }
        return TransportError(code: code, detail: detail)
    }

    private func duration(_ info: CURLINFO) -> Duration {
        var microseconds: curl_off_t = 0
        guard gc_easy_getinfo_off_t(easy, info, &microseconds) == CURLE_OK else { return .zero }
        return .microseconds(microseconds)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let wholeMilliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let hasRemainder = attoseconds % 1_000_000_000_000_000 != 0
        // 0 would mean "no limit" to libcurl; the shortest real limit is 1 ms.
        return max(1, Int(wholeMilliseconds) + (hasRemainder ? 1 : 0))
    }

    // MARK: setopt helpers

    private func set(_ option: CURLoption, _ value: Int) throws(TransportError) {
        try check(gc_easy_setopt_long(easy, option, value), option: "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, string: String) throws(TransportError) {
        try check(gc_easy_setopt_string(easy, option, string), option: "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(TransportError) {
        try check(gc_easy_setopt_pointer(easy, option, pointer), option: "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws(TransportError) {
        try check(gc_easy_setopt_slist(easy, option, list), option: "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, option: String) throws(TransportError) {
        guard code != CURLE_OK else { return }
        let detail = String(cString: errorBuffer)
        throw TransportError(code: Int(code.rawValue), detail: detail.isEmpty ? "libcurl rejected \(option)" : detail)
    }
}
