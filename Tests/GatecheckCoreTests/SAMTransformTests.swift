import Foundation
import GatecheckCore
import JSONCore
import SourceDiagnostics
import Testing

/// The SAM transform worker: the real `aws-sam-translator` in a Python process, offline, cached.
@Suite struct SAMTransformTests {
    /// True when python3 can import the translator (scripts/install-deps.sh installs it).
    static let translatorAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["GATECHECK_PYTHON"] ?? "python3", "-c", "import samtranslator"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
    static let absent = "aws-sam-translator is not importable by python3 (run scripts/install-deps.sh): the SAM transform is not checked"

    @Test(.enabled(if: translatorAvailable, Comment(rawValue: absent)))
    func localCodeUriIncludeAndDefinitionUriAreReadFromDiskAndTheAnswerIsCached() throws {
        let workspace = Workspace()
        workspace.write("src/app.py", "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n")
        workspace.write("api/rest.yaml", """
            openapi: "3.0.1"
            info: { title: included, version: "1" }
            paths:
              /hello:
                get:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloFunction.Arn}/invocations"
            """)
        workspace.write("api/http.yaml", """
            openapi: "3.0.1"
            info: { title: by-uri, version: "1" }
            paths: {}
            """)
        let template = workspace.write("template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                CodeUri: src
                Runtime: python3.12
                Timeout: 7
            Resources:
              HelloFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: app.handler
              OtherFunction:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: app.handler
                  CodeUri: ./src/
              RestApi:
                Type: AWS::Serverless::Api
                Properties:
                  StageName: v1
                  DefinitionBody:
                    Fn::Transform:
                      Name: AWS::Include
                      Parameters: { Location: api/rest.yaml }
              HttpApi:
                Type: AWS::Serverless::HttpApi
                Properties:
                  DefinitionUri: api/http.yaml
            """)
        let cache = workspace.path + "/cache"
        let first = try SAMTransform.translate(path: template, cacheDirectory: cache)
        #expect(!first.fromCache)
        let folder = URL(fileURLWithPath: workspace.path + "/src").standardizedFileURL.path
        #expect(first.localCode == ["HelloFunction": folder, "OtherFunction": folder])
        let resources = first.cloudFormation["Resources"]
        #expect(resources?["HelloFunction"]?["Type"]?.stringValue == "AWS::Lambda::Function")
        #expect(resources?["HelloFunction"]?["Properties"]?["Timeout"] == .int(7))
        // The included body reached the transform: its path is in the RestApi's Body, its Fn::Sub in long form.
        let body = resources?["RestApi"]?["Properties"]?["Body"]
        #expect(body?["info"]?["title"]?.stringValue == "included")
        #expect(body?["paths"]?["/hello"]?["get"]?["x-amazon-apigateway-integration"]?["uri"]?["Fn::Sub"] != nil)
        #expect(resources?["RestApiv1Stage"]?["Properties"]?["StageName"]?.stringValue == "v1")
        #expect(resources?["HttpApi"]?["Properties"]?["Body"]?["info"]?["title"]?.stringValue == "by-uri")
        #expect(FileManager.default.fileExists(atPath: first.cloudFormationPath))

        let second = try SAMTransform.translate(path: template, cacheDirectory: cache)
        #expect(second.fromCache)
        #expect(second.cloudFormation == first.cloudFormation)
        #expect(second.localCode == first.localCode)
    }

    @Test(.enabled(if: translatorAvailable, Comment(rawValue: absent)))
    func aRejectedTemplateKeepsTheTranslatorsMessageAtTheResource() throws {
        let workspace = Workspace()
        let template = workspace.write("template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Broken:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
            """)
        do {
            _ = try SAMTransform.translate(path: template, cacheDirectory: workspace.path + "/cache")
            Issue.record("the transform accepted a function without code")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.file == template)
            #expect(diagnostic.line == 3)
            #expect(diagnostic.message.contains("Resource with id [Broken] is invalid"))
        }
    }

    @Test(.enabled(if: translatorAvailable, Comment(rawValue: absent)))
    func aMissingCodeFolderIsAnErrorAtItsLine() throws {
        let workspace = Workspace()
        let template = workspace.write("template.yaml", """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  CodeUri: nowhere
            """)
        #expect {
            try SAMTransform.translate(path: template, cacheDirectory: workspace.path + "/cache")
        } throws: { error in
            (error as? DiagnosticsError)?.diagnostics.first.map { $0.line == 8 && $0.message.contains("CodeUri 'nowhere' does not exist") } ?? false
        }
    }
}
