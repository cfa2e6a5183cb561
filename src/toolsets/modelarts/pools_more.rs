//! Pools part 2's rules (seed-operations.md 6.2): a pool description change with its diff,
//! the batch node operations beyond delete and reboot (after `ma.batch_nodes` has checked and
//! listed every node: locks that must or must not be there, a migration's target pool, a
//! resize's source node pool and flavor read from the nodes, never guessed), and the OS
//! network patch and delete (refused while a pool is placed in the network).

use serde_json::{Value, json};

use super::pools::{GET_POOL, LIST_FLAVORS, LIST_NODES, problems};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

const GET_NETWORK: &str = "ma_pool_get_os_network";
const LIST_POOLS: &str = "ma_pool_list";

/// What a batch lock can lock (the emulator and the service refuse others).
const LOCK_ACTIONS: &[&str] = &["delete", "reboot", "reset", "resize", "migrate"];

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// `ma.pool_update`: the pool exists and is Running; fills `metadata` with the description
/// annotation and shows the change.
pub(crate) async fn pool_update(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool = super::pools::load_pool(ctx).await?;
    let id = ctx.arg_str("pool_id").unwrap_or_default();
    let phase = pool
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if phase != "Running" {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("pool `{id}` is {phase}; a pool can be changed only when Running"),
        )
        .with_hint("ma_pool_wait follows a pool until it runs; nothing was planned"));
    }
    let description = ctx.arg_str("description").unwrap_or_default();
    let current = pool
        .pointer("/metadata/annotations/os.modelarts~1description")
        .cloned()
        .unwrap_or(Value::Null);
    if current == description.as_str() {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("pool `{id}` already has this description"),
        ));
    }
    ctx.diff.insert(
        "description".into(),
        json!({"current": current, "target": description}),
    );
    ctx.args.insert(
        "metadata".into(),
        json!({"annotations": {"os.modelarts/description": description}}),
    );
    Ok(())
}

/// The named nodes as the pool lists them, and how many nodes the pool has.
async fn named_nodes(
    ctx: &GuardContext<'_>,
    pool: &str,
) -> Result<(Vec<Value>, usize), ToolFailure> {
    let wanted = ctx.arg_strings("node_names");
    let body = ctx
        .read(&call(LIST_NODES, json!({"pool_id": pool, "limit": 500})))
        .await?
        .body;
    let all = body["items"].as_array().cloned().unwrap_or_default();
    let named = all
        .iter()
        .filter(|n| {
            n.pointer("/metadata/name")
                .and_then(Value::as_str)
                .is_some_and(|name| wanted.iter().any(|w| w == name))
        })
        .cloned()
        .collect();
    Ok((named, all.len()))
}

fn node_name(node: &Value) -> String {
    node.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The operations a node is locked against (its `os.modelarts.node/lock.actions`).
fn locks(node: &Value) -> Vec<String> {
    node.pointer("/metadata/annotations/os.modelarts.node~1lock.actions")
        .and_then(Value::as_str)
        .map(|a| a.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

fn text(node: &Value, pointer: &str) -> String {
    node.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `ma.batch_nodes_more`: the rules of each batch operation beyond the node check
/// `ma.batch_nodes` made (it runs first and counts the nodes).
pub(crate) async fn batch_nodes_more(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool = ctx.arg_str("pool_id").unwrap_or_default();
    let (nodes, total) = named_nodes(ctx, &pool).await?;
    let tool = ctx.tool.name.clone();
    let op = tool
        .trim_start_matches("ma_pool_batch_")
        .trim_end_matches("_nodes")
        .to_owned();
    let mut errors = Vec::new();
    match op.as_str() {
        "lock" | "unlock" => {
            let actions = ctx.arg_strings("actions");
            for a in actions
                .iter()
                .filter(|a| !LOCK_ACTIONS.contains(&a.as_str()))
            {
                errors.push(format!(
                    "action `{a}` cannot be locked; the actions: {}",
                    LOCK_ACTIONS.join(", ")
                ));
            }
            for node in &nodes {
                let held = locks(node);
                if op == "unlock" && !actions.iter().any(|a| held.contains(a)) {
                    errors.push(format!(
                        "node `{}` is not locked against {}",
                        node_name(node),
                        actions.join(", ")
                    ));
                }
                if op == "lock" && actions.iter().all(|a| held.contains(a)) {
                    errors.push(format!("node `{}` is already locked so", node_name(node)));
                }
            }
            ctx.diff.insert(
                "locks".into(),
                json!({"nodes": ctx.arg_strings("node_names"), "actions": actions, "target": if op == "lock" { "locked" } else { "unlocked" }}),
            );
        }
        "update" => {
            let action = ctx.arg_str("action").unwrap_or_default();
            let tags = ctx
                .args
                .get("tags")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if action.ends_with("Tags") && tags.is_empty() {
                errors.push(format!("{action} needs tags [{{key, value}}]"));
            }
            if !action.ends_with("Tags") && !tags.is_empty() {
                errors.push(format!("{action} takes no tags"));
            }
            if tags
                .iter()
                .any(|t| t["key"].as_str().is_none_or(str::is_empty))
            {
                errors.push("every tag needs a key".into());
            }
        }
        "bind" => {
            let quota = ctx.arg_str("quota_name").unwrap_or_default();
            let list: Vec<Value> = ctx
                .arg_strings("node_names")
                .iter()
                .map(|n| json!({"name": n, "quotaName": quota}))
                .collect();
            ctx.args.insert("nodes".into(), Value::from(list));
        }
        "reset" => {
            let max = ctx
                .args
                .get("max_unavailable")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            ctx.args.insert(
                "rolling_config".into(),
                json!({"strategy": "RollingByNumber", "maxUnavailable": max}),
            );
            if let Some(os) = ctx.arg_str("os") {
                ctx.args.insert("node_config".into(), json!({"os": os}));
            }
            ctx.checks.push(Check::warning(
                "data",
                json!({"note": "a reset reinstalls the OS: data on the nodes' local disks is lost"}),
            ));
        }
        "migrate" => {
            if nodes.len() >= total {
                errors.push(format!(
                    "these are all {total} nodes of pool `{pool}`; a pool keeps at least one"
                ));
            }
            migrate_target(ctx, &pool, &mut errors).await?;
        }
        "resize" => resize_plan(ctx, &nodes, &mut errors).await?,
        _ => {}
    }
    if matches!(
        op.as_str(),
        "delete" | "reboot" | "reset" | "migrate" | "resize"
    ) {
        for node in &nodes {
            if locks(node).contains(&op) {
                errors.push(format!(
                    "node `{}` is locked against {op} (ma_pool_batch_unlock_nodes)",
                    node_name(node)
                ));
            }
        }
    }
    problems(errors)
}

/// A migration's target: another Running pool, and the node pool the nodes join.
async fn migrate_target(
    ctx: &mut GuardContext<'_>,
    pool: &str,
    errors: &mut Vec<String>,
) -> Result<(), ToolFailure> {
    let target = ctx.arg_str("to_pool_id").unwrap_or_default();
    if target == pool {
        errors.push("to_pool_id must be another pool".into());
        return Ok(());
    }
    let answer = ctx.read(&call(GET_POOL, json!({"pool_id": target}))).await;
    let Ok(answer) = answer else {
        errors.push(format!("pool `{target}` does not exist (ma_pool_list)"));
        return Ok(());
    };
    let body = answer.body;
    let phase = text(&body, "/status/phase");
    if phase != "Running" {
        errors.push(format!(
            "pool `{target}` is {phase}, nodes can join only a Running pool"
        ));
    }
    let to_np = ctx.arg_str("to_node_pool");
    if let Some(np) = &to_np {
        ctx.args
            .insert("resource_spec".into(), json!({"nodePool": np}));
    }
    ctx.checks.push(Check::warning(
        "workloads",
        json!({"note": "workloads on the moved nodes are evicted", "to_pool": target, "to_node_pool": to_np}),
    ));
    Ok(())
}

/// A resize's source (the nodes' one node pool and flavor) and target, with the cost note.
async fn resize_plan(
    ctx: &mut GuardContext<'_>,
    nodes: &[Value],
    errors: &mut Vec<String>,
) -> Result<(), ToolFailure> {
    let target = ctx.arg_str("target_flavor").unwrap_or_default();
    let flavors = ctx.read(&call(LIST_FLAVORS, json!({}))).await?.body;
    let known: Vec<String> = flavors["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    if !known.contains(&target) {
        errors.push(format!(
            "target_flavor `{target}` is not offered; the flavors: {}",
            known.join(", ")
        ));
    }
    let mut sources: Vec<(String, String)> = nodes
        .iter()
        .map(|n| {
            (
                text(n, "/metadata/labels/os.modelarts.node~1nodepool"),
                text(n, "/spec/flavor"),
            )
        })
        .collect();
    sources.dedup();
    let Some((node_pool, flavor)) = sources.first().cloned() else {
        return Ok(());
    };
    if sources.len() > 1 {
        errors.push(format!(
            "the nodes must share one node pool and flavor; they are {}",
            sources
                .iter()
                .map(|(np, f)| format!("{f} in {np}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if flavor == target {
        errors.push(format!("the nodes are already {target}"));
    }
    let target_np = ctx.arg_str("target_node_pool").unwrap_or(node_pool.clone());
    let names = ctx.arg_strings("node_names");
    ctx.args
        .insert("nodes".into(), json!([{"deleteNodeNames": names}]));
    ctx.args.insert(
        "source".into(),
        json!({"nodePool": node_pool, "flavor": flavor}),
    );
    ctx.args.insert(
        "target".into(),
        json!({"nodePool": target_np, "flavor": target}),
    );
    ctx.diff.insert(
        "flavor".into(),
        json!({"current": flavor, "target": target}),
    );
    ctx.checks.push(Check::warning(
        "cost",
        json!({"note": format!("{} node(s) billed at the {target} rate from the resize on; they restart", names.len())}),
    ));
    Ok(())
}

/// `ma.network_patch`: the network exists; fills `metadata` with the description.
pub(crate) async fn network_patch(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("network_id").unwrap_or_default();
    let network = ctx
        .read(&call(GET_NETWORK, json!({"network_id": id})))
        .await?
        .body;
    let description = ctx.arg_str("description").unwrap_or_default();
    ctx.diff.insert(
        "description".into(),
        json!({"current": network.pointer("/metadata/annotations/os.modelarts~1description"), "target": description}),
    );
    ctx.args.insert(
        "metadata".into(),
        json!({"annotations": {"os.modelarts/description": description}}),
    );
    Ok(())
}

/// `ma.network_delete`: the network exists and no pool is placed in it.
pub(crate) async fn network_delete(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("network_id").unwrap_or_default();
    let network = ctx
        .read(&call(GET_NETWORK, json!({"network_id": id})))
        .await?
        .body;
    let pools = ctx.read(&call(LIST_POOLS, json!({}))).await?.body;
    let users: Vec<String> = pools["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p.pointer("/spec/network/name").and_then(Value::as_str) == Some(id.as_str()))
        .map(|p| text(p, "/metadata/name"))
        .collect();
    if !users.is_empty() {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!(
                "OS network `{id}` is used by pool(s) {}; it cannot be deleted",
                users.join(", ")
            ),
        )
        .with_details(json!({"pools": users}))
        .with_hint("delete those pools first (ma_pool_delete); nothing was planned"));
    }
    ctx.checks.push(Check::ok(
        "no_pools",
        json!({"network_id": id, "cidr": network.pointer("/spec/cidr")}),
    ));
    ctx.diff.insert(
        "phase".into(),
        json!({"current": network.pointer("/status/phase"), "target": "deleted (irreversible)"}),
    );
    Ok(())
}

/// Registers the pools part 2 guards.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.pool_update", needs: [], provides: [], calls: [GET_POOL], pool_update),
        crate::guard!("ma.batch_nodes_more", needs: [], provides: [], calls: [LIST_NODES, GET_POOL, LIST_FLAVORS], batch_nodes_more),
        crate::guard!("ma.network_patch", needs: [], provides: [], calls: [GET_NETWORK], network_patch),
        crate::guard!("ma.network_delete", needs: [], provides: [], calls: [GET_NETWORK, LIST_POOLS], network_delete),
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_lists_its_locks() {
        let node = json!({"metadata": {"annotations": {"os.modelarts.node/lock.actions": "delete,reboot"}}});
        assert_eq!(locks(&node), vec!["delete", "reboot"]);
        assert!(locks(&json!({"metadata": {}})).is_empty());
    }
}
