//! Inference services v1 (`/v1/{project_id}/services`), the older API that no SDK version
//! covers (huawei-autodl-wire.md §A8): create, list, show, update (`{"status": "running" |
//! "stopped"}` starts or stops), delete (a comma-separated id list is accepted). Statuses
//! are lower case: deploying -> running, stopping -> stopped.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{SERVICE_V1_DEPLOY, SERVICE_V1_STOP, ServiceV1};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.3502",
        format!("Service {id} does not exist."),
    )
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid("ModelArts.3501", message)
}

/// A v1 service in the show shape at `now`.
pub fn render(svc: &ServiceV1, now: OffsetDateTime) -> Value {
    let status = svc.phase.status(now);
    let progress = match status {
        "deploying" => 50,
        _ => 100,
    };
    json!({
        "service_id": svc.id, "service_name": svc.name, "description": svc.description,
        "status": status, "infer_type": svc.infer_type, "config": svc.config,
        "workspace_id": svc.workspace_id, "owner": "demo-user", "progress": progress,
        "publish_at": millis(svc.created), "transition_at": millis(svc.phase.progress.since),
        "pool_name": svc.pool_name, "error_msg": "",
        "access_address": if status == "running" { format!("https://infer-v1.example.invalid/v1/infers/{}", svc.id) } else { String::new() },
        "invocation_times": 0, "failed_times": 0, "is_shared": false, "schedule": [],
    })
}

/// `POST /v1/{project_id}/services`: `service_name`, `infer_type`, `config[]` (model_id,
/// specification, instance_count 1-128, weights summing to 100 for real-time).
pub fn create(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let name = body
        .get("service_name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if name.is_empty() || name.len() > 64 {
        return Err(invalid("service_name must be 1-64 characters."));
    }
    let infer_type = body
        .get("infer_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !matches!(infer_type.as_str(), "real-time" | "batch") {
        return Err(invalid("infer_type must be real-time or batch."));
    }
    let config = body.get("config").cloned().unwrap_or(Value::Null);
    let entries = config.as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        return Err(invalid("config must list at least one model."));
    }
    for entry in &entries {
        if entry.get("model_id").and_then(Value::as_str).is_none()
            || entry.get("specification").and_then(Value::as_str).is_none()
            || !entry
                .get("instance_count")
                .and_then(Value::as_i64)
                .is_some_and(|c| (1..=128).contains(&c))
        {
            return Err(invalid(
                "every config entry needs model_id, specification and an instance_count of 1-128.",
            ));
        }
    }
    if infer_type == "real-time" {
        let weights: i64 = entries
            .iter()
            .map(|e| e.get("weight").and_then(Value::as_i64).unwrap_or(100))
            .sum();
        if weights != 100 {
            return Err(invalid(
                "the weights of a real-time service must sum to 100.",
            ));
        }
    }
    if ctx.state.infra.services_v1.iter().any(|s| s.name == name) {
        return Err(ApiError::new(
            409,
            "ModelArts.3503",
            format!("Service {name} already exists."),
        ));
    }
    let svc = ServiceV1 {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        description: body
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        infer_type,
        config,
        workspace_id: body
            .get("workspace_id")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_owned(),
        pool_name: body
            .get("pool_name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        created: ctx.now,
        phase: Phase::enter(
            &SERVICE_V1_DEPLOY,
            ctx.now,
            ctx.lifecycles.mode(&SERVICE_V1_DEPLOY),
        ),
    };
    let answer = json!({"service_id": svc.id, "resource_ids": [svc.id]});
    ctx.state.infra.services_v1.push(svc);
    Ok(object(answer))
}

/// `GET /v1/{project_id}/services`: filters `service_id`, `service_name` (contained),
/// `status`, `infer_type`, `workspace_id`; `offset` (a page number) and `limit` (default 1000).
pub fn list(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let page = usize::try_from(req.query_u64("offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = req.query_u64("limit")?.unwrap_or(1000);
    if !(1..=1000).contains(&limit) {
        return Err(invalid(format!("limit must be 1-1000, got {limit}.")));
    }
    let limit = usize::try_from(limit).unwrap_or(1000);
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .infra
        .services_v1
        .iter()
        .rev()
        .filter(|s| req.query_nonempty("service_id").is_none_or(|v| s.id == v))
        .filter(|s| {
            req.query_nonempty("service_name")
                .is_none_or(|v| s.name.contains(v))
        })
        .filter(|s| {
            req.query_nonempty("status")
                .is_none_or(|v| s.phase.status(now) == v)
        })
        .filter(|s| {
            req.query_nonempty("infer_type")
                .is_none_or(|v| s.infer_type == v)
        })
        .filter(|s| {
            req.query_nonempty("workspace_id")
                .is_none_or(|v| s.workspace_id == v)
        })
        .map(|s| render(s, now))
        .collect();
    let total = items.len();
    let services: Vec<Value> = items
        .into_iter()
        .skip(page.saturating_mul(limit))
        .take(limit)
        .collect();
    Ok(object(json!({
        "total_count": total, "count": services.len(), "services": services,
    })))
}

/// `GET /v1/{project_id}/services/{service_id}`.
pub fn show(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("service_id")?;
    let svc = ctx
        .state
        .infra
        .services_v1
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(id))?;
    let mut rendered = render(svc, ctx.now);
    if let Some(props) = ctx.state.extras.svc1_properties.get(id) {
        rendered["additional_properties"] = props.clone();
    }
    Ok(object(rendered))
}

/// `PUT /v1/{project_id}/services/{service_id}`: `status` starts or stops; `description`
/// and `config` are replaced.
pub fn update(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let (now, lifecycles) = (ctx.now, ctx.lifecycles);
    let id = req.path("service_id")?;
    let svc = ctx
        .state
        .infra
        .services_v1
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(id))?;
    let status = svc.phase.status(now);
    match body.get("status").and_then(Value::as_str) {
        None => {}
        Some("running") if matches!(status, "stopped" | "failed") => {
            svc.phase = Phase::enter(&SERVICE_V1_DEPLOY, now, lifecycles.mode(&SERVICE_V1_DEPLOY));
        }
        Some("stopped") if matches!(status, "running" | "deploying" | "concerning") => {
            svc.phase = Phase::enter(&SERVICE_V1_STOP, now, lifecycles.mode(&SERVICE_V1_STOP));
        }
        Some(target) => {
            return Err(ApiError::invalid(
                "ModelArts.3519",
                format!("Service {id} is {status}; it cannot become {target}."),
            ));
        }
    }
    if let Some(text) = body.get("description").and_then(Value::as_str) {
        text.clone_into(&mut svc.description);
    }
    if let Some(config) = body.get("config") {
        svc.config = config.clone();
    }
    if let Some(props) = body.get("additional_properties") {
        super::svc_extra::set_properties(&mut ctx.state.extras, id, props)?;
    }
    Ok(Map::new())
}

/// `DELETE /v1/{project_id}/services/{service_id}`: one id or a comma-separated list; every
/// id must exist.
pub fn delete(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let ids: Vec<String> = req
        .path("service_id")?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let services = &mut ctx.state.infra.services_v1;
    if let Some(missing) = ids.iter().find(|id| !services.iter().any(|s| &&s.id == id)) {
        return Err(not_found(missing));
    }
    services.retain(|s| !ids.contains(&s.id));
    Ok(Map::new())
}
