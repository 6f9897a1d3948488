import Foundation
import HTTPMessage
import JSONCore

/// REST step "method response": the chosen status, headers and body with the headers API Gateway adds around them.
struct RESTMethodResponseStep: PipelineStep {
    var name: StepName { .methodResponse }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) throws(GatewayError) {
        guard let parts = exchange.methodResponse else { throw GatewayError.internalError("no method response") }
        let response = gateway.finish(exchange, status: parts.status, contentType: parts.contentType, headers: parts.headers,
                                      body: parts.body, trace: parts.trace)
        exchange.log.methodResponseStatus = response.status
        exchange.response = response
    }
}

extension RESTGateway {
    /// Puts the standard headers around the mapped ones, in the order AWS sends them:
    /// Date, Content-Type, Content-Length, Connection, x-amzn-RequestId, [x-amzn-ErrorType], mapped..., x-amz-apigw-id, X-Amzn-Trace-Id.
    /// `Connection` is `keep-alive` as AWS sends it, or `close` when the client asked to close.
    func finish(_ exchange: Exchange, status: Int, contentType: String, headers: HTTPHeaders, body: [UInt8], trace: String?,
                errorType: String? = nil) -> GatewayResponse {
        // 1xx, 204 and 304 responses carry no body on the wire, so none is announced either.
        let body = (100..<200).contains(status) || status == 204 || status == 304 ? [] : body
        var all = HTTPHeaders([
            ("Date", GatewayIdentifiers.httpDate()),
            ("Content-Type", contentType),
            ("Content-Length", String(body.count)),
            ("Connection", exchange.request.headers.values(for: "Connection").contains { $0.lowercased().contains("close") } ? "close" : "keep-alive"),
            ("x-amzn-RequestId", exchange.requestID),
        ])
        if let errorType { all.add(name: "x-amzn-ErrorType", value: errorType) }
        for field in headers { all.add(name: field.name, value: field.value) }
        all.add(name: "x-amz-apigw-id", value: exchange.extendedRequestID)
        if let trace { all.add(name: "X-Amzn-Trace-Id", value: trace) }
        return GatewayResponse(status: status, headers: all, body: body)
    }
}
