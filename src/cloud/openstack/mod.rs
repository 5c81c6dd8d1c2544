//! [`Cloud`] on OpenStack (Keystone, Nova, Glance, Neutron) through `openstack_sdk`.
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
mod wire;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use http::{HeaderName, HeaderValue};
use openstack_sdk::AsyncOpenStack;
use openstack_sdk::api::compute::v2 as nova;
use openstack_sdk::api::image::v2 as glance;
use openstack_sdk::api::network::v2 as neutron;
use openstack_sdk::api::{
    AsyncClient, QueryAsync, RestClient, RestEndpoint, ignore, raw, raw_with_body,
};
use openstack_sdk::types::{BoxedAsyncRead, ServiceType};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio_util::compat::TokioAsyncReadCompatExt as _;

use self::api::{Caller, Retry, Service};
use super::error::CloudError;
use super::ownership::Ownership;
use super::types::{
    Flavor, Image, ImageSource, ImageSpec, ImageStatus, Keypair, Network, Rule, SecurityGroup,
    SecurityGroupRule, Server, ServerSpec, ServerStatus, Subnet,
};
use super::{Cloud, CloudFuture};

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

    /// Sends one request and reads its JSON answer.
    async fn send<E>(
        &self,
        service: Service,
        resource: &str,
        retry: Retry,
        endpoint: &E,
    ) -> Result<Value, CloudError>
    where
        E: RestEndpoint + Sync + Send,
    {
        self.caller
            .call(service, resource, retry, || {
                endpoint.query_async(&self.session)
            })
            .await
    }

    /// Sends one idempotent request whose answer has no body worth reading (deletes, actions).
    async fn act<E>(&self, service: Service, resource: &str, endpoint: E) -> Result<(), CloudError>
    where
        E: RestEndpoint + Sync + Send,
    {
        let endpoint = ignore(endpoint);
        self.caller
            .call(service, resource, Retry::Idempotent, || {
                endpoint.query_async(&self.session)
            })
            .await
    }

    /// Every page of a list, following the API's own links to the next page (`<key>_links` in
    /// Nova, `next` in Glance). `build(marker)` builds one page's request; `marker_of` reads an
    /// item's marker (its id; a keypair's name).
    async fn list_pages<F, E>(
        &self,
        service: Service,
        resource: &str,
        key: &str,
        marker_of: fn(&Value) -> Option<&str>,
        build: F,
    ) -> Result<Vec<Value>, CloudError>
    where
        F: Fn(Option<&str>) -> Result<E, CloudError>,
        E: RestEndpoint + Sync + Send,
    {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let endpoint = raw(build(marker.as_deref())?);
            let response = self
                .caller
                .call(service, resource, Retry::Idempotent, || {
                    endpoint.query_async(&self.session)
                })
                .await?;
            let page: Value =
                serde_json::from_slice(response.body()).map_err(|err| CloudError::Unexpected {
                    resource: resource.to_owned(),
                    detail: format!("the answer is not JSON: {err}"),
                })?;
            let items = wire::items(&page, key);
            let next = items.last().and_then(marker_of).map(str::to_owned);
            all.extend(items.iter().cloned());
            match next {
                Some(next) if wire::has_next_page(&page, key) && marker.as_ref() != Some(&next) => {
                    marker = Some(next);
                }
                _ => return Ok(all),
            }
        }
    }

    /// Sends a create once; after a transient failure, adopts what `lookup` finds (the cloud
    /// made it before the answer was lost; after a timeout it is looked for twice, a few seconds
    /// apart, as the cloud may still be committing it) or tries again, up to three times in all.
    async fn create_once<T, C, CF, L, LF>(&self, create: C, lookup: L) -> Result<T, CloudError>
    where
        C: Fn() -> CF,
        CF: std::future::Future<Output = Result<T, CloudError>>,
        L: Fn() -> LF,
        LF: std::future::Future<Output = Result<Option<T>, CloudError>>,
    {
        let mut attempt = 1;
        loop {
            let err = match create().await {
                Ok(made) => return Ok(made),
                Err(err) if err.is_transient() && attempt < 3 => err,
                Err(err) => return Err(err),
            };
            tracing::info!(error = %err, "create failed; looking for what the cloud made");
            if let Some(found) = lookup().await? {
                return Ok(found);
            }
            if matches!(err, CloudError::Timeout { .. }) {
                tokio::time::sleep(ADOPT_GRACE).await;
                if let Some(found) = lookup().await? {
                    return Ok(found);
                }
            }
            attempt += 1;
        }
    }

    /// Every keypair of the user.
    pub(crate) async fn all_keypairs(&self) -> Result<Vec<Keypair>, CloudError> {
        let values = self
            .list_pages(
                Service::Compute,
                "keypairs",
                "keypairs",
                by_keypair_name,
                |marker| {
                    let mut request = nova::keypair::list_20::Request::builder();
                    request.limit(PAGE);
                    if let Some(marker) = marker {
                        request.marker(marker.to_owned());
                    }
                    request
                        .header(API_VERSION, self.compute_header.clone())
                        .build()
                        .map_err(invalid_request)
                },
            )
            .await?;
        wire::all(&values, wire::keypair)
    }

    /// Servers whose name matches `pattern` (Nova's regular expression), any owner.
    pub(crate) async fn servers_named(&self, pattern: &str) -> Result<Vec<Server>, CloudError> {
        let values = self
            .list_pages(Service::Compute, "servers", "servers", by_id, |marker| {
                let mut request = nova::server::list_detailed_21::Request::builder();
                request.name(pattern.to_owned()).limit(PAGE);
                if let Some(marker) = marker {
                    request.marker(marker.to_owned());
                }
                request
                    .header(API_VERSION, self.compute_header.clone())
                    .build()
                    .map_err(invalid_request)
            })
            .await?;
        wire::all(&values, wire::server)
    }

    async fn all_images(&self, name: Option<&str>) -> Result<Vec<Image>, CloudError> {
        let values = self
            .list_pages(Service::Image, "images", "images", by_id, |marker| {
                let mut request = glance::image::list::Request::builder();
                request.limit(PAGE as i32);
                if let Some(name) = name {
                    request.name(name.to_owned());
                }
                if let Some(marker) = marker {
                    request.marker(marker.to_owned());
                }
                request.build().map_err(invalid_request)
            })
            .await?;
        let mut images = wire::all(&values, wire::image)?;
        images.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
        Ok(images)
    }

    async fn tag_group(&self, id: &str, tags: &[String]) -> Result<(), CloudError> {
        let request = neutron::security_group::tag::replace::Request::builder()
            .security_group_id(id.to_owned())
            .tags(tags.iter().cloned().map(Into::into).collect::<Vec<_>>())
            .build()
            .map_err(invalid_request)?;
        self.send(
            Service::Network,
            &format!("tags of security group {id}"),
            Retry::Idempotent,
            &request,
        )
        .await
        .map(drop)
    }
}

/// The `OpenStack-API-Version` header, sent with every compute request.
const API_VERSION: HeaderName = HeaderName::from_static("openstack-api-version");

/// How long to wait before looking again for a resource whose create timed out.
const ADOPT_GRACE: Duration = Duration::from_secs(2);

fn by_id(item: &Value) -> Option<&str> {
    item.get("id").and_then(Value::as_str)
}

fn by_keypair_name(item: &Value) -> Option<&str> {
    item.get("keypair")
        .unwrap_or(item)
        .get("name")
        .and_then(Value::as_str)
}

fn invalid_request(err: impl std::fmt::Display) -> CloudError {
    CloudError::Unexpected {
        resource: "request".into(),
        detail: format!("building the request: {err}"),
    }
}

/// A request body part in the SDK's type, from JSON.
fn to_request<T>(value: Value) -> Result<T, CloudError>
where
    T: serde::de::DeserializeOwned,
{
    serde_json::from_value(value).map_err(invalid_request)
}

/// A `get_*` answer: a missing resource is `None`.
fn found<T>(
    got: Result<Value, CloudError>,
    parse: fn(&Value) -> Result<T, CloudError>,
) -> Result<Option<T>, CloudError> {
    match got {
        Ok(value) => parse(&value).map(Some),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

fn rule_body(group_id: &str, rule: &Rule) -> Value {
    json!({
        "security_group_id": group_id,
        "direction": rule.direction.as_str(),
        "ethertype": rule.ethertype,
        "protocol": rule.protocol,
        "port_range_min": rule.port_min,
        "port_range_max": rule.port_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
    })
}

impl Cloud for OpenStackCloud {
    fn create_server<'a>(&'a self, spec: &'a ServerSpec) -> CloudFuture<'a, Server> {
        Box::pin(async move {
            let resource = format!("server {}", spec.name);
            let mut body = json!({
                "name": spec.name,
                "imageRef": spec.image,
                "flavorRef": spec.provider.flavor,
                "networks": [{"uuid": spec.provider.network}],
                "metadata": spec.metadata,
                "config_drive": spec.provider.config_drive,
            });
            if let Some(key) = &spec.provider.key_name {
                body["key_name"] = json!(key);
            }
            if !spec.provider.security_groups.is_empty() {
                body["security_groups"] = spec
                    .provider
                    .security_groups
                    .iter()
                    .map(|name| json!({"name": name}))
                    .collect();
            }
            if let Some(user_data) = &spec.user_data {
                body["user_data"] =
                    json!(base64::engine::general_purpose::STANDARD.encode(user_data));
            }
            let request = nova::server::create_21::Request::builder()
                .server(to_request::<nova::server::create_21::Server<'static>>(
                    body,
                )?)
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            let create = || async {
                let made = self
                    .send(Service::Compute, &resource, Retry::Once, &request)
                    .await?;
                let id = made.get("id").and_then(Value::as_str).ok_or_else(|| {
                    CloudError::Unexpected {
                        resource: resource.clone(),
                        detail: format!("the answer has no id: {made}"),
                    }
                })?;
                // The create answer has only the id; read the server as it is now.
                self.get_server(id).await?.ok_or(CloudError::NotFound {
                    resource: resource.clone(),
                })
            };
            let lookup = || async {
                Ok(self
                    .servers_named(&format!("^{}$", spec.name))
                    .await?
                    .into_iter()
                    .find(|s| s.name == spec.name && s.metadata == spec.metadata))
            };
            self.create_once(create, lookup).await
        })
    }

    fn get_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Server>> {
        Box::pin(async move {
            let request = nova::server::get_20::Request::builder()
                .id(id.to_owned())
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            let got = self
                .send(
                    Service::Compute,
                    &format!("server {id}"),
                    Retry::Idempotent,
                    &request,
                )
                .await;
            found(got, wire::server)
        })
    }

    fn list_servers<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Server>> {
        Box::pin(async move {
            let servers = self.servers_named(&format!("^{}", owner.name(""))).await?;
            Ok(servers
                .into_iter()
                .filter(|s| owner.owns_server(s))
                .collect())
        })
    }

    fn stop_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let request = nova::server::os_stop::Request::builder()
                .id(id.to_owned())
                .os_stop(Value::Null)
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            match self
                .act(Service::Compute, &format!("server {id}"), request)
                .await
            {
                // Nova refuses to stop a stopped server; an earlier attempt whose answer was
                // lost may have stopped it.
                Err(CloudError::Conflict { .. })
                    if self
                        .get_server(id)
                        .await?
                        .is_some_and(|s| s.status == ServerStatus::Shutoff) =>
                {
                    Ok(())
                }
                other => other,
            }
        })
    }

    fn delete_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let request = nova::server::delete::Request::builder()
                .id(id.to_owned())
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            gone_is_fine(
                self.act(Service::Compute, &format!("server {id}"), request)
                    .await,
            )
        })
    }

    fn console_output<'a>(&'a self, id: &'a str, lines: Option<u32>) -> CloudFuture<'a, String> {
        Box::pin(async move {
            let mut action = json!({});
            if let Some(lines) = lines {
                action["length"] = json!(lines);
            }
            let request = nova::server::os_get_console_output::Request::builder()
                .id(id.to_owned())
                .os_get_console_output(to_request::<
                    nova::server::os_get_console_output::OsGetConsoleOutput,
                >(action)?)
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            let value = self
                .send(
                    Service::Compute,
                    &format!("console of server {id}"),
                    Retry::Idempotent,
                    &request,
                )
                .await?;
            Ok(value
                .get("output")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned())
        })
    }

    fn find_images<'a>(
        &'a self,
        name: &'a str,
        status: Option<ImageStatus>,
    ) -> CloudFuture<'a, Vec<Image>> {
        Box::pin(async move {
            let images = self.all_images(Some(name)).await?;
            Ok(images
                .into_iter()
                .filter(|i| i.name == name && status.as_ref().is_none_or(|s| &i.status == s))
                .collect())
        })
    }

    fn list_images<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Image>> {
        Box::pin(async move {
            let images = self.all_images(None).await?;
            Ok(images.into_iter().filter(|i| owner.owns_image(i)).collect())
        })
    }

    fn get_image<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Image>> {
        Box::pin(async move {
            let request = glance::image::get::Request::builder()
                .id(id.to_owned())
                .build()
                .map_err(invalid_request)?;
            let got = self
                .send(
                    Service::Image,
                    &format!("image {id}"),
                    Retry::Idempotent,
                    &request,
                )
                .await;
            found(got, wire::image)
        })
    }

    fn upload_image<'a>(
        &'a self,
        spec: &'a ImageSpec,
        source: ImageSource,
    ) -> CloudFuture<'a, Image> {
        Box::pin(async move {
            let resource = format!("image {}", spec.name);
            // Everything that can fail locally fails before the cloud holds anything.
            let reader = match source {
                ImageSource::File(path) => {
                    let file =
                        tokio::fs::File::open(&path)
                            .await
                            .map_err(|err| CloudError::Config {
                                detail: format!("cannot read {}: {err}", path.display()),
                                hint: "check the image file's path and permissions".into(),
                            })?;
                    BoxedAsyncRead::new(file.compat())
                }
                ImageSource::Reader(reader) => BoxedAsyncRead::new(reader.compat()),
            };
            let request = glance::image::create::Request::builder()
                .name(Some(spec.name.clone().into()))
                .disk_format(to_request::<glance::image::create::DiskFormat>(json!(
                    spec.disk_format
                ))?)
                .container_format(to_request::<glance::image::create::ContainerFormat>(
                    json!(spec.container_format),
                )?)
                .properties(spec.properties.iter().map(|(k, v)| (k.clone(), v.clone())))
                .build()
                .map_err(invalid_request)?;
            let create = || async {
                let made = self
                    .send(Service::Image, &resource, Retry::Once, &request)
                    .await?;
                wire::image(&made)
            };
            let lookup = || async {
                Ok(self
                    .find_images(&spec.name, Some(ImageStatus::Queued))
                    .await?
                    .into_iter()
                    .find(|i| i.properties == spec.properties))
            };
            let image = self.create_once(create, lookup).await?;
            let upload = glance::image::file::upload::Request::builder()
                .image_id(image.id.clone())
                .header(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                )
                .build()
                .map_err(invalid_request);
            let uploaded = match upload {
                Ok(upload) => {
                    self.caller
                        .send_once(
                            self.transfer_timeout,
                            Service::Image,
                            &format!("upload of image {}", image.id),
                            raw_with_body(upload, reader).query_async(&self.session),
                        )
                        .await
                }
                Err(err) => Err(err),
            };
            if let Err(err) = uploaded {
                // Leave no half-made image behind.
                if let Err(cleanup) = self.delete_image(&image.id).await {
                    tracing::warn!(image = %image.id, error = %cleanup, "could not delete the image whose upload failed");
                }
                return Err(err);
            }
            self.get_image(&image.id)
                .await?
                .ok_or(CloudError::NotFound { resource })
        })
    }

    fn snapshot_server<'a>(
        &'a self,
        server_id: &'a str,
        spec: &'a ImageSpec,
    ) -> CloudFuture<'a, String> {
        Box::pin(async move {
            let resource = format!("snapshot {} of server {server_id}", spec.name);
            let request = raw(nova::server::create_image_21::Request::builder()
                .id(server_id.to_owned())
                .create_image(to_request::<
                    nova::server::create_image_21::CreateImage<'static>,
                >(
                    json!({"name": spec.name, "metadata": spec.properties})
                )?)
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?);
            let create = || async {
                let response = self
                    .caller
                    .call(Service::Compute, &resource, Retry::Once, || {
                        request.query_async(&self.session)
                    })
                    .await?;
                let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
                body.get("image_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| CloudError::Unexpected {
                        resource: resource.clone(),
                        detail: format!("the answer has no image_id: {body}"),
                    })
            };
            // Only a snapshot of this server with these properties is the one a lost answer made.
            let lookup = || async {
                Ok(self
                    .find_images(&spec.name, None)
                    .await?
                    .into_iter()
                    .find(|image| {
                        image.properties.get("instance_uuid").map(String::as_str) == Some(server_id)
                            && spec
                                .properties
                                .iter()
                                .all(|(k, v)| image.properties.get(k) == Some(v))
                            && !matches!(image.status, ImageStatus::Killed | ImageStatus::Deleted)
                    })
                    .map(|image| image.id))
            };
            self.create_once(create, lookup).await
        })
    }

    fn download_image<'a>(&'a self, id: &'a str, dest: &'a Path) -> CloudFuture<'a, u64> {
        Box::pin(async move {
            let resource = format!("download of image {id}");
            let mut partial = dest.as_os_str().to_owned();
            partial.push(".part");
            let partial = std::path::PathBuf::from(partial);
            let request = openstack_sdk::api::download(
                glance::image::file::download::Request::builder()
                    .image_id(id.to_owned())
                    .build()
                    .map_err(invalid_request)?,
            );
            let written = self
                .caller
                .send_once(self.transfer_timeout, Service::Image, &resource, async {
                    let (_, body) = request.query_async(&self.session).await?;
                    copy_to_file(body, &partial).await.map_err(|err| {
                        openstack_sdk::api::ApiError::Session {
                            msg: format!("writing {}: {err}", partial.display()),
                        }
                    })
                })
                .await;
            let written = match written {
                Ok(n) => n,
                Err(err) => {
                    let _ = tokio::fs::remove_file(&partial).await;
                    return Err(err);
                }
            };
            tokio::fs::rename(&partial, dest)
                .await
                .map_err(|err| CloudError::Config {
                    detail: format!("cannot write {}: {err}", dest.display()),
                    hint: "check the destination directory's permissions".into(),
                })?;
            Ok(written)
        })
    }

    fn delete_image<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let request = glance::image::delete::Request::builder()
                .id(id.to_owned())
                .build()
                .map_err(invalid_request)?;
            gone_is_fine(
                self.act(Service::Image, &format!("image {id}"), request)
                    .await,
            )
        })
    }

    fn create_keypair<'a>(
        &'a self,
        name: &'a str,
        public_key: &'a str,
    ) -> CloudFuture<'a, Keypair> {
        Box::pin(async move {
            let resource = format!("keypair {name}");
            let request = nova::keypair::create_21::Request::builder()
                .keypair(to_request::<nova::keypair::create_21::Keypair<'static>>(
                    json!({"name": name, "public_key": public_key}),
                )?)
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            let create = || async {
                let made = self
                    .send(Service::Compute, &resource, Retry::Once, &request)
                    .await?;
                wire::keypair(&made)
            };
            let lookup = || async {
                Ok(self
                    .get_keypair(name)
                    .await?
                    .filter(|k| same_key(&k.public_key, public_key)))
            };
            let made = self.create_once(create, lookup).await;
            // The name is taken: by this very key (an earlier run), that is success.
            if let Err(CloudError::Conflict { .. }) = &made
                && let Some(same) = lookup().await?
            {
                return Ok(same);
            }
            made
        })
    }

    fn get_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<Keypair>> {
        Box::pin(async move {
            let request = nova::keypair::get_20::Request::builder()
                .id(name.to_owned())
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            let got = self
                .send(
                    Service::Compute,
                    &format!("keypair {name}"),
                    Retry::Idempotent,
                    &request,
                )
                .await;
            found(got, wire::keypair)
        })
    }

    fn list_keypairs<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Keypair>> {
        Box::pin(async move {
            Ok(self
                .all_keypairs()
                .await?
                .into_iter()
                .filter(|k| owner.owns_keypair(k))
                .collect())
        })
    }

    fn delete_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let request = nova::keypair::delete_20::Request::builder()
                .id(name.to_owned())
                .header(API_VERSION, self.compute_header.clone())
                .build()
                .map_err(invalid_request)?;
            gone_is_fine(
                self.act(Service::Compute, &format!("keypair {name}"), request)
                    .await,
            )
        })
    }

    fn find_security_groups<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Vec<SecurityGroup>> {
        Box::pin(async move {
            let request = neutron::security_group::list::Request::builder()
                .name(name.to_owned())
                .build()
                .map_err(invalid_request)?;
            let value = self
                .send(
                    Service::Network,
                    &format!("security groups {name}"),
                    Retry::Idempotent,
                    &request,
                )
                .await?;
            Ok(
                wire::all(wire::items(&value, "security_groups"), wire::security_group)?
                    .into_iter()
                    .filter(|g| g.name == name)
                    .collect(),
            )
        })
    }

    fn create_security_group<'a>(
        &'a self,
        name: &'a str,
        description: &'a str,
        tags: &'a [String],
    ) -> CloudFuture<'a, SecurityGroup> {
        Box::pin(async move {
            let resource = format!("security group {name}");
            // A nonce in the description tells the group this call made from any other
            // untagged group of the same name.
            let description = format!("{description} (rpc {})", nonce());
            let request = neutron::security_group::create::Request::builder()
                .security_group(to_request::<
                    neutron::security_group::create::SecurityGroup<'static>,
                >(
                    json!({"name": name, "description": description})
                )?)
                .build()
                .map_err(invalid_request)?;
            let create = || async {
                let made = self
                    .send(Service::Network, &resource, Retry::Once, &request)
                    .await?;
                wire::security_group(&made)
            };
            let lookup = || async {
                Ok(self
                    .find_security_groups(name)
                    .await?
                    .into_iter()
                    .find(|g| g.description == description))
            };
            let mut made = self.create_once(create, lookup).await?;
            if let Err(err) = self.tag_group(&made.id, tags).await {
                // Untagged, the group would look foreign to every later run: remove it.
                if let Err(cleanup) = self.delete_security_group(&made.id).await {
                    tracing::warn!(group = %made.id, error = %cleanup, "could not delete the security group whose tagging failed");
                }
                return Err(err);
            }
            made.tags = tags.to_vec();
            Ok(made)
        })
    }

    fn create_security_group_rule<'a>(
        &'a self,
        group_id: &'a str,
        rule: &'a Rule,
    ) -> CloudFuture<'a, SecurityGroupRule> {
        Box::pin(async move {
            let request = neutron::security_group_rule::create::Request::builder()
                .security_group_rule(to_request::<
                    neutron::security_group_rule::create::SecurityGroupRule<'static>,
                >(rule_body(group_id, rule))?)
                .build()
                .map_err(invalid_request)?;
            let value = self
                .send(
                    Service::Network,
                    &format!("rule of security group {group_id}"),
                    Retry::Once,
                    &request,
                )
                .await?;
            wire::rule(&value)
        })
    }

    fn delete_security_group<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let request = neutron::security_group::delete::Request::builder()
                .id(id.to_owned())
                .build()
                .map_err(invalid_request)?;
            gone_is_fine(
                self.act(Service::Network, &format!("security group {id}"), request)
                    .await,
            )
        })
    }

    fn list_flavors(&self) -> CloudFuture<'_, Vec<Flavor>> {
        Box::pin(async move {
            let values = self
                .list_pages(Service::Compute, "flavors", "flavors", by_id, |marker| {
                    let mut request = nova::flavor::list_detailed_20::Request::builder();
                    request.limit(PAGE);
                    if let Some(marker) = marker {
                        request.marker(marker.to_owned());
                    }
                    request
                        .header(API_VERSION, self.compute_header.clone())
                        .build()
                        .map_err(invalid_request)
                })
                .await?;
            wire::all(&values, wire::flavor)
        })
    }

    fn list_networks(&self) -> CloudFuture<'_, Vec<Network>> {
        Box::pin(async move {
            let request = neutron::network::list::Request::builder()
                .build()
                .map_err(invalid_request)?;
            let value = self
                .send(Service::Network, "networks", Retry::Idempotent, &request)
                .await?;
            wire::all(wire::items(&value, "networks"), wire::network)
        })
    }

    fn list_subnets(&self) -> CloudFuture<'_, Vec<Subnet>> {
        Box::pin(async move {
            let request = neutron::subnet::list::Request::builder()
                .build()
                .map_err(invalid_request)?;
            let value = self
                .send(Service::Network, "subnets", Retry::Idempotent, &request)
                .await?;
            wire::all(wire::items(&value, "subnets"), wire::subnet)
        })
    }

    fn request_counts(&self) -> BTreeMap<String, u64> {
        self.caller.counts()
    }
}

/// A random token from the OS.
fn nonce() -> String {
    use ssh_key::rand_core::{OsRng, RngCore};
    format!("{:016x}", OsRng.next_u64())
}

/// Deleting what is already gone is success.
fn gone_is_fine(result: Result<(), CloudError>) -> Result<(), CloudError> {
    match result {
        Err(err) if err.is_not_found() => Ok(()),
        other => other,
    }
}

/// Whether two OpenSSH public keys are the same key (comments aside).
fn same_key(a: &str, b: &str) -> bool {
    a.split_whitespace()
        .take(2)
        .eq(b.split_whitespace().take(2))
}

async fn copy_to_file(mut body: BoxedAsyncRead, path: &Path) -> std::io::Result<u64> {
    use futures::AsyncReadExt as _;
    let mut file = tokio::fs::File::create(path).await?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        let n = body.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        file.write_all(&buffer[..n]).await?;
        written += n as u64;
    }
    file.sync_all().await?;
    Ok(written)
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

    #[test]
    fn keys_compare_without_comments() {
        assert!(same_key("ssh-ed25519 AAAA a@b", "ssh-ed25519 AAAA"));
        assert!(!same_key("ssh-ed25519 AAAA", "ssh-ed25519 BBBB"));
    }
}
