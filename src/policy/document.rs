//! Policy documents: which rules apply to which job type.
//!
//! The schema is the reference service's (`pull_request`, `workflow_dispatch`, `push`,
//! `schedule`, each rule `{enabled: bool}`, unknown keys rejected, a rule not mentioned counts as
//! enabled) plus the top-level `author_association` rule, which counts as *disabled* when not
//! mentioned so that documents written for the reference keep their meaning.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::job::JobType;
use super::rules::RuleId;

/// Turns one rule on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    /// Whether the rule is evaluated.
    pub enabled: bool,
}

impl Switch {
    const ON: Option<Switch> = Some(Switch { enabled: true });
    const OFF: Option<Switch> = Some(Switch { enabled: false });
}

/// Rules of `pull_request` jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PullRequestRules {
    /// The target branch must be protected; reviews required and not bypassable on the default
    /// branch and for fork pull requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_branch_protection: Option<Switch>,
    /// No outside collaborator may have more than read access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Switch>,
    /// The fork's owner must have write or admin access to the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disallow_fork: Option<Switch>,
    /// A fork pull request's commit must be approved by a writer's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execute_job: Option<Switch>,
}

/// Rules of `workflow_dispatch`, `push` and `schedule` jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchJobRules {
    /// No outside collaborator may have more than read access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Switch>,
}

/// A policy document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "rpc policy document")]
pub struct PolicyDocument {
    /// Decide from the event payload's `author_association` (no API call). Disabled unless
    /// enabled here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_association: Option<Switch>,
    /// Rules of pull_request jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequestRules>,
    /// Rules of workflow_dispatch jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_dispatch: Option<BranchJobRules>,
    /// Rules of push jobs (and of every event that is not one of the four job types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<BranchJobRules>,
    /// Rules of schedule jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<BranchJobRules>,
}

/// A document that could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The file could not be read.
    #[error("cannot read policy document {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The document does not match the schema.
    #[error("{}", match .path.as_str() { "" | "." => .message.clone(), path => format!("{path}: {}", .message) })]
    Invalid {
        /// Where in the document, e.g. `pull_request.execute_job.enabled`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl PolicyDocument {
    /// The built-in document: every rule except `pull_request.disallow_fork` (and
    /// `author_association`); with `disallow_fork`, only `pull_request.disallow_fork`.
    pub fn builtin(disallow_fork: bool) -> Self {
        let (rule, fork) = if disallow_fork {
            (Switch::OFF, Switch::ON)
        } else {
            (Switch::ON, Switch::OFF)
        };
        let branch = Some(BranchJobRules {
            collaborators: rule,
        });
        Self {
            author_association: Switch::OFF,
            pull_request: Some(PullRequestRules {
                target_branch_protection: rule,
                collaborators: rule,
                disallow_fork: fork,
                execute_job: rule,
            }),
            workflow_dispatch: branch.clone(),
            push: branch.clone(),
            schedule: branch,
        }
    }

    /// Parses YAML or JSON (JSON is YAML).
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let deserializer = serde_norway::Deserializer::from_str(text);
        serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let path = err.path().to_string();
            let message = err.inner().to_string();
            // serde_norway's own message may already start with (a prefix of) the path.
            let message = match message.split_once(": ") {
                Some((head, rest)) if path.starts_with(head) => rest,
                _ => &message,
            };
            DocumentError::Invalid {
                message: clean_message(message),
                path,
            }
        })
    }

    /// Reads and parses a file.
    pub fn read(path: &Path) -> Result<Self, DocumentError> {
        let text = std::fs::read_to_string(path).map_err(|source| DocumentError::Unreadable {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The same document with every default written out.
    pub fn effective(&self) -> Self {
        let on = |switch: Option<Switch>| Some(switch.unwrap_or(Switch { enabled: true }));
        let pull_request = self.pull_request.clone().unwrap_or_default();
        let branch = |rules: &Option<BranchJobRules>| {
            Some(BranchJobRules {
                collaborators: on(rules.as_ref().and_then(|rules| rules.collaborators)),
            })
        };
        Self {
            author_association: Some(self.author_association.unwrap_or(Switch { enabled: false })),
            pull_request: Some(PullRequestRules {
                target_branch_protection: on(pull_request.target_branch_protection),
                collaborators: on(pull_request.collaborators),
                disallow_fork: on(pull_request.disallow_fork),
                execute_job: on(pull_request.execute_job),
            }),
            workflow_dispatch: branch(&self.workflow_dispatch),
            push: branch(&self.push),
            schedule: branch(&self.schedule),
        }
    }

    /// Whether `rule` is enabled for `job`.
    pub fn enabled(&self, job: JobType, rule: RuleId) -> bool {
        let on = |switch: Option<Switch>| switch.is_none_or(|switch| switch.enabled);
        let pull_request = self.pull_request.clone().unwrap_or_default();
        let branch = match job {
            JobType::PullRequest => None,
            JobType::WorkflowDispatch => Some(&self.workflow_dispatch),
            JobType::Push => Some(&self.push),
            JobType::Schedule => Some(&self.schedule),
        };
        match (rule, branch) {
            (RuleId::AuthorAssociation, _) => self.author_association.is_some_and(|s| s.enabled),
            (RuleId::Collaborators, Some(rules)) => {
                on(rules.as_ref().and_then(|rules| rules.collaborators))
            }
            (_, Some(_)) => false,
            (RuleId::TargetBranchProtection, None) => on(pull_request.target_branch_protection),
            (RuleId::Collaborators, None) => on(pull_request.collaborators),
            (RuleId::DisallowFork, None) => on(pull_request.disallow_fork),
            (RuleId::ExecuteJob, None) => on(pull_request.execute_job),
        }
    }

    /// The JSON Schema of policy documents.
    pub fn schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(PolicyDocument)).unwrap_or_default()
    }
}

/// Makes serde's messages read as `expected a boolean, found string "yes"`.
fn clean_message(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    match message.strip_prefix("invalid type: ") {
        Some(rest) => match rest.split_once(", expected ") {
            Some((found, expected)) => format!("expected {expected}, found {found}"),
            None => rest.to_owned(),
        },
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_documents_match_the_reference() {
        let default = PolicyDocument::builtin(false);
        assert!(default.enabled(JobType::PullRequest, RuleId::TargetBranchProtection));
        assert!(default.enabled(JobType::PullRequest, RuleId::ExecuteJob));
        assert!(!default.enabled(JobType::PullRequest, RuleId::DisallowFork));
        assert!(default.enabled(JobType::Push, RuleId::Collaborators));
        assert!(!default.enabled(JobType::PullRequest, RuleId::AuthorAssociation));

        let fork = PolicyDocument::builtin(true);
        assert!(fork.enabled(JobType::PullRequest, RuleId::DisallowFork));
        for rule in [
            RuleId::TargetBranchProtection,
            RuleId::Collaborators,
            RuleId::ExecuteJob,
        ] {
            assert!(!fork.enabled(JobType::PullRequest, rule), "{rule:?}");
        }
        assert!(!fork.enabled(JobType::Schedule, RuleId::Collaborators));
        assert!(!fork.enabled(JobType::Push, RuleId::AuthorAssociation));
    }

    #[test]
    fn unmentioned_rules_are_enabled_except_author_association() {
        let doc =
            PolicyDocument::parse("pull_request:\n  execute_job:\n    enabled: false\n").unwrap();
        assert!(!doc.enabled(JobType::PullRequest, RuleId::ExecuteJob));
        assert!(doc.enabled(JobType::PullRequest, RuleId::DisallowFork));
        assert!(doc.enabled(JobType::WorkflowDispatch, RuleId::Collaborators));
        assert!(!doc.enabled(JobType::PullRequest, RuleId::AuthorAssociation));
        assert!(!doc.enabled(JobType::Push, RuleId::TargetBranchProtection));

        let effective = doc.effective();
        assert_eq!(effective.author_association, Switch::OFF);
        assert_eq!(effective.pull_request.unwrap().disallow_fork, Switch::ON);
    }

    #[test]
    fn json_documents_parse_too() {
        let doc = PolicyDocument::parse(r#"{"author_association": {"enabled": true}, "push": {"collaborators": {"enabled": false}}}"#).unwrap();
        assert!(doc.enabled(JobType::Push, RuleId::AuthorAssociation));
        assert!(!doc.enabled(JobType::Push, RuleId::Collaborators));
    }

    #[test]
    fn errors_name_the_path() {
        let err = PolicyDocument::parse("pull_request:\n  execute_job:\n    enabled: maybe\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "pull_request.execute_job.enabled: expected a boolean, found string \"maybe\""
        );
        let err = PolicyDocument::parse("pull_request:\n  execute_jobs:\n    enabled: true\n")
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("pull_request.execute_jobs: unknown field `execute_jobs`"),
            "{err}"
        );
        let err = PolicyDocument::parse("push:\n  collaborators: {}\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("push.collaborators: missing field `enabled`"),
            "{err}"
        );
    }

    #[test]
    fn schema_rejects_unknown_keys() {
        let schema = PolicyDocument::schema();
        assert_eq!(schema["additionalProperties"], false);
        let text = schema.to_string();
        assert!(text.contains("execute_job") && text.contains("author_association"));
    }
}
