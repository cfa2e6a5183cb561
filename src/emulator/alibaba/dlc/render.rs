//! Wire shapes of DLC jobs and pods, with the SDK's field names; logs and events are
//! synthesised from the job's status, command and image (nothing is run).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::emulator::alibaba::dlc::models::{Job, Outcome, TERMINAL};
use crate::emulator::core::clock::format_time;

fn time_or_empty(t: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    t.filter(|t| *t <= now).map(format_time).unwrap_or_default()
}

/// The pod status for a job status.
fn pod_status(job_status: &str) -> &'static str {
    match job_status {
        "Creating" | "Queuing" | "EnvPreparing" => "Pending",
        "Running" => "Running",
        "Succeeded" => "Succeeded",
        "Stopped" => "Stopped",
        _ => "Failed",
    }
}

/// The job's pods, as `GetJob` lists them (none before the job leaves the queue).
pub fn pods(job: &Job, now: OffsetDateTime) -> Vec<Value> {
    let status = job.status(now);
    if matches!(status, "Creating" | "Queuing") {
        return Vec::new();
    }
    let started = job.entered("Running");
    let finished = TERMINAL
        .contains(&status)
        .then(|| job.entered(status))
        .flatten();
    job.pod_names()
        .into_iter()
        .enumerate()
        .map(|(i, (id, role))| {
            json!({
                "PodId": id,
                "PodUid": format!("{:08x}-0000-4000-8000-{:012x}", i + 1, job.gmt_create.unix_timestamp()),
                "Type": role,
                "Status": pod_status(status),
                "SubStatus": if status == "EnvPreparing" && job.outcome() == Outcome::ImagePull { "ImagePullBackOff" } else { "" },
                "Ip": format!("10.224.{}.{}", i / 200, 10 + i % 200),
                "PodIps": [],
                "NodeName": format!("cn-hangzhou.10.0.{}.{}", i / 200, 20 + i % 200),
                "ResourceType": "ECS",
                "GmtCreateTime": time_or_empty(job.entered("EnvPreparing"), now),
                "GmtStartTime": time_or_empty(started, now),
                "GmtFinishTime": time_or_empty(finished, now),
                "HistoryPods": [],
            })
        })
        .collect()
}

/// A job as `ListJobs` answers it.
pub fn job_item(job: &Job, now: OffsetDateTime) -> Map<String, Value> {
    let status = job.status(now);
    let (reason_code, reason_message) = job.reason(now);
    let value = json!({
        "JobId": job.id,
        "DisplayName": job.display_name,
        "JobType": job.job_type,
        "Status": status,
        "SubStatus": "",
        "WorkspaceId": job.workspace_id,
        "WorkspaceName": job.workspace_name,
        "ResourceId": job.resource_id,
        "ResourceType": "ECS",
        "ResourceLevel": if job.resource_id.is_empty() { "Public" } else { "Quota" },
        "UserCommand": job.user_command,
        "JobSpecs": job.job_specs,
        "Settings": job.settings,
        "Envs": job.envs,
        "UserId": job.user_id,
        "ReasonCode": reason_code,
        "ReasonMessage": reason_message,
        "Priority": 1,
        "GmtCreateTime": format_time(job.gmt_create),
        "GmtSubmittedTime": format_time(job.gmt_create),
        "GmtRunningTime": time_or_empty(job.entered("Running"), now),
        "GmtSuccessedTime": if status == "Succeeded" { time_or_empty(job.entered("Succeeded"), now) } else { String::new() },
        "GmtFailedTime": if status == "Failed" { time_or_empty(job.entered("Failed"), now) } else { String::new() },
        "GmtStoppedTime": time_or_empty(job.stopped_at, now),
        "GmtFinishTime": if TERMINAL.contains(&status) { time_or_empty(job.entered(status), now) } else { String::new() },
        "Duration": (now - job.gmt_create).whole_seconds().max(0),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The `GetJob` body (without `RequestId`): the list item plus pods and status history.
pub fn job_detail(job: &Job, now: OffsetDateTime) -> Map<String, Value> {
    let mut map = job_item(job, now);
    map.insert("Pods".into(), Value::Array(pods(job, now)));
    let current = job.status(now);
    let mut history = Vec::new();
    for status in ["Creating", "Queuing", "EnvPreparing", "Running"] {
        if let Some(start) = job.entered(status).filter(|t| *t <= now) {
            history.push(json!({"Status": status, "StartTime": format_time(start)}));
        }
        if status == current {
            break;
        }
    }
    if TERMINAL.contains(&current) {
        history.push(
            json!({"Status": current, "StartTime": time_or_empty(job.entered(current), now)}),
        );
    }
    map.insert("StatusHistory".into(), Value::Array(history));
    map
}

/// The synthesised log lines of one pod at `now`.
pub fn pod_logs(job: &Job, now: OffsetDateTime) -> Vec<String> {
    let status = job.status(now);
    if matches!(status, "Creating" | "Queuing" | "EnvPreparing") {
        return Vec::new();
    }
    let mut lines = vec![
        format!("[dlc] image {} ready", job.image()),
        format!("[dlc] {} on {}", job.job_type, job.ecs_spec()),
    ];
    for line in job
        .user_command
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        lines.push(format!("+ {line}"));
    }
    match (status, job.outcome()) {
        ("Running", _) => lines.push("[dlc] running".into()),
        ("Succeeded", _) => lines.push("[dlc] command finished with exit code 0".into()),
        ("Failed", Outcome::ExitCode(code)) => {
            lines.push(format!("[dlc] command finished with exit code {code}"));
        }
        ("Stopped", _) => lines.push("[dlc] terminated: the job was stopped".into()),
        _ => {}
    }
    lines
}

/// The synthesised Kubernetes events of one pod at `now`.
pub fn pod_events(job: &Job, pod: &str, now: OffsetDateTime) -> Vec<String> {
    let status = job.status(now);
    let mut out = Vec::new();
    let Some(scheduled) = job.entered("EnvPreparing").filter(|t| *t <= now) else {
        return out;
    };
    let at = format_time(scheduled);
    let image = job.image();
    out.push(format!(
        "{at} Normal Scheduled Successfully assigned {pod} to a node"
    ));
    out.push(format!("{at} Normal Pulling Pulling image \"{image}\""));
    if job.outcome() == Outcome::ImagePull {
        out.push(format!(
            "{at} Warning Failed Failed to pull image \"{image}\": manifest unknown; ErrImagePull"
        ));
        out.push(format!(
            "{at} Warning BackOff Back-off pulling image \"{image}\"; ImagePullBackOff"
        ));
        return out;
    }
    if let Some(running) = job.entered("Running").filter(|t| *t <= now) {
        let at = format_time(running);
        out.push(format!(
            "{at} Normal Pulled Successfully pulled image \"{image}\""
        ));
        out.push(format!("{at} Normal Created Created container worker"));
        out.push(format!("{at} Normal Started Started container worker"));
    }
    if status == "Stopped" {
        out.push(format!(
            "{} Normal Killing Stopping container worker",
            time_or_empty(job.stopped_at, now)
        ));
    }
    out
}
