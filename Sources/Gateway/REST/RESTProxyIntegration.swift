import Foundation
import HTTPMessage
import JSONCore

/// The Lambda proxy (AWS_PROXY) event of a REST API, field for field as API Gateway sends it (rule book §10).
enum RESTProxyEvent {
    static func make(_ exchange: RESTGateway.Exchange, api: RESTAPIDefinition, context: JSONValue) -> JSONValue {
        let request = exchange.request
        // headers: last value wins; multiValueHeaders: every value. Client casing kept, any-case Authorization normalised.
        var single: [(String, JSONValue)] = []
        var multi: [(String, [JSONValue])] = []
        for field in request.headers where !headersDroppedFromProxyEvent.contains(field.name.lowercased()) {
            let name = field.name.lowercased() == "authorization" ? "Authorization" : field.name
            if let index = multi.firstIndex(where: { $0.0.lowercased() == name.lowercased() }) {
                multi[index].1.append(.string(field.value))
                single[index].1 = .string(field.value)
            } else {
                multi.append((name, [.string(field.value)]))
                single.append((name, .string(field.value)))
            }
        }
        var query: [(String, JSONValue)] = []
        var multiQuery: [(String, [JSONValue])] = []
        for (name, value) in exchange.queryParameters {
            if let index = multiQuery.firstIndex(where: { $0.0 == name }) {
                multiQuery[index].1.append(.string(value))
                query[index].1 = .string(value)
            } else {
                multiQuery.append((name, [.string(value)]))
                query.append((name, .string(value)))
            }
        }
        let pathParameters = exchange.pathParameters
        let stageVariables = exchange.sortedStageVariables
        var body: JSONValue = .null
        var isBase64 = false
        if !request.body.isEmpty {
            let contentType = request.headers["Content-Type"].map(mediaType) ?? ""
            if isBinaryMediaType(contentType, binaryMediaTypes: api.binaryMediaTypes) {
                body = .string(Data(request.body).base64EncodedString())
                isBase64 = true
            } else {
                body = .string(String(decoding: request.body, as: UTF8.self))
            }
        }
        return jsonObject([
            ("resource", .string(exchange.method?.resourcePath ?? "")),
            ("path", .string(exchange.eventPath)),
            ("httpMethod", .string(request.method)),
            ("headers", single.isEmpty ? .null : jsonObject(single)),
            ("multiValueHeaders", multi.isEmpty ? .null : jsonObject(multi.map { ($0.0, .array($0.1)) })),
            ("queryStringParameters", query.isEmpty ? .null : jsonObject(query)),
            ("multiValueQueryStringParameters", multiQuery.isEmpty ? .null : jsonObject(multiQuery.map { ($0.0, .array($0.1)) })),
            ("pathParameters", pathParameters.isEmpty ? .null : jsonObject(pathParameters.map { ($0.0, .string($0.1)) })),
            ("stageVariables", stageVariables.isEmpty ? .null : jsonObject(stageVariables.map { ($0.0, .string($0.1)) })),
            ("requestContext", context),
            ("body", body),
            ("isBase64Encoded", .bool(isBase64)),
        ])
    }
}

/// A Lambda proxy function's output, validated the way API Gateway does (rule book §10).
struct RESTProxyOutput {
    var statusCode: Int
    /// multiValueHeaders first, then headers, merged case-insensitively with identical pairs de-duplicated.
    var headers: [HTTPHeaderField]
    var body: String
    var isBase64Encoded: Bool

    struct Malformed: Error {
        var reason: String
    }

    private static let allowedKeys: Set<String> = ["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"]

    static func parse(_ payload: [UInt8]) throws(Malformed) -> RESTProxyOutput {
        guard let json = try? JSONValue.parse(bytes: payload) else { throw Malformed(reason: "the output is not JSON") }
        guard case let .object(object) = json else { throw Malformed(reason: "the output is not a JSON object") }
        if let unknown = object.keys.first(where: { !allowedKeys.contains($0) }) {
            throw Malformed(reason: "unexpected key '\(unknown)' (allowed: statusCode, headers, multiValueHeaders, body, isBase64Encoded)")
        }
        var status = 200
        switch object["statusCode"] {
        case nil, .null?: break
        case let .int(code)?: status = Int(code)
        case let .double(code)?:
            guard let exact = Int(exactly: code) else { throw Malformed(reason: "statusCode \(code) is not an integer") }
            status = exact
        case let .string(text)?:
            guard let code = Int(text) else { throw Malformed(reason: "statusCode '\(text)' is not a number") }
            status = code
        default: throw Malformed(reason: "statusCode is not a number")
        }
        guard (100...599).contains(status) else { throw Malformed(reason: "statusCode \(status) is not an HTTP status") }

        func text(_ value: JSONValue, _ what: String) throws(Malformed) -> String? {
            switch value {
            case let .string(string): return string
            case let .bool(flag): return flag ? "true" : "false"
            case let .int(number): return String(number)
            case let .double(number): return String(number)
            case .null: return nil
            default: throw Malformed(reason: "\(what) is not a scalar")
            }
        }
        var fields: [HTTPHeaderField] = []
        switch object["multiValueHeaders"] {
        case nil, .null?: break
        case let .object(headers)?:
            for (name, values) in headers {
                guard case let .array(items) = values else { throw Malformed(reason: "multiValueHeaders.\(name) is not a list") }
                for item in items {
                    if let value = try text(item, "multiValueHeaders.\(name)") { fields.append(HTTPHeaderField(name: name, value: value)) }
                }
            }
        default: throw Malformed(reason: "multiValueHeaders is not an object")
        }
        switch object["headers"] {
        case nil, .null?: break
        case let .object(headers)?:
            for (name, value) in headers {
                guard let value = try text(value, "headers.\(name)") else { continue }
                let existing = fields.filter { $0.name.lowercased() == name.lowercased() }
                if existing.contains(where: { $0.value == value }) { continue }
                fields.append(HTTPHeaderField(name: existing.first?.name ?? name, value: value))
            }
        default: throw Malformed(reason: "headers is not an object")
        }
        var body = ""
        switch object["body"] {
        case nil, .null?: break
        case let .string(text)?: body = text
        default: throw Malformed(reason: "body is not a string")
        }
        var isBase64 = false
        switch object["isBase64Encoded"] {
        case nil, .null?: break
        case let .bool(flag)?: isBase64 = flag
        default: throw Malformed(reason: "isBase64Encoded is not a boolean")
        }
        return RESTProxyOutput(statusCode: status, headers: fields, body: body, isBase64Encoded: isBase64)
    }
}
