//! `rpc serve` replicas on one PostgreSQL database, and a database outage.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fake_github::{FakeGitHub, TOKEN};
use crate::server::{Answer, CHARM, Server, ServerBuilder, concurrently, request};
use crate::support::{TestDb, postgres_addr};
use crate::tcp_proxy::TcpProxy;

const REPO: &str = "canonical/app";

fn fresh_database() -> TestDb {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(TestDb::create())
}

/// A repository whose push jobs fail the built-in policy (an outside collaborator can write).
fn github() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(REPO, false, "main");
    fake.add_collaborator(REPO, "outside-writer", "write", true);
    fake
}

fn replica(fake: &FakeGitHub, data: &std::path::Path, database_url: &str) -> Server {
    ServerBuilder::new(data)
        .github(&fake.url(), TOKEN)
        .env("DATABASE_URL", database_url)
        .start()
}

fn push(server: &Server, token: &str) -> Answer {
    server.post(
        "/push/check-run",
        token,
        &json!({"repository_name": REPO}),
        false,
    )
}

#[test]
fn replicas_share_tokens_and_the_policy() {
    let db = fresh_database();
    let fake = github();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The SQLAlchemy form the reference service was configured with works too.
    let a = replica(
        &fake,
        dir_a.path(),
        &db.url().replace("postgres://", "postgresql+psycopg2://"),
    );
    let b = replica(&fake, dir_b.path(), &db.url());

    let token = a.token();
    let first = push(&b, &token);
    assert_eq!(first.status, 403, "{}", first.body);
    assert!(first.body.starts_with("RPC-OC-001"), "{}", first.body);
    assert_eq!(
        push(&a, &token).status,
        401,
        "the token was consumed on the other replica"
    );

    let policy = json!({"push": {"collaborators": {"enabled": false}}});
    let posted = request(
        "POST",
        &format!("{}/policy", a.url()),
        Some(CHARM),
        Some(&policy),
        false,
    );
    assert_eq!(posted.status, 204, "{}", posted.body);
    assert_eq!(
        push(&b, &a.token()).status,
        204,
        "the policy posted to A applies on B"
    );

    let deleted = request(
        "DELETE",
        &format!("{}/policy", b.url()),
        Some(CHARM),
        None,
        false,
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        push(&a, &b.token()).status,
        403,
        "deleted through B, gone on A"
    );
}

#[test]
fn a_database_outage_answers_503_and_heals_by_itself() {
    let db = fresh_database();
    let fake = github();
    fake.add_collaborator(REPO, "outside-writer", "read", true);
    let proxy = TcpProxy::start(postgres_addr());
    let dir = tempfile::tempdir().unwrap();
    let server = replica(&fake, dir.path(), &db.url_via(proxy.addr()));
    let token = server.token();
    assert_eq!(push(&server, &token).status, 204);
    let spare = server.token();

    proxy.cut();
    let started = Instant::now();
    let during = push(&server, &spare);
    assert_eq!(during.status, 503, "{}", during.body);
    assert_eq!(
        during.body, "database unavailable",
        "no host or database name in the answer"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answered quickly: {:?}",
        started.elapsed()
    );
    let health = server.get("/health", None);
    assert_eq!(health.status, 503);
    assert!(
        health.body.contains("database unavailable"),
        "{}",
        health.body
    );
    let mint = server.get("/one-time-token", Some(CHARM));
    assert_eq!(mint.status, 503);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    let token = loop {
        let mint = server.get("/one-time-token", Some(CHARM));
        if mint.status == 200 {
            break mint.body;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not recover: {} {}",
            mint.status,
            mint.body
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(push(&server, &token).status, 204);
    assert_eq!(
        push(&server, &spare).status,
        204,
        "a token minted before the outage still works"
    );
}

#[test]
fn fifty_concurrent_requests_across_replicas_accept_a_token_once() {
    let db = fresh_database();
    let fake = github();
    fake.add_collaborator(REPO, "outside-writer", "read", true);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = replica(&fake, dir_a.path(), &db.url());
    let b = replica(&fake, dir_b.path(), &db.url());
    let token = a.token();
    let statuses = concurrently(50, |i| {
        push(if i % 2 == 0 { &a } else { &b }, &token).status
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
