//! The cloud layer (`OpenStackCloud` on openstack_sdk) against the fake cloud: the shared
//! scenarios of `support/cloud_suite.rs` (the real tier runs them against a real OpenStack),
//! then what only a fake can show (`fake_only_*`: injected faults, exact request counts), then
//! `rpc cloud check` through the binary.

use std::collections::BTreeMap;
use std::time::Duration;

use rpc::cloud::types::{ImageSpec, ServerSpec, ServerStatus};
use rpc::cloud::wait::{self, Backoff};
use rpc::cloud::{Cloud, CloudError, Ownership};
use serde_json::Value;

use crate::support::cloud_suite::{self, Target, unique_prefix};
use crate::support::fake_cloud::{FakeCloud, Fault, FaultKind, PASSWORD};
use crate::support::{Output, rpc};

crate::cloud_scenarios!(cloud_suite, Target::fake());

fn fake(target: &Target) -> &FakeCloud {
    target.fake.as_ref().unwrap()
}

fn spec(target: &Target, owner: &Ownership, token: &str) -> ServerSpec {
    ServerSpec::new(
        owner,
        token,
        target.image.clone(),
        target.provider(),
        None,
        BTreeMap::new(),
    )
}

const QUICK: Backoff = Backoff {
    initial: Duration::from_millis(50),
    max: Duration::from_millis(200),
};

#[tokio::test]
async fn fake_only_request_counts_match_what_the_cloud_received() {
    let target = Target::fake().await;
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    cloud.list_servers(&owner).await.unwrap();
    cloud.list_flavors().await.unwrap();
    cloud.list_networks().await.unwrap();
    cloud.list_images(&owner).await.unwrap();
    let counts = cloud.request_counts();
    for service in ["identity", "compute", "image", "network"] {
        assert_eq!(
            counts.get(service).copied().unwrap_or(0),
            fake(&target).count(service) as u64,
            "{service}: {counts:?} vs {:?}",
            fake(&target).requests()
        );
    }
    // Connecting costs a token and one version document per service, identity included.
    assert_eq!(counts["identity"], 2);
    assert_eq!(counts["compute"], 1 + 2);
}

#[tokio::test]
async fn fake_only_compute_requests_carry_the_negotiated_microversion() {
    let target = Target::fake().await;
    let cloud = target.connect().await;
    // The fake offers 2.96; the cap is 2.95.
    assert_eq!(cloud.microversion().to_string(), "2.95");
    cloud.list_flavors().await.unwrap();
    let versions: Vec<_> = fake(&target)
        .requests()
        .into_iter()
        .filter(|r| r.service == "compute" && r.path.contains("/flavors"))
        .map(|r| r.api_version)
        .collect();
    assert_eq!(versions, [Some("compute 2.95".to_owned())]);

    let mut low = target.settings.clone();
    low.max_microversion = rpc::cloud::openstack::Microversion(2, 60);
    let capped = rpc::cloud::openstack::OpenStackCloud::connect(&low)
        .await
        .unwrap();
    assert_eq!(capped.microversion().to_string(), "2.60");
    low.max_microversion = rpc::cloud::openstack::Microversion(2, 30);
    let err = rpc::cloud::openstack::OpenStackCloud::connect(&low)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2.45"), "{err}");
}

#[tokio::test]
async fn fake_only_idempotent_calls_survive_transient_errors() {
    let target = Target::fake().await;
    let cloud = target.connect().await;
    fake(&target).fault(Fault {
        method: "GET".into(),
        path_contains: "/flavors".into(),
        kind: FaultKind::Status(503, "busy".into()),
        times: 2,
    });
    let flavors = cloud.list_flavors().await.unwrap();
    assert_eq!(flavors.len(), 3);
    assert_eq!(fake(&target).count_path("GET", "/flavors"), 3);
    // A third failure in a row is the caller's to see.
    fake(&target).fault(Fault {
        method: "GET".into(),
        path_contains: "/flavors".into(),
        kind: FaultKind::Status(503, "busy".into()),
        times: 3,
    });
    let err = cloud.list_flavors().await.unwrap_err();
    assert!(err.is_transient(), "{err}");
}

#[tokio::test]
async fn fake_only_a_create_that_timed_out_is_adopted_not_repeated() {
    let mut target = Target::fake().await;
    target.settings.timeout = Duration::from_secs(1);
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    fake(&target).fault(Fault {
        method: "POST".into(),
        path_contains: "/servers".into(),
        kind: FaultKind::HangAfter(Duration::from_secs(3)),
        times: 1,
    });
    let spec = spec(&target, &owner, "slow");
    let made = cloud.create_server(&spec).await.unwrap();
    assert_eq!(made.name, spec.name);
    assert_eq!(fake(&target).count_path("POST", "/servers"), 1);
    assert_eq!(
        fake(&target)
            .server_names()
            .iter()
            .filter(|n| **n == spec.name)
            .count(),
        1
    );
}

#[tokio::test]
async fn fake_only_a_create_is_not_resent_after_a_definite_error() {
    let target = Target::fake().await;
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    fake(&target).fault(Fault {
        method: "POST".into(),
        path_contains: "/servers".into(),
        kind: FaultKind::Quota,
        times: 1,
    });
    let err = cloud
        .create_server(&spec(&target, &owner, "q"))
        .await
        .unwrap_err();
    assert!(matches!(err, CloudError::QuotaExceeded { .. }), "{err:?}");
    assert!(err.hint().unwrap().contains("quota"));
    assert_eq!(fake(&target).count_path("POST", "/servers"), 1);
}

#[tokio::test]
async fn fake_only_a_server_in_error_ends_the_wait_with_its_fault() {
    let target = Target::fake().await;
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    fake(&target).fail_builds("doomed", "No valid host was found.");
    let made = cloud
        .create_server(&spec(&target, &owner, "doomed"))
        .await
        .unwrap();
    let err = wait::server_status(
        &cloud,
        &made.id,
        ServerStatus::Active,
        Duration::from_secs(10),
        QUICK,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("No valid host was found."),
        "{err}"
    );
}

#[tokio::test]
async fn fake_only_waiters_time_out_naming_the_resource_and_state() {
    let target = Target::fake().await;
    fake(&target).set_build_delay(Duration::from_secs(60));
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    let made = cloud
        .create_server(&spec(&target, &owner, "slow"))
        .await
        .unwrap();
    let err = wait::server_status(
        &cloud,
        &made.id,
        ServerStatus::Active,
        Duration::from_millis(600),
        QUICK,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&made.id) && text.contains("BUILD"), "{text}");
    assert!(matches!(err, CloudError::Timeout { .. }));
}

#[tokio::test]
async fn fake_only_a_snapshot_of_a_missing_server_is_not_found() {
    let target = Target::fake().await;
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "image").unwrap();
    let err = cloud
        .snapshot_server(
            "00000000-0000-4000-8000-000000000000",
            &ImageSpec::new(&owner, "x", BTreeMap::new()),
        )
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn fake_only_wrong_password_and_unreachable_auth_url_are_told_apart() {
    let target = Target::fake().await;
    let path = target.dir().join("clouds.yaml");
    let fake = fake(&target);
    let unreachable = fake
        .clouds_yaml("down", PASSWORD)
        .replace("clouds:\n", "")
        .replace(&fake.url(), "http://127.0.0.1:9");
    let bad = fake.clouds_yaml("bad", "wrong").replace("clouds:\n", "");
    std::fs::write(
        &path,
        fake.clouds_yaml("fake", PASSWORD) + &bad + &unreachable,
    )
    .unwrap();
    let mut settings = target.settings.clone();
    settings.cloud = Some("bad".into());
    let err = rpc::cloud::openstack::OpenStackCloud::connect(&settings)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("credentials rejected"), "{err}");
    settings.cloud = Some("down".into());
    let err = rpc::cloud::openstack::OpenStackCloud::connect(&settings)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("auth_url unreachable"), "{err}");
    settings.cloud = Some("nosuch".into());
    let err = rpc::cloud::openstack::OpenStackCloud::connect(&settings)
        .await
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    assert!(
        err.hint().unwrap().contains("bad, down, fake") || err.hint().unwrap().contains("fake")
    );
}

#[tokio::test]
async fn fake_only_lists_follow_every_page() {
    let target = Target::fake().await;
    let fake = fake(&target);
    fake.set_max_limit(2);
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    for i in 0..5 {
        cloud
            .create_server(&spec(&target, &owner, &format!("p{i}")))
            .await
            .unwrap();
        fake.add_keypair(&owner.name(&format!("k{i}")), "ssh-ed25519 AAAA");
        fake.add_image(
            &owner.name(&format!("i{i}")),
            serde_json::json!({"rpc-prefix": owner.prefix(), "rpc-kind": "runner"}),
            b"x",
        );
    }
    fake.reset_requests();
    assert_eq!(cloud.list_servers(&owner).await.unwrap().len(), 5);
    assert_eq!(cloud.list_keypairs(&owner).await.unwrap().len(), 5);
    assert_eq!(cloud.list_images(&owner).await.unwrap().len(), 5);
    assert_eq!(cloud.list_flavors().await.unwrap().len(), 3);
    // Pages of two: 5 servers and 5 keypairs take 3 pages each (the last one short), 6 images
    // (5 and the base) 3 full pages and an empty one, 3 flavors 2 pages.
    assert_eq!(fake.count_path("GET", "/servers/detail"), 3);
    assert_eq!(fake.count_path("GET", "/os-keypairs"), 3);
    assert_eq!(fake.count_path("GET", "/v2/images"), 4);
    assert_eq!(fake.count_path("GET", "/flavors/detail"), 2);
}

#[tokio::test]
async fn fake_only_creates_that_timed_out_are_adopted_not_repeated() {
    let mut target = Target::fake().await;
    target.settings.timeout = Duration::from_secs(1);
    let cloud = target.connect().await;
    let fake = fake(&target);
    let owner = Ownership::new(unique_prefix(), "image").unwrap();
    let hang = |method: &str, path: &str| Fault {
        method: method.into(),
        path_contains: path.into(),
        kind: FaultKind::HangAfter(Duration::from_secs(3)),
        times: 1,
    };

    // Keypair.
    let key = rpc::cloud::keys::generate_ed25519(&target.dir().join("k"), "t").unwrap();
    fake.fault(hang("POST", "/os-keypairs"));
    cloud
        .create_keypair(&owner.name("k"), &key.public_key)
        .await
        .unwrap();
    assert_eq!(fake.count_path("POST", "/os-keypairs"), 1);

    // Image (the upload follows the adopted image).
    let file = target.dir().join("disk.img");
    std::fs::write(&file, b"bits").unwrap();
    fake.fault(hang("POST", "/v2/images"));
    let upload = ImageSpec::new(&owner, "up", BTreeMap::new());
    let image = cloud
        .upload_image(&upload, rpc::cloud::types::ImageSource::File(file))
        .await
        .unwrap();
    assert_eq!(image.size, Some(4));
    assert_eq!(fake.count_path("POST", "/v2/images"), 1);

    // Security group, beside an untagged group of the same name that is not the one made.
    let name = owner.name("sg");
    let decoy = fake.add_security_group(&name, &[]);
    fake.fault(hang("POST", "/security-groups"));
    let group = cloud
        .create_security_group(&name, "rpc test", &owner.tags())
        .await
        .unwrap();
    assert_ne!(group.id, decoy);
    assert_eq!(fake.count_path("POST", "/security-groups"), 1);

    // Snapshot, beside an older snapshot of the same name from another server.
    let servers = Ownership::new(owner.prefix(), "runner").unwrap();
    let one = cloud
        .create_server(&spec(&target, &servers, "one"))
        .await
        .unwrap();
    let two = cloud
        .create_server(&spec(&target, &servers, "two"))
        .await
        .unwrap();
    let snap = ImageSpec::new(&owner, "snap", BTreeMap::new());
    let older = cloud.snapshot_server(&one.id, &snap).await.unwrap();
    fake.fault(hang("POST", "/action"));
    let adopted = cloud.snapshot_server(&two.id, &snap).await.unwrap();
    assert_ne!(adopted, older);
    let image = cloud.get_image(&adopted).await.unwrap().unwrap();
    assert_eq!(image.properties["instance_uuid"], two.id);
    assert_eq!(fake.count_path("POST", "/action"), 2);
}

#[tokio::test]
async fn fake_only_image_waits_time_out_naming_the_image() {
    let target = Target::fake().await;
    fake(&target).set_build_delay(Duration::from_secs(60));
    let cloud = target.connect().await;
    let owner = Ownership::new(unique_prefix(), "runner").unwrap();
    let server = fake(&target).add_server(&owner.name("s"), serde_json::json!({}));
    let image = cloud
        .snapshot_server(&server, &ImageSpec::new(&owner, "snap", BTreeMap::new()))
        .await
        .unwrap();
    let err = wait::image_active(&cloud, &image, Duration::from_millis(500), QUICK)
        .await
        .unwrap_err();
    assert!(matches!(err, CloudError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains(&image) && err.to_string().contains("saving"));
}

/// `rpc cloud check` with the target's clouds.yaml in `OS_CLIENT_CONFIG_FILE` and a clean
/// home, expecting exit code `code`.
fn cloud_check(target: &Target, args: &[&str], code: i32) -> Output {
    rpc()
        .env("OS_CLIENT_CONFIG_FILE", target.dir().join("clouds.yaml"))
        .args(["cloud", "check"])
        .args(args)
        .run(code)
}

#[tokio::test]
async fn rpc_cloud_check_reports_the_cloud_and_what_rpc_owns() {
    let target = Target::fake().await;
    let fake = fake(&target);
    fake.add_server(
        "rpc-runner-abc",
        serde_json::json!({"rpc-prefix": "rpc", "rpc-kind": "runner"}),
    );
    fake.add_server("rpc-runner-def", serde_json::json!({}));
    let out = cloud_check(&target, &["--os-cloud", "fake", "--output", "json"], 0);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["microversion"], "2.95");
    assert_eq!(report["flavors"].as_array().unwrap().len(), 3);
    assert_eq!(report["flavors"][0]["name"], "m1.small");
    assert_eq!(report["networks"].as_array().unwrap().len(), 2);
    assert_eq!(report["images"][0]["name"], "base");
    let services: Vec<&str> = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["service"].as_str().unwrap())
        .collect();
    for service in ["compute", "image", "network"] {
        assert!(services.contains(&service), "{services:?}");
    }
    let owned = &report["owned"]["servers"];
    assert_eq!(owned.as_array().unwrap().len(), 1, "{owned}");
    assert_eq!(owned[0]["name"], "rpc-runner-abc");
    assert!(report["limits"].is_object(), "{}", report["limits"]);

    let sent: u64 = report["requests"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(sent, fake.requests().len() as u64);
    assert_eq!(sent, 12, "{}", report["requests"]);

    let text = cloud_check(&target, &["--os-cloud", "fake"], 0).stdout;
    assert!(text.contains("compute microversion: 2.95"), "{text}");
    assert!(text.contains("rpc-runner-abc") && !text.contains("rpc-runner-def"));
}

#[tokio::test]
async fn rpc_cloud_check_exits_2_on_configuration_and_3_on_cloud_errors() {
    let target = Target::fake().await;
    let fake = fake(&target);
    let path = target.dir().join("clouds.yaml");
    let unreachable = fake
        .clouds_yaml("down", PASSWORD)
        .replace("clouds:\n", "")
        .replace(&fake.url(), "http://127.0.0.1:9");
    let bad = fake.clouds_yaml("bad", "wrong").replace("clouds:\n", "");
    std::fs::write(
        &path,
        fake.clouds_yaml("fake", PASSWORD) + &bad + &unreachable,
    )
    .unwrap();

    let stderr = cloud_check(&target, &["--os-cloud", "nosuch"], 2).stderr;
    assert!(stderr.contains("no cloud named \"nosuch\""), "{stderr}");
    assert!(
        stderr.contains("hint:") && stderr.contains("fake"),
        "{stderr}"
    );

    let rejected = cloud_check(&target, &["--os-cloud", "bad", "--output", "json"], 3);
    let report: Value = serde_json::from_str(&rejected.stderr).unwrap();
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("credentials rejected"),
        "{report}"
    );
    assert_eq!(report["exit_code"], 3);

    let stderr = cloud_check(&target, &["--os-cloud", "down"], 3).stderr;
    assert!(stderr.contains("auth_url unreachable"), "{stderr}");

    // No cloud named anywhere and no OS_AUTH_URL.
    let stderr = cloud_check(&target, &[], 2).stderr;
    assert!(stderr.contains("no cloud configured"), "{stderr}");

    // OS_CLIENT_CONFIG_FILE naming a file that is not there.
    let out = rpc()
        .env("OS_CLIENT_CONFIG_FILE", target.dir().join("missing.yaml"))
        .args(["cloud", "check", "--os-cloud", "fake"])
        .run(2);
    assert!(
        out.stderr.contains("missing.yaml") && out.stderr.contains("OS_CLIENT_CONFIG_FILE"),
        "{}",
        out.stderr
    );

    // A clouds.yaml that is not YAML.
    std::fs::write(&path, "clouds: [unclosed").unwrap();
    let stderr = cloud_check(&target, &["--os-cloud", "fake"], 2).stderr;
    assert!(stderr.contains("clouds.yaml"), "{stderr}");
}

#[tokio::test]
async fn rpc_cloud_check_finds_clouds_yaml_secure_yaml_app_credentials_and_os_variables() {
    use crate::support::fake_cloud::{APP_CRED_ID, APP_CRED_SECRET, PROJECT, REGION, USER};
    let target = Target::fake().await;
    let fake = fake(&target);

    // ./clouds.yaml without the password, secure.yaml under $XDG_CONFIG_HOME/openstack with it.
    let run = rpc();
    let public = fake
        .clouds_yaml("split", PASSWORD)
        .replace(&format!("      password: {PASSWORD}\n"), "");
    assert!(!public.contains(PASSWORD));
    run.file("clouds.yaml", &public, 0o644);
    run.file(
        "config/openstack/secure.yaml",
        &format!("clouds:\n  split:\n    auth:\n      password: {PASSWORD}\n"),
        0o600,
    );
    let out = run
        .args(["cloud", "check", "--os-cloud", "split", "--output", "json"])
        .run(0);
    assert!(
        out.stdout.contains("\"microversion\": \"2.95\""),
        "{}",
        out.stdout
    );

    // An application credential.
    let path = target.dir().join("clouds.yaml");
    std::fs::write(
        &path,
        format!(
            "clouds:\n  appcred:\n    auth_type: v3applicationcredential\n    auth:\n      \
             auth_url: {}\n      application_credential_id: {APP_CRED_ID}\n      \
             application_credential_secret: {APP_CRED_SECRET}\n    region_name: {REGION}\n",
            fake.auth_url()
        ),
    )
    .unwrap();
    cloud_check(&target, &["--os-cloud", "appcred"], 0);

    // No cloud named: the OS_* variables.
    let out = rpc()
        .env("OS_AUTH_URL", fake.auth_url())
        .env("OS_USERNAME", USER)
        .env("OS_PASSWORD", PASSWORD)
        .env("OS_PROJECT_NAME", PROJECT)
        .env("OS_USER_DOMAIN_NAME", "Default")
        .env("OS_PROJECT_DOMAIN_NAME", "Default")
        .env("OS_REGION_NAME", REGION)
        .args(["cloud", "check", "--output", "json"])
        .run(0);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["source"], "the OS_* variables");
}

#[tokio::test]
async fn rpc_cloud_check_goes_through_the_http_proxy() {
    let target = Target::fake().await;
    let fake = fake(&target);
    // The auth URL does not resolve: only the proxy (the fake itself) can answer it.
    let yaml = fake
        .clouds_yaml("proxied", PASSWORD)
        .replace(&fake.url(), "http://cloud.invalid");
    std::fs::write(target.dir().join("clouds.yaml"), yaml).unwrap();
    let proxied = |no_proxy: &str, code: i32| {
        rpc()
            .env("OS_CLIENT_CONFIG_FILE", target.dir().join("clouds.yaml"))
            .env("HTTP_PROXY", fake.url())
            .env("NO_PROXY", no_proxy)
            .args(["cloud", "check", "--os-cloud", "proxied"])
            .run(code)
    };
    proxied("example.org", 0);
    assert_eq!(fake.count_path("POST", "/identity/v3/auth/tokens"), 1);
    let out = proxied("cloud.invalid", 3);
    assert!(
        out.stderr.contains("auth_url unreachable"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn rpc_cloud_check_tunnels_https_through_https_proxy() {
    use std::io::{BufRead, BufReader, Write};
    let target = Target::fake().await;
    let yaml = fake(&target)
        .clouds_yaml("tls", PASSWORD)
        .replace(&fake(&target).url(), "https://cloud.invalid");
    std::fs::write(target.dir().join("clouds.yaml"), yaml).unwrap();
    // A proxy that records the first request line it gets and refuses the tunnel.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).unwrap();
        stream.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").unwrap();
        line
    });
    let out = rpc()
        .env("OS_CLIENT_CONFIG_FILE", target.dir().join("clouds.yaml"))
        .env("HTTPS_PROXY", &proxy)
        .args(["cloud", "check", "--os-cloud", "tls"])
        .run(3);
    assert!(
        out.stderr.contains("auth_url unreachable"),
        "{}",
        out.stderr
    );
    let line = seen.join().unwrap();
    assert!(line.starts_with("CONNECT cloud.invalid:443 "), "{line}");
}
