//! `rpc cloud …`.

use clap::{Args, Subcommand};

/// Subcommands of `rpc cloud`.
#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// Authenticate and report the endpoints, Nova microversion, flavors, networks, images,
    /// compute limits and the resources rpc owns under `runners.prefix`
    ///
    /// The cloud comes from clouds.yaml (--os-cloud, OS_CLOUD or `openstack.cloud`; files from
    /// OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml,
    /// /etc/openstack/clouds.yaml, with secure.yaml merged), or from the OS_* variables when no
    /// cloud is named. Exits 2 on a configuration error, 3 when the cloud fails.
    Check(CloudCheckArgs),
}

/// Arguments of `rpc cloud check`.
#[derive(Debug, Args)]
pub struct CloudCheckArgs {
    /// The cloud's name in clouds.yaml [env: OS_CLOUD]
    #[arg(long, value_name = "NAME")]
    pub os_cloud: Option<String>,
}
