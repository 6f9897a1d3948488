import Gateway
import JSONCore

/// The one fake Lambda function of the tests: it answers from a closure, in process, and records every invocation
/// (the event the gateway built), for tests of the gateway's own behaviour around a function. Where a real function
/// runs, tests use the real python3 handler workers (`Backends`) instead.
public struct FakeLambda: LambdaBackend {
    public let recorder = LambdaInvocationRecorder()
    public let answer: @Sendable (LambdaInvocation) async -> LambdaResult

    public init(_ answer: @escaping @Sendable (LambdaInvocation) async -> LambdaResult) { self.answer = answer }

    /// A function that returns `output` verbatim.
    public static func returning(_ output: String) -> FakeLambda {
        FakeLambda { _ in .success(payload: Array(output.utf8)) }
    }

    public func invoke(_ invocation: LambdaInvocation) async -> LambdaResult {
        await recorder.record(invocation)
        return await answer(invocation)
    }
}

/// The invocations a `FakeLambda` received, in order.
public actor LambdaInvocationRecorder {
    public private(set) var invocations: [LambdaInvocation] = []

    public init() {}

    public func record(_ invocation: LambdaInvocation) { invocations.append(invocation) }

    /// The last event received, parsed.
    public func lastEvent() throws -> JSONValue {
        guard let invocation = invocations.last else { throw NoInvocation() }
        return try JSONValue.parse(bytes: invocation.payload)
    }

    /// `lastEvent()` before the function was invoked.
    public struct NoInvocation: Error, CustomStringConvertible {
        public var description: String { "the fake Lambda was not invoked" }
    }
}
