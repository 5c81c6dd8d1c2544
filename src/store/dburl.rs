//! Database URLs: the SQLAlchemy-style spellings the reference service accepted, normalised to
//! what sqlx understands, and their redacted form for messages and logs.

use super::StoreError;

/// Where a normalised URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A PostgreSQL URL, `postgres://…`.
    Postgres(String),
    /// An SQLite URL, `sqlite://PATH?…mode=rwc`.
    SqliteFile(String),
    /// An SQLite database in memory (one per process; gone when the store is closed).
    SqliteMemory,
}

impl Target {
    /// The URL sqlx connects to.
    pub(super) fn url(&self) -> &str {
        match self {
            Self::Postgres(url) | Self::SqliteFile(url) => url,
            Self::SqliteMemory => MEMORY,
        }
    }
}

const MEMORY: &str = "sqlite::memory:";

/// Schemes of PostgreSQL URLs: libpq's and SQLAlchemy's with a driver name.
const POSTGRES_SCHEMES: [&str; 5] = [
    "postgres",
    "postgresql",
    "postgresql+psycopg2",
    "postgresql+psycopg",
    "postgresql+asyncpg",
];

/// Schemes of SQLite URLs: sqlx's and SQLAlchemy's.
const SQLITE_SCHEMES: [&str; 2] = ["sqlite", "sqlite+pysqlite"];

/// Parses and normalises a database URL; see [`normalize_url`](super::normalize_url).
pub(super) fn parse(url: &str) -> Result<Target, StoreError> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once(':').filter(|(s, _)| is_scheme(s)) else {
        return Err(StoreError::Config {
            reason: "the database URL has no scheme; expected postgresql://… or sqlite://…".into(),
        });
    };
    let scheme = scheme.to_ascii_lowercase();
    if POSTGRES_SCHEMES.contains(&scheme.as_str()) {
        let Some(rest) = rest.strip_prefix("//") else {
            return Err(StoreError::Config {
                reason: format!("a `{scheme}:` URL must start with `{scheme}://`"),
            });
        };
        return Ok(Target::Postgres(format!("postgres://{rest}")));
    }
    if SQLITE_SCHEMES.contains(&scheme.as_str()) {
        return sqlite(rest);
    }
    Err(StoreError::Config {
        reason: format!(
            "unsupported database URL scheme `{scheme}`; rpc stores its data in PostgreSQL \
             (postgresql://…) or SQLite (sqlite://…)"
        ),
    })
}

/// The part of an SQLite URL after `sqlite:`.
fn sqlite(rest: &str) -> Result<Target, StoreError> {
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    // `sqlite://PATH` (sqlx, SQLAlchemy) or `sqlite:PATH` (sqlx).
    let path = path.strip_prefix("//").unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        // `sqlite://` is SQLAlchemy's in-memory database.
        return match query {
            None | Some("") => Ok(Target::SqliteMemory),
            Some(_) => Err(StoreError::Config {
                reason: "an in-memory SQLite URL takes no parameters".into(),
            }),
        };
    }
    // SQLAlchemy's absolute form has four slashes: `sqlite:////var/lib/rpc.db`.
    let path = match path.strip_prefix("//") {
        Some(abs) => format!("/{}", abs.trim_start_matches('/')),
        None => path.to_owned(),
    };
    let mut params: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    Ok(Target::SqliteFile(format!(
        "sqlite://{path}?{}",
        params.join("&")
    )))
}

/// Whether `s` can be a URL scheme (so that it may be named in a message).
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The URL with its password, if any, replaced by `<redacted>`; for messages and logs.
pub(super) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string().replace("REDACTED", "<redacted>")
        }
        Ok(parsed) => parsed.to_string(),
        // Unparseable: could hold anything, so show only its scheme.
        Err(_) => match url.split_once(':') {
            Some((scheme, _)) if is_scheme(scheme) => format!("{scheme}:<redacted>"),
            _ => "<redacted>".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::normalize_url;

    #[test]
    fn normalises_the_reference_services_urls() {
        let table = [
            (
                "postgresql+psycopg2://rpc:pw@db:5432/rpc?sslmode=require",
                "postgres://rpc:pw@db:5432/rpc?sslmode=require",
            ),
            ("postgresql+psycopg://u@h/d", "postgres://u@h/d"),
            (
                "postgresql+asyncpg://u:p@h:6543/d",
                "postgres://u:p@h:6543/d",
            ),
            ("postgresql://u:p@h/d", "postgres://u:p@h/d"),
            ("postgres://u:p@h/d", "postgres://u:p@h/d"),
            ("PostgreSQL://u@h/d", "postgres://u@h/d"),
            ("  postgres://h/d \n", "postgres://h/d"),
            (
                "postgresql:///d?host=/run/postgresql",
                "postgres:///d?host=/run/postgresql",
            ),
            (
                "sqlite:///var/lib/rpc/rpc.db",
                "sqlite:///var/lib/rpc/rpc.db?mode=rwc",
            ),
            (
                "sqlite:////var/lib/rpc/rpc.db",
                "sqlite:///var/lib/rpc/rpc.db?mode=rwc",
            ),
            ("sqlite://rpc.db", "sqlite://rpc.db?mode=rwc"),
            ("sqlite://data/rpc.db", "sqlite://data/rpc.db?mode=rwc"),
            ("sqlite:rpc.db", "sqlite://rpc.db?mode=rwc"),
            (
                "sqlite+pysqlite:////tmp/x.db",
                "sqlite:///tmp/x.db?mode=rwc",
            ),
            ("sqlite:///tmp/x.db?mode=ro", "sqlite:///tmp/x.db?mode=ro"),
            (
                "sqlite:///tmp/x.db?cache=private",
                "sqlite:///tmp/x.db?cache=private&mode=rwc",
            ),
            ("sqlite::memory:", "sqlite::memory:"),
            ("sqlite://:memory:", "sqlite::memory:"),
            ("sqlite://", "sqlite::memory:"),
        ];
        for (given, expected) in table {
            assert_eq!(normalize_url(given).unwrap(), expected, "{given}");
        }
    }

    #[test]
    fn rejects_other_schemes_without_echoing_secrets() {
        for (given, named) in [
            ("mysql://root:hunter2@db/rpc", "`mysql`"),
            ("mysql+pymysql://root:hunter2@db/rpc", "`mysql+pymysql`"),
            ("redis://:hunter2@cache", "`redis`"),
            ("postgresql:hunter2@db/rpc", "postgresql://"),
            ("hunter2", "no scheme"),
            ("user hunter2:x", "no scheme"),
            ("sqlite::memory:?hunter2", "no parameters"),
        ] {
            let err = normalize_url(given).unwrap_err();
            assert!(matches!(err, StoreError::Config { .. }), "{given}: {err:?}");
            let text = err.to_string();
            assert!(text.contains(named), "{given}: {text}");
            assert!(!text.contains("hunter2"), "{given}: {text}");
            assert!(!format!("{err:?}").contains("hunter2"), "{given}: {err:?}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://rpc:hunter2@db:5432/rpc"),
            "postgres://rpc:<redacted>@db:5432/rpc"
        );
        assert_eq!(redact("postgres://rpc@db/rpc"), "postgres://rpc@db/rpc");
        assert_eq!(
            redact("postgres://rpc:hun ter2@[db/rpc"),
            "postgres:<redacted>"
        );
        assert_eq!(
            redact("sqlite:///tmp/x.db?mode=rwc"),
            "sqlite:///tmp/x.db?mode=rwc"
        );
    }
}
