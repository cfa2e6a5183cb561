//! Wire shapes of stored objects, with the exact field names of the SDK response models.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::alibaba::aiworkspace::models::WorkspaceBackend;
use crate::emulator::alibaba::pai::models::{Label, NodeSpec, PaiBackend, Quota, ResourceGroup};
use crate::emulator::alibaba::pai::rules::usage;
use crate::emulator::core::clock::format_time;

/// `Labels[]{Key, Value}`.
pub fn labels_json(labels: &[Label]) -> Value {
    Value::Array(
        labels
            .iter()
            .map(|l| json!({"Key": l.key, "Value": l.value}))
            .collect(),
    )
}

/// `Min{NodeSpecs[]{Type, Count}}`: the SDK shape, never `NodeSpec`.
pub fn min_json(min: &[NodeSpec]) -> Value {
    json!({
        "NodeSpecs": min
            .iter()
            .map(|s| json!({"Type": s.node_type, "Count": s.count}))
            .collect::<Vec<_>>(),
    })
}

/// One quota as `GetQuota` (with `QuotaDetails`) or `ListQuotas` answers it.
///
/// A root quota's `ParentQuotaId` is the empty string: the API documents "empty" as the
/// root marker (`ListQuotas?ParentQuotaId=` lists roots; the struct reference shows `""`).
pub fn quota_json(
    state: &PaiBackend,
    workspaces: &WorkspaceBackend,
    quota: &Quota,
    now: OffsetDateTime,
    with_details: bool,
) -> Map<String, Value> {
    let workspaces: Vec<Value> = workspaces
        .bound_workspaces(&quota.id)
        .iter()
        .map(|w| json!({"WorkspaceId": w.id, "WorkspaceName": w.name}))
        .collect();
    let sub_quotas: Vec<Value> = state
        .children(&quota.id)
        .map(|c| json!({"QuotaId": c.id, "QuotaName": c.name}))
        .collect();
    let mut out = Map::new();
    out.insert("QuotaId".into(), json!(quota.id));
    out.insert("QuotaName".into(), json!(quota.name));
    out.insert(
        "ParentQuotaId".into(),
        json!(quota.parent_id.clone().unwrap_or_default()),
    );
    out.insert("ResourceType".into(), json!(quota.resource_type.as_str()));
    out.insert("ResourceGroupIds".into(), json!(quota.resource_group_ids));
    out.insert("AllocateStrategy".into(), json!(quota.allocate_strategy));
    out.insert("Min".into(), min_json(&quota.min));
    out.insert("Description".into(), json!(quota.description));
    out.insert("Labels".into(), labels_json(&quota.labels));
    out.insert("CreatorId".into(), json!(quota.creator_id));
    out.insert("LatestOperationId".into(), json!(quota.latest_operation_id));
    out.insert("Status".into(), json!(quota.status(now)));
    out.insert("ReasonCode".into(), json!(""));
    out.insert("ReasonMessage".into(), json!(""));
    out.insert(
        "GmtCreatedTime".into(),
        json!(format_time(quota.gmt_created)),
    );
    out.insert(
        "GmtModifiedTime".into(),
        json!(format_time(quota.gmt_modified)),
    );
    if with_details {
        out.insert(
            "QuotaDetails".into(),
            usage::quota_details(state, quota, now),
        );
    }
    out.insert(
        "QuotaConfig".into(),
        Value::Object(quota.quota_config.clone()),
    );
    out.insert("Workspaces".into(), Value::Array(workspaces));
    out.insert("SubQuotas".into(), Value::Array(sub_quotas));
    out.insert("QueueStrategy".into(), json!(quota.queue_strategy));
    out.insert("GPUType".into(), json!(quota.gpu_type));
    out.insert("HyperZones".into(), json!([]));
    out
}

/// The `UserVpc` of a resource group.
pub fn user_vpc_json(group: &ResourceGroup) -> Value {
    serde_json::to_value(&group.user_vpc).unwrap_or(Value::Null)
}

/// One `ListResourceGroups` item.
pub fn resource_group_item(group: &ResourceGroup) -> Value {
    json!({
        "ResourceGroupID": group.id,
        "Name": group.name,
        "ResourceType": group.resource_type.as_str(),
        "Status": group.status,
        "NodeCount": group.inventory.values().sum::<u32>(),
        "UserVpc": user_vpc_json(group),
        "CreatorID": group.creator_id,
        "GmtCreatedTime": format_time(group.gmt_created),
        "GmtModifiedTime": format_time(group.gmt_modified),
        "WorkspaceID": "",
        "Version": "v1",
    })
}

/// The `GetResourceGroup` body (without `RequestId`).
pub fn resource_group_detail(group: &ResourceGroup) -> Map<String, Value> {
    let value = json!({
        "ResourceGroupID": group.id,
        "Name": group.name,
        "Description": group.description,
        "ResourceType": group.resource_type.as_str(),
        "ComputingResourceProvider": group.resource_type.as_str(),
        "ClusterID": group.cluster_id,
        "Status": group.status,
        "SupportRDMA": group.support_rdma,
        "UserVpc": user_vpc_json(group),
        "CreatorID": group.creator_id,
        "GmtCreatedTime": format_time(group.gmt_created),
        "GmtModifiedTime": format_time(group.gmt_modified),
        "WorkspaceID": "",
        "Version": "v1",
        "Tags": [],
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
