//! The typed configuration sections and the table of every key they hold.
//!
//! Each key is declared once here: its doc comment becomes its help text (README, `config check`,
//! `examples/config.toml`), its type says how it is parsed and shown, and the optional default and
//! environment aliases complete it. `RPC_<SECTION>_<KEY>` is always read first, then the aliases in
//! the order given.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::ConfigError;
use super::resolve::Resolver;
use super::value::{DatabaseUrl, Field, Scalar};
use crate::secrets::Secret;

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// Section name, `github` for `[github]`.
    pub section: &'static str,
    /// Key name inside the section.
    pub name: &'static str,
    /// The built-in default, as text.
    pub default: Option<&'static str>,
    /// Environment variables read after `RPC_<SECTION>_<KEY>`, in order.
    pub aliases: &'static [&'static str],
    /// What the key is for.
    pub help: &'static str,
    /// What a valid value looks like.
    pub expected: &'static str,
    /// Whether the value is a secret.
    pub secret: bool,
}

impl KeySpec {
    /// `section.key`.
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }

    /// The primary environment variable, `RPC_<SECTION>_<KEY>`.
    pub fn env_var(&self) -> String {
        format!("RPC_{}_{}", self.section, self.name).to_ascii_uppercase()
    }

    /// The key named `section.key`, if there is one.
    pub fn find(dotted: &str) -> Option<&'static KeySpec> {
        let (section, name) = dotted.split_once('.')?;
        KEYS.iter()
            .find(|spec| spec.section == section && spec.name == name)
    }
}

/// The expected value of a field type, for [`KeySpec::expected`].
const fn expected<F: Field>() -> &'static str {
    <F::Value as Scalar>::EXPECTED
}

/// Whether a field type holds a secret, for [`KeySpec::secret`].
const fn secret<F: Field>() -> bool {
    <F::Value as Scalar>::SECRET
}

macro_rules! sections {
    ($(
        $(#[doc = $section_doc:literal])*
        [$section:ident] $ty:ident {
            $(
                $(#[doc = $doc:literal])*
                $key:ident : $field:ty $(= $default:literal)? $(, env = [$($alias:literal),+])? ;
            )*
        }
    )*) => {
        $(
            $(#[doc = $section_doc])*
            #[derive(Debug, Clone)]
            pub struct $ty {
                $( $(#[doc = $doc])* pub $key: $field, )*
            }

            impl $ty {
                fn resolve(resolver: &mut Resolver<'_>) -> Result<Self, ConfigError> {
                    Ok(Self {
                        $( $key: resolver.take::<$field>(stringify!($section), stringify!($key))?, )*
                    })
                }
            }
        )*

        /// Every configuration key, in file order.
        pub const KEYS: &[KeySpec] = &[
            $($(
                KeySpec {
                    section: stringify!($section),
                    name: stringify!($key),
                    default: sections!(@default $($default)?),
                    aliases: &[$($($alias),+)?],
                    help: concat!($($doc),*),
                    expected: expected::<$field>(),
                    secret: secret::<$field>(),
                },
            )*)*
        ];

        /// The typed sections, resolved from every layer.
        #[derive(Debug, Clone)]
        pub struct Sections {
            $( $(#[doc = $section_doc])* pub $section: $ty, )*
        }

        impl Sections {
            pub(crate) fn resolve(resolver: &mut Resolver<'_>) -> Result<Self, ConfigError> {
                Ok(Self { $( $section: $ty::resolve(resolver)?, )* })
            }
        }

        /// Section names with their descriptions, in file order.
        pub const SECTIONS: &[(&str, &str)] = &[
            $( (stringify!($section), concat!($($section_doc),*)), )*
        ];
    };
    (@default $default:literal) => { Some($default) };
    (@default) => { None };
}

sections! {
    /// How rpc reaches GitHub.
    [github] GithubConfig {
        /// GitHub REST API base URL; for GitHub Enterprise Server `https://HOST/api/v3`.
        url: Url = "https://api.github.com", env = ["GITHUB_API_URL", "FLASK_GITHUB_API_URL"];
        /// Personal access token (secret). Exclusive with the GitHub App settings.
        token: Option<Secret>, env = ["GITHUB_TOKEN", "FLASK_GITHUB_TOKEN"];
        /// File holding the personal access token; must be mode 0600.
        token_file: Option<PathBuf>;
        /// GitHub App id, for App authentication.
        app_id: Option<u64>, env = ["GITHUB_APP_ID", "FLASK_GITHUB_APP_ID"];
        /// GitHub App installation id; looked up per repository when unset.
        app_installation_id: Option<u64>, env = ["GITHUB_APP_INSTALLATION_ID", "FLASK_GITHUB_APP_INSTALLATION_ID"];
        /// GitHub App private key, PEM content (secret).
        app_private_key: Option<Secret>, env = ["GITHUB_APP_PRIVATE_KEY", "FLASK_GITHUB_APP_PRIVATE_KEY"];
        /// File holding the GitHub App private key (PEM); must be mode 0600.
        app_private_key_file: Option<PathBuf>;
        /// Timeout of one GitHub API call.
        timeout: Duration = "10s";
        /// Longest total wait for retries of one check (5xx, 429, rate limits); past it the answer is `error`.
        retry_budget: Duration = "20s";
        /// Cache GET responses on disk and revalidate them with ETags.
        cache: bool = "true";
    }

    /// The policy applied to workflow jobs.
    [policy] PolicyConfig {
        /// Policy document (YAML or JSON); the built-in document when unset.
        document: Option<PathBuf>;
        /// Comment phrase that approves a commit of a fork pull request.
        approval_phrase: String = "/canonical/self-hosted-runners/run-workflows";
        /// Use the built-in document that only disallows fork pull requests.
        disallow_fork: bool = "false", env = ["PULL_REQUEST_DISALLOW_FORK", "FLASK_PULL_REQUEST_DISALLOW_FORK"];
        /// URL of an `rpc serve` to ask instead of GitHub (the runner side).
        server: Option<Url>;
        /// One-time token for the policy server (secret).
        server_token: Option<Secret>;
        /// File holding the one-time token for the policy server; must be mode 0600.
        server_token_file: Option<PathBuf>;
    }

    /// The policy HTTP API.
    [serve] ServeConfig {
        /// Address and port to listen on.
        listen: SocketAddr = "127.0.0.1:8080";
        /// Database for tokens and the posted policy; an SQLite file under the XDG data directory when unset.
        database_url: Option<DatabaseUrl>, env = ["DATABASE_URL", "FLASK_DATABASE_URL", "POSTGRESQL_DB_CONNECT_STRING", "FLASK_POSTGRESQL_DB_CONNECT_STRING"];
        /// Token of the component that creates runners: mints one-time tokens, posts policies (secret).
        charm_token: Option<Secret>, env = ["CHARM_TOKEN", "FLASK_CHARM_TOKEN"];
        /// File holding the charm token; must be mode 0600.
        charm_token_file: Option<PathBuf>;
        /// How long an unused one-time token stays valid.
        token_ttl: Duration = "24h";
        /// Log and count failing verdicts but answer them as passes.
        shadow: bool = "false";
        /// Longest time one request may take; then it is answered 503.
        request_timeout: Duration = "30s";
        /// Longest time in-flight requests may take to finish after SIGTERM or SIGINT.
        shutdown_timeout: Duration = "10s";
        /// Largest request body accepted, in bytes.
        body_limit: u64 = "65536";
        /// Requests per second allowed on the token-minting and policy endpoints together.
        rate_limit: u64 = "20";
    }

    /// The OpenStack cloud.
    [openstack] OpenStackConfig {
        /// Cloud name in clouds.yaml.
        cloud: Option<String>, env = ["OS_CLOUD"];
        /// Highest Nova microversion to negotiate.
        max_microversion: String = "2.95";
        /// Timeout of one cloud API call.
        timeout: Duration = "60s";
        /// Timeout of one image upload or download.
        transfer_timeout: Duration = "1h";
    }

    /// Runner images.
    [image] ImageConfig {
        /// Name of the images rpc builds; revisions share it.
        name: String = "rpc-runner";
        /// How many image revisions to keep.
        keep_revisions: u64 = "3";
    }

    /// Runner VMs.
    [runners] RunnersConfig {
        /// Name prefix of every runner and VM rpc creates; different prefixes never touch each other.
        prefix: String = "rpc";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_documented_and_unique() {
        for (i, spec) in KEYS.iter().enumerate() {
            assert!(!spec.help.trim().is_empty(), "{} has no doc", spec.dotted());
            assert!(
                KEYS[..i]
                    .iter()
                    .all(|other| other.dotted() != spec.dotted()),
                "{} twice",
                spec.dotted()
            );
        }
    }

    #[test]
    fn every_secret_has_a_file_key() {
        for spec in KEYS.iter().filter(|spec| spec.secret) {
            let file = KeySpec::find(&format!("{}_file", spec.dotted()));
            assert!(file.is_some(), "{} needs a _file key", spec.dotted());
        }
    }

    #[test]
    fn primary_env_var_names() {
        let spec = KeySpec::find("github.app_private_key_file").unwrap();
        assert_eq!(spec.env_var(), "RPC_GITHUB_APP_PRIVATE_KEY_FILE");
        assert_eq!(
            KeySpec::find("serve.listen").unwrap().env_var(),
            "RPC_SERVE_LISTEN"
        );
        assert!(KeySpec::find("serve.nope").is_none());
        assert!(KeySpec::find("serve").is_none());
    }
}
