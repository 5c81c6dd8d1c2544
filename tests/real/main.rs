//! Real-service tests: PostgreSQL on 127.0.0.1:5432, and the OpenStack control plane that
//! `scripts/openstack-dev up` runs on 127.0.0.1 (its clouds.yaml in `$RPC_OPENSTACK_DIR`).
//!
//! Built and run only with `--features real-tier` (`.ci/run` does). A test fails, never skips,
//! when its service is unreachable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/background.rs"]
mod background;

#[path = "../support/tcp_proxy.rs"]
mod tcp_proxy;

#[allow(dead_code)]
#[path = "../support/fake_github.rs"]
mod fake_github;

#[allow(dead_code)]
#[path = "../support/server.rs"]
mod server;

#[path = "../support/fake_cloud.rs"]
mod fake_cloud;

#[path = "../support/cloud_suite.rs"]
mod cloud_suite;

mod support;

mod cloud;
mod serve;
mod store;
