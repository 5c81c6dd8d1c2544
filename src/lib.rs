//! rpc keeps self-hosted GitHub Actions runners on OpenStack safe and supplied.
//!
//! The binary is a thin shell around this library: [`cli`] holds the command line as data and
//! dispatches each subcommand to one library call; [`output`] is the only module that prints.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod cloud;
pub mod config;
pub mod env_vars;
pub mod error;
pub mod exit;
pub mod github;
pub mod logging;
pub mod output;
pub mod policy;
pub mod secrets;
pub mod server;
pub mod store;

pub use error::Error;
pub use exit::ExitStatus;
