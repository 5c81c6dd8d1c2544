//! Bearer tokens: the charm token (the component that creates runners) and one-time runner
//! tokens. A one-time token is consumed by any authenticated request that presents it, as in the
//! service rpc replaces.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use subtle::ConstantTimeEq;

use super::metrics;
use super::state::AppState;
use crate::store::{StoreError, TokenCheck};

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The holder of the charm token.
    Charm,
    /// A runner presenting a (now consumed) one-time token.
    Runner,
}

/// Why a request is not authenticated.
#[derive(Debug)]
pub enum Denied {
    /// No bearer token, or an unknown, used or expired one: 401.
    Unauthenticated(&'static str),
    /// The store could not be asked: 503.
    Unavailable(StoreError),
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Authenticates a request: the charm token, or a one-time token (consumed here).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Role, Denied> {
    let token = bearer(headers).ok_or(Denied::Unauthenticated("missing bearer token"))?;
    if let Some(charm) = &state.charm_token
        && bool::from(token.as_bytes().ct_eq(charm.expose().as_bytes()))
    {
        return Ok(Role::Charm);
    }
    match state.store.consume_token(token).await {
        Ok(TokenCheck::Valid) => {
            metrics::tokens(metrics::TOKENS_CONSUMED, 1);
            Ok(Role::Runner)
        }
        Ok(TokenCheck::Expired) => {
            metrics::tokens(metrics::TOKENS_EXPIRED, 1);
            Err(Denied::Unauthenticated("token expired"))
        }
        Ok(TokenCheck::Used) => Err(Denied::Unauthenticated("token already used")),
        Ok(TokenCheck::Unknown) => Err(Denied::Unauthenticated("unknown token")),
        Err(err) => Err(Denied::Unavailable(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_tokens() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }
}
