//! Containers and their events: list (filters; `released` includes shut-down ones), the
//! event stream polled with an increasing `offset`, and stopping one container.

use serde_json::{Map, Value, json};

use super::{body, data, fresh, page, text};
use crate::emulator::autodl::esd::models::{DeploymentType, EsdBackend};
use crate::emulator::autodl::front::business;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};

fn range_ok(b: &Map<String, Value>, from: &str, to: &str, value: u64) -> bool {
    b.get(from)
        .and_then(Value::as_u64)
        .is_none_or(|f| value >= f)
        && b.get(to).and_then(Value::as_u64).is_none_or(|t| value <= t)
}

/// `POST /api/v1/dev/deployment/container/list`.
pub fn list(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_uuid")?;
    let ctx = fresh(ctx);
    let now = ctx.now;
    let released = b.get("released").and_then(Value::as_bool).unwrap_or(false);
    let container = b
        .get("container_uuid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let gpu = b
        .get("gpu_name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let statuses: Vec<&str> = b
        .get("status")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items: Vec<Value> = ctx
        .state
        .containers
        .iter()
        .rev()
        .filter(|c| c.deployment_uuid == uuid)
        .filter(|c| released || container.is_some() || c.active(now))
        .filter(|c| container.is_none_or(|u| c.uuid == u))
        .filter(|c| gpu.is_none_or(|g| c.gpu_name == g))
        .filter(|c| statuses.is_empty() || statuses.contains(&c.status(now)))
        .filter(|c| range_ok(&b, "cpu_num_from", "cpu_num_to", u64::from(c.cpu)))
        .filter(|c| {
            range_ok(
                &b,
                "memory_size_from",
                "memory_size_to",
                u64::from(c.memory_gb),
            )
        })
        .filter(|c| range_ok(&b, "price_from", "price_to", c.price))
        .map(|c| ctx.state.container_json(c, now))
        .collect();
    page(&b, items)
}

/// `POST /api/v1/dev/deployment/container/event/list`, oldest first.
pub fn events(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_uuid")?;
    let ctx = fresh(ctx);
    let now = ctx.now;
    let container = b
        .get("deployment_container_uuid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let mut events: Vec<(time::OffsetDateTime, String, &'static str)> = ctx
        .state
        .containers
        .iter()
        .filter(|c| c.deployment_uuid == uuid && container.is_none_or(|u| c.uuid == u))
        .flat_map(|c| {
            c.events(now)
                .into_iter()
                .map(|(status, at)| (at, c.uuid.clone(), status))
        })
        .collect();
    events.sort();
    let items = events
        .into_iter()
        .map(|(at, container, status)| json!({"deployment_container_uuid": container, "status": status, "created_at": format_time(at)}))
        .collect();
    page(&b, items)
}

/// `PUT /api/v1/dev/deployment/container/stop`: a ReplicaSet starts a replacement unless
/// `decrease_one_replica_num` lowers its count.
pub fn stop(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_container_uuid")?;
    let decrease = b
        .get("decrease_one_replica_num")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let ctx = fresh(ctx);
    let now = ctx.now;
    let deployment = ctx
        .state
        .containers
        .iter()
        .find(|c| c.uuid == uuid)
        .map(|c| c.deployment_uuid.clone())
        .ok_or_else(|| business("ContainerNotFound", format!("no container {uuid}")))?;
    ctx.state.stop_container(&uuid, now, ctx.lifecycles);
    if decrease
        && let Some(d) = ctx
            .state
            .deployments
            .iter_mut()
            .find(|d| d.uuid == deployment)
        && d.kind == DeploymentType::ReplicaSet
    {
        d.replica_num = d.replica_num.saturating_sub(1);
    }
    ctx.state.reconcile(now, ctx.lifecycles);
    data(Value::Null)
}
