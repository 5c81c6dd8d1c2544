//! OpenStack's JSON shapes turned into rpc's types. Missing optional fields are tolerated (they
//! differ between microversions and deployments); a missing id or name is an error.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cloud::error::CloudError;
use crate::cloud::types::{
    Direction, Flavor, Image, ImageStatus, Keypair, Network, Rule, SecurityGroup,
    SecurityGroupRule, Server, ServerStatus, Subnet,
};

/// Glance's own image fields; every other top-level key is an additional property.
const GLANCE_FIELDS: &[&str] = &[
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "min_ram",
    "min_disk",
    "created_at",
    "updated_at",
    "tags",
    "self",
    "file",
    "schema",
    "disk_format",
    "container_format",
    "direct_url",
    "locations",
    "stores",
];

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required(value: &Value, key: &str, what: &str) -> Result<String, CloudError> {
    text(value, key).ok_or_else(|| CloudError::Unexpected {
        resource: what.into(),
        detail: format!("the answer has no {key:?}: {value}"),
    })
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|object| {
            object
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn number(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// A list under `key` (or the value itself if it is already a list).
pub fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .unwrap_or(value)
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// Whether a list answer links to a next page: Nova's (and Neutron's) `<key>_links` with
/// `rel: next`, or Glance's `next`.
pub fn has_next_page(page: &Value, key: &str) -> bool {
    let linked = page
        .get(format!("{key}_links"))
        .and_then(Value::as_array)
        .is_some_and(|links| links.iter().any(|link| link["rel"] == "next"));
    linked || page.get("next").and_then(Value::as_str).is_some()
}

/// A Nova server.
pub fn server(value: &Value) -> Result<Server, CloudError> {
    let addresses = value
        .get("addresses")
        .and_then(Value::as_object)
        .map(|networks| {
            networks
                .values()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|address| text(address, "addr"))
                .collect()
        })
        .unwrap_or_default();
    Ok(Server {
        id: required(value, "id", "server")?,
        name: text(value, "name").unwrap_or_default(),
        status: ServerStatus::from_nova(&text(value, "status").unwrap_or_default()),
        metadata: string_map(value.get("metadata")),
        image_id: value.get("image").and_then(|image| text(image, "id")),
        key_name: text(value, "key_name"),
        addresses,
        fault: value.get("fault").and_then(|fault| text(fault, "message")),
        created: text(value, "created"),
    })
}

/// A Glance image; additional properties are its top-level keys that Glance does not define.
pub fn image(value: &Value) -> Result<Image, CloudError> {
    let properties = value
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter(|(key, _)| !GLANCE_FIELDS.contains(&key.as_str()))
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Image {
        id: required(value, "id", "image")?,
        name: text(value, "name").unwrap_or_default(),
        status: ImageStatus::from_glance(&text(value, "status").unwrap_or_default()),
        properties,
        size: value.get("size").and_then(Value::as_u64),
        created: text(value, "created_at"),
        checksum: text(value, "os_hash_value").or_else(|| text(value, "checksum")),
    })
}

/// A Nova keypair (a list item may wrap it in `{"keypair": …}`).
pub fn keypair(value: &Value) -> Result<Keypair, CloudError> {
    let value = value.get("keypair").unwrap_or(value);
    Ok(Keypair {
        name: required(value, "name", "keypair")?,
        public_key: text(value, "public_key").unwrap_or_default(),
        fingerprint: text(value, "fingerprint"),
    })
}

/// A Neutron security group rule.
pub fn rule(value: &Value) -> Result<SecurityGroupRule, CloudError> {
    let port = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
    };
    Ok(SecurityGroupRule {
        id: required(value, "id", "security group rule")?,
        rule: Rule {
            direction: if text(value, "direction").as_deref() == Some("egress") {
                Direction::Egress
            } else {
                Direction::Ingress
            },
            ethertype: text(value, "ethertype").unwrap_or_else(|| "IPv4".into()),
            protocol: text(value, "protocol"),
            port_min: port("port_range_min"),
            port_max: port("port_range_max"),
            remote_ip_prefix: text(value, "remote_ip_prefix"),
        },
    })
}

/// A Neutron security group with its rules.
pub fn security_group(value: &Value) -> Result<SecurityGroup, CloudError> {
    Ok(SecurityGroup {
        id: required(value, "id", "security group")?,
        name: text(value, "name").unwrap_or_default(),
        description: text(value, "description").unwrap_or_default(),
        tags: value
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        rules: items(value, "security_group_rules")
            .iter()
            .map(rule)
            .collect::<Result<_, _>>()?,
        created: text(value, "created_at"),
    })
}

/// A Nova flavor.
pub fn flavor(value: &Value) -> Result<Flavor, CloudError> {
    Ok(Flavor {
        id: required(value, "id", "flavor")?,
        name: text(value, "name").unwrap_or_default(),
        vcpus: u32::try_from(number(value, "vcpus")).unwrap_or(u32::MAX),
        ram_mb: number(value, "ram"),
        disk_gb: number(value, "disk"),
    })
}

/// A Neutron network.
pub fn network(value: &Value) -> Result<Network, CloudError> {
    Ok(Network {
        id: required(value, "id", "network")?,
        name: text(value, "name").unwrap_or_default(),
        subnets: items(value, "subnets")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        external: value
            .get("router:external")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// A Neutron subnet.
pub fn subnet(value: &Value) -> Result<Subnet, CloudError> {
    Ok(Subnet {
        id: required(value, "id", "subnet")?,
        name: text(value, "name").unwrap_or_default(),
        network_id: required(value, "network_id", "subnet")?,
        cidr: text(value, "cidr").unwrap_or_default(),
    })
}

/// Parses every item of a list with `parse`.
pub fn all<T>(
    values: &[Value],
    parse: fn(&Value) -> Result<T, CloudError>,
) -> Result<Vec<T>, CloudError> {
    values.iter().map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_server_keeps_metadata_addresses_and_fault() {
        let parsed = server(&json!({
            "id": "s1", "name": "rpc-runner-a", "status": "ERROR",
            "metadata": {"rpc-prefix": "rpc", "n": 1},
            "image": {"id": "i1"}, "key_name": null,
            "addresses": {"testnet": [{"addr": "192.0.2.5", "version": 4}]},
            "fault": {"message": "No valid host was found.", "code": 500},
            "created": "2026-01-01T00:00:00Z",
        }))
        .expect("valid");
        assert_eq!(parsed.status, ServerStatus::Error);
        assert_eq!(parsed.metadata.len(), 1, "non-string metadata is dropped");
        assert_eq!(parsed.addresses, ["192.0.2.5"]);
        assert_eq!(parsed.fault.as_deref(), Some("No valid host was found."));
        assert_eq!(parsed.image_id.as_deref(), Some("i1"));
        // Booted from a volume: Nova sends "image": "".
        let volume = server(&json!({"id": "s2", "status": "ACTIVE", "image": ""})).expect("ok");
        assert_eq!(volume.image_id, None);
        assert!(server(&json!({"name": "x"})).is_err());
    }

    #[test]
    fn image_properties_are_the_keys_glance_does_not_define() {
        let parsed = image(&json!({
            "id": "i1", "name": "rpc-image-a", "status": "active", "size": 42,
            "visibility": "private", "checksum": "md5", "os_hash_value": "sha512",
            "architecture": "x86_64", "rpc-prefix": "rpc", "min_disk": 0,
            "created_at": "2026-01-01T00:00:00Z", "tags": [],
        }))
        .expect("valid");
        assert_eq!(
            parsed.properties.keys().collect::<Vec<_>>(),
            ["architecture", "rpc-prefix"]
        );
        assert_eq!(parsed.checksum.as_deref(), Some("sha512"));
        assert_eq!(parsed.size, Some(42));
    }

    #[test]
    fn groups_rules_networks_and_flavors_parse() {
        let group = security_group(&json!({
            "id": "g1", "name": "rpc-sg", "tags": ["rpc-prefix:rpc"],
            "security_group_rules": [
                {"id": "r1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
                 "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": null},
                {"id": "r2", "direction": "egress", "ethertype": "IPv6", "protocol": null,
                 "port_range_min": null, "port_range_max": null, "remote_ip_prefix": null},
            ],
        }))
        .expect("valid");
        assert_eq!(group.rules[0].rule, Rule::tcp(Direction::Ingress, 22));
        assert_eq!(group.rules[1].rule.direction, Direction::Egress);
        let net =
            network(&json!({"id": "n", "name": "ext", "subnets": ["a"], "router:external": true}))
                .expect("valid");
        assert!(net.external);
        assert_eq!(net.subnets, ["a"]);
        let f = flavor(&json!({"id": "1", "name": "m1", "vcpus": 2, "ram": 1024, "disk": 20}))
            .expect("valid");
        assert_eq!((f.vcpus, f.ram_mb, f.disk_gb), (2, 1024, 20));
        let k = keypair(&json!({"keypair": {"name": "k", "public_key": "ssh-ed25519 A"}}))
            .expect("valid");
        assert_eq!(k.name, "k");
    }
}
