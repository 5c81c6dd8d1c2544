//! The workflow job a check is about: its type, repository and pull-request details.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::env_vars::{
    GITHUB_BASE_REF, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_HEAD_REF, GITHUB_REPOSITORY,
};

/// The four job types of the reference service. Every other event is a `push` job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobType {
    /// A `pull_request` event.
    PullRequest,
    /// A `workflow_dispatch` event.
    WorkflowDispatch,
    /// A `push` event, and any event that is not one of the others ("default").
    Push,
    /// A `schedule` event.
    Schedule,
}

impl JobType {
    /// The job type of a GitHub event name.
    pub fn from_event(event: &str) -> Self {
        match event {
            "pull_request" => Self::PullRequest,
            "workflow_dispatch" => Self::WorkflowDispatch,
            "schedule" => Self::Schedule,
            _ => Self::Push,
        }
    }

    /// The name used in URLs, metrics and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PullRequest => "pull_request",
            Self::WorkflowDispatch => "workflow_dispatch",
            Self::Push => "push",
            Self::Schedule => "schedule",
        }
    }
}

/// `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoName {
    /// The user or organisation.
    pub owner: String,
    /// The repository.
    pub name: String,
}

impl RepoName {
    /// Parses `owner/name`.
    pub fn parse(text: &str) -> Option<Self> {
        let (owner, name) = text.trim().split_once('/')?;
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        (valid(owner) && valid(name)).then(|| Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl Serialize for RepoName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a pull_request job adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequestJob {
    /// The repository the pull request comes from (a fork, or the repository itself).
    pub source_repository: RepoName,
    /// The branch it targets.
    pub target_branch: String,
    /// The branch it comes from.
    pub source_branch: String,
    /// The commit the job runs.
    pub commit_sha: String,
}

impl PullRequestJob {
    /// Whether the pull request comes from another repository.
    pub fn is_fork(&self, repository: &RepoName) -> bool {
        !self
            .source_repository
            .to_string()
            .eq_ignore_ascii_case(&repository.to_string())
    }
}

/// A job to check.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// The job type.
    #[serde(rename = "type")]
    pub job_type: JobType,
    /// The GitHub event that triggered it.
    pub event: String,
    /// The repository the job runs for.
    pub repository: RepoName,
    /// Pull-request details, for pull_request jobs.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<PullRequestJob>,
    /// The event payload (`$GITHUB_EVENT_PATH`), if given.
    #[serde(skip)]
    pub payload: Option<Value>,
}

/// A job description that is missing or malformed: a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A required flag or variable is missing.
    #[error("{what} is required{}", context.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Missing {
        /// The flag or variable.
        what: String,
        /// When it is required.
        context: Option<String>,
    },
    /// A value is malformed.
    #[error("{what}: {problem}")]
    Invalid {
        /// The flag, variable or payload field.
        what: String,
        /// What is wrong.
        problem: String,
    },
    /// The event payload could not be read.
    #[error("cannot read event payload {path}: {detail}")]
    Payload {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

/// The job as given by flags (`rpc policy check --repo ...`).
#[derive(Debug, Clone, Default)]
pub struct JobFlags {
    /// `--repo`.
    pub repo: Option<String>,
    /// `--event`.
    pub event: Option<String>,
    /// `--source-repo`.
    pub source_repo: Option<String>,
    /// `--base-ref`.
    pub base_ref: Option<String>,
    /// `--head-ref`.
    pub head_ref: Option<String>,
    /// `--sha`.
    pub sha: Option<String>,
    /// `--event-payload`.
    pub event_payload: Option<PathBuf>,
}

fn required(value: Option<&str>, what: &str, context: Option<&str>) -> Result<String, InputError> {
    match value.map(str::trim) {
        Some(value) if !value.is_empty() => Ok(value.to_owned()),
        _ => Err(InputError::Missing {
            what: what.to_owned(),
            context: context.map(str::to_owned),
        }),
    }
}

fn repo(text: &str, what: &str) -> Result<RepoName, InputError> {
    RepoName::parse(text).ok_or_else(|| InputError::Invalid {
        what: what.to_owned(),
        problem: format!("{text:?} is not of the form OWNER/NAME"),
    })
}

fn sha(text: String, what: &str) -> Result<String, InputError> {
    if text.len() >= 7 && text.len() <= 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(text)
    } else {
        Err(InputError::Invalid {
            what: what.to_owned(),
            problem: format!("{text:?} is not a commit SHA"),
        })
    }
}

fn read_payload(path: &PathBuf) -> Result<Value, InputError> {
    let text = std::fs::read_to_string(path).map_err(|err| InputError::Payload {
        path: path.clone(),
        detail: err.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|err| InputError::Payload {
        path: path.clone(),
        detail: format!("not JSON: {err}"),
    })
}

impl Job {
    /// The job described by flags.
    pub fn from_flags(flags: &JobFlags) -> Result<Self, InputError> {
        let repository = repo(&required(flags.repo.as_deref(), "--repo", None)?, "--repo")?;
        let event = required(flags.event.as_deref(), "--event", None)?;
        let job_type = JobType::from_event(&event);
        let context = Some("for pull_request jobs");
        let pull_request = match job_type {
            JobType::PullRequest => Some(PullRequestJob {
                source_repository: repo(
                    &required(flags.source_repo.as_deref(), "--source-repo", context)?,
                    "--source-repo",
                )?,
                target_branch: required(flags.base_ref.as_deref(), "--base-ref", context)?,
                source_branch: required(flags.head_ref.as_deref(), "--head-ref", context)?,
                commit_sha: sha(required(flags.sha.as_deref(), "--sha", context)?, "--sha")?,
            }),
            _ => None,
        };
        let payload = flags.event_payload.as_ref().map(read_payload).transpose()?;
        Ok(Self {
            job_type,
            event,
            repository,
            pull_request,
            payload,
        })
    }

    /// The job of a check request to `rpc serve` (the reference API's JSON body):
    /// `repository_name`, and for pull_request jobs `source_repository_name`,
    /// `target_branch_name`, `source_branch_name` and `commit_sha`, all non-empty strings.
    pub fn from_request(job_type: JobType, event: &str, body: &Value) -> Result<Self, InputError> {
        let field = |name: &str| required(body.get(name).and_then(Value::as_str), name, None);
        let repository = repo(&field("repository_name")?, "repository_name")?;
        let pull_request = match job_type {
            JobType::PullRequest => Some(PullRequestJob {
                source_repository: repo(
                    &field("source_repository_name")?,
                    "source_repository_name",
                )?,
                target_branch: field("target_branch_name")?,
                source_branch: field("source_branch_name")?,
                commit_sha: sha(field("commit_sha")?, "commit_sha")?,
            }),
            _ => None,
        };
        Ok(Self {
            job_type,
            event: event.to_owned(),
            repository,
            pull_request,
            payload: None,
        })
    }

    /// The job as a runner's job-started hook sees it: `GITHUB_REPOSITORY`, `GITHUB_EVENT_NAME`,
    /// `GITHUB_EVENT_PATH`, `GITHUB_BASE_REF`, `GITHUB_HEAD_REF`.
    pub fn from_github_env(env: &BTreeMap<String, String>) -> Result<Self, InputError> {
        let var = |name: &str, context: Option<&str>| {
            required(env.get(name).map(String::as_str), name, context)
        };
        let repository = repo(&var(GITHUB_REPOSITORY, None)?, GITHUB_REPOSITORY)?;
        let event = var(GITHUB_EVENT_NAME, None)?;
        let payload_path = PathBuf::from(var(GITHUB_EVENT_PATH, None)?);
        let payload = read_payload(&payload_path)?;
        let job_type = JobType::from_event(&event);
        let pull_request = match job_type {
            JobType::PullRequest => {
                let context = Some("for pull_request jobs");
                let field = |pointer: &str| {
                    payload
                        .pointer(pointer)
                        .and_then(Value::as_str)
                        .filter(|value| !value.is_empty())
                        .map(str::to_owned)
                        .ok_or_else(|| InputError::Invalid {
                            what: GITHUB_EVENT_PATH.into(),
                            problem: format!(
                                "the payload has no {}",
                                pointer.trim_start_matches('/').replace('/', ".")
                            ),
                        })
                };
                let source = field("/pull_request/head/repo/full_name")?;
                Some(PullRequestJob {
                    source_repository: repo(
                        &source,
                        "GITHUB_EVENT_PATH .pull_request.head.repo.full_name",
                    )?,
                    target_branch: var(GITHUB_BASE_REF, context)?,
                    source_branch: var(GITHUB_HEAD_REF, context)?,
                    commit_sha: sha(
                        field("/pull_request/head/sha")?,
                        "GITHUB_EVENT_PATH .pull_request.head.sha",
                    )?,
                })
            }
            _ => None,
        };
        Ok(Self {
            job_type,
            event,
            repository,
            pull_request,
            payload: Some(payload),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_job_types() {
        assert_eq!(JobType::from_event("pull_request"), JobType::PullRequest);
        assert_eq!(JobType::from_event("schedule"), JobType::Schedule);
        assert_eq!(JobType::from_event("pull_request_target"), JobType::Push);
        assert_eq!(JobType::from_event("issue_comment"), JobType::Push);
    }

    #[test]
    fn repo_names() {
        assert_eq!(
            RepoName::parse("canonical/rpc").unwrap().to_string(),
            "canonical/rpc"
        );
        for bad in ["canonical", "/rpc", "a/b/c", "a b/c", ""] {
            assert!(RepoName::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn pull_request_flags_are_all_required() {
        let mut flags = JobFlags {
            repo: Some("o/r".into()),
            event: Some("pull_request".into()),
            source_repo: Some("fork/r".into()),
            base_ref: Some("main".into()),
            head_ref: Some("feature".into()),
            sha: None,
            event_payload: None,
        };
        let err = Job::from_flags(&flags).unwrap_err();
        assert_eq!(err.to_string(), "--sha is required for pull_request jobs");
        flags.sha = Some("not-a-sha".into());
        assert!(
            Job::from_flags(&flags)
                .unwrap_err()
                .to_string()
                .starts_with("--sha:")
        );
        flags.sha = Some("0123456789abcdef0123456789abcdef01234567".into());
        let job = Job::from_flags(&flags).unwrap();
        assert!(job.pull_request.unwrap().is_fork(&job.repository));

        let push = Job::from_flags(&JobFlags {
            repo: Some("o/r".into()),
            event: Some("push".into()),
            ..JobFlags::default()
        })
        .unwrap();
        assert!(push.pull_request.is_none());
    }
}
