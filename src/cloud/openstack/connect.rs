//! Finding the cloud's configuration (clouds.yaml, secure.yaml, `OS_*`) and authenticating.
//!
//! Where the configuration comes from, first match wins:
//! 1. a cloud name (`--os-cloud`, `openstack.cloud`, `OS_CLOUD`) looked up in the clouds files:
//!    `$OS_CLIENT_CONFIG_FILE` (with `~` expanded), then `./clouds.yaml`,
//!    `$XDG_CONFIG_HOME/openstack/clouds.yaml`, `~/.config/openstack/clouds.yaml`,
//!    `/etc/openstack/clouds.yaml` (also `.yml`/`.json`), with `secure.yaml` from the same places
//!    merged over it;
//! 2. without a cloud name, the `OS_*` variables (`OS_AUTH_URL`, `OS_USERNAME`, …), as the
//!    OpenStack command line client reads them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use openstack_sdk::AsyncOpenStack;
use openstack_sdk::config::{CloudConfig, ConfigFile};
use openstack_sdk::types::ServiceType;

use crate::cloud::error::CloudError;

/// `OS_CLIENT_CONFIG_FILE`: a clouds.yaml to read before the standard places.
pub const CLIENT_CONFIG_FILE: &str = "OS_CLIENT_CONFIG_FILE";
/// `OS_AUTH_URL`: with no cloud named, the `OS_*` variables describe the cloud.
pub const AUTH_URL: &str = "OS_AUTH_URL";

/// A cloud configuration and where it was found, for messages.
#[derive(Debug, Clone)]
pub struct Located {
    /// The configuration.
    pub config: CloudConfig,
    /// `cloud NAME in FILE` or `OS_* variables`.
    pub source: String,
}

/// Finds the configuration of the named cloud, or of the `OS_*` variables without a name.
/// `clouds_file` is read before the standard places (`OS_CLIENT_CONFIG_FILE`, see
/// [`clouds_file_from_env`]).
pub fn locate(cloud: Option<&str>, clouds_file: Option<&Path>) -> Result<Located, CloudError> {
    let Some(name) = cloud else {
        if std::env::var_os(AUTH_URL).is_none() {
            return Err(CloudError::Config {
                detail: "no cloud configured".into(),
                hint: "name a cloud from clouds.yaml with --os-cloud, OS_CLOUD or \
                       `openstack.cloud`, or set OS_AUTH_URL and the other OS_* variables"
                    .into(),
            });
        }
        let config = CloudConfig::from_env().map_err(|err| CloudError::Config {
            detail: format!("the OS_* variables do not describe a cloud: {err}"),
            hint: "check OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, …".into(),
        })?;
        return Ok(Located {
            config,
            source: "the OS_* variables".into(),
        });
    };
    let explicit = clouds_file.map(expand_tilde);
    if let Some(path) = &explicit {
        std::fs::File::open(path).map_err(|err| CloudError::Config {
            detail: format!(
                "cannot read {} ({CLIENT_CONFIG_FILE}): {err}",
                path.display()
            ),
            hint: format!("point {CLIENT_CONFIG_FILE} at a readable clouds.yaml"),
        })?;
    }
    let searched = searched_files(explicit.as_deref());
    let file = ConfigFile::new_with_user_specified_configs(explicit.as_deref(), None::<&Path>)
        .map_err(|err| CloudError::Config {
            detail: format!("cannot read clouds.yaml: {err}"),
            hint: format!("fix the file; rpc read: {searched}"),
        })?;
    let config = file
        .get_cloud_config(name)
        .map_err(|err| CloudError::Config {
            detail: format!("cloud {name:?} in clouds.yaml is invalid: {err}"),
            hint: format!("fix the cloud's entry; rpc read: {searched}"),
        })?
        .ok_or_else(|| {
            let known = file.get_available_clouds();
            CloudError::Config {
                detail: format!("no cloud named {name:?} in clouds.yaml"),
                hint: if known.is_empty() {
                    format!(
                        "rpc found no clouds in: {searched}; set {CLIENT_CONFIG_FILE} or put \
                         clouds.yaml in one of those places"
                    )
                } else {
                    format!("clouds found: {} (in {searched})", known.join(", "))
                },
            }
        })?;
    if config
        .auth
        .as_ref()
        .and_then(|a| a.auth_url.as_ref())
        .is_none()
    {
        return Err(CloudError::Config {
            detail: format!("cloud {name:?} in clouds.yaml has no auth.auth_url"),
            hint: "add auth.auth_url (the Keystone URL, e.g. https://keystone.example:5000/v3)"
                .into(),
        });
    }
    Ok(Located {
        config,
        source: format!("cloud {name:?} in {searched}"),
    })
}

/// `OS_CLIENT_CONFIG_FILE`, if set.
pub fn clouds_file_from_env() -> Option<PathBuf> {
    std::env::var_os(CLIENT_CONFIG_FILE).map(PathBuf::from)
}

/// The clouds files that exist, in the order they are read, for messages.
fn searched_files(explicit: Option<&Path>) -> String {
    let found: Vec<String> = explicit
        .map(Path::to_path_buf)
        .into_iter()
        .chain(openstack_sdk::config::find_clouds_file())
        .chain(openstack_sdk::config::find_secure_file())
        .map(|path| path.display().to_string())
        .collect();
    if found.is_empty() {
        "./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml (none \
         exists)"
            .into()
    } else {
        found.join(", ")
    }
}

fn expand_tilde(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// Authenticates (one token request, never interactive, no token cache on disk) and discovers
/// the versions of compute, image and network (one request each; without it Glance answers 300
/// and Neutron paths lack `/v2.0`).
///
/// `transfer_timeout` bounds every HTTP request of the session; rpc bounds its API calls more
/// tightly itself, so that only image uploads and downloads use the longer limit.
pub async fn connect(
    located: &Located,
    transfer_timeout: Duration,
) -> Result<AsyncOpenStack, CloudError> {
    // openstack_sdk finds auth methods through `inventory`; the anchors that should keep its
    // plugin crates linked are not generated in a crates.io build, so without a reference the
    // application-credential method is dropped at link time ("not a supported type").
    std::hint::black_box(&openstack_sdk_auth_applicationcredential::ANCHOR);
    let session = AsyncOpenStack::builder(&located.config)
        .disable_auth_cache(true)
        .http_timeout(transfer_timeout)
        .connect()
        .await
        .map_err(|err| auth_error(&located.config, &err))?;
    for service in [
        ServiceType::Compute,
        ServiceType::Image,
        ServiceType::Network,
    ] {
        session
            .discover_service_endpoint(&service)
            .await
            .map_err(|err| CloudError::Unavailable {
                service: service.to_string(),
                detail: format!("version discovery failed: {err}"),
            })?;
    }
    Ok(session)
}

/// Classifies a failed connection: rejected credentials, an unreachable identity service, or an
/// incomplete configuration.
fn auth_error(config: &CloudConfig, err: &openstack_sdk::OpenStackError) -> CloudError {
    use openstack_sdk::OpenStackError as E;
    let auth_url = config
        .auth
        .as_ref()
        .and_then(|auth| auth.auth_url.clone())
        .unwrap_or_else(|| "(none)".into());
    match err {
        E::Discovery { .. } | E::Communication { .. } => CloudError::Auth {
            detail: format!("auth_url unreachable: {auth_url} ({err})"),
            hint: "check auth.auth_url in clouds.yaml, the network path to it, and \
                   HTTPS_PROXY/NO_PROXY"
                .into(),
        },
        E::NonInteractiveMode { .. } | E::NoAuth | E::ConfigError { .. } => CloudError::Config {
            detail: format!("the cloud's credentials are incomplete: {err}"),
            hint: "give auth.username/password (with project and domains) or \
                   application_credential_id/secret in clouds.yaml or secure.yaml"
                .into(),
        },
        E::AuthError {
            source: openstack_sdk::AuthError::Identity(identity),
        } if identity.code == 401 => CloudError::Auth {
            detail: format!("credentials rejected by {auth_url}"),
            hint: "check the user name, password (or application credential), project and \
                   domains in clouds.yaml or secure.yaml"
                .into(),
        },
        _ => CloudError::Auth {
            detail: format!("{err}"),
            hint: format!("check the cloud's entry in clouds.yaml (auth_url {auth_url})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_to_the_home_directory() {
        let home = dirs::home_dir().expect("a home directory");
        assert_eq!(
            expand_tilde(Path::new("~/clouds.yaml")),
            home.join("clouds.yaml")
        );
        assert_eq!(expand_tilde(Path::new("/x/y")), PathBuf::from("/x/y"));
    }
}
