//! `rpc serve`: the policy checks as the HTTP API of the service rpc replaces, with one-time runner
//! tokens in a store shared by every replica.

mod auth;
pub mod client;
mod metrics;
mod openapi;
mod ratelimit;
mod routes;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use ratelimit::RateLimit;
pub use state::AppState;

use crate::config::Config;
use crate::github::{ClientSettings, GitHub};
use crate::policy::PolicyDocument;
use crate::store::{Store, StoreError};

/// What can stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configured policy document cannot be used.
    #[error("{path}: {source}")]
    Policy {
        /// The document.
        path: std::path::PathBuf,
        /// What is wrong.
        source: crate::policy::DocumentError,
    },
    /// The metrics recorder cannot be installed.
    #[error("cannot set up metrics: {0}")]
    Metrics(String),
    /// The server failed while running.
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

/// Limits of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest time for one request.
    pub request_timeout: Duration,
    /// Largest body.
    pub body_limit: usize,
}

/// The router with every endpoint and middleware.
pub fn router(state: AppState, limits: Limits) -> Router {
    Router::new()
        .route("/one-time-token", get(routes::one_time_token))
        .route(
            "/policy",
            post(routes::set_policy).delete(routes::clear_policy),
        )
        .route("/pull_request/check-run", post(routes::check_pull_request))
        .route("/check-run", post(routes::check_run))
        .route(
            "/workflow_dispatch/check-run",
            post(routes::check_workflow_dispatch),
        )
        .route("/push/check-run", post(routes::check_push))
        .route("/default/check-run", post(routes::check_default))
        .route("/schedule/check-run", post(routes::check_schedule))
        .route("/always-fail/check-run", post(routes::always_fail))
        .route("/health", get(routes::health))
        .route("/auth-health", get(routes::auth_health))
        .route("/metrics", get(routes::metrics_text))
        .route("/openapi.json", get(routes::openapi))
        .layer(RequestBodyLimitLayer::new(limits.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn(access_log))
        .with_state(state)
}

/// One JSON-able access log line per request (never a header value), its metrics, and an
/// `x-request-id` on the response.
async fn access_log(request: Request, next: Next) -> Response {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let started = Instant::now();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(
            || {
                format!(
                    "{:x}-{}",
                    std::process::id(),
                    NEXT_ID.fetch_add(1, Ordering::Relaxed)
                )
            },
            str::to_owned,
        );
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    metrics::request(&route, status);
    tracing::info!(
        target: "rpc::access",
        request_id = %request_id,
        method = %method,
        route = %route,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Runs `rpc serve` until SIGTERM or SIGINT, then lets in-flight requests finish (bounded by
/// `serve.shutdown_timeout`).
pub async fn serve(config: &Config) -> Result<(), ServeError> {
    let serve = &config.sections.serve;
    let policy = &config.sections.policy;
    let builtin_policy = match &policy.document {
        Some(path) => PolicyDocument::read(path).map_err(|source| ServeError::Policy {
            path: path.clone(),
            source,
        })?,
        None => PolicyDocument::builtin(policy.disallow_fork),
    };
    let store = Store::connect(serve.database_url.as_ref()).await?;
    let github = match ClientSettings::from_config(&config.sections.github) {
        Ok(settings) => GitHub::new(settings)
            .map(Arc::new)
            .map_err(|err| err.to_string()),
        Err(err) => Err(format!(
            "{err}: the server runs degraded, every check answers 500"
        )),
    };
    if let Err(reason) = &github {
        tracing::warn!("{reason}");
    }
    let state = AppState {
        store: store.clone(),
        github,
        charm_token: serve.charm_token.clone(),
        builtin_policy,
        approval_phrase: policy.approval_phrase.clone(),
        token_ttl: serve.token_ttl,
        shadow: serve.shadow,
        metrics: metrics::install().map_err(ServeError::Metrics)?,
        admin_rate: Arc::new(RateLimit::new(serve.rate_limit)),
    };
    let limits = Limits {
        request_timeout: serve.request_timeout,
        body_limit: usize::try_from(serve.body_limit).unwrap_or(usize::MAX),
    };
    let listener = tokio::net::TcpListener::bind(serve.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: serve.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(serve.listen);
    tracing::info!(%addr, store = ?store.backend(), shadow = serve.shadow, "rpc serve listening");

    let purge = tokio::spawn(purge_expired(store.clone()));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown_timeout = serve.shutdown_timeout;
    let server = axum::serve(listener, router(state, limits)).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(());
    });
    let server = async { server.await.map_err(ServeError::Serve) };
    tokio::pin!(server);
    let result = tokio::select! {
        result = &mut server => result,
        () = async {
            let _ = stop_rx.await;
            tokio::time::sleep(shutdown_timeout).await;
        } => {
            tracing::warn!("in-flight requests did not finish within {shutdown_timeout:?}");
            Ok(())
        }
    };
    purge.abort();
    store.close().await;
    result
}

/// Deletes long-expired tokens every hour and counts the unused ones.
async fn purge_expired(store: Store) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        match store.purge_expired().await {
            Ok(expired) => metrics::tokens(metrics::TOKENS_EXPIRED, expired),
            Err(err) => tracing::warn!(%err, "purging expired tokens failed"),
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(err) => {
                    tracing::warn!(%err, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
