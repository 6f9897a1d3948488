@testable import GatecheckCore
import Testing

/// The error messages `gatecheck init` derives from selection patterns: each must match its pattern as a whole,
/// the way API Gateway matches a Lambda error's errorMessage.
@Suite struct PatternExampleTests {
    @Test(arguments: [
        (".*Not Found.*", "Not Found"), (".*400.*", "400"), ("5\\d{2}", "500"), ("4\\d\\d", "400"), ("[45]\\d{2}", "400"),
        ("(\\n|.)+", "\n"), ("PARTIAL.*", "PARTIAL"), ("^Error: (bad|worse) input$", "Error: bad input"), ("a{3}b?", "aaa"),
        ("\\[ERROR\\] .+", "[ERROR] x"), ("[^0-9]+", "x"), ("(?:x|y){2,}", "xx"), (".+", "x"),
    ])
    func exampleMatchesThePattern(_ pattern: String, _ expected: String) {
        #expect(PatternExample.example(for: pattern) == expected)
    }

    @Test(arguments: ["(a)\\1", "(?=x)x", "a(", "\\p{L}+"])
    func patternsBeyondItGiveNil(_ pattern: String) {
        #expect(PatternExample.example(for: pattern) == nil)
    }
}
