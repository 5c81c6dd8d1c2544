//! The token and policy store on the machine's PostgreSQL, one fresh database per test.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rpc::store::{Backend, Store, StoreError, TokenCheck};

use crate::support::{TestDb, postgres_addr};
use crate::tcp_proxy::TcpProxy;

const HOUR: Duration = Duration::from_secs(3600);

/// How long an operation may take while the database is cut off: it must fail, not hang.
const FAIL_WITHIN: Duration = Duration::from_secs(8);

/// How long the pool may take to recover once the database is back.
const RECOVER_WITHIN: Duration = Duration::from_secs(10);

async fn connect(url: &str) -> Store {
    Store::connect_url(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// Awaits an operation that must fail as "unavailable" within [`FAIL_WITHIN`].
async fn unavailable<T: std::fmt::Debug>(
    what: &str,
    operation: impl Future<Output = Result<T, StoreError>>,
) -> StoreError {
    let started = Instant::now();
    let outcome = tokio::time::timeout(FAIL_WITHIN, operation)
        .await
        .unwrap_or_else(|_| panic!("{what} hung for {FAIL_WITHIN:?} during the outage"));
    let err = outcome.expect_err(what);
    assert!(err.is_unavailable(), "{what}: {err:?}");
    assert!(err.hint().is_some(), "{what}: {err:?}");
    assert!(started.elapsed() < FAIL_WITHIN);
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrations_run_once_and_reconnecting_is_a_no_op() {
    let db = TestDb::create().await;
    let first = connect(&db.url()).await;
    assert_eq!(first.backend(), Backend::Postgres);
    assert_eq!(
        db.count("SELECT count(*) FROM rpc_schema_migrations").await,
        1
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_name IN ('rpc_one_time_tokens', 'rpc_policy_document')"
        )
        .await,
        2
    );
    let token = first.issue_token(HOUR).await.unwrap();

    // Again, with the reference service's SQLAlchemy spelling of the URL.
    let url = format!(
        "postgresql+psycopg2://postgres@{}/{}",
        crate::support::POSTGRES,
        db.name()
    );
    let second = connect(&url).await;
    assert_eq!(
        db.count("SELECT count(*) FROM rpc_schema_migrations").await,
        1
    );
    assert_eq!(
        second.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    assert!(!second.target().contains("psycopg2"), "{}", second.target());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_on_a_fresh_database_all_start() {
    let db = TestDb::create().await;
    let starting: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url();
            tokio::spawn(async move { Store::connect_url(&url).await })
        })
        .collect();
    let mut replicas = Vec::new();
    for replica in starting {
        replicas.push(replica.await.unwrap().expect("a replica failed to start"));
    }
    assert_eq!(
        db.count("SELECT count(*) FROM rpc_schema_migrations").await,
        1
    );
    let token = replicas[0].issue_token(HOUR).await.unwrap();
    assert_eq!(
        replicas[3].consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_are_valid_once_expire_and_unknown_ones_are_rejected() {
    let db = TestDb::create().await;
    let store = connect(&db.url()).await;
    store.ping().await.unwrap();

    let token = store.issue_token(HOUR).await.unwrap();
    assert_eq!(token.expose().len(), 64);
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Used
    );

    let expired = store.issue_token(Duration::ZERO).await.unwrap();
    assert_eq!(
        store.consume_token(expired.expose()).await.unwrap(),
        TokenCheck::Expired
    );
    assert_eq!(
        store.consume_token(expired.expose()).await.unwrap(),
        TokenCheck::Expired
    );

    assert_eq!(
        store.consume_token(&"0".repeat(64)).await.unwrap(),
        TokenCheck::Unknown
    );
    assert_eq!(
        store.consume_token("not a token").await.unwrap(),
        TokenCheck::Unknown
    );

    // Only hashes are stored.
    let mut conn = db.connect().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM rpc_one_time_tokens")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        !stored
            .iter()
            .any(|h| h == token.expose() || h == expired.expose())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_issued_on_one_replica_is_consumed_once_on_another() {
    let db = TestDb::create().await;
    let a = connect(&db.url()).await;
    let b = connect(&db.url()).await;
    let token = a.issue_token(HOUR).await.unwrap();
    assert_eq!(
        b.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    assert_eq!(
        a.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Used
    );
    assert_eq!(
        b.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Used
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_policy_is_shared_between_replicas() {
    let db = TestDb::create().await;
    let a = connect(&db.url()).await;
    let b = connect(&db.url()).await;
    assert_eq!(b.policy().await.unwrap(), None);
    a.set_policy(r#"{"pull_request":{"disallow_fork":true}}"#)
        .await
        .unwrap();
    assert_eq!(
        b.policy().await.unwrap().as_deref(),
        Some(r#"{"pull_request":{"disallow_fork":true}}"#)
    );
    b.set_policy(r#"{"push":{}}"#).await.unwrap();
    assert_eq!(a.policy().await.unwrap().as_deref(), Some(r#"{"push":{}}"#));
    b.clear_policy().await.unwrap();
    assert_eq!(a.policy().await.unwrap(), None);
    assert_eq!(
        db.count("SELECT count(*) FROM rpc_policy_document").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_consumes_across_two_replicas_yield_one_valid() {
    let db = TestDb::create().await;
    let a = connect(&db.url()).await;
    let b = connect(&db.url()).await;
    let token = a.issue_token(HOUR).await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let token = token.clone();
            tokio::spawn(async move { store.consume_token(token.expose()).await })
        })
        .collect();
    let mut counts = HashMap::new();
    for task in tasks {
        *counts.entry(task.await.unwrap().unwrap()).or_insert(0) += 1;
    }
    assert_eq!(counts.get(&TokenCheck::Valid), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&TokenCheck::Used), Some(&49), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn purge_removes_tokens_expired_or_consumed_more_than_a_day_ago() {
    let db = TestDb::create().await;
    let store = connect(&db.url()).await;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let day = 86_400;
    let mut conn = db.connect().await;
    for (hash, expires_at, consumed_at) in [
        ("expired-long-ago", now - 2 * day, None),
        ("consumed-long-ago", now + day, Some(now - 2 * day)),
        ("expired-recently", now - 60, None),
        ("consumed-recently", now + day, Some(now - 60)),
    ] {
        sqlx::query(
            "INSERT INTO rpc_one_time_tokens (token_hash, issued_at, expires_at, consumed_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(hash)
        .bind(now - 3 * day)
        .bind(expires_at)
        .bind(consumed_at)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let live = store.issue_token(HOUR).await.unwrap();
    assert_eq!(store.purge_expired().await.unwrap(), 1);
    assert_eq!(
        db.count("SELECT count(*) FROM rpc_one_time_tokens").await,
        3
    );
    assert_eq!(
        db.count(
            "SELECT count(*) FROM rpc_one_time_tokens \
             WHERE token_hash IN ('expired-long-ago', 'consumed-long-ago')"
        )
        .await,
        0
    );
    assert_eq!(store.purge_expired().await.unwrap(), 0);
    assert_eq!(
        store.consume_token(live.expose()).await.unwrap(),
        TokenCheck::Valid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outage_is_unavailable_and_the_pool_recovers_by_itself() {
    let db = TestDb::create().await;
    let proxy = TcpProxy::start(postgres_addr());
    let store = connect(&db.url_via(proxy.addr())).await;
    store.ping().await.unwrap();
    let before = store.issue_token(HOUR).await.unwrap();
    store.set_policy("{}").await.unwrap();

    proxy.cut();
    unavailable("ping", store.ping()).await;
    unavailable("consume_token", store.consume_token(before.expose())).await;
    unavailable("issue_token", store.issue_token(HOUR)).await;
    unavailable("policy", store.policy()).await;
    // Many requests at once during the outage: every one fails fast.
    let burst: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { unavailable("ping in a burst", store.ping()).await })
        })
        .collect();
    for task in burst {
        task.await.unwrap();
    }

    proxy.restore();
    let restored = Instant::now();
    loop {
        match store.ping().await {
            Ok(()) => break,
            Err(e) if restored.elapsed() < RECOVER_WITHIN => {
                assert!(e.is_unavailable(), "{e:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("the pool did not recover within {RECOVER_WITHIN:?}: {e}"),
        }
    }
    // Nothing was consumed during the outage; new tokens work.
    assert_eq!(
        store.consume_token(before.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    let after = store.issue_token(HOUR).await.unwrap();
    assert_eq!(
        store.consume_token(after.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    assert_eq!(store.policy().await.unwrap().as_deref(), Some("{}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn starting_during_an_outage_fails_fast_as_unavailable() {
    let db = TestDb::create().await;

    // Connections accepted, then closed at once.
    let proxy = TcpProxy::start(postgres_addr());
    proxy.cut();
    let err = unavailable(
        "connect through a cut proxy",
        Store::connect_url(&db.url_via(proxy.addr())),
    )
    .await;
    assert!(err.to_string().contains(&proxy.addr().to_string()), "{err}");

    // Connections refused: nobody listens on the port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    unavailable(
        "connect to a closed port",
        Store::connect_url(&db.url_via(closed)),
    )
    .await;

    // A database that does not exist.
    let url = format!(
        "postgres://postgres@{}/{}_missing",
        crate::support::POSTGRES,
        db.name()
    );
    let err = unavailable("connect to a missing database", Store::connect_url(&url)).await;
    assert!(
        err.hint().unwrap().contains("create the database"),
        "{err:?}"
    );
}
