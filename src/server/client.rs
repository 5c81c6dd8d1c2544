//! The runner side of the API: ask a running `rpc serve` instead of GitHub, and mint one-time
//! tokens for the component that creates runners.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde_json::{Value, json};
use url::Url;

use crate::exit::ExitStatus;
use crate::policy::{Decision, Job, JobType, VerdictSummary};
use crate::secrets::Secret;

/// A policy server that could not be asked, or refused.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Unreachable, timed out.
    #[error("policy server {url} is unreachable: {detail}")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// Why.
        detail: String,
    },
    /// 401 or a 403 that is not a verdict.
    #[error("policy server refused the token ({status}): {body}")]
    Refused {
        /// The status.
        status: u16,
        /// Its reason.
        body: String,
    },
    /// 400: the request was not valid.
    #[error("policy server rejected the request: {body}")]
    BadRequest {
        /// Its reason.
        body: String,
    },
    /// Any other failure (5xx without a verdict, 503, unexpected answers).
    #[error("policy server failed ({status}): {body}")]
    Failed {
        /// The status.
        status: u16,
        /// Its reason.
        body: String,
    },
}

impl RemoteError {
    /// 2 for a bad request, 3 for everything else: the job must not run.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::BadRequest { .. } => ExitStatus::Usage,
            _ => ExitStatus::External,
        }
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Refused { .. } => {
                Some("one-time tokens are valid once: mint a new one with `rpc serve token`".into())
            }
            Self::Unreachable { .. } | Self::Failed { .. } => {
                Some("the policy server failed: contact the operators".into())
            }
            Self::BadRequest { .. } => None,
        }
    }
}

/// What the server answered to a check.
#[derive(Debug)]
pub struct RemoteVerdict {
    /// The verdict JSON as the server sent it.
    pub raw: Value,
    /// Its decision and rules.
    pub summary: VerdictSummary,
}

fn client(timeout: Duration) -> Result<reqwest::Client, RemoteError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|err| RemoteError::Unreachable {
            url: String::new(),
            detail: err.to_string(),
        })
}

fn endpoint(server: &Url, path: &str) -> String {
    format!("{}{path}", server.as_str().trim_end_matches('/'))
}

/// Sends `request` (to `url`) with `token` as bearer; returns the status and body.
async fn send(
    request: reqwest::RequestBuilder,
    url: &str,
    token: &Secret,
) -> Result<(StatusCode, String), RemoteError> {
    let response = request
        .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
        .send()
        .await
        .map_err(|err| RemoteError::Unreachable {
            url: url.to_owned(),
            detail: err.to_string(),
        })?;
    let status = response.status();
    Ok((status, response.text().await.unwrap_or_default()))
}

/// The endpoint and body the reference hook uses for `job`.
fn request_of(job: &Job) -> (&'static str, Value) {
    let repository = job.repository.to_string();
    match (&job.pull_request, job.job_type) {
        (Some(pull_request), _) => (
            "/pull_request/check-run",
            json!({
                "repository_name": repository,
                "source_repository_name": pull_request.source_repository.to_string(),
                "target_branch_name": pull_request.target_branch,
                "source_branch_name": pull_request.source_branch,
                "commit_sha": pull_request.commit_sha,
            }),
        ),
        (None, JobType::WorkflowDispatch) => (
            "/workflow_dispatch/check-run",
            json!({"repository_name": repository}),
        ),
        (None, JobType::Schedule) => (
            "/schedule/check-run",
            json!({"repository_name": repository}),
        ),
        (None, _) if job.event == "push" => {
            ("/push/check-run", json!({"repository_name": repository}))
        }
        (None, _) => ("/default/check-run", json!({"repository_name": repository})),
    }
}

/// Asks `server` to check `job`, presenting the one-time `token`.
pub async fn check(
    server: &Url,
    token: &Secret,
    job: &Job,
    timeout: Duration,
) -> Result<RemoteVerdict, RemoteError> {
    let (path, body) = request_of(job);
    let url = endpoint(server, path);
    let request = client(timeout)?
        .post(&url)
        .header(ACCEPT, "application/json")
        .json(&body);
    let (status, text) = send(request, &url, token).await?;
    let verdict = serde_json::from_str::<Value>(&text).ok().and_then(|raw| {
        let summary = serde_json::from_value::<VerdictSummary>(raw.clone()).ok()?;
        Some(RemoteVerdict { raw, summary })
    });
    match (status, verdict) {
        (
            StatusCode::OK | StatusCode::FORBIDDEN | StatusCode::INTERNAL_SERVER_ERROR,
            Some(verdict),
        ) => Ok(verdict),
        (StatusCode::NO_CONTENT, _) => Ok(RemoteVerdict {
            raw: json!({"verdict": "pass", "rules": []}),
            summary: VerdictSummary {
                verdict: Decision::Pass,
                rules: Vec::new(),
            },
        }),
        (StatusCode::BAD_REQUEST, _) => Err(RemoteError::BadRequest { body: text }),
        (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) => Err(RemoteError::Refused {
            status: status.as_u16(),
            body: text,
        }),
        _ => Err(RemoteError::Failed {
            status: status.as_u16(),
            body: text,
        }),
    }
}

/// Mints a one-time runner token with the charm token.
pub async fn mint_token(
    server: &Url,
    charm_token: &Secret,
    timeout: Duration,
) -> Result<Secret, RemoteError> {
    let url = endpoint(server, "/one-time-token");
    let (status, text) = send(client(timeout)?.get(&url), &url, charm_token).await?;
    match status {
        StatusCode::OK => Ok(Secret::new(text.trim())),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(RemoteError::Refused {
            status: status.as_u16(),
            body: text,
        }),
        StatusCode::BAD_REQUEST => Err(RemoteError::BadRequest { body: text }),
        _ => Err(RemoteError::Failed {
            status: status.as_u16(),
            body: text,
        }),
    }
}
