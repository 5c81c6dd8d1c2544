//! Prometheus metrics of `rpc serve`: names and labels are documented in the README.

use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::github::Usage;
use crate::policy::Verdict;

/// HTTP requests, by route and status.
pub const HTTP_REQUESTS: &str = "rpc_http_requests_total";
/// Verdicts, by job type, verdict and deciding rule code.
pub const VERDICTS: &str = "rpc_verdicts_total";
/// Failing verdicts answered as passes in shadow mode, by job type and rule code.
pub const SHADOW_WOULD_FAIL: &str = "rpc_shadow_would_fail_total";
/// Check latency in seconds.
pub const CHECK_SECONDS: &str = "rpc_check_duration_seconds";
/// GitHub requests made by checks.
pub const GITHUB_REQUESTS: &str = "rpc_github_requests_total";
/// GitHub requests answered 304 from the cache.
pub const GITHUB_NOT_MODIFIED: &str = "rpc_github_not_modified_total";
/// The last `x-ratelimit-remaining` seen.
pub const GITHUB_RATE_LIMIT_REMAINING: &str = "rpc_github_rate_limit_remaining";
/// One-time tokens issued.
pub const TOKENS_ISSUED: &str = "rpc_tokens_issued_total";
/// One-time tokens consumed (accepted).
pub const TOKENS_CONSUMED: &str = "rpc_tokens_consumed_total";
/// One-time tokens presented after they expired, or purged unused.
pub const TOKENS_EXPIRED: &str = "rpc_tokens_expired_total";

/// Installs the process-wide recorder; `/metrics` renders through the handle.
pub fn install() -> Result<PrometheusHandle, String> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(CHECK_SECONDS.into()),
            &[
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ],
        )
        .map_err(|err| err.to_string())?
        .install_recorder()
        .map_err(|err| err.to_string())
}

/// Records one HTTP request.
pub fn request(route: &str, status: u16) {
    counter!(HTTP_REQUESTS, "route" => route.to_owned(), "status" => status.to_string())
        .increment(1);
}

/// Records a verdict and what it cost.
pub fn verdict(verdict: &Verdict, elapsed: Duration, shadowed: bool) {
    let job_type = verdict.job.job_type.as_str();
    let code = verdict
        .deciding_rule()
        .map_or_else(String::new, |rule| rule.code.clone());
    let decision = verdict.verdict.as_str();
    counter!(VERDICTS, "job_type" => job_type, "verdict" => decision, "code" => code.clone())
        .increment(1);
    if shadowed {
        counter!(SHADOW_WOULD_FAIL, "job_type" => job_type, "code" => code).increment(1);
    }
    histogram!(CHECK_SECONDS, "job_type" => job_type).record(elapsed.as_secs_f64());
    github(&verdict.github);
}

fn github(usage: &Usage) {
    counter!(GITHUB_REQUESTS).increment(usage.requests);
    counter!(GITHUB_NOT_MODIFIED).increment(usage.not_modified);
    if let Some(remaining) = usage.rate_limit_remaining {
        #[allow(clippy::cast_precision_loss)]
        gauge!(GITHUB_RATE_LIMIT_REMAINING).set(remaining as f64);
    }
}

/// Records token events.
pub fn tokens(name: &'static str, count: u64) {
    counter!(name).increment(count);
}
