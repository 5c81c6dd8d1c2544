//! The policy gate: may this workflow job run on our self-hosted runners?
//!
//! A [`Job`] is checked against a [`PolicyDocument`] by [`check`], which evaluates the enabled
//! [`rules`] of the job type and returns a [`Verdict`] explaining every rule.

pub mod document;
pub mod engine;
pub mod job;
pub mod rules;
pub mod verdict;

pub use document::{DocumentError, PolicyDocument};
pub use engine::{check, needs_github};
pub use job::{InputError, Job, JobFlags, JobType, RepoName};
pub use rules::RuleId;
pub use verdict::{Decision, RuleReport, RuleResult, Verdict, VerdictSummary};
