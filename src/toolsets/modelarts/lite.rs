//! Lite Server (seed-operations.md 6.9): a dev server create that never picks the flavor or
//! image itself (the skill's `auto_select` is refused with the candidates listed), checks the
//! flavor is not sold out and the image fits it, logs in by key pair only (no password passes
//! through the agent), and states the commitment of a PRE_PAID server.

use serde_json::{Value, json};

use super::pools::problems;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

pub(crate) const LIST_FLAVORS: &str = "ma_lite_list_flavors";
pub(crate) const LIST_IMAGES: &str = "ma_lite_list_images";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

/// `ma.lite_create`: explicit flavor and image; fills `network`, `charging_info`, `root_volume`.
pub(crate) async fn lite_create(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let flavors = ctx.read(&call(LIST_FLAVORS, json!({}))).await?.body;
    let all: Vec<Value> = flavors["data"].as_array().cloned().unwrap_or_default();
    let open: Vec<Value> = all
        .iter()
        .filter(|f| f["is_sold_out"] != true)
        .map(|f| json!({"flavor": f["flavor"], "server_type": f["server_type"], "arch": f["arch"], "specification": f["specification"]}))
        .collect();
    if ctx.args.get("auto_select").and_then(Value::as_bool) == Some(true) {
        let images = ctx.read(&call(LIST_IMAGES, json!({}))).await?.body;
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            "auto_select is refused: a billable server's flavor and image are chosen by the user, never picked silently",
        )
        .with_details(json!({"flavors": open, "images": images["data"]}))
        .with_hint("show these candidates to the user, then call again with flavor and image_id; nothing was planned"));
    }
    let name = ctx.arg_str("name").unwrap_or_default();
    let flavor = ctx.arg_str("flavor").unwrap_or_default();
    let image = ctx.arg_str("image_id").unwrap_or_default();
    let mut errors = Vec::new();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        errors.push(format!(
            "name `{name}` must be 1-64 letters, digits, '-', '_' or '.'"
        ));
    }
    let chosen = all.iter().find(|f| f["flavor"] == flavor.as_str());
    match chosen {
        None => errors.push(format!(
            "flavor `{flavor}` does not exist (ma_lite_list_flavors)"
        )),
        Some(f) if f["is_sold_out"] == true => {
            errors.push(format!("flavor `{flavor}` is sold out"))
        }
        Some(_) => {
            let fitting = ctx
                .read(&call(LIST_IMAGES, json!({"flavor": flavor})))
                .await?
                .body;
            let ids: Vec<String> = fitting["data"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|i| i["image_id"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if !ids.contains(&image) {
                errors.push(format!(
                    "image `{image}` does not fit flavor `{flavor}`; these do: {}",
                    ids.join(", ")
                ));
            }
        }
    }
    let charging = ctx
        .arg_str("charging_mode")
        .unwrap_or_else(|| "POST_PAID".into());
    let (period_type, period_num) = (
        ctx.arg_str("period_type"),
        ctx.args.get("period_num").and_then(Value::as_u64),
    );
    if charging == "PRE_PAID" && (period_type.is_none() || period_num.is_none()) {
        errors.push("PRE_PAID needs period_type and period_num".into());
    }
    problems(errors)?;
    let mut info = json!({"charging_mode": charging});
    if charging == "PRE_PAID" {
        let (unit, num) = (period_type.unwrap_or_default(), period_num.unwrap_or(1));
        info["period_type"] = json!(unit);
        info["period_num"] = json!(num);
        info["is_auto_pay"] = json!(false);
        ctx.checks.push(Check::warning("cost", json!({"charging_mode": "PRE_PAID", "commitment": format!("1 x {flavor} for {num} {}(s), paid in full for the whole period when the order is paid, whether used or not", unit.to_lowercase())})));
    } else {
        ctx.checks.push(Check::ok("cost", json!({"charging_mode": "POST_PAID", "note": format!("1 x {flavor}, billed per hour while it exists")})));
    }
    ctx.args.insert("charging_info".into(), info);
    ctx.args.insert("network".into(), json!({"vpc_id": ctx.args.get("vpc_id"), "subnet_id": ctx.args.get("subnet_id"), "security_group_id": ctx.args.get("security_group_id")}));
    ctx.args.insert("root_volume".into(), json!({"type": "SSD", "size": ctx.args.get("root_volume_gb").cloned().unwrap_or(json!(100))}));
    Ok(())
}

/// Registers the Lite Server guard.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[crate::guard!("ma.lite_create", needs: [], provides: [], calls: [LIST_FLAVORS, LIST_IMAGES], lite_create)]);
}
