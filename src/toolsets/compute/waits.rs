//! Long operations of the compute toolset (seed-operations.md 3.8, the Poll column): a new
//! instance until Running (`cp.instance_running`, 10 s, 300 s), a Cloud Assistant run until it
//! ends (`cp.invocation`, 5 s, the run's timeout + 60 s), and the one-shot run that then releases
//! what this server created (`cp.run_and_cleanup`): instance, security group, VSwitch, VPC, in
//! that order, each retried on `IncorrectInstanceStatus` / `DependencyViolation` up to five
//! times, whatever the script's outcome (the skill's try/finally).

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::{DESCRIBE_INSTANCES, INVOCATION_RESULTS, declared};
use super::commands::decode_output;
use super::infra::{invoke_id, release_args};
use crate::catalog::lookup_first;
use crate::failure::{FailureKind, ToolFailure};
use crate::operations::{OpStatus, Operation};
use crate::providers::RetryMode;
use crate::toolsets::{Begun, OperationKind, PollContext, Polled};

const INSTANCE_INTERVAL: Duration = Duration::from_secs(10);
const INSTANCE_MAX: Duration = Duration::from_secs(300);
const INVOCATION_INTERVAL: Duration = Duration::from_secs(5);
/// The longest run Cloud Assistant allows (a day) plus the skill's minute of grace.
const INVOCATION_MAX: Duration = Duration::from_secs(86_400 + 60);
/// Attempts per release before it is reported as left behind.
const RELEASE_ATTEMPTS: u64 = 5;
/// Errors that mean "not yet": the instance is still being released, or something still uses
/// the resource.
const RETRY_CODES: [&str; 2] = ["IncorrectInstanceStatus", "DependencyViolation"];
/// Terminal invocation states.
const ENDED: [&str; 5] = ["Success", "Finished", "Failed", "PartialFailed", "Stopped"];

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn region(args: &Map<String, Value>) -> String {
    args.get("region_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn missing(what: &str) -> ToolFailure {
    ToolFailure::new(
        FailureKind::ProviderUnavailable,
        format!("ECS answered without the {what}"),
    )
}

// ------------------------------------------------------------------------ instance Running

fn instance_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = lookup_first(
        answer,
        "run.InstanceIdSets.InstanceIdSet.0|InstanceIdSets.InstanceIdSet.0",
    )
    .and_then(Value::as_str)
    .ok_or_else(|| missing("instance id"))?;
    let region = region(args);
    Ok(Begun {
        key: format!("{region}/{id}"),
        subject: json!({"region_id": region, "instance_id": id, "hourly_cost": args.get("quote_unit_price")}),
    })
}

fn instance_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let region = region(args);
    let id = args
        .get("instance_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Begun {
        key: format!("{region}/{id}"),
        subject: json!({"region_id": region, "instance_id": id}),
    })
}

async fn instance_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let id = text(&ctx.operation.subject, "instance_id").to_string();
    let body = ctx
        .read(&declared(DESCRIBE_INSTANCES, json!({"instance_ids": [id]})))
        .await?
        .body;
    let instance = body
        .pointer("/Instances/Instance/0")
        .cloned()
        .unwrap_or(Value::Null);
    let status = text(&instance, "Status").to_string();
    let (op, message) = match status.as_str() {
        "Running" => (OpStatus::Succeeded, format!("{id} is Running")),
        "" => (OpStatus::Failed, format!("{id} no longer exists")),
        "Stopped" | "Stopping" | "Error" => (OpStatus::Failed, format!("{id} is {status}")),
        other => (OpStatus::Running, format!("{id} is {other}")),
    };
    Ok(Polled {
        status: op,
        message,
        snapshot: json!({
            "instance_id": id,
            "status": status,
            "zone_id": instance.get("ZoneId"),
            "instance_type": instance.get("InstanceType"),
            "public_ip": instance.pointer("/PublicIpAddress/IpAddress/0"),
            "private_ip": instance.pointer("/VpcAttributes/PrivateIpAddress/IpAddress/0"),
            "hourly_cost": ctx.operation.subject.get("hourly_cost"),
        }),
    })
}

fn instance_report(op: &Operation) -> Value {
    let next = if op.status == OpStatus::Succeeded {
        "run the script with cp_ecs_run_command_and_cleanup (one-shot) or cp_ecs_run_command_and_wait (kept service, billed hourly)"
    } else {
        "cp_ecs_describe_instances shows the instance; release it with cp_ecs_delete_instances"
    };
    json!({"report": {"running": op.status == OpStatus::Succeeded, "message": op.message, "instance": op.snapshot, "next": next}})
}

/// A new instance until Running.
pub(crate) fn instance_kind() -> OperationKind {
    OperationKind {
        name: "cp.instance_running",
        calls: &[DESCRIBE_INSTANCES],
        interval: INSTANCE_INTERVAL,
        max_duration: INSTANCE_MAX,
        begin: instance_begin,
        adopt: instance_adopt,
        poll: crate::poller!(instance_poll),
        report: instance_report,
    }
}

// ------------------------------------------------------------------------- invocation ended

fn invocation_subject(args: &Map<String, Value>, invoke: &str) -> Begun {
    let region = region(args);
    let instance = args
        .get("instance_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Begun {
        key: format!("{region}/{invoke}"),
        subject: json!({
            "region_id": region,
            "invoke_id": invoke,
            "instance_id": instance,
            "timeout_s": args.get("timeout").and_then(Value::as_u64).unwrap_or(600),
        }),
    }
}

fn invocation_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let invoke = invoke_id(answer).ok_or_else(|| missing("invoke id"))?;
    Ok(invocation_subject(args, invoke))
}

fn invocation_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let invoke = args
        .get("invoke_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(invocation_subject(args, invoke))
}

/// One look at a run: `(ended, snapshot)`; past its timeout + 60 s it counts as ended.
async fn look_at_run(ctx: &PollContext<'_>) -> Result<(bool, Value), ToolFailure> {
    let subject = &ctx.operation.subject;
    let invoke = text(subject, "invoke_id");
    let instance = text(subject, "instance_id");
    let body = ctx
        .read(&declared(
            INVOCATION_RESULTS,
            json!({"invoke_id": invoke, "instance_id": instance}),
        ))
        .await?
        .body;
    let result = body
        .pointer("/Invocation/InvocationResults/InvocationResult/0")
        .cloned()
        .unwrap_or(Value::Null);
    let status = text(&result, "InvocationStatus").to_string();
    let elapsed_s = ctx
        .operation
        .updated_ms
        .saturating_sub(ctx.operation.created_ms)
        / 1000;
    let limit = subject["timeout_s"].as_u64().unwrap_or(600) + 60;
    let ended = ENDED.contains(&status.as_str());
    let timed_out = !ended && elapsed_s > limit;
    Ok((
        ended || timed_out,
        json!({
            "invoke_id": invoke,
            "instance_id": instance,
            "status": if timed_out { "TimedOut".to_string() } else { status },
            "exit_code": result.get("ExitCode"),
            "output": decode_output(text(&result, "Output")),
            "error_code": result.get("ErrorCode"),
            "error_info": result.get("ErrorInfo"),
        }),
    ))
}

fn run_succeeded(snapshot: &Value) -> bool {
    matches!(text(snapshot, "status"), "Success" | "Finished")
        && snapshot["exit_code"].as_i64().unwrap_or(0) == 0
}

async fn invocation_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let (ended, snapshot) = look_at_run(ctx).await?;
    let status = text(&snapshot, "status").to_string();
    let op = match (ended, run_succeeded(&snapshot)) {
        (false, _) => OpStatus::Running,
        (true, true) => OpStatus::Succeeded,
        (true, false) => OpStatus::Failed,
    };
    Ok(Polled {
        status: op,
        message: format!("the run is {status}"),
        snapshot,
    })
}

fn invocation_report(op: &Operation) -> Value {
    json!({"report": {
        "status": op.snapshot.get("status"),
        "exit_code": op.snapshot.get("exit_code"),
        "output": op.snapshot.get("output"),
        "message": op.message,
        "next": "the instance is kept and billed hourly: release it with cp_ecs_delete_instances when the service is no longer needed",
    }})
}

/// A Cloud Assistant run until it ends.
pub(crate) fn invocation_kind() -> OperationKind {
    OperationKind {
        name: "cp.invocation",
        calls: &[INVOCATION_RESULTS],
        interval: INVOCATION_INTERVAL,
        max_duration: INVOCATION_MAX,
        begin: invocation_begin,
        adopt: invocation_adopt,
        poll: crate::poller!(invocation_poll),
        report: invocation_report,
    }
}

// ------------------------------------------------------------------- one-shot run + cleanup

fn cleanup_begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let invoke = invoke_id(answer).ok_or_else(|| missing("invoke id"))?;
    let mut begun = invocation_subject(args, invoke);
    let mut releases = Vec::new();
    for (param, kind) in [
        ("instance_id", "instance"),
        ("security_group_id", "security group"),
        ("vswitch_id", "VSwitch"),
        ("vpc_id", "VPC"),
    ] {
        if let Some(id) = args.get(param).and_then(Value::as_str) {
            releases.push(json!({"kind": kind, "id": id, "state": "pending", "attempts": 0}));
        }
    }
    begun.subject["releases"] = Value::Array(releases);
    Ok(begun)
}

/// Finds the confirmed cleanup by its key; a run adopted without one releases nothing (only a
/// confirmed plan names what may be released).
fn cleanup_adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let mut begun = invocation_adopt(args)?;
    begun.subject["releases"] = json!([]);
    Ok(begun)
}

/// Tries the next pending release; `Ok(true)` when it is done (or already gone).
async fn release(ctx: &PollContext<'_>, kind: &str, id: &str) -> Result<bool, (bool, String)> {
    let region = text(&ctx.operation.subject, "region_id");
    let Some((tool, args)) = release_args(region, kind, id) else {
        return Err((false, format!("no release call for {kind}")));
    };
    let request = ctx
        .calls
        .request(tool, &args)
        .map_err(|failure| (false, failure.message))?;
    match ctx.calls.send(&request, RetryMode::Safe).await {
        Ok(_) => Ok(true),
        Err(error) => {
            let code = error.code.clone().unwrap_or_default();
            if code.contains("NotFound") || code.contains("NotExist") {
                return Ok(true);
            }
            let retry = RETRY_CODES.iter().any(|c| code.contains(c)) || error.retryable();
            Err((retry, format!("{code}: {}", error.message)))
        }
    }
}

async fn cleanup_poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let previous = &ctx.operation.snapshot;
    let run = match previous.get("run").filter(|run| !run.is_null()) {
        Some(run) => run.clone(),
        None => {
            let (ended, snapshot) = look_at_run(ctx).await?;
            if !ended {
                return Ok(Polled {
                    status: OpStatus::Running,
                    message: format!("the script is {}", text(&snapshot, "status")),
                    snapshot: json!({"run": Value::Null, "progress": snapshot, "releases": ctx.operation.subject["releases"]}),
                });
            }
            snapshot
        }
    };
    let mut releases: Vec<Value> = previous
        .get("releases")
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| ctx.operation.subject["releases"].as_array().cloned())
        .unwrap_or_default();
    // In order: a later release waits until the earlier one is done.
    for item in releases.iter_mut() {
        match text(item, "state") {
            "released" | "left" => continue,
            _ => {}
        }
        let kind = text(item, "kind").to_string();
        let id = text(item, "id").to_string();
        let attempts = item["attempts"].as_u64().unwrap_or(0) + 1;
        item["attempts"] = json!(attempts);
        match release(ctx, &kind, &id).await {
            Ok(_) => item["state"] = json!("released"),
            Err((true, why)) if attempts < RELEASE_ATTEMPTS => {
                item["state"] = json!("retrying");
                item["last_error"] = json!(why);
                break;
            }
            Err((_, why)) => {
                item["state"] = json!("left");
                item["last_error"] = json!(why);
                // What depends on it stays too: stop here and report.
                break;
            }
        }
    }
    let pending = releases
        .iter()
        .any(|r| matches!(text(r, "state"), "pending" | "retrying"));
    let left = releases.iter().any(|r| text(r, "state") == "left");
    let blocked = left && pending;
    let status = match (pending && !blocked, left, run_succeeded(&run)) {
        (true, _, _) => OpStatus::Running,
        (false, false, true) => OpStatus::Succeeded,
        _ => OpStatus::Failed,
    };
    let released = releases
        .iter()
        .filter(|r| text(r, "state") == "released")
        .count();
    Ok(Polled {
        status,
        message: format!(
            "the script ended {} (exit {}); {released} of {} released",
            text(&run, "status"),
            run["exit_code"],
            releases.len()
        ),
        snapshot: json!({"run": run, "releases": releases}),
    })
}

fn cleanup_report(op: &Operation) -> Value {
    let releases = op.snapshot.get("releases").cloned().unwrap_or(Value::Null);
    let left: Vec<Value> = releases
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|r| text(r, "state") != "released")
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    json!({"report": {
        "script": op.snapshot.get("run"),
        "releases": releases,
        "left_behind": left,
        "message": op.message,
        "next": if left.is_empty() { "nothing this run created is left" } else { "release what is left with the cp_ecs_delete_* / cp_vpc_delete_* tools (each needs CONFIRM <ID>)" },
    }})
}

/// A one-shot run, then the releases.
pub(crate) fn cleanup_kind() -> OperationKind {
    OperationKind {
        name: "cp.run_and_cleanup",
        calls: &[INVOCATION_RESULTS],
        interval: INVOCATION_INTERVAL,
        max_duration: INVOCATION_MAX,
        begin: cleanup_begin,
        adopt: cleanup_adopt,
        poll: crate::poller!(cleanup_poll),
        report: cleanup_report,
    }
}
