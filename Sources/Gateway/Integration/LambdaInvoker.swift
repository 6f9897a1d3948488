/// What a Lambda function answered to a synchronous invoke that Lambda accepted.
public enum LambdaAnswer: Sendable, Equatable {
    /// The function returned: its output bytes, exactly as serialised.
    case output([UInt8])
    /// The function failed (raised, crashed, timed out, or its response was too large): Lambda's error payload,
    /// `{"errorMessage": ..., "errorType": ...}`.
    case functionError([UInt8])
}

/// Invokes a Lambda function as API Gateway does (`Invoke`, `RequestResponse`), for every caller: REST and HTTP
/// API integrations today, Lambda authorizers next. It applies the integration timeout and Lambda's synchronous
/// invocation payload quotas, so no caller can forget them.
public struct LambdaInvoker: Sendable {
    /// Largest event Lambda accepts for a synchronous invoke ("Invocation payload (request and response): 6 MB",
    /// Lambda quotas); above it Invoke fails with `RequestEntityTooLargeException` ("Request must be smaller than
    /// 6291456 bytes for the InvokeFunction operation") and the function never runs.
    public static let maximumRequestPayloadBytes = 6_291_456
    /// Largest function response Lambda returns synchronously; above it Lambda answers with the function error
    /// `Function.ResponseSizeTooLarge` ("Response payload size exceeded maximum allowed payload size (6291556 bytes).")
    /// instead of the output. The figure is the one Lambda's own message states (100 bytes above the request limit).
    public static let maximumResponsePayloadBytes = 6_291_556

    public let backends: BackendRegistry

    public init(backends: BackendRegistry) {
        self.backends = backends
    }

    /// Invokes `functionName` (with `qualifier`, if any) with `payload` as the event.
    public func invoke(functionName: String, qualifier: String?, payload: [UInt8],
                       timeoutMilliseconds: Int) async -> Result<LambdaAnswer, IntegrationCallFailure> {
        guard let backend = backends.lambda(named: functionName) else {
            return .failure(.noBackend("no backend is registered for function '\(functionName)'"))
        }
        guard payload.count <= Self.maximumRequestPayloadBytes else {
            return .failure(.invokeFailed("RequestEntityTooLargeException: Request must be smaller than \(Self.maximumRequestPayloadBytes) bytes for the InvokeFunction operation (the event is \(payload.count) bytes)"))
        }
        let invocation = LambdaInvocation(functionName: functionName, qualifier: qualifier, payload: payload,
                                          requestID: GatewayIdentifiers.requestID())
        guard let result = await IntegrationDeadline.run(milliseconds: timeoutMilliseconds, { await backend.invoke(invocation) }) else {
            return .failure(.timedOut)
        }
        switch result {
        case let .invokeFailed(message):
            return .failure(.invokeFailed(message))
        case let .functionError(payload):
            return .success(.functionError(payload))
        case let .success(payload):
            guard payload.count <= Self.maximumResponsePayloadBytes else { return .success(.functionError(Self.responseTooLargePayload)) }
            return .success(.output(payload))
        }
    }

    /// Lambda's error payload for a response above `maximumResponsePayloadBytes`.
    static let responseTooLargePayload = Array(
        #"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#.utf8)
}
