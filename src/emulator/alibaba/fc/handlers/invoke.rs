//! `POST /2023-03-30/functions/{FunctionName}/invocations`: the payload is the raw body
//! (`application/octet-stream`); `x-fc-invocation-type` is `Sync` (default) or `Async`,
//! `x-fc-async-task-id` names an async task (a repeat of the same id answers the same task).
//! A sync answer is the synthesised function output; an async answer names the task, which is
//! recorded (for GetAsyncTask) only when the function's async config has `asyncTask: true`.
//! (Real FC answers a sync call with the function's raw bytes and an async one with 202 and
//! headers; this emulator answers JSON objects that carry the same facts.)

use serde_json::{Map, Value, json};

use super::Ctx;
use crate::emulator::alibaba::fc::models::{AsyncTask, FC_TASK_RUN};
use crate::emulator::alibaba::fc::{errors, rules};
use crate::emulator::core::wire::{ApiError, ApiRequest, new_request_id, random_alnum};

/// GetAsyncTask reads that miss a new async task (see `AsyncTask::unseen_reads`).
const UNSEEN_READS: u32 = 1;

/// The handler.
pub fn invoke_function(
    ctx: &mut Ctx<'_>,
    req: &ApiRequest,
) -> Result<Map<String, Value>, ApiError> {
    let name = req.path("FunctionName")?.to_owned();
    if ctx.state.function(&name).is_none() {
        return Err(errors::function_not_found(&name));
    }
    let kind = req.header("x-fc-invocation-type").unwrap_or("Sync");
    let outcome = rules::synthesise(&name, &req.body);
    if kind.eq_ignore_ascii_case("Sync") {
        let mut out = outcome.body;
        if req
            .header("x-fc-log-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("Tail"))
        {
            out.insert(
                "logResult".into(),
                json!(format!(
                    "FC Invoke Start RequestId: {name}\nFC Invoke End RequestId: {name}"
                )),
            );
        }
        return Ok(out);
    }
    if !kind.eq_ignore_ascii_case("Async") {
        return Err(errors::invalid(format!(
            "x-fc-invocation-type '{kind}' is invalid: Sync or Async."
        )));
    }
    let task_id = req
        .header("x-fc-async-task-id")
        .filter(|t| !t.trim().is_empty())
        .map_or_else(|| random_alnum(24).to_lowercase(), str::to_owned);
    let mut out = Map::new();
    out.insert("asyncTaskId".into(), json!(task_id));
    out.insert("invocationType".into(), json!("Async"));
    if ctx
        .state
        .tasks
        .iter()
        .any(|t| t.function == name && t.id == task_id)
    {
        return Ok(out);
    }
    if ctx.state.records_tasks(&name) {
        let progress = ctx.progress(&FC_TASK_RUN);
        ctx.state.tasks.push(AsyncTask {
            function: name,
            id: task_id,
            request_id: new_request_id(),
            payload: String::from_utf8_lossy(&req.body).into_owned(),
            progress,
            outcome,
            stopped: None,
            unseen_reads: UNSEEN_READS,
        });
    }
    Ok(out)
}
