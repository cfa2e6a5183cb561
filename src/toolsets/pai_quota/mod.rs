//! The PAI quota skill's rules (seed-operations.md section 2): resolution, homogeneity, capacity,
//! usage, update mutability, delete order, workspace binding, and executors that never create
//! twice or report a lost answer as "nothing changed".

pub mod capacity;
pub mod executors;
pub mod groups;
pub mod quotas;
pub mod update;
pub mod usage;
pub mod workspaces;

mod api;

pub use api::is_root;

use api::{
    GET_QUOTA, GET_RESOURCE_GROUP, GET_WORKSPACE, LIST_NODE_TYPES, LIST_QUOTAS,
    LIST_RESOURCE_GROUPS, LIST_WORKLOADS, LIST_WORKSPACE_RESOURCES,
};

use super::ToolsetRegistry;
use crate::{executor, guard};

/// Registers the PAI guards and executors.
pub fn register(registry: &mut ToolsetRegistry) {
    registry.guards(&[
        guard!("pai.resolve_resource_groups", needs: [], provides: [], calls: [LIST_RESOURCE_GROUPS], groups::resolve_resource_groups),
        guard!("pai.homogeneous_resource_groups", needs: [], provides: [], calls: [GET_RESOURCE_GROUP, LIST_NODE_TYPES], groups::homogeneous_resource_groups),
        guard!("pai.node_specs_bindable", needs: [], provides: [], calls: [LIST_NODE_TYPES], capacity::node_specs_bindable),
        guard!("pai.resolve_parent", needs: [], provides: ["parent"], calls: [LIST_QUOTAS, GET_QUOTA], quotas::resolve_parent),
        guard!("pai.node_specs_within_parent", needs: ["parent"], provides: [], calls: [LIST_NODE_TYPES, LIST_QUOTAS], capacity::node_specs_within_parent),
        guard!("pai.load_quota", needs: [], provides: ["quota"], calls: [GET_QUOTA], quotas::load_quota),
        guard!("pai.quota_name_unused", needs: [], provides: [], calls: [LIST_QUOTAS], quotas::quota_name_unused),
        guard!("pai.scale_resource_groups", needs: ["quota"], provides: [], calls: [LIST_RESOURCE_GROUPS, GET_RESOURCE_GROUP], groups::scale_resource_groups),
        guard!("pai.scale_capacity", needs: ["quota"], provides: [], calls: [LIST_NODE_TYPES, LIST_QUOTAS], capacity::scale_capacity),
        guard!("pai.usage_below_target", needs: ["quota"], provides: [], calls: [LIST_NODE_TYPES, LIST_WORKLOADS], usage::usage_below_target),
        guard!("pai.update_rules", needs: ["quota"], provides: [], calls: [], update::update_rules),
        guard!("pai.delete_order", needs: ["quota"], provides: [], calls: [LIST_QUOTAS, LIST_WORKLOADS], quotas::delete_order),
        guard!("pai.load_workspace", needs: [], provides: ["workspace"], calls: [GET_WORKSPACE], workspaces::load_workspace),
        guard!("pai.attach_binding", needs: ["quota"], provides: [], calls: [LIST_WORKSPACE_RESOURCES, LIST_WORKLOADS], workspaces::attach_binding),
        guard!("pai.detach_binding", needs: [], provides: [], calls: [LIST_WORKSPACE_RESOURCES, LIST_WORKLOADS], workspaces::detach_binding),
        guard!("pai.binding_exists", needs: [], provides: [], calls: [LIST_WORKSPACE_RESOURCES], workspaces::binding_exists),
    ]);
    registry.executors(&[
        executor!("pai.create_quota", executors::create_quota, read_back: executors::created),
        executor!("pai.apply_quota", executors::apply_quota, read_back: executors::applied),
        executor!("pai.delete_quota", executors::delete_quota, read_back: executors::deleted),
        executor!("pai.attach_workspace", executors::attach_workspace, read_back: executors::attached),
        executor!("pai.detach_workspace", executors::detach_workspace, read_back: executors::detached),
    ]);
}
