//! The `rpc` binary: parse, set up logging, run, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use rpc::cli::{self, Cli};
use rpc::output::{self, ErrorReport, Format};
use rpc::{ExitStatus, env_vars};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    rpc::logging::init(&cli.global.log_settings());
    let status = match cli::run(&cli) {
        Ok(status) => status,
        Err(err) => {
            let status = err.exit_status();
            let message = err.to_string();
            let hint = err.hint();
            output::render_error(
                &ErrorReport {
                    error: &message,
                    hint: hint.as_deref(),
                    exit_code: status.code(),
                },
                cli.global.output,
            );
            status
        }
    };
    status.into()
}

/// Help and version go to stdout with status 0; a bad command line is an error with status 2,
/// as JSON when JSON output was asked for.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        // Printing help can only fail on a closed stdout, which is fine.
        let _ = err.print();
        return ExitStatus::Success.into();
    }
    let args: Vec<String> = std::env::args().collect();
    let env_output = std::env::var(env_vars::OUTPUT).ok();
    if cli::json_requested(&args, env_output.as_deref()) {
        let rendered = err.render().to_string();
        let message = rendered
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ");
        output::render_error(
            &ErrorReport {
                error: message,
                hint: Some("run `rpc --help` for usage"),
                exit_code: ExitStatus::Usage.code(),
            },
            Format::Json,
        );
    } else {
        let _ = err.print();
    }
    ExitStatus::Usage.into()
}
