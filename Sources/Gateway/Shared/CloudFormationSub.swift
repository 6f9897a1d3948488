/// CloudFormation `Fn::Sub` resolution of integration URIs, in the emulator's fixed environment
/// (`EmulatorEnvironment`). `${stageVariables.x}` is kept for request time. The REST and HTTP API loaders
/// were written to slightly different rules; each keeps its own through `PipelineRules`.
enum CloudFormationSub {
    // Where the two loaders' rules differ (`PipelineRules`):
    // - an unclosed `${`: REST copies the rest of the template literally and stops; HTTP API reports it.
    // - an unresolvable reference: REST reports every one and goes on; HTTP API stops at the first.
    // - precedence: REST keeps `${stageVariables.x}` before looking at explicit variables; HTTP API looks at
    //   explicit variables first.
    // - known names: REST knows `AWS::StackName` (`gatecheck`) and `${X.Arn}` for any `X`; HTTP API knows
    //   `${!Literal}` (-> `${Literal}`), `${Logical}` (-> `Logical`) and `${X.Arn}` only when `X` has no `::`.

    /// The substituted text and what could not be substituted.
    struct Resolution: Sendable, Equatable {
        /// The template with every resolvable reference substituted (unresolvable ones left out).
        var text: String
        /// Names (without `${ }`) that could not be resolved, in order; HTTP API rules stop at the first.
        var unresolved: [String]
        /// True when an `${` has no closing `}` (scanning stopped there).
        var hasUnclosedReference: Bool
    }

    /// Resolves `${...}` references of `template`; explicit `variables` are those of the `[template, {vars}]` form.
    static func resolve(_ template: String, variables: [String: String] = [:], rules: PipelineRules) -> Resolution {
        var resolution = Resolution(text: "", unresolved: [], hasUnclosedReference: false)
        var rest = Substring(template)
        while let open = rest.range(of: "${") {
            resolution.text += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                resolution.hasUnclosedReference = true
                if rules == .restAPI { resolution.text += rest[open.lowerBound...] }
                return resolution
            }
            let name = String(rest[open.upperBound..<close])
            rest = rest[rest.index(after: close)...]
            if let value = value(of: name, variables: variables, rules: rules) {
                resolution.text += value
            } else {
                resolution.unresolved.append(name)
                if rules == .httpAPI { return resolution }
            }
        }
        resolution.text += rest
        return resolution
    }

    private static func value(of name: String, variables: [String: String], rules: PipelineRules) -> String? {
        switch rules {
        case .restAPI:
            if name.hasPrefix("stageVariables.") { return "${\(name)}" }
            if let value = variables[name] ?? restPseudoParameters[name] { return value }
            if name.hasSuffix(".Arn") { return EmulatorEnvironment.lambdaFunctionARN(name.dropLast(4)) }
            return nil
        case .httpAPI:
            if name.hasPrefix("!") { return "${" + name.dropFirst() + "}" }
            if let value = variables[name] { return value }
            if name.hasPrefix("stageVariables.") { return "${\(name)}" }
            if let value = httpAPIPseudoParameters[name] { return value }
            if name.hasSuffix(".Arn"), !name.contains("::") { return EmulatorEnvironment.lambdaFunctionARN(name.dropLast(4)) }
            if !name.contains("."), !name.contains("::"), !name.isEmpty { return name }
            return nil
        }
    }

    private static let httpAPIPseudoParameters = [
        "AWS::Region": EmulatorEnvironment.region, "AWS::AccountId": EmulatorEnvironment.accountID,
        "AWS::Partition": EmulatorEnvironment.partition, "AWS::URLSuffix": EmulatorEnvironment.urlSuffix,
    ]
    private static let restPseudoParameters = httpAPIPseudoParameters.merging(["AWS::StackName": EmulatorEnvironment.stackName]) { old, _ in old }
}
