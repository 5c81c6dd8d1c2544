//! Choices made on top of the [`Cloud`] primitives: the smallest flavor that fits, the network to
//! use, and a security group ensured idempotently.

use super::Cloud;
use super::error::CloudError;
use super::ownership::Ownership;
use super::types::{Flavor, Network, Rule, SecurityGroup, Subnet};

/// The least a flavor must offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Minimum {
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub ram_mb: u64,
    /// Root disk in GiB.
    pub disk_gb: u64,
}

/// The smallest flavor meeting `min`: fewest vCPUs, then least RAM, then least disk, then name
/// (so the choice is stable).
pub fn smallest_flavor(flavors: &[Flavor], min: Minimum) -> Option<&Flavor> {
    flavors
        .iter()
        .filter(|f| f.vcpus >= min.vcpus && f.ram_mb >= min.ram_mb && f.disk_gb >= min.disk_gb)
        .min_by(|a, b| {
            (a.vcpus, a.ram_mb, a.disk_gb, &a.name).cmp(&(b.vcpus, b.ram_mb, b.disk_gb, &b.name))
        })
}

/// The network to attach servers to: the one named (or with this id) if `wanted` is given,
/// otherwise the network of the first subnet, as the reference image builder does.
pub fn choose_network(
    networks: &[Network],
    subnets: &[Subnet],
    wanted: Option<&str>,
) -> Result<Network, CloudError> {
    if let Some(wanted) = wanted {
        let by_id = networks.iter().find(|n| n.id == wanted);
        let by_name: Vec<&Network> = networks.iter().filter(|n| n.name == wanted).collect();
        return match (by_id, by_name.as_slice()) {
            (Some(network), _) => Ok(network.clone()),
            (None, [network]) => Ok((*network).clone()),
            (None, []) => Err(CloudError::NotFound {
                resource: format!("network {wanted}"),
            }),
            (None, _) => Err(CloudError::Conflict {
                resource: format!("network {wanted}"),
                message: format!("{} networks have this name; give its id", by_name.len()),
            }),
        };
    }
    let subnet = subnets.first().ok_or_else(|| CloudError::NotFound {
        resource: "any subnet (to pick a network; set openstack.network)".into(),
    })?;
    networks
        .iter()
        .find(|n| n.id == subnet.network_id)
        .cloned()
        .ok_or_else(|| CloudError::NotFound {
            resource: format!("network {} of subnet {}", subnet.network_id, subnet.id),
        })
}

/// Neutron reports "any address" both as no prefix and as `0.0.0.0/0` / `::/0`.
fn normalised(rule: &Rule) -> Rule {
    let mut rule = rule.clone();
    if matches!(rule.remote_ip_prefix.as_deref(), Some("0.0.0.0/0" | "::/0")) {
        rule.remote_ip_prefix = None;
    }
    if let Some(protocol) = &mut rule.protocol {
        protocol.make_ascii_lowercase();
    }
    rule
}

/// Makes sure the owner's security group `<prefix>-<kind>-<token>` exists with at least
/// `rules`: creates it if missing, adds missing rules, and deletes duplicates of the group
/// (keeping the oldest, and of equally old ones the one with most rules). A group of that name that rpc does not own is never adopted or
/// touched: that is a [`CloudError::Conflict`].
pub async fn ensure_security_group<C: Cloud + ?Sized>(
    cloud: &C,
    owner: &Ownership,
    token: &str,
    description: &str,
    rules: &[Rule],
) -> Result<SecurityGroup, CloudError> {
    let name = owner.name(token);
    let found = cloud.find_security_groups(&name).await?;
    let (mut ours, foreign): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|g| owner.owns_security_group(g));
    if ours.is_empty() && !foreign.is_empty() {
        return Err(CloudError::Conflict {
            resource: format!("security group {name}"),
            message: "a group with this name exists without rpc's ownership tags; rename or \
                      delete it, or choose another prefix"
                .into(),
        });
    }
    // Oldest first; Neutron's timestamps have one-second resolution, so between groups made in
    // the same second keep the one with more rules (the one already set up).
    ours.sort_by(|a, b| {
        (&a.created, std::cmp::Reverse(a.rules.len()), &a.id).cmp(&(
            &b.created,
            std::cmp::Reverse(b.rules.len()),
            &b.id,
        ))
    });
    let mut group = if ours.is_empty() {
        cloud
            .create_security_group(&name, description, &owner.tags())
            .await?
    } else {
        let keep = ours.remove(0);
        for duplicate in &ours {
            tracing::info!(group = %name, id = %duplicate.id, "deleting duplicate security group");
            cloud.delete_security_group(&duplicate.id).await?;
        }
        keep
    };
    let have: Vec<Rule> = group.rules.iter().map(|r| normalised(&r.rule)).collect();
    let mut wanted: Vec<Rule> = rules.iter().map(normalised).collect();
    wanted.sort();
    wanted.dedup();
    for rule in wanted.into_iter().filter(|r| !have.contains(r)) {
        let created = cloud.create_security_group_rule(&group.id, &rule).await?;
        group.rules.push(created);
    }
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::mock::MockCloud;
    use crate::cloud::types::Direction;

    fn flavor(name: &str, vcpus: u32, ram_mb: u64, disk_gb: u64) -> Flavor {
        Flavor {
            id: format!("id-{name}"),
            name: name.into(),
            vcpus,
            ram_mb,
            disk_gb,
        }
    }

    #[test]
    fn smallest_flavor_meeting_the_minimum() {
        let flavors = [
            flavor("xl", 8, 16384, 80),
            flavor("m", 2, 4096, 20),
            flavor("s", 1, 2048, 10),
            flavor("m-bigdisk", 2, 4096, 40),
        ];
        let min = Minimum {
            vcpus: 2,
            ram_mb: 4096,
            disk_gb: 20,
        };
        assert_eq!(
            smallest_flavor(&flavors, min).map(|f| f.name.as_str()),
            Some("m")
        );
        let min = Minimum {
            vcpus: 2,
            ram_mb: 4096,
            disk_gb: 30,
        };
        assert_eq!(
            smallest_flavor(&flavors, min).map(|f| f.name.as_str()),
            Some("m-bigdisk")
        );
        assert!(
            smallest_flavor(
                &flavors,
                Minimum {
                    vcpus: 16,
                    ..Minimum::default()
                }
            )
            .is_none()
        );
    }

    #[test]
    fn network_by_name_id_or_first_subnet() {
        let net = |id: &str, name: &str| Network {
            id: id.into(),
            name: name.into(),
            subnets: vec![],
            external: false,
        };
        let networks = [
            net("n1", "public"),
            net("n2", "private"),
            net("n3", "dup"),
            net("n4", "dup"),
        ];
        let subnets = [Subnet {
            id: "s1".into(),
            name: "private-subnet".into(),
            network_id: "n2".into(),
            cidr: "10.0.0.0/24".into(),
        }];
        assert_eq!(
            choose_network(&networks, &subnets, Some("public"))
                .expect("name")
                .id,
            "n1"
        );
        assert_eq!(
            choose_network(&networks, &subnets, Some("n1"))
                .expect("id")
                .id,
            "n1"
        );
        assert_eq!(
            choose_network(&networks, &subnets, None)
                .expect("subnet")
                .id,
            "n2"
        );
        assert!(
            choose_network(&networks, &subnets, Some("nope"))
                .expect_err("x")
                .is_not_found()
        );
        assert!(matches!(
            choose_network(&networks, &subnets, Some("dup")),
            Err(CloudError::Conflict { .. })
        ));
        assert!(
            choose_network(&networks, &[], None)
                .expect_err("x")
                .is_not_found()
        );
    }

    #[tokio::test]
    async fn ensure_creates_then_adds_only_missing_rules_and_removes_duplicates() {
        let cloud = MockCloud::default();
        let owner = Ownership::new("rpc-a", "runner").expect("valid");
        let rules = [
            Rule::tcp(Direction::Ingress, 22),
            Rule::icmp(Direction::Ingress),
        ];
        let group = ensure_security_group(&cloud, &owner, "default", "d", &rules)
            .await
            .expect("create");
        assert_eq!(group.name, "rpc-a-runner-default");
        assert_eq!(group.rules.len(), 2);
        // Idempotent: nothing new.
        let again = ensure_security_group(&cloud, &owner, "default", "d", &rules)
            .await
            .expect("again");
        assert_eq!(again.id, group.id);
        assert_eq!(cloud.groups().len(), 1);
        assert_eq!(cloud.groups()[0].rules.len(), 2);
        // A new rule is added; a duplicate group is removed.
        cloud
            .create_security_group(&group.name, "d", &owner.tags())
            .await
            .expect("dup");
        let more = [
            Rule::tcp(Direction::Ingress, 22),
            Rule::tcp(Direction::Egress, 10022),
        ];
        let after = ensure_security_group(&cloud, &owner, "default", "d", &more)
            .await
            .expect("more");
        assert_eq!(after.id, group.id);
        assert_eq!(cloud.groups().len(), 1);
        assert_eq!(after.rules.len(), 3);
    }

    #[tokio::test]
    async fn ensure_never_adopts_a_foreign_group() {
        let cloud = MockCloud::default();
        let owner = Ownership::new("rpc-a", "runner").expect("valid");
        cloud
            .create_security_group("rpc-a-runner-default", "theirs", &[])
            .await
            .expect("foreign");
        let err = ensure_security_group(
            &cloud,
            &owner,
            "default",
            "d",
            &[Rule::icmp(Direction::Ingress)],
        )
        .await
        .expect_err("conflict");
        assert!(matches!(err, CloudError::Conflict { .. }));
        assert!(cloud.groups()[0].rules.is_empty());
    }
}
