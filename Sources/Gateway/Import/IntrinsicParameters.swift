/// What the intrinsic resolver (`IntrinsicResolver`) may substitute beyond the emulator's own environment: the
/// values of `--parameter KEY=VALUE` options and a suite's `parameters:` (template parameters, logical ids,
/// `Logical.Attribute` for `Fn::GetAtt`, export names for `Fn::ImportValue`, condition names as `true`/`false`),
/// and the function names the backends file maps (so `Ref Fn` / `${Fn}` of a function is its name).
public struct ImportParameters: Sendable, Equatable {
    /// `KEY=VALUE` pairs; a key wins over every other source of the same name.
    public var values: [String: String]
    /// Lambda function names mapped by the backends file.
    public var functionNames: Set<String>

    public init(values: [String: String] = [:], functionNames: Set<String> = []) {
        self.values = values
        self.functionNames = functionNames
    }

    /// Parses `KEY=VALUE` items (`--parameter`); the error names the item that has no `=` or an empty key.
    public static func parse(_ items: [String], option: String = "--parameter") -> Result<[String: String], ImportParameterError> {
        var values: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                return .failure(ImportParameterError(message: "\(option) expects KEY=VALUE, got '\(item)'"))
            }
            values[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return .success(values)
    }
}

/// A malformed `--parameter` item.
public struct ImportParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
