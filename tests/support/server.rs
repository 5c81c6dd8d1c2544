//! A running `rpc serve` process for tests, and a small blocking HTTP client.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The charm token test servers accept.
pub const CHARM: &str = "charm-token-for-tests";

/// A free port on 127.0.0.1.
pub fn free_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

/// An `rpc serve` child process; killed when dropped.
pub struct Server {
    child: Option<Child>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its stderr (logs), once it has stopped.
    log: PathBuf,
}

/// How to start a server.
pub struct ServerBuilder {
    command: Command,
    addr: SocketAddr,
    log: PathBuf,
}

impl ServerBuilder {
    /// `rpc serve` with a clean environment, the charm token, and its SQLite file under `data`.
    pub fn new(data: &Path) -> Self {
        let addr = free_addr();
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("rpc"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", data)
            .env("XDG_DATA_HOME", data.join("data"))
            .env("XDG_CONFIG_HOME", data.join("config"))
            .env("XDG_CACHE_HOME", data.join("cache"))
            .env("CHARM_TOKEN", CHARM)
            .args(["serve", "--listen", &addr.to_string()]);
        Self {
            command,
            addr,
            log: data.join(format!("serve-{}.log", addr.port())),
        }
    }

    /// Adds GitHub credentials for `github_url`.
    pub fn github(mut self, github_url: &str, token: &str) -> Self {
        self.command
            .env("GITHUB_TOKEN", token)
            .env("RPC_GITHUB_URL", github_url);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Starts it and waits until it accepts connections.
    pub fn start(mut self) -> Server {
        let log = std::fs::File::create(&self.log).expect("log file");
        let child = self
            .command
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn rpc serve");
        let mut server = Server {
            child: Some(child),
            addr: self.addr,
            log: self.log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(server.addr).is_err() {
            if let Some(child) = server.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("rpc serve exited with {status}:\n{}", server.logs());
            }
            assert!(
                Instant::now() < deadline,
                "rpc serve did not start:\n{}",
                server.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Server {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What it logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().ok()?;
        child.wait().ok()?.code()
    }

    /// Mints a one-time token with the charm token.
    pub fn token(&self) -> String {
        let answer = self.get("/one-time-token", Some(CHARM));
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// `GET path`, with an optional bearer token.
    pub fn get(&self, path: &str, bearer: Option<&str>) -> Answer {
        request("GET", &format!("{}{path}", self.url()), bearer, None, false)
    }

    /// `POST path` with a JSON body and a bearer token, optionally asking for JSON.
    pub fn post(&self, path: &str, bearer: &str, body: &serde_json::Value, json: bool) -> Answer {
        request(
            "POST",
            &format!("{}{path}", self.url()),
            Some(bearer),
            Some(body),
            json,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Body as text.
    pub body: String,
    /// Content type.
    pub content_type: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("{err}: {}", self.body))
    }
}

/// One blocking request: `method url`, optional bearer token and JSON body, optionally asking
/// for JSON.
pub fn request(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&serde_json::Value>,
    json: bool,
) -> Answer {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .expect("client");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client.request(method, url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if json {
            request = request.header("accept", "application/json");
        }
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Answer {
            status,
            body: response.text().await.unwrap_or_default(),
            content_type,
        }
    })
}

/// Runs `count` calls of `call` (given their index) on as many threads at once; their results.
pub fn concurrently<T: Send>(count: usize, call: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let call = &call;
        let threads: Vec<_> = (0..count).map(|i| scope.spawn(move || call(i))).collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("thread"))
            .collect()
    })
}
