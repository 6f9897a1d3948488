import Foundation
import Testing
import TestSupport

/// `gatecheck merge-reports` adds up the shards' gateway coverage: the summary line, `--coverage-report` and the
/// HTML report's coverage section, as `run --html` shows it.
@Suite(.serialized) struct MergeCoverageTests {
    @Test func mergeReportsAddsUpTheShardsCoverageInTheHTMLReport() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatecheck-merge-coverage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        try write("api.yaml", CoverageTests.api)
        try write("items.yaml", """
        name: items
        api: api.yaml
        cases:
          - request: { path: /items }
            expect: { status: 200 }

        """)
        try write("orders.yaml", """
        name: orders
        api: api.yaml
        cases:
          - request: { method: POST, path: /orders }
            expect: { status: 201 }

        """)
        // Two shards, each in its own directory, as CI jobs' artifacts are.
        let first = try CoverageCLI.run(["run", "items.yaml", "--junit", "shard-1/junit.xml"], in: directory)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("coverage: 1/2 methods, 1/3 integration responses, 1/3 method responses, 0/2 gateway responses (30%)"), "\(first.output)")
        let second = try CoverageCLI.run(["run", "orders.yaml", "--junit", "shard-2/junit.xml"], in: directory)
        #expect(second.status == 0, "\(second.output)")

        let merge = try CoverageCLI.run(["merge-reports", "shard-1/junit.xml", "shard-2/junit.xml", "-o", "merged/junit.xml",
                                         "--html", "merged/report.html", "--coverage-report", "merged/coverage.json"], in: directory)
        #expect(merge.status == 0, "\(merge.output)")
        let line = "coverage: 2/2 methods, 2/3 integration responses, 2/3 method responses, 0/2 gateway responses (60%); never exercised: "
            + "GET /items pattern '5\\d{2}' -> 500, GET /items method response 500, gateway response DEFAULT_5XX, gateway response MISSING_AUTHENTICATION_TOKEN"
        #expect(merge.output.contains(line), "\(merge.output)")
        let html = try String(contentsOf: directory.appendingPathComponent("merged/report.html"), encoding: .utf8)
        #expect(html.contains("<h2>Gateway coverage: 60%</h2>"), "the merged report shows the coverage section")
        #expect(html.contains("<td>items, orders</td>"), "both shards' suites are counted")
        #expect(html.contains("<li><code>GET /items method response 500</code></li>"))
        let json = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent("merged/coverage.json").path))
        let document = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect((document["totals"] as? [String: Any])?["percent"] as? Double == 60)

        // Named explicitly: only those files count; an unreadable one is an input error.
        let only = try CoverageCLI.run(["merge-reports", "shard-1/junit.xml", "shard-2/junit.xml", "-o", "merged/junit.xml",
                                        "--coverage", "shard-1/coverage.json"], in: directory)
        #expect(only.output.contains("(30%)"), "\(only.output)")
        let missing = try CoverageCLI.run(["merge-reports", "shard-1/junit.xml", "-o", "merged/junit.xml", "--coverage", "nope.json"], in: directory)
        #expect(missing.status == 2, "\(missing.output)")
        #expect(missing.output.contains("nope.json: cannot read the coverage report"), "\(missing.output)")
    }
}
