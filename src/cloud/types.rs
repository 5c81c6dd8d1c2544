//! rpc's own view of cloud resources: only the fields image and runner work use, in rpc's types.
//! OpenStack's wire shapes stay in the OpenStack implementation.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;

use serde::Serialize;
use tokio::io::AsyncRead;

use super::ownership::Ownership;

/// A server's lifecycle state, as far as rpc cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerStatus {
    /// Being built (Nova `BUILD`).
    Build,
    /// Running (Nova `ACTIVE`).
    Active,
    /// Stopped (Nova `SHUTOFF`).
    Shutoff,
    /// Failed (Nova `ERROR`); the server's fault says why.
    Error,
    /// Being deleted, or soft-deleted (Nova `DELETED`, `SOFT_DELETED`).
    Deleted,
    /// Any other state (`REBOOT`, `PAUSED`, `MIGRATING`, …), with the cloud's name for it.
    Other(String),
}

impl ServerStatus {
    /// Maps a Nova status string.
    pub fn from_nova(status: &str) -> Self {
        match status.to_ascii_uppercase().as_str() {
            "BUILD" => Self::Build,
            "ACTIVE" => Self::Active,
            "SHUTOFF" => Self::Shutoff,
            "ERROR" => Self::Error,
            "DELETED" | "SOFT_DELETED" => Self::Deleted,
            _ => Self::Other(status.to_owned()),
        }
    }
}

impl fmt::Display for ServerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Build => "BUILD",
            Self::Active => "ACTIVE",
            Self::Shutoff => "SHUTOFF",
            Self::Error => "ERROR",
            Self::Deleted => "DELETED",
            Self::Other(other) => other,
        })
    }
}

/// A server (VM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Server {
    /// The cloud's id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The state.
    pub status: ServerStatus,
    /// Key/value metadata (ownership: `rpc-prefix`, `rpc-kind`).
    pub metadata: BTreeMap<String, String>,
    /// The image it was booted from, if the cloud says.
    pub image_id: Option<String>,
    /// The keypair it was created with.
    pub key_name: Option<String>,
    /// Fixed and floating addresses, all networks.
    pub addresses: Vec<String>,
    /// The fault message of a server in `ERROR`.
    pub fault: Option<String>,
    /// Creation time, RFC 3339, as the cloud reported it.
    pub created: Option<String>,
}

/// Settings only some providers have. OpenStack uses all of them; a local provider (LXD) may
/// ignore or map them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProviderSettings {
    /// Flavor id.
    pub flavor: String,
    /// Network id.
    pub network: String,
    /// Keypair name to inject.
    pub key_name: Option<String>,
    /// Security group names or ids.
    pub security_groups: Vec<String>,
    /// Attach a config drive (runners always do: CVE-2024-6174).
    pub config_drive: bool,
}

/// What to create a server from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The name: always `<prefix>-<kind>-<token>`, see [`ServerSpec::new`].
    pub name: String,
    /// Image id.
    pub image: String,
    /// Provider settings.
    pub provider: ProviderSettings,
    /// Cloud-init user data (plain text; the implementation encodes it).
    pub user_data: Option<String>,
    /// Metadata, including the ownership keys.
    pub metadata: BTreeMap<String, String>,
}

impl ServerSpec {
    /// A spec named and tagged for `owner`: name `<prefix>-<kind>-<token>`, metadata
    /// `rpc-prefix` and `rpc-kind`. `extra` metadata is added but cannot override ownership.
    pub fn new(
        owner: &Ownership,
        token: &str,
        image: impl Into<String>,
        provider: ProviderSettings,
        user_data: Option<String>,
        extra: BTreeMap<String, String>,
    ) -> Self {
        let mut metadata = extra;
        metadata.extend(owner.metadata());
        Self {
            name: owner.name(token),
            image: image.into(),
            provider,
            user_data,
            metadata,
        }
    }
}

/// An image's lifecycle state (Glance v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    /// Created, no data yet.
    Queued,
    /// Data being uploaded or imported.
    Saving,
    /// Usable.
    Active,
    /// Upload failed.
    Killed,
    /// Deleted or pending delete.
    Deleted,
    /// Deactivated by an administrator.
    Deactivated,
    /// Any other state (`uploading`, `importing`, …).
    Other(String),
}

impl ImageStatus {
    /// Maps a Glance status string.
    pub fn from_glance(status: &str) -> Self {
        match status {
            "queued" => Self::Queued,
            "saving" => Self::Saving,
            "active" => Self::Active,
            "killed" => Self::Killed,
            "deleted" | "pending_delete" => Self::Deleted,
            "deactivated" => Self::Deactivated,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The Glance status string.
    pub fn as_glance(&self) -> &str {
        match self {
            Self::Queued => "queued",
            Self::Saving => "saving",
            Self::Active => "active",
            Self::Killed => "killed",
            Self::Deleted => "deleted",
            Self::Deactivated => "deactivated",
            Self::Other(other) => other,
        }
    }
}

impl fmt::Display for ImageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_glance())
    }
}

/// An image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The cloud's id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The state.
    pub status: ImageStatus,
    /// Additional properties (ownership: `rpc-prefix`, `rpc-kind`; also `architecture`).
    pub properties: BTreeMap<String, String>,
    /// Size in bytes, once uploaded.
    pub size: Option<u64>,
    /// Creation time, RFC 3339.
    pub created: Option<String>,
    /// The checksum the cloud computed (`os_hash_value`, else `checksum`).
    pub checksum: Option<String>,
}

/// What to create an image from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The name: always starts with the owner's prefix, see [`ImageSpec::new`].
    pub name: String,
    /// Disk format, e.g. `qcow2` or `raw`.
    pub disk_format: String,
    /// Container format, usually `bare`.
    pub container_format: String,
    /// Properties, including the ownership keys (and e.g. `architecture`).
    pub properties: BTreeMap<String, String>,
}

impl ImageSpec {
    /// A `qcow2`/`bare` image named `<prefix>-<kind>-<token>` with the ownership properties;
    /// `extra` properties are added but cannot override ownership.
    pub fn new(owner: &Ownership, token: &str, extra: BTreeMap<String, String>) -> Self {
        let mut properties = extra;
        properties.extend(owner.metadata());
        Self {
            name: owner.name(token),
            disk_format: "qcow2".into(),
            container_format: "bare".into(),
            properties,
        }
    }
}

/// Where an image's data comes from.
pub enum ImageSource {
    /// A local file.
    File(PathBuf),
    /// A byte stream (e.g. a download being verified on the fly).
    Reader(Pin<Box<dyn AsyncRead + Send + Sync>>),
}

impl fmt::Debug for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Reader(_) => f.write_str("Reader(..)"),
        }
    }
}

/// A keypair registered in the cloud (public part only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Keypair {
    /// The name (ownership: `<prefix>-<kind>-<token>`, exactly).
    pub name: String,
    /// The OpenSSH public key.
    pub public_key: String,
    /// The cloud's fingerprint of the public key.
    pub fingerprint: Option<String>,
}

/// Traffic direction of a security group rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Incoming.
    Ingress,
    /// Outgoing.
    Egress,
}

impl Direction {
    /// The Neutron name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }
}

/// One security group rule, IPv4 or IPv6, in the shape rpc compares rules by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Rule {
    /// Direction.
    pub direction: Direction,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    /// `tcp`, `udp`, `icmp`, or `None` for any.
    pub protocol: Option<String>,
    /// Lowest port (or ICMP type).
    pub port_min: Option<u16>,
    /// Highest port (or ICMP code).
    pub port_max: Option<u16>,
    /// Remote CIDR, `None` for any.
    pub remote_ip_prefix: Option<String>,
}

impl Rule {
    /// An IPv4 TCP rule for one port from or to anywhere.
    pub fn tcp(direction: Direction, port: u16) -> Self {
        Self {
            direction,
            ethertype: "IPv4".into(),
            protocol: Some("tcp".into()),
            port_min: Some(port),
            port_max: Some(port),
            remote_ip_prefix: None,
        }
    }

    /// An IPv4 ICMP rule (all types) from or to anywhere.
    pub fn icmp(direction: Direction) -> Self {
        Self {
            direction,
            ethertype: "IPv4".into(),
            protocol: Some("icmp".into()),
            port_min: None,
            port_max: None,
            remote_ip_prefix: None,
        }
    }
}

/// A security group rule as the cloud holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityGroupRule {
    /// The cloud's id.
    pub id: String,
    /// Its content.
    pub rule: Rule,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityGroup {
    /// The cloud's id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: String,
    /// Tags (ownership: `rpc-prefix:<prefix>`, `rpc-kind:<kind>`).
    pub tags: Vec<String>,
    /// Its rules.
    pub rules: Vec<SecurityGroupRule>,
    /// Creation time, RFC 3339 (to keep the oldest of duplicates).
    pub created: Option<String>,
}

/// A flavor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flavor {
    /// The cloud's id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub ram_mb: u64,
    /// Root disk in GiB.
    pub disk_gb: u64,
}

/// A network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    /// The cloud's id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Its subnets' ids, in the cloud's order.
    pub subnets: Vec<String>,
    /// Whether it is an external (provider) network.
    pub external: bool,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subnet {
    /// The cloud's id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The network it belongs to.
    pub network_id: String,
    /// Its CIDR.
    pub cidr: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_from_the_wire_and_back() {
        assert_eq!(ServerStatus::from_nova("ACTIVE"), ServerStatus::Active);
        assert_eq!(
            ServerStatus::from_nova("SOFT_DELETED"),
            ServerStatus::Deleted
        );
        assert_eq!(ServerStatus::from_nova("REBOOT").to_string(), "REBOOT");
        for s in [
            "queued",
            "saving",
            "active",
            "killed",
            "deactivated",
            "importing",
        ] {
            assert_eq!(ImageStatus::from_glance(s).as_glance(), s);
        }
        assert_eq!(
            ImageStatus::from_glance("pending_delete"),
            ImageStatus::Deleted
        );
    }

    #[test]
    fn specs_carry_ownership_that_extra_metadata_cannot_override() {
        let owner = Ownership::new("runner-1", "runner").expect("valid");
        let extra = BTreeMap::from([
            ("rpc-prefix".to_owned(), "other".to_owned()),
            ("runner-id".to_owned(), "42".to_owned()),
        ]);
        let spec = ServerSpec::new(
            &owner,
            "abc123",
            "img",
            ProviderSettings::default(),
            None,
            extra,
        );
        assert_eq!(spec.name, "runner-1-runner-abc123");
        assert_eq!(spec.metadata["rpc-prefix"], "runner-1");
        assert_eq!(spec.metadata["rpc-kind"], "runner");
        assert_eq!(spec.metadata["runner-id"], "42");
        let image = ImageSpec::new(
            &owner,
            "jammy-x64",
            BTreeMap::from([("architecture".to_owned(), "x86_64".to_owned())]),
        );
        assert_eq!(image.name, "runner-1-runner-jammy-x64");
        assert_eq!(image.properties["architecture"], "x86_64");
        assert_eq!(image.properties["rpc-kind"], "runner");
    }
}
