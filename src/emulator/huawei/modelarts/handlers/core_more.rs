//! ModelArts part 2, core side (`core_more`): the notebook lease and flavor corners, the list of
//! every user's notebooks, a training job's description, workspace CRUD and authorization
//! removal. Everything works on the same state as part 1 (`models`), so a workspace deleted here
//! is gone from `ListWorkspace`, and a lease renewed here shows in `ShowNotebook`.

use serde_json::{Map, Value, json};

use super::{notebooks, required_text};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_alnum};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::NOTEBOOK_FLAVORS;
use crate::emulator::huawei::modelarts::catalog::notebook_flavor;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Notebook, Workspace, millis};

/// The shortest and longest auto-stop lease a renewal accepts (1 h to 72 h, in ms).
const LEASE_MS: std::ops::RangeInclusive<i64> = 3_600_000..=259_200_000;

fn notebook<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<&'a mut Notebook, ApiError> {
    let id = req.path("id")?.to_owned();
    ctx.state
        .notebooks
        .iter_mut()
        .find(|n| n.id == id)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "ModelArts.6309",
                format!("The instance {id} does not exist."),
            )
        })
}

fn lease(notebook: &Notebook) -> Value {
    match notebook.lease_duration_ms {
        Some(duration) => json!({
            "type": "TIMING", "duration": duration, "enable": true,
            "create_at": notebook.create_at, "update_at": notebook.create_at,
        }),
        None => json!({"type": "TIMING", "enable": false, "create_at": notebook.create_at}),
    }
}

/// `GET /v1/{project_id}/notebooks/all`: every user's notebooks (the emulator's account has
/// one user, so the same page as `ListNotebooks`).
pub fn list_all_notebooks(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    notebooks::list_notebooks(ctx, req)
}

/// `GET /v1/{project_id}/notebooks/{id}/lease`.
pub fn show_lease(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let notebook = notebook(ctx, req)?;
    Ok(object(lease(notebook)))
}

/// `PATCH /v1/{project_id}/notebooks/{id}/lease` with `{duration, type}`: a running notebook's
/// auto-stop moves to `duration` ms from now (1 h to 72 h).
pub fn renew_lease(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let now = ctx.now;
    let duration = body
        .get("duration")
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            ApiError::invalid("ModelArts.6301", "The parameter duration is required.")
        })?;
    if !LEASE_MS.contains(&duration) {
        return Err(ApiError::invalid(
            "ModelArts.6301",
            format!("duration must be 3600000-259200000 ms, got {duration}."),
        ));
    }
    if let Some(kind) = body.get("type").and_then(Value::as_str)
        && kind != "TIMING"
    {
        return Err(ApiError::invalid(
            "ModelArts.6301",
            format!(
                "lease type {kind} is not implemented in the emulator (RenewLease takes TIMING)."
            ),
        ));
    }
    let notebook = notebook(ctx, req)?;
    let status = notebook.phase.status(now);
    if status != "RUNNING" {
        return Err(ApiError::invalid(
            "ModelArts.6306",
            format!("The instance is {status}; only a running instance's lease can be renewed."),
        ));
    }
    notebook.lease_duration_ms = Some(duration);
    Ok(object(lease(notebook)))
}

/// `GET /v1/{project_id}/notebooks/{id}/flavors`: the flavors a stopped notebook may switch
/// to (same category as its own; a running one must be stopped first).
pub fn show_switchable_flavors(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let notebook = notebook(ctx, req)?;
    let own = notebook.flavor.clone();
    let category = NOTEBOOK_FLAVORS
        .iter()
        .find(|f| f.0 == own)
        .map(|f| f.1)
        .unwrap_or("CPU");
    let flavors: Vec<Value> = NOTEBOOK_FLAVORS
        .iter()
        .filter(|f| f.1 == category && f.0 != own)
        .map(notebook_flavor)
        .collect();
    Ok(object(json!({"current_flavor": own, "flavors": flavors})))
}

/// `PUT /v2/{project_id}/training-jobs/{training_job_id}` with `{description}` (<= 256).
pub fn change_job_description(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid("ModelArts.2701", "The parameter description is required.")
        })?
        .to_owned();
    if description.chars().count() > 256 {
        return Err(ApiError::invalid(
            "ModelArts.2701",
            "description must be at most 256 characters.",
        ));
    }
    let id = req.path("training_job_id")?.to_owned();
    let job = ctx
        .state
        .jobs
        .iter_mut()
        .find(|j| j.id == id)
        .ok_or_else(|| {
            ApiError::invalid(
                "ModelArts.2775",
                format!("Training job {id} does not exist."),
            )
        })?;
    job.description = description;
    Ok(Map::new())
}

fn render_workspace(w: &Workspace) -> Value {
    json!({
        "id": w.id, "name": w.name, "description": w.description, "auth_type": w.auth_type,
        "owner": "skillgate-demo", "enterprise_project_id": "0", "enterprise_project_name": "default",
        "status": "NORMAL", "status_info": "", "create_time": w.create_time, "update_time": w.create_time,
    })
}

fn workspace_not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        "ModelArts.4704",
        format!("Workspace {id} does not exist."),
    )
}

fn valid_workspace_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name != "default"
}

fn auth_type(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match body.get("auth_type").and_then(Value::as_str) {
        None => Ok(None),
        Some(t @ ("PUBLIC" | "PRIVATE")) => Ok(Some(t.to_owned())),
        Some("INTERNAL") => Err(ApiError::invalid(
            "ModelArts.4702",
            "auth_type INTERNAL (with grants) is not implemented in the emulator (CreateWorkspace / UpdateWorkspace).",
        )),
        Some(other) => Err(ApiError::invalid(
            "ModelArts.4702",
            format!("auth_type must be PUBLIC, PRIVATE or INTERNAL, got {other}."),
        )),
    }
}

/// `GET /v1/{project_id}/workspaces/{workspace_id}`.
pub fn show_workspace(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("workspace_id")?;
    ctx.state
        .workspaces
        .iter()
        .find(|w| w.id == id)
        .map(|w| object(render_workspace(w)))
        .ok_or_else(|| workspace_not_found(id))
}

/// `POST /v1/{project_id}/workspaces` with `{name, description?, auth_type?}`: names are
/// unique and `default` is reserved.
pub fn create_workspace(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let name = required_text(&body, "name", "ModelArts.4702")?.to_owned();
    if !valid_workspace_name(&name) {
        return Err(ApiError::invalid(
            "ModelArts.4702",
            format!("name `{name}` must be 1-64 letters, digits, '-' or '_', and not default."),
        ));
    }
    if ctx.state.workspaces.iter().any(|w| w.name == name) {
        return Err(ApiError::new(
            409,
            "ModelArts.4703",
            format!("A workspace named {name} already exists."),
        ));
    }
    let workspace = Workspace {
        id: random_alnum(32).to_ascii_lowercase(),
        name,
        description: body
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        auth_type: auth_type(&body)?.unwrap_or_else(|| "PUBLIC".to_owned()),
        create_time: millis(ctx.now),
    };
    let rendered = render_workspace(&workspace);
    ctx.state.workspaces.push(workspace);
    Ok(object(rendered))
}

/// `PUT /v1/{project_id}/workspaces/{workspace_id}` with at least one of `name`,
/// `description`, `auth_type`; the default workspace `0` cannot be renamed.
pub fn update_workspace(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let id = req.path("workspace_id")?.to_owned();
    let name = body.get("name").and_then(Value::as_str).map(str::to_owned);
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let kind = auth_type(&body)?;
    if name.is_none() && description.is_none() && kind.is_none() {
        return Err(ApiError::invalid(
            "ModelArts.4702",
            "Give at least one of name, description and auth_type.",
        ));
    }
    if let Some(name) = &name {
        if id == "0" {
            return Err(ApiError::invalid(
                "ModelArts.4705",
                "The default workspace cannot be renamed.",
            ));
        }
        if !valid_workspace_name(name) {
            return Err(ApiError::invalid(
                "ModelArts.4702",
                format!("name `{name}` must be 1-64 letters, digits, '-' or '_', and not default."),
            ));
        }
        if ctx
            .state
            .workspaces
            .iter()
            .any(|w| &w.name == name && w.id != id)
        {
            return Err(ApiError::new(
                409,
                "ModelArts.4703",
                format!("A workspace named {name} already exists."),
            ));
        }
    }
    let workspace = ctx
        .state
        .workspaces
        .iter_mut()
        .find(|w| w.id == id)
        .ok_or_else(|| workspace_not_found(&id))?;
    if let Some(name) = name {
        workspace.name = name;
    }
    if let Some(description) = description {
        workspace.description = description;
    }
    if let Some(kind) = kind {
        workspace.auth_type = kind;
    }
    Ok(object(json!({"workspace_id": workspace.id})))
}

/// `DELETE /v1/{project_id}/workspaces/{workspace_id}`: refused for the default workspace and
/// for one that still holds notebooks or training jobs.
pub fn delete_workspace(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("workspace_id")?.to_owned();
    if id == "0" {
        return Err(ApiError::invalid(
            "ModelArts.4705",
            "The default workspace cannot be deleted.",
        ));
    }
    if !ctx.state.workspaces.iter().any(|w| w.id == id) {
        return Err(workspace_not_found(&id));
    }
    let held = ctx
        .state
        .notebooks
        .iter()
        .filter(|n| n.workspace_id == id)
        .count()
        + ctx
            .state
            .jobs
            .iter()
            .filter(|j| j.workspace_id == id)
            .count();
    if held > 0 {
        return Err(ApiError::new(
            409,
            "ModelArts.4706",
            format!("Workspace {id} still holds {held} notebook(s) or training job(s)."),
        ));
    }
    ctx.state.workspaces.retain(|w| w.id != id);
    Ok(object(json!({"workspace_id": id})))
}

/// `DELETE /v2/{project_id}/authorizations?user_id=<id>|all`: `all` removes every grant.
pub fn delete_authorizations(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let user = req
        .query_nonempty("user_id")
        .ok_or_else(|| ApiError::invalid("ModelArts.7000", "The parameter user_id is required."))?
        .to_owned();
    let before = ctx.state.authorizations.len();
    if user == "all" {
        ctx.state.authorizations.clear();
    } else {
        ctx.state.authorizations.retain(|a| a.user_id != user);
    }
    if ctx.state.authorizations.len() == before {
        return Err(ApiError::new(
            404,
            "ModelArts.7002",
            format!("No authorization for user {user}."),
        ));
    }
    Ok(object(json!({"result": "true"})))
}
