//! One check's view of GitHub: memoised, cached, retried GET requests with usage counts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{ETAG, IF_NONE_MATCH};
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use octocrab::Octocrab;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::cache::{Cache, Entry};
use super::error::{ApiError, message_of};
use super::retry::{self, MAX_ATTEMPTS, Retry};

/// Request counts of one check, as reported in the verdict.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    not_modified: AtomicU64,
    rate_limit_remaining: AtomicI64,
}

/// What a check cost in GitHub requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// HTTP requests sent, retries and token exchanges included.
    pub requests: u64,
    /// Of those, answered 304 from the cache (free of rate limit).
    pub not_modified: u64,
    /// `x-ratelimit-remaining` of the last response, if any.
    pub rate_limit_remaining: Option<u64>,
}

impl Stats {
    /// Fresh counters.
    pub fn new() -> Self {
        Self {
            rate_limit_remaining: AtomicI64::new(-1),
            ..Self::default()
        }
    }

    /// Counts one request sent outside [`Session`] (an App token exchange).
    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    fn observe(&self, headers: &HeaderMap) {
        if let Some(remaining) = retry::header_u64(headers, "x-ratelimit-remaining") {
            let remaining = i64::try_from(remaining).unwrap_or(i64::MAX);
            self.rate_limit_remaining
                .store(remaining, Ordering::Relaxed);
        }
    }

    /// The counts so far.
    pub fn usage(&self) -> Usage {
        Usage {
            requests: self.requests.load(Ordering::Relaxed),
            not_modified: self.not_modified.load(Ordering::Relaxed),
            rate_limit_remaining: u64::try_from(self.rate_limit_remaining.load(Ordering::Relaxed))
                .ok(),
        }
    }
}

/// A decoded response body and the path of the next page, if any.
#[derive(Debug)]
struct Page {
    body: Value,
    next: Option<String>,
}

type Memo = Mutex<HashMap<String, Arc<OnceCell<Result<Arc<Page>, ApiError>>>>>;

/// GitHub as one check sees it. Each distinct GET is sent at most once per session, however many
/// rules need it, and even when they ask concurrently.
pub struct Session {
    octo: Octocrab,
    cache: Option<Cache>,
    stats: Arc<Stats>,
    memo: Memo,
    timeout: Duration,
    deadline: Instant,
    base_path: String,
}

impl Session {
    pub(crate) fn new(
        octo: Octocrab,
        cache: Option<Cache>,
        stats: Arc<Stats>,
        timeout: Duration,
        deadline: Instant,
        base_path: String,
    ) -> Self {
        Self {
            octo,
            cache,
            stats,
            memo: Mutex::new(HashMap::new()),
            timeout,
            deadline,
            base_path,
        }
    }

    /// What this session has cost so far.
    pub fn usage(&self) -> Usage {
        self.stats.usage()
    }

    /// GETs `path` (path and query, e.g. `/repos/o/r`) and decodes it.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let page = self.get_page(path).await?;
        decode(path, &page.body)
    }

    /// GETs every page of a list, 100 items a page, and decodes the items.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{separator}per_page=100"));
        let mut items = Vec::new();
        while let Some(page) = next.take() {
            let fetched = self.get_page(&page).await?;
            let Value::Array(values) = &fetched.body else {
                return Err(ApiError::Unexpected {
                    path: page,
                    detail: "expected a JSON array".into(),
                });
            };
            for item in values {
                items.push(decode(&page, item)?);
            }
            next = fetched.next.clone();
        }
        Ok(items)
    }

    /// One memoised GET.
    async fn get_page(&self, path: &str) -> Result<Arc<Page>, ApiError> {
        let cell = {
            let mut memo = self
                .memo
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(memo.entry(path.to_owned()).or_default())
        };
        cell.get_or_init(|| async { self.fetch(path).await.map(Arc::new) })
            .await
            .clone()
    }

    /// Sends a GET with retries, revalidating a cached copy when there is one.
    async fn fetch(&self, path: &str) -> Result<Page, ApiError> {
        let cached = self.cache.as_ref().and_then(|cache| cache.load(path));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (error, retry) = match self.send(path, cached.as_ref()).await {
                Ok(Sent::Fresh { body, etag, next }) => {
                    if let (Some(cache), Some(etag)) = (&self.cache, etag) {
                        cache.store(
                            path,
                            &Entry {
                                etag,
                                body: body.clone(),
                            },
                        );
                    }
                    return Ok(Page { body, next });
                }
                Ok(Sent::NotModified { next }) => match &cached {
                    Some(entry) => {
                        return Ok(Page {
                            body: entry.body.clone(),
                            next,
                        });
                    }
                    None => (
                        ApiError::Unexpected {
                            path: path.into(),
                            detail: "304 without a conditional request".into(),
                        },
                        Retry::No,
                    ),
                },
                Ok(Sent::Failed { error, retry }) => (error, retry),
                Err(error) => (error, Retry::Backoff),
            };
            let wait = match retry {
                Retry::No => return Err(error),
                Retry::Backoff => retry::backoff(attempt),
                Retry::After(wait) => wait,
            };
            if attempt >= MAX_ATTEMPTS || Instant::now() + wait > self.deadline {
                tracing::debug!(path, attempt, ?wait, "giving up: retry budget spent");
                return Err(match error {
                    ApiError::RateLimited { path, .. } => ApiError::RateLimited {
                        path,
                        retry_in: Some(wait),
                    },
                    other => other,
                });
            }
            tracing::debug!(path, attempt, ?wait, %error, "retrying GitHub request");
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP exchange.
    async fn send(&self, path: &str, cached: Option<&Entry>) -> Result<Sent, ApiError> {
        let mut headers = HeaderMap::new();
        if let Some(etag) = cached.and_then(|entry| HeaderValue::from_str(&entry.etag).ok()) {
            headers.insert(IF_NONE_MATCH, etag);
        }
        self.stats.count_request();
        let unavailable = |detail: String| ApiError::Unavailable {
            path: path.into(),
            detail,
        };
        let exchange = async {
            let response = self
                .octo
                ._get_with_headers(path, Some(headers))
                .await
                .map_err(|err| unavailable(err.to_string()))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|err| unavailable(err.to_string()))?
                .to_bytes();
            Ok::<_, ApiError>((parts, body))
        };
        let (parts, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| unavailable(format!("no answer within {:?}", self.timeout)))??;
        self.stats.observe(&parts.headers);
        let next = next_link(&parts.headers, &self.base_path);
        let status = parts.status;
        tracing::debug!(path, %status, "GitHub answered");
        if status == StatusCode::NOT_MODIFIED {
            self.stats.not_modified.fetch_add(1, Ordering::Relaxed);
            return Ok(Sent::NotModified { next });
        }
        if status.is_success() {
            let body: Value =
                serde_json::from_slice(&body).map_err(|err| ApiError::Unexpected {
                    path: path.into(),
                    detail: format!("invalid JSON: {err}"),
                })?;
            let etag = parts
                .headers
                .get(ETAG)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            return Ok(Sent::Fresh { body, etag, next });
        }
        let message = message_of(&body);
        let retry = retry::classify(status, &parts.headers, &message);
        let path = path.to_owned();
        let error = match status {
            StatusCode::NOT_FOUND => ApiError::NotFound { path, message },
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized { path, message },
            _ if retry::is_rate_limit(status, retry) => ApiError::RateLimited {
                path,
                retry_in: None,
            },
            StatusCode::FORBIDDEN => ApiError::Forbidden { path, message },
            _ if status.is_server_error() => ApiError::Unavailable {
                path,
                detail: format!("{status}: {message}"),
            },
            _ => ApiError::Unexpected {
                path,
                detail: format!("{status}: {message}"),
            },
        };
        Ok(Sent::Failed { error, retry })
    }
}

/// The outcome of one exchange.
enum Sent {
    Fresh {
        body: Value,
        etag: Option<String>,
        next: Option<String>,
    },
    NotModified {
        next: Option<String>,
    },
    Failed {
        error: ApiError,
        retry: Retry,
    },
}

fn decode<T: DeserializeOwned>(path: &str, value: &Value) -> Result<T, ApiError> {
    T::deserialize(value).map_err(|err| ApiError::Unexpected {
        path: path.into(),
        detail: format!("unexpected body: {err}"),
    })
}

/// The `rel="next"` target of a `Link` header, as a path relative to the API base.
fn next_link(headers: &HeaderMap, base_path: &str) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    let target = link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|param| param.trim() == "rel=\"next\"")
            .then(|| target.trim().trim_start_matches('<').trim_end_matches('>'))
    })?;
    let url = url::Url::parse(target).ok()?;
    let path = url.path();
    let path = path
        .strip_prefix(base_path.trim_end_matches('/'))
        .unwrap_or(path);
    Some(match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    })
}

/// Percent-encodes one path segment or query value (branch names may contain `/`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_relative_to_the_base() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            HeaderValue::from_static(
                "<https://ghes.example/api/v3/repos/o/r/collaborators?per_page=100&page=2>; rel=\"next\", <https://ghes.example/api/v3/repos/o/r/collaborators?per_page=100&page=5>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&headers, "/api/v3").as_deref(),
            Some("/repos/o/r/collaborators?per_page=100&page=2")
        );
        assert_eq!(
            next_link(&headers, "/").as_deref(),
            Some("/api/v3/repos/o/r/collaborators?per_page=100&page=2")
        );
        headers.insert(
            http::header::LINK,
            HeaderValue::from_static("<https://x/y?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&headers, "/"), None);
    }

    #[test]
    fn encoding_keeps_unreserved_characters() {
        assert_eq!(encode("feature/x y"), "feature%2Fx%20y");
        assert_eq!(encode("fork-owner:main"), "fork-owner%3Amain");
        assert_eq!(encode("v1.2_~"), "v1.2_~");
    }
}
