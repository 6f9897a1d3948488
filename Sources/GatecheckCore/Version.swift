/// The gatecheck version, shown by `gatecheck --version` and recorded in every JUnit report.
public enum GatecheckVersion {
    public static let string = "0.1.0"
}
