//! Dedicated resource pools (v2, Kubernetes style): list, show, create, patch (scale),
//! delete, and the resource flavors pools are built from.
//!
//! A pool is Creating until its nodes join, then Running; its `spec.resources` are the sum of
//! its node pools (one per flavor entry at create). A Dedicate pool needs an Active OS
//! network. A pool with running workloads cannot be deleted (409), as the skill warns; a
//! subscription (`os.modelarts/billing.mode` "1") needs its period.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{self, bad_request, conflict, object_at, pool_not_found, text_at};
use super::pool_nodes::{is_leaving, pool_workloads, scale_nodes};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{
    NODE_DELETE, NodePool, POOL_CREATE, POOL_DELETE, Pool, k8s_time,
};
use crate::emulator::huawei::modelarts::infra_catalog::{
    RESOURCE_FLAVORS, azs, render_resource_flavor, resource_flavor,
};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase};

const SCOPES: &[&str] = &["Train", "Infer", "Notebook"];

/// The `{flavor, count, maxCount}` of the nodes of `pool` in `state`, or `None` when none.
fn count_in(pool: &Pool, now: OffsetDateTime, state: &str) -> Option<Value> {
    let nodes: Vec<_> = pool
        .nodes
        .iter()
        .filter(|n| n.phase.status(now) == state)
        .collect();
    let first = nodes.first()?;
    Some(k8s::flavor_count(&first.flavor, nodes.len()))
}

/// A pool in `show_pool`'s shape at `now`.
pub fn render_pool(pool: &Pool, now: OffsetDateTime) -> Value {
    let phase = pool.status(now);
    let resources: Vec<Value> = pool
        .node_pools
        .iter()
        .map(|np| {
            let mut entry = Value::Object(np.resources.clone());
            entry["nodePool"] = Value::String(np.name.clone());
            entry
        })
        .collect();
    let mut status_resources = Map::new();
    for (key, state) in [
        ("creating", "Creating"),
        ("available", "Available"),
        ("abnormal", "Abnormal"),
        ("deleting", "Deleting"),
    ] {
        if let Some(count) = count_in(pool, now, state) {
            status_resources.insert(key.into(), count);
        }
    }
    let scope_state = match phase {
        "Running" => "Enabled",
        "Deleting" => "Disabling",
        _ => "Enabling",
    };
    let mut annotations = pool.annotations.clone();
    annotations
        .entry("os.modelarts/billing.mode")
        .or_insert_with(|| Value::from("0"));
    let mut spec = json!({
        "type": pool.pool_type, "scope": pool.scope, "resources": resources,
    });
    if let Some(network) = &pool.network {
        spec["network"] = json!({"name": network});
    }
    json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {
            "name": pool.id, "creationTimestamp": k8s_time(pool.created),
            "labels": {
                "os.modelarts/name": pool.display_name,
                "os.modelarts/workspace.id": pool.workspace_id,
                "os.modelarts/resource.id": format!("{}-resource", pool.id),
            },
            "annotations": annotations,
        },
        "spec": spec,
        "status": {
            "phase": phase,
            "message": match phase { "Creating" => "the pool's nodes are being created", _ => "" },
            "resources": status_resources,
            "scope": pool.scope.iter().map(|s| json!({"scopeType": s, "state": scope_state})).collect::<Vec<_>>(),
            "root": pool.id,
        },
    })
}

fn settled<'a>(ctx: &'a mut Ctx<'_, ModelArtsBackend>) -> &'a mut ModelArtsBackend {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    ctx.state
}

fn find<'a>(backend: &'a mut ModelArtsBackend, id: &str) -> Result<&'a mut Pool, ApiError> {
    backend
        .infra
        .pools
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| pool_not_found(id))
}

/// `GET /v2/{project_id}/pools`: filters `workspaceId`, `status` (created, creating, failed).
pub fn list_pools(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let wanted = match req.query_nonempty("status") {
        None => None,
        Some("created") => Some("Running"),
        Some("creating") => Some("Creating"),
        Some("failed") => Some("Error"),
        Some(other) => {
            return Err(bad_request(format!(
                "status must be created, creating or failed, got {other}"
            )));
        }
    };
    let items: Vec<Value> = settled(ctx)
        .infra
        .pools
        .iter()
        .filter(|p| wanted.is_none_or(|w| p.status(now) == w))
        .filter(|p| {
            req.query_nonempty("workspaceId")
                .is_none_or(|w| p.workspace_id == w)
        })
        .map(|p| render_pool(p, now))
        .collect();
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::from("v2"));
    out.insert("kind".into(), Value::from("PoolList"));
    out.insert("items".into(), Value::from(items));
    Ok(out)
}

/// `GET /v2/{project_id}/pools/{pool_name}`.
pub fn show_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let pool = find(settled(ctx), req.path("pool_name")?)?;
    Ok(object(render_pool(pool, now)))
}

/// A subscription's period annotations, checked.
fn check_billing(annotations: &Map<String, Value>) -> Result<(), ApiError> {
    let text = |key: &str| annotations.get(key).and_then(Value::as_str);
    match text("os.modelarts/billing.mode").unwrap_or("0") {
        "0" => Ok(()),
        "1" => {
            if !matches!(text("os.modelarts/period.type"), Some("2" | "3")) {
                return Err(bad_request(
                    "a subscription needs os.modelarts/period.type 2 (month) or 3 (year)",
                ));
            }
            match text("os.modelarts/period.num").and_then(|n| n.parse::<u32>().ok()) {
                Some(1..=9) => Ok(()),
                _ => Err(bad_request(
                    "a subscription needs os.modelarts/period.num between 1 and 9",
                )),
            }
        }
        other => Err(bad_request(format!(
            "os.modelarts/billing.mode must be 0 or 1, got {other}"
        ))),
    }
}

/// One `spec.resources` entry of a create: flavor known, count at least 1, maxCount = count
/// on a Dedicate pool.
fn check_resource(entry: &Value, dedicate: bool) -> Result<(String, u64), ApiError> {
    let flavor = entry
        .get("flavor")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_request("every spec.resources entry needs a flavor"))?;
    if resource_flavor(flavor).is_none() {
        return Err(bad_request(format!("flavor {flavor} is not supported")));
    }
    let count = entry
        .get("count")
        .and_then(Value::as_u64)
        .filter(|c| (1..=500).contains(c))
        .ok_or_else(|| bad_request(format!("count of {flavor} must be between 1 and 500")))?;
    if dedicate
        && entry
            .get("maxCount")
            .and_then(Value::as_u64)
            .is_some_and(|m| m != count)
    {
        return Err(bad_request(format!(
            "maxCount of {flavor} must equal count on a Dedicate pool"
        )));
    }
    Ok((flavor.to_owned(), count))
}

/// `POST /v2/{project_id}/pools`: Creating, with one node pool per resource entry.
pub fn create_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    k8s::check_kind(&body, "v2", "Pool")?;
    let labels = object_at(&body, "/metadata/labels");
    let name = labels
        .get("os.modelarts/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !k8s::valid_name(&name, 64) {
        return Err(bad_request(format!(
            "the pool name {name:?} must be 2-64 lowercase letters, digits or '-', starting with a letter"
        )));
    }
    let annotations = object_at(&body, "/metadata/annotations");
    check_billing(&annotations)?;
    let pool_type = text_at(&body, "/spec/type").unwrap_or_default();
    if !matches!(pool_type.as_str(), "Dedicate" | "Logical") {
        return Err(bad_request("spec.type must be Dedicate or Logical"));
    }
    let scope: Vec<String> = body
        .get("spec")
        .and_then(|s| s.get("scope"))
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if scope.is_empty() || scope.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(bad_request(
            "spec.scope must list one or more of Train, Infer, Notebook",
        ));
    }
    let entries = body
        .get("spec")
        .and_then(|s| s.get("resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if entries.is_empty() {
        return Err(bad_request("spec.resources must not be empty"));
    }
    let dedicate = pool_type == "Dedicate";
    let mut checked = Vec::new();
    for entry in &entries {
        checked.push(check_resource(entry, dedicate)?);
    }
    let network = text_at(&body, "/spec/network/name");
    let now = ctx.now;
    let backend = settled(ctx);
    if dedicate {
        let Some(id) = network.as_deref() else {
            return Err(bad_request("a Dedicate pool needs spec.network.name"));
        };
        match backend.infra.networks.iter().find(|n| n.id == id) {
            None => return Err(bad_request(format!("network {id} does not exist"))),
            Some(n) if n.phase.status(now) != "Active" => {
                return Err(conflict(format!("network {id} is not Active yet")));
            }
            Some(_) => {}
        }
    }
    if backend
        .infra
        .pools
        .iter()
        .any(|p| p.display_name == name && p.phase.lifecycle.name != POOL_DELETE.name)
    {
        return Err(ApiError::new(
            409,
            "ModelArts.50025001",
            "Pool already exists.",
        ));
    }
    let workspace_id = labels
        .get("os.modelarts/workspace.id")
        .and_then(Value::as_str)
        .unwrap_or("0")
        .to_owned();
    let mut pool = Pool {
        id: format!("pool-{}", k8s::hex(8)),
        display_name: name,
        workspace_id,
        pool_type,
        scope,
        network,
        annotations,
        created: now,
        phase: Phase::enter(&POOL_CREATE, now, ctx.lifecycles.mode(&POOL_CREATE)),
        node_pools: Vec::new(),
        nodes: Vec::new(),
    };
    let zones = azs(&req.region);
    for (index, (entry, (flavor, count))) in entries.iter().zip(checked).enumerate() {
        let np_name = entry
            .get("nodePool")
            .and_then(Value::as_str)
            .map_or_else(|| format!("nodepool-{}", index + 1), str::to_owned);
        let mut resources = entry.as_object().cloned().unwrap_or_default();
        resources.remove("nodePool");
        resources.insert("maxCount".into(), Value::from(count));
        pool.node_pools.push(NodePool {
            name: np_name.clone(),
            resources,
            annotations: Map::new(),
            created: now,
        });
        let count = usize::try_from(count).unwrap_or(0);
        scale_nodes(
            &mut pool,
            &np_name,
            &flavor,
            count,
            now,
            ctx.lifecycles,
            &zones,
        );
    }
    let rendered = render_pool(&pool, now);
    ctx.state.infra.pools.push(pool);
    Ok(object(rendered))
}

/// `PATCH /v2/{project_id}/pools/{pool_name}`: `metadata.annotations` merged, and
/// `spec.resources[{flavor, count, nodePool?}]` scales the matching node pool (by
/// `nodePool`, else by flavor). JSON or merge-patch JSON, the body reads the same.
pub fn patch_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let zones = azs(&req.region);
    let pool = find(settled(ctx), req.path("pool_name")?)?;
    if pool.status(now) != "Running" {
        return Err(conflict(format!(
            "pool {} is {}, it can be changed only when Running",
            pool.id,
            pool.status(now)
        )));
    }
    let resources = body
        .get("spec")
        .and_then(|s| s.get("resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut plan = Vec::new();
    for entry in &resources {
        let flavor = entry
            .get("flavor")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let by_name = entry.get("nodePool").and_then(Value::as_str);
        let index = pool
            .node_pools
            .iter()
            .position(|np| by_name.map_or(np.flavor() == flavor, |n| np.name == n))
            .ok_or_else(|| {
                bad_request(format!(
                    "the pool has no node pool for {}",
                    by_name.unwrap_or(flavor)
                ))
            })?;
        let count = entry
            .get("count")
            .and_then(Value::as_u64)
            .filter(|c| *c <= 500)
            .ok_or_else(|| bad_request("every spec.resources entry needs a count of 0-500"))?;
        plan.push((index, count));
    }
    if !plan.is_empty() && plan.iter().all(|(_, c)| *c == 0) && plan.len() == pool.node_pools.len()
    {
        return Err(bad_request("a pool must keep at least one node"));
    }
    for (key, value) in object_at(&body, "/metadata/annotations") {
        pool.annotations.insert(key, value);
    }
    for (index, count) in plan {
        let (name, flavor) = {
            let np = &mut pool.node_pools[index];
            np.resources.insert("count".into(), Value::from(count));
            np.resources.insert("maxCount".into(), Value::from(count));
            (np.name.clone(), np.flavor().to_owned())
        };
        let count = usize::try_from(count).unwrap_or(0);
        scale_nodes(pool, &name, &flavor, count, now, lifecycles, &zones);
    }
    Ok(object(render_pool(pool, now)))
}

/// `DELETE /v2/{project_id}/pools/{pool_name}`: refused while workloads run on it; else the
/// pool and its nodes go Deleting.
pub fn delete_pool(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let id = req.path("pool_name")?.to_owned();
    let backend = settled(ctx);
    let pool = backend
        .infra
        .pools
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| pool_not_found(&id))?;
    if pool.phase.lifecycle.name == POOL_DELETE.name {
        return Err(conflict(format!("pool {id} is already being deleted")));
    }
    let workloads = pool_workloads(backend, pool, now);
    if !workloads.is_empty() {
        let names: Vec<&str> = workloads
            .iter()
            .filter_map(|w| w["name"].as_str())
            .collect();
        return Err(conflict(format!(
            "pool {id} still runs {} workload(s): {}",
            names.len(),
            names.join(", ")
        )));
    }
    let pool = find(backend, &id)?;
    pool.phase = Phase::enter(&POOL_DELETE, now, lifecycles.mode(&POOL_DELETE));
    for node in pool.nodes.iter_mut().filter(|n| !is_leaving(n)) {
        node.phase = Phase::enter(&NODE_DELETE, now, lifecycles.mode(&NODE_DELETE));
    }
    Ok(object(render_pool(pool, now)))
}

/// `GET /v1/{project_id}/resourceflavors`.
pub fn list_resource_flavors(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let items = RESOURCE_FLAVORS
        .iter()
        .map(|f| render_resource_flavor(f, &req.region))
        .collect();
    k8s::list(req, "v1", "ResourceFlavorList", items)
}
