//! Test helpers: an `rpc()` command builder with a clean environment.

pub mod background;
pub mod cloud_suite;
pub mod fake_cloud;
pub mod fake_github;
pub mod scenario;
pub mod server;
pub mod tcp_proxy;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The repository root.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An `rpc` invocation in a scrubbed environment: no `RPC_*`, `GITHUB_*`, `FLASK_*`, `OS_*`,
/// `RUST_LOG` or `CI` from the developer's shell, and a private HOME and XDG config directory.
pub struct Rpc {
    command: Command,
    /// The private home directory; config files for a test go here.
    pub home: TempDir,
}

/// A new `rpc` invocation.
pub fn rpc() -> Rpc {
    let home = tempfile::tempdir().expect("temporary home");
    let mut command = Command::cargo_bin("rpc").expect("rpc binary");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .current_dir(home.path());
    Rpc { command, home }
}

impl Rpc {
    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Writes a file under the private home with the given mode; returns its path.
    pub fn file(&self, name: &str, content: &str, mode: u32) -> PathBuf {
        write_file(&self.home.path().join(name), content, mode)
    }

    /// Runs and asserts the exit code; returns stdout and stderr.
    pub fn run(mut self, code: i32) -> Output {
        let output = self.command.output().expect("run rpc");
        let out = Output {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert_eq!(
            output.status.code(),
            Some(code),
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            out.stdout,
            out.stderr
        );
        out
    }
}

/// What an invocation printed.
#[derive(Debug)]
pub struct Output {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).expect("stdout is JSON")
    }

    /// Stderr parsed as one JSON object.
    pub fn stderr_json(&self) -> serde_json::Value {
        serde_json::from_str(self.stderr.trim()).expect("stderr is one JSON object")
    }
}

/// Writes `content` to `path` (creating parents) with `mode`.
pub fn write_file(path: &Path, content: &str, mode: u32) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(path, content).expect("write file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path.to_path_buf()
}
