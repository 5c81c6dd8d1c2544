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
//!   rpc looks the resource up by name and adopts it if the cloud made it, before trying again.
//! - **Proxies**: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are honoured by the HTTP client.

pub mod api;
pub mod connect;
mod wire;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use http::HeaderValue;
use openstack_sdk::AsyncOpenStack;
use openstack_sdk::api::compute::v2 as nova;
use openstack_sdk::api::image::v2 as glance;
use openstack_sdk::api::network::v2 as neutron;
use openstack_sdk::api::{AsyncClient, QueryAsync, RestClient, ignore, raw, raw_with_body};
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
    SecurityGroupRule, Server, ServerSpec, Subnet,
};
use super::{Cloud, CloudFuture};

/// The lowest Nova microversion rpc works with.
pub const MIN_MICROVERSION: Microversion = Microversion(2, 45);

/// Page size of list requests; a full page means there may be more.
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
    /// Settings from the `[openstack]` section, with `cloud` overriding `openstack.cloud`.
    pub fn from_config(
        config: &crate::config::OpenStackConfig,
        cloud: Option<&str>,
    ) -> Result<Self, CloudError> {
        let max_microversion =
            Microversion::parse(&config.max_microversion).ok_or_else(|| CloudError::Config {
                detail: format!(
                    "openstack.max_microversion: expected MAJOR.MINOR, got {:?}",
                    config.max_microversion
                ),
                hint: "use a Nova microversion such as 2.95".into(),
            })?;
        Ok(Self {
            cloud: cloud.map(str::to_owned).or_else(|| config.cloud.clone()),
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

/// The `OpenStack-API-Version` header name.
const API_VERSION: &str = "openstack-api-version";

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
            detail: "the identity service did not answer in time".into(),
            hint: "check auth.auth_url in clouds.yaml and HTTPS_PROXY/NO_PROXY".into(),
        })??;
        // The identity version document and one token request, then one version document per
        // service.
        caller.count(Service::Identity, 2);
        for service in [Service::Compute, Service::Image, Service::Network] {
            caller.count(service, 1);
        }
        let compute = session
            .get_service_endpoint(&ServiceType::Compute, None)
            .await
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
            if let Ok(endpoint) = self.session.get_service_endpoint(&service, None).await {
                let versions = match (endpoint.min_version(), endpoint.max_version()) {
                    (Some(min), Some(max)) if !max.is_empty() => Some((min.clone(), max.clone())),
                    _ => None,
                };
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
        let value: Value = self
            .caller
            .call(
                Service::Compute,
                "compute limits",
                Retry::Idempotent,
                || {
                    let request = nova::limit::list_21::Request::builder()
                        .header(
                            http::HeaderName::from_static(API_VERSION),
                            self.compute_header.clone(),
                        )
                        .build();
                    async move {
                        request
                            .map_err(builder_error)?
                            .query_async(&self.session)
                            .await
                    }
                },
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
        let value = self
            .json(
                Service::Network,
                "security groups",
                Retry::Idempotent,
                || {
                    neutron::security_group::list::Request::builder()
                        .build()
                        .map_err(builder_error_cloud)
                },
            )
            .await?;
        wire::all(wire::items(&value, "security_groups"), wire::security_group)
    }

    /// Sends one JSON request built by `build`, with the compute header for Nova requests.
    async fn json<F, E>(
        &self,
        service: Service,
        resource: &str,
        retry: Retry,
        build: F,
    ) -> Result<Value, CloudError>
    where
        F: Fn() -> Result<E, CloudError>,
        E: openstack_sdk::api::RestEndpoint + Sync + Send,
    {
        self.caller
            .call(service, resource, retry, || async {
                let endpoint = build().map_err(|err| openstack_sdk::api::ApiError::Session {
                    msg: err.to_string(),
                })?;
                endpoint.query_async(&self.session).await
            })
            .await
    }

    /// Sends one request whose answer has no body worth reading (deletes, actions).
    async fn no_body<F, E>(
        &self,
        service: Service,
        resource: &str,
        build: F,
    ) -> Result<(), CloudError>
    where
        F: Fn() -> Result<E, CloudError>,
        E: openstack_sdk::api::RestEndpoint + Sync + Send,
    {
        self.caller
            .call(service, resource, Retry::Idempotent, || async {
                let endpoint = build().map_err(|err| openstack_sdk::api::ApiError::Session {
                    msg: err.to_string(),
                })?;
                ignore(endpoint).query_async(&self.session).await
            })
            .await
    }

    /// Every page of a list: `build(marker)` builds one page's request.
    async fn list_pages<F, E>(
        &self,
        service: Service,
        resource: &str,
        key: &str,
        build: F,
    ) -> Result<Vec<Value>, CloudError>
    where
        F: Fn(Option<&str>) -> Result<E, CloudError>,
        E: openstack_sdk::api::RestEndpoint + Sync + Send,
    {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .json(service, resource, Retry::Idempotent, || {
                    build(marker.as_deref())
                })
                .await?;
            let items = wire::items(&page, key).to_vec();
            let full = items.len() >= PAGE as usize;
            marker = items.last().and_then(|last| {
                last.get(key.trim_end_matches('s'))
                    .unwrap_or(last)
                    .get("id")
                    .or_else(|| last.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            all.extend(items);
            if !full || marker.is_none() {
                return Ok(all);
            }
        }
    }

    fn compute_version(&self) -> (http::HeaderName, HeaderValue) {
        (
            http::HeaderName::from_static(API_VERSION),
            self.compute_header.clone(),
        )
    }

    /// Sends a create once; after a transient failure, adopts what `lookup` finds (the cloud
    /// made it before the answer was lost) or tries again, up to three times in all.
    async fn create_once<T, C, CF, L, LF>(&self, create: C, lookup: L) -> Result<T, CloudError>
    where
        C: Fn() -> CF,
        CF: std::future::Future<Output = Result<T, CloudError>>,
        L: Fn() -> LF,
        LF: std::future::Future<Output = Result<Option<T>, CloudError>>,
    {
        let mut attempt = 1;
        loop {
            match create().await {
                Ok(made) => return Ok(made),
                Err(err) if err.is_transient() && attempt < 3 => {
                    tracing::info!(error = %err, "create failed; looking for what the cloud made");
                    if let Some(found) = lookup().await? {
                        return Ok(found);
                    }
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn servers_named(&self, pattern: &str) -> Result<Vec<Server>, CloudError> {
        let values = self
            .list_pages(Service::Compute, "servers", "servers", |marker| {
                let mut request = nova::server::list_detailed_21::Request::builder();
                request.name(pattern.to_owned()).limit(PAGE);
                if let Some(marker) = marker {
                    request.marker(marker.to_owned());
                }
                let (name, value) = self.compute_version();
                request
                    .header(name, value)
                    .build()
                    .map_err(builder_error_cloud)
            })
            .await?;
        wire::all(&values, wire::server)
    }

    async fn all_images(&self, name: Option<&str>) -> Result<Vec<Image>, CloudError> {
        let values = self
            .list_pages(Service::Image, "images", "images", |marker| {
                let mut request = glance::image::list::Request::builder();
                request.limit(PAGE as i32);
                if let Some(name) = name {
                    request.name(name.to_owned());
                }
                if let Some(marker) = marker {
                    request.marker(marker.to_owned());
                }
                request.build().map_err(builder_error_cloud)
            })
            .await?;
        let mut images = wire::all(&values, wire::image)?;
        images.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
        Ok(images)
    }

    async fn tag_group(&self, id: &str, tags: &[String]) -> Result<(), CloudError> {
        self.json(
            Service::Network,
            &format!("tags of security group {id}"),
            Retry::Idempotent,
            || {
                neutron::security_group::tag::replace::Request::builder()
                    .security_group_id(id.to_owned())
                    .tags(tags.iter().cloned().map(Into::into).collect::<Vec<_>>())
                    .build()
                    .map_err(builder_error_cloud)
            },
        )
        .await
        .map(drop)
    }
}

fn builder_error(
    err: impl std::fmt::Display,
) -> openstack_sdk::api::ApiError<openstack_sdk::RestError> {
    openstack_sdk::api::ApiError::Session {
        msg: format!("building the request: {err}"),
    }
}

fn builder_error_cloud(err: impl std::fmt::Display) -> CloudError {
    CloudError::Unexpected {
        resource: "request".into(),
        detail: format!("building the request: {err}"),
    }
}

fn parse<T>(value: Value) -> Result<T, CloudError>
where
    T: serde::de::DeserializeOwned,
{
    serde_json::from_value(value).map_err(|err| CloudError::Unexpected {
        resource: "request".into(),
        detail: format!("building the request: {err}"),
    })
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
            let server: nova::server::create_21::Server<'static> = parse(body)?;
            let create = || async {
                let made = self
                    .json(Service::Compute, &resource, Retry::Once, || {
                        let (name, value) = self.compute_version();
                        nova::server::create_21::Request::builder()
                            .server(server.clone())
                            .header(name, value)
                            .build()
                            .map_err(builder_error_cloud)
                    })
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
                let found = self
                    .servers_named(&format!("^{}$", spec.name))
                    .await?
                    .into_iter()
                    .find(|s| s.name == spec.name && s.metadata == spec.metadata);
                Ok(found)
            };
            self.create_once(create, lookup).await
        })
    }

    fn get_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Server>> {
        Box::pin(async move {
            let got = self
                .json(
                    Service::Compute,
                    &format!("server {id}"),
                    Retry::Idempotent,
                    || {
                        let (name, value) = self.compute_version();
                        nova::server::get_20::Request::builder()
                            .id(id.to_owned())
                            .header(name, value)
                            .build()
                            .map_err(builder_error_cloud)
                    },
                )
                .await;
            match got {
                Ok(value) => wire::server(&value).map(Some),
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
            }
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
            self.no_body(Service::Compute, &format!("server {id}"), || {
                let (name, value) = self.compute_version();
                nova::server::os_stop::Request::builder()
                    .id(id.to_owned())
                    .os_stop(Value::Null)
                    .header(name, value)
                    .build()
                    .map_err(builder_error_cloud)
            })
            .await
        })
    }

    fn delete_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let deleted = self
                .no_body(Service::Compute, &format!("server {id}"), || {
                    let (name, value) = self.compute_version();
                    nova::server::delete::Request::builder()
                        .id(id.to_owned())
                        .header(name, value)
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await;
            gone_is_fine(deleted)
        })
    }

    fn console_output<'a>(&'a self, id: &'a str, lines: Option<u32>) -> CloudFuture<'a, String> {
        Box::pin(async move {
            let mut action = json!({});
            if let Some(lines) = lines {
                action["length"] = json!(lines);
            }
            let action: nova::server::os_get_console_output::OsGetConsoleOutput = parse(action)?;
            let value = self
                .json(
                    Service::Compute,
                    &format!("console of server {id}"),
                    Retry::Idempotent,
                    || {
                        let (name, value) = self.compute_version();
                        nova::server::os_get_console_output::Request::builder()
                            .id(id.to_owned())
                            .os_get_console_output(action.clone())
                            .header(name, value)
                            .build()
                            .map_err(builder_error_cloud)
                    },
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
            let got = self
                .json(
                    Service::Image,
                    &format!("image {id}"),
                    Retry::Idempotent,
                    || {
                        glance::image::get::Request::builder()
                            .id(id.to_owned())
                            .build()
                            .map_err(builder_error_cloud)
                    },
                )
                .await;
            match got {
                Ok(value) => wire::image(&value).map(Some),
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
            }
        })
    }

    fn upload_image<'a>(
        &'a self,
        spec: &'a ImageSpec,
        source: ImageSource,
    ) -> CloudFuture<'a, Image> {
        Box::pin(async move {
            let resource = format!("image {}", spec.name);
            let disk_format: glance::image::create::DiskFormat = parse(json!(spec.disk_format))?;
            let container_format: glance::image::create::ContainerFormat =
                parse(json!(spec.container_format))?;
            let create = || async {
                let value = self
                    .json(Service::Image, &resource, Retry::Once, || {
                        let mut request = glance::image::create::Request::builder();
                        request
                            .name(Some(spec.name.clone().into()))
                            .disk_format(disk_format.clone())
                            .container_format(container_format.clone())
                            .properties(spec.properties.iter().map(|(k, v)| (k.clone(), v.clone())))
                            .build()
                            .map_err(builder_error_cloud)
                    })
                    .await?;
                wire::image(&value)
            };
            let lookup = || async {
                Ok(self
                    .find_images(&spec.name, Some(ImageStatus::Queued))
                    .await?
                    .into_iter()
                    .find(|i| i.properties == spec.properties))
            };
            let image = self.create_once(create, lookup).await?;
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
            let upload = glance::image::file::upload::Request::builder()
                .image_id(image.id.clone())
                .header(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                )
                .build()
                .map_err(builder_error_cloud)?;
            let sent = raw_with_body(upload, reader);
            let uploaded = self
                .caller
                .send_once(
                    self.transfer_timeout,
                    Service::Image,
                    &format!("upload of image {}", image.id),
                    sent.query_async(&self.session),
                )
                .await;
            if let Err(err) = uploaded {
                // Leave no half-made image behind.
                let _ = self.delete_image(&image.id).await;
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
            let action: nova::server::create_image_21::CreateImage<'static> =
                parse(json!({"name": spec.name, "metadata": spec.properties}))?;
            let create = || async {
                let response = self
                    .caller
                    .call(Service::Compute, &resource, Retry::Once, || async {
                        let (name, value) = self.compute_version();
                        let request = nova::server::create_image_21::Request::builder()
                            .id(server_id.to_owned())
                            .create_image(action.clone())
                            .header(name, value)
                            .build()
                            .map_err(builder_error)?;
                        raw(request).query_async(&self.session).await
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
            let lookup = || async {
                Ok(self
                    .find_images(&spec.name, None)
                    .await?
                    .into_iter()
                    .next()
                    .map(|image| image.id))
            };
            self.create_once(create, lookup).await
        })
    }

    fn download_image<'a>(&'a self, id: &'a str, dest: &'a Path) -> CloudFuture<'a, u64> {
        Box::pin(async move {
            let resource = format!("download of image {id}");
            let partial = dest.with_extension("part");
            let written = self
                .caller
                .send_once(self.transfer_timeout, Service::Image, &resource, async {
                    let request = glance::image::file::download::Request::builder()
                        .image_id(id.to_owned())
                        .build()
                        .map_err(builder_error)?;
                    let (_, body) = openstack_sdk::api::download(request)
                        .query_async(&self.session)
                        .await?;
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
            let deleted = self
                .no_body(Service::Image, &format!("image {id}"), || {
                    glance::image::delete::Request::builder()
                        .id(id.to_owned())
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await;
            gone_is_fine(deleted)
        })
    }

    fn create_keypair<'a>(
        &'a self,
        name: &'a str,
        public_key: &'a str,
    ) -> CloudFuture<'a, Keypair> {
        Box::pin(async move {
            let resource = format!("keypair {name}");
            let keypair: nova::keypair::create_21::Keypair<'static> =
                parse(json!({"name": name, "public_key": public_key}))?;
            let create = || async {
                let value = self
                    .json(Service::Compute, &resource, Retry::Once, || {
                        let (header, value) = self.compute_version();
                        nova::keypair::create_21::Request::builder()
                            .keypair(keypair.clone())
                            .header(header, value)
                            .build()
                            .map_err(builder_error_cloud)
                    })
                    .await?;
                wire::keypair(&value)
            };
            let lookup = || async {
                Ok(self
                    .get_keypair(name)
                    .await?
                    .filter(|k| same_key(&k.public_key, public_key)))
            };
            self.create_once(create, lookup).await
        })
    }

    fn get_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<Keypair>> {
        Box::pin(async move {
            let got = self
                .json(
                    Service::Compute,
                    &format!("keypair {name}"),
                    Retry::Idempotent,
                    || {
                        let (header, value) = self.compute_version();
                        nova::keypair::get_20::Request::builder()
                            .id(name.to_owned())
                            .header(header, value)
                            .build()
                            .map_err(builder_error_cloud)
                    },
                )
                .await;
            match got {
                Ok(value) => wire::keypair(&value).map(Some),
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
            }
        })
    }

    fn list_keypairs<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Keypair>> {
        Box::pin(async move {
            let values = self
                .list_pages(Service::Compute, "keypairs", "keypairs", |marker| {
                    let mut request = nova::keypair::list_20::Request::builder();
                    request.limit(PAGE);
                    if let Some(marker) = marker {
                        request.marker(marker.to_owned());
                    }
                    let (header, value) = self.compute_version();
                    request
                        .header(header, value)
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await?;
            Ok(wire::all(&values, wire::keypair)?
                .into_iter()
                .filter(|k| owner.owns_keypair(k))
                .collect())
        })
    }

    fn delete_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let deleted = self
                .no_body(Service::Compute, &format!("keypair {name}"), || {
                    let (header, value) = self.compute_version();
                    nova::keypair::delete_20::Request::builder()
                        .id(name.to_owned())
                        .header(header, value)
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await;
            gone_is_fine(deleted)
        })
    }

    fn find_security_groups<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Vec<SecurityGroup>> {
        Box::pin(async move {
            let value = self
                .json(
                    Service::Network,
                    &format!("security groups {name}"),
                    Retry::Idempotent,
                    || {
                        neutron::security_group::list::Request::builder()
                            .name(name.to_owned())
                            .build()
                            .map_err(builder_error_cloud)
                    },
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
            let group: neutron::security_group::create::SecurityGroup<'static> =
                parse(json!({"name": name, "description": description}))?;
            let create = || async {
                let value = self
                    .json(Service::Network, &resource, Retry::Once, || {
                        neutron::security_group::create::Request::builder()
                            .security_group(group.clone())
                            .build()
                            .map_err(builder_error_cloud)
                    })
                    .await?;
                wire::security_group(&value)
            };
            // Only an untagged group of this name can be the one a lost answer made.
            let lookup = || async {
                Ok(self
                    .find_security_groups(name)
                    .await?
                    .into_iter()
                    .find(|g| g.tags.is_empty()))
            };
            let mut made = self.create_once(create, lookup).await?;
            if let Err(err) = self.tag_group(&made.id, tags).await {
                // An untagged group would look foreign to every later run: remove it.
                let _ = self.delete_security_group(&made.id).await;
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
            let body: neutron::security_group_rule::create::SecurityGroupRule<'static> =
                parse(rule_body(group_id, rule))?;
            let value = self
                .json(
                    Service::Network,
                    &format!("rule of security group {group_id}"),
                    Retry::Once,
                    || {
                        neutron::security_group_rule::create::Request::builder()
                            .security_group_rule(body.clone())
                            .build()
                            .map_err(builder_error_cloud)
                    },
                )
                .await?;
            wire::rule(&value)
        })
    }

    fn delete_security_group<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            let deleted = self
                .no_body(Service::Network, &format!("security group {id}"), || {
                    neutron::security_group::delete::Request::builder()
                        .id(id.to_owned())
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await;
            gone_is_fine(deleted)
        })
    }

    fn list_flavors(&self) -> CloudFuture<'_, Vec<Flavor>> {
        Box::pin(async move {
            let values = self
                .list_pages(Service::Compute, "flavors", "flavors", |marker| {
                    let mut request = nova::flavor::list_detailed_20::Request::builder();
                    request.limit(PAGE);
                    if let Some(marker) = marker {
                        request.marker(marker.to_owned());
                    }
                    let (header, value) = self.compute_version();
                    request
                        .header(header, value)
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await?;
            wire::all(&values, wire::flavor)
        })
    }

    fn list_networks(&self) -> CloudFuture<'_, Vec<Network>> {
        Box::pin(async move {
            let value = self
                .json(Service::Network, "networks", Retry::Idempotent, || {
                    neutron::network::list::Request::builder()
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await?;
            wire::all(wire::items(&value, "networks"), wire::network)
        })
    }

    fn list_subnets(&self) -> CloudFuture<'_, Vec<Subnet>> {
        Box::pin(async move {
            let value = self
                .json(Service::Network, "subnets", Retry::Idempotent, || {
                    neutron::subnet::list::Request::builder()
                        .build()
                        .map_err(builder_error_cloud)
                })
                .await?;
            wire::all(wire::items(&value, "subnets"), wire::subnet)
        })
    }

    fn request_counts(&self) -> BTreeMap<String, u64> {
        self.caller.counts()
    }
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
