import Foundation

/// Helpers for tests that check reports with the same external tools CI users rely on.
public enum ReportValidation {
    /// Runs a program; returns its exit status and its standard output with standard error appended.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The package root: the nearest directory above `file` holding a Package.swift.
    public static func packageRoot(from file: String = #filePath) -> URL {
        var directory = URL(fileURLWithPath: file).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { return directory }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// The Jenkins xUnit schema: `$GATECHECK_JUNIT_XSD`, else `../shared/junit/junit-10.xsd` beside the package
    /// root (where CI keeps the reference copy), else the copy vendored in `Tests/Fixtures/junit-10.xsd`.
    public static func junitSchemaPath(from file: String = #filePath) -> String? {
        if let path = ProcessInfo.processInfo.environment["GATECHECK_JUNIT_XSD"] { return path }
        let root = packageRoot(from: file)
        for candidate in ["../shared/junit/junit-10.xsd", "Tests/Fixtures/junit-10.xsd"] {
            let path = root.appendingPathComponent(candidate).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// `xmllint --noout --schema junit-10.xsd FILE`.
    public static func xmllint(_ path: String, schema: String) throws -> (status: Int32, output: String) {
        try run("/usr/bin/env", ["xmllint", "--noout", "--schema", schema, path])
    }

    /// What junitparser (PyPI) reads: one line per suite (`suite NAME tests=.. failures=.. errors=.. skipped=..`)
    /// and one per case (`case CLASSNAME | NAME | passed|Failure|Error|Skipped`).
    public static func junitparser(_ path: String) throws -> (status: Int32, output: String) {
        let script = """
        import sys
        from junitparser import JUnitXml
        xml = JUnitXml.fromfile(sys.argv[1])
        for suite in xml:
            print(f"suite {suite.name} tests={suite.tests} failures={suite.failures} errors={suite.errors} skipped={suite.skipped}")
            for case in suite:
                kinds = [type(r).__name__ for r in case.result]
                print(f"case {case.classname} | {case.name} | {','.join(kinds) or 'passed'}")
        """
        return try run("/usr/bin/env", ["python3", "-c", script, path])
    }
}
