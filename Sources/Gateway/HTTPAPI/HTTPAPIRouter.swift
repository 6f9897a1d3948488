/// Chooses the route for a request the way HTTP APIs do (DG http-api-develop-routes):
/// a full match beats a greedy `{proxy+}` match, which beats the `$default` route. Among full
/// (or among greedy) matches, segments are compared left to right: a literal beats `{param}`,
/// which beats `{param+}`; then an exact method beats `ANY`.
struct HTTPAPIRouter: Sendable {
    struct Match: Sendable {
        var route: HTTPAPIRoute
        /// Raw (not percent-decoded) values, in route order.
        var pathParameters: [(name: String, value: String)]
    }

    let routes: [HTTPAPIRoute]
    let defaultRoute: HTTPAPIRoute?

    init(routes: [HTTPAPIRoute], defaultRoute: HTTPAPIRoute?) {
        self.routes = routes
        self.defaultRoute = defaultRoute
    }

    /// `path` is the request path inside the stage, starting with `/`, raw.
    func match(method: String, path: String) -> Match? {
        let pieces = path == "/" || path.isEmpty ? [] : path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var best: (rank: [Int], match: Match)?
        for route in routes {
            if let routeMethod = route.method, routeMethod != method { continue }
            guard let parameters = Self.bind(route.segments, to: pieces) else { continue }
            let isGreedy = route.segments.last.map { if case .greedy = $0 { return true } else { return false } } ?? false
            var rank = [isGreedy ? 1 : 0]
            rank += route.segments.map { segment in
                switch segment {
                case .literal: return 0
                case .parameter: return 1
                case .greedy: return 2
                }
            }
            rank.append(route.method == nil ? 1 : 0)
            if best == nil || rank.lexicographicallyPrecedes(best!.rank) {
                best = (rank, Match(route: route, pathParameters: parameters))
            }
        }
        if let best { return best.match }
        return defaultRoute.map { Match(route: $0, pathParameters: []) }
    }

    /// Binds route segments to path pieces; nil when they do not match.
    static func bind(_ segments: [HTTPAPIRoute.Segment], to pieces: [String]) -> [(name: String, value: String)]? {
        var parameters: [(name: String, value: String)] = []
        for (index, segment) in segments.enumerated() {
            switch segment {
            case let .literal(text):
                guard index < pieces.count, pieces[index] == text else { return nil }
            case let .parameter(name):
                guard index < pieces.count, !pieces[index].isEmpty else { return nil }
                parameters.append((name, pieces[index]))
            case let .greedy(name):
                guard index < pieces.count else { return nil }
                let rest = pieces[index...].joined(separator: "/")
                guard !rest.isEmpty else { return nil }
                parameters.append((name, rest))
                return parameters
            }
        }
        return segments.count == pieces.count ? parameters : nil
    }
}
