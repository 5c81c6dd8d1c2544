//! `target_branch_protection` (RPC-BP): the pull request's target branch must be protected, and on
//! the default branch or for a fork pull request, pull-request reviews must be required without
//! any bypass.
//!
//! Protection may come from classic branch protection or from rulesets (repository and
//! organisation, as GitHub reports them for the branch). Reviews count as required when either
//! source requires them with nobody able to bypass: GitHub enforces both layers, so one
//! unbypassable requirement suffices.

use futures::future::join_all;
use serde::Deserialize;

use super::{Context, Finding, Outcome, session};
use crate::github::{ApiError, Session, encode};

/// The target branch is not protected at all.
pub const NOT_PROTECTED: &str = "RPC-BP-001";
/// Pull-request reviews are not required.
pub const REVIEWS_NOT_REQUIRED: &str = "RPC-BP-002";
/// Required reviews can be bypassed.
pub const REVIEWS_BYPASSABLE: &str = "RPC-BP-003";
/// The repository or target branch does not exist (or is hidden from rpc).
pub const NOT_FOUND: &str = "RPC-BP-004";
/// A ruleset's bypass actors are not visible to rpc's credentials.
pub const BYPASS_HIDDEN: &str = "RPC-BP-005";

#[derive(Deserialize)]
struct Repository {
    default_branch: String,
}

#[derive(Deserialize)]
struct Branch {
    protected: bool,
}

#[derive(Deserialize)]
struct Protection {
    required_pull_request_reviews: Option<Reviews>,
}

#[derive(Deserialize)]
struct Reviews {
    bypass_pull_request_allowances: Option<Allowances>,
}

#[derive(Deserialize, Default)]
struct Allowances {
    #[serde(default)]
    users: Vec<Named>,
    #[serde(default)]
    teams: Vec<Named>,
    #[serde(default)]
    apps: Vec<Named>,
}

#[derive(Deserialize)]
struct Named {
    login: Option<String>,
    slug: Option<String>,
}

#[derive(Deserialize)]
struct BranchRule {
    #[serde(rename = "type")]
    kind: String,
    parameters: Option<serde_json::Value>,
    ruleset_id: u64,
}

#[derive(Deserialize)]
struct Ruleset {
    name: String,
    bypass_actors: Option<Vec<BypassActor>>,
}

#[derive(Deserialize)]
struct BypassActor {
    actor_id: Option<u64>,
    actor_type: String,
}

/// Who requires reviews, and who may bypass them.
struct ReviewSource {
    name: String,
    bypass: Result<Vec<String>, ApiError>,
}

fn not_found(what: &str) -> Finding {
    Finding::new(NOT_FOUND, format!("the repository is not set up correctly: {what} could not be found"))
        .fix("check the repository and branch names, and that rpc's token or GitHub App can read the repository")
}

/// Evaluates the rule.
pub async fn evaluate(ctx: &Context<'_>) -> Outcome {
    let github = match session(ctx) {
        Ok(github) => github,
        Err(outcome) => return outcome,
    };
    let Some(pull_request) = ctx.pull_request() else {
        return Outcome::Skip("only pull_request jobs have a target branch".into());
    };
    let branch_name = &pull_request.target_branch;
    let repo = ctx.repo_path();
    let branch_path = format!("{repo}/branches/{}", encode(branch_name));
    let rules_path = format!("{repo}/rules/branches/{}", encode(branch_name));
    let protection_path = format!("{branch_path}/protection");
    let is_fork = pull_request.is_fork(&ctx.job.repository);
    // A fork pull request needs reviews whatever its target, so the default branch matters
    // only for same-repository pull requests.
    let default_branch = async {
        if is_fork {
            return Ok(None);
        }
        github
            .get::<Repository>(&repo)
            .await
            .map(|repository| Some(repository.default_branch))
    };
    let (default_branch, branch, rules, protection) = futures::join!(
        default_branch,
        github.get::<Branch>(&branch_path),
        github.get_all::<BranchRule>(&rules_path),
        github.get::<Protection>(&protection_path),
    );
    let branch = match branch {
        Ok(branch) => branch,
        Err(err) => return Outcome::from_api(&err, || not_found(&format!("branch {branch_name}"))),
    };
    let default_branch = match default_branch {
        Ok(default_branch) => default_branch,
        Err(err) => {
            return Outcome::from_api(&err, || {
                not_found(&format!("repository {}", ctx.job.repository))
            });
        }
    };
    let rules = match rules {
        Ok(rules) => rules,
        Err(err) if err.is_not_found() => Vec::new(),
        Err(err) => return Outcome::Error(Finding::from_api(&err)),
    };
    if !branch.protected && rules.is_empty() {
        return Outcome::Fail(
            Finding::new(NOT_PROTECTED, format!("branch protection not enabled for {branch_name}"))
                .setting("protected by a branch protection rule or a ruleset", "unprotected")
                .fix(format!(
                    "protect {branch_name}: Settings → Branches → Add branch protection rule, or Settings → Rules → Rulesets → New branch ruleset"
                )),
        );
    }
    let is_default = default_branch.as_ref() == Some(branch_name);
    if !is_default && !is_fork {
        return Outcome::Pass(format!(
            "{branch_name} is protected; reviews are only required on the default branch and for fork pull requests"
        ));
    }

    let mut sources = Vec::new();
    match protection {
        Ok(protection) => {
            if let Some(reviews) = protection.required_pull_request_reviews {
                let allowances = reviews.bypass_pull_request_allowances.unwrap_or_default();
                let names = |list: &[Named], kind: &str| {
                    list.iter()
                        .filter_map(|named| named.login.clone().or_else(|| named.slug.clone()))
                        .map(|name| format!("{kind} {name}"))
                        .collect::<Vec<_>>()
                };
                let mut bypass = names(&allowances.users, "user");
                bypass.extend(names(&allowances.teams, "team"));
                bypass.extend(names(&allowances.apps, "app"));
                sources.push(ReviewSource {
                    name: "branch protection".into(),
                    bypass: Ok(bypass),
                });
            }
        }
        Err(err) if err.is_not_found() => {}
        Err(err) => return Outcome::Error(Finding::from_api(&err)),
    }
    sources.extend(ruleset_sources(github, &repo, &rules).await);
    decide(branch_name, &sources, is_default)
}

/// The rulesets whose `pull_request` rule requires at least one approval, with their bypass actors.
async fn ruleset_sources(github: &Session, repo: &str, rules: &[BranchRule]) -> Vec<ReviewSource> {
    let mut ids: Vec<u64> = rules
        .iter()
        .filter(|rule| rule.kind == "pull_request")
        .filter(|rule| {
            rule.parameters
                .as_ref()
                .and_then(|parameters| parameters.get("required_approving_review_count"))
                .and_then(serde_json::Value::as_u64)
                .is_some_and(|count| count >= 1)
        })
        .map(|rule| rule.ruleset_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    join_all(ids.into_iter().map(|id| async move {
        let path = format!("{repo}/rulesets/{id}?includes_parents=true");
        match github.get::<Ruleset>(&path).await {
            Ok(ruleset) => ReviewSource {
                name: format!("ruleset {:?}", ruleset.name),
                bypass: ruleset
                    .bypass_actors
                    .map(|actors| {
                        actors
                            .iter()
                            .map(|actor| match actor.actor_id {
                                Some(id) => format!("{} {id}", actor.actor_type),
                                None => actor.actor_type.clone(),
                            })
                            .collect()
                    })
                    .ok_or_else(|| ApiError::Forbidden {
                        path,
                        message: "bypass actors are not visible".into(),
                    }),
            },
            Err(err) => ReviewSource {
                name: format!("ruleset {id}"),
                bypass: Err(err),
            },
        }
    }))
    .await
}

fn decide(branch: &str, sources: &[ReviewSource], is_default: bool) -> Outcome {
    let why = if is_default {
        "the default branch"
    } else {
        "the target of a fork pull request"
    };
    if let Some(source) = sources
        .iter()
        .find(|source| matches!(&source.bypass, Ok(bypass) if bypass.is_empty()))
    {
        return Outcome::Pass(format!(
            "{} requires reviews on {branch} and nobody can bypass them",
            source.name
        ));
    }
    if let Some((source, err)) = sources
        .iter()
        .find_map(|source| source.bypass.as_ref().err().map(|err| (source, err)))
    {
        let finding = if matches!(err, ApiError::Forbidden { .. }) {
            Finding::new(
                BYPASS_HIDDEN,
                format!("cannot tell who may bypass the reviews {} requires: {err}", source.name),
            )
            .fix("give rpc's token or GitHub App the repository permission Administration: read, so ruleset bypass actors are visible")
        } else {
            Finding::from_api(err)
        };
        return Outcome::Error(finding);
    }
    if sources.is_empty() {
        return Outcome::Fail(
            Finding::new(
                REVIEWS_NOT_REQUIRED,
                format!("pull request reviews are not required on {branch}, {why} (maybe a ruleset without a pull request rule)"),
            )
            .setting("at least one approving review required", "no review requirement")
            .fix(format!(
                "enable 'Require a pull request before merging' with at least one approval for {branch}, in its branch protection rule or a branch ruleset"
            )),
        );
    }
    let bypass: Vec<String> = sources
        .iter()
        .filter_map(|source| {
            let actors = source.bypass.as_ref().ok()?;
            Some(format!("{}: {}", source.name, actors.join(", ")))
        })
        .collect();
    Outcome::Fail(
        Finding::new(
            REVIEWS_BYPASSABLE,
            format!("required reviews on {branch} can be bypassed"),
        )
        .setting("no bypass allowances", bypass.join("; "))
        .fix("remove every actor from 'Allow specified actors to bypass required pull requests' in the branch protection rule, and from the ruleset's bypass list"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, bypass: &[&str]) -> ReviewSource {
        ReviewSource {
            name: name.into(),
            bypass: Ok(bypass.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    fn hidden(name: &str) -> ReviewSource {
        ReviewSource {
            name: name.into(),
            bypass: Err(ApiError::Forbidden {
                path: "/x".into(),
                message: "bypass actors are not visible".into(),
            }),
        }
    }

    fn code(outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Pass(_) => "pass",
            Outcome::Skip(_) => "skip",
            Outcome::Fail(finding) | Outcome::Error(finding) => finding.code,
        }
    }

    #[test]
    fn one_unbypassable_source_suffices() {
        let sources = [
            source("branch protection", &["user alice"]),
            source("ruleset", &[]),
        ];
        assert_eq!(code(decide("main", &sources, true)), "pass");
        let sources = [hidden("ruleset a"), source("branch protection", &[])];
        assert_eq!(code(decide("main", &sources, true)), "pass");
    }

    #[test]
    fn bypass_and_missing_reviews_fail() {
        assert_eq!(code(decide("main", &[], true)), REVIEWS_NOT_REQUIRED);
        let sources = [
            source("branch protection", &["team admins"]),
            source("ruleset", &["Integration 9"]),
        ];
        match decide("main", &sources, true) {
            Outcome::Fail(finding) => {
                assert_eq!(finding.code, REVIEWS_BYPASSABLE);
                let actual = finding.actual.unwrap();
                assert!(
                    actual.contains("team admins") && actual.contains("Integration 9"),
                    "{actual}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hidden_bypass_actors_are_an_error_not_a_pass() {
        let sources = [hidden("ruleset \"protect main\"")];
        match decide("main", &sources, true) {
            Outcome::Error(finding) => {
                assert_eq!(finding.code, BYPASS_HIDDEN);
                assert!(finding.remediation.unwrap().contains("Administration"));
            }
            other => panic!("{other:?}"),
        }
    }
}
