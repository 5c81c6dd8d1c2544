//! The store of one-time runner tokens and the posted policy document: SQLite embedded by
//! default, PostgreSQL when a database URL is given.
//!
//! Every replica of `rpc serve` shares it. Tokens are 64 lowercase hex characters from the OS
//! random source; only their SHA-256 is stored. Consuming a token is one conditional `UPDATE`,
//! so of any number of concurrent requests presenting it exactly one wins. Times are Unix
//! seconds, so one SQL text serves both backends (`$1` placeholders work in both drivers).
//! The schema is migrated at connection from migrations built into the binary.

mod dburl;
mod error;
mod migrate;

#[cfg(test)]
mod tests;

pub use error::StoreError;

use std::fmt;
use std::future::Future;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::migrate::MigrateError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::DatabaseUrl;
use crate::secrets::Secret;
use dburl::Target;
use error::{classify, classify_migration};

/// Connections to an SQLite file: it has one writer at a time anyway.
const SQLITE_POOL_SIZE: u32 = 4;
/// Connections to PostgreSQL, per replica.
const POSTGRES_POOL_SIZE: u32 = 8;
/// How long an operation waits for a connection (including opening one) before the database
/// counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long an SQLite statement waits for another connection's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest any store operation may take; past it the database counts as unavailable (a
/// half-open connection must not hang a request).
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// How long expired and consumed tokens are kept, so that a reused token reads "used" or
/// "expired" rather than "unknown".
const KEEP_SECS: i64 = 86_400;

const INSERT_TOKEN: &str =
    "INSERT INTO rpc_one_time_tokens (token_hash, issued_at, expires_at) VALUES ($1, $2, $3)";
const CONSUME_TOKEN: &str = "UPDATE rpc_one_time_tokens SET consumed_at = $2 \
     WHERE token_hash = $1 AND consumed_at IS NULL AND expires_at > $2";
const TOKEN_STATE: &str = "SELECT consumed_at FROM rpc_one_time_tokens WHERE token_hash = $1";
const PURGE_EXPIRED: &str =
    "DELETE FROM rpc_one_time_tokens WHERE consumed_at IS NULL AND expires_at < $1";
const PURGE_CONSUMED: &str =
    "DELETE FROM rpc_one_time_tokens WHERE consumed_at IS NOT NULL AND consumed_at < $1";
const SELECT_POLICY: &str = "SELECT document FROM rpc_policy_document WHERE id = 1";
const UPSERT_POLICY: &str = "INSERT INTO rpc_policy_document (id, document, updated_at) \
     VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE \
     SET document = excluded.document, updated_at = excluded.updated_at";
const DELETE_POLICY: &str = "DELETE FROM rpc_policy_document WHERE id = 1";

/// Runs `$body` with `$pool` bound to the store's pool, whichever backend it is.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// The database behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (or memory), embedded in the process.
    Sqlite,
    /// A PostgreSQL server, shared by every replica.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
        })
    }
}

/// What consuming a one-time token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenCheck {
    /// The token was valid and is now consumed: no later request can use it.
    Valid,
    /// No such token (never issued, malformed, or purged).
    Unknown,
    /// The token was never used and its time ran out.
    Expired,
    /// The token was consumed before.
    Used,
}

/// The token and policy store; cheap to clone (clones share one connection pool).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The database, its password redacted.
    target: Arc<str>,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store and brings its schema up to date. `url`: a PostgreSQL or SQLite URL (see
    /// [`normalize_url`]); `None` → an SQLite file at [`default_sqlite_path`], its parent
    /// directories created 0700 and the file 0600.
    pub async fn connect(url: Option<&DatabaseUrl>) -> Result<Store, StoreError> {
        match url {
            Some(url) => Self::connect_url(url.expose()).await,
            None => {
                let path = default_sqlite_path();
                let target = format!("sqlite://{}", path.display());
                let options = SqliteConnectOptions::new().filename(&path);
                Self::connect_sqlite(options, Some(&path), target).await
            }
        }
    }

    /// Like [`Store::connect`], from a URL as text.
    pub async fn connect_url(url: &str) -> Result<Store, StoreError> {
        let parsed = dburl::parse(url)?;
        let target = dburl::redact(parsed.url());
        match parsed {
            Target::Postgres(url) => {
                let options = PgConnectOptions::from_str(&url)
                    .map_err(|e| classify(&target, "read the URL", e))?;
                Self::connect_postgres(options, target).await
            }
            Target::SqliteFile(url) => {
                let options = SqliteConnectOptions::from_str(&url)
                    .map_err(|e| classify(&target, "read the URL", e))?;
                let path = options.get_filename().to_path_buf();
                Self::connect_sqlite(options, Some(&path), target).await
            }
            Target::SqliteMemory => {
                let options = SqliteConnectOptions::from_str(Target::SqliteMemory.url())
                    .map_err(|e| classify(&target, "read the URL", e))?;
                Self::connect_sqlite(options, None, target).await
            }
        }
    }

    async fn connect_postgres(
        mut options: PgConnectOptions,
        target: String,
    ) -> Result<Store, StoreError> {
        if options.get_application_name().is_none() {
            options = options.application_name("rpc");
        }
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_POOL_SIZE)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .idle_timeout(Duration::from_secs(300))
            .max_lifetime(Duration::from_secs(1800))
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .map_err(|e| classify(&target, "connect", e))?;
        if let Err(e) = migrate_postgres(&pool).await {
            // Closing drops the connection and with it the advisory lock it may hold.
            pool.close().await;
            return Err(classify_migration(&target, e));
        }
        let store = Store {
            pool: Pool::Postgres(pool),
            target: target.into(),
        };
        tracing::info!(backend = %store.backend(), target = %store.target, "store ready");
        Ok(store)
    }

    /// `file`: the database file, `None` in memory.
    async fn connect_sqlite(
        options: SqliteConnectOptions,
        file: Option<&Path>,
        target: String,
    ) -> Result<Store, StoreError> {
        let options = options.busy_timeout(SQLITE_BUSY_TIMEOUT);
        let pool_options = SqlitePoolOptions::new()
            .max_connections(SQLITE_POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT);
        let (options, pool_options) = match file {
            Some(path) => {
                prepare_sqlite_file(path)
                    .await
                    .map_err(|e| StoreError::Config {
                        reason: format!("cannot create the SQLite database {target}: {e}"),
                    })?;
                let options = options
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal);
                (options, pool_options.min_connections(0))
            }
            // An in-memory database lives as long as one of its connections: keep one forever.
            None => (
                options,
                pool_options
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None),
            ),
        };
        // Processes opening a new file together race to switch it to WAL; SQLite can answer
        // BUSY there without waiting, so such a start is retried a few times.
        let mut attempt: u32 = 0;
        let pool = loop {
            attempt += 1;
            let opened = match pool_options.clone().connect_with(options.clone()).await {
                Ok(pool) => match migrate_sqlite(&pool).await {
                    Ok(()) => Ok(pool),
                    Err(e) => {
                        pool.close().await;
                        Err(classify_migration(&target, e))
                    }
                },
                Err(e) => Err(classify(&target, "connect", e)),
            };
            match opened {
                Ok(pool) => break pool,
                Err(err) if err.is_unavailable() && file.is_some() && attempt < 5 => {
                    tracing::debug!(%err, attempt, "SQLite busy while opening; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                }
                Err(err) => return Err(err),
            }
        };
        let store = Store {
            pool: Pool::Sqlite(pool),
            target: target.into(),
        };
        tracing::info!(backend = %store.backend(), target = %store.target, "store ready");
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the database is, its password redacted: for logs and messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Checks that the database answers (`SELECT 1`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run("ping", async {
            with_pool!(self, |pool| sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(drop))?;
            Ok(())
        })
        .await
    }

    /// Issues a one-time token valid for `ttl` (rounded up to whole seconds; zero: already
    /// expired). Returns the token; only its SHA-256 is stored.
    pub async fn issue_token(&self, ttl: Duration) -> Result<Secret, StoreError> {
        const ACTION: &str = "issue a token";
        let token = random_hex(32).map_err(|source| StoreError::Query {
            target: self.target.to_string(),
            action: ACTION,
            source: sqlx::Error::Io(source),
        })?;
        let hash = sha256_hex(&token);
        let now = unix_now();
        let ttl_secs = i64::try_from(ttl.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_add(i64::from(ttl.subsec_nanos() > 0));
        let expires_at = now.saturating_add(ttl_secs);
        self.run(ACTION, async {
            with_pool!(self, |pool| {
                sqlx::query(INSERT_TOKEN)
                    .bind(hash.as_str())
                    .bind(now)
                    .bind(expires_at)
                    .execute(pool)
                    .await
                    .map(drop)
            })
        })
        .await?;
        tracing::debug!(
            token_hash = short(&hash),
            expires_at,
            "issued a one-time token"
        );
        Ok(Secret::new(token))
    }

    /// Consumes a one-time token: `Valid` exactly once (atomically, whatever the concurrency
    /// and the number of replicas), then `Used`; `Expired` once its time ran out unused;
    /// `Unknown` if never issued (or malformed, or purged).
    pub async fn consume_token(&self, token: &str) -> Result<TokenCheck, StoreError> {
        if !is_token_shaped(token) {
            tracing::debug!(outcome = ?TokenCheck::Unknown, "malformed one-time token");
            return Ok(TokenCheck::Unknown);
        }
        let hash = sha256_hex(token);
        let now = unix_now();
        let check = self
            .run("consume a token", async {
                let consumed = with_pool!(self, |pool| {
                    sqlx::query(CONSUME_TOKEN)
                        .bind(hash.as_str())
                        .bind(now)
                        .execute(pool)
                        .await?
                        .rows_affected()
                });
                if consumed > 0 {
                    return Ok(TokenCheck::Valid);
                }
                // Missed: tell why. A row that exists unconsumed failed the expiry test.
                let state: Option<Option<i64>> = with_pool!(self, |pool| {
                    sqlx::query_scalar(TOKEN_STATE)
                        .bind(hash.as_str())
                        .fetch_optional(pool)
                        .await?
                });
                Ok(match state {
                    None => TokenCheck::Unknown,
                    Some(Some(_)) => TokenCheck::Used,
                    Some(None) => TokenCheck::Expired,
                })
            })
            .await?;
        tracing::debug!(token_hash = short(&hash), outcome = ?check, "consumed a one-time token");
        Ok(check)
    }

    /// Deletes tokens that expired, or were consumed, more than a day ago. Returns how many of
    /// the deleted tokens expired unused.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let cutoff = unix_now().saturating_sub(KEEP_SECS);
        let (expired, consumed) = self
            .run("purge old tokens", async {
                let expired = with_pool!(self, |pool| {
                    sqlx::query(PURGE_EXPIRED)
                        .bind(cutoff)
                        .execute(pool)
                        .await?
                        .rows_affected()
                });
                let consumed = with_pool!(self, |pool| {
                    sqlx::query(PURGE_CONSUMED)
                        .bind(cutoff)
                        .execute(pool)
                        .await?
                        .rows_affected()
                });
                Ok((expired, consumed))
            })
            .await?;
        tracing::debug!(expired, consumed, "purged old one-time tokens");
        Ok(expired)
    }

    /// The stored policy document (JSON text), if one was posted.
    pub async fn policy(&self) -> Result<Option<String>, StoreError> {
        let document: Option<String> = self
            .run("read the policy", async {
                with_pool!(self, |pool| {
                    sqlx::query_scalar(SELECT_POLICY).fetch_optional(pool).await
                })
            })
            .await?;
        tracing::debug!(
            stored = document.is_some(),
            bytes = document.as_ref().map_or(0, String::len),
            "read the policy document"
        );
        Ok(document)
    }

    /// Stores the policy document (JSON text), replacing any previous one.
    pub async fn set_policy(&self, document_json: &str) -> Result<(), StoreError> {
        let now = unix_now();
        self.run("store the policy", async {
            with_pool!(self, |pool| {
                sqlx::query(UPSERT_POLICY)
                    .bind(document_json)
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(drop)
            })
        })
        .await?;
        tracing::debug!(bytes = document_json.len(), "stored the policy document");
        Ok(())
    }

    /// Removes the stored policy document, if any.
    pub async fn clear_policy(&self) -> Result<(), StoreError> {
        let removed = self
            .run("clear the policy", async {
                with_pool!(self, |pool| {
                    sqlx::query(DELETE_POLICY)
                        .execute(pool)
                        .await
                        .map(|done| done.rows_affected())
                })
            })
            .await?;
        tracing::debug!(removed, "cleared the policy document");
        Ok(())
    }

    /// Closes every connection (on shutdown); later calls fail as unavailable.
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await);
    }

    /// Runs one operation under [`OPERATION_TIMEOUT`], classifying its errors.
    async fn run<T>(
        &self,
        action: &'static str,
        operation: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let outcome = match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
            Ok(outcome) => outcome,
            Err(_) => Err(sqlx::Error::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {} s", OPERATION_TIMEOUT.as_secs()),
            ))),
        };
        outcome.map_err(|e| {
            let err = classify(&self.target, action, e);
            tracing::debug!(error = %err, unavailable = err.is_unavailable(), "store operation failed");
            err
        })
    }
}

/// The SQLite file used when no database URL is given: `$XDG_DATA_HOME/rpc/rpc.db` (usually
/// `~/.local/share/rpc/rpc.db`), or `./rpc.db` when there is no data directory.
pub fn default_sqlite_path() -> PathBuf {
    dirs::data_dir().map_or_else(
        || PathBuf::from("rpc.db"),
        |dir| dir.join("rpc").join("rpc.db"),
    )
}

/// Normalises a database URL for sqlx. Accepted: `postgresql+psycopg2://`,
/// `postgresql+psycopg://`, `postgresql+asyncpg://`, `postgresql://`, `postgres://` (→
/// `postgres://…`, everything after the scheme kept); `sqlite:///abs/path`,
/// `sqlite:////abs/path` (SQLAlchemy's absolute form), `sqlite://relative/path` (→
/// `sqlite://PATH?mode=rwc`, other parameters kept); `sqlite::memory:` and `sqlite://`
/// (in memory). Anything else is a [`StoreError::Config`] naming the scheme; no error shows
/// the password.
pub fn normalize_url(url: &str) -> Result<String, StoreError> {
    dburl::parse(url).map(|target| target.url().to_owned())
}

/// Migrates a PostgreSQL database; replicas starting together wait on sqlx's advisory lock.
///
/// `Migrator::run_direct` rather than `Migrator::run`: the latter's `Acquire` bound makes the
/// future not `Send` for every lifetime ("implementation of `Acquire` is not general enough"),
/// so that `Store::connect` could not be spawned.
async fn migrate_postgres(pool: &PgPool) -> Result<(), MigrateError> {
    let mut conn = pool.acquire().await?;
    migrate::migrator(Backend::Postgres)
        .run_direct(None, &mut *conn, false)
        .await
}

/// Migrates an SQLite database inside `BEGIN IMMEDIATE`: SQLite has no advisory lock, and this
/// serialises processes opening one file together (each migration runs in a savepoint).
async fn migrate_sqlite(pool: &SqlitePool) -> Result<(), MigrateError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    migrate::migrator(Backend::Sqlite)
        .run_direct(None, &mut *tx, false)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates the parent directories (0700) and the file (0600) of an SQLite database, so that
/// SQLite (which creates its `-wal` and `-shm` files with the database's mode) never makes it
/// readable by others.
async fn prepare_sqlite_file(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .await?;
    }
    let created = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .await;
    match created {
        Ok(_) => {
            tracing::debug!(path = %path.display(), "created the SQLite database file");
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let mode = tokio::fs::metadata(path).await?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format_args!("{:04o}", mode & 0o7777),
                    "the SQLite database is readable by group or others; run chmod 600 on it"
                );
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `bytes` bytes from the OS random source, as lowercase hex.
fn random_hex(bytes: usize) -> io::Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(hex(&buf))
}

fn sha256_hex(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Whether `token` looks like one rpc issues (64 lowercase hex characters).
fn is_token_shaped(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The first characters of a hash: enough to follow a token through the logs, useless to
/// anyone else.
fn short(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
