import JSONCore

/// Selection expressions of WebSocket APIs (`RouteSelectionExpression`, `TemplateSelectionExpression`):
/// `$request.body.a.b` reads a JSON message; `\$default` and other literals select themselves.
enum WebSocketSelection {
    /// The JSON path of a `$request.body.` expression (`["action"]` for `$request.body.action`); nil otherwise.
    static func bodyPath(of expression: String) -> [String]? {
        let prefix = "$request.body."
        guard expression.hasPrefix(prefix), expression.count > prefix.count else { return nil }
        let path = expression.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return path.contains(where: \.isEmpty) ? nil : path
    }

    /// The key an expression selects for a message, or nil when it selects nothing (the body is not JSON, the
    /// property is missing or null): the caller falls back to `$default`.
    static func select(_ expression: String, body: [UInt8]) -> String? {
        if let path = bodyPath(of: expression) {
            guard var value = try? JSONValue.parse(bytes: body) else { return nil }
            for key in path {
                guard let next = value[key] else { return nil }
                value = next
            }
            if case .null = value { return nil }
            return headerText(value)
        }
        // A literal (`\$default` is the escaped form of `$default`).
        if expression.hasPrefix("$") { return nil }
        return expression.replacingOccurrences(of: "\\$", with: "$")
    }
}
