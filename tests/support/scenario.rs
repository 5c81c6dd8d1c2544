//! The repository most tests and benchmarks start from, in the fake GitHub.

use super::fake_github::{FakeGitHub, Protection, Pull};

/// The repository.
pub const REPO: &str = "canonical/app";
/// A fork of it.
pub const FORK: &str = "contributor/app";
/// The commit jobs run.
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
/// The default approval phrase.
pub const PHRASE: &str = "/canonical/self-hosted-runners/run-workflows";

/// A repository set up the way the policy wants it: `main` protected with required reviews and
/// no bypass, no outside collaborator above read, a maintainer with write access, and pull
/// request #7 from `contributor/app:feature` into `main` at `SHA`.
pub fn github() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(REPO, false, "main");
    fake.set_protection(
        REPO,
        "main",
        Protection {
            required_reviews: true,
            required_approving_review_count: 1,
            ..Protection::default()
        },
    );
    fake.add_branch(REPO, "develop", true);
    fake.add_collaborator(REPO, "maintainer", "write", false);
    fake.add_collaborator(REPO, "reader", "read", true);
    fake.add_user("contributor");
    fake.add_pull(REPO, pull(7, FORK, "feature"));
    fake
}

/// An open pull request into `main` at `SHA`.
pub fn pull(number: u64, head_repo: &str, head_ref: &str) -> Pull {
    Pull {
        number,
        head_repo: head_repo.into(),
        head_ref: head_ref.into(),
        head_sha: SHA.into(),
        base_ref: "main".into(),
        state: "open".into(),
    }
}

/// A comment approving `SHA`.
pub fn approval() -> String {
    format!("Reviewed, looks safe.\n{PHRASE} {SHA}\n")
}
