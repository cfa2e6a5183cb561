//! The rest of management (seed-operations.md 6.7): workspace quotas and the authorization
//! check of a workspace, the account's auth mode, the agency ModelArts creates for itself,
//! the project's OS quotas, pool TMS tags and scheduled maintenance events on pool nodes.
//! State lives in [`ExtrasState`](crate::emulator::huawei::modelarts::extras_state).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::page;
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::extras_state::{SchedEvent, WS_QUOTAS};
use crate::emulator::huawei::modelarts::infra::k8s_time;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, millis};

/// The domain id `/v1/auth-mode` answers with (the demo account's).
const DOMAIN: &str = "demo-domain";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid("ModelArts.6101", message)
}

fn workspace_exists(state: &ModelArtsBackend, id: &str) -> Result<(), ApiError> {
    if state.workspaces.iter().any(|w| w.id == id) {
        Ok(())
    } else {
        Err(ApiError::new(
            404,
            "ModelArts.6102",
            format!("Workspace {id} does not exist."),
        ))
    }
}

/// What a workspace uses of a quota resource: its live notebooks for `notebook.instance`.
fn used(state: &ModelArtsBackend, workspace: &str, resource: &str, now: OffsetDateTime) -> i64 {
    if resource != "notebook.instance" {
        return 0;
    }
    let n = state
        .notebooks
        .iter()
        .filter(|nb| nb.workspace_id == workspace && nb.phase.status(now) != "DELETED")
        .count();
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn render_quotas(state: &ModelArtsBackend, workspace: &str, now: OffsetDateTime) -> Vec<Value> {
    WS_QUOTAS
        .iter()
        .map(|(resource, name, unit, min, max, _)| {
            json!({
                "resource": resource, "quota": state.extras.quota(workspace, resource),
                "min_quota": min, "max_quota": max, "used_quota": used(state, workspace, resource, now),
                "name_en": name, "unit_en": unit, "name_cn": name, "unit_cn": unit,
                "update_time": millis(now),
            })
        })
        .collect()
}

/// `GET /v1/{project_id}/workspaces/{workspace_id}/quotas`.
pub fn show_ws_quotas(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("workspace_id")?;
    workspace_exists(ctx.state, id)?;
    Ok(object(
        json!({"quotas": render_quotas(ctx.state, id, ctx.now)}),
    ))
}

/// `PUT /v1/{project_id}/workspaces/{workspace_id}/quotas` (`quotas[{resource, quota}]`):
/// every entry within its bounds and not below what is used (-1 = unlimited).
pub fn update_ws_quotas(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let id = req.path("workspace_id")?.to_owned();
    workspace_exists(ctx.state, &id)?;
    let entries = body
        .get("quotas")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("quotas must list {resource, quota} entries."))?;
    let now = ctx.now;
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        let resource = entry["resource"].as_str().unwrap_or_default();
        let quota = entry["quota"].as_i64();
        match (WS_QUOTAS.iter().find(|q| q.0 == resource), quota) {
            (None, _) => errors.push(format!(
                "unknown resource {resource:?} (known: {})",
                WS_QUOTAS.iter().map(|q| q.0).collect::<Vec<_>>().join(", ")
            )),
            (Some(_), None) => errors.push(format!("{resource}: quota must be an integer")),
            (Some((_, _, _, min, max, _)), Some(q)) => {
                let in_use = used(ctx.state, &id, resource, now);
                if q < *min || q > *max {
                    errors.push(format!("{resource}: quota {q} is outside {min}..{max}"));
                } else if q != -1 && q < in_use {
                    errors.push(format!(
                        "{resource}: quota {q} is below what is used ({in_use})"
                    ));
                } else {
                    changes.push((resource.to_owned(), q));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors.join("; ")));
    }
    let quotas = ctx.state.extras.ws_quotas.entry(id.clone()).or_default();
    for (resource, quota) in changes {
        quotas.insert(resource, quota);
    }
    let mut rendered = render_quotas(ctx.state, &id, now);
    for q in &mut rendered {
        if let Some(map) = q.as_object_mut() {
            map.remove("used_quota");
        }
    }
    Ok(object(json!({"quotas": rendered})))
}

/// `POST /v1/{project_id}/workspaces/{workspace_id}/auth` (`requests[{action_id, action,
/// resource}]`): `modelarts:` actions are allowed to the account's own user, others denied.
pub fn validate_auth(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let id = req.path("workspace_id")?;
    workspace_exists(ctx.state, id)?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("requests must list {action_id, action} entries."))?;
    let mut results = Vec::new();
    for r in requests {
        let action = r["action"].as_str().unwrap_or_default();
        if action.is_empty() {
            return Err(invalid(
                "every request needs an action, e.g. modelarts:notebook:create.",
            ));
        }
        let allowed = action.split(':').count() == 3 && action.starts_with("modelarts:");
        let cause = if allowed {
            json!([])
        } else {
            json!([{"policy_name": "ModelArts workspace policy", "condition": [{"key": "action", "operator": "StringStartWith", "value": ["modelarts:"]}]}])
        };
        results.push(json!({
            "action_id": r["action_id"], "action": action, "resource": r["resource"],
            "verdict": if allowed { "allow" } else { "deny" }, "cause": cause,
        }));
    }
    Ok(object(json!({"results": results})))
}

/// `GET /v1/auth-mode`.
pub fn show_auth_mode(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    Ok(object(
        json!({"domain_id": DOMAIN, "mode": ctx.state.extras.auth_mode}),
    ))
}

/// `PUT /v1/auth-mode` (`mode` strict or loose).
pub fn update_auth_mode(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let mode = body.get("mode").and_then(Value::as_str).unwrap_or_default();
    if !matches!(mode, "strict" | "loose") {
        return Err(invalid(format!(
            "mode must be strict or loose, got {mode:?}."
        )));
    }
    mode.clone_into(&mut ctx.state.extras.auth_mode);
    Ok(object(json!({"domain_id": DOMAIN, "mode": mode})))
}

/// `POST /v2/{project_id}/agency` (`agency_name_suffix`, at most 50 characters): creates the
/// IAM agency `ma_agency_<suffix>` for ModelArts.
pub fn create_agency(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let suffix = body
        .get("agency_name_suffix")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if suffix.is_empty()
        || suffix.len() > 50
        || !suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(invalid(format!(
            "agency_name_suffix {suffix:?} must be 1-50 letters, digits, '_', '-' or '.'."
        )));
    }
    let name = format!("ma_agency_{suffix}");
    if ctx.state.extras.agencies.contains(&name) {
        return Err(ApiError::new(
            409,
            "ModelArts.6103",
            format!("The agency {name} already exists."),
        ));
    }
    ctx.state.extras.agencies.push(name.clone());
    Ok(object(json!({"agency_name": name})))
}

/// `GET /v1/{project_id}/quotas`: the project's pool and network quotas and their use.
pub fn show_os_quota(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let infra = &ctx.state.infra;
    let nodes: usize = infra.pools.iter().map(|p| p.nodes.len()).sum();
    Ok(object(json!({"quotas": {"resources": [
        {"type": "pool", "quota": "20", "used": infra.pools.len().to_string()},
        {"type": "network", "quota": "15", "used": infra.networks.len().to_string()},
        {"type": "node", "quota": "500", "used": nodes.to_string()},
    ]}})))
}

fn tag_list(tags: &BTreeMap<String, Vec<String>>) -> Vec<Value> {
    tags.iter()
        .map(|(k, v)| json!({"key": k, "values": v}))
        .collect()
}

/// `GET /v1/{project_id}/pools/tags`: every tag key on the project's pools with its values.
pub fn list_pool_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 100, 1000)?;
    let state = &ctx.state;
    let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (pool, tags) in &state.extras.pool_tags {
        if !state.infra.pools.iter().any(|p| &p.id == pool) {
            continue;
        }
        for (k, v) in tags {
            let values = all.entry(k.clone()).or_default();
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    let tags: Vec<Value> = tag_list(&all)
        .into_iter()
        .skip(offset)
        .take(limit)
        .collect();
    Ok(object(json!({"tags": tags})))
}

/// `GET /v1/{project_id}/pools/{pool_name}/tags`.
pub fn show_pool_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("pool_name")?;
    if !ctx.state.infra.pools.iter().any(|p| p.id == id) {
        return Err(super::k8s::pool_not_found(id));
    }
    let tags: BTreeMap<String, Vec<String>> = ctx
        .state
        .extras
        .pool_tags
        .get(id)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.clone(), vec![v.clone()]))
                .collect()
        })
        .unwrap_or_default();
    Ok(object(json!({"tags": tag_list(&tags)})))
}

fn render_event(event: &SchedEvent, state: &ModelArtsBackend) -> Value {
    let display = state
        .infra
        .pools
        .iter()
        .find(|p| p.id == event.pool_name)
        .map(|p| p.display_name.clone())
        .unwrap_or_default();
    json!({
        "id": event.id, "catalog": "maintenance", "type": event.kind, "state": event.state,
        "description": format!("the host of node {} needs a {}", event.node_name, event.kind),
        "instanceType": "node", "instanceId": event.node_name, "nodeName": event.node_name,
        "poolName": event.pool_name, "poolDisplayName": display,
        "publishTime": k8s_time(event.published), "startTime": "", "finishTime": "",
        "notBefore": event.not_before.map(k8s_time).unwrap_or_default(),
        "probeMsg": "", "jobProgress": "", "redeployType": ["auto", "manual"],
        "underLyingInstanceId": format!("ecs-{}", event.node_name),
    })
}

/// `GET /v1/{project_id}/scheduled-events`: filters workspaceId, state, type, id, nodeName,
/// poolName; offset/limit.
pub fn list_sched_events(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 100, 500)?;
    let states = req.query_csv("state");
    let types = req.query_csv("type");
    let state = &ctx.state;
    let items: Vec<Value> = state
        .extras
        .sched_events
        .iter()
        .filter(|e| {
            req.query_nonempty("workspaceId")
                .is_none_or(|w| e.workspace_id == w)
        })
        .filter(|e| states.as_ref().is_none_or(|s| s.contains(&e.state)))
        .filter(|e| types.as_ref().is_none_or(|t| t.contains(&e.kind)))
        .filter(|e| req.query_nonempty("id").is_none_or(|i| e.id == i))
        .filter(|e| {
            req.query_nonempty("nodeName")
                .is_none_or(|n| e.node_name == n)
        })
        .filter(|e| {
            req.query_nonempty("poolName")
                .is_none_or(|p| e.pool_name == p)
        })
        .map(|e| render_event(e, state))
        .collect();
    let count = items.len();
    let events: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Ok(object(json!({"events": events, "count": count})))
}

/// `POST /v1/{project_id}/scheduled-events/{event_id}/accept` (`notBefore`
/// `yyyy-MM-ddTHH:mm:ssZ`, after now): an inquiring event becomes scheduled.
pub fn accept_sched_event(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let id = req.path("event_id")?.to_owned();
    let text = body
        .get("notBefore")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let at = (text.len() == 20 && text.ends_with('Z'))
        .then(|| OffsetDateTime::parse(text, &Rfc3339).ok())
        .flatten()
        .ok_or_else(|| invalid(format!("notBefore {text:?} must be yyyy-MM-ddTHH:mm:ssZ.")))?;
    let now = ctx.now;
    if at <= now {
        return Err(invalid(format!(
            "notBefore {text} is not in the future (the server time is {}).",
            k8s_time(now)
        )));
    }
    let event = ctx
        .state
        .extras
        .sched_events
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.6104",
                format!("Scheduled event {id} does not exist."),
            )
        })?;
    if event.state != "inquiring" {
        return Err(ApiError::new(
            409,
            "ModelArts.6105",
            format!(
                "Scheduled event {id} is {}; only an inquiring event can be accepted.",
                event.state
            ),
        ));
    }
    event.state = "scheduled".to_owned();
    event.not_before = Some(at);
    let event = event.clone();
    Ok(object(render_event(&event, ctx.state)))
}
