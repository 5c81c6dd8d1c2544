//! Everything rpc writes for its user: data on stdout, errors on stderr, in human or JSON form.
//! Nothing outside this module prints.

mod cloud;
mod config;
mod policy;

use std::io::{self, Write};

use serde::Serialize;

pub use cloud::render_cloud_report;
pub use config::render_config_report;
pub use policy::{
    Validation, render_document, render_remote_verdict, render_validation, render_verdict,
};

/// How results and errors are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Tables and sentences for people.
    #[default]
    Human,
    /// JSON for programs.
    Json,
}

/// A user-facing error as printed: `error: …`, `hint: …`, or one JSON object.
#[derive(Debug, Serialize)]
pub struct ErrorReport<'a> {
    /// What went wrong.
    pub error: &'a str,
    /// How to fix it, where known.
    pub hint: Option<&'a str>,
    /// The process's exit code.
    pub exit_code: u8,
}

/// Writes an error to stderr.
pub fn render_error(report: &ErrorReport<'_>, format: Format) {
    let mut stderr = io::stderr().lock();
    // Nothing sensible remains to be done if stderr itself is gone.
    let _ = write_error(&mut stderr, report, format);
}

fn write_error(out: &mut impl Write, report: &ErrorReport<'_>, format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *out, report)?;
            writeln!(out)
        }
        Format::Human => {
            writeln!(out, "error: {}", report.error)?;
            if let Some(hint) = report.hint {
                writeln!(out, "hint: {hint}")?;
            }
            Ok(())
        }
    }
}

/// Writes raw bytes (a completion script, a man page) to stdout.
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}

/// Lists files written (`rpc man --dir`): one path per line, or a JSON array.
pub fn render_paths(paths: &[std::path::PathBuf], format: Format) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Json => write_json(&mut stdout, &paths),
        Format::Human => paths
            .iter()
            .try_for_each(|path| writeln!(stdout, "{}", path.display())),
    }
}

/// Writes `value` to stdout as pretty JSON.
pub fn render_json(value: &impl Serialize) -> io::Result<()> {
    write_json(&mut io::stdout().lock(), value)
}

/// Writes `value` as pretty JSON followed by a line break.
fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_and_json_errors() {
        let report = ErrorReport {
            error: "bad thing",
            hint: Some("do this"),
            exit_code: 2,
        };
        let mut human = Vec::new();
        write_error(&mut human, &report, Format::Human).unwrap();
        assert_eq!(
            String::from_utf8(human).unwrap(),
            "error: bad thing\nhint: do this\n"
        );

        let mut json = Vec::new();
        write_error(&mut json, &report, Format::Json).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"error": "bad thing", "hint": "do this", "exit_code": 2})
        );
    }
}
