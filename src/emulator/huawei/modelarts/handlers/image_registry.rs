//! The image registry of ModelArts v1 (`tools/modelarts/nb_np.toml`): register an SWR image of
//! the account, sync it, group the account's images by name, delete one. Registered images join
//! the notebooks' saved ones (`saved_images`), so `ListImage` and `ShowImage` see them; built-in
//! images belong to the service and are refused (403).

use serde_json::{Map, Value, json};

use super::{page, required_text, v1_page};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::IMAGES;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, millis};

fn image_missing(id: &str) -> ApiError {
    ApiError::new(404, "ModelArts.6404", format!("Image {id} does not exist."))
}

/// `(namespace, name, tag)` of `swr.<region>.myhuaweicloud.com/<org>/<name>:<tag>`.
fn parse_swr_path(path: &str) -> Option<(String, String, String)> {
    let mut parts = path.splitn(3, '/');
    let host = parts.next()?;
    let namespace = parts.next()?;
    let rest = parts.next()?;
    let (name, tag) = rest.rsplit_once(':')?;
    let ok = host.starts_with("swr.")
        && !namespace.is_empty()
        && !name.is_empty()
        && !tag.is_empty()
        && !name.contains('/');
    ok.then(|| (namespace.to_owned(), name.to_owned(), tag.to_owned()))
}

/// `POST /v1/{project_id}/images` with `{swr_path, arch, resource_category, services,
/// visibility, description, workspace_id}`: a DEDICATED image of the account; a path already
/// registered is refused.
pub fn register_image(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    let swr_path = required_text(&body, "swr_path", "ModelArts.6301")?.to_owned();
    let Some((namespace, name, tag)) = parse_swr_path(&swr_path) else {
        return Err(ApiError::invalid(
            "ModelArts.6301",
            format!(
                "swr_path {swr_path} must be swr.<region>.myhuaweicloud.com/<organization>/<name>:<tag>."
            ),
        ));
    };
    let arch = body.get("arch").and_then(Value::as_str).unwrap_or("X86_64");
    if !["X86_64", "AARCH64"].contains(&arch) {
        return Err(ApiError::invalid(
            "ModelArts.6301",
            format!("arch must be X86_64 or AARCH64, got {arch}."),
        ));
    }
    if ctx
        .state
        .saved_images
        .iter()
        .any(|(_, _, image)| image["swr_path"] == swr_path.as_str())
    {
        return Err(ApiError::invalid(
            "ModelArts.6307",
            format!("The image {swr_path} is already registered."),
        ));
    }
    let now = millis(ctx.now);
    let id = uuid::Uuid::new_v4().to_string();
    let services = body
        .get("services")
        .cloned()
        .unwrap_or_else(|| json!(["NOTEBOOK", "SSH"]));
    let image = json!({
        "id": id, "name": name, "tag": tag, "namespace": namespace,
        "arch": arch.to_ascii_lowercase(), "swr_path": swr_path,
        "type": "DEDICATED", "service_type": body.get("service_type").and_then(Value::as_str).unwrap_or("DEV"),
        "dev_services": services,
        "status": "ACTIVE", "visibility": body.get("visibility").and_then(Value::as_str).unwrap_or("PRIVATE"),
        "workspace_id": body.get("workspace_id").and_then(Value::as_str).unwrap_or("0"),
        "origin": body.get("origin").and_then(Value::as_str).unwrap_or("CUSTOMIZE"),
        "size": 0, "create_at": now, "update_at": now,
        "description": body.get("description").and_then(Value::as_str).unwrap_or_default(),
        "resource_categories": body.get("resource_category").cloned().unwrap_or_else(|| json!(["CPU", "GPU"])),
    });
    ctx.state
        .saved_images
        .push((id, String::new(), image.clone()));
    Ok(object(image))
}

/// Refuses a built-in image: it belongs to the service, not to the account.
fn own_image<'a>(
    ctx: &'a mut Ctx<'_, ModelArtsBackend>,
    id: &str,
) -> Result<&'a mut Value, ApiError> {
    if IMAGES.iter().any(|entry| entry.0 == id) {
        return Err(ApiError::new(
            403,
            "ModelArts.6403",
            format!("Image {id} is a preset image; only the account's own images can be changed."),
        ));
    }
    ctx.state
        .saved_images
        .iter_mut()
        .find(|(saved, _, _)| saved == id)
        .map(|(_, _, image)| image)
        .ok_or_else(|| image_missing(id))
}

/// `POST /v1/{project_id}/images/{image_id}/sync`: the image's size and status as SWR has them.
pub fn sync_image(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("image_id")?.to_owned();
    let now = millis(ctx.now);
    let image = own_image(ctx, &id)?;
    image["status"] = json!("ACTIVE");
    image["update_at"] = json!(now);
    if image["size"].as_u64() == Some(0) {
        image["size"] = json!(4_294_967_296_u64);
    }
    Ok(object(image.clone()))
}

/// `DELETE /v1/{project_id}/images/{id}` with `{is_force}`: one of the account's images not in
/// use by a notebook.
pub fn delete_image(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("id")?.to_owned();
    own_image(ctx, &id)?;
    let users: Vec<String> = ctx
        .state
        .notebooks
        .iter()
        .filter(|n| n.image_id == id)
        .map(|n| n.id.clone())
        .collect();
    if !users.is_empty() {
        return Err(ApiError::invalid(
            "ModelArts.6308",
            format!("Image {id} is used by notebook(s) {}.", users.join(", ")),
        ));
    }
    let index = ctx
        .state
        .saved_images
        .iter()
        .position(|(saved, _, _)| *saved == id)
        .ok_or_else(|| image_missing(&id))?;
    let (_, _, image) = ctx.state.saved_images.remove(index);
    Ok(object(image))
}

/// `GET /v1/{project_id}/images/group`: the account's images grouped by namespace and name.
pub fn list_image_groups(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 200, 1000)?;
    let fuzzy = req.query_bool("name_fuzzy_match")?.unwrap_or(true);
    let name = req.query_nonempty("name");
    let namespace = req.query_nonempty("namespace");
    let workspace = req.query_nonempty("workspace_id");
    let mut groups: Vec<Value> = Vec::new();
    for (_, _, image) in &ctx.state.saved_images {
        let own = image["name"].as_str().unwrap_or_default();
        let ns = image["namespace"].as_str().unwrap_or_default();
        let keep = name.is_none_or(|n| if fuzzy { own.contains(n) } else { own == n })
            && namespace.is_none_or(|n| n == ns)
            && workspace.is_none_or(|w| image["workspace_id"] == w);
        if !keep {
            continue;
        }
        if let Some(group) = groups
            .iter_mut()
            .find(|g| g["name"] == own && g["namespace"] == ns)
        {
            group["version_count"] = json!(group["version_count"].as_u64().unwrap_or(0) + 1);
            if image["update_at"].as_i64() > group["update_at"].as_i64() {
                group["update_at"] = image["update_at"].clone();
            }
        } else {
            groups.push(json!({
                "id": image["id"], "name": own, "namespace": ns, "version_count": 1,
                "create_at": image["create_at"], "update_at": image["update_at"],
                "description": image["description"], "read_me": "", "icon_name": "",
            }));
        }
    }
    let mut out = v1_page(groups, offset, limit);
    out.insert("is_swr_enterprise".into(), Value::Bool(false));
    Ok(out)
}
