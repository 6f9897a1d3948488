import Foundation

/// The `BackendRegistry.httpHosts` key of an absolute `http://` or `https://` URL: `host` or `host:port`,
/// lower-cased; nil for anything else.
///
/// The pipelines read the authority differently (`PipelineRules`): REST parses the URL with Foundation's
/// `URLComponents` (so a URL it refuses, e.g. one with a space or `{`, has no key, and the port is the one
/// written); HTTP API takes the text between `://` and the first `/`, `?` or `#`, after any `userinfo@`.
func httpHostKey(of url: String, rules: PipelineRules) -> String? {
    switch rules {
    case .restAPI:
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return nil }
        if let port = components.port { return "\(host.lowercased()):\(port)" }
        return host.lowercased()
    case .httpAPI:
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else if lowered.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else {
            return nil
        }
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return authority.isEmpty ? nil : authority.lowercased()
    }
}
