/// The AWS service an `AWS` (REST) integration uri or an `integrationSubtype` (HTTP API) calls, for the load-time
/// warning and the request-time log reason of an integration the emulator does not serve.
struct AWSServiceIntegration: Sendable, Equatable {
    /// `dynamodb`, `s3`, `kinesis`, `sqs`, `events`, ... (the uri's service part), or the subtype's service.
    var service: String
    /// `action/GetItem`, `path/bucket/key`, or the subtype's action (`PutEvents`).
    var operation: String

    /// `arn:{partition}:apigateway:{region}:{service}:{action/Name | path/...}`; nil for anything else, and for
    /// Lambda (`lambda:path/...`), which the emulator serves.
    init?(uri: String) {
        let parts = uri.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "apigateway", !parts[4].isEmpty, parts[4] != "lambda",
              parts[5].hasPrefix("action/") || parts[5].hasPrefix("path/") else { return nil }
        service = String(parts[4])
        operation = String(parts[5])
    }

    /// An HTTP API `integrationSubtype` such as `EventBridge-PutEvents` or `SQS-SendMessage`.
    init(subtype: String) {
        let pieces = subtype.split(separator: "-", maxSplits: 1)
        service = pieces.first.map(String.init) ?? subtype
        operation = pieces.count > 1 ? String(pieces[1]) : subtype
    }
}
