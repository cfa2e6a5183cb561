//! Node-spec availability and capacity: what can be bound, what a parent has unallocated, and
//! what children already hold.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::api::{self, items, node_specs};
use super::quotas::{all_quotas, fetch_quota, quota_specs};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// `NodeType -> (total, bindable)` from a ListNodeTypes answer.
fn statistics(body: &Value) -> BTreeMap<String, (i64, i64)> {
    items(body, "Statistics")
        .iter()
        .filter_map(|s| {
            let name = s.get("NodeType")?.as_str()?.to_string();
            let total = s.get("TotalCount").and_then(Value::as_i64).unwrap_or(0);
            let bindable = s
                .get("CanBeBoundCount")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            Some((name, (total, bindable)))
        })
        .collect()
}

fn requested(ctx: &GuardContext<'_>) -> Vec<(String, i64)> {
    node_specs(ctx.args.get("min"))
}

fn unavailable(
    node_type: &str,
    available: &BTreeMap<String, (i64, i64)>,
    scope: &str,
) -> ToolFailure {
    let listed: Vec<Value> = available
        .iter()
        .map(|(name, (total, bindable))| json!({"node_type": name, "total": total, "bindable": bindable}))
        .collect();
    ToolFailure::new(
        FailureKind::NodespecUnavailable,
        format!("node spec `{node_type}` is not available in {scope}"),
    )
    .with_details(json!({"available": listed}))
    .with_hint("pick one of the available node specs; nothing was planned")
}

fn exceeded(
    table: &[Value],
    node_type: &str,
    requested: i64,
    limit: i64,
    scope: &str,
) -> ToolFailure {
    ToolFailure::new(
        FailureKind::CapacityExceeded,
        format!("`{node_type}`: {requested} requested, at most {limit} available in {scope}"),
    )
    .with_details(json!({"table": table}))
    .with_hint("lower the count or free capacity first; nothing was planned")
}

/// `pai.node_specs_bindable` (root create): every spec exists in the groups and its count fits
/// what can still be bound.
pub async fn node_specs_bindable(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let groups: Vec<String> = ctx.arg_strings("resource_group_ids");
    let body = ctx.read(&api::node_types_of_groups(&groups)).await?.body;
    let stats = statistics(&body);
    let scope = "the chosen resource groups";
    let mut table = Vec::new();
    for (node_type, count) in requested(ctx) {
        let Some((_, bindable)) = stats.get(&node_type) else {
            return Err(unavailable(&node_type, &stats, scope));
        };
        table.push(json!({"node_type": node_type, "requested": count, "available": bindable}));
        if count > *bindable {
            return Err(exceeded(&table, &node_type, count, *bindable, scope));
        }
    }
    ctx.checks
        .push(Check::ok("node_specs_bindable", json!(table)));
    ctx.diff.insert(
        "min".into(),
        json!({"current": null, "target": ctx.args.get("min")}),
    );
    Ok(())
}

/// What each direct child of `quota_id` holds, per node type.
async fn children_hold(
    ctx: &GuardContext<'_>,
    quota_id: &str,
) -> Result<BTreeMap<String, i64>, ToolFailure> {
    let mut held = BTreeMap::new();
    for quota in all_quotas(ctx).await? {
        if quota.get("ParentQuotaId").and_then(Value::as_str) == Some(quota_id) {
            for (node_type, count) in quota_specs(&quota) {
                *held.entry(node_type).or_insert(0) += count;
            }
        }
    }
    Ok(held)
}

/// `pai.node_specs_within_parent` (child create): every spec is in the parent's Min and fits
/// the parent's unallocated capacity.
pub async fn node_specs_within_parent(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let parent = ctx.fact("parent")?.clone();
    let parent_id = parent
        .get("QuotaId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let parent_specs: BTreeMap<String, i64> = quota_specs(&parent).into_iter().collect();
    let body = ctx.read(&api::node_types_of_quota(&parent_id)).await?.body;
    let stats = statistics(&body);
    let siblings = children_hold(ctx, &parent_id).await?;
    let scope = format!("parent quota `{parent_id}`");
    let mut table = Vec::new();
    for (node_type, count) in requested(ctx) {
        let Some(parent_count) = parent_specs.get(&node_type) else {
            let listed = parent_specs
                .iter()
                .map(|(n, c)| (n.clone(), (*c, c - siblings.get(n).unwrap_or(&0))))
                .collect();
            return Err(unavailable(
                &node_type,
                &listed,
                &format!("{scope} (a child may only use its parent's node specs)"),
            ));
        };
        let unallocated = stats
            .get(&node_type)
            .map(|(_, bindable)| *bindable)
            .unwrap_or(parent_count - siblings.get(&node_type).unwrap_or(&0));
        table.push(json!({"node_type": node_type, "requested": count, "parent_min": parent_count, "available": unallocated}));
        if count > unallocated {
            return Err(exceeded(&table, &node_type, count, unallocated, &scope));
        }
    }
    ctx.checks
        .push(Check::ok("node_specs_within_parent", json!(table)));
    ctx.diff.insert(
        "min".into(),
        json!({"current": null, "target": ctx.args.get("min")}),
    );
    Ok(())
}

/// `pai.scale_capacity`: the absolute target fits what the quota can get (bindable in its groups
/// for a root, the parent's unallocated for a child, plus what it holds now) and does not drop
/// below what its own children hold.
pub async fn scale_capacity(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota = ctx.fact("quota")?.clone();
    let quota_id = ctx.arg_str("quota_id").unwrap_or_default();
    let current: BTreeMap<String, i64> = quota_specs(&quota).into_iter().collect();
    let (stats, scope, allowed_types) = if super::is_root(&quota) {
        let groups: Vec<String> = crate::toolsets::string_list(
            ctx.args
                .get("resource_group_ids")
                .or_else(|| quota.get("ResourceGroupIds")),
        );
        let body = ctx.read(&api::node_types_of_groups(&groups)).await?.body;
        (statistics(&body), "its resource groups".to_string(), None)
    } else {
        let parent_id = quota
            .get("ParentQuotaId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let parent = fetch_quota(ctx, &parent_id).await?;
        let body = ctx.read(&api::node_types_of_quota(&parent_id)).await?.body;
        let parent_types: Vec<String> = quota_specs(&parent).into_iter().map(|(n, _)| n).collect();
        (
            statistics(&body),
            format!("parent quota `{parent_id}`"),
            Some(parent_types),
        )
    };
    let children = children_hold(ctx, &quota_id).await?;
    let target = requested(ctx);
    let mut table = Vec::new();
    for (node_type, count) in &target {
        let own = current.get(node_type).copied().unwrap_or(0);
        let in_scope = allowed_types.as_ref().is_none_or(|t| t.contains(node_type));
        let Some((_, bindable)) = stats.get(node_type).filter(|_| in_scope) else {
            return Err(unavailable(node_type, &stats, &scope));
        };
        let limit = bindable + own;
        let held = children.get(node_type).copied().unwrap_or(0);
        table.push(json!({"node_type": node_type, "current": own, "target": count, "available": limit, "children_hold": held}));
        if *count > limit {
            return Err(exceeded(&table, node_type, *count, limit, &scope));
        }
        if *count < held {
            return Err(ToolFailure::new(
                FailureKind::CapacityExceeded,
                format!("`{node_type}`: target {count} is below the {held} its child quotas hold"),
            )
            .with_details(json!({"table": table}))
            .with_hint("scale the children down first; nothing was planned"));
        }
    }
    for (node_type, held) in &children {
        if *held > 0 && !target.iter().any(|(n, _)| n == node_type) {
            return Err(ToolFailure::new(
                FailureKind::CapacityExceeded,
                format!("the target drops `{node_type}`, but child quotas hold {held} of it"),
            )
            .with_hint("keep the node spec or scale the children down first"));
        }
    }
    ctx.checks.push(Check::ok("capacity", json!(table)));
    ctx.diff.insert(
        "min".into(),
        json!({"current": quota.get("Min"), "target": ctx.args.get("min")}),
    );
    Ok(())
}
