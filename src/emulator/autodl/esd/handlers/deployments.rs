//! Deployments: create (refused as the platform does when nothing can take a container now:
//! AutoDL does not queue), list, replicas (ReplicaSet only), stop, delete.

use serde_json::{Map, Value, json};

use super::{body, data, fresh, page, text};
use crate::emulator::autodl::esd::models::{Deployment, DeploymentType, EsdBackend};
use crate::emulator::autodl::esd::rules;
use crate::emulator::autodl::front::business;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};

fn not_found(uuid: &str) -> ApiError {
    business("DeploymentNotFound", format!("no deployment {uuid}"))
}

fn count(b: &Map<String, Value>, key: &str) -> Result<Option<u32>, ApiError> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                business(
                    "RequestParameterIsWrong",
                    format!("{key} must be a non-negative integer"),
                )
            }),
    }
}

/// `POST /api/v1/dev/deployment`.
pub fn create(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let name = text(&b, "name")?;
    let kind_text = text(&b, "deployment_type")?;
    let kind = DeploymentType::parse(&kind_text).ok_or_else(|| {
        business(
            "RequestParameterIsWrong",
            format!("deployment_type must be ReplicaSet, Job or Container; got {kind_text}"),
        )
    })?;
    let replica_num = count(&b, "replica_num")?;
    let parallelism_num = count(&b, "parallelism_num")?;
    let (replica_num, parallelism_num) = match kind {
        DeploymentType::ReplicaSet => (
            replica_num.filter(|n| *n >= 1).ok_or_else(|| {
                business("RequestParameterIsWrong", "replica_num must be at least 1")
            })?,
            0,
        ),
        DeploymentType::Job => {
            let r = replica_num.filter(|n| *n >= 1).ok_or_else(|| {
                business("RequestParameterIsWrong", "replica_num must be at least 1")
            })?;
            let p = parallelism_num.filter(|n| *n >= 1).ok_or_else(|| {
                business(
                    "RequestParameterIsWrong",
                    "parallelism_num must be at least 1",
                )
            })?;
            (r, p)
        }
        DeploymentType::Container => (1, 1),
    };
    let template = rules::template(b.get("container_template").unwrap_or(&Value::Null))?;
    let ctx = fresh(ctx);
    let now = ctx.now;
    if !ctx
        .state
        .images
        .iter()
        .any(|i| i.uuid == template.image_uuid)
    {
        return Err(business(
            "ImageNotFound",
            format!("no private image {}", template.image_uuid),
        ));
    }
    if !ctx.state.hosts.iter().any(|h| rules::fits(h, &template)) {
        let why = rules::no_host_reason(ctx.state, &template);
        return Err(business(
            "NoMatchingMachine",
            format!("no machine matches the container template: {why}"),
        ));
    }
    if rules::place(ctx.state, &template, now).is_none() {
        return Err(business(
            "ResourceNotEnough",
            "GPU 资源不足: no matching machine has enough idle GPUs now (the platform does not queue)",
        ));
    }
    let uuid = format!("{:015x}", rand::random::<u64>() & 0x0fff_ffff_ffff_ffff);
    ctx.state.deployments.push(Deployment {
        uuid: uuid.clone(),
        name,
        kind,
        replica_num,
        parallelism_num,
        reuse_container: b
            .get("reuse_container")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        template,
        stopped: false,
        created_at: now,
    });
    ctx.state.reconcile(now, ctx.lifecycles);
    data(json!({"deployment_uuid": uuid}))
}

/// `POST /api/v1/dev/deployment/list` (filters `name`, `status`, `deployment_uuid`).
pub fn list(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let ctx = fresh(ctx);
    let filter = |key: &str| {
        b.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (name, status, uuid) = (filter("name"), filter("status"), filter("deployment_uuid"));
    let items: Vec<Value> = ctx
        .state
        .deployments
        .iter()
        .rev()
        .map(|d| ctx.state.deployment_json(d, ctx.now))
        .filter(|d| name.as_ref().is_none_or(|n| d["name"] == n.as_str()))
        .filter(|d| status.as_ref().is_none_or(|s| d["status"] == s.as_str()))
        .filter(|d| uuid.as_ref().is_none_or(|u| d["uuid"] == u.as_str()))
        .collect();
    page(&b, items)
}

/// `PUT /api/v1/dev/deployment/replica_num`: ReplicaSet only.
pub fn set_replicas(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_uuid")?;
    let replicas = count(&b, "replica_num")?
        .ok_or_else(|| business("RequestParameterIsWrong", "replica_num is required"))?;
    let ctx = fresh(ctx);
    let d = ctx
        .state
        .deployments
        .iter_mut()
        .find(|d| d.uuid == uuid)
        .ok_or_else(|| not_found(&uuid))?;
    if d.kind != DeploymentType::ReplicaSet {
        return Err(business(
            "RequestParameterIsWrong",
            format!(
                "only a ReplicaSet has a replica count to set; {uuid} is a {}",
                d.kind.as_str()
            ),
        ));
    }
    if d.stopped {
        return Err(business(
            "DeploymentStatusWrong",
            format!("deployment {uuid} is stopped"),
        ));
    }
    d.replica_num = replicas;
    ctx.state.reconcile(ctx.now, ctx.lifecycles);
    data(Value::Null)
}

fn stop_all(
    state: &mut EsdBackend,
    uuid: &str,
    now: time::OffsetDateTime,
    lifecycles: &crate::emulator::core::lifecycle::Lifecycles,
) {
    let ids: Vec<String> = state
        .containers
        .iter()
        .filter(|c| c.deployment_uuid == uuid)
        .map(|c| c.uuid.clone())
        .collect();
    for id in ids {
        state.stop_container(&id, now, lifecycles);
    }
    if let Some(d) = state.deployments.iter_mut().find(|d| d.uuid == uuid) {
        d.stopped = true;
    }
}

/// `PUT /api/v1/dev/deployment/operate {operate: "stop"}`.
pub fn operate(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_uuid")?;
    let operate = text(&b, "operate")?;
    if operate != "stop" {
        return Err(business(
            "RequestParameterIsWrong",
            format!("operate must be \"stop\"; got {operate}"),
        ));
    }
    let ctx = fresh(ctx);
    if ctx.state.deployment(&uuid).is_none() {
        return Err(not_found(&uuid));
    }
    stop_all(ctx.state, &uuid, ctx.now, ctx.lifecycles);
    data(Value::Null)
}

/// `DELETE /api/v1/dev/deployment {deployment_uuid}`: stops it first.
pub fn delete(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_uuid")?;
    let ctx = fresh(ctx);
    if ctx.state.deployment(&uuid).is_none() {
        return Err(not_found(&uuid));
    }
    stop_all(ctx.state, &uuid, ctx.now, ctx.lifecycles);
    ctx.state.deployments.retain(|d| d.uuid != uuid);
    data(Value::Null)
}
