//! `rpc serve …`.

use clap::{Args, Subcommand};

/// Arguments of `rpc serve`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    /// Address and port to listen on [env: RPC_SERVE_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Database URL [env: RPC_SERVE_DATABASE_URL, DATABASE_URL, POSTGRESQL_DB_CONNECT_STRING]
    /// [default: an SQLite file under the XDG data directory]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Token commands for the component that creates runners.
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
}

/// Subcommands of `rpc serve`.
#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Mint a one-time runner token from a running server and print it (charm token from
    /// CHARM_TOKEN or `serve.charm_token`)
    Token(TokenArgs),
}

/// Arguments of `rpc serve token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The server, e.g. http://policy.internal:8080
    #[arg(long, value_name = "URL")]
    pub server: String,
}
