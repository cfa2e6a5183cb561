//! The scale-down force rule. The skill leaves "current usage" undefined; we take it from the
//! quota's own accounting (`QuotaDetails.UsedQuota`) and compare it with the target's capacity
//! (node count times each node type's CPU, GPU and memory), so "below usage" means the running
//! workloads would no longer fit. Workloads and per-user usage are always shown.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::api::{self, items, node_specs};
use crate::failure::ToolFailure;
use crate::gate::Check;
use crate::toolsets::GuardContext;

/// Parses a Kubernetes-style quantity (`8`, `500m`, `30Gi`, `30720Mi`) into plain units
/// (cores, GPUs, GiB).
pub fn quantity(value: Option<&Value>) -> f64 {
    let text = match value {
        Some(Value::Number(n)) => return n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s.trim(),
        _ => return 0.0,
    };
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "m" => number / 1000.0,
        "Ki" => number / (1024.0 * 1024.0),
        "Mi" => number / 1024.0,
        "Gi" | "G" => number,
        "Ti" => number * 1024.0,
        _ => number,
    }
}

/// Per-node CPU, GPU and memory of each node type.
fn per_node(body: &Value) -> BTreeMap<String, [f64; 3]> {
    items(body, "NodeTypes")
        .iter()
        .filter_map(|n| {
            let name = n.get("NodeType")?.as_str()?.to_string();
            Some((
                name,
                [
                    quantity(n.get("CPU")),
                    quantity(n.get("GPU")),
                    quantity(n.get("Memory")),
                ],
            ))
        })
        .collect()
}

/// `pai.usage_below_target`: a target whose capacity is below what workloads use right now needs
/// `CONFIRM-FORCE`; a plain `CONFIRM` is then refused.
pub async fn usage_below_target(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let quota = ctx.fact("quota")?.clone();
    let quota_id = ctx.arg_str("quota_id").unwrap_or_default();
    let groups: Vec<String> = crate::toolsets::string_list(
        ctx.args
            .get("resource_group_ids")
            .or_else(|| quota.get("ResourceGroupIds")),
    );
    let types = per_node(&ctx.read(&api::node_types_of_groups(&groups)).await?.body);
    let mut capacity = [0.0f64; 3];
    for (node_type, count) in node_specs(ctx.args.get("min")) {
        if let Some(resources) = types.get(&node_type) {
            for (slot, per) in capacity.iter_mut().zip(resources) {
                *slot += per * count as f64;
            }
        }
    }
    let used_source = crate::catalog::lookup(&quota, "QuotaDetails.UsedQuota")
        .cloned()
        .unwrap_or(Value::Null);
    let used = [
        quantity(used_source.get("CPU")),
        quantity(used_source.get("GPU")),
        quantity(used_source.get("Memory")),
    ];
    let running = ctx.read(&api::running_workloads(&quota_id)).await?.body;
    let workloads: Vec<Value> = items(&running, "Workloads")
        .iter()
        .map(|w| json!({"workload_id": w.get("WorkloadId"), "name": w.get("WorkloadName"), "user": w.get("UserName"), "resource": w.get("Resource")}))
        .collect();
    let names = ["cpu", "gpu", "memory_gib"];
    let short: Vec<&str> = names
        .iter()
        .zip(used.iter().zip(capacity.iter()))
        .filter(|(_, (u, c))| **u > **c + 1e-9)
        .map(|(n, _)| *n)
        .collect();
    let detail = json!({
        "used": {"cpu": used[0], "gpu": used[1], "memory_gib": used[2]},
        "target_capacity": {"cpu": capacity[0], "gpu": capacity[1], "memory_gib": capacity[2]},
        "running_workloads": workloads,
    });
    if short.is_empty() {
        ctx.checks.push(Check::ok("usage_within_target", detail));
    } else {
        let reason = format!(
            "the target's capacity is below current usage in {}: running workloads may be preempted",
            short.join(", ")
        );
        ctx.checks.push(Check {
            check: "usage_within_target".into(),
            result: "force_required".into(),
            detail,
        });
        ctx.force = Some(reason);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_understand_kubernetes_units() {
        assert_eq!(quantity(Some(&json!("8"))), 8.0);
        assert_eq!(quantity(Some(&json!("500m"))), 0.5);
        assert_eq!(quantity(Some(&json!("30Gi"))), 30.0);
        assert_eq!(quantity(Some(&json!("30720Mi"))), 30.0);
        assert_eq!(quantity(Some(&json!(2))), 2.0);
        assert_eq!(quantity(None), 0.0);
    }
}
