/// The fixed AWS environment the emulator pretends to run in: used by the intrinsic resolver (`IntrinsicResolver`), Lambda ARNs,
/// `requestContext.accountId` and default domain names, in both the REST and HTTP API pipelines.
enum EmulatorEnvironment {
    static let region = "us-east-1"
    static let accountID = "123456789012"
    static let partition = "aws"
    static let urlSuffix = "amazonaws.com"
    /// `AWS::StackName` (a pseudo parameter of `Ref` and `Fn::Sub`; not an import variable of plain strings).
    static let stackName = "gatecheck"

    /// `arn:aws:lambda:us-east-1:123456789012:function:{name}`, what `${Logical.Arn}` stands for.
    static func lambdaFunctionARN(_ name: Substring) -> String {
        "arn:\(partition):lambda:\(region):\(accountID):function:\(name)"
    }
}

/// The emulator's AWS environment for the modules outside the gateway (the SAM transform): the same region and
/// pseudo parameters the intrinsic resolver uses.
public enum EmulatedAWSEnvironment {
    public static var region: String { EmulatorEnvironment.region }
    /// `AWS::Region`, `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix`, `AWS::StackName`.
    public static var pseudoParameters: [String: String] {
        IntrinsicResolver.pseudoParameters.filter { ["AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName"].contains($0.key) }
    }
}
