/// A Lambda function named by an integration URI: a function ARN
/// (`arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]`) or an invocation URI
/// (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`).
/// Name and qualifier may still contain `${stageVariables.x}`.
struct LambdaFunctionReference: Sendable, Hashable {
    var name: String
    /// Alias or version (`function:name:alias`).
    var qualifier: String?

    private static let invocationMarker = ":lambda:path/2015-03-31/functions/"
    private static let invocationSuffix = "/invocations"

    /// The `{functionArn}` of an invocation URI; nil when `uri` is not one or that part is empty. Runs of `/` in the
    /// path (`lambda:path//2015-03-31/functions/...`) count as one, as API Gateway accepts and invokes such a URI.
    static func functionPart(ofInvocationURI written: String) -> Substring? {
        let uri = collapsingSlashes(inPathOf: written)
        guard let marker = uri.range(of: invocationMarker), uri.hasSuffix(invocationSuffix) else { return nil }
        let end = uri.index(uri.endIndex, offsetBy: -invocationSuffix.count)
        guard marker.upperBound < end else { return nil }
        return uri[marker.upperBound..<end]
    }

    /// `uri` with every run of `/` after `:lambda:path` made one `/`.
    static func collapsingSlashes(inPathOf uri: String) -> String {
        guard let path = uri.range(of: ":lambda:path"), uri[path.upperBound...].contains("//") else { return uri }
        var result = String(uri[..<path.upperBound])
        var previousWasSlash = false
        for character in uri[path.upperBound...] {
            if character == "/" && previousWasSlash { continue }
            previousWasSlash = character == "/"
            result.append(character)
        }
        return result
    }

    /// REST API rules: only an invocation URI, whose function part is a function ARN (7 or more `:` fields,
    /// split plainly; an empty qualifier means none) or a bare `name[:qualifier]` without `/`.
    static func parse(invocationURI uri: String) -> LambdaFunctionReference? {
        guard let function = functionPart(ofInvocationURI: uri) else { return nil }
        if function.hasPrefix("arn:") { return parse(functionARN: function, rules: .restAPI) }
        let parts = function.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, !name.isEmpty, !name.contains("/") else { return nil }
        return LambdaFunctionReference(name: name, qualifier: parts.count > 1 ? parts[1] : nil)
    }

    /// HTTP API rules: a function ARN, or an `arn:...:apigateway:...` invocation URI wrapping one; the ARN has
    /// exactly 7 or 8 fields split on `:` outside `${...}`, and an empty qualifier is refused. Nil for anything else.
    static func parse(functionOrInvocationARN uri: String) -> LambdaFunctionReference? {
        if uri.hasPrefix("arn:") && uri.contains(":apigateway:") {
            guard let function = functionPart(ofInvocationURI: uri) else { return nil }
            return parse(functionARN: function, rules: .httpAPI)
        }
        return parse(functionARN: Substring(uri), rules: .httpAPI)
    }

    /// `arn:aws:lambda:region:account:function:name[:qualifier]`.
    private static func parse(functionARN arn: Substring, rules: PipelineRules) -> LambdaFunctionReference? {
        let parts = fields(of: arn, keepingSubstitutionsWhole: rules == .httpAPI)
        guard parts.count >= 7, parts[0] == "arn", parts[2] == "lambda", parts[5] == "function", !parts[6].isEmpty else { return nil }
        switch rules {
        case .restAPI:
            return LambdaFunctionReference(name: parts[6], qualifier: parts.count > 7 && !parts[7].isEmpty ? parts[7] : nil)
        case .httpAPI:
            guard parts.count <= 8 else { return nil }
            let qualifier = parts.count == 8 ? parts[7] : nil
            if let qualifier, qualifier.isEmpty { return nil }
            return LambdaFunctionReference(name: parts[6], qualifier: qualifier)
        }
    }

    /// The `:`-separated fields, empty ones kept; with `keepingSubstitutionsWhole`, a `:` inside `{...}` does not split
    /// (so `${stageVariables.fn}` stays one piece).
    private static func fields(of arn: Substring, keepingSubstitutionsWhole: Bool) -> [String] {
        guard keepingSubstitutionsWhole else { return arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in arn {
            if character == "{" { depth += 1 }
            if character == "}" { depth = max(0, depth - 1) }
            if character == ":" && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }
}
