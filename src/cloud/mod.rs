//! The cloud behind a small trait: exactly the operations `rpc image` and `rpc runners` need, in
//! rpc's own types ([`types`]), with typed errors ([`CloudError`]), ownership rules
//! ([`Ownership`]), bounded waiters ([`wait`]), local keypair generation ([`keys`]) and the
//! choices made on top of the primitives ([`select`]: flavor, network, security group).
//!
//! # Why boxed futures
//! [`Cloud`] methods return [`CloudFuture`] (a pinned, boxed, `Send` future) rather than being
//! `async fn`s: a trait with `async fn` is not dyn-compatible, and rpc wants `&dyn Cloud` /
//! `Arc<dyn Cloud>` so that commands, the image builder and the runner manager are written once
//! and get OpenStack, a fake, or a later provider (LXD) at run time without generics spreading
//! through every signature. One allocation per call is nothing next to an HTTP round trip. The
//! trait is also usable generically (`C: Cloud + ?Sized`).

pub mod check;
pub mod error;
pub mod keys;
#[cfg(test)]
mod mock;
pub mod openstack;
pub mod ownership;
pub mod select;
pub mod types;
pub mod wait;

use std::collections::BTreeMap;
use std::path::Path;

use futures::future::BoxFuture;

pub use error::CloudError;
pub use ownership::Ownership;
pub use types::{
    Direction, Flavor, Image, ImageSource, ImageSpec, ImageStatus, Keypair, Network,
    ProviderSettings, Rule, SecurityGroup, SecurityGroupRule, Server, ServerSpec, ServerStatus,
    Subnet,
};

/// The future every [`Cloud`] operation returns.
pub type CloudFuture<'a, T> = BoxFuture<'a, Result<T, CloudError>>;

/// A cloud: servers, images, keypairs, security groups, flavors and networks.
///
/// Contract for implementations:
/// - `list_*(&Ownership)` return only resources the owner owns ([`Ownership`]'s rules).
/// - `delete_*` of a resource that is already gone succeeds.
/// - `get_*` answer `Ok(None)` for a missing resource.
/// - Creates are never blindly re-sent: after a failed or timed-out create the implementation
///   looks the resource up by name before trying again.
/// - Every call is bounded by a timeout.
pub trait Cloud: Send + Sync {
    /// Creates a server; returns it as first seen (usually `BUILD`). See [`wait::server_status`].
    fn create_server<'a>(&'a self, spec: &'a ServerSpec) -> CloudFuture<'a, Server>;
    /// A server by id.
    fn get_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Server>>;
    /// The owner's servers.
    fn list_servers<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Server>>;
    /// Stops (shuts off) a server. Returns at once; see [`wait::server_status`].
    fn stop_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()>;
    /// Deletes a server; a missing one is success. Returns at once; see
    /// [`wait::server_deleted`].
    fn delete_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()>;
    /// The server's console log, the last `lines` lines if given.
    fn console_output<'a>(&'a self, id: &'a str, lines: Option<u32>) -> CloudFuture<'a, String>;

    /// Images with this exact name, in this status if given, newest first. Any owner: base
    /// images may be shared.
    fn find_images<'a>(
        &'a self,
        name: &'a str,
        status: Option<ImageStatus>,
    ) -> CloudFuture<'a, Vec<Image>>;
    /// The owner's images, newest first.
    fn list_images<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Image>>;
    /// An image by id.
    fn get_image<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Image>>;
    /// Creates an image and uploads its data; returns it once the upload is accepted (it may
    /// still be `saving`; see [`wait::image_active`]).
    fn upload_image<'a>(
        &'a self,
        spec: &'a ImageSpec,
        source: ImageSource,
    ) -> CloudFuture<'a, Image>;
    /// Snapshots a (stopped) server into a new image; returns the image id at once.
    fn snapshot_server<'a>(
        &'a self,
        server_id: &'a str,
        spec: &'a ImageSpec,
    ) -> CloudFuture<'a, String>;
    /// Downloads an image's data to a file; returns the number of bytes written.
    fn download_image<'a>(&'a self, id: &'a str, dest: &'a Path) -> CloudFuture<'a, u64>;
    /// Deletes an image; a missing one is success.
    fn delete_image<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()>;

    /// Registers a locally generated public key (see [`keys::generate_ed25519`]).
    fn create_keypair<'a>(&'a self, name: &'a str, public_key: &'a str)
    -> CloudFuture<'a, Keypair>;
    /// A keypair by name.
    fn get_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<Keypair>>;
    /// The owner's keypairs (by exact name pattern).
    fn list_keypairs<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Keypair>>;
    /// Deletes a keypair; a missing one is success.
    fn delete_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()>;

    /// Security groups with this exact name, whoever owns them, with their rules (so that
    /// [`select::ensure_security_group`] can refuse to adopt a foreign one).
    fn find_security_groups<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Vec<SecurityGroup>>;
    /// Creates a security group with these tags.
    fn create_security_group<'a>(
        &'a self,
        name: &'a str,
        description: &'a str,
        tags: &'a [String],
    ) -> CloudFuture<'a, SecurityGroup>;
    /// Adds a rule to a security group.
    fn create_security_group_rule<'a>(
        &'a self,
        group_id: &'a str,
        rule: &'a Rule,
    ) -> CloudFuture<'a, SecurityGroupRule>;
    /// Deletes a security group; a missing one is success.
    fn delete_security_group<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()>;

    /// Every flavor the project may use.
    fn list_flavors(&self) -> CloudFuture<'_, Vec<Flavor>>;
    /// Every network the project can see.
    fn list_networks(&self) -> CloudFuture<'_, Vec<Network>>;
    /// Every subnet the project can see, in the cloud's order.
    fn list_subnets(&self) -> CloudFuture<'_, Vec<Subnet>>;

    /// Requests sent so far, per service (`identity`, `compute`, `image`, `network`).
    fn request_counts(&self) -> BTreeMap<String, u64>;
}
