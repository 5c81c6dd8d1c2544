//! `execute_job` (RPC-EJ): a fork pull request's commit runs only once someone with write access
//! has approved that very commit in a comment: `<approval phrase> <commit SHA>`, outside quotes.
//!
//! The pull request is found with GitHub's `head=<fork owner>:<branch>` filter, so another fork's
//! pull request with the same branch name cannot hide it.

use futures::future::join_all;
use serde::Deserialize;

use super::{Context, Finding, Outcome, permission, session};
use crate::github::encode;

/// No open pull request from the fork's branch.
pub const NO_PULL_REQUEST: &str = "RPC-EJ-001";
/// The pull request has no comments.
pub const NO_COMMENTS: &str = "RPC-EJ-002";
/// No comment approves this commit.
pub const NOT_APPROVED: &str = "RPC-EJ-003";
/// Approval comments exist, but none from someone with write access.
pub const APPROVER_NOT_WRITER: &str = "RPC-EJ-004";
/// The fork's owner does not exist (a deleted account).
pub const OWNER_NOT_FOUND: &str = "RPC-EJ-005";

#[derive(Deserialize)]
struct Pull {
    number: u64,
    base: Ref,
}

#[derive(Deserialize)]
struct Ref {
    #[serde(rename = "ref")]
    name: String,
}

#[derive(Deserialize)]
struct Comment {
    body: Option<String>,
    user: Option<User>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

/// Whether `body`, without its quoted lines, approves `expected`.
pub fn approves(body: &str, expected: &str) -> bool {
    body.lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .any(|line| line.contains(expected))
}

/// Evaluates the rule.
pub async fn evaluate(ctx: &Context<'_>) -> Outcome {
    let github = match session(ctx) {
        Ok(github) => github,
        Err(outcome) => return outcome,
    };
    let Some(pull_request) = ctx.pull_request() else {
        return Outcome::Skip("only pull_request jobs need approval".into());
    };
    if !pull_request.is_fork(&ctx.job.repository) {
        return Outcome::Pass("the pull request does not come from a fork".into());
    }
    let owner = &pull_request.source_repository.owner;
    let branch = &pull_request.source_branch;
    let pulls_path = format!(
        "{}/pulls?state=open&head={}",
        ctx.repo_path(),
        encode(&format!("{owner}:{branch}"))
    );
    let (owner_permission, pulls) = futures::join!(
        permission(ctx, github, owner),
        github.get_all::<Pull>(&pulls_path)
    );
    match owner_permission {
        Ok(permission) if permission.can_write() => {
            return Outcome::Pass(format!(
                "the fork's owner {owner} has {} access",
                permission.permission
            ));
        }
        Ok(_) => {}
        Err(err) => {
            return Outcome::from_api(&err, || {
                Finding::new(
                    OWNER_NOT_FOUND,
                    format!(
                        "the repository is not set up correctly: the fork's owner {owner} could not be found"
                    ),
                )
            });
        }
    }
    let pulls = match pulls {
        Ok(pulls) => pulls,
        Err(err) => return Outcome::Error(Finding::from_api(&err)),
    };
    let target = &pull_request.target_branch;
    let Some(pull) = pulls
        .iter()
        .find(|pull| pull.base.name == *target)
        .or_else(|| pulls.first())
    else {
        return Outcome::Fail(
            Finding::new(
                NO_PULL_REQUEST,
                format!("no open pull request from {owner}:{branch}"),
            )
            .fix("open a pull request from the fork's branch"),
        );
    };
    let comments_path = format!("{}/issues/{}/comments", ctx.repo_path(), pull.number);
    let comments = match github.get_all::<Comment>(&comments_path).await {
        Ok(comments) => comments,
        Err(err) => return Outcome::Error(Finding::from_api(&err)),
    };
    let expected = format!("{} {}", ctx.approval_phrase, pull_request.commit_sha);
    let remediation = format!(
        "a maintainer with write access reviews commit {} and comments `{expected}` on pull request #{}",
        pull_request.commit_sha, pull.number
    );
    if comments.is_empty() {
        return Outcome::Fail(
            Finding::new(
                NO_COMMENTS,
                format!("pull request #{} has no comments", pull.number),
            )
            .setting(format!("a comment containing `{expected}`"), "no comments")
            .fix(remediation),
        );
    }
    let mut approvers: Vec<&str> = comments
        .iter()
        .filter(|comment| {
            comment
                .body
                .as_deref()
                .is_some_and(|body| approves(body, &expected))
        })
        .filter_map(|comment| comment.user.as_ref().map(|user| user.login.as_str()))
        .collect();
    approvers.sort_unstable();
    approvers.dedup();
    if approvers.is_empty() {
        return Outcome::Fail(
            Finding::new(
                NOT_APPROVED,
                format!(
                    "no comment on pull request #{} approves commit {}",
                    pull.number, pull_request.commit_sha
                ),
            )
            .setting(
                format!("a comment containing `{expected}`"),
                "no approval of this commit",
            )
            .fix(remediation),
        );
    }
    let permissions = join_all(approvers.iter().map(|login| permission(ctx, github, login))).await;
    let mut first_error = None;
    for (login, permission) in approvers.iter().zip(permissions) {
        match permission {
            Ok(permission) if permission.can_write() => {
                return Outcome::Pass(format!(
                    "{login} ({}) approved commit {}",
                    permission.permission, pull_request.commit_sha
                ));
            }
            Ok(_) => {}
            Err(err) if err.is_not_found() => {}
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    if let Some(err) = first_error {
        return Outcome::Error(Finding::from_api(&err));
    }
    Outcome::Fail(
        Finding::new(
            APPROVER_NOT_WRITER,
            format!(
                "commit {} was approved only by users without write access: {}",
                pull_request.commit_sha,
                approvers.join(", ")
            ),
        )
        .setting(
            "approval by a user with write or admin access",
            approvers.join(", "),
        )
        .fix(remediation),
    )
}

#[cfg(test)]
mod tests {
    use super::approves;

    #[test]
    fn quoted_lines_do_not_approve() {
        let expected = "/canonical/self-hosted-runners/run-workflows abc123";
        assert!(approves(
            "LGTM\n/canonical/self-hosted-runners/run-workflows abc123\n",
            expected
        ));
        assert!(!approves(
            "> /canonical/self-hosted-runners/run-workflows abc123",
            expected
        ));
        assert!(!approves(
            "   > /canonical/self-hosted-runners/run-workflows abc123",
            expected
        ));
        assert!(!approves(
            "/canonical/self-hosted-runners/run-workflows abc124",
            expected
        ));
    }
}
