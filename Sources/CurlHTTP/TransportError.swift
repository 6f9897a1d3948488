import CCurl

/// A transfer that produced no complete HTTP response: connection refused, timeout, TLS failure,
/// malformed or truncated reply... Carries libcurl's own diagnosis.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `CURLcode`, e.g. 7.
    public var code: Int
    /// The `CURLcode` constant's name, e.g. `CURLE_COULDNT_CONNECT`.
    public var name: String
    /// libcurl's generic text for the code (`curl_easy_strerror`), e.g. `Couldn't connect to server`.
    public var summary: String
    /// libcurl's specific message for this transfer (`CURLOPT_ERRORBUFFER`), e.g.
    /// `Failed to connect to 127.0.0.1 port 9: Connection refused`; may be empty.
    public var detail: String

    public init(code: Int, name: String, summary: String, detail: String) {
        self.code = code
        self.name = name
        self.summary = summary
        self.detail = detail
    }

    /// An error for `code` with its name and summary looked up from libcurl.
    public init(code: Int, detail: String = "") {
        self.init(
            code: code,
            name: TransportError.name(ofCurlCode: code),
            summary: TransportError.summary(ofCurlCode: code),
            detail: detail
        )
    }

    /// `curl error 7 (CURLE_COULDNT_CONNECT): Failed to connect to 127.0.0.1 port 9: Connection refused`.
    /// Uses the summary when libcurl left no detail.
    public var description: String {
        "curl error \(code) (\(name)): \(detail.isEmpty ? summary : detail)"
    }

    /// The transfer ran out of time (`CURLE_OPERATION_TIMEDOUT`).
    public var isTimeout: Bool { code == 28 }

    /// The `CURLE_*` name of a libcurl result code, or `CURLE_UNKNOWN_<code>` for codes not in the table.
    public static func name(ofCurlCode code: Int) -> String {
        curlCodeNames[code] ?? "CURLE_UNKNOWN_\(code)"
    }

    /// libcurl's text for a result code (`curl_easy_strerror`).
    public static func summary(ofCurlCode code: Int) -> String {
        guard let code32 = UInt32(exactly: code) else { return "Unknown error" }
        return String(cString: curl_easy_strerror(CURLcode(rawValue: code32)))
    }

    /// Names of the result codes an HTTP(S) transfer can produce (libcurl 7.88).
    private static let curlCodeNames: [Int: String] = [
        0: "CURLE_OK",
        1: "CURLE_UNSUPPORTED_PROTOCOL",
        2: "CURLE_FAILED_INIT",
        3: "CURLE_URL_MALFORMAT",
        4: "CURLE_NOT_BUILT_IN",
        5: "CURLE_COULDNT_RESOLVE_PROXY",
        6: "CURLE_COULDNT_RESOLVE_HOST",
        7: "CURLE_COULDNT_CONNECT",
        8: "CURLE_WEIRD_SERVER_REPLY",
        16: "CURLE_HTTP2",
        18: "CURLE_PARTIAL_FILE",
        22: "CURLE_HTTP_RETURNED_ERROR",
        23: "CURLE_WRITE_ERROR",
        25: "CURLE_UPLOAD_FAILED",
        26: "CURLE_READ_ERROR",
        27: "CURLE_OUT_OF_MEMORY",
        28: "CURLE_OPERATION_TIMEDOUT",
        33: "CURLE_RANGE_ERROR",
        34: "CURLE_HTTP_POST_ERROR",
        35: "CURLE_SSL_CONNECT_ERROR",
        42: "CURLE_ABORTED_BY_CALLBACK",
        43: "CURLE_BAD_FUNCTION_ARGUMENT",
        45: "CURLE_INTERFACE_FAILED",
        47: "CURLE_TOO_MANY_REDIRECTS",
        48: "CURLE_UNKNOWN_OPTION",
        49: "CURLE_SETOPT_OPTION_SYNTAX",
        52: "CURLE_GOT_NOTHING",
        53: "CURLE_SSL_ENGINE_NOTFOUND",
        54: "CURLE_SSL_ENGINE_SETFAILED",
        55: "CURLE_SEND_ERROR",
        56: "CURLE_RECV_ERROR",
        58: "CURLE_SSL_CERTPROBLEM",
        59: "CURLE_SSL_CIPHER",
        60: "CURLE_PEER_FAILED_VERIFICATION",
        61: "CURLE_BAD_CONTENT_ENCODING",
        63: "CURLE_FILESIZE_EXCEEDED",
        64: "CURLE_USE_SSL_FAILED",
        65: "CURLE_SEND_FAIL_REWIND",
        66: "CURLE_SSL_ENGINE_INITFAILED",
        67: "CURLE_LOGIN_DENIED",
        77: "CURLE_SSL_CACERT_BADFILE",
        80: "CURLE_SSL_SHUTDOWN_FAILED",
        81: "CURLE_AGAIN",
        82: "CURLE_SSL_CRL_BADFILE",
        83: "CURLE_SSL_ISSUER_ERROR",
        88: "CURLE_CHUNK_FAILED",
        89: "CURLE_NO_CONNECTION_AVAILABLE",
        90: "CURLE_SSL_PINNEDPUBKEYNOTMATCH",
        91: "CURLE_SSL_INVALIDCERTSTATUS",
        92: "CURLE_HTTP2_STREAM",
        93: "CURLE_RECURSIVE_API_CALL",
        94: "CURLE_AUTH_ERROR",
        95: "CURLE_HTTP3",
        96: "CURLE_QUIC_CONNECT_ERROR",
        97: "CURLE_PROXY",
        98: "CURLE_SSL_CLIENTCERT",
        99: "CURLE_UNRECOVERABLE_POLL",
    ]
}
