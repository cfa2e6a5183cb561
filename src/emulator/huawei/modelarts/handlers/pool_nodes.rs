//! The nodes of a pool and what works on them: node lists, batch delete and reboot (a reboot
//! leaves a pool job to follow in `GET /v2/{project_id}/jobs`), and a pool's workloads, read
//! from the notebooks, training jobs and inference services placed on it.
//!
//! Scaling a node pool up adds nodes that are Creating; scaling it down picks random nodes
//! (as the real service does, which is why the tools warn) and marks them Deleting.

use rand::seq::SliceRandom;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{self, conflict, pool_not_found};
use crate::emulator::core::lifecycle::Lifecycles;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{
    NODE_CREATE, NODE_DELETE, NODE_REBOOT, Node, POOL_JOB, Pool, PoolJob, k8s_time,
};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

/// A new node of `flavor` in `node_pool`, Creating from `now`.
pub fn new_node(
    flavor: &str,
    node_pool: &str,
    az: &str,
    now: OffsetDateTime,
    lifecycles: &Lifecycles,
) -> Node {
    let tail = k8s::hex(5);
    let octets = u32::from_str_radix(&tail[..4], 16).unwrap_or(0);
    Node {
        name: format!("os-node-created-{tail}"),
        flavor: flavor.to_owned(),
        node_pool: node_pool.to_owned(),
        az: az.to_owned(),
        private_ip: format!("192.168.{}.{}", (octets >> 8) % 250 + 1, octets % 250 + 2),
        created: now,
        phase: Phase::enter(&NODE_CREATE, now, lifecycles.mode(&NODE_CREATE)),
        locked: Vec::new(),
        resize_from: None,
        labels: Map::new(),
    }
}

/// Whether a node is leaving (Deleting).
pub fn is_leaving(node: &Node) -> bool {
    node.phase.lifecycle.name == NODE_DELETE.name
}

/// Brings the live nodes of `node_pool` to `count`: new nodes Creating, or random ones
/// Deleting.
pub fn scale_nodes(
    pool: &mut Pool,
    node_pool: &str,
    flavor: &str,
    count: usize,
    now: OffsetDateTime,
    lifecycles: &Lifecycles,
    azs: &[String],
) {
    let live: Vec<usize> = pool
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.node_pool == node_pool && !is_leaving(n))
        .map(|(i, _)| i)
        .collect();
    if live.len() < count {
        for i in live.len()..count {
            let az = azs.get(i % azs.len().max(1)).cloned().unwrap_or_default();
            pool.nodes
                .push(new_node(flavor, node_pool, &az, now, lifecycles));
        }
    } else {
        let mut doomed = live;
        doomed.shuffle(&mut rand::rng());
        for index in doomed.into_iter().skip(count) {
            if let Some(node) = pool.nodes.get_mut(index) {
                node.phase = Phase::enter(&NODE_DELETE, now, lifecycles.mode(&NODE_DELETE));
            }
        }
    }
}

/// A node in `list_pool_nodes`' shape.
pub fn render_node(node: &Node, pool: &Pool, now: OffsetDateTime) -> Value {
    let flavor = crate::emulator::huawei::modelarts::infra_catalog::resource_flavor(&node.flavor);
    let mut resources = json!({
        "cpu": flavor.map_or(8, |f| f.cpu).to_string(),
        "memory": format!("{}Gi", flavor.map_or(32, |f| f.memory_gi)),
    });
    if let Some((kind, _, count)) = flavor.and_then(|f| f.accelerator) {
        let key = if kind == "gpu" {
            "nvidia.com/gpu"
        } else {
            "huawei.com/ascend-snt9"
        };
        resources[key] = Value::String(count.to_string());
    }
    let mut rendered = json!({
        "apiVersion": "v2", "kind": "Node",
        "metadata": {
            "name": node.name, "creationTimestamp": k8s_time(node.created),
            "labels": {
                "os.modelarts.node/nodepool": node.node_pool,
                "os.modelarts.node/nodepoolname": node.node_pool,
                "os.modelarts.node/cluster": format!("cluster-{}", pool.id),
                "os.modelarts/billing.status": "0",
            },
            "annotations": {},
        },
        "spec": {
            "flavor": node.flavor,
            "os": {"name": "EulerOS 2.9"},
            "rootVolume": {"volumeType": "SSD", "size": "200Gi"},
            "dataVolumes": [{"volumeType": "SSD", "size": "500Gi", "count": 1}],
        },
        "status": {
            "phase": node.phase.status(now), "az": node.az, "privateIp": node.private_ip,
            "resources": resources.clone(), "availableResources": resources,
        },
    });
    super::pools_more::decorate_node(node, &mut rendered, now);
    rendered
}

pub fn pool_mut<'a>(
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

/// `GET /v2/{project_id}/pools/{pool_name}/nodes`.
pub fn list_pool_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    let items = pool
        .nodes
        .iter()
        .map(|n| render_node(n, pool, now))
        .collect();
    k8s::list(req, "v2", "NodeList", items)
}

/// The named nodes of a pool, all of them Available; else what is wrong with which.
/// 404 naming every one of `names` that is not a node of `pool`.
pub fn nodes_in_pool(pool: &Pool, names: &[String]) -> Result<(), ApiError> {
    let missing: Vec<&str> = names
        .iter()
        .filter(|name| !pool.nodes.iter().any(|n| &n.name == *name))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::new(
            404,
            "ModelArts.50015002",
            format!(
                "nodes not found in pool {}: {}",
                pool.id,
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

pub fn available_nodes(pool: &Pool, names: &[String], now: OffsetDateTime) -> Result<(), ApiError> {
    if names.is_empty() {
        return Err(k8s::bad_request("the node name list must not be empty"));
    }
    nodes_in_pool(pool, names)?;
    let busy: Vec<String> = pool
        .nodes
        .iter()
        .filter(|n| names.contains(&n.name) && n.phase.status(now) != "Available")
        .map(|n| format!("{} ({})", n.name, n.phase.status(now)))
        .collect();
    if !busy.is_empty() {
        return Err(conflict(format!(
            "nodes are not Available: {}",
            busy.join(", ")
        )));
    }
    Ok(())
}

pub fn names(body: &Map<String, Value>, key: &str) -> Result<Vec<String>, ApiError> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .ok_or_else(|| k8s::bad_request(format!("{key} is required")))
}

/// `POST /v2/{project_id}/pools/{pool_name}/nodes/batch-delete` (`deleteNodeNames`): the
/// nodes go Deleting and their node pools shrink by as many.
pub fn batch_delete_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "deleteNodeNames")?;
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&NODE_DELETE));
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    super::pools_more::refuse_locked(pool, &nodes, "delete")?;
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        node.phase = Phase::enter(&NODE_DELETE, now, mode);
        if let Some(np) = pool
            .node_pools
            .iter_mut()
            .find(|np| np.name == node.node_pool)
        {
            let count = np.count().saturating_sub(1);
            np.resources.insert("count".into(), Value::from(count));
            np.resources.insert("maxCount".into(), Value::from(count));
        }
    }
    Ok(Map::new())
}

/// `POST /v2/{project_id}/pools/{pool_name}/nodes/batch-reboot` (`nodeNames`): the nodes go
/// Checking, and a `reboot-node` pool job follows them.
pub fn batch_reboot_nodes(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let nodes = names(&body, "nodeNames")?;
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let pool = pool_mut(ctx, req.path("pool_name")?)?;
    available_nodes(pool, &nodes, now)?;
    super::pools_more::refuse_locked(pool, &nodes, "reboot")?;
    for node in pool.nodes.iter_mut().filter(|n| nodes.contains(&n.name)) {
        node.phase = Phase::enter(&NODE_REBOOT, now, lifecycles.mode(&NODE_REBOOT));
    }
    let job = PoolJob {
        id: uuid::Uuid::new_v4().to_string(),
        kind: "reboot-node".to_owned(),
        pool_id: pool.id.clone(),
        nodes: nodes.clone(),
        started: now,
        phase: Phase::enter(&POOL_JOB, now, lifecycles.mode(&POOL_JOB)),
    };
    ctx.state.infra.pool_jobs.push(job);
    Ok(object(json!({"nodeNames": nodes})))
}

/// A pool job in `list_jobs`' shape.
pub fn render_job(job: &PoolJob, now: OffsetDateTime) -> Value {
    let phase = job.phase.status(now);
    let mut out = json!({
        "jobId": job.id, "jobName": format!("{}-{}", job.kind, &job.id[..8]), "type": job.kind,
        "phase": phase, "suspend": false, "startTimestamp": millis(job.started),
        "involvedObjects": job.nodes.join(","),
        "inputs": json!({"pool": job.pool_id, "nodeNames": job.nodes}).to_string(),
        "conditions": "", "message": "",
    });
    if phase == "Success"
        && let Some(end) = job.phase.lifecycle.finished_at(&job.phase.progress)
    {
        out["endTimestamp"] = Value::from(millis(end));
    }
    out
}

/// `GET /v2/{project_id}/jobs`: filters `resource` (`pools`), `name` (the pool id), `type`;
/// `offset`/`limit` (default 100, at most 500). Newest first.
pub fn list_jobs(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    if let Some(resource) = req.query_nonempty("resource")
        && resource != "pools"
    {
        return Err(k8s::bad_request(format!(
            "resource must be pools, got {resource}"
        )));
    }
    let limit = req.query_u64("limit")?.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(k8s::bad_request(format!(
            "limit must be between 1 and 500, got {limit}"
        )));
    }
    let offset = usize::try_from(req.query_u64("offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .infra
        .pool_jobs
        .iter()
        .rev()
        .filter(|j| req.query_nonempty("name").is_none_or(|n| j.pool_id == n))
        .filter(|j| req.query_nonempty("type").is_none_or(|t| j.kind == t))
        .map(|j| render_job(j, now))
        .collect();
    let count = items.len();
    let page: Vec<Value> = items
        .into_iter()
        .skip(offset)
        .take(usize::try_from(limit).unwrap_or(100))
        .collect();
    Ok(object(json!({"count": count, "items": page})))
}

/// One workload in `list_workloads`' shape.
#[allow(clippy::too_many_arguments)]
fn workload(
    kind: &str,
    name: &str,
    uid: &str,
    flavor: &str,
    status: &str,
    created: i64,
    now: OffsetDateTime,
    host: Option<&Node>,
) -> Value {
    let running = (millis(now) - created).max(0) / 1000;
    json!({
        "apiVersion": "v1", "kind": "Workload", "type": kind, "namespace": "default",
        "name": name, "jobName": name, "uid": uid, "jobUUID": uid, "flavor": flavor,
        "status": status, "userName": "demo-user", "priority": "1",
        "createTime": created, "runningDuration": running, "pendingDuration": 0,
        "gvk": match kind { "train" => "batch.volcano.sh/v1alpha1/Job", "infer" => "apps/v1/Deployment", _ => "apps/v1/StatefulSet" },
        "hostIps": host.map(|n| n.private_ip.clone()).unwrap_or_default(),
        "nodes": host.map(|n| vec![json!({"hostIp": n.private_ip})]).unwrap_or_default(),
    })
}

/// The workloads running on a pool at `now`: notebooks that are not stopped, training jobs
/// that have not ended, inference services (v2 and v1) that are not stopped.
pub fn pool_workloads(backend: &ModelArtsBackend, pool: &Pool, now: OffsetDateTime) -> Vec<Value> {
    let host = pool.nodes.iter().find(|n| !is_leaving(n));
    let mut out = Vec::new();
    for nb in backend
        .notebooks
        .iter()
        .filter(|n| n.pool_id.as_deref() == Some(pool.id.as_str()))
    {
        let status = nb.phase.status(now);
        if !matches!(status, "STOPPED" | "ERROR" | "CREATE_FAILED") {
            out.push(workload(
                "notebook",
                &nb.name,
                &nb.id,
                &nb.flavor,
                "Running",
                nb.create_at,
                now,
                host,
            ));
        }
    }
    for job in backend.jobs.iter().filter(|j| {
        j.spec.pointer("/resource/pool_id").and_then(Value::as_str) == Some(pool.id.as_str())
    }) {
        let status = job.phase.status(now);
        if !matches!(status, "Completed" | "Failed" | "Terminated" | "Abnormal") {
            let flavor = job
                .spec
                .pointer("/resource/flavor_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let wire = if status == "Running" {
                "Running"
            } else {
                "Pending"
            };
            out.push(workload(
                "train",
                &job.name,
                &job.id,
                flavor,
                wire,
                job.create_time,
                now,
                host,
            ));
        }
    }
    for svc in backend
        .infra
        .services
        .iter()
        .filter(|s| s.pool_id() == Some(pool.id.as_str()))
    {
        let status = svc.phase.status(now);
        if !matches!(status, "STOPPED" | "FAILED") {
            let flavor = svc
                .group_configs
                .pointer("/0/unit_configs/0/flavor")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push(workload(
                "infer",
                &svc.name,
                &svc.id,
                flavor,
                "Running",
                millis(svc.created),
                now,
                host,
            ));
        }
    }
    for svc in backend
        .infra
        .services_v1
        .iter()
        .filter(|s| s.pool_name.as_deref() == Some(pool.id.as_str()))
    {
        if !matches!(svc.phase.status(now), "stopped" | "failed") {
            out.push(workload(
                "infer",
                &svc.name,
                &svc.id,
                "",
                "Running",
                millis(svc.created),
                now,
                host,
            ));
        }
    }
    out
}

/// `GET /v2/{project_id}/pools/{pool_name}/workloads`: filters `type`, `status`.
pub fn list_workloads(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let id = req.path("pool_name")?.to_owned();
    pool_mut(ctx, &id)?;
    let backend: &ModelArtsBackend = ctx.state;
    let pool = backend
        .infra
        .pools
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| pool_not_found(&id))?;
    let items: Vec<Value> = pool_workloads(backend, pool, now)
        .into_iter()
        .filter(|w| req.query_nonempty("type").is_none_or(|t| w["type"] == t))
        .filter(|w| {
            req.query_nonempty("status")
                .is_none_or(|s| w["status"] == s)
        })
        .collect();
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::from("v1"));
    out.insert("kind".into(), Value::from("WorkloadList"));
    out.insert("items".into(), Value::from(items));
    Ok(out)
}
