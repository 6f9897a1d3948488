import HTTPMessage

/// What the loopback server does with one request.
public indirect enum LoopbackResponse: Sendable {
    /// An HTTP/1.1 response with exactly these header fields in this order. `Content-Length` is added
    /// (after the given fields) only when absent, and not for 1xx, 204 and 304 responses or when
    /// `Transfer-Encoding` is given (the body is then written as given). The body is not written for
    /// `HEAD` requests. A nil reason uses the standard phrase for the status.
    case http(status: Int, reason: String? = nil, headers: HTTPHeaders = [:], body: [UInt8] = [])
    /// Writes these bytes verbatim (malformed or hand-made responses) and keeps the connection open.
    case raw([UInt8])
    /// Closes the connection (FIN) after reading the request, without answering.
    case closeWithoutResponse
    /// Sends a `200 OK` head with these fields plus `Content-Length: declaredLength` (unless given),
    /// then `partialBody`, then resets the connection (RST through `SO_LINGER` 0).
    case resetMidBody(headers: HTTPHeaders, partialBody: [UInt8], declaredLength: Int)
    /// Never answers; the connection stays open until the client closes it or the server stops.
    case stall
    /// Resets the connection (RST through `SO_LINGER` 0) right after reading the request, without answering.
    case resetWithoutResponse
    /// Sends a `200 OK` head with these fields plus `Transfer-Encoding: chunked`, then the same chunk over and
    /// over, never the last chunk, until the client closes the connection or the server stops.
    case endlessChunkedBody(headers: HTTPHeaders, chunk: [UInt8])
    /// Does `response` after `delay` (or closes the connection if the server stops first).
    /// For timeout tests use a delay far longer than the client's timeout; never rely on it for ordering.
    case delayed(Duration, LoopbackResponse)

    /// A `200 OK` with a UTF-8 text body and the given extra headers.
    public static func text(_ text: String, status: Int = 200, headers: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8"]) -> LoopbackResponse {
        .http(status: status, headers: headers, body: Array(text.utf8))
    }
}

/// Standard reason phrases (RFC 9110 and common extensions) used when a `.http` response gives none.
enum ReasonPhrases {
    static func phrase(for status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 103: "Early Hints"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Unknown"
        }
    }
}
