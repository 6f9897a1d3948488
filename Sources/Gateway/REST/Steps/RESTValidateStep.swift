import Foundation
import HTTPMessage
import JSONCore
import JSONSchema

/// REST step "validate" (method request): the method's request validator, if any: required parameters, then the
/// body model (`RequestValidation.swift`).
struct RESTValidateStep: PipelineStep {
    var name: StepName { .validate }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) throws(GatewayError) {
        guard let method = exchange.method else { throw GatewayError.internalError("no method") }
        exchange.log.integrationType = method.integration.kind.rawValue
        if let validation = method.validation { try gateway.validate(exchange, validation) }
    }
}

extension RESTGateway {
    /// Required parameters first (header, path, querystring order, as recorded), then the body model (rule book §3).
    func validate(_ exchange: Exchange, _ validation: RequestValidation) throws(GatewayError) {
        if validation.validatesParameters {
            var missing: [String] = []
            for location in [RequestValidation.Location.header, .path, .querystring] {
                for (kind, name) in validation.requiredParameters where kind == location {
                    let present: Bool = switch kind {
                    case .header: exchange.request.headers.contains(name)
                    case .path: exchange.pathParameters.contains { $0.0 == name }
                    case .querystring: exchange.queryParameters.contains { $0.0 == name }
                    }
                    if !present { missing.append(name) }
                }
            }
            if !missing.isEmpty {
                var error = GatewayError(.badRequestParameters, message: "Missing required request parameters: [\(missing.joined(separator: ", "))]",
                                         detail: "request validator '\(validation.validatorName)': missing required parameters \(missing)")
                error.validationError = error.message
                throw error
            }
        }
        guard validation.validatesBody, !validation.bodySchemas.isEmpty else { return }
        let contentType = exchange.request.headers["Content-Type"].map(mediaType) ?? "application/json"
        guard let (_, schema) = validation.bodySchemas.first(where: { $0.contentType == contentType }) else { return }
        let problem: String?
        if exchange.request.body.isEmpty {
            problem = JSONSchemaValidator(models: api.models).firstViolation(of: schema, by: .null)?.message
        } else if let body = try? JSONValue.parse(bytes: exchange.request.body) {
            problem = JSONSchemaValidator(models: api.models).firstViolation(of: schema, by: body)?.message
        } else {
            problem = "the body is not valid JSON"
        }
        if let problem {
            var error = GatewayError(.badRequestBody, message: "Invalid request body",
                                     detail: "request validator '\(validation.validatorName)': \(problem)")
            error.validationError = "[\(problem)]"
            throw error
        }
    }
}
