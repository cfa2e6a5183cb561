//! Node pools of a resource pool (`/v2/{project_id}/pools/{pool_name}/nodepools`): list,
//! create, show, patch (the skill reads `spec.resources`, edits `count`/`maxCount`, writes
//! it back), delete, and their nodes. A scale-down removes random nodes; the last node pool
//! of a pool cannot be deleted.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{self, bad_request, conflict, object_at, pool_not_found};
use super::pool_nodes::{is_leaving, render_node, scale_nodes};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{NODE_DELETE, NodePool, Pool, k8s_time};
use crate::emulator::huawei::modelarts::infra_catalog::{azs, resource_flavor};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase};

fn not_found(pool: &str, name: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.50015004",
        format!("node pool {name} not found in pool {pool}"),
    )
}

/// A node pool in `show_node_pool`'s shape.
pub fn render_node_pool(pool: &Pool, np: &NodePool, now: OffsetDateTime) -> Value {
    let mut status = Map::new();
    for (key, state) in [
        ("creating", "Creating"),
        ("available", "Available"),
        ("abnormal", "Abnormal"),
        ("deleting", "Deleting"),
    ] {
        let count = pool
            .nodes
            .iter()
            .filter(|n| n.node_pool == np.name && n.phase.status(now) == state)
            .count();
        if count > 0 {
            status.insert(key.into(), k8s::flavor_count(np.flavor(), count));
        }
    }
    let mut resources = np.resources.clone();
    resources.insert("nodePool".into(), Value::String(np.name.clone()));
    json!({
        "apiVersion": "v2", "kind": "NodePool",
        "metadata": {"name": np.name, "creationTimestamp": k8s_time(np.created), "annotations": np.annotations},
        "spec": {"resources": resources},
        "status": {"resources": status},
    })
}

fn pool_mut<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut Pool, ApiError> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    ctx.state
        .infra
        .pools
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| pool_not_found(id))
}

fn running(pool: &Pool, now: OffsetDateTime) -> Result<(), ApiError> {
    match pool.status(now) {
        "Running" => Ok(()),
        other => Err(conflict(format!(
            "pool {} is {other}, its node pools can be changed only when it is Running",
            pool.id
        ))),
    }
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodepools`.
pub fn list_node_pools(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    let items: Vec<Value> = pool
        .node_pools
        .iter()
        .map(|np| render_node_pool(pool, np, now))
        .collect();
    Ok(object(
        json!({"apiVersion": "v2", "kind": "NodePoolList", "items": items}),
    ))
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}`.
pub fn show_node_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let name = req.path("nodepool_name")?;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    let np = pool
        .node_pools
        .iter()
        .find(|np| np.name == name)
        .ok_or_else(|| not_found(&pool.id, name))?;
    Ok(object(render_node_pool(pool, np, now)))
}

/// A count of 0-500 at `key` of `resources`.
fn count_of(resources: &Map<String, Value>, key: &str) -> Result<Option<u64>, ApiError> {
    match resources.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|c| *c <= 500)
            .map(Some)
            .ok_or_else(|| bad_request(format!("spec.resources.{key} must be 0-500"))),
    }
}

/// `POST /v2/{project_id}/pools/{pool_name}/nodepools` ({apiVersion v2, kind NodePool,
/// metadata.name, spec.resources{flavor, count, maxCount ...}}).
pub fn create_node_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    k8s::check_kind(&body, "v2", "NodePool")?;
    let name = k8s::text_at(&body, "/metadata/name").unwrap_or_default();
    if !k8s::valid_name(&name, 50) {
        return Err(bad_request(format!(
            "the node pool name {name:?} must be 2-50 lowercase letters, digits or '-', starting with a letter"
        )));
    }
    let resources = object_at(&body, "/spec/resources");
    let flavor = resources
        .get("flavor")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if resource_flavor(&flavor).is_none() {
        return Err(bad_request(format!("flavor {flavor:?} is not supported")));
    }
    let count = count_of(&resources, "count")?
        .ok_or_else(|| bad_request("spec.resources.count is required"))?;
    let max = count_of(&resources, "maxCount")?.unwrap_or(count);
    if max != count {
        return Err(bad_request(
            "spec.resources.maxCount must equal count in a physical pool",
        ));
    }
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let zones = azs(&req.region);
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    running(pool, now)?;
    if pool.node_pools.iter().any(|np| np.name == name) {
        return Err(ApiError::new(
            409,
            "ModelArts.50025001",
            format!("node pool {name} already exists"),
        ));
    }
    let mut stored = resources.clone();
    stored.remove("nodePool");
    stored.insert("maxCount".into(), Value::from(count));
    let np = NodePool {
        name: name.clone(),
        resources: stored,
        annotations: object_at(&body, "/metadata/annotations"),
        created: now,
    };
    pool.node_pools.push(np);
    let count = usize::try_from(count).unwrap_or(0);
    scale_nodes(pool, &name, &flavor, count, now, lifecycles, &zones);
    let np = pool
        .node_pools
        .iter()
        .find(|np| np.name == name)
        .ok_or_else(|| not_found(&pool.id, &name))?;
    Ok(object(render_node_pool(pool, np, now)))
}

/// `PATCH /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}`
/// (`{"spec": {"resources": {...}}, "metadata": {"annotations": {...}}}`, merge patch): the
/// new count adds nodes or removes random ones; labels and annotations merge.
pub fn patch_node_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let resources = object_at(&body, "/spec/resources");
    let annotations = object_at(&body, "/metadata/annotations");
    if resources.is_empty() && annotations.is_empty() {
        return Err(bad_request(
            "spec.resources or metadata.annotations is required",
        ));
    }
    let count = count_of(&resources, "count")?;
    let max = count_of(&resources, "maxCount")?;
    if let (Some(c), Some(m)) = (count, max)
        && c != m
    {
        return Err(bad_request(
            "spec.resources.maxCount must equal count in a physical pool",
        ));
    }
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let zones = azs(&req.region);
    let name = req.path("nodepool_name")?.to_owned();
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    running(pool, now)?;
    let pool_id = pool.id.clone();
    let np = pool
        .node_pools
        .iter_mut()
        .find(|np| np.name == name)
        .ok_or_else(|| not_found(&pool_id, &name))?;
    if let Some(flavor) = resources.get("flavor").and_then(Value::as_str)
        && flavor != np.flavor()
    {
        return Err(bad_request(format!(
            "the flavor of node pool {name} is {}, it cannot change to {flavor}",
            np.flavor()
        )));
    }
    // Merge-patch semantics (RFC 7396): `labels` and annotations merge key by key, null removes.
    merge_into(&mut np.annotations, annotations);
    for (key, value) in resources {
        match (key.as_str(), value) {
            ("nodePool", _) => {}
            ("labels", Value::Object(labels)) => {
                let mut current = np
                    .resources
                    .get("labels")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                merge_into(&mut current, labels);
                np.resources.insert(key, Value::Object(current));
            }
            (_, value) => {
                np.resources.insert(key, value);
            }
        }
    }
    let target = count.or(max).unwrap_or_else(|| np.count());
    np.resources.insert("count".into(), Value::from(target));
    np.resources.insert("maxCount".into(), Value::from(target));
    let flavor = np.flavor().to_owned();
    let target = usize::try_from(target).unwrap_or(0);
    scale_nodes(pool, &name, &flavor, target, now, lifecycles, &zones);
    let np = pool
        .node_pools
        .iter()
        .find(|np| np.name == name)
        .ok_or_else(|| not_found(&pool_id, &name))?;
    let rendered = render_node_pool(pool, np, now);
    Ok(object(
        json!({"metadata": rendered["metadata"], "spec": rendered["spec"]}),
    ))
}

fn merge_into(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if value.is_null() {
            target.remove(&key);
        } else {
            target.insert(key, value);
        }
    }
}

/// `DELETE /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}`: its nodes go
/// Deleting; the pool's last node pool stays.
pub fn delete_node_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let name = req.path("nodepool_name")?.to_owned();
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    running(pool, now)?;
    let index = pool
        .node_pools
        .iter()
        .position(|np| np.name == name)
        .ok_or_else(|| not_found(&pool.id, &name))?;
    if pool.node_pools.len() == 1 {
        return Err(conflict(format!(
            "node pool {name} is the last node pool of pool {}; delete the pool instead",
            pool.id
        )));
    }
    for node in pool
        .nodes
        .iter_mut()
        .filter(|n| n.node_pool == name && !is_leaving(n))
    {
        node.phase = Phase::enter(&NODE_DELETE, now, lifecycles.mode(&NODE_DELETE));
    }
    let rendered = render_node_pool(pool, &pool.node_pools[index], now);
    pool.node_pools.remove(index);
    Ok(object(rendered))
}

/// `GET /v2/{project_id}/pools/{pool_name}/nodepools/{nodepool_name}/nodes`.
pub fn list_node_pool_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let name = req.path("nodepool_name")?.to_owned();
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    if !pool.node_pools.iter().any(|np| np.name == name) {
        return Err(not_found(&pool.id, &name));
    }
    let items = pool
        .nodes
        .iter()
        .filter(|n| n.node_pool == name)
        .map(|n| render_node(n, pool, now))
        .collect();
    k8s::list(req, "v2", "NodeList", items)
}
