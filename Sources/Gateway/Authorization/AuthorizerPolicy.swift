import Foundation
import JSONCore

/// The IAM policy a Lambda authorizer returns (`policyDocument`), evaluated the way API Gateway evaluates it
/// against the ARN of the method (REST) or route (HTTP API) being called: an explicit `Deny` that covers the ARN
/// wins; otherwise an `Allow` that covers it allows; otherwise the request is implicitly denied.
struct AuthorizerPolicy: Sendable, Equatable {
    struct Statement: Sendable, Equatable {
        var allows: Bool
        /// `Action` patterns (`execute-api:Invoke`, `execute-api:*`, `*`).
        var actions: [String]
        /// `Resource` patterns: ARNs with `*` (any run of characters, `/` included) and `?` (one character).
        var resources: [String]
    }

    enum Evaluation: Sendable, Equatable {
        case allow
        case explicitDeny
        case implicitDeny
    }

    var statements: [Statement]

    /// Reads a `policyDocument`; throws a reason when it is not a policy API Gateway accepts.
    init(document: JSONValue) throws(AuthorizerOutputProblem) {
        guard case let .object(object) = document else { throw AuthorizerOutputProblem("policyDocument is not a JSON object") }
        guard let statementValue = object["Statement"] else { throw AuthorizerOutputProblem("policyDocument has no Statement") }
        let items: [JSONValue]
        switch statementValue {
        case let .array(list): items = list
        case .object: items = [statementValue]
        default: throw AuthorizerOutputProblem("policyDocument.Statement is neither a statement nor a list of statements")
        }
        var statements: [Statement] = []
        for (index, item) in items.enumerated() {
            guard case let .object(fields) = item else { throw AuthorizerOutputProblem("Statement[\(index)] is not a JSON object") }
            let allows: Bool
            switch fields["Effect"] {
            case .string("Allow")?: allows = true
            case .string("Deny")?: allows = false
            default: throw AuthorizerOutputProblem("Statement[\(index)].Effect must be \"Allow\" or \"Deny\"")
            }
            let actions = try Self.strings(fields["Action"], "Statement[\(index)].Action")
            let resources = try Self.strings(fields["Resource"], "Statement[\(index)].Resource")
            statements.append(Statement(allows: allows, actions: actions, resources: resources))
        }
        self.statements = statements
    }

    private static func strings(_ value: JSONValue?, _ what: String) throws(AuthorizerOutputProblem) -> [String] {
        switch value {
        case let .string(text)?: return [text]
        case let .array(items)?:
            var texts: [String] = []
            for item in items {
                guard case let .string(text) = item else { throw AuthorizerOutputProblem("\(what) must hold strings") }
                texts.append(text)
            }
            guard !texts.isEmpty else { throw AuthorizerOutputProblem("\(what) is empty") }
            return texts
        case nil: throw AuthorizerOutputProblem("\(what) is missing")
        default: throw AuthorizerOutputProblem("\(what) must be a string or a list of strings")
        }
    }

    /// The decision for invoking `arn` (`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}`).
    func evaluate(_ arn: String) -> Evaluation {
        func covers(_ statement: Statement) -> Bool {
            statement.actions.contains { Self.wildcardMatch($0.lowercased(), "execute-api:invoke") }
                && statement.resources.contains { Self.wildcardMatch($0, arn) }
        }
        if statements.contains(where: { !$0.allows && covers($0) }) { return .explicitDeny }
        return statements.contains(where: { $0.allows && covers($0) }) ? .allow : .implicitDeny
    }

    /// IAM wildcard matching over the whole value: `*` any run of characters, `?` exactly one.
    static func wildcardMatch(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern.utf8), v = Array(value.utf8)
        var pi = 0, vi = 0, star = -1, mark = 0
        while vi < v.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == v[vi] {
                pi += 1; vi += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = vi; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; vi = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// Why an authorizer's answer is unusable (API Gateway: AUTHORIZER_CONFIGURATION_ERROR, 500).
struct AuthorizerOutputProblem: Error, Sendable, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// What a Lambda authorizer answered, parsed: what is cached under the identity and evaluated per request.
struct AuthorizerOutput: Sendable, Equatable {
    /// A policy to evaluate against each method ARN, or a simple response's decision.
    enum Decision: Sendable, Equatable {
        case policy(AuthorizerPolicy)
        case simple(isAuthorized: Bool)
    }

    var decision: Decision
    var principalID: String?
    /// The `context` map, keys in the function's order.
    var context: [(String, JSONValue)]
    /// `usageIdentifierKey`: the API key a usage plan meters when the API's key source is `AUTHORIZER`.
    var usageIdentifierKey: String?

    static func == (lhs: AuthorizerOutput, rhs: AuthorizerOutput) -> Bool {
        lhs.decision == rhs.decision && lhs.principalID == rhs.principalID && lhs.usageIdentifierKey == rhs.usageIdentifierKey
            && lhs.context.map(\.0) == rhs.context.map(\.0) && lhs.context.map(\.1) == rhs.context.map(\.1)
    }

    /// Parses a function's output. `format` decides between a policy and a simple response; `restContext` applies
    /// the REST rule that context values are strings, numbers or booleans only (no objects or arrays).
    static func parse(_ payload: [UInt8], format: LambdaAuthorizer.ResponseFormat, restContext: Bool) throws(AuthorizerOutputProblem) -> AuthorizerOutput {
        guard let json = try? JSONValue.parse(bytes: payload) else { throw AuthorizerOutputProblem("the authorizer's output is not JSON") }
        guard case let .object(object) = json else { throw AuthorizerOutputProblem("the authorizer's output is not a JSON object") }
        var context: [(String, JSONValue)] = []
        switch object["context"] {
        case nil, .null?: break
        case let .object(fields)?:
            for (key, value) in fields {
                if restContext {
                    switch value {
                    case .string, .int, .double, .bool: break
                    default: throw AuthorizerOutputProblem("context.\(key) is \(value.serialized(.compact)): a REST authorizer's context values must be strings, numbers or booleans")
                    }
                }
                context.append((key, value))
            }
        default: throw AuthorizerOutputProblem("context is not a JSON object")
        }
        var usageIdentifierKey: String?
        if case let .string(key)? = object["usageIdentifierKey"] { usageIdentifierKey = key }
        var principalID: String?
        switch object["principalId"] {
        case let .string(text)?: principalID = text
        case nil, .null?: break
        case let value?: principalID = headerText(value)
        }
        switch format {
        case .simple:
            guard case let .bool(isAuthorized)? = object["isAuthorized"] else {
                throw AuthorizerOutputProblem("a simple response needs a boolean isAuthorized")
            }
            return AuthorizerOutput(decision: .simple(isAuthorized: isAuthorized), principalID: principalID, context: context,
                                    usageIdentifierKey: usageIdentifierKey)
        case .iamPolicy:
            guard let document = object["policyDocument"] else { throw AuthorizerOutputProblem("the authorizer's output has no policyDocument") }
            return AuthorizerOutput(decision: .policy(try AuthorizerPolicy(document: document)), principalID: principalID,
                                    context: context, usageIdentifierKey: usageIdentifierKey)
        }
    }
}
