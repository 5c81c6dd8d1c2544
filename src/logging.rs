//! Logs on stderr with `tracing`: human text, or JSON lines for log collectors; progress bars
//! (`tracing-indicatif`) only where a person watches a terminal.

use std::io::IsTerminal;

use tracing_indicatif::IndicatifLayer;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// What the global flags say about logging.
#[derive(Debug, Clone, Copy)]
pub struct LogSettings {
    /// `-v` count.
    pub verbose: u8,
    /// `-q`.
    pub quiet: bool,
    /// `--log-format`.
    pub format: LogFormat,
    /// `--no-progress`.
    pub no_progress: bool,
}

/// The level `-v`/`-q` select when `RUST_LOG` is unset.
pub fn level(verbose: u8, quiet: bool) -> &'static str {
    match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    }
}

/// Whether progress bars are drawn: only for text logs on a terminal, unless `--no-progress`.
pub fn progress_enabled(settings: &LogSettings, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal
        && !settings.no_progress
        && !settings.quiet
        && settings.format == LogFormat::Text
}

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(settings: &LogSettings) {
    // octocrab logs every failed request as an error, even those rpc retries or reports itself.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{},octocrab=off",
            level(settings.verbose, settings.quiet)
        ))
    });
    let terminal = std::io::stderr().is_terminal();
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text if progress_enabled(settings, terminal) => {
            let bars = IndicatifLayer::new();
            registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(bars.get_stderr_writer())
                        .with_ansi(color(terminal)),
                )
                .with(bars)
                .try_init()
        }
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(color(terminal)),
            )
            .try_init(),
    };
    // A subscriber already set (a test harness) keeps logging; nothing to do.
    drop(result);
}

fn color(terminal: bool) -> bool {
    terminal && std::env::var_os(crate::env_vars::NO_COLOR).is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(no_progress: bool, quiet: bool, format: LogFormat) -> LogSettings {
        LogSettings {
            verbose: 0,
            quiet,
            format,
            no_progress,
        }
    }

    #[test]
    fn progress_only_on_a_terminal_with_text_logs() {
        assert!(progress_enabled(
            &settings(false, false, LogFormat::Text),
            true
        ));
        assert!(!progress_enabled(
            &settings(false, false, LogFormat::Text),
            false
        ));
        assert!(!progress_enabled(
            &settings(true, false, LogFormat::Text),
            true
        ));
        assert!(!progress_enabled(
            &settings(false, true, LogFormat::Text),
            true
        ));
        assert!(!progress_enabled(
            &settings(false, false, LogFormat::Json),
            true
        ));
    }

    #[test]
    fn verbosity_levels() {
        assert_eq!(level(0, false), "warn");
        assert_eq!(level(1, false), "info");
        assert_eq!(level(3, false), "trace");
        assert_eq!(level(5, true), "error");
    }
}
