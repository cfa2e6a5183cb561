//! Update rules: a per-field diff, and the VPC mutability rules (validation-rules section 4 of the
//! skill): an ECS quota's `UserVpc` never changes; a Lingjun quota may only gain vSwitches.

use serde_json::{Map, Value, json};

use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

const FIELDS: [(&str, &str); 4] = [
    ("quota_name", "QuotaName"),
    ("description", "Description"),
    ("labels", "Labels"),
    ("queue_strategy", "QueueStrategy"),
];

/// Lingjun `UserVpc` fields that are fixed at creation.
const LINGJUN_IMMUTABLE: [&str; 6] = [
    "VpcId",
    "SecurityGroupId",
    "DefaultRoute",
    "ExtendedCIDRs",
    "RoleArn",
    "DefaultForwardInfo",
];

/// `pai.update_rules`.
pub async fn update_rules(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota = ctx.fact("quota")?.clone();
    let mut changed = Map::new();
    let mut unchanged = Vec::new();
    for (arg, wire) in FIELDS {
        if let Some(target) = ctx.args.get(arg) {
            let current = quota.get(wire).cloned().unwrap_or(Value::Null);
            if &current == target {
                unchanged.push(arg);
            } else {
                changed.insert(arg.into(), json!({"current": current, "target": target}));
            }
        }
    }
    if let Some(config) = ctx.args.get("quota_config").cloned() {
        check_config_keys(&config)?;
        let current = quota.get("QuotaConfig").cloned().unwrap_or(Value::Null);
        check_vpc(&quota, &current, &config)?;
        let differs = config
            .as_object()
            .is_some_and(|c| c.iter().any(|(k, v)| current.get(k) != Some(v)));
        if differs {
            changed.insert(
                "quota_config".into(),
                json!({"current": current, "target": config}),
            );
        } else {
            unchanged.push("quota_config");
        }
    }
    if changed.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "nothing would change: {} already have these values",
                unchanged.join(", ")
            ),
        ));
    }
    if !unchanged.is_empty() {
        ctx.checks
            .push(Check::warning("unchanged_fields", json!(unchanged)));
    }
    ctx.checks.push(Check::ok(
        "update_allowed",
        json!({"fields": changed.keys().collect::<Vec<_>>()}),
    ));
    ctx.diff.extend(changed);
    Ok(())
}

/// QuotaConfig keys are PascalCase, as the API takes them; a camelCase key would be ignored by
/// the service and the human would believe a change happened.
fn check_config_keys(config: &Value) -> Result<(), ToolFailure> {
    let Some(object) = config.as_object() else {
        return Ok(());
    };
    if let Some(key) = object
        .keys()
        .find(|k| k.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
    {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "`quota_config.{key}`: QuotaConfig keys are PascalCase (e.g. `UserVpc`, `EnableGPUShare`)"
            ),
        ));
    }
    Ok(())
}

fn check_vpc(quota: &Value, current: &Value, config: &Value) -> Result<(), ToolFailure> {
    let Some(target_vpc) = config.get("UserVpc") else {
        return Ok(());
    };
    let current_vpc = current.get("UserVpc").cloned().unwrap_or(Value::Null);
    let resource_type = quota
        .get("ResourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match resource_type {
        "Lingjun" => {
            for field in LINGJUN_IMMUTABLE {
                if let Some(target) = target_vpc.get(field)
                    && current_vpc.get(field) != Some(target)
                {
                    return Err(immutable(format!(
                        "`UserVpc.{field}` of a Lingjun quota is fixed at creation; only vSwitches (`SwitchId`) can be added"
                    )));
                }
            }
            if let Some(target) = target_vpc.get("SwitchId").and_then(Value::as_str) {
                let current: Vec<&str> = current_vpc
                    .get("SwitchId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .collect();
                let target: Vec<&str> = target.split(',').map(str::trim).collect();
                if let Some(removed) = current.iter().find(|s| !target.contains(s)) {
                    return Err(immutable(format!(
                        "vSwitch `{removed}` would be removed; a Lingjun quota may only gain vSwitches"
                    )));
                }
            }
            Ok(())
        }
        _ => {
            if target_vpc != &current_vpc {
                return Err(immutable(format!(
                    "the VPC of an {resource_type} quota cannot change (not implementable); delete and recreate the quota, or change the VPC at the resource-group layer"
                )));
            }
            Ok(())
        }
    }
}

fn immutable(message: String) -> ToolFailure {
    ToolFailure::new(FailureKind::ImmutableField, message).with_hint("nothing was planned")
}
