//! `rpc config check`: layering, sources, file errors, secrets.

use serde_json::Value;

use crate::support::{Output, repo_root, rpc, write_file};

fn setting<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|setting| setting["key"] == key)
        .unwrap_or_else(|| panic!("no setting {key} in {report}"))
}

/// `rpc config check` of a file with `content` that must fail with exit 2; the file's path and
/// what was printed.
fn failing_config(content: &str, mode: u32) -> (std::path::PathBuf, Output) {
    let cmd = rpc();
    let path = cmd.file("rpc.toml", content, mode);
    let output = cmd
        .args(["--config", path.to_str().unwrap(), "config", "check"])
        .run(2);
    (path, output)
}

const FILE: &str =
    "[serve]\nlisten = \"10.0.0.1:1000\"\nshadow = true\n\n[github]\ntimeout = \"3s\"\n";

#[test]
fn file_then_env_then_flag() {
    // File only.
    let cmd = rpc();
    let path = cmd.file("rpc.toml", FILE, 0o644);
    let report = cmd
        .args([
            "--config",
            path.to_str().unwrap(),
            "config",
            "check",
            "--output",
            "json",
        ])
        .run(0)
        .json();
    let listen = setting(&report, "serve.listen");
    assert_eq!(listen["value"], "10.0.0.1:1000");
    assert_eq!(listen["source"], "file");
    assert_eq!(listen["origin"], format!("{}:2", path.display()));
    assert_eq!(setting(&report, "github.timeout")["value"], "3s");
    assert_eq!(setting(&report, "github.url")["source"], "default");

    // Environment beats the file.
    let cmd = rpc();
    let path = cmd.file("rpc.toml", FILE, 0o644);
    let report = cmd
        .env("RPC_SERVE_LISTEN", "10.0.0.2:2000")
        .args([
            "--config",
            path.to_str().unwrap(),
            "config",
            "check",
            "--output",
            "json",
        ])
        .run(0)
        .json();
    let listen = setting(&report, "serve.listen");
    assert_eq!(listen["value"], "10.0.0.2:2000");
    assert_eq!(listen["source"], "env");
    assert_eq!(listen["origin"], "RPC_SERVE_LISTEN");
    assert_eq!(setting(&report, "serve.shadow")["source"], "file");

    // A flag beats both.
    let cmd = rpc();
    let path = cmd.file("rpc.toml", FILE, 0o644);
    let report = cmd
        .env("RPC_SERVE_LISTEN", "10.0.0.2:2000")
        .args([
            "--config",
            path.to_str().unwrap(),
            "config",
            "check",
            "--output",
            "json",
        ])
        .args(["--set", "serve.listen=10.0.0.3:3000"])
        .run(0)
        .json();
    let listen = setting(&report, "serve.listen");
    assert_eq!(listen["value"], "10.0.0.3:3000");
    assert_eq!(listen["source"], "flag");
    assert_eq!(listen["origin"], "--set");
}

#[test]
fn human_table_shows_sources() {
    let cmd = rpc();
    let path = cmd.file("rpc.toml", FILE, 0o644);
    let output = cmd
        .env("GITHUB_API_URL", "https://ghes.example/api/v3")
        .args(["--config", path.to_str().unwrap(), "config", "check"])
        .run(0);
    let line = |key: &str| {
        output
            .stdout
            .lines()
            .find(|line| line.contains(key))
            .unwrap_or_else(|| panic!("no {key} in\n{}", output.stdout))
            .to_owned()
    };
    assert!(line("github.url").contains("env GITHUB_API_URL"));
    assert!(line("serve.listen").contains(&format!("file {}:2", path.display())));
    assert!(line("github.retry_budget").contains("default"));
    assert!(
        output
            .stdout
            .starts_with(&format!("configuration file: {}", path.display()))
    );
}

#[test]
fn rpc_config_env_and_discovered_file() {
    let cmd = rpc();
    let path = cmd.file(
        "elsewhere.toml",
        "[runners]\nprefix = \"from-env-file\"\n",
        0o644,
    );
    let report = cmd
        .env("RPC_CONFIG", &path)
        .args(["config", "check", "--output", "json"])
        .run(0)
        .json();
    assert_eq!(setting(&report, "runners.prefix")["value"], "from-env-file");

    let cmd = rpc();
    let path = cmd.file(
        "config/rpc/config.toml",
        "[runners]\nprefix = \"xdg\"\n",
        0o644,
    );
    let report = cmd
        .args(["config", "check", "--output", "json"])
        .run(0)
        .json();
    assert_eq!(report["file"], path.to_str().unwrap());
    assert_eq!(setting(&report, "runners.prefix")["value"], "xdg");
}

#[test]
fn unknown_key_names_key_file_and_line() {
    let (path, output) = failing_config(
        "[github]\nurl = \"https://x.example\"\n\ntokn_file = \"/x\"\n",
        0o644,
    );
    assert!(
        output.stderr.contains(&format!(
            "error: {}:4: unknown key `tokn_file` in [github]",
            path.display()
        )),
        "{}",
        output.stderr
    );
    assert!(
        output
            .stderr
            .contains("hint: keys of [github]: url, token,"),
        "{}",
        output.stderr
    );
}

#[test]
fn unknown_section_names_it() {
    let (path, output) = failing_config("[serve]\n[servr]\nlisten = 1\n", 0o644);
    assert!(
        output
            .stderr
            .contains(&format!("{}:2: unknown section [servr]", path.display())),
        "{}",
        output.stderr
    );
}

#[test]
fn wrong_type_names_key_file_and_line() {
    let (path, output) = failing_config(
        "[serve]\nlisten = \"127.0.0.1:1\"\nshadow = \"yes\"\n",
        0o644,
    );
    assert!(
        output.stderr.contains(&format!(
            "error: {}:3: `serve.shadow` expects a boolean (true or false), found string",
            path.display()
        )),
        "{}",
        output.stderr
    );

    let (_, output) = failing_config("[github]\napp_id = -4\n", 0o644);
    assert!(
        output.stderr.contains(":2: `github.app_id`"),
        "{}",
        output.stderr
    );
}

#[test]
fn invalid_toml_names_the_line() {
    let (path, output) = failing_config("[serve]\nlisten = \"x\n", 0o644);
    assert!(
        output
            .stderr
            .contains(&format!("{}:2: invalid TOML", path.display())),
        "{}",
        output.stderr
    );
}

#[test]
fn missing_explicit_file_is_a_usage_error() {
    let output = rpc()
        .args(["--config", "/nonexistent/rpc.toml", "config", "check"])
        .run(2);
    assert!(
        output
            .stderr
            .contains("cannot read configuration file /nonexistent/rpc.toml"),
        "{}",
        output.stderr
    );
}

#[test]
fn bad_env_and_flag_values_name_their_source() {
    let output = rpc()
        .env("RPC_GITHUB_TIMEOUT", "soon")
        .args(["config", "check"])
        .run(2);
    assert!(
        output.stderr.contains(
            "environment variable RPC_GITHUB_TIMEOUT: `github.timeout` expects a duration"
        ),
        "{}",
        output.stderr
    );
    let output = rpc()
        .args(["config", "check", "--set", "serve.listen=nowhere"])
        .run(2);
    assert!(
        output.stderr.contains("flag --set: `serve.listen`"),
        "{}",
        output.stderr
    );
    let output = rpc()
        .args(["config", "check", "--set", "serve.port=1"])
        .run(2);
    assert!(
        output
            .stderr
            .contains("unknown configuration key `serve.port`"),
        "{}",
        output.stderr
    );
}

#[test]
fn secret_in_the_file_is_refused() {
    let (_, output) = failing_config("[github]\ntoken = \"ghp_in_file\"\n", 0o600);
    assert!(
        output.stderr.contains(":2: `github.token` is a secret"),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains("token_file"), "{}", output.stderr);
    assert!(!output.stderr.contains("ghp_in_file"));
}

#[test]
fn world_readable_secret_file_is_refused() {
    let cmd = rpc();
    let secret = cmd.file("github-token", "ghp_world_readable\n", 0o644);
    let config = cmd.file(
        "rpc.toml",
        &format!("[github]\ntoken_file = {:?}\n", secret.to_str().unwrap()),
        0o644,
    );
    let output = cmd
        .args(["--config", config.to_str().unwrap(), "config", "check"])
        .run(2);
    assert!(
        output.stderr.contains(&format!(
            "`github.token`: secret file {} is readable by group or others (mode 0644)",
            secret.display()
        )),
        "{}",
        output.stderr
    );
    assert!(
        output
            .stderr
            .contains(&format!("hint: run `chmod 600 {}`", secret.display()))
    );
    assert!(!output.stderr.contains("ghp_world_readable"));
}

#[test]
fn secret_from_private_file_and_credentials_directory() {
    let cmd = rpc();
    let secret = cmd.file("github-token", "ghp_private_file\n", 0o600);
    let creds = cmd.home.path().join("creds");
    write_file(
        &creds.join("serve_charm_token"),
        "charm_from_systemd",
        0o400,
    );
    let output = cmd
        .env("RPC_GITHUB_TOKEN_FILE", &secret)
        .env("CREDENTIALS_DIRECTORY", &creds)
        .args(["config", "check", "--output", "json"])
        .run(0);
    let report = output.json();
    let token = setting(&report, "github.token");
    assert_eq!(token["value"], "<redacted>");
    assert_eq!(token["source"], "secret-file");
    assert_eq!(token["origin"], secret.to_str().unwrap());
    let charm = setting(&report, "serve.charm_token");
    assert_eq!(charm["source"], "credentials-directory");
    assert!(!output.stdout.contains("ghp_private_file"));
    assert!(!output.stdout.contains("charm_from_systemd"));
}

#[test]
fn secrets_from_env_never_appear() {
    let secrets = [
        ("GITHUB_APP_PRIVATE_KEY", "-----BEGIN KEY----- sekrit-pem"),
        ("CHARM_TOKEN", "charm-sekrit-123"),
        ("RPC_POLICY_SERVER_TOKEN", "one-time-sekrit-456"),
        (
            "DATABASE_URL",
            "postgresql://rpc:db-sekrit-789@db.example/rpc",
        ),
    ];
    let check = |args: &[&str]| {
        let mut cmd = rpc().env("GITHUB_APP_ID", "42").args(args);
        for (name, value) in secrets {
            cmd = cmd.env(name, value);
        }
        let output = cmd.run(0);
        for (_, value) in secrets {
            let needle = value.rsplit(' ').next().unwrap();
            let needle = needle
                .split('@')
                .next()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap();
            assert!(
                !output.stdout.contains(needle),
                "{needle} in stdout of {args:?}"
            );
            assert!(
                !output.stderr.contains(needle),
                "{needle} in stderr of {args:?}"
            );
        }
        output
    };
    let human = check(&["config", "check"]);
    assert!(
        human
            .stdout
            .contains("postgresql://rpc:<redacted>@db.example/rpc")
    );
    let json = check(&["config", "check", "--output", "json"]).json();
    assert_eq!(setting(&json, "serve.charm_token")["value"], "<redacted>");
    assert_eq!(setting(&json, "serve.charm_token")["origin"], "CHARM_TOKEN");
    // The trace log includes the Debug form of the whole configuration.
    let logs = check(&["-vvv", "config", "check"]);
    assert!(
        logs.stderr.contains("effective configuration"),
        "{}",
        logs.stderr
    );
    assert!(
        logs.stderr.contains("Secret(<redacted>)"),
        "{}",
        logs.stderr
    );
    let logs = check(&["-vvv", "--log-format", "json", "config", "check"]);
    assert!(
        logs.stderr
            .lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok())
    );
}

#[test]
fn unknown_rpc_variable_is_a_warning() {
    let output = rpc()
        .env("RPC_GITHUB_TOKN", "x")
        .args(["config", "check", "--output", "json"])
        .run(0);
    assert!(
        output
            .stderr
            .contains("unknown environment variable RPC_GITHUB_TOKN")
    );
    let report = output.json();
    assert_eq!(
        report["warnings"][0],
        "unknown environment variable RPC_GITHUB_TOKN is ignored"
    );
}

#[test]
fn rust_log_overrides_verbosity() {
    let output = rpc()
        .env("RUST_LOG", "rpc=debug")
        .args(["-q", "config", "check"])
        .run(0);
    assert!(
        output.stderr.contains("configuration file"),
        "{}",
        output.stderr
    );
    let output = rpc()
        .args(["-q", "config", "check"])
        .env("RPC_X", "1")
        .run(0);
    assert!(output.stderr.is_empty(), "{}", output.stderr);
}

#[test]
fn example_config_passes() {
    let example = repo_root().join("examples/config.toml");
    let output = rpc()
        .args([
            "--config",
            example.to_str().unwrap(),
            "config",
            "check",
            "--output",
            "json",
        ])
        .run(0);
    let report = output.json();
    let from_file = report["settings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|setting| setting["source"] == "file")
        .count();
    assert!(from_file > 5, "the example sets few keys: {report}");
}
