//! Documentation that must keep up with the code: the example configuration and the README.

use rpc::config::KEYS;

use crate::support::repo_root;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

#[test]
fn example_config_documents_every_key_in_its_section() {
    let example = read("examples/config.toml");
    let mut section = String::new();
    let mut documented = Vec::new();
    for line in example.lines() {
        let line = line.trim_start_matches('#').trim();
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = name.to_owned();
        } else if let Some((key, _)) = line.split_once(" =") {
            documented.push(format!("{section}.{}", key.trim()));
        }
    }
    for spec in KEYS {
        assert!(
            documented.contains(&spec.dotted()),
            "examples/config.toml does not document {}",
            spec.dotted()
        );
    }
}

#[test]
fn readme_lists_every_environment_variable_and_key() {
    let readme = read("README.md");
    for var in rpc::env_vars::all() {
        assert!(
            readme.contains(&format!("`{}`", var.name)),
            "README.md does not list {}",
            var.name
        );
    }
    for spec in KEYS {
        assert!(
            readme.contains(&format!("`{}`", spec.dotted())),
            "README.md does not list {}",
            spec.dotted()
        );
    }
}

#[test]
fn readme_test_command_is_what_ci_runs() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let command = readme
        .lines()
        .find(|line| line.starts_with("cargo nextest run"))
        .expect("README has a `cargo nextest run` line");
    assert!(ci.contains(command), ".ci/run does not run `{command}`");
}

#[test]
fn readme_documents_every_rule_code() {
    let readme = read("README.md");
    for (code, _) in rpc::policy::rules::CODES {
        assert!(
            readme.contains(&format!("`{code}`")),
            "README.md does not document {code}"
        );
    }
    for rule in rpc::policy::RuleId::ALL {
        assert!(
            readme.contains(&format!("`{}`", rule.family())),
            "README.md lacks {}",
            rule.family()
        );
    }
}
