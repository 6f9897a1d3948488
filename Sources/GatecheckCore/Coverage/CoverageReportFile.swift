import Foundation

/// Writes `coverage.json` (schema in docs/coverage.md) atomically: a reader never sees half a file.
public enum CoverageReportFile {
    public static func write(_ coverage: GatewayCoverage, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var data = try coverage.jsonData()
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
