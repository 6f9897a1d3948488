import CurlHTTP
import Foundation
import Gateway
import HTTPMessage
import JSONCore
import SigV4

/// How one AWS service (`services:` in a backends file) is provided.
public enum ServiceDefinition: Sendable {
    /// An AWS-compatible endpoint (`endpoint: http://127.0.0.1:5000`: moto's server, LocalStack, DynamoDB Local):
    /// requests are SigV4-signed and sent there.
    case endpoint(String)
    /// Declarative answers (`script:`).
    case scripted([ServiceRule])
}

/// The credentials service requests are signed with: the standard variables `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) of the emulator's environment, else moto's and LocalStack's
/// conventional `testing`/`testing` (API Gateway would assume the integration's `credentials` role, which cannot
/// be done locally).
public enum ServiceCredentials {
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> AWSCredentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
        }
        return AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing")
    }
}

/// Sends each service request to an AWS-compatible endpoint, signed with SigV4 for the request's service and
/// region (the endpoint tells services apart by the signature's credential scope, as moto's server does).
public struct ServiceEndpointBackend: ServiceBackend {
    /// Base URL without a trailing slash (`http://127.0.0.1:5000`).
    public var endpoint: String
    public var credentials: AWSCredentials
    private let client: CurlHTTPClient

    public init(endpoint: String, credentials: AWSCredentials, client: CurlHTTPClient) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.credentials = credentials
        self.client = client
    }

    /// The request as it goes on the wire: the endpoint's URL, `X-Amz-Date` and `Authorization` added.
    public func signed(_ request: ServiceRequest, date: Date = Date()) throws(SigV4Error) -> SignableRequest {
        var signable = SignableRequest(method: request.method, url: endpoint + request.pathAndQuery, headers: request.headers, body: request.body)
        let signer = SigV4Signer(credentials: credentials, region: request.region, service: request.service)
        try signer.sign(&signable, date: date)
        return signable
    }

    public func send(_ request: ServiceRequest) async -> Result<UpstreamResponse, UpstreamError> {
        let signable: SignableRequest
        do { signable = try signed(request) } catch { return .failure(.unreachable("cannot sign the \(request.service) request: \(error)")) }
        let outgoing = HTTPRequest(method: signable.method, url: signable.url, headers: signable.headers,
                                   body: signable.body.isEmpty ? nil : signable.body,
                                   timeout: .milliseconds(max(1, request.timeoutMilliseconds)))
        return await client.upstreamResponse(to: outgoing, doing: "calling the \(request.service) endpoint \(endpoint)")
    }
}

/// One rule of a scripted service: conditions on the request and the answer to give.
public struct ServiceRule: Sendable {
    /// The action (`SendMessage`): the uri's `action/`, the `X-Amz-Target` suffix or the `Action` parameter.
    public var action: ValueTest?
    /// A test on the request path (`/123456789012/orders` for `path/` integrations).
    public var path: ValueTest?
    /// A test on the request body as text.
    public var body: ValueTest?
    /// Tests on the JSON request body, by JSONPath (`$.TableName`).
    public var json: [(path: JSONPath, test: ValueTest)]
    public var response: UpstreamResponse
    public var location: String

    public init(action: ValueTest? = nil, path: ValueTest? = nil, body: ValueTest? = nil, json: [(path: JSONPath, test: ValueTest)] = [],
                response: UpstreamResponse, location: String = "") {
        self.action = action
        self.path = path
        self.body = body
        self.json = json
        self.response = response
        self.location = location
    }

    func matches(_ request: ServiceRequest, action requestAction: String?) -> Bool {
        if let action, !action.accepts(requestAction.map { [.string($0)] } ?? []) { return false }
        if let path {
            let requestPath = String(request.pathAndQuery.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            if !path.accepts([.string(requestPath)]) { return false }
        }
        if let body, !body.accepts([.string(String(decoding: request.body, as: UTF8.self))]) { return false }
        if !json.isEmpty {
            let document = try? JSONValue.parse(bytes: request.body)
            for (path, test) in json {
                let values = document.map { path.select(in: $0) } ?? []
                if !test.accepts(values) { return false }
            }
        }
        return true
    }
}

/// A service whose answers are a list of rules; the first matching rule answers. No rule matching answers 400
/// with a JSON explanation (so the case fails visibly).
public struct ScriptedService: ServiceBackend {
    public var service: String
    public var rules: [ServiceRule]

    public init(service: String, rules: [ServiceRule]) {
        self.service = service
        self.rules = rules
    }

    /// The action of a request: the integration's, else the `X-Amz-Target` suffix, else an `Action` parameter of
    /// the query string or a form body.
    static func action(of request: ServiceRequest) -> String? {
        if let action = request.action { return action }
        if let target = request.headers["X-Amz-Target"], let dot = target.lastIndex(of: ".") { return String(target[target.index(after: dot)...]) }
        var pairs: [Substring] = []
        if let mark = request.pathAndQuery.firstIndex(of: "?") { pairs += request.pathAndQuery[request.pathAndQuery.index(after: mark)...].split(separator: "&") }
        pairs += String(decoding: request.body, as: UTF8.self).split(separator: "&")
        for pair in pairs where pair.hasPrefix("Action=") { return String(pair.dropFirst("Action=".count)) }
        return nil
    }

    public func send(_ request: ServiceRequest) async -> Result<UpstreamResponse, UpstreamError> {
        let action = Self.action(of: request)
        guard let rule = rules.first(where: { $0.matches(request, action: action) }) else {
            let message = "no scripted rule of service '\(service)' matches action \(action ?? "(none)") \(request.method) \(request.pathAndQuery)"
            let body = #"{"__type":"gatecheck#NoMatchingRule","message":"# + JSONValue.string(message).serialized(.compact) + "}"
            return .success(UpstreamResponse(status: 400, headers: ["Content-Type": "application/json"], body: Array(body.utf8)))
        }
        return .success(rule.response)
    }
}
