//! GitHub requests and wall time per `rpc policy check`, against the fake GitHub.
//!
//! Run with `cargo bench --bench policy`. For each scenario it reports the requests of a cold
//! check (empty cache), of a warm one (second check, cache on: every request should be a 304),
//! and the median wall time of 10 checks with 50 ms added to every GitHub response.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/background.rs"]
mod background;

#[allow(dead_code, missing_docs)]
#[path = "../tests/support/fake_github.rs"]
mod fake_github;
#[allow(dead_code)]
#[path = "../tests/support/scenario.rs"]
mod scenario;

use std::path::Path;
use std::time::{Duration, Instant};

use fake_github::{FakeGitHub, TOKEN};
use rpc::github::{ClientSettings, Credentials, GitHub};
use rpc::policy::{self, Job, JobFlags, PolicyDocument};
use rpc::secrets::Secret;
use scenario::{PHRASE, REPO, SHA};

const RUNS: usize = 10;

/// The scenario of the policy tests, with the fork's commit approved.
fn fake() -> FakeGitHub {
    let fake = scenario::github();
    fake.add_comment(REPO, 7, "maintainer", &scenario::approval());
    fake
}

fn job(source: Option<&str>) -> Job {
    let flags = JobFlags {
        repo: Some(REPO.into()),
        event: Some(
            if source.is_some() {
                "pull_request"
            } else {
                "push"
            }
            .into(),
        ),
        source_repo: source.map(str::to_owned),
        base_ref: Some("main".into()),
        head_ref: Some("feature".into()),
        sha: Some(SHA.into()),
        event_payload: None,
    };
    Job::from_flags(&flags).expect("valid job")
}

fn client(fake: &FakeGitHub, cache: Option<&Path>) -> GitHub {
    GitHub::new(ClientSettings {
        base_url: fake.url().parse().expect("url"),
        credentials: Credentials::Token(Secret::new(TOKEN)),
        timeout: Duration::from_secs(10),
        retry_budget: Duration::from_secs(20),
        cache_dir: cache.map(Path::to_path_buf),
    })
    .expect("client")
}

struct Row {
    name: &'static str,
    cold: u64,
    warm_fresh: u64,
    warm_304: u64,
    cold_ms: f64,
    warm_ms: f64,
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn measure(runtime: &tokio::runtime::Runtime, name: &'static str, job: &Job) -> Row {
    let document = PolicyDocument::builtin(false);
    let fake = fake();
    let check =
        |github: &GitHub| runtime.block_on(policy::check(job, &document, Some(github), PHRASE));

    let cold = check(&client(&fake, None));
    assert_eq!(
        cold.verdict,
        policy::Decision::Pass,
        "{name}: {:?}",
        cold.rules
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let cached = client(&fake, Some(dir.path()));
    check(&cached);
    let warm = check(&cached);

    fake.set_latency(Duration::from_millis(50));
    let mut cold_times = Vec::new();
    let mut warm_times = Vec::new();
    for _ in 0..RUNS {
        let github = client(&fake, None);
        let start = Instant::now();
        check(&github);
        cold_times.push(start.elapsed());
        let start = Instant::now();
        check(&cached);
        warm_times.push(start.elapsed());
    }
    Row {
        name,
        cold: cold.github.requests,
        warm_fresh: warm.github.requests - warm.github.not_modified,
        warm_304: warm.github.not_modified,
        cold_ms: median(cold_times),
        warm_ms: median(warm_times),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Building an octocrab client needs the runtime's context.
    let _context = runtime.enter();
    let rows = [
        measure(&runtime, "same-repo pull_request", &job(Some(REPO))),
        measure(
            &runtime,
            "fork pull_request, approved",
            &job(Some("contributor/app")),
        ),
        measure(&runtime, "push", &job(None)),
    ];
    println!(
        "| scenario | requests cold | warm: non-304 | warm: 304 | wall cold, 50 ms RTT | wall warm, 50 ms RTT |"
    );
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {:.0} ms | {:.0} ms |",
            row.name, row.cold, row.warm_fresh, row.warm_304, row.cold_ms, row.warm_ms
        );
    }
}
