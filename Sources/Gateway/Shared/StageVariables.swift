/// Replaces `${stageVariables.x}` by the variable's value; an undefined variable becomes empty, as in API Gateway.
/// An unclosed `${stageVariables.` is kept as written. Used by the REST and HTTP API pipelines alike.
func substituteStageVariables(in text: String, _ variables: [String: String]) -> String {
    guard text.contains("${stageVariables.") else { return text }
    var result = ""
    var rest = Substring(text)
    while let open = rest.range(of: "${stageVariables.") {
        result += rest[..<open.lowerBound]
        guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
            result += rest[open.lowerBound...]
            return result
        }
        result += variables[String(rest[open.upperBound..<close])] ?? ""
        rest = rest[rest.index(after: close)...]
    }
    result += rest
    return result
}
