//! Throughput and latency of `rpc serve` check endpoints, against the fake GitHub.
//!
//! Run with `cargo bench --bench serve`. For `/push/check-run` and `/pull_request/check-run` (a
//! fork pull request approved by comment), with GitHub answering at once and after 50 ms, and
//! with 1, 8 and 64 concurrent clients, it reports requests per second, p50 and p99 latency, and
//! the server's peak RSS. Every request presents a fresh one-time token, minted beforehand.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/background.rs"]
mod background;

#[allow(dead_code, missing_docs)]
#[path = "../tests/support/fake_github.rs"]
mod fake_github;
#[allow(dead_code)]
#[path = "../tests/support/scenario.rs"]
mod scenario;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fake_github::{FakeGitHub, TOKEN};
use scenario::{REPO, SHA};
use serde_json::{Value, json};

const CHARM: &str = "bench-charm-token";

/// The scenario of the policy tests, with the fork's commit approved.
fn fake() -> FakeGitHub {
    let fake = scenario::github();
    fake.add_comment(REPO, 7, "maintainer", &scenario::approval());
    fake
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(fake: &FakeGitHub, data: &std::path::Path) -> Server {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_rpc"))
        .args(["serve", "--listen", &addr.to_string()])
        .env_clear()
        .env("HOME", data)
        .env("XDG_DATA_HOME", data)
        .env("XDG_CACHE_HOME", data)
        .env("GITHUB_TOKEN", TOKEN)
        .env("RPC_GITHUB_URL", fake.url())
        .env("CHARM_TOKEN", CHARM)
        .env("RPC_SERVE_RATE_LIMIT", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rpc serve");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "rpc serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server {
        child,
        url: format!("http://{addr}"),
    }
}

/// Peak resident set of a process, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

struct Result {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn run(
    server: &str,
    path: &str,
    body: &Value,
    concurrency: usize,
    requests: usize,
) -> Result {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut tokens = Vec::with_capacity(requests);
    for _ in 0..requests {
        let token = client
            .get(format!("{server}/one-time-token"))
            .bearer_auth(CHARM)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        tokens.push(token);
    }
    let tokens = Arc::new(Mutex::new(tokens));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(requests)));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, tokens, latencies) = (client.clone(), tokens.clone(), latencies.clone());
            let (url, body) = (format!("{server}{path}"), body.clone());
            tokio::spawn(async move {
                loop {
                    let Some(token) = tokens.lock().unwrap().pop() else {
                        break;
                    };
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(
                        response.status().as_u16(),
                        204,
                        "{}",
                        response.text().await.unwrap_or_default()
                    );
                    latencies.lock().unwrap().push(sent.elapsed());
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Result {
        rps: requests as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let server = start(&fake, data.path());
    let push = json!({"repository_name": REPO});
    let pull_request = json!({
        "repository_name": REPO,
        "source_repository_name": "contributor/app",
        "target_branch_name": "main",
        "source_branch_name": "feature",
        "commit_sha": SHA,
    });
    println!("| endpoint | GitHub latency | clients | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for latency in [0u64, 50] {
        fake.set_latency(Duration::from_millis(latency));
        for (path, body) in [
            ("/push/check-run", &push),
            ("/pull_request/check-run", &pull_request),
        ] {
            for concurrency in [1, 8, 64] {
                let requests = if latency == 0 {
                    400
                } else {
                    128.max(concurrency * 4)
                };
                let result = runtime.block_on(run(&server.url, path, body, concurrency, requests));
                println!(
                    "| {path} | {latency} ms | {concurrency} | {:.0} | {:.1} ms | {:.1} ms |",
                    result.rps,
                    result.p50.as_secs_f64() * 1000.0,
                    result.p99.as_secs_f64() * 1000.0
                );
            }
        }
    }
    println!(
        "\npeak RSS of rpc serve: {:.1} MiB",
        peak_rss_mib(server.child.id())
    );
}
