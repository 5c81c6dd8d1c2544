//! How every OpenStack request is sent: bounded by a timeout, counted per service, retried with
//! backoff only when it is idempotent, and its failure turned into a [`CloudError`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use openstack_sdk::RestError;
use openstack_sdk::api::ApiError;

use crate::cloud::error::{CloudError, NO_ANSWER};

/// The services rpc talks to, as named in request counts and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Service {
    /// Keystone.
    Identity,
    /// Nova.
    Compute,
    /// Glance.
    Image,
    /// Neutron.
    Network,
}

impl Service {
    /// The catalog's service type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Compute => "compute",
            Self::Image => "image",
            Self::Network => "network",
        }
    }
}

/// Whether a request may be sent again after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads and deletes (repeating them is harmless), and actions whose repetition the caller
    /// handles (stopping a stopped server answers 409).
    Idempotent,
    /// Creates: sent once; the caller looks the resource up by name before trying again.
    Once,
}

/// Attempts of an idempotent request, the first included.
const ATTEMPTS: u32 = 3;
/// The pause after the first failed attempt; doubles after each.
const FIRST_PAUSE: Duration = Duration::from_millis(500);

/// Sends requests: the per-call timeout, the retry policy and the request counts.
#[derive(Debug)]
pub struct Caller {
    timeout: Duration,
    counts: Mutex<BTreeMap<Service, u64>>,
}

impl Caller {
    /// A caller that gives every request `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records `n` requests made outside [`Caller::call`] (authentication, version discovery).
    pub fn count(&self, service: Service, n: u64) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry(service).or_default() += n;
    }

    /// Requests sent so far, per service.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(service, n)| (service.as_str().to_owned(), *n))
            .collect()
    }

    /// Sends one request (`send` sends it afresh on every attempt) about `resource`, within the
    /// timeout; repeats it after transient failures if `retry` allows.
    pub async fn call<T, F, Fut>(
        &self,
        service: Service,
        resource: &str,
        retry: Retry,
        send: F,
    ) -> Result<T, CloudError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ApiError<RestError>>>,
    {
        let mut pause = FIRST_PAUSE;
        let mut attempt = 1;
        loop {
            let err = match self
                .send_once(self.timeout, service, resource, send())
                .await
            {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            if retry == Retry::Once || !err.is_transient() || attempt >= ATTEMPTS {
                return Err(err);
            }
            tracing::debug!(%resource, attempt, error = %err, "retrying");
            tokio::time::sleep(pause).await;
            pause *= 2;
            attempt += 1;
        }
    }

    /// Sends one request that cannot be repeated (its body is a stream), within `timeout`.
    pub async fn send_once<T>(
        &self,
        timeout: Duration,
        service: Service,
        resource: &str,
        request: impl Future<Output = Result<T, ApiError<RestError>>>,
    ) -> Result<T, CloudError> {
        self.count(service, 1);
        match tokio::time::timeout(timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(match classify(service, resource, err) {
                // The HTTP client's own timeout (the session's, for transfers).
                CloudError::Timeout {
                    resource, state, ..
                } => CloudError::Timeout {
                    resource,
                    state,
                    waited: timeout,
                },
                other => other,
            }),
            Err(_) => Err(CloudError::Timeout {
                resource: resource.to_owned(),
                state: NO_ANSWER.into(),
                waited: timeout,
            }),
        }
    }
}

/// Turns the SDK's error into rpc's.
pub fn classify(service: Service, resource: &str, err: ApiError<RestError>) -> CloudError {
    match err {
        ApiError::OpenStack { status, msg, .. } => by_status(service, resource, status, msg),
        ApiError::OpenStackService { status, data, .. } => {
            by_status(service, resource, status, data)
        }
        ApiError::OpenStackUnrecognized { status, obj, .. } => {
            by_status(service, resource, status, message_of(&obj))
        }
        ApiError::Client {
            source: RestError::Communication { source },
        } if source.is_timeout() => CloudError::Timeout {
            resource: resource.to_owned(),
            state: NO_ANSWER.into(),
            waited: Duration::ZERO,
        },
        ApiError::Client {
            source: RestError::Communication { source },
        } => CloudError::Unavailable {
            service: service.as_str().into(),
            detail: error_chain(&source),
        },
        ApiError::Client {
            source: RestError::AuthError { source },
        } => CloudError::Auth {
            detail: source.to_string(),
            hint: "the token could not be renewed; check the credentials in clouds.yaml".into(),
        },
        ApiError::Catalog { source } => CloudError::NoEndpoint {
            service: service.as_str().into(),
            detail: source.to_string(),
        },
        other => CloudError::Unexpected {
            resource: resource.to_owned(),
            detail: other.to_string(),
        },
    }
}

fn by_status(
    service: Service,
    resource: &str,
    status: http::StatusCode,
    message: String,
) -> CloudError {
    let resource = resource.to_owned();
    let code = status.as_u16();
    let quota = message.to_ascii_lowercase().contains("quota");
    match code {
        404 => CloudError::NotFound { resource },
        409 => CloudError::Conflict { resource, message },
        403 | 413 if quota => CloudError::QuotaExceeded { resource, message },
        403 => CloudError::Forbidden { resource, message },
        401 => CloudError::Auth {
            detail: format!(
                "{} answered 401 for {resource}: {message}",
                service.as_str()
            ),
            hint: "the token was rejected; check the credentials in clouds.yaml".into(),
        },
        429 | 500..=599 => CloudError::Unavailable {
            service: service.as_str().into(),
            detail: format!("{code} for {resource}: {message}"),
        },
        _ => CloudError::Unexpected {
            resource,
            detail: format!("{code}: {message}"),
        },
    }
}

/// The message of an OpenStack error body: Nova's `{"itemNotFound": {"message": …}}`,
/// Neutron's `{"NeutronError": {"message": …}}`, or the whole body.
fn message_of(body: &serde_json::Value) -> String {
    body.as_object()
        .and_then(|object| object.values().find_map(|v| v.get("message")))
        .or_else(|| body.get("message"))
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| body.to_string(), str::to_owned)
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, message: &str) -> CloudError {
        by_status(
            Service::Compute,
            "server a",
            http::StatusCode::from_u16(code).expect("valid status"),
            message.into(),
        )
    }

    #[test]
    fn statuses_become_typed_errors() {
        assert!(status(404, "gone").is_not_found());
        assert!(matches!(status(409, "busy"), CloudError::Conflict { .. }));
        assert!(matches!(
            status(403, "Quota exceeded for cores"),
            CloudError::QuotaExceeded { .. }
        ));
        assert!(matches!(
            status(413, "Maximum number of ports exceeded (quota)"),
            CloudError::QuotaExceeded { .. }
        ));
        assert!(matches!(
            status(403, "Policy doesn't allow"),
            CloudError::Forbidden { .. }
        ));
        assert!(status(503, "down").is_transient());
        assert!(status(429, "slow down").is_transient());
        assert!(!status(400, "bad").is_transient());
    }

    #[test]
    fn error_messages_are_found_in_each_services_body() {
        let nova = serde_json::json!({"itemNotFound": {"message": "Instance x could not be found.", "code": 404}});
        assert_eq!(message_of(&nova), "Instance x could not be found.");
        let neutron =
            serde_json::json!({"NeutronError": {"type": "X", "message": "m", "detail": ""}});
        assert_eq!(message_of(&neutron), "m");
        assert_eq!(message_of(&serde_json::json!({"message": "n"})), "n");
        assert_eq!(message_of(&serde_json::json!([1])), "[1]");
    }

    #[tokio::test(start_paused = true)]
    async fn idempotent_calls_are_retried_and_creates_are_not() {
        let caller = Caller::new(Duration::from_secs(5));
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let unavailable = || async {
            attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Err::<(), _>(ApiError::<RestError>::OpenStackService {
                status: http::StatusCode::SERVICE_UNAVAILABLE,
                uri: http::Uri::from_static("http://cloud/servers"),
                data: "down".into(),
                req_id: None,
            })
        };
        let err = caller
            .call(Service::Compute, "servers", Retry::Idempotent, unavailable)
            .await
            .expect_err("always 503");
        assert!(err.is_transient());
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), ATTEMPTS);
        attempts.store(0, std::sync::atomic::Ordering::SeqCst);
        caller
            .call(Service::Compute, "server a", Retry::Once, unavailable)
            .await
            .expect_err("always 503");
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(caller.counts()["compute"], u64::from(ATTEMPTS) + 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_without_an_answer_times_out_naming_the_resource() {
        let caller = Caller::new(Duration::from_secs(2));
        let err = caller
            .call(Service::Image, "image x", Retry::Once, || async {
                std::future::pending::<Result<(), ApiError<RestError>>>().await
            })
            .await
            .expect_err("never answers");
        assert_eq!(
            err.to_string(),
            "timed out after 2s waiting for image x (last state: no answer)"
        );
    }
}
