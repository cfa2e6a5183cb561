//! The scheduling blacklist: a container's host is skipped for 24 h (or `expire_in_minutes`,
//! at most 30 days), then the entry expires on its own.

use serde_json::{Map, Value, json};

use super::{body, data, fresh, text};
use crate::emulator::autodl::esd::models::{
    BLACKLIST_MAX_MINUTES, BLACKLIST_MINUTES, BlacklistEntry, EsdBackend,
};
use crate::emulator::autodl::front::business;
use crate::emulator::core::clock::format_time;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `POST /api/v1/dev/deployment/blacklist`.
pub fn add(
    ctx: &mut Ctx<'_, EsdBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let b = body(req)?;
    let uuid = text(&b, "deployment_container_uuid")?;
    let minutes = b
        .get("expire_in_minutes")
        .and_then(Value::as_i64)
        .unwrap_or(BLACKLIST_MINUTES);
    if !(1..=BLACKLIST_MAX_MINUTES).contains(&minutes) {
        return Err(business(
            "RequestParameterIsWrong",
            format!("expire_in_minutes must be 1..={BLACKLIST_MAX_MINUTES}"),
        ));
    }
    let ctx = fresh(ctx);
    let now = ctx.now;
    let host = ctx
        .state
        .containers
        .iter()
        .find(|c| c.uuid == uuid)
        .map(|c| c.host.clone())
        .ok_or_else(|| business("ContainerNotFound", format!("no container {uuid}")))?;
    ctx.state
        .blacklist
        .retain(|e| e.until > now && e.host != host);
    ctx.state.blacklist.push(BlacklistEntry {
        host,
        container_uuid: uuid,
        comment: b
            .get("comment")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        until: now + time::Duration::minutes(minutes),
        created_at: now,
    });
    data(Value::Null)
}

/// `GET /api/v1/dev/deployment/blacklist` and `POST .../blacklist/list`: entries in force.
pub fn list(
    ctx: &mut Ctx<'_, EsdBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let ctx = fresh(ctx);
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .blacklist
        .iter()
        .filter(|e| e.until > now)
        .map(|e| json!({"machine_id": e.host, "deployment_container_uuid": e.container_uuid, "comment": e.comment, "created_at": format_time(e.created_at), "expire_at": format_time(e.until)}))
        .collect();
    data(json!({"list": items}))
}
