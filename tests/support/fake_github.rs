//! A stateful fake of the GitHub REST API, for integration tests.
//!
//! [`FakeGitHub::start`] serves the handful of endpoints `rpc` calls on `127.0.0.1` (random port)
//! from its own tokio runtime on a background thread, so ordinary synchronous `#[test]`s can point
//! the `rpc` binary at [`FakeGitHub::url`]. Tests set up state (repositories, branches, classic
//! protection, rulesets, collaborators, pull requests, comments, App installations), inject faults
//! and latency, and inspect the request log afterwards.
//!
//! Every response body is built from GitHub's own example bodies in `tests/data/github-openapi.json`
//! (a trimmed copy of the official OpenAPI description), with the fields that carry state
//! overridden; `tests/github_contract.rs` validates the bodies against the description's schemas.
//!
//! Behaviour worth knowing when writing tests:
//!
//! - Authentication: `Authorization: Bearer <t>` or `token <t>`, where `<t>` is [`TOKEN`] or an
//!   installation token this fake minted (valid for one hour, and only for repositories of the
//!   installation's owner: other owners' repositories answer 404, as on GitHub). The two App
//!   endpoints need a JWT whose payload has `iss` = [`APP_ID`] (signature not checked; an `exp` in
//!   the past is rejected). A missing header answers 401 `Requires authentication`.
//! - Repository and user names are case-insensitive, branch names are not.
//! - A repository owner has no implicit permission: add them with `add_collaborator(.., "admin", ..)`.
//! - `GET /repos/{o}/{r}/pulls?head=<ref>` without an `owner:` prefix ignores the filter and lists
//!   every pull request, exactly as GitHub does.
//! - `GET /rate_limit` does not count against the rate limit (as on GitHub); every other
//!   authenticated response except 304 does. When the count reaches zero the fake answers 403
//!   "API rate limit exceeded" until the window (one hour) resets.
//! - Logged paths are percent-decoded (`/repos/o/r/branches/feature/x`); [`FakeGitHub::count`] and
//!   fault matching look at both the decoded and the raw path. A fault or count method of `*` or
//!   `""` matches every method.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::background::{Background, Bound};

/// The personal access token the fake accepts.
pub const TOKEN: &str = "ghp_fake_personal_token";
/// The GitHub App id the fake expects in a JWT's `iss` claim.
pub const APP_ID: u64 = 4242;

const RATE_LIMIT: u64 = 5000;
const RATE_WINDOW_SECS: u64 = 3600;
const DOCS: &str = "https://docs.github.com/rest";
const RATE_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
const SECONDARY_MESSAGE: &str = "You have exceeded a secondary rate limit. Please wait a few \
    minutes before you try again. If you reach out to GitHub Support for help, please include \
    the request ID 0000:1111:2222222:3333333:44444444.";
const TEMPLATE_REPO: &str = "octocat/Hello-World";

/// Classic branch protection of one branch.
#[derive(Clone, Debug, Default)]
pub struct Protection {
    /// Whether pull request reviews are required (`required_pull_request_reviews` present).
    pub required_reviews: bool,
    /// `required_approving_review_count`.
    pub required_approving_review_count: u32,
    /// Logins allowed to bypass the pull request requirement.
    pub bypass_users: Vec<String>,
    /// Team slugs allowed to bypass the pull request requirement.
    pub bypass_teams: Vec<String>,
    /// App slugs allowed to bypass the pull request requirement.
    pub bypass_apps: Vec<String>,
}

/// A repository or organization ruleset that applies to a repository.
#[derive(Clone, Debug)]
pub struct Ruleset {
    /// The ruleset id.
    pub id: u64,
    /// The ruleset name.
    pub name: String,
    /// `Repository` or `Organization`.
    pub source_type: String,
    /// `owner/repo` or `org`.
    pub source: String,
    /// The branch names it applies to.
    pub branches: Vec<String>,
    /// `active`, `disabled` or `evaluate`; only `active` rulesets show in the branch rules.
    pub enforcement: String,
    /// Its rules.
    pub rules: Vec<RulesetRule>,
    /// Its bypass actors; `None` when the token may not see them (the field is omitted).
    pub bypass_actors: Option<Vec<BypassActor>>,
}

/// One rule of a ruleset.
#[derive(Clone, Debug)]
pub enum RulesetRule {
    /// `pull_request`.
    PullRequest {
        /// `required_approving_review_count`.
        required_approving_review_count: u32,
    },
    /// `deletion`.
    Deletion,
    /// `non_fast_forward`.
    NonFastForward,
    /// `required_signatures`.
    RequiredSignatures,
}

/// An actor that may bypass a ruleset.
#[derive(Clone, Debug)]
pub struct BypassActor {
    /// The actor id (`None` for `DeployKey`, ignored for `OrganizationAdmin`).
    pub actor_id: Option<u64>,
    /// `RepositoryRole`, `Team`, `Integration`, `OrganizationAdmin` or `DeployKey`.
    pub actor_type: String,
    /// `always` or `pull_request`.
    pub bypass_mode: String,
}

/// A pull request.
#[derive(Clone, Debug)]
pub struct Pull {
    /// The pull request number.
    pub number: u64,
    /// The head repository, `fork-owner/repo` (the base repository itself for same-repo PRs).
    pub head_repo: String,
    /// The head branch.
    pub head_ref: String,
    /// The head commit.
    pub head_sha: String,
    /// The base branch.
    pub base_ref: String,
    /// `open` or `closed`.
    pub state: String,
}

/// A fault injected before serving matching requests.
#[derive(Clone, Debug)]
pub struct Fault {
    /// The HTTP method it applies to (`*` or empty: any).
    pub method: String,
    /// A substring of the request path (decoded or raw) it applies to.
    pub path_contains: String,
    /// What happens.
    pub kind: FaultKind,
    /// How many requests it applies to; `None`: forever.
    pub times: Option<usize>,
}

impl Fault {
    /// A fault on GET requests whose path contains `path_contains`; `times: None` is forever.
    pub fn get(path_contains: &str, kind: FaultKind, times: Option<usize>) -> Self {
        Self {
            method: "GET".into(),
            path_contains: path_contains.into(),
            kind,
            times,
        }
    }
}

/// What a fault does.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answers this status with a GitHub-style JSON error body.
    Status(u16),
    /// Answers 403 with `x-ratelimit-remaining: 0` and the reset `reset_in_secs` from now.
    RateLimit {
        /// Seconds until `x-ratelimit-reset`.
        reset_in_secs: u64,
    },
    /// Answers 403 "You have exceeded a secondary rate limit" with `Retry-After`.
    SecondaryRateLimit {
        /// The `Retry-After` value in seconds.
        retry_after: u64,
    },
    /// Answers 429 with `Retry-After`.
    TooManyRequests {
        /// The `Retry-After` value in seconds.
        retry_after: u64,
    },
    /// Sleeps this long, then answers normally.
    Slow(Duration),
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Logged {
    /// The HTTP method.
    pub method: String,
    /// The percent-decoded path.
    pub path: String,
    /// The raw query string (empty if none).
    pub query: String,
    /// The status answered.
    pub status: u16,
    /// Whether `If-None-Match` was sent.
    pub conditional: bool,
    /// The `Authorization` header, verbatim.
    pub authorization: Option<String>,
}

/// A running fake GitHub; stops when dropped.
pub struct FakeGitHub {
    state: Arc<Mutex<St>>,
    url: String,
    _server: Background,
}

impl FakeGitHub {
    /// Starts a fake on `127.0.0.1` with a random port, on its own runtime and thread.
    pub fn start() -> FakeGitHub {
        let bound = Bound::bind();
        let url = bound.url.clone();
        let now = now_secs();
        let state = Arc::new(Mutex::new(St {
            base: url.clone(),
            repos: BTreeMap::new(),
            users: BTreeSet::new(),
            installations: BTreeMap::new(),
            tokens: BTreeMap::new(),
            faults: Vec::new(),
            latency: Duration::ZERO,
            log: Vec::new(),
            remaining: RATE_LIMIT,
            reset: now + RATE_WINDOW_SECS,
            next_id: 100_000,
        }));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        FakeGitHub {
            state,
            url,
            _server: bound.serve("fake-github", app),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    fn st(&self) -> MutexGuard<'_, St> {
        lock(&self.state)
    }

    /// Adds (or updates) a repository and its default branch, unprotected.
    pub fn add_repo(&self, full_name: &str, private: bool, default_branch: &str) {
        let (owner, name) = split_full_name(full_name);
        let mut st = self.st();
        let id = st.fresh_id();
        let repo = st.repos.entry(key(full_name)).or_insert_with(|| Repo {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            private,
            default_branch: default_branch.to_string(),
            branches: BTreeMap::new(),
            rulesets: Vec::new(),
            collaborators: Vec::new(),
            pulls: Vec::new(),
            comments: BTreeMap::new(),
        });
        repo.private = private;
        repo.default_branch = default_branch.to_string();
        repo.branches.entry(default_branch.to_string()).or_default();
    }

    /// Adds or updates a branch; `protected: false` also drops its classic protection.
    pub fn add_branch(&self, repo: &str, branch: &str, protected: bool) {
        let mut st = self.st();
        let entry = st
            .repo_mut(repo)
            .branches
            .entry(branch.to_string())
            .or_default();
        entry.protected = protected;
        if !protected {
            entry.protection = None;
        }
    }

    /// Sets classic protection on a branch (creating it) and marks it protected.
    pub fn set_protection(&self, repo: &str, branch: &str, protection: Protection) {
        let mut st = self.st();
        let entry = st
            .repo_mut(repo)
            .branches
            .entry(branch.to_string())
            .or_default();
        entry.protected = true;
        entry.protection = Some(protection);
    }

    /// Adds (or replaces, by id) a ruleset that applies to the repository.
    pub fn add_ruleset(&self, repo: &str, ruleset: Ruleset) {
        let mut st = self.st();
        let rulesets = &mut st.repo_mut(repo).rulesets;
        rulesets.retain(|existing| existing.id != ruleset.id);
        rulesets.push(ruleset);
    }

    /// Adds (or updates) a collaborator with role `read|triage|write|maintain|admin` or a custom
    /// role name (treated like `read`); `outside` marks an outside collaborator.
    pub fn add_collaborator(&self, repo: &str, login: &str, role: &str, outside: bool) {
        let mut st = self.st();
        st.users.insert(login.to_lowercase());
        let collaborators = &mut st.repo_mut(repo).collaborators;
        let collaborator = Collaborator {
            login: login.to_string(),
            role: role.to_string(),
            outside,
        };
        match collaborators
            .iter_mut()
            .find(|c| c.login.eq_ignore_ascii_case(login))
        {
            Some(existing) => *existing = collaborator,
            None => collaborators.push(collaborator),
        }
    }

    /// Adds a GitHub user that exists but collaborates on nothing.
    pub fn add_user(&self, login: &str) {
        self.st().users.insert(login.to_lowercase());
    }

    /// Adds (or replaces, by number) a pull request; its head owner becomes a known user.
    pub fn add_pull(&self, repo: &str, pull: Pull) {
        let mut st = self.st();
        let (head_owner, _) = split_full_name(&pull.head_repo);
        st.users.insert(head_owner.to_lowercase());
        let pulls = &mut st.repo_mut(repo).pulls;
        pulls.retain(|existing| existing.number != pull.number);
        pulls.push(pull);
    }

    /// Adds a comment to an issue or pull request; its author becomes a known user.
    pub fn add_comment(&self, repo: &str, issue_number: u64, author: &str, body: &str) {
        let mut st = self.st();
        st.users.insert(author.to_lowercase());
        let id = st.fresh_id();
        st.repo_mut(repo)
            .comments
            .entry(issue_number)
            .or_default()
            .push(Comment {
                id,
                author: author.to_string(),
                body: body.to_string(),
                created_at: now_secs(),
            });
    }

    /// Deletes every comment of an issue or pull request.
    pub fn remove_comments(&self, repo: &str, issue_number: u64) {
        let mut st = self.st();
        if let Some(comments) = st.repo_mut(repo).comments.get_mut(&issue_number) {
            comments.clear();
        }
    }

    /// Installs the App on every repository of `owner` (a user or an organization).
    pub fn add_installation(&self, owner: &str, installation_id: u64) {
        self.st()
            .installations
            .insert(owner.to_lowercase(), (owner.to_string(), installation_id));
    }

    /// Injects a fault; the first matching fault applies to a request.
    pub fn fault(&self, fault: Fault) {
        self.st().faults.push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.st().faults.clear();
    }

    /// Sleeps this long before every response.
    pub fn set_latency(&self, latency: Duration) {
        self.st().latency = latency;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Logged> {
        self.st().log.iter().map(|e| e.logged.clone()).collect()
    }

    /// Forgets the requests received so far.
    pub fn reset_requests(&self) {
        self.st().log.clear();
    }

    /// How many logged requests have this method and a path containing `path_contains`.
    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.st()
            .log
            .iter()
            .filter(|e| {
                method_matches(method, &e.logged.method)
                    && (e.logged.path.contains(path_contains) || e.raw_path.contains(path_contains))
            })
            .count()
    }
}

// ---------------------------------------------------------------------------------------------
// State

struct St {
    base: String,
    repos: BTreeMap<String, Repo>,
    /// Lowercase logins of known users.
    users: BTreeSet<String>,
    /// Lowercase owner → (owner as given, installation id).
    installations: BTreeMap<String, (String, u64)>,
    tokens: BTreeMap<String, Minted>,
    faults: Vec<Fault>,
    latency: Duration,
    log: Vec<Entry>,
    remaining: u64,
    reset: u64,
    next_id: u64,
}

struct Minted {
    installation_id: u64,
    owner: String,
    expires_at: u64,
}

struct Entry {
    logged: Logged,
    raw_path: String,
}

struct Repo {
    id: u64,
    owner: String,
    name: String,
    private: bool,
    default_branch: String,
    branches: BTreeMap<String, Branch>,
    rulesets: Vec<Ruleset>,
    collaborators: Vec<Collaborator>,
    pulls: Vec<Pull>,
    comments: BTreeMap<u64, Vec<Comment>>,
}

impl Repo {
    fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    fn collaborator(&self, login: &str) -> Option<&Collaborator> {
        self.collaborators
            .iter()
            .find(|c| c.login.eq_ignore_ascii_case(login))
    }

    fn association(&self, login: &str) -> &'static str {
        if login.eq_ignore_ascii_case(&self.owner) {
            "OWNER"
        } else if self.collaborator(login).is_some() {
            "COLLABORATOR"
        } else {
            "NONE"
        }
    }
}

#[derive(Default)]
struct Branch {
    protected: bool,
    protection: Option<Protection>,
}

struct Collaborator {
    login: String,
    role: String,
    outside: bool,
}

struct Comment {
    id: u64,
    author: String,
    body: String,
    created_at: u64,
}

fn lock(state: &Mutex<St>) -> MutexGuard<'_, St> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl St {
    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn repo_mut(&mut self, full_name: &str) -> &mut Repo {
        self.repos
            .get_mut(&key(full_name))
            .unwrap_or_else(|| panic!("FakeGitHub: unknown repository {full_name}; add_repo first"))
    }

    fn is_user(&self, login: &str) -> bool {
        self.users.contains(&login.to_lowercase())
    }

    fn take_fault(&mut self, req: &Req) -> Option<FaultKind> {
        let index = self.faults.iter().position(|f| {
            method_matches(&f.method, &req.method)
                && (req.path.contains(&f.path_contains) || req.raw_path.contains(&f.path_contains))
                && f.times != Some(0)
        })?;
        let fault = &mut self.faults[index];
        let kind = fault.kind.clone();
        if let Some(times) = fault.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                self.faults.remove(index);
            }
        }
        Some(kind)
    }
}

fn method_matches(pattern: &str, method: &str) -> bool {
    pattern.is_empty() || pattern == "*" || pattern.eq_ignore_ascii_case(method)
}

fn key(full_name: &str) -> String {
    full_name.to_lowercase()
}

fn split_full_name(full_name: &str) -> (&str, &str) {
    full_name
        .split_once('/')
        .unwrap_or_else(|| panic!("FakeGitHub: {full_name:?} is not owner/name"))
}

// ---------------------------------------------------------------------------------------------
// Requests and replies

struct Req {
    method: String,
    raw_path: String,
    /// Percent-decoded path.
    path: String,
    segments: Vec<String>,
    raw_query: String,
    params: Vec<(String, String)>,
    authorization: Option<String>,
    if_none_match: Option<String>,
}

impl Req {
    fn new(method: &Method, uri: &Uri, headers: &HeaderMap) -> Req {
        let raw_path = uri.path().to_string();
        let segments: Vec<String> = raw_path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode(s, false))
            .collect();
        let raw_query = uri.query().unwrap_or_default().to_string();
        let params = raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k, true), percent_decode(v, true))
            })
            .collect();
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Req {
            method: method.as_str().to_string(),
            path: format!("/{}", segments.join("/")),
            raw_path,
            segments,
            raw_query,
            params,
            authorization: header("authorization"),
            if_none_match: header("if-none-match"),
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn is_app_endpoint(&self) -> bool {
        let s: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        matches!(
            (self.method.as_str(), s.as_slice()),
            ("POST", ["app", "installations", _, "access_tokens"])
                | ("GET", ["repos", _, _, "installation"])
        )
    }
}

struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply::with_status(200, body)
    }

    fn with_status(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::error_doc(status, message, DOCS)
    }

    fn error_doc(status: u16, message: &str, documentation_url: &str) -> Reply {
        Reply::with_status(
            status,
            json!({
                "message": message,
                "documentation_url": documentation_url,
                "status": status.to_string(),
            }),
        )
    }

    fn not_found() -> Reply {
        Reply::error(404, "Not Found")
    }

    fn invalid(field: &str) -> Reply {
        Reply::with_status(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [{"resource": "Search", "field": field, "code": "invalid"}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        )
    }

    fn header(mut self, name: &str, value: impl ToString) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

enum Identity {
    User,
    Installation { id: u64, owner: String },
    App,
}

async fn handle(
    State(state): State<Arc<Mutex<St>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let req = Req::new(&method, &uri, &headers);
    let latency = lock(&state).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = lock(&state).take_fault(&req);
    if let Some(FaultKind::Slow(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    let (status, headers, body) = lock(&state).respond(&req, fault);
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(body))
        .expect("fake GitHub response")
}

impl St {
    /// Answers one request: authentication, faults, routing, ETag, rate limit, log.
    fn respond(
        &mut self,
        req: &Req,
        fault: Option<FaultKind>,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let now = now_secs();
        if now >= self.reset {
            self.remaining = RATE_LIMIT;
            self.reset = now + RATE_WINDOW_SECS;
        }
        let identity = self.authenticate(req, now);
        let mut counted = identity.is_ok() && req.path != "/rate_limit";
        let mut rate = (self.remaining, self.reset);
        let exceeded_for = match &identity {
            Ok(Identity::Installation { id, .. }) => format!("installation ID {id}"),
            Ok(_) => format!("user ID {}", user_id("fake-token-owner")),
            Err(_) => "127.0.0.1".to_string(),
        };
        let faulted = match fault {
            Some(FaultKind::Status(code)) => Some(Reply::error(code, reason(code))),
            Some(FaultKind::RateLimit { reset_in_secs }) => {
                counted = false;
                rate = (0, now + reset_in_secs);
                Some(Reply::error_doc(
                    403,
                    &format!("API rate limit exceeded for {exceeded_for}."),
                    RATE_DOCS,
                ))
            }
            Some(FaultKind::SecondaryRateLimit { retry_after }) => Some(
                Reply::error_doc(403, SECONDARY_MESSAGE, RATE_DOCS)
                    .header("retry-after", retry_after),
            ),
            Some(FaultKind::TooManyRequests { retry_after }) => Some(
                Reply::error_doc(429, SECONDARY_MESSAGE, RATE_DOCS)
                    .header("retry-after", retry_after),
            ),
            Some(FaultKind::Slow(_)) | None => None,
        };
        let mut reply = match (faulted, &identity) {
            (Some(reply), _) => reply,
            (None, Err(message)) => Reply::error(401, message),
            (None, Ok(_)) if self.remaining == 0 && counted => {
                counted = false;
                Reply::error_doc(
                    403,
                    &format!("API rate limit exceeded for {exceeded_for}."),
                    RATE_DOCS,
                )
            }
            (None, Ok(who)) => self.route(req, who, now),
        };

        let mut body = match &reply.body {
            Some(value) => {
                let mut value = value.clone();
                rewrite(&mut value, "https://api.github.com", &self.base);
                serde_json::to_vec(&value).expect("serialize body")
            }
            None => Vec::new(),
        };
        if req.method == "GET" && reply.status == 200 {
            let etag = format!("W/\"{}\"", hex(&Sha256::digest(&body)));
            let fresh = req.if_none_match.as_deref().is_some_and(|sent| {
                sent.split(',').map(|t| t.trim()).any(|t| {
                    t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
                })
            });
            if fresh {
                reply.status = 304;
                body.clear();
                counted = false;
            }
            reply = reply.header("etag", etag);
        }
        if counted {
            self.remaining = self.remaining.saturating_sub(1);
            if rate.0 != 0 {
                rate = (self.remaining, self.reset);
            }
        }
        let mut headers = vec![
            (
                "content-type".to_string(),
                "application/json; charset=utf-8".to_string(),
            ),
            ("x-ratelimit-limit".to_string(), RATE_LIMIT.to_string()),
            ("x-ratelimit-remaining".to_string(), rate.0.to_string()),
            ("x-ratelimit-reset".to_string(), rate.1.to_string()),
            (
                "x-ratelimit-used".to_string(),
                (RATE_LIMIT - rate.0).to_string(),
            ),
            ("x-ratelimit-resource".to_string(), "core".to_string()),
            (
                "x-github-api-version-selected".to_string(),
                "2022-11-28".to_string(),
            ),
            (
                "x-github-media-type".to_string(),
                "github.v3; format=json".to_string(),
            ),
        ];
        headers.extend(reply.headers);
        self.log.push(Entry {
            logged: Logged {
                method: req.method.clone(),
                path: req.path.clone(),
                query: req.raw_query.clone(),
                status: reply.status,
                conditional: req.if_none_match.is_some(),
                authorization: req.authorization.clone(),
            },
            raw_path: req.raw_path.clone(),
        });
        (reply.status, headers, body)
    }

    fn authenticate(&self, req: &Req, now: u64) -> Result<Identity, String> {
        let app_endpoint = req.is_app_endpoint();
        let Some(header) = req.authorization.as_deref() else {
            return Err(if app_endpoint {
                "A JSON web token could not be decoded".to_string()
            } else {
                "Requires authentication".to_string()
            });
        };
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| {
                scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")
            })
            .map(|(_, token)| token.trim());
        if app_endpoint {
            return match token.map(|t| check_jwt(t, now)) {
                Some(Ok(())) => Ok(Identity::App),
                Some(Err(message)) => Err(message.to_string()),
                None => Err("A JSON web token could not be decoded".to_string()),
            };
        }
        match token {
            Some(TOKEN) => Ok(Identity::User),
            Some(token) => match self.tokens.get(token) {
                Some(minted) if minted.expires_at > now => Ok(Identity::Installation {
                    id: minted.installation_id,
                    owner: minted.owner.clone(),
                }),
                _ => Err("Bad credentials".to_string()),
            },
            None => Err("Bad credentials".to_string()),
        }
    }

    fn route(&mut self, req: &Req, who: &Identity, now: u64) -> Reply {
        let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
        match (req.method.as_str(), segments.as_slice()) {
            ("GET", ["rate_limit"]) => self.rate_limit(),
            ("POST", ["app", "installations", id, "access_tokens"]) => self.mint(id, now),
            ("GET", ["repos", owner, name, rest @ ..]) => {
                if let Identity::Installation { owner: allowed, .. } = who
                    && !allowed.eq_ignore_ascii_case(owner)
                {
                    return Reply::not_found();
                }
                let Some(repo) = self.repos.get(&key(&format!("{owner}/{name}"))) else {
                    return Reply::not_found();
                };
                let ctx = Ctx {
                    st: self,
                    repo,
                    req,
                };
                match rest {
                    [] => ctx.repository(),
                    ["branches", branch @ ..]
                        if branch.len() >= 2 && branch.ends_with(&["protection"]) =>
                    {
                        ctx.protection(&branch[..branch.len() - 1].join("/"))
                    }
                    ["branches", branch @ ..] if !branch.is_empty() => {
                        ctx.branch(&branch.join("/"))
                    }
                    ["rules", "branches", branch @ ..] if !branch.is_empty() => {
                        ctx.branch_rules(&branch.join("/"))
                    }
                    ["rulesets", id] => ctx.ruleset(id),
                    ["collaborators"] => ctx.collaborators(),
                    ["collaborators", login, "permission"] => ctx.permission(login),
                    ["pulls"] => ctx.pulls(),
                    ["issues", number, "comments"] => ctx.comments(number),
                    ["installation"] => ctx.installation(),
                    _ => Reply::not_found(),
                }
            }
            _ => Reply::not_found(),
        }
    }

    fn rate_limit(&self) -> Reply {
        let mut body = example("rate-limit-overview");
        let core = json!({
            "limit": RATE_LIMIT,
            "remaining": self.remaining,
            "reset": self.reset,
            "used": RATE_LIMIT - self.remaining,
        });
        body["rate"] = core.clone();
        body["resources"]["core"] = core;
        Reply::ok(body)
    }

    fn mint(&mut self, id: &str, now: u64) -> Reply {
        let Ok(id) = id.parse::<u64>() else {
            return Reply::not_found();
        };
        let Some(owner) = self
            .installations
            .iter()
            .find(|(_, (_, installation))| *installation == id)
            .map(|(owner, _)| owner.clone())
        else {
            return Reply::not_found();
        };
        let serial = self.fresh_id();
        let seed = format!(
            "{id}:{serial}:{:?}:{}",
            SystemTime::now(),
            std::process::id()
        );
        let token = format!("ghs_{}", &hex(&Sha256::digest(seed.as_bytes()))[..36]);
        let expires_at = now + 3600;
        self.tokens.insert(
            token.clone(),
            Minted {
                installation_id: id,
                owner,
                expires_at,
            },
        );
        let mut body = example("installation-token");
        if let Some(object) = body.as_object_mut() {
            object.remove("repositories");
        }
        body["token"] = json!(token);
        body["expires_at"] = json!(rfc3339(expires_at));
        body["repository_selection"] = json!("all");
        Reply::with_status(201, body)
    }
}

/// One request against one repository.
struct Ctx<'a> {
    st: &'a St,
    repo: &'a Repo,
    req: &'a Req,
}

impl Ctx<'_> {
    fn full_name(&self) -> String {
        self.repo.full_name()
    }

    fn api(&self) -> String {
        format!("https://api.github.com/repos/{}", self.full_name())
    }

    fn owner_json(&self) -> Value {
        let kind = if self.st.is_user(&self.repo.owner) {
            "User"
        } else {
            "Organization"
        };
        simple_user(&self.repo.owner, kind)
    }

    /// A `repository`/`full-repository` body for the base repository.
    fn repository_json(&self, mut template: Value) -> Value {
        rewrite(&mut template, TEMPLATE_REPO, &self.full_name());
        let repo = self.repo;
        template["id"] = json!(repo.id);
        template["node_id"] = json!(format!("R_fake{}", repo.id));
        template["name"] = json!(repo.name);
        template["full_name"] = json!(self.full_name());
        template["owner"] = self.owner_json();
        template["private"] = json!(repo.private);
        template["visibility"] = json!(if repo.private { "private" } else { "public" });
        template["default_branch"] = json!(repo.default_branch);
        template["fork"] = json!(false);
        template
    }

    fn repository(&self) -> Reply {
        let mut body = self.repository_json(example("full-repository-default-response"));
        if let Some(object) = body.as_object_mut() {
            for absent in ["parent", "source", "template_repository", "organization"] {
                object.remove(absent);
            }
        }
        // Required by the schema, missing from GitHub's example.
        body["language"] = Value::Null;
        body["permissions"] = permissions(5);
        Reply::ok(body)
    }

    fn branch(&self, name: &str) -> Reply {
        let Some(branch) = self.repo.branches.get(name) else {
            return Reply::error(404, "Branch not found");
        };
        let mut body = example("branch-get");
        let template_sha = body["commit"]["sha"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        rewrite(
            &mut body,
            &template_sha,
            &branch_sha(&self.full_name(), name),
        );
        rewrite(&mut body, TEMPLATE_REPO, &self.full_name());
        let api = self.api();
        body["name"] = json!(name);
        body["protected"] = json!(branch.protected);
        body["protection"] = json!({
            "enabled": branch.protected,
            "required_status_checks": {
                "enforcement_level": "off",
                "contexts": [],
                "checks": [],
            },
        });
        body["protection_url"] = json!(format!("{api}/branches/{name}/protection"));
        body["_links"] = json!({
            "self": format!("{api}/branches/{name}"),
            "html": format!("https://github.com/{}/tree/{name}", self.full_name()),
        });
        Reply::ok(body)
    }

    fn protection(&self, name: &str) -> Reply {
        let Some(branch) = self.repo.branches.get(name) else {
            return Reply::error(404, "Branch not found");
        };
        let Some(protection) = &branch.protection else {
            return Reply::error(404, "Branch not protected");
        };
        let template = example("branch-protection");
        let url = format!("{}/branches/{name}/protection", self.api());
        let mut body = json!({
            "url": url,
            "enforce_admins": {"url": format!("{url}/enforce_admins"), "enabled": false},
            "required_linear_history": {"enabled": false},
            "allow_force_pushes": {"enabled": false},
            "allow_deletions": {"enabled": false},
            "block_creations": {"enabled": false},
            "required_conversation_resolution": {"enabled": false},
            "lock_branch": {"enabled": false},
            "allow_fork_syncing": {"enabled": false},
        });
        if protection.required_reviews {
            let restrictions = &template["required_pull_request_reviews"]["dismissal_restrictions"];
            let users: Vec<Value> = protection
                .bypass_users
                .iter()
                .map(|login| {
                    let kind = if self.st.is_user(login) {
                        "User"
                    } else {
                        "Bot"
                    };
                    simple_user(login, kind)
                })
                .collect();
            let teams: Vec<Value> = protection
                .bypass_teams
                .iter()
                .map(|slug| team_json(&restrictions["teams"][0], &self.repo.owner, slug))
                .collect();
            let apps: Vec<Value> = protection
                .bypass_apps
                .iter()
                .map(|slug| app_json(&restrictions["apps"][0], &self.owner_json(), slug))
                .collect();
            let mut reviews = template["required_pull_request_reviews"].clone();
            if let Some(object) = reviews.as_object_mut() {
                object.remove("dismissal_restrictions");
            }
            reviews["url"] = json!(format!("{url}/required_pull_request_reviews"));
            reviews["dismiss_stale_reviews"] = json!(false);
            reviews["require_code_owner_reviews"] = json!(false);
            reviews["require_last_push_approval"] = json!(false);
            reviews["required_approving_review_count"] =
                json!(protection.required_approving_review_count);
            reviews["bypass_pull_request_allowances"] =
                json!({"users": users, "teams": teams, "apps": apps});
            body["required_pull_request_reviews"] = reviews;
        }
        Reply::ok(body)
    }

    fn branch_rules(&self, name: &str) -> Reply {
        let items = self
            .repo
            .rulesets
            .iter()
            .filter(|r| r.enforcement == "active" && r.branches.iter().any(|b| b == name))
            .flat_map(|ruleset| {
                ruleset.rules.iter().map(|rule| {
                    let mut item = rule_json(rule);
                    item["ruleset_source_type"] = json!(ruleset.source_type);
                    item["ruleset_source"] = json!(ruleset.source);
                    item["ruleset_id"] = json!(ruleset.id);
                    item
                })
            })
            .collect();
        self.paginate(items)
    }

    fn ruleset(&self, id: &str) -> Reply {
        let includes_parents = self.req.param("includes_parents") != Some("false");
        let Some(ruleset) = id.parse::<u64>().ok().and_then(|id| {
            self.repo
                .rulesets
                .iter()
                .find(|r| r.id == id && (includes_parents || r.source_type != "Organization"))
        }) else {
            return Reply::not_found();
        };
        let mut body = example("repository-ruleset");
        body["id"] = json!(ruleset.id);
        body["node_id"] = json!(format!("RRS_fake{}", ruleset.id));
        body["name"] = json!(ruleset.name);
        body["target"] = json!("branch");
        body["source_type"] = json!(ruleset.source_type);
        body["source"] = json!(ruleset.source);
        body["enforcement"] = json!(ruleset.enforcement);
        let include: Vec<String> = ruleset
            .branches
            .iter()
            .map(|b| format!("refs/heads/{b}"))
            .collect();
        body["conditions"] = json!({"ref_name": {"include": include, "exclude": []}});
        let html = if ruleset.source_type == "Organization" {
            body["conditions"]["repository_name"] =
                json!({"include": [self.repo.name], "exclude": [], "protected": false});
            format!(
                "https://github.com/organizations/{}/settings/rules/{}",
                ruleset.source, ruleset.id
            )
        } else {
            format!("https://github.com/{}/rules/{}", ruleset.source, ruleset.id)
        };
        body["_links"] = json!({
            "self": {"href": format!("{}/rulesets/{}", self.api(), ruleset.id)},
            "html": {"href": html},
        });
        body["rules"] = Value::Array(ruleset.rules.iter().map(rule_json).collect());
        match &ruleset.bypass_actors {
            Some(actors) => {
                body["bypass_actors"] = actors
                    .iter()
                    .map(|a| {
                        json!({
                            "actor_id": a.actor_id,
                            "actor_type": a.actor_type,
                            "bypass_mode": a.bypass_mode,
                        })
                    })
                    .collect();
            }
            None => {
                if let Some(object) = body.as_object_mut() {
                    object.remove("bypass_actors");
                }
            }
        }
        Reply::ok(body)
    }

    fn collaborators(&self) -> Reply {
        let outside_only = match self.req.param("affiliation") {
            None | Some("all" | "direct") => false,
            Some("outside") => true,
            Some(_) => return Reply::invalid("affiliation"),
        };
        let minimum = match self.req.param("permission") {
            None => 0,
            Some(permission) => match permission_level(permission) {
                Some(level) => level,
                None => return Reply::invalid("permission"),
            },
        };
        let template = &example("collaborator-items")[0];
        let items = self
            .repo
            .collaborators
            .iter()
            .filter(|c| (!outside_only || c.outside) && role_level(&c.role) >= minimum)
            .map(|c| {
                let mut user = template.clone();
                let simple = simple_user(&c.login, "User");
                if let (Some(user), Some(simple)) = (user.as_object_mut(), simple.as_object()) {
                    user.extend(simple.clone());
                }
                user["permissions"] = permissions(role_level(&c.role));
                user["role_name"] = json!(c.role);
                user
            })
            .collect();
        self.paginate(items)
    }

    fn permission(&self, login: &str) -> Reply {
        let (permission, role_name, level) = match self.repo.collaborator(login) {
            Some(c) => {
                let level = role_level(&c.role);
                let permission = match level {
                    5 => "admin",
                    3 | 4 => "write",
                    _ => "read",
                };
                (permission, c.role.clone(), level)
            }
            None if self.st.is_user(login) => {
                if self.repo.private {
                    ("none", "none".to_string(), 0)
                } else {
                    ("read", "read".to_string(), 1)
                }
            }
            None => return Reply::not_found(),
        };
        let mut body =
            example("repository-collaborator-permission-response-if-user-has-admin-permissions");
        let login = self
            .repo
            .collaborator(login)
            .map_or(login, |c| c.login.as_str());
        let mut user = simple_user(login, "User");
        user["permissions"] = permissions(level);
        // Required by the schema (nullable-collaborator), missing from GitHub's example.
        user["role_name"] = json!(role_name);
        body["user"] = user;
        body["permission"] = json!(permission);
        body["role_name"] = json!(role_name);
        Reply::ok(body)
    }

    fn pulls(&self) -> Reply {
        let state = self.req.param("state").unwrap_or("open");
        if !matches!(state, "open" | "closed" | "all") {
            return Reply::invalid("state");
        }
        // GitHub silently ignores a `head` without an `owner:` prefix.
        let head = self.req.param("head").and_then(|h| h.split_once(':'));
        let base = self.req.param("base");
        let mut pulls: Vec<&Pull> = self
            .repo
            .pulls
            .iter()
            .filter(|p| state == "all" || p.state == state)
            .filter(|p| {
                head.is_none_or(|(owner, head_ref)| {
                    split_full_name(&p.head_repo).0.eq_ignore_ascii_case(owner)
                        && p.head_ref == head_ref
                })
            })
            .filter(|p| base.is_none_or(|b| p.base_ref == b))
            .collect();
        pulls.sort_by_key(|p| std::cmp::Reverse(p.number));
        let items = pulls.into_iter().map(|p| self.pull_json(p)).collect();
        self.paginate(items)
    }

    fn pull_json(&self, pull: &Pull) -> Value {
        let template = &example("pull-request-simple-items")[0];
        let mut body = template.clone();
        let full_name = self.full_name();
        rewrite(&mut body, TEMPLATE_REPO, &full_name);
        let template_number = format!("/{}", template["number"]);
        rewrite(&mut body, &template_number, &format!("/{}", pull.number));
        let template_sha = template["head"]["sha"].as_str().unwrap_or_default();
        rewrite(&mut body, template_sha, &pull.head_sha);

        let (head_owner, head_name) = split_full_name(&pull.head_repo);
        let author = simple_user(head_owner, "User");
        let repo_template = &template["head"]["repo"];

        let mut head_repo = repo_template.clone();
        rewrite(&mut head_repo, TEMPLATE_REPO, &pull.head_repo);
        head_repo["id"] = json!(user_id(&pull.head_repo.to_lowercase()));
        head_repo["node_id"] = json!(format!("R_fork{}", head_repo["id"]));
        head_repo["name"] = json!(head_name);
        head_repo["full_name"] = json!(pull.head_repo);
        head_repo["owner"] = author.clone();
        head_repo["private"] = json!(self.repo.private);
        head_repo["fork"] = json!(!pull.head_repo.eq_ignore_ascii_case(&full_name));

        let mut base_repo = self.repository_json(repo_template.clone());
        if let Some(object) = base_repo.as_object_mut() {
            object.remove("template_repository");
        }

        body["head"] = json!({
            "label": format!("{head_owner}:{}", pull.head_ref),
            "ref": pull.head_ref,
            "sha": pull.head_sha,
            "user": author,
            "repo": head_repo,
        });
        body["base"] = json!({
            "label": format!("{}:{}", self.repo.owner, pull.base_ref),
            "ref": pull.base_ref,
            "sha": branch_sha(&full_name, &pull.base_ref),
            "user": self.owner_json(),
            "repo": base_repo,
        });
        body["id"] = json!(self.repo.id * 1000 + pull.number);
        body["node_id"] = json!(format!("PR_fake{}", body["id"]));
        body["number"] = json!(pull.number);
        body["state"] = json!(pull.state);
        body["title"] = json!(format!("Pull request #{}", pull.number));
        body["body"] = json!(format!("Changes from {}:{}", head_owner, pull.head_ref));
        body["user"] = simple_user(head_owner, "User");
        body["author_association"] = json!(self.repo.association(head_owner));
        body["assignee"] = Value::Null;
        body["assignees"] = json!([]);
        body["requested_reviewers"] = json!([]);
        body["requested_teams"] = json!([]);
        body["labels"] = json!([]);
        body["milestone"] = Value::Null;
        body["locked"] = json!(false);
        body["active_lock_reason"] = Value::Null;
        body["draft"] = json!(false);
        body["auto_merge"] = Value::Null;
        body["merged_at"] = Value::Null;
        body["merge_commit_sha"] = Value::Null;
        body["closed_at"] = if pull.state == "closed" {
            body["updated_at"].clone()
        } else {
            Value::Null
        };
        body
    }

    fn comments(&self, number: &str) -> Reply {
        let Ok(number) = number.parse::<u64>() else {
            return Reply::not_found();
        };
        let template = &example("issue-comment-items")[0];
        let full_name = self.full_name();
        let items = self
            .repo
            .comments
            .get(&number)
            .into_iter()
            .flatten()
            .map(|c| {
                let mut body = template.clone();
                body["id"] = json!(c.id);
                body["node_id"] = json!(format!("IC_fake{}", c.id));
                body["body"] = json!(c.body);
                body["user"] = simple_user(&c.author, "User");
                body["author_association"] = json!(self.repo.association(&c.author));
                body["url"] = json!(format!("{}/issues/comments/{}", self.api(), c.id));
                body["html_url"] = json!(format!(
                    "https://github.com/{full_name}/issues/{number}#issuecomment-{}",
                    c.id
                ));
                body["issue_url"] = json!(format!("{}/issues/{number}", self.api()));
                body["created_at"] = json!(rfc3339(c.created_at));
                body["updated_at"] = json!(rfc3339(c.created_at));
                body
            })
            .collect();
        self.paginate(items)
    }

    fn installation(&self) -> Reply {
        let Some((owner, id)) = self.st.installations.get(&self.repo.owner.to_lowercase()) else {
            return Reply::not_found();
        };
        let kind = if self.st.is_user(owner) {
            "User"
        } else {
            "Organization"
        };
        let mut body = example("installation");
        let account = simple_user(owner, kind);
        body["id"] = json!(id);
        body["app_id"] = json!(APP_ID);
        body["app_slug"] = json!("rpc-fake-app");
        body["client_id"] = json!(format!("Iv1.fake{APP_ID}"));
        body["target_id"] = account["id"].clone();
        body["target_type"] = json!(kind);
        body["account"] = account;
        body["access_tokens_url"] = json!(format!(
            "https://api.github.com/app/installations/{id}/access_tokens"
        ));
        body["html_url"] = json!(if kind == "User" {
            format!("https://github.com/settings/installations/{id}")
        } else {
            format!("https://github.com/organizations/{owner}/settings/installations/{id}")
        });
        Reply::ok(body)
    }

    /// Pages `items` by `per_page` (default 30, max 100) and `page`, with GitHub's `Link` header.
    fn paginate(&self, items: Vec<Value>) -> Reply {
        let number = |name: &str, default: usize| {
            self.req
                .param(name)
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .unwrap_or(default)
        };
        let per_page = number("per_page", 30).min(100);
        let page = number("page", 1);
        let last = items.len().div_ceil(per_page).max(1);
        let slice: Vec<Value> = items
            .into_iter()
            .skip((page - 1).saturating_mul(per_page))
            .take(per_page)
            .collect();
        let mut links = Vec::new();
        if page > 1 {
            links.push((page.min(last + 1) - 1, "prev"));
        }
        if page < last {
            links.push((page + 1, "next"));
            links.push((last, "last"));
        }
        if page > 1 {
            links.push((1, "first"));
        }
        let reply = Reply::ok(Value::Array(slice));
        if links.is_empty() {
            return reply;
        }
        let link = links
            .iter()
            .map(|(target, rel)| format!("<{}>; rel=\"{rel}\"", self.page_url(*target)))
            .collect::<Vec<_>>()
            .join(", ");
        reply.header("link", link)
    }

    fn page_url(&self, page: usize) -> String {
        let mut params: Vec<(String, String)> = self
            .req
            .params
            .iter()
            .filter(|(k, _)| k != "page")
            .cloned()
            .collect();
        params.push(("page".to_string(), page.to_string()));
        let query = params
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        format!("{}{}?{query}", self.st.base, self.req.raw_path)
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies

fn examples() -> &'static Value {
    static EXAMPLES: OnceLock<Value> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let spec: Value = serde_json::from_str(include_str!("../data/github-openapi.json"))
            .expect("tests/data/github-openapi.json is JSON");
        spec["components"]["examples"].clone()
    })
}

/// A copy of the `value` of one of GitHub's example bodies.
fn example(name: &str) -> Value {
    let value = examples()[name]["value"].clone();
    assert!(!value.is_null(), "no example {name} in github-openapi.json");
    value
}

/// A `simple-user` for `login`, from GitHub's example.
fn simple_user(login: &str, kind: &str) -> Value {
    let mut user = example(
        "repository-collaborator-permission-response-if-user-has-admin-permissions",
    )["user"]
        .clone();
    let template_login = user["login"].as_str().unwrap_or_default().to_string();
    rewrite(&mut user, &template_login, login);
    let id = user_id(&login.to_lowercase());
    user["login"] = json!(login);
    user["id"] = json!(id);
    user["node_id"] = json!(format!("U_fake{id}"));
    user["type"] = json!(kind);
    user["site_admin"] = json!(false);
    user
}

/// A `team` with `slug` in organization `org`, from GitHub's example.
fn team_json(template: &Value, org: &str, slug: &str) -> Value {
    let mut team = template.clone();
    let template_slug = team["slug"].as_str().unwrap_or_default().to_string();
    rewrite(&mut team, &template_slug, slug);
    rewrite(&mut team, "/orgs/github/", &format!("/orgs/{org}/"));
    let id = user_id(&format!("team:{org}/{slug}"));
    team["id"] = json!(id);
    team["node_id"] = json!(format!("T_fake{id}"));
    team["name"] = json!(slug);
    team["slug"] = json!(slug);
    team["url"] = json!(format!("https://api.github.com/teams/{id}"));
    team["members_url"] = json!(format!(
        "https://api.github.com/teams/{id}/members{{/member}}"
    ));
    team["repositories_url"] = json!(format!("https://api.github.com/teams/{id}/repos"));
    // Required by the schema, missing from GitHub's example.
    team["type"] = json!("organization");
    team
}

/// An `integration` (GitHub App) with `slug` owned by `owner`, from GitHub's example.
fn app_json(template: &Value, owner: &Value, slug: &str) -> Value {
    let mut app = template.clone();
    let id = user_id(&format!("app:{slug}"));
    app["id"] = json!(id);
    app["node_id"] = json!(format!("A_fake{id}"));
    app["slug"] = json!(slug);
    app["name"] = json!(slug);
    app["html_url"] = json!(format!("https://github.com/apps/{slug}"));
    // GitHub's example owner is neither a simple-user nor an enterprise.
    app["owner"] = owner.clone();
    app
}

fn rule_json(rule: &RulesetRule) -> Value {
    match rule {
        RulesetRule::PullRequest {
            required_approving_review_count,
        } => json!({
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": required_approving_review_count,
                "dismiss_stale_reviews_on_push": false,
                "require_code_owner_review": false,
                "require_last_push_approval": false,
                "required_review_thread_resolution": false,
                "allowed_merge_methods": ["merge", "squash", "rebase"],
            },
        }),
        RulesetRule::Deletion => json!({"type": "deletion"}),
        RulesetRule::NonFastForward => json!({"type": "non_fast_forward"}),
        RulesetRule::RequiredSignatures => json!({"type": "required_signatures"}),
    }
}

/// `read` 1, `triage` 2, `write` 3, `maintain` 4, `admin` 5; a custom role counts as `read`.
fn role_level(role: &str) -> u8 {
    match role {
        "triage" => 2,
        "write" | "push" => 3,
        "maintain" => 4,
        "admin" => 5,
        _ => 1,
    }
}

fn permission_level(permission: &str) -> Option<u8> {
    match permission {
        "pull" => Some(1),
        "triage" => Some(2),
        "push" => Some(3),
        "maintain" => Some(4),
        "admin" => Some(5),
        _ => None,
    }
}

fn permissions(level: u8) -> Value {
    json!({
        "pull": level >= 1,
        "triage": level >= 2,
        "push": level >= 3,
        "maintain": level >= 4,
        "admin": level >= 5,
    })
}

/// Replaces `from` with `to` in every string below `value`.
fn rewrite(value: &mut Value, from: &str, to: &str) {
    if from.is_empty() {
        return;
    }
    match value {
        Value::String(s) if s.contains(from) => *s = s.replace(from, to),
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite(v, from, to)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A stable id for a name (user, team, app, fork).
fn user_id(name: &str) -> u64 {
    let digest = Sha256::digest(name.as_bytes());
    1_000 + u64::from(u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) >> 1)
}

/// A stable commit sha for a branch.
fn branch_sha(full_name: &str, branch: &str) -> String {
    hex(&Sha256::digest(format!("{full_name}@{branch}").as_bytes()))[..40].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn reason(code: u16) -> &'static str {
    match code {
        404 => "Not Found",
        401 => "Bad credentials",
        422 => "Validation Failed",
        500 => "Server Error",
        _ => axum::http::StatusCode::from_u16(code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

/// Checks a GitHub App JWT: three base64url segments, payload `iss` = [`APP_ID`], `exp` not past.
fn check_jwt(token: &str, now: u64) -> Result<(), &'static str> {
    const UNDECODABLE: &str = "A JSON web token could not be decoded";
    let segments: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = segments.as_slice() else {
        return Err(UNDECODABLE);
    };
    let payload: Value = base64url_decode(payload)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(UNDECODABLE)?;
    let issuer_ok = match &payload["iss"] {
        Value::Number(n) => n.as_u64() == Some(APP_ID),
        Value::String(s) => s == &APP_ID.to_string(),
        _ => false,
    };
    if !issuer_ok {
        return Err(UNDECODABLE);
    }
    if payload["exp"].as_u64().is_some_and(|exp| exp <= now) {
        return Err(
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
        );
    }
    Ok(())
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let hex_value = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex_value(bytes[i + 1])? * 16 + hex_value(bytes[i + 2])?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte as u8);
                i += 3;
                continue;
            }
            (None, b'+') if plus_is_space => out.push(b' '),
            (None, other) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// RFC 3339 UTC time, e.g. `2026-11-22T04:00:00Z`.
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
