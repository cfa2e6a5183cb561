//! Workspaces (v1), training quotas and authorizations (v2). An authorization lets ModelArts act
//! for a user through an IAM agency; a `credential` authorization would carry a raw AK/SK, which
//! the emulator refuses as skillgate does (the account never stores someone's secret key).

use serde_json::{Map, Value, json};

use super::{page, required_text};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::models::{Authorization, ModelArtsBackend, millis};

/// How many training jobs a project may hold at once.
pub const JOB_QUOTA: usize = 100;

/// `GET /v1/{project_id}/workspaces`: `name` (contained), `offset`/`limit` (default 100).
pub fn list_workspaces(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 100, 500)?;
    let name = req.query_nonempty("name");
    let matching: Vec<Value> = ctx
        .state
        .workspaces
        .iter()
        .filter(|w| name.is_none_or(|n| w.name.contains(n)))
        .map(|w| {
            json!({
                "id": w.id, "name": w.name, "description": w.description, "auth_type": w.auth_type,
                "owner": "skillgate-demo", "enterprise_project_id": "0", "enterprise_project_name": "default",
                "status": "NORMAL", "status_info": "", "create_time": w.create_time, "update_time": w.create_time,
            })
        })
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching.into_iter().skip(offset).take(limit).collect();
    Ok(object(
        json!({"total_count": total, "count": items.len(), "workspaces": items}),
    ))
}

/// `GET /v2/{project_id}/training-quotas`: the job-number quota and its use.
pub fn training_quotas(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let used = ctx.state.jobs.len();
    Ok(object(json!({
        "quotas": [{"resource": "job-num", "quota": JOB_QUOTA, "used": used}],
    })))
}

fn render(auth: &Authorization) -> Value {
    json!({
        "user_id": auth.user_id, "user_name": auth.user_name, "user_type": auth.user_type,
        "type": auth.kind, "content": auth.content, "create_time": auth.create_time,
    })
}

/// `GET /v2/{project_id}/authorizations`: `offset`/`limit` (default 100).
pub fn list_authorizations(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 100, 1000)?;
    let all: Vec<Value> = ctx.state.authorizations.iter().map(render).collect();
    let total = all.len();
    let auth: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    Ok(object(json!({"total_count": total, "auth": auth})))
}

/// `POST /v2/{project_id}/authorizations` with `{user_id, type, content, user_name, user_type}`:
/// an agency authorization replaces the user's previous one.
pub fn create_authorization(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let content = required_text(&body, "content", "ModelArts.7000")?.to_owned();
    let kind = body
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("agency")
        .to_ascii_lowercase();
    if kind != "agency" {
        return Err(ApiError::invalid(
            "ModelArts.7001",
            "Only agency authorizations are accepted: credentials (AK/SK) are not stored.",
        ));
    }
    if body.contains_key("secret_key") {
        return Err(ApiError::invalid(
            "ModelArts.7001",
            "An agency authorization takes no secret_key.",
        ));
    }
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let user_type = text("user_type").unwrap_or_else(|| "IAM".to_owned());
    let user_id = match (text("user_id"), user_type.as_str()) {
        (Some(id), _) => id,
        (None, "ALL-USERS") => "all".to_owned(),
        (None, _) => {
            return Err(ApiError::invalid(
                "ModelArts.7000",
                "The parameter user_id is required for IAM, GRANT and ALL-USERS authorizations.",
            ));
        }
    };
    if !(3..=32).contains(&user_id.len())
        || !user_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(ApiError::invalid(
            "ModelArts.7000",
            "user_id must be 3-32 letters, digits or '-'.",
        ));
    }
    let auth = Authorization {
        user_name: text("user_name").unwrap_or_else(|| user_id.clone()),
        user_id,
        user_type,
        kind,
        content,
        create_time: millis(ctx.now),
    };
    ctx.state
        .authorizations
        .retain(|a| a.user_id != auth.user_id);
    let rendered = render(&auth);
    ctx.state.authorizations.push(auth);
    Ok(object(json!({"result": "true", "authorization": rendered})))
}
