//! Secret values and where they come from.
//!
//! A secret is held in a [`Secret`] from the moment it is read: its `Debug` and `Display` never
//! show the value. Besides flags and environment variables (handled by the configuration layers),
//! a secret resolves, in this order, from:
//! 1. `$CREDENTIALS_DIRECTORY/<section>_<key>` (systemd's `LoadCredential=`),
//! 2. the file named by the `<key>_file` setting, which must not be readable by group or others,
//! 3. the OS keyring (cargo feature `keyring`; service `rpc`, user `<section>_<key>`).

#[cfg(feature = "keyring")]
pub mod keyring;

use std::fmt;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

/// A secret string: a token, a private key, a password.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value read from a trusted source.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret value, for the one place that must send it somewhere.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What goes wrong while reading a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file could not be read.
    #[error("cannot read secret file {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is readable by group or others.
    #[error("secret file {path} is readable by group or others (mode {mode:04o})")]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file holds nothing but white space.
    #[error("secret file {path} is empty")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl SecretError {
    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::TooOpen { path, .. } => Some(format!(
                "run `chmod 600 {}` so that only its owner can read it",
                path.display()
            )),
            Self::Empty { path } => Some(format!("write the secret into {}", path.display())),
            Self::Unreadable { .. } => None,
        }
    }
}

/// Where a secret was found by [`resolve_stored`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredSource {
    /// `$CREDENTIALS_DIRECTORY/<name>`.
    CredentialsDirectory(PathBuf),
    /// The file named in the configuration.
    File(PathBuf),
    /// The OS keyring.
    Keyring,
}

/// Looks a secret up in the stores that follow flags and environment variables.
///
/// `name` is the credential's name (`github_token`); `credentials_directory` is the value of
/// `$CREDENTIALS_DIRECTORY`; `file` the path from the `<key>_file` setting.
pub fn resolve_stored(
    name: &str,
    credentials_directory: Option<&Path>,
    file: Option<&Path>,
) -> Result<Option<(Secret, StoredSource)>, SecretError> {
    if let Some(dir) = credentials_directory {
        let path = dir.join(name);
        if path.is_file() {
            let secret = read_file(&path)?;
            return Ok(Some((secret, StoredSource::CredentialsDirectory(path))));
        }
    }
    if let Some(path) = file {
        check_private(path)?;
        let secret = read_file(path)?;
        return Ok(Some((secret, StoredSource::File(path.to_path_buf()))));
    }
    #[cfg(feature = "keyring")]
    if let Some(secret) = keyring::lookup(name) {
        return Ok(Some((secret, StoredSource::Keyring)));
    }
    Ok(None)
}

/// Refuses a file that group or others may read.
fn check_private(path: &Path) -> Result<(), SecretError> {
    let metadata = std::fs::metadata(path).map_err(|source| SecretError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Reads a secret file, dropping the trailing line break editors add.
fn read_file(path: &Path) -> Result<Secret, SecretError> {
    let text = std::fs::read_to_string(path).map_err(|source| SecretError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.trim().is_empty() {
        return Err(SecretError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("ghp_very_secret");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(secret.expose(), "ghp_very_secret");
    }

    #[test]
    fn credentials_directory_wins_over_the_configured_file() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("creds");
        fs::create_dir(&creds).unwrap();
        write(&creds, "github_token", "from-systemd\n", 0o400);
        let file = write(dir.path(), "token", "from-file\n", 0o600);

        let (secret, source) = resolve_stored("github_token", Some(&creds), Some(&file))
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "from-systemd");
        assert_eq!(
            source,
            StoredSource::CredentialsDirectory(creds.join("github_token"))
        );

        let (secret, source) = resolve_stored("charm_token", Some(&creds), Some(&file))
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "from-file");
        assert_eq!(source, StoredSource::File(file));
    }

    #[test]
    fn group_or_world_readable_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o640, 0o604, 0o644] {
            let file = write(dir.path(), "token", "x", mode);
            let err = resolve_stored("github_token", None, Some(&file)).unwrap_err();
            assert!(
                matches!(err, SecretError::TooOpen { mode: m, .. } if m == mode),
                "{err}"
            );
            assert!(err.hint().unwrap().contains("chmod 600"));
        }
    }

    #[test]
    fn empty_and_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = write(dir.path(), "empty", "\n", 0o600);
        assert!(matches!(
            resolve_stored("x", None, Some(&empty)),
            Err(SecretError::Empty { .. })
        ));
        let missing = dir.path().join("missing");
        assert!(matches!(
            resolve_stored("x", None, Some(&missing)),
            Err(SecretError::Unreadable { .. })
        ));
    }
}
