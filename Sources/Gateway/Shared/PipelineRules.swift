/// Whose rules a shared helper follows where the REST and HTTP API pipelines were written to differ
/// (each helper documents the differences). Keeps both pipelines' behaviour explicit at the call site.
enum PipelineRules: Sendable {
    /// The REST API (API Gateway v1) pipeline under `REST/`.
    case restAPI
    /// The HTTP API (API Gateway v2) pipeline under `HTTPAPI/`.
    case httpAPI
}
