/// The fuzz targets by name, as the `Fuzz/` executables, `scripts/fuzz.sh` and the corpus directories call them.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case vtl
    case jsonpath
    case json
    case suiteLoader = "suite-loader"
    case request

    /// The entry point: takes any bytes, returns normally unless an invariant is broken (then the process stops).
    public var run: @Sendable ([UInt8]) -> Void {
        switch self {
        case .vtl: return fuzzVTL
        case .jsonpath: return fuzzJSONPath
        case .json: return fuzzJSON
        case .suiteLoader: return fuzzSuiteLoader
        case .request: return fuzzRequestParsing
        }
    }
}
