import JSONCore

/// What a `websocket:` case does once the upgrade succeeded: offered subprotocols and the steps, in order.
public struct WebSocketSession: Sendable {
    /// Offered in `Sec-WebSocket-Protocol` (`subprotocols: [chat, v2]`).
    public var subprotocols: [String]
    public var steps: [WebSocketStep]

    public init(subprotocols: [String] = [], steps: [WebSocketStep] = []) {
        self.subprotocols = subprotocols
        self.steps = steps
    }
}

/// One step of a WebSocket case, with where it is written (failures point at it).
public struct WebSocketStep: Sendable {
    public enum Action: Sendable {
        /// `send:`: one message from the client.
        case send(WebSocketMessage)
        /// `expect:`: the next message from the server, asserted like a response body.
        case expect(WebSocketMessageExpectation)
        /// `noMessage: 300ms`: nothing arrives (neither a message nor the close) for this long.
        case noMessage(Duration)
        /// `close:`: the client closes with this code and reason (the server's answer is awaited by `expectClose`
        /// or, briefly, at the end of the case).
        case close(code: UInt16, reason: String)
        /// `expectClose:`: the server closes (or answers the client's close) with this code.
        case expectClose(WebSocketCloseExpectation)
    }

    public var action: Action
    public var position: SourcePosition

    public init(action: Action, position: SourcePosition) {
        self.action = action
        self.position = position
    }

    /// `send`, `expect`, ...: the step's key, as written.
    public var keyword: String {
        switch action {
        case .send: return "send"
        case .expect: return "expect"
        case .noMessage: return "noMessage"
        case .close: return "close"
        case .expectClose: return "expectClose"
        }
    }
}

/// A message the client sends: text (variables substituted), JSON (serialised compactly) or binary bytes.
public enum WebSocketMessage: Sendable {
    case text(TemplateString)
    case json(JSONValue)
    case bytes([UInt8])
}

/// The assertions on one received message (the body assertions of HTTP cases) and what to capture from it.
public struct WebSocketMessageExpectation: Sendable {
    public var body: [BodyExpectation]
    public var bodyPositions: [SourcePosition?]
    /// How long to wait for the message (nil: the case's timeout).
    public var timeout: Duration?
    public var captures: [CaptureSpec]

    public init(body: [BodyExpectation] = [], bodyPositions: [SourcePosition?] = [], timeout: Duration? = nil, captures: [CaptureSpec] = []) {
        self.body = body
        self.bodyPositions = bodyPositions
        self.timeout = timeout
        self.captures = captures
    }
}

/// `expectClose: 1000` or `expectClose: { code: 1008, reason: ..., timeout: 2s }`.
public struct WebSocketCloseExpectation: Sendable {
    /// nil: any code (or none).
    public var code: UInt16?
    public var reason: TemplateString?
    public var timeout: Duration?

    public init(code: UInt16? = nil, reason: TemplateString? = nil, timeout: Duration? = nil) {
        self.code = code
        self.reason = reason
        self.timeout = timeout
    }
}
