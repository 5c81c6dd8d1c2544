//! What can go wrong talking to a cloud, typed so that callers can react (a missing resource is
//! often fine, a quota is not) and the CLI can pick the exit status and a hint.

use std::time::Duration;

use crate::exit::ExitStatus;

/// A cloud failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// 404: the resource does not exist (or is hidden from us).
    #[error("{resource} not found")]
    NotFound {
        /// The resource, e.g. `server 1b2c…` or `image rpc-base`.
        resource: String,
    },
    /// 409: the resource is in a state that does not allow the operation, or a name is taken.
    #[error("conflict on {resource}: {message}")]
    Conflict {
        /// The resource.
        resource: String,
        /// The cloud's message.
        message: String,
    },
    /// 403 that is not a quota: the credentials lack a permission (policy).
    #[error("the cloud refused {resource}: {message}")]
    Forbidden {
        /// The resource or operation.
        resource: String,
        /// The cloud's message.
        message: String,
    },
    /// 403/413 with a quota message: the project is out of instances, cores, RAM, ….
    #[error("quota exceeded creating {resource}: {message}")]
    QuotaExceeded {
        /// The resource being created.
        resource: String,
        /// The cloud's message (names the quota).
        message: String,
    },
    /// A call or a wait did not finish in time.
    #[error("timed out after {}s waiting for {resource} (last state: {state})", waited.as_secs())]
    Timeout {
        /// The resource or call.
        resource: String,
        /// The last state seen, or `no answer` for a call.
        state: String,
        /// How long rpc waited.
        waited: Duration,
    },
    /// A resource went to a failure state (a server in `ERROR`, an image `killed`).
    #[error("{resource} went to {state}: {fault}")]
    Failed {
        /// The resource.
        resource: String,
        /// The failure state.
        state: String,
        /// The cloud's fault message, or `no fault reported`.
        fault: String,
    },
    /// 5xx, a connection failure or a timeout that persisted through every retry.
    #[error("{service} is unavailable: {detail}")]
    Unavailable {
        /// The service (`identity`, `compute`, `image`, `network`) or URL.
        service: String,
        /// The last failure seen.
        detail: String,
    },
    /// The catalog has no endpoint for a service rpc needs (in this region and interface).
    #[error("no {service} endpoint in the catalog: {detail}")]
    NoEndpoint {
        /// The service type (`compute`, `image`, `network`).
        service: String,
        /// What the client said.
        detail: String,
    },
    /// Authentication failed: the credentials were rejected (401) or the auth URL is unusable.
    #[error("authentication failed: {detail}")]
    Auth {
        /// What the identity service said, or why it could not be asked.
        detail: String,
        /// How to fix it.
        hint: String,
    },
    /// The cloud configuration (clouds.yaml, `OS_*`, rpc settings) is missing or invalid, or a
    /// local file rpc needs cannot be read or written. Found before contacting anything.
    #[error("{detail}")]
    Config {
        /// What is wrong, naming the file, cloud or setting.
        detail: String,
        /// How to fix it.
        hint: String,
    },
    /// Any other status, or a body that is not what the API documents.
    #[error("unexpected answer for {resource}: {detail}")]
    Unexpected {
        /// The resource or request.
        resource: String,
        /// Status and message, or the decoding error.
        detail: String,
    },
}

impl CloudError {
    /// Whether the resource is missing: deleting it is then a success.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether repeating the same idempotent request may succeed (5xx, connection failures,
    /// call timeouts). Never true for a failure state, a quota or a rejected credential.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
            || matches!(self, Self::Timeout { state, .. } if state == NO_ANSWER)
    }

    /// Whether this is a configuration error found before contacting the cloud.
    pub fn is_config(&self) -> bool {
        matches!(self, Self::Config { .. })
    }

    /// The exit status a command failing with this error ends with: 2 for configuration
    /// errors, 3 for everything the cloud did or did not answer.
    pub fn exit_status(&self) -> ExitStatus {
        if self.is_config() {
            ExitStatus::Usage
        } else {
            ExitStatus::External
        }
    }

    /// How to fix it, where rpc knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Config { hint, .. } | Self::Auth { hint, .. } => Some(hint.clone()),
            Self::QuotaExceeded { .. } => Some(
                "raise the project's quota, lower the number of runners, or delete unused \
                 resources (`rpc cloud check` lists the ones rpc owns)"
                    .into(),
            ),
            Self::Forbidden { .. } => Some(
                "the cloud's policy does not allow this for these credentials; ask the cloud \
                 operator for a role that does (usually `member`)"
                    .into(),
            ),
            Self::Unavailable { .. } => Some(
                "the cloud did not answer or answered with an error; check the endpoint and \
                 proxy settings (HTTPS_PROXY, NO_PROXY) and try again"
                    .into(),
            ),
            Self::Timeout { .. } => Some(
                "raise `openstack.timeout`, or look at the resource in the cloud: it may be \
                 stuck"
                    .into(),
            ),
            Self::Failed { .. } => Some(
                "the cloud could not build the resource; the fault message says why (often \
                 no valid host: the flavor or image does not fit)"
                    .into(),
            ),
            Self::NoEndpoint { service, .. } => Some(format!(
                "the cloud publishes no {service} endpoint for this region and interface; check \
                 region_name and interface in clouds.yaml"
            )),
            Self::NotFound { .. } | Self::Conflict { .. } | Self::Unexpected { .. } => None,
        }
    }
}

/// The `state` of a [`CloudError::Timeout`] for a call that never answered.
pub const NO_ANSWER: &str = "no answer";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors_exit_2_and_cloud_errors_exit_3() {
        let config = CloudError::Config {
            detail: "no cloud named x in ./clouds.yaml".into(),
            hint: "name a cloud from clouds.yaml with --os-cloud".into(),
        };
        assert_eq!(config.exit_status(), ExitStatus::Usage);
        assert!(config.hint().is_some_and(|h| h.contains("--os-cloud")));
        let cloud = [
            CloudError::NotFound {
                resource: "server a".into(),
            },
            CloudError::Auth {
                detail: "401".into(),
                hint: "check the password".into(),
            },
            CloudError::QuotaExceeded {
                resource: "server a".into(),
                message: "cores".into(),
            },
            CloudError::Unavailable {
                service: "compute".into(),
                detail: "503".into(),
            },
        ];
        for err in cloud {
            assert_eq!(err.exit_status(), ExitStatus::External, "{err}");
        }
    }

    #[test]
    fn only_unavailable_and_unanswered_calls_are_transient() {
        assert!(
            CloudError::Unavailable {
                service: "image".into(),
                detail: "502".into()
            }
            .is_transient()
        );
        let call = CloudError::Timeout {
            resource: "GET /servers".into(),
            state: NO_ANSWER.into(),
            waited: Duration::from_secs(30),
        };
        assert!(call.is_transient());
        let wait = CloudError::Timeout {
            resource: "server a".into(),
            state: "BUILD".into(),
            waited: Duration::from_secs(30),
        };
        assert!(!wait.is_transient());
        assert!(
            !CloudError::Conflict {
                resource: "a".into(),
                message: "b".into()
            }
            .is_transient()
        );
    }

    #[test]
    fn timeout_message_names_resource_state_and_time() {
        let err = CloudError::Timeout {
            resource: "server rpc-1-runner-a".into(),
            state: "BUILD".into(),
            waited: Duration::from_secs(600),
        };
        assert_eq!(
            err.to_string(),
            "timed out after 600s waiting for server rpc-1-runner-a (last state: BUILD)"
        );
    }
}
