import Foundation
import Stages
import Testing
import TestSupport

struct JUnitMergeTests {
    static let schema = ReportValidation.junitSchemaPath() ?? "junit-10.xsd (not found: set GATECHECK_JUNIT_XSD)"

    static let shardOne = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites tests="3" failures="1" errors="0" time="1.250">
          <testsuite name="Orders" tests="3" failures="1" errors="0" skipped="1" time="1.250" timestamp="2024-05-01T10:20:30" hostname="ci-1">
            <properties>
              <property name="target" value="staging"/>
              <property name="baseURL" value="https://abc.execute-api.eu-west-1.amazonaws.com/staging"/>
              <property name="gatecheck.version" value="0.1.0"/>
            </properties>
            <testcase classname="Orders" name="creates &amp; returns 201" time="0.500"/>
            <testcase classname="Orders" name="rejects &lt;bad&gt; input" time="0.700">
              <failure message="expected status 400, got 500" type="AssertionFailure">status: expected 400&#10;got 500 &#13; ]]&gt;</failure>
              <system-out><![CDATA[HTTP/1.1 500 Internal Server Error]]></system-out>
            </testcase>
            <testcase classname="Orders" name="slow path" time="0"><skipped message="not tagged smoke"/></testcase>
          </testsuite>
        </testsuites>
        """

    static let shardTwo = """
        <?xml version='1.0' encoding='utf-8'?>
        <!-- written by another gatecheck job -->
        <testsuites
            tests="2" failures="0" errors="1" time="0.300"            >
          <testsuite name="Health" tests="1" failures="0" errors="0" time="0.100"><testcase classname="Health" name="ok" time="0.100"/></testsuite>
          <testsuite name="Users" tests="1" failures="0" errors="1" time="0.200">
            <testcase classname="Users" name="lists" time="0.200"><error message="connection refused" type="TransportError">curl: (7) Failed to connect</error></testcase>
          </testsuite>
        </testsuites>
        """

    /// A bare `<testsuite>` root from another tool, missing the counts the schema requires.
    static let bareSuite = """
        <testsuite name="Legacy" time="2">
          <testcase classname="Legacy" name="x"><failure message="m"/></testcase>
          <testcase classname="Legacy" name="y"/>
        </testsuite>
        """

    @Test func mergesValidAgainstTheSchemaWithCorrectCounts() throws {
        let directory = try TemporaryDirectory()
        let files = [try directory.write("shard-1.xml", Self.shardOne), try directory.write("shard-2.xml", Self.shardTwo),
                     try directory.write("legacy.xml", Self.bareSuite)]
        let output = "\(directory.path)/junit.xml"
        try JUnitMerge.merge(files: files, writingTo: output)
        let merged = try String(contentsOfFile: output, encoding: .utf8)
        #expect(merged.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"7\" failures=\"2\" errors=\"1\" time=\"3.550\">\n  <testsuite name=\"Orders\""))
        #expect(merged.contains("<testsuite name=\"Legacy\" time=\"2\" tests=\"2\" failures=\"1\" errors=\"0\">"))
        // Children are copied byte for byte.
        #expect(merged.contains("status: expected 400&#10;got 500 &#13; ]]&gt;</failure>"))
        #expect(merged.contains("<property name=\"target\" value=\"staging\"/>"))

        let lint = try run("/usr/bin/xmllint", ["--noout", "--schema", Self.schema, output])
        #expect(lint.status == 0, "\(lint.output)")

        let script = """
            import sys
            from junitparser import JUnitXml
            xml = JUnitXml.fromfile(sys.argv[1])
            suites = list(xml)
            print(len(suites), xml.tests, xml.failures, xml.errors)
            print(sum(s.tests for s in suites), sum(s.failures for s in suites), sum(s.errors for s in suites), sum(s.skipped or 0 for s in suites))
            print(",".join(s.name for s in suites))
            print(sum(1 for s in suites for c in s))
            """
        let parsed = try run("/usr/bin/env", ["python3", "-c", script, output])
        #expect(parsed.status == 0, "\(parsed.output)")
        #expect(parsed.output == "4 7 2 1\n7 2 1 1\nOrders,Health,Users,Legacy\n7\n")
    }

    @Test func duplicateSuitesAcrossShardsAreRejectedOrKept() throws {
        let directory = try TemporaryDirectory()
        let one = try directory.write("a.xml", Self.shardOne)
        let two = try directory.write("b.xml", Self.shardOne)
        let error = #expect(throws: JUnitMergeError.self) { try JUnitMerge.merge(files: [one, two]) }
        #expect(error?.description == "\(two): suite 'Orders' is also in \(one): the shards overlap, or a report was given twice (pass --allow-duplicates to keep both)")
        let kept = try JUnitMerge.merge(files: [one, two], allowDuplicateSuites: true)
        #expect(kept.contains("<testsuites tests=\"6\" failures=\"2\" errors=\"0\" time=\"2.500\">"))
    }

    @Test func unreadableAndInvalidInputsNameTheFile() throws {
        let directory = try TemporaryDirectory()
        let cases: [(String, String?, String)] = [
            ("missing.xml", nil, "no such file (did that shard's job fail before writing its report?)"),
            ("truncated.xml", "<testsuites><testsuite name=\"a\" tests=\"0\" failures=\"0\" errors=\"0\">", "not a valid XML file: line 1, column 67: <testsuite> is never closed (the file is truncated?)"),
            ("mismatch.xml", "<testsuites>\n  <testsuite name=\"a\" tests=\"0\" failures=\"0\" errors=\"0\"></testsuites>", "not a valid XML file: line 2, column 57: end tag </testsuites> does not match <testsuite>"),
            ("html.xml", "<html><body>502 Bad Gateway</body></html>", "the root element is <html>, expected <testsuites> or <testsuite>: not a JUnit report"),
            ("entity.xml", "<testsuites><testsuite name=\"a&nbsp;\" tests=\"0\" failures=\"0\" errors=\"0\"/></testsuites>", "not a valid XML file: line 1, column 31: unknown entity '&nbsp;'"),
            ("count.xml", "<testsuites><testsuite name=\"a\" tests=\"many\" failures=\"0\" errors=\"0\"/></testsuites>", "suite 'a' has tests=\"many\", expected a count"),
            ("empty.xml", "", "not a valid XML file: line 1, column 1: no root element"),
        ]
        for (name, content, message) in cases {
            let path = "\(directory.path)/\(name)"
            if let content { try directory.write(name, content) }
            let error = #expect(throws: JUnitMergeError.self) { try JUnitMerge.merge(files: [path]) }
            #expect(error?.description == "\(path): \(message)")
        }
    }

    @Test func writingIsAtomicAndReportsUnwritablePaths() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("a.xml", Self.shardTwo)
        let error = #expect(throws: JUnitMergeError.self) {
            try JUnitMerge.merge(files: [input], writingTo: "\(directory.path)/no/such/dir/junit.xml")
        }
        #expect(error?.file == "\(directory.path)/no/such/dir/junit.xml")
        let contents = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(contents == ["a.xml"])
    }
}

/// Runs a program and returns its exit status and combined output.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
