//! Local ed25519 keypairs: generated here (Nova ≥ 2.92 no longer generates keys), the private
//! half written 0600 and never sent anywhere, the public half registered with
//! [`Cloud::create_keypair`](super::Cloud::create_keypair).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, LineEnding, PrivateKey};

use super::error::CloudError;

/// A keypair whose private half is in a local file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalKey {
    /// The public key, OpenSSH format (`ssh-ed25519 AAAA… comment`).
    pub public_key: String,
    /// The SHA-256 fingerprint (`SHA256:…`), as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The private key file (mode 0600).
    pub private_key_path: PathBuf,
}

fn file_error(path: &Path, what: &str, err: impl std::fmt::Display) -> CloudError {
    CloudError::Config {
        detail: format!("cannot {what} {}: {err}", path.display()),
        hint: "check the directory exists and is writable by the user running rpc".into(),
    }
}

/// Generates an ed25519 keypair from the OS RNG and writes the private key (OpenSSH format) to
/// `path` with mode 0600, replacing any file there atomically (written to a temporary file in
/// the same directory, then renamed). Blocking: a few hundred bytes.
pub fn generate_ed25519(path: &Path, comment: &str) -> Result<LocalKey, CloudError> {
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)
        .map_err(|err| file_error(path, "generate a key for", err))?;
    key.set_comment(comment);
    let pem = key
        .to_openssh(LineEnding::LF)
        .map_err(|err| file_error(path, "encode", err))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path.file_name().ok_or_else(|| CloudError::Config {
        detail: format!("{} is not a file path", path.display()),
        hint: "give a file name for the private key".into(),
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let _ = fs::remove_file(&tmp);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(pem.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    if let Err(err) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(file_error(path, "write", err));
    }
    describe(&key, path)
}

/// Reads a private key written by [`generate_ed25519`] (to reuse it), refusing one readable by
/// others than its owner.
pub fn load(path: &Path) -> Result<LocalKey, CloudError> {
    let mode = fs::metadata(path)
        .map_err(|err| file_error(path, "read", err))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CloudError::Config {
            detail: format!("private key {} has mode {:o}", path.display(), mode & 0o777),
            hint: format!(
                "run `chmod 600 {}`, or delete it to have rpc make a new one",
                path.display()
            ),
        });
    }
    let key = PrivateKey::read_openssh_file(path).map_err(|err| file_error(path, "read", err))?;
    describe(&key, path)
}

fn describe(key: &PrivateKey, path: &Path) -> Result<LocalKey, CloudError> {
    let public = key.public_key();
    Ok(LocalKey {
        public_key: public
            .to_openssh()
            .map_err(|err| file_error(path, "encode", err))?,
        fingerprint: public.fingerprint(ssh_key::HashAlg::Sha256).to_string(),
        private_key_path: path.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_ed25519_0600_and_loads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("runner-1-runner-abc");
        let key = generate_ed25519(&path, "rpc runner-1").expect("generate");
        assert!(
            key.public_key.starts_with("ssh-ed25519 "),
            "{}",
            key.public_key
        );
        assert!(key.public_key.ends_with(" rpc runner-1"));
        assert!(key.fingerprint.starts_with("SHA256:"));
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load(&path).expect("load"), key);
        // Regenerating replaces the key atomically and leaves no temporary file.
        let again = generate_ed25519(&path, "rpc runner-1").expect("again");
        assert_ne!(again.public_key, key.public_key);
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn a_key_readable_by_others_is_refused_and_a_missing_dir_is_a_config_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k");
        generate_ed25519(&path, "c").expect("generate");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load(&path).expect_err("refused");
        assert!(err.is_config());
        assert!(err.hint().is_some_and(|h| h.contains("chmod 600")));
        let err = generate_ed25519(&dir.path().join("missing/k"), "c").expect_err("no dir");
        assert!(err.is_config());
    }
}
