//! The crate's error type and its classification into exit statuses and hints, in one place.

use std::io;
use std::path::PathBuf;

use crate::cloud::CloudError;
use crate::config::ConfigError;
use crate::exit::ExitStatus;
use crate::github::ClientError;
use crate::policy::{DocumentError, InputError};
use crate::server::ServeError;
use crate::server::client::RemoteError;

/// Any error an `rpc` command reports to its user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration could not be loaded or is inconsistent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The job to check is missing or malformed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A policy document could not be read or is invalid.
    #[error("{}", match source {
        DocumentError::Invalid { .. } => format!("{}: {source}", path.display()),
        DocumentError::Unreadable { .. } => source.to_string(),
    })]
    Document {
        /// The document.
        path: PathBuf,
        /// What is wrong.
        source: DocumentError,
    },
    /// The GitHub client cannot be built from the configuration.
    #[error(transparent)]
    GithubClient(#[from] ClientError),
    /// A setting a command needs is missing.
    #[error("{what} is required")]
    Missing {
        /// The setting or flag.
        what: String,
        /// How to give it.
        hint: String,
    },
    /// `rpc serve` could not start or failed.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// A policy server could not be asked or refused.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(io::Error),
    /// The cloud could not be configured, reached or used.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// A file rpc was asked to write could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl Error {
    /// The exit status this error ends the process with.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Config(_)
            | Self::Input(_)
            | Self::Document { .. }
            | Self::GithubClient(_)
            | Self::Missing { .. }
            | Self::Write { .. } => ExitStatus::Usage,
            Self::Serve(ServeError::Store(err)) if !err.is_unavailable() => ExitStatus::Usage,
            Self::Serve(ServeError::Bind { .. } | ServeError::Policy { .. }) => ExitStatus::Usage,
            Self::Serve(_) | Self::Runtime(_) => ExitStatus::External,
            Self::Remote(err) => err.exit_status(),
            Self::Cloud(err) => err.exit_status(),
        }
    }

    /// How to fix it, where rpc knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Config(err) => err.hint(),
            Self::Input(InputError::Missing { .. }) => {
                Some("`rpc policy check --help` lists the job's flags".into())
            }
            Self::Document { .. } => {
                Some("`rpc policy schema` prints the schema of policy documents".into())
            }
            Self::GithubClient(err) => err.hint(),
            Self::Missing { hint, .. } => Some(hint.clone()),
            Self::Serve(ServeError::Store(err)) => err.hint(),
            Self::Serve(ServeError::Bind { .. }) => {
                Some("choose another address with --listen or RPC_SERVE_LISTEN".into())
            }
            Self::Remote(err) => err.hint(),
            Self::Cloud(err) => err.hint(),
            Self::Input(_) | Self::Serve(_) | Self::Runtime(_) | Self::Write { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors_are_usage_errors_with_hints() {
        let err = Error::from(ConfigError::SecretOnCommandLine {
            key: "github.token".into(),
            env_var: "RPC_GITHUB_TOKEN".into(),
        });
        assert_eq!(err.exit_status(), ExitStatus::Usage);
        assert!(err.hint().unwrap().contains("RPC_GITHUB_TOKEN"));
    }

    #[test]
    fn cloud_errors_keep_their_classification() {
        let config = Error::from(CloudError::Config {
            detail: "no cloud named x".into(),
            hint: "use --os-cloud".into(),
        });
        assert_eq!(config.exit_status(), ExitStatus::Usage);
        assert_eq!(config.hint().as_deref(), Some("use --os-cloud"));
        let auth = Error::from(CloudError::Auth {
            detail: "401".into(),
            hint: "credentials rejected".into(),
        });
        assert_eq!(auth.exit_status(), ExitStatus::External);
    }
}
