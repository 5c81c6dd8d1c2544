//! `collaborators` (RPC-OC): no outside collaborator may have more than read access, since any
//! of them could push a workflow that runs on the self-hosted runners.

use serde::Deserialize;

use super::{Context, Finding, Outcome, session};

/// Outside collaborators with more than read access.
pub const ABOVE_READ: &str = "RPC-OC-001";
/// The repository does not exist (or is hidden from rpc).
pub const NOT_FOUND: &str = "RPC-OC-002";

#[derive(Deserialize)]
struct Collaborator {
    login: String,
    role_name: String,
}

/// Evaluates the rule.
pub async fn evaluate(ctx: &Context<'_>) -> Outcome {
    let github = match session(ctx) {
        Ok(github) => github,
        Err(outcome) => return outcome,
    };
    let path = format!(
        "{}/collaborators?affiliation=outside&permission=triage",
        ctx.repo_path()
    );
    let collaborators = match github.get_all::<Collaborator>(&path).await {
        Ok(collaborators) => collaborators,
        Err(err) => {
            return Outcome::from_api(&err, || {
                Finding::new(
                    NOT_FOUND,
                    format!(
                        "the repository is not set up correctly: {} could not be found",
                        ctx.job.repository
                    ),
                )
                .fix("check the repository name, and that rpc's token or GitHub App can read it")
            });
        }
    };
    let above_read: Vec<String> = collaborators
        .iter()
        .filter(|collaborator| collaborator.role_name != "read")
        .map(|collaborator| format!("{} ({})", collaborator.login, collaborator.role_name))
        .collect();
    if above_read.is_empty() {
        return Outcome::Pass("no outside collaborator has more than read access".into());
    }
    Outcome::Fail(
        Finding::new(
            ABOVE_READ,
            format!(
                "outside collaborators have more than read access: {}",
                above_read.join(", ")
            ),
        )
        .setting("outside collaborators with read access at most", above_read.join(", "))
        .fix("lower these outside collaborators to Read, or make them organisation members: Settings → Collaborators and teams"),
    )
}
