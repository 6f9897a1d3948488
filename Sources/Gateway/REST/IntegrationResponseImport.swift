import Yams

/// What API Gateway's import keeps of a method's integration responses.
///
/// An integration response is identified by its status code, not by its selection pattern
/// (`PutIntegrationResponse` takes `statusCode` as the key, and the OpenAPI key "does not correspond to any
/// identifier of an IntegrationResponse resource", Developer Guide, x-amazon-apigateway-integration.responses).
/// A second put for a status code that already has one replaces it, selection pattern included (recorded against
/// AWS: LocalStack `test_apigateway_api.py::TestApigatewayIntegrationResponse::test_lifecycle_integration_response`,
/// where `get-method` then lists one `200` response with the second pattern). The import puts the responses in
/// document order, so of two entries for one status code the later one survives.
enum IntegrationResponseImport {
    /// The responses that survive (document order), and each dropped one with the one that replaced it.
    static func keepingLastPerStatus(_ responses: [(IntegrationResponse, Node)])
        -> (kept: [IntegrationResponse], dropped: [(dropped: IntegrationResponse, node: Node, survivor: IntegrationResponse)]) {
        var lastIndex: [String: Int] = [:]
        for (index, entry) in responses.enumerated() { lastIndex[entry.0.statusCode] = index }
        var kept: [IntegrationResponse] = []
        var dropped: [(IntegrationResponse, Node, IntegrationResponse)] = []
        for (index, entry) in responses.enumerated() {
            let survivor = lastIndex[entry.0.statusCode] ?? index
            if survivor == index { kept.append(entry.0) } else { dropped.append((entry.0, entry.1, responses[survivor].0)) }
        }
        return (kept, dropped)
    }

    /// The load-time warning for a dropped response.
    static func warning(dropped: IntegrationResponse, survivor: IntegrationResponse, context: String) -> String {
        "integration response '\(dropped.selectionPattern)' of \(context) is dropped: '\(survivor.selectionPattern)' "
            + "also maps to status \(dropped.statusCode), and API Gateway keeps one integration response per status code "
            + "(the later one, as an import does); give each pattern its own status code"
    }
}
