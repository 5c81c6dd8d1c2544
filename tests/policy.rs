//! `rpc policy check` through the real binary against the fake GitHub: every row of the
//! reference behaviour table, and every improvement.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::fake_github::{
    BypassActor, FakeGitHub, Fault, FaultKind, Protection, Ruleset, RulesetRule, TOKEN,
};
use crate::support::scenario::{FORK, PHRASE, REPO, SHA, approval, github, pull};
use crate::support::{Output, Rpc, repo_root, rpc, write_file};

/// `rpc policy check` with the fake's URL and token, JSON output and no cache.
fn check(fake: &FakeGitHub) -> Rpc {
    rpc()
        .env("GITHUB_TOKEN", TOKEN)
        .args(["policy", "check", "--output", "json", "--no-cache"])
        .args(["--github-url", &fake.url()])
}

fn pr_args(source: &str, base: &str) -> Vec<String> {
    [
        "--repo",
        REPO,
        "--event",
        "pull_request",
        "--source-repo",
        source,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([
        "--base-ref".into(),
        base.into(),
        "--head-ref".into(),
        "feature".into(),
    ])
    .chain(["--sha".into(), SHA.into()])
    .collect()
}

fn fork_pr(fake: &FakeGitHub) -> Rpc {
    check(fake).args(pr_args(FORK, "main"))
}

/// The verdict, the result of each rule by name, and the code of the deciding rule.
struct Verdict {
    json: Value,
}

impl Verdict {
    fn of(output: &Output) -> Self {
        Self {
            json: output.json(),
        }
    }
    fn verdict(&self) -> &str {
        self.json["verdict"].as_str().unwrap()
    }
    fn rule(&self, name: &str) -> &Value {
        self.json["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|rule| rule["name"] == name)
            .unwrap_or_else(|| panic!("no rule {name} in {}", self.json))
    }
    /// A text field of a rule, e.g. its `reason`.
    fn text(&self, name: &str, field: &str) -> &str {
        self.rule(name)[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} of {name} in {}", self.json))
    }
    fn result(&self, name: &str) -> &str {
        self.rule(name)["result"].as_str().unwrap()
    }
    fn code(&self, name: &str) -> &str {
        self.rule(name)["code"].as_str().unwrap()
    }
    fn requests(&self) -> u64 {
        self.json["github"]["requests"].as_u64().unwrap()
    }
}

fn verdict(cmd: Rpc, code: i32) -> Verdict {
    Verdict::of(&cmd.run(code))
}

// --- branch job types: collaborators -------------------------------------------------------

#[test]
fn branch_jobs_pass_without_outside_writers() {
    let fake = github();
    for event in ["push", "workflow_dispatch", "schedule"] {
        let v = verdict(check(&fake).args(["--repo", REPO, "--event", event]), 0);
        assert_eq!(v.verdict(), "pass", "{event}");
        assert_eq!(v.json["job"]["type"], event);
        assert_eq!(v.result("collaborators"), "pass");
        assert_eq!(v.result("author_association"), "skip");
        assert_eq!(v.json["rules"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn other_events_are_checked_as_push() {
    let fake = github();
    let v = verdict(
        check(&fake).args(["--repo", REPO, "--event", "issue_comment"]),
        0,
    );
    assert_eq!(v.json["job"]["type"], "push");
    assert_eq!(v.json["job"]["event"], "issue_comment");
}

#[test]
fn outside_collaborator_above_read_fails() {
    let fake = github();
    fake.add_collaborator(REPO, "outsider", "triage", true);
    fake.add_collaborator(REPO, "admin-inside", "admin", false);
    let v = verdict(check(&fake).args(["--repo", REPO, "--event", "push"]), 1);
    assert_eq!(v.verdict(), "fail");
    assert_eq!(v.code("collaborators"), "RPC-OC-001");
    let reason = v.text("collaborators", "reason");
    assert!(reason.contains("outsider (triage)"), "{reason}");
    assert!(
        !reason.contains("admin-inside") && !reason.contains("reader"),
        "{reason}"
    );
}

#[test]
fn collaborators_are_read_to_the_last_page() {
    let fake = github();
    for i in 0..150 {
        fake.add_collaborator(REPO, &format!("outside-reader-{i:03}"), "read", true);
    }
    for i in 0..100 {
        fake.add_collaborator(REPO, &format!("outside-triage-{i:03}"), "triage", true);
    }
    fake.add_collaborator(REPO, "zz-last-writer", "write", true);
    let v = verdict(check(&fake).args(["--repo", REPO, "--event", "push"]), 1);
    let reason = v.text("collaborators", "reason");
    assert!(reason.contains("zz-last-writer (write)"), "{reason}");
    assert_eq!(
        fake.count("GET", "/collaborators"),
        2,
        "101 outside collaborators above read: 2 pages"
    );
}

#[test]
fn repository_not_found_fails() {
    let fake = github();
    let v = verdict(
        check(&fake).args(["--repo", "canonical/missing", "--event", "push"]),
        1,
    );
    assert_eq!(v.code("collaborators"), "RPC-OC-002");
    assert!(
        v.text("collaborators", "reason")
            .contains("not set up correctly")
    );
}

// --- pull_request: target branch protection ------------------------------------------------

#[test]
fn same_repository_pull_request_passes_cheaply() {
    let fake = github();
    let v = verdict(check(&fake).args(pr_args(REPO, "main")), 0);
    assert_eq!(v.verdict(), "pass");
    for rule in [
        "target_branch_protection",
        "collaborators",
        "disallow_fork",
        "execute_job",
    ] {
        let expected = if rule == "disallow_fork" {
            "skip"
        } else {
            "pass"
        };
        assert_eq!(v.result(rule), expected, "{rule}: {}", v.json);
    }
    assert_eq!(
        v.requests(),
        5,
        "repo, branch, rules, protection, collaborators"
    );
    assert_eq!(fake.requests().len(), 5);
}

#[test]
fn unprotected_target_branch_fails() {
    let fake = github();
    fake.add_branch(REPO, "open", false);
    let v = verdict(check(&fake).args(pr_args(REPO, "open")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-001");
    assert_eq!(v.rule("target_branch_protection")["actual"], "unprotected");
    assert!(
        v.text("target_branch_protection", "remediation")
            .contains("Settings")
    );
}

#[test]
fn missing_target_branch_fails() {
    let fake = github();
    let v = verdict(check(&fake).args(pr_args(REPO, "nope")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-004");
    let reason = v.text("target_branch_protection", "reason");
    assert!(
        reason.contains("branch nope could not be found"),
        "{reason}"
    );
}

#[test]
fn default_branch_without_required_reviews_fails() {
    let fake = github();
    fake.set_protection(REPO, "main", Protection::default());
    let v = verdict(check(&fake).args(pr_args(REPO, "main")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-002");
    // First failure wins: later rules are not reached.
    assert_eq!(v.result("collaborators"), "skip");
    assert_eq!(v.rule("collaborators")["reason"], "not reached");
}

#[test]
fn other_branch_of_same_repository_needs_only_protection() {
    let fake = github();
    let v = verdict(check(&fake).args(pr_args(REPO, "develop")), 0);
    assert_eq!(v.result("target_branch_protection"), "pass");
}

#[test]
fn fork_into_other_branch_needs_reviews() {
    let fake = github();
    fake.add_collaborator(REPO, "contributor", "write", false);
    let v = verdict(check(&fake).args(pr_args(FORK, "develop")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-002");
}

#[test]
fn bypass_allowances_fail() {
    let fake = github();
    fake.set_protection(
        REPO,
        "main",
        Protection {
            required_reviews: true,
            required_approving_review_count: 1,
            bypass_users: vec!["release-bot".into()],
            ..Protection::default()
        },
    );
    let v = verdict(check(&fake).args(pr_args(REPO, "main")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-003");
    let actual = v.text("target_branch_protection", "actual");
    assert!(actual.contains("user release-bot"), "{actual}");
}

fn ruleset(id: u64, bypass: Option<Vec<BypassActor>>, enforcement: &str) -> Ruleset {
    Ruleset {
        id,
        name: format!("protect main {id}"),
        source_type: "Organization".into(),
        source: "canonical".into(),
        branches: vec!["main".into()],
        enforcement: enforcement.into(),
        rules: vec![
            RulesetRule::Deletion,
            RulesetRule::PullRequest {
                required_approving_review_count: 1,
            },
        ],
        bypass_actors: bypass,
    }
}

/// A repository whose `main` is protected only by a ruleset.
fn ruleset_only(bypass: Option<Vec<BypassActor>>, enforcement: &str) -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(REPO, false, "main");
    fake.add_ruleset(REPO, ruleset(11, bypass, enforcement));
    fake
}

#[test]
fn ruleset_only_protection_passes() {
    let fake = ruleset_only(Some(vec![]), "active");
    let v = verdict(check(&fake).args(pr_args(REPO, "main")), 0);
    assert_eq!(v.result("target_branch_protection"), "pass");
    let reason = v.text("target_branch_protection", "reason");
    assert!(reason.contains("ruleset"), "{reason}");
}

#[test]
fn ruleset_bypass_actors_fail() {
    let actor = BypassActor {
        actor_id: Some(5),
        actor_type: "RepositoryRole".into(),
        bypass_mode: "always".into(),
    };
    let fake = ruleset_only(Some(vec![actor]), "active");
    let v = verdict(check(&fake).args(pr_args(REPO, "main")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-003");
    assert!(
        v.text("target_branch_protection", "actual")
            .contains("RepositoryRole 5")
    );
}

#[test]
fn hidden_ruleset_bypass_actors_are_an_error() {
    let fake = ruleset_only(None, "active");
    let output = check(&fake).args(pr_args(REPO, "main")).run(3);
    let v = Verdict::of(&output);
    assert_eq!(v.verdict(), "error");
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-005");
    assert!(
        v.text("target_branch_protection", "remediation")
            .contains("Administration")
    );
}

#[test]
fn disabled_ruleset_does_not_protect() {
    let fake = ruleset_only(Some(vec![]), "disabled");
    let v = verdict(check(&fake).args(pr_args(REPO, "main")), 1);
    assert_eq!(v.code("target_branch_protection"), "RPC-BP-001");
}

// --- pull_request: fork rules ---------------------------------------------------------------

#[test]
fn fork_approved_by_a_writer_passes() {
    let fake = github();
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let v = verdict(fork_pr(&fake), 0);
    assert_eq!(v.result("execute_job"), "pass");
    assert!(v.text("execute_job", "reason").contains("maintainer"));
    assert_eq!(
        v.result("disallow_fork"),
        "skip",
        "disabled in the default policy"
    );
}

#[test]
fn quoted_approval_does_not_count() {
    let fake = github();
    fake.add_comment(
        REPO,
        7,
        "maintainer",
        &format!("> {PHRASE} {SHA}\nquoting the bot"),
    );
    let v = verdict(fork_pr(&fake), 1);
    assert_eq!(v.code("execute_job"), "RPC-EJ-003");
    assert!(
        v.text("execute_job", "expected")
            .contains(&format!("{PHRASE} {SHA}"))
    );
}

#[test]
fn approval_of_another_commit_does_not_count() {
    let fake = github();
    fake.add_comment(
        REPO,
        7,
        "maintainer",
        &format!("{PHRASE} {}", "f".repeat(40)),
    );
    let v = verdict(fork_pr(&fake), 1);
    assert_eq!(v.code("execute_job"), "RPC-EJ-003");
}

#[test]
fn approval_by_a_non_writer_does_not_count() {
    let fake = github();
    fake.add_collaborator(REPO, "triager", "triage", false);
    fake.add_comment(REPO, 7, "triager", &approval());
    fake.add_comment(REPO, 7, "contributor", &approval());
    let v = verdict(fork_pr(&fake), 1);
    assert_eq!(v.code("execute_job"), "RPC-EJ-004");
    let actual = v.text("execute_job", "actual");
    assert!(
        actual.contains("triager") && actual.contains("contributor"),
        "{actual}"
    );
}

#[test]
fn fork_without_pull_request_or_comments_fails() {
    let fake = github();
    let v = verdict(fork_pr(&fake), 1);
    assert_eq!(v.code("execute_job"), "RPC-EJ-002");

    let fake = github();
    fake.add_user("someone");
    let v = verdict(check(&fake).args(pr_args("someone/app", "main")), 1);
    assert_eq!(v.code("execute_job"), "RPC-EJ-001");
}

#[test]
fn fork_owner_with_write_access_needs_no_approval() {
    for role in ["write", "maintain", "admin"] {
        let fake = github();
        fake.add_collaborator(REPO, "contributor", role, false);
        let v = verdict(fork_pr(&fake), 0);
        assert_eq!(v.result("execute_job"), "pass", "{role}");
        assert_eq!(fake.count("GET", "/comments"), 0, "{role}");
    }
}

#[test]
fn another_forks_pull_request_with_the_same_branch_cannot_hide_the_approved_one() {
    let fake = github();
    fake.add_comment(REPO, 7, "maintainer", &approval());
    fake.add_user("intruder");
    fake.add_pull(REPO, pull(9, "intruder/app", "feature"));
    let v = verdict(fork_pr(&fake), 0);
    assert_eq!(v.result("execute_job"), "pass");
    let pulls = fake
        .requests()
        .into_iter()
        .find(|request| request.path.ends_with("/pulls"))
        .unwrap();
    assert!(
        pulls.query.contains("head=contributor%3Afeature"),
        "{}",
        pulls.query
    );
}

#[test]
fn withdrawn_approval_is_seen_at_once_even_with_the_cache() {
    let fake = github();
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let run = |home: &std::path::Path, code: i32| {
        rpc()
            .env("HOME", home)
            .env("GITHUB_TOKEN", TOKEN)
            .args([
                "policy",
                "check",
                "--output",
                "json",
                "--github-url",
                &fake.url(),
            ])
            .args(pr_args(FORK, "main"))
            .run(code)
    };
    let home = tempfile::tempdir().unwrap();
    Verdict::of(&run(home.path(), 0));
    fake.remove_comments(REPO, 7);
    let v = Verdict::of(&run(home.path(), 1));
    assert_eq!(v.code("execute_job"), "RPC-EJ-002");
}

#[test]
fn disallow_fork_policy() {
    let fake = github();
    let disallow = |fake: &FakeGitHub, source: &str, code: i32| {
        verdict(
            check(fake)
                .env("PULL_REQUEST_DISALLOW_FORK", "true")
                .args(pr_args(source, "main")),
            code,
        )
    };
    let v = disallow(&fake, FORK, 1);
    assert_eq!(v.code("disallow_fork"), "RPC-DF-001");
    for rule in ["target_branch_protection", "collaborators", "execute_job"] {
        assert_eq!(v.rule(rule)["reason"], "disabled by the policy", "{rule}");
    }
    let v = disallow(&fake, REPO, 0);
    assert_eq!(v.result("disallow_fork"), "pass");
    fake.add_collaborator(REPO, "contributor", "admin", false);
    let v = disallow(&fake, FORK, 0);
    assert_eq!(v.result("disallow_fork"), "pass");
    let v = verdict(
        check(&fake)
            .env("PULL_REQUEST_DISALLOW_FORK", "true")
            .args(pr_args("ghost/app", "main")),
        1,
    );
    assert_eq!(v.code("disallow_fork"), "RPC-DF-002");
}

#[test]
fn custom_document_disables_a_rule() {
    let fake = github();
    let with_policy = |text: &str, code: i32| {
        let cmd = check(&fake);
        let policy = cmd.file("policy.yaml", text, 0o644);
        verdict(
            cmd.args(["--policy", policy.to_str().unwrap()])
                .args(pr_args(FORK, "main")),
            code,
        )
    };
    let v = with_policy(
        "pull_request:\n  execute_job: {enabled: false}\n  disallow_fork: {enabled: false}\n",
        0,
    );
    assert_eq!(v.result("execute_job"), "skip");
    assert_eq!(v.rule("execute_job")["reason"], "disabled by the policy");
    // A rule the document does not mention is enabled, as in the reference.
    let v = with_policy("pull_request:\n  execute_job: {enabled: false}\n", 1);
    assert_eq!(v.code("disallow_fork"), "RPC-DF-001");
}

// --- author association ----------------------------------------------------------------------

fn event(name: &str) -> Value {
    let path = repo_root().join(format!("tests/data/events/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fork_event(association: &str) -> Value {
    let mut payload = event("pull_request");
    payload["pull_request"]["head"]["repo"]["full_name"] = json!(FORK);
    payload["pull_request"]["head"]["sha"] = json!(SHA);
    payload["pull_request"]["author_association"] = json!(association);
    payload["repository"]["full_name"] = json!(REPO);
    payload
}

const ASSOCIATION_ONLY: &str = "author_association: {enabled: true}\npull_request:\n  target_branch_protection: {enabled: false}\n  collaborators: {enabled: false}\n  disallow_fork: {enabled: false}\n  execute_job: {enabled: false}\n";

#[test]
fn author_association_from_a_payload_costs_no_request() {
    let fake = github();
    for (association, code) in [
        ("CONTRIBUTOR", 1),
        ("FIRST_TIME_CONTRIBUTOR", 1),
        ("MEMBER", 0),
    ] {
        let cmd = rpc().args(["policy", "check", "--output", "json"]);
        let policy = cmd.file("policy.yaml", ASSOCIATION_ONLY, 0o644);
        let payload = cmd.file("event.json", &fork_event(association).to_string(), 0o644);
        let v = verdict(
            cmd.args(["--policy", policy.to_str().unwrap()])
                .args(["--event-payload", payload.to_str().unwrap()])
                .args(pr_args(FORK, "main")),
            code,
        );
        assert_eq!(v.requests(), 0);
        if code == 1 {
            assert_eq!(v.code("author_association"), "RPC-AA-001");
        }
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn author_association_enabled_without_payload_is_an_error() {
    let cmd = rpc().args(["policy", "check", "--output", "json"]);
    let policy = cmd.file("policy.yaml", ASSOCIATION_ONLY, 0o644);
    let v = verdict(
        cmd.args(["--policy", policy.to_str().unwrap()])
            .args(pr_args(FORK, "main")),
        3,
    );
    assert_eq!(v.code("author_association"), "RPC-AA-003");
}

#[test]
fn from_github_env_reads_the_hook_variables() {
    let fake = github();
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let cmd = check(&fake);
    let payload = cmd.file("event.json", &fork_event("CONTRIBUTOR").to_string(), 0o644);
    let output = cmd
        .args(["--from-github-env"])
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &payload)
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_HEAD_REF", "feature")
        .run(0);
    let v = Verdict::of(&output);
    assert_eq!(v.json["job"]["source_repository"], FORK);
    assert_eq!(v.json["job"]["commit_sha"], SHA);
    assert_eq!(v.result("execute_job"), "pass");

    // A real same-repository payload: the job is the repository's own.
    let cmd = check(&fake);
    let payload = cmd.file("push.json", &event("push").to_string(), 0o644);
    let output = cmd
        .args(["--from-github-env"])
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &payload)
        .run(0);
    assert_eq!(Verdict::of(&output).json["job"]["type"], "push");
}

#[test]
fn missing_input_is_a_usage_error_naming_it() {
    let fake = github();
    let output = check(&fake)
        .args([
            "--repo",
            REPO,
            "--event",
            "pull_request",
            "--source-repo",
            FORK,
            "--base-ref",
            "main",
            "--head-ref",
            "f",
        ])
        .run(2);
    assert!(
        output
            .stderr
            .contains("--sha is required for pull_request jobs"),
        "{}",
        output.stderr
    );

    let output = check(&fake)
        .args(["--from-github-env"])
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_NAME", "push")
        .run(2);
    assert!(
        output.stderr.contains("GITHUB_EVENT_PATH is required"),
        "{}",
        output.stderr
    );

    let output = check(&fake)
        .args(["--repo", "not-a-repo", "--event", "push"])
        .run(2);
    assert_eq!(
        output.stderr_json()["error"],
        "--repo: \"not-a-repo\" is not of the form OWNER/NAME"
    );

    let output = rpc()
        .args(["policy", "check", "--repo", REPO, "--event", "push"])
        .run(2);
    assert!(
        output
            .stderr
            .contains("no GitHub credentials are configured"),
        "{}",
        output.stderr
    );
    assert!(fake.requests().is_empty());
}

// --- failing closed ------------------------------------------------------------------------

#[test]
fn rate_limited_pull_request_listing_is_an_error_not_a_pass() {
    let fake = github();
    fake.fault(Fault::get(
        "/pulls",
        FaultKind::RateLimit {
            reset_in_secs: 3600,
        },
        None,
    ));
    let v = verdict(fork_pr(&fake), 3);
    assert_eq!(v.verdict(), "error");
    assert_eq!(v.code("execute_job"), "RPC-GH-001");
    assert_eq!(
        fake.count("GET", "/pulls"),
        1,
        "a reset an hour away is not waited for"
    );
}

#[test]
fn persistent_server_errors_are_an_error_after_retries() {
    let fake = github();
    fake.fault(Fault::get("/branches/main", FaultKind::Status(502), None));
    let v = verdict(
        check(&fake)
            .args(["--set", "github.retry_budget=5s"])
            .args(pr_args(REPO, "main")),
        3,
    );
    assert_eq!(v.code("target_branch_protection"), "RPC-GH-002");
    assert!(fake.count("GET", "/branches/main") >= 2, "retried");
}

#[test]
fn transient_faults_are_retried() {
    for kind in [
        FaultKind::Status(500),
        FaultKind::TooManyRequests { retry_after: 1 },
        FaultKind::SecondaryRateLimit { retry_after: 1 },
    ] {
        let fake = github();
        fake.fault(Fault::get("/collaborators", kind.clone(), Some(1)));
        let v = verdict(check(&fake).args(["--repo", REPO, "--event", "push"]), 0);
        assert_eq!(v.verdict(), "pass", "{kind:?}");
        assert_eq!(v.requests(), 2, "{kind:?}");
    }
}

#[test]
fn long_retry_after_is_an_error_now() {
    let fake = github();
    fake.fault(Fault::get(
        "/collaborators",
        FaultKind::TooManyRequests { retry_after: 3600 },
        None,
    ));
    let v = verdict(check(&fake).args(["--repo", REPO, "--event", "push"]), 3);
    assert_eq!(v.code("collaborators"), "RPC-GH-001");
    assert_eq!(fake.count("GET", "/collaborators"), 1);
}

#[test]
fn slow_github_times_out_into_an_error() {
    let fake = github();
    fake.fault(Fault::get(
        "/collaborators",
        FaultKind::Slow(Duration::from_secs(5)),
        None,
    ));
    let v = verdict(
        check(&fake)
            .args([
                "--set",
                "github.timeout=1s",
                "--set",
                "github.retry_budget=2s",
            ])
            .args(["--repo", REPO, "--event", "push"]),
        3,
    );
    assert_eq!(v.code("collaborators"), "RPC-GH-002");
    assert!(
        v.text("collaborators", "reason")
            .contains("no answer within")
    );
}

#[test]
fn rejected_credentials_are_an_error() {
    let fake = github();
    let v = verdict(
        check(&fake)
            .env("GITHUB_TOKEN", "ghp_wrong")
            .args(["--repo", REPO, "--event", "push"]),
        3,
    );
    assert_eq!(v.code("collaborators"), "RPC-GH-003");
}

#[test]
fn earlier_failure_wins_over_a_later_error() {
    let fake = github();
    fake.add_branch(REPO, "open", false);
    fake.fault(Fault::get("/collaborators", FaultKind::Status(500), None));
    let v = verdict(
        check(&fake)
            .args(["--set", "github.retry_budget=1s"])
            .args(pr_args(REPO, "open")),
        1,
    );
    assert_eq!(v.verdict(), "fail");
    assert_eq!(v.result("collaborators"), "skip");
}

// --- GitHub App, cache, output ----------------------------------------------------------------

#[test]
fn app_token_is_minted_once_per_check() {
    let fake = github();
    fake.add_installation("canonical", 77);
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let key = std::fs::read_to_string(repo_root().join("tests/data/github-app-key.pem")).unwrap();
    let v = verdict(
        rpc()
            .env(
                "GITHUB_APP_ID",
                crate::support::fake_github::APP_ID.to_string(),
            )
            .env("GITHUB_APP_PRIVATE_KEY", key)
            .args([
                "policy",
                "check",
                "--output",
                "json",
                "--no-cache",
                "--github-url",
                &fake.url(),
            ])
            .args(pr_args(FORK, "main")),
        0,
    );
    assert_eq!(v.verdict(), "pass");
    assert_eq!(fake.count("POST", "/access_tokens"), 1);
    assert_eq!(fake.count("GET", "/installation"), 1);
    let api_requests = fake.requests().len() as u64;
    assert_eq!(
        v.requests(),
        api_requests,
        "the verdict counts the token exchange too"
    );
}

#[test]
fn warm_cache_answers_with_304s() {
    let fake = github();
    fake.add_comment(REPO, 7, "maintainer", &approval());
    let home = tempfile::tempdir().unwrap();
    let run = || {
        Verdict::of(
            &rpc()
                .env("HOME", home.path())
                .env("GITHUB_TOKEN", TOKEN)
                .args([
                    "policy",
                    "check",
                    "--output",
                    "json",
                    "--github-url",
                    &fake.url(),
                ])
                .args(pr_args(FORK, "main"))
                .run(0),
        )
    };
    let cold = run();
    assert_eq!(cold.json["github"]["not_modified"], 0);
    fake.reset_requests();
    let warm = run();
    assert_eq!(warm.requests(), cold.requests());
    assert_eq!(warm.json["github"]["not_modified"], warm.requests());
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.conditional && r.status == 304)
    );

    // A corrupt cache is ignored, never fatal.
    let cache = home.path().join(".cache/rpc/github");
    let mut corrupted = 0;
    for entry in walk(&cache) {
        std::fs::write(entry, b"{garbage").unwrap();
        corrupted += 1;
    }
    assert!(corrupted > 0);
    let recovered = run();
    assert_eq!(recovered.json["github"]["not_modified"], 0);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn human_output_lists_rules_and_the_fix() {
    let fake = github();
    fake.set_protection(REPO, "main", Protection::default());
    let output = rpc()
        .env("GITHUB_TOKEN", TOKEN)
        .args(["policy", "check", "--no-cache", "--github-url", &fake.url()])
        .args(pr_args(REPO, "main"))
        .run(1);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert!(
        lines[0].starts_with("RPC-AA ") && lines[0].contains("skip"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("RPC-BP-002") && lines[1].contains("FAIL"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("verdict: fail")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.trim_start().starts_with("fix:")),
        "{lines:?}"
    );
}

#[test]
fn policy_validate_schema_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_file(
        &dir.path().join("good.yaml"),
        "push:\n  collaborators:\n    enabled: false\n",
        0o644,
    );
    let bad = write_file(
        &dir.path().join("bad.yaml"),
        "pull_request:\n  execute_job:\n    enabled: yes please\n",
        0o644,
    );
    let output = rpc()
        .args(["policy", "validate", good.to_str().unwrap()])
        .run(0);
    assert!(output.stdout.ends_with(": valid\n"), "{}", output.stdout);

    let output = rpc()
        .args(["policy", "validate", bad.to_str().unwrap()])
        .run(1);
    assert!(
        output
            .stdout
            .contains("pull_request.execute_job.enabled: expected a boolean"),
        "{}",
        output.stdout
    );
    rpc()
        .args(["policy", "validate", "/nonexistent.yaml"])
        .run(2);

    let schema = rpc().args(["policy", "schema"]).run(0).json();
    assert_eq!(schema["additionalProperties"], false);

    let shown = rpc()
        .env("PULL_REQUEST_DISALLOW_FORK", "true")
        .args(["policy", "show", "--output", "json"])
        .run(0)
        .json();
    assert_eq!(shown["pull_request"]["disallow_fork"]["enabled"], true);
    assert_eq!(shown["pull_request"]["execute_job"]["enabled"], false);
    assert_eq!(shown["author_association"]["enabled"], false);
}

#[test]
fn example_policy_is_valid_and_equals_the_builtin_default() {
    let example = repo_root().join("examples/policy.yaml");
    rpc()
        .args(["policy", "validate", example.to_str().unwrap()])
        .run(0);
    let shown = rpc()
        .args([
            "policy",
            "show",
            "--output",
            "json",
            "--policy",
            example.to_str().unwrap(),
        ])
        .run(0)
        .json();
    let builtin = rpc()
        .args(["policy", "show", "--output", "json"])
        .run(0)
        .json();
    assert_eq!(shown, builtin);
}

#[test]
fn http_proxy_is_honoured() {
    let fake = github();
    // The API host does not resolve: only the proxy (the fake itself) can answer.
    let v = verdict(
        rpc()
            .env("GITHUB_TOKEN", TOKEN)
            .env("HTTP_PROXY", fake.url())
            .args(["policy", "check", "--output", "json", "--no-cache"])
            .args(["--github-url", "http://github.invalid"])
            .args(["--repo", REPO, "--event", "push"]),
        0,
    );
    assert_eq!(v.verdict(), "pass");
    assert_eq!(fake.count("GET", "/collaborators"), 1);
    let v = verdict(
        rpc()
            .env("GITHUB_TOKEN", TOKEN)
            .env("HTTP_PROXY", fake.url())
            .env("NO_PROXY", "github.invalid")
            .args(["policy", "check", "--output", "json", "--no-cache"])
            .args(["--set", "github.retry_budget=1s"])
            .args(["--github-url", "http://github.invalid"])
            .args(["--repo", REPO, "--event", "push"]),
        3,
    );
    assert_eq!(v.code("collaborators"), "RPC-GH-002");
}
