//! `cp.dlc_job`: following a DLC job until Succeeded, Failed or Stopped with the skill's
//! cadence and stall rules (seed-operations.md 3.8): a look every 30 s for up to 2 h; an image
//! that cannot be pulled (ImagePullBackOff, ErrImagePull, ImageInspectError) ends the wait after
//! 300 s; no status change for four looks (six in the warm-up states Creating, Queuing, Waiting,
//! EnvPreparing) attaches the pods' events and logs; a Failed or Stopped job ends with them.
//!
//! The rules count looks, not wall time, so they hold whatever the operation time scale.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::api::declared;
use crate::failure::{FailureKind, ToolFailure};
use crate::operations::{OpStatus, Operation};
use crate::toolsets::{Begun, OperationKind, PollContext, Polled};

pub(crate) const GET_JOB: &str = "cp_pai_get_job";
pub(crate) const POD_LOGS: &str = "cp_pai_get_pod_logs";
pub(crate) const POD_EVENTS: &str = "cp_pai_get_pod_events";

const INTERVAL_S: u64 = 30;
const MAX_S: u64 = 7200;
const IMAGE_PULL_S: u64 = 300;
const STALL_LOOKS: u64 = 4;
const WARM_UP_STALL_S: u64 = 180;
const WARM_UP: [&str; 4] = ["Creating", "Queuing", "Waiting", "EnvPreparing"];
const PULL_ERRORS: [&str; 3] = ["ImagePullBackOff", "ErrImagePull", "ImageInspectError"];
/// Log lines attached per pod to a diagnosis.
const DIAGNOSTIC_LINES: u64 = 50;

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn subject(args: &Map<String, Value>, job_id: &str) -> Begun {
    let region = args
        .get("region_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Begun {
        key: format!("{region}/{job_id}"),
        subject: json!({"region_id": region, "job_id": job_id}),
    }
}

fn begin(args: &Map<String, Value>, answer: &Value) -> Result<Begun, ToolFailure> {
    let id = answer
        .get("JobId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::ProviderUnavailable,
                "PAI-DLC answered without the job id",
            )
        })?;
    Ok(subject(args, id))
}

fn adopt(args: &Map<String, Value>) -> Result<Begun, ToolFailure> {
    let id = args
        .get("job_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(subject(args, id))
}

/// Every pod's events and last log lines.
async fn diagnostics(ctx: &PollContext<'_>, job_id: &str, pods: &[Value]) -> Value {
    let mut out = Vec::new();
    for pod in pods {
        let pod_id = text(pod, "PodId");
        let events = ctx
            .read(&declared(
                POD_EVENTS,
                json!({"job_id": job_id, "pod_id": pod_id}),
            ))
            .await
            .map(|r| r.body.get("Events").cloned().unwrap_or(Value::Null))
            .unwrap_or_else(|e| json!(format!("events unavailable: {}", e.message)));
        let logs = ctx
            .read(&declared(
                POD_LOGS,
                json!({"job_id": job_id, "pod_id": pod_id, "max_lines": DIAGNOSTIC_LINES}),
            ))
            .await
            .map(|r| r.body.get("Logs").cloned().unwrap_or(Value::Null))
            .unwrap_or_else(|e| json!(format!("logs unavailable: {}", e.message)));
        out.push(
            json!({"pod_id": pod_id, "status": pod.get("Status"), "events": events, "logs": logs}),
        );
    }
    Value::Array(out)
}

fn count(snapshot: &Value, key: &str) -> u64 {
    snapshot.get(key).and_then(Value::as_u64).unwrap_or(0)
}

async fn poll(ctx: &PollContext<'_>) -> Result<Polled, ToolFailure> {
    let job_id = text(&ctx.operation.subject, "job_id").to_string();
    let job = ctx
        .read(&declared(GET_JOB, json!({"job_id": job_id})))
        .await?
        .body;
    let status = text(&job, "Status").to_string();
    let pods: Vec<Value> = job
        .get("Pods")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let previous = &ctx.operation.snapshot;
    let same_looks = if text(previous, "status") == status {
        count(previous, "unchanged_looks") + 1
    } else {
        0
    };
    let pulling = PULL_ERRORS.contains(&text(&job, "ReasonCode"))
        || pods
            .iter()
            .any(|p| PULL_ERRORS.contains(&text(p, "SubStatus")));
    let pull_looks = if pulling {
        count(previous, "image_pull_looks") + 1
    } else {
        0
    };
    let stall_limit = if WARM_UP.contains(&status.as_str()) {
        WARM_UP_STALL_S / INTERVAL_S
    } else {
        STALL_LOOKS
    };
    let mut snapshot = json!({
        "job_id": job_id,
        "status": status,
        "display_name": job.get("DisplayName"),
        "reason_code": job.get("ReasonCode"),
        "reason_message": job.get("ReasonMessage"),
        "pods": pods.iter().map(|p| json!({"pod_id": p.get("PodId"), "status": p.get("Status"), "sub_status": p.get("SubStatus")})).collect::<Vec<_>>(),
        "unchanged_looks": same_looks,
        "image_pull_looks": pull_looks,
    });
    let (op, message) = match status.as_str() {
        "Succeeded" => (OpStatus::Succeeded, format!("{job_id} Succeeded")),
        "Failed" | "Stopped" => (
            OpStatus::Failed,
            format!("{job_id} {status}: {}", text(&job, "ReasonMessage")),
        ),
        "" => (OpStatus::Failed, format!("{job_id} no longer exists")),
        _ if pull_looks * INTERVAL_S >= IMAGE_PULL_S => (
            OpStatus::Failed,
            format!(
                "{job_id} cannot pull its image for {IMAGE_PULL_S} s ({}); the wait stops, the job is still {status}",
                text(&job, "ReasonCode")
            ),
        ),
        other => (OpStatus::Running, format!("{job_id} is {other}")),
    };
    let stalled = op == OpStatus::Running && same_looks >= stall_limit;
    if op == OpStatus::Failed || stalled {
        snapshot["diagnostics"] = diagnostics(ctx, &job_id, &pods).await;
    }
    if stalled {
        snapshot["stalled"] = json!(format!(
            "no status change for {} s",
            same_looks * INTERVAL_S
        ));
    }
    Ok(Polled {
        status: op,
        message,
        snapshot,
    })
}

fn report(op: &Operation) -> Value {
    let next = match op.status {
        OpStatus::Succeeded => "read the output with cp_pai_get_pod_logs",
        OpStatus::Running => "still running: poll again with job_status",
        _ => "see the diagnostics; cp_pai_stop_job stops a job still pulling its image",
    };
    json!({"report": {"succeeded": op.status == OpStatus::Succeeded, "message": op.message, "job": op.snapshot, "next": next}})
}

/// The operation kind.
pub(crate) fn job_kind() -> OperationKind {
    OperationKind {
        name: "cp.dlc_job",
        calls: &[GET_JOB, POD_LOGS, POD_EVENTS],
        interval: Duration::from_secs(INTERVAL_S),
        max_duration: Duration::from_secs(MAX_S),
        begin,
        adopt,
        poll: crate::poller!(poll),
        report,
    }
}

/// Reader `cp.dlc_job_logs`: the job's status and every pod's last `max_lines` log lines (a pod
/// whose logs cannot be read says so in its entry instead of failing the whole answer).
pub async fn job_logs(
    ctx: &mut crate::toolsets::GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let job_id = ctx.arg_str("job_id").unwrap_or_default();
    let max_lines = ctx
        .args
        .get("max_lines")
        .and_then(Value::as_u64)
        .unwrap_or(2000);
    let response = ctx
        .read(&declared(GET_JOB, json!({"job_id": job_id})))
        .await?;
    let job = response.body;
    let mut pods = Vec::new();
    for pod in job
        .get("Pods")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pod_id = text(pod, "PodId");
        let logs = ctx
            .read(&declared(
                POD_LOGS,
                json!({"job_id": job_id, "pod_id": pod_id, "max_lines": max_lines}),
            ))
            .await
            .map(|r| r.body.get("Logs").cloned().unwrap_or(Value::Null))
            .unwrap_or_else(|e| json!(format!("logs unavailable: {}", e.message)));
        pods.push(json!({"pod_id": pod_id, "status": pod.get("Status"), "logs": logs}));
    }
    let mut out = Map::new();
    out.insert("job_id".into(), json!(job_id));
    out.insert(
        "status".into(),
        job.get("Status").cloned().unwrap_or(Value::Null),
    );
    out.insert("pods".into(), Value::Array(pods));
    if let Some(id) = response.request_id {
        out.insert("request_id".into(), json!(id));
    }
    Ok(out)
}

pub(crate) const LIST_IMAGES: &str = "cp_pai_list_images";

/// The image-name prefix of a job type's framework (`None`: a plain shell job, which gets the
/// light base image on CPU).
fn framework_prefix(job_type: &str) -> Option<&'static str> {
    match job_type {
        "PyTorchJob" | "MPIJob" => Some("pytorch"),
        "TFJob" => Some("tensorflow"),
        "XGBoostJob" => Some("xgboost"),
        _ => None,
    }
}

/// The best DLC image for a job type and chip, from ListImages (`system.supported.dlc=true` and
/// the chip type), by framework prefix, leaving out the specialised accl / ngc / deepEp builds as
/// the skill does; with the read's request id.
pub(crate) async fn best_image(
    ctx: &crate::toolsets::GuardContext<'_>,
    job_type: &str,
    chip: &str,
) -> Result<(Value, Option<String>), ToolFailure> {
    let labels = format!("system.supported.dlc=true,system.chipType={chip}");
    let response = ctx
        .read(&declared(
            LIST_IMAGES,
            json!({"labels": labels, "page_size": 100}),
        ))
        .await?;
    let images: Vec<Value> = response
        .body
        .get("Images")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let plain = |i: &&Value| {
        let name = text(i, "Name").to_ascii_lowercase();
        !["accl", "ngc", "deepep"].iter().any(|x| name.contains(x))
    };
    let wanted =
        framework_prefix(job_type).unwrap_or(if chip == "CPU" { "ubuntu" } else { "pytorch" });
    let chosen = images
        .iter()
        .filter(plain)
        .find(|i| text(i, "Name").to_ascii_lowercase().starts_with(wanted))
        .cloned()
        .ok_or_else(|| {
            ToolFailure::new(
                FailureKind::NotFound,
                format!("no DLC {chip} image matches `{wanted}` for {job_type}"),
            )
            .with_hint("list them with cp_pai_list_images and pass one as the job's image")
        })?;
    Ok((chosen, response.request_id))
}

/// Reader `cp.dlc_resolve_image`: [`best_image`] for the job type and chip asked.
pub async fn resolve_image(
    ctx: &mut crate::toolsets::GuardContext<'_>,
) -> Result<Map<String, Value>, ToolFailure> {
    let job_type = ctx
        .arg_str("job_type")
        .unwrap_or_else(|| "PyTorchJob".into());
    let chip = ctx.arg_str("chip_type").unwrap_or_else(|| "CPU".into());
    let (chosen, request_id) = best_image(ctx, &job_type, &chip).await?;
    let mut out = Map::new();
    for (key, from) in [
        ("image_uri", "ImageUri"),
        ("image_id", "ImageId"),
        ("name", "Name"),
    ] {
        out.insert(key.into(), chosen.get(from).cloned().unwrap_or(Value::Null));
    }
    out.insert("job_type".into(), json!(job_type));
    out.insert("chip_type".into(), json!(chip));
    if let Some(id) = request_id {
        out.insert("request_id".into(), json!(id));
    }
    Ok(out)
}
