//! The rest of inference (seed-operations.md 6.5, 6.6) over the same services as
//! [`super::services`] and [`super::services_v1`]: v1 events, deployment specifications,
//! resource tags and the model list; v2 events, health, versions (listed and switched), the
//! interrupt of a deploy or upgrade, exec login info, the pools inference can use and the
//! region detection.
//!
//! Events are derived from each service's lifecycle (created, then its current phase), so
//! they agree with what the show handlers answer. Tags and the version history live in
//! [`SvcMore`], kept beside the services in the one ModelArts backend.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::{
    InferService, SERVICE_STOP, SERVICE_UPGRADE, ServiceV1,
};
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Phase, millis};

/// One version a service ran: `(version id, version, since in ms)`.
pub type VersionRecord = (String, String, i64);

/// What the inference extras remember beyond the services themselves.
#[derive(Debug, Default, Clone)]
pub struct SvcMore {
    /// v1 service id -> its TMS tags (key -> value).
    pub tags_v1: BTreeMap<String, BTreeMap<String, String>>,
    /// v2 service id -> the versions it has run, oldest first.
    pub versions: BTreeMap<String, Vec<VersionRecord>>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid("ModelArts.3501", message)
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.3502",
        format!("Service {id} does not exist."),
    )
}

fn v1<'a>(state: &'a ModelArtsBackend, id: &str) -> Result<&'a ServiceV1, ApiError> {
    state
        .infra
        .services_v1
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(id))
}

fn v2<'a>(state: &'a ModelArtsBackend, id: &str) -> Result<&'a InferService, ApiError> {
    state
        .infra
        .services
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(id))
}

/// The events of a service: its creation, then its current phase.
fn events(created: OffsetDateTime, since: OffsetDateTime, status: &str) -> Vec<Value> {
    let abnormal = matches!(status, "failed" | "FAILED" | "concerning" | "CONCERNING");
    vec![
        json!({"occur_time": millis(created), "event_type": "normal", "event_info": "The service was created."}),
        json!({
            "occur_time": millis(since),
            "event_type": if abnormal { "abnormal" } else { "normal" },
            "event_info": format!("The service is {status}."),
        }),
    ]
}

fn page_of(
    items: Vec<Value>,
    req: &ApiRequest,
    default: u64,
) -> Result<(Vec<Value>, usize), ApiError> {
    let offset = usize::try_from(req.query_u64("offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(req.query_u64("limit")?.unwrap_or(default)).unwrap_or(usize::MAX);
    if limit == 0 {
        return Err(invalid("limit must be at least 1."));
    }
    let total = items.len();
    Ok((items.into_iter().skip(offset).take(limit).collect(), total))
}

fn filtered(items: Vec<Value>, req: &ApiRequest) -> Vec<Value> {
    items
        .into_iter()
        .rev()
        .filter(|e| {
            req.query_nonempty("event_type")
                .is_none_or(|t| e["event_type"] == t)
        })
        .collect()
}

/// `GET /v1/{project_id}/services/{service_id}/events`: `event_type`, `offset`, `limit`.
pub fn v1_events(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let svc = v1(ctx.state, req.path("service_id")?)?;
    let all = events(
        svc.created,
        svc.phase.progress.since,
        svc.phase.status(ctx.now),
    );
    let (list, total) = page_of(filtered(all, req), req, 1000)?;
    Ok(object(json!({
        "service_id": svc.id, "service_name": svc.name,
        "total_count": total, "count": list.len(), "events": list,
    })))
}

/// The deployment specifications of the public pools (and, with `is_personal_cluster`, of
/// dedicated pools): `(code, cpu, memory MB, gpu)`.
const SPECS: &[(&str, &str, u32, u32)] = &[
    ("modelarts.vm.cpu.2u", "2", 8192, 0),
    ("modelarts.vm.cpu.8u", "8", 32768, 0),
    ("modelarts.vm.gpu.t4u8", "8", 32768, 1),
];

/// `GET /v1/{project_id}/services/specifications`: `is_personal_cluster` (dedicated pools
/// offer custom sizes), `infer_type`.
pub fn v1_specifications(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let dedicated = match req.query_nonempty("is_personal_cluster") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(invalid(format!(
                "is_personal_cluster must be true or false, got {other}."
            )));
        }
    };
    if let Some(kind) = req.query_nonempty("infer_type")
        && !matches!(kind, "real-time" | "batch" | "edge")
    {
        return Err(invalid(format!(
            "infer_type must be real-time, batch or edge, got {kind}."
        )));
    }
    let mut specs: Vec<Value> = SPECS
        .iter()
        .map(|(code, cpu, memory, gpu)| json!({
            "specification": code, "billing_spec": code, "spec_status": "normal",
            "is_open": true, "is_free": false, "over_quota": false,
            "extend_params": null, "display_en": format!("{cpu} vCPUs | {} GiB{}", memory / 1024, if *gpu > 0 { format!(" | {gpu} x T4") } else { String::new() }),
            "source_type": if dedicated { "dedicated" } else { "public" },
        }))
        .collect();
    if dedicated {
        specs.push(json!({"specification": "custom", "billing_spec": "custom", "spec_status": "normal", "is_open": true, "is_free": false, "over_quota": false, "display_en": "custom size on a dedicated pool", "source_type": "dedicated"}));
    }
    Ok(object(json!({"specifications": specs})))
}

fn tags_of(more: &SvcMore, id: &str) -> Vec<Value> {
    more.tags_v1
        .get(id)
        .map(|t| {
            t.iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /v1/{project_id}/services/{service_id}/tags`.
pub fn v1_get_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = v1(ctx.state, req.path("service_id")?)?.id.clone();
    Ok(object(json!({"tags": tags_of(&ctx.state.svc_more, &id)})))
}

fn body_tags(req: &ApiRequest, need_value: bool) -> Result<Vec<(String, String)>, ApiError> {
    let body = req.json_body()?;
    let list = body
        .get("tags")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("tags must list at least one tag."))?;
    let mut out = Vec::new();
    for tag in list {
        let key = tag["key"].as_str().unwrap_or_default().trim();
        if key.is_empty() || key.len() > 128 || key.starts_with("_sys_") {
            return Err(invalid(
                "every tag key must be 1-128 characters and not start with _sys_.",
            ));
        }
        let value = tag["value"].as_str().unwrap_or_default();
        if (need_value && tag.get("value").is_none()) || value.len() > 255 {
            return Err(invalid(format!(
                "tag {key} needs a value of at most 255 characters."
            )));
        }
        out.push((key.to_owned(), value.to_owned()));
    }
    Ok(out)
}

/// `POST /v1/{project_id}/services/{service_id}/tags/create`: an existing key's value is
/// replaced.
pub fn v1_create_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = v1(ctx.state, req.path("service_id")?)?.id.clone();
    let tags = body_tags(req, true)?;
    let entry = ctx.state.svc_more.tags_v1.entry(id).or_default();
    for (key, value) in tags {
        entry.insert(key, value);
    }
    Ok(Map::new())
}

/// `DELETE /v1/{project_id}/services/{service_id}/tags/delete`: every named key must exist.
pub fn v1_delete_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = v1(ctx.state, req.path("service_id")?)?.id.clone();
    let tags = body_tags(req, false)?;
    let entry = ctx.state.svc_more.tags_v1.entry(id.clone()).or_default();
    if let Some((key, _)) = tags.iter().find(|(k, _)| !entry.contains_key(k)) {
        return Err(ApiError::new(
            404,
            "ModelArts.3504",
            format!("Service {id} has no tag {key}."),
        ));
    }
    for (key, _) in tags {
        entry.remove(&key);
    }
    Ok(Map::new())
}

/// The account's models: `(name, version, type, status)`; their ids are derived from the name.
const MODELS: &[(&str, &str, &str, &str)] = &[
    ("demo-resnet50", "1.0.0", "PyTorch", "published"),
    ("demo-bert-base", "1.0.1", "TensorFlow", "published"),
    ("demo-llm-chat", "0.9.0", "Custom", "publishing"),
];

/// `GET /v1/{project_id}/models`: `model_name` (contained), `model_status`, `model_type`,
/// `offset` (a page), `limit`.
pub fn v1_list_models(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let created = millis(ctx.now) - 86_400_000;
    let items: Vec<Value> = MODELS
        .iter()
        .filter(|m| {
            req.query_nonempty("model_name")
                .is_none_or(|n| m.0.contains(n))
        })
        .filter(|m| req.query_nonempty("model_status").is_none_or(|s| m.3 == s))
        // Every model of the demo account was imported by its owner (none subscribed).
        .filter(|_| {
            req.query_nonempty("model_source")
                .is_none_or(|src| src == "custom")
        })
        .filter(|m| req.query_nonempty("model_type").is_none_or(|t| m.2 == t))
        .map(|(name, version, kind, status)| {
            json!({
                "model_id": format!("model-{name}"),
                "model_name": name, "model_version": version, "model_type": kind,
                "model_status": status, "model_source": "custom", "create_at": created,
                "owner": "demo-user", "workspace_id": "0",
            })
        })
        .collect();
    let page = usize::try_from(req.query_u64("offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(req.query_u64("limit")?.unwrap_or(280)).unwrap_or(usize::MAX);
    if limit == 0 {
        return Err(invalid("limit must be at least 1."));
    }
    let total = items.len();
    let models: Vec<Value> = items
        .into_iter()
        .skip(page.saturating_mul(limit))
        .take(limit)
        .collect();
    Ok(object(
        json!({"total_count": total, "count": models.len(), "models": models}),
    ))
}

/// `GET /v1/{project_id}/clusters`: the dedicated pools a v1 service can be placed on
/// (`pool_name` of a create), with their status.
pub fn v1_clusters(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let clusters: Vec<Value> = ctx
        .state
        .infra
        .pools
        .iter()
        .filter(|p| p.scope.iter().any(|s| s == "Infer"))
        .map(|p| {
            json!({
                "cluster_id": p.id, "cluster_name": p.display_name,
                "status": if p.status(now) == "Running" { "running" } else { "creating" },
                "node_count": p.nodes.len(), "created_at": millis(p.created),
            })
        })
        .collect();
    Ok(object(
        json!({"count": clusters.len(), "clusters": clusters}),
    ))
}

/// `GET /v2/{project_id}/services/{service_id}/events`: the SDK's page shape.
pub fn v2_events(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let svc = v2(ctx.state, req.path("service_id")?)?;
    // The SDK's `ServiceEventResponse`: id, service_id, event_type, event_info, create_at ...
    let all: Vec<Value> = events(svc.created, svc.phase.progress.since, svc.phase.status(ctx.now))
        .into_iter()
        .enumerate()
        .map(|(n, e)| json!({
            "id": format!("{}-event-{n}", svc.id), "service_id": svc.id, "service_version_id": version_id(&svc.id, &svc.version),
            "event_count": 1, "event_type": e["event_type"], "event_info": e["event_info"], "event_info_cn": e["event_info"],
            "create_at": e["occur_time"], "update_at": e["occur_time"],
        }))
        .collect();
    let limit = req.query_u64("limit")?.unwrap_or(10).max(1);
    let (data, total) = page_of(filtered(all, req), req, limit)?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let offset = usize::try_from(req.query_u64("offset")?.unwrap_or(0)).unwrap_or(0);
    Ok(object(json!({
        "data": data, "current": offset / limit, "size": limit,
        "pages": total.div_ceil(limit), "total": total,
    })))
}

/// `GET /v2/{project_id}/services/{service_id}/health`: healthy when RUNNING with every
/// instance up.
pub fn v2_health(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let svc = v2(ctx.state, req.path("service_id")?)?;
    let status = svc.phase.status(ctx.now);
    let total = svc.instance_count();
    let running = if status == "RUNNING" { total } else { 0 };
    Ok(object(json!({
        "service_id": svc.id, "status": status, "healthy": status == "RUNNING",
        "running_instances": running, "total_instances": total, "checked_at": millis(ctx.now),
    })))
}

fn version_id(service_id: &str, version: &str) -> String {
    let short: String = service_id.chars().take(8).collect();
    format!("{short}-v{}", version.replace('.', "-"))
}

/// The version history of a service, with its current version recorded if it is new.
fn history(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<(String, Vec<VersionRecord>), ApiError> {
    let svc = v2(ctx.state, id)?;
    let (current, since) = (svc.version.clone(), millis(svc.updated));
    let list = ctx
        .state
        .svc_more
        .versions
        .entry(id.to_owned())
        .or_default();
    if !list.iter().any(|(_, v, _)| *v == current) {
        list.push((version_id(id, &current), current.clone(), since));
    }
    Ok((current, list.clone()))
}

/// Records a service's current version before an update may change it (called by
/// [`super::services::update_service`]), so the version it leaves can be switched back to.
pub fn remember_version(state: &mut ModelArtsBackend, id: &str) {
    let Some(svc) = state.infra.services.iter().find(|s| s.id == id) else {
        return;
    };
    let (current, since) = (svc.version.clone(), millis(svc.updated));
    let list = state.svc_more.versions.entry(id.to_owned()).or_default();
    if !list.iter().any(|(_, v, _)| *v == current) {
        list.push((version_id(id, &current), current, since));
    }
}

/// `GET /v2/{project_id}/services/{service_id}/versions`: `version_id` narrows to one.
pub fn v2_versions(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("service_id")?.to_owned();
    let (current, list) = history(ctx, &id)?;
    let versions: Vec<Value> = list
        .iter()
        .filter(|(vid, _, _)| req.query_nonempty("version_id").is_none_or(|w| vid == w))
        .map(|(vid, version, since)| json!({"version_id": vid, "version": version, "create_at": since, "current": *version == current}))
        .collect();
    if versions.is_empty() {
        return Err(ApiError::new(
            404,
            "ModelArts.3505",
            format!("Service {id} has no such version."),
        ));
    }
    Ok(object(
        json!({"service_id": id, "current_version": current, "versions": versions}),
    ))
}

/// `POST /v2/{project_id}/services/{service_id}/switch-version` `{version_id}`: a version the
/// service ran before; a running service rolls it out (UPGRADING).
pub fn v2_switch_version(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let target = body
        .get("version_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let id = req.path("service_id")?.to_owned();
    let (current, list) = history(ctx, &id)?;
    let (_, version, _) = list
        .iter()
        .find(|(vid, _, _)| *vid == target)
        .ok_or_else(|| invalid(format!("Service {id} never ran version {target}.")))?;
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&SERVICE_UPGRADE));
    let svc = ctx
        .state
        .infra
        .services
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(&id))?;
    let status = svc.phase.status(now);
    if !matches!(status, "RUNNING" | "STOPPED" | "FAILED" | "CONCERNING") {
        return Err(ApiError::invalid(
            "ModelArts.3519",
            format!("Service {id} is {status}; it cannot switch versions now."),
        ));
    }
    if *version == current {
        return Err(invalid(format!(
            "Service {id} already runs version {current}."
        )));
    }
    version.clone_into(&mut svc.version);
    svc.updated = now;
    if status == "RUNNING" {
        svc.phase = Phase::enter(&SERVICE_UPGRADE, now, mode);
    }
    Ok(object(
        json!({"service_id": id, "version": version, "status": svc.phase.status(now)}),
    ))
}

/// `POST /v2/{project_id}/services/{service_id}/interrupt`: stops a deploy in progress
/// (DEPLOYING -> STOPPING -> STOPPED) or an upgrade (UPGRADING -> STOPPING -> STOPPED).
pub fn v2_interrupt(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("service_id")?.to_owned();
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&SERVICE_STOP));
    let svc = ctx
        .state
        .infra
        .services
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| not_found(&id))?;
    let status = svc.phase.status(now);
    if !matches!(status, "DEPLOYING" | "UPGRADING") {
        return Err(ApiError::invalid(
            "ModelArts.3519",
            format!(
                "Service {id} is {status}; only a deploy or an upgrade in progress can be interrupted."
            ),
        ));
    }
    svc.phase = Phase::enter(&SERVICE_STOP, now, mode);
    svc.updated = now;
    Ok(object(
        json!({"service_id": id, "status": svc.phase.status(now)}),
    ))
}

/// `GET /v2/{project_id}/services/{service_id}/exec`: how to open a shell in an instance of a
/// RUNNING service; the login token is short-lived.
pub fn v2_exec(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let svc = v2(ctx.state, req.path("service_id")?)?;
    let status = svc.phase.status(ctx.now);
    if status != "RUNNING" {
        return Err(ApiError::invalid(
            "ModelArts.3519",
            format!("Service {} is {status}; exec needs it RUNNING.", svc.id),
        ));
    }
    let instances: Vec<Value> = (1..=svc.instance_count())
        .map(|n| json!({"instance_name": format!("{}-{n}", svc.name), "container": "model"}))
        .collect();
    Ok(object(json!({
        "service_id": svc.id, "instances": instances,
        "exec_url": format!("wss://exec-modelarts.example.invalid/v2/services/{}/exec", svc.id),
        "token": uuid::Uuid::new_v4().simple().to_string(),
        "expires_at": millis(ctx.now) + 300_000,
    })))
}

/// `GET /v2/{project_id}/services/clusters`: the dedicated pools inference can use (Running
/// with the `Infer` scope) and the others with why not.
pub fn v2_list_pools(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let pools: Vec<Value> = ctx
        .state
        .infra
        .pools
        .iter()
        .map(|p| {
            let status = p.status(now);
            let infer = p.scope.iter().any(|s| s == "Infer");
            json!({
                "pool_id": p.id, "name": p.display_name, "status": status, "pool_type": p.pool_type,
                "scope": p.scope, "usable": infer && status == "Running",
                "flavors": p.node_pools.iter().map(|np| np.flavor().to_owned()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(object(json!({"count": pools.len(), "clusters": pools})))
}

/// `GET /v2/{project_id}/region/detect`: the region the request reached.
pub fn region_detect(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    Ok(object(json!({
        "region_id": req.region, "project_id": req.path("project_id").unwrap_or_default(),
        "endpoint": format!("modelarts.{}.myhuaweicloud.com", req.region),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_phase_is_an_abnormal_event() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let list = events(now, now, "failed");
        assert_eq!(list[1]["event_type"], "abnormal");
        assert_eq!(events(now, now, "running")[1]["event_type"], "normal");
    }

    #[test]
    fn version_ids_are_stable_per_service_and_version() {
        assert_eq!(version_id("a", "1.0.0"), version_id("a", "1.0.0"));
        assert_ne!(version_id("a", "1.0.0"), version_id("b", "1.0.0"));
    }
}
