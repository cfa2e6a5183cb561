//! Dynamic OBS mounts of a notebook: attach, list, detach (`/v1/{p}/notebooks/{id}/storage`).
//! Only a running notebook takes a mount; a mount path is used once.

use serde_json::{Map, Value, json};

use super::{required_text, v1_page};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, Storage};

fn render(storage: &Storage) -> Value {
    json!({"id": storage.id, "category": storage.category, "mount_path": storage.mount_path, "uri": storage.uri, "status": "MOUNTED"})
}

fn notebook<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<&'a mut crate::emulator::huawei::modelarts::models::Notebook, ApiError> {
    let id = req.path("instance_id")?;
    ctx.state
        .notebooks
        .iter_mut()
        .find(|n| n.id == id)
        .ok_or_else(|| {
            ApiError::invalid(
                "ModelArts.6309",
                format!("The instance {id} does not exist."),
            )
        })
}

/// `POST .../storage` with `{category, mount_path, uri}`.
pub fn attach_storage(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let category = required_text(&body, "category", "ModelArts.0104")?.to_owned();
    let mount_path = required_text(&body, "mount_path", "ModelArts.0104")?.to_owned();
    let uri = required_text(&body, "uri", "ModelArts.0104")?.to_owned();
    if !matches!(category.as_str(), "OBS" | "OBSFS" | "EFS") {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "category must be OBS, OBSFS or EFS.",
        ));
    }
    if category != "EFS" && !uri.starts_with("obs://") {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "uri must be of the form obs://bucket/dir/.",
        ));
    }
    if !mount_path.starts_with("/data/") {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "mount_path must be a directory under /data/.",
        ));
    }
    let now = ctx.now;
    let notebook = notebook(ctx, req)?;
    if notebook.phase.status(now) != "RUNNING" {
        return Err(ApiError::invalid(
            "ModelArts.6357",
            "Storage can be mounted on a running instance only.",
        ));
    }
    if notebook.storages.iter().any(|s| s.mount_path == mount_path) {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            format!("The mount path {mount_path} is already used."),
        ));
    }
    let storage = Storage {
        id: uuid::Uuid::new_v4().to_string(),
        category,
        mount_path,
        uri,
    };
    let rendered = render(&storage);
    notebook.storages.push(storage);
    Ok(object(rendered))
}

/// `GET .../storage`.
pub fn list_storage(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let notebook = notebook(ctx, req)?;
    let items: Vec<Value> = notebook.storages.iter().map(render).collect();
    let count = items.len().max(1);
    Ok(v1_page(items, 0, count))
}

/// `DELETE .../storage/{storage_id}`.
pub fn detach_storage(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let storage_id = req.path("storage_id")?.to_owned();
    let notebook = notebook(ctx, req)?;
    let Some(index) = notebook.storages.iter().position(|s| s.id == storage_id) else {
        return Err(ApiError::invalid(
            "ModelArts.6309",
            format!("The storage {storage_id} does not exist."),
        ));
    };
    let storage = notebook.storages.remove(index);
    let mut rendered = render(&storage);
    rendered["status"] = Value::String("UNMOUNTING".into());
    Ok(object(rendered))
}
