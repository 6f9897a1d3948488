import HTTPMessage
import JSONCore

/// One request API Gateway sends to an AWS service for an `AWS` integration (REST) or an `integrationSubtype`
/// (HTTP API), before it is signed: the service backend adds the endpoint, the signature and sends it.
public struct ServiceRequest: Sendable {
    /// The service as the integration names it (`sqs`, `dynamodb`, `events`, ...), lower-cased; also the SigV4
    /// signing name.
    public var service: String
    /// The action (`SendMessage`, `PutItem`) for `action/` integrations and subtypes; nil for `path/` ones.
    public var action: String?
    /// The region of the integration ARN (`arn:aws:apigateway:{region}:...`); the signing region.
    public var region: String
    public var method: String
    /// Path and query, starting with `/` (`/123456789012/orders`, `/?Action=SendMessage`).
    public var pathAndQuery: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var timeoutMilliseconds: Int

    public init(service: String, action: String?, region: String, method: String, pathAndQuery: String,
                headers: HTTPHeaders, body: [UInt8], timeoutMilliseconds: Int = 29_000) {
        self.service = service
        self.action = action
        self.region = region
        self.method = method
        self.pathAndQuery = pathAndQuery
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// Something that answers AWS service requests: a real AWS-compatible endpoint (moto, LocalStack, DynamoDB
/// Local) or scripted answers (`services:` in a backends file).
public protocol ServiceBackend: Sendable {
    func send(_ request: ServiceRequest) async -> Result<UpstreamResponse, UpstreamError>
}

/// How a service's API expects its requests (AWS SDK service models, `metadata.protocol`): `json` services take
/// `POST /` with `X-Amz-Target: {targetPrefix}.{Action}` and `Content-Type: application/x-amz-json-{version}`;
/// `query` services take `Action={Action}` as a parameter; the rest (`rest-json`, `rest-xml`: S3, ...) are
/// addressed by path (`path/...` integrations).
enum AWSServiceProtocol: Equatable {
    case json(targetPrefix: String, version: String)
    case query
    case rest

    /// The protocol of `service` (the uri's service part, lower-cased).
    static func of(_ service: String) -> AWSServiceProtocol {
        switch service {
        case "dynamodb": return .json(targetPrefix: "DynamoDB_20120810", version: "1.0")
        case "kinesis": return .json(targetPrefix: "Kinesis_20131202", version: "1.1")
        case "events": return .json(targetPrefix: "AWSEvents", version: "1.1")
        case "states": return .json(targetPrefix: "AWSStepFunctions", version: "1.0")
        case "firehose": return .json(targetPrefix: "Firehose_20150804", version: "1.1")
        case "logs": return .json(targetPrefix: "Logs_20140328", version: "1.1")
        case "sqs", "sns", "sts", "ec2", "cloudformation", "monitoring": return .query
        default: return .rest
        }
    }
}

/// Builds the service request of an AWS integration and sends it to the service backend the backends file maps
/// for that service (`services: { sqs: { endpoint: ... } }`), with the integration timeout.
public struct ServiceIntegrationCaller: Sendable {
    let backends: BackendRegistry

    public init(backends: BackendRegistry) {
        self.backends = backends
    }

    /// The request of a REST `AWS` integration: `uri` is `arn:aws:apigateway:{region}:{service}:action/{Action}`
    /// or `...:{service}:path/{path}` (stage variables substituted). `action/` integrations go to `/` (query
    /// services get `Action={Action}` first in the query string, JSON services the `X-Amz-Target` header and
    /// their `Content-Type` unless the integration maps one); `path/` integrations go to `/{path}` with `{name}`
    /// placeholders filled from `integration.request.path.*`. Mapped headers and query parameters are added;
    /// the body is the rendered request template.
    public static func restRequest(uri: String, method: String, headers mappedHeaders: [(String, String)], query: [(String, String)],
                            path mappedPath: [String: String], body: [UInt8], contentType: String?,
                            timeoutMilliseconds: Int) -> ServiceRequest? {
        let parts = uri.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        let region = String(parts[3])
        let service = parts[4].lowercased()
        let operation = String(parts[5])
        let serviceProtocol = AWSServiceProtocol.of(service)
        var headers = HTTPHeaders([("Accept", "application/json")])
        var action: String?
        var path = "/"
        var queryItems: [(String, String)] = []
        if operation.hasPrefix("action/") {
            let name = String(operation.dropFirst("action/".count))
            action = name
            switch serviceProtocol {
            case let .json(prefix, version):
                headers.replaceOrAdd(name: "X-Amz-Target", value: "\(prefix).\(name)")
                headers.replaceOrAdd(name: "Content-Type", value: "application/x-amz-json-\(version)")
            case .query, .rest:
                queryItems.append(("Action", name))
                if !body.isEmpty { headers.replaceOrAdd(name: "Content-Type", value: contentType ?? "application/json") }
            }
        } else if operation.hasPrefix("path/") {
            var rest = String(operation.dropFirst("path/".count))
            for (name, value) in mappedPath {
                rest = rest.replacingOccurrences(of: "{\(name)}", with: value)
            }
            path = "/" + rest
            if !body.isEmpty { headers.replaceOrAdd(name: "Content-Type", value: contentType ?? "application/json") }
        } else {
            return nil
        }
        for (name, value) in mappedHeaders { headers.replaceOrAdd(name: name, value: value) }
        queryItems += query
        if !queryItems.isEmpty {
            path += "?" + queryItems.map { "\(URLCoding.encodeQueryComponent($0.0, rules: .restAPI))=\(URLCoding.encodeQueryComponent($0.1, rules: .restAPI))" }
                .joined(separator: "&")
        }
        return ServiceRequest(service: service, action: action, region: region, method: method, pathAndQuery: path,
                              headers: headers, body: body, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The request of an HTTP API `integrationSubtype` (`SQS-SendMessage`, `EventBridge-PutEvents`,
    /// `Kinesis-PutRecord`, `StepFunctions-StartExecution`, ...) with its evaluated `requestParameters`: SQS actions
    /// as a form-encoded query-protocol body (`Action=SendMessage&QueueUrl=...&MessageBody=...`); the JSON services
    /// with `X-Amz-Target` and the action's JSON body: EventBridge's one-entry `{"Entries": [...]}`, Kinesis's
    /// parameters as they are named, Step Functions' with a lower-case first letter (`stateMachineArn`, `input`).
    /// `Region` picks the signing region (default us-east-1) and is not sent. Nil for a subtype not served.
    public static func subtypeRequest(_ subtype: String, parameters: [(String, String)], timeoutMilliseconds: Int) -> ServiceRequest? {
        let pieces = subtype.split(separator: "-", maxSplits: 1).map(String.init)
        guard pieces.count == 2 else { return nil }
        let action = pieces[1]
        let region = parameters.last { $0.0 == "Region" }?.1 ?? EmulatorEnvironment.region
        let fields = parameters.filter { $0.0 != "Region" }
        func jsonObject(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { JSONValue.string($0.0).serialized(.compact) + ":" + jsonField($0.0, $0.1) }.joined(separator: ",") + "}"
        }
        func jsonField(_ name: String, _ value: String) -> String {
            // List-valued fields take a JSON array as written, or one string.
            if name == "Resources" {
                if case .array? = try? JSONValue.parse(value) { return value }
                return "[" + JSONValue.string(value).serialized(.compact) + "]"
            }
            return JSONValue.string(value).serialized(.compact)
        }
        let service: String
        var headers = HTTPHeaders([("Accept", "application/json")])
        let body: String
        switch pieces[0] {
        case "SQS":
            service = "sqs"
            headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            body = ([("Action", action)] + fields).map {
                "\(URLCoding.encodeQueryComponent($0.0, rules: .restAPI))=\(URLCoding.encodeQueryComponent($0.1, rules: .restAPI))"
            }.joined(separator: "&")
        case "EventBridge", "Kinesis", "StepFunctions":
            service = pieces[0] == "EventBridge" ? "events" : pieces[0] == "Kinesis" ? "kinesis" : "states"
            guard case let .json(prefix, version) = AWSServiceProtocol.of(service) else { return nil }
            headers.add(name: "X-Amz-Target", value: "\(prefix).\(action)")
            headers.add(name: "Content-Type", value: "application/x-amz-json-\(version)")
            switch service {
            case "events": body = #"{"Entries":["# + jsonObject(fields) + "]}"
            case "states": body = jsonObject(fields.map { (($0.0.first.map { String($0).lowercased() } ?? "") + $0.0.dropFirst(), $0.1) })
            default: body = jsonObject(fields)
            }
        default:
            return nil
        }
        return ServiceRequest(service: service, action: action, region: region, method: "POST", pathAndQuery: "/",
                              headers: headers, body: Array(body.utf8), timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Sends `request` to the backend mapped for its service.
    func send(_ request: ServiceRequest) async -> Result<UpstreamResponse, IntegrationCallFailure> {
        guard let backend = backends.service(named: request.service) else {
            return .failure(.noBackend("no backend is registered for service '\(request.service)' (add it under 'backends: services:')"))
        }
        guard let result = await IntegrationDeadline.run(milliseconds: request.timeoutMilliseconds, { await backend.send(request) }) else {
            return .failure(.timedOut)
        }
        switch result {
        case let .success(response): return .success(response)
        case .failure(.timedOut): return .failure(.timedOut)
        case let .failure(.unreachable(reason)): return .failure(.unreachable(reason))
        }
    }
}
