//! Integration tests: the real `rpc` binary, driven as its users drive it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod cli;
mod cloud;
mod cloud_ops;
mod config;
mod docs;
mod generated;
mod github_contract;
mod hook;
mod policy;
mod serve;
