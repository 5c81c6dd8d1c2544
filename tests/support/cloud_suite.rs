//! The cloud layer's integration tests, written once and run against two clouds: the fake
//! (`tests/cloud_ops.rs`, in the README's test command) and the real OpenStack control plane of
//! `scripts/openstack-dev` (`tests/real/cloud.rs`, in the real-service tier).
//!
//! Every scenario drives [`OpenStackCloud`] (openstack_sdk underneath) and uses its own random
//! prefix, so scenarios run in parallel on one cloud and never see each other's resources.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rpc::cloud::openstack::{Microversion, OpenStackCloud, OpenStackSettings};
use rpc::cloud::types::{
    Direction, ImageSource, ImageSpec, ImageStatus, ProviderSettings, Rule, ServerSpec,
    ServerStatus,
};
use rpc::cloud::wait::{self, Backoff};
use rpc::cloud::{Cloud, Ownership, keys, select};

use super::fake_cloud::{FakeCloud, PASSWORD};

/// Declares one `#[tokio::test]` per scenario of this suite, each against a fresh `$target`
/// (an expression awaiting to a [`Target`]); `$suite` is this module's name where it is used.
#[macro_export]
macro_rules! cloud_scenarios {
    ($suite:ident, $target:expr) => {
        $crate::cloud_scenarios!(
            $suite,
            $target;
            server_lifecycle,
            image_lifecycle,
            keypair_lifecycle,
            security_group_idempotence,
            ownership_filtering,
            flavors_and_networks
        );
    };
    ($suite:ident, $target:expr; $($name:ident),+) => {
        $(
            #[tokio::test]
            async fn $name() {
                $suite::$name(&$target.await).await;
            }
        )+
    };
}

/// Where the real control plane's clouds.yaml is (`scripts/openstack-dev` writes it).
pub fn real_clouds_yaml() -> PathBuf {
    let dir = std::env::var_os("RPC_OPENSTACK_DIR")
        .map_or_else(|| PathBuf::from("/var/tmp/rpc-openstack"), PathBuf::from);
    dir.join("clouds.yaml")
}

/// The cloud under test, with what a scenario needs to boot a server.
pub struct Target {
    /// The fake, when testing against it.
    pub fake: Option<FakeCloud>,
    /// Settings that reach the cloud.
    pub settings: OpenStackSettings,
    /// A bootable image id.
    pub image: String,
    /// A small flavor id.
    pub flavor: String,
    /// A network id.
    pub network: String,
    /// How long a server may take to build.
    pub build_timeout: Duration,
    dir: tempfile::TempDir,
}

fn settings(clouds_file: &Path, cloud: &str) -> OpenStackSettings {
    OpenStackSettings {
        cloud: Some(cloud.into()),
        clouds_file: Some(clouds_file.to_path_buf()),
        max_microversion: Microversion(2, 95),
        timeout: Duration::from_secs(30),
        transfer_timeout: Duration::from_secs(300),
    }
}

impl Target {
    /// A fresh fake cloud with a base image.
    pub async fn fake() -> Target {
        let fake = FakeCloud::start();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clouds.yaml");
        std::fs::write(&path, fake.clouds_yaml("fake", PASSWORD)).unwrap();
        let image = fake.add_image("base", serde_json::json!({}), b"base image bits");
        Target {
            fake: Some(fake),
            settings: settings(&path, "fake"),
            image,
            flavor: "1".into(),
            network: "11111111-1111-4111-8111-111111111111".into(),
            build_timeout: Duration::from_secs(20),
            dir,
        }
    }

    /// The real control plane, as its plain member: image `rpc-dev-base`, flavor `m1.tiny`,
    /// network `testnet`.
    pub async fn real() -> Target {
        let path = real_clouds_yaml();
        assert!(
            path.is_file(),
            "{} is missing: run `scripts/openstack-dev up` first",
            path.display()
        );
        let settings = settings(&path, "rpc-dev-member");
        let cloud = OpenStackCloud::connect(&settings)
            .await
            .expect("the real cloud accepts the member");
        let image = cloud
            .find_images("rpc-dev-base", Some(ImageStatus::Active))
            .await
            .unwrap()
            .first()
            .expect("image rpc-dev-base")
            .id
            .clone();
        let flavors = cloud.list_flavors().await.unwrap();
        let flavor = flavors
            .iter()
            .find(|f| f.name == "m1.tiny")
            .expect("flavor m1.tiny")
            .id
            .clone();
        let networks = cloud.list_networks().await.unwrap();
        let network = networks
            .iter()
            .find(|n| n.name == "testnet")
            .expect("network testnet")
            .id
            .clone();
        Target {
            fake: None,
            settings,
            image,
            flavor,
            network,
            build_timeout: Duration::from_secs(120),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A connected client.
    pub async fn connect(&self) -> OpenStackCloud {
        OpenStackCloud::connect(&self.settings).await.unwrap()
    }

    /// A scratch directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Provider settings that boot on this cloud.
    pub fn provider(&self) -> ProviderSettings {
        ProviderSettings {
            flavor: self.flavor.clone(),
            network: self.network.clone(),
            key_name: None,
            security_groups: vec![],
            config_drive: true,
        }
    }
}

/// A prefix no other scenario uses.
pub fn unique_prefix() -> String {
    let n: u64 = rand_u64();
    format!("t{:08x}", n & 0xffff_ffff)
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    hasher.finish()
}

const QUICK: Backoff = Backoff {
    initial: Duration::from_millis(100),
    max: Duration::from_secs(1),
};

/// A server's whole life: keypair, security group and user data in; ACTIVE; listed as owned;
/// console; stop; snapshot to an active image; delete, twice.
pub async fn server_lifecycle(target: &Target) {
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    let key = keys::generate_ed25519(&target.dir().join("key"), "rpc test").unwrap();
    let key_name = owner.name("key");
    cloud
        .create_keypair(&key_name, &key.public_key)
        .await
        .unwrap();
    let group = select::ensure_security_group(
        &cloud,
        &owner,
        "sg",
        "rpc test",
        &[Rule::tcp(Direction::Ingress, 22)],
    )
    .await
    .unwrap();
    let mut provider = target.provider();
    provider.key_name = Some(key_name.clone());
    provider.security_groups = vec![group.name.clone()];
    let spec = ServerSpec::new(
        &owner,
        "a1",
        target.image.clone(),
        provider,
        Some("#cloud-config\n".into()),
        BTreeMap::from([("purpose".to_owned(), "test".to_owned())]),
    );
    let made = cloud.create_server(&spec).await.unwrap();
    assert_eq!(made.name, spec.name);
    let active = wait::server_status(
        &cloud,
        &made.id,
        ServerStatus::Active,
        target.build_timeout,
        QUICK,
    )
    .await
    .unwrap();
    assert_eq!(active.metadata, spec.metadata);
    assert_eq!(active.key_name.as_deref(), Some(key_name.as_str()));
    let listed = cloud.list_servers(&owner).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id, made.id);
    let console = cloud.console_output(&made.id, Some(10)).await.unwrap();
    assert!(!console.is_empty());

    cloud.stop_server(&made.id).await.unwrap();
    wait::server_status(
        &cloud,
        &made.id,
        ServerStatus::Shutoff,
        target.build_timeout,
        QUICK,
    )
    .await
    .unwrap();
    // Stopping a stopped server (a retry whose first answer was lost) is not an error.
    cloud.stop_server(&made.id).await.unwrap();
    let image_spec = ImageSpec::new(&owner, "snap", BTreeMap::new());
    let snapshot = cloud.snapshot_server(&made.id, &image_spec).await.unwrap();
    let image = wait::image_active(&cloud, &snapshot, target.build_timeout, QUICK)
        .await
        .unwrap();
    assert_eq!(image.name, image_spec.name);
    assert!(owner.owns_image(&image), "{image:?}");

    cloud.delete_server(&made.id).await.unwrap();
    wait::server_deleted(&cloud, &made.id, target.build_timeout, QUICK)
        .await
        .unwrap();
    cloud.delete_server(&made.id).await.unwrap();
    assert!(cloud.get_server(&made.id).await.unwrap().is_none());
    cloud.delete_image(&snapshot).await.unwrap();
    cloud.delete_keypair(&key_name).await.unwrap();
    cloud.delete_security_group(&group.id).await.unwrap();
}

/// An image uploaded from a file with properties, found, listed as owned, downloaded intact,
/// deleted twice.
pub async fn image_lifecycle(target: &Target) {
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "image").unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let file = target.dir().join("disk.img");
    std::fs::write(&file, &data).unwrap();
    let spec = ImageSpec::new(
        &owner,
        "jammy",
        BTreeMap::from([("architecture".to_owned(), "x86_64".to_owned())]),
    );
    let uploaded = cloud
        .upload_image(&spec, ImageSource::File(file))
        .await
        .unwrap();
    let image = wait::image_active(&cloud, &uploaded.id, Duration::from_secs(60), QUICK)
        .await
        .unwrap();
    assert_eq!(image.size, Some(data.len() as u64));
    assert_eq!(image.properties["architecture"], "x86_64");
    let found = cloud
        .find_images(&spec.name, Some(ImageStatus::Active))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let owned = cloud.list_images(&owner).await.unwrap();
    assert_eq!(owned.iter().map(|i| &i.id).collect::<Vec<_>>(), [&image.id]);

    let copy = target.dir().join("copy.img");
    let written = cloud.download_image(&image.id, &copy).await.unwrap();
    assert_eq!(written, data.len() as u64);
    assert_eq!(std::fs::read(&copy).unwrap(), data);

    cloud.delete_image(&image.id).await.unwrap();
    cloud.delete_image(&image.id).await.unwrap();
    assert!(cloud.get_image(&image.id).await.unwrap().is_none());
}

/// Keypairs from a local ed25519 key: created, read, listed by exact name pattern, deleted twice.
pub async fn keypair_lifecycle(target: &Target) {
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    let key = keys::generate_ed25519(&target.dir().join("k"), "rpc test").unwrap();
    let name = owner.name("k1");
    let made = cloud.create_keypair(&name, &key.public_key).await.unwrap();
    assert_eq!(made.name, name);
    let got = cloud.get_keypair(&name).await.unwrap().unwrap();
    assert!(got.public_key.starts_with("ssh-ed25519 "), "{got:?}");
    // The same key again (an earlier run's) is success; another key under the name is not.
    cloud.create_keypair(&name, &key.public_key).await.unwrap();
    let other = keys::generate_ed25519(&target.dir().join("k2"), "rpc test").unwrap();
    let err = cloud
        .create_keypair(&name, &other.public_key)
        .await
        .unwrap_err();
    assert!(
        matches!(err, rpc::cloud::CloudError::Conflict { .. }),
        "{err}"
    );
    // Same prefix, but a name that is not `<prefix>-<kind>-<token>`: not ours.
    let stranger = format!("{}-runner-k1-extra", owner.prefix());
    cloud
        .create_keypair(&stranger, &key.public_key)
        .await
        .unwrap();
    let listed = cloud.list_keypairs(&owner).await.unwrap();
    assert_eq!(listed.iter().map(|k| &k.name).collect::<Vec<_>>(), [&name]);
    cloud.delete_keypair(&name).await.unwrap();
    cloud.delete_keypair(&name).await.unwrap();
    assert!(cloud.get_keypair(&name).await.unwrap().is_none());
    cloud.delete_keypair(&stranger).await.unwrap();
}

/// A security group ensured twice has its rules once; a second copy is removed; an untagged
/// group of the same name is never adopted.
pub async fn security_group_idempotence(target: &Target) {
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    let rules = [
        Rule::tcp(Direction::Ingress, 22),
        Rule::icmp(Direction::Ingress),
    ];
    let first = select::ensure_security_group(&cloud, &owner, "sg", "rpc test", &rules)
        .await
        .unwrap();
    let again = select::ensure_security_group(&cloud, &owner, "sg", "rpc test", &rules)
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    let found = cloud.find_security_groups(&first.name).await.unwrap();
    assert_eq!(found.len(), 1);
    let ours: Vec<_> = found[0]
        .rules
        .iter()
        .filter(|r| r.rule.port_min == Some(22) || r.rule.protocol.as_deref() == Some("icmp"))
        .collect();
    assert_eq!(ours.len(), 2, "{:?}", found[0].rules);
    assert!(owner.owns_security_group(&found[0]));

    // A duplicate with our tags (two runs racing) is deleted; the oldest is kept.
    let duplicate = cloud
        .create_security_group(&first.name, "dup", &owner.tags())
        .await
        .unwrap();
    let kept = select::ensure_security_group(&cloud, &owner, "sg", "rpc test", &rules)
        .await
        .unwrap();
    assert_eq!(kept.id, first.id);
    assert_eq!(
        cloud.find_security_groups(&first.name).await.unwrap().len(),
        1
    );
    cloud.delete_security_group(&duplicate.id).await.unwrap();

    // Someone else's group with our name: refused, untouched.
    let other = Ownership::new(unique_prefix(), "runner").unwrap();
    let foreign = cloud
        .create_security_group(&other.name("sg"), "theirs", &[])
        .await
        .unwrap();
    let err = select::ensure_security_group(&cloud, &other, "sg", "rpc test", &rules)
        .await
        .unwrap_err();
    assert!(
        matches!(err, rpc::cloud::CloudError::Conflict { .. }),
        "{err}"
    );
    cloud.delete_security_group(&foreign.id).await.unwrap();
    cloud.delete_security_group(&first.id).await.unwrap();
}

/// Servers and images that share our name prefix but not our metadata or properties are never
/// listed as ours.
pub async fn ownership_filtering(target: &Target) {
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    let file = target.dir().join("tiny.img");
    std::fs::write(&file, b"tiny").unwrap();
    let our_image = ImageSpec::new(&owner, "img", BTreeMap::new());
    let mut foreign_image = ImageSpec::new(&owner, "img2", BTreeMap::new());
    foreign_image
        .properties
        .insert("rpc-prefix".into(), format!("{}-x", owner.prefix()));
    let mut bare_image = ImageSpec::new(&owner, "img3", BTreeMap::new());
    bare_image.properties.clear();
    let mut image_ids = Vec::new();
    for spec in [&our_image, &foreign_image, &bare_image] {
        let made = cloud
            .upload_image(spec, ImageSource::File(file.clone()))
            .await
            .unwrap();
        image_ids.push(made.id);
    }
    let images = cloud.list_images(&owner).await.unwrap();
    assert_eq!(
        images.iter().map(|i| &i.name).collect::<Vec<_>>(),
        [&our_image.name]
    );
    for id in &image_ids {
        cloud.delete_image(id).await.unwrap();
    }

    let ours = ServerSpec::new(
        &owner,
        "ours",
        target.image.clone(),
        target.provider(),
        None,
        BTreeMap::new(),
    );
    // Same name pattern, another prefix in the metadata; and no metadata at all.
    let mut other_prefix = ServerSpec::new(
        &owner,
        "other",
        target.image.clone(),
        target.provider(),
        None,
        BTreeMap::new(),
    );
    other_prefix
        .metadata
        .insert("rpc-prefix".into(), format!("{}-x", owner.prefix()));
    let mut bare = ServerSpec::new(
        &owner,
        "bare",
        target.image.clone(),
        target.provider(),
        None,
        BTreeMap::new(),
    );
    bare.metadata.clear();
    let mut ids = Vec::new();
    for spec in [&ours, &other_prefix, &bare] {
        ids.push(cloud.create_server(spec).await.unwrap().id);
    }
    let listed = cloud.list_servers(&owner).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| &s.name).collect::<Vec<_>>(),
        [&ours.name]
    );
    for id in &ids {
        cloud.delete_server(id).await.unwrap();
    }
    for id in &ids {
        wait::server_deleted(&cloud, id, target.build_timeout, QUICK)
            .await
            .unwrap();
    }
}

/// Flavors and networks: the smallest flavor meeting a minimum, and a network by name.
pub async fn flavors_and_networks(target: &Target) {
    let cloud = target.connect().await;
    let flavors = cloud.list_flavors().await.unwrap();
    assert!(flavors.iter().any(|f| f.id == target.flavor));
    let min = select::Minimum {
        vcpus: 1,
        ram_mb: 256,
        disk_gb: 0,
    };
    let smallest = select::smallest_flavor(&flavors, min).unwrap();
    assert!(
        flavors
            .iter()
            .filter(|f| f.vcpus >= 1 && f.ram_mb >= 256)
            .all(|f| (f.vcpus, f.ram_mb) >= (smallest.vcpus, smallest.ram_mb))
    );
    let networks = cloud.list_networks().await.unwrap();
    let subnets = cloud.list_subnets().await.unwrap();
    let named = networks.iter().find(|n| n.id == target.network).unwrap();
    let chosen = select::choose_network(&networks, &subnets, Some(&named.name)).unwrap();
    assert_eq!(chosen.id, target.network);
}
