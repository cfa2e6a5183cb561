//! ModelArts part 2, notebook and node-pool side (`tools/modelarts/nb_np.toml`): authoring
//! clusters (the public one and each Running pool with the Notebook scope), one OBS mount's
//! detail, notebook tags, DevEnviron features and practices, the image registry (register,
//! sync, groups, delete of the account's own images), pool plugins and node-config templates.
//! Everything reads the same state as part 1: a pool created by `CreatePool` is a cluster here,
//! an image registered here is listed by `ListImage`, a notebook's tags go with the notebook.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{bad_request, check_kind, conflict, object_at, pool_not_found};
use super::{page, required_text, v1_page};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::{IMAGES, NOTEBOOK_FLAVORS, notebook_flavor};
use crate::emulator::huawei::modelarts::infra::k8s_time;
use crate::emulator::huawei::modelarts::models::{ModelArtsBackend, millis};

/// The most tags one notebook carries.
const MAX_TAGS: usize = 20;

/// Plugin templates a pool can install: `(name, latest version)`.
const PLUGIN_TEMPLATES: &[(&str, &str)] = &[
    ("gpu-driver", "535.54.03"),
    ("npu-driver", "23.0.6"),
    ("log-agent", "1.3.2"),
    ("os-node-agent", "2.6.1"),
];

/// Emulated seconds a plugin stays `Installing`.
const PLUGIN_INSTALL_SECS: i64 = 10;

/// Node configuration templates: `(name, docker base size GB, thin pool %)`.
const NODE_CONFIG_TEMPLATES: &[(&str, u64, u64)] = &[("default", 50, 20), ("large-disk", 100, 40)];

/// DevEnviron practices: `(id, name, category, image id, flavor)`.
const PRACTICES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "practice-mnist-pytorch",
        "Handwritten digits with PyTorch",
        "CV",
        "e1a07296-22a8-4f05-8bc8-e936c8e54202",
        "modelarts.vm.cpu.2u",
    ),
    (
        "practice-bert-finetune",
        "Fine-tune BERT for text classification",
        "NLP",
        "e1a07296-22a8-4f05-8bc8-e936c8e54202",
        "modelarts.vm.gpu.t4u8",
    ),
    (
        "practice-llm-ascend",
        "LLM inference on Ascend",
        "LLM",
        "e1a07296-22a8-4f05-8bc8-e936c8e54202",
        "modelarts.vm.gpu.v100",
    ),
];

/// An installed pool plugin.
#[derive(Debug, Clone)]
pub struct Plugin {
    /// `metadata.name`.
    pub name: String,
    /// The template name.
    pub template: String,
    /// The installed version.
    pub version: String,
    /// The install parameters as given.
    pub inputs: Value,
    /// When it was created (Installing for [`PLUGIN_INSTALL_SECS`], then Running).
    pub created: OffsetDateTime,
}

/// The state of this part: notebook tags and pool plugins (images go to `saved_images`).
#[derive(Debug, Default, Clone)]
pub struct NbNpState {
    /// Tags per notebook id, `(key, value)` in insertion order.
    pub notebook_tags: BTreeMap<String, Vec<(String, String)>>,
    /// Plugins per pool id.
    pub plugins: BTreeMap<String, Vec<Plugin>>,
}

/// The demo data: the running notebook carries `env=demo` and `team=vision`.
pub fn seed(running_notebook: &str) -> NbNpState {
    let mut state = NbNpState::default();
    state.notebook_tags.insert(
        running_notebook.to_owned(),
        vec![
            ("env".into(), "demo".into()),
            ("team".into(), "vision".into()),
        ],
    );
    state
}

fn notebook_missing(id: &str) -> ApiError {
    ApiError::invalid(
        "ModelArts.6309",
        format!("The instance {id} does not exist."),
    )
}

fn image_missing(id: &str) -> ApiError {
    ApiError::new(404, "ModelArts.6404", format!("Image {id} does not exist."))
}

// ------------------------------------------------------------------------------ clusters

fn public_cluster(region: &str) -> Value {
    let flavors: Vec<Value> = NOTEBOOK_FLAVORS.iter().map(notebook_flavor).collect();
    json!({
        "logic_cluster_id": format!("public-{region}"), "status": "RUNNING", "pool_id": "",
        "type": "PUBLIC", "resource_categories": "CPU,GPU,ASCEND", "workspace_id": "0",
        "create_at": "2024-01-01T00:00:00Z", "update_at": "2024-01-01T00:00:00Z",
        "flavors": flavors, "is_allow_root": false,
    })
}

fn clusters(ctx: &mut Ctx<'_, ModelArtsBackend>, region: &str) -> Vec<Value> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let mut out = vec![public_cluster(region)];
    for pool in &ctx.state.infra.pools {
        if !pool.scope.iter().any(|s| s == "Notebook") || pool.status(now) != "Running" {
            continue;
        }
        let flavors: Vec<Value> = pool
            .node_pools
            .iter()
            .map(|np| json!({"id": np.flavor(), "name": np.flavor(), "count": np.count()}))
            .collect();
        out.push(json!({
            "logic_cluster_id": format!("cluster-{}", pool.id), "status": "RUNNING",
            "pool_id": pool.id, "type": "DEDICATED", "resource_categories": "CPU,GPU",
            "workspace_id": pool.workspace_id, "create_at": k8s_time(pool.created),
            "update_at": k8s_time(pool.created), "flavors": flavors, "is_allow_root": true,
        }));
    }
    out
}

/// `GET /v1/{project_id}/authoring/clusters`: `type` (PUBLIC / DEDICATED), `workspace_id`,
/// paged by `offset`/`limit`.
pub fn list_clusters(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 20, 100)?;
    let kind = req.query_nonempty("type").map(str::to_owned);
    let workspace = req.query_nonempty("workspace_id").map(str::to_owned);
    let items: Vec<Value> = clusters(ctx, &req.region)
        .into_iter()
        .filter(|c| kind.as_deref().is_none_or(|k| c["type"] == k))
        .filter(|c| workspace.as_deref().is_none_or(|w| c["workspace_id"] == w))
        .collect();
    Ok(v1_page(items, offset, limit))
}

/// `GET /v1/{project_id}/authoring/clusters/{cluster_id}`.
pub fn show_cluster(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("cluster_id")?.to_owned();
    clusters(ctx, &req.region)
        .into_iter()
        .find(|c| c["logic_cluster_id"] == id.as_str())
        .map(object)
        .ok_or_else(|| {
            ApiError::new(
                404,
                "ModelArts.6401",
                format!("The cluster {id} does not exist."),
            )
        })
}

// ------------------------------------------------------------------- storage, tags, features

/// `GET /v1/{project_id}/notebooks/{instance_id}/storage/{storage_id}`.
pub fn show_storage(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("instance_id")?;
    let storage_id = req.path("storage_id")?;
    let notebook = ctx
        .state
        .notebooks
        .iter()
        .find(|n| n.id == id)
        .ok_or_else(|| notebook_missing(id))?;
    let storage = notebook
        .storages
        .iter()
        .find(|s| s.id == storage_id)
        .ok_or_else(|| {
            ApiError::invalid(
                "ModelArts.6309",
                format!("The storage {storage_id} does not exist."),
            )
        })?;
    Ok(object(json!({
        "id": storage.id, "category": storage.category, "mount_path": storage.mount_path,
        "uri": storage.uri, "status": "MOUNTED", "mount_type": "DYNAMIC",
    })))
}

/// The `tags` array of a tag body: every problem at once, keys 1-128, values <= 255.
fn tag_list(
    body: &Map<String, Value>,
    need_value: bool,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    let Some(tags) = body.get("tags").and_then(Value::as_array) else {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "The parameter tags is required.",
        ));
    };
    if tags.is_empty() {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            "tags must not be empty.",
        ));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let key = tag.get("key").and_then(Value::as_str).unwrap_or_default();
        let value = tag.get("value").and_then(Value::as_str);
        if key.is_empty() || key.chars().count() > 128 {
            problems.push(format!("tags[{i}].key must be 1-128 characters"));
        }
        match value {
            None if need_value => problems.push(format!("tags[{i}].value is required")),
            Some(v) if v.chars().count() > 255 => {
                problems.push(format!("tags[{i}].value must be at most 255 characters"));
            }
            _ => {}
        }
        out.push((key.to_owned(), value.map(str::to_owned)));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::invalid("ModelArts.0104", problems.join("; ")))
    }
}

/// `POST /v1/{project_id}/notebooks/{resource_id}/tags/create` with `{tags: [{key, value}]}`:
/// a key already set takes the new value; at most 20 tags per notebook.
pub fn create_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("resource_id")?.to_owned();
    let body = req.json_body()?;
    let tags = tag_list(&body, true)?;
    if !ctx.state.notebooks.iter().any(|n| n.id == id) {
        return Err(notebook_missing(&id));
    }
    let mut current = ctx
        .state
        .nb_np
        .notebook_tags
        .get(&id)
        .cloned()
        .unwrap_or_default();
    for (key, value) in tags {
        let value = value.unwrap_or_default();
        match current.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => current.push((key, value)),
        }
    }
    if current.len() > MAX_TAGS {
        return Err(ApiError::invalid(
            "ModelArts.0104",
            format!(
                "A notebook has at most {MAX_TAGS} tags; this would make {}.",
                current.len()
            ),
        ));
    }
    ctx.state.nb_np.notebook_tags.insert(id, current);
    Ok(Map::new())
}

/// `DELETE /v1/{project_id}/notebooks/{resource_id}/tags/delete` with `{tags: [{key, value?}]}`:
/// a key (with that value, when given) is removed; an absent one is ignored.
pub fn delete_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let id = req.path("resource_id")?.to_owned();
    let body = req.json_body()?;
    let tags = tag_list(&body, false)?;
    if !ctx.state.notebooks.iter().any(|n| n.id == id) {
        return Err(notebook_missing(&id));
    }
    if let Some(current) = ctx.state.nb_np.notebook_tags.get_mut(&id) {
        current.retain(|(k, v)| {
            !tags
                .iter()
                .any(|(key, value)| key == k && value.as_ref().is_none_or(|value| value == v))
        });
    }
    Ok(Map::new())
}

/// `GET /v1/{project_id}/notebooks/tags`: every key on the project's notebooks with its values.
pub fn show_tags(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    _req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let live: Vec<&str> = ctx.state.notebooks.iter().map(|n| n.id.as_str()).collect();
    let mut keys: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (notebook, tags) in &ctx.state.nb_np.notebook_tags {
        if !live.contains(&notebook.as_str()) {
            continue;
        }
        for (key, value) in tags {
            let values = keys.entry(key).or_default();
            if !values.contains(&value.as_str()) {
                values.push(value);
            }
        }
    }
    let tags: Vec<Value> = keys
        .into_iter()
        .map(|(key, values)| json!({"key": key, "values": values}))
        .collect();
    Ok(object(json!({"tags": tags})))
}

/// `GET /v1/{project_id}/authoring/features/{feature}`: the NOTEBOOK feature with its quota
/// and the notebooks in use.
pub fn list_features(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let feature = req.path("feature")?;
    if feature != "NOTEBOOK" {
        return Err(ApiError::new(
            404,
            "ModelArts.6404",
            format!("The feature {feature} does not exist; the emulator knows NOTEBOOK."),
        ));
    }
    let used = ctx.state.notebooks.len();
    Ok(object(json!({
        "id": "feature-notebook", "name": "NOTEBOOK", "enabled": true, "quota": 20,
        "used": used, "user_id": req.access_key_id.chars().take(4).collect::<String>() + "-user",
        "create_at": 1_700_000_000_000_i64, "update_at": 1_700_000_000_000_i64,
    })))
}

/// `GET /v1/{project_id}/authoring/practices`: the sample notebooks, `category`, paged.
pub fn list_practices(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = page(req, 20, 100)?;
    let category = req.query_nonempty("category");
    let items: Vec<Value> = PRACTICES
        .iter()
        .filter(|p| category.is_none_or(|c| c == p.2))
        .map(|(id, name, category, image, flavor)| {
            json!({"id": id, "name": name, "category": category, "image_id": image, "flavor": flavor,
                   "description": format!("{name}: a notebook to open in DevEnviron")})
        })
        .collect();
    Ok(v1_page(items, offset, limit))
}

// ---------------------------------------------------------------------------------- images

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

// ---------------------------------------------------------------------------- pool plugins

fn render_plugin(plugin: &Plugin, now: OffsetDateTime) -> Value {
    let installing = (now - plugin.created).whole_seconds() < PLUGIN_INSTALL_SECS;
    json!({
        "apiVersion": "v2", "kind": "Plugin",
        "metadata": {"name": plugin.name, "creationTimestamp": k8s_time(plugin.created)},
        "spec": {"template": {"name": plugin.template, "version": plugin.version, "inputs": plugin.inputs}},
        "status": {"phase": if installing { "Installing" } else { "Running" }, "version": plugin.version},
    })
}

/// `GET /v2/{project_id}/pools/{pool_name}/plugins`.
pub fn list_plugins(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let pool = req.path("pool_name")?;
    if !ctx.state.infra.pools.iter().any(|p| p.id == pool) {
        return Err(pool_not_found(pool));
    }
    let items: Vec<Value> = ctx
        .state
        .nb_np
        .plugins
        .get(pool)
        .map(|plugins| plugins.iter().map(|p| render_plugin(p, now)).collect())
        .unwrap_or_default();
    Ok(object(
        json!({"apiVersion": "v2", "kind": "PluginList", "items": items}),
    ))
}

/// `POST /v2/{project_id}/pools/{pool_name}/plugins` with `{apiVersion, kind: Plugin,
/// spec: {template: {name, version, inputs}}}`: a known template, once per pool, on a Running
/// pool.
pub fn create_plugin(
    ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let body = req.json_body()?;
    check_kind(&body, "v2", "Plugin")?;
    let template = object_at(&body, "/spec/template");
    let name = template
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_request("spec.template.name is required"))?
        .to_owned();
    let Some((_, latest)) = PLUGIN_TEMPLATES.iter().find(|t| t.0 == name) else {
        let known: Vec<&str> = PLUGIN_TEMPLATES.iter().map(|t| t.0).collect();
        return Err(bad_request(format!(
            "plugin template {name} does not exist; the templates: {}",
            known.join(", ")
        )));
    };
    let version = template
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or(latest)
        .to_owned();
    let now = ctx.now;
    ctx.state.infra.settle(now);
    let pool_id = req.path("pool_name")?.to_owned();
    let pool = ctx
        .state
        .infra
        .pools
        .iter()
        .find(|p| p.id == pool_id)
        .ok_or_else(|| pool_not_found(&pool_id))?;
    let status = pool.status(now);
    if status != "Running" {
        return Err(conflict(format!(
            "pool {pool_id} is {status}, plugins are installed only when it is Running"
        )));
    }
    let plugins = ctx.state.nb_np.plugins.entry(pool_id.clone()).or_default();
    if plugins.iter().any(|p| p.template == name) {
        return Err(conflict(format!(
            "plugin {name} is already installed on pool {pool_id}"
        )));
    }
    let plugin = Plugin {
        name: name.clone(),
        template: name,
        version,
        inputs: template.get("inputs").cloned().unwrap_or_else(|| json!({})),
        created: now,
    };
    let rendered = render_plugin(&plugin, now);
    plugins.push(plugin);
    Ok(object(rendered))
}

/// `GET /v1/{project_id}/nodeconfigtemplates/{nodeconfigtemplate_name}`.
pub fn show_node_config_template(
    _ctx: &mut Ctx<'_, ModelArtsBackend>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("nodeconfigtemplate_name")?;
    let Some((_, base, thin)) = NODE_CONFIG_TEMPLATES.iter().find(|t| t.0 == name) else {
        let known: Vec<&str> = NODE_CONFIG_TEMPLATES.iter().map(|t| t.0).collect();
        return Err(ApiError::new(
            404,
            "ModelArts.50015000",
            format!(
                "node config template {name} not found; the templates: {}",
                known.join(", ")
            ),
        ));
    };
    Ok(object(json!({
        "apiVersion": "v1", "kind": "NodeConfigTemplate", "metadata": {"name": name},
        "spec": {
            "dockerBaseSize": base,
            "dockerLvmConfig": {"dockerThinPool": thin, "kubernetesLV": 500, "dockerDiskType": "SSD", "lvType": "linear"},
            "osList": [
                {"name": "EulerOS 2.9", "imageId": "euleros-2.9-x86", "preferred": true, "eos": false, "offline": false},
                {"name": "Ubuntu 20.04", "imageId": "ubuntu-20.04-x86", "preferred": false, "eos": false, "offline": false},
            ],
        },
    })))
}
