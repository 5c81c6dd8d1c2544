//! Layered configuration: built-in defaults → TOML file → environment → flags.
//!
//! The file is `--config` (or `RPC_CONFIG`), else `$XDG_CONFIG_HOME/rpc/config.toml` (default
//! `~/.config/rpc/config.toml`), else `/etc/rpc/config.toml`; without any, the defaults apply.
//! Keys are declared once in [`sections`]. Secrets never come from the file itself: a flag or an
//! environment variable, `$CREDENTIALS_DIRECTORY`, a 0600 file named by `<key>_file`, or the
//! OS keyring (see [`crate::secrets`]).

mod file;
mod resolve;
mod sections;
mod value;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use resolve::{Override, Setting, Source};
pub use sections::{
    GithubConfig, ImageConfig, KEYS, KeySpec, OpenStackConfig, PolicyConfig, RunnersConfig,
    SECTIONS, Sections, ServeConfig,
};
pub use value::DatabaseUrl;

use crate::env_vars;
use crate::secrets::SecretError;
use file::FileLayer;
use resolve::Resolver;

/// The system-wide configuration file, used when the user's does not exist.
pub const SYSTEM_CONFIG: &str = "/etc/rpc/config.toml";

/// What goes wrong while loading the configuration. All of these are usage errors (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}:{line}: invalid TOML: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A section rpc does not know.
    #[error("{}:{line}: unknown section [{section}]", path.display())]
    UnknownSection {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The section.
        section: String,
    },
    /// A key rpc does not know.
    #[error("{}:{line}: unknown key `{key}` in [{section}]", path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Its section.
        section: String,
        /// The key.
        key: String,
    },
    /// A value of the wrong type.
    #[error("{origin}: `{key}` expects {expected}{}", if found.is_empty() { String::new() } else { format!(", {found}") })]
    WrongType {
        /// `file:line`, `environment variable X` or `flag --x`.
        origin: String,
        /// The key, `section.key`.
        key: String,
        /// What a valid value looks like.
        expected: &'static str,
        /// What was found instead.
        found: String,
    },
    /// A secret written into the configuration file.
    #[error("{origin}: `{key}` is a secret and is not read from the configuration file")]
    SecretInFile {
        /// `file:line`.
        origin: String,
        /// The key.
        key: String,
        /// Its environment variable.
        env_var: String,
    },
    /// `--set` of a key that does not exist.
    #[error("unknown configuration key `{key}`")]
    UnknownOverride {
        /// The key as given.
        key: String,
    },
    /// `--set KEY=VALUE` without `=`.
    #[error("`--set {given}` is not of the form SECTION.KEY=VALUE")]
    MalformedOverride {
        /// The argument as given.
        given: String,
    },
    /// A secret given on the command line.
    #[error("`{key}` is a secret and is not accepted on the command line")]
    SecretOnCommandLine {
        /// The key.
        key: String,
        /// Its environment variable.
        env_var: String,
    },
    /// A required key without a value (a built-in default is missing).
    #[error("`{key}` has no value")]
    Missing {
        /// The key.
        key: String,
    },
    /// A secret that could not be read from its store.
    #[error("`{key}`: {source}")]
    Secret {
        /// The key.
        key: String,
        /// Why.
        source: SecretError,
    },
    /// A personal token and GitHub App settings together.
    #[error(
        "two GitHub authentication modes are configured: a token ({token_source}) and a GitHub App ({app_source})"
    )]
    ConflictingGithubAuth {
        /// Where the token came from.
        token_source: String,
        /// Where the App setting came from.
        app_source: String,
    },
    /// Only part of the GitHub App settings.
    #[error(
        "GitHub App authentication needs `{missing}` too (`{present}` is set by {source_desc})"
    )]
    IncompleteGithubApp {
        /// The missing key.
        missing: &'static str,
        /// The key that is set.
        present: &'static str,
        /// Where it came from.
        source_desc: String,
    },
}

impl ConfigError {
    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownSection { .. } => Some(format!(
                "known sections: {}",
                SECTIONS
                    .iter()
                    .map(|(name, _)| format!("[{name}]"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::UnknownKey { section, .. } => Some(format!(
                "keys of [{section}]: {}",
                KEYS.iter()
                    .filter(|spec| spec.section == section)
                    .map(|spec| spec.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::UnknownOverride { .. } | Self::MalformedOverride { .. } => {
                Some("`rpc config check` lists every key; use --set SECTION.KEY=VALUE".into())
            }
            Self::SecretInFile { key, env_var, .. } => Some(format!(
                "set {env_var}, or write the secret to a file readable only by its owner and name it with `{}_file`",
                key.rsplit('.').next().unwrap_or(key)
            )),
            Self::SecretOnCommandLine { env_var, .. } => Some(format!(
                "command lines are visible to every user of the machine: set {env_var} instead"
            )),
            Self::ConflictingGithubAuth { .. } => {
                Some("keep either `github.token` or the `github.app_*` settings, not both".into())
            }
            Self::Secret { source, .. } => source.hint(),
            _ => None,
        }
    }
}

/// Where the configuration file is looked for.
#[derive(Debug, Clone)]
pub enum FileChoice {
    /// `--config` or `RPC_CONFIG`: must exist.
    Explicit(PathBuf),
    /// The XDG then the system path, each used only if it exists.
    Discover,
}

/// Everything configuration is resolved from.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Which file to read.
    pub file: FileChoice,
    /// The process environment.
    pub env: BTreeMap<String, String>,
    /// Values given by flags, in command-line order.
    pub overrides: Vec<Override>,
}

impl Inputs {
    /// Inputs from the running process's environment.
    pub fn from_process(file: FileChoice, overrides: Vec<Override>) -> Self {
        Self {
            file,
            env: std::env::vars().collect(),
            overrides,
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// The typed sections.
    pub sections: Sections,
    /// Every key with its value (secrets redacted) and source.
    pub settings: Vec<Setting>,
    /// Problems that did not stop loading (unknown `RPC_*` variables).
    pub warnings: Vec<String>,
}

impl Config {
    /// Loads and validates the configuration from `inputs`.
    pub fn load(inputs: &Inputs) -> Result<Self, ConfigError> {
        for given in &inputs.overrides {
            let spec = KeySpec::find(&given.key).ok_or_else(|| ConfigError::UnknownOverride {
                key: given.key.clone(),
            })?;
            if spec.secret {
                return Err(ConfigError::SecretOnCommandLine {
                    key: given.key.clone(),
                    env_var: spec.env_var(),
                });
            }
        }
        let path = match &inputs.file {
            FileChoice::Explicit(path) => Some(path.clone()),
            FileChoice::Discover => discover(&inputs.env),
        };
        let file = path.as_deref().map(FileLayer::read).transpose()?;
        tracing::debug!(file = ?path, "configuration file");

        let mut resolver = Resolver::new(file.as_ref(), &inputs.env, &inputs.overrides);
        let sections = Sections::resolve(&mut resolver)?;
        let settings = resolver.settings;

        let warnings: Vec<String> = inputs
            .env
            .keys()
            .filter(|name| name.starts_with("RPC_") && !env_vars::is_known(name))
            .map(|name| format!("unknown environment variable {name} is ignored"))
            .collect();
        for warning in &warnings {
            tracing::warn!("{warning}");
        }

        let config = Self {
            file: path,
            sections,
            settings,
            warnings,
        };
        config.validate()?;
        tracing::trace!(config = ?config, "effective configuration");
        Ok(config)
    }

    /// The setting of `key`.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|setting| setting.key == key)
    }

    fn source_of(&self, key: &str) -> String {
        self.setting(key)
            .map(|setting| setting.source.to_string())
            .unwrap_or_default()
    }

    /// Cross-key rules: exactly one GitHub authentication mode.
    fn validate(&self) -> Result<(), ConfigError> {
        let github = &self.sections.github;
        let app_key = [
            ("github.app_id", github.app_id.is_some()),
            ("github.app_private_key", github.app_private_key.is_some()),
            (
                "github.app_installation_id",
                github.app_installation_id.is_some(),
            ),
        ]
        .into_iter()
        .find_map(|(key, set)| set.then_some(key));
        if let (Some(_), Some(app_key)) = (&github.token, app_key) {
            return Err(ConfigError::ConflictingGithubAuth {
                token_source: self.source_of("github.token"),
                app_source: format!("`{app_key}` from {}", self.source_of(app_key)),
            });
        }
        let pair = [
            ("github.app_id", github.app_id.is_some()),
            ("github.app_private_key", github.app_private_key.is_some()),
        ];
        if let [(present, true), (missing, false)] | [(missing, false), (present, true)] = pair {
            return Err(ConfigError::IncompleteGithubApp {
                missing,
                present,
                source_desc: self.source_of(present),
            });
        }
        Ok(())
    }
}

/// `$XDG_CONFIG_HOME/rpc/config.toml` (or `~/.config/...`), else the system file, if either exists.
fn discover(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let non_empty = |name: &str| env.get(name).filter(|value| !value.is_empty());
    let user = non_empty(env_vars::XDG_CONFIG_HOME)
        .map(PathBuf::from)
        .or_else(|| non_empty(env_vars::HOME).map(|home| Path::new(home).join(".config")))
        .map(|base| base.join("rpc").join("config.toml"));
    user.into_iter()
        .chain(std::iter::once(PathBuf::from(SYSTEM_CONFIG)))
        .find(|path| path.is_file())
}

/// What `rpc config check` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigReport {
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
    /// Every key with its value and source.
    pub settings: Vec<Setting>,
    /// Problems that did not stop loading.
    pub warnings: Vec<String>,
}

/// `rpc config check`: loads, validates and reports the effective configuration.
pub fn check(inputs: &Inputs) -> Result<ConfigReport, ConfigError> {
    let config = Config::load(inputs)?;
    Ok(ConfigReport {
        file: config.file,
        settings: config.settings,
        warnings: config.warnings,
    })
}

/// Parses `SECTION.KEY=VALUE` as given to `--set`.
pub fn parse_override(given: &str) -> Result<Override, ConfigError> {
    let (key, value) = given
        .split_once('=')
        .ok_or_else(|| ConfigError::MalformedOverride {
            given: given.to_owned(),
        })?;
    Ok(Override {
        key: key.trim().to_owned(),
        value: value.to_owned(),
        flag: "--set".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::load(&Inputs {
            file: FileChoice::Discover,
            env: env(pairs),
            overrides: vec![],
        })
    }

    #[test]
    fn defaults_alone_resolve() {
        let config = load(&[]).unwrap();
        assert_eq!(
            config.sections.github.url.as_str(),
            "https://api.github.com/"
        );
        assert_eq!(config.sections.serve.token_ttl, Duration::from_secs(86_400));
        assert!(config.sections.github.token.is_none());
        assert_eq!(config.settings.len(), KEYS.len());
        assert!(config.settings.iter().all(|s| s.source == Source::Default));
    }

    #[test]
    fn rpc_name_wins_over_aliases_and_unprefixed_over_flask() {
        let config = load(&[
            ("FLASK_DATABASE_URL", "postgresql://flask/db"),
            ("POSTGRESQL_DB_CONNECT_STRING", "postgresql://pg/db"),
        ])
        .unwrap();
        let setting = config.setting("serve.database_url").unwrap();
        assert_eq!(setting.origin.as_deref(), Some("FLASK_DATABASE_URL"));

        let config = load(&[
            ("RPC_SERVE_DATABASE_URL", "postgresql://rpc/db"),
            ("DATABASE_URL", "postgresql://plain/db"),
        ])
        .unwrap();
        let url = config.sections.serve.database_url.unwrap();
        assert_eq!(url.expose(), "postgresql://rpc/db");

        let config = load(&[
            ("FLASK_PULL_REQUEST_DISALLOW_FORK", "false"),
            ("PULL_REQUEST_DISALLOW_FORK", "true"),
        ])
        .unwrap();
        assert!(config.sections.policy.disallow_fork);
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let config = load(&[("GITHUB_TOKEN", ""), ("RPC_SERVE_SHADOW", "")]).unwrap();
        assert!(config.sections.github.token.is_none());
        assert!(!config.sections.serve.shadow);
    }

    #[test]
    fn token_and_app_together_name_both_sources() {
        let err = load(&[("GITHUB_TOKEN", "t"), ("RPC_GITHUB_APP_ID", "1")]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("env GITHUB_TOKEN"), "{message}");
        assert!(message.contains("env RPC_GITHUB_APP_ID"), "{message}");
        assert!(matches!(err, ConfigError::ConflictingGithubAuth { .. }));
    }

    #[test]
    fn app_id_without_key_is_incomplete() {
        let err = load(&[("GITHUB_APP_ID", "1")]).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::IncompleteGithubApp {
                    missing: "github.app_private_key",
                    ..
                }
            ),
            "{err:?}"
        );
        let config = load(&[("GITHUB_APP_ID", "1"), ("GITHUB_APP_PRIVATE_KEY", "pem")]).unwrap();
        assert_eq!(config.sections.github.app_id, Some(1));
    }

    #[test]
    fn wrong_env_type_names_variable_and_key() {
        let err = load(&[("RPC_SERVE_LISTEN", "everywhere")]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("RPC_SERVE_LISTEN"), "{message}");
        assert!(message.contains("serve.listen"), "{message}");
    }

    #[test]
    fn unknown_rpc_variables_warn() {
        let config = load(&[("RPC_GITHUB_TOKN", "x"), ("OTHER", "y")]).unwrap();
        assert_eq!(config.warnings.len(), 1);
        assert!(config.warnings[0].contains("RPC_GITHUB_TOKN"));
    }

    #[test]
    fn debug_of_config_hides_secrets() {
        let config = load(&[
            ("GITHUB_TOKEN", "ghp_s3cr3t_value"),
            ("CHARM_TOKEN", "charm_s3cr3t"),
            ("DATABASE_URL", "postgresql://u:pw_s3cr3t@h/d"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        for secret in ["ghp_s3cr3t_value", "charm_s3cr3t", "pw_s3cr3t"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert_eq!(
            config.sections.github.token.unwrap().expose(),
            "ghp_s3cr3t_value"
        );
    }

    #[test]
    fn overrides_of_secrets_and_unknown_keys_are_refused() {
        let inputs = |given: &str| Inputs {
            file: FileChoice::Discover,
            env: BTreeMap::new(),
            overrides: vec![parse_override(given).unwrap()],
        };
        assert!(matches!(
            Config::load(&inputs("github.token=x")),
            Err(ConfigError::SecretOnCommandLine { .. })
        ));
        assert!(matches!(
            Config::load(&inputs("github.nope=x")),
            Err(ConfigError::UnknownOverride { .. })
        ));
        assert!(parse_override("github.url").is_err());
    }

    #[test]
    fn discovery_prefers_xdg_then_home() {
        let dir = tempfile::tempdir().unwrap();
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(xdg.join("rpc")).unwrap();
        std::fs::write(xdg.join("rpc/config.toml"), "").unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".config/rpc")).unwrap();
        std::fs::write(home.join(".config/rpc/config.toml"), "").unwrap();
        let xdg_str = xdg.to_str().unwrap();
        let home_str = home.to_str().unwrap();

        let found = discover(&env(&[("XDG_CONFIG_HOME", xdg_str), ("HOME", home_str)]));
        assert_eq!(found, Some(xdg.join("rpc/config.toml")));
        let found = discover(&env(&[("HOME", home_str)]));
        assert_eq!(found, Some(home.join(".config/rpc/config.toml")));
    }
}
