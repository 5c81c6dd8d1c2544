//! When to retry a GitHub request, and how long to wait first.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, StatusCode};

/// How many times one request is sent at most.
pub const MAX_ATTEMPTS: u32 = 4;

/// What a response or failure means for retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Do not retry: success, or a failure that will not change.
    No,
    /// Retry after the backoff for this attempt.
    Backoff,
    /// Retry after this long (Retry-After, or until the rate limit resets).
    After(Duration),
}

/// The exponential backoff before attempt `attempt` (1-based): 0.5 s, 1 s, 2 s, … capped at 8 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(4)))
}

/// Classifies a response status: 5xx and 429 retry, 403 retries only when it is a rate limit.
pub fn classify(status: StatusCode, headers: &HeaderMap, body_message: &str) -> Retry {
    let retry_after = header_u64(headers, "retry-after").map(Duration::from_secs);
    if status.is_server_error() {
        return retry_after.map_or(Retry::Backoff, Retry::After);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return retry_after.map_or(Retry::Backoff, Retry::After);
    }
    if status == StatusCode::FORBIDDEN {
        if let Some(wait) = retry_after {
            return Retry::After(wait);
        }
        if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
            let reset = header_u64(headers, "x-ratelimit-reset").unwrap_or(0);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |now| now.as_secs());
            return Retry::After(Duration::from_secs(reset.saturating_sub(now) + 1));
        }
        if body_message
            .to_ascii_lowercase()
            .contains("secondary rate limit")
        {
            return Retry::After(Duration::from_secs(60));
        }
    }
    Retry::No
}

/// Whether a 403 or 429 is a rate limit rather than a missing permission.
pub fn is_rate_limit(status: StatusCode, retry: Retry) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && retry != Retry::No)
}

/// A numeric header.
pub fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(2));
        assert_eq!(backoff(10), Duration::from_secs(8));
    }

    #[test]
    fn server_errors_and_429_retry() {
        let none = HeaderMap::new();
        assert_eq!(classify(StatusCode::BAD_GATEWAY, &none, ""), Retry::Backoff);
        assert_eq!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                &headers(&[("retry-after", "7")]),
                ""
            ),
            Retry::After(Duration::from_secs(7))
        );
        assert_eq!(classify(StatusCode::NOT_FOUND, &none, ""), Retry::No);
    }

    #[test]
    fn forbidden_is_a_rate_limit_only_when_github_says_so() {
        let none = HeaderMap::new();
        assert_eq!(
            classify(StatusCode::FORBIDDEN, &none, "Resource not accessible"),
            Retry::No
        );
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        let primary = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset.to_string()),
        ]);
        match classify(StatusCode::FORBIDDEN, &primary, "API rate limit exceeded") {
            Retry::After(wait) => assert!(wait > Duration::from_secs(3590), "{wait:?}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify(
                StatusCode::FORBIDDEN,
                &none,
                "You have exceeded a secondary rate limit"
            ),
            Retry::After(Duration::from_secs(60))
        );
        assert!(is_rate_limit(
            StatusCode::FORBIDDEN,
            Retry::After(Duration::ZERO)
        ));
        assert!(!is_rate_limit(StatusCode::FORBIDDEN, Retry::No));
    }
}
