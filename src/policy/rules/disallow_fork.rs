//! `disallow_fork` (RPC-DF): a fork pull request may run only when the fork's owner has write or
//! admin access to the repository.

use super::{Context, Finding, Outcome, permission, session};

/// The fork's owner lacks write access.
pub const FORK_OWNER_NOT_WRITER: &str = "RPC-DF-001";
/// The fork's owner does not exist (a deleted account).
pub const OWNER_NOT_FOUND: &str = "RPC-DF-002";

/// Evaluates the rule.
pub async fn evaluate(ctx: &Context<'_>) -> Outcome {
    let github = match session(ctx) {
        Ok(github) => github,
        Err(outcome) => return outcome,
    };
    let Some(pull_request) = ctx.pull_request() else {
        return Outcome::Skip("only pull_request jobs come from forks".into());
    };
    if !pull_request.is_fork(&ctx.job.repository) {
        return Outcome::Pass("the pull request does not come from a fork".into());
    }
    let owner = &pull_request.source_repository.owner;
    match permission(ctx, github, owner).await {
        Ok(permission) if permission.can_write() => Outcome::Pass(format!(
            "the fork's owner {owner} has {} access",
            permission.permission
        )),
        Ok(permission) => Outcome::Fail(
            Finding::new(
                FORK_OWNER_NOT_WRITER,
                format!(
                    "the owner of the fork repository ({owner}) does not have collaborator (write/admin) privileges"
                ),
            )
            .setting("write or admin", permission.permission)
            .fix("push the branch to this repository instead of a fork, or give the fork's owner write access"),
        ),
        Err(err) => Outcome::from_api(&err, || {
            Finding::new(
                OWNER_NOT_FOUND,
                format!("the repository is not set up correctly: the fork's owner {owner} could not be found"),
            )
            .fix("the fork's owner may have been deleted; open the pull request from an existing account")
        }),
    }
}
