import Foundation
import JSONCore

/// What a method's request validator checks (`x-amazon-apigateway-request-validators`), with the method's
/// required parameters and body models (rule book §3).
public struct RequestValidation: Sendable {
    public enum Location: String, Sendable {
        case header, path, querystring
    }

    public var validatorName: String
    public var validatesParameters: Bool
    public var validatesBody: Bool
    /// Required parameters in declaration order.
    public var requiredParameters: [(location: Location, name: String)]
    /// Body models (JSON Schema draft 4, checked by `JSONSchemaValidator`) by content type (lower-cased).
    public var bodySchemas: [(contentType: String, schema: JSONValue)]
}
