import OrderedCollections

/// A JSON document as a value. Objects keep their key order, because API Gateway and VTL
/// render maps in insertion order and users compare bodies byte for byte. Integers and
/// decimals are kept apart so that `1` never renders as `1.0`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(OrderedDictionary<String, JSONValue>)
}
