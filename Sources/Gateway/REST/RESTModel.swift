import Foundation
import JSONCore
import SourceDiagnostics

/// A REST API loaded from an OpenAPI 3.0 document with API Gateway's extensions, compiled once:
/// routes in a trie, selection patterns as regular expressions, mapping templates parsed.
public struct RESTAPIDefinition: Sendable {
    /// `info.title` of the document.
    public var title: String
    /// The file the API was read from, as shown in diagnostics.
    public var file: String
    /// A stable 10-character id derived from the title, used where AWS shows the API id
    /// (`requestContext.apiId`, `User-Agent: AmazonAPIGateway_<id>`).
    public var apiID: String
    /// Every resource (path) with its methods, in document order.
    public var resources: [RESTResource]
    /// `x-amazon-apigateway-gateway-responses`, by response type.
    public var gatewayResponses: [GatewayResponseType: GatewayResponseCustomization]
    /// `x-amazon-apigateway-binary-media-types`.
    public var binaryMediaTypes: [String]
    /// The stage named by the export's `servers[0].variables.basePath.default` (`/prod` -> `prod`), if any:
    /// a sensible default for `--stage` when serving an exported API.
    public var exportedStageName: String?
    /// Request models (`components.schemas`) by name, for request validation.
    public var models: [String: JSONValue]
    /// Lambda authorizers by security scheme name.
    public var authorizers: [String: LambdaAuthorizer] = [:]
    /// Cognito user pool authorizers by security scheme name.
    public var cognitoAuthorizers: [String: JWTAuthorizer] = [:]
    /// `x-amazon-apigateway-api-key-source`: where the API key of a method that requires one comes from.
    public var apiKeySource: APIKeySource = .header
    /// Warnings found while loading (unsupported features, unknown extensions). Errors are thrown instead.
    public var diagnostics: [Diagnostic]

    var router: RESTRouter

    /// Lambda function names referenced by integration URIs whose function part does not depend on a
    /// stage variable (use `referencedFunctionNames(stageVariables:)` to resolve those as well).
    public var referencedFunctionNames: Set<String> { referencedFunctionNames(stageVariables: nil) }

    /// Lambda function names referenced by integration URIs, with `${stageVariables.x}` substituted from
    /// `stageVariables`; URIs that still depend on an unknown stage variable are left out when it is nil.
    public func referencedFunctionNames(stageVariables: [String: String]?) -> Set<String> {
        var names: Set<String> = authorizerFunctionNames
        if let stageVariables {
            for authorizer in authorizers.values where authorizer.functionName.contains("${stageVariables.") {
                let name = substituteStageVariables(in: authorizer.functionName, stageVariables)
                if !name.isEmpty, !name.contains("${") { names.insert(name) }
            }
        }
        for method in allMethods {
            guard case let .lambda(uri)? = method.integration.target else { continue }
            if uri.contains("${stageVariables."), stageVariables == nil { continue }
            if let function = LambdaFunctionReference.parse(invocationURI: substituteStageVariables(in: uri, stageVariables ?? [:])) {
                names.insert(function.name)
            }
        }
        return names
    }

    /// Hosts (`host` or `host:port`, lower-cased) of HTTP / HTTP_PROXY integration URIs, as `BackendRegistry.httpHosts` keys.
    public var referencedHTTPHosts: Set<String> { referencedHTTPHosts(stageVariables: nil) }

    /// Hosts of HTTP integration URIs, stage variables substituted (URIs needing unknown ones are skipped when nil).
    public func referencedHTTPHosts(stageVariables: [String: String]?) -> Set<String> {
        var hosts: Set<String> = []
        for method in allMethods {
            guard case let .http(uri)? = method.integration.target else { continue }
            if uri.contains("${stageVariables."), stageVariables == nil { continue }
            if let host = httpHostKey(of: substituteStageVariables(in: uri, stageVariables ?? [:]), rules: .restAPI) { hosts.insert(host) }
        }
        return hosts
    }

    /// Every method of every resource.
    public var allMethods: [RESTMethod] { resources.flatMap { $0.methods } }

    /// Lambda functions the authorizers invoke.
    public var authorizerFunctionNames: Set<String> { Set(authorizers.values.map(\.functionName).filter { !$0.contains("${") }) }
}

/// One resource (path) of a REST API.
public struct RESTResource: Sendable {
    /// The resource path as written, e.g. `/items/{id}` or `/{proxy+}`.
    public var path: String
    /// A stable 6-character id derived from the path (`requestContext.resourceId`).
    public var resourceID: String
    /// Methods in document order; `ANY` stands for `x-amazon-apigateway-any-method`.
    public var methods: [RESTMethod]
}

/// One method of a resource: its integration and declared method responses.
public struct RESTMethod: Sendable {
    /// `GET`, `POST`, ... or `ANY`.
    public var httpMethod: String
    public var resourcePath: String
    public var resourceID: String
    public var integration: Integration
    /// The request validator attached to the method (its own or the API's default), with what it checks; nil when none.
    public var validation: RequestValidation?
    /// Declared method responses by status code.
    public var methodResponses: [String: MethodResponse]
    /// `AWS_IAM` when the operation's `security` names a SigV4 scheme (see RESTIAMAuthorization.swift).
    public var authorizationType: AuthorizationType = .none
    /// The Lambda authorizer (security scheme name) of a `CUSTOM` method.
    public var authorizerName: String?
    /// `authorizationScopes` of a `COGNITO_USER_POOLS` method (the list under the scheme name in `security`).
    public var authorizationScopes: [String] = []
    /// True when the method's `security` names an API key scheme (`type: apiKey`, `name: x-api-key`, `in: header`).
    public var apiKeyRequired = false
}

/// A method response: a status code, the headers it declares and its response models.
public struct MethodResponse: Sendable {
    public var statusCode: String
    /// Declared header names, as written.
    public var headers: [String]
    /// Response models (JSON Schema draft 4) by media type (lower-cased), in document order: `content.<type>.schema`
    /// (OpenAPI 3) or a Swagger 2.0 `schema` for each `produces` type.
    public var bodySchemas: [(contentType: String, schema: JSONValue)] = []

    public init(statusCode: String, headers: [String], bodySchemas: [(contentType: String, schema: JSONValue)] = []) {
        self.statusCode = statusCode
        self.headers = headers
        self.bodySchemas = bodySchemas
    }

    public func declares(header name: String) -> Bool {
        headers.contains { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}

/// `x-amazon-apigateway-integration` of a method.
public struct Integration: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case aws = "AWS"
        case awsProxy = "AWS_PROXY"
        case http = "HTTP"
        case httpProxy = "HTTP_PROXY"
        case mock = "MOCK"
    }

    /// What the integration calls.
    public enum Target: Sendable, Equatable {
        /// A Lambda invocation URI (`arn:aws:apigateway:...:lambda:path/2015-03-31/functions/.../invocations`),
        /// CloudFormation substitutions applied, stage variables not yet.
        case lambda(String)
        /// An absolute http(s) URL, stage variables not yet substituted.
        case http(String)
        /// An AWS service integration other than Lambda (`arn:aws:apigateway:{region}:{service}:action/{Action}` or
        /// `...:path/{path}`), stage variables not yet substituted; served by the `services:` backends.
        case awsService(String)
    }

    /// Payload conversion (`contentHandling`) of non-proxy integrations; nil passes payloads as they are.
    public enum ContentHandling: String, Sendable {
        case convertToText = "CONVERT_TO_TEXT"
        case convertToBinary = "CONVERT_TO_BINARY"
    }

    public enum PassthroughBehavior: String, Sendable {
        case whenNoMatch = "WHEN_NO_MATCH"
        case whenNoTemplates = "WHEN_NO_TEMPLATES"
        case never = "NEVER"
    }

    public var kind: Kind
    public var target: Target?
    /// The integration's HTTP method (`httpMethod`), upper-cased; Lambda requires POST.
    public var httpMethod: String?
    /// Request templates by content type (lower-cased), in document order.
    var requestTemplates: [(contentType: String, template: GatewayTemplate)]
    /// `integration.request.*` targets with their source expressions, in document order.
    public var requestParameters: [(target: String, source: String)]
    public var passthroughBehavior: PassthroughBehavior
    /// Request payload conversion (`contentHandling` of the integration).
    public var contentHandling: ContentHandling?
    /// Integration responses in document (creation) order; the default one has `isDefault`.
    public var responses: [IntegrationResponse]
    public var timeoutMilliseconds: Int
    /// The function a Lambda integration whose URI has no stage variables invokes, parsed once when the
    /// definition is loaded (nil otherwise: then the URI is parsed per request, after substitution).
    var invokedFunction: LambdaFunctionReference? = nil

    /// True when the integration has request templates (they decide what a non-proxy backend receives).
    public var hasRequestTemplates: Bool { !requestTemplates.isEmpty }

    /// The Lambda function a Lambda integration invokes (stage variables not substituted), nil for other targets.
    public var lambdaFunctionName: String? {
        guard case let .lambda(uri)? = target else { return nil }
        return LambdaFunctionReference.parse(invocationURI: uri)?.name
    }

    /// True for an `AWS` integration to a service other than Lambda.
    public var isServiceIntegration: Bool {
        if case .awsService? = target { return true }
        return false
    }
}

/// One entry of `x-amazon-apigateway-integration.responses`.
public struct IntegrationResponse: Sendable {
    /// The key as written: a selection pattern, or `default`.
    public var selectionPattern: String
    var pattern: SelectionPattern?
    public var statusCode: String
    /// `method.response.header.X` targets with their source expressions, in document order.
    public var responseParameters: [(target: String, source: String)]
    var responseTemplates: [(contentType: String, template: GatewayTemplate)]
    /// Response payload conversion (`contentHandling` of the integration response).
    public var contentHandling: Integration.ContentHandling?

    /// True for the `default` entry (used when no pattern matches).
    public var isDefault: Bool { pattern == nil }
}

/// Which stage the emulator serves and its stage variables.
public struct StageSettings: Sendable {
    /// The stage name: the first path segment of every request (`/test/items`). Default `test`.
    public var name: String
    public var variables: [String: String]

    public init(name: String = "test", variables: [String: String] = [:]) {
        self.name = name
        self.variables = variables
    }
}
