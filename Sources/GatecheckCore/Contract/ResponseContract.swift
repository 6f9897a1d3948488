import Foundation
import Gateway
import HTTPMessage
import JSONCore
import JSONSchema
import SourceDiagnostics

/// Checks responses against what the suite's API definition declares (`matchesDefinition: true`, `--check-definition`):
/// the status is a declared method response of the method the request reaches (by the definition's own routing), the
/// headers that method response declares are present, and the body validates against the response model declared for
/// its media type (JSON Schema draft 4, `JSONSchemaValidator`). The same check for the embedded emulator and for a
/// deployed stage: only the definition and the bytes received are used.
public struct ResponseContract: Sendable {
    /// The definition file, as the suite names it (in messages).
    public let file: String
    let api: APIDefinition

    public init(api: APIDefinition, file: String) {
        self.api = api
        self.file = file
    }

    /// How many violations of a body's model are listed under one failure.
    static let violationLimit = 10

    /// The failures of one response (empty when it matches the definition). `path` is relative to the stage, as sent.
    public func failures(method: String, path: String, response: HTTPResponse) -> [AssertionFailure] {
        guard let declared = api.declaredResponses(method: method, path: path) else {
            return [AssertionFailure("matchesDefinition: no \(api.kind == .rest ? "method" : "route") of \(file) matches \(method.uppercased()) \(path); got status \(response.status)",
                                     details: ["the response came from the gateway itself (a missing route), not from a declared method"])]
        }
        guard let methodResponse = declared.response(for: response.status) else {
            let statuses = declared.responses.map(\.statusCode)
            return [AssertionFailure("matchesDefinition: status \(response.status) is not a declared \(api.kind == .rest ? "method response" : "response") of \(declared.methodKey)",
                                     details: [statuses.isEmpty ? "\(file) declares no \(api.kind == .rest ? "method responses" : "responses") for it"
                                                                : "declared: \(statuses.joined(separator: ", "))"])]
        }
        let where_ = "\(declared.methodKey) response \(methodResponse.statusCode == "default" ? "default (\(response.status))" : methodResponse.statusCode)"
        var failures: [AssertionFailure] = []
        let missing = methodResponse.headers.filter { !response.headers.contains($0) }
        if !missing.isEmpty {
            failures.append(AssertionFailure("matchesDefinition: \(where_) declares the header\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")), missing from the response"))
        }
        if let failure = bodyFailure(methodResponse, declared: declared, where: where_, response: response) { failures.append(failure) }
        return failures
    }

    private func bodyFailure(_ methodResponse: MethodResponse, declared: DeclaredResponses, where where_: String,
                             response: HTTPResponse) -> AssertionFailure? {
        guard !methodResponse.bodySchemas.isEmpty else { return nil }
        let received = response.headers["Content-Type"].map(Self.mediaType)
        let chosen: (contentType: String, schema: JSONValue)
        if let match = methodResponse.bodySchemas.first(where: { $0.contentType == received }) {
            chosen = match
        } else if received == nil, methodResponse.bodySchemas.count == 1 {
            chosen = methodResponse.bodySchemas[0]
        } else {
            return AssertionFailure("matchesDefinition: \(where_) declares no model for Content-Type \(received ?? "(none)")",
                                    details: ["declared: \(methodResponse.bodySchemas.map(\.contentType).joined(separator: ", "))"])
        }
        if Self.isEmptyModel(chosen.schema) { return nil }
        let model = Self.modelName(chosen.schema).map { "model \($0)" } ?? "schema"
        let summary = "matchesDefinition: the body does not match the \(chosen.contentType) \(model) of \(where_)"
        guard !response.body.isEmpty else { return AssertionFailure(summary, details: ["the body is empty"]) }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes: response.body) } catch {
            return AssertionFailure(summary, details: ["the body is not JSON: \(error)"])
        }
        let violations = JSONSchemaValidator(models: declared.models).violations(of: chosen.schema, by: document, limit: Self.violationLimit)
        guard !violations.isEmpty else { return nil }
        return AssertionFailure(summary, details: violations.map(\.message))
    }

    /// `application/json; charset=utf-8` -> `application/json`.
    static func mediaType(_ value: String) -> String {
        String(value.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The name of a model referenced by `$ref` (`#/components/schemas/Item`, an API Gateway model URL).
    static func modelName(_ schema: JSONValue) -> String? {
        guard case let .object(keywords) = schema, case let .string(reference)? = keywords["$ref"] else { return nil }
        return reference.split(separator: "/").last.map(String.init)
    }

    /// API Gateway's `Empty` model is the placeholder for "no model": a response declared with it is not checked.
    static func isEmptyModel(_ schema: JSONValue) -> Bool { modelName(schema) == "Empty" }

    /// Why a case cannot be checked when its suite has no definition.
    static let noDefinition = "the suite has no API definition to check the response against: add `api:` (or `template:`) to the suite or pass --api FILE"

    /// Why the definition could not be loaded.
    struct LoadProblem: Error, Sendable {
        var message: String
    }

    /// The contract of a suite: `definitionPath` (`--api`) when given, else the suite's `api:` or the API of its
    /// `template:`, loaded as the embedded emulator loads it (import parameters, `apiType`, `--fail-on-warnings`).
    static func load(for suite: Suite, definitionPath: String?, emulator: EmbeddedEmulator) -> Result<ResponseContract, LoadProblem> {
        var subject = suite
        if let definitionPath {
            subject.api = definitionPath
            if definitionPath != suite.api { subject.apiType = nil }
            subject.template = nil
        }
        guard let path = subject.api ?? subject.template else { return .failure(LoadProblem(message: noDefinition)) }
        do throws(DiagnosticsError) {
            let api = try EmulatorLauncher.loadAPI(try emulator.spec(for: subject))
            return .success(ResponseContract(api: api, file: path))
        } catch {
            let reasons = error.diagnostics.filter { $0.severity == .error }.map(\.description)
            return .failure(LoadProblem(message: "cannot load the API definition \(path): " + (reasons.isEmpty ? "\(error)" : reasons.joined(separator: "; "))))
        }
    }

    /// `url` relative to `baseURL` (its path, query and fragment removed), or nil when `url` is not under it.
    static func relativePath(of url: String, to baseURL: String) -> String? {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard url.hasPrefix(base) else { return nil }
        var path = String(url.dropFirst(base.count))
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<end]) }
        guard path.isEmpty || path.hasPrefix("/") else { return nil }
        return path.isEmpty ? "/" : path
    }
}
