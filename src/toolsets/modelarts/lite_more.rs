//! The rest of Lite Server (seed-operations.md 6.9): state checks before a dev server or
//! hyperinstance action (the plan shows what it acts on, and a wrong state is refused before
//! anything is sent), batch actions and job deletes that list every target and count them
//! for `CONFIRM-BATCH <ACTION> <N>`, and live scaling checked against the scale evaluation
//! (the seed's "evaluate first", made a rule: a sold-out flavor or removing every server is
//! refused).

use serde_json::{Value, json};

use super::pools::problems;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::toolsets::{DeclaredCall, GuardContext};

const GET_SERVER: &str = "ma_lite_get";
const GET_HYPER: &str = "ma_lite_get_hyperinstance";
const GET_JOB: &str = "ma_lite_get_job";
const SCALE_EVALUATIONS: &str = "ma_lite_get_scale_evaluations";

fn call(tool: &'static str, args: Value) -> DeclaredCall {
    DeclaredCall { tool, args }
}

fn refuse(message: String, details: Value) -> ToolFailure {
    ToolFailure::new(FailureKind::ValidationError, message)
        .with_details(details)
        .with_hint("show the state to the user; nothing was planned")
}

/// The statuses a dev server tool (or batch action type) needs.
fn server_states(action: &str) -> &'static [&'static str] {
    match action {
        "ma_lite_start" | "START" => &["STOPPED"],
        "ma_lite_stop" | "ma_lite_reboot" | "STOP" | "REBOOT" => &["RUNNING"],
        "ma_lite_delete" | "DELETE" => &["RUNNING", "STOPPED", "ERROR", "CREATE_FAILED"],
        "ma_lite_update" => &["RUNNING", "STOPPED", "ERROR"],
        _ => &["RUNNING", "STOPPED"],
    }
}

async fn load_server(
    ctx: &mut GuardContext<'_>,
    id: &str,
    action: &str,
) -> Result<Value, ToolFailure> {
    let server = ctx
        .read(&call(GET_SERVER, json!({"server_id": id})))
        .await
        .map_err(|e| e.add_hint("ma_lite_list lists the dev servers of the region"))?
        .body;
    let status = server["status"].as_str().unwrap_or_default().to_owned();
    let shown = json!({"id": id, "name": server["name"], "status": status, "flavor": server["flavor"], "charging_mode": server["charging_mode"]});
    let allowed = server_states(action);
    if !allowed.contains(&status.as_str()) {
        return Err(refuse(
            format!(
                "dev server `{id}` is {status}; this needs it {}",
                allowed.join(" or ")
            ),
            shown,
        ));
    }
    Ok(shown)
}

/// `ma.lite_server`: the dev server exists and is in a state the tool can act on; deleting a
/// subscription server warns that the prepaid period is not refunded by the delete.
pub(crate) async fn lite_server(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let id = ctx.arg_str("server_id").unwrap_or_default();
    let tool = ctx.tool.name.clone();
    let shown = load_server(ctx, &id, &tool).await?;
    if tool == "ma_lite_delete" && shown["charging_mode"] == "PRE_PAID" {
        ctx.checks.push(Check::warning(
            "cost",
            json!({"note": "a PRE_PAID server: deleting it does not refund the period; unsubscribe in the billing center"}),
        ));
    }
    ctx.checks.push(Check::ok("server", shown.clone()));
    ctx.diff.insert("server".into(), json!({"current": shown}));
    ctx.state.push(shown);
    Ok(())
}

async fn load_hyper(ctx: &mut GuardContext<'_>, allowed: &[&str]) -> Result<Value, ToolFailure> {
    let id = ctx.arg_str("hyperinstance_id").unwrap_or_default();
    let hyper = ctx
        .read(&call(GET_HYPER, json!({"hyperinstance_id": id})))
        .await
        .map_err(|e| e.add_hint("ma_lite_list_hyperinstances lists them"))?
        .body;
    let status = hyper["status"].as_str().unwrap_or_default().to_owned();
    let servers: Vec<Value> = hyper["servers"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|s| json!({"id": s["id"], "name": s["name"], "flavor": s["flavor"]}))
                .collect()
        })
        .unwrap_or_default();
    let shown = json!({"id": id, "name": hyper["name"], "status": status, "servers": servers});
    if !allowed.contains(&status.as_str()) {
        return Err(refuse(
            format!(
                "hyperinstance `{id}` is {status}; this needs it {}",
                allowed.join(" or ")
            ),
            shown,
        ));
    }
    ctx.checks.push(Check::ok("hyperinstance", shown.clone()));
    ctx.state.push(shown.clone());
    Ok(shown)
}

/// `ma.lite_hyper`: the hyperinstance exists and is in a state the tool can act on.
pub(crate) async fn lite_hyper(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let allowed: &[&str] = match ctx.tool.name.as_str() {
        "ma_lite_start_hyperinstance" => &["STOPPED"],
        "ma_lite_stop_hyperinstance" => &["RUNNING"],
        "ma_lite_delete_hyperinstance" => &["RUNNING", "STOPPED", "ERROR"],
        "ma_lite_change_hyper_os" => &["RUNNING", "STOPPED"],
        _ => &["RUNNING", "STOPPED", "ERROR", "CREATING", "SCALING"],
    };
    load_hyper(ctx, allowed).await.map(|_| ())
}

/// `ma.lite_scale`: a RUNNING hyperinstance; a scale-up flavor the evaluation says is not
/// sold out; a scale-down naming members only, each once, leaving at least one.
pub(crate) async fn lite_scale(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let shown = load_hyper(ctx, &["RUNNING"]).await?;
    let id = ctx.arg_str("hyperinstance_id").unwrap_or_default();
    if ctx.tool.name == "ma_lite_scale_up_hyperinstance" {
        let evaluations = ctx
            .read(&call(SCALE_EVALUATIONS, json!({"hyperinstance_id": id})))
            .await?
            .body;
        let flavor = ctx.arg_str("flavor").unwrap_or_default();
        let list = evaluations["evaluations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let open: Vec<&Value> = list
            .iter()
            .filter(|e| e["is_sold_out"] != true)
            .map(|e| &e["flavor"])
            .collect();
        match list.iter().find(|e| e["flavor"] == flavor.as_str()) {
            Some(e) if e["is_sold_out"] != true => {}
            found => {
                let why = if found.is_some() {
                    "is sold out"
                } else {
                    "cannot be added to this hyperinstance"
                };
                return Err(refuse(
                    format!("flavor `{flavor}` {why}"),
                    json!({"available": open}),
                ));
            }
        }
        ctx.checks.push(Check::warning(
            "cost",
            json!({"note": format!("one more {flavor} server, billed like the others of the hyperinstance")}),
        ));
        return Ok(());
    }
    let members: Vec<String> = shown["servers"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let wanted = ctx.arg_strings("server_ids");
    let mut errors = Vec::new();
    for (index, server) in wanted.iter().enumerate() {
        if wanted[..index].contains(server) {
            errors.push(format!("server `{server}` is named twice"));
        } else if !members.contains(server) {
            errors.push(format!("server `{server}` is not in hyperinstance `{id}`"));
        }
    }
    if errors.is_empty() && wanted.len() >= members.len() {
        errors.push(format!(
            "these are all {} servers of `{id}`; one must stay (ma_lite_delete_hyperinstance removes it all)",
            members.len()
        ));
    }
    problems(errors)?;
    ctx.checks.push(Check::warning(
        "removed",
        json!({"servers": wanted, "note": "removed servers and their disks are released"}),
    ));
    ctx.args.insert("server_count".into(), json!(wanted.len()));
    Ok(())
}

/// `ma.lite_batch`: every dev server of a batch action (or job of a delete) exists and is in
/// the state the action needs, listed in the plan and counted for the phrase; a batch OS
/// action logs in by key pair.
pub(crate) async fn lite_batch(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    let jobs = ctx.tool.name == "ma_lite_delete_jobs";
    let key = if jobs { "job_ids" } else { "server_ids" };
    let ids = ctx.arg_strings(key);
    let action = ctx.arg_str("type").unwrap_or_default();
    let mut errors = Vec::new();
    let mut listed = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        if ids[..index].contains(id) {
            errors.push(format!("`{id}` is named twice"));
            continue;
        }
        if jobs {
            let job = ctx.read(&call(GET_JOB, json!({"job_id": id}))).await?.body;
            let status = job["status"].as_str().unwrap_or_default().to_owned();
            if status == "RUNNING" {
                errors.push(format!("job `{id}` is still running"));
            }
            listed.push(
                json!({"id": id, "name": job["name"], "type": job["type"], "status": status}),
            );
        } else {
            match load_server(ctx, id, &action).await {
                Ok(shown) => listed.push(shown),
                Err(e) => errors.push(e.message.clone()),
            }
        }
    }
    if !jobs && matches!(action.as_str(), "CHANGEOS" | "REINSTALLOS") {
        let key_pair = ctx.arg_str("key_pair_name");
        let image = ctx.arg_str("image_id");
        if key_pair.is_none() {
            errors.push(format!(
                "{action} needs key_pair_name (passwords are refused)"
            ));
        }
        if action == "CHANGEOS" && image.is_none() {
            errors.push("CHANGEOS needs image_id".into());
        }
        let mut extend = json!({"key_pair_name": key_pair});
        if let Some(image) = image {
            extend["image_id"] = json!(image);
        }
        ctx.args.insert("extend_param".into(), extend);
    }
    problems(errors)?;
    ctx.checks.push(Check::ok(
        if jobs { "jobs" } else { "servers" },
        json!({"count": listed.len(), "items": listed}),
    ));
    if jobs {
        ctx.args.insert("job_count".into(), json!(ids.len()));
    } else {
        let servers: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        ctx.args.insert("servers".into(), json!(servers));
        ctx.args.insert("server_count".into(), json!(ids.len()));
    }
    Ok(())
}

/// Registers the Lite Server state, batch and scale guards.
pub(crate) fn register(registry: &mut crate::toolsets::ToolsetRegistry) {
    registry.guards(&[
        crate::guard!("ma.lite_server", needs: [], provides: [], calls: [GET_SERVER], lite_server),
        crate::guard!("ma.lite_hyper", needs: [], provides: [], calls: [GET_HYPER], lite_hyper),
        crate::guard!("ma.lite_scale", needs: [], provides: [], calls: [GET_HYPER, SCALE_EVALUATIONS], lite_scale),
        crate::guard!("ma.lite_batch", needs: [], provides: [], calls: [GET_SERVER, GET_JOB], lite_batch),
    ]);
}
