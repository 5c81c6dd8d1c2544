//! On-disk cache of GitHub GET responses, revalidated with ETags on every use.
//!
//! Entries live under `<cache dir>/<API host>/<credential hash>/<request hash>.json`, so two
//! credentials (or two App installations) never share answers. Directories are 0700 and files
//! 0600. A corrupt or unreadable entry is ignored: the request is simply sent unconditionally.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A cached response body with the ETag GitHub gave it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The `ETag` header.
    pub etag: String,
    /// The body.
    pub body: serde_json::Value,
}

/// The cache of one API host and credential.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Hex SHA-256 of `text`.
pub fn hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl Cache {
    /// The cache under `root` for `host` and the credential identified by `credential_id`
    /// (hashed here; never stored in clear).
    pub fn new(root: &Path, host: &str, credential_id: &str) -> Self {
        let host: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Self {
            dir: root.join(host).join(&hash(credential_id)[..32]),
        }
    }

    fn path(&self, request: &str) -> PathBuf {
        self.dir.join(format!("{}.json", &hash(request)[..40]))
    }

    /// The entry for `request` (path and query), if a readable one exists.
    pub fn load(&self, request: &str) -> Option<Entry> {
        let bytes = fs::read(self.path(request)).ok()?;
        match serde_json::from_slice(&bytes) {
            Ok(entry) => Some(entry),
            Err(err) => {
                tracing::debug!(%err, request, "ignoring corrupt cache entry");
                None
            }
        }
    }

    /// Stores an entry; failures are logged and otherwise ignored.
    pub fn store(&self, request: &str, entry: &Entry) {
        if let Err(err) = self.try_store(request, entry) {
            tracing::debug!(%err, request, "could not write cache entry");
        }
    }

    fn try_store(&self, request: &str, entry: &Entry) -> std::io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let path = self.path(request);
        // Unique per process and write: concurrent checks may store the same request.
        let temporary = path.with_extension(format!(
            "tmp{}-{}",
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(&serde_json::to_vec(entry)?)?;
        file.sync_data()?;
        fs::rename(&temporary, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn round_trip_private_files_and_separate_credentials() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::new(root.path(), "api.github.com", "token-a");
        let entry = Entry {
            etag: "W/\"1\"".into(),
            body: serde_json::json!({"a": 1}),
        };
        cache.store("/repos/o/r", &entry);
        let loaded = cache.load("/repos/o/r").unwrap();
        assert_eq!(loaded.etag, "W/\"1\"");
        assert_eq!(loaded.body, entry.body);

        let mode = fs::metadata(cache.path("/repos/o/r"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(&cache.dir).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);

        let other = Cache::new(root.path(), "api.github.com", "token-b");
        assert!(other.load("/repos/o/r").is_none());
        assert!(!cache.dir.to_string_lossy().contains("token-a"));
    }

    #[test]
    fn corrupt_entries_are_ignored() {
        let root = tempfile::tempdir().unwrap();
        let cache = Cache::new(root.path(), "127.0.0.1:1", "t");
        cache.store(
            "/x",
            &Entry {
                etag: "e".into(),
                body: serde_json::Value::Null,
            },
        );
        fs::write(cache.path("/x"), b"{not json").unwrap();
        assert!(cache.load("/x").is_none());
    }
}
