//! Helpers of the real tier: a fresh PostgreSQL database per test.

use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The machine's PostgreSQL (trust authentication for user `postgres`).
pub const POSTGRES: &str = "127.0.0.1:5432";

/// How long connecting to PostgreSQL may take before the test fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A database created for one test, dropped (with any connections still open) when the guard
/// is dropped, even if the test panicked.
pub struct TestDb {
    name: String,
}

impl TestDb {
    /// Creates a database `rpc_<random hex>`.
    pub async fn create() -> TestDb {
        let name = format!("rpc_{}", random_hex(8));
        let mut admin = connect(&admin_url()).await;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name} on {POSTGRES}: {e}"));
        let _ = admin.close().await;
        TestDb { name }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@{POSTGRES}/{}", self.name)
    }

    /// Its URL through a proxy listening on `addr`.
    pub fn url_via(&self, addr: SocketAddr) -> String {
        format!("postgres://postgres@{addr}/{}", self.name)
    }

    /// A direct connection, to look behind the store's back.
    pub async fn connect(&self) -> PgConnection {
        connect(&self.url()).await
    }

    /// Runs a query returning one number.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.connect().await;
        let n = sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = conn.close().await;
        n
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on another future: use a
        // runtime of our own on a thread of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url()).await?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await
            })
        })
        .join();
        if std::thread::panicking() {
            return;
        }
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("cannot drop test database {}: {e}", self.name),
            Err(_) => panic!("dropping test database {} panicked", self.name),
        }
    }
}

/// The address of the machine's PostgreSQL.
pub fn postgres_addr() -> SocketAddr {
    POSTGRES.parse().expect("address")
}

fn admin_url() -> String {
    format!("postgres://postgres@{POSTGRES}/postgres")
}

async fn connect(url: &str) -> PgConnection {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => panic!(
            "PostgreSQL at {POSTGRES} is unreachable or refused user postgres ({e}); the real \
             tier needs it running with trust authentication for user postgres"
        ),
        Err(_) => panic!(
            "PostgreSQL at {POSTGRES} did not answer within {} s; the real tier needs it running",
            CONNECT_TIMEOUT.as_secs()
        ),
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
