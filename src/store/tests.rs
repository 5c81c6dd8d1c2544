//! The store on SQLite, in temporary directories.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use super::*;

const HOUR: Duration = Duration::from_secs(3600);

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect_url(&url_of(&dir.path().join("rpc.db")))
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test]
async fn a_token_is_valid_once_then_used() {
    let (_dir, store) = temp_store().await;
    assert_eq!(store.backend(), Backend::Sqlite);
    store.ping().await.unwrap();
    let token = store.issue_token(HOUR).await.unwrap();
    assert!(is_token_shaped(token.expose()), "{}", token.expose());
    assert_eq!(format!("{token:?}"), "Secret(<redacted>)");
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Used
    );
    let other = store.issue_token(HOUR).await.unwrap();
    assert_ne!(token.expose(), other.expose());
    assert_eq!(
        store.consume_token(other.expose()).await.unwrap(),
        TokenCheck::Valid
    );
}

#[tokio::test]
async fn only_the_hash_of_a_token_is_stored() {
    let (_dir, store) = temp_store().await;
    let token = store.issue_token(HOUR).await.unwrap();
    let Pool::Sqlite(pool) = &store.pool else {
        panic!("not SQLite")
    };
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM rpc_one_time_tokens")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(stored, sha256_hex(token.expose()));
    assert_ne!(stored, token.expose());
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_unknown() {
    let (_dir, store) = temp_store().await;
    let never_issued = "0".repeat(64);
    for token in [
        never_issued.as_str(),
        "",
        "short",
        &"A".repeat(64),
        &"g".repeat(64),
        &"0".repeat(65),
    ] {
        assert_eq!(
            store.consume_token(token).await.unwrap(),
            TokenCheck::Unknown,
            "{token:?}"
        );
    }
}

#[tokio::test]
async fn a_token_with_no_time_to_live_is_expired() {
    let (_dir, store) = temp_store().await;
    let token = store.issue_token(Duration::ZERO).await.unwrap();
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Expired
    );
    // Still expired, not consumed by the failed attempt.
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Expired
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_consumes_of_one_token_yield_one_valid() {
    let (_dir, store) = temp_store().await;
    let token = store.issue_token(HOUR).await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
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

#[tokio::test]
async fn the_policy_is_set_read_replaced_and_cleared() {
    let (_dir, store) = temp_store().await;
    assert_eq!(store.policy().await.unwrap(), None);
    store.clear_policy().await.unwrap();
    store.set_policy(r#"{"pull_request":{}}"#).await.unwrap();
    assert_eq!(
        store.policy().await.unwrap().as_deref(),
        Some(r#"{"pull_request":{}}"#)
    );
    store.set_policy(r#"{"push":{}}"#).await.unwrap();
    assert_eq!(
        store.policy().await.unwrap().as_deref(),
        Some(r#"{"push":{}}"#)
    );
    store.clear_policy().await.unwrap();
    assert_eq!(store.policy().await.unwrap(), None);
}

#[tokio::test]
async fn data_persists_across_connections_to_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir.path().join("rpc.db"));
    let first = Store::connect_url(&url).await.unwrap();
    let token = first.issue_token(HOUR).await.unwrap();
    first.set_policy("{}").await.unwrap();
    first.close().await;

    let second = Store::connect_url(&url).await.unwrap();
    assert_eq!(second.policy().await.unwrap().as_deref(), Some("{}"));
    assert_eq!(
        second.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    // A third connection while the second is open: migrations are a no-op, data shared.
    let third = Store::connect_url(&url).await.unwrap();
    assert_eq!(
        third.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Used
    );
    let Pool::Sqlite(pool) = &third.pool else {
        panic!("not SQLite")
    };
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM rpc_schema_migrations")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(applied, 1);
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_opening_a_new_file_together_both_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir.path().join("rpc.db"));
    let (a, b) = tokio::join!(Store::connect_url(&url), Store::connect_url(&url));
    let (a, b) = (a.unwrap(), b.unwrap());
    let token = a.issue_token(HOUR).await.unwrap();
    assert_eq!(
        b.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
}

#[tokio::test]
async fn the_database_file_and_its_new_directories_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("rpc").join("rpc.db");
    let store = Store::connect_url(&format!("sqlite:///{}", path.display()))
        .await
        .unwrap();
    store.issue_token(HOUR).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    assert_eq!(mode(&dir.path().join("data").join("rpc")), 0o700);
    let wal = dir.path().join("data").join("rpc").join("rpc.db-wal");
    assert_eq!(mode(&wal), 0o600);
}

#[tokio::test]
async fn an_in_memory_store_works() {
    let store = Store::connect_url("sqlite::memory:").await.unwrap();
    let token = store.issue_token(HOUR).await.unwrap();
    assert_eq!(
        store.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Valid
    );
    // Each in-memory store is its own database.
    let other = Store::connect_url("sqlite::memory:").await.unwrap();
    assert_eq!(
        other.consume_token(token.expose()).await.unwrap(),
        TokenCheck::Unknown
    );
}

#[tokio::test]
async fn purge_removes_only_tokens_older_than_a_day() {
    let (_dir, store) = temp_store().await;
    let Pool::Sqlite(pool) = &store.pool else {
        panic!("not SQLite")
    };
    let now = unix_now();
    let day = KEEP_SECS;
    // (hash, expires_at, consumed_at): old rows as a day-old store would hold them.
    let rows = [
        ("expired-long-ago", now - 2 * day, None),
        ("consumed-long-ago", now + day, Some(now - 2 * day)),
        ("expired-recently", now - 60, None),
        ("consumed-recently", now + day, Some(now - 60)),
    ];
    for (hash, expires_at, consumed_at) in rows {
        sqlx::query(
            "INSERT INTO rpc_one_time_tokens (token_hash, issued_at, expires_at, consumed_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(hash)
        .bind(now - 3 * day)
        .bind(expires_at)
        .bind(consumed_at)
        .execute(pool)
        .await
        .unwrap();
    }
    let live = store.issue_token(HOUR).await.unwrap();

    assert_eq!(store.purge_expired().await.unwrap(), 1);
    let mut left: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM rpc_one_time_tokens ORDER BY token_hash")
            .fetch_all(pool)
            .await
            .unwrap();
    left.retain(|h| h != &sha256_hex(live.expose()));
    assert_eq!(left, ["consumed-recently", "expired-recently"]);
    assert_eq!(store.purge_expired().await.unwrap(), 0);
    assert_eq!(
        store.consume_token(live.expose()).await.unwrap(),
        TokenCheck::Valid
    );
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let (_dir, store) = temp_store().await;
    store.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
}

#[tokio::test]
async fn an_unwritable_location_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let err = Store::connect_url(&url_of(&blocker.join("rpc.db")))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("rpc.db"), "{err}");
}

#[tokio::test]
async fn unsupported_urls_fail_before_connecting() {
    let err = Store::connect_url("mysql://root:hunter2@db/rpc")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Config { .. }), "{err:?}");
    assert!(!err.to_string().contains("hunter2"));
    assert!(err.hint().is_some());
}

#[test]
fn store_futures_can_be_spawned() {
    fn spawnable<T: Send + 'static>(_: &T) {}
    fn operations(store: Store) {
        spawnable(&async move {
            store.ping().await?;
            let token = store.issue_token(HOUR).await?;
            store.consume_token(token.expose()).await?;
            store.purge_expired().await?;
            store.set_policy("{}").await?;
            store.policy().await?;
            store.clear_policy().await?;
            store.close().await;
            Ok::<_, StoreError>(())
        });
    }
    // Built, never polled: this test is about types.
    spawnable(&Store::connect_url("sqlite::memory:"));
    spawnable(&Store::connect(None));
    let _ = operations;
}

#[test]
fn the_default_database_is_under_the_data_directory() {
    let path = default_sqlite_path();
    assert!(
        path.ends_with("rpc/rpc.db") || path == Path::new("rpc.db"),
        "{path:?}"
    );
}

#[test]
fn tokens_are_64_lowercase_hex_characters() {
    let a = random_hex(32).unwrap();
    let b = random_hex(32).unwrap();
    assert!(is_token_shaped(&a) && is_token_shaped(&b));
    assert_ne!(a, b);
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(short("0123456789"), "01234567");
}
