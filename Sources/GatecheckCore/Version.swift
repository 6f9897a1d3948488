/// The gatecheck version, shown by `gatecheck --version` and recorded in every JUnit report.
public enum GatecheckVersion {
    public static let string = "0.1.0"
    /// The `User-Agent` every request carries unless the case, the suite's defaults or the target profile's
    /// `headers` set one: `gatecheck/0.1.0`.
    public static var userAgent: String { "gatecheck/\(string)" }
}
