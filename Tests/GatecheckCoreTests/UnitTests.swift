import GatecheckCore
import JSONCore
import Testing

@Suite struct UnitTests {
    @Test func templatesParseVariablesAndLiteralBraces() throws {
        let template = try TemplateString(parsing: "a {{ x }} b {{env.HOME}}{{\"{{\"}}c")
        #expect(template.variableNames == ["x", "env.HOME"])
        #expect(try template.render { ["x": "1", "env.HOME": "/h"][$0] } == "a 1 b /h{{c")
        #expect(throws: TemplateSyntaxError.self) { try TemplateString(parsing: "{{bad name}}") }
        #expect(throws: TemplateSyntaxError.self) { try TemplateString(parsing: "x {{open") }
        #expect(throws: UndefinedVariableError.self) { try TemplateString(parsing: "{{y}}").render { _ in nil } }
        #expect(try TemplateString(parsing: "{{id}}").soleVariable == "id")
    }

    @Test func durations() {
        #expect(DurationText.parse("5s") == .seconds(5))
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("3") == .seconds(3))
        for bad in ["", "s", "-1s", "5 parsecs", "1e3", "nan"] { #expect(DurationText.parse(bad) == nil, "\(bad)") }
        #expect(DurationText.format(.milliseconds(12)) == "12 ms")
        #expect(DurationText.format(.milliseconds(1530)) == "1.53 s")
    }

    @Test func urlsKeepTheStagePrefixAndEncodeOnlyWhatMustBe() {
        #expect(URLEncoding.url(base: "https://x.example/prod/", path: "/items", query: []) == "https://x.example/prod/items")
        #expect(URLEncoding.url(base: "http://h", path: "/a b/%2F/é", query: [("q", "a b&c=d/é"), ("q", "2")])
                == "http://h/a%20b/%2F/%C3%A9?q=a%20b%26c%3Dd%2F%C3%A9&q=2")
        #expect(URLEncoding.url(base: "http://h", path: "/a?x=1", query: [("y", "2")]) == "http://h/a?x=1&y=2")
    }

    @Test func redactionReplacesLongestSecretsAndEncodedForms() {
        let redactor = Redactor(secrets: ["abc", "abcdef", "a b"])
        #expect(redactor.redact("x abcdef y abc z a b a%20b") == "x *** y *** z *** ***")
        #expect(Redactor().redact("plain") == "plain")
    }

    @Test func capturedJSONKeepsItsTypeInJSONTemplates() throws {
        var scope = VariableScope(commandLine: [:], environment: ["E": "secret"], secretNames: [])
        scope.captures["id"] = VariableValue(text: "42", json: .int(42))
        let rendered = try scope.render(json: try JSONValue.parse(##"{"id":"{{id}}","label":"#{{id}}","e":"{{env.E}}"}"##))
        #expect(rendered.serialized() == ##"{"id":42,"label":"#42","e":"secret"}"##)
        #expect(scope.value(of: "env.E")?.secret == true)
    }

    @Test func targetValidation() {
        #expect(GatecheckRunner.targetProblem("https://abc.execute-api.eu-west-1.amazonaws.com/prod") == nil)
        #expect(GatecheckRunner.targetProblem("http://127.0.0.1:8080") == nil)
        #expect(GatecheckRunner.targetProblem("ftp://x") != nil)
        #expect(GatecheckRunner.targetProblem("http://") != nil)
        #expect(GatecheckRunner.targetProblem("http://h/p?x=1") != nil)
        #expect(GatecheckRunner.targetProblem("not a url") != nil)
    }
}
