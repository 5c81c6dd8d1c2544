//! Evaluates a job's rules: concurrently, but decided in the sequential order of the reference,
//! and failing closed.

use futures::future::{BoxFuture, FutureExt, join_all};

use super::document::PolicyDocument;
use super::job::{Job, JobType};
use super::rules::{
    self, Context, Finding, Outcome, RuleId, author_association, branch_protection, collaborators,
    disallow_fork, execute_job,
};
use super::verdict::{Decision, RuleReport, RuleResult, Verdict};
use crate::github::{ApiError, GitHub, Session, Usage};

/// The rules of a job type, in order.
pub fn rule_order(job: JobType) -> &'static [RuleId] {
    match job {
        JobType::PullRequest => &RuleId::ALL,
        _ => &[RuleId::AuthorAssociation, RuleId::Collaborators],
    }
}

/// Whether any enabled rule of `job` calls GitHub (so credentials are needed).
pub fn needs_github(document: &PolicyDocument, job: JobType) -> bool {
    rule_order(job)
        .iter()
        .any(|rule| rule.needs_github() && document.enabled(job, *rule))
}

/// Checks `job` against `document`.
///
/// `github` may be `None` only when no enabled rule needs it (see [`needs_github`]); a rule that
/// needs it then reports an error rather than passing.
pub async fn check(
    job: &Job,
    document: &PolicyDocument,
    github: Option<&GitHub>,
    approval_phrase: &str,
) -> Verdict {
    let order = rule_order(job.job_type);
    let enabled: Vec<bool> = order
        .iter()
        .map(|rule| document.enabled(job.job_type, *rule))
        .collect();

    let session: Option<Result<Session, ApiError>> = match github {
        Some(github) if needs_github(document, job.job_type) => Some(
            github
                .session(&job.repository.owner, &job.repository.name)
                .await,
        ),
        _ => None,
    };
    let (session, session_error) = match session {
        Some(Ok(session)) => (Some(session), None),
        Some(Err(err)) => (None, Some(err)),
        None => (None, None),
    };
    let ctx = Context {
        job,
        github: session.as_ref(),
        approval_phrase,
    };

    let evaluations = order.iter().zip(&enabled).map(|(rule, enabled)| {
        let ctx = &ctx;
        let session_error = session_error.as_ref();
        async move {
            if !enabled {
                return None;
            }
            if let (true, Some(err)) = (rule.needs_github(), session_error) {
                return Some(Outcome::Error(Finding::from_api(err)));
            }
            Some(evaluate(*rule, ctx).await)
        }
    });
    let outcomes = join_all(evaluations).await;

    let mut decision = Decision::Pass;
    let mut reports = Vec::with_capacity(order.len());
    for (rule, outcome) in order.iter().zip(outcomes) {
        let report = match outcome {
            None => skipped(*rule, "disabled by the policy"),
            Some(_) if decision != Decision::Pass => skipped(*rule, "not reached"),
            Some(outcome) => {
                let report = report(*rule, outcome);
                decision = match report.result {
                    RuleResult::Fail => Decision::Fail,
                    RuleResult::Error => Decision::Error,
                    RuleResult::Pass | RuleResult::Skip => Decision::Pass,
                };
                report
            }
        };
        reports.push(report);
    }
    let usage = session.as_ref().map_or(
        Usage {
            requests: 0,
            not_modified: 0,
            rate_limit_remaining: None,
        },
        Session::usage,
    );
    Verdict {
        verdict: decision,
        job: job.clone(),
        rules: reports,
        github: usage,
        shadow_would_fail: false,
    }
}

fn evaluate<'a>(rule: RuleId, ctx: &'a Context<'a>) -> BoxFuture<'a, Outcome> {
    match rule {
        RuleId::AuthorAssociation => {
            futures::future::ready(author_association::evaluate(ctx)).boxed()
        }
        RuleId::TargetBranchProtection => branch_protection::evaluate(ctx).boxed(),
        RuleId::Collaborators => collaborators::evaluate(ctx).boxed(),
        RuleId::DisallowFork => disallow_fork::evaluate(ctx).boxed(),
        RuleId::ExecuteJob => execute_job::evaluate(ctx).boxed(),
    }
}

fn skipped(rule: RuleId, reason: &str) -> RuleReport {
    RuleReport {
        code: rule.family().into(),
        name: rule.name().into(),
        result: RuleResult::Skip,
        reason: reason.into(),
        expected: None,
        actual: None,
        remediation: None,
    }
}

fn report(rule: RuleId, outcome: Outcome) -> RuleReport {
    let (result, finding) = match outcome {
        Outcome::Pass(reason) => (RuleResult::Pass, rules::Finding::new("", reason)),
        Outcome::Skip(reason) => (RuleResult::Skip, rules::Finding::new("", reason)),
        Outcome::Fail(finding) => (RuleResult::Fail, finding),
        Outcome::Error(finding) => (RuleResult::Error, finding),
    };
    RuleReport {
        code: if finding.code.is_empty() {
            rule.family().into()
        } else {
            finding.code.into()
        },
        name: rule.name().into(),
        result,
        reason: finding.reason,
        expected: finding.expected,
        actual: finding.actual,
        remediation: finding.remediation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::job::RepoName;
    use serde_json::json;

    fn job(event: &str, association: &str) -> Job {
        Job {
            job_type: JobType::from_event(event),
            event: event.into(),
            repository: RepoName::parse("o/r").unwrap(),
            pull_request: None,
            payload: Some(json!({"comment": {"author_association": association}})),
        }
    }

    fn document(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap()
    }

    #[tokio::test]
    async fn only_author_association_needs_no_github() {
        let doc = document(
            "author_association: {enabled: true}\npush: {collaborators: {enabled: false}}\n",
        );
        assert!(!needs_github(&doc, JobType::Push));
        let verdict = check(&job("issue_comment", "NONE"), &doc, None, "").await;
        assert_eq!(verdict.verdict, Decision::Fail);
        assert_eq!(verdict.rules[0].code, author_association::NOT_ALLOWED);
        assert_eq!(verdict.rules[1].result, RuleResult::Skip);
        assert_eq!(verdict.rules[1].reason, "disabled by the policy");
        assert_eq!(verdict.github.requests, 0);
    }

    #[tokio::test]
    async fn a_rule_needing_github_without_it_is_an_error() {
        let doc = document("author_association: {enabled: true}\n");
        let verdict = check(&job("issue_comment", "OWNER"), &doc, None, "").await;
        assert_eq!(verdict.verdict, Decision::Error);
        assert_eq!(verdict.rules[0].result, RuleResult::Pass);
        assert_eq!(verdict.rules[1].result, RuleResult::Error);
    }

    #[test]
    fn pull_request_order_matches_the_reference() {
        let names: Vec<&str> = rule_order(JobType::PullRequest)
            .iter()
            .map(|r| r.name())
            .collect();
        assert_eq!(
            names,
            [
                "author_association",
                "target_branch_protection",
                "collaborators",
                "disallow_fork",
                "execute_job"
            ]
        );
    }
}
