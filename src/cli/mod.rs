//! The command line as data (clap definitions) and the dispatch to library calls.

mod cloud;
mod config;
mod generate;
mod policy;
mod run;
mod serve;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use cloud::{CloudCheckArgs, CloudCommand};
pub use config::ConfigCommand;
pub use generate::{CompletionsArgs, ManArgs, completions, man_pages, write_man_pages};
pub use policy::{CheckArgs, PolicyCommand, ShowArgs, ValidateArgs};
pub use run::run;
pub use serve::{ServeArgs, ServeCommand, TokenArgs};

use crate::env_vars;
use crate::logging::{LogFormat, LogSettings};
use crate::output::Format;

/// Keeps self-hosted GitHub Actions runners on OpenStack safe and supplied.
///
/// rpc decides whether a workflow job may run on your runners, serves those checks to runner VMs,
/// builds runner images and keeps a pool of ephemeral runner VMs. Every subcommand is a plain
/// command for operators, cron entries and runner hooks.
///
/// Exit codes: 0 success or pass, 1 policy fail, 2 usage or configuration error, 3 external
/// service error (could not decide), 4 partial success, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "rpc", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Configuration file [default: $XDG_CONFIG_HOME/rpc/config.toml, else /etc/rpc/config.toml]
    #[arg(long, global = true, value_name = "FILE", env = env_vars::CONFIG, hide_env_values = true)]
    pub config: Option<PathBuf>,

    /// Set a configuration key for this run, e.g. `--set serve.listen=0.0.0.0:8080` (not for secrets)
    #[arg(long = "set", global = true, value_name = "SECTION.KEY=VALUE")]
    pub set: Vec<String>,

    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Human, env = env_vars::OUTPUT, hide_env_values = true)]
    pub output: Format,

    /// More log detail (-v info, -vv debug, -vvv trace); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only log errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = env_vars::LOG_FORMAT, hide_env_values = true)]
    pub log_format: LogFormat,

    /// Never draw progress bars (they are off anyway when stderr is not a terminal)
    #[arg(long, global = true)]
    pub no_progress: bool,
}

impl GlobalArgs {
    /// The logging part of the global options.
    pub fn log_settings(&self) -> LogSettings {
        LogSettings {
            verbose: self.verbose,
            quiet: self.quiet,
            format: self.log_format,
            no_progress: self.no_progress,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide whether workflow jobs may run; policy-document tools
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Serve the policy checks over HTTP for runner VMs (the reference API)
    Serve(ServeArgs),
    /// Check the OpenStack cloud rpc is configured for
    #[command(subcommand)]
    Cloud(CloudCommand),
    /// Inspect and validate configuration
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print or write man pages
    Man(ManArgs),
}

/// Whether the raw command line or the environment asks for JSON output, for errors found while
/// the command line itself is being parsed.
pub fn json_requested(args: &[String], env_output: Option<&str>) -> bool {
    let mut from_args = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if let Some(value) = arg.strip_prefix("--output=") {
            from_args = Some(value.to_owned());
        } else if arg == "--output" {
            from_args = iter.next().cloned();
        }
    }
    from_args.as_deref().or(env_output) == Some("json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_is_detected_before_parsing() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(json_requested(
            &args(&["rpc", "--output", "json", "x"]),
            None
        ));
        assert!(json_requested(&args(&["rpc", "--output=json"]), None));
        assert!(json_requested(&args(&["rpc"]), Some("json")));
        assert!(!json_requested(
            &args(&["rpc", "--output", "human"]),
            Some("json")
        ));
        assert!(!json_requested(
            &args(&["rpc", "--", "--output=json"]),
            None
        ));
    }
}
