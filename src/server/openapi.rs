//! The OpenAPI description of `rpc serve`.

use utoipa::OpenApi;

use super::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rpc serve",
        description = "Decides whether workflow jobs may run on self-hosted runners. Bearer tokens: the charm token for /one-time-token and /policy; a one-time runner token, consumed by any request that presents it, for the checks and /auth-health."
    ),
    paths(
        routes::one_time_token,
        routes::set_policy,
        routes::clear_policy,
        routes::check_pull_request,
        routes::check_run,
        routes::check_workflow_dispatch,
        routes::check_push,
        routes::check_default,
        routes::check_schedule,
        routes::always_fail,
        routes::health,
        routes::auth_health,
        routes::metrics_text,
        routes::openapi,
    ),
    components(schemas(routes::PullRequestCheck, routes::BranchCheck))
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
