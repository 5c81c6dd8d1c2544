//! `rpc policy …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Policy checks and policy-document tooling.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Decide whether a workflow job may run on the self-hosted runners
    ///
    /// Exit 0 pass, 1 fail (the job must not run), 3 error (could not decide; the job must not
    /// run either), 2 usage or configuration error.
    Check(Box<CheckArgs>),
    /// Validate a policy document (exit 0 valid, 1 invalid, 2 unreadable)
    Validate(ValidateArgs),
    /// Print the JSON Schema of policy documents
    Schema,
    /// Print the effective policy document, every default written out
    Show(ShowArgs),
}

/// Arguments of `rpc policy check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Repository the job runs for, OWNER/NAME
    #[arg(
        long,
        value_name = "OWNER/NAME",
        required_unless_present = "from_github_env"
    )]
    pub repo: Option<String>,
    /// GitHub event that triggered the job; events other than pull_request, workflow_dispatch,
    /// push and schedule are checked as push
    #[arg(long, required_unless_present = "from_github_env")]
    pub event: Option<String>,
    /// Repository the pull request comes from (pull_request)
    #[arg(long, value_name = "OWNER/NAME")]
    pub source_repo: Option<String>,
    /// Branch the pull request targets (pull_request)
    #[arg(long, value_name = "BRANCH")]
    pub base_ref: Option<String>,
    /// Branch the pull request comes from (pull_request)
    #[arg(long, value_name = "BRANCH")]
    pub head_ref: Option<String>,
    /// Commit the job runs (pull_request)
    #[arg(long)]
    pub sha: Option<String>,
    /// Read the job from the variables of a runner's job-started hook (GITHUB_REPOSITORY,
    /// GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_BASE_REF, GITHUB_HEAD_REF)
    #[arg(long, conflicts_with_all = ["repo", "event", "source_repo", "base_ref", "head_ref", "sha", "event_payload"])]
    pub from_github_env: bool,
    /// Event payload (webhook JSON) for the author_association rule
    #[arg(long, value_name = "FILE")]
    pub event_payload: Option<PathBuf>,
    /// Policy document (YAML or JSON) instead of `policy.document` or the built-in one
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// GitHub API base URL [env: RPC_GITHUB_URL, GITHUB_API_URL]
    #[arg(long, value_name = "URL")]
    pub github_url: Option<String>,
    /// Do not use or update the on-disk cache of GitHub responses
    #[arg(long)]
    pub no_cache: bool,
    /// Ask this `rpc serve` instead of GitHub (no GitHub credential needed) [env: RPC_POLICY_SERVER]
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// File holding the one-time token for --server [env: RPC_POLICY_SERVER_TOKEN holds the token]
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

/// Arguments of `rpc policy validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The policy document
    pub file: PathBuf,
}

/// Arguments of `rpc policy show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Policy document instead of `policy.document` or the built-in one
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}
