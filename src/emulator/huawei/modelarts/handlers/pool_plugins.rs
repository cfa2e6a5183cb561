//! Pool plugins and node configuration templates (`tools/modelarts/nb_np.toml`): a known plugin
//! template installed once per Running pool (Installing for a few emulated seconds, then
//! Running), listed per pool; the node configuration templates new nodes are made from.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::k8s::{bad_request, check_kind, conflict, object_at, pool_not_found};
use crate::emulator::core::service::Ctx;
use crate::emulator::core::wire::{ApiError, ApiRequest};
use crate::emulator::huawei::errors::object;
use crate::emulator::huawei::modelarts::infra::k8s_time;
use crate::emulator::huawei::modelarts::models::ModelArtsBackend;

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
