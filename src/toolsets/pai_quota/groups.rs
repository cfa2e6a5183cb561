//! Resource groups: resolution of IDs or exact names (never guessing) and homogeneity.

use serde_json::{Value, json};

use super::api::{self, items};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// Reads every resource group of the region: a name match on page 1 only is the bug the skill
/// warns about ("never stop after page 1").
async fn all_groups(ctx: &GuardContext<'_>) -> Result<Vec<Value>, ToolFailure> {
    let mut groups = Vec::new();
    for page in 1..=50u32 {
        let body = ctx.read(&api::list_resource_groups(page)).await?.body;
        let batch = items(&body, "ResourceGroups");
        groups.extend(batch.iter().cloned());
        let total = body.get("TotalCount").and_then(Value::as_u64).unwrap_or(0) as usize;
        if batch.is_empty() || groups.len() >= total {
            break;
        }
    }
    Ok(groups)
}

fn group_id(group: &Value) -> String {
    group
        .get("ResourceGroupID")
        .or_else(|| group.get("ResourceGroupId"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn summary(group: &Value) -> Value {
    json!({"resource_group_id": group_id(group), "name": group.get("Name"), "resource_type": group.get("ResourceType")})
}

/// Resolves `resource_group_ids` (IDs or exact names) in place; returns the resolution table.
async fn resolve(ctx: &mut GuardContext<'_>) -> Result<Vec<Value>, ToolFailure> {
    let given: Vec<String> = ctx.arg_strings("resource_group_ids");
    let groups = all_groups(ctx).await?;
    let mut resolved = Vec::new();
    let mut table = Vec::new();
    for entry in &given {
        // An ID or an exact name first; a partial name is matched over every group, and is only
        // taken when it matches exactly one (the plan shows the candidate either way).
        let exact: Vec<&Value> = groups
            .iter()
            .filter(|g| {
                group_id(g) == *entry
                    || g.get("Name").and_then(Value::as_str) == Some(entry.as_str())
            })
            .collect();
        let (matches, how) = if exact.is_empty() {
            let partial: Vec<&Value> = groups
                .iter()
                .filter(|g| {
                    g.get("Name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.contains(entry.as_str()))
                })
                .collect();
            (partial, "partial name")
        } else {
            (exact, "ID or exact name")
        };
        match matches.as_slice() {
            [one] => {
                let id = group_id(one);
                if !resolved.contains(&id) {
                    resolved.push(id);
                }
                table.push(json!({"given": entry, "matched_by": how, "candidates": [summary(one)], "match_count": 1, "total_scanned": groups.len()}));
            }
            [] => {
                return Err(ToolFailure::new(
                    FailureKind::NotFound,
                    format!("no resource group has the ID or a name containing `{entry}` (scanned {} groups)", groups.len()),
                )
                .with_details(json!({"total_scanned": groups.len()}))
                .with_hint("pass IDs or names from `pai_quota_list_resource_groups`; nothing was planned"));
            }
            many => {
                return Err(ToolFailure::new(
                    FailureKind::AmbiguousMatch,
                    format!("{} resource groups match `{entry}`; none was picked, choose by ID", many.len()),
                )
                .with_details(json!({"candidates": many.iter().map(|g| summary(g)).collect::<Vec<_>>(), "total_scanned": groups.len()})));
            }
        }
    }
    ctx.args
        .insert("resource_group_ids".into(), json!(resolved));
    Ok(table)
}

/// `pai.resolve_resource_groups`: every entry resolves to exactly one group.
pub async fn resolve_resource_groups(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let table = resolve(ctx).await?;
    ctx.checks
        .push(Check::ok("resource_groups_resolved", json!(table)));
    Ok(())
}

/// Fetches each group and checks Step A (same type) and Step B (same cluster and GPU type; for
/// ECS also the same VPC, vSwitch and security group). Returns the common type.
async fn check_homogeneity(ctx: &mut GuardContext<'_>) -> Result<String, ToolFailure> {
    let ids: Vec<String> = ctx.arg_strings("resource_group_ids");
    let mut details = Vec::new();
    for id in &ids {
        let group = ctx.read(&api::get_resource_group(id)).await?.body;
        details.push((id.clone(), group));
    }
    let field = |g: &Value, path: &str| {
        crate::catalog::lookup(g, path)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut compared = vec![("ResourceType", "ResourceType")];
    let first_type = details
        .first()
        .map(|(_, g)| field(g, "ResourceType"))
        .unwrap_or(Value::Null);
    compared.extend([("ClusterId", "ClusterID"), ("GpuType", "GpuType")]);
    if first_type == json!("ECS") {
        compared.extend([
            ("UserVpc.VpcId", "UserVpc.VpcId"),
            ("UserVpc.SwitchId", "UserVpc.SwitchId"),
            ("UserVpc.SecurityGroupId", "UserVpc.SecurityGroupId"),
        ]);
    }
    for (label, path) in &compared {
        let values: Vec<Value> = details.iter().map(|(_, g)| field(g, path)).collect();
        if values.windows(2).any(|w| w[0] != w[1]) {
            let per_group: Vec<Value> = details
                .iter()
                .map(|(id, g)| json!({"resource_group_id": id, "name": g.get("Name"), label.to_string(): field(g, path)}))
                .collect();
            return Err(ToolFailure::new(
                FailureKind::HomogeneityViolation,
                format!("the resource groups differ in `{label}`; a quota needs groups with the same {label}"),
            )
            .with_details(json!({"field": label, "per_group": per_group}))
            .with_hint("choose a consistent subset of groups, or align the groups first; none was dropped silently and nothing was planned"));
        }
    }
    let resource_type = first_type.as_str().unwrap_or_default().to_string();
    ctx.state.push(json!(details.iter().map(|(id, g)| json!({"id": id, "type": g.get("ResourceType"), "cluster": g.get("ClusterID"), "vpc": g.get("UserVpc")})).collect::<Vec<_>>()));
    ctx.checks.push(Check::ok(
        "resource_groups_homogeneous",
        json!({"compared": compared.iter().map(|(l, _)| *l).collect::<Vec<_>>(), "resource_type": resource_type, "groups": ids}),
    ));
    Ok(resource_type)
}

/// `pai.homogeneous_resource_groups`: derives the resource type (never taken from the user; a
/// conflicting value is refused).
pub async fn homogeneous_resource_groups(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let derived = check_homogeneity(ctx).await?;
    if let Some(given) = ctx.arg_str("resource_type").filter(|t| *t != derived) {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("`resource_type` is derived from the resource groups (`{derived}`); `{given}` conflicts with it"),
        )
        .with_hint("leave `resource_type` out"));
    }
    ctx.args.insert("resource_type".into(), json!(derived));
    Ok(())
}

/// `pai.scale_resource_groups`: when a scale gives a new final set of groups, it must be a root
/// quota, the groups must resolve and be homogeneous, and the type cannot change.
pub async fn scale_resource_groups(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    if !ctx.args.contains_key("resource_group_ids") {
        return Ok(());
    }
    let quota = ctx.fact("quota")?.clone();
    if !super::is_root(&quota) {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            "`resource_group_ids` can be changed only on a root quota; a child takes its groups from its parent",
        ));
    }
    let table = resolve(ctx).await?;
    ctx.checks
        .push(Check::ok("resource_groups_resolved", json!(table)));
    let derived = check_homogeneity(ctx).await?;
    let current = quota
        .get("ResourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if derived != current {
        return Err(ToolFailure::new(
            FailureKind::ImmutableField,
            format!(
                "the new groups are `{derived}` but the quota's resource type is `{current}`, which cannot change"
            ),
        ));
    }
    ctx.diff.insert(
        "resource_group_ids".into(),
        json!({"current": quota.get("ResourceGroupIds"), "target": ctx.args.get("resource_group_ids")}),
    );
    Ok(())
}
