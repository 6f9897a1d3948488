import Foundation
import HTTPMessage
import JSONCore

/// REST step "gateway response": renders a `GatewayError` as API Gateway does: the response type's status and
/// default body, or the API's customisation (`x-amazon-apigateway-gateway-responses`: status, template chosen by
/// Accept, header mappings), with `x-amzn-ErrorType`.
struct RESTGatewayResponseStep: GatewayResponseStep {
    func render(_ error: GatewayError, _ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) {
        var log = exchange.log
        log.detail = error.detail ?? error.message
        let customType: GatewayResponseType? = !error.appliesCustomizations ? nil
            : gateway.api.gatewayResponses[error.type] != nil ? error.type : error.status >= 500 ? .default5XX : .default4XX
        let custom = customType.flatMap { gateway.api.gatewayResponses[$0] }
        log.gatewayResponseType = error.type.rawValue
        log.gatewayResponseCustomization = custom == nil ? nil : customType?.rawValue
        let status = custom?.statusCode ?? error.status
        var context = jsonLookup("requestId", in: exchange.context) != nil ? exchange.context : gateway.makeContext(exchange)
        let messageString = error.messageIsNull ? "null" : JSONValue.string(error.message).serialized(.compact)
        context = jsonSetting(jsonObject([("message", .string(error.message)), ("messageString", .string(messageString)),
                                      ("responseType", .string(error.type.rawValue)), ("validationErrorString", .string(error.validationError ?? ""))]),
                          at: ["error"], in: context)
        var body = Array(error.defaultBody.utf8)
        var headers = HTTPHeaders()
        if let custom {
            let accepted = acceptedMediaTypes(exchange.request.headers["Accept"] ?? "application/json")
            if let (_, template) = chooseTemplate(custom.responseTemplates, for: accepted.isEmpty ? ["application/json"] : accepted) {
                do {
                    body = Array(try template.render(gateway.templateInput(exchange, body: exchange.request.body, context: context)).text.utf8)
                } catch {
                    log.detail = (log.detail ?? "") + "; the gateway response template \(template.name) failed at line \(error.line), column \(error.column): \(error.message)"
                }
            }
            var withContext = exchange
            withContext.context = context
            for (target, source) in custom.responseParameters {
                guard let value = gateway.requestSourceValue(source, withContext) else { continue }
                headers.replaceOrAdd(name: String(target.dropFirst("gatewayresponse.header.".count)), value: value)
            }
        }
        var contentType = "application/json"
        if let mapped = headers["Content-Type"] {
            contentType = mapped
            headers.remove(name: "Content-Type")
        }
        exchange.response = gateway.finish(exchange, status: status, contentType: contentType, headers: headers, body: body, trace: nil,
                                           errorType: error.errorTypeOverride ?? error.type.errorType)
        exchange.log = log
    }
}
