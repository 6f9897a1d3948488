// swift-tools-version:6.0
// libFuzzer executables for gatecheck's parsers and the emulator's request handling.
// Build (Linux, Swift 6.x): swift build -c release -Xswiftc -sanitize=fuzzer,address
// Run them with scripts/fuzz.sh (`make fuzz`); see docs/fuzzing.md.
import PackageDescription

let package = Package(
    name: "gatecheck-fuzz",
    products: [
        .executable(name: "fuzz-vtl", targets: ["FuzzVTL"]),
        .executable(name: "fuzz-jsonpath", targets: ["FuzzJSONPath"]),
        .executable(name: "fuzz-json", targets: ["FuzzJSON"]),
        .executable(name: "fuzz-suite-loader", targets: ["FuzzSuiteLoader"]),
        .executable(name: "fuzz-request", targets: ["FuzzRequest"]),
    ],
    dependencies: [
        .package(name: "gatecheck", path: ".."),
    ],
    targets: [
        // libFuzzer's driver entry, called from each executable's main (SwiftPM owns `main`, so libFuzzer's is unused).
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "FuzzVTL", dependencies: ["CLibFuzzer", .product(name: "FuzzTargets", package: "gatecheck")]),
        .executableTarget(name: "FuzzJSONPath", dependencies: ["CLibFuzzer", .product(name: "FuzzTargets", package: "gatecheck")]),
        .executableTarget(name: "FuzzJSON", dependencies: ["CLibFuzzer", .product(name: "FuzzTargets", package: "gatecheck")]),
        .executableTarget(name: "FuzzSuiteLoader", dependencies: ["CLibFuzzer", .product(name: "FuzzTargets", package: "gatecheck")]),
        .executableTarget(name: "FuzzRequest", dependencies: ["CLibFuzzer", .product(name: "FuzzTargets", package: "gatecheck")]),
    ],
    swiftLanguageModes: [.v6]
)
