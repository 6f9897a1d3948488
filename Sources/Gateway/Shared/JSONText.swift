import JSONCore

/// A JSON value as header, parameter or mapping text: strings raw, null empty, everything else compact JSON.
/// (REST parameter mapping and HTTP API `$request.body` / `$response.body` selections.)
func headerText(_ value: JSONValue) -> String {
    switch value {
    case let .string(text): return text
    case .null: return ""
    default: return value.serialized(.compact)
    }
}
