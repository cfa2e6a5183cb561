//! Node pools (seed-operations.md 6.3): a create with a checked name and flavor and its cost
//! note; an update (the seed's `ma_np_update`, with `ma_np_scale` folded in as `node_num`)
//! that reads the node pool, edits `count`/`maxCount` (and the first AZ's count), merges
//! labels and annotations and writes the resources back, warning that a scale-down removes
//! nodes the service picks at random; a delete that lists the pool's workloads and keeps the last
//! node pool.

use serde_json::{Value, json};

use super::pools::{LIST_FLAVORS, k8s_name, problems, workloads};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

pub(crate) const GET_NODE_POOL: &str = "ma_np_get";
pub(crate) const LIST_NODE_POOLS: &str = "ma_np_list";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// `ma.np_create`: name rules, a known flavor; fills `metadata` and `spec`.
pub(crate) async fn np_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let name = ctx.arg_str("node_pool").unwrap_or_default();
    let flavor = ctx.arg_str("flavor").unwrap_or_default();
    let count = ctx.args.get("count").and_then(Value::as_u64).unwrap_or(0);
    let mut errors = Vec::new();
    if !k8s_name(&name, 50) {
        errors.push(format!("node_pool `{name}` must be 2-50 lowercase letters, digits or '-', starting with a letter"));
    }
    let flavors = ctx.read(&call(LIST_FLAVORS, json!({}))).await?.body;
    let known: Vec<String> = flavors["items"]
        .as_array()
        .map(|i| {
            i.iter()
                .filter_map(|f| {
                    f.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    if !known.contains(&flavor) {
        errors.push(format!(
            "flavor `{flavor}` is not offered; the flavors: {}",
            known.join(", ")
        ));
    }
    problems(errors)?;
    ctx.checks.push(Check::ok("cost", json!({"note": format!("{count} x {flavor} node(s), billed per hour (on demand) from when they are created")})));
    ctx.args.insert("metadata".into(), json!({"name": name}));
    ctx.args.insert(
        "spec".into(),
        json!({"resources": {"flavor": flavor, "count": count, "maxCount": count}}),
    );
    Ok(())
}

/// `ma.np_update` (the seed's `ma_np_update` and its alias `ma_np_scale`): reads the node pool
/// and builds the merge patch from its current `spec.resources`: the new `count`/`maxCount`
/// (and the first AZ's count), merged `labels`, merged `metadata.annotations`. A decrease is
/// a warning naming the pool's workloads, since the nodes removed are the service's pick.
pub(crate) async fn np_update(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool = ctx.arg_str("pool_id").unwrap_or_default();
    let name = ctx.arg_str("node_pool").unwrap_or_default();
    let node_num = ctx.args.get("node_num").and_then(Value::as_u64);
    let max_node_num = ctx.args.get("max_node_num").and_then(Value::as_u64);
    if let (Some(n), Some(m)) = (node_num, max_node_num)
        && n != m
    {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("max_node_num ({m}) must equal node_num ({n}) in a physical pool"),
        ));
    }
    let labels = ctx.args.get("labels").cloned();
    let annotations = ctx.args.get("annotations").cloned();
    let np = ctx
        .read(&call(
            GET_NODE_POOL,
            json!({"pool_id": pool, "node_pool": name}),
        ))
        .await?
        .body;
    let mut resources = np
        .pointer("/spec/resources")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(map) = resources.as_object_mut() {
        map.remove("nodePool");
    }
    let current = resources["count"].as_u64().unwrap_or(0);
    let mut changed = false;
    let mut body = serde_json::Map::new();
    if let Some(count) = node_num.or(max_node_num)
        && count != current
    {
        changed = true;
        resources["count"] = json!(count);
        resources["maxCount"] = json!(count);
        let zones = resources
            .get("azs")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if zones == 1 {
            resources["azs"][0]["count"] = json!(count);
        } else if let Some(map) = resources.as_object_mut() {
            // Several AZs: the counts per AZ no longer add up; the service spreads the new count.
            map.remove("azs");
        }
        ctx.diff
            .insert("count".into(), json!({"current": current, "target": count}));
        if count < current {
            let running = workloads(ctx, &pool).await?;
            ctx.checks.push(Check::warning("scale_down", json!({"remove": current - count, "note": "the service picks the nodes to remove at random; ma_pool_batch_delete_nodes removes chosen ones", "workloads": running})));
        } else {
            ctx.checks.push(Check::ok("cost", json!({"note": format!("{} more node(s), billed per hour from when they are created", count - current)})));
        }
    }
    if let Some(Value::Object(new)) = &labels {
        let before = resources
            .get("labels")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let merged = merge(&before, new);
        if merged != before {
            changed = true;
            ctx.diff.insert(
                "labels".into(),
                json!({"current": before, "target": merged}),
            );
            resources["labels"] = merged;
        }
    }
    if let Some(Value::Object(new)) = &annotations {
        let before = np
            .pointer("/metadata/annotations")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let merged = merge(&before, new);
        if merged != before {
            changed = true;
            ctx.diff.insert(
                "annotations".into(),
                json!({"current": before, "target": merged}),
            );
            body.insert("metadata".into(), json!({"annotations": new}));
        }
    }
    if !changed {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "node pool `{name}` already has these values ({current} node(s)); nothing to change"
            ),
        ));
    }
    ctx.state
        .push(json!({"pool_id": pool, "node_pool": name, "count": current}));
    if node_num.is_some() || max_node_num.is_some() || labels.is_some() {
        ctx.args
            .insert("spec".into(), json!({"resources": resources}));
    }
    if let Some(metadata) = body.remove("metadata") {
        ctx.args.insert("metadata".into(), metadata);
    }
    Ok(())
}

/// A JSON merge patch (RFC 7396) of flat maps: `null` removes a key.
fn merge(before: &Value, patch: &serde_json::Map<String, Value>) -> Value {
    let mut out = before.as_object().cloned().unwrap_or_default();
    for (key, value) in patch {
        if value.is_null() {
            out.remove(key);
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// `ma.np_delete`: the node pool exists and is not the pool's last; workloads are listed.
pub(crate) async fn np_delete(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool = ctx.arg_str("pool_id").unwrap_or_default();
    let name = ctx.arg_str("node_pool").unwrap_or_default();
    let all = ctx
        .read(&call(LIST_NODE_POOLS, json!({"pool_id": pool})))
        .await?
        .body;
    let items = all["items"].as_array().cloned().unwrap_or_default();
    let Some(np) = items
        .iter()
        .find(|n| n.pointer("/metadata/name").and_then(Value::as_str) == Some(name.as_str()))
    else {
        return Err(ToolFailure::new(
            FailureKind::NotFound,
            format!("pool `{pool}` has no node pool `{name}`"),
        )
        .with_hint("ma_np_list lists them"));
    };
    if items.len() == 1 {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!("`{name}` is the last node pool of pool `{pool}`"),
        )
        .with_hint("ma_pool_delete removes the whole pool; nothing was planned"));
    }
    let running = workloads(ctx, &pool).await?;
    ctx.checks.push(Check::ok(
        "node_pool",
        json!({"pool_id": pool, "node_pool": name, "resources": np.pointer("/spec/resources")}),
    ));
    if !running.is_empty() {
        ctx.checks.push(Check::warning(
            "workloads",
            json!({"note": "workloads on these nodes are evicted", "workloads": running}),
        ));
    }
    ctx.state.push(json!({"pool_id": pool, "node_pool": name}));
    ctx.diff.insert(
        "node_pool".into(),
        json!({"current": name, "target": "deleted with its nodes"}),
    );
    Ok(())
}

/// Registers the node-pool guards.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    use super::pools::LIST_WORKLOADS;
    registry.guards(&[
        crate::guard!("ma.np_create", needs: [], provides: [], calls: [LIST_FLAVORS], np_create),
        crate::guard!("ma.np_update", needs: [], provides: [], calls: [GET_NODE_POOL, LIST_WORKLOADS], np_update),
        crate::guard!("ma.np_delete", needs: [], provides: [], calls: [LIST_NODE_POOLS, LIST_WORKLOADS], np_delete),
    ]);
}
