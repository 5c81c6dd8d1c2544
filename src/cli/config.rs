//! `rpc config …`.

use clap::Subcommand;

/// Configuration tools.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print every effective setting with its source
    ///
    /// Reads built-in defaults, the configuration file, the environment and flags, in that order
    /// of precedence, and reports each key's value and where it came from. Secrets are shown as
    /// <redacted>. Exits 2 when the configuration is invalid.
    Check,
}
