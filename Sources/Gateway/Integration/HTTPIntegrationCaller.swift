/// Sends a request to the HTTP backend registered for the URL's host, with the integration timeout, for every
/// caller (REST HTTP/HTTP_PROXY, HTTP API HTTP_PROXY). How the host is read from the URL differs between the
/// API kinds on purpose (`PipelineRules`, see `httpHostKey`), so it is a parameter.
struct HTTPIntegrationCaller: Sendable {
    let backends: BackendRegistry
    let rules: PipelineRules

    init(backends: BackendRegistry, rules: PipelineRules) {
        self.backends = backends
        self.rules = rules
    }

    func send(_ upstream: UpstreamRequest) async -> Result<UpstreamResponse, IntegrationCallFailure> {
        guard let host = httpHostKey(of: upstream.url, rules: rules) else {
            return .failure(.invalidURL(upstream.url))
        }
        guard let backend = backends.http(forHost: host) else {
            return .failure(.noBackend(host))
        }
        guard let result = await IntegrationDeadline.run(milliseconds: upstream.timeoutMilliseconds, { await backend.send(upstream) }) else {
            return .failure(.timedOut)
        }
        switch result {
        case let .success(response): return .success(response)
        case .failure(.timedOut): return .failure(.timedOut)
        case let .failure(.unreachable(reason)): return .failure(.unreachable(reason))
        }
    }
}
