//! The rest of the pool API (seed-operations.md 6.2) over the same pools and nodes as
//! [`super::pool_nodes`]: batch lock / unlock / reset / update / migrate / bind / resize of
//! named nodes, the statistics, monitor and runtime metrics read from the pool's real nodes
//! and workloads, the OS network patch, the OS config, the pool events and the plugin
//! templates.
//!
//! A lock shows on the node (`os.modelarts.node/locked` label, the actions in an annotation)
//! and makes the locked operations refuse it; a reset or resize puts the node in a lifecycle
//! of its own, and a resize shows the old flavor until that lifecycle ends.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{self, bad_request, conflict, object_at};
use super::pool_nodes::{
    available_nodes, is_leaving, names, nodes_in_pool, pool_mut, pool_workloads,
};
use crate::emulator::core::lifecycle::{Lifecycle, Step};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{Node, POOL_JOB, Pool, PoolJob, k8s_time};
use crate::emulator::huawei::modelarts::infra_catalog::resource_flavor;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

/// A node being reset (its OS reinstalled).
pub const NODE_RESET: Lifecycle = Lifecycle {
    name: "modelarts.node.reset",
    steps: &[Step {
        status: "Resetting",
        secs: 60,
    }],
    done: "Available",
};
/// A node being resized to another flavor.
pub const NODE_RESIZE: Lifecycle = Lifecycle {
    name: "modelarts.node.resize",
    steps: &[Step {
        status: "Resizing",
        secs: 60,
    }],
    done: "Available",
};

/// The lifecycles of this file, for the admin API.
pub const LIFECYCLES: &[Lifecycle] = &[NODE_RESET, NODE_RESIZE];

/// What a lock can lock on a node.
pub const LOCK_ACTIONS: &[&str] = &["delete", "reboot", "reset", "resize", "migrate"];

/// The batch update actions.
const UPDATE_ACTIONS: &[&str] = &[
    "openHaRedundant",
    "closeHaRedundant",
    "createTags",
    "deleteTags",
];

/// Shows a node's lock, labels and a resize in progress in its rendering.
pub fn decorate_node(node: &Node, rendered: &mut Value, now: OffsetDateTime) {
    if let Some(labels) = rendered
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        for (k, v) in &node.labels {
            labels.insert(k.clone(), v.clone());
        }
        if !node.locked.is_empty() {
            labels.insert("os.modelarts.node/locked".into(), json!("true"));
        }
    }
    if !node.locked.is_empty() {
        rendered["metadata"]["annotations"]["os.modelarts.node/lock.actions"] =
            json!(node.locked.join(","));
    }
    if let Some(old) = &node.resize_from
        && node.phase.lifecycle.name == NODE_RESIZE.name
        && !node.phase.is_done(now)
    {
        rendered["spec"]["flavor"] = json!(old);
        rendered["status"]["resizeTarget"] = json!(node.flavor);
    }
}

/// Refuses the nodes of `names` whose lock covers `action`.
pub fn refuse_locked(pool: &Pool, names: &[String], action: &str) -> Result<(), ApiError> {
    let locked: Vec<&str> = pool
        .nodes
        .iter()
        .filter(|n| names.contains(&n.name) && n.locked.iter().any(|a| a == action))
        .map(|n| n.name.as_str())
        .collect();
    if locked.is_empty() {
        return Ok(());
    }
    Err(conflict(format!(
        "nodes are locked against {action}: {}",
        locked.join(", ")
    )))
}

fn string_list(body: &Map<String, Value>, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn results(nodes: &[String]) -> Map<String, Value> {
    object(
        json!({"nodes": nodes.iter().map(|n| json!({"name": n, "status": "success"})).collect::<Vec<_>>()}),
    )
}

fn push_job(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    kind: &str,
    pool_id: &str,
    nodes: &[String],
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.now;
    ctx.state.infra.pool_jobs.push(PoolJob {
        id: id.clone(),
        kind: kind.to_owned(),
        pool_id: pool_id.to_owned(),
        nodes: nodes.to_vec(),
        started: now,
        phase: Phase::enter(&POOL_JOB, now, ctx.lifecycles.mode(&POOL_JOB)),
    });
    id
}

/// `POST .../nodes/batch-lock` (`nodeNames`, `actions`): the actions are refused on the nodes
/// until they are unlocked.
pub fn batch_lock_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "nodeNames")?;
    let actions = string_list(&body, "actions");
    check_actions(&actions)?;
    let now = ctx.now;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        for action in &actions {
            if !node.locked.contains(action) {
                node.locked.push(action.clone());
            }
        }
    }
    Ok(results(&nodes))
}

fn check_actions(actions: &[String]) -> Result<(), ApiError> {
    let unknown: Vec<&str> = actions
        .iter()
        .filter(|a| !LOCK_ACTIONS.contains(&a.as_str()))
        .map(String::as_str)
        .collect();
    if actions.is_empty() || !unknown.is_empty() {
        return Err(bad_request(format!(
            "actions must be a non-empty list of {}; got {}",
            LOCK_ACTIONS.join(", "),
            if actions.is_empty() {
                "none".to_owned()
            } else {
                unknown.join(", ")
            }
        )));
    }
    Ok(())
}

/// `POST .../nodes/batch-unlock` (`nodeNames`, `actions`): every node must be locked.
pub fn batch_unlock_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "nodeNames")?;
    let actions = string_list(&body, "actions");
    check_actions(&actions)?;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    nodes_in_pool(pool, &nodes)?;
    let unlocked: Vec<&str> = pool
        .nodes
        .iter()
        .filter(|n| nodes.contains(&n.name) && n.locked.is_empty())
        .map(|n| n.name.as_str())
        .collect();
    if !unlocked.is_empty() {
        return Err(conflict(format!(
            "nodes are not locked: {}",
            unlocked.join(", ")
        )));
    }
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        node.locked.retain(|a| !actions.contains(a));
    }
    Ok(results(&nodes))
}

/// `POST .../nodes/batch-reset` (`nodeNames`, `nodeConfig`, `rollingConfig`): the nodes go
/// Resetting and a `reset-nodes` job follows them.
pub fn batch_reset_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "nodeNames")?;
    if let Some(strategy) = k8s::text_at(&body, "/rollingConfig/strategy")
        && !matches!(strategy.as_str(), "RollingByNumber" | "RollingByPercent")
    {
        return Err(bad_request(format!(
            "rollingConfig.strategy must be RollingByNumber or RollingByPercent, got {strategy}"
        )));
    }
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&NODE_RESET));
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    refuse_locked(pool, &nodes, "reset")?;
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        node.phase = Phase::enter(&NODE_RESET, now, mode);
    }
    let pool_id = pool.id.clone();
    let job = push_job(ctx, "reset-nodes", &pool_id, &nodes);
    Ok(object(json!({"job_id": job})))
}

/// `POST .../nodes/batch-update` (`nodeNames`, `action`, `tags`): HA redundancy labels or
/// resource tags on the nodes.
pub fn batch_update_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "nodeNames")?;
    let action = body
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !UPDATE_ACTIONS.contains(&action.as_str()) {
        return Err(bad_request(format!(
            "action must be one of {}, got {action:?}",
            UPDATE_ACTIONS.join(", ")
        )));
    }
    let tags: Vec<(String, String)> = body
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                t.get("key")?.as_str()?.to_owned(),
                t.get("value")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            ))
        })
        .collect();
    if action.ends_with("Tags") && tags.is_empty() {
        return Err(bad_request(format!("{action} needs tags [{{key, value}}]")));
    }
    let now = ctx.now;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        match action.as_str() {
            "openHaRedundant" => {
                node.labels.insert(
                    "os.modelarts.node/ha.redundant.enabled".into(),
                    json!("true"),
                );
            }
            "closeHaRedundant" => {
                node.labels.insert(
                    "os.modelarts.node/ha.redundant.enabled".into(),
                    json!("false"),
                );
            }
            "createTags" => {
                for (k, v) in &tags {
                    node.labels.insert(format!("tag.{k}"), json!(v));
                }
            }
            _ => {
                for (k, _) in &tags {
                    node.labels.remove(&format!("tag.{k}"));
                }
            }
        }
    }
    Ok(object(
        json!({"successNodeNames": nodes, "failNodeNames": []}),
    ))
}

/// `POST .../nodes/batch-migrate` (`migrateNodeNames`, `toPoolName`, `resourceSpec.nodePool`):
/// the nodes leave this pool's node pools and join the target pool's node pool.
pub fn batch_migrate_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "migrateNodeNames")?;
    let from = req.path("pool_name")?.to_owned();
    let to =
        k8s::text_at(&body, "/toPoolName").ok_or_else(|| bad_request("toPoolName is required"))?;
    if to == from {
        return Err(bad_request("toPoolName must be another pool"));
    }
    let now = ctx.now;
    let target_np = {
        let target = pool_mut(ctx, &to)?;
        if target.status(now) != "Running" {
            return Err(conflict(format!(
                "pool {to} is {}, nodes can join only a Running pool",
                target.status(now)
            )));
        }
        let wanted = k8s::text_at(&body, "/resourceSpec/nodePool");
        let np = match &wanted {
            Some(name) => target.node_pools.iter().find(|np| &np.name == name),
            None => target.node_pools.first(),
        };
        np.map(|np| np.name.clone()).ok_or_else(|| {
            bad_request(format!(
                "pool {to} has no node pool {}",
                wanted.unwrap_or_default()
            ))
        })?
    };
    let source = pool_mut(ctx, &from)?;
    available_nodes(source, &nodes, now)?;
    refuse_locked(source, &nodes, "migrate")?;
    if nodes.len() >= source.nodes.iter().filter(|n| !is_leaving(n)).count() {
        return Err(bad_request("a pool must keep at least one node"));
    }
    let mut moving = Vec::new();
    source.nodes.retain(|n| {
        if nodes.contains(&n.name) {
            moving.push(n.clone());
            false
        } else {
            true
        }
    });
    for node in &moving {
        adjust_count(source, &node.node_pool, -1);
    }
    let target = pool_mut(ctx, &to)?;
    for mut node in moving {
        node.node_pool.clone_from(&target_np);
        target.nodes.push(node);
        adjust_count(target, &target_np, 1);
    }
    let job = push_job(ctx, "migrate-nodes", &from, &nodes);
    Ok(object(json!({"job_id": job})))
}

fn adjust_count(pool: &mut Pool, node_pool: &str, delta: i64) {
    if let Some(np) = pool.node_pools.iter_mut().find(|np| np.name == node_pool) {
        let count =
            u64::try_from((i64::try_from(np.count()).unwrap_or(0) + delta).max(0)).unwrap_or(0);
        np.resources.insert("count".into(), Value::from(count));
        np.resources.insert("maxCount".into(), Value::from(count));
    }
}

/// `POST .../nodes/batch-bind` (`nodes[{name, quotaName}]`, `drain`): the nodes are bound to
/// the named logical pool (`os.modelarts.node/elastic.quota`).
pub fn batch_bind_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let items: Vec<(String, String)> = body
        .get("nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|n| {
            Some((
                n.get("name")?.as_str()?.to_owned(),
                n.get("quotaName")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    if items.is_empty() {
        return Err(bad_request("nodes must list {name, quotaName} entries"));
    }
    let nodes: Vec<String> = items.iter().map(|(n, _)| n.clone()).collect();
    let now = ctx.now;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    for (name, quota) in &items {
        if let Some(node) = pool.nodes.iter_mut().find(|n| &n.name == name) {
            node.labels
                .insert("os.modelarts.node/elastic.quota".into(), json!(quota));
        }
    }
    Ok(results(&nodes))
}

/// `POST .../nodes/batch-resize` (`nodes[{deleteNodeNames}]`, `source{nodePool, flavor}`,
/// `target{nodePool, flavor}`): the nodes go Resizing and have the target flavor when done.
pub fn batch_resize_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes: Vec<String> = body
        .get("nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|b| {
            b.get("deleteNodeNames")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect();
    if nodes.is_empty() {
        return Err(bad_request(
            "nodes[].deleteNodeNames must name the nodes to resize",
        ));
    }
    let text = |p: &str| k8s::text_at(&body, p).unwrap_or_default();
    let (source_np, source_flavor) = (text("/source/nodePool"), text("/source/flavor"));
    let (target_np, target_flavor) = (text("/target/nodePool"), text("/target/flavor"));
    if resource_flavor(&target_flavor).is_none() {
        return Err(bad_request(format!(
            "target.flavor {target_flavor:?} is not a resource flavor"
        )));
    }
    if target_flavor == source_flavor {
        return Err(bad_request("target.flavor must differ from source.flavor"));
    }
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&NODE_RESIZE));
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    refuse_locked(pool, &nodes, "resize")?;
    if !pool.node_pools.iter().any(|np| np.name == target_np) {
        return Err(bad_request(format!(
            "target.nodePool {target_np:?} is not a node pool of {}",
            pool.id
        )));
    }
    let wrong: Vec<String> = pool
        .nodes
        .iter()
        .filter(|n| {
            nodes.contains(&n.name) && (n.node_pool != source_np || n.flavor != source_flavor)
        })
        .map(|n| format!("{} ({} in {})", n.name, n.flavor, n.node_pool))
        .collect();
    if !wrong.is_empty() {
        return Err(bad_request(format!(
            "nodes are not {source_flavor} in {source_np}: {}",
            wrong.join(", ")
        )));
    }
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        node.resize_from = Some(node.flavor.clone());
        node.flavor.clone_from(&target_flavor);
        node.phase = Phase::enter(&NODE_RESIZE, now, mode);
    }
    if target_np != source_np {
        for _ in &nodes {
            adjust_count(pool, &source_np, -1);
            adjust_count(pool, &target_np, 1);
        }
        for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
            node.node_pool.clone_from(&target_np);
        }
    }
    let pool_id = pool.id.clone();
    let job = push_job(ctx, "resize-nodes", &pool_id, &nodes);
    Ok(object(json!({"jobId": job, "nodeNames": nodes})))
}

/// The workload statuses of the SDK's statistics, zeroed.
const WORKLOAD_STATES: &[&str] = &[
    "Queue",
    "Pending",
    "Abnormal",
    "Terminating",
    "Creating",
    "Running",
    "Completed",
    "Terminated",
    "Failed",
];

/// `GET /v2/{project_id}/statistics/pools/{pool_name}/workloads`: the pool's workloads by
/// type and status.
pub fn workload_statistics(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("pool_name")?.to_owned();
    let now = ctx.now;
    pool_mut(ctx, &id)?;
    let backend: &ModelArtsBackend = ctx.state;
    let pool = backend
        .infra
        .pools
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| k8s::pool_not_found(&id))?;
    let workloads = pool_workloads(backend, pool, now);
    let items: Vec<Value> = ["train", "infer", "notebook"]
        .iter()
        .map(|kind| {
            let mut status = Map::new();
            for state in WORKLOAD_STATES {
                let n = workloads
                    .iter()
                    .filter(|w| w["type"] == *kind && w["status"] == *state)
                    .count();
                status.insert((*state).to_owned(), json!(n));
            }
            let total = workloads.iter().filter(|w| w["type"] == *kind).count();
            json!({"type": kind, "total": total, "status": status})
        })
        .collect();
    Ok(object(
        json!({"statistics": {"total": workloads.len(), "items": items}}),
    ))
}

/// `GET /v2/{project_id}/statistics/pools`: pools by phase, and the server's time.
pub fn pool_statistics(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let workspace = req.query_nonempty("workspaceId");
    let mut counts = json!({"creating": 0, "created": 0, "failed": 0, "pending": 0});
    for pool in ctx
        .state
        .infra
        .pools
        .iter()
        .filter(|p| workspace.is_none_or(|w| p.workspace_id == w))
    {
        let key = match pool.status(now) {
            "Running" => "created",
            "Creating" => "creating",
            "Error" | "Abnormal" => "failed",
            _ => continue,
        };
        counts[key] = json!(counts[key].as_u64().unwrap_or(0) + 1);
    }
    Ok(object(
        json!({"statistics": {"status": counts}, "operationTime": k8s_time(now)}),
    ))
}

/// `(cpu, memory GiB, accelerator cards)`.
type Amount = (u64, u64, u64);

/// The amount of one node of a flavor.
fn capacity_of(flavor: &str) -> Amount {
    resource_flavor(flavor).map_or((0, 0, 0), |f| {
        (
            u64::from(f.cpu),
            u64::from(f.memory_gi),
            f.accelerator.map_or(0, |(_, _, n)| u64::from(n)),
        )
    })
}

/// The capacity of the pool's Available nodes and what its workloads take of it.
fn usage(
    backend: &ModelArtsBackend,
    pool: &Pool,
    now: OffsetDateTime,
) -> (Amount, Amount, Vec<Value>) {
    let mut capacity = (0, 0, 0);
    for node in pool
        .nodes
        .iter()
        .filter(|n| n.phase.status(now) == "Available")
    {
        let (c, m, a) = capacity_of(&node.flavor);
        capacity = (capacity.0 + c, capacity.1 + m, capacity.2 + a);
    }
    let workloads = pool_workloads(backend, pool, now);
    let mut allocated = (0, 0, 0);
    for w in &workloads {
        let (c, m, a) = capacity_of(w["flavor"].as_str().unwrap_or_default());
        allocated = (
            (allocated.0 + c).min(capacity.0),
            (allocated.1 + m).min(capacity.1),
            (allocated.2 + a).min(capacity.2),
        );
    }
    (capacity, allocated, workloads)
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// `GET /v2/{project_id}/pools/{pool_name}/monitor`: CPU, memory and accelerator allocation
/// rates over `time_range` (`start.end.minutes`, default `-1.-1.60`) every `period` seconds.
pub fn pool_monitor(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("pool_name")?.to_owned();
    let period: i64 = match req.query_nonempty("period").unwrap_or("60") {
        p @ ("60" | "300" | "900" | "3600") => p.parse().unwrap_or(60),
        other => {
            return Err(bad_request(format!(
                "period must be 60, 300, 900 or 3600, got {other}"
            )));
        }
    };
    let statistic = req.query_nonempty("statistics").unwrap_or("maximum");
    if !["maximum", "minimum", "sum", "average", "sampleCount"].contains(&statistic) {
        return Err(bad_request(format!(
            "statistics must be maximum, minimum, sum, average or sampleCount, got {statistic}"
        )));
    }
    let range = req.query_nonempty("time_range").unwrap_or("-1.-1.60");
    let minutes: i64 = range
        .rsplit('.')
        .next()
        .and_then(|m| m.parse().ok())
        .filter(|m| (1..=1440 * 60).contains(m) && range.split('.').count() == 3)
        .ok_or_else(|| {
            bad_request(format!(
                "time_range must be startMillis.endMillis.minutes, got {range}"
            ))
        })?;
    if minutes * 60 / period > 1440 {
        return Err(bad_request(
            "time_range minutes x 60 / period must be at most 1440",
        ));
    }
    let now = ctx.now;
    pool_mut(ctx, &id)?;
    let backend: &ModelArtsBackend = ctx.state;
    let pool = backend
        .infra
        .pools
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| k8s::pool_not_found(&id))?;
    let (capacity, allocated, _) = usage(backend, pool, now);
    let end = millis(now);
    let points = (minutes * 60 / period).max(1);
    let metric = |name: &str, value: f64| {
        let data: Vec<Value> = (0..points)
            .rev()
            .map(|i| json!({"timestamp": end - i * period * 1000, "unit": "%", "statistics": [{"statistic": statistic, "value": value}]}))
            .collect();
        json!({
            "metric": {"dimensions": [{"name": "pool_id", "value": id}], "metricName": name, "namespace": "SYS.ModelArts"},
            "dataPoints": data,
        })
    };
    let metrics = vec![
        metric("cpu_allocated_rate", percent(allocated.0, capacity.0)),
        metric("mem_allocated_rate", percent(allocated.1, capacity.1)),
        metric("gpu_allocated_rate", percent(allocated.2, capacity.2)),
    ];
    Ok(object(json!({"metrics": metrics})))
}

/// `GET /v2/{project_id}/metrics/runtime/pools`: per pool, the capacity of its Available
/// nodes, what its workloads take, what is left, and the workloads by type.
pub fn runtime_metrics(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let backend: &ModelArtsBackend = ctx.state;
    let stamp = k8s_time(now);
    let items: Vec<Value> = backend
        .infra
        .pools
        .iter()
        .map(|pool| {
            let (cap, used, workloads) = usage(backend, pool, now);
            let value = |(c, m, a): Amount| json!({"cpu": c.to_string(), "memory": format!("{m}Gi"), "nvidia.com/gpu": a.to_string()});
            let count = |kind: &str| workloads.iter().filter(|w| w["type"] == kind).count();
            json!({
                "metadata": {"name": pool.id, "labels": {"os.modelarts/name": pool.display_name}},
                "table": {
                    "capacity": {"value": value(cap), "maxValue": value(cap), "timestamp": stamp, "window": "1m"},
                    "allocated": {"value": value(used), "timestamp": stamp, "window": "1m"},
                    "available": {"value": value((cap.0 - used.0, cap.1 - used.1, cap.2 - used.2)), "timestamp": stamp, "window": "1m"},
                    "workload": {"allocated": {"train": count("train"), "infer": count("infer"), "notebook": count("notebook"), "sum": workloads.len()}, "timestamp": stamp, "window": "1m"},
                },
            })
        })
        .collect();
    Ok(object(
        json!({"apiVersion": "v2", "kind": "MetricsList", "items": items}),
    ))
}

/// `PATCH /v1/{project_id}/networks/{network_name}`: the description annotation; peer
/// connections are not emulated.
pub fn patch_network(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let id = req.path("network_name")?.to_owned();
    let peers = Value::Object(body.clone())
        .pointer("/spec/connection/peerConnectionList")
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty());
    if peers {
        return Err(ApiError::new(
            501,
            "ModelArts.0002",
            "not implemented in the emulator: PatchNetwork peer connections (spec.connection)",
        ));
    }
    let annotations = object_at(&body, "/metadata/annotations");
    if annotations.is_empty() {
        return Err(bad_request("metadata.annotations must change something"));
    }
    let now = ctx.now;
    let network = ctx
        .state
        .infra
        .networks
        .iter_mut()
        .find(|n| n.id == id)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.50015003",
                format!("network not found: {id}"),
            )
        })?;
    for (k, v) in annotations {
        network.annotations.insert(k, v);
    }
    Ok(object(super::networks::render_network(network, now)))
}

/// `GET /v1/{project_id}/os-user-config`: the CIDRs the account's networks use and its quotas.
pub fn os_config(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let cidrs: Vec<&str> = ctx
        .state
        .infra
        .networks
        .iter()
        .map(|n| n.cidr.as_str())
        .collect();
    Ok(object(json!({
        "networkCidrs": cidrs, "networkQuota": 15, "poolQuota": 20, "poolHighAvailable": false,
    })))
}

fn event(kind: &str, reason: &str, message: String, at: OffsetDateTime) -> (i64, Value) {
    (
        millis(at),
        json!({
            "apiVersion": "v1", "kind": "Event", "type": kind, "reason": reason, "message": message,
            "firstTimestamp": k8s_time(at), "lastTimestamp": k8s_time(at), "count": 1,
        }),
    )
}

/// `GET /v1/{project_id}/events?resource=pools&name=<pool>`: the pool's creation, its nodes
/// joining and its jobs, newest first; `since`/`until` in ms, `type` Normal or Warning.
pub fn os_events(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    if req.query_nonempty("resource").is_some_and(|r| r != "pools") {
        return Err(bad_request("resource must be pools"));
    }
    let id = req
        .query_nonempty("name")
        .ok_or_else(|| bad_request("name (the pool id) is required"))?
        .to_owned();
    let now = ctx.now;
    let pool = pool_mut(ctx, &id)?.clone();
    let mut events = vec![event(
        "Normal",
        "PoolCreated",
        format!("pool {} was created", pool.id),
        pool.created,
    )];
    for node in &pool.nodes {
        events.push(event(
            "Normal",
            "NodeJoined",
            format!(
                "node {} ({}) joined {}",
                node.name, node.flavor, node.node_pool
            ),
            node.created,
        ));
        if node.phase.status(now) == "Deleting" {
            events.push(event(
                "Warning",
                "NodeDeleting",
                format!("node {} is being removed", node.name),
                now,
            ));
        }
    }
    for job in ctx.state.infra.pool_jobs.iter().filter(|j| j.pool_id == id) {
        events.push(event(
            "Normal",
            "JobStarted",
            format!("{} on {}", job.kind, job.nodes.join(", ")),
            job.started,
        ));
    }
    let since = req
        .query_u64("since")?
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    let until = req
        .query_u64("until")?
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    events.retain(|(at, e)| {
        since.is_none_or(|s| *at >= s)
            && until.is_none_or(|u| *at <= u)
            && req.query_nonempty("type").is_none_or(|t| e["type"] == t)
    });
    events.sort_by_key(|e| std::cmp::Reverse(e.0));
    k8s::list(
        req,
        "v1",
        "EventList",
        events.into_iter().map(|(_, e)| e).collect(),
    )
}

/// The plugin templates: `(name, type, description, versions)`.
const PLUGIN_TEMPLATES: &[(&str, &str, &str, &[&str])] = &[
    (
        "gpu-driver",
        "device",
        "NVIDIA GPU driver for the pool's GPU nodes",
        &["535.54.03", "470.182.03"],
    ),
    (
        "npu-driver",
        "device",
        "Ascend NPU driver and firmware",
        &["23.0.rc3"],
    ),
    (
        "volcano",
        "scheduler",
        "Volcano batch scheduler",
        &["1.11.0"],
    ),
    (
        "node-local-dns",
        "network",
        "Node-local DNS cache",
        &["1.3.0"],
    ),
];

fn render_template(t: &(&str, &str, &str, &[&str]), versions_as_map: bool) -> Value {
    let (name, kind, description, versions) = *t;
    let list: Vec<Value> = versions
        .iter()
        .map(|v| json!({"version": v, "creationTimestamp": "2025-06-01T00:00:00Z", "inputs": {}, "translate": {}, "description": description, "detail": ""}))
        .collect();
    let versions = if versions_as_map {
        Value::Object(
            versions
                .iter()
                .zip(list)
                .map(|(v, l)| ((*v).to_owned(), l))
                .collect(),
        )
    } else {
        Value::from(list)
    };
    json!({
        "apiVersion": "v2", "kind": "PluginTemplate",
        "metadata": {"name": name, "annotations": {}},
        "spec": {"optional": true, "type": kind, "logoURL": "", "description": description, "versions": versions},
    })
}

/// `GET /v2/{project_id}/plugintemplates` (`templateName` filter).
pub fn list_plugin_templates(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let items: Vec<Value> = PLUGIN_TEMPLATES
        .iter()
        .filter(|t| req.query_nonempty("templateName").is_none_or(|n| t.0 == n))
        .map(|t| render_template(t, false))
        .collect();
    Ok(object(
        json!({"apiVersion": "v2", "kind": "PluginTemplateList", "items": items}),
    ))
}

/// `GET /v1/{project_id}/plugintemplates/{plugintemplate_name}`.
pub fn show_plugin_template(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("plugintemplate_name")?;
    let t = PLUGIN_TEMPLATES
        .iter()
        .find(|t| t.0 == name)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.50015004",
                format!("plugin template not found: {name}"),
            )
        })?;
    Ok(object(render_template(t, true)))
}
