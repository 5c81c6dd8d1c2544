//! A check's verdict: the decision, the job, every rule's result, and what it cost.

use serde::{Deserialize, Serialize};

use super::job::Job;
use crate::exit::ExitStatus;
use crate::github::Usage;

/// The decision of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The job may run.
    Pass,
    /// The job must not run.
    Fail,
    /// The check could not decide; the job must not run.
    Error,
}

impl Decision {
    /// `pass`, `fail` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }

    /// The exit status of `rpc policy check`: 0, 1 or 3.
    pub fn exit_status(self) -> ExitStatus {
        match self {
            Self::Pass => ExitStatus::Success,
            Self::Fail => ExitStatus::PolicyFail,
            Self::Error => ExitStatus::External,
        }
    }
}

/// One rule's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleResult {
    /// The rule holds.
    Pass,
    /// The rule does not hold.
    Fail,
    /// Disabled, not applicable, or not reached.
    Skip,
    /// The rule could not be evaluated.
    Error,
}

/// One rule in a verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleReport {
    /// Stable code: the specific code of a failure or error, else the rule's family code.
    pub code: String,
    /// The rule's name in policy documents.
    pub name: String,
    /// Its result.
    pub result: RuleResult,
    /// Why, in one line.
    pub reason: String,
    /// The setting the rule expects, for a failure.
    pub expected: Option<String>,
    /// The setting found.
    pub actual: Option<String>,
    /// How to fix it.
    pub remediation: Option<String>,
}

/// The verdict of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The decision.
    pub verdict: Decision,
    /// The job checked.
    pub job: Job,
    /// Every rule of the job type, in order.
    pub rules: Vec<RuleReport>,
    /// GitHub requests made.
    pub github: Usage,
    /// Shadow mode answered this failing verdict as a pass (`rpc serve` with `serve.shadow`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub shadow_would_fail: bool,
}

impl Verdict {
    /// The rule that decided a fail or error.
    pub fn deciding_rule(&self) -> Option<&RuleReport> {
        deciding_rule(&self.rules)
    }

    /// The decision and rules, as a policy server's answer carries them.
    pub fn summary(&self) -> VerdictSummary {
        VerdictSummary {
            verdict: self.verdict,
            rules: self.rules.clone(),
        }
    }
}

/// The rule that decided a fail or error.
pub fn deciding_rule(rules: &[RuleReport]) -> Option<&RuleReport> {
    rules
        .iter()
        .find(|rule| matches!(rule.result, RuleResult::Fail | RuleResult::Error))
}

/// The part of a verdict that `rpc policy check --server` reads back from `rpc serve`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerdictSummary {
    /// The decision.
    pub verdict: Decision,
    /// Every rule.
    pub rules: Vec<RuleReport>,
}
