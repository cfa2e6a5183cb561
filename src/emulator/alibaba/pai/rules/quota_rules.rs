//! The business rules of quota create, scale, update and delete.
//!
//! Inputs arrive already parsed from the wire (see `pai_quota`); every rule the real
//! service enforces and the skill checks for is enforced here, with an error that names
//! what is wrong and what is allowed.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::pai::errors;
use crate::emulator::alibaba::pai::models::{
    Allocation, Label, NodeSpec, PaiBackend, Pending, QUEUE_STRATEGIES, Quota, ResourceType,
};
use crate::emulator::alibaba::pai::rules::capacity::{self, describe};
use crate::emulator::alibaba::pai::rules::quota_checks::{
    check_child_counts, check_same_network, check_type, check_types_available,
};
use crate::emulator::alibaba::pai::rules::{homogeneity, quota_config, usage};
use crate::emulator::core::lifecycle::Progress;
use crate::emulator::core::wire::{ApiError, random_id};

/// A parsed `CreateQuota` request.
#[derive(Debug, Clone, Default)]
pub struct NewQuota {
    /// `QuotaName`.
    pub name: String,
    /// `ParentQuotaId`; `None` (or empty / `0` on the wire) makes a root.
    pub parent_id: Option<String>,
    /// `ResourceType`; derived when absent.
    pub resource_type: Option<ResourceType>,
    /// `ResourceGroupIds`; roots only.
    pub resource_group_ids: Vec<String>,
    /// `Min.NodeSpecs`.
    pub min: Vec<NodeSpec>,
    /// `QueueStrategy`.
    pub queue_strategy: Option<String>,
    /// `AllocateStrategy`.
    pub allocate_strategy: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Labels`.
    pub labels: Vec<Label>,
    /// `QuotaConfig`.
    pub quota_config: Option<Map<String, Value>>,
}

/// A parsed `UpdateQuota` request; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default)]
pub struct QuotaUpdate {
    /// `QuotaName`.
    pub name: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Labels` (a full replacement).
    pub labels: Option<Vec<Label>>,
    /// `QueueStrategy`.
    pub queue_strategy: Option<String>,
    /// `QuotaConfig` (merged; VPC rules apply).
    pub quota_config: Option<Map<String, Value>>,
}

/// `QuotaName`: 1 to 63 characters.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    if (1..=63).contains(&len) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "InvalidParameter.QuotaName",
            format!("QuotaName must be 1 to 63 characters long, got {len}."),
        ))
    }
}

/// `QueueStrategy`: one of the four exact values.
pub fn check_queue_strategy(value: &str) -> Result<(), ApiError> {
    if QUEUE_STRATEGIES.contains(&value) {
        Ok(())
    } else {
        Err(errors::invalid_queue_strategy(value))
    }
}

/// Creates a root or child quota and returns its id; it follows [`QUOTA_CREATE`](crate::emulator::alibaba::pai::models::QUOTA_CREATE) in the
/// default `timed` mode.
pub fn create(
    state: &mut PaiBackend,
    new: NewQuota,
    now: OffsetDateTime,
    creator: &str,
) -> Result<String, ApiError> {
    create_with(state, new, Progress::timed(now), creator)
}

/// [`create`], with the quota entering [`QUOTA_CREATE`](crate::emulator::alibaba::pai::models::QUOTA_CREATE) as `progress` says (now is
/// `progress.since`).
pub fn create_with(
    state: &mut PaiBackend,
    new: NewQuota,
    progress: Progress,
    creator: &str,
) -> Result<String, ApiError> {
    let now = progress.since;
    check_name(&new.name)?;
    if let Some(strategy) = &new.queue_strategy {
        check_queue_strategy(strategy)?;
    }
    if let Some(strategy) = &new.allocate_strategy
        && strategy != "ByNodeSpecs"
    {
        return Err(ApiError::invalid(
            "InvalidParameter.AllocateStrategy",
            format!(
                "AllocateStrategy \"{strategy}\" is not supported; the only valid value is ByNodeSpecs."
            ),
        ));
    }
    if new.min.iter().all(|s| s.count == 0) {
        return Err(ApiError::missing("Min"));
    }
    if let Some(zero) = new.min.iter().find(|s| s.count == 0) {
        return Err(ApiError::invalid(
            "InvalidParameter.Min",
            format!(
                "Min.NodeSpecs Count for {} must be at least 1.",
                zero.node_type
            ),
        ));
    }
    let quota = match new.parent_id.clone() {
        None => new_root(state, &new)?,
        Some(parent_id) => new_child(state, &new, &parent_id)?,
    };
    let id = random_id("quota", 12);
    state.quotas.push(Quota {
        id: id.clone(),
        name: new.name,
        queue_strategy: new
            .queue_strategy
            .unwrap_or_else(|| QUEUE_STRATEGIES[0].to_owned()),
        allocate_strategy: "ByNodeSpecs".to_owned(),
        description: new.description.unwrap_or_default(),
        labels: new.labels,
        creator_id: creator.to_owned(),
        latest_operation_id: random_id("operation", 12),
        gmt_created: now,
        gmt_modified: now,
        pending: Some(Pending::Create(progress)),
        ..quota
    });
    Ok(id)
}

/// Everything a new root quota derives from its resource groups.
fn new_root(state: &PaiBackend, new: &NewQuota) -> Result<Quota, ApiError> {
    let common = homogeneity::check(state, &new.resource_group_ids)?;
    check_type(
        new.resource_type,
        common.resource_type,
        "the resource groups",
    )?;
    check_types_available(state, &new.resource_group_ids, &new.min)?;
    let allocation = capacity::allocate(
        state,
        &new.resource_group_ids,
        &new.min,
        &Default::default(),
        None,
    )
    .map_err(|shortfalls| errors::capacity_exceeded(&describe(&shortfalls)))?;
    let quota_config = quota_config::for_new_quota(
        new.quota_config.as_ref(),
        common.resource_type,
        &common.cluster_id,
        &quota_config::vpc_json(&common.user_vpc),
    )?;
    Ok(skeleton(
        None,
        common.resource_type,
        new.resource_group_ids.clone(),
        new.min.clone(),
        allocation,
        quota_config,
        common.gpu_type,
    ))
}

/// Everything a new child quota inherits from its parent, after the capacity rules.
fn new_child(state: &PaiBackend, new: &NewQuota, parent_id: &str) -> Result<Quota, ApiError> {
    let parent = state
        .quota(parent_id)
        .ok_or_else(|| errors::quota_not_found(parent_id))?;
    if !new.resource_group_ids.is_empty() {
        return Err(ApiError::invalid(
            "InvalidParameter.ResourceGroupIds",
            "Only root quotas (without ParentQuotaId) allocate machines from resource groups; a child quota takes its resources from its parent. Omit ResourceGroupIds.",
        ));
    }
    check_type(new.resource_type, parent.resource_type, "the parent quota")?;
    check_child_counts(state, parent, &new.min, None)?;
    let base_vpc = match parent.quota_config.get("UserVpc") {
        Some(Value::Object(vpc)) => vpc.clone(),
        _ => Map::new(),
    };
    let cluster = parent
        .quota_config
        .get("ClusterId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let quota_config = quota_config::for_new_quota(
        new.quota_config.as_ref(),
        parent.resource_type,
        cluster,
        &base_vpc,
    )?;
    Ok(skeleton(
        Some(parent.id.clone()),
        parent.resource_type,
        parent.resource_group_ids.clone(),
        new.min.clone(),
        Default::default(),
        quota_config,
        parent.gpu_type.clone(),
    ))
}

fn skeleton(
    parent_id: Option<String>,
    resource_type: ResourceType,
    resource_group_ids: Vec<String>,
    min: Vec<NodeSpec>,
    allocation: Allocation,
    quota_config: Map<String, Value>,
    gpu_type: String,
) -> Quota {
    Quota {
        id: String::new(),
        name: String::new(),
        parent_id,
        resource_type,
        resource_group_ids,
        min,
        allocation,
        queue_strategy: String::new(),
        allocate_strategy: String::new(),
        description: String::new(),
        labels: Vec::new(),
        quota_config,
        creator_id: String::new(),
        latest_operation_id: String::new(),
        gmt_created: OffsetDateTime::UNIX_EPOCH,
        gmt_modified: OffsetDateTime::UNIX_EPOCH,
        pending: None,
        gpu_type,
    }
}

/// Sets `Min` to an absolute target (and optionally a new group set for a root).
/// Returns the ids of workloads preempted because the quota shrank below its usage.
pub fn scale(
    state: &mut PaiBackend,
    id: &str,
    min: Vec<NodeSpec>,
    resource_group_ids: Option<Vec<String>>,
    now: OffsetDateTime,
) -> Result<Vec<String>, ApiError> {
    scale_with(state, id, min, resource_group_ids, Progress::timed(now))
}

/// [`scale`], with the changed quotas entering [`QUOTA_SCALE`](crate::emulator::alibaba::pai::models::QUOTA_SCALE) as `progress` says (now
/// is `progress.since`).
pub fn scale_with(
    state: &mut PaiBackend,
    id: &str,
    min: Vec<NodeSpec>,
    resource_group_ids: Option<Vec<String>>,
    progress: Progress,
) -> Result<Vec<String>, ApiError> {
    let now = progress.since;
    let quota = state
        .quota(id)
        .ok_or_else(|| errors::quota_not_found(id))?
        .clone();
    let min: Vec<NodeSpec> = min.into_iter().filter(|s| s.count > 0).collect();
    if min.is_empty() {
        return Err(ApiError::invalid(
            "InvalidParameter.Min",
            "Min.NodeSpecs must keep at least one node type with Count >= 1; to remove the quota, delete it.",
        ));
    }
    for child_type in state
        .children(id)
        .flat_map(|c| c.min.iter().map(|s| s.node_type.clone()))
        .collect::<Vec<_>>()
    {
        let held = capacity::children_hold(state, id, &child_type, None);
        let target = min
            .iter()
            .filter(|s| s.node_type == child_type)
            .map(|s| s.count)
            .sum::<u32>();
        if target < held {
            return Err(ApiError::invalid(
                "InvalidParameter.Min",
                format!(
                    "The target {target} x {child_type} is below the {held} held by child quotas of {id}; scale the child quotas down first."
                ),
            ));
        }
    }
    let mut groups = quota.resource_group_ids.clone();
    let mut allocation = quota.allocation.clone();
    match &quota.parent_id {
        None => {
            if let Some(new_groups) = resource_group_ids.filter(|g| !g.is_empty()) {
                let common = homogeneity::check(state, &new_groups)?;
                check_type(Some(common.resource_type), quota.resource_type, "the quota")?;
                check_same_network(&quota, &common)?;
                groups = new_groups;
            }
            check_types_available(state, &groups, &min)?;
            allocation = capacity::allocate(state, &groups, &min, &quota.allocation, Some(id))
                .map_err(|shortfalls| errors::capacity_exceeded(&describe(&shortfalls)))?;
        }
        Some(parent_id) => {
            if resource_group_ids.is_some_and(|g| !g.is_empty()) {
                return Err(ApiError::invalid(
                    "InvalidParameter.ResourceGroupIds",
                    "Only root quotas take resource groups; a child quota is scaled within its parent. Omit ResourceGroupIds.",
                ));
            }
            let parent = state
                .quota(parent_id)
                .ok_or_else(|| errors::quota_not_found(parent_id))?;
            check_child_counts(state, parent, &min, Some(id))?;
        }
    }
    let subtree = state.subtree_ids(id);
    for q in state.quotas.iter_mut().filter(|q| subtree.contains(&q.id)) {
        q.resource_group_ids = groups.clone();
    }
    if let Some(q) = state.quota_mut(id) {
        q.min = min;
        q.allocation = allocation;
        q.pending = Some(Pending::Scale(progress));
        q.gmt_modified = now;
        q.latest_operation_id = random_id("operation", 12);
    }
    Ok(usage::preempt_over_capacity(state, id))
}

/// Applies an `UpdateQuota`.
pub fn update(
    state: &mut PaiBackend,
    id: &str,
    change: QuotaUpdate,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let quota = state.quota(id).ok_or_else(|| errors::quota_not_found(id))?;
    if let Some(name) = &change.name {
        check_name(name)?;
    }
    if let Some(strategy) = &change.queue_strategy {
        check_queue_strategy(strategy)?;
    }
    let config = match &change.quota_config {
        Some(requested) => Some(quota_config::apply_update(
            &quota.quota_config,
            requested,
            quota.resource_type,
        )?),
        None => None,
    };
    if let Some(q) = state.quota_mut(id) {
        if let Some(name) = change.name {
            q.name = name;
        }
        if let Some(description) = change.description {
            q.description = description;
        }
        if let Some(labels) = change.labels {
            q.labels = labels;
        }
        if let Some(strategy) = change.queue_strategy {
            q.queue_strategy = strategy;
        }
        if let Some(config) = config {
            q.quota_config = config;
        }
        q.gmt_modified = now;
        q.latest_operation_id = random_id("operation", 12);
    }
    Ok(())
}

/// Deletes a quota that has no children, no workspace bindings (read from the sibling
/// AIWorkSpace backend) and no running workloads.
pub fn delete(
    state: &mut PaiBackend,
    workspaces: &WorkspaceBackend,
    id: &str,
) -> Result<(), ApiError> {
    state.quota(id).ok_or_else(|| errors::quota_not_found(id))?;
    let mut blockers = Vec::new();
    let children: Vec<String> = state
        .children(id)
        .map(|c| format!("{} ({})", c.name, c.id))
        .collect();
    if !children.is_empty() {
        blockers.push(format!("it has child quotas: {}", children.join(", ")));
    }
    let workspaces: Vec<String> = workspaces
        .bound_workspaces(id)
        .iter()
        .map(|w| format!("{} ({})", w.name, w.id))
        .collect();
    if !workspaces.is_empty() {
        blockers.push(format!(
            "it is attached to workspaces: {}",
            workspaces.join(", ")
        ));
    }
    let running: Vec<String> = state
        .workloads
        .iter()
        .filter(|w| w.quota_id == id && usage::is_running(w))
        .map(|w| w.id.clone())
        .collect();
    if !running.is_empty() {
        blockers.push(format!("it has running workloads: {}", running.join(", ")));
    }
    if !blockers.is_empty() {
        return Err(errors::quota_in_use(id, &blockers.join("; ")));
    }
    state.quotas.retain(|q| q.id != id);
    state.workloads.retain(|w| w.quota_id != id);
    Ok(())
}
