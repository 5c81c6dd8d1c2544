//! The HTTP endpoints: the reference service's, kept exactly, plus `/metrics` and `/openapi.json`.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::{Denied, Role, authenticate};
use super::metrics;
use super::state::AppState;
use crate::github::ApiError;
use crate::policy::{self, Decision, Job, JobType, PolicyDocument, Verdict};
use crate::store::StoreError;

/// Body of a pull_request check (all fields non-empty).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PullRequestCheck {
    /// The repository, `owner/name`.
    repository_name: String,
    /// The repository the pull request comes from.
    source_repository_name: String,
    /// The branch it targets.
    target_branch_name: String,
    /// The branch it comes from.
    source_branch_name: String,
    /// The commit the job runs.
    commit_sha: String,
}

/// Body of a workflow_dispatch, push, schedule or default check.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct BranchCheck {
    /// The repository, `owner/name`.
    repository_name: String,
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut response = (status, body.into()).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn denied(denied: Denied) -> Response {
    match denied {
        Denied::Unauthenticated(reason) => text(StatusCode::UNAUTHORIZED, reason),
        Denied::Unavailable(err) => store_error(&err),
    }
}

fn store_error(err: &StoreError) -> Response {
    tracing::warn!(%err, "store error");
    if err.is_unavailable() {
        text(StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    } else {
        text(StatusCode::INTERNAL_SERVER_ERROR, "database error")
    }
}

async fn require(state: &AppState, headers: &HeaderMap, role: Role) -> Result<(), Response> {
    match authenticate(state, headers).await {
        Ok(found) if found == role => Ok(()),
        Ok(_) => Err(text(
            StatusCode::FORBIDDEN,
            match role {
                Role::Charm => "this endpoint needs the charm token",
                Role::Runner => "this endpoint needs a one-time runner token",
            },
        )),
        Err(err) => Err(denied(err)),
    }
}

fn rate_limited(state: &AppState) -> Option<Response> {
    (!state.admin_rate.allow()).then(|| {
        text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests, slow down",
        )
    })
}

/// Mints a one-time runner token.
#[utoipa::path(get, path = "/one-time-token", tag = "tokens",
    responses((status = 200, description = "a new one-time token, 64 hex characters", body = String),
        (status = 401, description = "missing or unknown bearer token"),
        (status = 403, description = "not the charm token"),
        (status = 429, description = "rate limited"),
        (status = 503, description = "database unavailable")))]
pub async fn one_time_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(response) = rate_limited(&state) {
        return response;
    }
    if let Err(response) = require(&state, &headers, Role::Charm).await {
        return response;
    }
    match state.store.issue_token(state.token_ttl).await {
        Ok(token) => {
            metrics::tokens(metrics::TOKENS_ISSUED, 1);
            text(StatusCode::OK, token.expose())
        }
        Err(err) => store_error(&err),
    }
}

/// Stores the policy document every replica applies.
#[utoipa::path(post, path = "/policy", tag = "policy",
    request_body(content = String, description = "policy document (JSON)", content_type = "application/json"),
    responses((status = 204, description = "stored"),
        (status = 400, description = "invalid document, with the reason"),
        (status = 401, description = "missing or unknown bearer token"),
        (status = 403, description = "not the charm token"),
        (status = 429, description = "rate limited")))]
pub async fn set_policy(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(response) = rate_limited(&state) {
        return response;
    }
    if let Err(response) = require(&state, &headers, Role::Charm).await {
        return response;
    }
    let Ok(text_body) = std::str::from_utf8(&body) else {
        return text(StatusCode::BAD_REQUEST, "the body is not UTF-8");
    };
    let document = match PolicyDocument::parse(text_body) {
        Ok(document) => document,
        Err(err) => return text(StatusCode::BAD_REQUEST, err.to_string()),
    };
    let json = serde_json::to_string(&document).unwrap_or_default();
    match state.store.set_policy(&json).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => store_error(&err),
    }
}

/// Returns to the built-in policy.
#[utoipa::path(delete, path = "/policy", tag = "policy",
    responses((status = 204, description = "the built-in policy applies again"),
        (status = 401, description = "missing or unknown bearer token"),
        (status = 403, description = "not the charm token")))]
pub async fn clear_policy(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(response) = rate_limited(&state) {
        return response;
    }
    if let Err(response) = require(&state, &headers, Role::Charm).await {
        return response;
    }
    match state.store.clear_policy().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => store_error(&err),
    }
}

/// The posted policy, or the built-in one.
async fn current_policy(state: &AppState) -> Result<PolicyDocument, Response> {
    match state.store.policy().await {
        Ok(Some(json)) => PolicyDocument::parse(&json).map_err(|err| {
            tracing::error!(%err, "stored policy is invalid");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the stored policy is invalid; post a new one",
            )
        }),
        Ok(None) => Ok(state.builtin_policy.clone()),
        Err(err) => Err(store_error(&err)),
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

async fn check(
    state: AppState,
    headers: HeaderMap,
    body: Bytes,
    job_type: JobType,
    event: &str,
) -> Response {
    if let Err(response) = require(&state, &headers, Role::Runner).await {
        return response;
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(err) => return text(StatusCode::BAD_REQUEST, format!("invalid JSON body: {err}")),
    };
    let job = match Job::from_request(job_type, event, &body) {
        Ok(job) => job,
        Err(err) => return text(StatusCode::BAD_REQUEST, err.to_string()),
    };
    let document = match current_policy(&state).await {
        Ok(document) => document,
        Err(response) => return response,
    };
    let github = match (&state.github, policy::needs_github(&document, job.job_type)) {
        (Ok(github), _) => Some(github.as_ref()),
        (Err(reason), true) => return text(StatusCode::INTERNAL_SERVER_ERROR, reason.clone()),
        (Err(_), false) => None,
    };
    let started = Instant::now();
    let mut verdict = policy::check(&job, &document, github, &state.approval_phrase).await;
    let shadowed = state.shadow && verdict.verdict == Decision::Fail;
    metrics::verdict(&verdict, started.elapsed(), shadowed);
    audit(&verdict, shadowed);
    if shadowed {
        verdict.verdict = Decision::Pass;
        verdict.shadow_would_fail = true;
    }
    respond(&verdict, wants_json(&headers))
}

/// One decision line per check, for audit.
fn audit(verdict: &Verdict, shadowed: bool) {
    let sha = verdict
        .job
        .pull_request
        .as_ref()
        .map_or("", |pull_request| pull_request.commit_sha.as_str());
    let rule = verdict
        .deciding_rule()
        .map_or("", |rule| rule.code.as_str());
    tracing::info!(
        target: "rpc::audit",
        repository = %verdict.job.repository,
        job_type = verdict.job.job_type.as_str(),
        sha,
        verdict = ?verdict.verdict,
        rule,
        shadow_would_fail = shadowed,
        github_requests = verdict.github.requests,
        "decision"
    );
}

fn respond(verdict: &Verdict, json: bool) -> Response {
    let status = match verdict.verdict {
        Decision::Pass if json => StatusCode::OK,
        Decision::Pass => StatusCode::NO_CONTENT,
        Decision::Fail => StatusCode::FORBIDDEN,
        Decision::Error => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if json {
        return (status, axum::Json(verdict)).into_response();
    }
    if status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    let mut body = String::new();
    if let Some(rule) = verdict.deciding_rule() {
        body.push_str(&format!("{}: {}\n", rule.code, rule.reason));
        if let Some(fix) = &rule.remediation {
            body.push_str(&format!("fix: {fix}\n"));
        }
    }
    text(status, body)
}

macro_rules! check_route {
    ($name:ident, $path:literal, $job:expr, $event:literal, $body:ty, $what:literal) => {
        #[doc = concat!("Checks a ", $what, " job.")]
        #[utoipa::path(post, path = $path, tag = "checks", request_body = $body,
            responses((status = 204, description = "pass (200 with the verdict JSON when `Accept: application/json`)"),
                (status = 400, description = "invalid body; the field is named"),
                (status = 401, description = "missing, unknown, used or expired token"),
                (status = 403, description = "fail, with the reason; or not a one-time token"),
                (status = 500, description = "error: could not decide, with the reason"),
                (status = 503, description = "database unavailable")))]
        pub async fn $name(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
            check(state, headers, body, $job, $event).await
        }
    };
}

check_route!(
    check_pull_request,
    "/pull_request/check-run",
    JobType::PullRequest,
    "pull_request",
    PullRequestCheck,
    "pull_request"
);
check_route!(
    check_run,
    "/check-run",
    JobType::PullRequest,
    "pull_request",
    PullRequestCheck,
    "pull_request (alias)"
);
check_route!(
    check_workflow_dispatch,
    "/workflow_dispatch/check-run",
    JobType::WorkflowDispatch,
    "workflow_dispatch",
    BranchCheck,
    "workflow_dispatch"
);
check_route!(
    check_push,
    "/push/check-run",
    JobType::Push,
    "push",
    BranchCheck,
    "push"
);
check_route!(
    check_default,
    "/default/check-run",
    JobType::Push,
    "default",
    BranchCheck,
    "default (any other event, checked as push)"
);
check_route!(
    check_schedule,
    "/schedule/check-run",
    JobType::Schedule,
    "schedule",
    BranchCheck,
    "schedule"
);

/// Always fails, for testing clients.
#[utoipa::path(post, path = "/always-fail/check-run", tag = "checks",
    responses((status = 403, description = "always"), (status = 401, description = "missing or unknown token")))]
pub async fn always_fail(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = require(&state, &headers, Role::Runner).await {
        return response;
    }
    text(StatusCode::FORBIDDEN, "this endpoint always fails")
}

/// Whether GitHub answers with the configured credentials and the database is reachable.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 204, description = "healthy"),
        (status = 500, description = "GitHub unreachable, credentials rejected, or no credentials configured"),
        (status = 503, description = "database unavailable")))]
pub async fn health(State(state): State<AppState>) -> Response {
    let github = async {
        match &state.github {
            Err(reason) => Some(reason.clone()),
            Ok(github) => match github.verify().await {
                Ok(()) => None,
                Err(err @ ApiError::Unauthorized { .. }) => {
                    Some(format!("GitHub credentials rejected: {err}"))
                }
                Err(err) => Some(format!("GitHub unreachable: {err}")),
            },
        }
    };
    let (github, database) = futures::join!(github, state.store.ping());
    let database = database
        .err()
        .map(|err| format!("database unavailable: {err}"));
    let status = if database.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let problems: Vec<String> = github.into_iter().chain(database).collect();
    if problems.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        text(status, problems.join("; "))
    }
}

/// Whether a one-time token is accepted (and consumes it).
#[utoipa::path(get, path = "/auth-health", tag = "health",
    responses((status = 204, description = "the token was valid"), (status = 401, description = "it was not")))]
pub async fn auth_health(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match require(&state, &headers, Role::Runner).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(response) => response,
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "observability",
    responses((status = 200, description = "Prometheus text format", body = String)))]
pub async fn metrics_text(State(state): State<AppState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// This API's OpenAPI description.
#[utoipa::path(get, path = "/openapi.json", tag = "observability",
    responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi() -> Response {
    axum::Json(super::openapi::document()).into_response()
}
