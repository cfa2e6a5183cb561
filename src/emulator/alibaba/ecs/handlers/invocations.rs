//! `DescribeInvocations` and `DescribeInvocationResults`: what `RunCommand` recorded, as
//! it progresses through the `ecs.invocation.run` lifecycle.

use serde_json::{Map, Value, json};

use super::{Ctx, page, paged};
use crate::emulator::alibaba::ecs::errors;
use crate::emulator::alibaba::ecs::models::{Invocation, InvocationTarget};
use crate::emulator::alibaba::ecs::render::{Encoding, invocation_item, invocation_result_item};
use crate::emulator::alibaba::ecs::rules::region;
use crate::emulator::core::wire::{ApiError, ApiRequest};

/// `ContentEncoding` of a Describe call: `Base64` unless `PlainText` is asked for.
fn encoding(req: &ApiRequest) -> Result<Encoding, ApiError> {
    match req.query_nonempty("ContentEncoding") {
        None => Ok(Encoding::Base64),
        Some(e) if e.eq_ignore_ascii_case("Base64") => Ok(Encoding::Base64),
        Some(e) if e.eq_ignore_ascii_case("PlainText") => Ok(Encoding::PlainText),
        Some(e) => Err(errors::invalid(
            "ContentEncoding",
            format!("ContentEncoding \"{e}\" is not valid; valid values: PlainText, Base64."),
        )),
    }
}

/// Invocations filtered by `InvokeId`, `InstanceId`, `CommandId`, `InvokeStatus`; newest
/// first. `IncludeOutput=true` adds each instance's `Output`.
pub fn describe_invocations(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::required(req)?;
    let encoding = encoding(req)?;
    let include_output = req.query_bool("IncludeOutput")?.unwrap_or(false);
    let page = page(req, 10, 50)?;
    let now = ctx.now;
    let invoke_id = req.query_nonempty("InvokeId");
    let instance_id = req.query_nonempty("InstanceId");
    let command_id = req.query_nonempty("CommandId");
    let status = req.query_nonempty("InvokeStatus");
    let mut selected: Vec<&Invocation> = ctx
        .state
        .invocations
        .iter()
        .filter(|i| invoke_id.is_none_or(|id| i.invoke_id == id))
        .filter(|i| command_id.is_none_or(|id| i.command_id == id))
        .filter(|i| instance_id.is_none_or(|id| i.targets.iter().any(|t| t.instance_id == id)))
        .filter(|i| status.is_none_or(|s| i.status(now).eq_ignore_ascii_case(s)))
        .collect();
    selected.reverse();
    let (items, mut out) = paged(&selected, page);
    let items: Vec<Value> = items
        .iter()
        .map(|i| invocation_item(i, now, include_output, encoding))
        .collect();
    out.insert("Invocations".into(), json!({ "Invocation": items }));
    Ok(out)
}

/// One result per instance per invocation, filtered by `InvokeId`, `InstanceId`,
/// `CommandId`, `InvokeRecordStatus`; `Output` is Base64 unless `PlainText` is asked for.
pub fn describe_invocation_results(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    region::required(req)?;
    let encoding = encoding(req)?;
    let page = page(req, 10, 50)?;
    let now = ctx.now;
    let invoke_id = req.query_nonempty("InvokeId");
    let instance_id = req.query_nonempty("InstanceId");
    let command_id = req.query_nonempty("CommandId");
    let record = req.query_nonempty("InvokeRecordStatus");
    let results: Vec<(&Invocation, &InvocationTarget)> = ctx
        .state
        .invocations
        .iter()
        .rev()
        .filter(|i| invoke_id.is_none_or(|id| i.invoke_id == id))
        .filter(|i| command_id.is_none_or(|id| i.command_id == id))
        .flat_map(|i| i.targets.iter().map(move |t| (i, t)))
        .filter(|(_, t)| instance_id.is_none_or(|id| t.instance_id == id))
        .filter(|(i, _)| {
            record.is_none_or(|r| {
                let done = i.finished_at(now).is_some();
                (r.eq_ignore_ascii_case("Finished") && done)
                    || (r.eq_ignore_ascii_case("Running") && !done)
            })
        })
        .collect();
    let (items, meta) = paged(&results, page);
    let items: Vec<Value> = items
        .iter()
        .map(|(i, t)| invocation_result_item(i, t, now, encoding))
        .collect();
    let mut invocation = meta;
    invocation.insert(
        "InvocationResults".into(),
        json!({ "InvocationResult": items }),
    );
    let mut out = Map::new();
    out.insert("Invocation".into(), Value::Object(invocation));
    Ok(out)
}
