//! Resource-group homogeneity: the rule for which groups one root quota may span.
//!
//! PAI requires the groups of a root quota to share ResourceType, ClusterID and GPU type,
//! and for ECS also the VPC, vSwitch and security group (the quota's network is theirs).
//! On a mismatch the error names the field and every group's value, so a user can pick a
//! consistent subset.

use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{PaiBackend, ResourceGroup, ResourceType, UserVpc};
use crate::emulator::core::wire::ApiError;

/// What a homogeneous set of groups has in common.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// The shared resource type.
    pub resource_type: ResourceType,
    /// The shared cluster.
    pub cluster_id: String,
    /// The shared GPU type.
    pub gpu_type: String,
    /// The first group's VPC (identical across groups for ECS).
    pub user_vpc: UserVpc,
}

/// Resolves `rg_ids` and checks they can back one root quota.
pub fn check(state: &PaiBackend, rg_ids: &[String]) -> Result<Common, ApiError> {
    if rg_ids.is_empty() {
        return Err(ApiError::missing("ResourceGroupIds"));
    }
    let mut groups: Vec<&ResourceGroup> = Vec::new();
    for id in rg_ids {
        if groups.iter().any(|g| &g.id == id) {
            return Err(ApiError::invalid(
                "InvalidParameter.ResourceGroupIds",
                format!("The resource group \"{id}\" is listed more than once."),
            ));
        }
        groups.push(
            state
                .resource_group(id)
                .ok_or_else(|| errors::resource_group_not_found(id))?,
        );
    }
    let first = groups[0];
    mismatch(&groups, "ResourceType", |g| {
        g.resource_type.as_str().to_owned()
    })?;
    mismatch(&groups, "ClusterID", |g| g.cluster_id.clone())?;
    mismatch(&groups, "GPUType", |g| g.gpu_type.clone())?;
    if first.resource_type == ResourceType::Ecs {
        mismatch(&groups, "UserVpc.VpcId", |g| g.user_vpc.vpc_id.clone())?;
        mismatch(&groups, "UserVpc.SwitchId", |g| {
            g.user_vpc.switch_id.clone()
        })?;
        mismatch(&groups, "UserVpc.SecurityGroupId", |g| {
            g.user_vpc.security_group_id.clone()
        })?;
    }
    Ok(Common {
        resource_type: first.resource_type,
        cluster_id: first.cluster_id.clone(),
        gpu_type: first.gpu_type.clone(),
        user_vpc: first.user_vpc.clone(),
    })
}

fn mismatch(
    groups: &[&ResourceGroup],
    field: &str,
    value: impl Fn(&ResourceGroup) -> String,
) -> Result<(), ApiError> {
    let first = value(groups[0]);
    if groups.iter().all(|g| value(g) == first) {
        return Ok(());
    }
    let per_group = groups
        .iter()
        .map(|g| format!("{}={}", g.id, value(g)))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ApiError::invalid(
        "InvalidParameter.ResourceGroups",
        format!(
            "The resource groups are not homogeneous: {field} differs ({per_group}). A root quota needs resource groups with the same ResourceType, ClusterID and GPU type, and for ECS the same VpcId, SwitchId and SecurityGroupId."
        ),
    ))
}
