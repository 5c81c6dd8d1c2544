//! The GitHub client: octocrab underneath, with the behaviour a policy gate needs on top —
//! personal token or GitHub App auth (installation token minted once and reused), a timeout on
//! every call, bounded retries within a time budget, an ETag cache that always revalidates, and
//! request counts for the verdict.

mod cache;
mod error;
mod retry;
mod session;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use octocrab::Octocrab;
use serde::Deserialize;
use url::Url;

pub use cache::Cache;
pub use error::ApiError;
pub use session::{Session, Stats, Usage, encode};

use crate::config::GithubConfig;
use crate::secrets::Secret;

/// How rpc authenticates to GitHub.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A personal access token.
    Token(Secret),
    /// A GitHub App.
    App {
        /// The App's id.
        app_id: u64,
        /// Its private key, PEM.
        private_key: Secret,
        /// The installation; looked up per repository when `None`.
        installation_id: Option<u64>,
    },
}

/// Everything needed to build a [`GitHub`] client.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// API base URL.
    pub base_url: Url,
    /// Authentication.
    pub credentials: Credentials,
    /// Timeout of one call.
    pub timeout: Duration,
    /// Longest total time one session may spend waiting to retry.
    pub retry_budget: Duration,
    /// Where to cache responses; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

/// Problems building the client: configuration errors, found before any call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Neither a token nor a GitHub App is configured.
    #[error("no GitHub credentials are configured")]
    NoCredentials,
    /// The App private key is not a PEM RSA key.
    #[error("`github.app_private_key` is not a PEM-encoded RSA private key: {0}")]
    BadKey(String),
    /// The base URL is not usable.
    #[error("`github.url` {url} is not usable: {detail}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
}

impl ClientError {
    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NoCredentials => Some(
                "set RPC_GITHUB_TOKEN (or GITHUB_TOKEN), or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY; see `rpc config check`"
                    .into(),
            ),
            Self::BadKey(_) => Some("use the private key GitHub generated for the App (PEM)".into()),
            Self::BadUrl { .. } => None,
        }
    }
}

impl ClientSettings {
    /// Settings from the `[github]` section; the cache lives under the XDG cache directory.
    pub fn from_config(github: &GithubConfig) -> Result<Self, ClientError> {
        let credentials = match (&github.token, github.app_id, &github.app_private_key) {
            (Some(token), _, _) => Credentials::Token(token.clone()),
            (None, Some(app_id), Some(key)) => Credentials::App {
                app_id,
                private_key: key.clone(),
                installation_id: github.app_installation_id,
            },
            _ => return Err(ClientError::NoCredentials),
        };
        let cache_dir = github
            .cache
            .then(|| dirs::cache_dir().map(|dir| dir.join("rpc").join("github")))
            .flatten();
        Ok(Self {
            base_url: github.url.clone(),
            credentials,
            timeout: github.timeout,
            retry_budget: github.retry_budget,
            cache_dir,
        })
    }
}

/// A GitHub client shared by every check of a process.
pub struct GitHub {
    settings: ClientSettings,
    octo: Octocrab,
    /// Installation clients by installation id, with a hash of the token last seen: each client
    /// mints its token once and refreshes it before expiry.
    installations: Mutex<HashMap<u64, (Octocrab, String)>>,
    /// Installation ids found per repository owner (an App has one installation per account).
    installation_ids: Mutex<HashMap<String, u64>>,
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
}

impl GitHub {
    /// Builds the client. Makes no request.
    pub fn new(settings: ClientSettings) -> Result<Self, ClientError> {
        let bad_url = |detail: String| ClientError::BadUrl {
            url: settings.base_url.to_string(),
            detail,
        };
        // reqwest honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY. The timeout of a whole exchange is
        // the session's own, so that it reports uniformly.
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|err| bad_url(err.to_string()))?;
        let builder = Octocrab::builder()
            .base_uri(settings.base_url.as_str())
            .map_err(|err| bad_url(err.to_string()))?;
        let builder = match &settings.credentials {
            Credentials::Token(token) => builder.personal_token(token.expose().to_owned()),
            Credentials::App {
                app_id,
                private_key,
                ..
            } => builder
                .app_from_rsa_pem((*app_id).into(), private_key.expose())
                .map_err(|err| ClientError::BadKey(err.to_string()))?,
        };
        let octo = builder
            .build_with_reqwest(http)
            .map_err(|err| bad_url(err.to_string()))?;
        Ok(Self {
            settings,
            octo,
            installations: Mutex::new(HashMap::new()),
            installation_ids: Mutex::new(HashMap::new()),
        })
    }

    /// A session for checks on `owner/repo`. With a GitHub App this finds the installation (unless
    /// configured) and makes sure its token is minted before any concurrent request needs it.
    pub async fn session(&self, owner: &str, repo: &str) -> Result<Session, ApiError> {
        let stats = Arc::new(Stats::new());
        let deadline = tokio::time::Instant::now() + self.settings.retry_budget;
        let (octo, credential_id) = match &self.settings.credentials {
            Credentials::Token(token) => (
                self.octo.clone(),
                format!("token:{}", cache::hash(token.expose())),
            ),
            Credentials::App {
                app_id,
                installation_id,
                ..
            } => {
                let id = match installation_id {
                    Some(id) => *id,
                    None => self.installation_of(owner, repo, &stats, deadline).await?,
                };
                (
                    self.installation(id, &stats).await?,
                    format!("app:{app_id}:installation:{id}"),
                )
            }
        };
        let cache = self.settings.cache_dir.as_ref().map(|root| {
            let host = self.settings.base_url.authority().to_owned();
            Cache::new(root, &host, &credential_id)
        });
        Ok(self.session_with(octo, cache, &stats, deadline))
    }

    /// Checks that GitHub answers and accepts the credentials (`/health`): `GET /rate_limit` with
    /// a token, `GET /app` with a GitHub App.
    pub async fn verify(&self) -> Result<(), ApiError> {
        let stats = Arc::new(Stats::new());
        let deadline = tokio::time::Instant::now() + self.settings.timeout;
        let session = self.session_with(self.octo.clone(), None, &stats, deadline);
        let path = match self.settings.credentials {
            Credentials::Token(_) => "/rate_limit",
            Credentials::App { .. } => "/app",
        };
        session.get::<serde_json::Value>(path).await.map(|_| ())
    }

    /// The App's installation on `owner`, looked up once per owner through `owner/repo`.
    async fn installation_of(
        &self,
        owner: &str,
        repo: &str,
        stats: &Arc<Stats>,
        deadline: tokio::time::Instant,
    ) -> Result<u64, ApiError> {
        let key = owner.to_ascii_lowercase();
        let ids = || {
            self.installation_ids
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(id) = ids().get(&key).copied() {
            return Ok(id);
        }
        let app = self.session_with(self.octo.clone(), None, stats, deadline);
        let path = format!("/repos/{}/{}/installation", encode(owner), encode(repo));
        let id = app.get::<Installation>(&path).await?.id;
        ids().insert(key, id);
        Ok(id)
    }

    fn session_with(
        &self,
        octo: Octocrab,
        cache: Option<Cache>,
        stats: &Arc<Stats>,
        deadline: tokio::time::Instant,
    ) -> Session {
        Session::new(
            octo,
            cache,
            Arc::clone(stats),
            self.settings.timeout,
            deadline,
            self.settings.base_url.path().to_owned(),
        )
    }

    /// The client of installation `id`, with a valid token.
    async fn installation(&self, id: u64, stats: &Stats) -> Result<Octocrab, ApiError> {
        let existing = self
            .installations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&id)
            .cloned();
        let (client, last_token) = match existing {
            Some(existing) => existing,
            None => {
                let client =
                    self.octo
                        .installation(id.into())
                        .map_err(|err| ApiError::Unexpected {
                            path: format!("/app/installations/{id}"),
                            detail: err.to_string(),
                        })?;
                (client, String::new())
            }
        };
        // Mints (and caches) a token only when none is valid for another minute, before any of a
        // check's concurrent requests could each mint their own.
        let path = format!("/app/installations/{id}/access_tokens");
        let minted = tokio::time::timeout(
            self.settings.timeout,
            client.installation_token_with_buffer(chrono::Duration::minutes(1)),
        )
        .await
        .map_err(|_| ApiError::Unavailable {
            path: path.clone(),
            detail: "no answer in time".into(),
        })?
        .map_err(|err| octocrab_error(&path, err))?;
        let token = cache::hash(secrecy::ExposeSecret::expose_secret(&minted));
        if token != last_token {
            stats.count_request();
        }
        self.installations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, (client.clone(), token));
        Ok(client)
    }
}

/// Maps an octocrab error (from the token exchange) onto [`ApiError`].
fn octocrab_error(path: &str, err: octocrab::Error) -> ApiError {
    let path = path.to_owned();
    match err {
        octocrab::Error::GitHub { source, .. } => {
            let message = source.message.clone();
            match source.status_code.as_u16() {
                401 => ApiError::Unauthorized { path, message },
                403 | 429 => ApiError::RateLimited {
                    path,
                    retry_in: None,
                },
                404 => ApiError::NotFound { path, message },
                status if status >= 500 => ApiError::Unavailable {
                    path,
                    detail: format!("{status}: {message}"),
                },
                status => ApiError::Unexpected {
                    path,
                    detail: format!("{status}: {message}"),
                },
            }
        }
        other => ApiError::Unavailable {
            path,
            detail: other.to_string(),
        },
    }
}
