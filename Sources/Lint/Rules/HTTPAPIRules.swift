import Foundation
import Yams

/// An HTTP API Lambda integration with payload format 1.0 whose function, as the suite's scripted backends show,
/// answers something other than the `{statusCode, headers, body}` object. Payload 1.0 makes no assumptions about
/// the reply (unlike 2.0, which turns a bare value into a 200 body): the client gets
/// `500 {"message":"Internal Server Error"}`. Only scripted answers are known statically; a Python or Node.js
/// handler's replies are not.
struct PayloadV1ReplyWithoutStatusCode: LintRule {
    let id = "payload-v1-reply-without-status-code"
    let severity = LintSeverity.error
    let summary = "an HTTP API payload 1.0 Lambda integration whose scripted function returns a bare value or no statusCode: the client gets 500"

    static let functionName = try! NSRegularExpression(pattern: #"function:([A-Za-z0-9_-]+)|\$\{([A-Za-z0-9]+)\.Arn\}"#)

    func check(_ document: LintDocument) -> [LintFinding] {
        guard !document.scriptedLambdas.isEmpty else { return [] }
        return DefinitionWalk.operations(document).filter { $0.isHTTPAPI && $0.type == "aws_proxy" }.compactMap { operation in
            guard let versionNode = operation.integration["payloadFormatVersion"], versionNode.scalar?.string == "1.0",
                  let name = Self.function(operation.integration["uri"].map(DefinitionWalk.text) ?? ""),
                  let answer = document.scriptedLambdas[name]?.first(where: { $0.shape != .proxyResponse }) else { return nil }
            let what = answer.shape == .bareValue ? "a bare value (not a JSON object)" : "an object without statusCode"
            return finding(document, at: versionNode,
                "\(operation.place) uses payload format 1.0, and its function \(name) returns \(what) (\(answer.location)); payload 1.0 needs {statusCode, headers, body}, so the client gets 500 Internal Server Error",
                fix: "use payloadFormatVersion \"2.0\" (a bare value becomes a 200 body), or return {\"statusCode\": 200, \"body\": ...}")
        }
    }

    /// The function name in an integration URI: `...:function:NAME/invocations`, or `${NAME.Arn}` in a `Fn::Sub`.
    static func function(_ uri: String) -> String? {
        guard let match = functionName.firstMatch(in: uri, range: NSRange(uri.startIndex..<uri.endIndex, in: uri)) else { return nil }
        let range = Range(match.range(at: 1), in: uri) ?? Range(match.range(at: 2), in: uri)
        return range.map { String(uri[$0]) }
    }
}
