//! The reads the guards send, in one place, each through a catalog tool's declared call.

use serde_json::{Value, json};

use crate::toolsets::DeclaredCall;

fn declared(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// The catalog tools the guards read through, so the loader can check they exist.
pub(crate) const GET_QUOTA: &str = "pai_quota_get";
pub(crate) const LIST_QUOTAS: &str = "pai_quota_list";
pub(crate) const LIST_RESOURCE_GROUPS: &str = "pai_quota_list_resource_groups";
pub(crate) const GET_RESOURCE_GROUP: &str = "pai_quota_get_resource_group";
pub(crate) const LIST_NODE_TYPES: &str = "pai_quota_list_node_types";
pub(crate) const LIST_WORKLOADS: &str = "pai_quota_list_workloads";
pub(crate) const GET_WORKSPACE: &str = "pai_quota_get_workspace";
pub(crate) const LIST_WORKSPACE_RESOURCES: &str = "pai_quota_list_workspace_resources";

pub(crate) fn get_quota(quota_id: &str) -> DeclaredCall {
    declared(GET_QUOTA, json!({"quota_id": quota_id}))
}

pub(crate) fn list_quotas(page: u32) -> DeclaredCall {
    declared(LIST_QUOTAS, json!({"page_number": page, "page_size": 100}))
}

pub(crate) fn quotas_named(name: &str) -> DeclaredCall {
    declared(LIST_QUOTAS, json!({"quota_name": name, "page_size": 100}))
}

pub(crate) fn list_resource_groups(page: u32) -> DeclaredCall {
    declared(
        LIST_RESOURCE_GROUPS,
        json!({"page_number": page, "page_size": 100}),
    )
}

pub(crate) fn get_resource_group(id: &str) -> DeclaredCall {
    declared(GET_RESOURCE_GROUP, json!({"resource_group_id": id}))
}

pub(crate) fn node_types_of_groups(group_ids: &[String]) -> DeclaredCall {
    declared(LIST_NODE_TYPES, json!({"resource_group_ids": group_ids}))
}

pub(crate) fn node_types_of_quota(quota_id: &str) -> DeclaredCall {
    declared(LIST_NODE_TYPES, json!({"quota_id": quota_id}))
}

pub(crate) fn running_workloads(quota_id: &str) -> DeclaredCall {
    declared(
        LIST_WORKLOADS,
        json!({"quota_id": quota_id, "workload_statuses": ["Running"], "page_size": 100}),
    )
}

pub(crate) fn get_workspace(workspace_id: &str) -> DeclaredCall {
    declared(GET_WORKSPACE, json!({"workspace_id": workspace_id}))
}

pub(crate) fn workspace_resources(workspace_id: &str) -> DeclaredCall {
    declared(
        LIST_WORKSPACE_RESOURCES,
        json!({"workspace_id": workspace_id}),
    )
}

/// A quota without a parent. The API marks roots with an absent, empty or `0` parent id.
pub fn is_root(quota: &Value) -> bool {
    match quota.get("ParentQuotaId").and_then(Value::as_str) {
        None => true,
        Some(parent) => parent.is_empty() || parent == "0",
    }
}

/// `Min.NodeSpecs` as `(type, count)` pairs.
pub(crate) fn node_specs(min: Option<&Value>) -> Vec<(String, i64)> {
    min.and_then(|m| m.get("NodeSpecs"))
        .and_then(Value::as_array)
        .map(|specs| {
            specs
                .iter()
                .filter_map(|s| {
                    let name = s.get("Type").or_else(|| s.get("NodeSpec"))?.as_str()?;
                    Some((
                        name.to_string(),
                        s.get("Count").and_then(Value::as_i64).unwrap_or(0),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The items of a list response, or none.
pub(crate) fn items<'a>(body: &'a Value, key: &str) -> &'a [Value] {
    body.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
