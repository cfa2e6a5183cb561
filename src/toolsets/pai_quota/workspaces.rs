//! Workspace binding: attach (Option=Attach, type from the quota), detach (by the binding IDs
//! that belong to the quota), and binding updates.

use serde_json::{Value, json};

use super::api::{self, items};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// `pai.load_workspace`: the workspace exists.
pub async fn load_workspace(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let workspace_id = ctx.arg_str("workspace_id").unwrap_or_default();
    let workspace = match ctx.read(&api::get_workspace(&workspace_id)).await {
        Ok(response) => response.body,
        Err(failure) if failure.kind == FailureKind::NotFound => {
            return Err(ToolFailure::new(
                FailureKind::NotFound,
                format!("workspace `{workspace_id}` does not exist"),
            )
            .with_hint("find the ID with `pai_quota_list_workspaces`; nothing was planned"));
        }
        Err(failure) => return Err(failure),
    };
    ctx.checks.push(Check::ok(
        "workspace_exists",
        json!({"workspace_id": workspace_id, "name": workspace.get("WorkspaceName")}),
    ));
    ctx.provide("workspace", workspace);
    Ok(())
}

/// The workspace's resources that bind `quota_id`.
async fn bindings_of(
    ctx: &GuardContext<'_>,
    workspace_id: &str,
    quota_id: &str,
) -> Result<Vec<Value>, ToolFailure> {
    let body = ctx
        .read(&api::workspace_resources(workspace_id))
        .await?
        .body;
    Ok(items(&body, "Resources")
        .iter()
        .filter(|r| {
            items(r, "Quotas")
                .iter()
                .any(|q| q.get("Id").and_then(Value::as_str) == Some(quota_id))
        })
        .cloned()
        .collect())
}

/// `pai.attach_binding`: not attached yet; builds the `Resources` body from the quota.
pub async fn attach_binding(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota = ctx.fact("quota")?.clone();
    let quota_id = ctx.arg_str("quota_id").unwrap_or_default();
    let workspace_id = ctx.arg_str("workspace_id").unwrap_or_default();
    let existing = bindings_of(ctx, &workspace_id, &quota_id).await?;
    if let Some(binding) = existing.first() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "quota `{quota_id}` is already attached to workspace `{workspace_id}` (binding `{}`)",
                binding.get("Id").and_then(Value::as_str).unwrap_or("?")
            ),
        ));
    }
    let resource_type = quota.get("ResourceType").cloned().unwrap_or(Value::Null);
    let resources = json!([{
        "EnvType": "prod",
        "Name": quota.get("QuotaName").cloned().unwrap_or_else(|| json!(quota_id)),
        "ProductType": "PAI",
        "Quotas": [{"Id": quota_id}],
        "ResourceType": resource_type,
        "WorkspaceId": workspace_id,
    }]);
    ctx.args.insert("resources".into(), resources);
    ctx.state.push(json!({"bindings": []}));
    ctx.checks.push(Check::ok(
        "not_attached_yet",
        json!({"resource_type_from_quota": resource_type}),
    ));
    ctx.diff.insert(
        "workspace_binding".into(),
        json!({"current": null, "target": {"workspace_id": workspace_id, "quota_id": quota_id}}),
    );
    Ok(())
}

/// `pai.detach_binding`: the quota is bound to the workspace and no workload of it runs there.
pub async fn detach_binding(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota_id = ctx.arg_str("quota_id").unwrap_or_default();
    let workspace_id = ctx.arg_str("workspace_id").unwrap_or_default();
    let bindings = bindings_of(ctx, &workspace_id, &quota_id).await?;
    if bindings.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("quota `{quota_id}` is not attached to workspace `{workspace_id}`"),
        )
        .with_hint("see `pai_quota_list_workspace_resources`; nothing was planned"));
    }
    let running = ctx.read(&api::running_workloads(&quota_id)).await?.body;
    let blocking: Vec<Value> = items(&running, "Workloads")
        .iter()
        .filter(|w| w.get("WorkspaceId").and_then(Value::as_str) == Some(workspace_id.as_str()))
        .map(|w| json!({"workload_id": w.get("WorkloadId"), "name": w.get("WorkloadName"), "user": w.get("UserName")}))
        .collect();
    if !blocking.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!(
                "{} workload(s) of quota `{quota_id}` are running in workspace `{workspace_id}`",
                blocking.len()
            ),
        )
        .with_details(json!({"running_workloads": blocking}))
        .with_hint("stop or wait for them, then plan the detach again; nothing was planned"));
    }
    let ids: Vec<Value> = bindings
        .iter()
        .filter_map(|b| b.get("Id").cloned())
        .collect();
    let binding_type = bindings
        .first()
        .and_then(|b| b.get("ResourceType"))
        .cloned()
        .unwrap_or(Value::Null);
    ctx.args.insert("binding_ids".into(), json!(ids));
    ctx.args.insert("binding_type".into(), binding_type);
    ctx.state.push(json!({"bindings": ids}));
    ctx.checks.push(Check::ok(
        "binding_found",
        json!({"binding_ids": ids, "running_workloads_in_workspace": 0}),
    ));
    if ctx.arg_str("option").as_deref() == Some("DetachAndDelete") {
        ctx.checks.push(Check::warning(
            "option",
            json!("DetachAndDelete also deletes the workspace resource record"),
        ));
    }
    ctx.diff.insert(
        "workspace_binding".into(),
        json!({"current": {"workspace_id": workspace_id, "binding_ids": ids}, "target": null}),
    );
    Ok(())
}

/// `pai.binding_exists`: the binding named by `binding_id` is in the workspace.
pub async fn binding_exists(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let workspace_id = ctx.arg_str("workspace_id").unwrap_or_default();
    let binding_id = ctx.arg_str("binding_id").unwrap_or_default();
    let body = ctx
        .read(&api::workspace_resources(&workspace_id))
        .await?
        .body;
    let Some(binding) = items(&body, "Resources")
        .iter()
        .find(|r| r.get("Id").and_then(Value::as_str) == Some(binding_id.as_str()))
        .cloned()
    else {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("workspace `{workspace_id}` has no resource binding `{binding_id}`"),
        ));
    };
    ctx.args.insert("binding_ids".into(), json!([binding_id]));
    for (arg, wire) in [("is_default", "IsDefault"), ("labels", "Labels")] {
        if let Some(target) = ctx.args.get(arg) {
            ctx.diff.insert(
                arg.into(),
                json!({"current": binding.get(wire), "target": target}),
            );
        }
    }
    ctx.state
        .push(json!({"IsDefault": binding.get("IsDefault"), "Labels": binding.get("Labels")}));
    ctx.checks.push(Check::ok(
        "binding_exists",
        json!({"binding_id": binding_id}),
    ));
    Ok(())
}
