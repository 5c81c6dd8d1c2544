//! The schema migrations, embedded in the binary (see `migrations/README.md`).

use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// The table recording applied migrations. Not sqlx's default `_sqlx_migrations`, so that a
/// database shared with another sqlx application keeps the two histories apart.
pub(super) const TABLE: &str = "rpc_schema_migrations";

/// One migration, in the SQL of each backend.
struct Embedded {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every migration, oldest first. Never edit a released one: add a new version.
const MIGRATIONS: &[Embedded] = &[Embedded {
    version: 1,
    description: "tokens and policy",
    sqlite: include_str!("../../migrations/sqlite/0001_tokens_and_policy.sql"),
    postgres: include_str!("../../migrations/postgres/0001_tokens_and_policy.sql"),
}];

/// The migrator of a backend. Migrations applied by a newer rpc are ignored (not an error), so
/// that replicas of the previous version keep running during a rolling upgrade.
pub(super) fn migrator(backend: Backend) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|m| {
            let sql = match backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            Migration::new(
                m.version,
                Cow::Borrowed(m.description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    let mut migrator = Migrator::with_migrations(migrations);
    migrator.dangerous_set_table_name(TABLE);
    migrator.set_ignore_missing(true);
    migrator
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_both_backends_have_every_migration() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        for m in MIGRATIONS {
            assert!(!m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty());
        }
        assert_eq!(migrator(Backend::Sqlite).iter().count(), MIGRATIONS.len());
        assert_eq!(migrator(Backend::Postgres).iter().count(), MIGRATIONS.len());
    }
}
