//! The job-started hook `examples/pre-job.sh`, run in bash against recorded webhook payloads and a
//! running `rpc serve` backed by the fake GitHub.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::fake_github::TOKEN;
use crate::support::repo_root;
use crate::support::scenario::{FORK, REPO, SHA, approval, github};
use crate::support::server::{Server, ServerBuilder};

fn event(name: &str) -> Value {
    let path = repo_root().join(format!("tests/data/events/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The recorded pull_request payload, turned into one from `source` into `REPO`.
fn pull_request(source: &str, association: &str) -> Value {
    let mut payload = event("pull_request");
    payload["pull_request"]["head"]["repo"]["full_name"] = json!(source);
    payload["pull_request"]["base"]["repo"]["full_name"] = json!(REPO);
    payload["pull_request"]["head"]["sha"] = json!(SHA);
    payload["pull_request"]["author_association"] = json!(association);
    payload["repository"]["full_name"] = json!(REPO);
    payload
}

struct Hook {
    status: Option<i32>,
    stderr: String,
}

fn run_hook(
    server: &str,
    token: &str,
    event_name: &str,
    payload: &Value,
    extra: &[(&str, &str)],
) -> Hook {
    let dir = tempfile::tempdir().unwrap();
    let payload_path = dir.path().join("event.json");
    std::fs::write(&payload_path, payload.to_string()).unwrap();
    let mut command = Command::new("bash");
    command
        .arg(repo_root().join("examples/pre-job.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_PATH", &payload_path)
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_HEAD_REF", "feature")
        .env("RPC_POLICY_SERVER", server)
        .env("RPC_POLICY_SERVER_TOKEN", token);
    for (key, value) in extra {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    Hook {
        status: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn serve(data: &Path) -> (crate::support::fake_github::FakeGitHub, Server) {
    let fake = github();
    let server = ServerBuilder::new(data).github(&fake.url(), TOKEN).start();
    (fake, server)
}

#[test]
fn every_event_type_reaches_its_endpoint() {
    let data = tempfile::tempdir().unwrap();
    let (fake, server) = serve(data.path());
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let mut schedule = event("push");
    schedule["schedule"] = json!("17 3 * * *");
    let cases = [
        ("pull_request", pull_request(FORK, "CONTRIBUTOR")),
        ("pull_request", pull_request(REPO, "MEMBER")),
        ("pull_request_target", pull_request(FORK, "CONTRIBUTOR")),
        ("issue_comment", event("issue_comment")),
        ("push", event("push")),
        ("schedule", schedule),
        ("workflow_dispatch", event("workflow_dispatch")),
    ];
    for (name, payload) in cases {
        let hook = run_hook(&server.url(), &server.token(), name, &payload, &[]);
        assert_eq!(hook.status, Some(0), "{name}: {}", hook.stderr);
        assert!(hook.stderr.contains("pass"), "{name}: {}", hook.stderr);
    }
    let metrics = server.get("/metrics", None).body;
    for (route, count) in [
        ("/pull_request/check-run", 2),
        ("/default/check-run", 2),
        ("/push/check-run", 1),
        ("/schedule/check-run", 1),
        ("/workflow_dispatch/check-run", 1),
    ] {
        let line = format!("rpc_http_requests_total{{route=\"{route}\",status=\"204\"}} {count}");
        assert!(metrics.contains(&line), "{line} missing:\n{metrics}");
    }
}

#[test]
fn policy_failure_and_server_error_are_told_apart() {
    let data = tempfile::tempdir().unwrap();
    let (_fake, server) = serve(data.path());
    let unapproved = pull_request(FORK, "CONTRIBUTOR");
    let hook = run_hook(
        &server.url(),
        &server.token(),
        "pull_request",
        &unapproved,
        &[],
    );
    assert_eq!(hook.status, Some(1));
    assert!(
        hook.stderr.contains("policy failure: RPC-EJ-002"),
        "{}",
        hook.stderr
    );
    assert!(
        hook.stderr.contains("fix the repository"),
        "{}",
        hook.stderr
    );

    let used = server.token();
    run_hook(&server.url(), &used, "push", &event("push"), &[]);
    let hook = run_hook(&server.url(), &used, "push", &event("push"), &[]);
    assert_eq!(hook.status, Some(1));
    assert!(
        hook.stderr.contains("HTTP 401") && hook.stderr.contains("contact the operators"),
        "{}",
        hook.stderr
    );

    let hook = run_hook("http://127.0.0.1:9", "x", "push", &event("push"), &[]);
    assert_eq!(hook.status, Some(1));
    assert!(
        hook.stderr.contains("HTTP 000") && hook.stderr.contains("contact the operators"),
        "{}",
        hook.stderr
    );
}

#[test]
fn author_association_is_checked_locally_when_configured() {
    let data = tempfile::tempdir().unwrap();
    let (fake, server) = serve(data.path());
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let strict = [("RPC_ALLOW_EXTERNAL_CONTRIBUTOR", "false")];

    let token = server.token();
    let hook = run_hook(
        &server.url(),
        &token,
        "pull_request",
        &pull_request(FORK, "CONTRIBUTOR"),
        &strict,
    );
    assert_eq!(hook.status, Some(1));
    assert!(hook.stderr.contains("RPC-AA-001"), "{}", hook.stderr);
    // The server was not asked: the token is still valid.
    let auth = server.get("/auth-health", Some(&token));
    assert_eq!(auth.status, 204);

    for (name, payload) in [
        ("pull_request", pull_request(FORK, "MEMBER")),
        ("pull_request", pull_request(REPO, "NONE")),
        ("push", event("push")),
    ] {
        let hook = run_hook(&server.url(), &server.token(), name, &payload, &strict);
        assert_eq!(hook.status, Some(0), "{name}: {}", hook.stderr);
    }
    let mut comment = event("issue_comment");
    comment["comment"]["author_association"] = json!("NONE");
    let hook = run_hook(
        &server.url(),
        &server.token(),
        "issue_comment",
        &comment,
        &strict,
    );
    assert_eq!(hook.status, Some(1), "{}", hook.stderr);
    let mut private = pull_request(FORK, "CONTRIBUTOR");
    private["repository"]["private"] = json!(true);
    let hook = run_hook(
        &server.url(),
        &server.token(),
        "pull_request",
        &private,
        &strict,
    );
    assert_eq!(hook.status, Some(0), "{}", hook.stderr);
}
