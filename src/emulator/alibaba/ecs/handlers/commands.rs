//! `RunCommand`: records an invocation whose per-instance results are synthesised from the
//! instances' facts and installed packages (`rules::command_output`). Nothing is executed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::ecs::models::{
    INVOCATION_RUN, InstanceStatus, Invocation, InvocationTarget, OsType,
};
use crate::emulator::alibaba::ecs::rules::command_output::{COMMAND_TYPES, synthesise};
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::alibaba::ecs::{errors, regions};
use crate::emulator::alibaba::oos::models::OosBackend;
use crate::emulator::core::wire::{ApiError, ApiRequest, random_id};

/// The most instances one `RunCommand` may target.
const MAX_INSTANCES: usize = 100;

/// The script, decoded per `ContentEncoding` (`PlainText` by default, or `Base64`).
fn script(req: &ApiRequest) -> Result<String, ApiError> {
    let content = req
        .query_nonempty("CommandContent")
        .ok_or_else(|| ApiError::missing("CommandContent"))?;
    match req.query_nonempty("ContentEncoding") {
        None => Ok(content.to_owned()),
        Some(e) if e.eq_ignore_ascii_case("PlainText") => Ok(content.to_owned()),
        Some(e) if e.eq_ignore_ascii_case("Base64") => BASE64
            .decode(content.trim())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|_| {
                errors::invalid(
                    "CommandContent",
                    "CommandContent is not valid Base64 although ContentEncoding is Base64.",
                )
            }),
        Some(e) => Err(errors::invalid(
            "ContentEncoding",
            format!("ContentEncoding \"{e}\" is not valid; valid values: PlainText, Base64."),
        )),
    }
}

/// `RunCommand` on `InstanceId.N` (1 to 100 Running instances of the region).
pub fn run_command(ctx: &mut Ctx<'_>, req: &ApiRequest) -> Result<Map<String, Value>, ApiError> {
    ctx.state.settle(ctx.now);
    let region = region::required(req)?;
    let command_type = req
        .query_nonempty("Type")
        .ok_or_else(|| ApiError::missing("Type"))?;
    if !COMMAND_TYPES.iter().any(|(t, _)| *t == command_type) {
        return Err(errors::invalid(
            "Type",
            format!(
                "Type \"{command_type}\" is not valid; valid values: RunShellScript, RunBatScript, RunPowerShellScript."
            ),
        ));
    }
    let content = script(req)?;
    let mut ids = req.repeat_list("InstanceId");
    ids.dedup();
    if ids.is_empty() {
        return Err(ApiError::missing("InstanceId"));
    }
    if ids.len() > MAX_INSTANCES {
        return Err(errors::invalid(
            "InstanceId",
            format!(
                "At most {MAX_INSTANCES} instances per call, got {}.",
                ids.len()
            ),
        ));
    }
    if let Some(mode) = req.query_nonempty("RepeatMode").filter(|m| *m != "Once") {
        return Err(errors::invalid(
            "RepeatMode",
            format!("RepeatMode \"{mode}\" is not supported by the emulator; use Once."),
        ));
    }
    let parameters = req.json_object("Parameters")?.unwrap_or_default();
    let timeout = req.int_in_range("Timeout", 10, 86_400, 60)?;
    let token = req.query_nonempty("ClientToken").map(str::to_owned);
    if let Some(invoke_id) = token
        .as_ref()
        .and_then(|t| ctx.state.run_command_tokens.get(t))
        && let Some(existing) = ctx.state.invocation(invoke_id)
    {
        let mut out = Map::new();
        out.insert("InvokeId".into(), json!(existing.invoke_id));
        out.insert("CommandId".into(), json!(existing.command_id));
        return Ok(out);
    }
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| ctx.state.instance(id).is_none())
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(errors::instances_not_found(&missing, region));
    }
    let stopped: Vec<String> = ids
        .iter()
        .filter_map(|id| ctx.state.instance(id))
        .filter(|i| i.status != InstanceStatus::Running)
        .map(|i| format!("{} is {}", i.id, i.status.as_str()))
        .collect();
    if !stopped.is_empty() {
        return Err(errors::instances_not_running(&stopped));
    }
    let now = ctx.now;
    let oos = ctx.siblings.get::<OosBackend>();
    let targets: Vec<InvocationTarget> = ids
        .iter()
        .filter_map(|id| ctx.state.instance(id))
        .map(|i| {
            let states = oos
                .map(|o| o.package_states(&i.id, now))
                .unwrap_or_default();
            InvocationTarget {
                instance_id: i.id.clone(),
                outcome: synthesise(i, command_type, &content, &states),
            }
        })
        .collect();
    let windows = ids
        .first()
        .and_then(|id| ctx.state.instance(id))
        .is_some_and(|i| i.os_type == OsType::Windows);
    let short = regions::short_code(region);
    let invocation = Invocation {
        invoke_id: random_id(&format!("t-{short}"), 14),
        command_id: random_id(&format!("c-{short}"), 14),
        name: req.query_nonempty("Name").unwrap_or_default().to_owned(),
        description: req
            .query_nonempty("Description")
            .unwrap_or_default()
            .to_owned(),
        command_type: command_type.to_owned(),
        content,
        parameters,
        timeout,
        username: req
            .query_nonempty("Username")
            .unwrap_or(if windows { "System" } else { "root" })
            .to_owned(),
        working_dir: req
            .query_nonempty("WorkingDir")
            .unwrap_or(if windows {
                "C:\\Windows\\system32"
            } else {
                "/root"
            })
            .to_owned(),
        created: now,
        progress: ctx.progress(&INVOCATION_RUN),
        manual_done_at: None,
        targets,
    };
    let mut out = Map::new();
    out.insert("InvokeId".into(), json!(invocation.invoke_id));
    out.insert("CommandId".into(), json!(invocation.command_id));
    if let Some(token) = token {
        ctx.state
            .run_command_tokens
            .insert(token, invocation.invoke_id.clone());
    }
    ctx.state.invocations.push(invocation);
    Ok(out)
}
