//! An in-memory [`Cloud`] for the unit tests of the code built on the trait. The HTTP-level fake
//! OpenStack for the real client lives in `tests/support/fake_cloud.rs`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use futures::FutureExt;

use super::types::*;
use super::{Cloud, CloudError, CloudFuture, Ownership};

#[derive(Default)]
struct State {
    next: u64,
    servers: Vec<Server>,
    images: Vec<Image>,
    keypairs: Vec<Keypair>,
    groups: Vec<SecurityGroup>,
}

impl State {
    fn id(&mut self, kind: &str) -> String {
        self.next += 1;
        format!("{kind}-{:04}", self.next)
    }
}

/// In-memory cloud; every operation answers at once.
#[derive(Default)]
pub(crate) struct MockCloud {
    state: Mutex<State>,
}

fn ready<'a, T: Send + 'a>(value: Result<T, CloudError>) -> CloudFuture<'a, T> {
    futures::future::ready(value).boxed()
}

impl MockCloud {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every security group.
    pub(crate) fn groups(&self) -> Vec<SecurityGroup> {
        self.state().groups.clone()
    }

    /// Sets a server's status and fault.
    pub(crate) fn set_server(&self, id: &str, status: ServerStatus, fault: Option<&str>) {
        for server in self.state().servers.iter_mut().filter(|s| s.id == id) {
            server.status = status.clone();
            server.fault = fault.map(str::to_owned);
        }
    }

    /// Sets an image's status.
    pub(crate) fn set_image(&self, id: &str, status: ImageStatus) {
        for image in self.state().images.iter_mut().filter(|i| i.id == id) {
            image.status = status.clone();
        }
    }
}

impl Cloud for MockCloud {
    fn create_server<'a>(&'a self, spec: &'a ServerSpec) -> CloudFuture<'a, Server> {
        let mut state = self.state();
        let server = Server {
            id: state.id("server"),
            name: spec.name.clone(),
            status: ServerStatus::Build,
            metadata: spec.metadata.clone(),
            image_id: Some(spec.image.clone()),
            key_name: spec.provider.key_name.clone(),
            addresses: vec![],
            fault: None,
            created: None,
        };
        state.servers.push(server.clone());
        ready(Ok(server))
    }

    fn get_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Server>> {
        ready(Ok(self
            .state()
            .servers
            .iter()
            .find(|s| s.id == id)
            .cloned()))
    }

    fn list_servers<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Server>> {
        ready(Ok(self
            .state()
            .servers
            .iter()
            .filter(|s| owner.owns_server(s))
            .cloned()
            .collect()))
    }

    fn stop_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        self.set_server(id, ServerStatus::Shutoff, None);
        ready(Ok(()))
    }

    fn delete_server<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        self.state().servers.retain(|s| s.id != id);
        ready(Ok(()))
    }

    fn console_output<'a>(&'a self, _id: &'a str, _lines: Option<u32>) -> CloudFuture<'a, String> {
        ready(Ok(String::new()))
    }

    fn find_images<'a>(
        &'a self,
        name: &'a str,
        status: Option<ImageStatus>,
    ) -> CloudFuture<'a, Vec<Image>> {
        let found = self
            .state()
            .images
            .iter()
            .filter(|i| i.name == name && status.as_ref().is_none_or(|s| *s == i.status))
            .cloned()
            .collect();
        ready(Ok(found))
    }

    fn list_images<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Image>> {
        ready(Ok(self
            .state()
            .images
            .iter()
            .filter(|i| owner.owns_image(i))
            .cloned()
            .collect()))
    }

    fn get_image<'a>(&'a self, id: &'a str) -> CloudFuture<'a, Option<Image>> {
        ready(Ok(self.state().images.iter().find(|i| i.id == id).cloned()))
    }

    fn upload_image<'a>(
        &'a self,
        spec: &'a ImageSpec,
        _source: ImageSource,
    ) -> CloudFuture<'a, Image> {
        let mut state = self.state();
        let image = Image {
            id: state.id("image"),
            name: spec.name.clone(),
            status: ImageStatus::Saving,
            properties: spec.properties.clone(),
            size: None,
            created: None,
            checksum: None,
        };
        state.images.push(image.clone());
        ready(Ok(image))
    }

    fn snapshot_server<'a>(
        &'a self,
        _server_id: &'a str,
        spec: &'a ImageSpec,
    ) -> CloudFuture<'a, String> {
        let image = self.upload_image(spec, ImageSource::File("/dev/null".into()));
        image.map(|image| image.map(|i| i.id)).boxed()
    }

    fn download_image<'a>(&'a self, _id: &'a str, _dest: &'a Path) -> CloudFuture<'a, u64> {
        ready(Ok(0))
    }

    fn delete_image<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        self.state().images.retain(|i| i.id != id);
        ready(Ok(()))
    }

    fn create_keypair<'a>(
        &'a self,
        name: &'a str,
        public_key: &'a str,
    ) -> CloudFuture<'a, Keypair> {
        let keypair = Keypair {
            name: name.into(),
            public_key: public_key.into(),
            fingerprint: None,
        };
        self.state().keypairs.push(keypair.clone());
        ready(Ok(keypair))
    }

    fn get_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<Keypair>> {
        ready(Ok(self
            .state()
            .keypairs
            .iter()
            .find(|k| k.name == name)
            .cloned()))
    }

    fn list_keypairs<'a>(&'a self, owner: &'a Ownership) -> CloudFuture<'a, Vec<Keypair>> {
        ready(Ok(self
            .state()
            .keypairs
            .iter()
            .filter(|k| owner.owns_keypair(k))
            .cloned()
            .collect()))
    }

    fn delete_keypair<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()> {
        self.state().keypairs.retain(|k| k.name != name);
        ready(Ok(()))
    }

    fn find_security_groups<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Vec<SecurityGroup>> {
        ready(Ok(self
            .state()
            .groups
            .iter()
            .filter(|g| g.name == name)
            .cloned()
            .collect()))
    }

    fn create_security_group<'a>(
        &'a self,
        name: &'a str,
        _description: &'a str,
        tags: &'a [String],
    ) -> CloudFuture<'a, SecurityGroup> {
        let mut state = self.state();
        let id = state.id("sg");
        let group = SecurityGroup {
            created: Some(id.clone()),
            id,
            name: name.into(),
            description: String::new(),
            tags: tags.to_vec(),
            rules: vec![],
        };
        state.groups.push(group.clone());
        ready(Ok(group))
    }

    fn create_security_group_rule<'a>(
        &'a self,
        group_id: &'a str,
        rule: &'a Rule,
    ) -> CloudFuture<'a, SecurityGroupRule> {
        let mut state = self.state();
        let created = SecurityGroupRule {
            id: state.id("rule"),
            rule: rule.clone(),
        };
        let Some(group) = state.groups.iter_mut().find(|g| g.id == group_id) else {
            return ready(Err(CloudError::NotFound {
                resource: format!("security group {group_id}"),
            }));
        };
        group.rules.push(created.clone());
        ready(Ok(created))
    }

    fn delete_security_group<'a>(&'a self, id: &'a str) -> CloudFuture<'a, ()> {
        self.state().groups.retain(|g| g.id != id);
        ready(Ok(()))
    }

    fn list_flavors(&self) -> CloudFuture<'_, Vec<Flavor>> {
        ready(Ok(vec![]))
    }

    fn list_networks(&self) -> CloudFuture<'_, Vec<Network>> {
        ready(Ok(vec![]))
    }

    fn list_subnets(&self) -> CloudFuture<'_, Vec<Subnet>> {
        ready(Ok(vec![]))
    }

    fn request_counts(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }
}
