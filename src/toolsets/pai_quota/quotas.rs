//! Loading quotas, resolving a parent, and the delete order.

use serde_json::{Value, json};

use super::api::{self, items, node_specs};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// The fields of a quota whose change makes a plan stale.
fn quota_state(quota: &Value) -> Value {
    json!({
        "QuotaId": quota.get("QuotaId"),
        "QuotaName": quota.get("QuotaName"),
        "ParentQuotaId": quota.get("ParentQuotaId"),
        "ResourceType": quota.get("ResourceType"),
        "ResourceGroupIds": quota.get("ResourceGroupIds"),
        "Min": quota.get("Min"),
        "Description": quota.get("Description"),
        "Labels": quota.get("Labels"),
        "QueueStrategy": quota.get("QueueStrategy"),
        "UserVpc": quota.get("QuotaConfig").and_then(|c| c.get("UserVpc")),
    })
}

/// Fetches a quota by id; a missing quota stops the call with `not_found` and no plan.
pub(crate) async fn fetch_quota(
    ctx: &GuardContext<'_>,
    quota_id: &str,
) -> Result<Value, ToolFailure> {
    match ctx.read(&api::get_quota(quota_id)).await {
        Ok(response) => Ok(response.body),
        Err(failure) if failure.kind == FailureKind::NotFound => Err(ToolFailure::new(
            FailureKind::NotFound,
            format!(
                "quota `{quota_id}` does not exist in region `{}`",
                ctx.region()
            ),
        )
        .with_hint("list quotas with `pai_quota_list`; nothing was planned")),
        Err(failure) => Err(failure),
    }
}

/// `pai.load_quota`: the quota named by `quota_id` exists; its state is part of the plan.
pub async fn load_quota(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota_id = ctx.arg_str("quota_id").unwrap_or_default();
    let quota = fetch_quota(ctx, &quota_id).await?;
    ctx.state.push(quota_state(&quota));
    ctx.checks.push(Check::ok(
        "quota_exists",
        json!({
            "quota_id": quota_id,
            "quota_name": quota.get("QuotaName"),
            "resource_type": quota.get("ResourceType"),
            "status": quota.get("Status"),
            "min": quota.get("Min"),
        }),
    ));
    ctx.provide("quota", quota);
    Ok(())
}

/// Lists every quota of the region (all pages), for name resolution and the tree.
pub(crate) async fn all_quotas(ctx: &GuardContext<'_>) -> Result<Vec<Value>, ToolFailure> {
    let mut quotas = Vec::new();
    for page in 1..=50u32 {
        let body = ctx.read(&api::list_quotas(page)).await?.body;
        let batch = items(&body, "Quotas");
        quotas.extend(batch.iter().cloned());
        let total = body.get("TotalCount").and_then(Value::as_u64).unwrap_or(0) as usize;
        if batch.is_empty() || quotas.len() >= total {
            break;
        }
    }
    Ok(quotas)
}

/// `pai.resolve_parent`: `parent_quota_id` is an ID or an exact name, resolved to one quota;
/// the child's resource type is inherited and a conflicting `resource_type` is refused.
pub async fn resolve_parent(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let given = ctx.arg_str("parent_quota_id").unwrap_or_default();
    let quotas = all_quotas(ctx).await?;
    let exact: Vec<&Value> = quotas
        .iter()
        .filter(|q| {
            q.get("QuotaId").and_then(Value::as_str) == Some(given.as_str())
                || q.get("QuotaName").and_then(Value::as_str) == Some(given.as_str())
        })
        .collect();
    // A partial name counts only when it picks exactly one quota; more are listed, never guessed.
    let matches: Vec<&Value> = if exact.is_empty() {
        quotas
            .iter()
            .filter(|q| {
                q.get("QuotaName")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.contains(given.as_str()))
            })
            .collect()
    } else {
        exact
    };
    let summary = |q: &Value| json!({"quota_id": q.get("QuotaId"), "quota_name": q.get("QuotaName"), "resource_type": q.get("ResourceType")});
    let parent = match matches.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(ToolFailure::new(
                FailureKind::NotFound,
                format!(
                    "no quota has the ID or a name containing `{given}` (scanned {})",
                    quotas.len()
                ),
            )
            .with_hint("pass the parent's quota ID from `pai_quota_list`; nothing was planned"));
        }
        many => {
            return Err(ToolFailure::new(
                FailureKind::AmbiguousMatch,
                format!("{} quotas match `{given}`; choose one by ID", many.len()),
            )
            .with_details(
                json!({"candidates": many.iter().map(|q| summary(q)).collect::<Vec<_>>()}),
            ));
        }
    };
    let parent_id = parent
        .get("QuotaId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let parent = fetch_quota(ctx, &parent_id).await?;
    let parent_type = parent
        .get("ResourceType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(given_type) = ctx.arg_str("resource_type").filter(|t| *t != parent_type) {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("`resource_type` is inherited from the parent (`{parent_type}`); `{given_type}` conflicts with it"),
        )
        .with_hint("leave `resource_type` out"));
    }
    ctx.args.insert("parent_quota_id".into(), json!(parent_id));
    ctx.args.insert("resource_type".into(), json!(parent_type));
    ctx.checks.push(Check::ok(
        "parent_resolved",
        json!({"given": given, "candidates": [summary(&parent)], "resource_type_inherited": parent_type}),
    ));
    ctx.state.push(quota_state(&parent));
    ctx.provide("parent", parent);
    Ok(())
}

/// `pai.quota_name_unused`: a new or changed quota name is not taken in the region. Names are how
/// people (and `parent_quota_id`) find quotas; a duplicate would make them ambiguous.
pub async fn quota_name_unused(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let Some(name) = ctx.arg_str("quota_name") else {
        return Ok(());
    };
    let own_id = ctx.arg_str("quota_id");
    let taken = all_quotas(ctx).await?.into_iter().find(|q| {
        q.get("QuotaName").and_then(Value::as_str) == Some(name.as_str())
            && q.get("QuotaId").and_then(Value::as_str) != own_id.as_deref()
    });
    if let Some(quota) = taken {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "a quota named `{name}` already exists (`{}`); quota names must be unique in the region",
                quota.get("QuotaId").and_then(Value::as_str).unwrap_or("?")
            ),
        )
        .with_hint("choose another name; nothing was planned"));
    }
    ctx.checks
        .push(Check::ok("quota_name_unused", json!({"quota_name": name})));
    Ok(())
}

/// `pai.delete_order`: a quota is deleted only when it has no children, no workspace bindings and
/// no running workloads; otherwise the refusal spells out the order the skill requires.
pub async fn delete_order(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota = ctx.fact("quota")?.clone();
    let quota_id = ctx.arg_str("quota_id").unwrap_or_default();
    let children: Vec<Value> = items(&quota, "SubQuotas").to_vec();
    let bindings: Vec<Value> = items(&quota, "Workspaces").to_vec();
    let running = ctx.read(&api::running_workloads(&quota_id)).await?.body;
    let workloads: Vec<Value> = items(&running, "Workloads")
        .iter()
        .map(|w| json!({"workload_id": w.get("WorkloadId"), "name": w.get("WorkloadName"), "user": w.get("UserName")}))
        .collect();
    if children.is_empty() && bindings.is_empty() && workloads.is_empty() {
        ctx.checks.push(Check::ok(
            "no_dependents",
            json!({"children": 0, "workspace_bindings": 0, "running_workloads": 0}),
        ));
        ctx.diff
            .insert("quota".into(), json!({"current": quota_id, "target": null}));
        return Ok(());
    }
    let mut steps = Vec::new();
    if !workloads.is_empty() {
        steps.push(format!(
            "stop or wait for the {} running workload(s)",
            workloads.len()
        ));
    }
    for binding in &bindings {
        steps.push(format!(
            "detach it from workspace `{}` with `pai_quota_detach_workspace`",
            binding
                .get("WorkspaceId")
                .and_then(Value::as_str)
                .unwrap_or("?")
        ));
    }
    for child in &children {
        steps.push(format!(
            "delete child quota `{}` (and its own children first, bottom-up)",
            child.get("QuotaId").and_then(Value::as_str).unwrap_or("?")
        ));
    }
    steps.push(format!(
        "then delete `{quota_id}`, each step with its own confirmation"
    ));
    Err(ToolFailure::new(
        FailureKind::InUse,
        format!("quota `{quota_id}` cannot be deleted yet: {}", steps.join("; ")),
    )
    .with_details(json!({"children": children, "workspace_bindings": bindings, "running_workloads": workloads, "required_order": steps}))
    .with_hint("nothing was planned; follow the order above"))
}

/// Node specs of a quota's Min.
pub(crate) fn quota_specs(quota: &Value) -> Vec<(String, i64)> {
    node_specs(quota.get("Min"))
}
