//! The rules of ModelArts part 2's notebook and node-pool side (`tools/modelarts/nb_np.toml`):
//! an image is synced or deleted only when the account owns it (built-in, public images belong
//! to the service and are never touched), and a plugin is installed only on a Running pool
//! that does not have it yet.

use serde_json::{Value, json};

use super::api::{declared, items, text};
use super::pools::{GET_POOL, load_pool};
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::GuardContext;

pub(crate) const GET_IMAGE: &str = "ma_image_get";
pub(crate) const LIST_PLUGINS: &str = "ma_np_list_plugins";

/// `ma.image_owned`: the image exists and is one of the account's own (`DEDICATED`); a
/// built-in image (`BUILD_IN`) is refused with nothing planned.
pub(crate) async fn image_owned(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("image_id").unwrap_or_default();
    let image = ctx
        .read(&declared(GET_IMAGE, json!({"image_id": id})))
        .await
        .map_err(|e| e.add_hint("ma_image_list lists the images of the region"))?
        .body;
    let kind = text(&image, "/type").to_owned();
    let shown = json!({
        "image_id": id, "name": image["name"], "tag": image["tag"], "namespace": image["namespace"],
        "type": kind, "visibility": image["visibility"], "swr_path": image["swr_path"],
    });
    if kind != "DEDICATED" {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "image `{id}` is a {} image of the service, not one of this account's: only DEDICATED (own) images can be synced or deleted",
                if kind.is_empty() { "preset" } else { kind.as_str() }
            ),
        )
        .with_details(shown)
        .with_hint("ma_image_list type=DEDICATED lists the account's own images; nothing was planned"));
    }
    ctx.checks.push(Check::ok("image", shown.clone()));
    ctx.state.push(shown.clone());
    ctx.diff.insert("image".into(), json!({"current": shown}));
    Ok(())
}

/// `ma.np_create_plugin`: the pool is Running and has no plugin of that template; fills `spec`.
pub(crate) async fn np_create_plugin(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let pool_id = ctx.arg_str("pool_id").unwrap_or_default();
    let template = ctx.arg_str("template").unwrap_or_default();
    let pool = load_pool(ctx).await?;
    let phase = text(&pool, "/status/phase").to_owned();
    if phase != "Running" {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!("pool `{pool_id}` is {phase}: plugins are installed on a Running pool"),
        )
        .with_hint("ma_pool_wait follows a Creating pool"));
    }
    let installed = ctx
        .read(&declared(LIST_PLUGINS, json!({"pool_id": pool_id})))
        .await?
        .body;
    let plugins = items(&installed, "items");
    if let Some(found) = plugins
        .iter()
        .find(|p| text(p, "/spec/template/name") == template)
    {
        return Err(ToolFailure::new(
            FailureKind::InUse,
            format!("pool `{pool_id}` already has plugin `{template}`"),
        )
        .with_details(json!({"plugin": found.pointer("/metadata/name"), "version": found.pointer("/spec/template/version"), "phase": found.pointer("/status/phase")})));
    }
    let mut spec = json!({"name": template});
    if let Some(version) = ctx.arg_str("version") {
        spec["version"] = Value::String(version);
    }
    if let Some(inputs) = ctx.args.get("inputs").cloned() {
        spec["inputs"] = inputs;
    }
    ctx.diff.insert(
        "plugins".into(),
        json!({"current": plugins.iter().map(|p| p.pointer("/spec/template/name").cloned().unwrap_or(Value::Null)).collect::<Vec<_>>(), "target": format!("+ {template}")}),
    );
    ctx.args.insert("spec".into(), json!({"template": spec}));
    Ok(())
}

/// Registers the guards of this part.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.image_owned", needs: [], provides: [], calls: [GET_IMAGE], image_owned),
        crate::guard!("ma.np_create_plugin", needs: [], provides: [], calls: [GET_POOL, LIST_PLUGINS], np_create_plugin),
    ]);
}
