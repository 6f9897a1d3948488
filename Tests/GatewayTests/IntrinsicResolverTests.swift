import Gateway
import SourceDiagnostics
import Testing

/// CloudFormation intrinsics and API Gateway import variables, resolved at load time by the one resolver every
/// loader goes through (`IntrinsicResolver`), tested through `RESTAPILoader` / `HTTPAPILoader` as a user meets them.
@Suite struct IntrinsicResolverTests {
    /// A REST API whose `info.title` is `title` (YAML, indented for the `title:` line), with `extra` top-level lines.
    static func document(title: String, extra: String = "") -> String {
        """
        openapi: 3.0.1
        info:
          version: "1"
          title: \(title)
        paths:
          /mock:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '{"statusCode": 200}'
                responses:
                  default:
                    statusCode: "200"
        \(extra)
        """
    }

    func title(_ title: String, extra: String = "", parameters: [String: String] = [:], functions: Set<String> = []) throws -> String {
        try RESTAPILoader.load(text: Self.document(title: title, extra: extra), file: "api.yaml",
                               parameters: ImportParameters(values: parameters, functionNames: functions)).title
    }

    func errors(_ title: String, extra: String = "", parameters: [String: String] = [:]) -> [Diagnostic] {
        do {
            _ = try RESTAPILoader.load(text: Self.document(title: title, extra: extra), file: "api.yaml",
                                       parameters: ImportParameters(values: parameters))
            return []
        } catch {
            return error.errors
        }
    }

    @Test func subInStringListAndTagForms() throws {
        #expect(try title(#"{"Fn::Sub": "api-${AWS::Region}-${AWS::AccountId}-${AWS::Partition}-${AWS::StackName}"}"#)
                == "api-us-east-1-123456789012-aws-gatecheck")
        #expect(try title(#"!Sub "${AWS::URLSuffix}/${Stage}""#, parameters: ["Stage": "prod"]) == "amazonaws.com/prod")
        #expect(try title(#"!Sub ["${Greeting}, ${Name}", {Greeting: hello, Name: !Ref Who}]"#, parameters: ["Who": "world"]) == "hello, world")
        #expect(try title(#"!Sub "${!Literal} and ${stageVariables.env}""#) == "${Literal} and ${stageVariables.env}")
        #expect(try title(#"!Sub "${Fn.Arn}""#) == "arn:aws:lambda:us-east-1:123456789012:function:Fn")
        #expect(try title(#"!Sub "${Table.StreamArn}""#, parameters: ["Table.StreamArn": "arn:stream"]) == "arn:stream")
    }

    @Test func refOfParametersPseudoParametersDefaultsAndFunctions() throws {
        #expect(try title("{Ref: AWS::StackName}") == "gatecheck")
        #expect(try title("!Ref ApiName", parameters: ["ApiName": "orders"]) == "orders")
        #expect(try title("!Ref OrdersFunction", functions: ["OrdersFunction"]) == "OrdersFunction")
        #expect(try title("!Ref Env", extra: "Parameters:\n  Env: {Type: String, Default: dev}") == "dev")
        // A parameter wins over the document's default.
        #expect(try title("!Ref Env", extra: "Parameters:\n  Env: {Type: String, Default: dev}", parameters: ["Env": "prod"]) == "prod")
    }

    @Test func getAttInListAndDottedForms() throws {
        #expect(try title("{Fn::GetAtt: [OrdersFunction, Arn]}") == "arn:aws:lambda:us-east-1:123456789012:function:OrdersFunction")
        #expect(try title("!GetAtt OrdersFunction.Arn") == "arn:aws:lambda:us-east-1:123456789012:function:OrdersFunction")
        #expect(try title("!GetAtt [Api, RootResourceId]", parameters: ["Api.RootResourceId": "abc123"]) == "abc123")
        let unknown = errors("!GetAtt [Api, RootResourceId]")
        #expect(unknown.map(\.location) == ["api.yaml:4:10"], "\(unknown)")
        #expect(unknown.first?.message.contains("Fn::GetAtt 'Api.RootResourceId'") == true)
        #expect(unknown.first?.message.contains("--parameter Api.RootResourceId=VALUE") == true)
    }

    @Test func joinSelectAndSplit() throws {
        #expect(try title(#"!Join ["-", [a, !Ref AWS::Region, c]]"#) == "a-us-east-1-c")
        #expect(try title(#"{"Fn::Join": ["", []]}"#) == "")
        #expect(try title(#"!Select [1, [zero, one, two]]"#) == "one")
        #expect(try title(#"!Select [2, !Split [".", "vpce-1a2b.execute-api.us-east-1"]]"#) == "us-east-1")
        // The resource-policy shape of serverless-patterns' private API (Join of Selects of Splits of a Ref).
        let nested = #"!Join ["-", [!Select [0, !Split ["-", !Select [0, !Split [".", !Ref Dns]]]], !Select [1, !Split ["-", !Select [0, !Split [".", !Ref Dns]]]]]]"#
        #expect(try title(nested, parameters: ["Dns": "vpce-0abc-def.execute-api.us-east-1.vpce.amazonaws.com"]) == "vpce-0abc")
        // One error for the unresolvable Ref, not a second one for selecting from what it would have split.
        let cascade = errors(nested)
        #expect(cascade.count == 2, "\(cascade)")
        #expect(cascade.allSatisfy { $0.message.hasPrefix("cannot resolve Ref 'Dns'") })
        let outOfRange = errors("!Select [3, [a, b]]")
        #expect(outOfRange.first?.message.contains("Fn::Select index '3' is out of range: the list has 2 item(s)") == true, "\(outOfRange)")
        #expect(outOfRange.map(\.location) == ["api.yaml:4:19"])
    }

    @Test func ifWithConditionsFromParametersAndTheDocument() throws {
        #expect(try title("!If [IsProd, prod-api, dev-api]", parameters: ["IsProd": "true"]) == "prod-api")
        #expect(try title("!If [IsProd, prod-api, dev-api]", parameters: ["IsProd": "false"]) == "dev-api")
        let conditions = """
        Parameters:
          Env: {Type: String, Default: dev}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsNotProd: {Fn::Not: [{Condition: IsProd}]}
          Both: !And [!Condition IsNotProd, !Or [!Equals [a, a], !Equals [a, b]]]
        """
        #expect(try title("!If [IsProd, prod-api, dev-api]", extra: conditions) == "dev-api")
        #expect(try title("!If [IsProd, prod-api, dev-api]", extra: conditions, parameters: ["Env": "prod"]) == "prod-api")
        #expect(try title("!If [Both, both, neither]", extra: conditions) == "both")
        let unknown = errors("!If [Missing, a, b]")
        #expect(unknown.first?.message.hasPrefix("unknown condition 'Missing': pass --parameter Missing=true") == true, "\(unknown)")
    }

    @Test func noValueRemovesTheKeyOrItem() throws {
        let text = Self.document(title: "t", extra: """
        x-amazon-apigateway-binary-media-types:
          - image/png
          - !If [WithPDF, application/pdf, !Ref AWS::NoValue]
        """)
        let without = try RESTAPILoader.load(text: text, file: "api.yaml", parameters: ImportParameters(values: ["WithPDF": "false"]))
        #expect(without.binaryMediaTypes == ["image/png"])
        let with = try RESTAPILoader.load(text: text, file: "api.yaml", parameters: ImportParameters(values: ["WithPDF": "true"]))
        #expect(with.binaryMediaTypes == ["image/png", "application/pdf"])
    }

    @Test func importValueFromAParameterOrAWarning() throws {
        #expect(try title("!ImportValue shared-api-name", parameters: ["shared-api-name": "shared"]) == "shared")
        let api = try RESTAPILoader.load(text: Self.document(title: #"{"Fn::ImportValue": shared-api-name}"#), file: "api.yaml")
        #expect(api.title == "shared-api-name")
        let warning = api.diagnostics.first { $0.message.hasPrefix("Fn::ImportValue 'shared-api-name'") }
        #expect(warning?.severity == .warning)
        #expect(warning?.location == "api.yaml:4:30")
    }

    @Test func findInMapAndBase64() throws {
        let mappings = "Mappings:\n  Stages:\n    dev: {Name: development}"
        #expect(try title("!FindInMap [Stages, dev, Name]", extra: mappings) == "development")
        #expect(try title("!Base64 hello") == "aGVsbG8=")
        #expect(errors("!FindInMap [Stages, prod, Name]", extra: mappings).first?.message.contains("cannot find Stages.prod.Name") == true)
    }

    @Test func unresolvableReferencesNameTheReferenceAndWhereItIs() {
        let sub = errors(#"!Sub "https://${ReportingApi}.execute-api.${AWS::Region}.amazonaws.com""#)
        #expect(sub.map(\.location) == ["api.yaml:4:10"], "\(sub)")
        #expect(sub.first?.message.hasPrefix("cannot resolve '${ReportingApi}' in Fn::Sub") == true)
        #expect(sub.first?.message.contains("--parameter ReportingApi=VALUE") == true)
        let ref = errors("{Ref: ApiKeyValue}")
        #expect(ref.map(\.location) == ["api.yaml:4:16"], "\(ref)")
        #expect(ref.first?.message.hasPrefix("cannot resolve Ref 'ApiKeyValue'") == true)
        let unclosed = errors(#"!Sub "${AWS::Region""#)
        #expect(unclosed.first?.message.hasPrefix("Fn::Sub string has an unclosed '${'") == true)
        let unsupported = errors("!GetAZs us-east-1")
        #expect(unsupported.first?.message.hasPrefix("not supported by the emulator yet: intrinsic function Fn::GetAZs; replace it with its value") == true)
        let badShape = errors("!Join [only-one]")
        #expect(badShape.first?.message == "Fn::Join takes [delimiter, [values]]")
    }

    @Test func importVariablesInPlainStringsLikeAPIGatewaysImport() throws {
        let text = """
        openapi: 3.0.1
        info: {title: "tasks-${AWS::Region}", version: "1"}
        paths:
          /:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:Tasks/invocations
          /vtl:
            post:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: '#set($x = "${AWS::StackName}")${x}{"statusCode": 200}'
                responses:
                  default: {statusCode: "200"}
        """
        let api = try RESTAPILoader.load(text: text, file: "vars.yaml")
        #expect(api.title == "tasks-us-east-1")
        #expect(api.referencedFunctionNames == ["Tasks"])
        // `${AWS::StackName}` is not an import variable: a plain string keeps it (here it is a template's own text).
        #expect(api.diagnostics.isEmpty, "\(api.diagnostics)")
    }

    @Test func aJSONSchemaPropertyNamedRefIsNotAnIntrinsic() throws {
        let extra = """
        components:
          schemas:
            Item:
              type: object
              properties:
                Ref: {type: string}
        """
        _ = try title("t", extra: extra)
    }

    @Test func httpAPIsResolveTheSameWay() throws {
        let text = """
        openapi: 3.0.1
        info: {title: !Sub "${AWS::StackName}-http", version: "1"}
        paths:
          /orders:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: "2.0"
                uri: !GetAtt OrdersFunction.Arn
        x-amazon-apigateway-importexport-version: "1.0"
        """
        let api = try HTTPAPILoader.load(text: text, file: "http.yaml")
        #expect(api.title == "gatecheck-http")
        #expect(api.referencedFunctions == ["OrdersFunction"])
    }
}
