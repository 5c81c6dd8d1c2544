//! The CLI contract: help, usage errors, exit codes, error format.

use clap::CommandFactory;
use rpc::cli::Cli;

use crate::support::rpc;

/// Every command path below `rpc`, e.g. `["config", "check"]`.
fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = vec![vec![]];
    walk(&Cli::command(), &[], &mut out);
    out
}

#[test]
fn help_of_every_command() {
    let paths = command_paths();
    assert!(paths.len() >= 5, "{paths:?}");
    for path in paths {
        let output = rpc().args(&path).args(["--help"]).run(0);
        let usage = format!("Usage: rpc {}", path.join(" "));
        assert!(
            output.stdout.contains(usage.trim_end()),
            "`rpc {} --help` lacks {usage:?}:\n{}",
            path.join(" "),
            output.stdout
        );
        assert!(output.stderr.is_empty(), "{}", output.stderr);
    }
}

#[test]
fn version() {
    let output = rpc().args(["--version"]).run(0);
    assert_eq!(
        output.stdout.trim(),
        format!("rpc {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["--bogus"],
        vec![],
        vec!["config"],
        vec!["config", "check", "--output", "yaml"],
        vec!["completions", "tcsh"],
        vec!["config", "check", "-v", "-q"],
    ] {
        let output = rpc().args(&args).run(2);
        assert!(
            output.stderr.contains("error:") || output.stderr.contains("Usage:"),
            "{args:?}: {}",
            output.stderr
        );
    }
}

#[test]
fn usage_error_as_json() {
    let output = rpc().args(["--output", "json", "config", "chek"]).run(2);
    let error = output.stderr_json();
    assert_eq!(error["exit_code"], 2);
    assert!(error["error"].as_str().unwrap().contains("chek"), "{error}");
    let output = rpc()
        .env("RPC_OUTPUT", "json")
        .args(["config", "check", "--set"])
        .run(2);
    assert_eq!(output.stderr_json()["exit_code"], 2);
}

#[test]
fn configuration_error_as_json_on_stderr() {
    let output = rpc()
        .env("GITHUB_TOKEN", "t")
        .env("GITHUB_APP_ID", "1")
        .env("GITHUB_APP_PRIVATE_KEY", "k")
        .args(["config", "check", "--output", "json"])
        .run(2);
    assert!(output.stdout.is_empty(), "{}", output.stdout);
    let error = output.stderr_json();
    assert_eq!(error["exit_code"], 2);
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("env GITHUB_TOKEN"), "{message}");
    assert!(message.contains("env GITHUB_APP_ID"), "{message}");
    assert!(error["hint"].as_str().unwrap().contains("github.token"));
}

#[test]
fn human_error_has_error_and_hint_lines() {
    let output = rpc()
        .args(["config", "check", "--set", "github.token=abc"])
        .run(2);
    let lines: Vec<&str> = output.stderr.lines().collect();
    assert!(
        lines[0].starts_with("error: `github.token` is a secret"),
        "{lines:?}"
    );
    assert!(lines[1].starts_with("hint: "), "{lines:?}");
    assert!(lines[1].contains("RPC_GITHUB_TOKEN"), "{lines:?}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("rpc"))
        .args(["completions", "bash"])
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before rpc writes: its first write fails with EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
