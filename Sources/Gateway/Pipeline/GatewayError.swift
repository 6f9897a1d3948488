import JSONCore

/// API Gateway's gateway response types (errors produced by the gateway itself) with their default status codes.
public enum GatewayResponseType: String, Sendable, CaseIterable, Hashable {
    case accessDenied = "ACCESS_DENIED"
    case apiConfigurationError = "API_CONFIGURATION_ERROR"
    case authorizerConfigurationError = "AUTHORIZER_CONFIGURATION_ERROR"
    case authorizerFailure = "AUTHORIZER_FAILURE"
    case badRequestBody = "BAD_REQUEST_BODY"
    case badRequestParameters = "BAD_REQUEST_PARAMETERS"
    case default4XX = "DEFAULT_4XX"
    case default5XX = "DEFAULT_5XX"
    case expiredToken = "EXPIRED_TOKEN"
    case integrationFailure = "INTEGRATION_FAILURE"
    case integrationTimeout = "INTEGRATION_TIMEOUT"
    case invalidAPIKey = "INVALID_API_KEY"
    case invalidSignature = "INVALID_SIGNATURE"
    case missingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN"
    case quotaExceeded = "QUOTA_EXCEEDED"
    case requestTooLarge = "REQUEST_TOO_LARGE"
    case resourceNotFound = "RESOURCE_NOT_FOUND"
    case throttled = "THROTTLED"
    case unauthorized = "UNAUTHORIZED"
    case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    case wafFiltered = "WAF_FILTERED"

    /// The documented default status (rule book §11); nil for DEFAULT_4XX / DEFAULT_5XX.
    public var defaultStatus: Int? {
        switch self {
        case .accessDenied, .expiredToken, .invalidAPIKey, .invalidSignature, .missingAuthenticationToken, .wafFiltered: return 403
        case .apiConfigurationError, .authorizerConfigurationError, .authorizerFailure: return 500
        case .badRequestBody, .badRequestParameters: return 400
        case .default4XX, .default5XX: return nil
        case .integrationFailure, .integrationTimeout: return 504
        case .quotaExceeded, .throttled: return 429
        case .requestTooLarge: return 413
        case .resourceNotFound: return 404
        case .unauthorized: return 401
        case .unsupportedMediaType: return 415
        }
    }

    /// The `x-amzn-ErrorType` header value. Recorded for MISSING_AUTHENTICATION_TOKEN and the 500s;
    /// the others follow the AWS exception names (not recorded, rule book §14).
    var errorType: String {
        switch self {
        case .missingAuthenticationToken: return "MissingAuthenticationTokenException"
        case .accessDenied: return "AccessDeniedException"
        case .expiredToken: return "ExpiredTokenException"
        case .invalidAPIKey, .wafFiltered: return "ForbiddenException"
        case .invalidSignature: return "InvalidSignatureException"
        case .badRequestBody, .badRequestParameters: return "BadRequestException"
        case .quotaExceeded, .throttled: return "TooManyRequestsException"
        case .requestTooLarge: return "RequestTooLargeException"
        case .resourceNotFound: return "NotFoundException"
        case .unauthorized: return "UnauthorizedException"
        case .unsupportedMediaType: return "UnsupportedMediaTypeException"
        case .default4XX: return "BadRequestException"
        case .apiConfigurationError, .authorizerConfigurationError, .authorizerFailure, .default5XX,
             .integrationFailure, .integrationTimeout: return "InternalServerErrorException"
        }
    }
}

/// The one error model of every pipeline: an error the gateway answers itself, before or instead of the
/// integration's response. Any step throws it; each API kind's gateway response step renders it (REST: gateway
/// response types with their customisations; HTTP API: `{"message":...}` with `status`).
struct GatewayError: Error, Sendable {
    var type: GatewayResponseType
    /// The status when the type is not customised (usually the type's default; a few errors differ, e.g.
    /// an unreachable HTTP endpoint is a 500 although INTEGRATION_FAILURE defaults to 504).
    var status: Int
    /// `$context.error.message`.
    var message: String
    /// Why, for the request log.
    var detail: String?
    /// `x-amzn-ErrorType` when it is not the type's usual one (unknown stage: ForbiddenException).
    var errorTypeOverride: String?
    /// `$context.error.validationErrorString` for request-validation failures.
    var validationError: String?
    /// False for answers that come before any API is selected (unknown stage): the API's gateway-response
    /// customisations do not apply to them.
    var appliesCustomizations = true
    /// The body sent when the type is not customised, when it is not the default template's (an authorizer's
    /// explicit deny answers `{"Message":"..."}` with a capital M).
    var bodyOverride: String?
    /// True when `$context.error.message` is null (a failing authorizer: `{"message": null}`).
    var messageIsNull = false
    /// Headers the answer carries besides the kind's standard ones (an HTTP API JWT challenge: `www-authenticate`).
    var headers: [(name: String, value: String)] = []

    init(_ type: GatewayResponseType, status: Int? = nil, message: String, detail: String? = nil, errorTypeOverride: String? = nil) {
        self.type = type
        self.errorTypeOverride = errorTypeOverride
        self.status = status ?? type.defaultStatus ?? 500
        self.message = message
        self.detail = detail
    }

    static func internalError(_ detail: String, type: GatewayResponseType = .apiConfigurationError) -> GatewayError {
        GatewayError(type, status: 500, message: "Internal server error", detail: detail)
    }

    /// The body API Gateway sends when the type is not customised. AWS's recorded 500 body has a space after
    /// the colon (`{"message": "Internal server error"}`, Content-Length 36) while the 403 has none; the request
    /// validator's 400 bodies are recorded with the space too. We use the spaced form for every 5XX and for the
    /// validation errors, and the compact default-template form (`{"message":"..."}`) for the other 4XX.
    var defaultBody: String {
        if let bodyOverride { return bodyOverride }
        if messageIsNull { return "{\"message\": null}" }
        let quoted = JSONValue.string(message).serialized(.compact)
        let spaced = status >= 500 || type == .badRequestBody || type == .badRequestParameters
        return spaced ? "{\"message\": \(quoted)}" : "{\"message\":\(quoted)}"
    }
}
