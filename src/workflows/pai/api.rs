//! The read requests the guards send, in one place.

use serde_json::Value;

use crate::providers::alibaba::{ApiRequest, Product};

pub(crate) fn get_quota(region: &str, quota_id: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "GetQuota",
        "GET",
        region,
        "/api/v1/quotas/{QuotaId}",
        &[("QuotaId", quota_id)],
    )
    .query("Verbose", "true")
}

pub(crate) fn list_quotas(region: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "ListQuotas",
        "GET",
        region,
        "/api/v1/quotas/",
        &[],
    )
    .query("Verbose", "true")
}

pub(crate) fn list_resource_groups(region: &str, page: u32) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "ListResourceGroups",
        "GET",
        region,
        "/api/v1/resources",
        &[],
    )
    .query("PageNumber", page.to_string())
    .query("PageSize", "100")
}

pub(crate) fn get_resource_group(region: &str, id: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "GetResourceGroup",
        "GET",
        region,
        "/api/v1/resources/{ResourceGroupId}",
        &[("ResourceGroupId", id)],
    )
}

pub(crate) fn node_types_of_groups(region: &str, group_ids: &[String]) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "ListNodeTypes",
        "GET",
        region,
        "/api/v1/nodetypes",
        &[],
    )
    .query("ResourceGroupIds", group_ids.join(","))
}

pub(crate) fn node_types_of_quota(region: &str, quota_id: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "ListNodeTypes",
        "GET",
        region,
        "/api/v1/nodetypes",
        &[],
    )
    .query("QuotaId", quota_id)
}

pub(crate) fn running_workloads(region: &str, quota_id: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::PaiStudio,
        "ListQuotaWorkloads",
        "GET",
        region,
        "/api/v1/quotas/{QuotaId}/workloads",
        &[("QuotaId", quota_id)],
    )
    .query("WorkloadStatuses", "Running")
    .query("PageSize", "100")
}

pub(crate) fn get_workspace(region: &str, workspace_id: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::AiWorkspace,
        "GetWorkspace",
        "GET",
        region,
        "/api/v1/workspaces/{WorkspaceId}",
        &[("WorkspaceId", workspace_id)],
    )
}

pub(crate) fn workspace_resources(region: &str, workspace_id: &str) -> ApiRequest {
    ApiRequest::roa(
        Product::AiWorkspace,
        "ListResources",
        "GET",
        region,
        "/api/v1/resources",
        &[],
    )
    .query("WorkspaceId", workspace_id)
    .query("PageSize", "100")
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
