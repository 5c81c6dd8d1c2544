//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;

use super::ratelimit::RateLimit;
use crate::github::GitHub;
use crate::policy::PolicyDocument;
use crate::secrets::Secret;
use crate::store::Store;

/// The server's shared state.
#[derive(Clone)]
pub struct AppState {
    /// Tokens and the posted policy.
    pub store: Store,
    /// GitHub, or why there is none (degraded mode: checks answer 500 with the reason).
    pub github: Result<Arc<GitHub>, String>,
    /// The charm token; without it the charm endpoints refuse everyone.
    pub charm_token: Option<Secret>,
    /// The policy applied when none was posted.
    pub builtin_policy: PolicyDocument,
    /// The approval phrase of `execute_job`.
    pub approval_phrase: String,
    /// How long a one-time token stays valid.
    pub token_ttl: Duration,
    /// Answer failing verdicts as passes (and count them).
    pub shadow: bool,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Limits the token-minting and policy endpoints.
    pub admin_rate: Arc<RateLimit>,
}
