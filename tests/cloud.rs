//! The fake OpenStack cloud (tests/support/fake_cloud.rs), checked at the HTTP level against the
//! API shapes in reference/openstack-control-plane.md §6, so that tests of the real client run
//! against answers a real cloud would give.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::fake_cloud::{
    APP_CRED_ID, APP_CRED_SECRET, FakeCloud, Fault, FaultKind, PASSWORD, PROJECT, USER,
};

struct Http {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    base: String,
    token: String,
}

fn password_auth(password: &str) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": USER, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": PROJECT, "domain": {"name": "Default"}}},
    }})
}

impl Http {
    fn new(cloud: &FakeCloud) -> Http {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut http = Http {
            client,
            runtime,
            base: cloud.url(),
            token: String::new(),
        };
        let (status, headers, _) = http.send(
            "POST",
            "/identity/v3/auth/tokens",
            Some(password_auth(PASSWORD)),
            None,
        );
        assert_eq!(status, 201);
        http.token = headers
            .get("x-subject-token")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        http
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        microversion: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let (status, headers, bytes) = self.send_bytes(
            method,
            path,
            body.map(|b| b.to_string().into_bytes()),
            microversion,
        );
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, value)
    }

    fn send_bytes(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        microversion: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        self.runtime.block_on(async {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = self
                .client
                .request(method, format!("{}{path}", self.base))
                .header("x-auth-token", &self.token);
            if let Some(v) = microversion {
                request = request.header("openstack-api-version", format!("compute {v}"));
            }
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/json")
                    .body(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.unwrap().to_vec();
            (status, headers, bytes)
        })
    }
}

#[test]
fn fake_keystone_issues_tokens_with_a_catalog_and_rejects_bad_credentials() {
    let cloud = FakeCloud::start();
    let http = Http::new(&cloud);
    let (status, _, body) = http.send(
        "POST",
        "/identity/v3/auth/tokens",
        Some(password_auth(PASSWORD)),
        None,
    );
    assert_eq!(status, 201);
    let types: Vec<&str> = body["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["identity", "compute", "image", "network"]);
    assert_eq!(body["token"]["project"]["name"], PROJECT);

    let (status, _, body) = http.send(
        "POST",
        "/identity/v3/auth/tokens",
        Some(password_auth("wrong")),
        None,
    );
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], 401);

    let app_cred = json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": APP_CRED_ID, "secret": APP_CRED_SECRET}}}});
    let (status, headers, _) = http.send("POST", "/identity/v3/auth/tokens", Some(app_cred), None);
    assert_eq!(status, 201);
    assert!(headers.contains_key("x-subject-token"));

    // Version documents at every root, without a token.
    let (status, _, body) = http.send("GET", "/identity", None, None);
    assert_eq!(status, 300);
    assert_eq!(body["versions"]["values"][0]["id"], "v3.14");
    let (_, _, body) = http.send("GET", "/compute/v2.1", None, None);
    assert_eq!(body["version"]["version"], "2.96");
    let (_, _, body) = http.send("GET", "/image", None, None);
    assert!(
        body["versions"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("v2")
    );
    let (_, _, body) = http.send("GET", "/network", None, None);
    assert_eq!(body["versions"][0]["id"], "v2.0");

    // Services need a minted token.
    let mut stranger = Http::new(&cloud);
    stranger.token = "forged".into();
    let (status, _, _) = stranger.send("GET", "/compute/v2.1/servers/detail", None, None);
    assert_eq!(status, 401);
}

#[test]
fn fake_nova_servers_build_stop_snapshot_and_delete() {
    let cloud = FakeCloud::start();
    cloud.set_build_delay(Duration::from_millis(300));
    let http = Http::new(&cloud);
    let image = cloud.add_image("base", json!({"architecture": "x86_64"}), b"disk");

    // Nova ≥ 2.92 refuses to generate a keypair; a public key is accepted once.
    let (status, _, _) = http.send(
        "POST",
        "/compute/v2.1/os-keypairs",
        Some(json!({"keypair": {"name": "rpc-a-runner-k1"}})),
        Some("2.92"),
    );
    assert_eq!(status, 400);
    let keypair =
        json!({"keypair": {"name": "rpc-a-runner-k1", "public_key": "ssh-ed25519 AAAA x"}});
    let (status, headers, body) = http.send(
        "POST",
        "/compute/v2.1/os-keypairs",
        Some(keypair.clone()),
        Some("2.92"),
    );
    assert_eq!(status, 200);
    assert_eq!(headers["openstack-api-version"], "compute 2.92");
    assert_eq!(body["keypair"]["name"], "rpc-a-runner-k1");
    assert!(
        cloud
            .requests()
            .iter()
            .any(|r| r.api_version.as_deref() == Some("compute 2.92"))
    );
    let (status, _, _) = http.send(
        "POST",
        "/compute/v2.1/os-keypairs",
        Some(keypair),
        Some("2.92"),
    );
    assert_eq!(status, 409);
    let (status, _, _) = http.send("GET", "/compute/v2.1/servers/detail", None, Some("2.97"));
    assert_eq!(status, 406);

    let create = json!({"server": {
        "name": "rpc-a-runner-s1", "imageRef": image, "flavorRef": "1",
        "networks": [{"uuid": "11111111-1111-4111-8111-111111111111"}],
        "key_name": "rpc-a-runner-k1", "security_groups": [{"name": "default"}],
        "metadata": {"rpc-prefix": "rpc-a", "rpc-kind": "runner"}, "config_drive": true,
        "user_data": "I2Nsb3VkLWNvbmZpZw==",
    }});
    let (status, _, body) = http.send("POST", "/compute/v2.1/servers", Some(create), Some("2.95"));
    assert_eq!(status, 202);
    let id = body["server"]["id"].as_str().unwrap().to_owned();
    let path = format!("/compute/v2.1/servers/{id}");
    let (_, _, body) = http.send("GET", &path, None, Some("2.95"));
    assert_eq!(body["server"]["status"], "BUILD");
    assert_eq!(body["server"]["metadata"]["rpc-prefix"], "rpc-a");
    // Stopping a building server is a conflict, as on Nova.
    let action = format!("{path}/action");
    let (status, _, _) = http.send(
        "POST",
        &action,
        Some(json!({"os-stop": null})),
        Some("2.95"),
    );
    assert_eq!(status, 409);
    std::thread::sleep(Duration::from_millis(350));
    let (_, _, body) = http.send("GET", &path, None, Some("2.95"));
    assert_eq!(body["server"]["status"], "ACTIVE");

    let (status, _, body) = http.send(
        "POST",
        &action,
        Some(json!({"os-getConsoleOutput": {"length": 1}})),
        Some("2.95"),
    );
    assert_eq!(status, 200);
    assert_eq!(body["output"], "Cloud-init v. 24.1 finished");

    let (status, _, _) = http.send(
        "POST",
        &action,
        Some(json!({"os-stop": null})),
        Some("2.95"),
    );
    assert_eq!(status, 202);
    let (_, _, body) = http.send("GET", &path, None, Some("2.95"));
    assert_eq!(body["server"]["status"], "SHUTOFF");

    let snapshot =
        json!({"createImage": {"name": "rpc-a-image-snap", "metadata": {"rpc-prefix": "rpc-a"}}});
    let (status, _, body) = http.send("POST", &action, Some(snapshot), Some("2.95"));
    assert_eq!(status, 202);
    let snap = body["image_id"].as_str().unwrap().to_owned();
    let (_, _, body) = http.send("GET", &format!("/image/v2/images/{snap}"), None, None);
    assert_eq!(body["status"], "saving");
    assert_eq!(body["rpc-prefix"], "rpc-a");
    std::thread::sleep(Duration::from_millis(350));
    let (_, _, body) = http.send("GET", &format!("/image/v2/images/{snap}"), None, None);
    assert_eq!(body["status"], "active");

    let (status, _, _) = http.send("DELETE", &path, None, Some("2.95"));
    assert_eq!(status, 204);
    let (status, _, body) = http.send("GET", &path, None, Some("2.95"));
    assert_eq!(status, 404);
    assert_eq!(body["itemNotFound"]["code"], 404);
    let (status, _, _) = http.send("DELETE", &path, None, Some("2.95"));
    assert_eq!(status, 404);

    let (_, _, body) = http.send("GET", "/compute/v2.1/flavors/detail", None, None);
    assert_eq!(body["flavors"].as_array().unwrap().len(), 3);
    let (_, _, body) = http.send("GET", "/compute/v2.1/limits", None, None);
    assert_eq!(body["limits"]["absolute"]["maxTotalInstances"], 10);
}

#[test]
fn fake_glance_uploads_filters_downloads_and_deletes() {
    let cloud = FakeCloud::start();
    let http = Http::new(&cloud);
    let (status, _, body) = http.send(
        "POST",
        "/image/v2/images",
        Some(
            json!({"name": "rpc-a-image-jammy", "disk_format": "qcow2", "container_format": "bare",
            "architecture": "aarch64", "rpc-prefix": "rpc-a", "rpc-kind": "image"}),
        ),
        None,
    );
    assert_eq!(status, 201);
    assert_eq!(body["status"], "queued");
    assert_eq!(body["architecture"], "aarch64");
    let id = body["id"].as_str().unwrap().to_owned();
    let (_, _, body) = http.send(
        "GET",
        "/image/v2/images?name=rpc-a-image-jammy&status=active",
        None,
        None,
    );
    assert!(body["images"].as_array().unwrap().is_empty());
    let (status, _, _) = http.send_bytes(
        "PUT",
        &format!("/image/v2/images/{id}/file"),
        Some(b"qcow2 data".to_vec()),
        None,
    );
    assert_eq!(status, 204);
    let (_, _, body) = http.send(
        "GET",
        "/image/v2/images?name=rpc-a-image-jammy&status=active",
        None,
        None,
    );
    assert_eq!(body["images"][0]["id"], id.as_str());
    assert_eq!(body["images"][0]["size"], 10);
    let (_, _, body) = http.send("GET", "/image/v2/images?rpc-prefix=rpc-b", None, None);
    assert!(body["images"].as_array().unwrap().is_empty());
    let (status, _, data) =
        http.send_bytes("GET", &format!("/image/v2/images/{id}/file"), None, None);
    assert_eq!(status, 200);
    assert_eq!(data, b"qcow2 data");
    let (status, _, _) = http.send("DELETE", &format!("/image/v2/images/{id}"), None, None);
    assert_eq!(status, 204);
    let (status, _, _) = http.send("GET", &format!("/image/v2/images/{id}"), None, None);
    assert_eq!(status, 404);
}

#[test]
fn fake_neutron_security_groups_rules_and_tags() {
    let cloud = FakeCloud::start();
    let http = Http::new(&cloud);
    let (_, _, body) = http.send("GET", "/network/v2.0/networks", None, None);
    assert_eq!(body["networks"].as_array().unwrap().len(), 2);
    let (_, _, body) = http.send("GET", "/network/v2.0/subnets", None, None);
    assert_eq!(
        body["subnets"][0]["network_id"],
        "11111111-1111-4111-8111-111111111111"
    );

    let (status, _, body) = http.send(
        "POST",
        "/network/v2.0/security-groups",
        Some(json!({"security_group": {"name": "rpc-a-runner-default", "description": "d"}})),
        None,
    );
    assert_eq!(status, 201);
    assert_eq!(
        body["security_group"]["security_group_rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let id = body["security_group"]["id"].as_str().unwrap().to_owned();
    let (status, _, _) = http.send(
        "PUT",
        &format!("/network/v2.0/security-groups/{id}/tags"),
        Some(json!({"tags": ["rpc-prefix:rpc-a", "rpc-kind:runner"]})),
        None,
    );
    assert_eq!(status, 200);
    cloud.add_security_group("rpc-a-runner-default", &[]);
    let (_, _, body) = http.send(
        "GET",
        "/network/v2.0/security-groups?name=rpc-a-runner-default&tags=rpc-prefix:rpc-a,rpc-kind:runner",
        None,
        None,
    );
    assert_eq!(body["security_groups"].as_array().unwrap().len(), 1);
    let rule = json!({"security_group_rule": {"security_group_id": id, "direction": "ingress",
        "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22}});
    let (status, _, _) = http.send(
        "POST",
        "/network/v2.0/security-group-rules",
        Some(rule.clone()),
        None,
    );
    assert_eq!(status, 201);
    let (status, _, body) = http.send(
        "POST",
        "/network/v2.0/security-group-rules",
        Some(rule),
        None,
    );
    assert_eq!(status, 409);
    assert_eq!(body["NeutronError"]["type"], "Conflict");
    let (status, _, _) = http.send(
        "DELETE",
        &format!("/network/v2.0/security-groups/{id}"),
        None,
        None,
    );
    assert_eq!(status, 204);
}

#[test]
fn fake_faults_errors_and_request_counts() {
    let cloud = FakeCloud::start();
    let http = Http::new(&cloud);
    let image = cloud.add_image("base", json!({}), b"disk");
    cloud.fail_builds(
        "doomed",
        "No valid host was found. There are not enough hosts available.",
    );
    cloud.fault(Fault {
        method: "GET".into(),
        path_contains: "/flavors".into(),
        kind: FaultKind::Status(503, "Service Unavailable".into()),
        times: 1,
    });
    let (status, _, _) = http.send("GET", "/compute/v2.1/flavors/detail", None, None);
    assert_eq!(status, 503);
    let (status, _, _) = http.send("GET", "/compute/v2.1/flavors/detail", None, None);
    assert_eq!(status, 200);

    let server = |name: &str| {
        json!({"server": {"name": name, "imageRef": image, "flavorRef": "1", "networks": "none",
            "metadata": {"rpc-prefix": "rpc-a", "rpc-kind": "runner"}}})
    };
    cloud.fault(Fault {
        method: "POST".into(),
        path_contains: "/servers".into(),
        kind: FaultKind::Quota,
        times: 1,
    });
    let (status, _, body) = http.send(
        "POST",
        "/compute/v2.1/servers",
        Some(server("rpc-a-runner-q")),
        None,
    );
    assert_eq!(status, 403);
    assert!(
        body["forbidden"]["message"]
            .as_str()
            .unwrap()
            .contains("Quota exceeded")
    );

    let (_, _, body) = http.send(
        "POST",
        "/compute/v2.1/servers",
        Some(server("rpc-a-runner-doomed")),
        None,
    );
    let id = body["server"]["id"].as_str().unwrap().to_owned();
    let (_, _, body) = http.send("GET", &format!("/compute/v2.1/servers/{id}"), None, None);
    assert_eq!(body["server"]["status"], "ERROR");
    assert!(
        body["server"]["fault"]["message"]
            .as_str()
            .unwrap()
            .starts_with("No valid host")
    );

    // A create that hangs after the server was made: the client gives up, the server exists.
    cloud.fault(Fault {
        method: "POST".into(),
        path_contains: "/servers".into(),
        kind: FaultKind::HangAfter(Duration::from_secs(2)),
        times: 1,
    });
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let result = http.runtime.block_on(async {
        impatient
            .post(format!("{}/compute/v2.1/servers", cloud.url()))
            .header("x-auth-token", &http.token)
            .json(&server("rpc-a-runner-slow"))
            .send()
            .await
    });
    assert!(result.is_err_and(|e| e.is_timeout()));
    assert!(
        cloud
            .server_names()
            .contains(&"rpc-a-runner-slow".to_owned())
    );

    assert_eq!(cloud.count("identity"), 1);
    assert_eq!(cloud.count("compute"), 6);
    assert_eq!(cloud.count_path("POST", "/servers"), 3);
    assert_eq!(cloud.count("image"), 0);
}

/// openstack_sdk 0.22 itself against the fake: what the OpenStack implementation will rely on
/// (and the pitfalls it must handle: version discovery before use, errors per failure mode).
#[test]
fn openstack_sdk_authenticates_discovers_and_lists_against_the_fake() {
    use openstack_sdk::api::QueryAsync;
    use openstack_sdk::types::ServiceType;
    let cloud = FakeCloud::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clouds.yaml");
    let others = cloud.clouds_yaml("bad", "wrong").replace("clouds:\n", "")
        + &cloud
            .clouds_yaml("down", PASSWORD)
            .replace("clouds:\n", "")
            .replace(&cloud.url(), "http://127.0.0.1:9");
    std::fs::write(&path, cloud.clouds_yaml("fake", PASSWORD) + &others).unwrap();
    runtime.block_on(async {
        let file = openstack_sdk::config::ConfigFile::new_with_user_specified_configs(
            Some(&path),
            None::<&std::path::Path>,
        )
        .unwrap();
        assert!(file.get_cloud_config("nosuch").unwrap().is_none());

        let bad = file.get_cloud_config("bad").unwrap().unwrap();
        let err = openstack_sdk::AsyncOpenStack::builder(&bad)
            .disable_auth_cache(true)
            .connect()
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("401") || format!("{err:?}").contains("401"),
            "{err:?}"
        );
        let down = file.get_cloud_config("down").unwrap().unwrap();
        let err = openstack_sdk::AsyncOpenStack::builder(&down)
            .disable_auth_cache(true)
            .connect()
            .await
            .err()
            .unwrap();
        assert!(format!("{err:?}").contains("Discovery"), "{err:?}");

        let config = file.get_cloud_config("fake").unwrap().unwrap();
        let session = openstack_sdk::AsyncOpenStack::builder(&config)
            .disable_auth_cache(true)
            .connect()
            .await
            .unwrap();
        for service in [
            ServiceType::Compute,
            ServiceType::Image,
            ServiceType::Network,
        ] {
            session.discover_service_endpoint(&service).await.unwrap();
        }
        let flavors = openstack_sdk::api::compute::v2::flavor::list_detailed_20::Request::builder()
            .build()
            .unwrap();
        let flavors: serde_json::Value = flavors.query_async(&session).await.unwrap();
        assert_eq!(flavors.as_array().unwrap().len(), 3);
        let images = openstack_sdk::api::image::v2::image::list::Request::builder()
            .build()
            .unwrap();
        let images: serde_json::Value = images.query_async(&session).await.unwrap();
        assert!(images.as_array().unwrap().is_empty());
        let networks = openstack_sdk::api::network::v2::network::list::Request::builder()
            .build()
            .unwrap();
        let networks: serde_json::Value = networks.query_async(&session).await.unwrap();
        assert_eq!(networks.as_array().unwrap().len(), 2);
    });
    // One rejected and one accepted password (the unreachable auth URL never gets that far).
    assert_eq!(cloud.count_path("POST", "/identity/v3/auth/tokens"), 2);
    // The default (floor) strategy sends the module's microversion once discovery has run.
    assert!(
        cloud
            .requests()
            .iter()
            .any(|r| r.path.contains("/flavors/detail")
                && r.api_version.as_deref() == Some("compute 2.1"))
    );
}
