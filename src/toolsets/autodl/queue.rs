//! Creates, direct and queued. AutoDL's create takes no idempotency key, so every plan sends a
//! plan-derived name (`<name>-sg<6 hex>`) and every re-submit is preceded by a look-up of that
//! name: a lost answer or a restart never creates twice.
//!
//! A queued submit is a long operation (`autodl.queued_submit`): the confirmation submits at
//! once when GPUs are idle, else answers with a handle; the poll then checks the stock every
//! `interval_s`, submits when any requested model has `gpu_num` idle GPUs (aggregate, as the
//! skill does), counts failed submits (the third is a `submission_error` with the API's answer
//! and the likely cause) and gives up after `timeout_s` (a `timeout` with the last stock).

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::{
    GPU_STOCK, LIST_DEPLOYMENTS, Reads, declared, find_deployment, stock, stock_json,
};
use crate::failure::{FailureKind, ToolFailure};
use crate::operations::{OpStatus, Operation, now_ms};
use crate::providers::{ProviderError, ProviderRequest, ProviderResponse, RetryMode};
use crate::toolsets::{Begun, ExecContext, ExecOutcome, OperationKind, PollContext, Polled};

/// Submits that fail before the queue gives up.
pub const MAX_SUBMIT_FAILURES: u64 = 3;
/// The longest a queued submit may wait (the seed's "0 = forever" is not offered).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);
/// How often the runner looks; each look checks the stock only every `interval_s`.
pub const TICK: Duration = Duration::from_secs(5);

fn name_of(args: &Map<String, Value>) -> String {
    args.get("deployment_name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The answer of a create, recovered by the plan-derived name.
fn found(deployment: &Value, name: &str) -> ProviderResponse {
    ProviderResponse {
        status: 200,
        request_id: None,
        body: json!({"code": "Success", "data": {"deployment_uuid": deployment["uuid"]}, "deployment_name": name, "queued": false}),
    }
}

/// Looks the deployment up by the plan's name.
async fn by_name(ctx: &ExecContext<'_>) -> Result<Option<ExecOutcome>, ToolFailure> {
    let name = name_of(ctx.arguments);
    let deployment = find_deployment(&Reads::Exec(ctx), json!({"name": name})).await?;
    Ok(deployment.map(|d| ExecOutcome::Recovered {
        response: found(&d, &name),
        how: format!(
            "deployment `{}` was found by its plan-derived name `{name}`",
            d["uuid"].as_str().unwrap_or_default()
        ),
    }))
}

/// `autodl.create`: one create, never re-sent after a lost answer (the read-back looks first).
pub(crate) async fn create(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let mut response = ctx
        .send(RetryMode::NotAfterSend)
        .await
        .map_err(ToolFailure::from)?;
    if let Some(body) = response.body.as_object_mut() {
        body.insert("deployment_name".into(), json!(name_of(ctx.arguments)));
    }
    Ok(ExecOutcome::Executed(response))
}

/// Read-back of both creates: the deployment exists under the plan's name.
pub(crate) async fn create_read_back(
    ctx: &ExecContext<'_>,
) -> Result<Option<ExecOutcome>, ToolFailure> {
    by_name(ctx).await
}

/// Whether any requested model has `gpu_num` idle GPUs.
fn enough(stock: &[(String, u64, u64)], names: &[String], gpu_num: u64) -> bool {
    stock
        .iter()
        .any(|(n, idle, _)| names.contains(n) && *idle >= gpu_num)
}

fn template_needs(request: &ProviderRequest) -> (Vec<String>, u64) {
    let template = request
        .body
        .as_ref()
        .and_then(|b| b.get("container_template"));
    let names = crate::toolsets::string_list(template.and_then(|t| t.get("gpu_name_set")));
    let n = template
        .and_then(|t| t.get("gpu_num"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    (names, n)
}

/// `autodl.queue_submit`: submit now if GPUs are idle, else queue; either way the answer starts
/// the long operation (the request it will send is part of it, exactly as previewed).
pub(crate) async fn queue_submit(ctx: &ExecContext<'_>) -> Result<ExecOutcome, ToolFailure> {
    let name = name_of(ctx.arguments);
    let request = serde_json::to_value(ctx.request)
        .map_err(|e| ToolFailure::new(FailureKind::InternalError, e.to_string()))?;
    let (names, gpu_num) = template_needs(ctx.request);
    let stock_answer = ctx.read(&declared(GPU_STOCK, json!({}))).await?;
    let now = stock(&stock_answer);
    let mut body = json!({"queued": true, "deployment_name": name, "request": request, "last_stock": stock_json(&now)});
    if enough(&now, &names, gpu_num) {
        match ctx.send(RetryMode::NotAfterSend).await {
            Ok(answer) => {
                body["queued"] = json!(false);
                body["code"] = answer.body["code"].clone();
                body["data"] = answer.body["data"].clone();
                return Ok(ExecOutcome::Executed(ProviderResponse { body, ..answer }));
            }
            // Unknown outcome: the plan stays pending and its next confirmation reads back.
            Err(error) if error.outcome_unknown() => return Err(ToolFailure::from(error)),
            Err(error) => {
                body["failures"] = json!(1);
                body["last_error"] = api_response(&error);
            }
        }
    }
    Ok(ExecOutcome::Executed(ProviderResponse {
        status: 202,
        request_id: None,
        body,
    }))
}

fn api_response(error: &ProviderError) -> Value {
    json!({"code": error.code, "msg": error.message, "http_status": error.http_status})
}

fn begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let name = name_of(args);
    let subject = json!({
        "deployment_name": name,
        "request": answer["request"],
        "interval_s": args.get("interval_s").and_then(Value::as_u64).unwrap_or(30),
        "timeout_s": args.get("timeout_s").and_then(Value::as_u64).unwrap_or(21_600),
        "submitted_uuid": answer.pointer("/data/deployment_uuid"),
        "failures": answer.get("failures").and_then(Value::as_u64).unwrap_or(0),
        "last_error": answer.get("last_error"),
        "last_stock": answer.get("last_stock"),
    });
    Ok(Begun {
        key: format!("autodl/{name}"),
        subject,
    })
}

/// `autodl_queue_status`: the queued submit of a plan-derived name. One this server does not
/// know is reported as such by the poll (its subject has no request).
fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let name = name_of(args);
    Ok(Begun {
        key: format!("autodl/{name}"),
        subject: json!({"deployment_name": name}),
    })
}

/// Nominal (unscaled) seconds since the operation started: the deadline was set from
/// [`MAX_WAIT`] scaled by the server's operation time scale, so the scale is recovered from it.
fn nominal_elapsed(op: &Operation) -> u64 {
    let span = op.deadline_ms.saturating_sub(op.created_ms).max(1) as f64;
    let scale = span / (MAX_WAIT.as_millis() as f64);
    let real = now_ms().saturating_sub(op.created_ms) as f64 / 1000.0;
    (real / scale.max(1e-9)) as u64
}

fn suggestion(error: &Value) -> String {
    let msg = error["msg"].as_str().unwrap_or_default();
    let mut out = vec!["the GPUs looked idle but the create was refused".to_string()];
    if msg.contains("price") {
        out.push("the price range matches no machine: widen price_from/price_to (CNY x 1000 per GPU-hour)".into());
    }
    if msg.contains("cpu") || msg.contains("memory") {
        out.push("the cpu/memory range is beyond a host's scheduling unit x gpu_num: lower the _from floors, raise the _to limits".into());
    }
    if msg.contains("CUDA") || msg.contains("cuda") {
        out.push("the CUDA version is newer than the drivers of these GPUs: lower cuda_v".into());
    }
    if out.len() == 1 {
        out.push("check the price range, the cpu/memory ranges against the host units, and the CUDA version against the GPU models".into());
    }
    out.join("; ")
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let op = ctx.operation;
    let subject = &op.subject;
    let mut snap = match &op.snapshot {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let name = subject["deployment_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let elapsed = nominal_elapsed(op);
    let succeeded = |snap: &mut Map<String, Value>, uuid: Value, how: &str| {
        snap.insert("deployment_uuid".into(), uuid.clone());
        snap.insert("waited_seconds".into(), json!(elapsed));
        Polled {
            status: OpStatus::Succeeded,
            message: format!(
                "deployment {} created ({how}) after {elapsed} s",
                uuid.as_str().unwrap_or_default()
            ),
            snapshot: Value::Object(snap.clone()),
        }
    };
    if subject["submitted_uuid"].is_string() {
        snap.insert("waited_seconds".into(), json!(0));
        return Ok(succeeded(
            &mut snap,
            subject["submitted_uuid"].clone(),
            "submitted at confirmation",
        ));
    }
    let interval = subject["interval_s"].as_u64().unwrap_or(30);
    let last = snap.get("last_check_s").and_then(Value::as_u64);
    if last.is_some_and(|l| elapsed < l + interval) {
        return Ok(Polled {
            status: OpStatus::Running,
            message: op.message.clone(),
            snapshot: op.snapshot.clone(),
        });
    }
    snap.insert("last_check_s".into(), json!(elapsed));
    // Before anything is (re-)submitted: has an earlier attempt (a lost answer, a process that
    // died after sending) already created it?
    let existing = find_deployment(&Reads::Poll(ctx), json!({"name": name})).await?;
    if let Some(d) = existing {
        return Ok(succeeded(
            &mut snap,
            d["uuid"].clone(),
            "found by its plan-derived name",
        ));
    }
    let stock_now = stock(&ctx.read(&declared(GPU_STOCK, json!({}))).await?);
    snap.insert("last_stock".into(), stock_json(&stock_now));
    let request: ProviderRequest = serde_json::from_value(subject["request"].clone()).map_err(|_| {
        ToolFailure::new(FailureKind::NotFound, format!("no queued submit `{name}` on this server, and no deployment of that name"))
            .with_hint("autodl_list_deployments shows what exists; the name is the one the confirmation returned")
    })?;
    let (names, gpu_num) = template_needs(&request);
    let mut failures = snap
        .get("failures")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| subject["failures"].as_u64().unwrap_or(0));
    if enough(&stock_now, &names, gpu_num) {
        match ctx.calls.send(&request, RetryMode::NotAfterSend).await {
            Ok(answer) => {
                return Ok(succeeded(
                    &mut snap,
                    answer
                        .body
                        .pointer("/data/deployment_uuid")
                        .cloned()
                        .unwrap_or(Value::Null),
                    "submitted",
                ));
            }
            Err(error) if error.outcome_unknown() => {
                snap.insert("in_doubt".into(), json!(true));
                return Ok(Polled {
                    status: OpStatus::Running,
                    message: format!(
                        "the submit's answer was lost ({}); looking the deployment up by name before any re-submit",
                        error.message
                    ),
                    snapshot: Value::Object(snap),
                });
            }
            Err(error) => {
                failures += 1;
                snap.insert("failures".into(), json!(failures));
                snap.insert("last_error".into(), api_response(&error));
                if failures >= MAX_SUBMIT_FAILURES {
                    return Ok(Polled {
                        status: OpStatus::Failed,
                        message: format!(
                            "submission_error: {failures} submits failed; last: {}",
                            error.message
                        ),
                        snapshot: Value::Object(snap),
                    });
                }
            }
        }
    }
    let timeout = subject["timeout_s"].as_u64().unwrap_or(21_600);
    if elapsed >= timeout {
        return Ok(Polled {
            status: OpStatus::TimedOut,
            message: format!("timeout: no idle GPU of {names:?} within {timeout} s"),
            snapshot: Value::Object(snap),
        });
    }
    let idle: Vec<String> = stock_now
        .iter()
        .filter(|(n, _, _)| names.contains(n))
        .map(|(n, i, t)| format!("{n} {i}/{t} idle"))
        .collect();
    let message = if failures > 0 {
        format!(
            "waiting: {failures} submit(s) failed so far; {} (need {gpu_num}); waited {elapsed} s",
            idle.join(", ")
        )
    } else {
        format!(
            "waiting for GPUs: {} (need {gpu_num}); waited {elapsed} s",
            idle.join(", ")
        )
    };
    Ok(Polled {
        status: OpStatus::Running,
        message,
        snapshot: Value::Object(snap),
    })
}

fn report(op: &Operation) -> Value {
    let s = &op.snapshot;
    let subject = &op.subject;
    let last_error = s
        .get("last_error")
        .filter(|v| !v.is_null())
        .or(subject.get("last_error"))
        .cloned()
        .unwrap_or(Value::Null);
    let common = json!({"deployment_name": subject["deployment_name"], "last_stock": s.get("last_stock").or(subject.get("last_stock"))});
    let mut report = match op.status {
        OpStatus::Succeeded => {
            json!({"status": "success", "deployment_uuid": s["deployment_uuid"], "waited_seconds": s["waited_seconds"]})
        }
        OpStatus::Failed if s.get("failures").is_some() => json!({
            "status": "error", "error_type": "submission_error", "message": op.message,
            "details": {"api_response": last_error, "suggestion": suggestion(&last_error), "failures": s["failures"]},
        }),
        OpStatus::Failed => {
            json!({"status": "error", "error_type": "api_error", "message": op.message})
        }
        OpStatus::TimedOut => json!({
            "status": "error", "error_type": "timeout", "message": op.message,
            "details": {"elapsed_seconds": s.get("last_check_s"), "timeout_seconds": subject["timeout_s"], "last_stock": s.get("last_stock")},
            "suggestions": ["allow more GPU models in gpu_name_set or try later", "autodl_gpu_stock shows the stock now"],
        }),
        OpStatus::Cancelled => json!({"status": "cancelled", "message": op.message}),
        OpStatus::Running => {
            json!({"status": "waiting", "message": op.message, "failures": s.get("failures")})
        }
    };
    if let (Some(out), Some(extra)) = (report.as_object_mut(), common.as_object()) {
        out.extend(extra.clone());
    }
    json!({"report": report})
}

/// The queued-submit kind.
pub(crate) fn kind() -> OperationKind {
    OperationKind {
        name: "autodl.queued_submit",
        calls: &[GPU_STOCK, LIST_DEPLOYMENTS],
        interval: TICK,
        max_duration: MAX_WAIT,
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}
