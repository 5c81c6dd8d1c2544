//! How [`OpenStackCloud`] sends requests: JSON calls, actions, paged lists, and creates that
//! are adopted rather than repeated after a lost answer.

use std::time::Duration;

use http::HeaderName;
use openstack_sdk::api::{QueryAsync, RestEndpoint, ignore, raw};
use serde_json::Value;

use super::OpenStackCloud;
use super::api::{Retry, Service};
use super::wire;
use crate::cloud::error::CloudError;

impl OpenStackCloud {
    /// Sends one request and reads its JSON answer.
    pub(super) async fn send<E>(
        &self,
        service: Service,
        resource: &str,
        retry: Retry,
        endpoint: &E,
    ) -> Result<Value, CloudError>
    where
        E: RestEndpoint + Sync + Send,
    {
        self.caller
            .call(service, resource, retry, || {
                endpoint.query_async(&self.session)
            })
            .await
    }

    /// Sends one idempotent request whose answer has no body worth reading (deletes, actions).
    pub(super) async fn act<E>(
        &self,
        service: Service,
        resource: &str,
        endpoint: E,
    ) -> Result<(), CloudError>
    where
        E: RestEndpoint + Sync + Send,
    {
        let endpoint = ignore(endpoint);
        self.caller
            .call(service, resource, Retry::Idempotent, || {
                endpoint.query_async(&self.session)
            })
            .await
    }

    /// Every page of a list, following the API's own links to the next page (`<key>_links` in
    /// Nova, `next` in Glance). `build(marker)` builds one page's request; `marker_of` reads an
    /// item's marker (its id; a keypair's name).
    pub(super) async fn list_pages<F, E>(
        &self,
        service: Service,
        resource: &str,
        key: &str,
        marker_of: fn(&Value) -> Option<&str>,
        build: F,
    ) -> Result<Vec<Value>, CloudError>
    where
        F: Fn(Option<&str>) -> Result<E, CloudError>,
        E: RestEndpoint + Sync + Send,
    {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let endpoint = raw(build(marker.as_deref())?);
            let response = self
                .caller
                .call(service, resource, Retry::Idempotent, || {
                    endpoint.query_async(&self.session)
                })
                .await?;
            let page: Value =
                serde_json::from_slice(response.body()).map_err(|err| CloudError::Unexpected {
                    resource: resource.to_owned(),
                    detail: format!("the answer is not JSON: {err}"),
                })?;
            let items = wire::items(&page, key);
            let next = items.last().and_then(marker_of).map(str::to_owned);
            all.extend(items.iter().cloned());
            match next {
                Some(next) if wire::has_next_page(&page, key) && marker.as_ref() != Some(&next) => {
                    marker = Some(next);
                }
                _ => return Ok(all),
            }
        }
    }

    /// Sends a create once; after a transient failure, adopts what `lookup` finds (the cloud
    /// made it before the answer was lost; after a timeout it is looked for twice, a few seconds
    /// apart, as the cloud may still be committing it) or tries again, up to three times in all.
    pub(super) async fn create_once<T, C, CF, L, LF>(
        &self,
        create: C,
        lookup: L,
    ) -> Result<T, CloudError>
    where
        C: Fn() -> CF,
        CF: std::future::Future<Output = Result<T, CloudError>>,
        L: Fn() -> LF,
        LF: std::future::Future<Output = Result<Option<T>, CloudError>>,
    {
        let mut attempt = 1;
        loop {
            let err = match create().await {
                Ok(made) => return Ok(made),
                Err(err) if err.is_transient() && attempt < 3 => err,
                Err(err) => return Err(err),
            };
            tracing::info!(error = %err, "create failed; looking for what the cloud made");
            if let Some(found) = lookup().await? {
                return Ok(found);
            }
            if matches!(err, CloudError::Timeout { .. }) {
                tokio::time::sleep(ADOPT_GRACE).await;
                if let Some(found) = lookup().await? {
                    return Ok(found);
                }
            }
            attempt += 1;
        }
    }
}

/// The `OpenStack-API-Version` header, sent with every compute request.
pub(super) const API_VERSION: HeaderName = HeaderName::from_static("openstack-api-version");

/// How long to wait before looking again for a resource whose create timed out.
pub(super) const ADOPT_GRACE: Duration = Duration::from_secs(2);

pub(super) fn by_id(item: &Value) -> Option<&str> {
    item.get("id").and_then(Value::as_str)
}

pub(super) fn by_keypair_name(item: &Value) -> Option<&str> {
    item.get("keypair")
        .unwrap_or(item)
        .get("name")
        .and_then(Value::as_str)
}

pub(super) fn invalid_request(err: impl std::fmt::Display) -> CloudError {
    CloudError::Unexpected {
        resource: "request".into(),
        detail: format!("building the request: {err}"),
    }
}

/// A request body part in the SDK's type, from JSON.
pub(super) fn to_request<T>(value: Value) -> Result<T, CloudError>
where
    T: serde::de::DeserializeOwned,
{
    serde_json::from_value(value).map_err(invalid_request)
}

/// A `get_*` answer: a missing resource is `None`.
pub(super) fn found<T>(
    got: Result<Value, CloudError>,
    parse: fn(&Value) -> Result<T, CloudError>,
) -> Result<Option<T>, CloudError> {
    match got {
        Ok(value) => parse(&value).map(Some),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}
