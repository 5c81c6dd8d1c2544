//! Waiting for a resource to reach a state: bounded by a timeout, polling with exponential
//! backoff, and cancel-safe (a waiter only reads; dropping it at any await leaves nothing
//! behind). A timeout names the resource, the last state seen and the time waited; a failure
//! state (a server in `ERROR`, an image `killed`) ends the wait at once with the fault.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::Cloud;
use super::error::CloudError;
use super::types::{Image, ImageStatus, Server, ServerStatus};

/// How often to poll: `initial`, doubling up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first pause.
    pub initial: Duration,
    /// The longest pause.
    pub max: Duration,
}

impl Default for Backoff {
    /// 1 s doubling to 15 s: a server usually builds in 10–60 s.
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(15),
        }
    }
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe<T> {
    /// The wait is over.
    Ready(T),
    /// Not yet; the state seen.
    Pending(String),
}

/// Polls `probe` until it is [`Probe::Ready`], it fails, or `timeout` has passed. Transient
/// probe errors ([`CloudError::is_transient`]) are retried within the same deadline; others end
/// the wait. Each probe is itself cut off at the deadline.
pub async fn poll_until<T, F, Fut>(
    resource: &str,
    timeout: Duration,
    backoff: Backoff,
    mut probe: F,
) -> Result<T, CloudError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Probe<T>, CloudError>>,
{
    let start = Instant::now();
    let deadline = start + timeout;
    let mut state = String::from("not yet seen");
    let mut pause = backoff.initial;
    loop {
        let timed_out = |state: String| CloudError::Timeout {
            resource: resource.to_owned(),
            state,
            waited: start.elapsed(),
        };
        match tokio::time::timeout_at(deadline, probe()).await {
            Err(_) => return Err(timed_out(state)),
            Ok(Ok(Probe::Ready(value))) => return Ok(value),
            Ok(Ok(Probe::Pending(seen))) => state = seen,
            Ok(Err(err)) if err.is_transient() => {
                tracing::debug!(resource, error = %err, "transient error while waiting");
            }
            Ok(Err(err)) => return Err(err),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out(state));
        }
        tokio::time::sleep_until((now + pause).min(deadline)).await;
        pause = (pause * 2).min(backoff.max);
    }
}

/// Waits for a server to reach `target` (`ACTIVE` after a create, `SHUTOFF` after a stop).
/// `ERROR` ends the wait at once with the server's fault; a vanished server is
/// [`CloudError::NotFound`].
pub async fn server_status<C: Cloud + ?Sized>(
    cloud: &C,
    id: &str,
    target: ServerStatus,
    timeout: Duration,
    backoff: Backoff,
) -> Result<Server, CloudError> {
    let resource = format!("server {id} to become {target}");
    poll_until(&resource, timeout, backoff, || async {
        let server = cloud
            .get_server(id)
            .await?
            .ok_or_else(|| CloudError::NotFound {
                resource: format!("server {id}"),
            })?;
        if server.status == target {
            Ok(Probe::Ready(server))
        } else if server.status == ServerStatus::Error {
            Err(CloudError::Failed {
                resource: format!("server {} ({id})", server.name),
                state: server.status.to_string(),
                fault: server.fault.unwrap_or_else(|| "no fault reported".into()),
            })
        } else {
            Ok(Probe::Pending(server.status.to_string()))
        }
    })
    .await
}

/// Waits for a server to be gone (or `DELETED`).
pub async fn server_deleted<C: Cloud + ?Sized>(
    cloud: &C,
    id: &str,
    timeout: Duration,
    backoff: Backoff,
) -> Result<(), CloudError> {
    let resource = format!("server {id} to be deleted");
    poll_until(&resource, timeout, backoff, || async {
        Ok(match cloud.get_server(id).await? {
            None => Probe::Ready(()),
            Some(server) if server.status == ServerStatus::Deleted => Probe::Ready(()),
            Some(server) => Probe::Pending(server.status.to_string()),
        })
    })
    .await
}

/// Waits for an image to become `active`. `killed`, `deleted` and `deactivated` end the wait at
/// once; a vanished image is [`CloudError::NotFound`].
pub async fn image_active<C: Cloud + ?Sized>(
    cloud: &C,
    id: &str,
    timeout: Duration,
    backoff: Backoff,
) -> Result<Image, CloudError> {
    let resource = format!("image {id} to become active");
    poll_until(&resource, timeout, backoff, || async {
        let image = cloud
            .get_image(id)
            .await?
            .ok_or_else(|| CloudError::NotFound {
                resource: format!("image {id}"),
            })?;
        match image.status {
            ImageStatus::Active => Ok(Probe::Ready(image)),
            ImageStatus::Killed | ImageStatus::Deleted | ImageStatus::Deactivated => {
                Err(CloudError::Failed {
                    resource: format!("image {} ({id})", image.name),
                    state: image.status.to_string(),
                    fault: "the image service gives no reason; see its logs".into(),
                })
            }
            other => Ok(Probe::Pending(other.to_string())),
        }
    })
    .await
}

/// Waits for an image to be gone (or `deleted`).
pub async fn image_deleted<C: Cloud + ?Sized>(
    cloud: &C,
    id: &str,
    timeout: Duration,
    backoff: Backoff,
) -> Result<(), CloudError> {
    let resource = format!("image {id} to be deleted");
    poll_until(&resource, timeout, backoff, || async {
        Ok(match cloud.get_image(id).await? {
            None => Probe::Ready(()),
            Some(image) if image.status == ImageStatus::Deleted => Probe::Ready(()),
            Some(image) => Probe::Pending(image.status.to_string()),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    const FAST: Backoff = Backoff {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(20),
    };

    #[tokio::test]
    async fn ready_after_some_pending_probes() {
        let calls = AtomicU32::new(0);
        let value = poll_until("thing", Duration::from_secs(5), FAST, || async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            Ok(if n < 3 {
                Probe::Pending(format!("step {n}"))
            } else {
                Probe::Ready(n)
            })
        })
        .await
        .expect("ready");
        assert_eq!(value, 3);
    }

    #[tokio::test]
    async fn times_out_naming_the_resource_and_last_state() {
        let started = std::time::Instant::now();
        let err = poll_until::<(), _, _>(
            "server s1 to become ACTIVE",
            Duration::from_millis(100),
            FAST,
            || async { Ok(Probe::Pending("BUILD".into())) },
        )
        .await
        .expect_err("times out");
        assert!(started.elapsed() < Duration::from_secs(2));
        match err {
            CloudError::Timeout {
                resource,
                state,
                waited,
            } => {
                assert_eq!(resource, "server s1 to become ACTIVE");
                assert_eq!(state, "BUILD");
                assert!(waited >= Duration::from_millis(100));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_hanging_probe_is_cut_off_at_the_deadline() {
        let started = std::time::Instant::now();
        let err = poll_until::<(), _, _>("image i", Duration::from_millis(100), FAST, || async {
            std::future::pending::<Result<Probe<()>, CloudError>>().await
        })
        .await
        .expect_err("times out");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(matches!(err, CloudError::Timeout { ref state, .. } if state == "not yet seen"));
    }

    #[tokio::test]
    async fn transient_errors_are_retried_and_others_end_the_wait() {
        let calls = AtomicU32::new(0);
        let value = poll_until("thing", Duration::from_secs(5), FAST, || async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(CloudError::Unavailable {
                    service: "compute".into(),
                    detail: "503".into(),
                })
            } else {
                Ok(Probe::Ready(()))
            }
        })
        .await;
        assert!(value.is_ok());
        let err = poll_until::<(), _, _>("thing", Duration::from_secs(5), FAST, || async {
            Err(CloudError::Forbidden {
                resource: "server".into(),
                message: "policy".into(),
            })
        })
        .await
        .expect_err("fails");
        assert!(matches!(err, CloudError::Forbidden { .. }));
    }

    #[tokio::test]
    async fn server_waits_end_at_once_on_error_with_the_fault() {
        use crate::cloud::mock::MockCloud;
        use crate::cloud::{Ownership, ProviderSettings, ServerSpec};
        let cloud = MockCloud::default();
        let owner = Ownership::new("rpc-a", "runner").expect("valid");
        let spec = ServerSpec::new(
            &owner,
            "a1",
            "img",
            ProviderSettings::default(),
            None,
            Default::default(),
        );
        let server = cloud.create_server(&spec).await.expect("create");
        cloud.set_server(
            &server.id,
            ServerStatus::Error,
            Some("No valid host was found."),
        );
        let started = std::time::Instant::now();
        let err = server_status(
            &cloud,
            &server.id,
            ServerStatus::Active,
            Duration::from_secs(30),
            FAST,
        )
        .await
        .expect_err("error state");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(
            err.to_string(),
            format!(
                "server rpc-a-runner-a1 ({}) went to ERROR: No valid host was found.",
                server.id
            )
        );

        cloud.set_server(&server.id, ServerStatus::Active, None);
        let active = server_status(
            &cloud,
            &server.id,
            ServerStatus::Active,
            Duration::from_secs(5),
            FAST,
        )
        .await
        .expect("active");
        assert_eq!(active.status, ServerStatus::Active);

        cloud.set_server(&server.id, ServerStatus::Build, None);
        let err = server_status(
            &cloud,
            &server.id,
            ServerStatus::Shutoff,
            Duration::from_millis(50),
            FAST,
        )
        .await
        .expect_err("timeout");
        assert!(
            matches!(err, CloudError::Timeout { ref state, .. } if state == "BUILD"),
            "{err}"
        );

        cloud.delete_server(&server.id).await.expect("delete");
        server_deleted(&cloud, &server.id, Duration::from_secs(5), FAST)
            .await
            .expect("gone");
        let err = server_status(
            &cloud,
            &server.id,
            ServerStatus::Active,
            Duration::from_secs(5),
            FAST,
        )
        .await
        .expect_err("gone");
        assert!(err.is_not_found());
    }

    #[tokio::test]
    async fn image_waits() {
        use crate::cloud::mock::MockCloud;
        use crate::cloud::{ImageSource, ImageSpec, Ownership};
        let cloud = MockCloud::default();
        let owner = Ownership::new("rpc-a", "image").expect("valid");
        let spec = ImageSpec::new(&owner, "jammy", Default::default());
        let image = cloud
            .upload_image(&spec, ImageSource::File("/dev/null".into()))
            .await
            .expect("upload");
        let err = image_active(&cloud, &image.id, Duration::from_millis(50), FAST)
            .await
            .expect_err("saving");
        assert!(
            matches!(err, CloudError::Timeout { ref state, .. } if state == "saving"),
            "{err}"
        );
        cloud.set_image(&image.id, ImageStatus::Killed);
        let err = image_active(&cloud, &image.id, Duration::from_secs(5), FAST)
            .await
            .expect_err("killed");
        assert!(
            matches!(err, CloudError::Failed { ref state, .. } if state == "killed"),
            "{err}"
        );
        cloud.set_image(&image.id, ImageStatus::Active);
        image_active(&cloud, &image.id, Duration::from_secs(5), FAST)
            .await
            .expect("active");
        cloud.delete_image(&image.id).await.expect("delete");
        image_deleted(&cloud, &image.id, Duration::from_secs(5), FAST)
            .await
            .expect("gone");
    }
}
