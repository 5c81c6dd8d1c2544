//! `rpc policy …` output.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Format, write_json};
use crate::policy::verdict::deciding_rule;
use crate::policy::{Decision, PolicyDocument, RuleResult, Verdict, VerdictSummary};

/// Writes a verdict: one line per rule, then the decision and its remediation; or the verdict JSON.
pub fn render_verdict(verdict: &Verdict, format: Format) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Json => write_json(&mut stdout, verdict),
        Format::Human => write_verdict(&mut stdout, &verdict.summary()),
    }
}

/// Writes the verdict a policy server answered: as it came (JSON), or like a local one.
pub fn render_remote_verdict(
    raw: &serde_json::Value,
    verdict: &VerdictSummary,
    format: Format,
) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Json => write_json(&mut stdout, raw),
        Format::Human => write_verdict(&mut stdout, verdict),
    }
}

fn write_verdict(out: &mut impl Write, verdict: &VerdictSummary) -> io::Result<()> {
    let code_width = verdict
        .rules
        .iter()
        .map(|rule| rule.code.len())
        .max()
        .unwrap_or(0);
    let name_width = verdict
        .rules
        .iter()
        .map(|rule| rule.name.len())
        .max()
        .unwrap_or(0);
    for rule in &verdict.rules {
        let result = match rule.result {
            RuleResult::Pass => "pass",
            RuleResult::Fail => "FAIL",
            RuleResult::Skip => "skip",
            RuleResult::Error => "ERROR",
        };
        writeln!(
            out,
            "{:<code_width$}  {result:<5}  {:<name_width$}  {}",
            rule.code, rule.name, rule.reason
        )?;
    }
    let decision = match verdict.verdict {
        Decision::Pass => "pass: the job may run",
        Decision::Fail => "fail: the job must not run",
        Decision::Error => "error: could not decide, the job must not run",
    };
    writeln!(out, "verdict: {decision}")?;
    if let Some(rule) = deciding_rule(&verdict.rules) {
        if let Some(expected) = &rule.expected {
            writeln!(out, "  expected: {expected}")?;
        }
        if let Some(actual) = &rule.actual {
            writeln!(out, "  actual:   {actual}")?;
        }
        if let Some(fix) = &rule.remediation {
            writeln!(out, "  fix:      {fix}")?;
        }
    }
    Ok(())
}

/// The result of `rpc policy validate`.
#[derive(Debug, Serialize)]
pub struct Validation {
    /// The document.
    pub file: PathBuf,
    /// Whether it is valid.
    pub valid: bool,
    /// Where the first problem is, e.g. `pull_request.execute_job.enabled`.
    pub path: Option<String>,
    /// What it is.
    pub message: Option<String>,
}

impl Validation {
    /// A valid document.
    pub fn valid(file: &Path) -> Self {
        Self {
            file: file.to_path_buf(),
            valid: true,
            path: None,
            message: None,
        }
    }

    /// An invalid document.
    pub fn invalid(file: &Path, path: String, message: String) -> Self {
        Self {
            file: file.to_path_buf(),
            valid: false,
            path: Some(path),
            message: Some(message),
        }
    }
}

/// Writes the result of `rpc policy validate`.
pub fn render_validation(report: &Validation, format: Format) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match (format, &report.path, &report.message) {
        (Format::Json, _, _) => write_json(&mut stdout, report),
        (Format::Human, Some(path), Some(message)) if !path.is_empty() && path != "." => {
            writeln!(
                stdout,
                "{}: invalid: {path}: {message}",
                report.file.display()
            )
        }
        (Format::Human, _, Some(message)) => {
            writeln!(stdout, "{}: invalid: {message}", report.file.display())
        }
        (Format::Human, _, None) => writeln!(stdout, "{}: valid", report.file.display()),
    }
}

/// Writes a policy document: YAML for people, JSON for programs.
pub fn render_document(document: &PolicyDocument, format: Format) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Json => write_json(&mut stdout, document),
        Format::Human => {
            let yaml = serde_norway::to_string(document).map_err(io::Error::other)?;
            stdout.write_all(yaml.as_bytes())
        }
    }
}
