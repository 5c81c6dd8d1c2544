//! The [`Cloud`] operations of [`OpenStackCloud`], one request module of openstack_sdk each.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use http::HeaderValue;
use openstack_sdk::api::compute::v2 as nova;
use openstack_sdk::api::image::v2 as glance;
use openstack_sdk::api::network::v2 as neutron;
use openstack_sdk::api::{QueryAsync, raw, raw_with_body};
use openstack_sdk::types::BoxedAsyncRead;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio_util::compat::TokioAsyncReadCompatExt as _;

use super::api::{Retry, Service};
use super::request::{API_VERSION, by_id, by_keypair_name, found, invalid_request, to_request};
use super::{OpenStackCloud, PAGE, wire};
use crate::cloud::error::CloudError;
use crate::cloud::ownership::Ownership;
use crate::cloud::types::{
    Flavor, Image, ImageSource, ImageSpec, ImageStatus, Keypair, Network, Rule, SecurityGroup,
    SecurityGroupRule, Server, ServerSpec, ServerStatus, Subnet,
};
use crate::cloud::{Cloud, CloudFuture};

impl OpenStackCloud {
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

    pub(super) async fn all_images(&self, name: Option<&str>) -> Result<Vec<Image>, CloudError> {
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
    fn keys_compare_without_comments() {
        assert!(same_key("ssh-ed25519 AAAA a@b", "ssh-ed25519 AAAA"));
        assert!(!same_key("ssh-ed25519 AAAA", "ssh-ed25519 BBBB"));
    }
}
