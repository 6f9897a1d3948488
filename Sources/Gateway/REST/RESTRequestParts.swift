import Foundation
import HTTPMessage
import JSONCore

/// The MIME type of a Content-Type / Accept entry without parameters, lower-cased (`application/json`).
func mediaType(_ value: String) -> String {
    let base = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? value
    // Fast path: ASCII ends that are not blanks have nothing to trim (`.whitespaces` is tab and Unicode Zs).
    if let first = base.utf8.first, let last = base.utf8.last,
       first < 0x80, last < 0x80, first != 0x20, first != 0x09, last != 0x20, last != 0x09 {
        return base.lowercased()
    }
    return base.trimmingCharacters(in: .whitespaces).lowercased()
}

/// Media ranges of an Accept header in order, without parameters.
func acceptedMediaTypes(_ accept: String?) -> [String] {
    guard let accept else { return [] }
    return accept.split(separator: ",").map { mediaType(String($0)) }.filter { !$0.isEmpty }
}

/// True when `type` (a concrete media type) is one of the API's binary media types: exact match, or an
/// entry with a right-side wildcard (`application/*`). `*/x` entries and wildcard `type`s never match.
func isBinaryMediaType(_ type: String, binaryMediaTypes: [String]) -> Bool {
    guard !type.isEmpty, !type.contains("*") else { return false }
    for entry in binaryMediaTypes.map({ $0.lowercased() }) {
        if entry == type { return true }
        if entry.hasSuffix("/*"), !entry.hasPrefix("*"), type.hasPrefix(String(entry.dropLast(1))) { return true }
    }
    return false
}

/// Picks a template by the request's Accept (response templates) or Content-Type (request templates):
/// the exact media type, else `application/json`, else the first one.
func chooseTemplate(_ templates: [(contentType: String, template: GatewayTemplate)], for mediaTypes: [String]) -> (contentType: String, template: GatewayTemplate)? {
    guard !templates.isEmpty else { return nil }
    for type in mediaTypes {
        if let found = templates.first(where: { $0.contentType == type }) { return found }
    }
    return templates.first { $0.contentType == "application/json" } ?? templates.first
}

/// Headers API Gateway renames to `x-amzn-Remapped-<Name>` when a non-proxy integration response maps them
/// (rule book §7); Transfer-Encoding is dropped.
let remappedResponseHeaders: Set<String> = ["authorization", "connection", "content-length", "content-md5", "date", "expect", "host",
                                            "max-forwards", "proxy-authenticate", "server", "trailer", "upgrade", "user-agent",
                                            "www-authenticate"]
/// Backend headers an HTTP_PROXY integration renames to `x-amzn-Remapped-*` (rule book §7).
let remappedProxyHeaders: Set<String> = ["connection", "content-length", "date", "server", "x-amzn-requestid"]

/// Client headers that are not forwarded into a Lambda proxy event (rule book §10).
let headersDroppedFromProxyEvent: Set<String> = ["connection", "content-md5", "expect", "max-forwards", "proxy-authenticate", "server",
                                                 "te", "trailer", "transfer-encoding", "upgrade", "www-authenticate"]
/// Client headers an HTTP_PROXY integration does not forward to the backend (rule book §4).
let headersDroppedFromHTTPProxy: Set<String> = ["connection", "content-encoding", "content-md5", "expect", "max-forwards",
                                                "proxy-authenticate", "server", "te", "trailer", "transfer-encoding", "upgrade",
                                                "via", "www-authenticate", "host", "content-length"]

/// Looks up `a.b.c` in a JSON object tree.
func jsonLookup(_ dottedPath: String, in value: JSONValue) -> JSONValue? {
    // Walks the path's components without building an array of them (this runs several times per request).
    var current = value
    var rest = Substring(dottedPath)
    while !rest.isEmpty {
        let key: Substring
        if let dot = rest.utf8.firstIndex(of: UInt8(ascii: ".")) {
            key = rest[..<dot]
            rest = rest[rest.utf8.index(after: dot)...]
        } else {
            key = rest
            rest = ""
        }
        if key.isEmpty { continue }  // `a..b` is `a.b`, as `split` omits empty components
        guard case let .object(object) = current, let next = object[String(key)] else { return nil }
        current = next
    }
    return current
}

/// Sets `value` at `path` inside a JSON object tree, creating objects on the way.
func jsonSetting(_ value: JSONValue, at path: ArraySlice<String>, in tree: JSONValue) -> JSONValue {
    guard let key = path.first else { return value }
    guard case var .object(object) = isJSONObject(tree) ? tree : JSONValue.object([:]) else { return value }
    object[key] = jsonSetting(value, at: path.dropFirst(), in: object[key] ?? .object([:]))
    return .object(object)
}

func isJSONObject(_ value: JSONValue) -> Bool {
    if case .object = value { return true }
    return false
}

/// A JSON object from pairs in order (a repeated key keeps its first position and its last value).
func jsonObject(_ pairs: [(String, JSONValue)]) -> JSONValue {
    guard case var .object(object) = JSONValue.object([:]) else { return .null }
    for (key, value) in pairs { object[key] = value }
    return .object(object)
}
