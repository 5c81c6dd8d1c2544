//! The OS keyring as the last place a secret may come from (cargo feature `keyring`).
//!
//! Stores are tried in order: the Secret Service (a desktop session's keyring over D-Bus), then
//! the kernel's keyutils. A machine with neither (a server, a container) simply finds nothing.
//! Entries use service `rpc` and the credential's name as user, e.g. `github_token`.

use std::sync::Once;

use super::Secret;

/// The keyring service name under which rpc's secrets are stored.
pub const SERVICE: &str = "rpc";

static INIT: Once = Once::new();

/// Installs the first usable platform store, unless a store is already set (tests set a mock).
fn ensure_store() {
    INIT.call_once(|| {
        if keyring_core::get_default_store().is_some() {
            return;
        }
        match zbus_secret_service_keyring_store::Store::new() {
            Ok(store) => keyring_core::set_default_store(store),
            Err(err) => {
                tracing::debug!(%err, "Secret Service keyring unavailable");
                match linux_keyutils_keyring_store::Store::new() {
                    Ok(store) => keyring_core::set_default_store(store),
                    Err(err) => tracing::debug!(%err, "keyutils keyring unavailable"),
                }
            }
        }
    });
}

/// Looks up `name` in the keyring. Any keyring failure counts as "not there", logged at debug.
pub fn lookup(name: &str) -> Option<Secret> {
    ensure_store();
    keyring_core::get_default_store()?;
    let entry = keyring_core::Entry::new(SERVICE, name)
        .inspect_err(|err| tracing::debug!(%err, name, "keyring entry unavailable"))
        .ok()?;
    match entry.get_password() {
        Ok(password) => Some(Secret::new(password)),
        Err(keyring_core::Error::NoEntry) => None,
        Err(err) => {
            tracing::debug!(%err, name, "keyring lookup failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{StoredSource, resolve_stored};

    #[test]
    fn keyring_is_the_last_resort() {
        keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
        keyring_core::Entry::new(SERVICE, "github_token")
            .unwrap()
            .set_password("from-keyring")
            .unwrap();

        let (secret, source) = resolve_stored("github_token", None, None).unwrap().unwrap();
        assert_eq!(secret.expose(), "from-keyring");
        assert_eq!(source, StoredSource::Keyring);
        assert!(resolve_stored("charm_token", None, None).unwrap().is_none());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "from-file").unwrap();
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let (secret, source) = resolve_stored("github_token", None, Some(&file))
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), "from-file");
        assert_eq!(source, StoredSource::File(file));
    }
}
