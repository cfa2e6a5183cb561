//! Node pools on the wire: CreateClusterNodePool (no ClientToken: a repeat makes a second
//! pool, so callers look a pool up by name first) and DescribeClusterNodePools
//! (`NodepoolName` filter, unpaged).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Ctx;
use super::clusters::pool_ready;
use crate::emulator::alibaba::cs::errors;
use crate::emulator::alibaba::cs::models::{Cluster, NODE_QUOTA, NODEPOOL_CREATE, NodePool};
use crate::emulator::core::clock::format_time;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_id};

fn render(cluster: &Cluster, p: &NodePool, region: &str, now: OffsetDateTime) -> Value {
    let ready = pool_ready(cluster, p, now);
    json!({
        "nodepool_info": {"nodepool_id": p.id, "name": p.name, "is_default": p.is_default,
            "type": "ess", "region_id": region, "resource_group_id": "rg-acfmdemo0000001",
            "created": format_time(p.created), "updated": format_time(p.created)},
        "scaling_group": {"instance_types": p.instance_types, "desired_size": p.desired_size,
            "system_disk_category": p.disk_category, "system_disk_size": p.disk_size,
            "vswitch_ids": p.vswitch_ids, "instance_charge_type": "PostPaid",
            "scaling_group_id": format!("asg-{}", &p.id[2..14.min(p.id.len())])},
        "status": {"state": if ready { "active" } else { "initial" },
            "total_nodes": p.desired_size, "healthy_nodes": if ready { p.desired_size } else { 0 },
            "serving_nodes": if ready { p.desired_size } else { 0 }, "initial_nodes": if ready { 0 } else { p.desired_size },
            "failed_nodes": 0, "offline_nodes": 0, "removing_nodes": 0, "spot_nodes": 0},
    })
}

/// `POST /clusters/{ClusterId}/nodepools` (CreateClusterNodePool).
pub fn create_nodepool(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?.to_owned();
    let body = req.json_body()?;
    let now = ctx.now;
    let progress = ctx.progress(&NODEPOOL_CREATE);
    let mut problems = Vec::new();
    let name = body
        .get("nodepool_info")
        .and_then(|i| i.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() {
        problems.push("nodepool_info.name is required");
    }
    let group = body.get("scaling_group").cloned().unwrap_or(Value::Null);
    let types: Vec<String> = group
        .get("instance_types")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if types.is_empty() {
        problems.push("scaling_group.instance_types is required");
    }
    let vswitch_ids: Vec<String> = group
        .get("vswitch_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if vswitch_ids.is_empty() {
        problems.push("scaling_group.vswitch_ids is required");
    }
    let desired = group
        .get("desired_size")
        .and_then(Value::as_i64)
        .or_else(|| body.get("count").and_then(Value::as_i64))
        .unwrap_or(0);
    if desired < 0 {
        problems.push("scaling_group.desired_size must be 0 or more");
    }
    if !problems.is_empty() {
        return Err(errors::invalid(problems.join("; ")));
    }
    let cluster = ctx
        .state
        .clusters
        .iter_mut()
        .find(|c| c.id == id && !c.is_deleted(now))
        .ok_or_else(|| errors::cluster_not_found(&id))?;
    let state = cluster.state(now);
    if state != "running" {
        return Err(errors::cluster_state(
            &id,
            state,
            "node pools are added to running clusters",
        ));
    }
    if cluster.size() + desired > NODE_QUOTA {
        return Err(errors::node_quota(NODE_QUOTA));
    }
    let pool = NodePool {
        id: random_id("np", 32),
        name,
        is_default: false,
        instance_types: types,
        desired_size: desired,
        disk_category: group
            .get("system_disk_category")
            .and_then(Value::as_str)
            .unwrap_or("cloud_essd")
            .to_owned(),
        disk_size: group
            .get("system_disk_size")
            .and_then(Value::as_i64)
            .unwrap_or(120),
        vswitch_ids,
        progress,
        created: now,
    };
    let mut out = Map::new();
    out.insert("nodepool_id".into(), json!(pool.id));
    out.insert("task_id".into(), json!(format!("T-np-{}", &pool.id[2..12])));
    cluster.nodepools.push(pool);
    Ok(out)
}

/// `GET /clusters/{ClusterId}/nodepools` (DescribeClusterNodePools).
pub fn describe_nodepools(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?;
    let now = ctx.now;
    let cluster = ctx
        .state
        .live(id, now)
        .ok_or_else(|| errors::cluster_not_found(id))?;
    let name = req.query_nonempty("NodepoolName");
    let pools: Vec<Value> = cluster
        .nodepools
        .iter()
        .filter(|p| name.is_none_or(|n| p.name == n))
        .map(|p| render(cluster, p, &req.region, now))
        .collect();
    let mut out = Map::new();
    out.insert("nodepools".into(), Value::Array(pools));
    Ok(out)
}

/// `GET /clusters/{ClusterId}/nodepools/{NodepoolId}` (DescribeClusterNodePoolDetail).
pub fn describe_nodepool_detail(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("ClusterId")?;
    let pool_id = req.path("NodepoolId")?;
    let now = ctx.now;
    let cluster = ctx
        .state
        .live(id, now)
        .ok_or_else(|| errors::cluster_not_found(id))?;
    let pool = cluster
        .nodepools
        .iter()
        .find(|p| p.id == pool_id)
        .ok_or_else(|| errors::nodepool_not_found(pool_id))?;
    match render(cluster, pool, &req.region, now) {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}
