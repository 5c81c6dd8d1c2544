//! `author_association` (RPC-AA): decides from the event payload alone, as the runner manager's
//! job-started hook does since 2026. No API call.
//!
//! Checked events: pull_request, pull_request_target, pull_request_review,
//! pull_request_review_comment and issue_comment. OWNER, MEMBER and COLLABORATOR pass, and
//! CONTRIBUTOR too on a private repository; a same-repository pull request skips the rule.

use serde_json::Value;

use super::{Context, Finding, Outcome};

/// The association is not allowed.
pub const NOT_ALLOWED: &str = "RPC-AA-001";
/// The payload carries no association.
pub const MISSING: &str = "RPC-AA-002";
/// No payload was given although the rule is enabled.
pub const NO_PAYLOAD: &str = "RPC-AA-003";

const REMEDIATION: &str = "a maintainer must review the contribution; to let this author's jobs run, add them as a collaborator (Settings → Collaborators and teams)";

/// Evaluates the rule.
pub fn evaluate(ctx: &Context<'_>) -> Outcome {
    let Some(payload) = ctx.job.payload.as_ref() else {
        return Outcome::Error(
            Finding::new(NO_PAYLOAD, "author_association is enabled but no event payload was given")
                .fix("pass --event-payload FILE or --from-github-env, or disable author_association in the policy"),
        );
    };
    let event = ctx.job.event.as_str();
    let source = match event {
        "issue_comment" => "/comment",
        "pull_request"
        | "pull_request_target"
        | "pull_request_review"
        | "pull_request_review_comment" => {
            let full_name = |pointer: &str| {
                payload
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .filter(|name| !name.is_empty())
            };
            let head = full_name("/pull_request/head/repo/full_name");
            if head.is_some() && head == full_name("/pull_request/base/repo/full_name") {
                return Outcome::Skip("same-repository pull request".into());
            }
            match event {
                "pull_request_review" => "/review",
                "pull_request_review_comment" => "/comment",
                _ => "/pull_request",
            }
        }
        other => {
            return Outcome::Pass(format!(
                "{other} events are not checked by author association"
            ));
        }
    };
    let private = payload
        .pointer("/repository/private")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut allowed = vec!["OWNER", "MEMBER", "COLLABORATOR"];
    if private {
        allowed.push("CONTRIBUTOR");
    }
    let expected = allowed.join(", ");
    let field = format!("{source}/author_association");
    match payload.pointer(&field).and_then(Value::as_str) {
        Some(association) if allowed.contains(&association) => {
            Outcome::Pass(format!("author association {association} is allowed"))
        }
        Some(association) => Outcome::Fail(
            Finding::new(
                NOT_ALLOWED,
                format!("author association {association} may not run jobs on these runners"),
            )
            .setting(expected, association)
            .fix(REMEDIATION),
        ),
        None => Outcome::Fail(
            Finding::new(
                MISSING,
                format!(
                    "the {event} payload has no {}",
                    field.trim_start_matches('/').replace('/', ".")
                ),
            )
            .setting(expected, "none")
            .fix("run the check from the job-started hook of a runner, where GITHUB_EVENT_PATH holds the event"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::job::{Job, JobType, RepoName};
    use serde_json::json;

    fn outcome(event: &str, payload: Option<Value>) -> Outcome {
        let job = Job {
            job_type: JobType::from_event(event),
            event: event.into(),
            repository: RepoName::parse("o/r").unwrap(),
            pull_request: None,
            payload,
        };
        evaluate(&Context {
            job: &job,
            github: None,
            approval_phrase: "",
        })
    }

    fn pr(association: &str, private: bool) -> Value {
        json!({
            "pull_request": {
                "author_association": association,
                "head": {"repo": {"full_name": "fork/r"}},
                "base": {"repo": {"full_name": "o/r"}}
            },
            "repository": {"private": private}
        })
    }

    #[test]
    fn allowed_associations() {
        for association in ["OWNER", "MEMBER", "COLLABORATOR"] {
            assert!(matches!(
                outcome("pull_request", Some(pr(association, false))),
                Outcome::Pass(_)
            ));
        }
        assert!(matches!(
            outcome("pull_request_target", Some(pr("CONTRIBUTOR", true))),
            Outcome::Pass(_)
        ));
        match outcome("pull_request", Some(pr("CONTRIBUTOR", false))) {
            Outcome::Fail(finding) => {
                assert_eq!(finding.code, NOT_ALLOWED);
                assert_eq!(finding.actual.as_deref(), Some("CONTRIBUTOR"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            outcome("pull_request", Some(pr("FIRST_TIME_CONTRIBUTOR", true))),
            Outcome::Fail(_)
        ));
    }

    #[test]
    fn same_repository_skips_and_other_events_pass() {
        let mut same = pr("NONE", false);
        same["pull_request"]["head"]["repo"]["full_name"] = json!("o/r");
        assert!(matches!(
            outcome("pull_request", Some(same)),
            Outcome::Skip(_)
        ));
        assert!(matches!(outcome("push", Some(json!({}))), Outcome::Pass(_)));
    }

    #[test]
    fn review_comment_and_issue_comment_fields() {
        let review = json!({"review": {"author_association": "MEMBER"}, "pull_request": {}});
        assert!(matches!(
            outcome("pull_request_review", Some(review)),
            Outcome::Pass(_)
        ));
        let comment = json!({"comment": {"author_association": "NONE"}});
        assert!(matches!(
            outcome("issue_comment", Some(comment)),
            Outcome::Fail(_)
        ));
        let missing = json!({"pull_request": {"head": {"repo": {"full_name": "f/r"}}}});
        match outcome("pull_request", Some(missing)) {
            Outcome::Fail(finding) => assert_eq!(finding.code, MISSING),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_payload_is_an_error() {
        match outcome("pull_request", None) {
            Outcome::Error(finding) => assert_eq!(finding.code, NO_PAYLOAD),
            other => panic!("{other:?}"),
        }
    }
}
