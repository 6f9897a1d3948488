import JSONCore

/// One entry of `x-amazon-apigateway-gateway-responses`.
public struct GatewayResponseCustomization: Sendable {
    public var statusCode: Int?
    /// `gatewayresponse.header.X` targets with their source expressions, in document order.
    public var responseParameters: [(target: String, source: String)]
    var responseTemplates: [(contentType: String, template: GatewayTemplate)]
}
