//! The capacity and consistency checks shared by quota create and scale.
//!
//! Each check answers with the error the API gives, naming the offending node type,
//! field or value and what would be allowed.

use serde_json::Value;

use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{NodeSpec, PaiBackend, Quota, ResourceType};
use crate::emulator::alibaba::pai::rules::capacity::{self, describe};
use crate::emulator::alibaba::pai::rules::homogeneity;
use crate::emulator::core::wire::ApiError;

/// A `ResourceType` in the request must equal the derived one.
pub fn check_type(
    requested: Option<ResourceType>,
    derived: ResourceType,
    source: &str,
) -> Result<(), ApiError> {
    match requested {
        Some(requested) if requested != derived => Err(ApiError::invalid(
            "InvalidParameter.ResourceType",
            format!(
                "ResourceType {} conflicts with {source} ({}); the ResourceType of a quota is derived from its resource groups or parent and may be omitted.",
                requested.as_str(),
                derived.as_str()
            ),
        )),
        _ => Ok(()),
    }
}

/// Every requested instance type must exist in the groups.
pub fn check_types_available(
    state: &PaiBackend,
    rg_ids: &[String],
    min: &[NodeSpec],
) -> Result<(), ApiError> {
    let available = capacity::node_types_in(state, rg_ids);
    match min
        .iter()
        .find(|s| s.count > 0 && !available.contains(&s.node_type))
    {
        Some(missing) => Err(ApiError::invalid(
            "InvalidParameter.NodeSpecs",
            format!(
                "The node type \"{}\" is not available in resource groups {}; available node types: {}.",
                missing.node_type,
                rg_ids.join(","),
                available.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// A child's types must be in the parent's `Min` and fit what siblings leave free.
pub fn check_child_counts(
    state: &PaiBackend,
    parent: &Quota,
    min: &[NodeSpec],
    myself: Option<&str>,
) -> Result<(), ApiError> {
    let parent_types: Vec<&str> = parent.min.iter().map(|s| s.node_type.as_str()).collect();
    if let Some(missing) = min
        .iter()
        .find(|s| s.count > 0 && !parent_types.contains(&s.node_type.as_str()))
    {
        return Err(ApiError::invalid(
            "InvalidParameter.NodeSpecs",
            format!(
                "The node type \"{}\" is not in the Min of the parent quota {}; allowed node types: {}.",
                missing.node_type,
                parent.id,
                parent_types.join(", ")
            ),
        ));
    }
    let shortfalls: Vec<capacity::Shortfall> = min
        .iter()
        .filter_map(|s| {
            let available = capacity::parent_unallocated(state, parent, &s.node_type, myself);
            (s.count > available).then(|| capacity::Shortfall {
                node_type: s.node_type.clone(),
                requested: s.count,
                available,
            })
        })
        .collect();
    if shortfalls.is_empty() {
        Ok(())
    } else {
        Err(errors::capacity_exceeded(&format!(
            "{} (unallocated in parent quota {})",
            describe(&shortfalls),
            parent.id
        )))
    }
}

/// New groups for a root must keep its GPU type, cluster and (ECS) network.
pub fn check_same_network(quota: &Quota, common: &homogeneity::Common) -> Result<(), ApiError> {
    let cluster = quota
        .quota_config
        .get("ClusterId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let differs = |what: &str, have: &str, want: &str| {
        ApiError::invalid(
            "InvalidParameter.ResourceGroups",
            format!(
                "The new resource groups have {what} {want}, but the quota has {have}; the resource groups of a quota must match its {what}."
            ),
        )
    };
    if common.gpu_type != quota.gpu_type {
        return Err(differs("GPU type", &quota.gpu_type, &common.gpu_type));
    }
    if !cluster.is_empty() && common.cluster_id != cluster {
        return Err(differs("ClusterID", cluster, &common.cluster_id));
    }
    if quota.resource_type == ResourceType::Ecs {
        let vpc = quota.quota_config.get("UserVpc");
        let field = |name: &str| {
            vpc.and_then(|v| v.get(name))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        for (name, want) in [
            ("VpcId", &common.user_vpc.vpc_id),
            ("SwitchId", &common.user_vpc.switch_id),
            ("SecurityGroupId", &common.user_vpc.security_group_id),
        ] {
            let have = field(name);
            if !have.is_empty() && &have != want {
                return Err(differs(&format!("UserVpc.{name}"), &have, want));
            }
        }
    }
    Ok(())
}
