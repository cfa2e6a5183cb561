//! ModelArts part 2, notebook side (`tools/modelarts/nb_np.toml`): authoring clusters (the
//! public one and each Running pool with the Notebook scope), one OBS mount's detail, notebook
//! tags, DevEnviron features and practices, and the state of this part ([`NbNpState`]; the
//! image registry and pool plugins have their own files, `image_registry` and `pool_plugins`).
//! Everything reads the same state as part 1: a pool created by `CreatePool` is a cluster here,
//! a notebook's tags go with the notebook.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{page, v1_page};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::catalog::{NOTEBOOK_FLAVORS, notebook_flavor};
use crate::emulator::huawei::modelarts::infra::k8s_time;
use crate::emulator::huawei::modelarts::models::ModelArtsBackend;

/// The most tags one notebook carries.
const MAX_TAGS: usize = 20;

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

/// The state of this part: notebook tags and pool plugins (images go to `saved_images`).
#[derive(Debug, Default, Clone)]
pub struct NbNpState {
    /// Tags per notebook id, `(key, value)` in insertion order.
    pub notebook_tags: BTreeMap<String, Vec<(String, String)>>,
    /// Plugins per pool id (`pool_plugins`).
    pub plugins: BTreeMap<String, Vec<super::pool_plugins::Plugin>>,
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
