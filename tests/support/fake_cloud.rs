//! A stateful fake of the OpenStack APIs rpc calls (Keystone v3, Nova, Glance v2, Neutron), for
//! integration tests.
//!
//! [`FakeCloud::start`] serves every service on one `127.0.0.1` port (random) from its own tokio
//! runtime on a background thread; it stops when dropped. Services live under path prefixes,
//! exactly as a devstack-style deployment publishes them in the catalog:
//! `/identity` (Keystone, auth URL `{url}/identity/v3`), `/compute/v2.1` (Nova), `/image`
//! (Glance), `/network` (Neutron). Each root answers its version document (pitfall 4 in
//! reference/rust-ecosystem.md: clients discover versions there).
//!
//! Behaviour worth knowing when writing tests:
//!
//! - Credentials: user [`USER`] / [`PASSWORD`] in project [`PROJECT`] (domain `Default`), or the
//!   application credential [`APP_CRED_ID`] / [`APP_CRED_SECRET`]. Anything else is 401. Every
//!   other service needs a token this fake minted in `X-Auth-Token` (else 401).
//! - Nova answers with microversion headers; the maximum is [`MAX_MICROVERSION`]. From 2.92 a
//!   keypair without `public_key` is 400, as on Nova.
//! - Servers are `BUILD` until [`FakeCloud::set_build_delay`] has passed (default 0), then
//!   `ACTIVE`, or `ERROR` with a fault if their name contains a string given to
//!   [`FakeCloud::fail_builds`]. `os-stop` makes them `SHUTOFF`; delete removes them at once.
//! - Images are `queued` on create and `active` once their data is uploaded; snapshots
//!   (`createImage`) are `saving` for the build delay, then `active`. Additional properties are
//!   top-level keys, as in Glance.
//! - Faults ([`Fault`]) match a method and a path substring and are used up after `times`
//!   matches; [`FakeCloud::count`] counts requests per service (`identity`, `compute`, `image`,
//!   `network`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::background::{Background, Bound};

/// The user name the fake accepts.
pub const USER: &str = "rpc-user";
/// That user's password.
pub const PASSWORD: &str = "rpc-password";
/// The project the user is scoped to.
pub const PROJECT: &str = "rpc-project";
/// The project id.
pub const PROJECT_ID: &str = "0a1b2c3d4e5f40718293a4b5c6d7e8f9";
/// The application credential id the fake accepts.
pub const APP_CRED_ID: &str = "appcred-0001";
/// Its secret.
pub const APP_CRED_SECRET: &str = "appcred-secret";
/// The region in the catalog.
pub const REGION: &str = "RegionOne";
/// The highest Nova microversion the fake supports.
pub const MAX_MICROVERSION: &str = "2.96";

/// What an injected fault does.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answer with this status and an error body in the service's style.
    Status(u16, String),
    /// Answer 403 with Nova's quota message.
    Quota,
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Handle the request (a create really happens), then wait this long before answering, so
    /// that a client with a shorter timeout gives up after the resource was made.
    HangAfter(Duration),
}

/// A fault injected into matching requests.
#[derive(Clone, Debug)]
pub struct Fault {
    /// HTTP method, or `*` for any.
    pub method: String,
    /// A substring of the path (e.g. `/servers`).
    pub path_contains: String,
    /// What happens.
    pub kind: FaultKind,
    /// How many requests it applies to.
    pub times: usize,
}

/// One logged request.
#[derive(Clone, Debug)]
pub struct Logged {
    /// The method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The service it went to.
    pub service: String,
    /// The `OpenStack-API-Version` header, if sent.
    pub api_version: Option<String>,
}

struct FakeServer {
    id: String,
    name: String,
    image: String,
    flavor: String,
    key_name: Option<String>,
    metadata: Map<String, Value>,
    security_groups: Vec<String>,
    config_drive: bool,
    user_data: Option<String>,
    created: Instant,
    created_at: String,
    stopped: bool,
    fail: Option<String>,
}

struct FakeImage {
    id: String,
    name: String,
    status: String,
    disk_format: Option<String>,
    container_format: Option<String>,
    properties: Map<String, Value>,
    data: Option<Vec<u8>>,
    active_at: Option<Instant>,
    created_at: String,
}

struct FakeGroup {
    id: String,
    name: String,
    description: String,
    tags: Vec<String>,
    created_at: String,
}

struct FakeRule {
    id: String,
    group: String,
    body: Map<String, Value>,
}

struct St {
    base: String,
    tokens: Vec<String>,
    next: u64,
    seed: std::collections::hash_map::RandomState,
    build_delay: Duration,
    fail_builds: Vec<(String, String)>,
    servers: Vec<FakeServer>,
    images: Vec<FakeImage>,
    keypairs: Vec<(String, String)>,
    groups: Vec<FakeGroup>,
    rules: Vec<FakeRule>,
    networks: Vec<Value>,
    subnets: Vec<Value>,
    flavors: Vec<Value>,
    faults: Vec<Fault>,
    max_limit: usize,
    log: Vec<Logged>,
}

impl St {
    fn uuid(&mut self) -> String {
        // Unordered, as real UUIDs: nothing may rely on ids sorting by age.
        use std::hash::{BuildHasher, Hasher};
        self.next += 1;
        let mut hasher = self.seed.build_hasher();
        hasher.write_u64(self.next);
        let high = hasher.finish();
        hasher.write_u64(high);
        let low = hasher.finish();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0xfff,
            low >> 52,
            low & 0xffff_ffff_ffff
        )
    }

    /// The time now, to the second, as Neutron, Nova and Glance write it: resources made in the
    /// same second have equal timestamps.
    fn stamp(&mut self) -> String {
        humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
    }
}

/// The fake cloud. Stops on drop.
pub struct FakeCloud {
    state: Arc<Mutex<St>>,
    url: String,
    _server: Background,
}

fn lock(state: &Mutex<St>) -> MutexGuard<'_, St> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FakeCloud {
    /// Starts a fake on `127.0.0.1` with a random port, on its own runtime and thread, with
    /// three flavors, a `private` network (with a subnet) and an external `public` network.
    pub fn start() -> FakeCloud {
        let bound = Bound::bind();
        let url = bound.url.clone();
        let flavor = |id: &str, name: &str, vcpus: u32, ram: u64, disk: u64| {
            json!({
                "id": id, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
                "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false,
                "swap": 0, "rxtx_factor": 1.0, "os-flavor-access:is_public": true,
                "description": null, "extra_specs": {},
                "links": [{"rel": "self", "href": format!("{url}/compute/v2.1/flavors/{id}")}],
            })
        };
        let flavors = vec![
            flavor("1", "m1.small", 1, 2048, 20),
            flavor("2", "m1.medium", 2, 4096, 40),
            flavor("3", "m1.large", 4, 8192, 80),
        ];
        let net_private = "11111111-1111-4111-8111-111111111111";
        let net_public = "22222222-2222-4222-8222-222222222222";
        let subnet = "33333333-3333-4333-8333-333333333333";
        let network = |id: &str, name: &str, subnets: Vec<&str>, external: bool| {
            json!({
                "id": id, "name": name, "subnets": subnets, "router:external": external,
                "status": "ACTIVE", "admin_state_up": true, "shared": false,
                "project_id": PROJECT_ID, "tenant_id": PROJECT_ID, "mtu": 1450, "tags": [],
            })
        };
        let state = Arc::new(Mutex::new(St {
            base: url.clone(),
            tokens: Vec::new(),
            next: 0,
            seed: std::collections::hash_map::RandomState::new(),
            build_delay: Duration::ZERO,
            fail_builds: Vec::new(),
            servers: Vec::new(),
            images: Vec::new(),
            keypairs: Vec::new(),
            groups: Vec::new(),
            rules: Vec::new(),
            networks: vec![
                network(net_public, "public", vec![], true),
                network(net_private, "private", vec![subnet], false),
            ],
            subnets: vec![json!({
                "id": subnet, "name": "private-subnet", "network_id": net_private,
                "cidr": "10.0.0.0/24", "ip_version": 4, "enable_dhcp": true,
                "project_id": PROJECT_ID, "tenant_id": PROJECT_ID, "tags": [],
            })],
            flavors,
            faults: Vec::new(),
            max_limit: 1000,
            log: Vec::new(),
        }));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        FakeCloud {
            state,
            url,
            _server: bound.serve("fake-cloud", app),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The Keystone auth URL, `{url}/identity/v3`.
    pub fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.url)
    }

    /// A clouds.yaml naming this fake as cloud `name`, with password credentials (`password`
    /// may be wrong on purpose).
    pub fn clouds_yaml(&self, name: &str, password: &str) -> String {
        format!(
            "clouds:\n  {name}:\n    auth:\n      auth_url: {}\n      username: {USER}\n      \
             password: {password}\n      project_name: {PROJECT}\n      user_domain_name: \
             Default\n      project_domain_name: Default\n    region_name: {REGION}\n    \
             interface: public\n    identity_api_version: 3\n",
            self.auth_url()
        )
    }

    fn st(&self) -> MutexGuard<'_, St> {
        lock(&self.state)
    }

    /// How long new servers stay in `BUILD` (and snapshots in `saving`).
    pub fn set_build_delay(&self, delay: Duration) {
        self.st().build_delay = delay;
    }

    /// Servers whose name contains `name_contains` go to `ERROR` with this fault message.
    pub fn fail_builds(&self, name_contains: &str, message: &str) {
        self.st()
            .fail_builds
            .push((name_contains.into(), message.into()));
    }

    /// The most items one page of a list holds (Nova's `[api]max_limit`, Glance's
    /// `api_limit_max`); 1000 by default.
    pub fn set_max_limit(&self, max: usize) {
        self.st().max_limit = max;
    }

    /// Injects a fault.
    pub fn fault(&self, fault: Fault) {
        self.st().faults.push(fault);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.st().log.clone()
    }

    /// Forgets the request log.
    pub fn reset_requests(&self) {
        self.st().log.clear();
    }

    /// Requests so far to one service (`identity`, `compute`, `image`, `network`).
    pub fn count(&self, service: &str) -> usize {
        self.st()
            .log
            .iter()
            .filter(|l| l.service == service)
            .count()
    }

    /// Requests so far with this method whose path contains `path_contains`.
    pub fn count_path(&self, method: &str, path_contains: &str) -> usize {
        self.st()
            .log
            .iter()
            .filter(|l| l.method == method && l.path.contains(path_contains))
            .count()
    }

    /// Names of all servers, whoever owns them.
    pub fn server_names(&self) -> Vec<String> {
        self.st().servers.iter().map(|s| s.name.clone()).collect()
    }

    /// Adds a server directly (e.g. someone else's), bypassing the API.
    pub fn add_server(&self, name: &str, metadata: Value) -> String {
        let mut st = self.st();
        let id = st.uuid();
        let created_at = st.stamp();
        let metadata = metadata.as_object().cloned().unwrap_or_default();
        st.servers.push(FakeServer {
            id: id.clone(),
            name: name.into(),
            image: String::new(),
            flavor: "1".into(),
            key_name: None,
            metadata,
            security_groups: vec![],
            config_drive: false,
            user_data: None,
            created: Instant::now() - Duration::from_secs(3600),
            created_at,
            stopped: false,
            fail: None,
        });
        id
    }

    /// Adds an active image directly, with these additional properties.
    pub fn add_image(&self, name: &str, properties: Value, data: &[u8]) -> String {
        let mut st = self.st();
        let id = st.uuid();
        let created_at = st.stamp();
        st.images.push(FakeImage {
            id: id.clone(),
            name: name.into(),
            status: "active".into(),
            disk_format: Some("qcow2".into()),
            container_format: Some("bare".into()),
            properties: properties.as_object().cloned().unwrap_or_default(),
            data: Some(data.to_vec()),
            active_at: None,
            created_at,
        });
        id
    }

    /// Adds a keypair directly.
    pub fn add_keypair(&self, name: &str, public_key: &str) {
        self.st().keypairs.push((name.into(), public_key.into()));
    }

    /// Adds a security group directly, with these tags.
    pub fn add_security_group(&self, name: &str, tags: &[&str]) -> String {
        let mut st = self.st();
        let id = st.uuid();
        let created_at = st.stamp();
        st.groups.push(FakeGroup {
            id: id.clone(),
            name: name.into(),
            description: String::new(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            created_at,
        });
        id
    }

    /// Names of all images.
    pub fn image_names(&self) -> Vec<String> {
        self.st().images.iter().map(|i| i.name.clone()).collect()
    }

    /// Names of all keypairs.
    pub fn keypair_names(&self) -> Vec<String> {
        self.st().keypairs.iter().map(|k| k.0.clone()).collect()
    }

    /// Names of all security groups.
    pub fn security_group_names(&self) -> Vec<String> {
        self.st().groups.iter().map(|g| g.name.clone()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Requests and replies

struct Req {
    method: Method,
    path: String,
    query: BTreeMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Req {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: body.to_string().into_bytes(),
            content_type: "application/json",
            headers: vec![],
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: vec![],
            content_type: "text/plain",
            headers: vec![],
        }
    }

    fn bytes(data: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            body: data,
            content_type: "application/octet-stream",
            headers: vec![],
        }
    }

    fn header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// An error body in each service's own style.
fn error(service: &str, status: u16, message: &str) -> Reply {
    match service {
        "compute" => {
            let key = match status {
                400 => "badRequest",
                403 => "forbidden",
                404 => "itemNotFound",
                409 => "conflictingRequest",
                _ => "computeFault",
            };
            Reply::json(status, json!({ key: {"code": status, "message": message} }))
        }
        "network" => {
            let kind = match status {
                404 => "NotFound",
                409 => "Conflict",
                403 => "Forbidden",
                _ => "NeutronError",
            };
            Reply::json(
                status,
                json!({"NeutronError": {"type": kind, "message": message, "detail": ""}}),
            )
        }
        "identity" => Reply::json(
            status,
            json!({"error": {"code": status, "title": title(status), "message": message}}),
        ),
        // Glance answers errors as webob's HTML page, not JSON (seen on Glance 25).
        _ => Reply {
            status,
            body: format!(
                "<html>\n <head>\n  <title>{status} {title}</title>\n </head>\n <body>\n  \
                 <h1>{status} {title}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>",
                title = title(status)
            )
            .into_bytes(),
            content_type: "text/html; charset=UTF-8",
            headers: vec![],
        },
    }
}

/// Nova's `name` filter is a regular expression; the fake knows `^` and `$` anchors.
fn name_matches(pattern: &str, name: &str) -> bool {
    let body = pattern.trim_start_matches('^').trim_end_matches('$');
    match (pattern.starts_with('^'), pattern.ends_with('$')) {
        (true, true) => name == body,
        (true, false) => name.starts_with(body),
        (false, true) => name.ends_with(body),
        (false, false) => name.contains(body),
    }
}

/// A page of items, and the next page's marker and limit when more follow.
type Page = (Vec<Value>, Option<(String, usize)>);

/// One page of `items`, as the APIs page: at most `limit` (capped by the fake's `max_limit`)
/// items after the one whose marker is `marker`; and the next page's marker and limit when more
/// follow. An unknown marker is an error, as in Nova and Glance.
fn page(
    items: Vec<Value>,
    req: &Req,
    max_limit: usize,
    marker_of: fn(&Value) -> Option<&str>,
) -> Result<Page, String> {
    let limit = req
        .query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(max_limit)
        .min(max_limit);
    let start = match req.query.get("marker") {
        Some(marker) => {
            items
                .iter()
                .position(|item| marker_of(item) == Some(marker.as_str()))
                .ok_or_else(|| format!("marker [{marker}] not found"))?
                + 1
        }
        None => 0,
    };
    let rest: Vec<Value> = items.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    let page: Vec<Value> = rest.into_iter().take(limit).collect();
    let next = page
        .last()
        .filter(|_| more || page.len() == limit)
        .and_then(|last| marker_of(last))
        .map(|marker| (marker.to_owned(), limit));
    Ok((page, next))
}

/// A Nova list page: `{key: [...], "<key>_links": [{"rel": "next", …}]}` when the page is full.
fn nova_page(
    st: &St,
    req: &Req,
    key: &str,
    items: Vec<Value>,
    marker_of: fn(&Value) -> Option<&str>,
) -> Reply {
    let (items, next) = match page(items, req, st.max_limit, marker_of) {
        Ok(page) => page,
        Err(message) => return error("compute", 400, &message),
    };
    let mut body = json!({ key: items });
    if let Some((marker, limit)) = next {
        body[format!("{key}_links")] = json!([{
            "rel": "next",
            "href": format!("{}/compute/v2.1/{key}?limit={limit}&marker={marker}", st.base),
        }]);
    }
    Reply::json(200, body)
}

fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

fn service_of(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "identity" => "identity",
        "compute" => "compute",
        "image" => "image",
        "network" => "network",
        _ => "other",
    }
}

async fn handle(
    State(state): State<Arc<Mutex<St>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_end_matches('/').to_owned();
    let query = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method,
        path,
        query,
        headers,
        body,
    };
    let service = service_of(&req.path);
    let fault = {
        let mut st = lock(&state);
        st.log.push(Logged {
            method: req.method.to_string(),
            path: uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            service: service.into(),
            api_version: req
                .headers
                .get("openstack-api-version")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
        let found = st.faults.iter().position(|f| {
            (f.method == "*" || f.method == req.method.as_str())
                && req.path.contains(&f.path_contains)
        });
        found.map(|i| {
            st.faults[i].times -= 1;
            let kind = st.faults[i].kind.clone();
            if st.faults[i].times == 0 {
                st.faults.remove(i);
            }
            kind
        })
    };
    let mut hang = None;
    let reply = match fault {
        Some(FaultKind::Status(status, message)) => error(service, status, &message),
        Some(FaultKind::Quota) => error(
            service,
            403,
            "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances",
        ),
        Some(FaultKind::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            route(&mut lock(&state), &req, service)
        }
        Some(FaultKind::HangAfter(delay)) => {
            hang = Some(delay);
            route(&mut lock(&state), &req, service)
        }
        None => route(&mut lock(&state), &req, service),
    };
    if let Some(delay) = hang {
        tokio::time::sleep(delay).await;
    }
    let mut builder = Response::builder()
        .status(reply.status)
        .header("content-type", reply.content_type)
        .header(
            "x-openstack-request-id",
            "req-00000000-0000-4000-8000-000000000000",
        );
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(reply.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn route(st: &mut St, req: &Req, service: &str) -> Reply {
    let segs = req.segments();
    if service == "identity" {
        return identity(st, req, &segs[1..]);
    }
    if service == "other" {
        return error(service, 404, "no such service");
    }
    // Version documents answer without a token, as on a real cloud.
    let is_version_doc = match service {
        "compute" => segs.len() <= 2,
        _ => {
            segs.len() <= 2
                && segs
                    .get(1)
                    .is_none_or(|v| v.starts_with('v') && segs.len() == 1)
        }
    };
    if is_version_doc || segs.len() == 1 {
        return version_document(st, service, &segs);
    }
    let token = req
        .headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !st.tokens.iter().any(|t| t == token) {
        return error(
            service,
            401,
            "The request you have made requires authentication.",
        );
    }
    match service {
        "compute" => {
            let version = microversion(req);
            let reply = match version {
                Some(v) => compute(st, req, &segs[2..], v),
                None => error("compute", 406, "Version not supported"),
            };
            let v = version.map(|(a, b)| format!("{a}.{b}")).unwrap_or_default();
            reply
                .header("openstack-api-version", format!("compute {v}"))
                .header("x-openstack-nova-api-version", v)
                .header(
                    "vary",
                    "OpenStack-API-Version, X-OpenStack-Nova-API-Version".into(),
                )
        }
        "image" => image(st, req, &segs[2..]),
        _ => network(st, req, &segs[2..]),
    }
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The requested Nova microversion (default 2.1; `latest` = the maximum); `None` if above it.
fn microversion(req: &Req) -> Option<(u32, u32)> {
    let max = parse_version(MAX_MICROVERSION)?;
    let asked = req
        .headers
        .get("openstack-api-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.trim()
                .strip_prefix("compute")
                .map(str::trim)
                .map(str::to_owned)
        })
        .or_else(|| {
            req.headers
                .get("x-openstack-nova-api-version")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
    match asked.as_deref() {
        None => Some((2, 1)),
        Some("latest") => Some(max),
        Some(v) => parse_version(v).filter(|v| *v <= max && *v >= (2, 1)),
    }
}

fn version_document(st: &St, service: &str, segs: &[&str]) -> Reply {
    let base = &st.base;
    let link = |href: String| json!([{"rel": "self", "href": href}]);
    match service {
        "compute" => {
            let v21 = json!({
                "id": "v2.1", "status": "CURRENT", "version": MAX_MICROVERSION,
                "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
                "links": link(format!("{base}/compute/v2.1/")),
            });
            if segs.len() == 2 {
                Reply::json(200, json!({"version": v21}))
            } else {
                Reply::json(300, json!({"versions": [v21]}))
            }
        }
        "image" => Reply::json(
            300,
            json!({"versions": [{"id": "v2.16", "status": "CURRENT", "links": link(format!("{base}/image/v2/"))}]}),
        ),
        _ => Reply::json(
            200,
            json!({"versions": [{"id": "v2.0", "status": "CURRENT", "links": link(format!("{base}/network/v2.0/"))}]}),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Keystone

fn identity(st: &mut St, req: &Req, segs: &[&str]) -> Reply {
    let base = st.base.clone();
    match (req.method.as_str(), segs) {
        ("GET", []) => Reply::json(
            300,
            json!({"versions": {"values": [{
                "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": format!("{base}/identity/v3/")}],
                "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
            }]}}),
        ),
        ("GET", ["v3"]) => Reply::json(
            200,
            json!({"version": {
                "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": format!("{base}/identity/v3/")}],
                "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
            }}),
        ),
        ("POST", ["v3", "auth", "tokens"]) => issue_token(st, &req.json()),
        _ => error("identity", 404, "The resource could not be found."),
    }
}

fn issue_token(st: &mut St, body: &Value) -> Reply {
    let identity = &body["auth"]["identity"];
    let methods: Vec<&str> = identity["methods"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let ok = if methods.contains(&"password") {
        let user = &identity["password"]["user"];
        user["name"] == USER && user["password"] == PASSWORD
    } else if methods.contains(&"application_credential") {
        let cred = &identity["application_credential"];
        cred["id"] == APP_CRED_ID && cred["secret"] == APP_CRED_SECRET
    } else {
        false
    };
    if !ok {
        return error(
            "identity",
            401,
            "The request you have made requires authentication.",
        );
    }
    let token = format!("gAAAAAfake{:08}", st.tokens.len() + 1);
    st.tokens.push(token.clone());
    let base = st.base.clone();
    let endpoint = |service: &str, kind: &str, path: &str| {
        let endpoints: Vec<Value> = ["public", "internal"]
            .iter()
            .map(|interface| {
                json!({
                    "id": format!("{service}-{interface}"), "interface": interface,
                    "region": REGION, "region_id": REGION, "url": format!("{base}{path}"),
                })
            })
            .collect();
        json!({"id": service, "type": kind, "name": service, "endpoints": endpoints})
    };
    let catalog = json!([
        endpoint("keystone", "identity", "/identity/v3/"),
        endpoint("nova", "compute", "/compute/v2.1"),
        endpoint("glance", "image", "/image"),
        endpoint("neutron", "network", "/network"),
    ]);
    let domain = json!({"id": "default", "name": "Default"});
    Reply::json(
        201,
        json!({"token": {
            "methods": methods,
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "audit_ids": ["fakeaudit"],
            "user": {"id": "u-0001", "name": USER, "domain": domain, "password_expires_at": null},
            "project": {"id": PROJECT_ID, "name": PROJECT, "domain": domain},
            "roles": [{"id": "r-member", "name": "member"}, {"id": "r-reader", "name": "reader"}],
            "is_domain": false,
            "catalog": catalog,
        }}),
    )
    .header("x-subject-token", token)
}

// ---------------------------------------------------------------------------------------------
// Nova

fn server_status(st: &St, s: &FakeServer) -> &'static str {
    if s.fail.is_some() && s.created.elapsed() >= st.build_delay {
        "ERROR"
    } else if s.created.elapsed() < st.build_delay {
        "BUILD"
    } else if s.stopped {
        "SHUTOFF"
    } else {
        "ACTIVE"
    }
}

fn server_json(st: &St, s: &FakeServer, version: (u32, u32)) -> Value {
    let status = server_status(st, s);
    let mut v = json!({
        "id": s.id, "name": s.name, "status": status, "tenant_id": PROJECT_ID,
        "user_id": "u-0001", "metadata": s.metadata, "created": s.created_at,
        "updated": s.created_at, "hostId": "", "key_name": s.key_name,
        "image": {"id": s.image}, "config_drive": if s.config_drive { "True" } else { "" },
        "addresses": if status == "ACTIVE" || status == "SHUTOFF" {
            json!({"private": [{"addr": "10.0.0.10", "version": 4, "OS-EXT-IPS:type": "fixed"}]})
        } else { json!({}) },
        "security_groups": s.security_groups.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
        "OS-EXT-STS:vm_state": status.to_lowercase(), "OS-EXT-STS:task_state": null,
        "OS-EXT-STS:power_state": if status == "ACTIVE" { 1 } else { 4 },
        "links": [{"rel": "self", "href": format!("{}/compute/v2.1/servers/{}", st.base, s.id)}],
    });
    if version >= (2, 47) {
        v["flavor"] = json!({"original_name": s.flavor, "vcpus": 1, "ram": 2048, "disk": 20, "ephemeral": 0, "swap": 0, "extra_specs": {}});
    } else {
        v["flavor"] = json!({"id": s.flavor});
    }
    if status == "ERROR" {
        v["fault"] = json!({"code": 500, "message": s.fail, "created": s.created_at});
    }
    v
}

fn compute(st: &mut St, req: &Req, segs: &[&str], version: (u32, u32)) -> Reply {
    // Old-style URLs carry the project id (/compute/v2.1/{project}/...); accept both forms.
    let segs: &[&str] = if segs.first() == Some(&PROJECT_ID) {
        &segs[1..]
    } else {
        segs
    };
    match (req.method.as_str(), segs) {
        ("GET", ["servers"] | ["servers", "detail"]) => {
            let name = req.query.get("name");
            let list: Vec<Value> = st
                .servers
                .iter()
                .filter(|s| name.is_none_or(|n| name_matches(n, &s.name)))
                .map(|s| server_json(st, s, version))
                .collect();
            nova_page(st, req, "servers", list, |v| v["id"].as_str())
        }
        ("POST", ["servers"]) => create_server(st, &req.json()),
        ("GET", ["servers", id]) => match st.servers.iter().find(|s| s.id == *id) {
            Some(s) => Reply::json(200, json!({"server": server_json(st, s, version)})),
            None => error(
                "compute",
                404,
                &format!("Instance {id} could not be found."),
            ),
        },
        ("DELETE", ["servers", id]) => {
            let before = st.servers.len();
            st.servers.retain(|s| s.id != *id);
            if st.servers.len() == before {
                error(
                    "compute",
                    404,
                    &format!("Instance {id} could not be found."),
                )
            } else {
                Reply::empty(204)
            }
        }
        ("POST", ["servers", id, "action"]) => server_action(st, id, &req.json(), version),
        ("GET", ["flavors"] | ["flavors", "detail"]) => {
            let list = st.flavors.clone();
            nova_page(st, req, "flavors", list, |v| v["id"].as_str())
        }
        ("GET", ["os-keypairs"]) => {
            let list: Vec<Value> = st
                .keypairs
                .iter()
                .map(|(n, k)| json!({"keypair": keypair_json(n, k)}))
                .collect();
            nova_page(st, req, "keypairs", list, |v| v["keypair"]["name"].as_str())
        }
        ("POST", ["os-keypairs"]) => {
            let body = req.json();
            let name = body["keypair"]["name"].as_str().unwrap_or("").to_owned();
            let Some(public_key) = body["keypair"]["public_key"].as_str().map(str::to_owned) else {
                return if version >= (2, 92) {
                    error(
                        "compute",
                        400,
                        "Invalid input for field/attribute keypair. 'public_key' is a required property",
                    )
                } else {
                    error("compute", 400, "the fake does not generate keys")
                };
            };
            if name.is_empty() {
                return error("compute", 400, "Keypair data is invalid: name is required");
            }
            if st.keypairs.iter().any(|(n, _)| *n == name) {
                return error(
                    "compute",
                    409,
                    &format!("Key pair '{name}' already exists."),
                );
            }
            st.keypairs.push((name.clone(), public_key.clone()));
            Reply::json(200, json!({"keypair": keypair_json(&name, &public_key)}))
        }
        ("GET", ["os-keypairs", name]) => match st.keypairs.iter().find(|(n, _)| n == name) {
            Some((n, k)) => Reply::json(200, json!({"keypair": keypair_json(n, k)})),
            None => error(
                "compute",
                404,
                &format!("Keypair {name} not found for user u-0001"),
            ),
        },
        ("DELETE", ["os-keypairs", name]) => {
            let before = st.keypairs.len();
            st.keypairs.retain(|(n, _)| n != name);
            if st.keypairs.len() == before {
                error(
                    "compute",
                    404,
                    &format!("Keypair {name} not found for user u-0001"),
                )
            } else {
                Reply::empty(204)
            }
        }
        ("GET", ["limits"]) => {
            let used = st.servers.len();
            Reply::json(
                200,
                json!({"limits": {"rate": [], "absolute": {
                    "maxTotalInstances": 10, "totalInstancesUsed": used,
                    "maxTotalCores": 20, "totalCoresUsed": used,
                    "maxTotalRAMSize": 51200, "totalRAMUsed": used * 2048,
                    "maxTotalKeypairs": 100, "maxServerMeta": 128,
                }}}),
            )
        }
        _ => error("compute", 404, "The resource could not be found."),
    }
}

fn keypair_json(name: &str, public_key: &str) -> Value {
    let digest = Sha256::digest(public_key.as_bytes());
    let fingerprint: Vec<String> = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    json!({"name": name, "public_key": public_key, "fingerprint": fingerprint.join(":"), "type": "ssh", "user_id": "u-0001"})
}

fn create_server(st: &mut St, body: &Value) -> Reply {
    let server = &body["server"];
    let Some(name) = server["name"].as_str().filter(|n| !n.is_empty()) else {
        return error("compute", 400, "Invalid input for field/attribute name.");
    };
    let image = server["imageRef"].as_str().unwrap_or("").to_owned();
    if !st.images.iter().any(|i| i.id == image) {
        return error(
            "compute",
            400,
            &format!("Image {image} could not be found."),
        );
    }
    let flavor = server["flavorRef"].as_str().unwrap_or("").to_owned();
    if !st.flavors.iter().any(|f| f["id"] == flavor.as_str()) {
        return error(
            "compute",
            400,
            &format!("Flavor {flavor} could not be found."),
        );
    }
    let key_name = server["key_name"].as_str().map(str::to_owned);
    if let Some(key) = &key_name
        && !st.keypairs.iter().any(|(n, _)| n == key)
    {
        return error("compute", 400, "Invalid key_name provided.");
    }
    let id = st.uuid();
    let created_at = st.stamp();
    let fail = st
        .fail_builds
        .iter()
        .find(|(n, _)| name.contains(n.as_str()))
        .map(|(_, m)| m.clone());
    let security_groups: Vec<String> = server["security_groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["name"].as_str().map(str::to_owned))
        .collect();
    st.servers.push(FakeServer {
        id: id.clone(),
        name: name.into(),
        image,
        flavor,
        key_name,
        metadata: server["metadata"].as_object().cloned().unwrap_or_default(),
        security_groups: security_groups.clone(),
        config_drive: server["config_drive"].as_bool().unwrap_or(false),
        user_data: server["user_data"].as_str().map(str::to_owned),
        created: Instant::now(),
        created_at,
        stopped: false,
        fail,
    });
    Reply::json(
        202,
        json!({"server": {
            "id": id, "adminPass": "fakeAdminPass", "OS-DCF:diskConfig": "MANUAL",
            "security_groups": security_groups.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
            "links": [{"rel": "self", "href": format!("{}/compute/v2.1/servers/{id}", st.base)}],
        }}),
    )
}

fn server_action(st: &mut St, id: &str, body: &Value, version: (u32, u32)) -> Reply {
    let Some(index) = st.servers.iter().position(|s| s.id == id) else {
        return error(
            "compute",
            404,
            &format!("Instance {id} could not be found."),
        );
    };
    let status = server_status(st, &st.servers[index]);
    if body.get("os-stop").is_some() {
        if status != "ACTIVE" && status != "ERROR" {
            return error(
                "compute",
                409,
                &format!(
                    "Cannot 'stop' instance {id} while it is in vm_state {}",
                    status.to_lowercase()
                ),
            );
        }
        st.servers[index].stopped = true;
        return Reply::empty(202);
    }
    if let Some(console) = body.get("os-getConsoleOutput") {
        let lines = [
            "[    0.000000] Linux version 6.8.0 (fake)".to_owned(),
            format!(
                "Cloud-init v. 24.1 running 'init' for {}",
                st.servers[index].name
            ),
            "Cloud-init v. 24.1 finished".to_owned(),
        ];
        let wanted = console["length"]
            .as_u64()
            .map(|n| n as usize)
            .unwrap_or(lines.len());
        let output = lines[lines.len().saturating_sub(wanted)..].join("\n");
        return Reply::json(200, json!({"output": output}));
    }
    if let Some(create) = body.get("createImage") {
        let Some(name) = create["name"].as_str() else {
            return error("compute", 400, "Invalid input for field/attribute name.");
        };
        let image_id = st.uuid();
        let created_at = st.stamp();
        let delay = st.build_delay;
        // Nova records where a snapshot came from in these properties.
        let mut properties = create["metadata"].as_object().cloned().unwrap_or_default();
        properties.insert("image_type".into(), json!("snapshot"));
        properties.insert("instance_uuid".into(), json!(st.servers[index].id));
        st.images.push(FakeImage {
            id: image_id.clone(),
            name: name.into(),
            status: "saving".into(),
            disk_format: Some("qcow2".into()),
            container_format: Some("bare".into()),
            properties,
            data: Some(b"snapshot".to_vec()),
            active_at: Some(Instant::now() + delay),
            created_at,
        });
        return if version >= (2, 45) {
            Reply::json(202, json!({"image_id": image_id}))
        } else {
            Reply::empty(202).header(
                "location",
                format!("{}/image/v2/images/{image_id}", st.base),
            )
        };
    }
    error("compute", 400, "There is no such action")
}

// ---------------------------------------------------------------------------------------------
// Glance

fn settle_images(st: &mut St) {
    for image in &mut st.images {
        if image.status == "saving" && image.active_at.is_some_and(|t| Instant::now() >= t) {
            image.status = "active".into();
        }
    }
}

fn image_json(image: &FakeImage, base: &str) -> Value {
    let mut v = Map::new();
    v.extend(image.properties.clone());
    let hash = image
        .data
        .as_ref()
        .map(|d| format!("{:x}", Sha256::digest(d)));
    let fixed = json!({
        "id": image.id, "name": image.name, "status": image.status,
        "disk_format": image.disk_format, "container_format": image.container_format,
        "visibility": "private", "protected": false, "owner": PROJECT_ID,
        "size": image.data.as_ref().map(Vec::len), "checksum": null,
        "os_hash_algo": hash.as_ref().map(|_| "sha256"), "os_hash_value": hash,
        "min_disk": 0, "min_ram": 0, "tags": [], "created_at": image.created_at,
        "updated_at": image.created_at, "file": format!("/v2/images/{}/file", image.id),
        "self": format!("/v2/images/{}", image.id), "schema": "/v2/schemas/image",
        "virtual_size": null, "direct_url": null,
    });
    if let Value::Object(fixed) = fixed {
        v.extend(fixed);
    }
    let _ = base;
    Value::Object(v)
}

const IMAGE_FIXED: &[&str] = &[
    "id",
    "name",
    "status",
    "disk_format",
    "container_format",
    "visibility",
    "protected",
    "owner",
    "size",
    "checksum",
    "min_disk",
    "min_ram",
    "tags",
    "created_at",
    "updated_at",
];

fn image(st: &mut St, req: &Req, segs: &[&str]) -> Reply {
    settle_images(st);
    let base = st.base.clone();
    match (req.method.as_str(), segs) {
        ("GET", ["images"]) => {
            let mut list: Vec<&FakeImage> = st
                .images
                .iter()
                .filter(|i| req.query.get("name").is_none_or(|n| *n == i.name))
                .filter(|i| req.query.get("status").is_none_or(|s| *s == i.status))
                .filter(|i| {
                    req.query
                        .iter()
                        .filter(|(k, _)| {
                            ![
                                "name", "status", "limit", "marker", "sort", "sort_key", "sort_dir",
                            ]
                            .contains(&k.as_str())
                        })
                        .all(|(k, v)| {
                            i.properties.get(k).and_then(Value::as_str) == Some(v.as_str())
                        })
                })
                .collect();
            list.sort_by(|a, b| b.created_at.cmp(&a.created_at));
            let images: Vec<Value> = list.iter().map(|i| image_json(i, &base)).collect();
            let (images, next) = match page(images, req, st.max_limit, |v| v["id"].as_str()) {
                Ok(page) => page,
                Err(message) => return error("image", 400, &message),
            };
            let mut body =
                json!({"images": images, "schema": "/v2/schemas/images", "first": "/v2/images"});
            if let Some((marker, limit)) = next {
                body["next"] = json!(format!("/v2/images?limit={limit}&marker={marker}"));
            }
            Reply::json(200, body)
        }
        ("POST", ["images"]) => {
            let body = req.json();
            let Some(object) = body.as_object() else {
                return error("image", 400, "Body must be a JSON object");
            };
            let id = st.uuid();
            let created_at = st.stamp();
            let properties: Map<String, Value> = object
                .iter()
                .filter(|(k, _)| !IMAGE_FIXED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let image = FakeImage {
                id,
                name: body["name"].as_str().unwrap_or("").to_owned(),
                status: "queued".into(),
                disk_format: body["disk_format"].as_str().map(str::to_owned),
                container_format: body["container_format"].as_str().map(str::to_owned),
                properties,
                data: None,
                active_at: None,
                created_at,
            };
            let reply = Reply::json(201, image_json(&image, &base));
            st.images.push(image);
            reply
        }
        ("GET", ["images", id]) => match st.images.iter().find(|i| i.id == *id) {
            Some(i) => Reply::json(200, image_json(i, &base)),
            None => error("image", 404, &format!("No image found with ID {id}")),
        },
        ("DELETE", ["images", id]) => {
            let before = st.images.len();
            st.images.retain(|i| i.id != *id);
            if st.images.len() == before {
                error(
                    "image",
                    404,
                    &format!("Failed to find image {id} to delete"),
                )
            } else {
                Reply::empty(204)
            }
        }
        ("PUT", ["images", id, "file"]) => match st.images.iter_mut().find(|i| i.id == *id) {
            Some(i) if i.status == "queued" => {
                i.data = Some(req.body.to_vec());
                i.status = "active".into();
                Reply::empty(204)
            }
            Some(i) => error(
                "image",
                409,
                &format!(
                    "Image status transition from {} to saving is not allowed",
                    i.status
                ),
            ),
            None => error("image", 404, &format!("No image found with ID {id}")),
        },
        ("GET", ["images", id, "file"]) => match st.images.iter().find(|i| i.id == *id) {
            Some(FakeImage {
                data: Some(data), ..
            }) => Reply::bytes(data.clone()),
            Some(_) => Reply::empty(204),
            None => error("image", 404, &format!("No image found with ID {id}")),
        },
        _ => error("image", 404, "The resource could not be found."),
    }
}

// ---------------------------------------------------------------------------------------------
// Neutron

fn group_json(st: &St, g: &FakeGroup) -> Value {
    let rules: Vec<Value> = st
        .rules
        .iter()
        .filter(|r| r.group == g.id)
        .map(rule_json)
        .collect();
    json!({
        "id": g.id, "name": g.name, "description": g.description, "tags": g.tags,
        "project_id": PROJECT_ID, "tenant_id": PROJECT_ID, "stateful": true,
        "security_group_rules": rules, "created_at": g.created_at, "updated_at": g.created_at,
        "revision_number": 1,
    })
}

fn rule_json(r: &FakeRule) -> Value {
    let mut v = json!({
        "id": r.id, "security_group_id": r.group, "project_id": PROJECT_ID,
        "tenant_id": PROJECT_ID, "direction": "ingress", "ethertype": "IPv4",
        "protocol": null, "port_range_min": null, "port_range_max": null,
        "remote_ip_prefix": null, "remote_group_id": null, "description": "",
    });
    for (k, val) in &r.body {
        v[k] = val.clone();
    }
    v
}

fn tags_match(query: &BTreeMap<String, String>, tags: &[String]) -> bool {
    query
        .get("tags")
        .is_none_or(|wanted| wanted.split(',').all(|t| tags.iter().any(|have| have == t)))
}

fn network(st: &mut St, req: &Req, segs: &[&str]) -> Reply {
    match (req.method.as_str(), segs) {
        ("GET", ["networks"]) => {
            let list: Vec<Value> = st
                .networks
                .iter()
                .filter(|n| {
                    req.query
                        .get("name")
                        .is_none_or(|w| n["name"] == w.as_str())
                })
                .cloned()
                .collect();
            Reply::json(200, json!({"networks": list}))
        }
        ("GET", ["subnets"]) => Reply::json(200, json!({"subnets": st.subnets})),
        ("GET", ["security-groups"]) => {
            let list: Vec<Value> = st
                .groups
                .iter()
                .filter(|g| req.query.get("name").is_none_or(|n| *n == g.name))
                .filter(|g| tags_match(&req.query, &g.tags))
                .map(|g| group_json(st, g))
                .collect();
            Reply::json(200, json!({"security_groups": list}))
        }
        ("POST", ["security-groups"]) => {
            let body = req.json();
            let group = &body["security_group"];
            let id = st.uuid();
            let created_at = st.stamp();
            let g = FakeGroup {
                id: id.clone(),
                name: group["name"].as_str().unwrap_or("").to_owned(),
                description: group["description"].as_str().unwrap_or("").to_owned(),
                tags: vec![],
                created_at,
            };
            for ethertype in ["IPv4", "IPv6"] {
                let rule_id = st.uuid();
                let body = json!({"direction": "egress", "ethertype": ethertype});
                st.rules.push(FakeRule {
                    id: rule_id,
                    group: id.clone(),
                    body: body.as_object().cloned().unwrap_or_default(),
                });
            }
            let reply = Reply::json(201, json!({"security_group": group_json(st, &g)}));
            st.groups.push(g);
            reply
        }
        ("GET", ["security-groups", id]) => match st.groups.iter().find(|g| g.id == *id) {
            Some(g) => Reply::json(200, json!({"security_group": group_json(st, g)})),
            None => error(
                "network",
                404,
                &format!("Security group {id} could not be found."),
            ),
        },
        ("DELETE", ["security-groups", id]) => {
            let before = st.groups.len();
            st.groups.retain(|g| g.id != *id);
            if st.groups.len() == before {
                return error(
                    "network",
                    404,
                    &format!("Security group {id} could not be found."),
                );
            }
            st.rules.retain(|r| r.group != *id);
            Reply::empty(204)
        }
        ("PUT", ["security-groups", id, "tags"]) => {
            let tags: Vec<String> = req.json()["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            match st.groups.iter_mut().find(|g| g.id == *id) {
                Some(g) => {
                    g.tags = tags.clone();
                    Reply::json(200, json!({"tags": tags}))
                }
                None => error(
                    "network",
                    404,
                    &format!("Security group {id} could not be found."),
                ),
            }
        }
        ("PUT", ["security-groups", id, "tags", tag]) => {
            match st.groups.iter_mut().find(|g| g.id == *id) {
                Some(g) => {
                    if !g.tags.iter().any(|t| t == tag) {
                        g.tags.push((*tag).to_owned());
                    }
                    Reply::empty(201)
                }
                None => error(
                    "network",
                    404,
                    &format!("Security group {id} could not be found."),
                ),
            }
        }
        ("GET", ["security-group-rules"]) => {
            let list: Vec<Value> = st
                .rules
                .iter()
                .filter(|r| {
                    req.query
                        .get("security_group_id")
                        .is_none_or(|g| *g == r.group)
                })
                .map(rule_json)
                .collect();
            Reply::json(200, json!({"security_group_rules": list}))
        }
        ("POST", ["security-group-rules"]) => {
            let body = req.json();
            let Some(rule) = body["security_group_rule"].as_object().cloned() else {
                return error("network", 400, "Body must contain security_group_rule");
            };
            let group = rule
                .get("security_group_id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if !st.groups.iter().any(|g| g.id == group) {
                return error(
                    "network",
                    404,
                    &format!("Security group {group} does not exist"),
                );
            }
            let mut fields = rule.clone();
            fields.remove("security_group_id");
            let candidate = rule_json(&FakeRule {
                id: String::new(),
                group: group.clone(),
                body: fields.clone(),
            });
            let same = |r: &&FakeRule| {
                let existing = rule_json(r);
                [
                    "direction",
                    "ethertype",
                    "protocol",
                    "port_range_min",
                    "port_range_max",
                    "remote_ip_prefix",
                    "remote_group_id",
                ]
                .iter()
                .all(|k| existing[k] == candidate[k])
            };
            if let Some(existing) = st.rules.iter().filter(|r| r.group == group).find(same) {
                return error(
                    "network",
                    409,
                    &format!(
                        "Security group rule already exists. Rule id is {}.",
                        existing.id
                    ),
                );
            }
            let id = st.uuid();
            let created = FakeRule {
                id,
                group,
                body: fields,
            };
            let reply = Reply::json(201, json!({"security_group_rule": rule_json(&created)}));
            st.rules.push(created);
            reply
        }
        ("DELETE", ["security-group-rules", id]) => {
            let before = st.rules.len();
            st.rules.retain(|r| r.id != *id);
            if st.rules.len() == before {
                error(
                    "network",
                    404,
                    &format!("Security group rule {id} could not be found."),
                )
            } else {
                Reply::empty(204)
            }
        }
        _ => error("network", 404, "The resource could not be found."),
    }
}
