import JSONCore
import SourceDiagnostics
import Yams

/// Reading `websocket:` cases (the model is in WebSocketModel.swift, running them in WebSocketCaseRunner.swift).
extension SuiteParser {
    static let webSocketKeys = ["path", "query", "headers", "subprotocols", "timeout", "steps"]
    static let webSocketStepKinds = ["send", "expect", "noMessage", "close", "expectClose"]
    static let webSocketStepKeys = webSocketStepKinds + ["timeout", "capture"]
    static let webSocketCloseKeys = ["code", "reason"]
    static let webSocketExpectCloseKeys = ["code", "reason", "timeout"]

    /// The upgrade request of `websocket:` (a GET with the path, query, headers and timeout written there).
    func webSocketUpgrade(_ node: Node, context: String) -> RequestSpec? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: Self.webSocketKeys, "websocket")
        let path = requestPath(mapping["path"], context: context)
        let query = requestQuery(mapping, context: context)
        let headerList = mapping["headers"].map { headers($0, "\(context).headers") } ?? []
        for header in headerList where Self.reservedWebSocketHeaders.contains(header.name.lowercased()) {
            if let keyNode = mapping["headers"] {
                reader.error("header '\(header.name)' is set by the WebSocket handshake itself\(header.name.lowercased() == "sec-websocket-protocol" ? " (use 'subprotocols')" : "")", at: keyNode)
            }
        }
        let timeout = mapping["timeout"].flatMap { duration($0, "\(context).timeout") }
        return RequestSpec(method: "GET", path: path, query: query, headers: headerList, body: nil, timeout: timeout)
    }

    static let reservedWebSocketHeaders: Set<String> = ["upgrade", "connection", "sec-websocket-key", "sec-websocket-version",
                                                        "sec-websocket-protocol", "sec-websocket-extensions"]

    /// Subprotocols and steps of `websocket:`. Captures of a step are known to the steps after it.
    mutating func webSocketSession(_ node: Node, context: String, expect: Expectation) -> WebSocketSession? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        var session = WebSocketSession()
        if let node = mapping["subprotocols"], let names = reader.stringList(node, "\(context).subprotocols") {
            for name in names where name.isEmpty || !name.unicodeScalars.allSatisfy(Self.isTokenCharacter) {
                reader.error("invalid subprotocol '\(name)' (a token: letters, digits and !#$%&'*+-.^_`|~)", at: node)
            }
            session.subprotocols = names
        }
        guard let stepsNode = mapping["steps"] else { return session }
        guard let items = reader.sequence(stepsNode, "\(context).steps") else { return nil }
        if let status = expect.status, !status.matches(101), !items.isEmpty {
            reader.error("the case expects the upgrade to be refused (status \(status)), so its steps can never run; remove them or expect 101", at: stepsNode)
        }
        for (index, item) in items.enumerated() {
            if let step = webSocketStep(item, context: "\(context).steps[\(index)]") { session.steps.append(step) }
        }
        return session
    }

    mutating func webSocketStep(_ node: Node, context: String) -> WebSocketStep? {
        guard let mapping = reader.mapping(node, context) else { return nil }
        reader.checkKeys(mapping, allowed: Self.webSocketStepKeys, "websocket step")
        let kinds = mapping.keys.filter { Self.webSocketStepKinds.contains($0) }
        guard kinds.count == 1, let kind = kinds.first, let value = mapping[kind] else {
            if kinds.isEmpty {
                reader.error("a websocket step needs one of \(Self.webSocketStepKinds.map { "'\($0)'" }.joined(separator: ", "))", at: node)
            } else {
                reader.error("a websocket step does one thing: found \(kinds.map { "'\($0)'" }.joined(separator: " and ")); split it into steps", at: mapping.keyNode(kinds[1]))
            }
            return nil
        }
        let position = Self.position(of: mapping.keyNode(kind)) ?? SourcePosition(line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        let here = "\(context).\(kind)"
        var timeout: Duration?
        if let timeoutNode = mapping["timeout"] {
            if kind == "expect" {
                timeout = duration(timeoutNode, "\(context).timeout")
            } else {
                reader.error("'timeout' belongs to an 'expect' step (write 'expectClose: { timeout: ... }', 'noMessage: 500ms')", at: mapping.keyNode("timeout"))
            }
        }
        if mapping["capture"] != nil, kind != "expect" {
            reader.error("'capture' belongs to an 'expect' step (it reads the message received)", at: mapping.keyNode("capture"))
        }
        switch kind {
        case "send":
            return webSocketMessage(value, context: here).map { WebSocketStep(action: .send($0), position: position) }
        case "expect":
            var expectation = WebSocketMessageExpectation(timeout: timeout)
            let body = bodyExpectations(value, context: here, keyNode: mapping.keyNode("expect"))
            expectation.body = body.map(\.0)
            expectation.bodyPositions = body.map(\.1)
            if let captureNode = mapping["capture"] {
                expectation.captures = captures(captureNode, context: "\(context).capture")
                for capture in expectation.captures {
                    if case .header = capture.source {
                        reader.error("a WebSocket message has no headers: capture with 'jsonPath' or 'body'", at: captureNode)
                    }
                    known.insert(capture.name)
                }
            }
            return WebSocketStep(action: .expect(expectation), position: position)
        case "noMessage":
            guard let within = duration(value, here) else { return nil }
            guard within > .zero else {
                reader.error("'\(here)' must be more than 0", at: value)
                return nil
            }
            return WebSocketStep(action: .noMessage(within), position: position)
        case "close":
            var code: UInt16 = 1000
            var reason = ""
            if case .mapping = value, let close = reader.mapping(value, here) {
                reader.checkKeys(close, allowed: Self.webSocketCloseKeys, "close")
                if let codeNode = close["code"], let parsed = closeCode(codeNode, "\(here).code", sending: true) { code = parsed }
                if let reasonNode = close["reason"], let text = reader.string(reasonNode, "\(here).reason") {
                    if text.utf8.count > 123 { reader.error("a close reason is at most 123 bytes (RFC 6455 5.5)", at: reasonNode) }
                    reason = text
                }
            } else if value.null == nil || value.scalar?.style != .plain {
                guard let parsed = closeCode(value, here, sending: true) else { return nil }
                code = parsed
            }
            return WebSocketStep(action: .close(code: code, reason: reason), position: position)
        default:
            var expected = WebSocketCloseExpectation()
            if case .mapping = value, let close = reader.mapping(value, here) {
                reader.checkKeys(close, allowed: Self.webSocketExpectCloseKeys, "expectClose")
                if let codeNode = close["code"] { expected.code = closeCode(codeNode, "\(here).code", sending: false) }
                if let reasonNode = close["reason"] { expected.reason = template(reasonNode, "\(here).reason") }
                if let timeoutNode = close["timeout"] { expected.timeout = duration(timeoutNode, "\(here).timeout") }
            } else if value.null == nil || value.scalar?.style != .plain {
                expected.code = closeCode(value, here, sending: false)
            }
            return WebSocketStep(action: .expectClose(expected), position: position)
        }
    }

    /// A close code, 1000-4999. A close frame never carries 1005, 1006 or 1015 (RFC 6455 7.4.1: they only report
    /// what happened), so sending them is refused; expecting 1006 means "the connection dropped without a close frame".
    func closeCode(_ node: Node, _ context: String, sending: Bool) -> UInt16? {
        guard let value = reader.int(node, context) else { return nil }
        guard (1000...4999).contains(value) else {
            reader.error("close code \(value) is not a WebSocket close code (1000-4999)", at: node)
            return nil
        }
        if sending, [1005, 1006, 1015].contains(value) {
            reader.error("close code \(value) is never sent in a close frame (RFC 6455 7.4.1); send 1000 or a code of 3000-4999", at: node)
            return nil
        }
        return UInt16(value)
    }

    /// `send: text`, `send: { text | json | base64 }`.
    func webSocketMessage(_ node: Node, context: String) -> WebSocketMessage? {
        switch requestBody(node, context: context) {
        case let .text(template)?: return .text(template)
        case let .json(value)?: return .json(value)
        case let .bytes(bytes)?: return .bytes(bytes)
        case nil: return nil
        }
    }
}
