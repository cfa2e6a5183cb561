//! `cp_fc_invoke_function_and_wait` (seed-operations.md 3.8): a run of at most 60 s is one sync
//! invoke; a longer one turns the function's async task tracking on, invokes async with a task
//! id chosen in the plan (FC dedups a repeat by that id), and follows GetAsyncTask as the long
//! operation `cp.fc_async_task` until Succeeded, Failed, Stopped or Expired, for at most the
//! run's timeout + 60 s of looks. `AsyncTaskNotFound` right after the invoke (FC records a task a
//! moment later) is tolerated while polling. Invoking runs the user's code and costs money, so
//! the plan is confirmed with `CONFIRM <FUNCTION_NAME>`, as `cp_fc_invoke_function` is.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::declared;
use crate::failure::{FailureKind, ToolFailure};
use crate::gate::Check;
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, GuardContext, OperationKind, Phase, PollContext, Polled};

const GET_FUNCTION: &str = "cp_fc_get_function";
const GET_ASYNC_TASK: &str = "cp_fc_get_async_task";
/// The longest run a sync invoke is used for (the skill's rule).
pub const SYNC_LIMIT_S: i64 = 60;
/// Seconds between looks.
const INTERVAL_S: u64 = 5;
/// Looks go on this long after the run's own timeout.
const GRACE_S: u64 = 60;
/// FC's longest timeout plus the grace: the kind's outer bound (each task has its own).
const MAX_S: u64 = 86_400 + GRACE_S;
const SUCCEEDED: &str = "Succeeded";
const FAILED: [&str; 3] = ["Failed", "Stopped", "Expired"];

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Guard `cp.fc_invoke_mode`: the function exists, the script travels base64, and the mode
/// follows the timeout (sync up to 60 s, else the async config, the async invoke and the task).
pub async fn invoke_mode(ctx: &mut GuardContext<'_>) -> Result<(), ToolFailure> {
    use base64::Engine;
    let name = ctx.arg_str("function_name").unwrap_or_default();
    let function = ctx
        .read(&declared(GET_FUNCTION, json!({"function_name": name})))
        .await?
        .body;
    let script = ctx.arg_str("script").filter(|s| !s.is_empty());
    let script_b64 = ctx.arg_str("script_b64").filter(|s| !s.is_empty());
    let payload = match (script, script_b64) {
        (Some(_), Some(_)) => {
            return Err(ToolFailure::new(
                FailureKind::ValidationError,
                "give `script` or `script_b64`, not both: nothing was planned",
            ));
        }
        (Some(script), None) => base64::engine::general_purpose::STANDARD.encode(script),
        (None, Some(encoded)) => {
            if base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .is_err()
            {
                return Err(ToolFailure::new(
                    FailureKind::ValidationError,
                    "`script_b64` is not valid base64: nothing was planned",
                ));
            }
            encoded
        }
        (None, None) => {
            return Err(ToolFailure::new(
                FailureKind::ValidationError,
                "give the script to run as `script` (or `script_b64`): nothing was planned",
            ));
        }
    };
    let timeout = ctx
        .args
        .get("timeout_s")
        .and_then(Value::as_i64)
        .unwrap_or(300);
    let function_timeout = function.get("timeout").and_then(Value::as_i64);
    if let Some(limit) = function_timeout
        && timeout > limit
    {
        return Err(ToolFailure::new(
            FailureKind::ValidationError,
            format!(
                "timeout {timeout} s is above `{name}`'s own timeout of {limit} s: FC would cut the run at {limit} s; nothing was planned"
            ),
        )
        .with_hint("pass a timeout_s within the function's, or raise the function's timeout"));
    }
    let sync = timeout <= SYNC_LIMIT_S;
    // A new id per plan (FC dedups an async invoke by it, so a repeat of this plan's invoke is
    // the same task); the re-check before execution keeps the planned one.
    let task_id = match (ctx.phase, ctx.arg_str("async_task_id")) {
        (Phase::Recheck, Some(planned)) => planned,
        _ => format!("sg-{}", uuid::Uuid::new_v4().simple()),
    };
    ctx.args.insert("payload_b64".into(), json!(payload));
    ctx.args.insert("sync_invoke".into(), json!(sync));
    ctx.args.insert("async_invoke".into(), json!(!sync));
    ctx.args.insert("async_task_id".into(), json!(task_id));
    ctx.args.insert(
        "invoke_mode".into(),
        json!(if sync { "sync" } else { "async" }),
    );
    let view = json!({
        "function_name": name,
        "function_timeout_s": function_timeout,
        "timeout_s": timeout,
        "mode": if sync { "sync: one invoke that answers the output (timeout <= 60 s)" } else { "async: async task tracking on, an async invoke, then GetAsyncTask every 5 s until timeout + 60 s" },
        "async_task_id": if sync { Value::Null } else { json!(task_id) },
        "runs_user_code": true,
    });
    ctx.checks.push(Check::ok("invoke_mode", view));
    ctx.state.push(json!({"function": name, "sync": sync}));
    Ok(())
}

fn region(args: &Map<String, Value>) -> String {
    text(&Value::Object(args.clone()), "region_id").to_string()
}

/// The operation: keyed by region, function and task id (the plan's id for a sync run).
fn begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let region = region(args);
    let function = args
        .get("function_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let task = args
        .get("async_task_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let sync = args
        .get("sync_invoke")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let timeout = args.get("timeout_s").and_then(Value::as_u64).unwrap_or(300);
    let mut subject = json!({"region_id": region, "function_name": function, "task_id": task,
        "limit_s": timeout + GRACE_S});
    if sync {
        subject["sync_answer"] = answer.get("sync").cloned().unwrap_or(Value::Null);
    }
    Ok(Begun {
        key: format!("{region}/{function}/{task}"),
        subject,
    })
}

fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let region = region(args);
    let function = args
        .get("function_name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let task = args
        .get("task_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Begun {
        key: format!("{region}/{function}/{task}"),
        subject: json!({"region_id": region, "function_name": function, "task_id": task}),
    })
}

/// The task's return payload, read as the script executor's `{exit_code, stdout, stderr}` when
/// it is that JSON, else as it came.
fn output(task: &Value) -> Value {
    let raw = text(task, "returnPayload");
    serde_json::from_str::<Value>(raw)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!(raw))
}

fn not_found(failure: &ToolFailure) -> bool {
    failure.details.get("code").and_then(Value::as_str) == Some("AsyncTaskNotFound")
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let subject = &ctx.operation.subject;
    let function = text(subject, "function_name").to_string();
    let task_id = text(subject, "task_id").to_string();
    if let Some(answer) = subject.get("sync_answer").filter(|a| !a.is_null()) {
        return Ok(Polled {
            status: OpStatus::Succeeded,
            message: format!("{function} answered the sync invoke"),
            snapshot: json!({"function_name": function, "mode": "sync", "output": answer}),
        });
    }
    // Looks made so far, this one included, at the kind's cadence.
    let looked_s = u64::from(ctx.operation.polls + 1) * INTERVAL_S;
    let limit_s = subject.get("limit_s").and_then(Value::as_u64);
    let previous = &ctx.operation.snapshot;
    let misses = previous
        .get("not_found_looks")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let read = ctx
        .read(&declared(
            GET_ASYNC_TASK,
            json!({"function_name": function, "task_id": task_id}),
        ))
        .await;
    let (status, snapshot) = match read {
        Ok(response) => {
            let task = response.body;
            let status = text(&task, "status").to_string();
            let mut snapshot = json!({
                "function_name": function,
                "task_id": task_id,
                "mode": "async",
                "status": status,
                "duration_ms": task.get("durationMs"),
                "not_found_looks": misses,
            });
            if status == SUCCEEDED || FAILED.contains(&status.as_str()) {
                snapshot["output"] = output(&task);
                if let Some(error) = task.get("taskErrorMessage") {
                    snapshot["error"] = error.clone();
                }
            }
            (status, snapshot)
        }
        Err(failure) if not_found(&failure) => (
            "NotRecordedYet".to_string(),
            json!({"function_name": function, "task_id": task_id, "mode": "async",
                "status": "NotRecordedYet", "not_found_looks": misses + 1}),
        ),
        Err(failure) => return Err(failure),
    };
    let (op, message) = match status.as_str() {
        SUCCEEDED => (OpStatus::Succeeded, format!("task {task_id} Succeeded")),
        s if FAILED.contains(&s) => (OpStatus::Failed, format!("task {task_id} {s}")),
        s if limit_s.is_some_and(|limit| looked_s >= limit) => (
            OpStatus::TimedOut,
            format!(
                "task {task_id} is still {s} after {looked_s} s of looks (timeout + {GRACE_S} s); FC may still finish it"
            ),
        ),
        "NotRecordedYet" => (
            OpStatus::Running,
            format!("task {task_id} is not recorded yet (AsyncTaskNotFound); looking again"),
        ),
        s => (OpStatus::Running, format!("task {task_id} is {s}")),
    };
    Ok(Polled {
        status: op,
        message,
        snapshot,
    })
}

fn report(op: &Operation) -> Value {
    let next = match op.status {
        OpStatus::Succeeded => "the output is in `task.output`",
        OpStatus::Running => {
            "still running: call cp_fc_wait_async_task with function_name and task_id"
        }
        _ => "see the task's error; cp_fc_get_async_task shows its events",
    };
    json!({"report": {"succeeded": op.status == OpStatus::Succeeded, "message": op.message, "task": op.snapshot, "next": next}})
}

/// The operation kind.
pub(crate) fn task_kind() -> OperationKind {
    OperationKind {
        name: "cp.fc_async_task",
        calls: &[GET_ASYNC_TASK],
        interval: Duration::from_secs(INTERVAL_S),
        max_duration: Duration::from_secs(MAX_S),
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}
