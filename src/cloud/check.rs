//! `rpc cloud check`: authenticate and describe what rpc would work with.

use std::collections::BTreeMap;

use serde::Serialize;

use super::openstack::{Endpoint, OpenStackCloud, OpenStackSettings};
use super::types::{Flavor, Image, Keypair, Network, SecurityGroup, Server};
use super::{Cloud, CloudError, Ownership};

/// The kinds of resources rpc creates under a prefix.
pub const KINDS: &[&str] = &["runner", "builder", "image"];

/// What `rpc cloud check` found.
#[derive(Debug, Serialize)]
pub struct CloudReport {
    /// Where the cloud's configuration came from.
    pub source: String,
    /// The project the credentials are scoped to.
    pub project: Option<String>,
    /// The endpoints found in the catalog, after version discovery.
    pub endpoints: Vec<Endpoint>,
    /// The Nova microversion rpc uses.
    pub microversion: String,
    /// Flavors, smallest first.
    pub flavors: Vec<Flavor>,
    /// Networks.
    pub networks: Vec<Network>,
    /// Images visible to the project, newest first.
    pub images: Vec<Image>,
    /// Nova's absolute limits and usage.
    pub limits: Option<BTreeMap<String, i64>>,
    /// Why the limits could not be read, if they could not.
    pub limits_error: Option<String>,
    /// What rpc owns under the configured prefix.
    pub owned: Owned,
    /// Requests sent for this report, per service.
    pub requests: BTreeMap<String, u64>,
}

/// Resources rpc owns under one prefix, every kind together.
#[derive(Debug, Default, Serialize)]
pub struct Owned {
    /// The prefix.
    pub prefix: String,
    /// Servers.
    pub servers: Vec<Server>,
    /// Images.
    pub images: Vec<Image>,
    /// Keypairs.
    pub keypairs: Vec<Keypair>,
    /// Security groups.
    pub security_groups: Vec<SecurityGroup>,
}

/// Connects and gathers the report; resources rpc owns are those under `prefix`.
pub async fn check(settings: &OpenStackSettings, prefix: &str) -> Result<CloudReport, CloudError> {
    let owners = KINDS
        .iter()
        .map(|kind| Ownership::new(prefix, *kind))
        .collect::<Result<Vec<_>, _>>()?;
    let cloud = OpenStackCloud::connect(settings).await?;
    let mut flavors = cloud.list_flavors().await?;
    flavors.sort_by_key(|f| (f.vcpus, f.ram_mb, f.disk_gb));
    let networks = cloud.list_networks().await?;
    let images = cloud.list_images_all().await?;
    let (limits, limits_error) = match cloud.compute_limits().await {
        Ok(limits) => (Some(limits), None),
        Err(err) => (None, Some(err.to_string())),
    };
    let groups = cloud.list_security_groups().await?;
    let mut owned = Owned {
        prefix: prefix.to_owned(),
        ..Owned::default()
    };
    for owner in &owners {
        owned.servers.extend(cloud.list_servers(owner).await?);
        owned
            .images
            .extend(images.iter().filter(|i| owner.owns_image(i)).cloned());
        owned.keypairs.extend(cloud.list_keypairs(owner).await?);
        owned.security_groups.extend(
            groups
                .iter()
                .filter(|g| owner.owns_security_group(g))
                .cloned(),
        );
    }
    Ok(CloudReport {
        source: cloud.source().to_owned(),
        project: cloud.project(),
        endpoints: cloud.endpoints().await,
        microversion: cloud.microversion().to_string(),
        flavors,
        networks,
        images,
        limits,
        limits_error,
        owned,
        requests: cloud.request_counts(),
    })
}
