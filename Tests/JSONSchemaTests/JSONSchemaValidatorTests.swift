import JSONCore
import JSONSchema
import Testing

/// One keyword case: a schema, an instance, and whether draft 4 accepts it.
struct SchemaCase: CustomTestStringConvertible, Sendable {
    let keyword: String
    let schema: String
    let instance: String
    let valid: Bool
    var testDescription: String { "\(keyword): \(instance) is \(valid ? "valid" : "invalid") against \(schema)" }
}

private func json(_ text: String) -> JSONValue {
    do { return try JSONValue.parse(text) } catch { fatalError("bad test JSON \(text): \(error)") }
}

@Suite("JSON Schema draft 4 validator")
struct JSONSchemaValidatorTests {
    static let cases: [SchemaCase] = [
        // type
        .init(keyword: "type", schema: ##"{"type": "string"}"##, instance: ##""a""##, valid: true),
        .init(keyword: "type", schema: ##"{"type": "string"}"##, instance: "1", valid: false),
        .init(keyword: "type", schema: ##"{"type": "integer"}"##, instance: "1.0", valid: true),
        .init(keyword: "type", schema: ##"{"type": "integer"}"##, instance: "1.5", valid: false),
        .init(keyword: "type", schema: ##"{"type": "number"}"##, instance: "3", valid: true),
        .init(keyword: "type", schema: ##"{"type": "boolean"}"##, instance: "0", valid: false),
        .init(keyword: "type", schema: ##"{"type": "null"}"##, instance: "null", valid: true),
        .init(keyword: "type", schema: ##"{"type": "object"}"##, instance: "[]", valid: false),
        .init(keyword: "type", schema: ##"{"type": "array"}"##, instance: "[]", valid: true),
        .init(keyword: "type", schema: ##"{"type": ["string", "null"]}"##, instance: "null", valid: true),
        .init(keyword: "type", schema: ##"{"type": ["string", "null"]}"##, instance: "{}", valid: false),
        // enum
        .init(keyword: "enum", schema: ##"{"enum": ["a", 1, {"k": [1]}]}"##, instance: "1.0", valid: true),
        .init(keyword: "enum", schema: ##"{"enum": ["a", 1, {"k": [1]}]}"##, instance: ##"{"k": [1]}"##, valid: true),
        .init(keyword: "enum", schema: ##"{"enum": ["a", 1]}"##, instance: ##""b""##, valid: false),
        // numbers
        .init(keyword: "minimum", schema: ##"{"minimum": 2}"##, instance: "2", valid: true),
        .init(keyword: "minimum", schema: ##"{"minimum": 2}"##, instance: "1.9", valid: false),
        .init(keyword: "exclusiveMinimum", schema: ##"{"minimum": 2, "exclusiveMinimum": true}"##, instance: "2", valid: false),
        .init(keyword: "maximum", schema: ##"{"maximum": 2}"##, instance: "2", valid: true),
        .init(keyword: "exclusiveMaximum", schema: ##"{"maximum": 2, "exclusiveMaximum": true}"##, instance: "2", valid: false),
        .init(keyword: "multipleOf", schema: ##"{"multipleOf": 3}"##, instance: "9", valid: true),
        .init(keyword: "multipleOf", schema: ##"{"multipleOf": 3}"##, instance: "10", valid: false),
        .init(keyword: "multipleOf", schema: ##"{"multipleOf": 0.01}"##, instance: "19.99", valid: true),
        .init(keyword: "multipleOf", schema: ##"{"multipleOf": 0.01}"##, instance: "19.995", valid: false),
        .init(keyword: "minimum", schema: ##"{"minimum": 2}"##, instance: ##""1""##, valid: true),
        // strings
        .init(keyword: "minLength", schema: ##"{"minLength": 2}"##, instance: ##""é""##, valid: false),
        .init(keyword: "maxLength", schema: ##"{"maxLength": 2}"##, instance: ##""éé""##, valid: true),
        .init(keyword: "maxLength", schema: ##"{"maxLength": 2}"##, instance: ##""abc""##, valid: false),
        .init(keyword: "pattern", schema: ##"{"pattern": "^[a-z]+$"}"##, instance: ##""abc""##, valid: true),
        .init(keyword: "pattern", schema: ##"{"pattern": "b"}"##, instance: ##""abc""##, valid: true),
        .init(keyword: "pattern", schema: ##"{"pattern": "^[a-z]+$"}"##, instance: ##""ab1""##, valid: false),
        .init(keyword: "format", schema: ##"{"format": "email"}"##, instance: ##""not an email""##, valid: true),
        // arrays
        .init(keyword: "items", schema: ##"{"items": {"type": "integer"}}"##, instance: "[1, 2]", valid: true),
        .init(keyword: "items", schema: ##"{"items": {"type": "integer"}}"##, instance: ##"[1, "2"]"##, valid: false),
        .init(keyword: "items", schema: ##"{"items": [{"type": "integer"}, {"type": "string"}]}"##, instance: ##"[1, "a", null]"##, valid: true),
        .init(keyword: "additionalItems", schema: ##"{"items": [{"type": "integer"}], "additionalItems": false}"##, instance: "[1, 2]", valid: false),
        .init(keyword: "additionalItems", schema: ##"{"items": [{"type": "integer"}], "additionalItems": {"type": "string"}}"##, instance: ##"[1, "x"]"##, valid: true),
        .init(keyword: "additionalItems", schema: ##"{"items": {"type": "integer"}, "additionalItems": false}"##, instance: "[1, 2]", valid: true),
        .init(keyword: "minItems", schema: ##"{"minItems": 1}"##, instance: "[]", valid: false),
        .init(keyword: "maxItems", schema: ##"{"maxItems": 1}"##, instance: "[1, 2]", valid: false),
        .init(keyword: "uniqueItems", schema: ##"{"uniqueItems": true}"##, instance: "[1, 1.0]", valid: false),
        .init(keyword: "uniqueItems", schema: ##"{"uniqueItems": true}"##, instance: ##"[{"a": 1, "b": 2}, {"b": 2, "a": 1}]"##, valid: false),
        .init(keyword: "uniqueItems", schema: ##"{"uniqueItems": true}"##, instance: "[1, 2]", valid: true),
        // objects
        .init(keyword: "required", schema: ##"{"required": ["a", "b"]}"##, instance: ##"{"a": 1, "b": null}"##, valid: true),
        .init(keyword: "required", schema: ##"{"required": ["a", "b"]}"##, instance: ##"{"a": 1}"##, valid: false),
        .init(keyword: "required", schema: ##"{"required": ["a"]}"##, instance: "[]", valid: true),
        .init(keyword: "properties", schema: ##"{"properties": {"a": {"type": "string"}}}"##, instance: ##"{"a": "x", "b": 1}"##, valid: true),
        .init(keyword: "properties", schema: ##"{"properties": {"a": {"type": "string"}}}"##, instance: ##"{"a": 1}"##, valid: false),
        .init(keyword: "additionalProperties", schema: ##"{"properties": {"a": {}}, "additionalProperties": false}"##, instance: ##"{"a": 1, "b": 1}"##, valid: false),
        .init(keyword: "additionalProperties", schema: ##"{"properties": {"a": {}}, "patternProperties": {"^x-": {}}, "additionalProperties": false}"##, instance: ##"{"a": 1, "x-b": 1}"##, valid: true),
        .init(keyword: "additionalProperties", schema: ##"{"additionalProperties": {"type": "integer"}}"##, instance: ##"{"a": "1"}"##, valid: false),
        .init(keyword: "patternProperties", schema: ##"{"patternProperties": {"^n_": {"type": "number"}}}"##, instance: ##"{"n_a": "x"}"##, valid: false),
        .init(keyword: "minProperties", schema: ##"{"minProperties": 1}"##, instance: "{}", valid: false),
        .init(keyword: "maxProperties", schema: ##"{"maxProperties": 1}"##, instance: ##"{"a": 1, "b": 2}"##, valid: false),
        .init(keyword: "dependencies", schema: ##"{"dependencies": {"card": ["billing"]}}"##, instance: ##"{"card": 1}"##, valid: false),
        .init(keyword: "dependencies", schema: ##"{"dependencies": {"card": ["billing"]}}"##, instance: ##"{"other": 1}"##, valid: true),
        .init(keyword: "dependencies", schema: ##"{"dependencies": {"card": {"required": ["billing"]}}}"##, instance: ##"{"card": 1, "billing": 2}"##, valid: true),
        .init(keyword: "dependencies", schema: ##"{"dependencies": {"card": {"required": ["billing"]}}}"##, instance: ##"{"card": 1}"##, valid: false),
        // combinators
        .init(keyword: "allOf", schema: ##"{"allOf": [{"type": "integer"}, {"minimum": 3}]}"##, instance: "2", valid: false),
        .init(keyword: "anyOf", schema: ##"{"anyOf": [{"type": "integer"}, {"type": "string"}]}"##, instance: ##""a""##, valid: true),
        .init(keyword: "anyOf", schema: ##"{"anyOf": [{"type": "integer"}, {"type": "string"}]}"##, instance: "null", valid: false),
        .init(keyword: "oneOf", schema: ##"{"oneOf": [{"type": "integer"}, {"minimum": 2}]}"##, instance: "3", valid: false),
        .init(keyword: "oneOf", schema: ##"{"oneOf": [{"type": "integer"}, {"minimum": 2}]}"##, instance: "1", valid: true),
        .init(keyword: "not", schema: ##"{"not": {"type": "null"}}"##, instance: "null", valid: false),
        .init(keyword: "not", schema: ##"{"not": {"type": "null"}}"##, instance: "0", valid: true),
        // $ref inside the schema
        .init(keyword: "$ref", schema: ##"{"definitions": {"id": {"type": "integer"}}, "properties": {"id": {"$ref": "#/definitions/id"}}}"##, instance: ##"{"id": "x"}"##, valid: false),
        .init(keyword: "$ref", schema: ##"{"properties": {"next": {"$ref": "#"}}, "required": ["v"]}"##, instance: ##"{"v": 1, "next": {"v": 2, "next": {}}}"##, valid: false),
        .init(keyword: "$ref", schema: ##"{"properties": {"next": {"$ref": "#"}}, "required": ["v"]}"##, instance: ##"{"v": 1, "next": {"v": 2}}"##, valid: true),
        .init(keyword: "$ref", schema: ##"{"definitions": {"a/b": {"type": "string"}}, "items": {"$ref": "#/definitions/a~1b"}}"##, instance: "[1]", valid: false),
        .init(keyword: "$ref", schema: ##"{"$ref": "#/definitions/s", "type": "integer", "definitions": {"s": {"type": "string"}}}"##, instance: ##""a""##, valid: true),
        .init(keyword: "$ref", schema: ##"{"$ref": "#/definitions/missing"}"##, instance: "1", valid: false),
        // empty schema
        .init(keyword: "{}", schema: "{}", instance: ##"{"anything": [1, "x"]}"##, valid: true),
    ]

    @Test(arguments: cases)
    func keyword(_ example: SchemaCase) {
        let violation = JSONSchemaValidator().firstViolation(of: json(example.schema), by: json(example.instance))
        #expect((violation == nil) == example.valid, "\(violation?.message ?? "no violation")")
    }

    @Test("$ref names an API Gateway model by URL, by #/components/schemas/ and by #/definitions/; the model's own pointers resolve in it")
    func modelReferences() {
        let models: [String: JSONValue] = [
            "Item": json(##"{"type": "object", "required": ["id"], "properties": {"id": {"$ref": "#/definitions/id"}, "tags": {"$ref": "#/components/schemas/Tags"}}, "definitions": {"id": {"type": "string"}}}"##),
            "Tags": json(##"{"type": "array", "items": {"type": "string"}}"##),
        ]
        let validator = JSONSchemaValidator(models: models)
        let list = json(##"{"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/abc123/models/Item"}}"##)
        #expect(validator.isValid(json(##"[{"id": "a", "tags": ["x"]}]"##), against: list))
        let wrongID = validator.firstViolation(of: list, by: json(##"[{"id": 1}]"##))
        #expect(wrongID?.pointer == "/0/id")
        #expect(wrongID?.message == ##"instance type (integer) at /0/id does not match any allowed primitive type (allowed: ["string"])"##)
        let wrongTag = validator.firstViolation(of: json(##"{"$ref": "#/definitions/Item"}"##), by: json(##"{"id": "a", "tags": [true]}"##))
        #expect(wrongTag?.pointer == "/tags/0")
        #expect(validator.unresolvableReference("#/components/schemas/Nope", in: list) == "unresolvable $ref '#/components/schemas/Nope'")
        #expect(validator.unresolvableReference("#/components/schemas/Tags", in: list) == nil)
    }

    @Test("violations lists every problem with its instance pointer; firstViolation stops at the first")
    func everyViolation() {
        let schema = json(##"{"type": "object", "required": ["id", "name"], "properties": {"price": {"type": "number", "minimum": 0}, "tags": {"items": {"type": "string"}}}, "additionalProperties": false}"##)
        let instance = json(##"{"price": -1, "tags": ["a", 2], "extra/key": 1}"##)
        let found = JSONSchemaValidator().violations(of: schema, by: instance)
        #expect(found.map(\.pointer) == ["/", "/price", "/tags/1", "/"])
        #expect(found.map(\.message) == [
            ##"object at / has missing required properties (["id","name"])"##,
            "numeric instance at /price is lower than the required minimum (minimum: 0, found: -1)",
            ##"instance type (integer) at /tags/1 does not match any allowed primitive type (allowed: ["string"])"##,
            ##"object at / has a property that is not allowed: "extra/key""##,
        ])
        #expect(JSONSchemaValidator().violations(of: schema, by: instance, limit: 2).count == 2)
        #expect(JSONSchemaValidator().firstViolation(of: schema, by: instance) == found.first)
    }

    @Test("a member name with / or ~ is escaped in the pointer (RFC 6901)")
    func pointerEscaping() {
        let schema = json(##"{"additionalProperties": {"type": "string"}}"##)
        #expect(JSONSchemaValidator().firstViolation(of: schema, by: json(##"{"a/b~c": 1}"##))?.pointer == "/a~1b~0c")
    }

    @Test("a schema that references itself without consuming the instance stops at the depth limit instead of recursing forever")
    func selfReference() {
        let schema = json(##"{"$ref": "#"}"##)
        #expect(JSONSchemaValidator().firstViolation(of: schema, by: json("1"))?.message == "schema nesting too deep at /")
    }

    @Test("an invalid pattern in the schema is reported, not ignored")
    func invalidPattern() {
        let violation = JSONSchemaValidator().firstViolation(of: json(##"{"pattern": "("}"##), by: json(##""x""##))
        #expect(violation?.message == "the schema's pattern ( at / is not a valid regular expression")
    }
}
