//! The cloud scenarios of `support/cloud_suite.rs` against the real OpenStack control plane of
//! `scripts/openstack-dev` (Keystone, Glance, Placement, Nova with the fake virt driver, Neutron),
//! as its plain member; and `rpc cloud check` as the member and as the admin.

use assert_cmd::Command;
use serde_json::Value;

use crate::cloud_suite::real_clouds_yaml;

/// The shared scenarios, as the plain member.
mod real_cloud {
    use crate::cloud_suite::{self, Target};

    crate::cloud_scenarios!(cloud_suite, Target::real());
}

fn cloud_check(cloud: &str) -> Value {
    let home = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("rpc")
        .unwrap()
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("OS_CLIENT_CONFIG_FILE", real_clouds_yaml())
        .current_dir(home.path())
        .args(["cloud", "check", "--os-cloud", cloud, "--output", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rpc cloud check --os-cloud {cloud}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn real_cloud_check_as_member_and_admin() {
    for cloud in ["rpc-dev-member", "rpc-dev-admin"] {
        let report = cloud_check(cloud);
        // Zed's Nova offers up to 2.93, below the 2.95 cap.
        assert_eq!(report["microversion"], "2.93", "{cloud}");
        let flavors: Vec<&str> = report["flavors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(flavors.contains(&"m1.tiny"), "{cloud}: {flavors:?}");
        assert!(
            report["networks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["name"] == "testnet"),
            "{cloud}"
        );
        assert!(
            report["images"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["name"] == "rpc-dev-base"),
            "{cloud}"
        );
        assert!(report["limits"]["maxTotalInstances"].is_i64(), "{cloud}");
    }
}
