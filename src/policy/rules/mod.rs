//! The rules, one module each, and what they share.

pub mod author_association;
pub mod branch_protection;
pub mod collaborators;
pub mod disallow_fork;
pub mod execute_job;

use serde::Deserialize;

use super::job::{Job, PullRequestJob};
use crate::github::{ApiError, Session, encode};

/// Every specific code a verdict can carry, with its meaning (the README documents each).
pub const CODES: &[(&str, &str)] = &[
    (
        author_association::NOT_ALLOWED,
        "the author's association may not run jobs",
    ),
    (
        author_association::MISSING,
        "the event payload carries no author association",
    ),
    (
        author_association::NO_PAYLOAD,
        "enabled, but no event payload was given (error)",
    ),
    (
        branch_protection::NOT_PROTECTED,
        "the target branch is not protected",
    ),
    (
        branch_protection::REVIEWS_NOT_REQUIRED,
        "pull request reviews are not required",
    ),
    (
        branch_protection::REVIEWS_BYPASSABLE,
        "required reviews can be bypassed",
    ),
    (
        branch_protection::NOT_FOUND,
        "repository or target branch not found",
    ),
    (
        branch_protection::BYPASS_HIDDEN,
        "ruleset bypass actors not visible (error)",
    ),
    (
        collaborators::ABOVE_READ,
        "outside collaborators above read",
    ),
    (collaborators::NOT_FOUND, "repository not found"),
    (
        disallow_fork::FORK_OWNER_NOT_WRITER,
        "the fork's owner lacks write access",
    ),
    (
        disallow_fork::OWNER_NOT_FOUND,
        "the fork's owner does not exist",
    ),
    (
        execute_job::NO_PULL_REQUEST,
        "no open pull request from the fork's branch",
    ),
    (execute_job::NO_COMMENTS, "the pull request has no comments"),
    (execute_job::NOT_APPROVED, "no comment approves this commit"),
    (
        execute_job::APPROVER_NOT_WRITER,
        "approved only by users without write access",
    ),
    (
        execute_job::OWNER_NOT_FOUND,
        "the fork's owner does not exist",
    ),
    ("RPC-GH-001", "GitHub rate limit (error)"),
    (
        "RPC-GH-002",
        "GitHub unavailable: 5xx, timeout, connection (error)",
    ),
    ("RPC-GH-003", "credentials rejected or missing (error)"),
    ("RPC-GH-004", "permission missing (error)"),
    ("RPC-GH-005", "unexpected GitHub answer (error)"),
    (
        "RPC-GH-006",
        "not found where a rule cannot treat it as a failure (error)",
    ),
];

/// Every rule, in evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleId {
    /// `author_association`: the event payload's author association.
    AuthorAssociation,
    /// `target_branch_protection`.
    TargetBranchProtection,
    /// `collaborators`: outside collaborators.
    Collaborators,
    /// `disallow_fork`.
    DisallowFork,
    /// `execute_job`: per-commit approval of fork pull requests.
    ExecuteJob,
}

impl RuleId {
    /// All rules, in order.
    pub const ALL: [RuleId; 5] = [
        Self::AuthorAssociation,
        Self::TargetBranchProtection,
        Self::Collaborators,
        Self::DisallowFork,
        Self::ExecuteJob,
    ];

    /// Its name in policy documents.
    pub fn name(self) -> &'static str {
        match self {
            Self::AuthorAssociation => "author_association",
            Self::TargetBranchProtection => "target_branch_protection",
            Self::Collaborators => "collaborators",
            Self::DisallowFork => "disallow_fork",
            Self::ExecuteJob => "execute_job",
        }
    }

    /// Its family code, e.g. `RPC-BP`.
    pub fn family(self) -> &'static str {
        match self {
            Self::AuthorAssociation => "RPC-AA",
            Self::TargetBranchProtection => "RPC-BP",
            Self::Collaborators => "RPC-OC",
            Self::DisallowFork => "RPC-DF",
            Self::ExecuteJob => "RPC-EJ",
        }
    }

    /// Whether the rule calls GitHub.
    pub fn needs_github(self) -> bool {
        self != Self::AuthorAssociation
    }
}

/// A failed or undecided rule's explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable code, e.g. `RPC-BP-002`.
    pub code: &'static str,
    /// Why, in one line.
    pub reason: String,
    /// The setting expected.
    pub expected: Option<String>,
    /// The setting found.
    pub actual: Option<String>,
    /// How to fix it.
    pub remediation: Option<String>,
}

impl Finding {
    /// A finding with code and reason only.
    pub fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            expected: None,
            actual: None,
            remediation: None,
        }
    }

    /// Adds the expected and actual settings.
    pub fn setting(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }

    /// Adds the remediation.
    pub fn fix(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    /// An API failure that leaves the rule undecided.
    pub fn from_api(err: &ApiError) -> Self {
        Self {
            code: err.code(),
            reason: err.to_string(),
            expected: None,
            actual: None,
            remediation: err.hint().map(str::to_owned),
        }
    }
}

/// What a rule decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It holds, and why.
    Pass(String),
    /// It does not apply, and why.
    Skip(String),
    /// It does not hold.
    Fail(Finding),
    /// It could not be decided.
    Error(Finding),
}

impl Outcome {
    /// The outcome of an API failure: a 404 is a failure with `not_found` (the reference treats
    /// a missing repository, branch or user as a setup problem); anything else an error.
    pub fn from_api(err: &ApiError, not_found: impl FnOnce() -> Finding) -> Self {
        if err.is_not_found() {
            let mut finding = not_found();
            finding.actual = Some(err.to_string());
            Outcome::Fail(finding)
        } else {
            Outcome::Error(Finding::from_api(err))
        }
    }
}

/// What a rule sees.
pub struct Context<'a> {
    /// The job.
    pub job: &'a Job,
    /// GitHub, for rules that call it.
    pub github: Option<&'a Session>,
    /// The phrase that approves a fork pull request's commit.
    pub approval_phrase: &'a str,
}

impl Context<'_> {
    /// The pull-request details; rules of pull_request jobs only run with them.
    pub fn pull_request(&self) -> Option<&PullRequestJob> {
        self.job.pull_request.as_ref()
    }

    /// `/repos/{owner}/{repo}` of the job's repository.
    pub fn repo_path(&self) -> String {
        format!(
            "/repos/{}/{}",
            encode(&self.job.repository.owner),
            encode(&self.job.repository.name)
        )
    }
}

/// `GET /repos/{o}/{r}/collaborators/{user}/permission`.
#[derive(Debug, Clone, Deserialize)]
pub struct Permission {
    /// `admin`, `write`, `read` or `none` (maintain shows as write, triage as read).
    pub permission: String,
}

impl Permission {
    /// Write or admin.
    pub fn can_write(&self) -> bool {
        matches!(self.permission.as_str(), "admin" | "write")
    }
}

/// The permission of `user` on the job's repository (memoised per check).
pub async fn permission(
    ctx: &Context<'_>,
    github: &Session,
    user: &str,
) -> Result<Permission, ApiError> {
    let path = format!(
        "{}/collaborators/{}/permission",
        ctx.repo_path(),
        encode(user)
    );
    github.get(&path).await
}

/// The GitHub session, or the error every GitHub rule reports without one.
pub fn session<'a>(ctx: &Context<'a>) -> Result<&'a Session, Outcome> {
    ctx.github.ok_or_else(|| {
        Outcome::Error(Finding::new(
            "RPC-GH-003",
            "no GitHub credentials are configured",
        ))
    })
}
