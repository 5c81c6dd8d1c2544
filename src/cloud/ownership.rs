//! Which cloud resources rpc owns. A resource is rpc's only if its name starts with the prefix
//! *and*, where the API has them, its metadata (servers), properties (images) or tags (security
//! groups) name the same prefix and kind exactly. Keypairs have no metadata, so their whole name
//! must match `<prefix>-<kind>-<token>` with a token free of `-`. A bare name prefix is never
//! enough: prefix `runner-1` must not claim `runner-1-x`'s resources.

use std::collections::BTreeMap;

use super::error::CloudError;
use super::types::{Image, Keypair, SecurityGroup, Server};

/// Metadata/property key naming the owner's prefix.
pub const PREFIX_KEY: &str = "rpc-prefix";
/// Metadata/property key naming the owner's kind.
pub const KIND_KEY: &str = "rpc-kind";

/// Longest prefix accepted: Nova names are ≤ 255, hostnames ≤ 63; a 12-character token, a kind
/// and two dashes must still fit in a hostname.
pub const MAX_PREFIX_LEN: usize = 40;

/// The owner of a set of resources: a prefix (one per deployment, e.g. `runner-1`) and a kind
/// (what the resources are for, e.g. `runner`, `builder`, `image`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ownership {
    prefix: String,
    kind: String,
}

impl Ownership {
    /// Validates a prefix (1–40 characters of `a-z`, `0-9`, `-`, starting with a letter or
    /// digit, not ending in `-`) and a kind (1–16 characters of `a-z`).
    pub fn new(prefix: impl Into<String>, kind: impl Into<String>) -> Result<Self, CloudError> {
        let prefix = prefix.into();
        let kind = kind.into();
        let prefix_ok = !prefix.is_empty()
            && prefix.len() <= MAX_PREFIX_LEN
            && prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !prefix.starts_with('-')
            && !prefix.ends_with('-');
        if !prefix_ok {
            return Err(CloudError::Config {
                detail: format!("invalid resource prefix {prefix:?}"),
                hint: format!(
                    "use 1–{MAX_PREFIX_LEN} characters of a-z, 0-9 and '-', not starting or \
                     ending with '-' (runners.prefix)"
                ),
            });
        }
        let kind_ok =
            !kind.is_empty() && kind.len() <= 16 && kind.bytes().all(|b| b.is_ascii_lowercase());
        if !kind_ok {
            return Err(CloudError::Config {
                detail: format!("invalid resource kind {kind:?}"),
                hint: "a kind is 1–16 characters of a-z".into(),
            });
        }
        Ok(Self { prefix, kind })
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The kind.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The name of an owned resource: `<prefix>-<kind>-<token>`. Keypair tokens must not
    /// contain `-` (see [`Ownership::owns_keypair`]).
    pub fn name(&self, token: &str) -> String {
        format!("{}-{}-{token}", self.prefix, self.kind)
    }

    /// The metadata (servers) or properties (images) that mark a resource as owned.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (PREFIX_KEY.to_owned(), self.prefix.clone()),
            (KIND_KEY.to_owned(), self.kind.clone()),
        ])
    }

    /// The tags that mark a security group as owned.
    pub fn tags(&self) -> Vec<String> {
        vec![
            format!("{PREFIX_KEY}:{}", self.prefix),
            format!("{KIND_KEY}:{}", self.kind),
        ]
    }

    fn owns_name(&self, name: &str) -> bool {
        name.strip_prefix(&self.prefix)
            .is_some_and(|rest| rest.starts_with('-'))
    }

    fn owns_map(&self, map: &BTreeMap<String, String>) -> bool {
        map.get(PREFIX_KEY).is_some_and(|p| *p == self.prefix)
            && map.get(KIND_KEY).is_some_and(|k| *k == self.kind)
    }

    /// Whether rpc owns this server: name prefix and `rpc-prefix`/`rpc-kind` metadata.
    pub fn owns_server(&self, server: &Server) -> bool {
        self.owns_name(&server.name) && self.owns_map(&server.metadata)
    }

    /// Whether rpc owns this image: name prefix and `rpc-prefix`/`rpc-kind` properties.
    pub fn owns_image(&self, image: &Image) -> bool {
        self.owns_name(&image.name) && self.owns_map(&image.properties)
    }

    /// Whether rpc owns this security group: name prefix and both ownership tags.
    pub fn owns_security_group(&self, group: &SecurityGroup) -> bool {
        self.owns_name(&group.name) && self.tags().iter().all(|tag| group.tags.contains(tag))
    }

    /// Whether rpc owns this keypair: exactly `<prefix>-<kind>-<token>`, the token being
    /// non-empty `a-z0-9` (so no other prefix's or kind's name can match).
    pub fn owns_keypair(&self, keypair: &Keypair) -> bool {
        self.owns_keypair_name(&keypair.name)
    }

    /// [`Ownership::owns_keypair`] on a bare name.
    pub fn owns_keypair_name(&self, name: &str) -> bool {
        let head = format!("{}-{}-", self.prefix, self.kind);
        name.strip_prefix(&head).is_some_and(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::types::{ImageStatus, ServerStatus};

    fn owner() -> Ownership {
        Ownership::new("runner-1", "runner").expect("valid")
    }

    fn server(name: &str, meta: &[(&str, &str)]) -> Server {
        Server {
            id: "id".into(),
            name: name.into(),
            status: ServerStatus::Active,
            metadata: meta
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            image_id: None,
            key_name: None,
            addresses: vec![],
            fault: None,
            created: None,
        }
    }

    #[test]
    fn invalid_prefixes_and_kinds_are_configuration_errors() {
        for prefix in ["", "-a", "a-", "A", "a_b", &"a".repeat(41)] {
            let err = Ownership::new(prefix, "runner").expect_err(prefix);
            assert!(err.is_config(), "{prefix}");
        }
        assert!(Ownership::new("a", "run-ner").is_err());
        assert!(Ownership::new("a", "").is_err());
        assert!(Ownership::new("a-1", "builder").is_ok());
    }

    #[test]
    fn servers_need_name_prefix_and_both_metadata_keys() {
        let o = owner();
        let ours = [("rpc-prefix", "runner-1"), ("rpc-kind", "runner")];
        assert!(o.owns_server(&server("runner-1-runner-abc", &ours)));
        // Same name prefix, another deployment's metadata.
        let theirs = [("rpc-prefix", "runner-1-x"), ("rpc-kind", "runner")];
        assert!(!o.owns_server(&server("runner-1-x-runner-abc", &theirs)));
        // Our name prefix but no metadata (someone else's VM).
        assert!(!o.owns_server(&server("runner-1-runner-abc", &[])));
        // Our metadata, other kind.
        assert!(!o.owns_server(&server(
            "runner-1-builder-abc",
            &[("rpc-prefix", "runner-1"), ("rpc-kind", "builder")]
        )));
        // Metadata right but the name lacks the prefix boundary.
        assert!(!o.owns_server(&server("runner-10-runner-abc", &ours)));
    }

    #[test]
    fn images_need_properties() {
        let o = owner();
        let mut image = Image {
            id: "i".into(),
            name: "runner-1-runner-jammy".into(),
            status: ImageStatus::Active,
            properties: o.metadata(),
            size: None,
            created: None,
            checksum: None,
        };
        assert!(o.owns_image(&image));
        image.properties.remove(KIND_KEY);
        assert!(!o.owns_image(&image));
    }

    #[test]
    fn security_groups_need_both_tags() {
        let o = owner();
        let mut group = SecurityGroup {
            id: "g".into(),
            name: "runner-1-runner-default".into(),
            description: String::new(),
            tags: o.tags(),
            rules: vec![],
            created: None,
        };
        assert!(o.owns_security_group(&group));
        group.tags = vec!["rpc-prefix:runner-1".into()];
        assert!(!o.owns_security_group(&group));
    }

    #[test]
    fn keypairs_match_the_exact_name_pattern() {
        let o = owner();
        assert!(o.owns_keypair_name("runner-1-runner-0a1b2c3d4e5f"));
        assert!(!o.owns_keypair_name("runner-1-runner-"));
        assert!(!o.owns_keypair_name("runner-1-x-runner-0a1b2c3d4e5f"));
        assert!(!o.owns_keypair_name("runner-1-runner-x-0a1b"));
        assert!(!o.owns_keypair_name("runner-1-builder-0a1b"));
        assert!(!o.owns_keypair_name("runner-1-runner-ABC"));
        // Another deployment whose prefix extends ours cannot collide with our pattern.
        let longer = Ownership::new("runner-1-runner", "runner").expect("valid");
        assert!(!o.owns_keypair_name(&longer.name("abc")));
    }
}
