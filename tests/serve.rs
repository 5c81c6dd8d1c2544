//! `rpc serve` through real processes: the reference API, tokens, policy storage, metrics,
//! shadow mode, limits, shutdown, and the runner-side commands.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::fake_github::{FakeGitHub, Fault, FaultKind, TOKEN};
use crate::support::rpc;
use crate::support::scenario::{FORK, REPO, SHA, approval, github};
use crate::support::server::{CHARM, ServerBuilder, concurrently, request};

fn serve(fake: &FakeGitHub, data: &std::path::Path) -> ServerBuilder {
    ServerBuilder::new(data).github(&fake.url(), TOKEN)
}

fn pull_request_body(source: &str) -> Value {
    json!({
        "repository_name": REPO,
        "source_repository_name": source,
        "target_branch_name": "main",
        "source_branch_name": "feature",
        "commit_sha": SHA,
    })
}

#[test]
fn checks_answer_like_the_reference() {
    let fake = github();
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();

    let pass = server.post(
        "/pull_request/check-run",
        &server.token(),
        &pull_request_body(FORK),
        false,
    );
    assert_eq!(pass.status, 204, "{}", pass.body);
    assert!(pass.body.is_empty());

    fake.remove_comments(REPO, 7);
    let fail = server.post(
        "/pull_request/check-run",
        &server.token(),
        &pull_request_body(FORK),
        false,
    );
    assert_eq!(fail.status, 403);
    assert!(fail.body.starts_with("RPC-EJ-002: "), "{}", fail.body);
    assert!(fail.body.contains("fix: "), "{}", fail.body);

    let alias = server.post(
        "/check-run",
        &server.token(),
        &pull_request_body(REPO),
        false,
    );
    assert_eq!(alias.status, 204, "{}", alias.body);
    for path in [
        "/push/check-run",
        "/default/check-run",
        "/schedule/check-run",
        "/workflow_dispatch/check-run",
    ] {
        let answer = server.post(
            path,
            &server.token(),
            &json!({"repository_name": REPO}),
            false,
        );
        assert_eq!(answer.status, 204, "{path}: {}", answer.body);
    }
    let always = server.post("/always-fail/check-run", &server.token(), &json!({}), false);
    assert_eq!(always.status, 403);
}

#[test]
fn json_verdicts_on_request() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();
    let pass = server.post(
        "/push/check-run",
        &server.token(),
        &json!({"repository_name": REPO}),
        true,
    );
    assert_eq!(pass.status, 200);
    let verdict = pass.json();
    assert_eq!(verdict["verdict"], "pass");
    assert_eq!(verdict["job"]["type"], "push");
    assert!(verdict["github"]["requests"].as_u64().unwrap() >= 1);

    let fail = server.post(
        "/pull_request/check-run",
        &server.token(),
        &pull_request_body(FORK),
        true,
    );
    assert_eq!(fail.status, 403);
    assert_eq!(fail.json()["rules"][4]["code"], "RPC-EJ-002");

    fake.fault(Fault::get(
        "/collaborators",
        FaultKind::RateLimit {
            reset_in_secs: 3600,
        },
        None,
    ));
    let error = server.post(
        "/push/check-run",
        &server.token(),
        &json!({"repository_name": REPO}),
        true,
    );
    assert_eq!(error.status, 500);
    assert_eq!(error.json()["verdict"], "error");
}

#[test]
fn tokens_are_one_time_and_roles_are_enforced() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();
    let body = json!({"repository_name": REPO});

    assert_eq!(server.get("/one-time-token", None).status, 401);
    assert_eq!(server.get("/one-time-token", Some("nope")).status, 401);
    let token = server.token();
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));

    assert_eq!(
        server.post("/push/check-run", &token, &body, false).status,
        204
    );
    let reused = server.post("/push/check-run", &token, &body, false);
    assert_eq!(reused.status, 401, "{}", reused.body);

    assert_eq!(
        server.post("/push/check-run", CHARM, &body, false).status,
        403
    );

    // A one-time token on a charm endpoint is refused, and consumed all the same.
    let token = server.token();
    assert_eq!(server.get("/one-time-token", Some(&token)).status, 403);
    assert_eq!(server.get("/auth-health", Some(&token)).status, 401);
    let token = server.token();
    assert_eq!(server.get("/auth-health", Some(&token)).status, 204);

    let bad = server.post(
        "/pull_request/check-run",
        &server.token(),
        &json!({"repository_name": REPO}),
        false,
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("source_repository_name is required"),
        "{}",
        bad.body
    );
    let empty = server.post(
        "/push/check-run",
        &server.token(),
        &json!({"repository_name": ""}),
        false,
    );
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("repository_name"), "{}", empty.body);
}

#[test]
fn tokens_expire() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path())
        .env("RPC_SERVE_TOKEN_TTL", "1s")
        .start();
    let token = server.token();
    std::thread::sleep(Duration::from_millis(2100));
    let answer = server.post(
        "/push/check-run",
        &token,
        &json!({"repository_name": REPO}),
        false,
    );
    assert_eq!(answer.status, 401);
    assert!(answer.body.contains("expired"), "{}", answer.body);
}

#[test]
fn posted_policy_applies_persists_and_can_be_deleted() {
    let fake = github();
    fake.add_collaborator(REPO, "outside-writer", "write", true);
    let data = tempfile::tempdir().unwrap();
    let body = json!({"repository_name": REPO});
    let mut server = serve(&fake, data.path()).start();
    assert_eq!(
        server
            .post("/push/check-run", &server.token(), &body, false)
            .status,
        403
    );

    let url = format!("{}/policy", server.url());
    let invalid = request(
        "POST",
        &url,
        Some(CHARM),
        Some(&json!({"push": {"collaborators": {"enabled": "no"}}})),
        false,
    );
    assert_eq!(invalid.status, 400);
    assert!(
        invalid.body.contains("push.collaborators.enabled"),
        "{}",
        invalid.body
    );
    let document = json!({"push": {"collaborators": {"enabled": false}}});
    assert_eq!(
        request("POST", &url, Some(&server.token()), Some(&document), false).status,
        403
    );
    assert_eq!(
        request("POST", &url, Some(CHARM), Some(&document), false).status,
        204
    );
    assert_eq!(
        server
            .post("/push/check-run", &server.token(), &body, false)
            .status,
        204
    );

    // It survives a restart, and wins over PULL_REQUEST_DISALLOW_FORK.
    assert_eq!(server.terminate(), Some(0));
    let server = serve(&fake, data.path())
        .env("PULL_REQUEST_DISALLOW_FORK", "true")
        .start();
    assert_eq!(
        server
            .post("/push/check-run", &server.token(), &body, false)
            .status,
        204
    );
    let fork = server.post(
        "/pull_request/check-run",
        &server.token(),
        &pull_request_body(FORK),
        false,
    );
    assert_eq!(fork.status, 403, "{}", fork.body);
    assert!(
        fork.body.starts_with("RPC-OC-001"),
        "the posted document enables pull_request.collaborators, unlike the built-in disallow-fork one: {}",
        fork.body
    );

    let url = format!("{}/policy", server.url());
    assert_eq!(
        request("DELETE", &url, Some(CHARM), None, false).status,
        204
    );
    let fork = server.post(
        "/pull_request/check-run",
        &server.token(),
        &pull_request_body(FORK),
        false,
    );
    assert!(
        fork.body.starts_with("RPC-DF-001"),
        "built-in disallow-fork policy again: {}",
        fork.body
    );
}

#[test]
fn degraded_without_github_credentials() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerBuilder::new(data.path()).start();
    let health = server.get("/health", None);
    assert_eq!(health.status, 500);
    assert!(
        health.body.contains("no GitHub credentials"),
        "{}",
        health.body
    );
    let check = server.post(
        "/push/check-run",
        &server.token(),
        &json!({"repository_name": REPO}),
        false,
    );
    assert_eq!(check.status, 500);
    assert!(
        check.body.contains("no GitHub credentials"),
        "{}",
        check.body
    );
}

#[test]
fn health_names_what_is_wrong() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();
    assert_eq!(server.get("/health", None).status, 204);

    let rejected = ServerBuilder::new(data.path())
        .github(&fake.url(), "ghp_wrong")
        .start();
    let health = rejected.get("/health", None);
    assert_eq!(health.status, 500);
    assert!(
        health.body.contains("GitHub credentials rejected"),
        "{}",
        health.body
    );

    let unreachable = ServerBuilder::new(data.path())
        .github("http://127.0.0.1:9", TOKEN)
        .env("RPC_GITHUB_RETRY_BUDGET", "1s")
        .start();
    let health = unreachable.get("/health", None);
    assert_eq!(health.status, 500);
    assert!(
        health.body.contains("GitHub unreachable"),
        "{}",
        health.body
    );
}

#[test]
fn shadow_mode_answers_failures_as_passes_and_counts_them() {
    let fake = github();
    fake.add_collaborator(REPO, "outside-writer", "write", true);
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path())
        .env("RPC_SERVE_SHADOW", "true")
        .start();
    let body = json!({"repository_name": REPO});
    assert_eq!(
        server
            .post("/push/check-run", &server.token(), &body, false)
            .status,
        204
    );
    let verdict = server
        .post("/push/check-run", &server.token(), &body, true)
        .json();
    assert_eq!(verdict["verdict"], "pass");
    assert_eq!(verdict["shadow_would_fail"], true);
    assert_eq!(verdict["rules"][1]["result"], "fail");
    let metrics = server.get("/metrics", None).body;
    assert!(
        metrics
            .lines()
            .any(|line| line.starts_with("rpc_shadow_would_fail_total{")
                && line.contains("RPC-OC-001")
                && line.ends_with(" 2")),
        "{metrics}"
    );
    // Errors stay errors.
    fake.fault(Fault::get("/collaborators", FaultKind::Status(404), None));
    let answer = server.post(
        "/pull_request/check-run",
        &server.token(),
        &pull_request_body(REPO),
        false,
    );
    assert_eq!(
        answer.status, 204,
        "a 404 is a fail, shadowed: {}",
        answer.body
    );
    fake.clear_faults();
    fake.fault(Fault::get(
        "/collaborators",
        FaultKind::RateLimit {
            reset_in_secs: 3600,
        },
        None,
    ));
    assert_eq!(
        server
            .post("/push/check-run", &server.token(), &body, false)
            .status,
        500
    );
}

#[test]
fn metrics_and_openapi() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();
    server.post(
        "/push/check-run",
        &server.token(),
        &json!({"repository_name": REPO}),
        false,
    );
    let metrics = server.get("/metrics", None);
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.content_type.starts_with("text/plain"),
        "{}",
        metrics.content_type
    );
    for needle in [
        "rpc_http_requests_total{route=\"/push/check-run\",status=\"204\"} 1",
        "rpc_verdicts_total{job_type=\"push\",verdict=\"pass\",code=\"\"} 1",
        "rpc_check_duration_seconds_bucket{job_type=\"push\"",
        "rpc_tokens_issued_total 1",
        "rpc_tokens_consumed_total 1",
        "rpc_github_requests_total 1",
        "rpc_github_rate_limit_remaining",
    ] {
        assert!(
            metrics.body.contains(needle),
            "{needle} missing:\n{}",
            metrics.body
        );
    }
    let openapi = server.get("/openapi.json", None);
    assert_eq!(openapi.content_type, "application/json");
    let openapi = openapi.json();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    let paths = openapi["paths"].as_object().unwrap();
    for path in [
        "/one-time-token",
        "/policy",
        "/pull_request/check-run",
        "/check-run",
        "/workflow_dispatch/check-run",
        "/push/check-run",
        "/default/check-run",
        "/schedule/check-run",
        "/always-fail/check-run",
        "/health",
        "/auth-health",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} missing from openapi.json");
    }
    assert!(paths["/policy"].get("delete").is_some());
}

#[test]
fn json_access_and_decision_logs_never_show_tokens() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path())
        .env("RPC_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .start();
    let token = server.token();
    server.post(
        "/push/check-run",
        &token,
        &json!({"repository_name": REPO}),
        false,
    );
    std::thread::sleep(Duration::from_millis(200));
    let logs = server.logs();
    assert!(!logs.contains(&token), "token in logs");
    assert!(!logs.contains(CHARM), "charm token in logs");
    assert!(!logs.contains(TOKEN), "GitHub token in logs");
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let access = lines
        .iter()
        .find(|line| {
            line["target"] == "rpc::access" && line["fields"]["route"] == "/push/check-run"
        })
        .unwrap_or_else(|| panic!("no access line:\n{logs}"));
    assert_eq!(access["fields"]["status"], 204);
    assert!(access["fields"]["request_id"].is_string());
    let decision = lines
        .iter()
        .find(|line| line["target"] == "rpc::audit")
        .unwrap_or_else(|| panic!("no decision line:\n{logs}"));
    assert_eq!(decision["fields"]["repository"], REPO);
    assert_eq!(decision["fields"]["job_type"], "push");
}

#[test]
fn limits_rate_body_and_graceful_shutdown() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let mut server = serve(&fake, data.path())
        .env("RPC_SERVE_RATE_LIMIT", "3")
        .env("RPC_SERVE_BODY_LIMIT", "1024")
        .start();
    let statuses: Vec<u16> = (0..6)
        .map(|_| server.get("/one-time-token", Some(CHARM)).status)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(statuses[0], 200);

    std::thread::sleep(Duration::from_secs(2));
    let big = json!({"repository_name": "x".repeat(4096)});
    assert_eq!(
        server
            .post("/push/check-run", &server.token(), &big, false)
            .status,
        413
    );

    // A request in flight when SIGTERM arrives still gets its answer.
    let token = server.token();
    fake.set_latency(Duration::from_millis(1500));
    let url = format!("{}/push/check-run", server.url());
    let in_flight = std::thread::spawn(move || {
        request(
            "POST",
            &url,
            Some(&token),
            Some(&json!({"repository_name": REPO})),
            false,
        )
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.terminate(), Some(0));
    assert_eq!(in_flight.join().unwrap().status, 204);
}

#[test]
fn runner_side_commands() {
    let fake = github();
    fake.add_collaborator(REPO, "outside-writer", "write", true);
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();

    let minted = rpc()
        .env("CHARM_TOKEN", CHARM)
        .args(["serve", "token", "--server", &server.url()])
        .run(0);
    let token = minted.stdout.trim().to_owned();
    assert_eq!(token.len(), 64);
    rpc()
        .args(["serve", "token", "--server", &server.url()])
        .run(2);
    rpc()
        .env("CHARM_TOKEN", "wrong")
        .args(["serve", "token", "--server", &server.url()])
        .run(3);

    let check = |token: &str, args: &[&str], code: i32| {
        rpc()
            .env("RPC_POLICY_SERVER_TOKEN", token)
            .args([
                "policy",
                "check",
                "--server",
                &server.url(),
                "--output",
                "json",
            ])
            .args(args)
            .run(code)
    };
    let push = ["--repo", REPO, "--event", "push"];
    let fail = check(&token, &push, 1).json();
    assert_eq!(fail["verdict"], "fail");
    assert_eq!(fail["rules"][1]["code"], "RPC-OC-001");
    // The token is used now: refused, exit 3.
    check(&token, &push, 3);
    let pass = check(
        &server.token(),
        &[
            "--repo",
            REPO,
            "--event",
            "pull_request",
            "--source-repo",
            REPO,
            "--base-ref",
            "main",
            "--head-ref",
            "feature",
            "--sha",
            SHA,
        ],
        1,
    )
    .json();
    assert_eq!(pass["rules"][2]["code"], "RPC-OC-001");

    // A token file, and human output.
    let file = data.path().join("token");
    std::fs::write(&file, server.token()).unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let human = rpc()
        .args([
            "policy",
            "check",
            "--server",
            &server.url(),
            "--token-file",
            file.to_str().unwrap(),
        ])
        .args(push)
        .run(1);
    assert!(human.stdout.contains("verdict: fail"), "{}", human.stdout);

    rpc()
        .env("RPC_POLICY_SERVER_TOKEN", "x")
        .args(["policy", "check", "--server", "http://127.0.0.1:9"])
        .args(push)
        .run(3);
    rpc()
        .args(["policy", "check", "--server", &server.url()])
        .args(push)
        .run(2);
}

#[test]
fn slow_requests_are_cut_at_the_request_timeout() {
    let fake = github();
    fake.set_latency(Duration::from_secs(3));
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path())
        .env("RPC_SERVE_REQUEST_TIMEOUT", "1s")
        .start();
    let token = server.token();
    // Without the timeout the check would pass after GitHub's 3 s.
    let answer = server.post(
        "/push/check-run",
        &token,
        &json!({"repository_name": REPO}),
        false,
    );
    assert_eq!(answer.status, 503);
}

#[test]
fn github_app_installation_and_token_are_reused_across_checks() {
    let fake = github();
    fake.add_installation("canonical", 77);
    let key =
        std::fs::read_to_string(crate::support::repo_root().join("tests/data/github-app-key.pem"))
            .unwrap();
    let data = tempfile::tempdir().unwrap();
    let server = ServerBuilder::new(data.path())
        .env("RPC_GITHUB_URL", fake.url())
        .env(
            "GITHUB_APP_ID",
            crate::support::fake_github::APP_ID.to_string(),
        )
        .env("GITHUB_APP_PRIVATE_KEY", key)
        .start();
    for _ in 0..3 {
        let answer = server.post(
            "/push/check-run",
            &server.token(),
            &json!({"repository_name": REPO}),
            false,
        );
        assert_eq!(answer.status, 204, "{}", answer.body);
    }
    let requests: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(fake.count("GET", "/installation"), 1, "{requests:#?}");
    assert_eq!(fake.count("POST", "/access_tokens"), 1, "{requests:#?}");
}

#[test]
fn fifty_concurrent_requests_with_one_token_are_accepted_once() {
    let fake = github();
    let data = tempfile::tempdir().unwrap();
    let server = serve(&fake, data.path()).start();
    let token = server.token();
    let body = json!({"repository_name": REPO});
    let statuses = concurrently(50, |_| {
        server.post("/push/check-run", &token, &body, false).status
    });
    assert_eq!(
        statuses.iter().filter(|status| **status == 204).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 401).count(),
        49,
        "{statuses:?}"
    );
}
