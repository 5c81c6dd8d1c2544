//! Cloud requests per [`Cloud`] operation, against the fake cloud, as counted by the client and
//! checked against what the fake received.
//!
//! Run with `cargo bench --bench cloud`. With `RPC_BENCH_CLOUDS_YAML` (and optionally
//! `RPC_BENCH_CLOUD`, default `rpc-dev-member`) it runs against that cloud instead, e.g. the
//! control plane of `scripts/openstack-dev`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/background.rs"]
mod background;

#[allow(missing_docs)]
#[path = "../tests/support/fake_cloud.rs"]
mod fake_cloud;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fake_cloud::{FakeCloud, PASSWORD};
use rpc::cloud::openstack::{Microversion, OpenStackCloud, OpenStackSettings};
use rpc::cloud::types::{
    Direction, ImageSource, ImageSpec, ImageStatus, ProviderSettings, Rule, ServerSpec,
    ServerStatus,
};
use rpc::cloud::wait::{self, Backoff};
use rpc::cloud::{Cloud, Ownership, keys, select};

struct Meter<'a> {
    cloud: &'a OpenStackCloud,
    fake: Option<&'a FakeCloud>,
    rows: Vec<(String, BTreeMap<String, u64>, Duration)>,
}

impl Meter<'_> {
    async fn measure<T, F: std::future::Future<Output = T>>(&mut self, name: &str, op: F) -> T {
        let before = self.cloud.request_counts();
        let fake_before = self.fake.map(|f| f.requests().len());
        let start = Instant::now();
        let value = op.await;
        let elapsed = start.elapsed();
        let after = self.cloud.request_counts();
        let delta: BTreeMap<String, u64> = after
            .iter()
            .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
            .filter(|(_, v)| *v > 0)
            .collect();
        if let (Some(fake), Some(n)) = (self.fake, fake_before) {
            let received = (fake.requests().len() - n) as u64;
            assert_eq!(
                received,
                delta.values().sum::<u64>(),
                "{name}: count mismatch"
            );
        }
        self.rows.push((name.to_owned(), delta, elapsed));
        value
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, settings) = match std::env::var_os("RPC_BENCH_CLOUDS_YAML") {
        Some(path) => {
            let name = std::env::var("RPC_BENCH_CLOUD").unwrap_or_else(|_| "rpc-dev-member".into());
            (None, settings(PathBuf::from(path), name))
        }
        None => {
            let fake = FakeCloud::start();
            let path = dir.path().join("clouds.yaml");
            std::fs::write(&path, fake.clouds_yaml("fake", PASSWORD)).unwrap();
            fake.add_image("base", serde_json::json!({}), b"bits");
            (Some(fake), settings(path, "fake".into()))
        }
    };
    let start = Instant::now();
    let cloud = OpenStackCloud::connect(&settings).await.unwrap();
    let mut meter = Meter {
        cloud: &cloud,
        fake: fake.as_ref(),
        rows: vec![(
            "connect (auth + discovery)".into(),
            cloud.request_counts(),
            start.elapsed(),
        )],
    };
    let quick = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(500),
    };
    let owner = Ownership::new("bench", "runner").unwrap();
    let flavors = meter
        .measure("list_flavors", cloud.list_flavors())
        .await
        .unwrap();
    let networks = meter
        .measure("list_networks", cloud.list_networks())
        .await
        .unwrap();
    let subnets = meter
        .measure("list_subnets", cloud.list_subnets())
        .await
        .unwrap();
    let image = meter
        .measure(
            "find_images",
            cloud.find_images(
                if fake.is_some() {
                    "base"
                } else {
                    "rpc-dev-base"
                },
                Some(ImageStatus::Active),
            ),
        )
        .await
        .unwrap()[0]
        .id
        .clone();
    let flavor = select::smallest_flavor(
        &flavors,
        select::Minimum {
            vcpus: 1,
            ram_mb: 256,
            disk_gb: 0,
        },
    )
    .unwrap()
    .id
    .clone();
    let network = select::choose_network(
        &networks,
        &subnets,
        Some(if fake.is_some() { "private" } else { "testnet" }),
    )
    .unwrap()
    .id;
    let key = keys::generate_ed25519(&dir.path().join("key"), "bench").unwrap();
    let key_name = owner.name("key");
    meter
        .measure(
            "create_keypair",
            cloud.create_keypair(&key_name, &key.public_key),
        )
        .await
        .unwrap();
    meter
        .measure("get_keypair", cloud.get_keypair(&key_name))
        .await
        .unwrap();
    meter
        .measure("list_keypairs", cloud.list_keypairs(&owner))
        .await
        .unwrap();
    let rules = [Rule::tcp(Direction::Ingress, 22)];
    let group = meter
        .measure(
            "ensure_security_group (new, 1 rule)",
            select::ensure_security_group(&cloud, &owner, "sg", "bench", &rules),
        )
        .await
        .unwrap();
    meter
        .measure(
            "ensure_security_group (exists)",
            select::ensure_security_group(&cloud, &owner, "sg", "bench", &rules),
        )
        .await
        .unwrap();
    let spec = ServerSpec::new(
        &owner,
        "s1",
        image,
        ProviderSettings {
            flavor,
            network,
            key_name: Some(key_name.clone()),
            security_groups: vec![group.name.clone()],
            config_drive: true,
        },
        Some("#cloud-config\n".into()),
        BTreeMap::new(),
    );
    let server = meter
        .measure("create_server", cloud.create_server(&spec))
        .await
        .unwrap();
    meter
        .measure(
            "wait ACTIVE (polls)",
            wait::server_status(
                &cloud,
                &server.id,
                ServerStatus::Active,
                Duration::from_secs(120),
                quick,
            ),
        )
        .await
        .unwrap();
    meter
        .measure("get_server", cloud.get_server(&server.id))
        .await
        .unwrap();
    meter
        .measure("list_servers", cloud.list_servers(&owner))
        .await
        .unwrap();
    meter
        .measure("console_output", cloud.console_output(&server.id, Some(20)))
        .await
        .unwrap();
    meter
        .measure("stop_server", cloud.stop_server(&server.id))
        .await
        .unwrap();
    meter
        .measure(
            "wait SHUTOFF (polls)",
            wait::server_status(
                &cloud,
                &server.id,
                ServerStatus::Shutoff,
                Duration::from_secs(120),
                quick,
            ),
        )
        .await
        .unwrap();
    let image_spec = ImageSpec::new(&owner, "snap", BTreeMap::new());
    let snapshot = meter
        .measure(
            "snapshot_server",
            cloud.snapshot_server(&server.id, &image_spec),
        )
        .await
        .unwrap();
    meter
        .measure(
            "wait image active (polls)",
            wait::image_active(&cloud, &snapshot, Duration::from_secs(120), quick),
        )
        .await
        .unwrap();
    meter
        .measure("delete_server", cloud.delete_server(&server.id))
        .await
        .unwrap();
    meter
        .measure(
            "wait deleted (polls)",
            wait::server_deleted(&cloud, &server.id, Duration::from_secs(120), quick),
        )
        .await
        .unwrap();
    let data = dir.path().join("disk.img");
    std::fs::write(&data, vec![7u8; 1 << 20]).unwrap();
    let upload_spec = ImageSpec::new(&owner, "upload", BTreeMap::new());
    let uploaded = meter
        .measure(
            "upload_image (1 MiB file)",
            cloud.upload_image(&upload_spec, ImageSource::File(data)),
        )
        .await
        .unwrap();
    meter
        .measure("get_image", cloud.get_image(&uploaded.id))
        .await
        .unwrap();
    meter
        .measure("list_images", cloud.list_images(&owner))
        .await
        .unwrap();
    meter
        .measure(
            "download_image (1 MiB)",
            cloud.download_image(&uploaded.id, &dir.path().join("copy.img")),
        )
        .await
        .unwrap();
    for id in [&uploaded.id, &snapshot] {
        meter
            .measure("delete_image", cloud.delete_image(id))
            .await
            .unwrap();
    }
    meter
        .measure("delete_keypair", cloud.delete_keypair(&key_name))
        .await
        .unwrap();
    meter
        .measure(
            "delete_security_group",
            cloud.delete_security_group(&group.id),
        )
        .await
        .unwrap();

    println!(
        "requests per operation ({}; the client's counts{})",
        if fake.is_some() {
            "fake cloud"
        } else {
            "real cloud"
        },
        if fake.is_some() {
            ", equal to what the fake received"
        } else {
            ""
        }
    );
    println!("| operation | identity | compute | image | network | wall |");
    println!("|---|---|---|---|---|---|");
    for (name, delta, elapsed) in &meter.rows {
        let n = |service: &str| delta.get(service).copied().unwrap_or(0);
        println!(
            "| {name} | {} | {} | {} | {} | {} ms |",
            n("identity"),
            n("compute"),
            n("image"),
            n("network"),
            elapsed.as_millis()
        );
    }
}

fn settings(clouds_file: PathBuf, cloud: String) -> OpenStackSettings {
    OpenStackSettings {
        cloud: Some(cloud),
        clouds_file: Some(clouds_file),
        max_microversion: Microversion(2, 95),
        timeout: Duration::from_secs(30),
        transfer_timeout: Duration::from_secs(300),
    }
}
