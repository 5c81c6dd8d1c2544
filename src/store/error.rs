//! What goes wrong in the store, classified: configuration, unavailable (503), migration, query.

use sqlx::migrate::MigrateError;
use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

/// What goes wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is malformed or names a database rpc does not support: a configuration
    /// error, found before contacting anything.
    #[error("invalid database URL: {reason}")]
    Config {
        /// What is wrong; never contains the password.
        reason: String,
    },
    /// The database cannot serve now: unreachable, connection refused or reset, timed out, no
    /// free connection in the pool, shutting down, refusing rpc's credentials, out of resources.
    /// The server answers 503 and the pool reconnects by itself when the database is back.
    #[error("database {target} is unavailable, cannot {action}: {source}")]
    Unavailable {
        /// The database, its password redacted.
        target: String,
        /// What the store was doing.
        action: &'static str,
        /// Why.
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate the database {target}: {source}")]
    Migration {
        /// The database, its password redacted.
        target: String,
        /// Why.
        source: MigrateError,
    },
    /// Any other database failure.
    #[error("database {target}: cannot {action}: {source}")]
    Query {
        /// The database, its password redacted.
        target: String,
        /// What the store was doing.
        action: &'static str,
        /// Why.
        source: sqlx::Error,
    },
}

impl StoreError {
    /// Whether the database is (for now) out of reach, so that the server answers 503 rather
    /// than 500, and a retry later may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    /// How to fix it, where rpc knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Config { .. } => Some(
                "give a URL such as postgresql://USER:PASSWORD@HOST:5432/DATABASE or \
                 sqlite:///var/lib/rpc/rpc.db; without one, rpc serve keeps its data in an \
                 SQLite file under the XDG data directory"
                    .into(),
            ),
            Self::Unavailable { target, source, .. } => Some(unavailable_hint(target, source)),
            Self::Migration { source, .. } => match source {
                MigrateError::VersionMismatch(version) => Some(format!(
                    "migration {version} in the database differs from the one built into this \
                     rpc: run the rpc version that created the database, or restore a backup"
                )),
                MigrateError::Dirty(version) => Some(format!(
                    "migration {version} failed part-way: repair the schema by hand, then delete \
                     its row from rpc_schema_migrations and restart"
                )),
                _ => None,
            },
            Self::Query { .. } => None,
        }
    }
}

fn unavailable_hint(target: &str, source: &sqlx::Error) -> String {
    let code = match source {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<PgDatabaseError>()
            .map(|pg| pg.code().to_owned()),
        _ => None,
    };
    match code.as_deref() {
        Some(code) if code.starts_with("28") => {
            format!("check the user name and password in the database URL ({target})")
        }
        Some("3D000") => format!("create the database, or fix its name in the URL ({target})"),
        Some(code) if code.starts_with("53") => {
            format!(
                "the database server {target} is out of resources (connections, memory or disk)"
            )
        }
        _ if target.starts_with("sqlite") => format!(
            "another process may hold {target} locked, or its disk is full or failing; \
             rpc serve answers 503 until it can write again"
        ),
        _ => format!(
            "check that the database server {target} is running and reachable; rpc serve \
             answers 503 until it is, and reconnects by itself"
        ),
    }
}

/// Classifies a sqlx error from `action` on `target`.
pub(super) fn classify(target: &str, action: &'static str, source: sqlx::Error) -> StoreError {
    match source {
        sqlx::Error::Configuration(_) => StoreError::Config {
            reason: format!("{target}: {source}"),
        },
        sqlx::Error::Migrate(source) => classify_migration(target, *source),
        source if is_unavailable(&source) => StoreError::Unavailable {
            target: target.to_owned(),
            action,
            source,
        },
        source => StoreError::Query {
            target: target.to_owned(),
            action,
            source,
        },
    }
}

/// Classifies a migration error: a lost connection is still "unavailable".
pub(super) fn classify_migration(target: &str, source: MigrateError) -> StoreError {
    match source {
        MigrateError::Execute(source) | MigrateError::ExecuteMigration(source, _)
            if is_unavailable(&source) =>
        {
            StoreError::Unavailable {
                target: target.to_owned(),
                action: "migrate the schema",
                source,
            }
        }
        source => StoreError::Migration {
            target: target.to_owned(),
            source,
        },
    }
}

/// Whether a sqlx error means the database cannot serve now (rather than a bad query or data).
pub(super) fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                sqlstate_is_unavailable(pg.code())
            } else if db.try_downcast_ref::<SqliteError>().is_some() {
                db.code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .is_some_and(sqlite_code_is_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs of an unavailable database: class 08 (connection exception), 57P
/// (operator intervention: shutting down, starting up), 53 (insufficient resources: too many
/// connections, disk full, out of memory), 28 (rpc's credentials rejected) and 3D000 (the
/// database does not exist).
pub(super) fn sqlstate_is_unavailable(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("57P")
        || code.starts_with("53")
        || code.starts_with("28")
        || code == "3D000"
}

/// SQLite result codes (extended or primary) of a database that cannot serve now:
/// BUSY and LOCKED (past the busy timeout), IOERR, FULL.
fn sqlite_code_is_unavailable(code: i32) -> bool {
    const SQLITE_IOERR: i32 = 10;
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_LOCKED: i32 = 6;
    const SQLITE_FULL: i32 = 13;
    matches!(
        code & 0xff,
        SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_FULL
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn connection_failures_are_unavailable() {
        let unavailable = [
            sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused)),
            sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionReset)),
            sqlx::Error::Io(io::Error::from(io::ErrorKind::UnexpectedEof)),
            sqlx::Error::Tls("handshake failed".into()),
            sqlx::Error::Protocol("unexpected end of stream".into()),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::WorkerCrashed,
        ];
        for error in unavailable {
            let text = error.to_string();
            let err = classify("postgres://db/rpc", "ping", error);
            assert!(err.is_unavailable(), "{text}: {err:?}");
            assert!(err.hint().unwrap().contains("postgres://db/rpc"), "{err:?}");
        }
        for error in [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("x".into()),
        ] {
            let err = classify("postgres://db/rpc", "ping", error);
            assert!(matches!(err, StoreError::Query { .. }), "{err:?}");
            assert!(!err.is_unavailable());
        }
        let err = classify(
            "postgres://db/rpc",
            "connect",
            sqlx::Error::Configuration("bad".into()),
        );
        assert!(matches!(err, StoreError::Config { .. }), "{err:?}");
    }

    #[test]
    fn sqlstates_of_an_unavailable_database() {
        for code in [
            "08000", "08006", "08001", "57P01", "57P02", "57P03", "53300", "28P01", "3D000",
        ] {
            assert!(sqlstate_is_unavailable(code), "{code}");
        }
        for code in ["23505", "42P01", "22P02", "40001", "57014"] {
            assert!(!sqlstate_is_unavailable(code), "{code}");
        }
    }

    #[test]
    fn sqlite_codes_of_an_unavailable_database() {
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED, SQLITE_IOERR_WRITE, SQLITE_FULL.
        for code in [5, 517, 6, 778, 13] {
            assert!(sqlite_code_is_unavailable(code), "{code}");
        }
        // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_ERROR, SQLITE_CORRUPT.
        for code in [1555, 1, 11] {
            assert!(!sqlite_code_is_unavailable(code), "{code}");
        }
    }

    #[test]
    fn lost_connections_during_migration_are_unavailable() {
        let lost = MigrateError::Execute(sqlx::Error::Io(io::ErrorKind::BrokenPipe.into()));
        assert!(classify_migration("postgres://db/rpc", lost).is_unavailable());
        let changed = classify_migration("postgres://db/rpc", MigrateError::VersionMismatch(1));
        assert!(matches!(changed, StoreError::Migration { .. }));
        assert!(changed.hint().unwrap().contains("migration 1"));
    }
}
