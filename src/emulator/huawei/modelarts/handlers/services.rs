//! Inference services v2 (`/v2/{project_id}/services`): create, list, show, update, start,
//! stop, batch delete, and the flavors a dedicated pool offers them
//! (`/services/clusters/{id}`).
//!
//! A create is DEPLOYING, then RUNNING; a stop goes STOPPING -> STOPPED; a start deploys
//! again; an update of a running service goes UPGRADING -> RUNNING. Operations in the wrong
//! state answer `ModelArts.3519`; unknown ids `ModelArts.3502` (404); a name in use
//! `ModelArts.3503` (409). A group on a dedicated pool needs the pool Running with the
//! `Infer` scope.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::page;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{
    InferService, SERVICE_DEPLOY, SERVICE_STOP, SERVICE_UPGRADE,
};
use crate::emulator::huawei::modelarts::infra_catalog::{render_infer_flavor, resource_flavor};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

const INVALID: &str = "ModelArts.0104";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(INVALID, message)
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.3502",
        format!("Service {id} does not exist."),
    )
}

fn bad_state(id: &str, status: &str, action: &str) -> ApiError {
    ApiError::invalid(
        "ModelArts.3519",
        format!("Service {id} is {status}; it cannot {action} now."),
    )
}

/// A service in `show_infer_service`'s shape at `now`.
pub fn render_service(svc: &InferService, now: OffsetDateTime) -> Value {
    let status = svc.phase.status(now);
    let urls: Vec<String> = if status == "RUNNING" {
        vec![format!(
            "https://infer-modelarts.example.invalid/v2/infer/{}",
            svc.id
        )]
    } else {
        Vec::new()
    };
    let groups: Vec<Value> = svc
        .group_configs
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut g| {
            let running = if status == "RUNNING" {
                svc.instance_count()
            } else {
                0
            };
            g["running_count"] = Value::from(running);
            g["status"] = Value::from(status);
            g
        })
        .collect();
    json!({
        "id": svc.id, "name": svc.name, "description": svc.description,
        "workspace_id": svc.workspace_id, "type": svc.kind, "deploy_type": svc.deploy_type,
        "status": status, "failure_reason": "",
        "version": {
            "id": format!("{}-v1", &svc.id[..8]), "version": svc.version,
            "description": svc.description,
            "predict_url": urls.first().cloned().unwrap_or_default(),
            "runtime_config": svc.runtime_config, "upgrade_config": svc.upgrade_config,
            "instance_groups": groups, "deploy_timeout_minutes": 30,
        },
        "predict_url": [{"type": svc.kind, "urls": urls}],
        "tags": svc.tags, "deploy_timeout_minutes": 30, "schedule": [],
        "create_at": millis(svc.created).to_string(), "update_at": millis(svc.updated).to_string(),
    })
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn number(value: &Value, pointer: &str) -> Option<i64> {
    value.pointer(pointer).and_then(Value::as_i64)
}

/// The rules of `runtime_config`: port, protocol, auth type and the service limits.
fn check_runtime(runtime: &Value) -> Result<(), ApiError> {
    if !number(runtime, "/service_invoke/port").is_some_and(|p| (1..=65535).contains(&p)) {
        return Err(invalid(
            "runtime_config.service_invoke.port must be 1-65535.",
        ));
    }
    if !matches!(
        text(runtime, "/service_invoke/protocol"),
        Some("HTTP" | "HTTPS" | "WS" | "WSS")
    ) {
        return Err(invalid(
            "runtime_config.service_invoke.protocol must be HTTP, HTTPS, WS or WSS.",
        ));
    }
    if !matches!(
        text(runtime, "/service_invoke/auth_type"),
        Some("TOKEN" | "API_KEY" | "NONE")
    ) {
        return Err(invalid(
            "runtime_config.service_invoke.auth_type must be TOKEN, API_KEY or NONE.",
        ));
    }
    let limit = |pointer: &str, range: std::ops::RangeInclusive<i64>, what: &str| {
        if number(runtime, pointer).is_some_and(|v| range.contains(&v)) {
            Ok(())
        } else {
            Err(invalid(format!(
                "runtime_config.service_limit.{what} must be {}-{}.",
                range.start(),
                range.end()
            )))
        }
    };
    limit(
        "/service_limit/rate_limit/num",
        1..=10_000,
        "rate_limit.num",
    )?;
    if !matches!(
        text(runtime, "/service_limit/rate_limit/unit"),
        Some("SECONDS" | "MINUTES")
    ) {
        return Err(invalid(
            "runtime_config.service_limit.rate_limit.unit must be SECONDS or MINUTES.",
        ));
    }
    limit(
        "/service_limit/request_size_limit",
        1..=50,
        "request_size_limit",
    )?;
    limit(
        "/service_limit/request_timeout",
        1..=7200,
        "request_timeout",
    )
}

/// The rules of `group_configs` (at most one group, with a known flavor or a custom spec,
/// an SWR image, a count of 1-128, and a Running pool with the Infer scope when one is named).
fn check_groups(
    groups: &Value,
    backend: &ModelArtsBackend,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let list = groups
        .as_array()
        .ok_or_else(|| invalid("group_configs must be a list."))?;
    if list.len() > 1 {
        return Err(invalid("group_configs takes at most one group."));
    }
    for group in list {
        if text(group, "/name").is_none_or(str::is_empty) {
            return Err(invalid("group_configs[0].name is required."));
        }
        if let Some(count) = group.get("count")
            && !count.as_i64().is_some_and(|c| (1..=128).contains(&c))
        {
            return Err(invalid("group_configs[0].count must be 1-128."));
        }
        let unit = group.pointer("/unit_configs/0").unwrap_or(&Value::Null);
        if !matches!(text(unit, "/image/source"), Some("SWR" | "IMAGE"))
            || text(unit, "/image/swr_path").is_none_or(str::is_empty)
        {
            return Err(invalid(
                "group_configs[0].unit_configs[0].image needs source SWR or IMAGE and a swr_path.",
            ));
        }
        match text(group, "/pool_id").filter(|p| !p.is_empty()) {
            Some(pool_id) => {
                let pool = backend
                    .infra
                    .pools
                    .iter()
                    .find(|p| p.id == pool_id)
                    .ok_or_else(|| invalid(format!("Pool {pool_id} does not exist.")))?;
                if pool.status(now) != "Running" || !pool.scope.iter().any(|s| s == "Infer") {
                    return Err(invalid(format!(
                        "Pool {pool_id} must be Running with the Infer scope."
                    )));
                }
                let flavor = text(unit, "/flavor");
                if let Some(flavor) = flavor
                    && !pool.node_pools.iter().any(|np| np.flavor() == flavor)
                {
                    return Err(invalid(format!(
                        "Flavor {flavor} is not offered by pool {pool_id}."
                    )));
                }
            }
            None => {
                if text(unit, "/flavor").is_none() && unit.get("custom_spec").is_none() {
                    return Err(invalid(
                        "Without a pool, group_configs[0].unit_configs[0] needs a flavor or a custom_spec.",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `POST /v2/{project_id}/services`.
pub fn create_service(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = Value::Object(req.json_body()?);
    let name = text(&body, "/name").unwrap_or_default().to_owned();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(format!(
            "The name {name:?} must be 1-64 letters, digits, '-' or '_'."
        )));
    }
    let kind = text(&body, "/type").unwrap_or_default().to_owned();
    if !matches!(kind.as_str(), "REAL_TIME" | "ASYNC_REAL_TIME") {
        return Err(invalid("type must be REAL_TIME or ASYNC_REAL_TIME."));
    }
    let deploy_type = text(&body, "/deploy_type").unwrap_or_default().to_owned();
    if !matches!(deploy_type.as_str(), "SINGLE" | "MULTI") {
        return Err(invalid("deploy_type must be SINGLE or MULTI."));
    }
    let runtime = body.get("runtime_config").cloned().unwrap_or(Value::Null);
    check_runtime(&runtime)?;
    let groups = body.get("group_configs").cloned().unwrap_or(Value::Null);
    let now = ctx.now;
    check_groups(&groups, ctx.state, now)?;
    if ctx.state.infra.services.iter().any(|s| s.name == name) {
        return Err(ApiError::new(
            409,
            "ModelArts.3503",
            format!("Service {name} already exists."),
        ));
    }
    let svc = InferService {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        description: text(&body, "/description").unwrap_or_default().to_owned(),
        version: text(&body, "/version").unwrap_or("1.0.0").to_owned(),
        kind,
        deploy_type,
        workspace_id: text(&body, "/workspace_id").unwrap_or("0").to_owned(),
        group_configs: groups,
        runtime_config: runtime,
        upgrade_config: body
            .get("upgrade_config")
            .cloned()
            .unwrap_or_else(|| json!({"type": "ROLLING"})),
        tags: body.get("tags").cloned().unwrap_or_else(|| json!([])),
        created: now,
        updated: now,
        phase: Phase::enter(&SERVICE_DEPLOY, now, ctx.lifecycles.mode(&SERVICE_DEPLOY)),
    };
    let rendered = render_service(&svc, now);
    ctx.state.infra.services.push(svc);
    Ok(object(rendered))
}

/// `GET /v2/{project_id}/services`: filters `id`, `name` (contained), `status`, `pool_id`,
/// `auth_type`, `type`, `workspace_id`; `offset` a multiple of `limit` (1-500, default 10).
pub fn list_services(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 10, 500)?;
    if offset % limit != 0 {
        return Err(invalid(format!(
            "offset {offset} must be a multiple of limit {limit}."
        )));
    }
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .infra
        .services
        .iter()
        .rev()
        .filter(|s| req.query_nonempty("id").is_none_or(|v| s.id == v))
        .filter(|s| {
            req.query_nonempty("name")
                .is_none_or(|v| s.name.contains(v))
        })
        .filter(|s| {
            req.query_nonempty("status")
                .is_none_or(|v| s.phase.status(now) == v)
        })
        .filter(|s| {
            req.query_nonempty("pool_id")
                .is_none_or(|v| s.pool_id() == Some(v))
        })
        .filter(|s| {
            req.query_nonempty("auth_type")
                .is_none_or(|v| s.auth_type() == v)
        })
        .filter(|s| req.query_nonempty("type").is_none_or(|v| s.kind == v))
        .filter(|s| {
            req.query_nonempty("workspace_id")
                .is_none_or(|v| s.workspace_id == v)
        })
        .map(|s| render_service(s, now))
        .collect();
    let total = items.len();
    let data: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Ok(object(json!({
        "data": data, "current": offset / limit, "size": limit,
        "pages": total.div_ceil(limit), "total": total,
    })))
}

fn find<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut InferService, ApiError> {
    ctx.state
        .infra
        .services
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(id))
}

/// `GET /v2/{project_id}/services/{service_id}`.
pub fn show_service(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let svc = find(ctx, req.path("service_id")?)?;
    Ok(object(render_service(svc, now)))
}

/// `PUT /v2/{project_id}/services/{service_id}`: description, version, group_configs
/// (count), runtime_config, tags; a running service rolls the change out (UPGRADING).
pub fn update_service(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = Value::Object(req.json_body()?);
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&SERVICE_UPGRADE));
    let id = req.path("service_id")?.to_owned();
    if let Some(runtime) = body.get("runtime_config") {
        check_runtime(runtime)?;
    }
    if let Some(groups) = body.get("group_configs") {
        check_groups(groups, ctx.state, now)?;
    }
    super::services_more::remember_version(ctx.state, &id);
    let svc = find(ctx, &id)?;
    let status = svc.phase.status(now);
    if !matches!(status, "RUNNING" | "STOPPED" | "FAILED" | "CONCERNING") {
        return Err(bad_state(&id, status, "be updated"));
    }
    if let Some(v) = text(&body, "/description") {
        v.clone_into(&mut svc.description);
    }
    if let Some(v) = text(&body, "/version") {
        v.clone_into(&mut svc.version);
    }
    if let Some(groups) = body.get("group_configs") {
        svc.group_configs = groups.clone();
    }
    if let Some(runtime) = body.get("runtime_config") {
        svc.runtime_config = runtime.clone();
    }
    if let Some(tags) = body.get("tags") {
        svc.tags = tags.clone();
    }
    svc.updated = now;
    if status == "RUNNING" {
        svc.phase = Phase::enter(&SERVICE_UPGRADE, now, mode);
    }
    Ok(object(render_service(svc, now)))
}

/// `POST /v2/{project_id}/services/{service_id}/start`: only a stopped or failed service.
pub fn start_service(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&SERVICE_DEPLOY));
    let id = req.path("service_id")?.to_owned();
    let svc = find(ctx, &id)?;
    let status = svc.phase.status(now);
    if !matches!(status, "STOPPED" | "FAILED") {
        return Err(bad_state(&id, status, "be started"));
    }
    svc.phase = Phase::enter(&SERVICE_DEPLOY, now, mode);
    svc.updated = now;
    Ok(object(render_service(svc, now)))
}

/// `POST /v2/{project_id}/services/{service_id}/stop`: a running or deploying service.
pub fn stop_service(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&SERVICE_STOP));
    let id = req.path("service_id")?.to_owned();
    let svc = find(ctx, &id)?;
    let status = svc.phase.status(now);
    if !matches!(status, "RUNNING" | "DEPLOYING" | "CONCERNING" | "UPGRADING") {
        return Err(bad_state(&id, status, "be stopped"));
    }
    svc.phase = Phase::enter(&SERVICE_STOP, now, mode);
    svc.updated = now;
    Ok(object(render_service(svc, now)))
}

/// `POST /v2/{project_id}/services/delete` (`service_ids`): every id must exist and be out of
/// a transition (nothing is deleted otherwise); answers each service DELETING.
pub fn delete_services(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let ids: Vec<String> = body
        .get("service_ids")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(invalid("service_ids must not be empty."));
    }
    let now = ctx.now;
    let mut answers = Vec::new();
    for id in &ids {
        let svc = ctx
            .state
            .infra
            .services
            .iter()
            .find(|s| &s.id == id)
            .ok_or_else(|| not_found(id))?;
        let status = svc.phase.status(now);
        if matches!(status, "DEPLOYING" | "STOPPING" | "UPGRADING" | "DELETING") {
            return Err(bad_state(id, status, "be deleted"));
        }
        let mut rendered = render_service(svc, now);
        rendered["status"] = Value::from("DELETING");
        answers.push(rendered);
    }
    ctx.state.infra.services.retain(|s| !ids.contains(&s.id));
    Ok(object(json!({"service_responses": answers})))
}

/// `GET /v2/{project_id}/services/clusters/{id}`: a dedicated pool as an inference cluster,
/// with the flavors its nodes offer.
pub fn show_cluster(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("id")?;
    let now = ctx.now;
    let pool = ctx
        .state
        .infra
        .pools
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.3590",
                format!("Cluster {id} does not exist."),
            )
        })?;
    let mut flavors: Vec<Value> = Vec::new();
    for np in &pool.node_pools {
        if let Some(flavor) = resource_flavor(np.flavor())
            && !flavors.iter().any(|f| f["id"] == flavor.id)
        {
            flavors.push(render_infer_flavor(flavor));
        }
    }
    let category = flavors
        .iter()
        .filter_map(|f| f["category"].as_str())
        .map(str::to_owned)
        .collect::<Vec<_>>();
    Ok(object(json!({
        "pool_id": pool.id, "logic_cluster_id": pool.id, "physical_pool_id": pool.id,
        "workspace_id": pool.workspace_id,
        "status": if pool.status(now) == "Running" { "running" } else { "creating" },
        "type": "DEDICATED", "pool_type": pool.pool_type, "resource_categories": category,
        "project_id": req.path("project_id").unwrap_or_default(),
        "create_at": millis(pool.created), "update_at": millis(pool.created),
        "flavors": flavors,
    })))
}
