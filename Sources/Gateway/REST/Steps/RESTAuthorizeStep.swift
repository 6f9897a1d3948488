import Foundation
import HTTPMessage
import JSONCore

/// REST step "authorize": `AWS_IAM` signatures (RESTIAMAuthorization.swift), Lambda authorizers
/// (RESTAuthorization.swift), Cognito user pools (RESTCognitoAuthorization.swift), then API keys, usage plans and
/// throttling (`meterUsage`), in that order.
struct RESTAuthorizeStep: PipelineStep {
    var name: StepName { .authorize }

    func run(_ exchange: inout RESTGateway.Exchange, _ gateway: RESTGateway) async throws(GatewayError) {
        try gateway.authorizeIAM(&exchange)
        let authorizerKey = try await gateway.authorizeLambda(&exchange)
        try await gateway.authorizeCognito(&exchange)
        try gateway.meterUsage(&exchange, authorizerKey: authorizerKey)
    }
}
