//! Notebooks (DevEnviron v1): create, list, show, start, stop, delete, and the flavors.
//!
//! States follow the lifecycles in `models`: a create goes CREATING -> STARTING -> RUNNING,
//! a stop STOPPING -> STOPPED, a start STARTING -> RUNNING. Operations refused in the wrong
//! state answer the documented `ModelArts.63xx` codes (in the notebook API's
//! `error_message` shape): a running notebook cannot be started (6305) nor deleted (6304).

use serde_json::{Map, Value, json};

use super::{page, required_text, v1_page};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::{
    IMAGES, NOTEBOOK_FLAVORS, image, notebook_flavor,
};
use crate::emulator::huawei::modelarts::models::{
    ModelArtsBackend, NOTEBOOK_CREATE, NOTEBOOK_SNAPSHOT, NOTEBOOK_START, NOTEBOOK_STOP, Notebook,
    Phase, millis,
};

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "ModelArts.6309",
        format!("The instance {id} does not exist."),
    )
}

/// A notebook in the SDK's response shape at `now`.
pub fn render(notebook: &Notebook, now: time::OffsetDateTime) -> Value {
    let status = notebook.phase.status(now);
    let image = IMAGES
        .iter()
        .find(|entry| entry.0 == notebook.image_id)
        .map(image)
        .unwrap_or_else(|| json!({"id": notebook.image_id}));
    let progress: Vec<Value> = match status {
        "CREATING" | "STARTING" => (1..=4)
            .map(|step| {
                let done = status == "STARTING" && step <= 2;
                json!({"step": step, "status": if done { "COMPLETED" } else { "PROCESSING" }, "description": ""})
            })
            .collect(),
        _ => Vec::new(),
    };
    let lease = match notebook.lease_duration_ms {
        Some(duration) => {
            json!({"type": "TIMING", "duration": duration, "enable": true, "create_at": notebook.create_at, "update_at": notebook.create_at})
        }
        None => {
            json!({"type": "TIMING", "enable": false, "create_at": notebook.create_at, "update_at": notebook.create_at})
        }
    };
    let running = status == "RUNNING";
    let data_volumes: Vec<Value> = notebook
        .storages
        .iter()
        .map(|s| json!({"category": s.category, "mount_path": s.mount_path, "url": s.uri, "status": "MOUNTED", "mount_type": "DYNAMIC"}))
        .collect();
    json!({
        "id": notebook.id,
        "name": notebook.name,
        "description": notebook.description,
        "status": status,
        "flavor": notebook.flavor,
        "image": image,
        "feature": notebook.feature,
        "workspace_id": notebook.workspace_id,
        "pool": notebook.pool_id.as_ref().map(|id| json!({"id": id, "name": id})),
        "volume": notebook.volume,
        "lease": lease,
        "endpoints": notebook.endpoints,
        "data_volumes": data_volumes,
        "action_progress": progress,
        "fail_reason": "",
        "url": if running { format!("https://authoring-modelarts.example.invalid/{}/lab", notebook.id) } else { String::new() },
        "create_at": notebook.create_at,
        "update_at": notebook.create_at,
    })
}

/// `POST /v1/{project_id}/notebooks`.
pub fn create_notebook(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let name = required_text(&body, "name", "ModelArts.0104")?;
    if name.len() > 128
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            format!("The name {name} must be 1-128 letters, digits, '-' or '_'."),
        ));
    }
    let image_id = match body.get("image_id").and_then(Value::as_str) {
        Some(id) => id,
        None => body
            .get("image")
            .and_then(|i| i.get("id"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::invalid("ModelArts.0104", "The parameter image_id is required.")
            })?,
    };
    if !IMAGES.iter().any(|entry| entry.0 == image_id) {
        return Err(ApiError::invalid(
            "ModelArts.6404",
            format!("Image {image_id} does not exist."),
        ));
    }
    let flavor = body
        .get("flavor")
        .and_then(Value::as_str)
        .unwrap_or("modelarts.vm.cpu.2u");
    match NOTEBOOK_FLAVORS.iter().find(|f| f.0 == flavor) {
        None => {
            return Err(ApiError::invalid(
                "ModelArts.6323",
                format!("The flavor {flavor} is not supported."),
            ));
        }
        Some(f) if f.4 => {
            return Err(ApiError::invalid(
                "ModelArts.6329",
                format!("The flavor {flavor} is sold out."),
            ));
        }
        Some(_) => {}
    }
    let volume = body
        .get("volume")
        .cloned()
        .ok_or_else(|| ApiError::invalid("ModelArts.0104", "The parameter volume is required."))?;
    let category = volume
        .get("category")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ownership = volume
        .get("ownership")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(category, "EVS" | "OBS" | "OBSFS" | "EFS")
        || !matches!(ownership, "MANAGED" | "DEDICATED")
    {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "volume.category must be EVS, OBS, OBSFS or EFS and volume.ownership MANAGED or DEDICATED.",
        ));
    }
    if matches!(category, "OBS" | "OBSFS")
        && !volume
            .get("uri")
            .and_then(Value::as_str)
            .is_some_and(|u| u.starts_with("obs://"))
    {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "An OBS volume needs a uri of the form obs://bucket/dir/.",
        ));
    }
    if ctx.state.notebooks.iter().any(|n| n.name == name) {
        return Err(ApiError::invalid(
            "ModelArts.6301",
            format!("The instance {name} already exists."),
        ));
    }
    let lease_duration_ms = body
        .get("lease")
        .filter(|l| l.get("enable").and_then(Value::as_bool) != Some(false))
        .and_then(|l| l.get("duration"))
        .and_then(Value::as_i64)
        .or(Some(3_600_000));
    let notebook = Notebook {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.to_owned(),
        description: body
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        flavor: flavor.to_owned(),
        image_id: image_id.to_owned(),
        pool_id: body
            .get("pool_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        workspace_id: body
            .get("workspace_id")
            .and_then(Value::as_str)
            .unwrap_or("0")
            .to_owned(),
        feature: body
            .get("feature")
            .and_then(Value::as_str)
            .unwrap_or("NOTEBOOK")
            .to_owned(),
        volume,
        lease_duration_ms,
        endpoints: body.get("endpoints").cloned().unwrap_or_else(|| json!([])),
        storages: Vec::new(),
        create_at: millis(ctx.now),
        phase: Phase::enter(
            &NOTEBOOK_CREATE,
            ctx.now,
            ctx.lifecycles.mode(&NOTEBOOK_CREATE),
        ),
    };
    let rendered = render(&notebook, ctx.now);
    ctx.state.notebooks.push(notebook);
    Ok(object(rendered))
}

/// `GET /v1/{project_id}/notebooks`: filters `status`, `name` (contained), `feature`,
/// `workspace_id`, `pool_id`; `offset`/`limit` (default 10, at most 50).
pub fn list_notebooks(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 10, 50)?;
    let now = ctx.now;
    let items: Vec<Value> = ctx
        .state
        .notebooks
        .iter()
        .rev()
        .filter(|n| {
            req.query_nonempty("status")
                .is_none_or(|s| n.phase.status(now) == s)
        })
        .filter(|n| {
            req.query_nonempty("name")
                .is_none_or(|s| n.name.contains(s))
        })
        .filter(|n| req.query_nonempty("feature").is_none_or(|s| n.feature == s))
        .filter(|n| {
            req.query_nonempty("workspace_id")
                .is_none_or(|s| n.workspace_id == s)
        })
        .filter(|n| {
            req.query_nonempty("pool_id")
                .is_none_or(|s| n.pool_id.as_deref() == Some(s))
        })
        .map(|n| render(n, now))
        .collect();
    Ok(v1_page(items, offset, limit))
}

fn find<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut Notebook, ApiError> {
    ctx.state
        .notebooks
        .iter_mut()
        .find(|n| n.id == id)
        .ok_or_else(|| not_found(id))
}

/// `GET /v1/{project_id}/notebooks/{id}`.
pub fn show_notebook(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let notebook = find(ctx, req.path("id")?)?;
    Ok(object(render(notebook, now)))
}

/// The refusal for an operation in a transitional status.
fn busy(status: &str) -> Option<ApiError> {
    match status {
        "STARTING" | "CREATING" => Some(ApiError::invalid(
            "ModelArts.6306",
            "The instance is starting.",
        )),
        "STOPPING" => Some(ApiError::invalid(
            "ModelArts.6308",
            "The instance is stopping.",
        )),
        "DELETING" | "SNAPSHOTTING" => Some(ApiError::invalid(
            "ModelArts.6357",
            "Another operation is in progress on the instance.",
        )),
        _ => None,
    }
}

/// `POST /v1/{project_id}/notebooks/{id}/start` (`duration` in ms renews the auto-stop).
pub fn start_notebook(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&NOTEBOOK_START));
    let duration = req.query_u64("duration")?;
    let notebook = find(ctx, req.path("id")?)?;
    let status = notebook.phase.status(now);
    if let Some(error) = busy(status) {
        return Err(error);
    }
    if status == "RUNNING" {
        return Err(ApiError::invalid(
            "ModelArts.6305",
            "The instance is already running.",
        ));
    }
    if let Some(ms) = duration {
        notebook.lease_duration_ms = i64::try_from(ms).ok();
    }
    notebook.phase = Phase::enter(&NOTEBOOK_START, now, mode);
    Ok(object(render(notebook, now)))
}

/// `POST /v1/{project_id}/notebooks/{id}/stop`.
pub fn stop_notebook(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&NOTEBOOK_STOP));
    let notebook = find(ctx, req.path("id")?)?;
    let status = notebook.phase.status(now);
    if let Some(error) = busy(status) {
        return Err(error);
    }
    if status == "STOPPED" {
        return Err(ApiError::invalid(
            "ModelArts.6307",
            "The instance is already stopped.",
        ));
    }
    notebook.phase = Phase::enter(&NOTEBOOK_STOP, now, mode);
    Ok(object(render(notebook, now)))
}

/// `DELETE /v1/{project_id}/notebooks/{id}`: a running notebook must be stopped first.
pub fn delete_notebook(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    let id = req.path("id")?.to_owned();
    let notebook = find(ctx, &id)?;
    let status = notebook.phase.status(now);
    if let Some(error) = busy(status) {
        return Err(error);
    }
    if status == "RUNNING" {
        return Err(ApiError::invalid(
            "ModelArts.6304",
            "Stop the instance before deleting it.",
        ));
    }
    let mut rendered = render(notebook, now);
    rendered["status"] = Value::String("DELETING".to_owned());
    ctx.state.notebooks.retain(|n| n.id != id);
    Ok(object(rendered))
}

/// `GET /v1/{project_id}/notebooks/flavors`: filter `category` (CPU, GPU).
pub fn list_flavors(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 100, 1000)?;
    let items: Vec<Value> = NOTEBOOK_FLAVORS
        .iter()
        .filter(|f| req.query_nonempty("category").is_none_or(|c| f.1 == c))
        .map(notebook_flavor)
        .collect();
    let mut out = v1_page(items.clone(), offset, limit);
    out.insert("flavors".into(), Value::from(items));
    Ok(out)
}

/// `PUT /v1/{project_id}/notebooks/{id}` with `{name?, description?, flavor?}`: a new flavor
/// only on a stopped notebook (it takes effect at the next start).
pub fn update_notebook(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let now = ctx.now;
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let (name, description, flavor) = (text("name"), text("description"), text("flavor"));
    if let Some(id) = &flavor {
        match NOTEBOOK_FLAVORS.iter().find(|f| f.0 == id) {
            None => {
                return Err(ApiError::invalid(
                    "ModelArts.6323",
                    format!("The flavor {id} is not supported."),
                ));
            }
            Some(f) if f.4 => {
                return Err(ApiError::invalid(
                    "ModelArts.6329",
                    format!("The flavor {id} is sold out."),
                ));
            }
            Some(_) => {}
        }
    }
    let id = req.path("id")?.to_owned();
    if let Some(new_name) = &name
        && ctx
            .state
            .notebooks
            .iter()
            .any(|n| &n.name == new_name && n.id != id)
    {
        return Err(ApiError::invalid(
            "ModelArts.6301",
            format!("The instance {new_name} already exists."),
        ));
    }
    let notebook = find(ctx, &id)?;
    let status = notebook.phase.status(now);
    if let Some(error) = busy(status) {
        return Err(error);
    }
    if flavor.is_some() && status != "STOPPED" {
        return Err(ApiError::invalid(
            "ModelArts.6357",
            "Stop the instance before changing its flavor.",
        ));
    }
    if let Some(name) = name {
        notebook.name = name;
    }
    if let Some(description) = description {
        notebook.description = description;
    }
    if let Some(flavor) = flavor {
        notebook.flavor = flavor;
    }
    Ok(object(render(notebook, now)))
}

/// Whether an image name is lower-case letters, digits and `-_.` (what SWR accepts).
fn valid_image_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// `POST /v1/{project_id}/notebooks/{id}/create-image` with `{name, namespace, tag?}`: a
/// running notebook goes SNAPSHOTTING, then RUNNING; the image is listed at once (CREATING in
/// the real service, ACTIVE here: nothing is built).
pub fn create_image(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let name = required_text(&body, "name", "ModelArts.0104")?.to_owned();
    let namespace = required_text(&body, "namespace", "ModelArts.0104")?.to_owned();
    if !valid_image_name(&name) {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            format!("The image name {name} must be lower-case letters, digits, '-', '_' or '.'."),
        ));
    }
    let tag = body
        .get("tag")
        .and_then(Value::as_str)
        .unwrap_or("latest")
        .to_owned();
    let (now, mode) = (ctx.now, ctx.lifecycles.mode(&NOTEBOOK_SNAPSHOT));
    let id = req.path("id")?.to_owned();
    let notebook = find(ctx, &id)?;
    let status = notebook.phase.status(now);
    if status != "RUNNING" {
        return Err(ApiError::invalid(
            "ModelArts.6357",
            format!("Only a running instance can be saved as an image; it is {status}."),
        ));
    }
    notebook.phase = Phase::enter(&NOTEBOOK_SNAPSHOT, now, mode);
    let arch = IMAGES
        .iter()
        .find(|entry| entry.0 == notebook.image_id)
        .map_or("x86_64", |entry| entry.4);
    let image_id = uuid::Uuid::new_v4().to_string();
    let image = json!({
        "id": image_id, "name": name, "tag": tag, "namespace": namespace, "arch": arch,
        "swr_path": format!("swr.cn-north-4.myhuaweicloud.com/{namespace}/{name}:{tag}"),
        "type": "DEDICATED", "service_type": "DEV", "dev_services": ["NOTEBOOK", "SSH"],
        "status": "ACTIVE", "visibility": "PRIVATE", "workspace_id": body.get("workspace_id").and_then(Value::as_str).unwrap_or("0"),
        "origin": "NOTEBOOK", "size": 0, "create_at": millis(now), "update_at": millis(now),
        "description": body.get("description").and_then(Value::as_str).unwrap_or_default(),
        "resource_categories": ["GPU", "CPU"],
    });
    ctx.state.saved_images.push((image_id, id, image.clone()));
    Ok(object(image))
}
