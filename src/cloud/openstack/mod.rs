//! [`Cloud`](super::Cloud) on OpenStack (Keystone, Nova, Glance, Neutron) through `openstack_sdk`.
//!
//! - **Configuration**: clouds.yaml, secure.yaml or `OS_*` ([`connect::locate`]).
//! - **Microversion**: every Nova request carries `OpenStack-API-Version: compute X.Y`, the
//!   lower of the cloud's maximum and `openstack.max_microversion` (2.95 by default: keypairs need
//!   a public key from 2.92 and rpc always sends one; 2.96 has a known list bug). Request bodies
//!   use the SDK's 2.1 shapes, whose fields keep their meaning at every later version; responses
//!   are read as JSON, tolerating the fields later versions add. Clouds below 2.45 are refused
//!   (createImage answers the image id in the body from 2.45).
//! - **Timeouts and retries**: see [`api`]. Creates are sent once; after a transient failure
//!   rpc looks the resource up (by name and what only this create could have made) and adopts
//!   it if the cloud made it, before trying again. Lists follow the next-page links.
//! - **Proxies**: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are honoured by the HTTP client.

pub mod api;
pub mod connect;
mod operations;
mod request;
mod wire;

use std::collections::BTreeMap;
use std::time::Duration;

use http::HeaderValue;
use openstack_sdk::AsyncOpenStack;
use openstack_sdk::api::compute::v2 as nova;
use openstack_sdk::api::network::v2 as neutron;
use openstack_sdk::api::{AsyncClient, RestClient};
use openstack_sdk::types::ServiceType;
use serde::Serialize;
use serde_json::Value;

use self::api::{Caller, Retry, Service};
use self::request::{API_VERSION, invalid_request};
use super::error::CloudError;
use super::types::{Image, SecurityGroup};

/// The lowest Nova microversion rpc works with.
pub const MIN_MICROVERSION: Microversion = Microversion(2, 45);

/// Items asked for per page of a list (clouds may cap it lower; the next-page links tell).
const PAGE: u32 = 500;

/// A Nova microversion, `MAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Microversion(pub u16, pub u16);

impl Microversion {
    /// Parses `2.95`.
    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(Self(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl std::fmt::Display for Microversion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// How to reach the cloud.
#[derive(Debug, Clone)]
pub struct OpenStackSettings {
    /// The cloud's name in clouds.yaml; the `OS_*` variables when `None`.
    pub cloud: Option<String>,
    /// A clouds.yaml read before the standard places (`OS_CLIENT_CONFIG_FILE`).
    pub clouds_file: Option<std::path::PathBuf>,
    /// The highest Nova microversion to use.
    pub max_microversion: Microversion,
    /// Timeout of one API call.
    pub timeout: Duration,
    /// Timeout of one image upload or download.
    pub transfer_timeout: Duration,
}

impl OpenStackSettings {
    /// Settings from the `[openstack]` section and `OS_CLIENT_CONFIG_FILE`.
    pub fn from_config(config: &crate::config::OpenStackConfig) -> Result<Self, CloudError> {
        let max_microversion =
            Microversion::parse(&config.max_microversion).ok_or_else(|| CloudError::Config {
                detail: format!(
                    "openstack.max_microversion: expected MAJOR.MINOR, got {:?}",
                    config.max_microversion
                ),
                hint: "use a Nova microversion such as 2.95".into(),
            })?;
        Ok(Self {
            cloud: config.cloud.clone(),
            clouds_file: connect::clouds_file_from_env(),
            max_microversion,
            timeout: config.timeout,
            transfer_timeout: config.transfer_timeout,
        })
    }
}

/// An endpoint found in the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    /// The service type.
    pub service: String,
    /// Its URL, after version discovery.
    pub url: String,
    /// The lowest and highest microversions it offers, where it has them.
    pub versions: Option<(String, String)>,
}

/// An authenticated OpenStack cloud.
pub struct OpenStackCloud {
    session: AsyncOpenStack,
    caller: Caller,
    timeout: Duration,
    transfer_timeout: Duration,
    microversion: Microversion,
    compute_header: HeaderValue,
    source: String,
}

impl std::fmt::Debug for OpenStackCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenStackCloud")
            .field("source", &self.source)
            .field("microversion", &self.microversion)
            .finish_non_exhaustive()
    }
}

impl OpenStackCloud {
    /// Finds the configuration, authenticates, discovers the service versions and negotiates the
    /// Nova microversion.
    pub async fn connect(settings: &OpenStackSettings) -> Result<Self, CloudError> {
        let located = connect::locate(settings.cloud.as_deref(), settings.clouds_file.as_deref())?;
        let caller = Caller::new(settings.timeout);
        let session = tokio::time::timeout(
            settings.timeout,
            connect::connect(&located, settings.transfer_timeout),
        )
        .await
        .map_err(|_| CloudError::Auth {
            detail: format!(
                "the cloud did not answer in {}s while rpc authenticated and discovered its \
                 services",
                settings.timeout.as_secs()
            ),
            hint: "check auth.auth_url in clouds.yaml, the catalog's endpoints, and \
                   HTTPS_PROXY/NO_PROXY"
                .into(),
        })??;
        // The identity version document and one token request, then one version document per
        // service.
        caller.count(Service::Identity, 2);
        for service in [Service::Compute, Service::Image, Service::Network] {
            caller.count(service, 1);
        }
        let compute = tokio::time::timeout(
            settings.timeout,
            session.get_service_endpoint(&ServiceType::Compute, None),
        )
        .await
        .map_err(|_| CloudError::Timeout {
            resource: "the compute endpoint".into(),
            state: crate::cloud::error::NO_ANSWER.into(),
            waited: settings.timeout,
        })?
        .map_err(|err| api::classify(Service::Compute, "the compute endpoint", err))?;
        // Version discovery records the cloud's maximum as the endpoint's version.
        let discovered = compute.version();
        let cloud_max = compute
            .max_version()
            .as_deref()
            .and_then(Microversion::parse)
            .unwrap_or(Microversion(
                u16::from(discovered.major),
                u16::from(discovered.minor),
            ));
        let microversion = cloud_max.min(settings.max_microversion);
        if microversion < MIN_MICROVERSION {
            return Err(CloudError::Unexpected {
                resource: "the compute API".into(),
                detail: format!(
                    "rpc needs Nova microversion {MIN_MICROVERSION} or later; the cloud offers up \
                     to {cloud_max} and openstack.max_microversion is {}",
                    settings.max_microversion
                ),
            });
        }
        let compute_header =
            HeaderValue::from_str(&format!("compute {microversion}")).map_err(|err| {
                CloudError::Unexpected {
                    resource: "the compute API".into(),
                    detail: err.to_string(),
                }
            })?;
        Ok(Self {
            session,
            caller,
            timeout: settings.timeout,
            transfer_timeout: settings.transfer_timeout,
            microversion,
            compute_header,
            source: located.source,
        })
    }

    /// The Nova microversion every compute request uses.
    pub fn microversion(&self) -> Microversion {
        self.microversion
    }

    /// Where the configuration came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The project the token is scoped to (name, else id).
    pub fn project(&self) -> Option<String> {
        self.session
            .get_current_project()
            .and_then(|project| project.name.or(project.id))
    }

    /// The endpoints rpc uses, with their versions.
    pub async fn endpoints(&self) -> Vec<Endpoint> {
        let mut found = Vec::new();
        for service in [
            ServiceType::Identity,
            ServiceType::Compute,
            ServiceType::Image,
            ServiceType::Network,
        ] {
            // A service missing from the catalog makes the SDK fetch the catalog again.
            let lookup = self.session.get_service_endpoint(&service, None);
            if let Ok(Ok(endpoint)) = tokio::time::timeout(self.timeout, lookup).await {
                // Version discovery records the highest version as the endpoint's version.
                let max = endpoint
                    .max_version()
                    .clone()
                    .filter(|max| !max.is_empty())
                    .unwrap_or_else(|| {
                        let version = endpoint.version();
                        format!("{}.{}", version.major, version.minor)
                    });
                let versions = endpoint.min_version().clone().map(|min| (min, max));
                found.push(Endpoint {
                    service: service.to_string(),
                    url: endpoint.url_str().to_owned(),
                    versions,
                });
            }
        }
        found
    }

    /// The project's absolute compute limits and usage (`maxTotalInstances`,
    /// `totalInstancesUsed`, …), as Nova reports them.
    pub async fn compute_limits(&self) -> Result<BTreeMap<String, i64>, CloudError> {
        let request = nova::limit::list_21::Request::builder()
            .header(API_VERSION, self.compute_header.clone())
            .build()
            .map_err(invalid_request)?;
        let value = self
            .send(
                Service::Compute,
                "compute limits",
                Retry::Idempotent,
                &request,
            )
            .await?;
        Ok(value
            .get("absolute")
            .and_then(Value::as_object)
            .map(|limits| {
                limits
                    .iter()
                    .filter_map(|(k, v)| v.as_i64().map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Every image the project can see, newest first.
    pub async fn list_images_all(&self) -> Result<Vec<Image>, CloudError> {
        self.all_images(None).await
    }

    /// Every security group the project can see, with their rules.
    pub async fn list_security_groups(&self) -> Result<Vec<SecurityGroup>, CloudError> {
        let request = neutron::security_group::list::Request::builder()
            .build()
            .map_err(invalid_request)?;
        let value = self
            .send(
                Service::Network,
                "security groups",
                Retry::Idempotent,
                &request,
            )
            .await?;
        wire::all(wire::items(&value, "security_groups"), wire::security_group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microversions_parse_and_compare() {
        assert_eq!(Microversion::parse("2.95"), Some(Microversion(2, 95)));
        assert!(Microversion(2, 100) > Microversion(2, 95));
        assert_eq!(Microversion::parse("2"), None);
        assert_eq!(Microversion::parse("x.1"), None);
        assert_eq!(Microversion(2, 93).to_string(), "2.93");
    }
}
