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
#[derive(Debug, Serialize)]
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
    // One list per resource type; a resource is owned if one kind's owner owns it.
    let owns = |check: &dyn Fn(&Ownership) -> bool| owners.iter().any(check);
    let owned = Owned {
        prefix: prefix.to_owned(),
        servers: cloud
            .servers_named(&format!("^{prefix}-"))
            .await?
            .into_iter()
            .filter(|s| owns(&|o| o.owns_server(s)))
            .collect(),
        images: images
            .iter()
            .filter(|i| owns(&|o| o.owns_image(i)))
            .cloned()
            .collect(),
        keypairs: cloud
            .all_keypairs()
            .await?
            .into_iter()
            .filter(|k| owns(&|o| o.owns_keypair(k)))
            .collect(),
        security_groups: groups
            .into_iter()
            .filter(|g| owns(&|o| o.owns_security_group(g)))
            .collect(),
    };
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
