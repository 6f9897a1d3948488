import SourceDiagnostics
import Yams

/// Chooses the importer for a REST API document: Swagger 2.0 (`swagger: "2.0"`) goes through `Swagger2Importer`,
/// anything else is read as OpenAPI 3. API Gateway's REST import takes both (`aws apigateway import-rest-api`).
struct RESTDocumentImporter: DefinitionImporter {
    func importTree(_ root: Node, reader: YAMLReader) -> Node? {
        guard case let .mapping(top) = root, top["swagger"] != nil, top["openapi"] == nil else { return root }
        return Swagger2Importer().importTree(root, reader: reader)
    }
}

/// Reads a Swagger 2.0 document (as `aws apigateway get-export --export-type swagger` writes it, and as most SAM
/// templates embed it) into the OpenAPI 3 shaped tree the REST loader reads, so both formats compile into the same
/// `RESTAPIDefinition`:
///
/// - `definitions` become `components.schemas` (and `$ref: '#/definitions/X'` becomes `#/components/schemas/X`),
///   `securityDefinitions` become `components.securitySchemes` (`basic` -> `http`/`basic`, `oauth2` flows renamed);
/// - a `parameters` entry `in: body` becomes the operation's `requestBody`, one content entry per media type of
///   `consumes` (the operation's, else the document's, else `application/json`, as API Gateway's import does);
///   other parameters get their `type`/`format`/`items`/`enum` moved into `schema`; `$ref: '#/parameters/X'` and
///   `$ref: '#/responses/X'` are inlined;
/// - a response's `schema` becomes `content` for each media type of `produces`; its headers' types move into `schema`;
/// - `host`, `basePath` and `schemes` become `servers[0]` (`basePath` as the `basePath` server variable, like an
///   OpenAPI 3 export); every `x-amazon-apigateway-*` extension is kept where it is, exactly as in OpenAPI 3.
///
/// Values keep their source positions, so the loader's diagnostics point into the Swagger file. `formData`
/// parameters are ignored with a warning (API Gateway's import does not turn them into a model either).
struct Swagger2Importer: DefinitionImporter {
    func importTree(_ root: Node, reader: YAMLReader) -> Node? {
        guard case let .mapping(top) = root else { return root }
        var conversion = Conversion(reader: reader, top: top)
        return conversion.document(root)
    }
}

private let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"]
/// Keys of a Swagger 2.0 non-body parameter that describe its value and so move into an OpenAPI 3 `schema`.
private let parameterSchemaKeys: Set<String> = [
    "type", "format", "items", "collectionFormat", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf",
]

private struct Conversion {
    let reader: YAMLReader
    let top: Node.Mapping
    /// The document-wide `consumes` / `produces` (API Gateway's import defaults to `application/json`).
    let consumes: [String]
    let produces: [String]

    init(reader: YAMLReader, top: Node.Mapping) {
        self.reader = reader
        self.top = top
        consumes = Self.mediaTypes(top["consumes"]) ?? ["application/json"]
        produces = Self.mediaTypes(top["produces"]) ?? ["application/json"]
    }

    static func mediaTypes(_ node: Node?) -> [String]? {
        guard case let .sequence(items)? = node else { return nil }
        let types = items.compactMap(\.scalar?.string)
        return types.isEmpty ? nil : types
    }

    mutating func document(_ root: Node) -> Node {
        var pairs: [(Node, Node)] = []
        var components: [(Node, Node)] = []
        var componentsMark: Mark?
        var servers: Node?
        for (key, value) in top {
            guard let name = key.string else { pairs.append((key, value)); continue }
            switch name {
            case "swagger":
                if value.string != "2.0" {
                    reader.error("unsupported Swagger version '\(value.string ?? "?")': expected \"2.0\" (or an OpenAPI 3.0 document)", at: value)
                }
                pairs.append((renamed(key, "openapi"), .scalar(.init("3.0.1", Tag(.str), .plain, value.mark))))
            case "host", "schemes":
                continue
            case "basePath":
                servers = self.servers(basePath: value)
            case "consumes", "produces", "parameters", "responses":
                // Applied to (or inlined into) the operations below.
                continue
            case "definitions":
                componentsMark = componentsMark ?? key.mark
                components.append((renamed(key, "schemas"), rewritingReferences(value)))
            case "securityDefinitions":
                componentsMark = componentsMark ?? key.mark
                components.append((renamed(key, "securitySchemes"), securitySchemes(value)))
            case "paths":
                pairs.append((key, paths(value)))
            default:
                pairs.append((key, value))
            }
        }
        if let servers { pairs.append((.scalar(.init("servers", Tag(.str), .plain, servers.mark)), servers)) }
        if !components.isEmpty {
            pairs.append((.scalar(.init("components", Tag(.str), .plain, componentsMark)), .mapping(.init(components, Tag(.map), .any, componentsMark))))
        }
        return .mapping(.init(pairs, Tag(.map), .any, root.mark))
    }

    // MARK: pieces

    func renamed(_ key: Node, _ name: String) -> Node { .scalar(.init(name, Tag(.str), .plain, key.mark)) }

    /// `node` (a mapping of mappings, such as `paths` or `securityDefinitions`) with each entry's fields replaced by
    /// `convert`'s; entries that are not mappings, and `node` when it is not one, are kept as they are.
    func convertingEntries(of node: Node, _ convert: (_ fields: Node.Mapping) -> [(Node, Node)]) -> Node {
        guard case let .mapping(outer) = node else { return node }
        let converted = outer.map { key, value -> (Node, Node) in
            guard case let .mapping(fields) = value else { return (key, value) }
            return (key, .mapping(.init(convert(fields), fields.tag, fields.style, fields.mark)))
        }
        return .mapping(.init(converted, outer.tag, outer.style, outer.mark))
    }
    func scalar(_ text: String, at mark: Mark?) -> Node { .scalar(.init(text, Tag(.str), .plain, mark)) }
    func mapping(_ pairs: [(String, Node)], at mark: Mark?) -> Node {
        .mapping(.init(pairs.map { (scalar($0.0, at: mark), $0.1) }, Tag(.map), .any, mark))
    }

    /// `servers: [{url: "https://{host}{basePath}", variables: {basePath: {default: basePath}}}]`.
    func servers(basePath: Node) -> Node? {
        guard let path = basePath.string else { return nil }
        let scheme = Self.mediaTypes(top["schemes"])?.first ?? "https"
        let host = top["host"]?.string ?? "localhost"
        let server = mapping([
            ("url", scalar("\(scheme)://\(host)/{basePath}", at: basePath.mark)),
            ("variables", mapping([("basePath", mapping([("default", basePath)], at: basePath.mark))], at: basePath.mark)),
        ], at: basePath.mark)
        return .sequence(.init([server], Tag(.seq), .any, basePath.mark))
    }

    /// Every `$ref: '#/definitions/X'` under `node` as `#/components/schemas/X`.
    func rewritingReferences(_ node: Node) -> Node {
        switch node {
        case let .mapping(mapping):
            let pairs = mapping.map { key, value -> (Node, Node) in
                if key.string == "$ref", let text = value.string, text.hasPrefix("#/definitions/") {
                    return (key, .scalar(.init("#/components/schemas/" + text.dropFirst("#/definitions/".count), Tag(.str), .plain, value.mark)))
                }
                return (key, rewritingReferences(value))
            }
            return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
        case let .sequence(sequence):
            return .sequence(.init(sequence.map(rewritingReferences), sequence.tag, sequence.style, sequence.mark))
        default:
            return node
        }
    }

    /// `securityDefinitions` as OpenAPI 3 security schemes; extensions (`x-amazon-apigateway-authtype`,
    /// `x-amazon-apigateway-authorizer`) are kept.
    func securitySchemes(_ node: Node) -> Node {
        convertingEntries(of: node) { fields in
            var pairs: [(Node, Node)] = []
            var flow: (name: String, mark: Mark?)?
            var flowFields: [(Node, Node)] = []
            for (key, value) in fields {
                switch (key.string, fields["type"]?.string) {
                case ("type", "basic"?):
                    pairs.append((key, scalar("http", at: value.mark)))
                    pairs.append((scalar("scheme", at: key.mark), scalar("basic", at: value.mark)))
                case ("flow", "oauth2"?):
                    let names = ["implicit": "implicit", "password": "password", "application": "clientCredentials", "accessCode": "authorizationCode"]
                    flow = (names[value.string ?? ""] ?? value.string ?? "implicit", key.mark)
                case ("authorizationUrl", "oauth2"?), ("tokenUrl", "oauth2"?), ("scopes", "oauth2"?):
                    flowFields.append((key, value))
                default:
                    pairs.append((key, value))
                }
            }
            if let flow {
                if !flowFields.contains(where: { $0.0.string == "scopes" }) {
                    flowFields.append((scalar("scopes", at: flow.mark), .mapping(.init([], Tag(.map), .any, flow.mark))))
                }
                pairs.append((scalar("flows", at: flow.mark), mapping([(flow.name, .mapping(.init(flowFields, Tag(.map), .any, flow.mark)))], at: flow.mark)))
            }
            return pairs
        }
    }

    func paths(_ node: Node) -> Node {
        convertingEntries(of: node) { fields in
            let pathParameters = fields["parameters"]
            return fields.map { key, value -> (Node, Node) in
                guard let name = key.string else { return (key, value) }
                if name == "parameters" {
                    // A body parameter here becomes each operation's requestBody (see `operation`).
                    var body: Node?
                    return (key, self.parameters(value, bodyTo: &body, consumes: consumes))
                }
                if operationKeys.contains(name) { return (key, operation(value, pathParameters: pathParameters)) }
                return (key, value)
            }
        }
    }

    func operation(_ node: Node, pathParameters: Node?) -> Node {
        guard case let .mapping(fields) = node else { return node }
        let consumes = Self.mediaTypes(fields["consumes"]) ?? self.consumes
        let produces = Self.mediaTypes(fields["produces"]) ?? self.produces
        var pairs: [(Node, Node)] = []
        var body: Node?
        // A body parameter declared on the path item applies to the operation unless it declares its own.
        if case let .sequence(shared)? = pathParameters {
            for parameter in shared.map(resolved) where parameter.mapping?["in"]?.string == "body" {
                body = requestBody(parameter, consumes: consumes)
            }
        }
        for (key, value) in fields {
            switch key.string {
            case "consumes", "produces", "schemes":
                continue
            case "parameters":
                var ownBody: Node?
                pairs.append((key, parameters(value, bodyTo: &ownBody, consumes: consumes)))
                if let ownBody { body = ownBody }
            case "responses":
                pairs.append((key, responses(value, produces: produces)))
            default:
                pairs.append((key, value))
            }
        }
        if let body { pairs.append((scalar("requestBody", at: body.mark), body)) }
        return .mapping(.init(pairs, fields.tag, fields.style, fields.mark))
    }

    /// A parameter with a `$ref: '#/parameters/X'` replaced by the document's parameter `X`.
    func resolved(_ parameter: Node) -> Node {
        guard case let .mapping(fields) = parameter, let ref = fields["$ref"] else { return parameter }
        let prefix = "#/parameters/"
        // A dangling reference is reported by `JSONReferences` before the import.
        guard let text = ref.string, text.hasPrefix(prefix), case let .mapping(shared)? = top["parameters"],
              let target = shared[String(text.dropFirst(prefix.count))] else { return parameter }
        return target
    }

    /// The non-body parameters in OpenAPI 3 form; the body parameter, if any, is returned through `body`.
    func parameters(_ node: Node, bodyTo body: inout Node?, consumes: [String]) -> Node {
        guard case let .sequence(items) = node else { return node }
        var converted: [Node] = []
        for item in items.map(resolved) {
            guard case let .mapping(fields) = item else { converted.append(item); continue }
            switch fields["in"]?.string {
            case "body":
                body = requestBody(item, consumes: consumes)
            case "formData":
                reader.unsupported("formData parameter '\(fields["name"]?.string ?? "?")' (Swagger 2.0)", consequence: "it is not validated or mapped",
                                   at: fields["in"] ?? item)
            default:
                converted.append(.mapping(.init(withValueKeysInSchema(fields, at: item.mark), fields.tag, fields.style, fields.mark)))
            }
        }
        return .sequence(.init(converted, Tag(.seq), .any, node.mark))
    }

    /// `requestBody: {description, required, content: {<each consumes type>: {schema}}}`.
    func requestBody(_ parameter: Node, consumes: [String]) -> Node {
        guard case let .mapping(fields) = parameter else { return parameter }
        var pairs: [(Node, Node)] = []
        for (key, value) in fields {
            switch key.string {
            case "description"?, "required"?: pairs.append((key, value))
            case let name? where name.hasPrefix("x-"): pairs.append((key, value))
            default: continue
            }
        }
        if let schema = fields["schema"] {
            let content = consumes.map { (scalar($0, at: schema.mark), mapping([("schema", rewritingReferences(schema))], at: schema.mark)) }
            pairs.append((scalar("content", at: parameter.mark), .mapping(.init(content, Tag(.map), .any, schema.mark))))
        }
        return .mapping(.init(pairs, Tag(.map), .any, parameter.mark))
    }

    func responses(_ node: Node, produces: [String]) -> Node {
        guard case let .mapping(responses) = node else { return node }
        let converted = responses.map { status, response -> (Node, Node) in
            var response = response
            if case let .mapping(fields) = response, let ref = fields["$ref"]?.string, ref.hasPrefix("#/responses/"),
               case let .mapping(shared)? = top["responses"], let target = shared[String(ref.dropFirst("#/responses/".count))] {
                response = target
            }
            guard case let .mapping(fields) = response else { return (status, response) }
            var pairs: [(Node, Node)] = []
            for (key, value) in fields {
                switch key.string {
                case "schema":
                    let content = produces.map { (scalar($0, at: value.mark), mapping([("schema", rewritingReferences(value))], at: value.mark)) }
                    pairs.append((scalar("content", at: key.mark), .mapping(.init(content, Tag(.map), .any, value.mark))))
                case "headers":
                    pairs.append((key, headers(value)))
                case "examples":
                    continue
                default:
                    pairs.append((key, value))
                }
            }
            return (status, .mapping(.init(pairs, fields.tag, fields.style, fields.mark)))
        }
        return .mapping(.init(converted, responses.tag, responses.style, responses.mark))
    }

    /// Response headers with their `type`/`format`/... moved into `schema`.
    func headers(_ node: Node) -> Node {
        convertingEntries(of: node) { fields in withValueKeysInSchema(fields, at: fields.mark) }
    }

    /// `fields` with the keys that describe a value (`type`, `format`, `enum`, ...) moved into a `schema` mapping.
    func withValueKeysInSchema(_ fields: Node.Mapping, at mark: Mark?) -> [(Node, Node)] {
        var pairs: [(Node, Node)] = []
        var schema: [(Node, Node)] = []
        for (key, value) in fields {
            if let name = key.string, parameterSchemaKeys.contains(name) {
                schema.append((key, rewritingReferences(value)))
            } else {
                pairs.append((key, value))
            }
        }
        if !schema.isEmpty { pairs.append((scalar("schema", at: mark), .mapping(.init(schema, Tag(.map), .any, mark)))) }
        return pairs
    }
}
