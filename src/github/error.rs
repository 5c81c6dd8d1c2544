//! What can go wrong talking to GitHub, in terms a verdict can explain.

use std::time::Duration;

/// A GitHub API failure. Cloneable so that one failed lookup can be shared by every rule that
/// needed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 404: the repository, branch, pull request or user does not exist (or is hidden from us).
    #[error("GitHub answered 404 for {path}: {message}")]
    NotFound {
        /// The request path.
        path: String,
        /// GitHub's message.
        message: String,
    },
    /// A primary or secondary rate limit, or 429, that did not lift within the retry budget.
    #[error("GitHub rate limit exceeded for {path}{}", retry_in.map(|d| format!(" (lifts in {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The request path.
        path: String,
        /// How long until GitHub would accept requests again, if it said.
        retry_in: Option<Duration>,
    },
    /// 5xx, a timeout or a connection failure that persisted through every retry.
    #[error("GitHub is unavailable for {path}: {detail}")]
    Unavailable {
        /// The request path.
        path: String,
        /// The last failure seen.
        detail: String,
    },
    /// 401: the credentials were rejected.
    #[error("GitHub rejected the credentials ({path}): {message}")]
    Unauthorized {
        /// The request path.
        path: String,
        /// GitHub's message.
        message: String,
    },
    /// 403 that is not a rate limit: the credentials lack a permission.
    #[error("GitHub refused {path}: {message}")]
    Forbidden {
        /// The request path.
        path: String,
        /// GitHub's message.
        message: String,
    },
    /// Any other status, or a body that is not what GitHub documents.
    #[error("unexpected GitHub answer for {path}: {detail}")]
    Unexpected {
        /// The request path.
        path: String,
        /// Status and message, or the decoding error.
        detail: String,
    },
}

impl ApiError {
    /// How to fix it, where rpc knows.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NotFound { .. } => Some(
                "check the repository and branch names, and that the token or GitHub App can see the repository",
            ),
            Self::RateLimited { .. } => Some(
                "wait for the rate limit to lift; a GitHub App gets a higher limit than a personal token",
            ),
            Self::Unavailable { .. } => Some(
                "GitHub or the network failed; retry later, or check `github.url` and proxy settings",
            ),
            Self::Unauthorized { .. } => Some(
                "the token or GitHub App key was rejected: renew it or check `github.*` settings",
            ),
            Self::Forbidden { .. } => Some(
                "give the token or GitHub App read access to the repository's administration, contents, pull requests and members",
            ),
            Self::Unexpected { .. } => None,
        }
    }

    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// A short stable code for verdicts and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "RPC-GH-001",
            Self::Unavailable { .. } => "RPC-GH-002",
            Self::Unauthorized { .. } => "RPC-GH-003",
            Self::Forbidden { .. } => "RPC-GH-004",
            Self::Unexpected { .. } => "RPC-GH-005",
            Self::NotFound { .. } => "RPC-GH-006",
        }
    }
}

/// Reads GitHub's `message` from an error body, or describes the body.
pub(crate) fn message_of(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("message")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}
