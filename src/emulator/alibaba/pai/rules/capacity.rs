//! Machine accounting: who holds which machines of which resource group.
//!
//! Root quotas take whole machines out of resource groups (recorded per group in
//! `Quota::allocation`), child quotas take counts out of their parent's `Min`. Every
//! capacity rule (create, scale, `ListNodeTypes` statistics) is answered from here, so
//! the numbers a client sees in `CanBeBoundCount` are exactly what create/scale enforce.

use std::collections::BTreeSet;

use crate::emulator::alibaba::pai::models::{Allocation, NodeSpec, PaiBackend, Quota};

/// Machines of `node_type` in group `rg_id` held by root quotas other than `exclude`.
pub fn bound_in_group(
    state: &PaiBackend,
    rg_id: &str,
    node_type: &str,
    exclude: Option<&str>,
) -> u32 {
    state
        .quotas
        .iter()
        .filter(|q| q.is_root() && Some(q.id.as_str()) != exclude)
        .filter_map(|q| q.allocation.get(rg_id)?.get(node_type))
        .sum()
}

/// Machines of `node_type` in group `rg_id` that no root quota (other than `exclude`) holds.
pub fn free_in_group(
    state: &PaiBackend,
    rg_id: &str,
    node_type: &str,
    exclude: Option<&str>,
) -> u32 {
    let total = state
        .resource_group(rg_id)
        .and_then(|g| g.inventory.get(node_type))
        .copied()
        .unwrap_or(0);
    total.saturating_sub(bound_in_group(state, rg_id, node_type, exclude))
}

/// All machines of `node_type` in the groups.
pub fn total_in_groups(state: &PaiBackend, rg_ids: &[String], node_type: &str) -> u32 {
    rg_ids
        .iter()
        .filter_map(|id| state.resource_group(id)?.inventory.get(node_type))
        .sum()
}

/// `CanBeBoundCount`: free machines of `node_type` across the groups.
pub fn can_be_bound(
    state: &PaiBackend,
    rg_ids: &[String],
    node_type: &str,
    exclude: Option<&str>,
) -> u32 {
    rg_ids
        .iter()
        .map(|id| free_in_group(state, id, node_type, exclude))
        .sum()
}

/// The instance types the groups hold at least one machine of, sorted.
pub fn node_types_in(state: &PaiBackend, rg_ids: &[String]) -> Vec<String> {
    let mut types = BTreeSet::new();
    for id in rg_ids {
        if let Some(group) = state.resource_group(id) {
            types.extend(
                group
                    .inventory
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(t, _)| t.clone()),
            );
        }
    }
    types.into_iter().collect()
}

/// A node type that cannot be satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The instance type.
    pub node_type: String,
    /// What was asked for.
    pub requested: u32,
    /// What is available to the asker.
    pub available: u32,
}

/// Formats shortfalls for a `QuotaCapacityExceeded` message.
pub fn describe(shortfalls: &[Shortfall]) -> String {
    shortfalls
        .iter()
        .map(|s| {
            format!(
                "{} requested {}, available {}",
                s.node_type, s.requested, s.available
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Chooses which machines back `target` for the root quota `exclude` (or a new root).
///
/// Machines the quota already holds in a group that stays in `rg_ids` are kept first,
/// so a scale never shuffles machines needlessly; the rest come from free machines in
/// group order.
pub fn allocate(
    state: &PaiBackend,
    rg_ids: &[String],
    target: &[NodeSpec],
    keep: &Allocation,
    exclude: Option<&str>,
) -> Result<Allocation, Vec<Shortfall>> {
    let mut allocation = Allocation::new();
    let mut shortfalls = Vec::new();
    for spec in target.iter().filter(|s| s.count > 0) {
        let mut remaining = spec.count;
        for rg in rg_ids {
            let kept = keep
                .get(rg)
                .and_then(|types| types.get(&spec.node_type))
                .copied()
                .unwrap_or(0)
                .min(remaining);
            if kept > 0 {
                *allocation
                    .entry(rg.clone())
                    .or_default()
                    .entry(spec.node_type.clone())
                    .or_default() += kept;
                remaining -= kept;
            }
        }
        for rg in rg_ids {
            if remaining == 0 {
                break;
            }
            let already = allocation
                .get(rg)
                .and_then(|types| types.get(&spec.node_type))
                .copied()
                .unwrap_or(0);
            let free = free_in_group(state, rg, &spec.node_type, exclude).saturating_sub(already);
            let take = free.min(remaining);
            if take > 0 {
                *allocation
                    .entry(rg.clone())
                    .or_default()
                    .entry(spec.node_type.clone())
                    .or_default() += take;
                remaining -= take;
            }
        }
        if remaining > 0 {
            shortfalls.push(Shortfall {
                node_type: spec.node_type.clone(),
                requested: spec.count,
                available: can_be_bound(state, rg_ids, &spec.node_type, exclude),
            });
        }
    }
    if shortfalls.is_empty() {
        Ok(allocation)
    } else {
        Err(shortfalls)
    }
}

/// What the direct children of `quota_id` (other than `exclude_child`) hold of `node_type`.
pub fn children_hold(
    state: &PaiBackend,
    quota_id: &str,
    node_type: &str,
    exclude_child: Option<&str>,
) -> u32 {
    state
        .children(quota_id)
        .filter(|c| Some(c.id.as_str()) != exclude_child)
        .map(|c| c.min_count(node_type))
        .sum()
}

/// What of `parent`'s `Min` for `node_type` is not given to children (other than `exclude_child`).
pub fn parent_unallocated(
    state: &PaiBackend,
    parent: &Quota,
    node_type: &str,
    exclude_child: Option<&str>,
) -> u32 {
    parent.min_count(node_type).saturating_sub(children_hold(
        state,
        &parent.id,
        node_type,
        exclude_child,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::alibaba::pai::models::{ResourceGroup, ResourceType, UserVpc};
    use std::collections::BTreeMap;

    const C8: &str = "ecs.gn7i-c8g1.2xlarge";

    fn group(id: &str, c8: u32) -> ResourceGroup {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        ResourceGroup {
            id: id.into(),
            name: id.into(),
            resource_type: ResourceType::Ecs,
            cluster_id: "c1".into(),
            gpu_type: "A10".into(),
            user_vpc: UserVpc::default(),
            inventory: BTreeMap::from([(C8.to_string(), c8)]),
            creator_id: String::new(),
            description: String::new(),
            status: "Ready".into(),
            gmt_created: now,
            gmt_modified: now,
            support_rdma: false,
        }
    }

    fn spec(count: u32) -> Vec<NodeSpec> {
        vec![NodeSpec {
            node_type: C8.into(),
            count,
        }]
    }

    fn state() -> PaiBackend {
        PaiBackend {
            resource_groups: vec![group("rg1", 4), group("rg2", 2)],
            ..PaiBackend::default()
        }
    }

    #[test]
    fn allocation_fills_groups_in_order_and_reports_shortfalls() {
        let s = state();
        let ids = vec!["rg1".to_string(), "rg2".to_string()];
        let alloc = allocate(&s, &ids, &spec(5), &Allocation::new(), None);
        let alloc = alloc.unwrap_or_default();
        assert_eq!(alloc["rg1"][C8], 4);
        assert_eq!(alloc["rg2"][C8], 1);
        let err = allocate(&s, &ids, &spec(7), &Allocation::new(), None);
        assert_eq!(
            err,
            Err(vec![Shortfall {
                node_type: C8.into(),
                requested: 7,
                available: 6
            }])
        );
        assert_eq!(
            describe(&err.err().unwrap_or_default()),
            "ecs.gn7i-c8g1.2xlarge requested 7, available 6"
        );
    }

    #[test]
    fn kept_machines_stay_put_when_rescaling() {
        let s = state();
        let ids = vec!["rg1".to_string(), "rg2".to_string()];
        let keep = Allocation::from([("rg2".to_string(), BTreeMap::from([(C8.to_string(), 2)]))]);
        let alloc = allocate(&s, &ids, &spec(3), &keep, None).unwrap_or_default();
        assert_eq!(alloc["rg2"][C8], 2);
        assert_eq!(alloc["rg1"][C8], 1);
    }

    #[test]
    fn node_types_ignore_empty_inventory() {
        let mut s = state();
        s.resource_groups[1]
            .inventory
            .insert("ecs.g7.4xlarge".into(), 0);
        assert_eq!(
            node_types_in(&s, &["rg1".to_string(), "rg2".to_string()]),
            vec![C8.to_string()]
        );
        assert_eq!(
            total_in_groups(&s, &["rg1".to_string(), "rg2".to_string()], C8),
            6
        );
    }
}
