import CurlHTTP
import Gateway
import HTTPMessage

/// An HTTP upstream that forwards each integration request to a real service.
///
/// The request's path and query are appended to the target (`forward: http://127.0.0.1:8080/base` turns
/// `http://api.example.com/items?x=1` into `http://127.0.0.1:8080/base/items?x=1`); method, headers (including
/// any `Host` the gateway set, so the service sees the integration's host as on AWS) and body are sent as they
/// are, except the hop-by-hop fields `Connection`, `Keep-Alive`, `Transfer-Encoding` and `Content-Length`,
/// which the client sets itself. A timeout (curl error 28) is `UpstreamError.timedOut`; any other transport
/// failure is `UpstreamError.unreachable` with curl's explanation.
///
/// `direct(client:)` makes one that calls the integration URL itself, as API Gateway does (TLS verified).
public struct ForwardingHTTPBackend: HTTPBackend {
    /// The target base URL (`http://127.0.0.1:8080`, optionally with a path prefix); empty for `direct`.
    public var target: String
    private let client: CurlHTTPClient

    public init(target: String, client: CurlHTTPClient) {
        self.target = target.hasSuffix("/") ? String(target.dropLast()) : target
        self.client = client
    }

    /// Calls each request's own URL (`http: { "*": direct }`, `gatecheck emulate` without `--offline`).
    public static func direct(client: CurlHTTPClient) -> ForwardingHTTPBackend {
        ForwardingHTTPBackend(target: "", client: client)
    }

    /// The URL the request is forwarded to.
    public func forwardedURL(for url: String) -> String {
        if target.isEmpty { return url }
        let (path, query) = URLParts.pathAndQuery(of: url)
        return target + path + (query.isEmpty ? "" : "?" + query)
    }

    public func send(_ request: UpstreamRequest) async -> Result<UpstreamResponse, UpstreamError> {
        var headers = request.headers
        for hopByHop in ["Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length"] {
            headers.remove(name: hopByHop)
        }
        let outgoing = HTTPRequest(
            method: request.method,
            url: forwardedURL(for: request.url),
            headers: headers,
            body: request.body.isEmpty ? nil : request.body,
            timeout: .milliseconds(max(1, request.timeoutMilliseconds)))
        return await client.upstreamResponse(to: outgoing, doing: target.isEmpty ? "calling \(request.url)" : "forwarding to \(target)")
    }
}

extension CurlHTTPClient {
    /// Sends `request` for a backend: curl's timeout (error 28) is `UpstreamError.timedOut`, any other transport
    /// failure `UpstreamError.unreachable` with curl's explanation and `activity` ("forwarding to ...").
    func upstreamResponse(to request: HTTPRequest, doing activity: String) async -> Result<UpstreamResponse, UpstreamError> {
        switch await send(request) {
        case let .success(response):
            return .success(UpstreamResponse(status: response.status, headers: response.headers, body: response.body))
        case let .failure(error):
            if error.code == 28 { return .failure(.timedOut) }
            return .failure(.unreachable("\(error) (\(activity))"))
        }
    }
}
