//! The fake GitHub (`tests/support/fake_github.rs`) honours GitHub's contract: every body it
//! answers validates against GitHub's official OpenAPI description (`tests/data/github-openapi.json`),
//! and the stateful behaviours rpc's policy engine relies on (ETag and 304, pagination, the `head`
//! filter, the permission mapping, faults, authentication, latency) work as on GitHub.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use http::header::{AUTHORIZATION, HeaderName};
use http::{HeaderMap, HeaderValue};
use octocrab::Octocrab;
use serde_json::{Value, json};

use crate::support::fake_github::{
    APP_ID, BypassActor, FakeGitHub, Fault, FaultKind, Protection, Pull, Ruleset, RulesetRule,
    TOKEN,
};

// ---------------------------------------------------------------------------------------------
// The OpenAPI description as JSON Schema

/// The trimmed OpenAPI description with OpenAPI 3.0 `nullable` turned into JSON Schema.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut spec: Value = serde_json::from_str(include_str!("data/github-openapi.json"))
            .expect("github-openapi.json is JSON");
        // Example bodies are data, not schemas: leave them alone.
        for part in ["/paths", "/components/schemas", "/components/responses"] {
            convert_nullable(spec.pointer_mut(part).expect("part of the description"));
        }
        spec
    })
}

/// OpenAPI 3.0 `nullable: true` → JSON Schema: `"type": ["x", "null"]` (plus `null` in an `enum`),
/// or `anyOf: [<schema>, {"type": "null"}]` for schemas without a single `type` (`$ref`, `allOf`,
/// `oneOf`, `anyOf`).
fn convert_nullable(node: &mut Value) {
    match node {
        Value::Array(items) => items.iter_mut().for_each(convert_nullable),
        Value::Object(map) => {
            map.values_mut().for_each(convert_nullable);
            // A property *named* `nullable` holds a schema object, not a boolean.
            let nullable = match map.get("nullable") {
                Some(Value::Bool(nullable)) => *nullable,
                _ => return,
            };
            map.remove("nullable");
            if !nullable {
                return;
            }
            if let Some(Value::String(kind)) = map.get("type") {
                let kind = kind.clone();
                map.insert("type".into(), json!([kind, "null"]));
                if let Some(Value::Array(allowed)) = map.get_mut("enum") {
                    allowed.push(Value::Null);
                }
            } else {
                let schema = Value::Object(std::mem::take(map));
                map.insert("anyOf".into(), json!([schema, {"type": "null"}]));
            }
        }
        _ => {}
    }
}

/// Resolves a local `#/...` reference in the converted description.
fn resolve(reference: &str) -> &'static Value {
    let pointer = reference.strip_prefix('#').expect("local reference");
    spec()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} is not in github-openapi.json"))
}

/// The JSON schema of the `status` response of `method path_template`.
fn response_schema(path_template: &str, method: &str, status: u16) -> Value {
    let operation = &spec()["paths"][path_template][method];
    assert!(
        operation.is_object(),
        "{method} {path_template} is not in github-openapi.json"
    );
    let mut response = &operation["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path_template} documents no {status} response"
    );
    if let Some(reference) = response["$ref"].as_str() {
        response = resolve(reference);
    }
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path_template} {status} documents no JSON body"
    );
    schema.clone()
}

/// Asserts that `body` validates against `schema`, using the converted description as the root
/// document so `#/components/schemas/...` references resolve.
fn assert_valid(schema: &Value, body: &Value, what: &str) {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": {"schemas": spec()["components"]["schemas"].clone()},
    });
    let root_map = root.as_object_mut().expect("object");
    for (key, value) in schema.as_object().expect("schema object") {
        root_map.insert(key.clone(), value.clone());
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: cannot compile the schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("  at {:?}: {e}", e.instance_path().as_str()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the fake's body does not match GitHub's OpenAPI description:\n{}\nbody:\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(body).unwrap_or_default()
    );
}

/// Asserts the answer's status and validates its body against the documented response.
fn check(answer: &Answer, path_template: &str, method: &str, status: u16) {
    assert_eq!(
        answer.status, status,
        "{method} {path_template}: unexpected status; body: {}",
        answer.text
    );
    let schema = response_schema(path_template, method, status);
    assert_valid(
        &schema,
        &answer.body,
        &format!("{method} {path_template} {status}"),
    );
}

fn check_error(answer: &Answer, status: u16, message: &str) {
    assert_eq!(answer.status, status, "body: {}", answer.text);
    assert_valid(
        &json!({"$ref": "#/components/schemas/basic-error"}),
        &answer.body,
        &format!("{status} error"),
    );
    assert_eq!(answer.body["message"], message, "body: {}", answer.text);
    assert_eq!(answer.body["status"], status.to_string());
    assert!(answer.body["documentation_url"].is_string());
}

// ---------------------------------------------------------------------------------------------
// HTTP through octocrab

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test runtime")
        .block_on(future)
}

/// An octocrab client for the fake, authenticated with `token` as a Bearer token. Must be built
/// inside a runtime.
fn client(gh: &FakeGitHub, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(gh.url())
        .expect("base uri")
        .personal_token(token.to_string())
        .build_with_reqwest(reqwest::Client::new())
        .expect("octocrab")
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    text: String,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn remaining(&self) -> u64 {
        self.header("x-ratelimit-remaining")
            .expect("x-ratelimit-remaining")
            .parse()
            .expect("a number")
    }

    fn logins(&self) -> Vec<&str> {
        self.body
            .as_array()
            .expect("an array")
            .iter()
            .map(|item| item["login"].as_str().expect("login"))
            .collect()
    }

    fn numbers(&self) -> Vec<u64> {
        self.body
            .as_array()
            .expect("an array")
            .iter()
            .map(|item| item["number"].as_u64().expect("number"))
            .collect()
    }
}

/// Sends a request future of `octo` and collects the answer (a macro: octocrab's body type lives
/// in a crate rpc does not depend on directly).
macro_rules! answer {
    ($octo:expr, $request:expr) => {{
        let response = $request.await.expect("request reaches the fake");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = $octo.body_to_string(response).await.expect("body");
        Answer::new(status, headers, text)
    }};
}

impl Answer {
    fn new(status: u16, headers: HeaderMap, text: String) -> Answer {
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {text}"))
        };
        Answer {
            status,
            headers,
            text,
            body,
        }
    }
}

async fn get(octo: &Octocrab, path: &str) -> Answer {
    answer!(octo, octo._get(path))
}

async fn get_with(octo: &Octocrab, path: &str, name: &str, value: &str) -> Answer {
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_bytes(name.as_bytes()).expect("header name"),
        HeaderValue::from_str(value).expect("header value"),
    );
    answer!(octo, octo._get_with_headers(path, Some(headers)))
}

async fn post(octo: &Octocrab, path: &str) -> Answer {
    answer!(octo, octo._post(path, None::<&()>))
}

/// A GitHub App JWT with this payload; the fake does not check signatures.
fn jwt(payload: &Value) -> String {
    format!(
        "{}.{}.{}",
        base64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        base64url(payload.to_string().as_bytes()),
        base64url(b"not-a-real-signature")
    )
}

fn app_jwt() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    jwt(&json!({"iat": now - 60, "exp": now + 540, "iss": APP_ID}))
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Scenario

const REPO: &str = "acme/widgets";

fn pull(number: u64, head_repo: &str, head_ref: &str, base_ref: &str, state: &str) -> Pull {
    Pull {
        number,
        head_repo: head_repo.to_string(),
        head_ref: head_ref.to_string(),
        head_sha: format!("{number:0>40}"),
        base_ref: base_ref.to_string(),
        state: state.to_string(),
    }
}

/// A public repository with classic protection and bypass allowances, an active repository
/// ruleset with visible bypass actors, an active organization ruleset with hidden ones, a disabled
/// ruleset, direct and outside collaborators of every role, a fork pull request with comments and
/// an App installation.
fn rich_scenario() -> FakeGitHub {
    let gh = FakeGitHub::start();
    gh.add_repo(REPO, false, "main");
    gh.set_protection(
        REPO,
        "main",
        Protection {
            required_reviews: true,
            required_approving_review_count: 2,
            bypass_users: vec!["alice".into()],
            bypass_teams: vec!["release-managers".into()],
            bypass_apps: vec!["renovate".into()],
        },
    );
    gh.add_branch(REPO, "release/1.x", true);
    gh.add_branch(REPO, "scratch", false);
    gh.add_ruleset(
        REPO,
        Ruleset {
            id: 101,
            name: "main and releases".into(),
            source_type: "Repository".into(),
            source: REPO.into(),
            branches: vec!["main".into(), "release/1.x".into()],
            enforcement: "active".into(),
            rules: vec![
                RulesetRule::PullRequest {
                    required_approving_review_count: 1,
                },
                RulesetRule::Deletion,
                RulesetRule::NonFastForward,
                RulesetRule::RequiredSignatures,
            ],
            bypass_actors: Some(vec![
                BypassActor {
                    actor_id: Some(5),
                    actor_type: "RepositoryRole".into(),
                    bypass_mode: "always".into(),
                },
                BypassActor {
                    actor_id: Some(77),
                    actor_type: "Team".into(),
                    bypass_mode: "pull_request".into(),
                },
                BypassActor {
                    actor_id: None,
                    actor_type: "DeployKey".into(),
                    bypass_mode: "always".into(),
                },
                BypassActor {
                    actor_id: Some(1),
                    actor_type: "OrganizationAdmin".into(),
                    bypass_mode: "always".into(),
                },
                BypassActor {
                    actor_id: Some(APP_ID),
                    actor_type: "Integration".into(),
                    bypass_mode: "always".into(),
                },
            ]),
        },
    );
    gh.add_ruleset(
        REPO,
        Ruleset {
            id: 202,
            name: "org baseline".into(),
            source_type: "Organization".into(),
            source: "acme".into(),
            branches: vec!["main".into()],
            enforcement: "active".into(),
            rules: vec![RulesetRule::PullRequest {
                required_approving_review_count: 2,
            }],
            bypass_actors: None,
        },
    );
    gh.add_ruleset(
        REPO,
        Ruleset {
            id: 303,
            name: "trial".into(),
            source_type: "Repository".into(),
            source: REPO.into(),
            branches: vec!["main".into()],
            enforcement: "evaluate".into(),
            rules: vec![RulesetRule::Deletion],
            bypass_actors: Some(vec![]),
        },
    );
    for (login, role, outside) in [
        ("alice", "admin", false),
        ("bob", "maintain", false),
        ("carol", "write", true),
        ("dave", "triage", true),
        ("erin", "read", false),
        ("frank", "security-reviewer", true),
    ] {
        gh.add_collaborator(REPO, login, role, outside);
    }
    gh.add_user("mallory-friend");
    gh.add_pull(REPO, pull(7, "mallory/widgets", "patch-1", "main", "open"));
    gh.add_pull(REPO, pull(5, REPO, "feature", "main", "closed"));
    gh.add_comment(REPO, 7, "mallory", "please run the tests");
    gh.add_comment(REPO, 7, "alice", "/ok-to-test");
    gh.add_installation("acme", 9001);
    gh
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn responses_match_the_openapi_description() {
    let gh = rich_scenario();
    block_on(async {
        let octo = client(&gh, TOKEN);

        let repo = get(&octo, "/repos/acme/widgets").await;
        check(&repo, "/repos/{owner}/{repo}", "get", 200);
        assert_eq!(repo.body["full_name"], REPO);
        assert_eq!(repo.body["owner"]["login"], "acme");
        assert_eq!(repo.body["private"], false);
        assert_eq!(repo.body["visibility"], "public");
        assert_eq!(repo.body["default_branch"], "main");
        assert!(
            repo.body["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}/repos/acme/widgets", gh.url())),
            "API URLs point at the fake: {}",
            repo.body["url"]
        );
        check_error(&get(&octo, "/repos/acme/nothing").await, 404, "Not Found");

        let branch = get(&octo, "/repos/acme/widgets/branches/main").await;
        check(
            &branch,
            "/repos/{owner}/{repo}/branches/{branch}",
            "get",
            200,
        );
        assert_eq!(branch.body["name"], "main");
        assert_eq!(branch.body["protected"], true);
        let slashed = get(&octo, "/repos/acme/widgets/branches/release%2F1.x").await;
        check(
            &slashed,
            "/repos/{owner}/{repo}/branches/{branch}",
            "get",
            200,
        );
        assert_eq!(slashed.body["name"], "release/1.x");
        assert_eq!(slashed.body["protected"], true);
        let scratch = get(&octo, "/repos/acme/widgets/branches/scratch").await;
        assert_eq!(scratch.body["protected"], false);
        let missing = get(&octo, "/repos/acme/widgets/branches/nope").await;
        check_error(&missing, 404, "Branch not found");

        let protection = get(&octo, "/repos/acme/widgets/branches/main/protection").await;
        check(
            &protection,
            "/repos/{owner}/{repo}/branches/{branch}/protection",
            "get",
            200,
        );
        let reviews = &protection.body["required_pull_request_reviews"];
        assert_eq!(reviews["required_approving_review_count"], 2);
        let allowances = &reviews["bypass_pull_request_allowances"];
        assert_eq!(allowances["users"][0]["login"], "alice");
        assert_eq!(allowances["teams"][0]["slug"], "release-managers");
        assert_eq!(allowances["apps"][0]["slug"], "renovate");
        let unprotected = get(
            &octo,
            "/repos/acme/widgets/branches/release%2F1.x/protection",
        )
        .await;
        check_error(&unprotected, 404, "Branch not protected");

        let rules = get(&octo, "/repos/acme/widgets/rules/branches/main").await;
        check(
            &rules,
            "/repos/{owner}/{repo}/rules/branches/{branch}",
            "get",
            200,
        );
        let summary: Vec<(String, u64)> = rules
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["type"].as_str().unwrap().to_string(),
                    r["ruleset_id"].as_u64().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(String, u64)> = [
            ("pull_request", 101),
            ("deletion", 101),
            ("non_fast_forward", 101),
            ("required_signatures", 101),
            ("pull_request", 202),
        ]
        .iter()
        .map(|(t, id)| (t.to_string(), *id))
        .collect();
        assert_eq!(summary, expected, "only active rulesets apply");
        assert_eq!(rules.body[4]["ruleset_source_type"], "Organization");
        assert_eq!(rules.body[4]["ruleset_source"], "acme");
        assert_eq!(
            rules.body[4]["parameters"]["required_approving_review_count"],
            2
        );
        let release_rules = get(&octo, "/repos/acme/widgets/rules/branches/release%2F1.x").await;
        assert_eq!(release_rules.body.as_array().unwrap().len(), 4);
        let no_rules = get(&octo, "/repos/acme/widgets/rules/branches/scratch").await;
        assert_eq!(no_rules.body, json!([]));

        let visible = get(&octo, "/repos/acme/widgets/rulesets/101").await;
        check(
            &visible,
            "/repos/{owner}/{repo}/rulesets/{ruleset_id}",
            "get",
            200,
        );
        assert_eq!(visible.body["bypass_actors"].as_array().unwrap().len(), 5);
        assert_eq!(visible.body["bypass_actors"][2]["actor_id"], Value::Null);
        assert_eq!(
            visible.body["conditions"]["ref_name"]["include"],
            json!(["refs/heads/main", "refs/heads/release/1.x"])
        );
        let hidden = get(
            &octo,
            "/repos/acme/widgets/rulesets/202?includes_parents=true",
        )
        .await;
        check(
            &hidden,
            "/repos/{owner}/{repo}/rulesets/{ruleset_id}",
            "get",
            200,
        );
        assert!(hidden.body.get("bypass_actors").is_none());
        assert_eq!(hidden.body["source_type"], "Organization");
        let parents_excluded = get(
            &octo,
            "/repos/acme/widgets/rulesets/202?includes_parents=false",
        )
        .await;
        check_error(&parents_excluded, 404, "Not Found");
        let unknown = get(&octo, "/repos/acme/widgets/rulesets/999").await;
        check(
            &unknown,
            "/repos/{owner}/{repo}/rulesets/{ruleset_id}",
            "get",
            404,
        );

        let all = get(&octo, "/repos/acme/widgets/collaborators").await;
        check(&all, "/repos/{owner}/{repo}/collaborators", "get", 200);
        assert_eq!(
            all.logins(),
            ["alice", "bob", "carol", "dave", "erin", "frank"]
        );
        let outside_writers = get(
            &octo,
            "/repos/acme/widgets/collaborators?affiliation=outside&permission=push",
        )
        .await;
        check(
            &outside_writers,
            "/repos/{owner}/{repo}/collaborators",
            "get",
            200,
        );
        assert_eq!(outside_writers.logins(), ["carol"]);
        assert_eq!(outside_writers.body[0]["role_name"], "write");
        assert_eq!(outside_writers.body[0]["permissions"]["push"], true);
        assert_eq!(outside_writers.body[0]["permissions"]["maintain"], false);
        let outside = get(
            &octo,
            "/repos/acme/widgets/collaborators?affiliation=outside",
        )
        .await;
        assert_eq!(outside.logins(), ["carol", "dave", "frank"]);
        let maintainers = get(
            &octo,
            "/repos/acme/widgets/collaborators?affiliation=direct&permission=maintain",
        )
        .await;
        assert_eq!(maintainers.logins(), ["alice", "bob"]);
        let triagers = get(&octo, "/repos/acme/widgets/collaborators?permission=triage").await;
        assert_eq!(triagers.logins(), ["alice", "bob", "carol", "dave"]);

        let permission = "/repos/{owner}/{repo}/collaborators/{username}/permission";
        let admin = get(&octo, "/repos/acme/widgets/collaborators/alice/permission").await;
        check(&admin, permission, "get", 200);
        assert_eq!(admin.body["permission"], "admin");
        assert_eq!(admin.body["user"]["login"], "alice");
        let stranger = get(
            &octo,
            "/repos/acme/widgets/collaborators/mallory/permission",
        )
        .await;
        check(&stranger, permission, "get", 200);
        assert_eq!(stranger.body["permission"], "read");
        assert_eq!(stranger.body["role_name"], "read");
        let nobody = get(
            &octo,
            "/repos/acme/widgets/collaborators/nobody-at-all/permission",
        )
        .await;
        check(&nobody, permission, "get", 404);

        let pulls = get(&octo, "/repos/acme/widgets/pulls?head=mallory:patch-1").await;
        check(&pulls, "/repos/{owner}/{repo}/pulls", "get", 200);
        assert_eq!(pulls.numbers(), [7]);
        let fork_pr = &pulls.body[0];
        assert_eq!(fork_pr["user"]["login"], "mallory");
        assert_eq!(fork_pr["head"]["label"], "mallory:patch-1");
        assert_eq!(fork_pr["head"]["ref"], "patch-1");
        assert_eq!(fork_pr["head"]["sha"], format!("{:0>40}", 7));
        assert_eq!(fork_pr["head"]["repo"]["full_name"], "mallory/widgets");
        assert_eq!(fork_pr["head"]["repo"]["owner"]["login"], "mallory");
        assert_eq!(fork_pr["head"]["repo"]["fork"], true);
        assert_eq!(fork_pr["head"]["user"]["login"], "mallory");
        assert_eq!(fork_pr["base"]["ref"], "main");
        assert_eq!(fork_pr["base"]["repo"]["full_name"], REPO);
        let closed = get(&octo, "/repos/acme/widgets/pulls?state=closed").await;
        check(&closed, "/repos/{owner}/{repo}/pulls", "get", 200);
        assert_eq!(closed.numbers(), [5]);
        assert_eq!(closed.body[0]["head"]["repo"]["fork"], false);
        let bad_state = get(&octo, "/repos/acme/widgets/pulls?state=merged").await;
        check(&bad_state, "/repos/{owner}/{repo}/pulls", "get", 422);

        let comments = get(&octo, "/repos/acme/widgets/issues/7/comments").await;
        check(
            &comments,
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            "get",
            200,
        );
        let bodies: Vec<(&str, &str, &str)> = comments
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["user"]["login"].as_str().unwrap(),
                    c["body"].as_str().unwrap(),
                    c["author_association"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            bodies,
            [
                ("mallory", "please run the tests", "NONE"),
                ("alice", "/ok-to-test", "COLLABORATOR")
            ]
        );

        let app = client(&gh, &app_jwt());
        let installation = get(&app, "/repos/acme/widgets/installation").await;
        check(
            &installation,
            "/repos/{owner}/{repo}/installation",
            "get",
            200,
        );
        assert_eq!(installation.body["id"], 9001);
        assert_eq!(installation.body["app_id"], APP_ID);
        assert_eq!(installation.body["account"]["login"], "acme");
        let token = post(&app, "/app/installations/9001/access_tokens").await;
        check(
            &token,
            "/app/installations/{installation_id}/access_tokens",
            "post",
            201,
        );
        // octocrab's own App flow parses these bodies into its models.
        let parsed: octocrab::models::InstallationToken =
            serde_json::from_value(token.body.clone()).expect("octocrab parses the token");
        assert!(parsed.expires_at.is_some());
        let parsed: octocrab::models::Installation =
            serde_json::from_value(installation.body.clone()).expect("octocrab parses it");
        assert_eq!(parsed.id.0, 9001);
        let minted = token.body["token"].as_str().unwrap().to_string();
        assert!(minted.starts_with("ghs_"), "{minted}");
        let expires_at = token.body["expires_at"].as_str().unwrap();
        assert!(
            expires_at.len() == 20 && expires_at.ends_with('Z'),
            "{expires_at}"
        );
        let unknown_installation = post(&app, "/app/installations/1/access_tokens").await;
        check(
            &unknown_installation,
            "/app/installations/{installation_id}/access_tokens",
            "post",
            404,
        );

        let rate = get(&octo, "/rate_limit").await;
        check(&rate, "/rate_limit", "get", 200);
        assert_eq!(rate.body["resources"]["core"]["limit"], 5000);
        assert_eq!(
            rate.body["resources"]["core"]["remaining"].as_u64(),
            Some(rate.remaining()),
            "GET /rate_limit does not count"
        );

        let denied = get(&client(&gh, "ghp_wrong"), "/repos/acme/widgets").await;
        check(
            &denied,
            "/app/installations/{installation_id}/access_tokens",
            "post",
            401,
        );
        check_error(&denied, 401, "Bad credentials");
    });
}

#[test]
fn the_validator_rejects_what_github_would_not_send() {
    let schema = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let error =
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"});
    assert_valid(&schema("basic-error"), &error, "a basic error");
    let rejected = std::panic::catch_unwind(|| {
        assert_valid(
            &schema("basic-error"),
            &json!({"message": 404}),
            "a wrong type",
        );
    });
    assert!(rejected.is_err(), "a number is not a message");
    let rejected = std::panic::catch_unwind(|| {
        assert_valid(
            &schema("repository-ruleset-bypass-actor"),
            &json!({"actor_type": "Robot"}),
            "a wrong enum",
        );
    });
    assert!(rejected.is_err(), "Robot is no actor type");
    // `nullable: true` admits null, and only there.
    let actor = json!({"actor_id": null, "actor_type": "DeployKey", "bypass_mode": "always"});
    assert_valid(
        &schema("repository-ruleset-bypass-actor"),
        &actor,
        "a null actor id",
    );
    let rejected = std::panic::catch_unwind(|| {
        let actor = json!({"actor_id": 1, "actor_type": null});
        assert_valid(
            &schema("repository-ruleset-bypass-actor"),
            &actor,
            "a null type",
        );
    });
    assert!(rejected.is_err(), "actor_type is not nullable");
    let suspended = json!(null);
    assert_valid(
        &schema("nullable-simple-user"),
        &suspended,
        "a nullable object",
    );
    let rejected = std::panic::catch_unwind(|| {
        assert_valid(&schema("simple-user"), &json!(null), "a null user");
    });
    assert!(rejected.is_err(), "simple-user is not nullable");
}

#[test]
fn etag_answers_304_without_spending_rate_limit() {
    let gh = rich_scenario();
    block_on(async {
        let octo = client(&gh, TOKEN);
        let first = get(&octo, "/repos/acme/widgets/branches/main").await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").expect("ETag").to_string();
        assert!(
            etag.starts_with("W/\"") && etag.len() == 2 + 1 + 64 + 1,
            "{etag}"
        );
        let second = get_with(
            &octo,
            "/repos/acme/widgets/branches/main",
            "if-none-match",
            &etag,
        )
        .await;
        assert_eq!(second.status, 304);
        assert!(second.text.is_empty());
        assert_eq!(second.header("etag"), Some(etag.as_str()));
        assert_eq!(
            second.remaining(),
            first.remaining(),
            "a 304 does not count"
        );
        let third = get(&octo, "/repos/acme/widgets/branches/main").await;
        assert_eq!(third.remaining(), first.remaining() - 1);
        assert_eq!(third.header("x-ratelimit-limit"), Some("5000"));
        assert_eq!(third.header("x-ratelimit-resource"), Some("core"));
        assert_eq!(third.header("x-ratelimit-used"), Some("2"));
        assert_eq!(
            third.header("content-type"),
            Some("application/json; charset=utf-8")
        );

        // A state change changes the body and so the ETag.
        gh.add_branch(REPO, "main", false);
        let changed = get_with(
            &octo,
            "/repos/acme/widgets/branches/main",
            "if-none-match",
            &etag,
        )
        .await;
        assert_eq!(changed.status, 200);
        assert_eq!(changed.body["protected"], false);
        assert_ne!(changed.header("etag"), Some(etag.as_str()));

        let conditional: Vec<bool> = gh
            .requests()
            .iter()
            .map(|r| {
                assert_eq!(r.method, "GET");
                assert_eq!(r.path, "/repos/acme/widgets/branches/main");
                assert_eq!(r.query, "");
                assert_eq!(
                    r.authorization.as_deref(),
                    Some(&*format!("Bearer {TOKEN}"))
                );
                r.conditional
            })
            .collect();
        assert_eq!(conditional, [false, true, false, true]);
        let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 304, 200, 200]);
    });
}

#[test]
fn lists_paginate_with_link_headers() {
    let gh = FakeGitHub::start();
    gh.add_repo("acme/big", true, "trunk");
    for i in 0..250 {
        gh.add_collaborator("acme/big", &format!("user{i:03}"), "write", i % 2 == 0);
    }
    block_on(async {
        let octo = client(&gh, TOKEN);
        let mut path = "/repos/acme/big/collaborators?affiliation=all&per_page=100".to_string();
        let mut pages = Vec::new();
        loop {
            let page = get(&octo, &path).await;
            check(&page, "/repos/{owner}/{repo}/collaborators", "get", 200);
            let link = page.header("link").unwrap_or_default().to_string();
            pages.push((page.logins().len(), link.clone()));
            let Some(next) = link
                .split(", ")
                .find(|l| l.ends_with("rel=\"next\""))
                .map(|l| l[1..l.find('>').unwrap()].to_string())
            else {
                break;
            };
            assert!(next.starts_with(&gh.url()), "absolute: {next}");
            assert!(next.contains("affiliation=all&per_page=100"), "{next}");
            path = next[gh.url().len()..].to_string();
        }
        let sizes: Vec<usize> = pages.iter().map(|(n, _)| *n).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let url = gh.url();
        assert_eq!(
            pages[0].1,
            format!(
                "<{url}/repos/acme/big/collaborators?affiliation=all&per_page=100&page=2>; rel=\"next\", \
                 <{url}/repos/acme/big/collaborators?affiliation=all&per_page=100&page=3>; rel=\"last\""
            )
        );
        assert!(pages[1].1.contains("page=3>; rel=\"next\""));
        assert!(!pages[2].1.contains("rel=\"next\""), "{}", pages[2].1);
        assert!(pages[2].1.contains("page=2>; rel=\"prev\""));
        assert_eq!(gh.count("GET", "/collaborators"), 3);

        // Defaults: 30 per page; at most 100.
        let default = get(&octo, "/repos/acme/big/collaborators").await;
        assert_eq!(default.logins().len(), 30);
        assert!(
            default
                .header("link")
                .unwrap()
                .contains("page=9>; rel=\"last\"")
        );
        let capped = get(&octo, "/repos/acme/big/collaborators?per_page=500").await;
        assert_eq!(capped.logins().len(), 100);
        let beyond = get(&octo, "/repos/acme/big/collaborators?per_page=100&page=4").await;
        assert_eq!(beyond.body, json!([]));
        let single = get(&octo, "/repos/acme/big/rules/branches/trunk").await;
        assert_eq!(single.body, json!([]));
        assert!(single.header("link").is_none());
    });
}

#[test]
fn head_filter_tells_forks_apart() {
    let gh = FakeGitHub::start();
    gh.add_repo(REPO, false, "main");
    gh.add_pull(REPO, pull(11, "mallory/widgets", "patch-1", "main", "open"));
    gh.add_pull(
        REPO,
        pull(12, "eve/widgets-fork", "patch-1", "main", "open"),
    );
    gh.add_pull(
        REPO,
        pull(13, "eve/widgets-fork", "patch-1", "release", "closed"),
    );
    block_on(async {
        let octo = client(&gh, TOKEN);
        let numbers = |query: &'static str| {
            let octo = &octo;
            async move {
                let answer = get(octo, &format!("/repos/acme/widgets/pulls{query}")).await;
                check(&answer, "/repos/{owner}/{repo}/pulls", "get", 200);
                answer.numbers()
            }
        };
        assert_eq!(numbers("?head=mallory:patch-1").await, [11]);
        assert_eq!(numbers("?head=eve:patch-1").await, [12]);
        assert_eq!(numbers("?head=EVE:patch-1&state=all").await, [13, 12]);
        assert_eq!(numbers("?head=eve:patch-2").await, Vec::<u64>::new());
        assert_eq!(
            numbers("?head=mallory:patch-1&base=release").await,
            Vec::<u64>::new()
        );
        assert_eq!(numbers("?base=release&state=closed").await, [13]);
        // Like GitHub, a head without `owner:` is ignored.
        assert_eq!(numbers("?head=patch-1").await, [12, 11]);
        assert_eq!(numbers("").await, [12, 11]);
        assert_eq!(numbers("?state=all").await, [13, 12, 11]);
        let answer = get(&octo, "/repos/acme/widgets/pulls?head=eve%3Apatch-1").await;
        assert_eq!(answer.numbers(), [12]);
        assert_eq!(
            answer.body[0]["head"]["repo"]["full_name"],
            "eve/widgets-fork"
        );
        assert_eq!(answer.body[0]["head"]["label"], "eve:patch-1");
    });
}

#[test]
fn permissions_map_like_github() {
    let gh = FakeGitHub::start();
    gh.add_repo("acme/secret", true, "main");
    gh.add_repo("acme/open", false, "main");
    for (login, role) in [
        ("ada", "admin"),
        ("max", "maintain"),
        ("wes", "write"),
        ("tia", "triage"),
        ("rey", "read"),
        ("cus", "security-reviewer"),
    ] {
        gh.add_collaborator("acme/secret", login, role, false);
    }
    gh.add_user("nick");
    gh.add_comment("acme/open", 1, "commenter", "hello");
    gh.add_pull("acme/open", pull(2, "forker/open", "main", "main", "open"));
    block_on(async {
        let octo = client(&gh, TOKEN);
        let permission = "/repos/{owner}/{repo}/collaborators/{username}/permission";
        for (repo, login, expected, role_name) in [
            ("secret", "ada", "admin", "admin"),
            ("secret", "max", "write", "maintain"),
            ("secret", "wes", "write", "write"),
            ("secret", "tia", "read", "triage"),
            ("secret", "rey", "read", "read"),
            ("secret", "cus", "read", "security-reviewer"),
            ("secret", "ADA", "admin", "admin"),
            ("secret", "nick", "none", "none"),
            ("secret", "commenter", "none", "none"),
            ("open", "nick", "read", "read"),
            ("open", "commenter", "read", "read"),
            ("open", "forker", "read", "read"),
            ("open", "ada", "read", "read"),
        ] {
            let answer = get(
                &octo,
                &format!("/repos/acme/{repo}/collaborators/{login}/permission"),
            )
            .await;
            check(&answer, permission, "get", 200);
            assert_eq!(answer.body["permission"], expected, "{repo} {login}");
            assert_eq!(answer.body["role_name"], role_name, "{repo} {login}");
        }
        let unknown = get(&octo, "/repos/acme/secret/collaborators/ghost/permission").await;
        check(&unknown, permission, "get", 404);
        check_error(&unknown, 404, "Not Found");

        // Comments can be removed again.
        let before = get(&octo, "/repos/acme/open/issues/1/comments").await;
        assert_eq!(before.logins_of_users(), ["commenter"]);
        gh.remove_comments("acme/open", 1);
        let after = get(&octo, "/repos/acme/open/issues/1/comments").await;
        assert_eq!(after.body, json!([]));
    });
}

impl Answer {
    fn logins_of_users(&self) -> Vec<&str> {
        self.body
            .as_array()
            .expect("an array")
            .iter()
            .map(|item| item["user"]["login"].as_str().expect("login"))
            .collect()
    }
}

#[test]
fn faults_apply_and_expire() {
    let gh = rich_scenario();
    block_on(async {
        let octo = client(&gh, TOKEN);
        let path = "/repos/acme/widgets";

        gh.fault(Fault {
            method: "GET".into(),
            path_contains: "/repos/acme/widgets".into(),
            kind: FaultKind::Status(502),
            times: Some(2),
        });
        gh.fault(Fault {
            method: "POST".into(),
            path_contains: "/".into(),
            kind: FaultKind::Status(500),
            times: None,
        });
        let first = get(&octo, path).await;
        check_error(&first, 502, "Bad Gateway");
        check_error(&get(&octo, path).await, 502, "Bad Gateway");
        assert_eq!(get(&octo, path).await.status, 200, "the fault expired");
        let post_fault = post(
            &client(&gh, &app_jwt()),
            "/app/installations/9001/access_tokens",
        )
        .await;
        check_error(&post_fault, 500, "Server Error");
        gh.clear_faults();
        assert_eq!(
            post(
                &client(&gh, &app_jwt()),
                "/app/installations/9001/access_tokens"
            )
            .await
            .status,
            201
        );

        gh.fault(Fault {
            method: "GET".into(),
            path_contains: "/collaborators".into(),
            kind: FaultKind::Status(404),
            times: Some(1),
        });
        let hidden = get(&octo, "/repos/acme/widgets/collaborators").await;
        check(&hidden, "/repos/{owner}/{repo}/collaborators", "get", 404);
        assert_eq!(
            get(&octo, "/repos/acme/widgets/collaborators").await.status,
            200
        );

        gh.fault(Fault {
            method: "GET".into(),
            path_contains: "/branches/".into(),
            kind: FaultKind::RateLimit { reset_in_secs: 120 },
            times: Some(1),
        });
        let limited = get(&octo, "/repos/acme/widgets/branches/main").await;
        check_error(&limited, 403, limited.body["message"].as_str().unwrap());
        assert!(
            limited.body["message"]
                .as_str()
                .unwrap()
                .starts_with("API rate limit exceeded for "),
            "{}",
            limited.text
        );
        assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(limited.header("x-ratelimit-used"), Some("5000"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let reset: u64 = limited
            .header("x-ratelimit-reset")
            .unwrap()
            .parse()
            .unwrap();
        assert!((now + 118..=now + 122).contains(&reset), "{reset} vs {now}");
        let recovered = get(&octo, "/repos/acme/widgets/branches/main").await;
        assert_eq!(recovered.status, 200);
        assert_ne!(recovered.header("x-ratelimit-remaining"), Some("0"));

        gh.fault(Fault {
            method: "GET".into(),
            path_contains: "/pulls".into(),
            kind: FaultKind::SecondaryRateLimit { retry_after: 30 },
            times: Some(1),
        });
        let secondary = get(&octo, "/repos/acme/widgets/pulls").await;
        check_error(&secondary, 403, secondary.body["message"].as_str().unwrap());
        assert!(
            secondary.body["message"]
                .as_str()
                .unwrap()
                .starts_with("You have exceeded a secondary rate limit"),
            "{}",
            secondary.text
        );
        assert_eq!(secondary.header("retry-after"), Some("30"));

        gh.fault(Fault {
            method: "*".into(),
            path_contains: "/issues/".into(),
            kind: FaultKind::TooManyRequests { retry_after: 7 },
            times: Some(1),
        });
        let too_many = get(&octo, "/repos/acme/widgets/issues/7/comments").await;
        check_error(&too_many, 429, too_many.body["message"].as_str().unwrap());
        assert_eq!(too_many.header("retry-after"), Some("7"));
        assert_eq!(
            get(&octo, "/repos/acme/widgets/issues/7/comments")
                .await
                .status,
            200
        );

        gh.fault(Fault {
            method: "GET".into(),
            path_contains: "release/1.x".into(),
            kind: FaultKind::Slow(Duration::from_millis(400)),
            times: Some(1),
        });
        let started = Instant::now();
        let slow = get(&octo, "/repos/acme/widgets/branches/release%2F1.x").await;
        assert!(started.elapsed() >= Duration::from_millis(400));
        check(&slow, "/repos/{owner}/{repo}/branches/{branch}", "get", 200);
        let started = Instant::now();
        assert_eq!(
            get(&octo, "/repos/acme/widgets/branches/release%2F1.x")
                .await
                .status,
            200
        );
        assert!(started.elapsed() < Duration::from_millis(400));

        // Faulted responses are logged like the others.
        assert_eq!(gh.count("GET", "/repos/acme/widgets"), 12);
        assert_eq!(
            gh.count("GET", "/branches/release%2F1.x"),
            2,
            "raw paths match"
        );
        assert_eq!(
            gh.count("GET", "/branches/release/1.x"),
            2,
            "decoded paths match"
        );
        assert_eq!(gh.count("POST", "/access_tokens"), 2);
        assert_eq!(gh.count("*", "/access_tokens"), 2);
        let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [
                502, 502, 200, 500, 201, 404, 200, 403, 200, 403, 429, 200, 200, 200
            ]
        );
        gh.reset_requests();
        assert!(gh.requests().is_empty());
    });
}

#[test]
fn credentials_are_checked() {
    let gh = rich_scenario();
    gh.add_repo("other/thing", false, "main");
    block_on(async {
        let good = client(&gh, TOKEN);
        let before = get(&good, "/repos/acme/widgets").await.remaining();

        let wrong = get(&client(&gh, "ghp_wrong"), "/repos/acme/widgets").await;
        check_error(&wrong, 401, "Bad credentials");
        let anonymous = Octocrab::builder()
            .base_uri(gh.url())
            .unwrap()
            .build_with_reqwest(reqwest::Client::new())
            .unwrap();
        let missing = get(&anonymous, "/repos/acme/widgets").await;
        check_error(&missing, 401, "Requires authentication");
        let token_scheme = Octocrab::builder()
            .base_uri(gh.url())
            .unwrap()
            .add_header(AUTHORIZATION, format!("token {TOKEN}"))
            .build_with_reqwest(reqwest::Client::new())
            .unwrap();
        assert_eq!(get(&token_scheme, "/repos/acme/widgets").await.status, 200);
        assert_eq!(
            get(&good, "/repos/acme/widgets").await.remaining(),
            before - 2,
            "401s do not count"
        );

        // The App endpoints want a JWT issued by the App, not a token.
        let with_pat = get(&good, "/repos/acme/widgets/installation").await;
        check_error(&with_pat, 401, "A JSON web token could not be decoded");
        let other_app = client(&gh, &jwt(&json!({"iss": APP_ID + 1})));
        assert_eq!(
            get(&other_app, "/repos/acme/widgets/installation")
                .await
                .status,
            401
        );
        let string_iss = client(&gh, &jwt(&json!({"iss": APP_ID.to_string()})));
        assert_eq!(
            get(&string_iss, "/repos/acme/widgets/installation")
                .await
                .status,
            200
        );
        let expired = client(&gh, &jwt(&json!({"iss": APP_ID, "exp": 1_000_000})));
        assert_eq!(
            get(&expired, "/repos/acme/widgets/installation")
                .await
                .status,
            401
        );
        let app = client(&gh, &app_jwt());
        let jwt_on_api = get(&app, "/repos/acme/widgets").await;
        check_error(&jwt_on_api, 401, "Bad credentials");
        let not_installed = get(&app, "/repos/other/thing/installation").await;
        check(
            &not_installed,
            "/repos/{owner}/{repo}/installation",
            "get",
            404,
        );

        // Installation tokens work, for the installation owner's repositories only.
        let minted = post(&app, "/app/installations/9001/access_tokens").await;
        let token = minted.body["token"].as_str().unwrap().to_string();
        let installation = client(&gh, &token);
        assert_eq!(get(&installation, "/repos/acme/widgets").await.status, 200);
        check_error(
            &get(&installation, "/repos/other/thing").await,
            404,
            "Not Found",
        );
        let limited = get(&installation, "/rate_limit").await;
        assert_eq!(limited.status, 200);

        let authorizations: Vec<Option<String>> =
            gh.requests().into_iter().map(|r| r.authorization).collect();
        assert_eq!(authorizations[1].as_deref(), Some("Bearer ghp_wrong"));
        assert_eq!(authorizations[2], None);
        assert_eq!(
            authorizations[3].as_deref(),
            Some(&*format!("token {TOKEN}"))
        );
    });
}

#[test]
fn latency_delays_every_response() {
    let gh = rich_scenario();
    gh.set_latency(Duration::from_millis(300));
    block_on(async {
        let octo = client(&gh, TOKEN);
        for path in ["/repos/acme/widgets", "/rate_limit", "/nowhere"] {
            let started = Instant::now();
            let answer = get(&octo, path).await;
            assert!(
                started.elapsed() >= Duration::from_millis(300),
                "{path} answered too fast"
            );
            assert_ne!(answer.status, 0);
        }
        gh.set_latency(Duration::ZERO);
        let started = Instant::now();
        assert_eq!(get(&octo, "/repos/acme/widgets").await.status, 200);
        assert!(started.elapsed() < Duration::from_millis(300));
    });
}
