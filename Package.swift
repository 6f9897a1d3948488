// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gatecheck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gatecheck", targets: ["gatecheck"]),
        .library(name: "GatecheckCore", targets: ["GatecheckCore"]),
        // The fuzz entry points, for the libFuzzer executables of the Fuzz/ package (`make fuzz`).
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // JWT signing and verification (RS256 and friends) for JWT / Cognito authorizers and minted test tokens.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // libcurl, seen from Swift: the system library plus typed, non-variadic wrappers.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // HTTP client over libcurl: one curl_multi loop on a dedicated thread.
        .target(name: "CurlHTTP", dependencies: ["CCurl", "HTTPMessage", .product(name: "Crypto", package: "swift-crypto")]),
        // The HTTP message types shared by the client, the runner and the emulator: ordered, case-preserving headers, the
        // request a client sends and the response it receives.
        .target(name: "HTTPMessage"),
        // Order-preserving JSON values, parser, serializer and the one JSONPath implementation.
        .target(name: "JSONCore", dependencies: [
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // JSON Schema draft 4 validation (API Gateway models): request validators and responses checked against the definition.
        .target(name: "JSONSchema", dependencies: [
            "JSONCore", .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // Velocity (VTL 1.7 subset) engine and API Gateway's template variables.
        .target(name: "VTL", dependencies: [
            "JSONCore", .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // JUnit XML writer (Jenkins xUnit schema), streaming and atomic.
        .target(name: "JUnit"),
        // Compiler-style diagnostics and position-aware YAML reading.
        .target(name: "SourceDiagnostics", dependencies: ["Yams", "JSONCore"]),
        // The API Gateway pipeline: definitions, routing, integrations, gateway responses. No networking inside.
        .target(name: "Gateway", dependencies: [
            "JSONCore", "JSONSchema", "VTL", "HTTPMessage", "SigV4", "SourceDiagnostics", "Yams",
            .product(name: "JWTKit", package: "jwt-kit"),
        ]),
        // SwiftNIO HTTP/1.1 server that serves a Gateway on loopback.
        .target(name: "GatewayServer", dependencies: [
            "Gateway", "HTTPMessage",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        // Backends the emulator calls: scripted Lambdas, Python/Node handler workers, HTTP upstreams.
        .target(name: "Backends", dependencies: [
            "Gateway", "JSONCore", "HTTPMessage", "CurlHTTP", "SigV4", "SourceDiagnostics", "Yams",
        ]),
        // What a report shows of a run: plain, redacted values (the HTML report's input), and run-to-run comparison.
        .target(name: "ReportModel"),
        // The self-contained HTML report (Mustache templates), and reading earlier HTML/JUnit reports.
        .target(name: "HTMLReport", dependencies: [
            "ReportModel", "JSONCore", .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // Suites, variables, assertions, the runner, console and JUnit reporting.
        .target(name: "GatecheckCore", dependencies: [
            "CurlHTTP", "HTTPMessage", "JSONCore", "JUnit", "SourceDiagnostics", "ReportModel", "HTMLReport",
            "Gateway", "GatewayServer", "Backends", "Stages", "SigV4", "JSONSchema", "Yams",
            .product(name: "OrderedCollections", package: "swift-collections"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ]),
        // AWS Signature Version 4: signing requests and verifying signatures (swift-crypto's HMAC-SHA256).
        .target(name: "SigV4", dependencies: [
            "HTTPMessage", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Real stages: target profiles, API keys, bearer tokens, SigV4 signing, sharding, report merging.
        .target(name: "Stages", dependencies: [
            "HTTPMessage", "SigV4", "SourceDiagnostics", "Yams",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // `gatecheck lint`: a registry of static rules over API definitions and templates, text and JSON output.
        .target(name: "Lint", dependencies: [
            "SourceDiagnostics", "JSONCore", "Gateway", "Yams",
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // The thin CLI.
        .executableTarget(name: "gatecheck", dependencies: [
            "GatecheckCore", "GatewayServer", "Stages", "SigV4", "Lint", "SourceDiagnostics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // In-process micro-benchmarks for `make bench` (VTL render, JSON parse, the pipeline without sockets).
        .executableTarget(name: "gatecheck-bench", dependencies: ["VTL", "JSONCore", "Gateway", "Backends", "HTTPMessage"]),
        // Fuzz entry points (VTL, JSONPath, JSON, suite loader, emulator request parsing): libFuzzer and the smoke test.
        .target(name: "FuzzTargets", dependencies: ["VTL", "JSONCore", "GatecheckCore", "GatewayServer", "Gateway"]),
        // What tests share: loopback servers (a scriptable HTTP server and a fault injector), the one raw wire
        // client (bytes in, bytes out over a real socket) and the one fake Lambda function.
        .target(name: "TestSupport", dependencies: ["HTTPMessage", "Gateway", "JSONCore"]),

        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "JSONCore"]),
        .testTarget(name: "VTLTests", dependencies: ["VTL", "JSONCore"]),
        .testTarget(name: "JUnitTests", dependencies: ["JUnit", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: [
            "Gateway", "GatewayServer", "Backends", "CurlHTTP", "JSONCore", "TestSupport", "SigV4",
            .product(name: "JWTKit", package: "jwt-kit"), .product(name: "CryptoExtras", package: "swift-crypto"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "GatewayServerTests", dependencies: ["GatewayServer", "Gateway", "TestSupport"]),
        // WebSocket APIs through real sockets: a python3 websocket-client, handlers in python3 workers, boto3 @connections.
        .testTarget(name: "WebSocketTests", dependencies: ["GatewayServer", "Gateway", "Backends", "JSONCore", "SigV4"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "BackendsTests", dependencies: ["Backends", "Gateway", "JSONCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "GatecheckCore", "JSONCore"]),
        .testTarget(name: "EmulatorReliabilityTests", dependencies: [
            "Gateway", "GatewayServer", "Backends", "JSONCore", "TestSupport",
        ], exclude: ["Fixtures"]),
        .testTarget(name: "BundledSuitesTests", dependencies: ["GatecheckCore", "TestSupport", "Yams"]),
        .testTarget(name: "SigV4Tests", dependencies: ["SigV4", "HTTPMessage", "TestSupport"]),
        .testTarget(name: "LintTests", dependencies: ["Lint", "JSONCore", "TestSupport"]),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "SigV4", "TestSupport", "HTTPMessage", "SourceDiagnostics"]),
        .testTarget(name: "HTMLReportTests", dependencies: [
            "HTMLReport", "ReportModel", "GatecheckCore", "TestSupport", "HTTPMessage",
        ]),
        .testTarget(name: "GatecheckCoreTests", dependencies: [
            "GatecheckCore", "Stages", "TestSupport", "JSONCore", "JUnit", "HTTPMessage", "SourceDiagnostics",
        ], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
