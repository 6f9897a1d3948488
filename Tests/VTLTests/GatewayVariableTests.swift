import JSONCore
import Testing
@testable import VTL

@Suite("$input (rule book §8)")
struct InputTests {
    static let body = #"{"a": {"b": "c", "n": 1}, "arr": [{"foo": "bar"}], "m": {"foo": [{"nested": "bar"}]}, "empty": [], "price": 10, "ratio": 10.5, "s": "text"}"#

    @Test func objectsRenderAsJavaMapsAndArraysAsJSON() throws {
        #expect(try renderMapping("$input.path('$.a')", body: Self.body) == "{b=c, n=1}")
        #expect(try renderMapping("$input.path('$.arr')", body: Self.body) == #"[{"foo":"bar"}]"#)
        #expect(try renderMapping("$input.path('$.m')", body: Self.body) == #"{foo=[{"nested":"bar"}]}"#)
        #expect(try renderMapping("$input.path('$.a').toString()", body: Self.body) == "{b=c, n=1}")
        #expect(try renderMapping("$input.path('$.empty')", body: Self.body) == "[]")
        #expect(try renderMapping("$input.path('$.price') $input.path('$.ratio') $input.path('$.s')", body: Self.body) == "10 10.5 text")
        #expect(try renderMapping("$input.path('$.arr')[0]", body: Self.body) == "{foo=bar}")
    }

    @Test func missingPathIsNullAndEqualsBothNullAndEmptyString() throws {
        #expect(try renderMapping("[$input.path('$.missing')]", body: Self.body) == "[]")
        let template = "#if($input.path('$.missing') == $null)null#end #if($input.path('$.missing') == \"\")empty#end"
        #expect(try renderMapping(template, body: Self.body) == "null empty")
    }

    @Test func indefinitePathsReturnLists() throws {
        #expect(try renderMapping("$input.path('$..foo')", body: Self.body) == #"["bar",[{"nested":"bar"}]]"#)
        #expect(try renderMapping("$input.path('$.arr[*].foo').size()", body: Self.body) == "1")
    }

    @Test func jsonReturnsCompactJSONText() throws {
        #expect(try renderMapping("$input.json('$.a')", body: Self.body) == #"{"b":"c","n":1}"#)
        #expect(try renderMapping("$input.json('$.s')", body: Self.body) == #""text""#)
        #expect(try renderMapping("$input.json('$.missing')", body: Self.body) == "null")
        #expect(try renderMapping("$input.json('$')", body: "") == "{}")
    }

    @Test func bodyIsRawAndEmptyBodyRendersBraces() throws {
        #expect(try renderMapping("$input.body", body: #"{"x" : 1}"#) == #"{"x" : 1}"#)
        #expect(try renderMapping("$input.body", body: "") == "{}")
        #expect(try renderMapping("[$input.body.attr]", body: "plain") == "[]")
        #expect(try renderMapping("$input.path('$').size()", body: "") == "0")
    }

    @Test func urlEncodedBodyMatchesRecording() throws {
        #expect(try renderMapping("$util.urlEncode($input.body)", body: #"{"a": "b c"}"#) == "%7B%22a%22%3A+%22b+c%22%7D")
    }

    @Test func paramsSearchPathThenQueryThenHeader() throws {
        let input = TemplateInput(
            body: [],
            pathParameters: [("id", "from-path")],
            queryParameters: [("id", "from-query"), ("q", "1"), ("q", "2")],
            headers: [("id", "from-header"), ("X-Trace", "t1"), ("Accept", "a/b")])
        #expect(try renderMapping("$input.params('id') $input.params('q') $input.params('x-trace') [$input.params('nope')]", input).text
            == "from-path 2 t1 []")
        #expect(try renderMapping("$input.params().path.id $input.params().querystring.q $input.params().header.get('accept')", input).text
            == "from-path 2 a/b")
        #expect(try renderMapping("$input.params()", input).text
            == "{path={id=from-path}, querystring={id=from-query, q=2}, header={id=from-header, X-Trace=t1, Accept=a/b}}")
        let loop = "#foreach($name in $input.params().header.keySet())$name=$input.params().header.get($name);#end"
        #expect(try renderMapping(loop, input).text == "id=from-header;X-Trace=t1;Accept=a/b;")
    }
}

@Suite("$util")
struct UtilTests {
    @Test func escapeJavaScriptLikeCommonsLang2() throws {
        let output = try render("$util.escapeJavaScript($s)", ["s": V(.string("He said \"it's\" a/b\\\n\t\u{1}é€😀"))])
        #expect(output == #"He said \"it\'s\" a\/b\\\n\t\u0001\u00E9\u20AC\uD83D\uDE00"#)
    }

    @Test func urlEncodeAndDecode() throws {
        #expect(try render("$util.urlEncode('a b&c=d/é*~')") == "a+b%26c%3Dd%2F%C3%A9*%7E")
        #expect(try render("$util.urlDecode('a+b%26c%3Dd%2F%C3%A9')") == "a b&c=d/é")
    }

    @Test func base64RoundTrip() throws {
        #expect(try render("$util.base64Encode('hello wörld')") == "aGVsbG8gd8O2cmxk")
        #expect(try render("$util.base64Decode('aGVsbG8gd8O2cmxk')") == "hello wörld")
        #expect(try render("$util.base64Encode('a') $util.base64Encode('ab') $util.base64Decode('YWI')") == "YQ== YWI= ab")
    }

    @Test func parseJsonReturnsNativeObjects() throws {
        let template = "#set($o = $util.parseJson($s))$o.name $o.tags[1] $o.tags $o"
        #expect(try render(template, ["s": #"{"name": "n", "tags": ["x", "y"]}"#]) == #"n y ["x","y"] {name=n, tags=["x","y"]}"#)
    }

    @Test func malformedInputsAreRuntimeErrors() throws {
        #expect(try runtimeError("$util.urlDecode('%G1')")?.message.contains("urlDecode") == true)
        #expect(try runtimeError("$util.base64Decode('@@@')")?.message.contains("base64") == true)
        #expect(try runtimeError("$util.parseJson('{nope')")?.message.contains("parseJson") == true)
    }
}

@Suite("$context, overrides and stage variables (rule book §8-9)")
struct ContextTests {
    static let contextLiteral: V = [
        "requestId": "req-1", "httpMethod": "GET", "resourcePath": "/pets/{id}", "stage": "prod",
        "identity": ["sourceIp": "1.2.3.4", "userAgent": "curl/8"],
        "error": ["message": "Missing Authentication Token", "messageString": "\"Missing Authentication Token\"", "responseType": "MISSING_AUTHENTICATION_TOKEN"],
    ]
    static let context = contextLiteral.json

    @Test func contextVariablesRender() throws {
        let input = TemplateInput(context: Self.context)
        let output = try renderMapping("$context.requestId $context.httpMethod $context.resourcePath $context.identity.sourceIp $context.stage", input)
        #expect(output.text == "req-1 GET /pets/{id} 1.2.3.4 prod")
        let gatewayResponse = try renderMapping(#"{"message":$context.error.messageString,"type":"$context.error.responseType"}"#, input)
        #expect(gatewayResponse.text == #"{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}"#)
    }

    @Test func responseOverrideFromTheSeedTemplate() throws {
        let template = "#set($inputRoot = $input.path('$'))\n    #set($context.responseOverride.status = 206)\n"
        let output = try renderMapping(template, TemplateInput(body: Array(#"{"message": "partial"}"#.utf8), context: Self.context))
        #expect(output.text == "")
        #expect(output.context.at("responseOverride", "status") == .int(206))
        #expect(output.context.at("requestId") == .string("req-1"))
    }

    @Test func responseOverrideHeaderWithDashedName() throws {
        let output = try renderMapping("#set($context.responseOverride.header.X-Name = \"v\")#set($context.responseOverride.header['Content-Type'] = 'text/plain')ok")
        #expect(output.text == "ok")
        #expect(output.context.at("responseOverride", "header") == (["X-Name": "v", "Content-Type": "text/plain"] as V).json)
    }

    @Test func requestOverridesCarryIntoTheResponseTemplate() throws {
        let request = """
        #set($context.requestOverride.header.foo = "bar")
        #set($context.requestOverride.querystring.q = "1")
        #set($context.responseOverride.status = 444)
        #set($context.responseOverride.header.foo = "bar")
        #set($context.custom = {"k": "v"})
        {"statusCode": 200}
        """
        let first = try renderMapping(request, TemplateInput(context: Self.context))
        #expect(first.text == #"{"statusCode": 200}"#)
        #expect(first.context.at("requestOverride", "header", "foo") == .string("bar"))
        #expect(first.context.at("requestOverride", "querystring", "q") == .string("1"))
        #expect(first.context.at("responseOverride", "status") == .int(444))
        let second = try renderMapping(
            "$context.requestOverride.header.foo $context.custom.k $context.responseOverride.status",
            TemplateInput(context: first.context))
        #expect(second.text == "bar v 444")
    }

    @Test func vtlMapWritesOnContext() throws {
        let template = """
        #set($ctx = $context["requestOverride"])
        #set($ctx["header"]["x-one"] = "1")
        $context.requestOverride.header.put("x-two", "2")$context.requestOverride.header
        """
        let output = try renderMapping(template)
        #expect(output.text == "{x-one=1, x-two=2}")
    }

    @Test func overridingTheSameParameterTwiceFails() throws {
        let error = try runtimeError("#set($context.responseOverride.status = 400)\n#set($context.responseOverride.status = 500)")
        #expect(error?.message.contains("responseOverride.status") == true)
        #expect(error?.line == 2)
        #expect(try runtimeError("#set($context.responseOverride.header.a = 1)#set($context.responseOverride.header.A = 2)") != nil)
    }

    @Test func stageVariables() throws {
        let input = TemplateInput(stageVariables: [("env", "prod")])
        #expect(try renderMapping("$stageVariables.env [$stageVariables.undefined]", input).text == "prod []")
    }
}

@Suite("AWS console templates")
struct ConsoleTemplateTests {
    /// The console's "Method Request passthrough" template (context section shortened).
    static let passthrough = """
    ##  See http://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
    ##  This template will pass through all parameters including path, querystring, header, stage variables, and context through to the integration endpoint via the body/payload
    #set($allParams = $input.params())
    {
    "body-json" : $input.json('$'),
    "params" : {
    #foreach($type in $allParams.keySet())
        #set($params = $allParams.get($type))
    "$type" : {
        #foreach($paramName in $params.keySet())
        "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
            #if($foreach.hasNext),#end
        #end
    }
        #if($foreach.hasNext),#end
    #end
    },
    "stage-variables" : {
    #foreach($key in $stageVariables.keySet())
    "$key" : "$util.escapeJavaScript($stageVariables.get($key))"
        #if($foreach.hasNext),#end
    #end
    },
    "context" : {
        "http-method" : "$context.httpMethod",
        "request-id" : "$context.requestId",
        "source-ip" : "$context.identity.sourceIp",
        "resource-path" : "$context.resourcePath"
        }
    }
    """

    @Test func methodRequestPassthroughProducesValidJSON() throws {
        let input = TemplateInput(
            body: Array(#"{"pet": {"name": "Rex"}}"#.utf8),
            pathParameters: [("id", "7")],
            queryParameters: [("q", "a \"b\"")],
            headers: [("Accept", "application/json"), ("X-Forwarded-For", "1.2.3.4")],
            context: ContextTests.context,
            stageVariables: [("env", "prod")])
        let output = try renderMapping(Self.passthrough, input)
        let parsed = try JSONValue.parse(output.text)
        let expected = try JSONValue.parse("""
        {"body-json": {"pet": {"name": "Rex"}},
         "params": {"path": {"id": "7"}, "querystring": {"q": "a \\"b\\""},
                    "header": {"Accept": "application/json", "X-Forwarded-For": "1.2.3.4"}},
         "stage-variables": {"env": "prod"},
         "context": {"http-method": "GET", "request-id": "req-1", "source-ip": "1.2.3.4", "resource-path": "/pets/{id}"}}
        """)
        #expect(parsed == expected)
        // Velocity 1.7 whitespace: the indented #set line vanishes, #if/#end lines leave their indentation.
        #expect(output.text.hasPrefix("{\n\"body-json\" : {\"pet\":{\"name\":\"Rex\"}},\n\"params\" : {\n\"path\" : {\n        \"id\" : \"7\"\n"))
    }
}

/// Every `$util` function and `$input` accessor with a null argument renders instead of failing the template
/// (docs/vtl.md, "Null arguments"); `$util.urlEncode(null)` is the empty string as on API Gateway.
@Suite("Null arguments")
struct NullArgumentTests {
    @Test func utilFunctionsRenderEmptyForNull() throws {
        let body = #""just a string""#
        #expect(try renderMapping("[$util.urlEncode($input.body.missing)]", body: body) == "[]")
        for function in ["urlEncode", "urlDecode", "base64Encode", "base64Decode", "escapeJavaScript", "parseJson"] {
            #expect(try renderMapping("[$util.\(function)($nothing)]", body: body) == "[]", "$util.\(function)(null)")
        }
        // The URL and base64 functions give an empty string; escapeJavaScript and parseJson give null.
        #expect(try renderMapping("#if($util.urlEncode($nothing) == '')empty#end", body: body) == "empty")
        #expect(try renderMapping("#if($util.escapeJavaScript($nothing))set#{else}null#end", body: body) == "null")
        #expect(try renderMapping("#if($util.parseJson($nothing))set#{else}null#end", body: body) == "null")
    }

    @Test func inputAccessorsSelectNothingForNull() throws {
        let body = #"{"a": 1}"#
        #expect(try renderMapping("[$input.params($nothing)][$input.path($nothing)]", body: body) == "[][]")
        #expect(try renderMapping("$input.json($nothing)", body: body) == "null")
        #expect(try renderMapping("#if($input.params($input.path('$.missing')) == $null)null#end", body: body) == "null")
    }
}
