import Foundation
@testable import GatecheckCore
import Stages
import Testing

/// Resolving a run plan on its own: what `gatecheck run` decides before it sends anything (profile merging, the
/// selection, sharding, loading and the emulator check), asserted without running a case.
@Suite struct RunPlanTests {
    static func configuration(_ workspace: Workspace, _ errors: OutputBuffer, paths: [String]) -> RunConfiguration {
        var configuration = RunConfiguration()
        configuration.paths = paths
        configuration.environment = [:]
        configuration.workingDirectory = workspace.path
        configuration.output = { _ in }
        configuration.errorOutput = errors.writer
        configuration.junitPath = nil
        return configuration
    }

    static let oneCase = "cases:\n  - name: ok\n    request: { path: /items }\n    expect: { status: 200 }\n"

    @Test func theProfileIsMergedUnderTheCommandLine() throws {
        let workspace = Workspace()
        let profiles = workspace.write("gatecheck.yaml", """
        version: 1
        targets:
          staging:
            url: http://127.0.0.1:9/prod
            timeout: 7s
            retries: 2
            concurrency: 3
            variables: { tenant: acme, overridden: by-profile }
        """)
        let suite = workspace.write("s.yaml", Self.oneCase)
        var configuration = Self.configuration(workspace, OutputBuffer(), paths: [suite])
        configuration.target = "staging"
        configuration.profilesPath = profiles
        configuration.variables = ["overridden": "by-command-line"]
        configuration.retries = 0
        configuration.jobs = 8
        var planner = RunPlanner(configuration: configuration)
        let plan = try planner.resolve()
        #expect(plan.configuration.variables == ["tenant": "acme", "overridden": "by-command-line"])
        #expect(plan.configuration.timeout == .seconds(7))
        #expect(plan.configuration.retries == 0)  // an explicit --retries wins over the profile's
        #expect(plan.configuration.jobs == 3)  // the profile's concurrency caps --jobs
        #expect(plan.target.profile?.baseURL == "http://127.0.0.1:9/prod")
        #expect(plan.suites.map(\.file) == [suite])
    }

    @Test func aShardKeepsItsSuitesInFileOrderAndCountsTheSelectedCases() throws {
        let workspace = Workspace()
        let paths = (1...4).map { workspace.write("suites/s\($0).yaml", Self.oneCase) }
        var selected: [String] = []
        for index in 1...2 {
            var configuration = Self.configuration(workspace, OutputBuffer(), paths: [workspace.path + "/suites"])
            configuration.target = "http://127.0.0.1:9"
            configuration.shard = try ShardSpec(index: index, count: 2)
            var planner = RunPlanner(configuration: configuration)
            let plan = try planner.resolve()
            #expect(plan.selectedCases == plan.suites.count)
            #expect(plan.suites.map(\.file) == paths.filter { plan.suites.map(\.file).contains($0) })
            selected += plan.suites.map(\.file)
        }
        #expect(selected.sorted() == paths)  // every suite in exactly one shard
    }

    @Test func badCommandLineInputIsRefusedBeforeAnySuiteIsRead() {
        let workspace = Workspace()
        var configuration = Self.configuration(workspace, OutputBuffer(), paths: [workspace.path + "/no-such-suites"])
        configuration.filter = "("
        var planner = RunPlanner(configuration: configuration)
        do {
            _ = try planner.resolve()
            Issue.record("an invalid --filter was accepted")
        } catch {
            #expect(error.message?.hasPrefix("gatecheck: error: invalid --filter") == true, "\(error)")
            #expect(error.diagnostics.isEmpty)
        }
        configuration.filter = nil
        configuration.jobs = 0
        planner = RunPlanner(configuration: configuration)
        do {
            _ = try planner.resolve()
            Issue.record("--jobs 0 was accepted")
        } catch {
            #expect(error.message == "gatecheck: error: --jobs must be at least 1")
        }
    }

    @Test func theEmulatorCheckRefusesASuiteWithoutAnEmulator() {
        let workspace = Workspace()
        let api = workspace.write("api.yaml", "openapi: 3.0.1\ninfo: { title: t, version: '1' }\npaths: {}\n")
        let suite = workspace.write("s.yaml", "api: \(api)\n" + Self.oneCase)
        var configuration = Self.configuration(workspace, OutputBuffer(), paths: [suite])
        configuration.emulator = nil  // no --target and no emulator in this build
        var planner = RunPlanner(configuration: configuration)
        do {
            _ = try planner.resolve()
            Issue.record("a suite ran without an emulator")
        } catch {
            #expect(error.message == "gatecheck: 1 error in the suites; nothing was run")
            #expect(error.diagnostics.map(\.message) == ["the embedded emulator is not available in this build: pass --target URL"])
        }
    }
}
