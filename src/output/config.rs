//! `rpc config check` output.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};

use super::{Format, write_json};
use crate::config::ConfigReport;

/// Writes the effective configuration to stdout: a table, or the report as JSON.
pub fn render_config_report(report: &ConfigReport, format: Format) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match format {
        Format::Json => write_json(&mut stdout, report),
        Format::Human => write_human(&mut stdout, report),
    }
}

fn write_human(out: &mut impl Write, report: &ConfigReport) -> io::Result<()> {
    match &report.file {
        Some(path) => writeln!(out, "configuration file: {}", path.display())?,
        None => writeln!(out, "configuration file: none (built-in defaults)")?,
    }
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["KEY", "VALUE", "SOURCE"]);
    for setting in &report.settings {
        table.add_row([
            setting.key.clone(),
            setting.value.clone().unwrap_or_else(|| "-".into()),
            setting.source.to_string(),
        ]);
    }
    writeln!(out, "{table}")?;
    for warning in &report.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    Ok(())
}
