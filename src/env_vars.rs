//! Every environment variable rpc reads, documented once.
//!
//! Configuration keys add their own: `RPC_<SECTION>_<KEY>` for every key of
//! [`crate::config::KEYS`], then the key's aliases (the names of the service rpc replaces, each
//! also with the `FLASK_` prefix). [`all`] lists them together; the README's table is checked
//! against it by a test.

use crate::config::KEYS;

/// Path of the configuration file (same as `--config`).
pub const CONFIG: &str = "RPC_CONFIG";
/// Output format, `human` or `json` (same as `--output`).
pub const OUTPUT: &str = "RPC_OUTPUT";
/// Log format, `text` or `json` (same as `--log-format`).
pub const LOG_FORMAT: &str = "RPC_LOG_FORMAT";
/// Log filter in `tracing` syntax; overrides `-v` and `-q`.
pub const RUST_LOG: &str = "RUST_LOG";
/// systemd's credentials directory (`LoadCredential=`); secrets are files named `<section>_<key>`.
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";
/// Base of the default configuration file path, `$XDG_CONFIG_HOME/rpc/config.toml`.
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
/// Home directory: `~/.config` when `XDG_CONFIG_HOME` is unset, and `~` in paths.
pub const HOME: &str = "HOME";
/// Set and not empty: no colours in logs.
pub const NO_COLOR: &str = "NO_COLOR";
/// Base of the GitHub response cache, `$XDG_CACHE_HOME/rpc/github` (default `~/.cache`).
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// `rpc policy check --from-github-env`: the repository, `OWNER/NAME`.
pub const GITHUB_REPOSITORY: &str = "GITHUB_REPOSITORY";
/// `--from-github-env`: the event that triggered the job.
pub const GITHUB_EVENT_NAME: &str = "GITHUB_EVENT_NAME";
/// `--from-github-env`: the file holding the event's webhook payload.
pub const GITHUB_EVENT_PATH: &str = "GITHUB_EVENT_PATH";
/// `--from-github-env`: a pull request's target branch.
pub const GITHUB_BASE_REF: &str = "GITHUB_BASE_REF";
/// `--from-github-env`: a pull request's source branch.
pub const GITHUB_HEAD_REF: &str = "GITHUB_HEAD_REF";

/// Variables that are not configuration keys, with what they do.
pub const GLOBAL: &[(&str, &str)] = &[
    (CONFIG, "configuration file, same as `--config`"),
    (
        OUTPUT,
        "output format `human` or `json`, same as `--output`",
    ),
    (
        LOG_FORMAT,
        "log format `text` or `json`, same as `--log-format`",
    ),
    (RUST_LOG, "log filter (tracing syntax); overrides `-v`/`-q`"),
    (
        CREDENTIALS_DIRECTORY,
        "systemd credentials directory; secrets are read from files named `<section>_<key>`",
    ),
    (
        XDG_CONFIG_HOME,
        "default configuration file is `$XDG_CONFIG_HOME/rpc/config.toml`",
    ),
    (
        HOME,
        "`~/.config` when `XDG_CONFIG_HOME` is unset; `~` in paths",
    ),
    (NO_COLOR, "set and not empty: no colours in logs"),
    (
        XDG_CACHE_HOME,
        "GitHub response cache is `$XDG_CACHE_HOME/rpc/github` (default `~/.cache`)",
    ),
    (
        "HTTPS_PROXY",
        "proxy for outbound HTTPS calls (also `https_proxy`)",
    ),
    (
        "HTTP_PROXY",
        "proxy for outbound HTTP calls (also `http_proxy`)",
    ),
    (
        "NO_PROXY",
        "hosts reached without a proxy (also `no_proxy`)",
    ),
    (
        crate::cloud::openstack::connect::CLIENT_CONFIG_FILE,
        "a clouds.yaml read before `./clouds.yaml`, `~/.config/openstack/` and `/etc/openstack/`",
    ),
    (
        crate::cloud::openstack::connect::AUTH_URL,
        "with no cloud named: the cloud from `OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`, \
         `OS_PROJECT_NAME`, … (`OS_*`, as the OpenStack client reads them)",
    ),
    (GITHUB_REPOSITORY, "`--from-github-env`: the repository"),
    (
        GITHUB_EVENT_NAME,
        "`--from-github-env`: the triggering event",
    ),
    (
        GITHUB_EVENT_PATH,
        "`--from-github-env`: the event payload file",
    ),
    (
        GITHUB_BASE_REF,
        "`--from-github-env`: a pull request's target branch",
    ),
    (
        GITHUB_HEAD_REF,
        "`--from-github-env`: a pull request's source branch",
    ),
];

/// One environment variable and what it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// What it sets or does.
    pub purpose: String,
}

/// Every variable rpc reads: [`GLOBAL`], then each key's primary name and aliases.
pub fn all() -> Vec<EnvVar> {
    let global = GLOBAL.iter().map(|(name, purpose)| EnvVar {
        name: (*name).to_owned(),
        purpose: (*purpose).to_owned(),
    });
    let keys = KEYS.iter().flat_map(|spec| {
        std::iter::once(spec.env_var())
            .chain(spec.aliases.iter().map(|alias| (*alias).to_owned()))
            .map(move |name| EnvVar {
                name,
                purpose: format!("`[{}] {}`", spec.section, spec.name),
            })
    });
    global.chain(keys).collect()
}

/// Whether `name`, a variable starting with `RPC_`, is one rpc reads.
pub fn is_known(name: &str) -> bool {
    GLOBAL.iter().any(|(known, _)| *known == name) || KEYS.iter().any(|spec| spec.env_var() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names() {
        assert!(is_known("RPC_GITHUB_TOKEN"));
        assert!(is_known("RPC_SERVE_LISTEN"));
        assert!(is_known("RPC_CONFIG"));
        assert!(!is_known("RPC_GITHUB_TOKN"));
    }

    #[test]
    fn aliases_follow_their_primary_name() {
        let names: Vec<String> = all().into_iter().map(|var| var.name).collect();
        let position = |name: &str| names.iter().position(|n| n == name).unwrap();
        assert!(position("RPC_GITHUB_TOKEN") < position("GITHUB_TOKEN"));
        assert!(position("GITHUB_TOKEN") < position("FLASK_GITHUB_TOKEN"));
        assert!(position("DATABASE_URL") < position("POSTGRESQL_DB_CONNECT_STRING"));
    }
}
